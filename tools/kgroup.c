/*
 * kgroup.c - consumer-group admin requests of the `strand group` commands
 * and kcluster, the per-broker connections they route requests over.
 *
 * Same pattern as tools/kadmin.c: pick a version both sides implement,
 * fill a proto_* request, encode, send through a kclient, decode into a
 * small result type whose arrays live in an arena and whose strings are
 * slices into the kept response. Group requests go to the group's
 * coordinator (kgroup_find_coordinator); ListOffsets goes to each
 * partition's leader (kcluster_offsets), so the commands are already right
 * for a cluster of several brokers.
 */
#include "tools/kgroup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wire/kafka.h"

static int nomem(kclient *c) {
    snprintf(c->err, sizeof c->err, "out of memory");
    return -1;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int retriable_coordinator_error(int16_t ec) {
    return ec == KAFKA_COORDINATOR_NOT_AVAILABLE || ec == KAFKA_COORDINATOR_LOAD_IN_PROGRESS ||
           ec == KAFKA_NOT_COORDINATOR;
}

int kgroup_find_coordinator(kclient *c, const char *group, kgroup_coordinator *out,
                            int16_t *error) {
    *error = KAFKA_NONE;
    int v = kclient_pick_version(c, KAFKA_API_FIND_COORDINATOR, 0, 2);
    if (v < 0)
        return -1;
    int64_t deadline = mono_ms() + c->timeout_ms;
    for (;;) {
        proto_find_coordinator_req req = {.key = wire_str_from(group),
                                          .key_type = PROTO_COORDINATOR_GROUP};
        wire_writer w;
        wire_writer_init(&w);
        proto_find_coordinator_req_encode(&w, (int16_t)v, &req);
        uint8_t *resp;
        wire_reader r;
        if (kadmin_request(c, KAFKA_API_FIND_COORDINATOR, v, &w, &resp, &r) < 0)
            return -1;
        wire_arena a;
        wire_arena_init(&a);
        proto_find_coordinator_resp fr;
        if (proto_find_coordinator_resp_decode(&r, (int16_t)v, &a, &fr) != 0) {
            wire_arena_free(&a);
            return kadmin_malformed(c, KAFKA_API_FIND_COORDINATOR, v, resp);
        }
        *error = fr.error_code;
        if (fr.error_code == KAFKA_NONE) {
            int hl = fr.host.len > 0 ? fr.host.len : 0;
            int v6 = hl > 0 && memchr(fr.host.ptr, ':', (size_t)hl) != NULL;
            out->node_id = fr.node_id;
            snprintf(out->addr, sizeof out->addr, v6 ? "[%.*s]:%d" : "%.*s:%d", hl,
                     hl ? fr.host.ptr : "", (int)fr.port);
        } else {
            snprintf(c->err, sizeof c->err, "%s: FindCoordinator for group '%s' failed: %s%s%.*s",
                     c->addr, group, kafka_error_name(fr.error_code),
                     fr.error_message.len > 0 ? ": " : "",
                     fr.error_message.len > 0 ? fr.error_message.len : 0,
                     fr.error_message.len > 0 ? fr.error_message.ptr : "");
        }
        wire_arena_free(&a);
        free(resp);
        if (*error == KAFKA_NONE)
            return 0;
        if (!retriable_coordinator_error(*error) || mono_ms() + 100 > deadline)
            return -1;
        struct timespec backoff = {0, 100 * 1000 * 1000}; /* retry pacing, not a wait for state */
        nanosleep(&backoff, NULL);
    }
}

int kgroup_list_get(kclient *c, kgroup_list *out) {
    memset(out, 0, sizeof *out);
    wire_arena_init(&out->arena);
    int v = kclient_pick_version(c, KAFKA_API_LIST_GROUPS, 0, 4);
    if (v < 0)
        return -1;
    proto_list_groups_req req = {.states_filter_count = 0, .states_filter = NULL};
    wire_writer w;
    wire_writer_init(&w);
    proto_list_groups_req_encode(&w, (int16_t)v, &req);
    wire_reader r;
    if (kadmin_request(c, KAFKA_API_LIST_GROUPS, v, &w, &out->resp, &r) < 0)
        return -1;
    proto_list_groups_resp lr;
    if (proto_list_groups_resp_decode(&r, (int16_t)v, &out->arena, &lr) != 0) {
        wire_arena_free(&out->arena);
        int rc = kadmin_malformed(c, KAFKA_API_LIST_GROUPS, v, out->resp);
        out->resp = NULL;
        return rc;
    }
    out->error = lr.error_code;
    out->n = lr.group_count > 0 ? lr.group_count : 0;
    out->groups = wire_arena_calloc(&out->arena, (size_t)out->n, sizeof *out->groups);
    if (out->n && !out->groups) {
        kgroup_list_free(out);
        return nomem(c);
    }
    for (int32_t i = 0; i < out->n; i++) {
        out->groups[i].group_id = lr.groups[i].group_id;
        out->groups[i].protocol_type = lr.groups[i].protocol_type;
        out->groups[i].state = v >= 4 ? lr.groups[i].group_state : WIRE_STR_NULL;
    }
    return 0;
}

void kgroup_list_free(kgroup_list *l) {
    free(l->resp);
    l->resp = NULL;
    wire_arena_free(&l->arena);
}

int kgroup_describe(kclient *c, const char *const *groups, int n, kgroup_descriptions *out) {
    memset(out, 0, sizeof *out);
    wire_arena_init(&out->arena);
    int v = kclient_pick_version(c, KAFKA_API_DESCRIBE_GROUPS, 0, 4);
    if (v < 0)
        return -1;
    wire_str *ids = calloc((size_t)n + 1, sizeof *ids);
    if (!ids)
        return nomem(c);
    for (int i = 0; i < n; i++)
        ids[i] = wire_str_from(groups[i]);
    proto_describe_groups_req req = {
        .group_count = n, .groups = ids, .include_authorized_operations = 0};
    wire_writer w;
    wire_writer_init(&w);
    proto_describe_groups_req_encode(&w, (int16_t)v, &req);
    free(ids);
    wire_reader r;
    if (kadmin_request(c, KAFKA_API_DESCRIBE_GROUPS, v, &w, &out->resp, &r) < 0)
        return -1;
    proto_describe_groups_resp dr;
    if (proto_describe_groups_resp_decode(&r, (int16_t)v, &out->arena, &dr) != 0) {
        wire_arena_free(&out->arena);
        int rc = kadmin_malformed(c, KAFKA_API_DESCRIBE_GROUPS, v, out->resp);
        out->resp = NULL;
        return rc;
    }
    out->n = dr.group_count > 0 ? dr.group_count : 0;
    out->groups = wire_arena_calloc(&out->arena, (size_t)out->n, sizeof *out->groups);
    if (out->n && !out->groups) {
        kgroup_descriptions_free(out);
        return nomem(c);
    }
    for (int32_t i = 0; i < out->n; i++) {
        const proto_describe_groups_group *g = &dr.groups[i];
        kgroup_description *d = &out->groups[i];
        d->error = g->error_code;
        d->group_id = g->group_id;
        d->state = g->group_state;
        d->protocol_type = g->protocol_type;
        d->protocol = g->protocol_data;
        d->n_members = g->member_count > 0 ? g->member_count : 0;
        d->members = wire_arena_calloc(&out->arena, (size_t)d->n_members, sizeof *d->members);
        if (d->n_members && !d->members) {
            kgroup_descriptions_free(out);
            return nomem(c);
        }
        int consumer = wire_str_eq(g->protocol_type, PROTO_CONSUMER_PROTOCOL_TYPE);
        for (int32_t j = 0; j < d->n_members; j++) {
            const proto_describe_groups_member *gm = &g->members[j];
            kgroup_member *m = &d->members[j];
            m->member_id = gm->member_id;
            m->instance_id = gm->group_instance_id;
            m->client_id = gm->client_id;
            m->client_host = gm->client_host;
            m->assignment_raw = gm->member_assignment;
            if (consumer && gm->member_assignment.len >= 0) {
                wire_reader ar;
                wire_reader_init(&ar, gm->member_assignment.ptr, (size_t)gm->member_assignment.len);
                m->has_assignment =
                    proto_consumer_assignment_decode(&ar, &out->arena, &m->assignment) == 0;
            }
        }
    }
    return 0;
}

void kgroup_descriptions_free(kgroup_descriptions *d) {
    free(d->resp);
    d->resp = NULL;
    wire_arena_free(&d->arena);
}

const kgroup_description *kgroup_descriptions_find(const kgroup_descriptions *d,
                                                   const char *group) {
    for (int32_t i = 0; i < d->n; i++)
        if (wire_str_eq(d->groups[i].group_id, group))
            return &d->groups[i];
    return NULL;
}

int kgroup_offsets_fetch(kclient *c, const char *group, kgroup_offsets *out) {
    memset(out, 0, sizeof *out);
    wire_arena_init(&out->arena);
    /* v2 is the first that can ask for every partition (topics null) */
    int v = kclient_pick_version(c, KAFKA_API_OFFSET_FETCH, 2, 7);
    if (v < 0)
        return -1;
    proto_offset_fetch_req req = {
        .group_id = wire_str_from(group), .topic_count = -1, .topics = NULL, .require_stable = 0};
    wire_writer w;
    wire_writer_init(&w);
    proto_offset_fetch_req_encode(&w, (int16_t)v, &req);
    wire_reader r;
    if (kadmin_request(c, KAFKA_API_OFFSET_FETCH, v, &w, &out->resp, &r) < 0)
        return -1;
    proto_offset_fetch_resp fr;
    if (proto_offset_fetch_resp_decode(&r, (int16_t)v, &out->arena, &fr) != 0) {
        wire_arena_free(&out->arena);
        int rc = kadmin_malformed(c, KAFKA_API_OFFSET_FETCH, v, out->resp);
        out->resp = NULL;
        return rc;
    }
    out->error = fr.error_code;
    int64_t total = 0;
    for (int32_t i = 0; i < fr.topic_count; i++)
        total += fr.topics[i].partition_count > 0 ? fr.topics[i].partition_count : 0;
    out->entries = wire_arena_calloc(&out->arena, (size_t)total, sizeof *out->entries);
    if (total && !out->entries) {
        kgroup_offsets_free(out);
        return nomem(c);
    }
    for (int32_t i = 0; i < fr.topic_count; i++) {
        const proto_offset_fetch_resp_topic *t = &fr.topics[i];
        for (int32_t j = 0; j < t->partition_count; j++) {
            kgroup_offset *e = &out->entries[out->n++];
            e->topic = t->name;
            e->partition = t->partitions[j].partition_index;
            e->offset = t->partitions[j].committed_offset;
            e->metadata = t->partitions[j].metadata;
            e->error = t->partitions[j].error_code;
        }
    }
    return 0;
}

void kgroup_offsets_free(kgroup_offsets *o) {
    free(o->resp);
    o->resp = NULL;
    wire_arena_free(&o->arena);
}

int kgroup_offsets_commit(kclient *c, const char *group, kgroup_commit *entries, int n) {
    int v = kclient_pick_version(c, KAFKA_API_OFFSET_COMMIT, 2, 7);
    if (v < 0)
        return -1;
    /* one request topic per run of equal topic names (callers sort them) */
    proto_offset_commit_req_topic *topics = calloc((size_t)n + 1, sizeof *topics);
    proto_offset_commit_req_partition *parts = calloc((size_t)n + 1, sizeof *parts);
    if (!topics || !parts) {
        free(topics);
        free(parts);
        return nomem(c);
    }
    int nt = 0;
    for (int i = 0; i < n; i++) {
        entries[i].error = KAFKA_UNKNOWN_SERVER_ERROR;
        if (nt == 0 || !wire_str_eq(topics[nt - 1].name, entries[i].topic)) {
            topics[nt].name = wire_str_from(entries[i].topic);
            topics[nt].partitions = &parts[i];
            nt++;
        }
        topics[nt - 1].partition_count++;
        parts[i].partition_index = entries[i].partition;
        parts[i].committed_offset = entries[i].offset;
        parts[i].committed_leader_epoch = -1;
        parts[i].commit_timestamp = -1;
        parts[i].committed_metadata = wire_str_from("");
    }
    proto_offset_commit_req req = {.group_id = wire_str_from(group),
                                   .generation_id = -1,
                                   .member_id = wire_str_from(""),
                                   .group_instance_id = WIRE_STR_NULL,
                                   .retention_time_ms = -1,
                                   .topic_count = nt,
                                   .topics = topics};
    wire_writer w;
    wire_writer_init(&w);
    proto_offset_commit_req_encode(&w, (int16_t)v, &req);
    free(topics);
    free(parts);
    uint8_t *resp;
    wire_reader r;
    if (kadmin_request(c, KAFKA_API_OFFSET_COMMIT, v, &w, &resp, &r) < 0)
        return -1;
    wire_arena a;
    wire_arena_init(&a);
    proto_offset_commit_resp cr;
    int rc = proto_offset_commit_resp_decode(&r, (int16_t)v, &a, &cr);
    for (int32_t i = 0; rc == 0 && i < cr.topic_count; i++) {
        const proto_offset_commit_resp_topic *t = &cr.topics[i];
        for (int32_t j = 0; j < t->partition_count; j++)
            for (int k = 0; k < n; k++)
                if (entries[k].partition == t->partitions[j].partition_index &&
                    wire_str_eq(t->name, entries[k].topic))
                    entries[k].error = t->partitions[j].error_code;
    }
    wire_arena_free(&a);
    if (rc != 0)
        return kadmin_malformed(c, KAFKA_API_OFFSET_COMMIT, v, resp);
    free(resp);
    return 0;
}

int kgroup_delete(kclient *c, const char *group, int16_t *error) {
    *error = KAFKA_UNKNOWN_SERVER_ERROR;
    int v = kclient_pick_version(c, KAFKA_API_DELETE_GROUPS, 0, 1);
    if (v < 0)
        return -1;
    wire_str id = wire_str_from(group);
    proto_delete_groups_req req = {.group_count = 1, .groups = &id};
    wire_writer w;
    wire_writer_init(&w);
    proto_delete_groups_req_encode(&w, (int16_t)v, &req);
    uint8_t *resp;
    wire_reader r;
    if (kadmin_request(c, KAFKA_API_DELETE_GROUPS, v, &w, &resp, &r) < 0)
        return -1;
    wire_arena a;
    wire_arena_init(&a);
    proto_delete_groups_resp dr;
    int rc = proto_delete_groups_resp_decode(&r, (int16_t)v, &a, &dr);
    for (int32_t i = 0; rc == 0 && i < dr.result_count; i++)
        if (wire_str_eq(dr.results[i].group_id, group))
            *error = dr.results[i].error_code;
    wire_arena_free(&a);
    if (rc != 0)
        return kadmin_malformed(c, KAFKA_API_DELETE_GROUPS, v, resp);
    free(resp);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* kcluster */

int kcluster_open(kcluster *k, kclient *boot, const char *const *topics, int n) {
    memset(k, 0, sizeof *k);
    k->timeout_ms = boot->timeout_ms;
    if (kadmin_metadata_get(boot, topics, n, &k->md) < 0)
        return -1;
    k->n_conns = k->md.n_brokers;
    k->conns = calloc((size_t)k->n_conns + 1, sizeof *k->conns);
    if (!k->conns) {
        kadmin_metadata_free(&k->md);
        return nomem(boot);
    }
    for (int i = 0; i < k->n_conns; i++) {
        k->conns[i].node_id = k->md.brokers[i].id;
        k->conns[i].c.fd = -1;
    }
    return 0;
}

void kcluster_close(kcluster *k) {
    for (int i = 0; i < k->n_conns; i++)
        kclient_close(&k->conns[i].c);
    free(k->conns);
    k->conns = NULL;
    k->n_conns = 0;
    kadmin_metadata_free(&k->md);
}

kclient *kcluster_broker(kcluster *k, int32_t node_id) {
    for (int i = 0; i < k->n_conns; i++) {
        kcluster_conn *cc = &k->conns[i];
        if (cc->node_id != node_id)
            continue;
        if (cc->c.fd >= 0)
            return &cc->c;
        if (cc->tried) {
            snprintf(k->err, sizeof k->err, "%s", cc->c.err);
            return NULL;
        }
        cc->tried = 1;
        const kadmin_broker *b = &k->md.brokers[i];
        int hl = b->host.len > 0 ? b->host.len : 0;
        int v6 = hl > 0 && memchr(b->host.ptr, ':', (size_t)hl) != NULL;
        char addr[300];
        snprintf(addr, sizeof addr, v6 ? "[%.*s]:%d" : "%.*s:%d", hl, hl ? b->host.ptr : "",
                 (int)b->port);
        if (kclient_connect(&cc->c, addr, k->timeout_ms) < 0) {
            snprintf(k->err, sizeof k->err, "broker %d: %s", node_id, cc->c.err);
            return NULL;
        }
        return &cc->c;
    }
    snprintf(k->err, sizeof k->err, "broker %d is not in the cluster's metadata", node_id);
    return NULL;
}

const kadmin_topic *kcluster_topic(const kcluster *k, const char *name) {
    for (int32_t i = 0; i < k->md.n_topics; i++)
        if (wire_str_eq(k->md.topics[i].name, name))
            return &k->md.topics[i];
    return NULL;
}

int kcluster_offsets(kcluster *k, const char *topic, const int32_t *parts, int n, int64_t timestamp,
                     int64_t *offsets, int16_t *errors) {
    const kadmin_topic *t = kcluster_topic(k, topic);
    int32_t *leader = calloc((size_t)n + 1, sizeof *leader);
    int32_t *sub = calloc((size_t)n + 1, sizeof *sub);
    int *idx = calloc((size_t)n + 1, sizeof *idx);
    int64_t *sub_off = calloc((size_t)n + 1, sizeof *sub_off);
    int16_t *sub_err = calloc((size_t)n + 1, sizeof *sub_err);
    int rc = 0;
    if (!leader || !sub || !idx || !sub_off || !sub_err) {
        snprintf(k->err, sizeof k->err, "out of memory");
        rc = -1;
        goto out;
    }
    for (int i = 0; i < n; i++) {
        offsets[i] = -1;
        errors[i] = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
        leader[i] = -1;
        for (int32_t j = 0; t && j < t->n_partitions; j++) {
            if (t->partitions[j].id == parts[i]) {
                leader[i] = t->partitions[j].leader;
                errors[i] = leader[i] < 0 ? KAFKA_LEADER_NOT_AVAILABLE : KAFKA_NONE;
            }
        }
    }
    /* one request per leader, for the partitions it leads */
    for (int i = 0; i < n; i++) {
        if (leader[i] < 0 || errors[i] != KAFKA_NONE)
            continue;
        int32_t node = leader[i];
        int m = 0;
        for (int j = i; j < n; j++) {
            if (leader[j] == node && errors[j] == KAFKA_NONE) {
                idx[m] = j;
                sub[m++] = parts[j];
                leader[j] = -1; /* handled */
            }
        }
        kclient *c = kcluster_broker(k, node);
        int ok = c && kadmin_offsets_list(c, topic, sub, m, timestamp, sub_off, sub_err) == 0;
        if (c && !ok)
            snprintf(k->err, sizeof k->err, "%s", c->err);
        for (int j = 0; j < m; j++) {
            offsets[idx[j]] = ok ? sub_off[j] : -1;
            errors[idx[j]] = ok ? sub_err[j] : KAFKA_NETWORK_EXCEPTION;
        }
    }
out:
    free(leader);
    free(sub);
    free(idx);
    free(sub_off);
    free(sub_err);
    return rc;
}
