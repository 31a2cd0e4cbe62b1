/*
 * segment.c - one segment of a partition log: the .log file and its two
 * indexes, appended to by the log and re-read by recovery.
 *
 * Recovery (segment_recover) maps the .log read-only and walks it batch by
 * batch with the full check (size, magic, CRC-32C, increasing offsets),
 * rebuilding both indexes exactly as appends would have written them. The
 * cheap path for segments below the recovery point (segment_load) trusts
 * the indexes and only walks the batches after the last index entry to find
 * the segment's next offset. Lookups jump through the offset index and then
 * walk batch headers with a buffered pread().
 */
#include "log/segment.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/log.h"
#include "wire/buf.h"

void segment_path(char *out, size_t outlen, const char *dir, int64_t base, const char *suffix) {
    snprintf(out, outlen, "%s/%020" PRId64 "%s", dir, base, suffix);
}

static void segment_reset_summary(segment *s) {
    s->next_offset = s->base_offset;
    s->max_timestamp = -1;
    s->offset_of_max = -1;
    s->roll_base_ms = -1;
    s->bytes_since_index = 0;
}

int segment_open(segment *s, const char *dir, int64_t base, int create, int active,
                 int64_t index_bytes) {
    char path[4096];
    memset(s, 0, sizeof(*s));
    s->fd = s->oidx.fd = s->tidx.fd = -1;
    s->base_offset = base;
    segment_reset_summary(s);
    segment_path(path, sizeof(path), dir, base, ".log");
    s->fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
    if (s->fd < 0)
        return LOG_ERR_IO;
    struct stat st;
    if (fstat(s->fd, &st) < 0)
        goto fail;
    s->size = st.st_size;
    segment_path(path, sizeof(path), dir, base, ".index");
    if (log_index_open(&s->oidx, path, OFFSET_INDEX_ENTRY, active ? index_bytes : 0) != LOG_OK)
        goto fail;
    segment_path(path, sizeof(path), dir, base, ".timeindex");
    if (log_index_open(&s->tidx, path, TIME_INDEX_ENTRY, active ? index_bytes : 0) != LOG_OK)
        goto fail;
    s->sealed = !active;
    return LOG_OK;
fail:
    segment_close(s);
    return LOG_ERR_IO;
}

void segment_close(segment *s) {
    log_index_close(&s->oidx);
    log_index_close(&s->tidx);
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

int segment_remove(segment *s, const char *dir) {
    static const char *const suffixes[] = {".log", ".index", ".timeindex", ".txnindex"};
    char path[4096];
    int rc = LOG_OK;
    int64_t base = s->base_offset;
    segment_close(s);
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        segment_path(path, sizeof(path), dir, base, suffixes[i]);
        if (unlink(path) < 0 && errno != ENOENT)
            rc = LOG_ERR_IO;
    }
    return rc;
}

int segment_seal(segment *s) {
    if (s->sealed)
        return LOG_OK;
    int64_t last_ts = INT64_MIN;
    int32_t rel;
    if (s->tidx.entries > 0)
        time_index_entry(&s->tidx, s->tidx.entries - 1, &last_ts, &rel);
    if (s->max_timestamp >= 0 && s->max_timestamp > last_ts) {
        if (log_index_full(&s->tidx) &&
            log_index_resize(&s->tidx, (s->tidx.cap + 1) * TIME_INDEX_ENTRY) != LOG_OK)
            return LOG_ERR_IO;
        time_index_append(&s->tidx, s->max_timestamp, (int32_t)(s->offset_of_max - s->base_offset));
    }
    if (log_index_trim(&s->oidx) != LOG_OK || log_index_trim(&s->tidx) != LOG_OK)
        return LOG_ERR_IO;
    s->sealed = 1;
    return LOG_OK;
}

int segment_unseal(segment *s, int64_t index_bytes) {
    if (log_index_resize(&s->oidx, index_bytes) != LOG_OK ||
        log_index_resize(&s->tidx, index_bytes) != LOG_OK)
        return LOG_ERR_IO;
    s->sealed = 0;
    return LOG_OK;
}

void segment_note_batch(segment *s, const batch_header *h, int64_t pos, int32_t interval) {
    int64_t last = batch_last_offset(h);
    if (pos == 0)
        s->roll_base_ms = h->max_timestamp;
    if (h->max_timestamp > s->max_timestamp) {
        s->max_timestamp = h->max_timestamp;
        s->offset_of_max = last;
    }
    if (s->bytes_since_index > interval) {
        offset_index_append(&s->oidx, (int32_t)(last - s->base_offset), (int32_t)pos);
        int64_t last_ts = INT64_MIN;
        int32_t rel;
        if (s->tidx.entries > 0)
            time_index_entry(&s->tidx, s->tidx.entries - 1, &last_ts, &rel);
        /* The last slot stays free for the entry segment_seal adds. */
        if (s->max_timestamp > last_ts && s->tidx.entries + 1 < s->tidx.cap)
            time_index_append(&s->tidx, s->max_timestamp,
                              (int32_t)(s->offset_of_max - s->base_offset));
        s->bytes_since_index = 0;
    }
    s->bytes_since_index += batch_total_size(h);
    s->next_offset = last + 1;
}

int segment_recover(segment *s, int64_t index_bytes, int32_t interval, segment_scan *scan) {
    int sealed = s->sealed;
    memset(scan, 0, sizeof(*scan));
    if (log_index_resize(&s->oidx, index_bytes) != LOG_OK ||
        log_index_resize(&s->tidx, index_bytes) != LOG_OK)
        return LOG_ERR_IO;
    log_index_clear(&s->oidx);
    log_index_clear(&s->tidx);
    segment_reset_summary(s);
    struct stat st;
    if (fstat(s->fd, &st) < 0)
        return LOG_ERR_IO;
    scan->file_bytes = st.st_size;
    int64_t pos = 0;
    if (st.st_size > 0) {
        const uint8_t *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, s->fd, 0);
        if (m == MAP_FAILED)
            return LOG_ERR_IO;
        madvise((void *)m, (size_t)st.st_size, MADV_SEQUENTIAL);
        while (pos < st.st_size) {
            batch_header h;
            size_t left = (size_t)(st.st_size - pos);
            int rc = batch_validate(m + pos, left, (size_t)INT32_MAX, 0, &h);
            if (rc != BATCH_OK) {
                scan->reason = batch_strerror(rc);
                break;
            }
            if (h.base_offset < s->next_offset ||
                batch_last_offset(&h) - s->base_offset > INT32_MAX) {
                scan->reason = "offsets out of order";
                break;
            }
            /* Never cut good data for want of index room (segment.index.bytes
             * may have shrunk since the segment was written). */
            if ((log_index_full(&s->oidx) &&
                 log_index_resize(&s->oidx, (s->oidx.cap * 2 + 1) * OFFSET_INDEX_ENTRY) !=
                     LOG_OK) ||
                (s->tidx.entries + 1 >= s->tidx.cap &&
                 log_index_resize(&s->tidx, (s->tidx.cap * 2 + 2) * TIME_INDEX_ENTRY) != LOG_OK)) {
                munmap((void *)m, (size_t)st.st_size);
                return LOG_ERR_IO;
            }
            segment_note_batch(s, &h, pos, interval);
            pos += batch_total_size(&h);
        }
        munmap((void *)m, (size_t)st.st_size);
    }
    scan->valid_bytes = pos;
    s->size = pos;
    s->sealed = 0;
    if (sealed)
        return segment_seal(s);
    return LOG_OK;
}

int segment_truncate(segment *s, int64_t size, int64_t index_bytes, int32_t interval) {
    if (ftruncate(s->fd, size) < 0)
        return LOG_ERR_IO;
    segment_scan scan;
    int rc = segment_recover(s, index_bytes, interval, &scan);
    if (rc == LOG_OK && scan.valid_bytes != size)
        rc = LOG_ERR_CORRUPT;
    return rc;
}

int segment_indexes_sane(const segment *s) {
    const log_index *o = &s->oidx, *t = &s->tidx;
    if (o->ragged || t->ragged)
        return 0;
    if (s->size > 0 && (o->created || t->created))
        return 0;
    if (!offset_index_sane(o, s->size))
        return 0;
    return time_index_sane(t, INT32_MAX);
}

int segment_load(segment *s) {
    struct stat st;
    if (fstat(s->fd, &st) < 0)
        return LOG_ERR_IO;
    s->size = st.st_size;
    segment_reset_summary(s);
    int64_t start = 0;
    if (s->tidx.entries > 0) {
        int32_t rel;
        time_index_entry(&s->tidx, s->tidx.entries - 1, &s->max_timestamp, &rel);
        s->offset_of_max = s->base_offset + rel;
    }
    if (s->oidx.entries > 0) {
        int32_t rel, pos;
        offset_index_entry(&s->oidx, s->oidx.entries - 1, &rel, &pos);
        start = pos;
        s->next_offset = s->base_offset + rel + 1;
    }
    segment_walker w;
    batch_header h;
    int64_t pos;
    if (s->size > 0) {
        segment_walker_init(&w, s, 0);
        int rc = segment_walker_next(&w, &h, &pos);
        if (rc < 0)
            return rc;
        s->roll_base_ms = h.max_timestamp;
    }
    segment_walker_init(&w, s, start);
    int rc;
    int first = 1;
    while ((rc = segment_walker_next(&w, &h, &pos)) == 1) {
        /* The batch at the last entry's position holds that entry's offset. */
        if (!(first && s->oidx.entries > 0) && h.base_offset < s->next_offset)
            return LOG_ERR_CORRUPT;
        if (h.base_offset < s->base_offset)
            return LOG_ERR_CORRUPT;
        first = 0;
        if (h.max_timestamp > s->max_timestamp) {
            s->max_timestamp = h.max_timestamp;
            s->offset_of_max = batch_last_offset(&h);
        }
        s->next_offset = batch_last_offset(&h) + 1;
    }
    if (rc < 0)
        return rc;
    s->bytes_since_index = s->size - start;
    return LOG_OK;
}

void segment_walker_init(segment_walker *w, const segment *s, int64_t pos) {
    w->s = s;
    w->pos = pos;
    w->buf_pos = 0;
    w->buf_len = 0;
}

int segment_walker_next(segment_walker *w, batch_header *h, int64_t *pos) {
    const segment *s = w->s;
    if (w->pos >= s->size)
        return 0;
    if (w->pos < w->buf_pos || w->pos + BATCH_HEADER_SIZE > w->buf_pos + (int64_t)w->buf_len) {
        int64_t want = s->size - w->pos;
        if (want > (int64_t)sizeof(w->buf))
            want = (int64_t)sizeof(w->buf);
        ssize_t n;
        do {
            n = pread(s->fd, w->buf, (size_t)want, w->pos);
        } while (n < 0 && errno == EINTR);
        if (n < 0)
            return LOG_ERR_IO;
        w->buf_pos = w->pos;
        w->buf_len = (size_t)n;
        if (n < BATCH_HEADER_SIZE)
            return LOG_ERR_CORRUPT;
    }
    if (batch_parse_header(w->buf + (w->pos - w->buf_pos), BATCH_HEADER_SIZE, h) != BATCH_OK)
        return LOG_ERR_CORRUPT;
    if (h->magic != BATCH_MAGIC_V2 || h->batch_length < BATCH_HEADER_SIZE - BATCH_LOG_OVERHEAD ||
        w->pos + batch_total_size(h) > s->size || h->last_offset_delta < 0)
        return LOG_ERR_CORRUPT;
    *pos = w->pos;
    w->pos += batch_total_size(h);
    return 1;
}

int segment_find(const segment *s, int64_t offset, int64_t *pos, batch_header *h) {
    int64_t start = 0;
    int64_t slot = offset_index_lookup(&s->oidx, offset - s->base_offset);
    if (slot >= 0) {
        int32_t rel, p;
        offset_index_entry(&s->oidx, slot, &rel, &p);
        start = p;
    }
    segment_walker w;
    segment_walker_init(&w, s, start);
    int rc;
    while ((rc = segment_walker_next(&w, h, pos)) == 1) {
        if (batch_last_offset(h) >= offset)
            return 0;
    }
    return rc < 0 ? rc : 1;
}

/* The first record of a batch with timestamp >= ts (decompressing). */
static int scan_records(const segment *s, int64_t pos, const batch_header *h, int64_t ts,
                        int64_t min_offset, int64_t *offset, int64_t *timestamp) {
    size_t size = (size_t)batch_total_size(h);
    uint8_t *b = malloc(size);
    if (!b)
        return LOG_ERR_NOMEM;
    ssize_t n = pread(s->fd, b, size, pos);
    if (n != (ssize_t)size) {
        free(b);
        return LOG_ERR_IO;
    }
    batch_reader br;
    batch_record rec;
    if (batch_reader_open(&br, b, size, 0) == BATCH_OK) {
        while (batch_reader_next(&br, &rec) == 1) {
            if (rec.timestamp >= ts && rec.offset >= min_offset) {
                *offset = rec.offset;
                *timestamp = rec.timestamp;
                break;
            }
        }
    }
    batch_reader_close(&br);
    free(b);
    if (*offset < 0) {
        /* Records do not parse (or none qualifies): the batch as a whole. */
        *offset = h->base_offset > min_offset ? h->base_offset : min_offset;
        *timestamp = h->max_timestamp;
    }
    return LOG_OK;
}

int segment_offset_for_time(const segment *s, int64_t ts, int64_t min_offset, int64_t *offset,
                            int64_t *timestamp) {
    *offset = -1;
    *timestamp = -1;
    /* Entries before ts: every record up to that entry's offset is earlier. */
    int64_t from = s->base_offset;
    int64_t slot = time_index_lookup_before(&s->tidx, ts);
    if (slot >= 0) {
        int64_t t;
        int32_t rel;
        time_index_entry(&s->tidx, slot, &t, &rel);
        from = s->base_offset + rel + 1;
    }
    if (from < min_offset)
        from = min_offset;
    int64_t pos;
    batch_header h;
    int rc = segment_find(s, from, &pos, &h);
    if (rc != 0)
        return rc < 0 ? rc : LOG_OK;
    segment_walker w;
    segment_walker_init(&w, s, pos);
    while ((rc = segment_walker_next(&w, &h, &pos)) == 1) {
        if (h.max_timestamp < ts || batch_last_offset(&h) < min_offset)
            continue;
        if (h.attributes & BATCH_ATTR_LOG_APPEND_TIME) {
            *offset = h.base_offset > min_offset ? h.base_offset : min_offset;
            *timestamp = h.max_timestamp;
            return LOG_OK;
        }
        return scan_records(s, pos, &h, ts, min_offset, offset, timestamp);
    }
    return rc < 0 ? rc : LOG_OK;
}
