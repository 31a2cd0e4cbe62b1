/*
 * log_append.c - append throughput of the partition log alone, next to the
 * raw sequential write speed of the same disk, measured in the same run.
 *
 * The log is the part of the produce path that touches the disk, so its
 * speed is bounded by the disk's. This program writes the same number of
 * bytes twice into the same directory:
 *   raw  - plain write() of 16 KiB chunks into one file, then fsync();
 *   log  - log_append() of ready-made RecordBatch v2 batches (100-byte
 *          records, ~16 KiB per batch, built once with the wire/batch.h
 *          builder) into a fresh log, then log_flush() (fsync).
 * and prints MB/s for each, with and without the final fsync, and the
 * ratio log/raw. The batch is appended again and again: log_append()
 * rewrites only baseOffset in place, exactly what it does for a producer's
 * batch, so no per-append building cost is measured.
 *
 * Both are run ROUNDS times, alternating, and the medians are reported.
 *
 * Usage: bench_log_append [-d DIR] [-m MEGABYTES] [-r RECORD_BYTES] [-b BATCH_BYTES]
 *                         [-n ROUNDS]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log/log.h"
#include "wire/batch.h"
#include "wire/buf.h"

#define BENCH_MAX_ROUNDS 9

static double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t bench_wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One batch of `record_bytes`-byte values, as many as fit in batch_bytes. */
static int bench_batch_build(size_t record_bytes, size_t batch_bytes, wire_writer *out,
                             int32_t *records) {
    batch_builder b;
    if (batch_builder_init(&b, BATCH_CODEC_NONE) != BATCH_OK)
        return -1;
    uint8_t *value = malloc(record_bytes);
    if (!value)
        return -1;
    for (size_t i = 0; i < record_bytes; i++)
        value[i] = (uint8_t)('a' + i % 26);
    int64_t ts = bench_wall_ms();
    /* Record overhead is ~8 bytes for small records; stop before passing
     * the target size. */
    while ((size_t)BATCH_HEADER_SIZE + b.records.len + record_bytes + 8 <= batch_bytes) {
        wire_bytes v = {value, (int32_t)record_bytes};
        if (batch_builder_add(&b, ts, WIRE_BYTES_NULL, v, NULL, 0) != BATCH_OK)
            break;
    }
    *records = b.count;
    int rc = batch_builder_finish(&b, out);
    batch_builder_free(&b);
    free(value);
    return rc == BATCH_OK ? 0 : -1;
}

typedef struct bench_result {
    double write_s; /* until the last write returned */
    double total_s; /* including the final fsync */
} bench_result;

static int bench_raw(const char *dir, const uint8_t *chunk, size_t chunk_len, long chunks,
                     bench_result *res) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/raw.bin", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    double t0 = bench_now();
    for (long i = 0; i < chunks; i++) {
        if (write(fd, chunk, chunk_len) != (ssize_t)chunk_len) {
            close(fd);
            return -1;
        }
    }
    double t1 = bench_now();
    int rc = fsync(fd);
    double t2 = bench_now();
    close(fd);
    unlink(path);
    res->write_s = t1 - t0;
    res->total_s = t2 - t0;
    return rc;
}

static int bench_log(const char *dir, uint8_t *batch, size_t batch_len, long batches,
                     bench_result *res) {
    log_config cfg;
    log_config_init(&cfg);
    log *lg = NULL;
    int rc = log_open(dir, "bench", 0, &cfg, -1, -1, NULL, &lg);
    if (rc != LOG_OK) {
        fprintf(stderr, "log_open: %s\n", log_strerror(rc));
        return -1;
    }
    double t0 = bench_now();
    for (long i = 0; i < batches; i++) {
        rc = log_append(lg, batch, batch_len, 0, bench_wall_ms(), NULL);
        if (rc != LOG_OK) {
            fprintf(stderr, "log_append: %s\n", log_strerror(rc));
            log_close(lg);
            return -1;
        }
    }
    double t1 = bench_now();
    rc = log_flush(lg);
    double t2 = bench_now();
    if (rc != LOG_OK)
        fprintf(stderr, "log_flush: %s\n", log_strerror(rc));
    log_delete(lg);
    res->write_s = t1 - t0;
    res->total_s = t2 - t0;
    return rc == LOG_OK ? 0 : -1;
}

static int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of each field separately. */
static bench_result bench_median(const bench_result *runs, int n) {
    double w[BENCH_MAX_ROUNDS], t[BENCH_MAX_ROUNDS];
    for (int i = 0; i < n; i++) {
        w[i] = runs[i].write_s;
        t[i] = runs[i].total_s;
    }
    qsort(w, (size_t)n, sizeof(double), bench_cmp_double);
    qsort(t, (size_t)n, sizeof(double), bench_cmp_double);
    bench_result r = {w[n / 2], t[n / 2]};
    return r;
}

static int usage(void) {
    fprintf(stderr, "usage: bench_log_append [-d DIR] [-m MEGABYTES] [-r RECORD_BYTES] "
                    "[-b BATCH_BYTES] [-n ROUNDS]\n");
    return 2;
}

int main(int argc, char **argv) {
    const char *dir = ".";
    long megabytes = 512;
    int rounds = 3;
    size_t record_bytes = 100, batch_bytes = 16384;
    int opt;
    while ((opt = getopt(argc, argv, "d:m:r:b:n:")) != -1) {
        switch (opt) {
        case 'd':
            dir = optarg;
            break;
        case 'm':
            megabytes = atol(optarg);
            break;
        case 'r':
            record_bytes = (size_t)atol(optarg);
            break;
        case 'b':
            batch_bytes = (size_t)atol(optarg);
            break;
        case 'n':
            rounds = atoi(optarg);
            break;
        default:
            return usage();
        }
    }
    if (megabytes <= 0 || record_bytes == 0 || batch_bytes < 128 || rounds < 1 ||
        rounds > BENCH_MAX_ROUNDS)
        return usage();

    wire_writer w;
    wire_writer_init(&w);
    int32_t records = 0;
    if (bench_batch_build(record_bytes, batch_bytes, &w, &records) != 0 || w.err) {
        fprintf(stderr, "cannot build the batch\n");
        return 1;
    }
    long batches = (long)((megabytes << 20) / (long)w.len);
    double mb = (double)batches * (double)w.len / 1e6;

    /* Alternate raw and log runs and keep the median of each, so that
     * neither side profits from running first or last (page cache, the
     * VM's disk cache, background writeback). */
    bench_result raw_runs[BENCH_MAX_ROUNDS], log_runs[BENCH_MAX_ROUNDS];
    for (int i = 0; i < rounds; i++) {
        if (bench_raw(dir, w.p, w.len, batches, &raw_runs[i]) != 0) {
            fprintf(stderr, "raw write in %s: %s\n", dir, strerror(errno));
            return 1;
        }
        if (bench_log(dir, w.p, w.len, batches, &log_runs[i]) != 0)
            return 1;
    }
    bench_result raw = bench_median(raw_runs, rounds), lg = bench_median(log_runs, rounds);

    printf("batch: %d records of %zu bytes, %zu bytes per batch, %ld batches, %.1f MB, median of "
           "%d rounds\n",
           records, record_bytes, w.len, batches, mb, rounds);
    printf("raw_write   write: %8.1f MB/s   write+fsync: %8.1f MB/s\n", mb / raw.write_s,
           mb / raw.total_s);
    printf("log_append  write: %8.1f MB/s   write+fsync: %8.1f MB/s   %.0f records/s\n",
           mb / lg.write_s, mb / lg.total_s, (double)batches * records / lg.total_s);
    printf("ratio log/raw  write: %.2f   write+fsync: %.2f\n", raw.write_s / lg.write_s,
           raw.total_s / lg.total_s);
    wire_writer_free(&w);
    return 0;
}
