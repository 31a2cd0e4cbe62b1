/*
 * test_log_basic.c - the partition log's append and read paths: offset
 * assignment, several batches per append, all-or-nothing validation,
 * region reads (KIP-74, max_bytes, max_offset, next_offset across segment
 * rolls), index lookups inside
 * batches and segments, rolling by size and time, time lookups, reopening
 * and configuration parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "test_log_helpers.h"
#include "wire/kafka.h"

typedef struct fixture {
    char *dir;
    log *l;
    log_config cfg;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    f->dir = tl_tmpdir();
    assert_non_null(f->dir);
    log_config_init(&f->cfg);
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

static void open_log(fixture *f) {
    log_recovery_report rep;
    assert_int_equal(log_open(f->dir, "orders", 0, &f->cfg, -1, -1, &rep, &f->l), LOG_OK);
}

static void reopen(fixture *f, int64_t rp, log_recovery_report *rep) {
    int64_t start = log_start_offset(f->l);
    assert_int_equal(log_close(f->l), LOG_OK);
    f->l = NULL;
    assert_int_equal(log_open(f->dir, "orders", 0, &f->cfg, rp, start, rep, &f->l), LOG_OK);
}

/* Append one batch of nrec records; returns the assigned first offset. */
static int64_t append_one(fixture *f, int nrec, int64_t ts, size_t value_len, int64_t now) {
    size_t len;
    uint8_t *b = tl_batch(nrec, ts, 1, value_len, &len);
    log_append_info info;
    assert_int_equal(log_append(f->l, b, len, 7, now, &info), LOG_OK);
    assert_int_equal(info.last_offset - info.first_offset + 1, nrec);
    free(b);
    return info.first_offset;
}

/* The batch headers in a region, checked for validity. */
static int region_batches(const log_region *r, batch_header *out, int max) {
    uint8_t *b = tl_region_read(r);
    assert_non_null(b);
    batch_iter it;
    batch_iter_init(&it, b, (size_t)r->length);
    batch_header h;
    const uint8_t *p;
    size_t size;
    int n = 0;
    while (batch_iter_next(&it, &h, &p, &size) == 1) {
        assert_int_equal(batch_validate(p, size, 0, 1, &h), BATCH_OK);
        if (n < max)
            out[n] = h;
        n++;
    }
    assert_int_equal(it.partial, 0);
    assert_int_equal(it.pos, (size_t)r->length);
    free(b);
    return n;
}

static void test_append_read_single(void **state) {
    fixture *f = *state;
    open_log(f);
    assert_int_equal(log_start_offset(f->l), 0);
    assert_int_equal(log_end_offset(f->l), 0);
    size_t len;
    uint8_t *b = tl_batch(3, 1000, 1, 10, &len);
    log_append_info info;
    assert_int_equal(log_append(f->l, b, len, 5, 2000, &info), LOG_OK);
    assert_int_equal(info.first_offset, 0);
    assert_int_equal(info.last_offset, 2);
    assert_int_equal(info.batch_count, 1);
    assert_int_equal(info.record_count, 3);
    assert_int_equal(info.log_append_time, -1);
    assert_int_equal(info.max_timestamp, 1002);
    assert_int_equal(log_end_offset(f->l), 3);
    assert_int_equal(log_size_bytes(f->l), (int64_t)len);

    log_region r;
    for (int64_t off = 0; off < 3; off++) {
        assert_int_equal(log_read(f->l, off, 1 << 20, -1, &r), LOG_OK);
        assert_int_equal(r.position, 0);
        assert_int_equal(r.length, (int64_t)len);
        assert_int_equal(r.first_offset, 0);
        uint8_t *got = tl_region_read(&r);
        assert_memory_equal(got, b, len); /* buffer was stamped in place */
        batch_header h;
        assert_int_equal(batch_validate(got, len, 0, 1, &h), BATCH_OK);
        assert_int_equal(h.partition_leader_epoch, 5);
        free(got);
    }
    assert_int_equal(log_read(f->l, 3, 1 << 20, -1, &r), LOG_OK);
    assert_int_equal(r.length, 0);
    assert_int_equal(log_read(f->l, 4, 1 << 20, -1, &r), LOG_ERR_OUT_OF_RANGE);
    assert_int_equal(log_read(f->l, -1, 1 << 20, -1, &r), LOG_ERR_OUT_OF_RANGE);
    assert_int_equal(log_status_to_kafka(LOG_ERR_OUT_OF_RANGE), KAFKA_OFFSET_OUT_OF_RANGE);

    /* Offsets continue: a producer's baseOffset 0 is overwritten. */
    assert_int_equal(log_append(f->l, b, len, 5, 2000, &info), LOG_OK);
    assert_int_equal(info.first_offset, 3);
    assert_int_equal(info.last_offset, 5);
    free(b);
}

static void test_several_batches_one_append(void **state) {
    fixture *f = *state;
    open_log(f);
    wire_writer w;
    wire_writer_init(&w);
    tl_batch_write(&w, 2, 100, 1, 5);
    tl_batch_write(&w, 3, 200, 1, 5);
    tl_batch_write(&w, 4, 300, 1, 5);
    log_append_info info;
    assert_int_equal(log_append(f->l, w.p, w.len, -1, 0, &info), LOG_OK);
    assert_int_equal(info.first_offset, 0);
    assert_int_equal(info.last_offset, 8);
    assert_int_equal(info.batch_count, 3);
    assert_int_equal(info.record_count, 9);
    assert_int_equal(info.max_timestamp, 303);
    log_region r;
    assert_int_equal(log_read(f->l, 3, 1 << 20, -1, &r), LOG_OK);
    batch_header hs[4];
    assert_int_equal(region_batches(&r, hs, 4), 2);
    assert_int_equal(hs[0].base_offset, 2);
    assert_int_equal(hs[0].partition_leader_epoch, -1); /* epoch < 0: left alone */
    assert_int_equal(hs[1].base_offset, 5);
    assert_int_equal(batch_last_offset(&hs[1]), 8);
    wire_writer_free(&w);
}

static void test_all_or_nothing(void **state) {
    fixture *f = *state;
    f->cfg.max_message_bytes = 500;
    open_log(f);
    wire_writer w;
    wire_writer_init(&w);
    tl_batch_write(&w, 2, 100, 1, 5);
    size_t first = w.len;
    tl_batch_write(&w, 2, 100, 1, 5);
    w.p[w.len - 3] ^= 0x40; /* a record byte of the second batch: CRC fails */
    int rc = log_append(f->l, w.p, w.len, 0, 0, NULL);
    assert_int_equal(rc, LOG_ERR_CORRUPT);
    assert_int_equal(log_status_to_kafka(rc), KAFKA_CORRUPT_MESSAGE);
    assert_int_equal(log_end_offset(f->l), 0);
    assert_int_equal(log_size_bytes(f->l), 0);

    /* Trailing garbage shorter than a batch header. */
    rc = log_append(f->l, w.p, first + 5, 0, 0, NULL);
    assert_int_equal(rc, LOG_ERR_CORRUPT);
    assert_int_equal(log_end_offset(f->l), 0);

    wire_writer_free(&w);
    wire_writer_init(&w);
    tl_batch_write(&w, 1, 100, 1, 10);
    tl_batch_write(&w, 1, 100, 1, 600); /* above max.message.bytes */
    rc = log_append(f->l, w.p, w.len, 0, 0, NULL);
    assert_int_equal(rc, LOG_ERR_TOO_LARGE);
    assert_int_equal(log_status_to_kafka(rc), KAFKA_MESSAGE_TOO_LARGE);
    assert_int_equal(log_end_offset(f->l), 0);

    uint8_t empty[1] = {0};
    assert_int_equal(log_append(f->l, empty, 0, 0, 0, NULL), LOG_ERR_INVALID_RECORD);
    assert_int_equal(log_status_to_kafka(LOG_ERR_INVALID_RECORD), KAFKA_INVALID_RECORD);
    assert_int_equal(log_status_to_kafka(LOG_ERR_IO), KAFKA_KAFKA_STORAGE_ERROR);

    /* recordCount disagreeing with lastOffsetDelta: strict validation. */
    wire_writer_free(&w);
    wire_writer_init(&w);
    tl_batch_write(&w, 2, 100, 1, 10);
    wire_put_be32(w.p + 57, 3);
    wire_put_be32(w.p + 17, batch_compute_crc(w.p, w.len));
    assert_int_equal(log_append(f->l, w.p, w.len, 0, 0, NULL), LOG_ERR_INVALID_RECORD);
    assert_int_equal(log_end_offset(f->l), 0);
    wire_writer_free(&w);
    assert_string_not_equal(log_strerror(LOG_ERR_CORRUPT), log_strerror(LOG_ERR_TOO_LARGE));
}

static void test_read_limits(void **state) {
    fixture *f = *state;
    open_log(f);
    size_t len;
    uint8_t *b = tl_batch(1, 100, 1, 200, &len);
    for (int i = 0; i < 5; i++) {
        uint8_t *c = malloc(len);
        memcpy(c, b, len);
        assert_int_equal(log_append(f->l, c, len, 0, 0, NULL), LOG_OK);
        free(c);
    }
    log_region r;
    /* KIP-74: the first batch whole even when max_bytes is smaller. */
    assert_int_equal(log_read(f->l, 1, 10, -1, &r), LOG_OK);
    assert_int_equal(r.position, (int64_t)len);
    assert_int_equal(r.length, (int64_t)len);
    assert_int_equal(r.next_offset, 2);
    assert_int_equal(log_read(f->l, 0, 0, -1, &r), LOG_OK);
    assert_int_equal(r.length, (int64_t)len);
    assert_int_equal(r.next_offset, 1);
    /* Whole batches only; next_offset is where the cut happened. */
    assert_int_equal(log_read(f->l, 0, 2 * (int64_t)len + 10, -1, &r), LOG_OK);
    assert_int_equal(r.length, 2 * (int64_t)len);
    assert_int_equal(r.next_offset, 2);
    assert_int_equal(log_read(f->l, 2, 1 << 20, -1, &r), LOG_OK);
    assert_int_equal(r.length, 3 * (int64_t)len);
    assert_int_equal(r.next_offset, 5);
    /* High watermark: only batches below max_offset. */
    assert_int_equal(log_read(f->l, 0, 1 << 20, 3, &r), LOG_OK);
    assert_int_equal(r.length, 3 * (int64_t)len);
    assert_int_equal(r.next_offset, 3);
    batch_header hs[5];
    assert_int_equal(region_batches(&r, hs, 5), 3);
    assert_int_equal(hs[2].base_offset, 2);
    assert_int_equal(log_read(f->l, 3, 1 << 20, 3, &r), LOG_OK);
    assert_int_equal(r.length, 0);
    assert_int_equal(r.next_offset, 3);
    /* At the log end: empty, and the next read starts where it is. */
    assert_int_equal(log_read(f->l, 5, 1 << 20, -1, &r), LOG_OK);
    assert_int_equal(r.length, 0);
    assert_int_equal(r.next_offset, 5);
    free(b);
}

static void test_roll_by_size_and_lookup(void **state) {
    fixture *f = *state;
    tl_small_config(&f->cfg);
    open_log(f);
    int64_t bases[200];
    int n = 0;
    for (int i = 0; i < 120; i++)
        bases[n++] = append_one(f, 1 + i % 4, 1000 + i, 40 + (size_t)(i * 7) % 150, 0);
    int64_t leo = log_end_offset(f->l);
    assert_true(log_segment_count(f->l) > 3);
    /* Every offset, also in the middle of batches, maps to its batch. */
    for (int64_t off = 0; off < leo; off++) {
        log_region r;
        assert_int_equal(log_read(f->l, off, 1, -1, &r), LOG_OK);
        batch_header h;
        assert_int_equal(region_batches(&r, &h, 1), 1);
        assert_true(h.base_offset <= off);
        assert_true(batch_last_offset(&h) >= off);
        int k = 0;
        while (k + 1 < n && bases[k + 1] <= off)
            k++;
        assert_int_equal(h.base_offset, bases[k]);
        /* Larger reads stay in one segment and end on a batch boundary. */
        assert_int_equal(log_read(f->l, off, 1 << 20, -1, &r), LOG_OK);
        assert_true(r.length <= 4096);
        batch_header many[64];
        int nb = region_batches(&r, many, 64);
        assert_true(nb >= 1);
        assert_int_equal(many[0].base_offset, bases[k]);
    }
    /* Reading on from each region's next_offset crosses every segment
     * boundary and visits each batch exactly once, up to the log end. */
    int64_t off = 0, total = 0;
    int regions = 0, batches = 0;
    while (off < leo) {
        log_region r;
        assert_int_equal(log_read(f->l, off, 1 << 20, -1, &r), LOG_OK);
        assert_true(r.length > 0);
        assert_int_equal(r.first_offset, off);
        batch_header many[128];
        int nb = region_batches(&r, many, 128);
        assert_true(nb >= 1 && nb <= 128);
        assert_int_equal(many[0].base_offset, bases[batches]);
        assert_int_equal(r.next_offset, batch_last_offset(&many[nb - 1]) + 1);
        batches += nb;
        total += r.length;
        regions++;
        off = r.next_offset;
    }
    assert_int_equal(off, leo);
    assert_int_equal(batches, n);
    assert_int_equal(total, log_size_bytes(f->l));
    assert_int_equal(regions, log_segment_count(f->l));
    /* Small reads end inside a segment; the next one goes on from there. */
    off = 0;
    batches = 0;
    while (off < leo) {
        log_region r;
        assert_int_equal(log_read(f->l, off, 300, -1, &r), LOG_OK);
        batch_header many[16];
        int nb = region_batches(&r, many, 16);
        assert_true(nb >= 1 && nb <= 16);
        assert_int_equal(many[0].base_offset, bases[batches]);
        batches += nb;
        off = r.next_offset;
    }
    assert_int_equal(batches, n);

    /* Segment files: 20-digit names, sealed indexes trimmed to whole entries
     * that each point at the start of the batch holding their offset. */
    char path[512];
    snprintf(path, sizeof(path), "%s/orders-0", f->dir);
    int sealed_with_entries = 0;
    int64_t seg_base = 0;
    for (int s = 0; s < log_segment_count(f->l) - 1; s++) {
        char lp[600], ip[600];
        tl_seg_path(lp, sizeof(lp), path, seg_base, ".log");
        tl_seg_path(ip, sizeof(ip), path, seg_base, ".index");
        int64_t lsize = tl_file_size(lp), isize = tl_file_size(ip);
        assert_true(lsize > 0 && lsize <= 4096);
        assert_true(isize >= 0);
        assert_int_equal(isize % 8, 0);
        FILE *fi = fopen(ip, "rb");
        FILE *fl = fopen(lp, "rb");
        for (int64_t e = 0; e < isize / 8; e++) {
            uint8_t ent[8], hdr[BATCH_HEADER_SIZE];
            assert_int_equal(fread(ent, 1, 8, fi), 8);
            int32_t rel = (int32_t)wire_be32(ent), pos = (int32_t)wire_be32(ent + 4);
            assert_int_equal(pread(fileno(fl), hdr, sizeof(hdr), pos), (ssize_t)sizeof(hdr));
            batch_header h;
            assert_int_equal(batch_parse_header(hdr, sizeof(hdr), &h), BATCH_OK);
            assert_int_equal(batch_last_offset(&h), seg_base + rel);
            sealed_with_entries++;
        }
        /* The next segment's base is this one's end. */
        uint8_t buf[4096];
        assert_int_equal(pread(fileno(fl), buf, (size_t)lsize, 0), lsize);
        batch_iter it;
        batch_iter_init(&it, buf, (size_t)lsize);
        batch_header h;
        const uint8_t *p;
        size_t size;
        int64_t last = -1;
        while (batch_iter_next(&it, &h, &p, &size) == 1)
            last = batch_last_offset(&h);
        fclose(fi);
        fclose(fl);
        seg_base = last + 1;
        tl_seg_path(lp, sizeof(lp), path, seg_base, ".log");
        assert_true(tl_file_size(lp) >= 0);
    }
    assert_true(sealed_with_entries > 0);
}

static void test_roll_by_time(void **state) {
    fixture *f = *state;
    f->cfg.segment_ms = 1000;
    open_log(f);
    append_one(f, 1, 10000, 10, 10000);
    append_one(f, 1, 10500, 10, 10900);
    assert_int_equal(log_segment_count(f->l), 1);
    append_one(f, 1, 11001, 10, 11001); /* first batch's timestamp + segment.ms passed */
    assert_int_equal(log_segment_count(f->l), 2);
    /* An idle active segment rolls from retention. */
    int deleted = -1;
    assert_int_equal(log_apply_retention(f->l, 11500, &deleted), LOG_OK);
    assert_int_equal(log_segment_count(f->l), 2);
    assert_int_equal(log_apply_retention(f->l, 12500, &deleted), LOG_OK);
    assert_int_equal(deleted, 0);
    assert_int_equal(log_segment_count(f->l), 3);
    assert_int_equal(log_end_offset(f->l), 3);
    assert_int_equal(log_roll(f->l, 12500), LOG_OK); /* active empty: no-op */
    assert_int_equal(log_segment_count(f->l), 3);
}

static void test_time_lookup(void **state) {
    fixture *f = *state;
    tl_small_config(&f->cfg);
    open_log(f);
    /* Batch k: records at offsets 3k..3k+2, timestamps 1000(k+1) + {0,10,20}. */
    for (int k = 0; k < 60; k++) {
        size_t len;
        uint8_t *b = tl_batch(3, 1000 * (int64_t)(k + 1), 10, 60, &len);
        assert_int_equal(log_append(f->l, b, len, 0, 0, NULL), LOG_OK);
        free(b);
    }
    assert_true(log_segment_count(f->l) > 2);
    int64_t off, ts;
    for (int k = 0; k < 60; k++) {
        int64_t base = 1000 * (int64_t)(k + 1);
        assert_int_equal(log_offset_for_time(f->l, base, &off, &ts), LOG_OK);
        assert_int_equal(off, 3 * k);
        assert_int_equal(ts, base);
        assert_int_equal(log_offset_for_time(f->l, base + 5, &off, &ts), LOG_OK);
        assert_int_equal(off, 3 * k + 1);
        assert_int_equal(ts, base + 10);
        assert_int_equal(log_offset_for_time(f->l, base + 20, &off, &ts), LOG_OK);
        assert_int_equal(off, 3 * k + 2);
    }
    assert_int_equal(log_offset_for_time(f->l, 0, &off, &ts), LOG_OK);
    assert_int_equal(off, 0);
    assert_int_equal(log_offset_for_time(f->l, 60021, &off, &ts), LOG_OK);
    assert_int_equal(off, -1);
    assert_int_equal(ts, -1);
    log_max_timestamp(f->l, &ts, &off);
    assert_int_equal(ts, 60020);
    assert_int_equal(off, 179);
    /* The same answers after a reopen that trusts the indexes. */
    log_recovery_report rep;
    reopen(f, log_end_offset(f->l), &rep);
    assert_int_equal(rep.segments_validated, 0);
    assert_int_equal(log_offset_for_time(f->l, 31005, &off, &ts), LOG_OK);
    assert_int_equal(off, 91);
    log_max_timestamp(f->l, &ts, &off);
    assert_int_equal(ts, 60020);
}

static void test_reopen_keeps_offsets(void **state) {
    fixture *f = *state;
    tl_small_config(&f->cfg);
    open_log(f);
    for (int i = 0; i < 40; i++)
        append_one(f, 2, 1000 + i, 100, 0);
    int64_t leo = log_end_offset(f->l);
    int segs = log_segment_count(f->l);
    log_recovery_report rep;
    reopen(f, -1, &rep);
    assert_int_equal(log_end_offset(f->l), leo);
    assert_int_equal(log_segment_count(f->l), segs);
    assert_int_equal(rep.segments, segs);
    assert_int_equal(rep.segments_validated, segs);
    assert_int_equal(rep.bytes_truncated, 0);
    assert_int_equal(rep.truncated_at, -1);
    assert_int_equal(rep.created, 0);
    assert_int_equal(append_one(f, 1, 5000, 10, 0), leo);
    log_region r;
    assert_int_equal(log_read(f->l, leo, 1 << 20, -1, &r), LOG_OK);
    assert_int_equal(r.first_offset, leo);
    /* Clean reopen (recovery point = log end): nothing re-validated. */
    assert_int_equal(log_flush(f->l), LOG_OK);
    reopen(f, log_recovery_point(f->l), &rep);
    assert_int_equal(rep.segments_validated, 0);
    assert_int_equal(log_end_offset(f->l), leo + 1);
    assert_int_equal(append_one(f, 1, 5000, 10, 0), leo + 1);
}

static void test_log_append_time(void **state) {
    fixture *f = *state;
    f->cfg.timestamp_type = LOG_TIMESTAMP_LOG_APPEND_TIME;
    open_log(f);
    size_t len;
    uint8_t *b = tl_batch(2, 5, 1, 10, &len);
    log_append_info info;
    assert_int_equal(log_append(f->l, b, len, 1, 777777, &info), LOG_OK);
    assert_int_equal(info.log_append_time, 777777);
    log_region r;
    assert_int_equal(log_read(f->l, 0, 1 << 20, -1, &r), LOG_OK);
    batch_header h;
    assert_int_equal(region_batches(&r, &h, 1), 1);
    assert_true(h.attributes & BATCH_ATTR_LOG_APPEND_TIME);
    assert_int_equal(h.max_timestamp, 777777);
    free(b);
}

static void test_config(void **state) {
    (void)state;
    log_config c;
    log_config_init(&c);
    assert_int_equal(c.segment_bytes, 1073741824);
    assert_int_equal(c.retention_ms, 604800000);
    assert_int_equal(c.retention_bytes, -1);
    assert_int_equal(c.flush_messages, INT64_MAX);
    assert_int_equal(c.max_message_bytes, 1048588);
    assert_int_equal(log_config_set(&c, "segment.bytes", "1048576"), LOG_OK);
    assert_int_equal(c.segment_bytes, 1048576);
    assert_int_equal(log_config_set(&c, "retention.ms", "-1"), LOG_OK);
    assert_int_equal(c.retention_ms, -1);
    assert_int_equal(log_config_set(&c, "max.message.bytes", "2000"), LOG_OK);
    assert_int_equal(c.max_message_bytes, 2000);
    assert_int_equal(log_config_set(&c, "segment.bytes", "12x"), LOG_ERR_CONFIG);
    assert_int_equal(log_config_set(&c, "segment.bytes", "99999999999"), LOG_ERR_CONFIG);
    assert_int_equal(log_config_set(&c, "no.such.key", "1"), LOG_ERR_CONFIG);
    assert_int_equal(log_config_set(&c, "cleanup.policy", "compact"), LOG_OK);
    assert_int_equal(log_config_set(&c, "cleanup.policy", "bogus"), LOG_ERR_CONFIG);
    assert_int_equal(log_config_set(&c, "cleanup.policy", "delete"), LOG_OK);
    assert_int_equal(log_config_set(&c, "message.timestamp.type", "LogAppendTime"), LOG_OK);
    assert_int_equal(c.timestamp_type, LOG_TIMESTAMP_LOG_APPEND_TIME);
    assert_int_equal(log_status_to_kafka(LOG_ERR_CONFIG), KAFKA_INVALID_CONFIG);
}

static void test_compact_refused(void **state) {
    fixture *f = *state;
    f->cfg.cleanup_policy = 7; /* no such policy */
    log *l = NULL;
    assert_int_equal(log_open(f->dir, "t", 0, &f->cfg, -1, -1, NULL, &l), LOG_ERR_CONFIG);
    assert_null(l);
    f->cfg.cleanup_policy = LOG_CLEANUP_COMPACT;
    assert_int_equal(log_open(f->dir, "", 0, &f->cfg, -1, -1, NULL, &l), LOG_ERR_ARG);
    assert_int_equal(log_open(f->dir, "a/b", 0, &f->cfg, -1, -1, NULL, &l), LOG_ERR_ARG);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_read_single, setup, teardown),
        cmocka_unit_test_setup_teardown(test_several_batches_one_append, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roll_by_size_and_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roll_by_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_offsets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_append_time, setup, teardown),
        cmocka_unit_test(test_config),
        cmocka_unit_test_setup_teardown(test_compact_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
