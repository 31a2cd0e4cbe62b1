/*
 * h_cluster_admin.c - CreateTopics, DeleteTopics and CreatePartitions in
 * cluster mode (h_admin.c hands over to these when b->cluster is set).
 *
 * Each topic of a request is validated here and written to ZooKeeper by
 * cluster_admin.c / cluster_delete.c; the response waits (up to the
 * request's timeout) until this broker's view shows the result: every
 * partition with a leader, or the topic gone. One "admin batch" holds a
 * request's per-topic results until the last one is in; the three APIs
 * differ only in how they start a topic and encode the answer.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/cluster.h"
#include "broker/coordinator.h"
#include "broker/logging.h"
#include "broker/server.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

#define AB_MSG_MAX 512

/* ---- the batch: per-topic results of one deferred request ---- */

typedef struct admin_batch admin_batch;
typedef struct ab_item {
    admin_batch *r;
    char *name;
    int16_t error;
    char msg[AB_MSG_MAX];
} ab_item;

typedef void (*ab_encode_fn)(const admin_batch *r, wire_writer *w);

struct admin_batch {
    server_conn *conn;
    server_slot *slot;
    const char *api; /* for log lines */
    ab_encode_fn encode;
    int16_t version;
    int32_t count;
    int pending;
    int cancelled;
    ab_item *items;
};

static char *dup_str(wire_str s) {
    if (s.len < 0)
        return NULL;
    char *c = malloc((size_t)s.len + 1);
    if (c) {
        memcpy(c, s.ptr, (size_t)s.len);
        c[s.len] = '\0';
    }
    return c;
}

static admin_batch *ab_new(broker_request *req, const char *api, ab_encode_fn encode,
                           int32_t count) {
    admin_batch *r = calloc(1, sizeof *r);
    if (count < 0)
        count = 0;
    if (!r || (count > 0 && !(r->items = calloc((size_t)count, sizeof *r->items)))) {
        free(r);
        return NULL;
    }
    r->conn = req->conn;
    r->slot = req->slot;
    r->api = api;
    r->encode = encode;
    r->version = req->api_version;
    r->count = count;
    r->pending = 1; /* held while the topics are started */
    for (int32_t i = 0; i < count; i++)
        r->items[i].r = r;
    return r;
}

static void ab_free(admin_batch *r) {
    for (int32_t i = 0; i < r->count; i++)
        free(r->items[i].name);
    free(r->items);
    free(r);
}

/* cluster_create_done: one topic's result came in. */
static void ab_done(void *arg, int16_t error, const char *msg) {
    ab_item *it = arg;
    admin_batch *r = it->r;
    it->error = error;
    snprintf(it->msg, sizeof it->msg, "%s", msg ? msg : "");
    if (error != KAFKA_NONE)
        BLOG_I("%s %s: %s (%s)", r->api, it->name, kafka_error_name(error), it->msg);
    if (--r->pending > 0)
        return;
    if (!r->cancelled) {
        r->encode(r, server_slot_writer(r->slot));
        server_response_complete(r->conn, r->slot);
    }
    ab_free(r);
}

static void ab_cancel(void *arg) {
    admin_batch *r = arg;
    r->cancelled = 1; /* freed when the last topic is done */
}

/* Item i was started: ec is what the start returned (NONE: its result
 * comes through ab_done, unless `now` says it is already final). */
static void ab_started(broker_request *req, admin_batch *r, ab_item *it, int16_t ec, int now) {
    if (ec != KAFKA_NONE || now) {
        it->error = ec;
        if (ec != KAFKA_NONE)
            BLOG_I("peer=%s: %s %s refused: %s (%s)", req->peer, r->api,
                   it->name ? it->name : "(null)", kafka_error_name(ec), it->msg);
    } else {
        r->pending++;
    }
}

/* After every topic was started: answer now or later. */
static int ab_finish(broker_request *req, admin_batch *r) {
    if (--r->pending == 0) {
        r->encode(r, req->out);
        ab_free(r);
        return 0;
    }
    req->deferred = 1;
    server_slot_on_cancel(req->slot, ab_cancel, r);
    return 0;
}

static const char *item_msg(const ab_item *it) {
    return it->error != KAFKA_NONE ? it->msg : NULL;
}

/* ---- CreateTopics ---- */

static void ct_encode(const admin_batch *r, wire_writer *w) {
    proto_create_topics_resp out;
    memset(&out, 0, sizeof out);
    proto_create_topics_resp_topic *topics =
        r->count > 0 ? calloc((size_t)r->count, sizeof *topics) : NULL;
    out.topic_count = topics ? r->count : 0;
    out.topics = topics;
    for (int32_t i = 0; i < out.topic_count; i++) {
        const ab_item *it = &r->items[i];
        topics[i].name = wire_str_from(it->name ? it->name : "");
        topics[i].error_code = it->error;
        topics[i].error_message = item_msg(it) ? wire_str_from(it->msg) : WIRE_STR_NULL;
    }
    proto_create_topics_resp_encode(w, r->version, &out);
    free(topics);
}

/* Validate and start one topic; its result comes through ab_done unless an
 * error is returned here. */
static int16_t ct_start(broker_request *req, wire_arena *a, const proto_create_topics_req_topic *t,
                        int validate_only, int32_t timeout_ms, ab_item *it) {
    cluster *c = req->b->cluster;
    int32_t partitions = t->num_partitions;
    int32_t rf = t->replication_factor;
    const int32_t **assign = NULL;
    if (t->assignment_count > 0) {
        if (partitions != -1 || rf != -1) {
            snprintf(it->msg, AB_MSG_MAX,
                     "give either replica assignments or partitions and replication factor");
            return KAFKA_INVALID_REQUEST;
        }
        partitions = t->assignment_count;
        rf = t->assignments[0].broker_id_count;
        assign = wire_arena_calloc(a, (size_t)partitions, sizeof *assign);
        if (!assign) {
            snprintf(it->msg, AB_MSG_MAX, "out of memory");
            return KAFKA_UNKNOWN_SERVER_ERROR;
        }
        for (int32_t i = 0; i < t->assignment_count; i++) {
            const proto_create_topics_assignment *as = &t->assignments[i];
            if (as->partition_index < 0 || as->partition_index >= partitions ||
                assign[as->partition_index] || as->broker_id_count != rf || rf < 1) {
                snprintf(it->msg, AB_MSG_MAX,
                         "replica assignments must cover partitions 0..%d once each, with the "
                         "same number of replicas",
                         (int)partitions - 1);
                return KAFKA_INVALID_REPLICA_ASSIGNMENT;
            }
            assign[as->partition_index] = as->broker_ids;
        }
    }
    if (partitions == -1)
        partitions = req->b->cfg.num_partitions;
    if (it->name && coordinator_topic_is_internal(it->name, (int32_t)strlen(it->name))) {
        snprintf(it->msg, AB_MSG_MAX, "%s is internal (the group coordinator's)", it->name);
        return KAFKA_INVALID_TOPIC_EXCEPTION;
    }
    topic_override *ov = NULL;
    if (t->config_count > 0) {
        ov = wire_arena_calloc(a, (size_t)t->config_count, sizeof *ov);
        if (!ov) {
            snprintf(it->msg, AB_MSG_MAX, "out of memory");
            return KAFKA_UNKNOWN_SERVER_ERROR;
        }
        for (int32_t i = 0; i < t->config_count; i++) {
            ov[i].key = dup_str(t->configs[i].name);
            ov[i].value = dup_str(t->configs[i].value);
            if (!ov[i].key) {
                snprintf(it->msg, AB_MSG_MAX, "config names may not be null");
                for (int32_t k = 0; k <= i; k++) {
                    free(ov[k].key);
                    free(ov[k].value);
                }
                return KAFKA_INVALID_CONFIG;
            }
        }
    }
    int16_t ec =
        it->name ? cluster_create_topic(c, it->name, partitions, rf, assign, ov,
                                        t->config_count > 0 ? t->config_count : 0, validate_only,
                                        timeout_ms, ab_done, it, it->msg, AB_MSG_MAX)
                 : KAFKA_INVALID_TOPIC_EXCEPTION;
    for (int32_t i = 0; ov && i < t->config_count; i++) {
        free(ov[i].key);
        free(ov[i].value);
    }
    if (!it->name)
        snprintf(it->msg, AB_MSG_MAX, "topic names may not be null");
    return ec;
}

int cluster_h_create_topics(broker_request *req) {
    wire_arena a;
    wire_arena_init(&a);
    proto_create_topics_req in;
    if (proto_create_topics_req_decode(&req->body, req->api_version, &a, &in) != 0)
        return broker_request_fail(req, &a, "CreateTopics body");
    admin_batch *r = ab_new(req, "CreateTopics", ct_encode, in.topic_count);
    if (!r)
        return broker_request_fail(req, &a, "out of memory");
    for (int32_t i = 0; i < r->count; i++) {
        ab_item *it = &r->items[i];
        it->name = dup_str(in.topics[i].name);
        int16_t ec = ct_start(req, &a, &in.topics[i], in.validate_only,
                              in.validate_only ? 0 : in.timeout_ms, it);
        ab_started(req, r, it, ec, in.validate_only);
    }
    wire_arena_free(&a);
    return ab_finish(req, r);
}

/* ---- DeleteTopics ---- */

static void dt_encode(const admin_batch *r, wire_writer *w) {
    proto_delete_topics_resp out;
    memset(&out, 0, sizeof out);
    proto_delete_topics_resp_topic *topics =
        r->count > 0 ? calloc((size_t)r->count, sizeof *topics) : NULL;
    out.topic_count = topics ? r->count : 0;
    out.topics = topics;
    for (int32_t i = 0; i < out.topic_count; i++) {
        topics[i].name = wire_str_from(r->items[i].name ? r->items[i].name : "");
        topics[i].error_code = r->items[i].error;
    }
    proto_delete_topics_resp_encode(w, r->version, &out);
    free(topics);
}

int cluster_h_delete_topics(broker_request *req) {
    wire_arena a;
    wire_arena_init(&a);
    proto_delete_topics_req in;
    if (proto_delete_topics_req_decode(&req->body, req->api_version, &a, &in) != 0)
        return broker_request_fail(req, &a, "DeleteTopics body");
    admin_batch *r = ab_new(req, "DeleteTopics", dt_encode, in.topic_count);
    if (!r)
        return broker_request_fail(req, &a, "out of memory");
    for (int32_t i = 0; i < r->count; i++) {
        ab_item *it = &r->items[i];
        int16_t ec = KAFKA_INVALID_TOPIC_EXCEPTION;
        if (!(it->name = dup_str(in.topics[i]))) {
            snprintf(it->msg, AB_MSG_MAX, "topic names may not be null");
        } else if (coordinator_topic_is_internal(it->name, (int32_t)strlen(it->name))) {
            snprintf(it->msg, AB_MSG_MAX, "%s is internal (the group coordinator's)", it->name);
        } else {
            ec = cluster_delete_topic(req->b->cluster, it->name, in.timeout_ms, ab_done, it,
                                      it->msg, AB_MSG_MAX);
        }
        ab_started(req, r, it, ec, 0);
    }
    wire_arena_free(&a);
    return ab_finish(req, r);
}

/* ---- CreatePartitions ---- */

static void cp_encode(const admin_batch *r, wire_writer *w) {
    proto_create_partitions_resp out;
    memset(&out, 0, sizeof out);
    proto_create_partitions_resp_result *res =
        r->count > 0 ? calloc((size_t)r->count, sizeof *res) : NULL;
    out.result_count = res ? r->count : 0;
    out.results = res;
    for (int32_t i = 0; i < out.result_count; i++) {
        const ab_item *it = &r->items[i];
        res[i].name = wire_str_from(it->name ? it->name : "");
        res[i].error_code = it->error;
        res[i].error_message = item_msg(it) ? wire_str_from(it->msg) : WIRE_STR_NULL;
    }
    proto_create_partitions_resp_encode(w, r->version, &out);
    free(res);
}

static int16_t cp_start(broker_request *req, wire_arena *a,
                        const proto_create_partitions_req_topic *t, int validate_only,
                        int32_t timeout_ms, ab_item *it) {
    if (!it->name) {
        snprintf(it->msg, AB_MSG_MAX, "topic names may not be null");
        return KAFKA_INVALID_TOPIC_EXCEPTION;
    }
    if (coordinator_topic_is_internal(it->name, (int32_t)strlen(it->name))) {
        snprintf(it->msg, AB_MSG_MAX,
                 "the partition count of %s decides which partition holds each group; it "
                 "cannot change",
                 it->name);
        return KAFKA_INVALID_PARTITIONS;
    }
    const int32_t **assign = NULL;
    if (t->assignment_count >= 0) {
        const cluster_topic *ct =
            cluster_topic_find(req->b->cluster, it->name, (int32_t)strlen(it->name));
        int32_t rf = ct && ct->partition_count > 0 ? ct->partitions[0].replica_count : 0;
        if (t->assignment_count > 0 &&
            !(assign = wire_arena_calloc(a, (size_t)t->assignment_count, sizeof *assign))) {
            snprintf(it->msg, AB_MSG_MAX, "out of memory");
            return KAFKA_UNKNOWN_SERVER_ERROR;
        }
        for (int32_t i = 0; i < t->assignment_count; i++) {
            if (ct && t->assignments[i].broker_id_count != rf) {
                snprintf(it->msg, AB_MSG_MAX,
                         "each new partition needs %" PRId32
                         " replicas (the topic's replication factor)",
                         rf);
                return KAFKA_INVALID_REPLICA_ASSIGNMENT;
            }
            assign[i] = t->assignments[i].broker_ids;
        }
    }
    return cluster_create_partitions(req->b->cluster, it->name, t->count, assign,
                                     t->assignment_count < 0 ? 0 : t->assignment_count,
                                     validate_only, timeout_ms, ab_done, it, it->msg, AB_MSG_MAX);
}

int cluster_h_create_partitions(broker_request *req) {
    wire_arena a;
    wire_arena_init(&a);
    proto_create_partitions_req in;
    if (proto_create_partitions_req_decode(&req->body, req->api_version, &a, &in) != 0)
        return broker_request_fail(req, &a, "CreatePartitions body");
    admin_batch *r = ab_new(req, "CreatePartitions", cp_encode, in.topic_count);
    if (!r)
        return broker_request_fail(req, &a, "out of memory");
    for (int32_t i = 0; i < r->count; i++) {
        ab_item *it = &r->items[i];
        it->name = dup_str(in.topics[i].name);
        int16_t ec = cp_start(req, &a, &in.topics[i], in.validate_only,
                              in.validate_only ? 0 : in.timeout_ms, it);
        ab_started(req, r, it, ec, in.validate_only);
    }
    wire_arena_free(&a);
    return ab_finish(req, r);
}
