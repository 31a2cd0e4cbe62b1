/*
 * proto_list_offsets.c - ListOffsets (key 2) v0-5.
 *
 * v0 is the old "offsets before time" form (a max count in the request, an
 * array of offsets in the response); librdkafka still sends it to find the
 * log start or end when it cannot use v1. From v1 each partition answers one
 * (timestamp, offset) pair; v2 adds the isolation level and throttle time,
 * v4 the leader epochs.
 */
#include "wire/proto_internal.h"

#define API KAFKA_API_LIST_OFFSETS

int proto_list_offsets_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                  proto_list_offsets_req *out) {
    if (proto_check_dec(API, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(API, version);
    out->replica_id = wire_read_i32(r);
    out->isolation_level = version >= 2 ? wire_read_i8(r) : 0;
    out->topic_count = proto_read_count(r, flex, 0);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++) {
        proto_list_offsets_req_topic *t = &out->topics[i];
        t->name = proto_read_str_nn(r, flex);
        t->partition_count = proto_read_count(r, flex, 0);
        t->partitions = proto_alloc(r, a, t->partition_count, sizeof(*t->partitions));
        for (int32_t j = 0; t->partitions && j < t->partition_count && !r->err; j++) {
            proto_list_offsets_req_partition *p = &t->partitions[j];
            p->partition_index = wire_read_i32(r);
            p->current_leader_epoch = version >= 4 ? wire_read_i32(r) : -1;
            p->timestamp = wire_read_i64(r);
            p->max_num_offsets = version == 0 ? wire_read_i32(r) : 1;
            wire_skip_tags(r, flex);
        }
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_list_offsets_req_encode(wire_writer *w, int16_t version,
                                   const proto_list_offsets_req *in) {
    if (!proto_check_enc(w, API, version))
        return;
    int flex = proto_is_flexible(API, version);
    wire_write_i32(w, in->replica_id);
    if (version >= 2)
        wire_write_i8(w, in->isolation_level);
    proto_write_count(w, flex, 0, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_list_offsets_req_topic *t = &in->topics[i];
        proto_write_str_nn(w, flex, t->name);
        proto_write_count(w, flex, 0, t->partition_count);
        for (int32_t j = 0; j < t->partition_count; j++) {
            const proto_list_offsets_req_partition *p = &t->partitions[j];
            wire_write_i32(w, p->partition_index);
            if (version >= 4)
                wire_write_i32(w, p->current_leader_epoch);
            wire_write_i64(w, p->timestamp);
            if (version == 0)
                wire_write_i32(w, p->max_num_offsets);
            wire_write_tags_empty(w, flex);
        }
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}

int proto_list_offsets_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                   proto_list_offsets_resp *out) {
    if (proto_check_dec(API, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(API, version);
    out->throttle_time_ms = version >= 2 ? wire_read_i32(r) : 0;
    out->topic_count = proto_read_count(r, flex, 0);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++) {
        proto_list_offsets_resp_topic *t = &out->topics[i];
        t->name = proto_read_str_nn(r, flex);
        t->partition_count = proto_read_count(r, flex, 0);
        t->partitions = proto_alloc(r, a, t->partition_count, sizeof(*t->partitions));
        for (int32_t j = 0; t->partitions && j < t->partition_count && !r->err; j++) {
            proto_list_offsets_resp_partition *p = &t->partitions[j];
            p->partition_index = wire_read_i32(r);
            p->error_code = wire_read_i16(r);
            p->old_style_offset_count = 0;
            p->old_style_offsets = NULL;
            p->timestamp = -1;
            p->offset = -1;
            if (version == 0) {
                p->old_style_offsets = proto_read_i64_array(r, flex, a, &p->old_style_offset_count);
            } else {
                p->timestamp = wire_read_i64(r);
                p->offset = wire_read_i64(r);
            }
            p->leader_epoch = version >= 4 ? wire_read_i32(r) : -1;
            wire_skip_tags(r, flex);
        }
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_list_offsets_resp_encode(wire_writer *w, int16_t version,
                                    const proto_list_offsets_resp *in) {
    if (!proto_check_enc(w, API, version))
        return;
    int flex = proto_is_flexible(API, version);
    if (version >= 2)
        wire_write_i32(w, in->throttle_time_ms);
    proto_write_count(w, flex, 0, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_list_offsets_resp_topic *t = &in->topics[i];
        proto_write_str_nn(w, flex, t->name);
        proto_write_count(w, flex, 0, t->partition_count);
        for (int32_t j = 0; j < t->partition_count; j++) {
            const proto_list_offsets_resp_partition *p = &t->partitions[j];
            wire_write_i32(w, p->partition_index);
            wire_write_i16(w, p->error_code);
            if (version == 0) {
                proto_write_i64_array(w, flex, p->old_style_offset_count, p->old_style_offsets);
            } else {
                wire_write_i64(w, p->timestamp);
                wire_write_i64(w, p->offset);
            }
            if (version >= 4)
                wire_write_i32(w, p->leader_epoch);
            wire_write_tags_empty(w, flex);
        }
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}
