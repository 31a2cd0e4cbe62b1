/*
 * test_varint.c - the byte reader/writer of wire/buf.c: fixed-width
 * big-endian integers, unsigned and zig-zag varints (with the byte
 * sequences the protobuf/Kafka specs give), classic and compact strings,
 * bytes and arrays, tagged fields, the sticky error, the array-count guard
 * and the arena.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/buf.h"

static void assert_written(wire_writer *w, const uint8_t *want, size_t n) {
    assert_int_equal(w->err, WIRE_OK);
    assert_int_equal(w->len, n);
    assert_memory_equal(w->p, want, n);
}

static void test_fixed_width(void **state) {
    (void)state;
    wire_writer w;
    wire_writer_init(&w);
    wire_write_i8(&w, -2);
    wire_write_i16(&w, 0x0102);
    wire_write_i32(&w, -2);
    wire_write_i64(&w, 0x0102030405060708ll);
    wire_write_u32(&w, 0xE3069283u);
    static const uint8_t want[] = {0xfe, 0x01, 0x02, 0xff, 0xff, 0xff, 0xfe, 1,    2,   3,
                                   4,    5,    6,    7,    8,    0xe3, 0x06, 0x92, 0x83};
    assert_written(&w, want, sizeof want);
    wire_reader r;
    wire_reader_init(&r, w.p, w.len);
    assert_int_equal(wire_read_i8(&r), -2);
    assert_int_equal(wire_read_i16(&r), 0x0102);
    assert_int_equal(wire_read_i32(&r), -2);
    assert_int_equal(wire_read_i64(&r), 0x0102030405060708ll);
    assert_int_equal(wire_read_u32(&r), 0xE3069283u);
    assert_int_equal(wire_remaining(&r), 0);
    assert_int_equal(r.err, WIRE_OK);
    wire_patch_i32(&w, 3, 0x0a0b0c0d);
    static const uint8_t patched[] = {0x0a, 0x0b, 0x0c, 0x0d};
    assert_memory_equal(w.p + 3, patched, 4);
    wire_patch_i32(&w, w.len - 2, 7); /* out of range: ignored */
    assert_int_equal(w.p[w.len - 1], 0x83);
    wire_writer_free(&w);
}

struct uvec {
    uint64_t v;
    uint8_t bytes[10];
    size_t n;
};

static void test_uvarint_vectors(void **state) {
    (void)state;
    static const struct uvec vecs[] = {
        {0, {0x00}, 1},
        {1, {0x01}, 1},
        {127, {0x7f}, 1},
        {128, {0x80, 0x01}, 2},
        {300, {0xac, 0x02}, 2},
        {16383, {0xff, 0x7f}, 2},
        {16384, {0x80, 0x80, 0x01}, 3},
        {0xffffffffu, {0xff, 0xff, 0xff, 0xff, 0x0f}, 5},
        {UINT64_MAX, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10},
    };
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
        wire_writer w;
        wire_writer_init(&w);
        wire_write_uvarint(&w, vecs[i].v);
        assert_written(&w, vecs[i].bytes, vecs[i].n);
        assert_int_equal(wire_uvarint_size(vecs[i].v), vecs[i].n);
        wire_reader r;
        wire_reader_init(&r, vecs[i].bytes, vecs[i].n);
        assert_true(wire_read_uvarint(&r) == vecs[i].v);
        assert_int_equal(r.err, WIRE_OK);
        assert_int_equal(r.pos, vecs[i].n);
        /* Every truncation is SHORT. */
        for (size_t cut = 0; cut < vecs[i].n; cut++) {
            wire_reader_init(&r, vecs[i].bytes, cut);
            assert_true(wire_read_uvarint(&r) == 0);
            assert_int_equal(r.err, WIRE_ERR_SHORT);
        }
        wire_writer_free(&w);
    }
    /* Eleven continuation bytes: too long. */
    static const uint8_t overlong[11] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                         0x80, 0x80, 0x80, 0x80, 0x00};
    wire_reader r;
    wire_reader_init(&r, overlong, sizeof overlong);
    (void)wire_read_uvarint(&r);
    assert_int_equal(r.err, WIRE_ERR_INVALID);
}

struct zvec {
    int64_t v;
    uint8_t bytes[10];
    size_t n;
};

static void test_zigzag_vectors(void **state) {
    (void)state;
    /* int32 zig-zag: 0->0, -1->1, 1->2, -2->3, ... */
    static const struct zvec v32[] = {
        {0, {0x00}, 1},
        {-1, {0x01}, 1},
        {1, {0x02}, 1},
        {-2, {0x03}, 1},
        {63, {0x7e}, 1},
        {-64, {0x7f}, 1},
        {64, {0x80, 0x01}, 2},
        {INT32_MAX, {0xfe, 0xff, 0xff, 0xff, 0x0f}, 5},
        {INT32_MIN, {0xff, 0xff, 0xff, 0xff, 0x0f}, 5},
    };
    for (size_t i = 0; i < sizeof v32 / sizeof v32[0]; i++) {
        wire_writer w;
        wire_writer_init(&w);
        wire_write_varint(&w, (int32_t)v32[i].v);
        assert_written(&w, v32[i].bytes, v32[i].n);
        assert_int_equal(wire_varint_size((int32_t)v32[i].v), v32[i].n);
        wire_reader r;
        wire_reader_init(&r, v32[i].bytes, v32[i].n);
        assert_int_equal(wire_read_varint(&r), (int32_t)v32[i].v);
        assert_int_equal(r.err, WIRE_OK);
        /* The same bytes read as a varlong give the same value. */
        wire_reader_init(&r, v32[i].bytes, v32[i].n);
        assert_int_equal(wire_read_varlong(&r), v32[i].v);
        wire_writer_free(&w);
    }
    static const struct zvec v64[] = {
        {INT64_MAX, {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10},
        {INT64_MIN, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10},
        {1700000000000ll, {0x80, 0xa0, 0xab, 0xfe, 0xf9, 0x62}, 6},
    };
    for (size_t i = 0; i < sizeof v64 / sizeof v64[0]; i++) {
        wire_writer w;
        wire_writer_init(&w);
        wire_write_varlong(&w, v64[i].v);
        assert_written(&w, v64[i].bytes, v64[i].n);
        assert_int_equal(wire_varlong_size(v64[i].v), v64[i].n);
        wire_reader r;
        wire_reader_init(&r, v64[i].bytes, v64[i].n);
        assert_int_equal(wire_read_varlong(&r), v64[i].v);
        wire_writer_free(&w);
    }
    /* A varint may take at most 5 bytes. */
    static const uint8_t six[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    wire_reader r;
    wire_reader_init(&r, six, sizeof six);
    (void)wire_read_varint(&r);
    assert_int_equal(r.err, WIRE_ERR_INVALID);
}

static void test_varint_round_trip(void **state) {
    (void)state;
    wire_writer w;
    wire_writer_init(&w);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    enum { N = 5000 };
    int64_t *vals = malloc(N * sizeof *vals);
    size_t expect_len = 0;
    for (int i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* Spread over all magnitudes. */
        vals[i] = (int64_t)(x >> (x % 64));
        if (i & 1)
            vals[i] = -vals[i];
        wire_write_varlong(&w, vals[i]);
        wire_write_varint(&w, (int32_t)vals[i]);
        expect_len += wire_varlong_size(vals[i]) + wire_varint_size((int32_t)vals[i]);
    }
    assert_int_equal(w.len, expect_len);
    wire_reader r;
    wire_reader_init(&r, w.p, w.len);
    for (int i = 0; i < N; i++) {
        assert_int_equal(wire_read_varlong(&r), vals[i]);
        assert_int_equal(wire_read_varint(&r), (int32_t)vals[i]);
    }
    assert_int_equal(r.err, WIRE_OK);
    assert_int_equal(wire_remaining(&r), 0);
    free(vals);
    wire_writer_free(&w);
}

static void test_strings(void **state) {
    (void)state;
    wire_writer w;
    wire_writer_init(&w);
    wire_write_cstr(&w, 0, "abc");
    wire_write_cstr(&w, 0, NULL);
    wire_write_cstr(&w, 1, "abc");
    wire_write_cstr(&w, 1, NULL);
    wire_write_cstr(&w, 1, "");
    static const uint8_t want[] = {0x00, 0x03, 'a', 'b', 'c',  0xff, 0xff,
                                   0x04, 'a',  'b', 'c', 0x00, 0x01};
    assert_written(&w, want, sizeof want);
    wire_reader r;
    wire_reader_init(&r, w.p, w.len);
    wire_str s = wire_read_str(&r, 0);
    assert_true(wire_str_eq(s, "abc"));
    s = wire_read_str(&r, 0);
    assert_int_equal(s.len, -1);
    assert_null(s.ptr);
    s = wire_read_str(&r, 1);
    assert_true(wire_str_eq(s, "abc"));
    assert_false(wire_str_eq(s, "ab"));
    s = wire_read_str(&r, 1);
    assert_int_equal(s.len, -1);
    s = wire_read_str(&r, 1);
    assert_int_equal(s.len, 0);
    assert_true(wire_str_eq(s, ""));
    assert_int_equal(r.err, WIRE_OK);
    assert_int_equal(wire_remaining(&r), 0);

    char *d = wire_str_dup(wire_str_from("hello"));
    assert_string_equal(d, "hello");
    free(d);
    assert_null(wire_str_dup(WIRE_STR_NULL));

    /* Length -2 is invalid; a length past the end is short. */
    static const uint8_t neg[] = {0xff, 0xfe};
    wire_reader_init(&r, neg, sizeof neg);
    (void)wire_read_str(&r, 0);
    assert_int_equal(r.err, WIRE_ERR_INVALID);
    static const uint8_t past[] = {0x00, 0x05, 'a', 'b'};
    wire_reader_init(&r, past, sizeof past);
    s = wire_read_str(&r, 0);
    assert_int_equal(r.err, WIRE_ERR_SHORT);
    assert_int_equal(s.len, -1);
    static const uint8_t cpast[] = {0x06, 'a', 'b'};
    wire_reader_init(&r, cpast, sizeof cpast);
    (void)wire_read_str(&r, 1);
    assert_int_equal(r.err, WIRE_ERR_SHORT);
    /* A compact length above INT32_MAX. */
    static const uint8_t chuge[] = {0xff, 0xff, 0xff, 0xff, 0x7f};
    wire_reader_init(&r, chuge, sizeof chuge);
    (void)wire_read_str(&r, 1);
    assert_int_equal(r.err, WIRE_ERR_INVALID);
    wire_writer_free(&w);
}

static void test_bytes(void **state) {
    (void)state;
    wire_writer w;
    wire_writer_init(&w);
    static const uint8_t data[] = {9, 8, 7};
    wire_bytes b = {data, 3};
    wire_write_bytes(&w, 0, b);
    wire_write_bytes(&w, 0, WIRE_BYTES_NULL);
    wire_write_bytes(&w, 1, b);
    wire_write_bytes(&w, 1, WIRE_BYTES_NULL);
    static const uint8_t want[] = {0, 0, 0, 3, 9, 8, 7, 0xff, 0xff, 0xff, 0xff, 0x04, 9, 8, 7, 0};
    assert_written(&w, want, sizeof want);
    wire_reader r;
    wire_reader_init(&r, w.p, w.len);
    wire_bytes got = wire_read_bytes(&r, 0);
    assert_int_equal(got.len, 3);
    assert_memory_equal(got.ptr, data, 3);
    assert_int_equal(wire_read_bytes(&r, 0).len, -1);
    got = wire_read_bytes(&r, 1);
    assert_int_equal(got.len, 3);
    assert_memory_equal(got.ptr, data, 3);
    assert_int_equal(wire_read_bytes(&r, 1).len, -1);
    assert_int_equal(r.err, WIRE_OK);
    static const uint8_t neg[] = {0xff, 0xff, 0xff, 0xfe};
    wire_reader_init(&r, neg, sizeof neg);
    (void)wire_read_bytes(&r, 0);
    assert_int_equal(r.err, WIRE_ERR_INVALID);
    wire_writer_free(&w);
}

static void test_arrays_and_guard(void **state) {
    (void)state;
    wire_writer w;
    wire_writer_init(&w);
    wire_write_array_len(&w, 0, 2);
    wire_write_array_len(&w, 0, -1);
    wire_write_array_len(&w, 1, 2);
    wire_write_array_len(&w, 1, -1);
    wire_write_array_len(&w, 1, 0);
    static const uint8_t want[] = {0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0x03, 0x00, 0x01};
    assert_written(&w, want, sizeof want);
    wire_writer_free(&w);

    /* Counts are only accepted when that many (1-byte) elements could follow. */
    static const uint8_t two_left[] = {0, 0, 0, 2, 'x', 'y'};
    wire_reader r;
    wire_reader_init(&r, two_left, sizeof two_left);
    assert_int_equal(wire_read_array_len(&r, 0), 2);
    assert_int_equal(r.err, WIRE_OK);
    wire_reader_init(&r, two_left, 5);
    assert_int_equal(wire_read_array_len(&r, 0), 0);
    assert_int_equal(r.err, WIRE_ERR_INVALID);
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    wire_reader_init(&r, huge, sizeof huge);
    assert_int_equal(wire_read_array_len(&r, 0), 0);
    assert_int_equal(r.err, WIRE_ERR_INVALID);
    static const uint8_t neg[] = {0xff, 0xff, 0xff, 0xfe};
    wire_reader_init(&r, neg, sizeof neg);
    (void)wire_read_array_len(&r, 0);
    assert_int_equal(r.err, WIRE_ERR_INVALID);
    static const uint8_t null_arr[] = {0xff, 0xff, 0xff, 0xff};
    wire_reader_init(&r, null_arr, sizeof null_arr);
    assert_int_equal(wire_read_array_len(&r, 0), -1);
    assert_int_equal(r.err, WIRE_OK);
    static const uint8_t compact[] = {0x00, 0x01, 0x03, 'a', 'b', 0x04, 'a', 'b'};
    wire_reader_init(&r, compact, sizeof compact);
    assert_int_equal(wire_read_array_len(&r, 1), -1);
    assert_int_equal(wire_read_array_len(&r, 1), 0);
    assert_int_equal(wire_read_array_len(&r, 1), 2);
    assert_int_equal(wire_read_array_len(&r, 1), 0); /* count 3, 2 bytes left */
    assert_int_equal(r.err, WIRE_ERR_INVALID);
}

static void test_tags(void **state) {
    (void)state;
    wire_writer w;
    wire_writer_init(&w);
    wire_write_tags_empty(&w, 0);
    assert_int_equal(w.len, 0);
    wire_write_tags_empty(&w, 1);
    static const uint8_t empty[] = {0};
    assert_written(&w, empty, 1);
    wire_writer_free(&w);

    /* Two tagged fields (tag 0 size 2, tag 5 size 1), then an int8. */
    static const uint8_t tags[] = {0x02, 0x00, 0x02, 0xaa, 0xbb, 0x05, 0x01, 0xcc, 0x42};
    wire_reader r;
    wire_reader_init(&r, tags, sizeof tags);
    wire_skip_tags(&r, 0);
    assert_int_equal(r.pos, 0);
    wire_skip_tags(&r, 1);
    assert_int_equal(r.err, WIRE_OK);
    assert_int_equal(wire_read_i8(&r), 0x42);
    /* A tag size past the end. */
    wire_reader_init(&r, tags, 4);
    wire_skip_tags(&r, 1);
    assert_int_equal(r.err, WIRE_ERR_SHORT);
}

static void test_sticky_error(void **state) {
    (void)state;
    static const uint8_t in[] = {0x00, 0x01, 0x02};
    wire_reader r;
    wire_reader_init(&r, in, sizeof in);
    assert_int_equal(wire_read_i16(&r), 1);
    assert_int_equal(wire_read_i32(&r), 0); /* only 1 byte left */
    assert_int_equal(r.err, WIRE_ERR_SHORT);
    size_t pos = r.pos;
    /* Everything after the error is a no-op returning zero/null. */
    assert_int_equal(wire_read_i8(&r), 0);
    assert_int_equal(wire_read_uvarint(&r), 0);
    assert_int_equal(wire_read_varint(&r), 0);
    assert_null(wire_read_raw(&r, 0));
    assert_int_equal(wire_read_str(&r, 1).len, -1);
    assert_int_equal(wire_read_bytes(&r, 0).len, -1);
    uint8_t uuid[16];
    memset(uuid, 0xee, sizeof uuid);
    wire_read_uuid(&r, uuid);
    static const uint8_t zero[16] = {0};
    assert_memory_equal(uuid, zero, 16);
    assert_int_equal(r.pos, pos);
    assert_int_equal(wire_remaining(&r), 0);
    assert_int_equal(r.err, WIRE_ERR_SHORT);

    /* A writer in error stays in error and does not grow. */
    wire_writer w;
    wire_writer_init(&w);
    wire_write_i32(&w, 1);
    w.err = WIRE_ERR_NOMEM;
    wire_write_i32(&w, 2);
    wire_write_cstr(&w, 1, "abc");
    assert_int_equal(w.len, 4);
    assert_null(wire_write_reserve(&w, 1));
    wire_writer_free(&w);
    assert_int_equal(w.err, WIRE_OK);
    assert_null(w.p);
}

static void test_writer_growth_and_take(void **state) {
    (void)state;
    wire_writer w;
    wire_writer_init(&w);
    /* A zero-byte reserve on a fresh writer succeeds (non-NULL). */
    assert_non_null(wire_write_reserve(&w, 0));
    assert_int_equal(w.err, WIRE_OK);
    assert_int_equal(w.len, 0);
    for (int i = 0; i < 100000; i++)
        wire_write_i32(&w, i);
    assert_int_equal(w.len, 400000);
    assert_true(w.cap >= w.len);
    size_t len;
    uint8_t *p = wire_writer_take(&w, &len);
    assert_int_equal(len, 400000);
    assert_null(w.p);
    assert_int_equal(w.len, 0);
    wire_reader r;
    wire_reader_init(&r, p, len);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(wire_read_i32(&r), i);
    free(p);
    uint8_t u[16];
    for (int i = 0; i < 16; i++)
        u[i] = (uint8_t)i;
    wire_write_uuid(&w, u);
    wire_reader_init(&r, w.p, w.len);
    uint8_t got[16];
    wire_read_uuid(&r, got);
    assert_memory_equal(got, u, 16);
    wire_writer_free(&w);
}

static void test_arena(void **state) {
    (void)state;
    wire_arena a;
    wire_arena_init(&a);
    for (int i = 1; i < 3000; i++) {
        uint8_t *p = wire_arena_alloc(&a, (size_t)i % 37 + 1);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 8, 0);
        for (size_t k = 0; k < (size_t)i % 37 + 1; k++)
            assert_int_equal(p[k], 0);
        memset(p, 0xab, (size_t)i % 37 + 1);
    }
    void *big = wire_arena_alloc(&a, 100000);
    assert_non_null(big);
    memset(big, 1, 100000);
    assert_null(wire_arena_calloc(&a, 0, 8));
    assert_null(wire_arena_calloc(&a, SIZE_MAX / 2, 4));
    assert_null(wire_arena_alloc(&a, SIZE_MAX - 3));
    assert_null(wire_arena_alloc(&a, SIZE_MAX / 2 + 1));
    int32_t *arr = wire_arena_calloc(&a, 10, sizeof(int32_t));
    assert_non_null(arr);
    assert_int_equal(arr[9], 0);
    wire_arena_free(&a);
    assert_null(a.head);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_width),
        cmocka_unit_test(test_uvarint_vectors),
        cmocka_unit_test(test_zigzag_vectors),
        cmocka_unit_test(test_varint_round_trip),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_arrays_and_guard),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_sticky_error),
        cmocka_unit_test(test_writer_growth_and_take),
        cmocka_unit_test(test_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
