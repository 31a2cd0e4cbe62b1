/*
 * test_log_helpers.h - shared by the log unit tests: building valid
 * uncompressed RecordBatch v2 bytes, temporary directories, and reading a
 * log_region back. Header-only (static functions) so each test executable
 * stays a single .c file.
 */
#ifndef STRAND_TEST_LOG_HELPERS_H
#define STRAND_TEST_LOG_HELPERS_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/log.h"
#include "wire/batch.h"
#include "wire/buf.h"

/* Append one batch of `nrec` records (record i: timestamp base_ts + i*ts_step,
 * value of value_len bytes) to w. baseOffset 0, epoch -1, no compression. */
static inline void tl_batch_write(wire_writer *w, int nrec, int64_t base_ts, int64_t ts_step,
                                  size_t value_len) {
    wire_writer recs;
    wire_writer_init(&recs);
    uint8_t *value = malloc(value_len ? value_len : 1);
    for (int i = 0; i < nrec; i++) {
        memset(value, 'a' + i % 26, value_len);
        wire_writer r;
        wire_writer_init(&r);
        wire_write_i8(&r, 0);
        wire_write_varlong(&r, (int64_t)i * ts_step);
        wire_write_varint(&r, i);
        wire_write_varint(&r, -1);
        wire_write_varint(&r, (int32_t)value_len);
        wire_write_raw(&r, value, value_len);
        wire_write_varint(&r, 0);
        wire_write_varint(&recs, (int32_t)r.len);
        wire_write_raw(&recs, r.p, r.len);
        wire_writer_free(&r);
    }
    free(value);
    size_t start = w->len;
    int64_t max_ts = base_ts + (int64_t)(nrec - 1) * ts_step;
    wire_write_i64(w, 0);
    wire_write_i32(w, (int32_t)(BATCH_HEADER_SIZE - BATCH_LOG_OVERHEAD + recs.len));
    wire_write_i32(w, -1);
    wire_write_i8(w, 2);
    wire_write_u32(w, 0);
    wire_write_i16(w, 0);
    wire_write_i32(w, nrec - 1);
    wire_write_i64(w, base_ts);
    wire_write_i64(w, max_ts);
    wire_write_i64(w, -1);
    wire_write_i16(w, -1);
    wire_write_i32(w, -1);
    wire_write_i32(w, nrec);
    wire_write_raw(w, recs.p, recs.len);
    wire_writer_free(&recs);
    uint8_t *b = w->p + start;
    wire_put_be32(b + 17, batch_compute_crc(b, w->len - start));
}

/* One batch, malloc'ed; *len its size. */
static inline uint8_t *tl_batch(int nrec, int64_t base_ts, int64_t ts_step, size_t value_len,
                                size_t *len) {
    wire_writer w;
    wire_writer_init(&w);
    tl_batch_write(&w, nrec, base_ts, ts_step, value_len);
    return wire_writer_take(&w, len);
}

static inline char *tl_tmpdir(void) {
    char *p = strdup("/tmp/strand-log-test-XXXXXX");
    if (!p || !mkdtemp(p)) {
        free(p);
        return NULL;
    }
    return p;
}

static inline int tl_rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline void tl_rmrf(char *path) {
    if (path)
        nftw(path, tl_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    free(path);
}

/* The bytes of a region, malloc'ed. */
static inline uint8_t *tl_region_read(const log_region *r) {
    uint8_t *b = malloc(r->length ? (size_t)r->length : 1);
    if (b && r->length && pread(r->fd, b, (size_t)r->length, r->position) != r->length) {
        free(b);
        return NULL;
    }
    return b;
}

/* Path of a segment file in a partition directory. */
static inline void tl_seg_path(char *out, size_t cap, const char *pdir, int64_t base,
                               const char *suffix) {
    int n = snprintf(out, cap, "%s/%020lld%s", pdir, (long long)base, suffix);
    if (n < 0 || (size_t)n >= cap)
        out[0] = '\0'; /* too long: an empty path fails loudly in the test */
}

static inline int64_t tl_file_size(const char *path) {
    struct stat st;
    return stat(path, &st) < 0 ? -1 : (int64_t)st.st_size;
}

/* A config small enough to roll and index in tests. */
static inline void tl_small_config(log_config *c) {
    log_config_init(c);
    c->segment_bytes = 4096;
    c->index_interval_bytes = 256;
    c->segment_index_bytes = 1024;
}

#endif
