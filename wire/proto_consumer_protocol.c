/*
 * proto_consumer_protocol.c - the "consumer" embedded protocol: the
 * Subscription a member puts into JoinGroup protocol metadata and the
 * Assignment the leader hands out through SyncGroup.
 *
 * These are plain non-flexible structs prefixed by their own int16 version,
 * opaque to the broker; the client side (libstrand's group member and the
 * leader's assignor) encodes and decodes them. Newer versions only append
 * fields, so a decoder reads what it knows and ignores the rest.
 */
#include "wire/proto_internal.h"

static proto_consumer_tp *tps_decode(wire_reader *r, wire_arena *a, int32_t *n) {
    *n = proto_read_count(r, 0, 0);
    proto_consumer_tp *tp = proto_alloc(r, a, *n, sizeof(*tp));
    for (int32_t i = 0; tp && i < *n && !r->err; i++) {
        tp[i].topic = proto_read_str_nn(r, 0);
        tp[i].partitions = proto_read_i32_array(r, 0, 0, a, &tp[i].partition_count);
    }
    return tp;
}

static void tps_encode(wire_writer *w, int32_t n, const proto_consumer_tp *tp) {
    proto_write_count(w, 0, 0, n);
    for (int32_t i = 0; i < n; i++) {
        proto_write_str_nn(w, 0, tp[i].topic);
        proto_write_i32_array(w, 0, 0, tp[i].partition_count, tp[i].partitions);
    }
}

int proto_consumer_subscription_decode(wire_reader *r, wire_arena *a,
                                       proto_consumer_subscription *out) {
    out->version = wire_read_i16(r);
    if (!r->err && out->version < 0)
        r->err = WIRE_ERR_INVALID;
    out->topics = proto_read_str_array(r, 0, 0, a, &out->topic_count);
    out->user_data = wire_read_bytes(r, 0);
    out->owned_count = 0;
    out->owned = NULL;
    if (out->version >= 1)
        out->owned = tps_decode(r, a, &out->owned_count);
    return proto_done(r);
}

void proto_consumer_subscription_encode(wire_writer *w, const proto_consumer_subscription *in) {
    if (in->version < 0 || in->version > 1) {
        if (!w->err)
            w->err = WIRE_ERR_INVALID;
        return;
    }
    wire_write_i16(w, in->version);
    proto_write_str_array(w, 0, 0, in->topic_count, in->topics);
    wire_write_bytes(w, 0, in->user_data);
    if (in->version >= 1)
        tps_encode(w, in->owned_count, in->owned);
}

int proto_consumer_assignment_decode(wire_reader *r, wire_arena *a,
                                     proto_consumer_assignment *out) {
    out->version = 0;
    out->tp_count = 0;
    out->tps = NULL;
    out->user_data = WIRE_BYTES_NULL;
    if (wire_remaining(r) == 0 && !r->err)
        return WIRE_OK; /* empty assignment bytes: nothing assigned */
    out->version = wire_read_i16(r);
    if (!r->err && out->version < 0)
        r->err = WIRE_ERR_INVALID;
    out->tps = tps_decode(r, a, &out->tp_count);
    out->user_data = wire_read_bytes(r, 0);
    return proto_done(r);
}

void proto_consumer_assignment_encode(wire_writer *w, const proto_consumer_assignment *in) {
    if (in->version < 0 || in->version > 1) {
        if (!w->err)
            w->err = WIRE_ERR_INVALID;
        return;
    }
    wire_write_i16(w, in->version);
    tps_encode(w, in->tp_count, in->tps);
    wire_write_bytes(w, 0, in->user_data);
}
