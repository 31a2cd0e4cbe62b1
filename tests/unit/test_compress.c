/*
 * test_compress.c - the four record-batch codecs: streams laid out by hand
 * from each format's specification decode to the expected bytes, encoder
 * output has the header Kafka expects, round trips over several sizes, the
 * output limit stops decompression bombs, and corrupt or truncated input is
 * an error (never a crash, never a partially filled writer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/compress.h"

static const uint8_t hello[5] = {'h', 'e', 'l', 'l', 'o'};

static void expect_decode(int codec, const uint8_t *src, size_t len, const uint8_t *want,
                          size_t want_len) {
    wire_writer w;
    wire_writer_init(&w);
    wire_write_raw(&w, "AB", 2); /* output is appended after existing bytes */
    assert_int_equal(compress_decode(codec, src, len, want_len, &w), COMPRESS_OK);
    assert_int_equal(w.len, want_len + 2);
    assert_memory_equal(w.p, "AB", 2);
    if (want_len)
        assert_memory_equal(w.p + 2, want, want_len);
    if (want_len > 0) {
        /* One byte less than needed is refused and leaves the writer as it was. */
        assert_int_equal(compress_decode(codec, src, len, want_len - 1, &w), COMPRESS_ERR_LIMIT);
        assert_int_equal(w.len, want_len + 2);
    }
    wire_writer_free(&w);
}

static void test_gzip_by_hand(void **state) {
    (void)state;
    /* RFC 1952 header, one stored deflate block (RFC 1951), CRC-32, ISIZE. */
    static const uint8_t gz[] = {
        0x1f, 0x8b, 0x08, 0x00, 0,    0,    0,    0,   0x00, 0xff, /* header */
        0x01, 0x05, 0x00, 0xfa, 0xff, 'h',  'e',  'l', 'l',  'o',  /* stored */
        0x86, 0xa6, 0x10, 0x36, 0x05, 0x00, 0x00, 0x00};
    expect_decode(COMPRESS_GZIP, gz, sizeof gz, hello, 5);
    /* Two concatenated members decode to the concatenation. */
    uint8_t two[2 * sizeof gz];
    memcpy(two, gz, sizeof gz);
    memcpy(two + sizeof gz, gz, sizeof gz);
    expect_decode(COMPRESS_GZIP, two, sizeof two, (const uint8_t *)"hellohello", 10);
    /* A wrong CRC is corrupt. */
    uint8_t bad[sizeof gz];
    memcpy(bad, gz, sizeof gz);
    bad[20] ^= 1;
    wire_writer w;
    wire_writer_init(&w);
    assert_int_equal(compress_decode(COMPRESS_GZIP, bad, sizeof bad, 100, &w),
                     COMPRESS_ERR_CORRUPT);
    assert_int_equal(w.len, 0);
    wire_writer_free(&w);
}

static void test_snappy_by_hand(void **state) {
    (void)state;
    /* Raw block: varint length 5, literal tag ((5-1) << 2), bytes. */
    static const uint8_t raw[] = {0x05, 0x10, 'h', 'e', 'l', 'l', 'o'};
    expect_decode(COMPRESS_SNAPPY, raw, sizeof raw, hello, 5);
    /* Raw block with a copy: "abcd" then copy-1 (len 4, offset 4) -> "abcdabcd". */
    static const uint8_t copy[] = {0x08, 0x0c, 'a', 'b', 'c', 'd', 0x01, 0x04};
    expect_decode(COMPRESS_SNAPPY, copy, sizeof copy, (const uint8_t *)"abcdabcd", 8);
    /* xerial framing with two blocks. */
    static const uint8_t xerial[] = {0x82, 'S',  'N',  'A', 'P', 'P', 'Y', 0x00, 0,   0,
                                     0,    1,    0,    0,   0,   1,   0,   0,    0,   7,
                                     0x05, 0x10, 'h',  'e', 'l', 'l', 'o', 0,    0,   0,
                                     8,    0x08, 0x0c, 'a', 'b', 'c', 'd', 0x01, 0x04};
    expect_decode(COMPRESS_SNAPPY, xerial, sizeof xerial, (const uint8_t *)"helloabcdabcd", 13);
    /* Block length past the end, and a header cut short. */
    wire_writer w;
    wire_writer_init(&w);
    for (size_t cut = 8; cut < sizeof xerial; cut++) {
        if (cut == 16 || cut == 27)
            continue; /* block boundaries: a valid, shorter stream */
        assert_int_equal(compress_decode(COMPRESS_SNAPPY, xerial, cut, 100, &w),
                         COMPRESS_ERR_CORRUPT);
        assert_int_equal(w.len, 0);
    }
    /* Copy reaching before the start of the output. */
    static const uint8_t badcopy[] = {0x08, 0x0c, 'a', 'b', 'c', 'd', 0x01, 0x09};
    assert_int_equal(compress_decode(COMPRESS_SNAPPY, badcopy, sizeof badcopy, 100, &w),
                     COMPRESS_ERR_CORRUPT);
    /* A stated length above the limit is refused before decoding. */
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0x7f, 0x00};
    assert_int_equal(compress_decode(COMPRESS_SNAPPY, huge, sizeof huge, 1000, &w),
                     COMPRESS_ERR_LIMIT);
    wire_writer_free(&w);
}

static void test_lz4_by_hand(void **state) {
    (void)state;
    /* Frame: magic 04 22 4D 18, FLG 0x60 (v1, independent blocks), BD 0x40
     * (64 KiB), HC = (XXH32(FLG,BD) >> 8) & 0xff = 0x82, one uncompressed block
     * (high bit of the size set), end mark. */
    static const uint8_t f1[] = {0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, 0x05, 0x00, 0x00,
                                 0x80, 'h',  'e',  'l',  'l',  'o',  0,    0,    0,    0};
    expect_decode(COMPRESS_LZ4, f1, sizeof f1, hello, 5);
    /* FLG 0x7c: block checksum, content size, content checksum. Checksums
     * are XXH32("hello") = 0xfb0077f9; HC = 0x03. */
    static const uint8_t f2[] = {0x04, 0x22, 0x4d, 0x18, 0x7c, 0x40, 5,    0,    0,
                                 0,    0,    0,    0,    0,    0x03, 0x05, 0x00, 0x00,
                                 0x80, 'h',  'e',  'l',  'l',  'o',  0xf9, 0x77, 0x00,
                                 0xfb, 0,    0,    0,    0,    0xf9, 0x77, 0x00, 0xfb};
    expect_decode(COMPRESS_LZ4, f2, sizeof f2, hello, 5);
    /* A compressed block: literals "abc", match offset 3 length 9, then the
     * final literals "XYZWV": token 0x35, "abc", 03 00, token 0x50, "XYZWV". */
    static const uint8_t f3[] = {0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, 12,   0,
                                 0,    0,    0x35, 'a',  'b',  'c',  0x03, 0x00, 0x50,
                                 'X',  'Y',  'Z',  'W',  'V',  0,    0,    0,    0};
    expect_decode(COMPRESS_LZ4, f3, sizeof f3, (const uint8_t *)"abcabcabcabcXYZWV", 17);
    /* Two frames back to back. */
    uint8_t two[2 * sizeof f1];
    memcpy(two, f1, sizeof f1);
    memcpy(two + sizeof f1, f1, sizeof f1);
    expect_decode(COMPRESS_LZ4, two, sizeof two, (const uint8_t *)"hellohello", 10);

    wire_writer w;
    wire_writer_init(&w);
    uint8_t bad[sizeof f2];
    memcpy(bad, f2, sizeof f2);
    bad[14] ^= 1; /* header checksum */
    assert_int_equal(compress_decode(COMPRESS_LZ4, bad, sizeof bad, 100, &w), COMPRESS_ERR_CORRUPT);
    memcpy(bad, f2, sizeof f2);
    bad[20] ^= 1; /* data under the block checksum */
    assert_int_equal(compress_decode(COMPRESS_LZ4, bad, sizeof bad, 100, &w), COMPRESS_ERR_CORRUPT);
    for (size_t cut = 0; cut < sizeof f2; cut++)
        assert_int_equal(compress_decode(COMPRESS_LZ4, f2, cut, 100, &w), COMPRESS_ERR_CORRUPT);
    assert_int_equal(w.len, 0);
    wire_writer_free(&w);
}

static void test_lz4_encoder_header(void **state) {
    (void)state;
    wire_writer w;
    wire_writer_init(&w);
    assert_int_equal(compress_encode(COMPRESS_LZ4, hello, 5, &w), COMPRESS_OK);
    /* Kafka's frame: independent 64 KiB blocks, no size, no checksums. */
    static const uint8_t want[] = {0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82};
    assert_true(w.len > sizeof want + 4);
    assert_memory_equal(w.p, want, sizeof want);
    static const uint8_t endmark[4] = {0, 0, 0, 0};
    assert_memory_equal(w.p + w.len - 4, endmark, 4);
    wire_writer_free(&w);
}

static void test_zstd_by_hand(void **state) {
    (void)state;
    /* Single-segment frame with a 1-byte content size, one raw last block:
     * block header = (5 << 3) | (raw << 1) | last = 0x29. */
    static const uint8_t z1[] = {0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x05, 0x29,
                                 0x00, 0x00, 'h',  'e',  'l',  'l',  'o'};
    expect_decode(COMPRESS_ZSTD, z1, sizeof z1, hello, 5);
    /* No content size: FHD 0x00 and a window descriptor (1 KiB). */
    static const uint8_t z2[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x29,
                                 0x00, 0x00, 'h',  'e',  'l',  'l',  'o'};
    expect_decode(COMPRESS_ZSTD, z2, sizeof z2, hello, 5);
    /* RLE block: 'x' repeated 1000 times, no content size. Header =
     * (1000 << 3) | (1 << 1) | 1 = 0x1f43. */
    static const uint8_t z3[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x43, 0x1f, 0x00, 'x'};
    uint8_t xs[1000];
    memset(xs, 'x', sizeof xs);
    expect_decode(COMPRESS_ZSTD, z3, sizeof z3, xs, sizeof xs);
    wire_writer w;
    wire_writer_init(&w);
    for (size_t cut = 0; cut < sizeof z2; cut++)
        assert_int_equal(compress_decode(COMPRESS_ZSTD, z2, cut, 100, &w), COMPRESS_ERR_CORRUPT);
    uint8_t trailing[sizeof z1 + 3];
    memcpy(trailing, z1, sizeof z1);
    memcpy(trailing + sizeof z1, "xyz", 3);
    assert_int_equal(compress_decode(COMPRESS_ZSTD, trailing, sizeof trailing, 100, &w),
                     COMPRESS_ERR_CORRUPT);
    assert_int_equal(w.len, 0);
    wire_writer_free(&w);
}

/* Mostly compressible test data with some noise. */
static uint8_t *make_data(size_t n, int noisy) {
    uint8_t *p = malloc(n ? n : 1);
    uint32_t x = 99;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = noisy ? (uint8_t)(x >> 16) : (uint8_t)("record-value-"[i % 13] + (i / 4096) % 3);
    }
    return p;
}

static void test_round_trips(void **state) {
    (void)state;
    const size_t sizes[] = {0, 1, 5, 4096, 65536, 65537, 300000};
    const int codecs[] = {COMPRESS_NONE, COMPRESS_GZIP, COMPRESS_SNAPPY, COMPRESS_LZ4,
                          COMPRESS_ZSTD};
    for (size_t c = 0; c < sizeof codecs / sizeof codecs[0]; c++) {
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            for (int noisy = 0; noisy < 2; noisy++) {
                size_t n = sizes[s];
                uint8_t *src = make_data(n, noisy);
                wire_writer enc, dec;
                wire_writer_init(&enc);
                wire_writer_init(&dec);
                assert_int_equal(compress_encode(codecs[c], src, n, &enc), COMPRESS_OK);
                if (!noisy && n >= 4096 && codecs[c] != COMPRESS_NONE)
                    assert_true(enc.len < n / 2);
                assert_int_equal(compress_decode(codecs[c], enc.p, enc.len, n, &dec), COMPRESS_OK);
                assert_int_equal(dec.len, n);
                if (n)
                    assert_memory_equal(dec.p, src, n);
                if (n) {
                    size_t before = dec.len;
                    assert_int_equal(compress_decode(codecs[c], enc.p, enc.len, n - 1, &dec),
                                     COMPRESS_ERR_LIMIT);
                    assert_int_equal(dec.len, before);
                }
                wire_writer_free(&enc);
                wire_writer_free(&dec);
                free(src);
            }
        }
    }
}

static void test_bomb_refused(void **state) {
    (void)state;
    size_t n = 32u << 20; /* 32 MiB of zeros compresses to almost nothing */
    uint8_t *zeros = calloc(1, n);
    assert_non_null(zeros);
    const int codecs[] = {COMPRESS_GZIP, COMPRESS_SNAPPY, COMPRESS_LZ4, COMPRESS_ZSTD};
    for (size_t c = 0; c < 4; c++) {
        wire_writer enc, dec;
        wire_writer_init(&enc);
        wire_writer_init(&dec);
        assert_int_equal(compress_encode(codecs[c], zeros, n, &enc), COMPRESS_OK);
        assert_true(enc.len < n / 16);
        assert_int_equal(compress_decode(codecs[c], enc.p, enc.len, 1u << 20, &dec),
                         COMPRESS_ERR_LIMIT);
        assert_int_equal(dec.len, 0);
        /* The writer never grew far past the limit. */
        assert_true(dec.cap <= (4u << 20));
        wire_writer_free(&enc);
        wire_writer_free(&dec);
    }
    free(zeros);
}

static void test_corruption_never_crashes(void **state) {
    (void)state;
    const int codecs[] = {COMPRESS_GZIP, COMPRESS_SNAPPY, COMPRESS_LZ4, COMPRESS_ZSTD};
    size_t n = 20000;
    uint8_t *src = make_data(n, 0);
    uint32_t x = 5;
    for (size_t c = 0; c < 4; c++) {
        wire_writer enc;
        wire_writer_init(&enc);
        assert_int_equal(compress_encode(codecs[c], src, n, &enc), COMPRESS_OK);
        /* Every truncation is an error. */
        for (size_t cut = 0; cut < enc.len; cut += 1 + cut / 16) {
            if (codecs[c] == COMPRESS_SNAPPY && cut == 16)
                continue; /* a xerial header with no blocks is a valid empty stream */
            wire_writer dec;
            wire_writer_init(&dec);
            int rc = compress_decode(codecs[c], enc.p, cut, n, &dec);
            assert_int_not_equal(rc, COMPRESS_OK);
            assert_int_equal(dec.len, 0);
            wire_writer_free(&dec);
        }
        /* Random byte damage: any status, but within bounds (ASan checks). */
        for (int round = 0; round < 300; round++) {
            uint8_t *copy = malloc(enc.len);
            memcpy(copy, enc.p, enc.len);
            for (int k = 0; k < 3; k++) {
                x = x * 1664525u + 1013904223u;
                copy[(x >> 8) % enc.len] ^= (uint8_t)(1 + (x & 0x7f));
            }
            wire_writer dec;
            wire_writer_init(&dec);
            int rc = compress_decode(codecs[c], copy, enc.len, n, &dec);
            assert_true(rc == COMPRESS_OK || rc == COMPRESS_ERR_CORRUPT ||
                        rc == COMPRESS_ERR_LIMIT);
            if (rc != COMPRESS_OK)
                assert_int_equal(dec.len, 0);
            else
                assert_true(dec.len <= n);
            wire_writer_free(&dec);
            free(copy);
        }
        /* Trailing garbage after a valid stream. */
        wire_write_raw(&enc, "\x01\x02\x03", 3);
        wire_writer dec;
        wire_writer_init(&dec);
        assert_int_not_equal(compress_decode(codecs[c], enc.p, enc.len, n, &dec), COMPRESS_OK);
        wire_writer_free(&dec);
        wire_writer_free(&enc);
    }
    free(src);
}

static void test_unknown_codec(void **state) {
    (void)state;
    wire_writer w;
    wire_writer_init(&w);
    assert_int_equal(compress_encode(7, hello, 5, &w), COMPRESS_ERR_CODEC);
    assert_int_equal(compress_decode(-1, hello, 5, 100, &w), COMPRESS_ERR_CODEC);
    assert_int_equal(compress_decode(COMPRESS_NONE, hello, 5, 4, &w), COMPRESS_ERR_LIMIT);
    assert_int_equal(w.len, 0);
    for (int s = 0; s >= -6; s--)
        assert_non_null(compress_strerror(s));
    wire_writer_free(&w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gzip_by_hand),  cmocka_unit_test(test_snappy_by_hand),
        cmocka_unit_test(test_lz4_by_hand),   cmocka_unit_test(test_lz4_encoder_header),
        cmocka_unit_test(test_zstd_by_hand),  cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_bomb_refused),  cmocka_unit_test(test_corruption_never_crashes),
        cmocka_unit_test(test_unknown_codec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
