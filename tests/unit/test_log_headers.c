/*
 * test_log_headers.c - log_walk_headers (log/log_headers.h): every batch
 * header in offset order across segment rolls, with the producer fields as
 * appended and the offsets the log stamped; a walk from an offset inside a
 * batch starts at that batch; a callback's non-zero value stops the walk;
 * the walk sees the log as it is after a truncation and after a reopen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "log/log_headers.h"
#include "test_log_helpers.h"

/* A 3-record batch of producer `pid`, sequence seq. */
static uint8_t *pid_batch(int64_t pid, int32_t seq, size_t *len) {
    uint8_t *b = tl_batch(3, 1000, 1, 200, len);
    wire_put_be64(b + 43, (uint64_t)pid);
    wire_put_be16(b + 51, 2);
    wire_put_be32(b + 53, (uint32_t)seq);
    wire_put_be32(b + 17, batch_compute_crc(b, *len));
    return b;
}

typedef struct seen {
    int n, stop_at;
    int64_t base[64];
    int64_t pid[64];
    int32_t seq[64];
} seen;

static int collect(const batch_header *h, void *arg) {
    seen *s = arg;
    if (s->n == s->stop_at)
        return 42;
    s->base[s->n] = h->base_offset;
    s->pid[s->n] = h->producer_id;
    s->seq[s->n] = h->base_sequence;
    s->n++;
    return 0;
}

static void test_walk(void **state) {
    (void)state;
    char *dir = tl_tmpdir();
    log_config cfg;
    tl_small_config(&cfg);
    cfg.segment_bytes = 2000; /* a few batches per segment */
    log *l;
    assert_int_equal(log_open(dir, "h", 0, &cfg, -1, -1, NULL, &l), LOG_OK);
    for (int i = 0; i < 10; i++) {
        size_t len;
        uint8_t *b = pid_batch(100 + i % 2, i * 3, &len);
        assert_int_equal(log_append(l, b, len, 0, 5000, NULL), LOG_OK);
        free(b);
    }
    assert_true(log_segment_count(l) > 1);
    seen s = {.stop_at = -1};
    assert_int_equal(log_walk_headers(l, 0, collect, &s), LOG_OK);
    assert_int_equal(s.n, 10);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(s.base[i], i * 3);
        assert_int_equal(s.pid[i], 100 + i % 2);
        assert_int_equal(s.seq[i], i * 3);
    }
    /* From offset 13 (inside the batch 12..14): batches 4..9. */
    s = (seen){.stop_at = -1};
    assert_int_equal(log_walk_headers(l, 13, collect, &s), LOG_OK);
    assert_int_equal(s.n, 6);
    assert_int_equal(s.base[0], 12);
    /* The callback stops the walk. */
    s = (seen){.stop_at = 2};
    assert_int_equal(log_walk_headers(l, 0, collect, &s), 42);
    assert_int_equal(s.n, 2);
    /* After a truncation the cut batches are gone. */
    assert_int_equal(log_truncate_to(l, 15), LOG_OK);
    s = (seen){.stop_at = -1};
    assert_int_equal(log_walk_headers(l, 0, collect, &s), LOG_OK);
    assert_int_equal(s.n, 5);
    /* And after a reopen the same. */
    assert_int_equal(log_close(l), LOG_OK);
    assert_int_equal(log_open(dir, "h", 0, &cfg, -1, -1, NULL, &l), LOG_OK);
    s = (seen){.stop_at = -1};
    assert_int_equal(log_walk_headers(l, 0, collect, &s), LOG_OK);
    assert_int_equal(s.n, 5);
    assert_int_equal(s.base[4], 12);
    /* Past the end: nothing. */
    s = (seen){.stop_at = -1};
    assert_int_equal(log_walk_headers(l, 15, collect, &s), LOG_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(log_close(l), LOG_OK);
    tl_rmrf(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
