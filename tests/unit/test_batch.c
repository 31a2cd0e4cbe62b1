/*
 * test_batch.c - RecordBatch v2 header parsing, validation, offset stamping
 * and walking concatenated batches. The batches here are laid out byte by
 * byte from the spec (not with the builder) and their CRC is computed with
 * the table implementation, so the code under test is checked against an
 * independent encoding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/batch.h"
#include "wire/crc32c.h"
#include "test_batch_helpers.h"

/* Records: two uncompressed records, hand-encoded with zig-zag varints.
 *   rec 0: attr 0, tsDelta 0, offDelta 0, key "k" , value "v1", 0 headers
 *   rec 1: attr 0, tsDelta 5 (0x0a), offDelta 1 (0x02), key null (0x01),
 *          value "xyz", 0 headers */
static const uint8_t two_records[] = {
    0x12, 0x00, 0x00, 0x00, 0x02, 'k',  0x04, 'v', '1', 0x00, /* len 9 */
    0x12, 0x00, 0x0a, 0x02, 0x01, 0x06, 'x',  'y', 'z', 0x00, /* len 9 */
};

static void test_parse_header_fields(void **state) {
    (void)state;
    uint8_t b[128];
    size_t n = make_batch(b, 42, 0, 1, 2, two_records, sizeof two_records);
    batch_header h;
    assert_int_equal(batch_parse_header(b, n, &h), BATCH_OK);
    assert_int_equal(h.base_offset, 42);
    assert_int_equal(h.batch_length, 49 + (int32_t)sizeof two_records);
    assert_int_equal(h.partition_leader_epoch, -1);
    assert_int_equal(h.magic, 2);
    assert_int_equal(h.crc, crc32c_update_sw(0, b + 21, n - 21));
    assert_int_equal(h.attributes, 0);
    assert_int_equal(h.last_offset_delta, 1);
    assert_int_equal(h.base_timestamp, 1700000000000ll);
    assert_int_equal(h.max_timestamp, 1700000000005ll);
    assert_int_equal(h.producer_id, -1);
    assert_int_equal(h.producer_epoch, -1);
    assert_int_equal(h.base_sequence, -1);
    assert_int_equal(h.record_count, 2);
    assert_int_equal(batch_total_size(&h), (int64_t)n);
    assert_int_equal(batch_last_offset(&h), 43);
    assert_int_equal(batch_codec_of(&h), BATCH_CODEC_NONE);
    assert_int_equal(batch_parse_header(b, 60, &h), BATCH_ERR_SHORT);
    assert_int_equal(batch_parse_header(NULL, 0, &h), BATCH_ERR_SHORT);
}

static void test_validate_ok_and_crc(void **state) {
    (void)state;
    uint8_t b[128];
    size_t n = make_batch(b, 0, 0, 1, 2, two_records, sizeof two_records);
    batch_header h;
    assert_int_equal(batch_validate(b, n, 1 << 20, 1, &h), BATCH_OK);
    assert_int_equal(batch_validate(b, n, 0, 1, &h), BATCH_OK);
    assert_int_equal(batch_compute_crc(b, n), h.crc);
    /* Trailing bytes after the batch do not matter. */
    assert_int_equal(batch_validate(b, n + 5, 0, 1, &h), BATCH_OK);
    /* Any flipped bit inside the CRC range is detected. */
    for (size_t i = 21; i < n; i++) {
        if (i >= 23 && i < 27)
            continue; /* lastOffsetDelta may also trip the count check first */
        b[i] ^= 0x10;
        int rc = batch_validate(b, n, 0, 0, &h);
        if (i == 21 || i == 22)
            assert_true(rc == BATCH_ERR_CRC || rc == BATCH_ERR_ATTR);
        else
            assert_int_equal(rc, BATCH_ERR_CRC);
        b[i] ^= 0x10;
    }
    assert_int_equal(batch_validate(b, n, 0, 1, &h), BATCH_OK);
}

static void test_validate_errors(void **state) {
    (void)state;
    uint8_t b[128];
    batch_header h;
    size_t n = make_batch(b, 0, 0, 1, 2, two_records, sizeof two_records);
    /* Truncations at every length are SHORT, never a crash. */
    for (size_t len = 0; len < n; len++)
        assert_int_equal(batch_validate(b, len, 0, 1, &h), BATCH_ERR_SHORT);
    /* Size limit: exactly n passes, n - 1 fails. */
    assert_int_equal(batch_validate(b, n, n, 1, &h), BATCH_OK);
    assert_int_equal(batch_validate(b, n, n - 1, 1, &h), BATCH_ERR_SIZE);
    /* batchLength below the minimum, negative. */
    put32(b + 8, 48);
    assert_int_equal(batch_validate(b, n, 0, 1, &h), BATCH_ERR_SIZE);
    put32(b + 8, 0x80000000u);
    assert_int_equal(batch_validate(b, n, 0, 1, &h), BATCH_ERR_SIZE);
    /* Huge batchLength with short input. */
    put32(b + 8, 0x7fffffffu);
    assert_int_equal(batch_validate(b, n, 0, 1, &h), BATCH_ERR_SHORT);
    n = make_batch(b, 0, 0, 1, 2, two_records, sizeof two_records);
    b[16] = 1;
    assert_int_equal(batch_validate(b, n, 0, 1, &h), BATCH_ERR_MAGIC);
    /* Codec 5..7 and reserved bits are ATTR (checked before the CRC). */
    n = make_batch(b, 0, 5, 1, 2, two_records, sizeof two_records);
    assert_int_equal(batch_validate(b, n, 0, 1, &h), BATCH_ERR_ATTR);
    n = make_batch(b, 0, 0x80, 1, 2, two_records, sizeof two_records);
    assert_int_equal(batch_validate(b, n, 0, 1, &h), BATCH_ERR_ATTR);
    n = make_batch(b, 0, BATCH_ATTR_TRANSACTIONAL | BATCH_ATTR_LOG_APPEND_TIME | 4, 1, 2,
                   two_records, sizeof two_records);
    assert_int_equal(batch_validate(b, n, 0, 1, &h), BATCH_OK);
    /* Count consistency: strict needs count == delta + 1. */
    n = make_batch(b, 0, 0, 3, 2, two_records, sizeof two_records);
    assert_int_equal(batch_validate(b, n, 0, 1, &h), BATCH_ERR_COUNT);
    assert_int_equal(batch_validate(b, n, 0, 0, &h), BATCH_OK);
    n = make_batch(b, 0, 0, 0, 2, two_records, sizeof two_records);
    assert_int_equal(batch_validate(b, n, 0, 0, &h), BATCH_ERR_COUNT);
    n = make_batch(b, 0, 0, 1, -1, two_records, sizeof two_records);
    assert_int_equal(batch_validate(b, n, 0, 0, &h), BATCH_ERR_COUNT);
}

static void test_validate_random_garbage(void **state) {
    (void)state;
    /* Random headers with plausible and implausible lengths: every call
     * must stay inside the buffer (ASan checks this) and return a status. */
    uint32_t x = 7;
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(round % 160);
        uint8_t *buf = malloc(len ? len : 1);
        assert_non_null(buf);
        for (size_t i = 0; i < len; i++) {
            x = x * 1664525u + 1013904223u;
            buf[i] = (uint8_t)(x >> 24);
        }
        if (len >= 17 && (round & 1)) {
            put32(buf + 8, (uint32_t)(len - 12 + (round % 5) - 2));
            buf[16] = 2;
        }
        batch_header h;
        int rc = batch_validate(buf, len, (size_t)(round % 3) * 100, round & 1, &h);
        assert_true(rc <= BATCH_OK && rc >= BATCH_ERR_NOMEM);
        batch_iter it;
        batch_iter_init(&it, buf, len);
        const uint8_t *bp;
        size_t bs;
        int steps = 0;
        while ((rc = batch_iter_next(&it, &h, &bp, &bs)) != 0 && steps++ < 10) {
            if (rc == 1)
                assert_true(bp >= buf && bp + bs <= buf + len);
        }
        free(buf);
    }
}

static void test_rewrite_offset_and_epoch(void **state) {
    (void)state;
    uint8_t b[128];
    size_t n = make_batch(b, 0, 0, 1, 2, two_records, sizeof two_records);
    uint32_t crc = batch_compute_crc(b, n);
    batch_set_base_offset(b, 0x0102030405060708ll);
    batch_set_leader_epoch(b, 7);
    batch_header h;
    assert_int_equal(batch_validate(b, n, 0, 1, &h), BATCH_OK);
    assert_int_equal(h.base_offset, 0x0102030405060708ll);
    assert_int_equal(h.partition_leader_epoch, 7);
    assert_int_equal(batch_compute_crc(b, n), crc);
    static const uint8_t want[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_memory_equal(b, want, 8);
    static const uint8_t want_epoch[4] = {0, 0, 0, 7};
    assert_memory_equal(b + 12, want_epoch, 4);
}

static void test_iter_walk(void **state) {
    (void)state;
    uint8_t buf[512];
    size_t n1 = make_batch(buf, 10, 0, 1, 2, two_records, sizeof two_records);
    size_t n2 = make_batch(buf + n1, 12, 0, 1, 2, two_records, sizeof two_records);
    size_t n3 = make_batch(buf + n1 + n2, 14, 0, 1, 2, two_records, sizeof two_records);
    size_t total = n1 + n2 + n3;

    batch_iter it;
    batch_header h;
    const uint8_t *bp;
    size_t bs;
    batch_iter_init(&it, buf, total);
    int64_t want_off[3] = {10, 12, 14};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(batch_iter_next(&it, &h, &bp, &bs), 1);
        assert_int_equal(h.base_offset, want_off[i]);
        assert_int_equal(bs, n1);
    }
    assert_int_equal(batch_iter_next(&it, &h, &bp, &bs), 0);
    assert_int_equal(it.partial, 0);

    /* A partial last batch ends the walk and is flagged, for every cut. */
    for (size_t cut = n1 + n2 + 1; cut < total; cut++) {
        batch_iter_init(&it, buf, cut);
        assert_int_equal(batch_iter_next(&it, &h, &bp, &bs), 1);
        assert_int_equal(batch_iter_next(&it, &h, &bp, &bs), 1);
        assert_int_equal(batch_iter_next(&it, &h, &bp, &bs), 0);
        assert_int_equal(it.partial, 1);
    }
    /* Empty input. */
    batch_iter_init(&it, NULL, 0);
    assert_int_equal(batch_iter_next(&it, &h, &bp, &bs), 0);
    assert_int_equal(it.partial, 0);

    /* Legacy magic: reported, then skipped. */
    buf[n1 + 16] = 1;
    batch_iter_init(&it, buf, total);
    assert_int_equal(batch_iter_next(&it, &h, &bp, &bs), 1);
    assert_int_equal(batch_iter_next(&it, &h, &bp, &bs), BATCH_ERR_MAGIC);
    assert_ptr_equal(bp, buf + n1);
    assert_int_equal(batch_iter_next(&it, &h, &bp, &bs), 1);
    assert_int_equal(h.base_offset, 14);
    buf[n1 + 16] = 2;

    /* Bad length stops the walk. */
    put32(buf + n1 + 8, 3);
    batch_iter_init(&it, buf, total);
    assert_int_equal(batch_iter_next(&it, &h, &bp, &bs), 1);
    assert_int_equal(batch_iter_next(&it, &h, &bp, &bs), BATCH_ERR_SIZE);
    assert_int_equal(batch_iter_next(&it, &h, &bp, &bs), 0);
}

static void test_names(void **state) {
    (void)state;
    assert_string_equal(batch_codec_name(BATCH_CODEC_NONE), "none");
    assert_string_equal(batch_codec_name(BATCH_CODEC_GZIP), "gzip");
    assert_string_equal(batch_codec_name(BATCH_CODEC_SNAPPY), "snappy");
    assert_string_equal(batch_codec_name(BATCH_CODEC_LZ4), "lz4");
    assert_string_equal(batch_codec_name(BATCH_CODEC_ZSTD), "zstd");
    assert_string_equal(batch_codec_name(9), "unknown");
    for (int s = 1; s >= -12; s--)
        assert_non_null(batch_strerror(s));
    assert_string_not_equal(batch_strerror(BATCH_ERR_CRC), batch_strerror(BATCH_ERR_SHORT));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_header_fields),
        cmocka_unit_test(test_validate_ok_and_crc),
        cmocka_unit_test(test_validate_errors),
        cmocka_unit_test(test_validate_random_garbage),
        cmocka_unit_test(test_rewrite_offset_and_epoch),
        cmocka_unit_test(test_iter_walk),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
