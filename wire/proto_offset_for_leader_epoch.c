/*
 * proto_offset_for_leader_epoch.c - OffsetForLeaderEpoch (key 23) v0-4.
 *
 * A follower (KIP-101, KIP-279) or a consumer validating its position
 * (KIP-320) asks, per partition, where a leader epoch ends in the leader's
 * log. v1 adds the epoch to the answer (the largest epoch <= the requested
 * one that the leader knows), v2 the current_leader_epoch used for fencing
 * and the throttle time, v3 the replica id, v4 is the flexible encoding.
 */
#include "wire/proto_internal.h"

#define API KAFKA_API_OFFSET_FOR_LEADER_EPOCH

int proto_offset_for_leader_epoch_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                             proto_offset_for_leader_epoch_req *out) {
    if (proto_check_dec(API, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(API, version);
    out->replica_id = version >= 3 ? wire_read_i32(r) : -2;
    out->topic_count = proto_read_count(r, flex, 0);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++) {
        proto_offset_for_leader_epoch_req_topic *t = &out->topics[i];
        t->name = proto_read_str_nn(r, flex);
        t->partition_count = proto_read_count(r, flex, 0);
        t->partitions = proto_alloc(r, a, t->partition_count, sizeof(*t->partitions));
        for (int32_t j = 0; t->partitions && j < t->partition_count && !r->err; j++) {
            proto_offset_for_leader_epoch_req_partition *p = &t->partitions[j];
            p->partition = wire_read_i32(r);
            p->current_leader_epoch = version >= 2 ? wire_read_i32(r) : -1;
            p->leader_epoch = wire_read_i32(r);
            wire_skip_tags(r, flex);
        }
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_offset_for_leader_epoch_req_encode(wire_writer *w, int16_t version,
                                              const proto_offset_for_leader_epoch_req *in) {
    if (!proto_check_enc(w, API, version))
        return;
    int flex = proto_is_flexible(API, version);
    if (version >= 3)
        wire_write_i32(w, in->replica_id);
    proto_write_count(w, flex, 0, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_offset_for_leader_epoch_req_topic *t = &in->topics[i];
        proto_write_str_nn(w, flex, t->name);
        proto_write_count(w, flex, 0, t->partition_count);
        for (int32_t j = 0; j < t->partition_count; j++) {
            const proto_offset_for_leader_epoch_req_partition *p = &t->partitions[j];
            wire_write_i32(w, p->partition);
            if (version >= 2)
                wire_write_i32(w, p->current_leader_epoch);
            wire_write_i32(w, p->leader_epoch);
            wire_write_tags_empty(w, flex);
        }
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}

int proto_offset_for_leader_epoch_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                              proto_offset_for_leader_epoch_resp *out) {
    if (proto_check_dec(API, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(API, version);
    out->throttle_time_ms = version >= 2 ? wire_read_i32(r) : 0;
    out->topic_count = proto_read_count(r, flex, 0);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++) {
        proto_offset_for_leader_epoch_resp_topic *t = &out->topics[i];
        t->name = proto_read_str_nn(r, flex);
        t->partition_count = proto_read_count(r, flex, 0);
        t->partitions = proto_alloc(r, a, t->partition_count, sizeof(*t->partitions));
        for (int32_t j = 0; t->partitions && j < t->partition_count && !r->err; j++) {
            proto_offset_for_leader_epoch_resp_partition *p = &t->partitions[j];
            p->error_code = wire_read_i16(r);
            p->partition = wire_read_i32(r);
            p->leader_epoch = version >= 1 ? wire_read_i32(r) : -1;
            p->end_offset = wire_read_i64(r);
            wire_skip_tags(r, flex);
        }
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_offset_for_leader_epoch_resp_encode(wire_writer *w, int16_t version,
                                               const proto_offset_for_leader_epoch_resp *in) {
    if (!proto_check_enc(w, API, version))
        return;
    int flex = proto_is_flexible(API, version);
    if (version >= 2)
        wire_write_i32(w, in->throttle_time_ms);
    proto_write_count(w, flex, 0, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_offset_for_leader_epoch_resp_topic *t = &in->topics[i];
        proto_write_str_nn(w, flex, t->name);
        proto_write_count(w, flex, 0, t->partition_count);
        for (int32_t j = 0; j < t->partition_count; j++) {
            const proto_offset_for_leader_epoch_resp_partition *p = &t->partitions[j];
            wire_write_i16(w, p->error_code);
            wire_write_i32(w, p->partition);
            if (version >= 1)
                wire_write_i32(w, p->leader_epoch);
            wire_write_i64(w, p->end_offset);
            wire_write_tags_empty(w, flex);
        }
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}
