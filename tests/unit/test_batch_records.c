/*
 * test_batch_records.c - reading records out of batches and building
 * batches. Reader tests use batches laid out by hand from the spec (CRC by
 * the table implementation); builder tests compare its output byte for byte
 * with such a hand-laid batch, and round-trip every codec through the
 * reader. Malformed records must be reported, never read out of bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/batch.h"
#include "wire/compress.h"
#include "wire/crc32c.h"
#include "test_batch_helpers.h"

/* rec 0: tsDelta 0, offDelta 0, key "k", value "v1", no headers.
 * rec 1: tsDelta 5, offDelta 1, null key, value "xyz", headers
 *        "h1" -> "A", "h2" -> null. */
static const uint8_t recs_a[] = {
    0x12, 0x00, 0x00, 0x00, 0x02, 'k',  0x04, 'v', '1', 0x00, /* len 9 */
    0x24, 0x00, 0x0a, 0x02, 0x01, 0x06, 'x',  'y', 'z',       /* len 18 */
    0x04, 0x04, 'h',  '1',  0x02, 'A',  0x04, 'h', '2', 0x01,
};

static void assert_bytes(wire_bytes b, const char *want) {
    if (!want) {
        assert_int_equal(b.len, -1);
        return;
    }
    assert_int_equal(b.len, (int32_t)strlen(want));
    assert_memory_equal(b.ptr, want, strlen(want));
}

static void check_recs_a(const uint8_t *batch, size_t size, int64_t base) {
    batch_reader br;
    batch_record rec;
    batch_record_header hdr;
    batch_header_iter hi;
    assert_int_equal(batch_reader_open(&br, batch, size, 0), BATCH_OK);

    assert_int_equal(batch_reader_next(&br, &rec), 1);
    assert_int_equal(rec.offset, base);
    assert_int_equal(rec.offset_delta, 0);
    assert_int_equal(rec.timestamp, BASE_TS);
    assert_bytes(rec.key, "k");
    assert_bytes(rec.value, "v1");
    assert_int_equal(rec.header_count, 0);
    batch_header_iter_init(&hi, &rec);
    assert_int_equal(batch_header_iter_next(&hi, &hdr), 0);

    assert_int_equal(batch_reader_next(&br, &rec), 1);
    assert_int_equal(rec.offset, base + 1);
    assert_int_equal(rec.timestamp, BASE_TS + 5);
    assert_int_equal(rec.timestamp_delta, 5);
    assert_bytes(rec.key, NULL);
    assert_bytes(rec.value, "xyz");
    assert_int_equal(rec.header_count, 2);
    batch_header_iter_init(&hi, &rec);
    assert_int_equal(batch_header_iter_next(&hi, &hdr), 1);
    assert_bytes(hdr.key, "h1");
    assert_bytes(hdr.value, "A");
    assert_int_equal(batch_header_iter_next(&hi, &hdr), 1);
    assert_bytes(hdr.key, "h2");
    assert_bytes(hdr.value, NULL);
    assert_int_equal(batch_header_iter_next(&hi, &hdr), 0);

    assert_int_equal(batch_reader_next(&br, &rec), 0);
    assert_int_equal(batch_reader_next(&br, &rec), 0);
    batch_reader_close(&br);
}

static void test_read_hand_laid(void **state) {
    (void)state;
    uint8_t b[256];
    size_t n = make_batch(b, 1000, 0, 1, 2, recs_a, sizeof recs_a);
    batch_header h;
    assert_int_equal(batch_validate(b, n, 0, 1, &h), BATCH_OK);
    check_recs_a(b, n, 1000);
}

static void test_read_compressed_hand_laid(void **state) {
    (void)state;
    const int codecs[] = {BATCH_CODEC_GZIP, BATCH_CODEC_SNAPPY, BATCH_CODEC_LZ4, BATCH_CODEC_ZSTD};
    for (int c = 0; c < 4; c++) {
        wire_writer z;
        wire_writer_init(&z);
        assert_int_equal(compress_encode(codecs[c], recs_a, sizeof recs_a, &z), COMPRESS_OK);
        uint8_t *b = malloc(61 + z.len);
        size_t n = make_batch(b, 7, (int16_t)codecs[c], 1, 2, z.p, z.len);
        batch_header h;
        assert_int_equal(batch_validate(b, n, 0, 1, &h), BATCH_OK);
        check_recs_a(b, n, 7);

        /* Limit on the decompressed size. */
        batch_reader br;
        assert_int_equal(batch_reader_open(&br, b, n, sizeof recs_a - 1), BATCH_ERR_SIZE);
        batch_reader_close(&br);
        assert_int_equal(batch_reader_open(&br, b, n, sizeof recs_a), BATCH_OK);
        batch_reader_close(&br);

        /* Damaged payload (CRC made valid again) does not decompress. */
        size_t zl = z.len < 12 ? z.len : 12;
        n = make_batch(b, 7, (int16_t)codecs[c], 1, 2, z.p, zl);
        assert_int_equal(batch_reader_open(&br, b, n, 0), BATCH_ERR_CODEC);
        batch_record rec;
        assert_int_equal(batch_reader_next(&br, &rec), BATCH_ERR_CODEC);
        batch_reader_close(&br);
        free(b);
        wire_writer_free(&z);
    }
}

static void test_compacted_gaps(void **state) {
    (void)state;
    /* Deltas 0 and 3 of lastOffsetDelta 3: offsets 1 and 3 were compacted. */
    static const uint8_t recs[] = {
        0x10, 0x00, 0x00, 0x00, 0x02, 'a', 0x02, 'x', 0x00, /* delta 0 */
        0x10, 0x00, 0x00, 0x06, 0x02, 'b', 0x02, 'y', 0x00, /* delta 3 */
    };
    uint8_t b[128];
    size_t n = make_batch(b, 50, 0, 3, 2, recs, sizeof recs);
    batch_header h;
    assert_int_equal(batch_validate(b, n, 0, 1, &h), BATCH_ERR_COUNT);
    assert_int_equal(batch_validate(b, n, 0, 0, &h), BATCH_OK);
    batch_reader br;
    batch_record rec;
    assert_int_equal(batch_reader_open(&br, b, n, 0), BATCH_OK);
    assert_int_equal(batch_reader_next(&br, &rec), 1);
    assert_int_equal(rec.offset, 50);
    assert_bytes(rec.key, "a");
    assert_int_equal(batch_reader_next(&br, &rec), 1);
    assert_int_equal(rec.offset, 53);
    assert_bytes(rec.key, "b");
    assert_int_equal(batch_reader_next(&br, &rec), 0);
    batch_reader_close(&br);
    assert_int_equal(batch_check_records(b, n, 0, 0), BATCH_OK);
    assert_int_equal(batch_check_records(b, n, 0, 1), BATCH_ERR_RECORD);
}

static void test_check_records(void **state) {
    (void)state;
    uint8_t b[256];
    size_t n = make_batch(b, 0, 0, 1, 2, recs_a, sizeof recs_a);
    assert_int_equal(batch_check_records(b, n, 0, 1), BATCH_OK);
    assert_int_equal(batch_check_records(b, n, 0, 0), BATCH_OK);
    n = make_batch(b, 0, 0, 2, 3, recs_a, sizeof recs_a);
    assert_int_equal(batch_check_records(b, n, 0, 0), BATCH_ERR_COUNT);
    n = make_batch(b, 0, 0, 1, 2, recs_a, sizeof recs_a - 1);
    assert_int_equal(batch_check_records(b, n, 0, 0), BATCH_ERR_RECORD);
    assert_int_equal(batch_check_records(b, 30, 0, 0), BATCH_ERR_SHORT);
}

/* Read all records; return the final status (0 on success). */
static int read_all(const uint8_t *recs, size_t len, int32_t last_delta, int32_t count) {
    uint8_t *b = malloc(61 + len);
    size_t n = make_batch(b, 0, 0, last_delta, count, recs, len);
    batch_reader br;
    batch_record rec;
    int rc = batch_reader_open(&br, b, n, 0);
    if (rc == BATCH_OK)
        while ((rc = batch_reader_next(&br, &rec)) == 1)
            ;
    /* Errors are sticky. */
    if (rc < 0)
        assert_int_equal(batch_reader_next(&br, &rec), rc);
    batch_reader_close(&br);
    free(b);
    return rc;
}

static void test_malformed_records(void **state) {
    (void)state;
    assert_int_equal(read_all(recs_a, sizeof recs_a, 1, 2), 0);
    /* Fewer records than recordCount, and more. */
    assert_int_equal(read_all(recs_a, sizeof recs_a, 2, 3), BATCH_ERR_COUNT);
    assert_int_equal(read_all(recs_a, 10, 1, 2), BATCH_ERR_COUNT);
    assert_int_equal(read_all(recs_a, sizeof recs_a, 0, 1), BATCH_ERR_COUNT);
    /* Every truncation of the records section fails (except whole records). */
    for (size_t cut = 1; cut < sizeof recs_a; cut++) {
        int rc = read_all(recs_a, cut, 1, 2);
        assert_true(rc == BATCH_ERR_RECORD || rc == BATCH_ERR_COUNT);
    }
    uint8_t r[sizeof recs_a];
    /* Record length past the end. */
    memcpy(r, recs_a, sizeof r);
    r[10] = 0x7e;
    assert_int_equal(read_all(r, sizeof r, 1, 2), BATCH_ERR_RECORD);
    /* Negative record length. */
    r[10] = 0x03;
    assert_int_equal(read_all(r, sizeof r, 1, 2), BATCH_ERR_RECORD);
    /* Record length one short of its fields / one too long. */
    memcpy(r, recs_a, sizeof r);
    r[0] = 0x10;
    assert_int_equal(read_all(r, sizeof r, 1, 2), BATCH_ERR_RECORD);
    r[0] = 0x14;
    assert_int_equal(read_all(r, sizeof r, 1, 2), BATCH_ERR_RECORD);
    /* Key length past the record (stays inside the batch). */
    memcpy(r, recs_a, sizeof r);
    r[4] = 0x10;
    assert_int_equal(read_all(r, sizeof r, 1, 2), BATCH_ERR_RECORD);
    /* Key length -2. */
    r[4] = 0x03;
    assert_int_equal(read_all(r, sizeof r, 1, 2), BATCH_ERR_RECORD);
    /* Null header key (rec 1's first header key length = -1). */
    memcpy(r, recs_a, sizeof r);
    assert_int_equal(r[20], 0x04);
    r[20] = 0x01;
    assert_int_equal(read_all(r, sizeof r, 1, 2), BATCH_ERR_RECORD);
    /* Header count larger than what is present. */
    memcpy(r, recs_a, sizeof r);
    r[19] = 0x08;
    assert_int_equal(read_all(r, sizeof r, 1, 2), BATCH_ERR_RECORD);
    /* Offset deltas not increasing (1 -> 0), and beyond lastOffsetDelta. */
    memcpy(r, recs_a, sizeof r);
    r[13] = 0x00;
    assert_int_equal(read_all(r, sizeof r, 1, 2), BATCH_ERR_RECORD);
    r[13] = 0x04;
    assert_int_equal(read_all(r, sizeof r, 1, 2), BATCH_ERR_RECORD);
    assert_int_equal(read_all(r, sizeof r, 2, 2), 0);
}

static void test_random_damage(void **state) {
    (void)state;
    uint32_t x = 11;
    for (int round = 0; round < 20000; round++) {
        uint8_t r[sizeof recs_a];
        memcpy(r, recs_a, sizeof r);
        int flips = 1 + round % 3;
        for (int k = 0; k < flips; k++) {
            x = x * 1664525u + 1013904223u;
            r[(x >> 8) % sizeof r] = (uint8_t)(x >> 24);
        }
        int rc = read_all(r, sizeof r, 1 + round % 2, 2);
        assert_true(rc == 0 || rc == BATCH_ERR_RECORD || rc == BATCH_ERR_COUNT);
    }
}

static void test_header_errors(void **state) {
    (void)state;
    uint8_t b[128];
    batch_reader br;
    size_t n = make_batch(b, 0, 0, 1, 2, recs_a, sizeof recs_a);
    assert_int_equal(batch_reader_open(&br, b, 60, 0), BATCH_ERR_SHORT);
    batch_reader_close(&br);
    assert_int_equal(batch_reader_open(&br, b, n - 1, 0), BATCH_ERR_SHORT);
    batch_reader_close(&br);
    b[16] = 1;
    assert_int_equal(batch_reader_open(&br, b, n, 0), BATCH_ERR_MAGIC);
    batch_reader_close(&br);
    n = make_batch(b, 0, 6, 1, 2, recs_a, sizeof recs_a);
    assert_int_equal(batch_reader_open(&br, b, n, 0), BATCH_ERR_ATTR);
    batch_reader_close(&br);
    n = make_batch(b, 0, 0, 1, -3, recs_a, sizeof recs_a);
    assert_int_equal(batch_reader_open(&br, b, n, 0), BATCH_ERR_COUNT);
    batch_reader_close(&br);
}

static void test_log_append_time(void **state) {
    (void)state;
    uint8_t b[128];
    size_t n = make_batch(b, 0, 0, 1, 2, recs_a, sizeof recs_a);
    batch_set_log_append_time(b, n, 1800000000000ll);
    batch_header h;
    assert_int_equal(batch_validate(b, n, 0, 1, &h), BATCH_OK);
    assert_true(h.attributes & BATCH_ATTR_LOG_APPEND_TIME);
    assert_int_equal(h.max_timestamp, 1800000000000ll);
    batch_reader br;
    batch_record rec;
    assert_int_equal(batch_reader_open(&br, b, n, 0), BATCH_OK);
    while (batch_reader_next(&br, &rec) == 1)
        assert_int_equal(rec.timestamp, 1800000000000ll);
    batch_reader_close(&br);
}

static wire_bytes bytes_of(const char *s) {
    wire_bytes b = {(const uint8_t *)s, s ? (int32_t)strlen(s) : -1};
    if (!s)
        b.ptr = NULL;
    return b;
}

static void test_builder_matches_hand_laid(void **state) {
    (void)state;
    batch_builder bb;
    assert_int_equal(batch_builder_init(&bb, BATCH_CODEC_NONE), BATCH_OK);
    assert_int_equal(batch_builder_add(&bb, BASE_TS, bytes_of("k"), bytes_of("v1"), NULL, 0),
                     BATCH_OK);
    batch_record_header hs[2] = {{bytes_of("h1"), bytes_of("A")}, {bytes_of("h2"), bytes_of(NULL)}};
    assert_int_equal(batch_builder_add(&bb, BASE_TS + 5, bytes_of(NULL), bytes_of("xyz"), hs, 2),
                     BATCH_OK);
    wire_writer out;
    wire_writer_init(&out);
    wire_write_raw(&out, "pre", 3);
    assert_int_equal(batch_builder_finish(&bb, &out), BATCH_OK);
    batch_builder_free(&bb);

    uint8_t want[128];
    size_t n = make_batch(want, 0, 0, 1, 2, recs_a, sizeof recs_a);
    assert_int_equal(out.len, 3 + n);
    assert_memory_equal(out.p, "pre", 3);
    assert_memory_equal(out.p + 3, want, n);
    wire_writer_free(&out);
}

static void test_builder_round_trip_all_codecs(void **state) {
    (void)state;
    for (int codec = BATCH_CODEC_NONE; codec <= BATCH_CODEC_ZSTD; codec++) {
        batch_builder bb;
        assert_int_equal(batch_builder_init(&bb, codec), BATCH_OK);
        bb.producer_id = 4242;
        bb.producer_epoch = 3;
        bb.base_sequence = 17;
        bb.attributes = BATCH_ATTR_TRANSACTIONAL;
        enum { N = 500 };
        char key[32], val[64];
        for (int i = 0; i < N; i++) {
            snprintf(key, sizeof key, "key-%d", i);
            snprintf(val, sizeof val, "value-%d-%s", i, "payload payload payload");
            batch_record_header h[2] = {{bytes_of("idx"), bytes_of(i % 2 ? key : NULL)},
                                        {bytes_of("idx"), bytes_of(i % 2 ? key : NULL)}};
            /* Out-of-order timestamps: max must be the largest, not the last. */
            int64_t ts = BASE_TS + (i == 10 ? 100000 : i);
            assert_int_equal(batch_builder_add(&bb, ts, i % 7 ? bytes_of(key) : bytes_of(NULL),
                                               i % 11 ? bytes_of(val) : bytes_of(NULL), h, i % 3),
                             BATCH_OK);
        }
        wire_writer out;
        wire_writer_init(&out);
        assert_int_equal(batch_builder_finish(&bb, &out), BATCH_OK);
        batch_builder_free(&bb);

        batch_header h;
        assert_int_equal(batch_validate(out.p, out.len, 0, 1, &h), BATCH_OK);
        assert_int_equal(batch_total_size(&h), (int64_t)out.len);
        assert_int_equal(h.base_offset, 0);
        assert_int_equal(h.partition_leader_epoch, -1);
        assert_int_equal(h.magic, 2);
        assert_int_equal(batch_codec_of(&h), codec);
        assert_true(h.attributes & BATCH_ATTR_TRANSACTIONAL);
        assert_int_equal(h.last_offset_delta, N - 1);
        assert_int_equal(h.record_count, N);
        assert_int_equal(h.base_timestamp, BASE_TS);
        assert_int_equal(h.max_timestamp, BASE_TS + 100000);
        assert_int_equal(h.producer_id, 4242);
        assert_int_equal(h.producer_epoch, 3);
        assert_int_equal(h.base_sequence, 17);
        if (codec != BATCH_CODEC_NONE)
            assert_true(out.len < 61 + N * 30);

        batch_set_base_offset(out.p, 9000);
        batch_reader br;
        batch_record rec;
        assert_int_equal(batch_reader_open(&br, out.p, out.len, 0), BATCH_OK);
        for (int i = 0; i < N; i++) {
            assert_int_equal(batch_reader_next(&br, &rec), 1);
            snprintf(key, sizeof key, "key-%d", i);
            snprintf(val, sizeof val, "value-%d-%s", i, "payload payload payload");
            assert_int_equal(rec.offset, 9000 + i);
            assert_int_equal(rec.timestamp, BASE_TS + (i == 10 ? 100000 : i));
            assert_bytes(rec.key, i % 7 ? key : NULL);
            assert_bytes(rec.value, i % 11 ? val : NULL);
            assert_int_equal(rec.header_count, i % 3);
            batch_header_iter hi;
            batch_record_header hdr;
            batch_header_iter_init(&hi, &rec);
            for (int k = 0; k < i % 3; k++) {
                assert_int_equal(batch_header_iter_next(&hi, &hdr), 1);
                assert_bytes(hdr.key, "idx");
                assert_bytes(hdr.value, i % 2 ? key : NULL);
            }
            assert_int_equal(batch_header_iter_next(&hi, &hdr), 0);
        }
        assert_int_equal(batch_reader_next(&br, &rec), 0);
        batch_reader_close(&br);
        wire_writer_free(&out);
    }
}

static void test_builder_errors(void **state) {
    (void)state;
    batch_builder bb;
    wire_writer out;
    wire_writer_init(&out);
    assert_int_equal(batch_builder_init(&bb, 5), BATCH_ERR_ATTR);
    assert_int_equal(batch_builder_add(&bb, 1, bytes_of("a"), bytes_of("b"), NULL, 0),
                     BATCH_ERR_ATTR);
    assert_int_equal(batch_builder_finish(&bb, &out), BATCH_ERR_ATTR);
    batch_builder_free(&bb);

    assert_int_equal(batch_builder_init(&bb, BATCH_CODEC_GZIP), BATCH_OK);
    assert_int_equal(batch_builder_finish(&bb, &out), BATCH_ERR_COUNT);
    batch_record_header bad[1] = {{bytes_of(NULL), bytes_of("v")}};
    assert_int_equal(batch_builder_add(&bb, 1, bytes_of("a"), bytes_of("b"), bad, 1),
                     BATCH_ERR_RECORD);
    assert_int_equal(batch_builder_add(&bb, 1, bytes_of("a"), bytes_of("b"), NULL, 1),
                     BATCH_ERR_RECORD);
    assert_int_equal(batch_builder_add(&bb, 1, bytes_of("a"), bytes_of("b"), NULL, -1),
                     BATCH_ERR_RECORD);
    assert_int_equal(out.len, 0);
    /* A rejected record leaves the builder usable. */
    assert_int_equal(batch_builder_add(&bb, -1, bytes_of(NULL), bytes_of(NULL), NULL, 0), BATCH_OK);
    assert_int_equal(batch_builder_finish(&bb, &out), BATCH_OK);
    batch_builder_free(&bb);
    batch_header h;
    assert_int_equal(batch_validate(out.p, out.len, 0, 1, &h), BATCH_OK);
    assert_int_equal(h.record_count, 1);
    assert_int_equal(h.base_timestamp, -1);
    assert_int_equal(h.max_timestamp, -1);
    wire_writer_free(&out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_hand_laid),
        cmocka_unit_test(test_read_compressed_hand_laid),
        cmocka_unit_test(test_compacted_gaps),
        cmocka_unit_test(test_check_records),
        cmocka_unit_test(test_malformed_records),
        cmocka_unit_test(test_random_damage),
        cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_log_append_time),
        cmocka_unit_test(test_builder_matches_hand_laid),
        cmocka_unit_test(test_builder_round_trip_all_codecs),
        cmocka_unit_test(test_builder_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
