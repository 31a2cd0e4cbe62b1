/*
 * test_log_recovery.c - what happens to a partition log between two opens:
 * a torn tail (the .log cut inside a batch), a corrupt tail (a flipped
 * record byte, so the CRC fails), damage in an earlier segment, missing and
 * garbage indexes, plus retention by time and size, DeleteRecords-style
 * start offset moves, truncation and the flush policy.
 */
#include <fcntl.h>
#include <sys/wait.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "test_log_helpers.h"

typedef struct fixture {
    char *dir;
    char pdir[512];
    log *l;
    log_config cfg;
    int64_t bases[512]; /* first offset of each appended batch */
    int64_t sizes[512];
    int n;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    f->dir = tl_tmpdir();
    assert_non_null(f->dir);
    snprintf(f->pdir, sizeof(f->pdir), "%s/events-2", f->dir);
    tl_small_config(&f->cfg);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    if (f->l)
        log_close(f->l);
    tl_rmrf(f->dir);
    free(f);
    return 0;
}

static void open_log(fixture *f, int64_t rp, int64_t start, log_recovery_report *rep) {
    assert_int_equal(log_open(f->dir, "events", 2, &f->cfg, rp, start, rep, &f->l), LOG_OK);
}

static void close_log(fixture *f) {
    assert_int_equal(log_close(f->l), LOG_OK);
    f->l = NULL;
}

static void append(fixture *f, int nrec, int64_t ts, size_t value_len) {
    size_t len;
    uint8_t *b = tl_batch(nrec, ts, 1, value_len, &len);
    log_append_info info;
    assert_int_equal(log_append(f->l, b, len, 0, ts, &info), LOG_OK);
    f->bases[f->n] = info.first_offset;
    f->sizes[f->n++] = (int64_t)len;
    free(b);
}

static void fill(fixture *f, int batches) {
    for (int i = 0; i < batches; i++)
        append(f, 1 + i % 3, 1000 + 10 * i, 100);
}

/* Base offset of the last segment, from the directory listing. */
static int64_t last_segment_base(fixture *f) {
    int64_t best = -1;
    for (int i = 0; i < f->n; i++) {
        char p[600];
        tl_seg_path(p, sizeof(p), f->pdir, f->bases[i], ".log");
        if (tl_file_size(p) >= 0)
            best = f->bases[i];
    }
    return best;
}

static void truncate_file(const char *path, int64_t size) {
    assert_int_equal(truncate(path, size), 0);
}

static void flip_byte(const char *path, int64_t pos) {
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint8_t c;
    assert_int_equal(pread(fd, &c, 1, pos), 1);
    c ^= 0x5a;
    assert_int_equal(pwrite(fd, &c, 1, pos), 1);
    close(fd);
}

static uint8_t *slurp(const char *path, int64_t *size) {
    *size = tl_file_size(path);
    assert_true(*size >= 0);
    uint8_t *b = malloc((size_t)*size + 1);
    int fd = open(path, O_RDONLY);
    assert_int_equal(pread(fd, b, (size_t)*size, 0), *size);
    close(fd);
    return b;
}

/* All offsets in [start, end) are readable and land in their batch. */
static void check_readable(fixture *f) {
    for (int64_t off = log_start_offset(f->l); off < log_end_offset(f->l); off++) {
        log_region r;
        assert_int_equal(log_read(f->l, off, 1, -1, &r), LOG_OK);
        uint8_t *b = tl_region_read(&r);
        batch_header h;
        assert_int_equal(batch_validate(b, (size_t)r.length, 0, 1, &h), BATCH_OK);
        assert_true(h.base_offset <= off && batch_last_offset(&h) >= off);
        free(b);
    }
}

static void test_truncated_tail(void **state) {
    fixture *f = *state;
    log_recovery_report rep;
    open_log(f, -1, -1, &rep);
    assert_int_equal(rep.created, 1);
    fill(f, 30);
    int64_t last_base = f->bases[f->n - 1];
    int64_t seg = last_segment_base(f);
    close_log(f);
    char p[600];
    tl_seg_path(p, sizeof(p), f->pdir, seg, ".log");
    int64_t size = tl_file_size(p);
    truncate_file(p, size - f->sizes[f->n - 1] / 2); /* cut inside the last batch */
    /* Even a checkpoint claiming the old end does not hide the torn tail. */
    open_log(f, last_base + 3, -1, &rep);
    assert_int_equal(log_end_offset(f->l), last_base);
    assert_int_equal(rep.truncated_at, last_base);
    assert_int_equal(rep.bytes_truncated, f->sizes[f->n - 1] - f->sizes[f->n - 1] / 2);
    assert_true(rep.segments_validated >= 1);
    assert_true(rep.detail[0] != '\0');
    assert_int_equal(tl_file_size(p), size - f->sizes[f->n - 1]);
    assert_true(log_recovery_point(f->l) <= last_base);
    check_readable(f);
    f->n--;
    append(f, 1, 5000, 10);
    assert_int_equal(f->bases[f->n - 1], last_base);
}

static void test_corrupt_tail(void **state) {
    fixture *f = *state;
    open_log(f, -1, -1, NULL);
    fill(f, 10);
    int64_t last_base = f->bases[f->n - 1];
    int64_t seg = last_segment_base(f);
    close_log(f);
    char p[600];
    tl_seg_path(p, sizeof(p), f->pdir, seg, ".log");
    flip_byte(p, tl_file_size(p) - 20); /* inside the last batch's records */
    log_recovery_report rep;
    open_log(f, -1, -1, &rep);
    assert_int_equal(log_end_offset(f->l), last_base);
    assert_int_equal(rep.truncated_at, last_base);
    assert_int_equal(rep.bytes_truncated, f->sizes[f->n - 1]);
    assert_non_null(strstr(rep.detail, "CRC"));
    check_readable(f);
}

static void test_corrupt_middle_segment(void **state) {
    fixture *f = *state;
    open_log(f, -1, -1, NULL);
    fill(f, 100);
    assert_true(log_segment_count(f->l) >= 4);
    int segs = log_segment_count(f->l);
    close_log(f);
    /* Damage the first batch of the second segment. */
    int64_t second = -1;
    for (int i = 1; i < f->n; i++) {
        char p[600];
        tl_seg_path(p, sizeof(p), f->pdir, f->bases[i], ".log");
        if (tl_file_size(p) >= 0) {
            second = f->bases[i];
            break;
        }
    }
    assert_true(second > 0);
    char p[600];
    tl_seg_path(p, sizeof(p), f->pdir, second, ".log");
    flip_byte(p, 70);
    log_recovery_report rep;
    open_log(f, -1, -1, &rep);
    assert_int_equal(log_end_offset(f->l), second);
    assert_int_equal(log_segment_count(f->l), 2);
    assert_int_equal(rep.segments_removed, segs - 2);
    assert_int_equal(tl_file_size(p), 0);
    tl_seg_path(p, sizeof(p), f->pdir, f->bases[f->n - 1], ".log");
    assert_int_equal(tl_file_size(p), -1);
    check_readable(f);
    size_t len;
    uint8_t *b = tl_batch(2, 1, 1, 10, &len);
    log_append_info info;
    assert_int_equal(log_append(f->l, b, len, 0, 0, &info), LOG_OK);
    assert_int_equal(info.first_offset, second);
    free(b);
}

/* Reopen trusting the checkpoint after damaging `suffix` of the first
 * segment with `damage`; the rebuilt index must equal the original. */
static void check_index_rebuilt(fixture *f, const char *suffix, void (*damage)(const char *)) {
    open_log(f, -1, -1, NULL);
    fill(f, 80);
    assert_true(log_segment_count(f->l) >= 3);
    assert_int_equal(log_flush(f->l), LOG_OK);
    int64_t rp = log_recovery_point(f->l), leo = log_end_offset(f->l);
    assert_int_equal(rp, leo);
    close_log(f);
    char p[600];
    tl_seg_path(p, sizeof(p), f->pdir, 0, suffix);
    int64_t orig_size;
    uint8_t *orig = slurp(p, &orig_size);
    assert_true(orig_size > 0);
    damage(p);
    log_recovery_report rep;
    open_log(f, rp, -1, &rep);
    assert_int_equal(rep.indexes_rebuilt, 1);
    assert_int_equal(rep.segments_validated, 1);
    assert_int_equal(rep.bytes_truncated, 0);
    assert_int_equal(log_end_offset(f->l), leo);
    int64_t now_size;
    uint8_t *now = slurp(p, &now_size);
    assert_int_equal(now_size, orig_size);
    assert_memory_equal(now, orig, (size_t)orig_size);
    free(now);
    free(orig);
    check_readable(f);
}

static void damage_remove(const char *p) {
    assert_int_equal(unlink(p), 0);
}

static void damage_ragged(const char *p) {
    FILE *fp = fopen(p, "wb");
    fwrite("garbage-13byt", 1, 13, fp);
    fclose(fp);
}

static void damage_past_end(const char *p) {
    /* Whole entries, increasing, but pointing far past the .log. */
    int64_t size = tl_file_size(p);
    int fd = open(p, O_RDWR);
    uint8_t e[8];
    wire_put_be32(e, 100000);
    wire_put_be32(e + 4, 1 << 30);
    assert_int_equal(pwrite(fd, e, 8, size - 8), 8);
    close(fd);
}

static void damage_time_order(const char *p) {
    int fd = open(p, O_RDWR);
    uint8_t e[8];
    wire_put_be64(e, (uint64_t)INT64_MAX);
    assert_int_equal(pwrite(fd, e, 8, 0), 8); /* first timestamp larger than the rest */
    close(fd);
}

static void test_missing_index(void **state) {
    check_index_rebuilt(*state, ".index", damage_remove);
}
static void test_garbage_index(void **state) {
    check_index_rebuilt(*state, ".index", damage_ragged);
}
static void test_index_past_end(void **state) {
    check_index_rebuilt(*state, ".index", damage_past_end);
}
static void test_missing_timeindex(void **state) {
    check_index_rebuilt(*state, ".timeindex", damage_remove);
}
static void test_bad_timeindex(void **state) {
    check_index_rebuilt(*state, ".timeindex", damage_time_order);
}

static void test_retention_time(void **state) {
    fixture *f = *state;
    open_log(f, -1, -1, NULL);
    fill(f, 60); /* timestamps 1000 .. 1590 */
    int segs = log_segment_count(f->l);
    assert_true(segs >= 4);
    int deleted = -1;
    /* Nothing is old enough yet. */
    f->cfg.retention_ms = 10000;
    assert_int_equal(log_set_config(f->l, &f->cfg), LOG_OK);
    assert_int_equal(log_apply_retention(f->l, 1590 + 5000, &deleted), LOG_OK);
    assert_int_equal(deleted, 0);
    assert_int_equal(log_start_offset(f->l), 0);
    /* Everything expired: all but the active segment go. */
    assert_int_equal(log_apply_retention(f->l, 1590 + 10001, &deleted), LOG_OK);
    assert_int_equal(deleted, segs - 1);
    assert_int_equal(log_segment_count(f->l), 1);
    int64_t start = log_start_offset(f->l);
    assert_true(start > 0);
    /* The start is a batch boundary (a whole segment went). */
    int found = 0;
    for (int i = 0; i < f->n; i++)
        found |= f->bases[i] == start;
    assert_true(found);
    log_region r;
    assert_int_equal(log_read(f->l, start - 1, 100, -1, &r), LOG_ERR_OUT_OF_RANGE);
    assert_int_equal(log_read(f->l, start, 100, -1, &r), LOG_OK);
    assert_int_equal(r.first_offset, start);
    char p[600];
    tl_seg_path(p, sizeof(p), f->pdir, 0, ".log");
    assert_int_equal(tl_file_size(p), -1);
    tl_seg_path(p, sizeof(p), f->pdir, 0, ".index");
    assert_int_equal(tl_file_size(p), -1);
    /* The start offset survives a reopen through the checkpoint value. */
    close_log(f);
    open_log(f, -1, start, NULL);
    assert_int_equal(log_start_offset(f->l), start);
}

static void test_retention_partial_time(void **state) {
    fixture *f = *state;
    open_log(f, -1, -1, NULL);
    fill(f, 60);
    f->cfg.retention_ms = 300;
    assert_int_equal(log_set_config(f->l, &f->cfg), LOG_OK);
    int deleted = 0;
    /* now - 300: segments whose newest record is older than 1290 go. */
    assert_int_equal(log_apply_retention(f->l, 1590, &deleted), LOG_OK);
    assert_true(deleted > 0);
    int64_t start = log_start_offset(f->l);
    int64_t ts, off;
    assert_int_equal(log_offset_for_time(f->l, 0, &off, &ts), LOG_OK);
    assert_int_equal(off, start);
    assert_true(ts >= 1290 - 400); /* the first surviving segment is not expired */
    assert_true(log_segment_count(f->l) >= 2);
    check_readable(f);
}

static void test_retention_size(void **state) {
    fixture *f = *state;
    open_log(f, -1, -1, NULL);
    fill(f, 100);
    int64_t total = log_size_bytes(f->l);
    f->cfg.retention_bytes = 5000;
    f->cfg.retention_ms = -1;
    assert_int_equal(log_set_config(f->l, &f->cfg), LOG_OK);
    int deleted = 0;
    assert_int_equal(log_apply_retention(f->l, 1 << 30, &deleted), LOG_OK);
    assert_true(deleted > 0);
    int64_t after = log_size_bytes(f->l);
    assert_true(after < total);
    assert_true(after >= 5000); /* whole segments only: never below the limit */
    /* Deleting one more segment would have gone below retention.bytes. */
    log_region r;
    assert_int_equal(log_read(f->l, log_start_offset(f->l), 1 << 20, -1, &r), LOG_OK);
    assert_int_equal(r.position, 0);
    assert_true(after - r.length < 5000 || log_segment_count(f->l) == 1);
    assert_int_equal(log_apply_retention(f->l, 1 << 30, &deleted), LOG_OK);
    assert_int_equal(deleted, 0);
    check_readable(f);
}

static void test_advance_start_and_truncate(void **state) {
    fixture *f = *state;
    open_log(f, -1, -1, NULL);
    fill(f, 60);
    int segs = log_segment_count(f->l);
    int64_t leo = log_end_offset(f->l);
    /* DeleteRecords in the middle of a batch of the third segment. */
    int64_t target = f->bases[30] + (f->bases[31] - f->bases[30] > 1 ? 1 : 0);
    assert_int_equal(log_advance_start_offset(f->l, target), LOG_OK);
    assert_int_equal(log_start_offset(f->l), target);
    assert_true(log_segment_count(f->l) < segs);
    log_region r;
    assert_int_equal(log_read(f->l, target - 1, 10, -1, &r), LOG_ERR_OUT_OF_RANGE);
    assert_int_equal(log_read(f->l, target, 10, -1, &r), LOG_OK);
    assert_int_equal(log_advance_start_offset(f->l, leo + 1), LOG_ERR_OUT_OF_RANGE);

    /* Truncate to the start of batch 45: it and everything after go. */
    assert_int_equal(log_truncate_to(f->l, f->bases[45]), LOG_OK);
    assert_int_equal(log_end_offset(f->l), f->bases[45]);
    check_readable(f);
    assert_int_equal(log_truncate_to(f->l, leo), LOG_OK); /* past the end: no-op */
    assert_int_equal(log_end_offset(f->l), f->bases[45]);
    size_t len;
    uint8_t *b = tl_batch(1, 9999, 1, 10, &len);
    log_append_info info;
    assert_int_equal(log_append(f->l, b, len, 0, 0, &info), LOG_OK);
    assert_int_equal(info.first_offset, f->bases[45]);
    free(b);
    int64_t leo2 = log_end_offset(f->l);
    /* And it all survives a full re-validation. */
    close_log(f);
    log_recovery_report rep;
    open_log(f, -1, target, &rep);
    assert_int_equal(rep.bytes_truncated, 0);
    assert_int_equal(log_end_offset(f->l), leo2);
    check_readable(f);
    /* Truncating below the start empties the log at that offset. */
    assert_int_equal(log_truncate_to(f->l, 3), LOG_OK);
    assert_int_equal(log_start_offset(f->l), 3);
    assert_int_equal(log_end_offset(f->l), 3);
    assert_int_equal(log_segment_count(f->l), 1);
}

static void test_flush_policy(void **state) {
    fixture *f = *state;
    open_log(f, -1, -1, NULL);
    fill(f, 5);
    assert_int_equal(log_recovery_point(f->l), 0); /* default: never fsync */
    assert_int_equal(log_flush(f->l), LOG_OK);
    assert_int_equal(log_recovery_point(f->l), log_end_offset(f->l));
    f->cfg.flush_messages = 1;
    assert_int_equal(log_set_config(f->l, &f->cfg), LOG_OK);
    append(f, 3, 1, 10);
    assert_int_equal(log_recovery_point(f->l), log_end_offset(f->l));
    f->cfg.flush_messages = INT64_MAX;
    f->cfg.flush_ms = 1000;
    assert_int_equal(log_set_config(f->l, &f->cfg), LOG_OK);
    assert_int_equal(log_maybe_flush(f->l, 10000), LOG_OK);
    append(f, 2, 1, 10);
    int64_t rp = log_recovery_point(f->l);
    assert_true(rp < log_end_offset(f->l));
    assert_int_equal(log_maybe_flush(f->l, 10500), LOG_OK);
    assert_int_equal(log_recovery_point(f->l), rp);
    assert_int_equal(log_maybe_flush(f->l, 11000), LOG_OK);
    assert_int_equal(log_recovery_point(f->l), log_end_offset(f->l));
}

static void test_close_trims_active_index(void **state) {
    fixture *f = *state;
    f->cfg.segment_bytes = 1 << 20;
    open_log(f, -1, -1, NULL);
    fill(f, 20);
    char p[600];
    tl_seg_path(p, sizeof(p), f->pdir, 0, ".index");
    assert_int_equal(tl_file_size(p), 1024); /* preallocated while active */
    close_log(f);
    int64_t size = tl_file_size(p);
    assert_true(size > 0 && size < 1024);
    assert_int_equal(size % 8, 0);
    tl_seg_path(p, sizeof(p), f->pdir, 0, ".timeindex");
    assert_int_equal(tl_file_size(p) % 12, 0);
    log_recovery_report rep;
    open_log(f, -1, -1, &rep);
    assert_int_equal(rep.bytes_truncated, 0);
    check_readable(f);
}

static void test_index_config_shrunk(void **state) {
    fixture *f = *state;
    f->cfg.segment_bytes = 1 << 20;
    f->cfg.index_interval_bytes = 0; /* an entry for (almost) every batch */
    open_log(f, -1, -1, NULL);
    fill(f, 100);
    int64_t leo = log_end_offset(f->l);
    close_log(f);
    f->cfg.segment_index_bytes = 64; /* far fewer entries than the segment has */
    log_recovery_report rep;
    open_log(f, -1, -1, &rep);
    assert_int_equal(rep.bytes_truncated, 0);
    assert_int_equal(log_end_offset(f->l), leo);
    check_readable(f);
}

/* A process that dies without closing (kill -9): its appends are in the
 * page cache, the active index is still preallocated, no checkpoint. */
static void test_process_crash(void **state) {
    fixture *f = *state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        log *l;
        if (log_open(f->dir, "events", 2, &f->cfg, -1, -1, NULL, &l) != LOG_OK)
            _exit(2);
        for (int i = 0; i < 50; i++) {
            size_t len;
            uint8_t *b = tl_batch(2, 1000 + i, 1, 100, &len);
            if (log_append(l, b, len, 0, 0, NULL) != LOG_OK)
                _exit(3);
            free(b);
        }
        _exit(0); /* no log_close: nothing trimmed, flushed or checkpointed */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    log_recovery_report rep;
    open_log(f, -1, -1, &rep);
    assert_int_equal(log_end_offset(f->l), 100);
    assert_int_equal(rep.bytes_truncated, 0);
    assert_int_equal(rep.segments_validated, rep.segments);
    check_readable(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_truncated_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_middle_segment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_past_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_timeindex, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_timeindex, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_partial_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_advance_start_and_truncate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flush_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_trims_active_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_config_shrunk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_crash, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
