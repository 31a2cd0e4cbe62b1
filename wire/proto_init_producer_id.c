/*
 * proto_init_producer_id.c - InitProducerId (key 22) v0-4.
 *
 * An idempotent (transactional_id null) or transactional producer asks for
 * its producer id and epoch (KIP-98). v1 is v0 again (throttle semantics),
 * v2 is the flexible encoding, v3 adds the producer id and epoch the client
 * currently holds (KIP-360: bumping the epoch of an existing id), v4 is v3
 * again (the client may see PRODUCER_FENCED). Nothing else changes between
 * versions, so one pair of functions serves them all.
 */
#include "wire/proto_internal.h"

#define API KAFKA_API_INIT_PRODUCER_ID

int proto_init_producer_id_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                      proto_init_producer_id_req *out) {
    (void)a;
    if (proto_check_dec(API, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(API, version);
    out->transactional_id = wire_read_str(r, flex);
    out->transaction_timeout_ms = wire_read_i32(r);
    out->producer_id = version >= 3 ? wire_read_i64(r) : -1;
    out->producer_epoch = version >= 3 ? wire_read_i16(r) : -1;
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_init_producer_id_req_encode(wire_writer *w, int16_t version,
                                       const proto_init_producer_id_req *in) {
    if (!proto_check_enc(w, API, version))
        return;
    int flex = proto_is_flexible(API, version);
    wire_write_str(w, flex, in->transactional_id);
    wire_write_i32(w, in->transaction_timeout_ms);
    if (version >= 3) {
        wire_write_i64(w, in->producer_id);
        wire_write_i16(w, in->producer_epoch);
    }
    wire_write_tags_empty(w, flex);
}

int proto_init_producer_id_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                       proto_init_producer_id_resp *out) {
    (void)a;
    if (proto_check_dec(API, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(API, version);
    out->throttle_time_ms = wire_read_i32(r);
    out->error_code = wire_read_i16(r);
    out->producer_id = wire_read_i64(r);
    out->producer_epoch = wire_read_i16(r);
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_init_producer_id_resp_encode(wire_writer *w, int16_t version,
                                        const proto_init_producer_id_resp *in) {
    if (!proto_check_enc(w, API, version))
        return;
    int flex = proto_is_flexible(API, version);
    wire_write_i32(w, in->throttle_time_ms);
    wire_write_i16(w, in->error_code);
    wire_write_i64(w, in->producer_id);
    wire_write_i16(w, in->producer_epoch);
    wire_write_tags_empty(w, flex);
}
