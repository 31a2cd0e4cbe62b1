/*
 * h_metadata.c - Metadata v0..v8 (with auto topic creation) and
 * FindCoordinator v0..v2, over the codecs of wire/protocol.h.
 *
 * Standalone broker: one broker (this one, at its advertised address), the
 * controller is itself, every partition's leader, replica set and ISR is
 * this broker. An unknown topic is created when auto.create.topics.enable
 * is on and (v4+) the client allows it; creation is synchronous, so the
 * topic is answered as ready at once. __consumer_offsets is marked internal
 * and, when asked for, created by the coordinator with its own config.
 * FindCoordinator for a group makes sure __consumer_offsets exists and names
 * the group's coordinator (coordinator_find: standalone this broker, in
 * cluster mode the leader of the group's partition); transaction keys name
 * this broker.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/coordinator.h"
#include "broker/cluster.h"
#include "broker/logging.h"
#include "broker/topics.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

/* Fill one topic entry; -1 on allocation failure. */
static int fill_topic(broker *b, wire_arena *a, proto_metadata_topic *out, topic *tp, int16_t error,
                      wire_str name) {
    out->error_code = error;
    out->name = name;
    out->is_internal = coordinator_topic_is_internal(name.ptr, name.len);
    out->topic_authorized_operations = INT32_MIN;
    out->partition_count = tp ? tp->partition_count : 0;
    if (out->partition_count == 0)
        return 0;
    out->partitions = wire_arena_calloc(a, (size_t)out->partition_count, sizeof *out->partitions);
    int32_t *self = wire_arena_alloc(a, sizeof *self);
    if (!out->partitions || !self)
        return -1;
    *self = b->cfg.broker_id;
    for (int32_t p = 0; p < out->partition_count; p++) {
        proto_metadata_partition *mp = &out->partitions[p];
        mp->error_code = tp->partitions[p]->lg ? KAFKA_NONE : KAFKA_LEADER_NOT_AVAILABLE;
        mp->partition_index = p;
        mp->leader_id = b->cfg.broker_id;
        mp->leader_epoch = 0;
        mp->replica_count = 1;
        mp->replicas = self;
        mp->isr_count = 1;
        mp->isr = self;
        mp->offline_replica_count = 0;
        mp->offline_replicas = NULL;
    }
    return 0;
}

int h_metadata(broker_request *req) {
    broker *b = req->b;
    if (b->cluster)
        return cluster_h_metadata(req);
    int16_t v = req->api_version;
    wire_arena a;
    wire_arena_init(&a);
    proto_metadata_req in;
    if (proto_metadata_req_decode(&req->body, v, &a, &in) != 0)
        return broker_request_fail(req, &a, "Metadata body");
    int all = in.topic_count < 0 || (v == 0 && in.topic_count == 0);
    int allow_auto = v >= 4 ? in.allow_auto_topic_creation != 0 : 1;

    proto_metadata_broker self = {b->cfg.broker_id, wire_str_from(b->advertised_host),
                                  b->advertised_port, WIRE_STR_NULL};
    proto_metadata_resp out;
    memset(&out, 0, sizeof out);
    out.broker_count = 1;
    out.brokers = &self;
    out.cluster_id = wire_str_from(b->cluster_id);
    out.controller_id = b->cfg.broker_id;
    out.cluster_authorized_operations = INT32_MIN;
    out.topic_count = all ? topics_count(b->topics) : in.topic_count;
    if (out.topic_count > 0) {
        out.topics = wire_arena_calloc(&a, (size_t)out.topic_count, sizeof *out.topics);
        if (!out.topics)
            goto nomem;
    }
    for (int32_t i = 0; i < out.topic_count; i++) {
        if (all) {
            topic *tp = topics_at(b->topics, i);
            if (fill_topic(b, &a, &out.topics[i], tp, KAFKA_NONE, wire_str_from(tp->name)) != 0)
                goto nomem;
            continue;
        }
        wire_str name = in.topics[i];
        topic *tp = topics_find(b->topics, name.ptr, name.len);
        int16_t error = KAFKA_NONE;
        if (!tp && !topics_name_valid(name.ptr, name.len)) {
            error = KAFKA_INVALID_TOPIC_EXCEPTION;
        } else if (!tp && coordinator_topic_is_internal(name.ptr, name.len) && allow_auto) {
            /* Created by the coordinator, with its own config. */
            error =
                coordinator_ensure_topic(b) == KAFKA_NONE ? KAFKA_NONE : KAFKA_LEADER_NOT_AVAILABLE;
            tp = topics_find(b->topics, name.ptr, name.len);
        } else if (!tp && b->cfg.auto_create_topics && allow_auto && !b->stopping) {
            char cname[256], msg[256];
            snprintf(cname, sizeof cname, "%.*s", (int)name.len, name.ptr);
            error =
                topics_create(b->topics, cname, b->cfg.num_partitions, NULL, 0, 0, msg, sizeof msg);
            if (error == KAFKA_NONE) {
                BLOG_I("peer=%s: auto-created topic %s (%" PRId32 " partition(s))", req->peer,
                       cname, b->cfg.num_partitions);
                tp = topics_find(b->topics, name.ptr, name.len);
            } else {
                BLOG_W("peer=%s: auto-creating topic %s failed: %s", req->peer, cname, msg);
                error = KAFKA_LEADER_NOT_AVAILABLE;
            }
        } else if (!tp) {
            error = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
        }
        if (fill_topic(b, &a, &out.topics[i], tp, error, name) != 0)
            goto nomem;
    }
    proto_metadata_resp_encode(req->out, v, &out);
    wire_arena_free(&a);
    return 0;
nomem:
    return broker_request_fail(req, &a, "out of memory");
}

int h_find_coordinator(broker_request *req) {
    int16_t v = req->api_version;
    wire_arena a;
    wire_arena_init(&a);
    proto_find_coordinator_req in;
    if (proto_find_coordinator_req_decode(&req->body, v, &a, &in) != 0)
        return broker_request_fail(req, &a, "FindCoordinator body");
    proto_find_coordinator_resp out;
    memset(&out, 0, sizeof out);
    int16_t group_err = KAFKA_NONE;
    int32_t node = req->b->cfg.broker_id, port = req->b->advertised_port;
    const char *host = req->b->advertised_host;
    if (in.key_type == PROTO_COORDINATOR_GROUP)
        group_err = in.key.len < 0 ? KAFKA_INVALID_REQUEST
                                   : coordinator_find(req->b, in.key, &node, &host, &port);
    if (group_err != KAFKA_NONE) {
        out.error_code = group_err;
        out.error_message = wire_str_from(kafka_error_name(group_err));
        out.node_id = -1;
        out.host = wire_str_from("");
        out.port = -1;
    } else if (in.key_type == PROTO_COORDINATOR_GROUP ||
               in.key_type == PROTO_COORDINATOR_TRANSACTION) {
        out.error_code = KAFKA_NONE;
        out.error_message = WIRE_STR_NULL;
        out.node_id = node; /* transactions: this broker */
        out.host = wire_str_from(host);
        out.port = port;
    } else {
        out.error_code = KAFKA_INVALID_REQUEST;
        out.error_message = wire_str_from("unknown key type");
        out.node_id = -1;
        out.host = wire_str_from("");
        out.port = -1;
    }
    proto_find_coordinator_resp_encode(req->out, v, &out);
    wire_arena_free(&a);
    return 0;
}
