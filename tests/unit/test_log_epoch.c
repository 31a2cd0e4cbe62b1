/*
 * test_log_epoch.c - the leader-epoch cache (log/epoch_cache.h through the
 * log.h queries) and the high watermark: epochs added by appends (stamped
 * and kept), lower epochs ignored, truncation, log start moves, the
 * leader-epoch-checkpoint file round trip and its rebuild from batch
 * headers when missing or damaged, Kafka's endOffsetFor edge cases, and the
 * high watermark through logdir close and reopen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "log/epoch_cache.h"
#include "log/logdir.h"
#include "test_log_helpers.h"

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *buf = calloc(1, 4096);
    size_t n = fread(buf, 1, 4095, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void epoch_file(char *out, size_t cap, const log *l) {
    int n = snprintf(out, cap, "%s/%s", log_dir(l), EPOCH_CACHE_FILE);
    assert_true(n > 0 && (size_t)n < cap);
}

/* Append one batch of nrec records; stamp >= 0 is passed to log_append,
 * own is written into the batch's partitionLeaderEpoch first. */
static void append(log *l, int nrec, int32_t own, int32_t stamp) {
    size_t len;
    uint8_t *b = tl_batch(nrec, 1000, 1, 8, &len);
    batch_set_leader_epoch(b, own);
    assert_int_equal(log_append(l, b, len, stamp, 1000, NULL), LOG_OK);
    free(b);
}

static void expect_end(log *l, int32_t req, int32_t epoch, int64_t end) {
    int32_t e = 99;
    int64_t o = 99;
    assert_int_equal(log_epoch_end_offset(l, req, &e, &o), LOG_OK);
    assert_int_equal(e, epoch);
    assert_int_equal(o, end);
}

static log *open_log(const char *dir, const log_config *cfg) {
    log *l;
    assert_int_equal(log_open(dir, "t", 0, cfg, -1, -1, NULL, &l), LOG_OK);
    return l;
}

/* Offsets 0-2 epoch 0 (stamped), 3-4 epoch 3 (stamped), 5 epoch 2
 * (stamped, ignored), 6-8 epoch 5 (the batch's own, leader_epoch -1), 9-10
 * epoch 4 (own, ignored), 11 epoch -1 (own). LEO 12. */
static void fill(log *l) {
    append(l, 3, -1, 0);
    append(l, 2, -1, 3);
    append(l, 1, -1, 2);
    append(l, 3, 5, -1);
    append(l, 2, 4, -1);
    append(l, 1, -1, -1);
}

static void test_cache_from_appends(void **state) {
    (void)state;
    char *dir = tl_tmpdir();
    log_config cfg;
    tl_small_config(&cfg);
    log *l = open_log(dir, &cfg);
    assert_int_equal(log_latest_epoch(l), -1);
    expect_end(l, 0, -1, -1); /* empty cache */
    fill(l);
    assert_int_equal(log_end_offset(l), 12);
    assert_int_equal(log_latest_epoch(l), 5);
    char path[512];
    epoch_file(path, sizeof path, l);
    char *text = read_text(path); /* written when the epochs changed */
    assert_string_equal(text, "0\n3\n0 0\n3 3\n5 6\n");
    free(text);
    expect_end(l, 0, 0, 3);
    expect_end(l, 1, 0, 3); /* no epoch 1: the largest below it */
    expect_end(l, 2, 0, 3);
    expect_end(l, 3, 3, 6);
    expect_end(l, 4, 3, 6);
    expect_end(l, 5, 5, 12);  /* the latest: the log end */
    expect_end(l, 6, -1, -1); /* above every epoch */
    expect_end(l, -1, -1, -1);
    /* Appends in the latest epoch do not rewrite the file. */
    assert_int_equal(unlink(path), 0);
    append(l, 1, -1, 5);
    assert_int_equal(tl_file_size(path), -1);
    expect_end(l, 5, 5, 13);
    append(l, 1, -1, 7);
    text = read_text(path);
    assert_string_equal(text, "0\n4\n0 0\n3 3\n5 6\n7 13\n");
    free(text);
    assert_int_equal(log_close(l), LOG_OK);
    tl_rmrf(dir);
}

static void test_truncation_and_start(void **state) {
    (void)state;
    char *dir = tl_tmpdir();
    log_config cfg;
    tl_small_config(&cfg);
    log *l = open_log(dir, &cfg);
    fill(l);
    char path[512];
    epoch_file(path, sizeof path, l);
    /* Cut after epoch 5's first batch: the entry stays. */
    assert_int_equal(log_truncate_to(l, 9), LOG_OK);
    assert_int_equal(log_latest_epoch(l), 5);
    expect_end(l, 5, 5, 9);
    /* Cut at epoch 5's first offset: it goes, epoch 3 is the latest. */
    assert_int_equal(log_truncate_to(l, 6), LOG_OK);
    assert_int_equal(log_latest_epoch(l), 3);
    expect_end(l, 3, 3, 6);
    expect_end(l, 5, -1, -1);
    char *text = read_text(path);
    assert_string_equal(text, "0\n2\n0 0\n3 3\n");
    free(text);
    /* New epoch after a truncation. */
    append(l, 2, -1, 6);
    expect_end(l, 4, 3, 6);
    /* Log start moves into epoch 3: epoch 0 goes, epoch 3 starts there. */
    assert_int_equal(log_advance_start_offset(l, 4), LOG_OK);
    text = read_text(path);
    assert_string_equal(text, "0\n2\n3 4\n6 6\n");
    free(text);
    expect_end(l, 3, 3, 6);
    /* Below every cached epoch: Kafka answers the requested epoch with the
     * first entry's start offset (older data is gone). */
    expect_end(l, 0, 0, 4);
    expect_end(l, 2, 2, 4);
    /* Truncating below the log start removes everything. */
    assert_int_equal(log_truncate_to(l, 2), LOG_OK);
    assert_int_equal(log_latest_epoch(l), -1);
    assert_int_equal(log_end_offset(l), 2);
    expect_end(l, 3, -1, -1);
    text = read_text(path);
    assert_string_equal(text, "0\n0\n");
    free(text);
    assert_int_equal(log_close(l), LOG_OK);
    tl_rmrf(dir);
}

static void test_retention_clamps(void **state) {
    (void)state;
    char *dir = tl_tmpdir();
    log_config cfg;
    tl_small_config(&cfg);
    cfg.segment_bytes = 100; /* one batch per segment */
    cfg.retention_ms = 1000;
    log *l = open_log(dir, &cfg);
    append(l, 2, -1, 1);
    append(l, 2, -1, 1);
    append(l, 2, -1, 2);
    append(l, 2, -1, 2);
    assert_true(log_segment_count(l) >= 3);
    int deleted = 0;
    /* Batches carry timestamps of ~1000 ms: all but the active segment expire. */
    assert_int_equal(log_apply_retention(l, 1000000, &deleted), LOG_OK);
    assert_true(deleted > 0);
    int64_t start = log_start_offset(l);
    assert_true(start > 2);
    char path[512], want[64];
    epoch_file(path, sizeof path, l);
    char *text = read_text(path);
    snprintf(want, sizeof want, "0\n1\n2 %d\n", (int)start);
    assert_string_equal(text, want);
    free(text);
    expect_end(l, 1, 1, start);
    assert_int_equal(log_close(l), LOG_OK);
    tl_rmrf(dir);
}

static void test_file_round_trip_and_rebuild(void **state) {
    (void)state;
    char *dir = tl_tmpdir();
    log_config cfg;
    tl_small_config(&cfg);
    log *l = open_log(dir, &cfg);
    fill(l);
    char path[512];
    epoch_file(path, sizeof path, l);
    assert_int_equal(log_close(l), LOG_OK);
    static const char *damaged[] = {
        NULL,                       /* file missing */
        "garbage\n",                /* not a version line */
        "0\n3\n0 0\n3 3\n",         /* fewer entries than the count */
        "0\n2\n3 3\n0 0\n",         /* epochs not increasing */
        "0\n2\n0 5\n3 3\n",         /* offsets decreasing */
        "0\n1\n0 0\n9 9\n",         /* more entries than the count */
        "1\n1\n0 0\n",              /* unknown version */
        "0\n1\n-4 0\n",             /* negative epoch */
        "0\n3\n0 0\n3 3\n5 6\nx\n", /* trailing junk */
    };
    for (size_t i = 0; i < sizeof damaged / sizeof damaged[0]; i++) {
        if (damaged[i])
            write_text(path, damaged[i]);
        else
            assert_int_equal(unlink(path), 0);
        l = open_log(dir, &cfg);
        assert_int_equal(log_latest_epoch(l), 5);
        expect_end(l, 0, 0, 3);
        expect_end(l, 4, 3, 6);
        expect_end(l, 5, 5, 12);
        char *text = read_text(path); /* rewritten at open */
        assert_string_equal(text, "0\n3\n0 0\n3 3\n5 6\n");
        free(text);
        assert_int_equal(log_close(l), LOG_OK);
    }
    /* A valid file is trusted, but entries past the log end are dropped
     * (the data after them was lost in a crash). */
    write_text(path, "0\n4\n0 0\n1 2\n7 11\n8 30\n");
    l = open_log(dir, &cfg);
    assert_int_equal(log_latest_epoch(l), 7);
    expect_end(l, 0, 0, 2);
    expect_end(l, 1, 1, 11);
    expect_end(l, 7, 7, 12);
    char *text = read_text(path);
    assert_string_equal(text, "0\n3\n0 0\n1 2\n7 11\n");
    free(text);
    assert_int_equal(log_close(l), LOG_OK);
    tl_rmrf(dir);
}

static void test_cache_rules(void **state) {
    (void)state;
    epoch_cache c = {0};
    assert_int_equal(epoch_cache_assign(&c, -1, 0), 0);
    assert_int_equal(epoch_cache_assign(&c, 2, 10), 1);
    assert_int_equal(epoch_cache_assign(&c, 2, 12), 0); /* same epoch */
    assert_int_equal(epoch_cache_assign(&c, 1, 12), 0); /* lower epoch */
    assert_int_equal(epoch_cache_assign(&c, 4, 9), 0);  /* offset below the latest start */
    assert_int_equal(epoch_cache_assign(&c, 4, 10), 1); /* an empty epoch 2 */
    int32_t e;
    int64_t o;
    epoch_cache_end_offset(&c, 2, 50, &e, &o);
    assert_int_equal(e, 2);
    assert_int_equal(o, 10);
    epoch_cache_end_offset(&c, 1, 50, &e, &o);
    assert_int_equal(e, 1);
    assert_int_equal(o, 10);
    assert_int_equal(epoch_cache_truncate_from_start(&c, 5), 0); /* below every entry */
    assert_int_equal(epoch_cache_truncate_from_start(&c, 10), 1);
    assert_int_equal(c.n, 1); /* (2, 10) lay wholly below (4, 10) */
    assert_int_equal(c.v[0].epoch, 4);
    assert_int_equal(epoch_cache_truncate_from_end(&c, 11), 0);
    assert_int_equal(epoch_cache_truncate_from_end(&c, 10), 1);
    assert_int_equal(epoch_cache_latest(&c), -1);
    epoch_cache_free(&c);
}

static void test_high_watermark(void **state) {
    (void)state;
    char *dir = tl_tmpdir();
    log_config cfg;
    tl_small_config(&cfg);
    logdir *d;
    assert_int_equal(logdir_open(dir, NULL, &d), LOG_OK);
    log *a, *b;
    assert_int_equal(logdir_create(d, "a", 0, NULL, &a), LOG_OK);
    assert_int_equal(logdir_create(d, "b", 1, NULL, &b), LOG_OK);
    append(a, 2, -1, 0);
    append(a, 3, -1, 0);
    append(b, 4, -1, 0);
    /* Never set: the log end, and not checkpointed. */
    assert_false(log_high_watermark_is_set(a));
    assert_int_equal(log_high_watermark(a), 5);
    log_set_high_watermark(a, 99); /* clamped to the log end */
    assert_true(log_high_watermark_is_set(a));
    assert_int_equal(log_high_watermark(a), 5);
    log_set_high_watermark(a, 4);
    assert_int_equal(log_high_watermark(a), 4);
    assert_int_equal(log_high_watermark(b), 4);
    assert_int_equal(logdir_close(d), LOG_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/replication-offset-checkpoint", dir);
    char *text = read_text(path);
    assert_string_equal(text, "0\n1\na 0 4\n");
    free(text);
    assert_int_equal(logdir_open(dir, NULL, &d), LOG_OK);
    a = logdir_get(d, "a", 0);
    b = logdir_get(d, "b", 1);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(log_high_watermark_is_set(a));
    assert_int_equal(log_high_watermark(a), 4);
    assert_false(log_high_watermark_is_set(b));
    assert_int_equal(log_high_watermark(b), 4);
    /* Truncation below it clamps it. */
    assert_int_equal(log_truncate_to(a, 2), LOG_OK);
    assert_int_equal(log_high_watermark(a), 2);
    assert_int_equal(logdir_close(d), LOG_OK);
    /* A value above the log end in the file is clamped at open. */
    write_text(path, "0\n2\na 0 1000\nb 1 1\n");
    assert_int_equal(logdir_open(dir, NULL, &d), LOG_OK);
    assert_int_equal(log_high_watermark(logdir_get(d, "a", 0)), 2);
    assert_int_equal(log_high_watermark(logdir_get(d, "b", 1)), 1);
    assert_int_equal(logdir_close(d), LOG_OK);
    tl_rmrf(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache_rules),
        cmocka_unit_test(test_cache_from_appends),
        cmocka_unit_test(test_truncation_and_start),
        cmocka_unit_test(test_retention_clamps),
        cmocka_unit_test(test_file_round_trip_and_rebuild),
        cmocka_unit_test(test_high_watermark),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
