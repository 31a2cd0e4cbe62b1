/*
 * test_log_logdir.c - the checkpoint file format and the log manager:
 * round trips, malformed files, startup discovery of `<topic>-<partition>`
 * directories (topics with '-' and '.'), checkpoints written on close and
 * used on the next open, create/remove.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "log/checkpoint.h"
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

static void test_checkpoint_round_trip(void **state) {
    (void)state;
    char *dir = tl_tmpdir();
    char path[512];
    snprintf(path, sizeof(path), "%s/recovery-point-offset-checkpoint", dir);
    checkpoint_entry *got;
    size_t n = 99;
    assert_int_equal(checkpoint_read(path, &got, &n), LOG_OK); /* missing: empty */
    assert_int_equal(n, 0);
    assert_null(got);
    checkpoint_entry in[3] = {
        {"orders", 0, 1234}, {"my-topic.v2", 11, 0}, {"a-b-c", 7, 987654321012}};
    assert_int_equal(checkpoint_write(path, in, 3), LOG_OK);
    char *text = read_text(path);
    assert_string_equal(text, "0\n3\norders 0 1234\nmy-topic.v2 11 0\na-b-c 7 987654321012\n");
    free(text);
    assert_int_equal(checkpoint_read(path, &got, &n), LOG_OK);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(got[i].topic, in[i].topic);
        assert_int_equal(got[i].partition, in[i].partition);
        assert_int_equal(got[i].offset, in[i].offset);
    }
    assert_int_equal(checkpoint_lookup(got, n, "a-b-c", 7), 987654321012);
    assert_int_equal(checkpoint_lookup(got, n, "a-b-c", 8), -1);
    checkpoint_entries_free(got, n);
    snprintf(path + strlen(path), 8, ".tmp");
    assert_int_equal(tl_file_size(path), -1); /* the temp file was renamed away */
    path[strlen(path) - 4] = '\0';
    /* Overwrite with an empty list. */
    assert_int_equal(checkpoint_write(path, NULL, 0), LOG_OK);
    assert_int_equal(checkpoint_read(path, &got, &n), LOG_OK);
    assert_int_equal(n, 0);
    checkpoint_entry bad = {"has space", 0, 1};
    assert_int_equal(checkpoint_write(path, &bad, 1), LOG_ERR_ARG);

    static const char *const malformed[] = {
        "",
        "1\n0\n",
        "0\n2\nt 0 1\n",
        "0\n1\nt 0 1\nu 1 2\n",
        "0\n1\nt x 1\n",
        "0\n1\nt 0\n",
        "0\n1\nt 0 1x\n",
        "0\n-1\n",
    };
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        write_text(path, malformed[i]);
        assert_int_equal(checkpoint_read(path, &got, &n), LOG_ERR_CORRUPT);
    }
    tl_rmrf(dir);
}

typedef struct open_seen {
    int ok;
    int failed;
    int validated;
} open_seen;

static void on_open(void *arg, const char *name, int status, log *lg,
                    const log_recovery_report *rep) {
    open_seen *s = arg;
    (void)name;
    if (status == LOG_OK) {
        assert_non_null(lg);
        s->ok++;
        s->validated += rep->segments_validated;
    } else {
        assert_null(lg);
        s->failed++;
    }
}

static int64_t append_n(log *l, int batches) {
    for (int i = 0; i < batches; i++) {
        size_t len;
        uint8_t *b = tl_batch(2, 1000 + i, 1, 50, &len);
        assert_int_equal(log_append(l, b, len, 0, 0, NULL), LOG_OK);
        free(b);
    }
    return log_end_offset(l);
}

static void test_logdir_lifecycle(void **state) {
    (void)state;
    char *dir = tl_tmpdir();
    log_config cfg;
    tl_small_config(&cfg);
    logdir_options opts = {.default_config = &cfg};
    logdir *d;
    assert_int_equal(logdir_open(dir, &opts, &d), LOG_OK);
    assert_int_equal(logdir_count(d), 0);
    log *a, *b, *c;
    assert_int_equal(logdir_create(d, "my-topic.v1", 0, NULL, &a), LOG_OK);
    assert_int_equal(logdir_create(d, "my-topic.v1", 3, NULL, &b), LOG_OK);
    assert_int_equal(logdir_create(d, "x", 1, NULL, &c), LOG_OK);
    assert_int_equal(logdir_create(d, "x", 1, NULL, NULL), LOG_ERR_EXISTS);
    assert_int_equal(logdir_create(d, "bad/name", 0, NULL, NULL), LOG_ERR_ARG);
    assert_int_equal(logdir_create(d, "..", 0, NULL, NULL), LOG_ERR_ARG);
    assert_int_equal(logdir_create(d, "", 0, NULL, NULL), LOG_ERR_ARG);
    assert_ptr_equal(logdir_get(d, "my-topic.v1", 3), b);
    assert_null(logdir_get(d, "my-topic.v1", 1));
    int64_t ea = append_n(a, 30), eb = append_n(b, 3), ec = append_n(c, 1);
    assert_int_equal(log_advance_start_offset(b, 2), LOG_OK);
    assert_int_equal(logdir_close(d), LOG_OK);

    char path[512];
    snprintf(path, sizeof(path), "%s/recovery-point-offset-checkpoint", dir);
    checkpoint_entry *e;
    size_t n;
    assert_int_equal(checkpoint_read(path, &e, &n), LOG_OK);
    assert_int_equal(n, 3);
    assert_int_equal(checkpoint_lookup(e, n, "my-topic.v1", 0), ea);
    assert_int_equal(checkpoint_lookup(e, n, "my-topic.v1", 3), eb);
    assert_int_equal(checkpoint_lookup(e, n, "x", 1), ec);
    checkpoint_entries_free(e, n);
    snprintf(path, sizeof(path), "%s/log-start-offset-checkpoint", dir);
    assert_int_equal(checkpoint_read(path, &e, &n), LOG_OK);
    assert_int_equal(checkpoint_lookup(e, n, "my-topic.v1", 3), 2);
    assert_int_equal(checkpoint_lookup(e, n, "my-topic.v1", 0), 0);
    checkpoint_entries_free(e, n);

    /* Directories that are not partition logs are reported and skipped. */
    snprintf(path, sizeof(path), "%s/junk", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/t-01", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/t-0.abc-delete", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    open_seen seen = {0};
    opts.on_open = on_open;
    opts.arg = &seen;
    assert_int_equal(logdir_open(dir, &opts, &d), LOG_OK);
    assert_int_equal(seen.ok, 3);
    assert_int_equal(seen.failed, 3);
    assert_int_equal(seen.validated, 0); /* clean shutdown: recovery points = log ends */
    assert_int_equal(logdir_count(d), 3);
    a = logdir_get(d, "my-topic.v1", 0);
    b = logdir_get(d, "my-topic.v1", 3);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(log_end_offset(a), ea);
    assert_int_equal(log_end_offset(b), eb);
    assert_int_equal(log_start_offset(b), 2);
    assert_int_equal(log_end_offset(logdir_get(d, "x", 1)), ec);
    snprintf(path, sizeof(path), "%s/x-1", dir);
    assert_int_equal(logdir_remove(d, "x", 1), LOG_OK);
    assert_int_equal(tl_file_size(path), -1);
    assert_int_equal(logdir_remove(d, "x", 1), LOG_ERR_NOT_FOUND);
    assert_int_equal(logdir_count(d), 2);
    assert_int_equal(logdir_tick(d, 1 << 30), LOG_OK);
    assert_int_equal(logdir_checkpoint(d), LOG_OK);
    snprintf(path, sizeof(path), "%s/recovery-point-offset-checkpoint", dir);
    assert_int_equal(checkpoint_read(path, &e, &n), LOG_OK);
    assert_int_equal(n, 2);
    assert_int_equal(checkpoint_lookup(e, n, "x", 1), -1);
    checkpoint_entries_free(e, n);
    assert_int_equal(logdir_close(d), LOG_OK);

    /* Without checkpoints (crash before the first one): validate everything. */
    snprintf(path, sizeof(path), "%s/recovery-point-offset-checkpoint", dir);
    assert_int_equal(unlink(path), 0);
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(logdir_open(dir, &opts, &d), LOG_OK);
    assert_int_equal(seen.ok, 2);
    assert_true(seen.validated >= 2);
    assert_int_equal(log_end_offset(logdir_get(d, "my-topic.v1", 0)), ea);
    assert_int_equal(logdir_close(d), LOG_OK);
    tl_rmrf(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checkpoint_round_trip),
        cmocka_unit_test(test_logdir_lifecycle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
