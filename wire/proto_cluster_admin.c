/*
 * proto_cluster_admin.c - the cluster-control APIs: ControlledShutdown (key
 * 7) v0-3 and ElectLeaders (key 43) v0-2.
 *
 * ControlledShutdown is what a broker sends the controller before it stops
 * (v2 adds the broker epoch, v3 is the flexible encoding; v0 travels with
 * the request header v0, see proto_req_header_version). ElectLeaders is the
 * admin request behind preferred-leader elections (v1 adds the election
 * type to the request and a top-level error to the response, v2 is
 * flexible).
 */
#include "wire/proto_internal.h"

/* ---- ControlledShutdown ---- */

int proto_controlled_shutdown_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                         proto_controlled_shutdown_req *out) {
    (void)a;
    if (proto_check_dec(KAFKA_API_CONTROLLED_SHUTDOWN, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_CONTROLLED_SHUTDOWN, version);
    out->broker_id = wire_read_i32(r);
    out->broker_epoch = version >= 2 ? wire_read_i64(r) : -1;
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_controlled_shutdown_req_encode(wire_writer *w, int16_t version,
                                          const proto_controlled_shutdown_req *in) {
    if (!proto_check_enc(w, KAFKA_API_CONTROLLED_SHUTDOWN, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_CONTROLLED_SHUTDOWN, version);
    wire_write_i32(w, in->broker_id);
    if (version >= 2)
        wire_write_i64(w, in->broker_epoch);
    wire_write_tags_empty(w, flex);
}

int proto_controlled_shutdown_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                          proto_controlled_shutdown_resp *out) {
    if (proto_check_dec(KAFKA_API_CONTROLLED_SHUTDOWN, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_CONTROLLED_SHUTDOWN, version);
    out->error_code = wire_read_i16(r);
    out->remaining_count = proto_read_count(r, flex, 0);
    out->remaining = proto_alloc(r, a, out->remaining_count, sizeof(*out->remaining));
    for (int32_t i = 0; out->remaining && i < out->remaining_count && !r->err; i++) {
        out->remaining[i].topic = proto_read_str_nn(r, flex);
        out->remaining[i].partition = wire_read_i32(r);
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_controlled_shutdown_resp_encode(wire_writer *w, int16_t version,
                                           const proto_controlled_shutdown_resp *in) {
    if (!proto_check_enc(w, KAFKA_API_CONTROLLED_SHUTDOWN, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_CONTROLLED_SHUTDOWN, version);
    wire_write_i16(w, in->error_code);
    proto_write_count(w, flex, 0, in->remaining_count);
    for (int32_t i = 0; i < in->remaining_count; i++) {
        proto_write_str_nn(w, flex, in->remaining[i].topic);
        wire_write_i32(w, in->remaining[i].partition);
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}

/* ---- ElectLeaders ---- */

int proto_elect_leaders_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                   proto_elect_leaders_req *out) {
    if (proto_check_dec(KAFKA_API_ELECT_LEADERS, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_ELECT_LEADERS, version);
    out->election_type = version >= 1 ? wire_read_i8(r) : PROTO_ELECTION_PREFERRED;
    out->topic_count = proto_read_count(r, flex, 1);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++) {
        proto_elect_leaders_req_topic *t = &out->topics[i];
        t->topic = proto_read_str_nn(r, flex);
        t->partitions = proto_read_i32_array(r, flex, 0, a, &t->partition_count);
        wire_skip_tags(r, flex);
    }
    out->timeout_ms = wire_read_i32(r);
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_elect_leaders_req_encode(wire_writer *w, int16_t version,
                                    const proto_elect_leaders_req *in) {
    if (!proto_check_enc(w, KAFKA_API_ELECT_LEADERS, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_ELECT_LEADERS, version);
    if (version >= 1)
        wire_write_i8(w, in->election_type);
    proto_write_count(w, flex, 1, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_elect_leaders_req_topic *t = &in->topics[i];
        proto_write_str_nn(w, flex, t->topic);
        proto_write_i32_array(w, flex, 0, t->partition_count, t->partitions);
        wire_write_tags_empty(w, flex);
    }
    wire_write_i32(w, in->timeout_ms);
    wire_write_tags_empty(w, flex);
}

int proto_elect_leaders_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                    proto_elect_leaders_resp *out) {
    if (proto_check_dec(KAFKA_API_ELECT_LEADERS, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_ELECT_LEADERS, version);
    out->throttle_time_ms = wire_read_i32(r);
    out->error_code = version >= 1 ? wire_read_i16(r) : KAFKA_NONE;
    out->topic_count = proto_read_count(r, flex, 0);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++) {
        proto_elect_leaders_resp_topic *t = &out->topics[i];
        t->topic = proto_read_str_nn(r, flex);
        t->partition_count = proto_read_count(r, flex, 0);
        t->partitions = proto_alloc(r, a, t->partition_count, sizeof(*t->partitions));
        for (int32_t j = 0; t->partitions && j < t->partition_count && !r->err; j++) {
            proto_elect_leaders_resp_partition *p = &t->partitions[j];
            p->partition = wire_read_i32(r);
            p->error_code = wire_read_i16(r);
            p->error_message = wire_read_str(r, flex);
            wire_skip_tags(r, flex);
        }
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_elect_leaders_resp_encode(wire_writer *w, int16_t version,
                                     const proto_elect_leaders_resp *in) {
    if (!proto_check_enc(w, KAFKA_API_ELECT_LEADERS, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_ELECT_LEADERS, version);
    wire_write_i32(w, in->throttle_time_ms);
    if (version >= 1)
        wire_write_i16(w, in->error_code);
    proto_write_count(w, flex, 0, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_elect_leaders_resp_topic *t = &in->topics[i];
        proto_write_str_nn(w, flex, t->topic);
        proto_write_count(w, flex, 0, t->partition_count);
        for (int32_t j = 0; j < t->partition_count; j++) {
            const proto_elect_leaders_resp_partition *p = &t->partitions[j];
            wire_write_i32(w, p->partition);
            wire_write_i16(w, p->error_code);
            wire_write_str(w, flex, p->error_message);
            wire_write_tags_empty(w, flex);
        }
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}
