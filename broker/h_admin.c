/*
 * h_admin.c - topic administration: CreateTopics v0..v4, DeleteTopics
 * v0..v3, CreatePartitions v0..v1.
 *
 * Standalone rules: replication factor must be 1 or -1 (default), replica
 * assignments may only name this broker. Topic configs are validated by the
 * log layer's config parser (unknown key or bad value: INVALID_CONFIG;
 * cleanup.policy=compact: INVALID_CONFIG "not supported yet").
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/logging.h"
#include "broker/topics.h"
#include "wire/kafka.h"

#define MAX_TOPIC_CONFIGS 128

int h_create_topics(broker_request *req) {
    wire_reader *r = &req->body;
    int16_t v = req->api_version;
    broker *b = req->b;
    int32_t ntopics = wire_read_array_len(r, 0);
    if (broker_decode_failed(req, r, "CreateTopics header"))
        return -1;
    /* Results are written after validate_only, which follows the array:
     * decode everything first. */
    typedef struct ct {
        wire_str name;
        int32_t partitions;
        int16_t rf;
        int32_t assignments;
        int bad_assignment;
        int nconfigs;
        topic_override configs[MAX_TOPIC_CONFIGS];
        int too_many;
    } ct;
    ct *list = ntopics > 0 ? calloc((size_t)ntopics, sizeof *list) : NULL;
    if (ntopics > 0 && !list) {
        req->why = "out of memory";
        return -1;
    }
    wire_arena arena;
    wire_arena_init(&arena);
    for (int32_t i = 0; i < ntopics && !r->err; i++) {
        ct *c = &list[i];
        c->name = wire_read_str(r, 0);
        c->partitions = wire_read_i32(r);
        c->rf = wire_read_i16(r);
        c->assignments = wire_read_array_len(r, 0);
        for (int32_t a = 0; a < c->assignments && !r->err; a++) {
            wire_read_i32(r); /* partition index */
            int32_t nb = wire_read_array_len(r, 0);
            if (nb != 1)
                c->bad_assignment = 1;
            for (int32_t k = 0; k < nb && !r->err; k++)
                if (wire_read_i32(r) != b->cfg.broker_id)
                    c->bad_assignment = 1;
        }
        int32_t ncfg = wire_read_array_len(r, 0);
        for (int32_t k = 0; k < ncfg && !r->err; k++) {
            wire_str key = wire_read_str(r, 0);
            wire_str value = wire_read_str(r, 0);
            if (r->err)
                break;
            if (c->nconfigs == MAX_TOPIC_CONFIGS) {
                c->too_many = 1;
                continue;
            }
            topic_override *o = &c->configs[c->nconfigs++];
            o->key = wire_arena_alloc(&arena, key.len > 0 ? (size_t)key.len + 1 : 1);
            o->value = value.len >= 0 ? wire_arena_alloc(&arena, (size_t)value.len + 1) : NULL;
            if (!o->key || (value.len >= 0 && !o->value)) {
                r->err = WIRE_ERR_NOMEM;
                break;
            }
            if (key.len > 0)
                memcpy(o->key, key.ptr, (size_t)key.len);
            if (value.len > 0)
                memcpy(o->value, value.ptr, (size_t)value.len);
        }
    }
    wire_read_i32(r); /* timeout_ms */
    int validate_only = v >= 1 ? wire_read_i8(r) != 0 : 0;
    if (broker_decode_failed(req, r, "CreateTopics body")) {
        free(list);
        wire_arena_free(&arena);
        return -1;
    }
    wire_writer *w = req->out;
    if (v >= 2)
        wire_write_i32(w, 0); /* throttle_time_ms */
    wire_write_array_len(w, 0, ntopics < 0 ? 0 : ntopics);
    for (int32_t i = 0; i < ntopics; i++) {
        ct *c = &list[i];
        char name[256], msg[512] = "";
        int16_t error = KAFKA_NONE;
        int32_t partitions = c->partitions;
        if (c->assignments > 0 && partitions == -1)
            partitions = c->assignments;
        if (partitions == -1)
            partitions = b->cfg.num_partitions;
        if (c->name.len < 0 || c->name.len > 249) {
            error = KAFKA_INVALID_TOPIC_EXCEPTION;
            snprintf(msg, sizeof msg, "topic name is null or longer than 249 characters");
        } else if (c->assignments <= 0 && c->rf != 1 && c->rf != -1) {
            error = KAFKA_INVALID_REPLICATION_FACTOR;
            snprintf(msg, sizeof msg,
                     "replication factor %d is not possible on a standalone "
                     "broker; use 1 or -1",
                     c->rf);
        } else if (c->bad_assignment || (c->assignments > 0 && c->assignments != partitions)) {
            error = KAFKA_INVALID_REPLICA_ASSIGNMENT;
            snprintf(msg, sizeof msg,
                     "replica assignments may only name broker %" PRId32 ", once per partition",
                     b->cfg.broker_id);
        } else if (c->too_many) {
            error = KAFKA_INVALID_CONFIG;
            snprintf(msg, sizeof msg, "more than %d configs", MAX_TOPIC_CONFIGS);
        } else {
            snprintf(name, sizeof name, "%.*s", (int)c->name.len, c->name.ptr);
            if ((int32_t)strlen(name) != c->name.len) {
                error = KAFKA_INVALID_TOPIC_EXCEPTION;
                snprintf(msg, sizeof msg, "topic name holds a NUL byte");
            } else {
                error = topics_create(b->topics, name, partitions, c->configs, c->nconfigs,
                                      validate_only, msg, sizeof msg);
            }
        }
        if (error != KAFKA_NONE)
            BLOG_I("peer=%s: CreateTopics %.*s refused: %s (%s)", req->peer,
                   (int)(c->name.len < 0 ? 0 : c->name.len), c->name.ptr, kafka_error_name(error),
                   msg);
        wire_write_str(w, 0, c->name);
        wire_write_i16(w, error);
        if (v >= 1)
            wire_write_str(w, 0, error != KAFKA_NONE ? wire_str_from(msg) : WIRE_STR_NULL);
    }
    free(list);
    wire_arena_free(&arena);
    return 0;
}

int h_delete_topics(broker_request *req) {
    wire_reader *r = &req->body;
    int16_t v = req->api_version;
    int32_t n = wire_read_array_len(r, 0);
    wire_str small[64];
    wire_str *names = small;
    if (n > 64)
        names = calloc((size_t)n, sizeof *names);
    if (n > 64 && !names) {
        req->why = "out of memory";
        return -1;
    }
    for (int32_t i = 0; i < n && !r->err; i++)
        names[i] = wire_read_str(r, 0);
    wire_read_i32(r); /* timeout_ms */
    if (broker_decode_failed(req, r, "DeleteTopics body")) {
        if (names != small)
            free(names);
        return -1;
    }
    wire_writer *w = req->out;
    if (v >= 1)
        wire_write_i32(w, 0); /* throttle_time_ms */
    wire_write_array_len(w, 0, n < 0 ? 0 : n);
    for (int32_t i = 0; i < n; i++) {
        char msg[256];
        int16_t error = topics_delete(req->b->topics, names[i].ptr, names[i].len, msg, sizeof msg);
        wire_write_str(w, 0, names[i]);
        wire_write_i16(w, error);
    }
    if (names != small)
        free(names);
    return 0;
}

int h_create_partitions(broker_request *req) {
    wire_reader *r = &req->body;
    int32_t n = wire_read_array_len(r, 0);
    typedef struct cp {
        wire_str name;
        int32_t count;
        int bad_assignment;
    } cp;
    cp *list = n > 0 ? calloc((size_t)n, sizeof *list) : NULL;
    if (n > 0 && !list) {
        req->why = "out of memory";
        return -1;
    }
    for (int32_t i = 0; i < n && !r->err; i++) {
        list[i].name = wire_read_str(r, 0);
        list[i].count = wire_read_i32(r);
        int32_t na = wire_read_array_len(r, 0);
        for (int32_t a = 0; a < na && !r->err; a++) {
            int32_t nb = wire_read_array_len(r, 0);
            for (int32_t k = 0; k < nb && !r->err; k++)
                if (wire_read_i32(r) != req->b->cfg.broker_id)
                    list[i].bad_assignment = 1;
        }
    }
    wire_read_i32(r); /* timeout_ms */
    int validate_only = wire_read_i8(r) != 0;
    if (broker_decode_failed(req, r, "CreatePartitions body")) {
        free(list);
        return -1;
    }
    wire_writer *w = req->out;
    wire_write_i32(w, 0); /* throttle_time_ms */
    wire_write_array_len(w, 0, n < 0 ? 0 : n);
    for (int32_t i = 0; i < n; i++) {
        char msg[256] = "";
        int16_t error;
        if (list[i].bad_assignment) {
            error = KAFKA_INVALID_REPLICA_ASSIGNMENT;
            snprintf(msg, sizeof msg, "assignments may only name broker %" PRId32,
                     req->b->cfg.broker_id);
        } else {
            error = topics_add_partitions(req->b->topics, list[i].name.ptr, list[i].name.len,
                                          list[i].count, validate_only, msg, sizeof msg);
        }
        wire_write_str(w, 0, list[i].name);
        wire_write_i16(w, error);
        wire_write_str(w, 0, error != KAFKA_NONE ? wire_str_from(msg) : WIRE_STR_NULL);
    }
    free(list);
    return 0;
}
