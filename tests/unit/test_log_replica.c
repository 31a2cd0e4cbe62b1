/*
 * test_log_replica.c - the log calls of replication: log_append_replica
 * (batches appended exactly as a leader has them: offsets with gaps,
 * leader epochs, bytes unchanged; refusals of offsets below the log end,
 * overlaps and bad CRCs with nothing written; rolls at a batch's base
 * offset; reopen), log_truncate_fully_and_start_at (a follower behind its
 * leader's log start) and the high watermark lowered by truncation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "test_log_helpers.h"

/* Append to w one batch of nrec records at base offset `base`, epoch. */
static void put_batch(wire_writer *w, int nrec, int64_t base, int32_t epoch) {
    size_t start = w->len;
    tl_batch_write(w, nrec, 1000 + base, 1, 16);
    batch_set_base_offset(w->p + start, base);
    batch_set_leader_epoch(w->p + start, epoch);
}

static log *open_log(const char *dir, const log_config *cfg) {
    log *l;
    assert_int_equal(log_open(dir, "t", 0, cfg, -1, -1, NULL, &l), LOG_OK);
    return l;
}

static void expect_end(log *l, int32_t req, int32_t epoch, int64_t end) {
    int32_t e = 99;
    int64_t o = 99;
    assert_int_equal(log_epoch_end_offset(l, req, &e, &o), LOG_OK);
    assert_int_equal(e, epoch);
    assert_int_equal(o, end);
}

/* All bytes of the log from `offset`, across segments. */
static wire_writer read_all(log *l, int64_t offset) {
    wire_writer out;
    wire_writer_init(&out);
    while (offset < log_end_offset(l)) {
        log_region r;
        assert_int_equal(log_read(l, offset, 1 << 20, -1, &r), LOG_OK);
        if (r.length == 0 && r.next_offset <= offset)
            break;
        uint8_t *b = tl_region_read(&r);
        assert_non_null(b);
        wire_write_raw(&out, b, (size_t)r.length);
        free(b);
        offset = r.next_offset;
    }
    return out;
}

static void test_append_as_is(void **state) {
    (void)state;
    char *dir = tl_tmpdir();
    log_config cfg;
    log_config_init(&cfg);
    log *l = open_log(dir, &cfg);
    /* 0-2 epoch 1, a gap, 5-6 epoch 1, a gap, 10 epoch 3. */
    wire_writer w;
    wire_writer_init(&w);
    put_batch(&w, 3, 0, 1);
    put_batch(&w, 2, 5, 1);
    put_batch(&w, 1, 10, 3);
    uint8_t *copy = malloc(w.len);
    memcpy(copy, w.p, w.len);
    log_append_info info;
    assert_int_equal(log_append_replica(l, w.p, w.len, 5000, &info), LOG_OK);
    assert_memory_equal(w.p, copy, w.len); /* nothing rewritten */
    assert_int_equal(info.first_offset, 0);
    assert_int_equal(info.last_offset, 10);
    assert_int_equal(info.batch_count, 3);
    assert_int_equal(info.record_count, 6);
    assert_int_equal(log_end_offset(l), 11);
    wire_writer got = read_all(l, 0);
    assert_int_equal(got.len, w.len);
    assert_memory_equal(got.p, copy, w.len);
    wire_writer_free(&got);
    /* A read inside a gap starts at the next batch. */
    log_region r;
    assert_int_equal(log_read(l, 3, 1 << 20, -1, &r), LOG_OK);
    assert_int_equal(r.first_offset, 5);
    /* Epochs as the batches carry them. */
    assert_int_equal(log_latest_epoch(l), 3);
    expect_end(l, 1, 1, 10);
    expect_end(l, 3, 3, 11);
    /* Below the log end, overlapping, bad CRC: refused, nothing written. */
    wire_writer bad;
    wire_writer_init(&bad);
    put_batch(&bad, 2, 10, 3);
    assert_int_equal(log_append_replica(l, bad.p, bad.len, 5000, NULL), LOG_ERR_OUT_OF_RANGE);
    bad.len = 0;
    put_batch(&bad, 2, 12, 3);
    put_batch(&bad, 2, 13, 3); /* 12-13 then 13-14: overlap */
    assert_int_equal(log_append_replica(l, bad.p, bad.len, 5000, NULL), LOG_ERR_INVALID_RECORD);
    bad.len = 0;
    put_batch(&bad, 2, 12, 3);
    bad.p[bad.len - 1] ^= 0x55;
    assert_int_equal(log_append_replica(l, bad.p, bad.len, 5000, NULL), LOG_ERR_CORRUPT);
    assert_int_equal(log_append_replica(l, NULL, 0, 5000, NULL), LOG_ERR_INVALID_RECORD);
    assert_int_equal(log_end_offset(l), 11);
    /* The next batch right at the log end, a new epoch. */
    bad.len = 0;
    put_batch(&bad, 4, 11, 7);
    assert_int_equal(log_append_replica(l, bad.p, bad.len, 5000, NULL), LOG_OK);
    assert_int_equal(log_end_offset(l), 15);
    expect_end(l, 3, 3, 11);
    /* A batch compaction removed records from: 2 records, offsets 15..19
     * (lastOffsetDelta 4). */
    bad.len = 0;
    put_batch(&bad, 2, 15, 7);
    wire_put_be32(bad.p + 23, 4);
    wire_put_be32(bad.p + 17, batch_compute_crc(bad.p, bad.len));
    assert_int_equal(log_append_replica(l, bad.p, bad.len, 5000, &info), LOG_OK);
    assert_int_equal(info.record_count, 2);
    assert_int_equal(log_end_offset(l), 20);
    wire_writer_free(&bad);
    /* Reopened: same end, same epochs, same bytes. */
    assert_int_equal(log_close(l), LOG_OK);
    l = open_log(dir, &cfg);
    assert_int_equal(log_end_offset(l), 20);
    assert_int_equal(log_latest_epoch(l), 7);
    expect_end(l, 1, 1, 10);
    got = read_all(l, 0);
    assert_true(got.len > w.len);
    assert_memory_equal(got.p, copy, w.len);
    wire_writer_free(&got);
    assert_int_equal(log_close(l), LOG_OK);
    wire_writer_free(&w);
    free(copy);
    tl_rmrf(dir);
}

/* Small segments: rolls happen at a batch's own base offset, also across
 * a gap, and the log reads back whole after a reopen (recovery accepts
 * the gaps). */
static void test_rolls_with_gaps(void **state) {
    (void)state;
    char *dir = tl_tmpdir();
    log_config cfg;
    tl_small_config(&cfg);
    log *l = open_log(dir, &cfg);
    wire_writer all;
    wire_writer_init(&all);
    int64_t base = 0;
    for (int i = 0; i < 100; i++) {
        wire_writer w;
        wire_writer_init(&w);
        put_batch(&w, 3, base, i / 40);
        assert_int_equal(log_append_replica(l, w.p, w.len, 5000, NULL), LOG_OK);
        wire_write_raw(&all, w.p, w.len);
        wire_writer_free(&w);
        base += 3 + i % 4; /* gaps of 0..3 offsets */
    }
    assert_true(log_segment_count(l) >= 3);
    /* Every segment file is named by the base offset of one of the
     * batches (a roll starts at the batch, not at the previous end). */
    int64_t b = 0;
    int named = 0;
    for (int i = 0; i < 100; i++) {
        char path[512];
        tl_seg_path(path, sizeof path, log_dir(l), b, ".log");
        named += tl_file_size(path) >= 0;
        b += 3 + i % 4;
    }
    assert_int_equal(named, log_segment_count(l));
    wire_writer got = read_all(l, 0);
    assert_int_equal(got.len, all.len);
    assert_memory_equal(got.p, all.p, all.len);
    wire_writer_free(&got);
    int64_t leo = log_end_offset(l);
    assert_int_equal(log_close(l), LOG_OK);
    l = open_log(dir, &cfg);
    assert_int_equal(log_end_offset(l), leo);
    assert_int_equal(log_latest_epoch(l), 2);
    got = read_all(l, 0);
    assert_int_equal(got.len, all.len);
    assert_memory_equal(got.p, all.p, all.len);
    wire_writer_free(&got);
    assert_int_equal(log_close(l), LOG_OK);
    wire_writer_free(&all);
    tl_rmrf(dir);
}

static void append_one(log *l, int nrec, int64_t base, int32_t epoch, int expect) {
    wire_writer w;
    wire_writer_init(&w);
    put_batch(&w, nrec, base, epoch);
    assert_int_equal(log_append_replica(l, w.p, w.len, 5000, NULL), expect);
    wire_writer_free(&w);
}

static void test_truncate_fully_and_start_at(void **state) {
    (void)state;
    char *dir = tl_tmpdir();
    log_config cfg;
    tl_small_config(&cfg);
    log *l = open_log(dir, &cfg);
    for (int i = 0; i < 30; i++)
        append_one(l, 2, 2 * i, 1, LOG_OK);
    assert_int_equal(log_end_offset(l), 60);
    /* A truncation lowers a set high watermark for good. */
    log_set_high_watermark(l, 40);
    assert_int_equal(log_truncate_to(l, 30), LOG_OK);
    assert_int_equal(log_high_watermark(l), 30);
    append_one(l, 2, 30, 2, LOG_OK);
    assert_int_equal(log_end_offset(l), 32);
    assert_int_equal(log_high_watermark(l), 30);
    /* Behind a leader whose log starts at 100: start over there. */
    assert_int_equal(log_truncate_fully_and_start_at(l, -1), LOG_ERR_ARG);
    assert_int_equal(log_truncate_fully_and_start_at(l, 100), LOG_OK);
    assert_int_equal(log_start_offset(l), 100);
    assert_int_equal(log_end_offset(l), 100);
    assert_int_equal(log_segment_count(l), 1);
    assert_int_equal(log_latest_epoch(l), -1);
    assert_int_equal(log_high_watermark(l), 100);
    log_region r;
    assert_int_equal(log_read(l, 50, 1 << 20, -1, &r), LOG_ERR_OUT_OF_RANGE);
    append_one(l, 2, 99, 4, LOG_ERR_OUT_OF_RANGE);
    append_one(l, 2, 100, 4, LOG_OK);
    expect_end(l, 4, 4, 102);
    assert_int_equal(log_close(l), LOG_OK);
    l = open_log(dir, &cfg);
    assert_int_equal(log_start_offset(l), 100);
    assert_int_equal(log_end_offset(l), 102);
    assert_int_equal(log_latest_epoch(l), 4);
    /* Also below the current start. */
    assert_int_equal(log_truncate_fully_and_start_at(l, 50), LOG_OK);
    assert_int_equal(log_start_offset(l), 50);
    assert_int_equal(log_end_offset(l), 50);
    append_one(l, 1, 50, 5, LOG_OK);
    assert_int_equal(log_end_offset(l), 51);
    assert_int_equal(log_close(l), LOG_OK);
    tl_rmrf(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_as_is),
        cmocka_unit_test(test_rolls_with_gaps),
        cmocka_unit_test(test_truncate_fully_and_start_at),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
