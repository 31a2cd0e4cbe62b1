/*
 * h_cluster.c - Metadata in cluster mode: from the cluster view (live
 * brokers, the controller, leader, replicas and ISR of every partition;
 * topics marked for deletion are left out; auto-creation goes through
 * ZooKeeper). h_metadata.c hands over to it when b->cluster is set; the
 * admin requests are h_cluster_admin.c.
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
    int32_t want = all ? cluster_topic_count(c) : in.topic_count;
    if (want > 0 && !(out.topics = wire_arena_calloc(&a, (size_t)want, sizeof *out.topics)))
        goto nomem;
    for (int32_t i = 0; i < want; i++) {
        if (all) {
            const cluster_topic *t = cluster_topic_at(c, i);
            if (cluster_topic_deleting(c, t->name, (int32_t)strlen(t->name)))
                continue;
            if (fill_topic(c, &a, &out.topics[out.topic_count++], t, KAFKA_NONE,
                           wire_str_from(t->name)) != 0)
                goto nomem;
            continue;
        }
        wire_str name = in.topics[i];
        const cluster_topic *t = cluster_topic_find(c, name.ptr, name.len);
        int16_t error = KAFKA_NONE;
        if (cluster_topic_deleting(c, name.ptr, name.len)) {
            t = NULL; /* not served any more; not created again until it is gone */
            error = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
        } else if (!t && !topics_name_valid(name.ptr, name.len)) {
            error = KAFKA_INVALID_TOPIC_EXCEPTION;
        } else if (!t && coordinator_topic_is_internal(name.ptr, name.len)) {
            /* Created by the group coordinator, with its own settings. */
            if (allow_auto)
                coordinator_ensure_topic(b);
            error = allow_auto ? KAFKA_LEADER_NOT_AVAILABLE : KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
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
        if (fill_topic(c, &a, &out.topics[out.topic_count++], t, error, name) != 0)
            goto nomem;
    }
    proto_metadata_resp_encode(req->out, v, &out);
    wire_arena_free(&a);
    return 0;
nomem:
    return broker_request_fail(req, &a, "out of memory");
}
