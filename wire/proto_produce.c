/*
 * proto_produce.c - Produce (key 0) v0-7, request and response.
 *
 * The layouts differ only by version-gated fields: the request gains
 * transactional_id in v3; the response gains throttle_time_ms in v1,
 * log_append_time_ms in v2 and log_start_offset in v5. v0-2 are here because
 * librdkafka 2.0.2 enables compression only when the broker's Produce range
 * includes v0; what their records hold (legacy magic 0/1 message sets, which
 * Strand does not store) is the broker's business, not the codec's. The
 * records of each partition stay a slice into the request buffer: the
 * broker hands that slice to the log without copying it.
 */
#include "wire/proto_internal.h"

#define API KAFKA_API_PRODUCE

int proto_produce_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                             proto_produce_req *out) {
    if (proto_check_dec(API, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(API, version);
    out->transactional_id = version >= 3 ? wire_read_str(r, flex) : WIRE_STR_NULL;
    out->acks = wire_read_i16(r);
    out->timeout_ms = wire_read_i32(r);
    out->topic_count = proto_read_count(r, flex, 0);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++) {
        proto_produce_req_topic *t = &out->topics[i];
        t->name = proto_read_str_nn(r, flex);
        t->partition_count = proto_read_count(r, flex, 0);
        t->partitions = proto_alloc(r, a, t->partition_count, sizeof(*t->partitions));
        for (int32_t j = 0; t->partitions && j < t->partition_count && !r->err; j++) {
            t->partitions[j].index = wire_read_i32(r);
            t->partitions[j].records = wire_read_bytes(r, flex);
            wire_skip_tags(r, flex);
        }
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_produce_req_encode(wire_writer *w, int16_t version, const proto_produce_req *in) {
    if (!proto_check_enc(w, API, version))
        return;
    int flex = proto_is_flexible(API, version);
    if (version >= 3)
        wire_write_str(w, flex, in->transactional_id);
    wire_write_i16(w, in->acks);
    wire_write_i32(w, in->timeout_ms);
    proto_write_count(w, flex, 0, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_produce_req_topic *t = &in->topics[i];
        proto_write_str_nn(w, flex, t->name);
        proto_write_count(w, flex, 0, t->partition_count);
        for (int32_t j = 0; j < t->partition_count; j++) {
            wire_write_i32(w, t->partitions[j].index);
            wire_write_bytes(w, flex, t->partitions[j].records);
            wire_write_tags_empty(w, flex);
        }
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}

int proto_produce_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                              proto_produce_resp *out) {
    if (proto_check_dec(API, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(API, version);
    out->topic_count = proto_read_count(r, flex, 0);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++) {
        proto_produce_resp_topic *t = &out->topics[i];
        t->name = proto_read_str_nn(r, flex);
        t->partition_count = proto_read_count(r, flex, 0);
        t->partitions = proto_alloc(r, a, t->partition_count, sizeof(*t->partitions));
        for (int32_t j = 0; t->partitions && j < t->partition_count && !r->err; j++) {
            proto_produce_resp_partition *p = &t->partitions[j];
            p->index = wire_read_i32(r);
            p->error_code = wire_read_i16(r);
            p->base_offset = wire_read_i64(r);
            p->log_append_time_ms = version >= 2 ? wire_read_i64(r) : -1;
            p->log_start_offset = version >= 5 ? wire_read_i64(r) : -1;
            wire_skip_tags(r, flex);
        }
        wire_skip_tags(r, flex);
    }
    out->throttle_time_ms = version >= 1 ? wire_read_i32(r) : 0;
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_produce_resp_encode(wire_writer *w, int16_t version, const proto_produce_resp *in) {
    if (!proto_check_enc(w, API, version))
        return;
    int flex = proto_is_flexible(API, version);
    proto_write_count(w, flex, 0, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_produce_resp_topic *t = &in->topics[i];
        proto_write_str_nn(w, flex, t->name);
        proto_write_count(w, flex, 0, t->partition_count);
        for (int32_t j = 0; j < t->partition_count; j++) {
            const proto_produce_resp_partition *p = &t->partitions[j];
            wire_write_i32(w, p->index);
            wire_write_i16(w, p->error_code);
            wire_write_i64(w, p->base_offset);
            if (version >= 2)
                wire_write_i64(w, p->log_append_time_ms);
            if (version >= 5)
                wire_write_i64(w, p->log_start_offset);
            wire_write_tags_empty(w, flex);
        }
        wire_write_tags_empty(w, flex);
    }
    if (version >= 1)
        wire_write_i32(w, in->throttle_time_ms);
    wire_write_tags_empty(w, flex);
}
