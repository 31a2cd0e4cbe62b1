/*
 * test_log_compact.c - log compaction (log/cleaner.h): latest record per
 * key kept across segments with offsets and gaps unchanged, tombstones
 * dropped only after delete.retention.ms, rebuilt batches keep their codec,
 * untouched batches and the active segment stay byte-identical, the dirty
 * ratio threshold, stepwise passes, crash leftovers (.cleaned/.swap) on
 * open, reads after cleaning and after reopening, and the cleaner checkpoint
 * kept across a restart of the log directory, keyless records refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <fcntl.h>

#include "log/cleaner.h"
#include "log/logdir.h"
#include "test_log_helpers.h"

#define T0 1700000000000LL /* record timestamps */
#define DAY 86400000LL

typedef struct fixture {
    char *dir;
    log_config cfg;
    log *l;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    f->dir = tl_tmpdir();
    tl_small_config(&f->cfg);
    f->cfg.segment_bytes = 700; /* a few batches per segment */
    assert_int_equal(log_config_set(&f->cfg, "cleanup.policy", "compact"), LOG_OK);
    assert_int_equal(log_open(f->dir, "c", 0, &f->cfg, -1, -1, NULL, &f->l), LOG_OK);
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

/* One record: key "k<key>" (key < 0: null key), value "v<val>" (val < 0:
 * tombstone). */
typedef struct rec_spec {
    int key;
    int val;
} rec_spec;

static int64_t append_batch(log *l, int codec, const rec_spec *r, int n, int64_t ts) {
    batch_builder b;
    assert_int_equal(batch_builder_init(&b, codec), BATCH_OK);
    for (int i = 0; i < n; i++) {
        char k[16], v[16];
        snprintf(k, sizeof(k), "k%d", r[i].key);
        snprintf(v, sizeof(v), "v%d", r[i].val);
        wire_bytes key =
            r[i].key < 0 ? WIRE_BYTES_NULL : (wire_bytes){(const uint8_t *)k, (int32_t)strlen(k)};
        wire_bytes val =
            r[i].val < 0 ? WIRE_BYTES_NULL : (wire_bytes){(const uint8_t *)v, (int32_t)strlen(v)};
        assert_int_equal(batch_builder_add(&b, ts + i, key, val, NULL, 0), BATCH_OK);
    }
    wire_writer w;
    wire_writer_init(&w);
    assert_int_equal(batch_builder_finish(&b, &w), BATCH_OK);
    batch_builder_free(&b);
    log_append_info info;
    assert_int_equal(log_append(l, w.p, w.len, 0, ts, &info), LOG_OK);
    wire_writer_free(&w);
    return info.first_offset;
}

/* Everything readable from the log, record by record. */
typedef struct seen {
    int n;
    int64_t offset[512];
    int key[512]; /* -1 null */
    int val[512]; /* -1 tombstone */
    int codec[512];
    int64_t batch_base[512];
    int32_t batch_lod[512]; /* lastOffsetDelta */
} seen;

static int num_of(wire_bytes b) {
    if (b.len < 0)
        return -1;
    char t[32];
    int n = b.len < 31 ? b.len : 31;
    memcpy(t, b.ptr, (size_t)n);
    t[n] = 0;
    return atoi(t + 1);
}

static void read_all(log *l, seen *s) {
    memset(s, 0, sizeof(*s));
    int64_t off = log_start_offset(l);
    while (off < log_end_offset(l)) {
        log_region r;
        assert_int_equal(log_read(l, off, 1 << 20, -1, &r), LOG_OK);
        if (r.length == 0) {
            assert_true(r.next_offset > off);
            off = r.next_offset;
            continue;
        }
        uint8_t *bytes = tl_region_read(&r);
        assert_non_null(bytes);
        batch_iter it;
        batch_iter_init(&it, bytes, (size_t)r.length);
        batch_header h;
        const uint8_t *b;
        size_t size;
        while (batch_iter_next(&it, &h, &b, &size) == 1) {
            assert_int_equal(batch_validate(b, size, 0, 0, &h), BATCH_OK);
            batch_reader br;
            batch_record rec;
            assert_int_equal(batch_reader_open(&br, b, size, 0), BATCH_OK);
            int rc;
            while ((rc = batch_reader_next(&br, &rec)) == 1) {
                assert_true(s->n < 512);
                s->offset[s->n] = rec.offset;
                s->key[s->n] = num_of(rec.key);
                s->val[s->n] = num_of(rec.value);
                s->codec[s->n] = batch_codec_of(&h);
                s->batch_base[s->n] = h.base_offset;
                s->batch_lod[s->n] = h.last_offset_delta;
                s->n++;
            }
            assert_int_equal(rc, 0);
            batch_reader_close(&br);
        }
        free(bytes);
        assert_true(r.next_offset > off);
        off = r.next_offset;
    }
}

static int find_offset(const seen *s, int64_t off) {
    for (int i = 0; i < s->n; i++)
        if (s->offset[i] == off)
            return i;
    return -1;
}

static int count_key(const seen *s, int key) {
    int c = 0;
    for (int i = 0; i < s->n; i++)
        c += s->key[i] == key;
    return c;
}

/* 40 rounds of keys 0..4, one batch of 5 per round, over several segments. */
static void fill_rounds(fixture *f, int rounds, int codec) {
    for (int r = 0; r < rounds; r++) {
        rec_spec spec[5];
        for (int k = 0; k < 5; k++)
            spec[k] = (rec_spec){k, r * 10 + k};
        append_batch(f->l, codec, spec, 5, T0 + r * 10);
    }
}

static void test_latest_per_key(void **state) {
    fixture *f = *state;
    fill_rounds(f, 40, BATCH_CODEC_NONE);
    assert_int_equal(log_roll(f->l, T0), LOG_OK);
    int segs = log_segment_count(f->l);
    assert_true(segs > 3);
    int64_t leo = log_end_offset(f->l);
    int64_t size_before = log_size_bytes(f->l);
    log_clean_stats st;
    assert_int_equal(log_clean(f->l, T0 + 1000, 0, 0, &st), LOG_OK);
    assert_true(st.started);
    assert_true(st.completed);
    assert_false(st.in_progress);
    assert_int_equal(st.map_keys, 5);
    assert_int_equal(st.records_removed, 39 * 5);
    assert_int_equal(log_end_offset(f->l), leo);
    assert_int_equal(log_segment_count(f->l), segs);
    assert_true(log_size_bytes(f->l) < size_before);
    assert_int_equal(log_clean_offset(f->l), leo);
    seen s;
    read_all(f->l, &s);
    assert_int_equal(s.n, 5);
    for (int k = 0; k < 5; k++) {
        assert_int_equal(s.key[k], k);
        assert_int_equal(s.val[k], 390 + k);
        assert_int_equal(s.offset[k], 39 * 5 + k); /* offsets unchanged */
    }
    /* Reopen: recovery accepts the gaps; same content. */
    assert_int_equal(log_close(f->l), LOG_OK);
    log_recovery_report rep;
    assert_int_equal(log_open(f->dir, "c", 0, &f->cfg, -1, -1, &rep, &f->l), LOG_OK);
    assert_int_equal(rep.bytes_truncated, 0);
    assert_int_equal(log_end_offset(f->l), leo);
    assert_int_equal(log_start_offset(f->l), 0);
    seen s2;
    read_all(f->l, &s2);
    assert_int_equal(s2.n, 5);
    assert_memory_equal(s2.offset, s.offset, sizeof(s.offset[0]) * 5);
    /* Appends continue at the old end. */
    rec_spec one = {7, 1};
    assert_int_equal(append_batch(f->l, BATCH_CODEC_NONE, &one, 1, T0 + 5000), leo);
}

static void test_gaps_and_rebuilt_batch(void **state) {
    fixture *f = *state;
    rec_spec a[4] = {{1, 1}, {2, 2}, {3, 3}, {4, 4}};
    int64_t base = append_batch(f->l, BATCH_CODEC_NONE, a, 4, T0);
    rec_spec b[2] = {{2, 20}, {4, 40}};
    append_batch(f->l, BATCH_CODEC_NONE, b, 2, T0 + 100);
    assert_int_equal(log_roll(f->l, T0), LOG_OK);
    log_clean_stats st;
    assert_int_equal(log_clean(f->l, T0 + 1000, 0, 0, &st), LOG_OK);
    assert_int_equal(st.batches_rebuilt, 1);
    assert_int_equal(st.batches_copied, 1);
    seen s;
    read_all(f->l, &s);
    assert_int_equal(s.n, 4);
    /* k1 (base+0) and k3 (base+2) remain in the rebuilt batch, which keeps
     * its base offset and its span (lastOffsetDelta 3). */
    int i1 = find_offset(&s, base), i3 = find_offset(&s, base + 2);
    assert_true(i1 >= 0 && i3 >= 0);
    assert_int_equal(s.key[i1], 1);
    assert_int_equal(s.key[i3], 3);
    assert_int_equal(s.batch_base[i3], base);
    assert_int_equal(s.batch_lod[i3], 3);
    assert_int_equal(find_offset(&s, base + 1), -1);
    assert_int_equal(find_offset(&s, base + 3), -1);
    assert_int_equal(s.val[find_offset(&s, base + 4)], 20);
    assert_int_equal(s.val[find_offset(&s, base + 5)], 40);
    /* A read starting in a gap returns the batch that holds it. */
    log_region r;
    assert_int_equal(log_read(f->l, base + 1, 1 << 20, -1, &r), LOG_OK);
    assert_int_equal(r.first_offset, base);
    assert_int_equal(log_read(f->l, base + 3, 1, -1, &r), LOG_OK);
    assert_int_equal(r.first_offset, base);
    assert_int_equal(r.next_offset, base + 4);
}

static void test_lz4_rewritten_same_codec(void **state) {
    fixture *f = *state;
    fill_rounds(f, 6, BATCH_CODEC_LZ4);
    rec_spec a[3] = {{0, 100}, {9, 9}, {2, 102}};
    append_batch(f->l, BATCH_CODEC_LZ4, a, 3, T0 + 500);
    assert_int_equal(log_roll(f->l, T0), LOG_OK);
    log_clean_stats st;
    assert_int_equal(log_clean(f->l, T0 + 1000, 0, 0, &st), LOG_OK);
    assert_true(st.batches_rebuilt >= 1);
    seen s;
    read_all(f->l, &s);
    assert_int_equal(s.n, 6); /* keys 0..4 and 9 */
    for (int i = 0; i < s.n; i++)
        assert_int_equal(s.codec[i], BATCH_CODEC_LZ4);
    assert_int_equal(count_key(&s, 0), 1);
    assert_int_equal(count_key(&s, 1), 1);
    int i1 = -1;
    for (int i = 0; i < s.n; i++)
        if (s.key[i] == 1)
            i1 = i;
    assert_int_equal(s.val[i1], 51); /* last round's k1 in a rebuilt lz4 batch */
    assert_int_equal(s.offset[i1], 5 * 5 + 1);
}

static uint8_t *file_bytes(const char *path, int64_t *len) {
    *len = tl_file_size(path);
    uint8_t *b = malloc(*len > 0 ? (size_t)*len : 1);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, b, (size_t)*len, 0), *len);
    close(fd);
    return b;
}

static void test_untouched_and_active_identical(void **state) {
    fixture *f = *state;
    /* Segment 0: unique keys only, never superseded. */
    rec_spec u[3] = {{100, 1}, {101, 1}, {102, 1}};
    append_batch(f->l, BATCH_CODEC_NONE, u, 3, T0);
    assert_int_equal(log_roll(f->l, T0), LOG_OK);
    /* Segment 1: k1 twice in separate batches; the first batch whole k5. */
    rec_spec a[1] = {{5, 1}};
    append_batch(f->l, BATCH_CODEC_NONE, a, 1, T0 + 1);
    rec_spec b[1] = {{1, 1}};
    append_batch(f->l, BATCH_CODEC_NONE, b, 1, T0 + 2);
    rec_spec c[1] = {{1, 2}};
    append_batch(f->l, BATCH_CODEC_NONE, c, 1, T0 + 3);
    assert_int_equal(log_roll(f->l, T0), LOG_OK);
    /* Active segment: duplicates that must stay. */
    rec_spec d[2] = {{1, 3}, {1, 4}};
    int64_t active_base = append_batch(f->l, BATCH_CODEC_NONE, d, 2, T0 + 4);
    char p0[4096], p1[4096], pa[4096];
    tl_seg_path(p0, sizeof(p0), log_dir(f->l), 0, ".log");
    tl_seg_path(p1, sizeof(p1), log_dir(f->l), 3, ".log");
    tl_seg_path(pa, sizeof(pa), log_dir(f->l), active_base, ".log");
    int64_t n0, n1, na;
    uint8_t *b0 = file_bytes(p0, &n0), *b1 = file_bytes(p1, &n1), *ba = file_bytes(pa, &na);
    struct stat st0, st1;
    assert_int_equal(stat(p0, &st0), 0);
    assert_int_equal(stat(p1, &st1), 0);
    log_clean_stats st;
    assert_int_equal(log_clean(f->l, T0 + 1000, 0, 0, &st), LOG_OK);
    assert_true(st.completed);
    /* Every k1 in segment 1 is superseded by the active segment's k1? No:
     * the map covers non-active segments only, so segment 1 keeps its last
     * k1 and drops the first. */
    assert_int_equal(st.batches_dropped, 1);
    assert_int_equal(st.segments_rewritten, 1);
    int64_t m0, m1, ma;
    uint8_t *c0 = file_bytes(p0, &m0), *c1 = file_bytes(p1, &m1), *ca = file_bytes(pa, &ma);
    assert_int_equal(m0, n0);
    assert_memory_equal(c0, b0, (size_t)n0); /* untouched segment */
    struct stat after0, after1;
    assert_int_equal(stat(p0, &after0), 0);
    assert_int_equal(stat(p1, &after1), 0);
    assert_true(after0.st_ino == st0.st_ino); /* not even rewritten */
    assert_true(after1.st_ino != st1.st_ino); /* swapped */
    char leftover[4096];
    tl_seg_path(leftover, sizeof(leftover), log_dir(f->l), 0, ".log.cleaned");
    assert_int_equal(tl_file_size(leftover), -1);
    assert_int_equal(ma, na);
    assert_memory_equal(ca, ba, (size_t)na); /* active segment */
    /* Segment 1 = its first batch (k5) and third batch (k1=2), byte for byte. */
    assert_true(m1 < n1);
    batch_header h;
    assert_int_equal(batch_parse_header(b1, (size_t)n1, &h), BATCH_OK);
    int64_t first = batch_total_size(&h);
    assert_memory_equal(c1, b1, (size_t)first);
    batch_header h2;
    assert_int_equal(batch_parse_header(b1 + first, (size_t)(n1 - first), &h2), BATCH_OK);
    int64_t second = batch_total_size(&h2);
    assert_int_equal(m1, n1 - second);
    assert_memory_equal(c1 + first, b1 + first + second, (size_t)(n1 - first - second));
    free(b0), free(b1), free(ba), free(c0), free(c1), free(ca);
    seen s;
    read_all(f->l, &s);
    assert_int_equal(count_key(&s, 1), 3); /* one cleaned + two active */
}

static void test_tombstones(void **state) {
    fixture *f = *state;
    rec_spec a[2] = {{1, 1}, {2, 2}};
    append_batch(f->l, BATCH_CODEC_NONE, a, 2, T0);
    rec_spec t[1] = {{1, -1}};
    int64_t tomb = append_batch(f->l, BATCH_CODEC_NONE, t, 1, T0 + 10);
    assert_int_equal(log_roll(f->l, T0), LOG_OK);
    log_clean_stats st;
    /* Within delete.retention.ms: the tombstone stays, k1's value goes. */
    assert_int_equal(log_clean(f->l, T0 + DAY - 1000, 0, 0, &st), LOG_OK);
    assert_true(st.completed);
    assert_int_equal(st.tombstones_removed, 0);
    seen s;
    read_all(f->l, &s);
    assert_int_equal(s.n, 2);
    int i = find_offset(&s, tomb);
    assert_true(i >= 0);
    assert_int_equal(s.val[i], -1);
    assert_int_equal(count_key(&s, 1), 1);
    /* New dirty data, then a clean after the horizon: the tombstone goes. */
    f->cfg.min_cleanable_dirty_ratio = 0;
    assert_int_equal(log_set_config(f->l, &f->cfg), LOG_OK);
    rec_spec n[1] = {{3, 3}};
    append_batch(f->l, BATCH_CODEC_NONE, n, 1, T0 + 20);
    assert_int_equal(log_roll(f->l, T0), LOG_OK);
    assert_int_equal(log_clean(f->l, T0 + DAY + 1000, 0, 0, &st), LOG_OK);
    assert_true(st.completed);
    assert_int_equal(st.tombstones_removed, 1);
    read_all(f->l, &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(count_key(&s, 1), 0);
    assert_int_equal(count_key(&s, 2), 1);
    assert_int_equal(count_key(&s, 3), 1);
}

static void test_dirty_ratio(void **state) {
    fixture *f = *state;
    fill_rounds(f, 20, BATCH_CODEC_NONE);
    assert_int_equal(log_roll(f->l, T0), LOG_OK);
    log_clean_stats st;
    assert_int_equal(log_clean(f->l, T0, 0, 0, &st), LOG_OK);
    assert_true(st.completed);
    assert_true(st.dirty_ratio > 0.99);
    /* A little new data: ratio far below 0.5, nothing happens. */
    int64_t size = log_size_bytes(f->l);
    rec_spec a[1] = {{0, 999}};
    append_batch(f->l, BATCH_CODEC_NONE, a, 1, T0 + 500);
    assert_int_equal(log_roll(f->l, T0), LOG_OK);
    int64_t size2 = log_size_bytes(f->l);
    assert_int_equal(log_clean(f->l, T0, 0, 0, &st), LOG_OK);
    assert_false(st.started);
    assert_true(st.dirty_ratio > 0 && st.dirty_ratio < 0.5);
    assert_int_equal(log_size_bytes(f->l), size2);
    /* Lower the threshold: now it runs and k0's old value goes. */
    f->cfg.min_cleanable_dirty_ratio = 0.01;
    assert_int_equal(log_set_config(f->l, &f->cfg), LOG_OK);
    assert_int_equal(log_clean(f->l, T0, 0, 0, &st), LOG_OK);
    assert_true(st.completed);
    assert_int_equal(st.records_removed, 1);
    assert_true(log_size_bytes(f->l) < size2);
    (void)size;
    seen s;
    read_all(f->l, &s);
    assert_int_equal(count_key(&s, 0), 1);
    /* cleanup.policy=delete: the cleaner does nothing. */
    f->cfg.cleanup_policy = LOG_CLEANUP_DELETE;
    f->cfg.min_cleanable_dirty_ratio = 0;
    assert_int_equal(log_set_config(f->l, &f->cfg), LOG_OK);
    append_batch(f->l, BATCH_CODEC_NONE, a, 1, T0 + 600);
    assert_int_equal(log_roll(f->l, T0), LOG_OK);
    assert_int_equal(log_clean(f->l, T0, 0, 0, &st), LOG_OK);
    assert_false(st.started);
}

static void test_min_lag_and_steps(void **state) {
    fixture *f = *state;
    fill_rounds(f, 40, BATCH_CODEC_NONE);
    assert_int_equal(log_roll(f->l, T0), LOG_OK);
    int segs = log_segment_count(f->l) - 1;
    assert_true(segs >= 3);
    log_clean_stats st;
    /* min.compaction.lag.ms: nothing old enough yet. */
    f->cfg.min_compaction_lag_ms = 10000;
    assert_int_equal(log_set_config(f->l, &f->cfg), LOG_OK);
    assert_int_equal(log_clean(f->l, T0 + 1000, 0, 0, &st), LOG_OK);
    assert_false(st.started);
    /* Old enough; a 1-byte budget does one segment per call. */
    int calls = 0;
    int64_t removed = 0;
    do {
        assert_int_equal(log_clean(f->l, T0 + 20000, 1, 0, &st), LOG_OK);
        removed += st.records_removed;
        calls++;
        /* Reads work between steps. */
        seen s;
        read_all(f->l, &s);
        assert_int_equal(s.offset[s.n - 1], 199);
    } while (st.in_progress && calls < 100);
    assert_true(st.completed);
    assert_int_equal(calls, 2 * segs); /* one segment mapped or rewritten per call */
    assert_int_equal(removed, 39 * 5);
}

static void test_map_too_small(void **state) {
    fixture *f = *state;
    rec_spec many[40];
    for (int i = 0; i < 40; i++)
        many[i] = (rec_spec){1000 + i, i};
    append_batch(f->l, BATCH_CODEC_NONE, many, 40, T0);
    fill_rounds(f, 10, BATCH_CODEC_NONE);
    assert_int_equal(log_roll(f->l, T0), LOG_OK);
    log_clean_stats st;
    /* 16 slots hold 12 keys: not even the first segment fits. */
    assert_int_equal(log_clean(f->l, T0, 0, 16 * 24, &st), LOG_ERR_NOMEM);
    seen s;
    read_all(f->l, &s);
    assert_int_equal(s.n, 90);
    assert_int_equal(log_clean_offset(f->l), 0);
    /* The default map holds them all. */
    log_clean_stats st2;
    assert_int_equal(log_clean(f->l, T0, 0, 0, &st2), LOG_OK);
    assert_true(st2.completed);
    read_all(f->l, &s);
    assert_int_equal(s.n, 45);
}

static void test_crash_leftovers(void **state) {
    fixture *f = *state;
    fill_rounds(f, 30, BATCH_CODEC_NONE);
    assert_int_equal(log_roll(f->l, T0), LOG_OK);
    assert_int_equal(log_clean(f->l, T0, 0, 0, NULL), LOG_OK);
    seen before;
    read_all(f->l, &before);
    int64_t leo = log_end_offset(f->l);
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", log_dir(f->l));
    assert_int_equal(log_close(f->l), LOG_OK);
    f->l = NULL;
    /* A torn .cleaned and a .swap next to its .log: both discarded. */
    char p[4096], q[4096];
    tl_seg_path(p, sizeof(p), dir, 0, ".log.cleaned");
    FILE *fp = fopen(p, "w");
    fputs("torn", fp);
    fclose(fp);
    tl_seg_path(q, sizeof(q), dir, 0, ".log.swap");
    fp = fopen(q, "w");
    fputs("garbage", fp);
    fclose(fp);
    /* A .swap without its .log (crash between the renames): it becomes the
     * segment, with stale indexes removed and rebuilt. Use the last
     * non-active segment's cleaned file as that swap. */
    int64_t last_base = -1;
    {
        log *l;
        assert_int_equal(log_open(f->dir, "c", 0, &f->cfg, -1, -1, NULL, &l), LOG_OK);
        assert_int_equal(tl_file_size(p), -1);
        assert_int_equal(tl_file_size(q), -1);
        seen s;
        read_all(l, &s);
        assert_int_equal(s.n, before.n);
        /* The segment holding the last record. */
        log_region r;
        assert_int_equal(log_read(l, s.offset[s.n - 1], 1, -1, &r), LOG_OK);
        for (int64_t b = 0; b <= s.offset[s.n - 1]; b++) {
            char x[4096];
            tl_seg_path(x, sizeof(x), dir, b, ".log");
            if (tl_file_size(x) >= 0)
                last_base = b;
        }
        assert_true(last_base > 0);
        assert_int_equal(log_close(l), LOG_OK);
    }
    char lp[4096], sp[4096], ip[4096];
    tl_seg_path(lp, sizeof(lp), dir, last_base, ".log");
    tl_seg_path(sp, sizeof(sp), dir, last_base, ".log.swap");
    tl_seg_path(ip, sizeof(ip), dir, last_base, ".index");
    assert_int_equal(rename(lp, sp), 0);
    /* Stale index garbage that would pass as sane. */
    fp = fopen(ip, "w");
    fclose(fp);
    log_recovery_report rep;
    assert_int_equal(log_open(f->dir, "c", 0, &f->cfg, -1, -1, &rep, &f->l), LOG_OK);
    assert_int_equal(tl_file_size(sp), -1);
    assert_true(tl_file_size(lp) > 0);
    assert_int_equal(log_end_offset(f->l), leo);
    seen after;
    read_all(f->l, &after);
    assert_int_equal(after.n, before.n);
    assert_memory_equal(after.offset, before.offset, sizeof(before.offset[0]) * (size_t)before.n);
    assert_memory_equal(after.val, before.val, sizeof(before.val[0]) * (size_t)before.n);
}

/* The first batch of the log, read back whole. */
static uint8_t *first_batch(log *l, int64_t offset, batch_header *h, size_t *size) {
    log_region r;
    assert_int_equal(log_read(l, offset, 1, -1, &r), LOG_OK);
    uint8_t *b = tl_region_read(&r);
    assert_non_null(b);
    assert_int_equal(batch_validate(b, (size_t)r.length, 0, 0, h), BATCH_OK);
    *size = (size_t)batch_total_size(h);
    return b;
}

static void test_rebuilt_keeps_fields(void **state) {
    fixture *f = *state;
    f->cfg.timestamp_type = LOG_TIMESTAMP_LOG_APPEND_TIME;
    assert_int_equal(log_set_config(f->l, &f->cfg), LOG_OK);
    batch_builder b;
    assert_int_equal(batch_builder_init(&b, BATCH_CODEC_ZSTD), BATCH_OK);
    b.producer_id = 77;
    b.producer_epoch = 3;
    b.base_sequence = 10;
    batch_record_header hd = {{(const uint8_t *)"hk", 2}, {(const uint8_t *)"hv", 2}};
    wire_bytes k1 = {(const uint8_t *)"k1", 2}, k2 = {(const uint8_t *)"k2", 2};
    wire_bytes k3 = {(const uint8_t *)"k3", 2}, v = {(const uint8_t *)"v9", 2};
    assert_int_equal(batch_builder_add(&b, T0, k1, v, &hd, 1), BATCH_OK);
    assert_int_equal(batch_builder_add(&b, T0 + 5, k2, v, NULL, 0), BATCH_OK);
    assert_int_equal(batch_builder_add(&b, T0 + 9, k3, v, &hd, 1), BATCH_OK);
    wire_writer w;
    wire_writer_init(&w);
    assert_int_equal(batch_builder_finish(&b, &w), BATCH_OK);
    batch_builder_free(&b);
    assert_int_equal(log_append(f->l, w.p, w.len, 4, T0 + 100, NULL), LOG_OK);
    wire_writer_free(&w);
    batch_header before;
    size_t bsize;
    free(first_batch(f->l, 0, &before, &bsize));
    rec_spec later = {3, 1};
    append_batch(f->l, BATCH_CODEC_NONE, &later, 1, T0 + 200);
    assert_int_equal(log_roll(f->l, T0), LOG_OK);
    log_clean_stats st;
    assert_int_equal(log_clean(f->l, T0 + 1000, 0, 0, &st), LOG_OK);
    assert_int_equal(st.batches_rebuilt, 1);
    batch_header h;
    uint8_t *nb = first_batch(f->l, 0, &h, &bsize);
    assert_int_equal(h.base_offset, 0);
    assert_int_equal(h.last_offset_delta, 2);
    assert_int_equal(h.record_count, 2);
    assert_int_equal(h.attributes, before.attributes); /* zstd + LogAppendTime */
    assert_int_equal(batch_codec_of(&h), BATCH_CODEC_ZSTD);
    assert_int_equal(h.partition_leader_epoch, 4);
    assert_int_equal(h.base_timestamp, before.base_timestamp);
    assert_int_equal(h.max_timestamp, T0 + 100); /* the append time */
    assert_int_equal(h.producer_id, 77);
    assert_int_equal(h.producer_epoch, 3);
    assert_int_equal(h.base_sequence, 10);
    batch_reader br;
    batch_record rec;
    assert_int_equal(batch_reader_open(&br, nb, bsize, 0), BATCH_OK);
    assert_int_equal(batch_reader_next(&br, &rec), 1);
    assert_int_equal(rec.offset, 0);
    assert_int_equal(rec.header_count, 1);
    batch_header_iter it;
    batch_record_header got;
    batch_header_iter_init(&it, &rec);
    assert_int_equal(batch_header_iter_next(&it, &got), 1);
    assert_memory_equal(got.key.ptr, "hk", 2);
    assert_memory_equal(got.value.ptr, "hv", 2);
    assert_int_equal(batch_reader_next(&br, &rec), 1);
    assert_int_equal(rec.offset, 1);
    assert_int_equal(rec.offset_delta, 1);
    assert_memory_equal(rec.key.ptr, "k2", 2);
    assert_int_equal(rec.timestamp_delta, 5);
    assert_int_equal(batch_reader_next(&br, &rec), 0);
    batch_reader_close(&br);
    free(nb);
}

static void test_config(void **state) {
    (void)state;
    log_config c;
    log_config_init(&c);
    assert_int_equal(c.delete_retention_ms, DAY);
    assert_int_equal(c.min_compaction_lag_ms, 0);
    assert_true(c.min_cleanable_dirty_ratio == 0.5);
    assert_int_equal(log_config_set(&c, "cleanup.policy", "compact"), LOG_OK);
    assert_int_equal(c.cleanup_policy, LOG_CLEANUP_COMPACT);
    assert_int_equal(log_config_set(&c, "cleanup.policy", "compact,delete"), LOG_OK);
    assert_int_equal(c.cleanup_policy, LOG_CLEANUP_COMPACT_DELETE);
    assert_int_equal(log_config_set(&c, "cleanup.policy", "delete,compact"), LOG_OK);
    assert_int_equal(log_config_set(&c, "cleanup.policy", "compacted"), LOG_ERR_CONFIG);
    assert_int_equal(log_config_set(&c, "min.cleanable.dirty.ratio", "0.25"), LOG_OK);
    assert_true(c.min_cleanable_dirty_ratio == 0.25);
    assert_int_equal(log_config_set(&c, "min.cleanable.dirty.ratio", "1.5"), LOG_ERR_CONFIG);
    assert_int_equal(log_config_set(&c, "min.cleanable.dirty.ratio", "x"), LOG_ERR_CONFIG);
    assert_int_equal(log_config_set(&c, "delete.retention.ms", "1000"), LOG_OK);
    assert_int_equal(c.delete_retention_ms, 1000);
    assert_int_equal(log_config_set(&c, "min.compaction.lag.ms", "-1"), LOG_ERR_CONFIG);
    assert_int_equal(log_config_check(&c), LOG_OK);
}

static void test_compact_keeps_old_segments_on_retention(void **state) {
    fixture *f = *state;
    f->cfg.retention_ms = 1;
    assert_int_equal(log_set_config(f->l, &f->cfg), LOG_OK);
    fill_rounds(f, 30, BATCH_CODEC_NONE);
    assert_int_equal(log_roll(f->l, T0), LOG_OK);
    int segs = log_segment_count(f->l);
    int deleted = -1;
    assert_int_equal(log_apply_retention(f->l, T0 + DAY, &deleted), LOG_OK);
    assert_int_equal(deleted, 0);
    assert_int_equal(log_segment_count(f->l), segs);
    f->cfg.cleanup_policy = LOG_CLEANUP_COMPACT_DELETE;
    assert_int_equal(log_set_config(f->l, &f->cfg), LOG_OK);
    assert_int_equal(log_apply_retention(f->l, T0 + DAY, &deleted), LOG_OK);
    assert_int_equal(deleted, segs - 1);
}

/* The cleaner checkpoint survives closing and reopening the log directory:
 * after the restart only new data counts as dirty, so a little of it does
 * not start a pass (with the whole log dirty the ratio would be 1). */
static void test_checkpoint_across_restart(void **state) {
    fixture *f = *state;
    assert_int_equal(log_close(f->l), LOG_OK);
    f->l = NULL;
    logdir_options opts = {.default_config = &f->cfg};
    logdir *d;
    assert_int_equal(logdir_open(f->dir, &opts, &d), LOG_OK);
    log *l = logdir_get(d, "c", 0); /* the fixture's empty log, adopted */
    assert_non_null(l);
    for (int r = 0; r < 20; r++) {
        rec_spec spec[5];
        for (int k = 0; k < 5; k++)
            spec[k] = (rec_spec){k, r * 10 + k};
        append_batch(l, BATCH_CODEC_NONE, spec, 5, T0 + r * 10);
    }
    assert_int_equal(log_roll(l, T0), LOG_OK);
    log_clean_stats st;
    assert_int_equal(log_clean(l, T0, 0, 0, &st), LOG_OK);
    assert_true(st.completed);
    int64_t cleaned = log_clean_offset(l);
    assert_true(cleaned > 0);
    assert_int_equal(logdir_close(d), LOG_OK);

    assert_int_equal(logdir_open(f->dir, &opts, &d), LOG_OK);
    l = logdir_get(d, "c", 0);
    assert_non_null(l);
    assert_int_equal(log_clean_offset(l), cleaned);
    rec_spec a[1] = {{0, 999}};
    append_batch(l, BATCH_CODEC_NONE, a, 1, T0 + 500);
    assert_int_equal(log_roll(l, T0), LOG_OK);
    assert_int_equal(log_clean(l, T0, 0, 0, &st), LOG_OK);
    assert_false(st.started);
    assert_true(st.dirty_ratio > 0 && st.dirty_ratio < 0.5);

    /* Restored values are clamped to the log. */
    log_clean_offset_restore(l, log_end_offset(l) + 1000);
    assert_int_equal(log_clean_offset(l), log_end_offset(l));
    log_clean_offset_restore(l, -5);
    assert_int_equal(log_clean_offset(l), 0);
    assert_int_equal(logdir_close(d), LOG_OK);
}

/* A compacted log refuses records without a key, compressed or not, and
 * nothing of the refused append is written. */
static void test_null_key_refused(void **state) {
    fixture *f = *state;
    rec_spec ok[2] = {{1, 1}, {2, 2}};
    append_batch(f->l, BATCH_CODEC_NONE, ok, 2, T0);
    int codecs[2] = {BATCH_CODEC_NONE, BATCH_CODEC_LZ4};
    for (int c = 0; c < 2; c++) {
        batch_builder b;
        assert_int_equal(batch_builder_init(&b, codecs[c]), BATCH_OK);
        wire_bytes key = {(const uint8_t *)"k", 1}, val = {(const uint8_t *)"v", 1};
        assert_int_equal(batch_builder_add(&b, T0, key, val, NULL, 0), BATCH_OK);
        assert_int_equal(batch_builder_add(&b, T0, WIRE_BYTES_NULL, val, NULL, 0), BATCH_OK);
        wire_writer w;
        wire_writer_init(&w);
        assert_int_equal(batch_builder_finish(&b, &w), BATCH_OK);
        batch_builder_free(&b);
        assert_int_equal(log_append(f->l, w.p, w.len, 0, T0, NULL), LOG_ERR_INVALID_RECORD);
        wire_writer_free(&w);
        assert_int_equal(log_end_offset(f->l), 2);
    }
    /* The same records are fine with cleanup.policy=delete. */
    f->cfg.cleanup_policy = LOG_CLEANUP_DELETE;
    assert_int_equal(log_set_config(f->l, &f->cfg), LOG_OK);
    rec_spec keyless[1] = {{-1, 3}};
    append_batch(f->l, BATCH_CODEC_LZ4, keyless, 1, T0);
    assert_int_equal(log_end_offset(f->l), 3);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_latest_per_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gaps_and_rebuilt_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lz4_rewritten_same_codec, setup, teardown),
        cmocka_unit_test_setup_teardown(test_untouched_and_active_identical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tombstones, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dirty_ratio, setup, teardown),
        cmocka_unit_test_setup_teardown(test_min_lag_and_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_too_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_leftovers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rebuilt_keeps_fields, setup, teardown),
        cmocka_unit_test(test_config),
        cmocka_unit_test_setup_teardown(test_null_key_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_across_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compact_keeps_old_segments_on_retention, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
