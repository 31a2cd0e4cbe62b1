/*
 * proto_find_coordinator.c - FindCoordinator (key 10) v0-2.
 *
 * Where a group (or, from v1, a transactional id) is coordinated. librdkafka
 * only starts its consumer group once a broker advertises v0 of this API,
 * so all three non-flexible versions are served. v3+ (flexible) and v4+
 * (batched keys) are not implemented.
 */
#include "wire/proto_internal.h"

#define API KAFKA_API_FIND_COORDINATOR

int proto_find_coordinator_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                      proto_find_coordinator_req *out) {
    (void)a;
    if (proto_check_dec(API, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(API, version);
    out->key = proto_read_str_nn(r, flex);
    out->key_type = version >= 1 ? wire_read_i8(r) : PROTO_COORDINATOR_GROUP;
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_find_coordinator_req_encode(wire_writer *w, int16_t version,
                                       const proto_find_coordinator_req *in) {
    if (!proto_check_enc(w, API, version))
        return;
    int flex = proto_is_flexible(API, version);
    proto_write_str_nn(w, flex, in->key);
    if (version >= 1)
        wire_write_i8(w, in->key_type);
    wire_write_tags_empty(w, flex);
}

int proto_find_coordinator_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                       proto_find_coordinator_resp *out) {
    (void)a;
    if (proto_check_dec(API, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(API, version);
    out->throttle_time_ms = version >= 1 ? wire_read_i32(r) : 0;
    out->error_code = wire_read_i16(r);
    out->error_message = version >= 1 ? wire_read_str(r, flex) : WIRE_STR_NULL;
    out->node_id = wire_read_i32(r);
    out->host = proto_read_str_nn(r, flex);
    out->port = wire_read_i32(r);
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_find_coordinator_resp_encode(wire_writer *w, int16_t version,
                                        const proto_find_coordinator_resp *in) {
    if (!proto_check_enc(w, API, version))
        return;
    int flex = proto_is_flexible(API, version);
    if (version >= 1)
        wire_write_i32(w, in->throttle_time_ms);
    wire_write_i16(w, in->error_code);
    if (version >= 1)
        wire_write_str(w, flex, in->error_message);
    wire_write_i32(w, in->node_id);
    proto_write_str_nn(w, flex, in->host);
    wire_write_i32(w, in->port);
    wire_write_tags_empty(w, flex);
}
