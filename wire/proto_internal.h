/*
 * proto_internal.h - helpers shared by the proto_*.c codecs; not part of the
 * public contract (include wire/protocol.h instead).
 *
 * Array decoding follows one pattern: read the count (rejecting -1 where the
 * schema does not allow null), allocate count elements from the arena (the
 * reader's guard already bounds count by the bytes left), then decode each
 * element. An allocation failure becomes the reader's sticky WIRE_ERR_NOMEM,
 * so every decoder still checks r->err once at the end.
 */
#ifndef STRAND_WIRE_PROTO_INTERNAL_H
#define STRAND_WIRE_PROTO_INTERNAL_H

#include "wire/protocol.h"

/* Array count; -1 only when `nullable`, otherwise WIRE_ERR_INVALID. */
int32_t proto_read_count(wire_reader *r, int flexible, int nullable);

/* Arena array of n elements of `size` bytes (NULL for n <= 0). On failure
 * sets r->err = WIRE_ERR_NOMEM and returns NULL. */
void *proto_alloc(wire_reader *r, wire_arena *a, int32_t n, size_t size);

/* Array of int32 / int64 / (non-nullable) string elements, count in *n. */
int32_t *proto_read_i32_array(wire_reader *r, int flexible, int nullable, wire_arena *a,
                              int32_t *n);
int64_t *proto_read_i64_array(wire_reader *r, int flexible, wire_arena *a, int32_t *n);
wire_str *proto_read_str_array(wire_reader *r, int flexible, int nullable, wire_arena *a,
                               int32_t *n);

/* Array count for encoding: -1 stays -1 only when `nullable`, else 0. */
void proto_write_count(wire_writer *w, int flexible, int nullable, int32_t n);
void proto_write_i32_array(wire_writer *w, int flexible, int nullable, int32_t n, const int32_t *v);
void proto_write_i64_array(wire_writer *w, int flexible, int32_t n, const int64_t *v);
void proto_write_str_array(wire_writer *w, int flexible, int nullable, int32_t n,
                           const wire_str *v);

/* A non-nullable STRING must not be null on the wire: reading one is
 * WIRE_ERR_INVALID, and writing a null slice writes "" instead (Kafka
 * clients refuse a null there). */
wire_str proto_read_str_nn(wire_reader *r, int flexible);

static inline void proto_write_str_nn(wire_writer *w, int flexible, wire_str s) {
    if (s.len < 0)
        s = (wire_str){"", 0};
    wire_write_str(w, flexible, s);
}

/* Decoder prologue: WIRE_ERR_INVALID if (api, version) is not implemented. */
static inline int proto_check_dec(int16_t api, int16_t version) {
    return proto_api_supported(api, version) ? WIRE_OK : WIRE_ERR_INVALID;
}

/* Encoder prologue: 0 (and w->err set) if (api, version) is not implemented. */
static inline int proto_check_enc(wire_writer *w, int16_t api, int16_t version) {
    if (proto_api_supported(api, version))
        return 1;
    if (!w->err)
        w->err = WIRE_ERR_INVALID;
    return 0;
}

/* Decoder epilogue. */
static inline int proto_done(const wire_reader *r) {
    return r->err;
}

#endif
