/*
 * h_metadata.c - Metadata v0..v8 (with auto topic creation) and
 * FindCoordinator v0..v2.
 *
 * Standalone broker: one broker (this one, at its advertised address), the
 * controller is itself, every partition's leader, replica set and ISR is
 * this broker. An unknown topic is created when auto.create.topics.enable
 * is on and (v4+) the client allows it; creation is synchronous, so the
 * topic is answered as ready at once. FindCoordinator names this broker for
 * every key: librdkafka needs FindCoordinator advertised to enable LZ4; the
 * group APIs themselves are not implemented (and not advertised) yet.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/logging.h"
#include "broker/topics.h"
#include "wire/kafka.h"

#define AUTHORIZED_OPS_OMITTED INT32_MIN

static void write_topic(broker_request *req, topic *tp, int16_t error, wire_str name) {
    wire_writer *w = req->out;
    int16_t v = req->api_version;
    int32_t id = req->b->cfg.broker_id;
    wire_write_i16(w, error);
    wire_write_str(w, 0, name);
    if (v >= 1)
        wire_write_i8(w, 0); /* is_internal */
    int32_t n = tp ? tp->partition_count : 0;
    wire_write_array_len(w, 0, n);
    for (int32_t p = 0; p < n; p++) {
        wire_write_i16(w, tp->partitions[p]->lg ? KAFKA_NONE : KAFKA_LEADER_NOT_AVAILABLE);
        wire_write_i32(w, p);
        wire_write_i32(w, id); /* leader */
        if (v >= 7)
            wire_write_i32(w, 0); /* leader_epoch */
        wire_write_array_len(w, 0, 1);
        wire_write_i32(w, id); /* replicas */
        wire_write_array_len(w, 0, 1);
        wire_write_i32(w, id); /* isr */
        if (v >= 5)
            wire_write_array_len(w, 0, 0); /* offline replicas */
    }
    if (v >= 8)
        wire_write_i32(w, AUTHORIZED_OPS_OMITTED);
}

int h_metadata(broker_request *req) {
    wire_reader *r = &req->body;
    int16_t v = req->api_version;
    broker *b = req->b;
    int32_t ntopics = wire_read_array_len(r, 0);
    /* Names are read twice: collect the slices first, the flags follow them. */
    wire_str names_small[64];
    wire_str *names = names_small;
    wire_arena arena;
    wire_arena_init(&arena);
    if (ntopics > 64)
        names = wire_arena_calloc(&arena, (size_t)ntopics, sizeof *names);
    if (ntopics > 0 && !names) {
        req->why = "out of memory";
        return -1;
    }
    for (int32_t i = 0; i < ntopics && !r->err; i++)
        names[i] = wire_read_str(r, 0);
    int allow_auto = 1;
    if (v >= 4)
        allow_auto = wire_read_i8(r) != 0;
    if (v >= 8) {
        wire_read_i8(r); /* include_cluster_authorized_operations */
        wire_read_i8(r); /* include_topic_authorized_operations */
    }
    if (broker_decode_failed(req, r, "Metadata body")) {
        wire_arena_free(&arena);
        return -1;
    }
    int all = ntopics < 0 || (v == 0 && ntopics == 0);

    wire_writer *w = req->out;
    if (v >= 3)
        wire_write_i32(w, 0); /* throttle_time_ms */
    wire_write_array_len(w, 0, 1);
    wire_write_i32(w, b->cfg.broker_id);
    wire_write_cstr(w, 0, b->advertised_host);
    wire_write_i32(w, b->advertised_port);
    if (v >= 1)
        wire_write_str(w, 0, WIRE_STR_NULL); /* rack */
    if (v >= 2)
        wire_write_cstr(w, 0, b->cluster_id);
    if (v >= 1)
        wire_write_i32(w, b->cfg.broker_id); /* controller */

    if (all) {
        int n = topics_count(b->topics);
        wire_write_array_len(w, 0, n);
        for (int i = 0; i < n; i++) {
            topic *tp = topics_at(b->topics, i);
            write_topic(req, tp, KAFKA_NONE, wire_str_from(tp->name));
        }
    } else {
        wire_write_array_len(w, 0, ntopics);
        for (int32_t i = 0; i < ntopics; i++) {
            wire_str name = names[i];
            topic *tp = topics_find(b->topics, name.ptr, name.len);
            int16_t error = KAFKA_NONE;
            if (!tp && !topics_name_valid(name.ptr, name.len)) {
                error = KAFKA_INVALID_TOPIC_EXCEPTION;
            } else if (!tp && b->cfg.auto_create_topics && allow_auto && !b->stopping) {
                char cname[256], msg[256];
                snprintf(cname, sizeof cname, "%.*s", (int)name.len, name.ptr);
                error = topics_create(b->topics, cname, b->cfg.num_partitions, NULL, 0, 0, msg,
                                      sizeof msg);
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
            write_topic(req, tp, error, name);
        }
    }
    if (v >= 8)
        wire_write_i32(w, AUTHORIZED_OPS_OMITTED); /* cluster_authorized_operations */
    wire_arena_free(&arena);
    return 0;
}

int h_find_coordinator(broker_request *req) {
    wire_reader *r = &req->body;
    int16_t v = req->api_version;
    wire_read_str(r, 0); /* key */
    int8_t key_type = 0;
    if (v >= 1)
        key_type = wire_read_i8(r);
    if (broker_decode_failed(req, r, "FindCoordinator body"))
        return -1;
    wire_writer *w = req->out;
    int16_t error = key_type == 0 || key_type == 1 ? KAFKA_NONE : KAFKA_INVALID_REQUEST;
    if (v >= 1)
        wire_write_i32(w, 0); /* throttle_time_ms */
    wire_write_i16(w, error);
    if (v >= 1)
        wire_write_str(w, 0, error ? wire_str_from("unknown key type") : WIRE_STR_NULL);
    wire_write_i32(w, error ? -1 : req->b->cfg.broker_id);
    wire_write_cstr(w, 0, error ? "" : req->b->advertised_host);
    wire_write_i32(w, error ? -1 : req->b->advertised_port);
    return 0;
}
