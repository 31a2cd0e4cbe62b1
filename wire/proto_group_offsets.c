/*
 * proto_group_offsets.c - committed offsets of a group: OffsetCommit (8)
 * v0-7 and OffsetFetch (9) v0-7.
 *
 * OffsetCommit's layout moves with the version: v1 has a per-partition
 * commit timestamp, v2-4 a request-wide retention time, v6+ the committed
 * leader epoch and v7 the group instance id. OffsetFetch v6-7 are flexible
 * (compact strings and arrays, a tagged-field section after every struct);
 * its topic list is nullable from v2 ("all partitions of the group").
 */
#include "wire/proto_internal.h"

#define OC KAFKA_API_OFFSET_COMMIT
#define OF KAFKA_API_OFFSET_FETCH

/* ---- OffsetCommit ---- */

int proto_offset_commit_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                   proto_offset_commit_req *out) {
    if (proto_check_dec(OC, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(OC, version);
    out->group_id = proto_read_str_nn(r, flex);
    out->generation_id = version >= 1 ? wire_read_i32(r) : -1;
    out->member_id = version >= 1 ? proto_read_str_nn(r, flex) : (wire_str){"", 0};
    out->group_instance_id = version >= 7 ? wire_read_str(r, flex) : WIRE_STR_NULL;
    out->retention_time_ms = version >= 2 && version <= 4 ? wire_read_i64(r) : -1;
    out->topic_count = proto_read_count(r, flex, 0);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++) {
        proto_offset_commit_req_topic *t = &out->topics[i];
        t->name = proto_read_str_nn(r, flex);
        t->partition_count = proto_read_count(r, flex, 0);
        t->partitions = proto_alloc(r, a, t->partition_count, sizeof(*t->partitions));
        for (int32_t j = 0; t->partitions && j < t->partition_count && !r->err; j++) {
            proto_offset_commit_req_partition *p = &t->partitions[j];
            p->partition_index = wire_read_i32(r);
            p->committed_offset = wire_read_i64(r);
            p->committed_leader_epoch = version >= 6 ? wire_read_i32(r) : -1;
            p->commit_timestamp = version == 1 ? wire_read_i64(r) : -1;
            p->committed_metadata = wire_read_str(r, flex);
            wire_skip_tags(r, flex);
        }
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_offset_commit_req_encode(wire_writer *w, int16_t version,
                                    const proto_offset_commit_req *in) {
    if (!proto_check_enc(w, OC, version))
        return;
    int flex = proto_is_flexible(OC, version);
    proto_write_str_nn(w, flex, in->group_id);
    if (version >= 1) {
        wire_write_i32(w, in->generation_id);
        proto_write_str_nn(w, flex, in->member_id);
    }
    if (version >= 7)
        wire_write_str(w, flex, in->group_instance_id);
    if (version >= 2 && version <= 4)
        wire_write_i64(w, in->retention_time_ms);
    proto_write_count(w, flex, 0, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_offset_commit_req_topic *t = &in->topics[i];
        proto_write_str_nn(w, flex, t->name);
        proto_write_count(w, flex, 0, t->partition_count);
        for (int32_t j = 0; j < t->partition_count; j++) {
            const proto_offset_commit_req_partition *p = &t->partitions[j];
            wire_write_i32(w, p->partition_index);
            wire_write_i64(w, p->committed_offset);
            if (version >= 6)
                wire_write_i32(w, p->committed_leader_epoch);
            if (version == 1)
                wire_write_i64(w, p->commit_timestamp);
            wire_write_str(w, flex, p->committed_metadata);
            wire_write_tags_empty(w, flex);
        }
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}

int proto_offset_commit_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                    proto_offset_commit_resp *out) {
    if (proto_check_dec(OC, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(OC, version);
    out->throttle_time_ms = version >= 3 ? wire_read_i32(r) : 0;
    out->topic_count = proto_read_count(r, flex, 0);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++) {
        proto_offset_commit_resp_topic *t = &out->topics[i];
        t->name = proto_read_str_nn(r, flex);
        t->partition_count = proto_read_count(r, flex, 0);
        t->partitions = proto_alloc(r, a, t->partition_count, sizeof(*t->partitions));
        for (int32_t j = 0; t->partitions && j < t->partition_count && !r->err; j++) {
            t->partitions[j].partition_index = wire_read_i32(r);
            t->partitions[j].error_code = wire_read_i16(r);
            wire_skip_tags(r, flex);
        }
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_offset_commit_resp_encode(wire_writer *w, int16_t version,
                                     const proto_offset_commit_resp *in) {
    if (!proto_check_enc(w, OC, version))
        return;
    int flex = proto_is_flexible(OC, version);
    if (version >= 3)
        wire_write_i32(w, in->throttle_time_ms);
    proto_write_count(w, flex, 0, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_offset_commit_resp_topic *t = &in->topics[i];
        proto_write_str_nn(w, flex, t->name);
        proto_write_count(w, flex, 0, t->partition_count);
        for (int32_t j = 0; j < t->partition_count; j++) {
            wire_write_i32(w, t->partitions[j].partition_index);
            wire_write_i16(w, t->partitions[j].error_code);
            wire_write_tags_empty(w, flex);
        }
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}

/* ---- OffsetFetch ---- */

int proto_offset_fetch_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                  proto_offset_fetch_req *out) {
    if (proto_check_dec(OF, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(OF, version);
    out->group_id = proto_read_str_nn(r, flex);
    out->topic_count = proto_read_count(r, flex, version >= 2);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++) {
        proto_offset_fetch_req_topic *t = &out->topics[i];
        t->name = proto_read_str_nn(r, flex);
        t->partitions = proto_read_i32_array(r, flex, 0, a, &t->partition_count);
        wire_skip_tags(r, flex);
    }
    out->require_stable = version >= 7 ? wire_read_i8(r) : 0;
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_offset_fetch_req_encode(wire_writer *w, int16_t version,
                                   const proto_offset_fetch_req *in) {
    if (!proto_check_enc(w, OF, version))
        return;
    int flex = proto_is_flexible(OF, version);
    proto_write_str_nn(w, flex, in->group_id);
    proto_write_count(w, flex, version >= 2, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_offset_fetch_req_topic *t = &in->topics[i];
        proto_write_str_nn(w, flex, t->name);
        proto_write_i32_array(w, flex, 0, t->partition_count, t->partitions);
        wire_write_tags_empty(w, flex);
    }
    if (version >= 7)
        wire_write_i8(w, in->require_stable);
    wire_write_tags_empty(w, flex);
}

int proto_offset_fetch_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                   proto_offset_fetch_resp *out) {
    if (proto_check_dec(OF, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(OF, version);
    out->throttle_time_ms = version >= 3 ? wire_read_i32(r) : 0;
    out->topic_count = proto_read_count(r, flex, 0);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++) {
        proto_offset_fetch_resp_topic *t = &out->topics[i];
        t->name = proto_read_str_nn(r, flex);
        t->partition_count = proto_read_count(r, flex, 0);
        t->partitions = proto_alloc(r, a, t->partition_count, sizeof(*t->partitions));
        for (int32_t j = 0; t->partitions && j < t->partition_count && !r->err; j++) {
            proto_offset_fetch_resp_partition *p = &t->partitions[j];
            p->partition_index = wire_read_i32(r);
            p->committed_offset = wire_read_i64(r);
            p->committed_leader_epoch = version >= 5 ? wire_read_i32(r) : -1;
            p->metadata = wire_read_str(r, flex);
            p->error_code = wire_read_i16(r);
            wire_skip_tags(r, flex);
        }
        wire_skip_tags(r, flex);
    }
    out->error_code = version >= 2 ? wire_read_i16(r) : 0;
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_offset_fetch_resp_encode(wire_writer *w, int16_t version,
                                    const proto_offset_fetch_resp *in) {
    if (!proto_check_enc(w, OF, version))
        return;
    int flex = proto_is_flexible(OF, version);
    if (version >= 3)
        wire_write_i32(w, in->throttle_time_ms);
    proto_write_count(w, flex, 0, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_offset_fetch_resp_topic *t = &in->topics[i];
        proto_write_str_nn(w, flex, t->name);
        proto_write_count(w, flex, 0, t->partition_count);
        for (int32_t j = 0; j < t->partition_count; j++) {
            const proto_offset_fetch_resp_partition *p = &t->partitions[j];
            wire_write_i32(w, p->partition_index);
            wire_write_i64(w, p->committed_offset);
            if (version >= 5)
                wire_write_i32(w, p->committed_leader_epoch);
            wire_write_str(w, flex, p->metadata);
            wire_write_i16(w, p->error_code);
            wire_write_tags_empty(w, flex);
        }
        wire_write_tags_empty(w, flex);
    }
    if (version >= 2)
        wire_write_i16(w, in->error_code);
    wire_write_tags_empty(w, flex);
}
