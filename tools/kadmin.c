/*
 * kadmin.c - the admin requests of the `strand topic` commands, built and
 * parsed with the shared codecs of wire/protocol.h.
 *
 * Each function picks a version both sides implement
 * (kclient_pick_version), fills a proto_* request, encodes it, sends it
 * through the kclient and decodes the response into the small kadmin_*
 * result types the commands print. Arrays of decoded responses live in the
 * result's arena; strings are slices into the kept response buffer.
 */
#include "tools/kadmin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/kafka.h"
#include "wire/protocol.h"

static int send_body(kclient *c, int16_t api, int v, wire_writer *w, uint8_t **resp,
                     wire_reader *r) {
    size_t len;
    if (w->err) {
        wire_writer_free(w);
        snprintf(c->err, sizeof c->err, "cannot encode %s v%d (%s)", kafka_api_name(api), v,
                 w->err == WIRE_ERR_NOMEM ? "out of memory" : "unsupported version");
        return -1;
    }
    int rc = kclient_call(c, api, (int16_t)v, w->p, w->len, resp, &len);
    wire_writer_free(w);
    if (rc < 0)
        return -1;
    wire_reader_init(r, *resp, len);
    return 0;
}

static int decode_failed(kclient *c, int16_t api, int v, uint8_t *resp) {
    free(resp);
    snprintf(c->err, sizeof c->err, "%s: malformed %s v%d response from the broker", c->addr,
             kafka_api_name(api), v);
    return -1;
}

int kadmin_request(kclient *c, int16_t api, int v, wire_writer *w, uint8_t **resp, wire_reader *r) {
    return send_body(c, api, v, w, resp, r);
}

int kadmin_malformed(kclient *c, int16_t api, int v, uint8_t *resp) {
    return decode_failed(c, api, v, resp);
}

int kadmin_metadata_get(kclient *c, const char *const *names, int n, kadmin_metadata *md) {
    memset(md, 0, sizeof *md);
    wire_arena_init(&md->arena);
    int v = kclient_pick_version(c, KAFKA_API_METADATA, 1, 8);
    if (v < 0)
        return -1;
    proto_metadata_req req = {.topic_count = names ? n : -1,
                              .allow_auto_topic_creation = 0}; /* describing never creates */
    wire_str *topics = NULL;
    if (names && n > 0) {
        topics = calloc((size_t)n, sizeof *topics);
        if (!topics) {
            snprintf(c->err, sizeof c->err, "out of memory");
            return -1;
        }
        for (int i = 0; i < n; i++)
            topics[i] = wire_str_from(names[i]);
    }
    req.topics = topics;
    wire_reader r;
    wire_writer w;
    wire_writer_init(&w);
    proto_metadata_req_encode(&w, (int16_t)v, &req);
    free(topics);
    if (send_body(c, KAFKA_API_METADATA, v, &w, &md->resp, &r) < 0)
        return -1;
    proto_metadata_resp resp;
    if (proto_metadata_resp_decode(&r, (int16_t)v, &md->arena, &resp) != 0) {
        wire_arena_free(&md->arena);
        int rc = decode_failed(c, KAFKA_API_METADATA, v, md->resp);
        md->resp = NULL;
        return rc;
    }
    md->controller = resp.controller_id;
    md->cluster_id = resp.cluster_id;
    md->n_brokers = resp.broker_count > 0 ? resp.broker_count : 0;
    md->n_topics = resp.topic_count > 0 ? resp.topic_count : 0;
    md->brokers = wire_arena_calloc(&md->arena, (size_t)md->n_brokers, sizeof *md->brokers);
    md->topics = wire_arena_calloc(&md->arena, (size_t)md->n_topics, sizeof *md->topics);
    int nomem = (md->n_brokers && !md->brokers) || (md->n_topics && !md->topics);
    for (int32_t i = 0; i < md->n_brokers && !nomem; i++) {
        md->brokers[i].id = resp.brokers[i].node_id;
        md->brokers[i].host = resp.brokers[i].host;
        md->brokers[i].port = resp.brokers[i].port;
    }
    for (int32_t i = 0; i < md->n_topics && !nomem; i++) {
        const proto_metadata_topic *pt = &resp.topics[i];
        kadmin_topic *t = &md->topics[i];
        t->name = pt->name;
        t->error = pt->error_code;
        t->internal = pt->is_internal != 0;
        t->n_partitions = pt->partition_count > 0 ? pt->partition_count : 0;
        t->partitions =
            wire_arena_calloc(&md->arena, (size_t)t->n_partitions, sizeof *t->partitions);
        if (t->n_partitions && !t->partitions) {
            nomem = 1;
            break;
        }
        for (int32_t j = 0; j < t->n_partitions; j++) {
            const proto_metadata_partition *pp = &pt->partitions[j];
            kadmin_partition *p = &t->partitions[j];
            p->id = pp->partition_index;
            p->error = pp->error_code;
            p->leader = pp->leader_id;
            p->leader_epoch = v >= 7 ? pp->leader_epoch : -1;
            p->n_replicas = pp->replica_count > 0 ? pp->replica_count : 0;
            p->replicas = pp->replicas;
            p->n_isr = pp->isr_count > 0 ? pp->isr_count : 0;
            p->isr = pp->isr;
        }
    }
    if (nomem) {
        kadmin_metadata_free(md);
        snprintf(c->err, sizeof c->err, "out of memory");
        return -1;
    }
    return 0;
}

void kadmin_metadata_free(kadmin_metadata *md) {
    free(md->resp);
    md->resp = NULL;
    wire_arena_free(&md->arena);
}

static void copy_msg(wire_str s, char *msg, size_t cap) {
    if (!msg || !cap)
        return;
    if (s.len <= 0) {
        msg[0] = '\0';
        return;
    }
    size_t n = (size_t)s.len < cap - 1 ? (size_t)s.len : cap - 1;
    memcpy(msg, s.ptr, n);
    msg[n] = '\0';
}

/* The timeout a topic operation asks the broker for: less than the time
 * this client waits for the answer, so a slow operation is reported by the
 * broker (REQUEST_TIMED_OUT, the operation goes on) rather than by a
 * receive timeout here. */
static int32_t op_timeout(const kclient *c) {
    return c->timeout_ms > 2000 ? c->timeout_ms - 1000 : c->timeout_ms / 2;
}

int kadmin_topic_create(kclient *c, const char *name, int32_t partitions,
                        int16_t replication_factor, char *const *configs, int n_configs,
                        int16_t *error, char *msg, size_t msg_cap) {
    copy_msg(WIRE_STR_NULL, msg, msg_cap);
    int v = kclient_pick_version(c, KAFKA_API_CREATE_TOPICS, 0, 4);
    if (v < 0)
        return -1;
    if (v < 4) { /* "broker default" (-1) arrived with v4 */
        if (partitions < 0)
            partitions = 1;
        if (replication_factor < 0)
            replication_factor = 1;
    }
    proto_config_kv *kv = n_configs ? calloc((size_t)n_configs, sizeof *kv) : NULL;
    if (n_configs && !kv) {
        snprintf(c->err, sizeof c->err, "out of memory");
        return -1;
    }
    for (int i = 0; i < n_configs; i++) {
        const char *eq = strchr(configs[i], '=');
        kv[i].name.ptr = configs[i];
        kv[i].name.len = (int32_t)(eq ? (size_t)(eq - configs[i]) : strlen(configs[i]));
        kv[i].value = eq ? wire_str_from(eq + 1) : WIRE_STR_NULL;
    }
    proto_create_topics_req_topic topic = {.name = wire_str_from(name),
                                           .num_partitions = partitions,
                                           .replication_factor = replication_factor,
                                           .assignment_count = 0,
                                           .config_count = n_configs,
                                           .configs = kv};
    proto_create_topics_req req = {
        .topic_count = 1, .topics = &topic, .timeout_ms = op_timeout(c), .validate_only = 0};
    wire_writer w;
    wire_writer_init(&w);
    proto_create_topics_req_encode(&w, (int16_t)v, &req);
    free(kv);
    uint8_t *resp;
    wire_reader r;
    if (send_body(c, KAFKA_API_CREATE_TOPICS, v, &w, &resp, &r) < 0)
        return -1;
    wire_arena a;
    wire_arena_init(&a);
    proto_create_topics_resp out;
    int found = 0;
    if (proto_create_topics_resp_decode(&r, (int16_t)v, &a, &out) == 0) {
        for (int32_t i = 0; i < out.topic_count; i++) {
            if (wire_str_eq(out.topics[i].name, name)) {
                found = 1;
                *error = out.topics[i].error_code;
                copy_msg(out.topics[i].error_message, msg, msg_cap);
            }
        }
    }
    wire_arena_free(&a);
    if (!found)
        return decode_failed(c, KAFKA_API_CREATE_TOPICS, v, resp);
    free(resp);
    return 0;
}

int kadmin_topics_delete(kclient *c, const char *const *names, int n, int16_t *errors) {
    int v = kclient_pick_version(c, KAFKA_API_DELETE_TOPICS, 0, 3);
    if (v < 0)
        return -1;
    wire_str *topics = calloc((size_t)n + 1, sizeof *topics);
    if (!topics) {
        snprintf(c->err, sizeof c->err, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        topics[i] = wire_str_from(names[i]);
        errors[i] = KAFKA_UNKNOWN_SERVER_ERROR;
    }
    proto_delete_topics_req req = {.topic_count = n, .topics = topics, .timeout_ms = op_timeout(c)};
    wire_writer w;
    wire_writer_init(&w);
    proto_delete_topics_req_encode(&w, (int16_t)v, &req);
    free(topics);
    uint8_t *resp;
    wire_reader r;
    if (send_body(c, KAFKA_API_DELETE_TOPICS, v, &w, &resp, &r) < 0)
        return -1;
    wire_arena a;
    wire_arena_init(&a);
    proto_delete_topics_resp out;
    int rc = proto_delete_topics_resp_decode(&r, (int16_t)v, &a, &out);
    for (int32_t i = 0; rc == 0 && i < out.topic_count; i++)
        for (int j = 0; j < n; j++)
            if (wire_str_eq(out.topics[i].name, names[j]))
                errors[j] = out.topics[i].error_code;
    wire_arena_free(&a);
    if (rc != 0)
        return decode_failed(c, KAFKA_API_DELETE_TOPICS, v, resp);
    free(resp);
    return 0;
}

int kadmin_partitions_create(kclient *c, const char *name, int32_t count, int16_t *error, char *msg,
                             size_t msg_cap) {
    int v = kclient_pick_version(c, KAFKA_API_CREATE_PARTITIONS, 0, 1);
    if (v < 0)
        return -1;
    proto_create_partitions_req_topic t = {wire_str_from(name), count, -1, NULL};
    proto_create_partitions_req req = {1, &t, op_timeout(c), 0};
    wire_writer w;
    wire_writer_init(&w);
    proto_create_partitions_req_encode(&w, (int16_t)v, &req);
    uint8_t *resp;
    wire_reader r;
    if (send_body(c, KAFKA_API_CREATE_PARTITIONS, v, &w, &resp, &r) < 0)
        return -1;
    wire_arena a;
    wire_arena_init(&a);
    proto_create_partitions_resp out;
    int rc = proto_create_partitions_resp_decode(&r, (int16_t)v, &a, &out);
    *error = KAFKA_UNKNOWN_SERVER_ERROR;
    if (msg_cap)
        msg[0] = '\0';
    for (int32_t i = 0; rc == 0 && i < out.result_count; i++)
        if (wire_str_eq(out.results[i].name, name)) {
            *error = out.results[i].error_code;
            if (msg_cap && out.results[i].error_message.len > 0)
                snprintf(msg, msg_cap, "%.*s", (int)out.results[i].error_message.len,
                         out.results[i].error_message.ptr);
        }
    wire_arena_free(&a);
    if (rc != 0)
        return decode_failed(c, KAFKA_API_CREATE_PARTITIONS, v, resp);
    free(resp);
    return 0;
}

int kadmin_offsets_list(kclient *c, const char *topic, const int32_t *parts, int n,
                        int64_t timestamp, int64_t *offsets, int16_t *errors) {
    return kadmin_offsets_list_as(c, -1, topic, parts, n, timestamp, offsets, errors);
}

int kadmin_offsets_list_as(kclient *c, int32_t replica_id, const char *topic, const int32_t *parts,
                           int n, int64_t timestamp, int64_t *offsets, int16_t *errors) {
    int v = kclient_pick_version(c, KAFKA_API_LIST_OFFSETS, 1, 5);
    if (v < 0)
        return -1;
    proto_list_offsets_req_partition *ps = calloc((size_t)n + 1, sizeof *ps);
    if (!ps) {
        snprintf(c->err, sizeof c->err, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        ps[i].partition_index = parts[i];
        ps[i].current_leader_epoch = -1;
        ps[i].timestamp = timestamp;
        ps[i].max_num_offsets = 1;
        offsets[i] = -1;
        errors[i] = KAFKA_UNKNOWN_SERVER_ERROR;
    }
    proto_list_offsets_req_topic t = {
        .name = wire_str_from(topic), .partition_count = n, .partitions = ps};
    proto_list_offsets_req req = {
        .replica_id = replica_id, .isolation_level = 0, .topic_count = 1, .topics = &t};
    wire_writer w;
    wire_writer_init(&w);
    proto_list_offsets_req_encode(&w, (int16_t)v, &req);
    free(ps);
    uint8_t *resp;
    wire_reader r;
    if (send_body(c, KAFKA_API_LIST_OFFSETS, v, &w, &resp, &r) < 0)
        return -1;
    wire_arena a;
    wire_arena_init(&a);
    proto_list_offsets_resp out;
    int rc = proto_list_offsets_resp_decode(&r, (int16_t)v, &a, &out);
    for (int32_t i = 0; rc == 0 && i < out.topic_count; i++) {
        if (!wire_str_eq(out.topics[i].name, topic))
            continue;
        for (int32_t j = 0; j < out.topics[i].partition_count; j++) {
            const proto_list_offsets_resp_partition *p = &out.topics[i].partitions[j];
            for (int k = 0; k < n; k++) {
                if (parts[k] == p->partition_index) {
                    offsets[k] = p->offset;
                    errors[k] = p->error_code;
                }
            }
        }
    }
    wire_arena_free(&a);
    if (rc != 0)
        return decode_failed(c, KAFKA_API_LIST_OFFSETS, v, resp);
    free(resp);
    return 0;
}

int kadmin_topic_configs_get(kclient *c, const char *topic, kadmin_configs *out) {
    return kadmin_configs_get(c, PROTO_RESOURCE_TOPIC, topic, out);
}

int kadmin_configs_get(kclient *c, int resource_type, const char *topic, kadmin_configs *out) {
    memset(out, 0, sizeof *out);
    wire_arena_init(&out->arena);
    out->error = KAFKA_UNKNOWN_SERVER_ERROR;
    out->error_message = WIRE_STR_NULL;
    int v = kclient_pick_version(c, KAFKA_API_DESCRIBE_CONFIGS, 0, 2);
    if (v < 0)
        return -1;
    proto_describe_configs_req_resource res = {.resource_type = (int8_t)resource_type,
                                               .resource_name = wire_str_from(topic),
                                               .config_key_count = -1,
                                               .config_keys = NULL};
    proto_describe_configs_req req = {
        .resource_count = 1, .resources = &res, .include_synonyms = 0};
    wire_writer w;
    wire_writer_init(&w);
    proto_describe_configs_req_encode(&w, (int16_t)v, &req);
    wire_reader r;
    if (send_body(c, KAFKA_API_DESCRIBE_CONFIGS, v, &w, &out->resp, &r) < 0)
        return -1;
    proto_describe_configs_resp dr;
    if (proto_describe_configs_resp_decode(&r, (int16_t)v, &out->arena, &dr) != 0) {
        wire_arena_free(&out->arena);
        int rc = decode_failed(c, KAFKA_API_DESCRIBE_CONFIGS, v, out->resp);
        out->resp = NULL;
        return rc;
    }
    for (int32_t i = 0; i < dr.result_count; i++) {
        const proto_describe_configs_result *res_i = &dr.results[i];
        if (res_i->resource_type != resource_type || !wire_str_eq(res_i->resource_name, topic))
            continue;
        out->error = res_i->error_code;
        out->error_message = res_i->error_message;
        out->n = res_i->config_count > 0 ? res_i->config_count : 0;
        out->entries = wire_arena_calloc(&out->arena, (size_t)out->n, sizeof *out->entries);
        if (out->n && !out->entries) {
            kadmin_configs_free(out);
            snprintf(c->err, sizeof c->err, "out of memory");
            return -1;
        }
        for (int32_t j = 0; j < out->n; j++) {
            const proto_describe_configs_entry *e = &res_i->configs[j];
            kadmin_config *x = &out->entries[j];
            x->name = e->name;
            x->value = e->value;
            x->read_only = e->read_only != 0;
            x->sensitive = e->is_sensitive != 0;
            x->source = v == 0 ? (e->is_default ? 5 : 1) : e->config_source;
        }
    }
    return 0;
}

void kadmin_configs_free(kadmin_configs *cfg) {
    free(cfg->resp);
    cfg->resp = NULL;
    wire_arena_free(&cfg->arena);
}

const char *kadmin_config_source_name(int source) {
    switch (source) {
    case 1:
        return "topic";
    case 2:
        return "dynamic-broker";
    case 3:
        return "dynamic-default-broker";
    case 4:
        return "static-broker";
    case 5:
        return "default";
    case 6:
        return "dynamic-broker-logger";
    default:
        return "unknown";
    }
}
