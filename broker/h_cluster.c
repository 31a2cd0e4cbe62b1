/*
 * h_cluster.c - the handlers that answer differently in cluster mode:
 * Metadata (from the cluster view: live brokers, the controller, leader,
 * replicas and ISR of every partition; auto-creation goes through
 * ZooKeeper) and CreateTopics (written to ZooKeeper; the response waits,
 * up to the request's timeout, until every partition has a leader).
 * h_metadata.c and h_admin.c hand over to these when b->cluster is set.
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

static int live(const cluster *c, int32_t id) {
    return cluster_broker_find(c, id) != NULL;
}

static int fill_topic(const cluster *c, wire_arena *a, proto_metadata_topic *out,
                      const cluster_topic *t, int16_t error, wire_str name) {
    out->error_code = error;
    out->name = name;
    out->is_internal = t && t->name[0] == '_' && !strcmp(t->name, "__consumer_offsets");
    out->topic_authorized_operations = INT32_MIN;
    out->partition_count = t ? t->partition_count : 0;
    if (out->partition_count <= 0)
        return 0;
    out->partitions = wire_arena_calloc(a, (size_t)out->partition_count, sizeof *out->partitions);
    if (!out->partitions)
        return -1;
    for (int32_t p = 0; p < out->partition_count; p++) {
        const cluster_partition *cp = &t->partitions[p];
        proto_metadata_partition *mp = &out->partitions[p];
        int has_leader = cp->has_state && cp->leader >= 0;
        mp->error_code = has_leader ? KAFKA_NONE : KAFKA_LEADER_NOT_AVAILABLE;
        mp->partition_index = p;
        mp->leader_id = has_leader ? cp->leader : -1;
        mp->leader_epoch = cp->has_state ? cp->leader_epoch : -1;
        mp->replica_count = cp->replica_count;
        mp->replicas = (int32_t *)cp->replicas;
        mp->isr_count = cp->has_state ? cp->isr_count : 0;
        mp->isr = (int32_t *)cp->isr;
        int32_t *off = wire_arena_calloc(a, (size_t)cp->replica_count + 1, sizeof *off);
        if (!off)
            return -1;
        mp->offline_replicas = off;
        mp->offline_replica_count = 0;
        for (int32_t i = 0; i < cp->replica_count; i++)
            if (!live(c, cp->replicas[i]))
                off[mp->offline_replica_count++] = cp->replicas[i];
    }
    return 0;
}

int cluster_h_metadata(broker_request *req) {
    broker *b = req->b;
    cluster *c = b->cluster;
    int16_t v = req->api_version;
    wire_arena a;
    wire_arena_init(&a);
    proto_metadata_req in;
    if (proto_metadata_req_decode(&req->body, v, &a, &in) != 0)
        return broker_request_fail(req, &a, "Metadata body");
    int all = in.topic_count < 0 || (v == 0 && in.topic_count == 0);
    int allow_auto = v >= 4 ? in.allow_auto_topic_creation != 0 : 1;

    proto_metadata_resp out;
    memset(&out, 0, sizeof out);
    out.broker_count = cluster_broker_count(c);
    if (out.broker_count > 0 &&
        !(out.brokers = wire_arena_calloc(&a, (size_t)out.broker_count, sizeof *out.brokers)))
        goto nomem;
    for (int i = 0; i < out.broker_count; i++) {
        const cluster_broker *cb = cluster_broker_at(c, i);
        out.brokers[i] =
            (proto_metadata_broker){cb->id, wire_str_from(cb->host), cb->port, WIRE_STR_NULL};
    }
    out.cluster_id = wire_str_from(b->cluster_id);
    out.controller_id = cluster_controller(c);
    out.cluster_authorized_operations = INT32_MIN;
    out.topic_count = all ? cluster_topic_count(c) : in.topic_count;
    if (out.topic_count > 0 &&
        !(out.topics = wire_arena_calloc(&a, (size_t)out.topic_count, sizeof *out.topics)))
        goto nomem;
    for (int32_t i = 0; i < out.topic_count; i++) {
        if (all) {
            const cluster_topic *t = cluster_topic_at(c, i);
            if (fill_topic(c, &a, &out.topics[i], t, KAFKA_NONE, wire_str_from(t->name)) != 0)
                goto nomem;
            continue;
        }
        wire_str name = in.topics[i];
        const cluster_topic *t = cluster_topic_find(c, name.ptr, name.len);
        int16_t error = KAFKA_NONE;
        if (!t && !topics_name_valid(name.ptr, name.len)) {
            error = KAFKA_INVALID_TOPIC_EXCEPTION;
        } else if (!t && coordinator_topic_is_internal(name.ptr, name.len)) {
            error = KAFKA_UNKNOWN_TOPIC_OR_PARTITION; /* groups: not in cluster mode yet */
        } else if (!t && b->cfg.auto_create_topics && allow_auto && !b->stopping) {
            char cname[256], msg[256];
            snprintf(cname, sizeof cname, "%.*s", (int)name.len, name.ptr);
            int16_t ec = cluster_create_topic(c, cname, b->cfg.num_partitions, -1, NULL, NULL, 0, 0,
                                              0, NULL, NULL, msg, sizeof msg);
            if (ec == KAFKA_NONE)
                BLOG_I("peer=%s: auto-creating topic %s (%" PRId32 " partition(s))", req->peer,
                       cname, b->cfg.num_partitions);
            else
                BLOG_W("peer=%s: auto-creating topic %s refused: %s", req->peer, cname, msg);
            error = ec == KAFKA_INVALID_REPLICATION_FACTOR ? KAFKA_INVALID_REPLICATION_FACTOR
                                                           : KAFKA_LEADER_NOT_AVAILABLE;
        } else if (!t) {
            error = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
        }
        if (fill_topic(c, &a, &out.topics[i], t, error, name) != 0)
            goto nomem;
    }
    proto_metadata_resp_encode(req->out, v, &out);
    wire_arena_free(&a);
    return 0;
nomem:
    return broker_request_fail(req, &a, "out of memory");
}

/* ---- CreateTopics ---- */

#define CT_MSG_MAX 512

typedef struct ct_req ct_req;
typedef struct ct_item {
    ct_req *r;
    char *name;
    int16_t error;
    char msg[CT_MSG_MAX];
} ct_item;

struct ct_req {
    server_conn *conn;
    server_slot *slot;
    int16_t version;
    int32_t count;
    int pending;
    int cancelled;
    ct_item *items;
};

static void ct_free(ct_req *r) {
    for (int32_t i = 0; i < r->count; i++)
        free(r->items[i].name);
    free(r->items);
    free(r);
}

static void ct_encode(ct_req *r, wire_writer *w) {
    proto_create_topics_resp out;
    memset(&out, 0, sizeof out);
    proto_create_topics_resp_topic *topics =
        r->count > 0 ? calloc((size_t)r->count, sizeof *topics) : NULL;
    out.topic_count = topics ? r->count : 0;
    out.topics = topics;
    for (int32_t i = 0; i < out.topic_count; i++) {
        ct_item *it = &r->items[i];
        topics[i].name = wire_str_from(it->name ? it->name : "");
        topics[i].error_code = it->error;
        topics[i].error_message = it->error != KAFKA_NONE ? wire_str_from(it->msg) : WIRE_STR_NULL;
    }
    proto_create_topics_resp_encode(w, r->version, &out);
    free(topics);
}

static void ct_done(void *arg, int16_t error, const char *msg) {
    ct_item *it = arg;
    ct_req *r = it->r;
    it->error = error;
    snprintf(it->msg, sizeof it->msg, "%s", msg ? msg : "");
    if (error != KAFKA_NONE)
        BLOG_I("CreateTopics %s: %s (%s)", it->name, kafka_error_name(error), it->msg);
    if (--r->pending > 0)
        return;
    if (!r->cancelled) {
        ct_encode(r, server_slot_writer(r->slot));
        server_response_complete(r->conn, r->slot);
    }
    ct_free(r);
}

static void ct_cancel(void *arg) {
    ct_req *r = arg;
    r->cancelled = 1; /* freed when the last topic is done */
}

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

/* Validate and start one topic; its result comes through ct_done unless an
 * error is returned here. */
static int16_t ct_start(broker_request *req, wire_arena *a, const proto_create_topics_req_topic *t,
                        int validate_only, int32_t timeout_ms, ct_item *it) {
    cluster *c = req->b->cluster;
    int32_t partitions = t->num_partitions;
    int32_t rf = t->replication_factor;
    const int32_t **assign = NULL;
    if (t->assignment_count > 0) {
        if (partitions != -1 || rf != -1) {
            snprintf(it->msg, CT_MSG_MAX,
                     "give either replica assignments or partitions and replication factor");
            return KAFKA_INVALID_REQUEST;
        }
        partitions = t->assignment_count;
        rf = t->assignments[0].broker_id_count;
        assign = wire_arena_calloc(a, (size_t)partitions, sizeof *assign);
        if (!assign) {
            snprintf(it->msg, CT_MSG_MAX, "out of memory");
            return KAFKA_UNKNOWN_SERVER_ERROR;
        }
        for (int32_t i = 0; i < t->assignment_count; i++) {
            const proto_create_topics_assignment *as = &t->assignments[i];
            if (as->partition_index < 0 || as->partition_index >= partitions ||
                assign[as->partition_index] || as->broker_id_count != rf || rf < 1) {
                snprintf(it->msg, CT_MSG_MAX,
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
        snprintf(it->msg, CT_MSG_MAX, "%s is internal (the group coordinator's)", it->name);
        return KAFKA_INVALID_TOPIC_EXCEPTION;
    }
    topic_override *ov = NULL;
    if (t->config_count > 0) {
        ov = wire_arena_calloc(a, (size_t)t->config_count, sizeof *ov);
        if (!ov) {
            snprintf(it->msg, CT_MSG_MAX, "out of memory");
            return KAFKA_UNKNOWN_SERVER_ERROR;
        }
        for (int32_t i = 0; i < t->config_count; i++) {
            ov[i].key = dup_str(t->configs[i].name);
            ov[i].value = dup_str(t->configs[i].value);
            if (!ov[i].key) {
                snprintf(it->msg, CT_MSG_MAX, "config names may not be null");
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
                                        timeout_ms, ct_done, it, it->msg, CT_MSG_MAX)
                 : KAFKA_INVALID_TOPIC_EXCEPTION;
    for (int32_t i = 0; ov && i < t->config_count; i++) {
        free(ov[i].key);
        free(ov[i].value);
    }
    if (!it->name)
        snprintf(it->msg, CT_MSG_MAX, "topic names may not be null");
    return ec;
}

int cluster_h_create_topics(broker_request *req) {
    int16_t v = req->api_version;
    wire_arena a;
    wire_arena_init(&a);
    proto_create_topics_req in;
    if (proto_create_topics_req_decode(&req->body, v, &a, &in) != 0)
        return broker_request_fail(req, &a, "CreateTopics body");
    ct_req *r = calloc(1, sizeof *r);
    int32_t count = in.topic_count < 0 ? 0 : in.topic_count;
    if (!r || (count > 0 && !(r->items = calloc((size_t)count, sizeof *r->items)))) {
        free(r);
        return broker_request_fail(req, &a, "out of memory");
    }
    r->conn = req->conn;
    r->slot = req->slot;
    r->version = v;
    r->count = count;
    r->pending = 1; /* held while starting */
    for (int32_t i = 0; i < count; i++) {
        ct_item *it = &r->items[i];
        it->r = r;
        it->name = dup_str(in.topics[i].name);
        int16_t ec = ct_start(req, &a, &in.topics[i], in.validate_only,
                              in.validate_only ? 0 : in.timeout_ms, it);
        if (ec != KAFKA_NONE || in.validate_only) {
            it->error = ec;
            if (ec != KAFKA_NONE)
                BLOG_I("peer=%s: CreateTopics %s refused: %s (%s)", req->peer,
                       it->name ? it->name : "(null)", kafka_error_name(ec), it->msg);
        } else {
            r->pending++;
        }
    }
    wire_arena_free(&a);
    if (--r->pending == 0) {
        ct_encode(r, req->out);
        ct_free(r);
        return 0;
    }
    req->deferred = 1;
    server_slot_on_cancel(req->slot, ct_cancel, r);
    return 0;
}
