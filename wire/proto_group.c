/*
 * proto_group.c - the membership APIs of the classic group protocol:
 * JoinGroup (11) v0-5, SyncGroup (14) v0-3, Heartbeat (12) v0-3 and
 * LeaveGroup (13) v0-3.
 *
 * All four are non-flexible in these ranges (flexible starts at JoinGroup
 * v6 and the others at v4), but the codecs still take the flexible flag from
 * proto_is_flexible so widening a range only needs the new fields. The
 * protocol metadata and assignments are opaque bytes here; their "consumer"
 * layout lives in proto_consumer_protocol.c.
 */
#include "wire/proto_internal.h"

/* ---- JoinGroup ---- */

/* Non-nullable BYTES: null is written as empty. */
static void write_bytes_nn(wire_writer *w, int flex, wire_bytes b) {
    if (b.len < 0)
        b = (wire_bytes){NULL, 0};
    wire_write_bytes(w, flex, b);
}

static wire_bytes read_bytes_nn(wire_reader *r, int flex) {
    wire_bytes b = wire_read_bytes(r, flex);
    if (!r->err && b.len < 0)
        r->err = WIRE_ERR_INVALID;
    return b;
}

int proto_join_group_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                proto_join_group_req *out) {
    if (proto_check_dec(KAFKA_API_JOIN_GROUP, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_JOIN_GROUP, version);
    out->group_id = proto_read_str_nn(r, flex);
    out->session_timeout_ms = wire_read_i32(r);
    out->rebalance_timeout_ms = version >= 1 ? wire_read_i32(r) : -1;
    out->member_id = proto_read_str_nn(r, flex);
    out->group_instance_id = version >= 5 ? wire_read_str(r, flex) : WIRE_STR_NULL;
    out->protocol_type = proto_read_str_nn(r, flex);
    out->protocol_count = proto_read_count(r, flex, 0);
    out->protocols = proto_alloc(r, a, out->protocol_count, sizeof(*out->protocols));
    for (int32_t i = 0; out->protocols && i < out->protocol_count && !r->err; i++) {
        out->protocols[i].name = proto_read_str_nn(r, flex);
        out->protocols[i].metadata = read_bytes_nn(r, flex);
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_join_group_req_encode(wire_writer *w, int16_t version, const proto_join_group_req *in) {
    if (!proto_check_enc(w, KAFKA_API_JOIN_GROUP, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_JOIN_GROUP, version);
    proto_write_str_nn(w, flex, in->group_id);
    wire_write_i32(w, in->session_timeout_ms);
    if (version >= 1)
        wire_write_i32(w, in->rebalance_timeout_ms);
    proto_write_str_nn(w, flex, in->member_id);
    if (version >= 5)
        wire_write_str(w, flex, in->group_instance_id);
    proto_write_str_nn(w, flex, in->protocol_type);
    proto_write_count(w, flex, 0, in->protocol_count);
    for (int32_t i = 0; i < in->protocol_count; i++) {
        proto_write_str_nn(w, flex, in->protocols[i].name);
        write_bytes_nn(w, flex, in->protocols[i].metadata);
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}

int proto_join_group_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                 proto_join_group_resp *out) {
    if (proto_check_dec(KAFKA_API_JOIN_GROUP, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_JOIN_GROUP, version);
    out->throttle_time_ms = version >= 2 ? wire_read_i32(r) : 0;
    out->error_code = wire_read_i16(r);
    out->generation_id = wire_read_i32(r);
    out->protocol_name = proto_read_str_nn(r, flex);
    out->leader = proto_read_str_nn(r, flex);
    out->member_id = proto_read_str_nn(r, flex);
    out->member_count = proto_read_count(r, flex, 0);
    out->members = proto_alloc(r, a, out->member_count, sizeof(*out->members));
    for (int32_t i = 0; out->members && i < out->member_count && !r->err; i++) {
        proto_join_group_member *m = &out->members[i];
        m->member_id = proto_read_str_nn(r, flex);
        m->group_instance_id = version >= 5 ? wire_read_str(r, flex) : WIRE_STR_NULL;
        m->metadata = read_bytes_nn(r, flex);
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_join_group_resp_encode(wire_writer *w, int16_t version,
                                  const proto_join_group_resp *in) {
    if (!proto_check_enc(w, KAFKA_API_JOIN_GROUP, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_JOIN_GROUP, version);
    if (version >= 2)
        wire_write_i32(w, in->throttle_time_ms);
    wire_write_i16(w, in->error_code);
    wire_write_i32(w, in->generation_id);
    proto_write_str_nn(w, flex, in->protocol_name);
    proto_write_str_nn(w, flex, in->leader);
    proto_write_str_nn(w, flex, in->member_id);
    proto_write_count(w, flex, 0, in->member_count);
    for (int32_t i = 0; i < in->member_count; i++) {
        const proto_join_group_member *m = &in->members[i];
        proto_write_str_nn(w, flex, m->member_id);
        if (version >= 5)
            wire_write_str(w, flex, m->group_instance_id);
        write_bytes_nn(w, flex, m->metadata);
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}

/* ---- SyncGroup ---- */

int proto_sync_group_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                proto_sync_group_req *out) {
    if (proto_check_dec(KAFKA_API_SYNC_GROUP, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_SYNC_GROUP, version);
    out->group_id = proto_read_str_nn(r, flex);
    out->generation_id = wire_read_i32(r);
    out->member_id = proto_read_str_nn(r, flex);
    out->group_instance_id = version >= 3 ? wire_read_str(r, flex) : WIRE_STR_NULL;
    out->assignment_count = proto_read_count(r, flex, 0);
    out->assignments = proto_alloc(r, a, out->assignment_count, sizeof(*out->assignments));
    for (int32_t i = 0; out->assignments && i < out->assignment_count && !r->err; i++) {
        out->assignments[i].member_id = proto_read_str_nn(r, flex);
        out->assignments[i].assignment = read_bytes_nn(r, flex);
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_sync_group_req_encode(wire_writer *w, int16_t version, const proto_sync_group_req *in) {
    if (!proto_check_enc(w, KAFKA_API_SYNC_GROUP, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_SYNC_GROUP, version);
    proto_write_str_nn(w, flex, in->group_id);
    wire_write_i32(w, in->generation_id);
    proto_write_str_nn(w, flex, in->member_id);
    if (version >= 3)
        wire_write_str(w, flex, in->group_instance_id);
    proto_write_count(w, flex, 0, in->assignment_count);
    for (int32_t i = 0; i < in->assignment_count; i++) {
        proto_write_str_nn(w, flex, in->assignments[i].member_id);
        write_bytes_nn(w, flex, in->assignments[i].assignment);
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}

int proto_sync_group_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                 proto_sync_group_resp *out) {
    (void)a;
    if (proto_check_dec(KAFKA_API_SYNC_GROUP, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_SYNC_GROUP, version);
    out->throttle_time_ms = version >= 1 ? wire_read_i32(r) : 0;
    out->error_code = wire_read_i16(r);
    out->assignment = read_bytes_nn(r, flex);
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_sync_group_resp_encode(wire_writer *w, int16_t version,
                                  const proto_sync_group_resp *in) {
    if (!proto_check_enc(w, KAFKA_API_SYNC_GROUP, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_SYNC_GROUP, version);
    if (version >= 1)
        wire_write_i32(w, in->throttle_time_ms);
    wire_write_i16(w, in->error_code);
    write_bytes_nn(w, flex, in->assignment);
    wire_write_tags_empty(w, flex);
}

/* ---- Heartbeat ---- */

int proto_heartbeat_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                               proto_heartbeat_req *out) {
    (void)a;
    if (proto_check_dec(KAFKA_API_HEARTBEAT, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_HEARTBEAT, version);
    out->group_id = proto_read_str_nn(r, flex);
    out->generation_id = wire_read_i32(r);
    out->member_id = proto_read_str_nn(r, flex);
    out->group_instance_id = version >= 3 ? wire_read_str(r, flex) : WIRE_STR_NULL;
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_heartbeat_req_encode(wire_writer *w, int16_t version, const proto_heartbeat_req *in) {
    if (!proto_check_enc(w, KAFKA_API_HEARTBEAT, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_HEARTBEAT, version);
    proto_write_str_nn(w, flex, in->group_id);
    wire_write_i32(w, in->generation_id);
    proto_write_str_nn(w, flex, in->member_id);
    if (version >= 3)
        wire_write_str(w, flex, in->group_instance_id);
    wire_write_tags_empty(w, flex);
}

int proto_heartbeat_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                proto_heartbeat_resp *out) {
    (void)a;
    if (proto_check_dec(KAFKA_API_HEARTBEAT, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_HEARTBEAT, version);
    out->throttle_time_ms = version >= 1 ? wire_read_i32(r) : 0;
    out->error_code = wire_read_i16(r);
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_heartbeat_resp_encode(wire_writer *w, int16_t version, const proto_heartbeat_resp *in) {
    if (!proto_check_enc(w, KAFKA_API_HEARTBEAT, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_HEARTBEAT, version);
    if (version >= 1)
        wire_write_i32(w, in->throttle_time_ms);
    wire_write_i16(w, in->error_code);
    wire_write_tags_empty(w, flex);
}

/* ---- LeaveGroup ---- */

static proto_leave_group_member *leave_members_decode(wire_reader *r, int flex, int resp,
                                                      wire_arena *a, int32_t *n) {
    *n = proto_read_count(r, flex, 0);
    proto_leave_group_member *m = proto_alloc(r, a, *n, sizeof(*m));
    for (int32_t i = 0; m && i < *n && !r->err; i++) {
        m[i].member_id = proto_read_str_nn(r, flex);
        m[i].group_instance_id = wire_read_str(r, flex);
        m[i].error_code = resp ? wire_read_i16(r) : 0;
        wire_skip_tags(r, flex);
    }
    return m;
}

static void leave_members_encode(wire_writer *w, int flex, int resp, int32_t n,
                                 const proto_leave_group_member *m) {
    proto_write_count(w, flex, 0, n);
    for (int32_t i = 0; i < n; i++) {
        proto_write_str_nn(w, flex, m[i].member_id);
        wire_write_str(w, flex, m[i].group_instance_id);
        if (resp)
            wire_write_i16(w, m[i].error_code);
        wire_write_tags_empty(w, flex);
    }
}

int proto_leave_group_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                 proto_leave_group_req *out) {
    if (proto_check_dec(KAFKA_API_LEAVE_GROUP, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_LEAVE_GROUP, version);
    out->group_id = proto_read_str_nn(r, flex);
    out->member_id = version <= 2 ? proto_read_str_nn(r, flex) : WIRE_STR_NULL;
    out->member_count = 0;
    out->members = NULL;
    if (version >= 3)
        out->members = leave_members_decode(r, flex, 0, a, &out->member_count);
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_leave_group_req_encode(wire_writer *w, int16_t version,
                                  const proto_leave_group_req *in) {
    if (!proto_check_enc(w, KAFKA_API_LEAVE_GROUP, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_LEAVE_GROUP, version);
    proto_write_str_nn(w, flex, in->group_id);
    if (version <= 2)
        proto_write_str_nn(w, flex, in->member_id);
    else
        leave_members_encode(w, flex, 0, in->member_count, in->members);
    wire_write_tags_empty(w, flex);
}

int proto_leave_group_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                  proto_leave_group_resp *out) {
    if (proto_check_dec(KAFKA_API_LEAVE_GROUP, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_LEAVE_GROUP, version);
    out->throttle_time_ms = version >= 1 ? wire_read_i32(r) : 0;
    out->error_code = wire_read_i16(r);
    out->member_count = 0;
    out->members = NULL;
    if (version >= 3)
        out->members = leave_members_decode(r, flex, 1, a, &out->member_count);
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_leave_group_resp_encode(wire_writer *w, int16_t version,
                                   const proto_leave_group_resp *in) {
    if (!proto_check_enc(w, KAFKA_API_LEAVE_GROUP, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_LEAVE_GROUP, version);
    if (version >= 1)
        wire_write_i32(w, in->throttle_time_ms);
    wire_write_i16(w, in->error_code);
    if (version >= 3)
        leave_members_encode(w, flex, 1, in->member_count, in->members);
    wire_write_tags_empty(w, flex);
}
