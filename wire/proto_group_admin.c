/*
 * proto_group_admin.c - group administration: ListGroups (16) v0-4,
 * DescribeGroups (15) v0-4 and DeleteGroups (42) v0-1.
 *
 * What the CLI and admin clients use to inspect groups. ListGroups v3-4 are
 * flexible (v4 adds the states filter and each group's state); the others
 * are non-flexible in these ranges. DescribeGroups v4 adds the members'
 * group instance id (static membership).
 */
#include "wire/proto_internal.h"

/* ---- ListGroups ---- */

int proto_list_groups_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                 proto_list_groups_req *out) {
    if (proto_check_dec(KAFKA_API_LIST_GROUPS, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_LIST_GROUPS, version);
    out->states_filter_count = 0;
    out->states_filter = NULL;
    if (version >= 4)
        out->states_filter = proto_read_str_array(r, flex, 0, a, &out->states_filter_count);
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_list_groups_req_encode(wire_writer *w, int16_t version,
                                  const proto_list_groups_req *in) {
    if (!proto_check_enc(w, KAFKA_API_LIST_GROUPS, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_LIST_GROUPS, version);
    if (version >= 4)
        proto_write_str_array(w, flex, 0, in->states_filter_count, in->states_filter);
    wire_write_tags_empty(w, flex); /* v0-2: the body is empty */
}

int proto_list_groups_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                  proto_list_groups_resp *out) {
    if (proto_check_dec(KAFKA_API_LIST_GROUPS, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_LIST_GROUPS, version);
    out->throttle_time_ms = version >= 1 ? wire_read_i32(r) : 0;
    out->error_code = wire_read_i16(r);
    out->group_count = proto_read_count(r, flex, 0);
    out->groups = proto_alloc(r, a, out->group_count, sizeof(*out->groups));
    for (int32_t i = 0; out->groups && i < out->group_count && !r->err; i++) {
        proto_list_groups_group *g = &out->groups[i];
        g->group_id = proto_read_str_nn(r, flex);
        g->protocol_type = proto_read_str_nn(r, flex);
        g->group_state = version >= 4 ? proto_read_str_nn(r, flex) : (wire_str){"", 0};
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_list_groups_resp_encode(wire_writer *w, int16_t version,
                                   const proto_list_groups_resp *in) {
    if (!proto_check_enc(w, KAFKA_API_LIST_GROUPS, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_LIST_GROUPS, version);
    if (version >= 1)
        wire_write_i32(w, in->throttle_time_ms);
    wire_write_i16(w, in->error_code);
    proto_write_count(w, flex, 0, in->group_count);
    for (int32_t i = 0; i < in->group_count; i++) {
        const proto_list_groups_group *g = &in->groups[i];
        proto_write_str_nn(w, flex, g->group_id);
        proto_write_str_nn(w, flex, g->protocol_type);
        if (version >= 4)
            proto_write_str_nn(w, flex, g->group_state);
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}

/* ---- DescribeGroups ---- */

int proto_describe_groups_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                     proto_describe_groups_req *out) {
    if (proto_check_dec(KAFKA_API_DESCRIBE_GROUPS, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_DESCRIBE_GROUPS, version);
    out->groups = proto_read_str_array(r, flex, 0, a, &out->group_count);
    out->include_authorized_operations = version >= 3 ? wire_read_i8(r) : 0;
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_describe_groups_req_encode(wire_writer *w, int16_t version,
                                      const proto_describe_groups_req *in) {
    if (!proto_check_enc(w, KAFKA_API_DESCRIBE_GROUPS, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_DESCRIBE_GROUPS, version);
    proto_write_str_array(w, flex, 0, in->group_count, in->groups);
    if (version >= 3)
        wire_write_i8(w, in->include_authorized_operations);
    wire_write_tags_empty(w, flex);
}

static wire_bytes read_bytes_nn(wire_reader *r, int flex) {
    wire_bytes b = wire_read_bytes(r, flex);
    if (!r->err && b.len < 0)
        r->err = WIRE_ERR_INVALID;
    return b;
}

static void write_bytes_nn(wire_writer *w, int flex, wire_bytes b) {
    if (b.len < 0)
        b = (wire_bytes){NULL, 0};
    wire_write_bytes(w, flex, b);
}

static void describe_group_decode(wire_reader *r, int16_t version, int flex, wire_arena *a,
                                  proto_describe_groups_group *g) {
    g->error_code = wire_read_i16(r);
    g->group_id = proto_read_str_nn(r, flex);
    g->group_state = proto_read_str_nn(r, flex);
    g->protocol_type = proto_read_str_nn(r, flex);
    g->protocol_data = proto_read_str_nn(r, flex);
    g->member_count = proto_read_count(r, flex, 0);
    g->members = proto_alloc(r, a, g->member_count, sizeof(*g->members));
    for (int32_t j = 0; g->members && j < g->member_count && !r->err; j++) {
        proto_describe_groups_member *m = &g->members[j];
        m->member_id = proto_read_str_nn(r, flex);
        m->group_instance_id = version >= 4 ? wire_read_str(r, flex) : WIRE_STR_NULL;
        m->client_id = proto_read_str_nn(r, flex);
        m->client_host = proto_read_str_nn(r, flex);
        m->member_metadata = read_bytes_nn(r, flex);
        m->member_assignment = read_bytes_nn(r, flex);
        wire_skip_tags(r, flex);
    }
    g->authorized_operations = version >= 3 ? wire_read_i32(r) : INT32_MIN;
    wire_skip_tags(r, flex);
}

int proto_describe_groups_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                      proto_describe_groups_resp *out) {
    if (proto_check_dec(KAFKA_API_DESCRIBE_GROUPS, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_DESCRIBE_GROUPS, version);
    out->throttle_time_ms = version >= 1 ? wire_read_i32(r) : 0;
    out->group_count = proto_read_count(r, flex, 0);
    out->groups = proto_alloc(r, a, out->group_count, sizeof(*out->groups));
    for (int32_t i = 0; out->groups && i < out->group_count && !r->err; i++)
        describe_group_decode(r, version, flex, a, &out->groups[i]);
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_describe_groups_resp_encode(wire_writer *w, int16_t version,
                                       const proto_describe_groups_resp *in) {
    if (!proto_check_enc(w, KAFKA_API_DESCRIBE_GROUPS, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_DESCRIBE_GROUPS, version);
    if (version >= 1)
        wire_write_i32(w, in->throttle_time_ms);
    proto_write_count(w, flex, 0, in->group_count);
    for (int32_t i = 0; i < in->group_count; i++) {
        const proto_describe_groups_group *g = &in->groups[i];
        wire_write_i16(w, g->error_code);
        proto_write_str_nn(w, flex, g->group_id);
        proto_write_str_nn(w, flex, g->group_state);
        proto_write_str_nn(w, flex, g->protocol_type);
        proto_write_str_nn(w, flex, g->protocol_data);
        proto_write_count(w, flex, 0, g->member_count);
        for (int32_t j = 0; j < g->member_count; j++) {
            const proto_describe_groups_member *m = &g->members[j];
            proto_write_str_nn(w, flex, m->member_id);
            if (version >= 4)
                wire_write_str(w, flex, m->group_instance_id);
            proto_write_str_nn(w, flex, m->client_id);
            proto_write_str_nn(w, flex, m->client_host);
            write_bytes_nn(w, flex, m->member_metadata);
            write_bytes_nn(w, flex, m->member_assignment);
            wire_write_tags_empty(w, flex);
        }
        if (version >= 3)
            wire_write_i32(w, g->authorized_operations);
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}

/* ---- DeleteGroups ---- */

int proto_delete_groups_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                   proto_delete_groups_req *out) {
    if (proto_check_dec(KAFKA_API_DELETE_GROUPS, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_DELETE_GROUPS, version);
    out->groups = proto_read_str_array(r, flex, 0, a, &out->group_count);
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_delete_groups_req_encode(wire_writer *w, int16_t version,
                                    const proto_delete_groups_req *in) {
    if (!proto_check_enc(w, KAFKA_API_DELETE_GROUPS, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_DELETE_GROUPS, version);
    proto_write_str_array(w, flex, 0, in->group_count, in->groups);
    wire_write_tags_empty(w, flex);
}

int proto_delete_groups_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                    proto_delete_groups_resp *out) {
    if (proto_check_dec(KAFKA_API_DELETE_GROUPS, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_DELETE_GROUPS, version);
    out->throttle_time_ms = wire_read_i32(r);
    out->result_count = proto_read_count(r, flex, 0);
    out->results = proto_alloc(r, a, out->result_count, sizeof(*out->results));
    for (int32_t i = 0; out->results && i < out->result_count && !r->err; i++) {
        out->results[i].group_id = proto_read_str_nn(r, flex);
        out->results[i].error_code = wire_read_i16(r);
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_delete_groups_resp_encode(wire_writer *w, int16_t version,
                                     const proto_delete_groups_resp *in) {
    if (!proto_check_enc(w, KAFKA_API_DELETE_GROUPS, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_DELETE_GROUPS, version);
    wire_write_i32(w, in->throttle_time_ms);
    proto_write_count(w, flex, 0, in->result_count);
    for (int32_t i = 0; i < in->result_count; i++) {
        proto_write_str_nn(w, flex, in->results[i].group_id);
        wire_write_i16(w, in->results[i].error_code);
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}
