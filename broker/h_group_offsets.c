/*
 * h_group_offsets.c - the group coordinator's offset and administration
 * APIs: OffsetCommit v0-7, OffsetFetch v0-7, ListGroups v0-4,
 * DescribeGroups v0-4, DeleteGroups v0-1.
 *
 * OffsetCommit: a partition that does not exist gets
 * UNKNOWN_TOPIC_OR_PARTITION; the others go to group_commit, which checks
 * the member and generation and appends them to __consumer_offsets as one
 * batch before the answer is written. As in Kafka, a valid member may
 * commit any existing partition, assigned to it or not. retention_time_ms
 * (v2-4) becomes the commit's expire time (offset value v1).
 *
 * Cluster mode: every API first asks coordinator_check (NOT_COORDINATOR,
 * COORDINATOR_LOAD_IN_PROGRESS); ListGroups lists the groups of the
 * partitions this broker leads. An OffsetCommit is answered once the high
 * watermark covers its batch (commit_wait below); if it cannot be, the
 * accepted partitions get coordinator_commit_error's code (NOT_COORDINATOR,
 * COORDINATOR_NOT_AVAILABLE or REQUEST_TIMED_OUT). The commit is already
 * in memory then, as it is in the leader's log.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/coordinator.h"
#include "broker/group.h"
#include "broker/logging.h"
#include "broker/server.h"
#include "broker/topics.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

/* An OffsetCommit answer waiting for the ISR: the response (names copied
 * into the arena) is encoded when the wait ends. */
typedef struct commit_wait {
    server_conn *conn;
    server_slot *slot;
    int16_t version;
    wire_arena arena;
    proto_offset_commit_resp out;
    replica_wait *rw;
} commit_wait;

static void commit_wait_free(commit_wait *cw) {
    wire_arena_free(&cw->arena);
    free(cw);
}

static void commit_replicated(void *arg, int16_t error) {
    commit_wait *cw = arg;
    int16_t code = coordinator_commit_error(error);
    for (int32_t t = 0; code != KAFKA_NONE && t < cw->out.topic_count; t++)
        for (int32_t p = 0; p < cw->out.topics[t].partition_count; p++)
            if (cw->out.topics[t].partitions[p].error_code == KAFKA_NONE)
                cw->out.topics[t].partitions[p].error_code = code;
    proto_offset_commit_resp_encode(server_slot_writer(cw->slot), cw->version, &cw->out);
    server_response_complete(cw->conn, cw->slot);
    commit_wait_free(cw);
}

static void commit_cancel(void *arg) {
    commit_wait *cw = arg;
    replica_wait_cancel(cw->rw);
    commit_wait_free(cw);
}

/* Take the answer over until the ISR has the commit: 1 taken, 0 answer
 * now, -1 out of memory. The arena `a` moves into the wait. */
static int commit_defer(broker_request *req, wire_arena *a, proto_offset_commit_resp *out) {
    commit_wait *cw = calloc(1, sizeof *cw);
    if (!cw)
        return -1;
    int nomem;
    cw->rw = coordinator_op_wait(req->b, commit_replicated, cw, &nomem);
    if (!cw->rw) {
        free(cw);
        return nomem ? -1 : 0;
    }
    cw->conn = req->conn;
    cw->slot = req->slot;
    cw->version = req->api_version;
    cw->out = *out;
    cw->arena = *a;
    /* the topic names point into the request frame: copy them */
    for (int32_t t = 0; t < out->topic_count; t++) {
        wire_str n = out->topics[t].name;
        if (n.len <= 0)
            continue;
        char *c = wire_arena_alloc(&cw->arena, (size_t)n.len);
        if (c)
            memcpy(c, n.ptr, (size_t)n.len);
        cw->out.topics[t].name = c ? (wire_str){c, n.len} : wire_str_from("");
    }
    req->deferred = 1;
    server_slot_on_cancel(req->slot, commit_cancel, cw);
    return 1;
}

int h_offset_commit(broker_request *req) {
    int16_t v = req->api_version;
    wire_arena a;
    wire_arena_init(&a);
    proto_offset_commit_req in;
    if (proto_offset_commit_req_decode(&req->body, v, &a, &in) != 0)
        return broker_request_fail(req, &a, "OffsetCommit body");
    int64_t now = broker_now_ms();
    coordinator_op_begin(req->b);
    int16_t topic_err = coordinator_check(req->b, in.group_id);
    if (topic_err == KAFKA_NONE && !req->b->cluster)
        topic_err = coordinator_ensure_topic(req->b);
    proto_offset_commit_resp out;
    memset(&out, 0, sizeof out);
    out.topic_count = in.topic_count < 0 ? 0 : in.topic_count;
    int32_t total = 0;
    for (int32_t t = 0; t < out.topic_count; t++)
        total += in.topics[t].partition_count > 0 ? in.topics[t].partition_count : 0;
    group_commit_entry *e = total ? wire_arena_calloc(&a, (size_t)total, sizeof *e) : NULL;
    proto_offset_commit_resp_partition **back =
        total ? wire_arena_calloc(&a, (size_t)total, sizeof *back) : NULL;
    if ((out.topic_count &&
         !(out.topics = wire_arena_calloc(&a, (size_t)out.topic_count, sizeof *out.topics))) ||
        (total && (!e || !back)))
        return broker_request_fail(req, &a, "out of memory");
    int32_t n = 0;
    for (int32_t t = 0; t < out.topic_count; t++) {
        const proto_offset_commit_req_topic *it = &in.topics[t];
        proto_offset_commit_resp_topic *ot = &out.topics[t];
        ot->name = it->name;
        ot->partition_count = it->partition_count < 0 ? 0 : it->partition_count;
        if (ot->partition_count && !(ot->partitions = wire_arena_calloc(
                                         &a, (size_t)ot->partition_count, sizeof *ot->partitions)))
            return broker_request_fail(req, &a, "out of memory");
        for (int32_t p = 0; p < ot->partition_count; p++) {
            const proto_offset_commit_req_partition *ip = &it->partitions[p];
            proto_offset_commit_resp_partition *op = &ot->partitions[p];
            op->partition_index = ip->partition_index;
            if (topic_err != KAFKA_NONE) {
                op->error_code = topic_err;
                continue;
            }
            topic_partition *tp =
                topics_partition(req->b->topics, it->name.ptr, it->name.len, ip->partition_index);
            if (!tp) {
                op->error_code = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
                continue;
            }
            group_commit_entry *ce = &e[n];
            back[n++] = op;
            ce->topic = it->name;
            ce->partition = ip->partition_index;
            ce->offset = ip->committed_offset;
            ce->leader_epoch = v >= 6 ? ip->committed_leader_epoch : -1;
            ce->metadata = ip->committed_metadata;
            ce->expire_timestamp =
                v >= 2 && v <= 4 && in.retention_time_ms != -1 ? now + in.retention_time_ms : -1;
        }
    }
    if (n > 0 && topic_err == KAFKA_NONE) {
        group_commit(coordinator_groups(req->b), in.group_id, in.generation_id, in.member_id,
                     in.group_instance_id, e, n, now);
        for (int32_t i = 0; i < n; i++)
            back[i]->error_code = e[i].error;
    }
    coordinator_reschedule(req->b);
    int deferred = commit_defer(req, &a, &out);
    if (deferred > 0)
        return 0;     /* the arena went with the wait */
    if (deferred < 0) /* the batch is in the log; the ISR's answer cannot be awaited */
        for (int32_t i = 0; i < n; i++)
            if (back[i]->error_code == KAFKA_NONE)
                back[i]->error_code = KAFKA_COORDINATOR_NOT_AVAILABLE;
    proto_offset_commit_resp_encode(req->out, v, &out);
    wire_arena_free(&a);
    return 0;
}

static void fetch_fill(proto_offset_fetch_resp_partition *op, const group_offset *o,
                       int32_t partition) {
    op->partition_index = partition;
    op->error_code = KAFKA_NONE;
    op->committed_offset = o ? o->offset : -1;
    op->committed_leader_epoch = o ? o->leader_epoch : -1;
    op->metadata = wire_str_from(o ? o->metadata : "");
}

/* Topics null (v2+): every committed offset of the group, by topic. */
static int fetch_all(const group *g, wire_arena *a, proto_offset_fetch_resp *out) {
    if (!g || g->offset_count == 0)
        return 0;
    out->topics = wire_arena_calloc(a, (size_t)g->offset_count, sizeof *out->topics);
    if (!out->topics)
        return -1;
    for (int32_t i = 0; i < g->offset_count; i++) {
        const group_offset *o = &g->offsets[i];
        int32_t t = 0;
        while (t < out->topic_count && !wire_str_eq(out->topics[t].name, o->topic))
            t++;
        if (t < out->topic_count)
            continue;
        proto_offset_fetch_resp_topic *ot = &out->topics[out->topic_count++];
        ot->name = wire_str_from(o->topic);
        int32_t count = 0;
        for (int32_t k = i; k < g->offset_count; k++)
            count += strcmp(g->offsets[k].topic, o->topic) == 0;
        if (!(ot->partitions = wire_arena_calloc(a, (size_t)count, sizeof *ot->partitions)))
            return -1;
        for (int32_t k = i; k < g->offset_count; k++)
            if (strcmp(g->offsets[k].topic, o->topic) == 0)
                fetch_fill(&ot->partitions[ot->partition_count++], &g->offsets[k],
                           g->offsets[k].partition);
    }
    return 0;
}

int h_offset_fetch(broker_request *req) {
    int16_t v = req->api_version;
    wire_arena a;
    wire_arena_init(&a);
    proto_offset_fetch_req in;
    if (proto_offset_fetch_req_decode(&req->body, v, &a, &in) != 0)
        return broker_request_fail(req, &a, "OffsetFetch body");
    proto_offset_fetch_resp out;
    memset(&out, 0, sizeof out);
    const group *g =
        in.group_id.len < 0 ? NULL : group_find(coordinator_groups(req->b), in.group_id);
    int16_t where = coordinator_check(req->b, in.group_id);
    if (in.group_id.len < 0) {
        out.error_code = KAFKA_INVALID_GROUP_ID;
    } else if (where != KAFKA_NONE) {
        /* Kafka: v2+ a top-level error only, v0-1 the error per partition */
        out.error_code = where;
        out.topic_count = v < 2 && in.topic_count > 0 ? in.topic_count : 0;
        if (out.topic_count &&
            !(out.topics = wire_arena_calloc(&a, (size_t)out.topic_count, sizeof *out.topics)))
            return broker_request_fail(req, &a, "out of memory");
        for (int32_t t = 0; t < out.topic_count; t++) {
            proto_offset_fetch_resp_topic *ot = &out.topics[t];
            ot->name = in.topics[t].name;
            ot->partition_count =
                in.topics[t].partition_count < 0 ? 0 : in.topics[t].partition_count;
            if (ot->partition_count &&
                !(ot->partitions =
                      wire_arena_calloc(&a, (size_t)ot->partition_count, sizeof *ot->partitions)))
                return broker_request_fail(req, &a, "out of memory");
            for (int32_t p = 0; p < ot->partition_count; p++) {
                fetch_fill(&ot->partitions[p], NULL, in.topics[t].partitions[p]);
                ot->partitions[p].error_code = where;
            }
        }
    } else if (in.topic_count < 0) {
        if (fetch_all(g, &a, &out) != 0)
            return broker_request_fail(req, &a, "out of memory");
    } else {
        out.topic_count = in.topic_count;
        if (out.topic_count &&
            !(out.topics = wire_arena_calloc(&a, (size_t)out.topic_count, sizeof *out.topics)))
            return broker_request_fail(req, &a, "out of memory");
        for (int32_t t = 0; t < out.topic_count; t++) {
            const proto_offset_fetch_req_topic *it = &in.topics[t];
            proto_offset_fetch_resp_topic *ot = &out.topics[t];
            ot->name = it->name;
            ot->partition_count = it->partition_count < 0 ? 0 : it->partition_count;
            if (ot->partition_count &&
                !(ot->partitions =
                      wire_arena_calloc(&a, (size_t)ot->partition_count, sizeof *ot->partitions)))
                return broker_request_fail(req, &a, "out of memory");
            for (int32_t p = 0; p < ot->partition_count; p++)
                fetch_fill(&ot->partitions[p], group_offset_find(g, it->name, it->partitions[p]),
                           it->partitions[p]);
        }
    }
    proto_offset_fetch_resp_encode(req->out, v, &out);
    wire_arena_free(&a);
    return 0;
}

static int state_matches(const char *state, wire_str want) {
    size_t n = strlen(state);
    if (want.len < 0 || (size_t)want.len != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)state[i]) != tolower((unsigned char)want.ptr[i]))
            return 0;
    return 1;
}

int h_list_groups(broker_request *req) {
    int16_t v = req->api_version;
    wire_arena a;
    wire_arena_init(&a);
    proto_list_groups_req in;
    if (proto_list_groups_req_decode(&req->body, v, &a, &in) != 0)
        return broker_request_fail(req, &a, "ListGroups body");
    group_coord *gc = coordinator_groups(req->b);
    proto_list_groups_resp out;
    memset(&out, 0, sizeof out);
    out.error_code = coordinator_list_check(req->b);
    int32_t n = out.error_code == KAFKA_NONE ? group_coord_count(gc) : 0;
    if (n && !(out.groups = wire_arena_calloc(&a, (size_t)n, sizeof *out.groups)))
        return broker_request_fail(req, &a, "out of memory");
    for (group *g = group_coord_first(gc); g && out.group_count < n; g = g->next) {
        if (coordinator_check(req->b, wire_str_from(g->id)) != KAFKA_NONE)
            continue; /* cluster mode: this broker is fenced or lost the partition */
        const char *state = group_state_name(g->state);
        int keep = in.states_filter_count <= 0;
        for (int32_t i = 0; !keep && i < in.states_filter_count; i++)
            keep = state_matches(state, in.states_filter[i]);
        if (!keep)
            continue;
        proto_list_groups_group *lg = &out.groups[out.group_count++];
        lg->group_id = wire_str_from(g->id);
        lg->protocol_type = wire_str_from(g->protocol_type ? g->protocol_type : "");
        lg->group_state = wire_str_from(state);
    }
    proto_list_groups_resp_encode(req->out, v, &out);
    wire_arena_free(&a);
    return 0;
}

int h_describe_groups(broker_request *req) {
    int16_t v = req->api_version;
    wire_arena a;
    wire_arena_init(&a);
    proto_describe_groups_req in;
    if (proto_describe_groups_req_decode(&req->body, v, &a, &in) != 0)
        return broker_request_fail(req, &a, "DescribeGroups body");
    group_coord *gc = coordinator_groups(req->b);
    proto_describe_groups_resp out;
    memset(&out, 0, sizeof out);
    out.group_count = in.group_count < 0 ? 0 : in.group_count;
    if (out.group_count &&
        !(out.groups = wire_arena_calloc(&a, (size_t)out.group_count, sizeof *out.groups)))
        return broker_request_fail(req, &a, "out of memory");
    for (int32_t i = 0; i < out.group_count; i++) {
        proto_describe_groups_group *og = &out.groups[i];
        og->group_id = in.groups[i];
        og->authorized_operations = INT32_MIN;
        og->protocol_type = og->protocol_data = wire_str_from("");
        og->group_state = wire_str_from(group_state_name(GROUP_DEAD));
        if (in.groups[i].len < 0) {
            og->error_code = KAFKA_INVALID_GROUP_ID;
            continue;
        }
        if ((og->error_code = coordinator_check(req->b, in.groups[i])) != KAFKA_NONE)
            continue;
        group *g = group_find(gc, in.groups[i]);
        if (!g)
            continue;
        int stable = g->state == GROUP_STABLE;
        og->group_state = wire_str_from(group_state_name(g->state));
        og->protocol_type = wire_str_from(g->protocol_type ? g->protocol_type : "");
        og->protocol_data = wire_str_from(stable && g->protocol ? g->protocol : "");
        if (g->member_count &&
            !(og->members = wire_arena_calloc(&a, (size_t)g->member_count, sizeof *og->members)))
            return broker_request_fail(req, &a, "out of memory");
        for (gmember *m = g->members; m; m = m->next) {
            proto_describe_groups_member *dm = &og->members[og->member_count++];
            dm->member_id = wire_str_from(m->member_id);
            dm->group_instance_id = wire_str_from(m->instance_id);
            dm->client_id = wire_str_from(m->client_id ? m->client_id : "");
            dm->client_host = wire_str_from(m->client_host ? m->client_host : "");
            dm->member_metadata = dm->member_assignment = (wire_bytes){NULL, 0};
            if (!stable)
                continue;
            for (int32_t k = 0; k < m->protocol_count; k++)
                if (g->protocol && strcmp(m->protocols[k].name, g->protocol) == 0)
                    dm->member_metadata =
                        (wire_bytes){m->protocols[k].metadata, m->protocols[k].metadata_len};
            dm->member_assignment = (wire_bytes){m->assignment, m->assignment_len};
        }
    }
    proto_describe_groups_resp_encode(req->out, v, &out);
    wire_arena_free(&a);
    return 0;
}

int h_delete_groups(broker_request *req) {
    int16_t v = req->api_version;
    wire_arena a;
    wire_arena_init(&a);
    proto_delete_groups_req in;
    if (proto_delete_groups_req_decode(&req->body, v, &a, &in) != 0)
        return broker_request_fail(req, &a, "DeleteGroups body");
    proto_delete_groups_resp out;
    memset(&out, 0, sizeof out);
    out.result_count = in.group_count < 0 ? 0 : in.group_count;
    if (out.result_count &&
        !(out.results = wire_arena_calloc(&a, (size_t)out.result_count, sizeof *out.results)))
        return broker_request_fail(req, &a, "out of memory");
    int64_t now = broker_now_ms();
    for (int32_t i = 0; i < out.result_count; i++) {
        out.results[i].group_id = in.groups[i];
        coordinator_op_begin(req->b);
        out.results[i].error_code = coordinator_check(req->b, in.groups[i]);
        if (out.results[i].error_code == KAFKA_NONE)
            out.results[i].error_code = group_delete(coordinator_groups(req->b), in.groups[i], now);
        if (out.results[i].error_code == KAFKA_NONE)
            BLOG_I("peer=%s: deleted group %.*s", req->peer, (int)in.groups[i].len,
                   in.groups[i].ptr);
    }
    proto_delete_groups_resp_encode(req->out, v, &out);
    wire_arena_free(&a);
    coordinator_reschedule(req->b);
    return 0;
}
