/*
 * test_proto_helpers.h - shared by the wire/protocol.h unit tests: a
 * type-erased codec (encoder, decoder and struct size of one message) and
 * the round-trip, truncation and field assertions built on it. Header-only
 * (static functions) so each test executable stays a single .c file.
 */
#ifndef STRAND_TEST_PROTO_HELPERS_H
#define STRAND_TEST_PROTO_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "wire/protocol.h"

/* Type-erased wrappers so one round-trip helper serves every message:
 * CODEC(name) defines codec_name for proto_name. */
typedef struct codec {
    void (*enc)(wire_writer *w, int16_t v, const void *in);
    int (*dec)(wire_reader *r, int16_t v, wire_arena *a, void *out);
    size_t size;
} codec;

#define CODEC(name)                                                                                \
    static void enc_##name(wire_writer *w, int16_t v, const void *in) {                            \
        proto_##name##_encode(w, v, (const proto_##name *)in);                                     \
    }                                                                                              \
    static int dec_##name(wire_reader *r, int16_t v, wire_arena *a, void *out) {                   \
        return proto_##name##_decode(r, v, a, (proto_##name *)out);                                \
    }                                                                                              \
    static const codec codec_##name = {enc_##name, dec_##name, sizeof(proto_##name)}

/* Decode of every proper prefix fails; the whole buffer decodes exactly. */
static inline void check_truncations(const codec *c, const uint8_t *buf, size_t len, int16_t v) {
    void *tmp = malloc(c->size);
    assert_non_null(tmp);
    for (size_t cut = 0; cut <= len; cut++) {
        wire_arena a;
        wire_arena_init(&a);
        wire_reader r;
        wire_reader_init(&r, buf, cut);
        int rc = c->dec(&r, v, &a, tmp);
        if (cut < len && rc == 0)
            fail_msg("decode of %zu/%zu bytes (v%d) succeeded", cut, len, v);
        if (cut == len) {
            assert_int_equal(rc, 0);
            assert_int_equal(r.pos, len);
        }
        wire_arena_free(&a);
    }
    free(tmp);
}

/* Encode `in` into *w (caller frees), decode into `out` (slices point into
 * w->p, arrays into *a), require byte-identical re-encoding and check every
 * truncation. */
static inline void round_trip(const codec *c, int16_t v, const void *in, void *out, wire_writer *w,
                              wire_arena *a) {
    wire_writer_init(w);
    c->enc(w, v, in);
    assert_int_equal(w->err, 0);
    assert_true(w->len > 0);
    wire_reader r;
    wire_reader_init(&r, w->p, w->len);
    assert_int_equal(c->dec(&r, v, a, out), 0);
    assert_int_equal(r.pos, w->len);
    wire_writer w2;
    wire_writer_init(&w2);
    c->enc(&w2, v, out);
    assert_int_equal(w2.err, 0);
    assert_int_equal(w2.len, w->len);
    assert_memory_equal(w2.p, w->p, w->len);
    wire_writer_free(&w2);
    check_truncations(c, w->p, w->len, v);
}

static inline void assert_str(wire_str s, const char *want) {
    if (!want) {
        assert_int_equal(s.len, -1);
        return;
    }
    if (!wire_str_eq(s, want))
        fail_msg("string \"%.*s\" != \"%s\"", s.len < 0 ? 4 : (int)s.len,
                 s.len < 0 ? "null" : s.ptr, want);
}

static inline void assert_i32s(const int32_t *got, int32_t n, const int32_t *want, int32_t wn) {
    assert_int_equal(n, wn);
    for (int32_t i = 0; i < n; i++)
        assert_int_equal(got[i], want[i]);
}

static inline void assert_encodes_to(const codec *c, int16_t v, const void *in, const uint8_t *want,
                                     size_t n) {
    wire_writer w;
    wire_writer_init(&w);
    c->enc(&w, v, in);
    assert_int_equal(w.err, 0);
    assert_int_equal(w.len, n);
    assert_memory_equal(w.p, want, n);
    wire_writer_free(&w);
    check_truncations(c, want, n, v);
}

#endif
