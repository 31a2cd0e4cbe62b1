/*
 * h_admin.c - topic administration over the protocol.h codecs:
 * CreateTopics v0..v4, DeleteTopics v0..v3, CreatePartitions v0..v1
 * (standalone; in cluster mode each hands over to h_cluster_admin.c).
 *
 * Standalone rules: replication factor must be 1 or -1 (default), replica
 * assignments may only name this broker, once per partition. Topic configs
 * are validated by the log layer's config parser (unknown key or bad value:
 * INVALID_CONFIG; cleanup.policy=compact: INVALID_CONFIG "not supported
 * yet"). Every refusal carries a message saying why (v1+). DeleteTopics
 * refuses the internal __consumer_offsets (INVALID_TOPIC_EXCEPTION), and
 * CreatePartitions does not grow it (INVALID_PARTITIONS: a group's
 * partition is its hash modulo the count).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/coordinator.h"
#include "broker/cluster.h"
#include "broker/logging.h"
#include "broker/topics.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

#define ADMIN_MSG_MAX 512

/* A NUL-terminated arena copy of a slice (NULL for null or on ENOMEM). */
static char *arena_cstr(wire_arena *a, wire_str s) {
    if (s.len < 0)
        return NULL;
    char *c = wire_arena_alloc(a, (size_t)s.len + 1);
    if (c)
        memcpy(c, s.ptr, (size_t)s.len);
    return c;
}

static int16_t create_one(broker_request *req, wire_arena *a,
                          const proto_create_topics_req_topic *t, int validate_only, char *msg) {
    broker *b = req->b;
    int32_t partitions = t->num_partitions;
    if (t->assignment_count > 0 && partitions == -1)
        partitions = t->assignment_count;
    if (partitions == -1)
        partitions = b->cfg.num_partitions;
    if (t->name.len <= 0 || t->name.len > 249 || memchr(t->name.ptr, 0, (size_t)t->name.len)) {
        snprintf(msg, ADMIN_MSG_MAX, "topic name must be 1-249 of [a-zA-Z0-9._-]");
        return KAFKA_INVALID_TOPIC_EXCEPTION;
    }
    if (t->assignment_count <= 0 && t->replication_factor != 1 && t->replication_factor != -1) {
        snprintf(msg, ADMIN_MSG_MAX,
                 "replication factor %d is not possible on a standalone broker; use 1 or -1",
                 t->replication_factor);
        return KAFKA_INVALID_REPLICATION_FACTOR;
    }
    if (t->assignment_count > 0) {
        int ok = t->assignment_count == partitions;
        for (int32_t i = 0; ok && i < t->assignment_count; i++) {
            const proto_create_topics_assignment *as = &t->assignments[i];
            ok = as->partition_index >= 0 && as->partition_index < partitions &&
                 as->broker_id_count == 1 && as->broker_ids[0] == b->cfg.broker_id;
        }
        if (!ok) {
            snprintf(msg, ADMIN_MSG_MAX,
                     "replica assignments must cover every partition with broker %" PRId32 " alone",
                     b->cfg.broker_id);
            return KAFKA_INVALID_REPLICA_ASSIGNMENT;
        }
    }
    topic_override *ov = NULL;
    if (t->config_count > 0) {
        ov = wire_arena_calloc(a, (size_t)t->config_count, sizeof *ov);
        if (!ov) {
            snprintf(msg, ADMIN_MSG_MAX, "out of memory");
            return KAFKA_UNKNOWN_SERVER_ERROR;
        }
        for (int32_t i = 0; i < t->config_count; i++) {
            ov[i].key = arena_cstr(a, t->configs[i].name);
            ov[i].value = arena_cstr(a, t->configs[i].value);
            if (!ov[i].key) {
                snprintf(msg, ADMIN_MSG_MAX, "config names may not be null");
                return KAFKA_INVALID_CONFIG;
            }
        }
    }
    char *name = arena_cstr(a, t->name);
    if (!name) {
        snprintf(msg, ADMIN_MSG_MAX, "out of memory");
        return KAFKA_UNKNOWN_SERVER_ERROR;
    }
    return topics_create(b->topics, name, partitions, ov, t->config_count > 0 ? t->config_count : 0,
                         validate_only, msg, ADMIN_MSG_MAX);
}

int h_create_topics(broker_request *req) {
    if (req->b->cluster)
        return cluster_h_create_topics(req);
    int16_t v = req->api_version;
    wire_arena a;
    wire_arena_init(&a);
    proto_create_topics_req in;
    if (proto_create_topics_req_decode(&req->body, v, &a, &in) != 0)
        return broker_request_fail(req, &a, "CreateTopics body");
    proto_create_topics_resp out;
    memset(&out, 0, sizeof out);
    out.topic_count = in.topic_count < 0 ? 0 : in.topic_count;
    if (out.topic_count > 0 &&
        !(out.topics = wire_arena_calloc(&a, (size_t)out.topic_count, sizeof *out.topics)))
        return broker_request_fail(req, &a, "out of memory");
    for (int32_t i = 0; i < out.topic_count; i++) {
        char *msg = wire_arena_alloc(&a, ADMIN_MSG_MAX);
        int16_t error = KAFKA_UNKNOWN_SERVER_ERROR;
        if (msg) {
            msg[0] = '\0';
            error = create_one(req, &a, &in.topics[i], in.validate_only, msg);
        }
        if (error != KAFKA_NONE)
            BLOG_I("peer=%s: CreateTopics %.*s refused: %s (%s)", req->peer,
                   (int)(in.topics[i].name.len < 0 ? 0 : in.topics[i].name.len),
                   in.topics[i].name.ptr, kafka_error_name(error), msg ? msg : "out of memory");
        out.topics[i].name = in.topics[i].name;
        out.topics[i].error_code = error;
        out.topics[i].error_message =
            error != KAFKA_NONE && msg ? wire_str_from(msg) : WIRE_STR_NULL;
    }
    proto_create_topics_resp_encode(req->out, v, &out);
    wire_arena_free(&a);
    return 0;
}

int h_delete_topics(broker_request *req) {
    if (req->b->cluster)
        return cluster_h_delete_topics(req);
    int16_t v = req->api_version;
    wire_arena a;
    wire_arena_init(&a);
    proto_delete_topics_req in;
    if (proto_delete_topics_req_decode(&req->body, v, &a, &in) != 0)
        return broker_request_fail(req, &a, "DeleteTopics body");
    proto_delete_topics_resp out;
    memset(&out, 0, sizeof out);
    out.topic_count = in.topic_count < 0 ? 0 : in.topic_count;
    if (out.topic_count > 0 &&
        !(out.topics = wire_arena_calloc(&a, (size_t)out.topic_count, sizeof *out.topics)))
        return broker_request_fail(req, &a, "out of memory");
    for (int32_t i = 0; i < out.topic_count; i++) {
        char msg[256];
        out.topics[i].name = in.topics[i];
        if (coordinator_topic_is_internal(in.topics[i].ptr, in.topics[i].len)) {
            out.topics[i].error_code = KAFKA_INVALID_TOPIC_EXCEPTION; /* the coordinator's */
            continue;
        }
        out.topics[i].error_code =
            topics_delete(req->b->topics, in.topics[i].ptr, in.topics[i].len, msg, sizeof msg);
    }
    proto_delete_topics_resp_encode(req->out, v, &out);
    wire_arena_free(&a);
    return 0;
}

int h_create_partitions(broker_request *req) {
    if (req->b->cluster)
        return cluster_h_create_partitions(req);
    int16_t v = req->api_version;
    wire_arena a;
    wire_arena_init(&a);
    proto_create_partitions_req in;
    if (proto_create_partitions_req_decode(&req->body, v, &a, &in) != 0)
        return broker_request_fail(req, &a, "CreatePartitions body");
    proto_create_partitions_resp out;
    memset(&out, 0, sizeof out);
    out.result_count = in.topic_count < 0 ? 0 : in.topic_count;
    if (out.result_count > 0 &&
        !(out.results = wire_arena_calloc(&a, (size_t)out.result_count, sizeof *out.results)))
        return broker_request_fail(req, &a, "out of memory");
    for (int32_t i = 0; i < out.result_count; i++) {
        const proto_create_partitions_req_topic *t = &in.topics[i];
        char *msg = wire_arena_alloc(&a, ADMIN_MSG_MAX);
        int16_t error = KAFKA_UNKNOWN_SERVER_ERROR;
        int bad = 0;
        for (int32_t k = 0; k < t->assignment_count; k++)
            for (int32_t j = 0; j < t->assignments[k].broker_id_count; j++)
                bad |= t->assignments[k].broker_ids[j] != req->b->cfg.broker_id;
        if (msg && coordinator_topic_is_internal(t->name.ptr, t->name.len)) {
            error = KAFKA_INVALID_PARTITIONS;
            snprintf(msg, ADMIN_MSG_MAX,
                     "the partition count of %s decides which partition holds each group; it "
                     "cannot change",
                     COORDINATOR_TOPIC);
        } else if (msg && bad) {
            error = KAFKA_INVALID_REPLICA_ASSIGNMENT;
            snprintf(msg, ADMIN_MSG_MAX, "assignments may only name broker %" PRId32,
                     req->b->cfg.broker_id);
        } else if (msg) {
            error = topics_add_partitions(req->b->topics, t->name.ptr, t->name.len, t->count,
                                          in.validate_only, msg, ADMIN_MSG_MAX);
        }
        out.results[i].name = t->name;
        out.results[i].error_code = error;
        out.results[i].error_message =
            error != KAFKA_NONE && msg ? wire_str_from(msg) : WIRE_STR_NULL;
    }
    proto_create_partitions_resp_encode(req->out, v, &out);
    wire_arena_free(&a);
    return 0;
}
