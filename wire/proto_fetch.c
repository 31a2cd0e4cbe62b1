/*
 * proto_fetch.c - Fetch (key 1) v4-11.
 *
 * v4 is the first version that carries RecordBatch v2 (and the last stable
 * offset and aborted transactions that read_committed consumers need), so it
 * is our minimum. The response encoder has a zero-copy hook: a partition may
 * give a fill callback instead of a byte slice, and the encoder lets it write
 * the records straight into the output buffer (e.g. pread from a segment),
 * so stored batches reach the socket with a single copy.
 */
#include "wire/proto_internal.h"

#define API KAFKA_API_FETCH

static void decode_req_topic(wire_reader *r, int16_t version, int flex, wire_arena *a,
                             proto_fetch_req_topic *t) {
    t->topic = proto_read_str_nn(r, flex);
    t->partition_count = proto_read_count(r, flex, 0);
    t->partitions = proto_alloc(r, a, t->partition_count, sizeof(*t->partitions));
    for (int32_t j = 0; t->partitions && j < t->partition_count && !r->err; j++) {
        proto_fetch_req_partition *p = &t->partitions[j];
        p->partition = wire_read_i32(r);
        p->current_leader_epoch = version >= 9 ? wire_read_i32(r) : -1;
        p->fetch_offset = wire_read_i64(r);
        p->log_start_offset = version >= 5 ? wire_read_i64(r) : -1;
        p->partition_max_bytes = wire_read_i32(r);
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
}

int proto_fetch_req_decode(wire_reader *r, int16_t version, wire_arena *a, proto_fetch_req *out) {
    if (proto_check_dec(API, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(API, version);
    out->replica_id = wire_read_i32(r);
    out->max_wait_ms = wire_read_i32(r);
    out->min_bytes = wire_read_i32(r);
    out->max_bytes = wire_read_i32(r); /* v3+ */
    out->isolation_level = wire_read_i8(r);
    out->session_id = version >= 7 ? wire_read_i32(r) : 0;
    out->session_epoch = version >= 7 ? wire_read_i32(r) : -1;
    out->topic_count = proto_read_count(r, flex, 0);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++)
        decode_req_topic(r, version, flex, a, &out->topics[i]);
    out->forgotten_count = 0;
    out->forgotten = NULL;
    if (version >= 7) {
        out->forgotten_count = proto_read_count(r, flex, 0);
        out->forgotten = proto_alloc(r, a, out->forgotten_count, sizeof(*out->forgotten));
        for (int32_t i = 0; out->forgotten && i < out->forgotten_count && !r->err; i++) {
            proto_fetch_forgotten_topic *f = &out->forgotten[i];
            f->topic = proto_read_str_nn(r, flex);
            f->partitions = proto_read_i32_array(r, flex, 0, a, &f->partition_count);
            wire_skip_tags(r, flex);
        }
    }
    out->rack_id = version >= 11 ? proto_read_str_nn(r, flex) : (wire_str){"", 0};
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_fetch_req_encode(wire_writer *w, int16_t version, const proto_fetch_req *in) {
    if (!proto_check_enc(w, API, version))
        return;
    int flex = proto_is_flexible(API, version);
    wire_write_i32(w, in->replica_id);
    wire_write_i32(w, in->max_wait_ms);
    wire_write_i32(w, in->min_bytes);
    wire_write_i32(w, in->max_bytes);
    wire_write_i8(w, in->isolation_level);
    if (version >= 7) {
        wire_write_i32(w, in->session_id);
        wire_write_i32(w, in->session_epoch);
    }
    proto_write_count(w, flex, 0, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_fetch_req_topic *t = &in->topics[i];
        proto_write_str_nn(w, flex, t->topic);
        proto_write_count(w, flex, 0, t->partition_count);
        for (int32_t j = 0; j < t->partition_count; j++) {
            const proto_fetch_req_partition *p = &t->partitions[j];
            wire_write_i32(w, p->partition);
            if (version >= 9)
                wire_write_i32(w, p->current_leader_epoch);
            wire_write_i64(w, p->fetch_offset);
            if (version >= 5)
                wire_write_i64(w, p->log_start_offset);
            wire_write_i32(w, p->partition_max_bytes);
            wire_write_tags_empty(w, flex);
        }
        wire_write_tags_empty(w, flex);
    }
    if (version >= 7) {
        proto_write_count(w, flex, 0, in->forgotten_count);
        for (int32_t i = 0; i < in->forgotten_count; i++) {
            const proto_fetch_forgotten_topic *f = &in->forgotten[i];
            proto_write_str_nn(w, flex, f->topic);
            proto_write_i32_array(w, flex, 0, f->partition_count, f->partitions);
            wire_write_tags_empty(w, flex);
        }
    }
    if (version >= 11)
        proto_write_str_nn(w, flex, in->rack_id);
    wire_write_tags_empty(w, flex);
}

static void decode_resp_partition(wire_reader *r, int16_t version, int flex, wire_arena *a,
                                  proto_fetch_resp_partition *p) {
    p->partition_index = wire_read_i32(r);
    p->error_code = wire_read_i16(r);
    p->high_watermark = wire_read_i64(r);
    p->last_stable_offset = wire_read_i64(r); /* v4+ */
    p->log_start_offset = version >= 5 ? wire_read_i64(r) : -1;
    p->aborted_count = proto_read_count(r, flex, 1);
    p->aborted = proto_alloc(r, a, p->aborted_count, sizeof(*p->aborted));
    for (int32_t k = 0; p->aborted && k < p->aborted_count && !r->err; k++) {
        p->aborted[k].producer_id = wire_read_i64(r);
        p->aborted[k].first_offset = wire_read_i64(r);
        wire_skip_tags(r, flex);
    }
    p->preferred_read_replica = version >= 11 ? wire_read_i32(r) : -1;
    p->records = wire_read_bytes(r, flex);
    p->records_len = p->records.len;
    p->records_fill = NULL;
    p->records_ctx = NULL;
    wire_skip_tags(r, flex);
}

int proto_fetch_resp_decode(wire_reader *r, int16_t version, wire_arena *a, proto_fetch_resp *out) {
    if (proto_check_dec(API, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(API, version);
    out->throttle_time_ms = wire_read_i32(r);
    out->error_code = version >= 7 ? wire_read_i16(r) : 0;
    out->session_id = version >= 7 ? wire_read_i32(r) : 0;
    out->topic_count = proto_read_count(r, flex, 0);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++) {
        proto_fetch_resp_topic *t = &out->topics[i];
        t->topic = proto_read_str_nn(r, flex);
        t->partition_count = proto_read_count(r, flex, 0);
        t->partitions = proto_alloc(r, a, t->partition_count, sizeof(*t->partitions));
        for (int32_t j = 0; t->partitions && j < t->partition_count && !r->err; j++)
            decode_resp_partition(r, version, flex, a, &t->partitions[j]);
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

static void encode_records(wire_writer *w, int flex, const proto_fetch_resp_partition *p) {
    if (!p->records_fill) {
        wire_write_bytes(w, flex, p->records);
        return;
    }
    if (p->records_len < 0) {
        if (!w->err)
            w->err = WIRE_ERR_INVALID;
        return;
    }
    wire_write_array_len(w, flex, p->records_len); /* same prefix as BYTES */
    if (p->records_len == 0)
        return;
    uint8_t *dst = wire_write_reserve(w, (size_t)p->records_len);
    if (dst && p->records_fill(p->records_ctx, dst, (size_t)p->records_len) != 0 && !w->err)
        w->err = WIRE_ERR_INVALID;
}

void proto_fetch_resp_encode(wire_writer *w, int16_t version, const proto_fetch_resp *in) {
    if (!proto_check_enc(w, API, version))
        return;
    int flex = proto_is_flexible(API, version);
    wire_write_i32(w, in->throttle_time_ms);
    if (version >= 7) {
        wire_write_i16(w, in->error_code);
        wire_write_i32(w, in->session_id);
    }
    proto_write_count(w, flex, 0, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_fetch_resp_topic *t = &in->topics[i];
        proto_write_str_nn(w, flex, t->topic);
        proto_write_count(w, flex, 0, t->partition_count);
        for (int32_t j = 0; j < t->partition_count; j++) {
            const proto_fetch_resp_partition *p = &t->partitions[j];
            wire_write_i32(w, p->partition_index);
            wire_write_i16(w, p->error_code);
            wire_write_i64(w, p->high_watermark);
            wire_write_i64(w, p->last_stable_offset);
            if (version >= 5)
                wire_write_i64(w, p->log_start_offset);
            proto_write_count(w, flex, 1, p->aborted_count);
            for (int32_t k = 0; k < p->aborted_count; k++) {
                wire_write_i64(w, p->aborted[k].producer_id);
                wire_write_i64(w, p->aborted[k].first_offset);
                wire_write_tags_empty(w, flex);
            }
            if (version >= 11)
                wire_write_i32(w, p->preferred_read_replica);
            encode_records(w, flex, p);
            wire_write_tags_empty(w, flex);
        }
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}
