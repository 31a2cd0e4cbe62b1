/*
 * cmd_log.c - `strand log dump`: offline inspection of partition logs.
 *
 * A partition directory holds segments named by their 20-digit base offset
 * (Kafka's layout): NNN.log with the record batches exactly as produced,
 * NNN.index (8-byte entries: relative offset, file position) and
 * NNN.timeindex (12-byte entries: timestamp, relative offset). This file
 * maps each .log read-only, walks it batch by batch with wire/batch.h,
 * prints one line per batch (and every record with --records), and checks
 * what a crash or a bug could break: CRCs, a torn tail, offsets that do
 * not grow, and index entries that do not point where they claim. Every
 * problem is reported with file and position; --verify turns any problem
 * into exit status 1.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/cli.h"
#include "wire/batch.h"
#include "wire/buf.h"

#define MAX_BATCH_SIZE ((size_t)1 << 30)
#define MAX_DECOMPRESSED ((size_t)1 << 30)

/* What the index checks need to know about each batch of a segment. */
typedef struct batch_pos {
    int64_t pos;
    int64_t base;
    int64_t last;
    int64_t max_ts_so_far;
} batch_pos;

typedef struct dump_state {
    int records;
    int problems;
    int64_t prev_last; /* last offset of the previous batch, across segments */
    int64_t batches;
    int64_t n_records;
    int64_t first_offset;
    int64_t absent;        /* offsets in the covered range that hold no record (compaction) */
    int64_t next_expected; /* offset the next batch should start at; -1 unknown */
    batch_pos *pos;        /* batches of the current segment */
    size_t n_pos, cap_pos;
} dump_state;

static void problem(dump_state *st, const char *file, int64_t pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void problem(dump_state *st, const char *file, int64_t pos, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fflush(stdout);
    if (pos >= 0)
        fprintf(stderr, "strand: corrupt: %s: position %lld: ", file, (long long)pos);
    else
        fprintf(stderr, "strand: corrupt: %s: ", file);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    st->problems++;
}

/* Print bytes: text as is, mostly-binary data as hex, otherwise escaped. */
static void print_bytes(const uint8_t *p, int32_t len) {
    if (len < 0) {
        fputs("null", stdout);
        return;
    }
    int32_t odd = 0;
    int utf8_ok = 1;
    for (int32_t i = 0; i < len; i++) {
        uint8_t ch = p[i];
        if (ch >= 0x20 && ch < 0x7f)
            continue;
        if (ch >= 0xc2 && ch <= 0xf4) { /* a well-formed UTF-8 sequence counts as text */
            int more = ch >= 0xf0 ? 3 : ch >= 0xe0 ? 2 : 1;
            int j = 1;
            while (j <= more && i + j < len && (p[i + j] & 0xc0) == 0x80)
                j++;
            if (j == more + 1) {
                i += more;
                continue;
            }
        }
        odd++;
        utf8_ok = 0;
    }
    if (utf8_ok) {
        fwrite(p, 1, (size_t)len, stdout);
    } else if (odd * 4 > len) {
        fputs("0x", stdout);
        for (int32_t i = 0; i < len; i++)
            printf("%02x", p[i]);
    } else {
        for (int32_t i = 0; i < len; i++) {
            uint8_t ch = p[i];
            if (ch == '\\')
                fputs("\\\\", stdout);
            else if (ch == '\n')
                fputs("\\n", stdout);
            else if (ch == '\t')
                fputs("\\t", stdout);
            else if (ch == '\r')
                fputs("\\r", stdout);
            else if (ch >= 0x20 && ch < 0x7f)
                putchar(ch);
            else
                printf("\\x%02x", ch);
        }
    }
}

/* Decode and print the records of one batch (wire/batch.h reader, which
 * also decompresses); 0 or -1 (and a problem). */
static int dump_records(dump_state *st, const char *file, int64_t at, const batch_header *h,
                        const uint8_t *batch, size_t size) {
    batch_reader br;
    batch_record rec;
    int rc = batch_reader_open(&br, batch, size, MAX_DECOMPRESSED);
    while (rc == BATCH_OK) {
        rc = batch_reader_next(&br, &rec);
        if (rc != 1)
            break; /* 0: all records read; < 0: a batch_status */
        printf("  | offset: %lld timestamp: %lld key: ", (long long)rec.offset,
               (long long)rec.timestamp);
        print_bytes(rec.key.ptr, rec.key.len);
        fputs(" value: ", stdout);
        print_bytes(rec.value.ptr, rec.value.len);
        if (rec.header_count > 0) {
            batch_header_iter hi;
            batch_record_header hdr;
            batch_header_iter_init(&hi, &rec);
            fputs(" headers: ", stdout);
            for (int k = 0; batch_header_iter_next(&hi, &hdr) == 1; k++) {
                if (k)
                    putchar(',');
                print_bytes(hdr.key.ptr, hdr.key.len);
                putchar('=');
                print_bytes(hdr.value.ptr, hdr.value.len);
            }
        }
        putchar('\n');
        st->n_records++;
        rc = BATCH_OK;
    }
    batch_reader_close(&br);
    if (rc != 0) {
        problem(st, file, at, "records of the %s batch at offset %lld do not decode: %s",
                batch_codec_name(batch_codec_of(h)), (long long)h->base_offset, batch_strerror(rc));
        return -1;
    }
    return 0;
}

static int remember_batch(dump_state *st, int64_t pos, const batch_header *h) {
    if (st->n_pos == st->cap_pos) {
        size_t cap = st->cap_pos ? st->cap_pos * 2 : 256;
        batch_pos *p = realloc(st->pos, cap * sizeof *p);
        if (!p)
            return -1;
        st->pos = p;
        st->cap_pos = cap;
    }
    int64_t prev = st->n_pos ? st->pos[st->n_pos - 1].max_ts_so_far : INT64_MIN;
    batch_pos *b = &st->pos[st->n_pos++];
    b->pos = pos;
    b->base = h->base_offset;
    b->last = batch_last_offset(h);
    b->max_ts_so_far = h->max_timestamp > prev ? h->max_timestamp : prev;
    return 0;
}

/* The batch starting exactly at `pos`, or NULL. */
static const batch_pos *batch_at(const dump_state *st, int64_t pos) {
    size_t lo = 0, hi = st->n_pos;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->pos[mid].pos < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < st->n_pos && st->pos[lo].pos == pos ? &st->pos[lo] : NULL;
}

/* The batch holding `offset`, or NULL. */
static const batch_pos *batch_with(const dump_state *st, int64_t offset) {
    for (size_t i = 0; i < st->n_pos; i++)
        if (st->pos[i].base <= offset && offset <= st->pos[i].last)
            return &st->pos[i];
    return NULL;
}

/* Read a whole small file; NULL if it does not exist (*missing set). */
static uint8_t *slurp(const char *path, size_t *len, int *missing) {
    *missing = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *missing = errno == ENOENT;
        return NULL;
    }
    struct stat sb;
    uint8_t *buf = NULL;
    if (fstat(fileno(f), &sb) == 0 && (buf = malloc((size_t)sb.st_size + 1)) != NULL) {
        *len = fread(buf, 1, (size_t)sb.st_size, f);
    }
    fclose(f);
    return buf;
}

/* Entries up to the last non-zero one are live; Kafka preallocates the
 * active segment's index files with zeros. */
static size_t live_entries(const uint8_t *p, size_t n, size_t esize) {
    size_t live = n;
    while (live > 0) {
        const uint8_t *e = p + (live - 1) * esize;
        size_t k = 0;
        while (k < esize && e[k] == 0)
            k++;
        if (k < esize)
            break;
        live--;
    }
    return live;
}

static void check_offset_index(dump_state *st, const char *path, int64_t base, int64_t seg_last) {
    size_t len = 0;
    int missing;
    uint8_t *p = slurp(path, &len, &missing);
    if (!p) {
        if (missing)
            printf("index %s: missing (Kafka rebuilds it from the log)\n", path);
        else
            problem(st, path, -1, "cannot read: %s", strerror(errno));
        return;
    }
    int before = st->problems;
    if (len % 8)
        problem(st, path, -1, "size %zu is not a multiple of 8", len);
    size_t n = live_entries(p, len / 8, 8);
    int64_t prev_off = -1, prev_pos = -1;
    for (size_t i = 0; i < n; i++) {
        int64_t off = base + (int32_t)wire_be32(p + i * 8);
        int64_t pos = (int32_t)wire_be32(p + i * 8 + 4);
        int64_t at = (int64_t)(i * 8);
        const batch_pos *b = batch_at(st, pos);
        if (off <= prev_off || pos < prev_pos)
            problem(st, path, at, "entry %zu (offset %lld -> position %lld) does not grow", i,
                    (long long)off, (long long)pos);
        else if (!b)
            problem(st, path, at,
                    "entry %zu (offset %lld -> position %lld): no batch starts at that position", i,
                    (long long)off, (long long)pos);
        else if (off < b->base || off > seg_last)
            problem(st, path, at,
                    "entry %zu (offset %lld -> position %lld): the batch there holds offsets "
                    "%lld..%lld",
                    i, (long long)off, (long long)pos, (long long)b->base, (long long)b->last);
        prev_off = off;
        prev_pos = pos;
    }
    printf("index %s: %zu entries, %s\n", path, n,
           st->problems == before ? "consistent with the log" : "INCONSISTENT");
    free(p);
}

static void check_time_index(dump_state *st, const char *path, int64_t base) {
    size_t len = 0;
    int missing;
    uint8_t *p = slurp(path, &len, &missing);
    if (!p) {
        if (missing)
            printf("timeindex %s: missing (Kafka rebuilds it from the log)\n", path);
        else
            problem(st, path, -1, "cannot read: %s", strerror(errno));
        return;
    }
    int before = st->problems;
    if (len % 12)
        problem(st, path, -1, "size %zu is not a multiple of 12", len);
    size_t n = live_entries(p, len / 12, 12);
    int64_t prev_ts = INT64_MIN, prev_off = -1;
    for (size_t i = 0; i < n; i++) {
        int64_t ts = (int64_t)wire_be64(p + i * 12);
        int64_t off = base + (int32_t)wire_be32(p + i * 12 + 8);
        int64_t at = (int64_t)(i * 12);
        const batch_pos *b = batch_with(st, off);
        if (ts < prev_ts || off < prev_off)
            problem(st, path, at, "entry %zu (time %lld -> offset %lld) goes backwards", i,
                    (long long)ts, (long long)off);
        else if (!b)
            problem(st, path, at, "entry %zu (time %lld -> offset %lld): offset not in the log", i,
                    (long long)ts, (long long)off);
        else if (ts > b->max_ts_so_far)
            problem(st, path, at,
                    "entry %zu (time %lld -> offset %lld): no record up to that offset has that "
                    "timestamp (max %lld)",
                    i, (long long)ts, (long long)off, (long long)b->max_ts_so_far);
        prev_ts = ts;
        prev_off = off;
    }
    printf("timeindex %s: %zu entries, %s\n", path, n,
           st->problems == before ? "consistent with the log" : "INCONSISTENT");
    free(p);
}

/* Base offset from a segment file name ("00000000000000000042.log"), or -1. */
static int64_t segment_base(const char *path) {
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    if (strlen(name) != 24 || strcmp(name + 20, ".log") != 0)
        return -1;
    int64_t v = 0;
    for (int i = 0; i < 20; i++) {
        if (name[i] < '0' || name[i] > '9' || v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (name[i] - '0');
    }
    return v;
}

static int dump_segment(dump_state *st, const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) < 0) {
        cli_error("cannot open %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    size_t size = (size_t)sb.st_size;
    const uint8_t *map = NULL;
    if (size > 0) {
        map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            cli_error("cannot map %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
    }
    close(fd);
    int64_t base = segment_base(path);
    printf("segment %s: %zu bytes\n", path, size);
    st->n_pos = 0;
    if (st->next_expected < 0 && base >= 0)
        st->next_expected = base; /* the dump covers the log from its first segment */

    batch_iter it;
    batch_iter_init(&it, map, size);
    batch_header h;
    const uint8_t *b;
    size_t bsize;
    int first = 1;
    for (;;) {
        int64_t at = (int64_t)it.pos;
        int rc = batch_iter_next(&it, &h, &b, &bsize);
        if (rc == 0) {
            if (it.partial)
                problem(st, path, at,
                        "torn tail: the last %lld bytes of the file do not hold a whole batch "
                        "(truncated write?)",
                        (long long)((int64_t)size - at));
            break;
        }
        if (rc == BATCH_ERR_MAGIC) { /* its length is known: report and step over it */
            problem(st, path, at, "batch with magic %d, not 2: cannot be read", (int)b[16]);
            first = 0;
            continue;
        }
        if (rc < 0) {
            problem(st, path, at, "batch header does not parse (%s); cannot walk further",
                    batch_strerror(rc));
            break;
        }
        int crc_ok = batch_compute_crc(b, bsize) == h.crc;
        int64_t last = batch_last_offset(&h);
        int codec = batch_codec_of(&h);
        /* Compaction leaves offsets without records: between batches, and
         * inside a batch that kept fewer records than its offset span. */
        if (st->next_expected >= 0 && h.base_offset > st->next_expected) {
            printf("gap: offsets %lld..%lld hold no batch (compacted)\n",
                   (long long)st->next_expected, (long long)(h.base_offset - 1));
            st->absent += h.base_offset - st->next_expected;
        }
        if (last + 1 > st->next_expected)
            st->next_expected = last + 1;
        printf("baseOffset: %lld lastOffset: %lld count: %d size: %zu codec: %s "
               "baseTimestamp: %lld maxTimestamp: %lld leaderEpoch: %d crc: %s position: %lld",
               (long long)h.base_offset, (long long)last, h.record_count, bsize,
               batch_codec_name(codec), (long long)h.base_timestamp, (long long)h.max_timestamp,
               h.partition_leader_epoch, crc_ok ? "ok" : "BAD", (long long)at);
        if (h.producer_id >= 0)
            printf(" producerId: %lld producerEpoch: %d baseSequence: %d", (long long)h.producer_id,
                   h.producer_epoch, h.base_sequence);
        if (h.attributes & BATCH_ATTR_TRANSACTIONAL)
            fputs(" transactional", stdout);
        if (h.attributes & BATCH_ATTR_CONTROL)
            fputs(" control", stdout);
        if (h.attributes & BATCH_ATTR_LOG_APPEND_TIME)
            fputs(" logAppendTime", stdout);
        if (h.record_count >= 0 && last >= h.base_offset &&
            h.record_count < (int64_t)h.last_offset_delta + 1) {
            printf(" compacted: %d of %lld offsets hold records", h.record_count,
                   (long long)h.last_offset_delta + 1);
            st->absent += (int64_t)h.last_offset_delta + 1 - h.record_count;
        }
        putchar('\n');

        if (!crc_ok)
            problem(st, path, at,
                    "CRC mismatch in the batch at offset %lld (stored %08x, computed %08x)",
                    (long long)h.base_offset, h.crc, batch_compute_crc(b, bsize));
        batch_header vh;
        int vrc = batch_validate(b, bsize, MAX_BATCH_SIZE, 0, &vh);
        if (vrc != BATCH_OK && vrc != BATCH_ERR_CRC)
            problem(st, path, at, "invalid batch at offset %lld: %s", (long long)h.base_offset,
                    batch_strerror(vrc));
        if (first && base >= 0 && h.base_offset < base)
            problem(st, path, at,
                    "first batch starts at offset %lld, below the segment's base %lld",
                    (long long)h.base_offset, (long long)base);
        if (h.base_offset <= st->prev_last)
            problem(st, path, at, "offsets go backwards: batch at offset %lld follows offset %lld",
                    (long long)h.base_offset, (long long)st->prev_last);
        if (last < h.base_offset)
            problem(st, path, at, "lastOffsetDelta %d is negative", h.last_offset_delta);
        if (st->batches == 0)
            st->first_offset = h.base_offset;
        st->prev_last = last > st->prev_last ? last : st->prev_last;
        st->batches++;
        if (remember_batch(st, at, &h) < 0) {
            cli_error("out of memory");
            break;
        }
        if (st->records && vrc != BATCH_ERR_ATTR)
            dump_records(st, path, at, &h, b, bsize);
        else if (!st->records)
            st->n_records += h.record_count;
        first = 0;
    }
    if (map)
        munmap((void *)map, size);

    /* The indexes sit beside the .log with the same stem. */
    size_t plen = strlen(path);
    if (plen > 4 && strcmp(path + plen - 4, ".log") == 0) {
        char *ipath = malloc(plen + 16);
        if (ipath) {
            int64_t seg_base = base >= 0 ? base : (st->n_pos ? st->pos[0].base : 0);
            int64_t seg_last = st->n_pos ? st->pos[st->n_pos - 1].last : seg_base - 1;
            memcpy(ipath, path, plen - 4);
            strcpy(ipath + plen - 4, ".index");
            check_offset_index(st, ipath, seg_base, seg_last);
            strcpy(ipath + plen - 4, ".timeindex");
            check_time_index(st, ipath, seg_base);
            free(ipath);
        }
    }
    return 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* All NNN.log segments of a directory, in offset order (the 20-digit names
 * sort as offsets). */
static int dump_dir(dump_state *st, const char *dir) {
    DIR *d = opendir(dir);
    if (!d) {
        cli_error("cannot open directory %s: %s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (segment_base(e->d_name) < 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                rc = -1;
                break;
            }
            names = nn;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n]) {
            rc = -1;
            break;
        }
        snprintf(names[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (rc == 0 && n == 0)
        printf("directory %s: no segment files (NNNNNNNNNNNNNNNNNNNN.log)\n", dir);
    if (rc == 0 && n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = dump_segment(st, names[i]);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc < 0)
        cli_error("cannot list %s", dir);
    return rc;
}

/* For an .index or .timeindex path, the .log of the same segment
 * (malloc'ed), so that `log dump X.index` checks that index; else NULL. */
static char *index_to_log(const char *path) {
    static const char *const suffixes[] = {".timeindex", ".index"};
    size_t n = strlen(path);
    for (size_t i = 0; i < 2; i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k && strcmp(path + n - k, suffixes[i]) == 0) {
            char *log = malloc(n - k + 5);
            if (log) {
                memcpy(log, path, n - k);
                strcpy(log + n - k, ".log");
            }
            return log;
        }
    }
    return NULL;
}

int cmd_log_dump(cli_ctx *ctx, int argc, char **argv) {
    (void)ctx;
    const cli_command *cmd = cli_command_find("log", "dump");
    static const struct option opts[] = {{"records", no_argument, NULL, 'r'},
                                         {"verify", no_argument, NULL, 'v'},
                                         {NULL, 0, NULL, 0}};
    dump_state st;
    memset(&st, 0, sizeof st);
    st.prev_last = -1;
    st.next_expected = -1;
    int verify = 0, opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "rv", opts, NULL)) != -1) {
        if (opt == 'r')
            st.records = 1;
        else if (opt == 'v')
            verify = 1;
        else
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
    }
    if (optind >= argc)
        return cli_usage_error(cmd, "missing PATH (a .log segment or a partition directory)");
    int rc = CLI_OK;
    for (int i = optind; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) < 0) {
            cli_error("cannot open %s: %s", argv[i], strerror(errno));
            rc = CLI_ERR;
            continue;
        }
        st.prev_last = -1;
        st.next_expected = -1;
        int r;
        char *seg = index_to_log(argv[i]);
        if (S_ISDIR(sb.st_mode))
            r = dump_dir(&st, argv[i]);
        else
            r = dump_segment(&st, seg ? seg : argv[i]);
        free(seg);
        if (r < 0)
            rc = CLI_ERR;
    }
    printf("summary: %lld batches, %lld records", (long long)st.batches, (long long)st.n_records);
    if (st.batches)
        printf(", offsets %lld..%lld", (long long)st.first_offset, (long long)st.prev_last);
    if (st.absent)
        printf(" (%lld without a record: compacted)", (long long)st.absent);
    printf(", %d problem%s\n", st.problems, st.problems == 1 ? "" : "s");
    free(st.pos);
    if (verify && st.problems) {
        cli_error("verify failed: %d problem%s (listed above on stderr)", st.problems,
                  st.problems == 1 ? "" : "s");
        rc = CLI_ERR;
    } else if (verify && rc == CLI_OK) {
        printf("verify: ok\n");
    }
    return rc;
}
