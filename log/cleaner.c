/*
 * cleaner.c - log compaction: the key -> latest offset map, the rewrite of
 * one segment into a .cleaned file, and the crash-safe swap into place.
 * See cleaner.h for the rules; log.c owns everything else about a log.
 *
 * The map is an open-addressing table of {128-bit key hash, offset} (24
 * bytes a slot, like Kafka's SkimpyOffsetMap), filled to at most 3/4. Two
 * independent 64-bit hashes of the key make a false match (which would
 * drop a record wrongly) as unlikely as an MD5 collision in Kafka.
 */
#include "log/cleaner.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log/log_internal.h"
#include "wire/batch.h"
#include "wire/buf.h"

typedef struct map_slot {
    uint64_t h1, h2;
    int64_t offset; /* -1: empty */
} map_slot;

struct log_cleaner_state {
    map_slot *slots;
    size_t mask;
    size_t used;
    size_t limit;      /* most entries allowed */
    int mapping;       /* 1 while the map is being built, then 0: rewriting */
    int mapped_any;    /* a whole segment's keys are in the map */
    int64_t map_next;  /* next segment to map: first base >= this */
    int64_t map_end;   /* map segments with base below this */
    int64_t dirty_end; /* segments with base below this are rewritten */
    int64_t next_base; /* next segment to rewrite: first base >= this */
};

static void key_hash(const uint8_t *p, int32_t len, uint64_t *h1, uint64_t *h2) {
    uint64_t a = 0xcbf29ce484222325ull, b = 0x9e3779b97f4a7c15ull ^ (uint64_t)len;
    for (int32_t i = 0; i < len; i++) {
        a = (a ^ p[i]) * 0x100000001b3ull;
        b = (b ^ p[i]) * 0xff51afd7ed558ccdull;
        b ^= b >> 29;
    }
    a ^= (uint64_t)len * 0xc4ceb9fe1a85ec53ull;
    /* splitmix64 finalisers */
    a = (a ^ (a >> 30)) * 0xbf58476d1ce4e5b9ull;
    a = (a ^ (a >> 27)) * 0x94d049bb133111ebull;
    a ^= a >> 31;
    b = (b ^ (b >> 30)) * 0xbf58476d1ce4e5b9ull;
    b = (b ^ (b >> 27)) * 0x94d049bb133111ebull;
    b ^= b >> 31;
    *h1 = a;
    *h2 = b;
}

static map_slot *map_find(struct log_cleaner_state *st, wire_bytes key) {
    uint64_t h1, h2;
    key_hash(key.ptr, key.len, &h1, &h2);
    size_t i = (size_t)h1 & st->mask;
    for (;;) {
        map_slot *s = &st->slots[i];
        if (s->offset < 0 || (s->h1 == h1 && s->h2 == h2)) {
            s->h1 = h1;
            s->h2 = h2;
            return s;
        }
        i = (i + 1) & st->mask;
    }
}

/* 1 stored, 0 when the map is full. */
static int map_put(struct log_cleaner_state *st, wire_bytes key, int64_t offset) {
    map_slot *s = map_find(st, key);
    if (s->offset < 0) {
        if (st->used >= st->limit)
            return 0;
        st->used++;
    }
    s->offset = offset;
    return 1;
}

/* Latest offset of key, or -1. Never inserts. */
static int64_t map_get(struct log_cleaner_state *st, wire_bytes key) {
    uint64_t h1, h2;
    key_hash(key.ptr, key.len, &h1, &h2);
    size_t i = (size_t)h1 & st->mask;
    for (;;) {
        const map_slot *s = &st->slots[i];
        if (s->offset < 0)
            return -1;
        if (s->h1 == h1 && s->h2 == h2)
            return s->offset;
        i = (i + 1) & st->mask;
    }
}

void log_cleaner_state_free(log *l) {
    if (!l->cleaner)
        return;
    free(l->cleaner->slots);
    free(l->cleaner);
    l->cleaner = NULL;
}

int64_t log_clean_offset(const log *l) {
    return l->clean_offset;
}

void log_clean_offset_restore(log *l, int64_t offset) {
    int64_t end = log_end_offset(l);
    l->clean_offset = offset < 0 ? 0 : offset > end ? end : offset;
}

/* Read a whole batch of s at pos into *buf (grown as needed). */
static int read_batch(const segment *s, int64_t pos, size_t size, uint8_t **buf, size_t *cap) {
    if (size > *cap) {
        uint8_t *nb = realloc(*buf, size);
        if (!nb)
            return LOG_ERR_NOMEM;
        *buf = nb;
        *cap = size;
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = pread(s->fd, *buf + done, size - done, pos + (int64_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return LOG_ERR_IO;
        done += (size_t)n;
    }
    return LOG_OK;
}

/* Add the keys of segment s to the map. 1 when all fit, 0 when the map
 * filled up (the entries added point at real, later records: harmless). */
static int map_segment(struct log_cleaner_state *st, const segment *s, uint8_t **buf, size_t *cap,
                       int64_t *bytes) {
    segment_walker w;
    segment_walker_init(&w, s, 0);
    batch_header h;
    int64_t pos;
    int rc;
    while ((rc = segment_walker_next(&w, &h, &pos)) == 1) {
        if (h.attributes & BATCH_ATTR_CONTROL)
            continue;
        size_t size = (size_t)batch_total_size(&h);
        rc = read_batch(s, pos, size, buf, cap);
        if (rc != LOG_OK)
            return rc;
        *bytes += (int64_t)size;
        batch_reader br;
        batch_record rec;
        int r = batch_reader_open(&br, *buf, size, 0);
        while (r == BATCH_OK && batch_reader_next(&br, &rec) == 1) {
            if (rec.key.len >= 0 && !map_put(st, rec.key, rec.offset)) {
                batch_reader_close(&br);
                return 0;
            }
        }
        batch_reader_close(&br);
    }
    return rc < 0 ? rc : 1;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return LOG_ERR_IO;
        p += k;
        n -= (size_t)k;
    }
    return LOG_OK;
}

/* Rebuild batch h (its bytes in b) with the records kept[0..n). */
static int rebuild_batch(const batch_header *h, const batch_record *kept, int32_t n,
                         wire_writer *out) {
    batch_builder bb;
    if (batch_builder_init(&bb, batch_codec_of(h)) != BATCH_OK)
        return LOG_ERR_CORRUPT;
    bb.attributes = (int16_t)(h->attributes & ~BATCH_ATTR_COMPRESSION_MASK);
    bb.base_offset = h->base_offset;
    bb.partition_leader_epoch = h->partition_leader_epoch;
    bb.base_timestamp = h->base_timestamp;
    bb.producer_id = h->producer_id;
    bb.producer_epoch = h->producer_epoch;
    bb.base_sequence = h->base_sequence;
    bb.last_offset_delta = h->last_offset_delta;
    int rc = BATCH_OK;
    batch_record_header *hdrs = NULL;
    for (int32_t i = 0; i < n && rc == BATCH_OK; i++) {
        const batch_record *r = &kept[i];
        int32_t nh = 0;
        if (r->header_count > 0) {
            batch_record_header *nhd = realloc(hdrs, (size_t)r->header_count * sizeof(*hdrs));
            if (!nhd) {
                rc = BATCH_ERR_NOMEM;
                break;
            }
            hdrs = nhd;
            batch_header_iter it;
            batch_header_iter_init(&it, r);
            while (nh < r->header_count && batch_header_iter_next(&it, &hdrs[nh]) == 1)
                nh++;
        }
        /* The record's own timestamp delta (rec.timestamp is maxTimestamp
         * in a LogAppendTime batch). */
        int64_t ts = (int64_t)((uint64_t)h->base_timestamp + (uint64_t)r->timestamp_delta);
        rc = batch_builder_add_at(&bb, r->offset_delta, ts, r->key, r->value, hdrs, nh);
    }
    free(hdrs);
    if (rc == BATCH_OK && (h->attributes & BATCH_ATTR_LOG_APPEND_TIME))
        bb.max_timestamp = h->max_timestamp;
    if (rc == BATCH_OK)
        rc = batch_builder_finish(&bb, out);
    batch_builder_free(&bb);
    if (rc == BATCH_ERR_NOMEM)
        return LOG_ERR_NOMEM;
    return rc == BATCH_OK ? LOG_OK : LOG_ERR_CORRUPT;
}

/* Filter one batch into out. *changed set when it is not copied as is. */
static int clean_batch(struct log_cleaner_state *st, const batch_header *h, const uint8_t *b,
                       size_t size, int drop_tombstones, wire_writer *out, int *changed,
                       log_clean_stats *stats) {
    if (h->attributes & BATCH_ATTR_CONTROL) {
        wire_write_raw(out, b, size);
        stats->batches_copied++;
        return LOG_OK;
    }
    /* Grown as records come: recordCount is not trusted for an allocation. */
    batch_record *kept = NULL;
    size_t kept_cap = 0;
    batch_reader br;
    batch_record rec;
    int32_t n = 0, total = 0;
    int64_t tomb = 0;
    int r = batch_reader_open(&br, b, size, 0);
    while (r == BATCH_OK && (r = batch_reader_next(&br, &rec)) == 1) {
        r = BATCH_OK;
        total++;
        if (rec.key.len >= 0) {
            int64_t latest = map_get(st, rec.key);
            if (latest > rec.offset)
                continue;
            if (rec.value.len < 0 && drop_tombstones) {
                tomb++;
                continue;
            }
        }
        if ((size_t)n == kept_cap) {
            size_t nc = kept_cap ? kept_cap * 2 : 64;
            batch_record *nk = realloc(kept, nc * sizeof(*kept));
            if (!nk) {
                batch_reader_close(&br);
                free(kept);
                return LOG_ERR_NOMEM;
            }
            kept = nk;
            kept_cap = nc;
        }
        kept[n++] = rec;
    }
    /* r: 0 after the last record, negative when the records do not parse. */
    int rc = LOG_OK;
    if (r != 0 || n == total) {
        /* Whole, or records we cannot parse: never drop what we cannot read. */
        wire_write_raw(out, b, size);
        stats->batches_copied++;
    } else if (n == 0) {
        *changed = 1;
        stats->batches_dropped++;
    } else {
        rc = rebuild_batch(h, kept, n, out);
        *changed = 1;
        stats->batches_rebuilt++;
    }
    if (r == 0 && n != total) {
        stats->records_removed += total - n;
        stats->tombstones_removed += tomb;
    }
    batch_reader_close(&br);
    free(kept);
    if (rc == LOG_OK && out->err)
        rc = LOG_ERR_NOMEM;
    return rc;
}

static int fsync_dir(const char *dir) {
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return LOG_ERR_IO;
    int rc = fsync(dfd) < 0 ? LOG_ERR_IO : LOG_OK;
    close(dfd);
    return rc;
}

/* Put the cleaned file over segment i's .log and reopen it. */
static int swap_in(log *l, int i, const char *cleaned) {
    segment *s = &l->segs[i];
    char swap[4096], path[4096];
    segment_path(swap, sizeof(swap), l->dir, s->base_offset, ".log.swap");
    if (rename(cleaned, swap) < 0)
        return LOG_ERR_IO;
    /* Stale indexes must not survive a crash next to the new .log; the old
     * segment keeps its mappings until it is closed below. */
    segment_path(path, sizeof(path), l->dir, s->base_offset, ".index");
    if (unlink(path) < 0 && errno != ENOENT)
        goto fail;
    segment_path(path, sizeof(path), l->dir, s->base_offset, ".timeindex");
    if (unlink(path) < 0 && errno != ENOENT)
        goto fail;
    segment_path(path, sizeof(path), l->dir, s->base_offset, ".log");
    if (rename(swap, path) < 0)
        goto fail;
    l->dir_dirty = 1;
    if (fsync_dir(l->dir) != LOG_OK)
        return LOG_ERR_IO;
    segment ns;
    if (segment_open(&ns, l->dir, s->base_offset, 0, 0, 0) != LOG_OK)
        return LOG_ERR_IO; /* the old segment still reads the old, same data */
    segment_scan scan;
    int rc = segment_recover(&ns, l->cfg.segment_index_bytes, l->cfg.index_interval_bytes, &scan);
    if (rc == LOG_OK && scan.valid_bytes != scan.file_bytes)
        rc = LOG_ERR_CORRUPT;
    if (rc != LOG_OK) {
        segment_close(&ns);
        return rc == LOG_ERR_CORRUPT ? LOG_ERR_IO : rc;
    }
    ns.dirty = 1; /* the rebuilt indexes are not fsynced yet */
    segment_close(s);
    l->size += ns.size - s->size;
    *s = ns;
    return LOG_OK;
fail:
    unlink(swap);
    return LOG_ERR_IO;
}

/* Copy bytes [0, len) of segment s to fd (the batches before the first
 * one that changes, which were not kept in memory). */
static int copy_prefix(const segment *s, int fd, int64_t len) {
    uint8_t buf[65536];
    int64_t at = 0;
    while (at < len) {
        size_t want = len - at > (int64_t)sizeof(buf) ? sizeof(buf) : (size_t)(len - at);
        ssize_t n = pread(s->fd, buf, want, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return LOG_ERR_IO;
        if (write_all(fd, buf, (size_t)n) != LOG_OK)
            return LOG_ERR_IO;
        at += n;
    }
    return LOG_OK;
}

/* Rewrite segment i (not active). Nothing is written while every batch is
 * kept whole; at the first change the .cleaned file is started with the
 * untouched prefix. A segment with nothing to remove is left as it is. */
static int clean_segment(log *l, int i, int64_t now_ms, log_clean_stats *stats) {
    struct log_cleaner_state *st = l->cleaner;
    segment *s = &l->segs[i];
    int drop_tombstones = now_ms - log_segment_age_base(l, s) > l->cfg.delete_retention_ms;
    char cleaned[4096];
    segment_path(cleaned, sizeof(cleaned), l->dir, s->base_offset, ".log.cleaned");
    int fd = -1;
    wire_writer out;
    wire_writer_init(&out);
    uint8_t *buf = NULL;
    size_t cap = 0;
    int changed = 0, rc;
    int64_t written = 0;
    segment_walker w;
    segment_walker_init(&w, s, 0);
    batch_header h;
    int64_t pos;
    while ((rc = segment_walker_next(&w, &h, &pos)) == 1) {
        size_t size = (size_t)batch_total_size(&h);
        rc = read_batch(s, pos, size, &buf, &cap);
        if (rc != LOG_OK)
            break;
        stats->bytes_read += (int64_t)size;
        int was_changed = changed;
        rc = clean_batch(st, &h, buf, size, drop_tombstones, &out, &changed, stats);
        if (rc != LOG_OK)
            break;
        if (!changed) {
            out.len = 0; /* still identical: nothing to write yet */
            continue;
        }
        if (!was_changed) {
            fd = open(cleaned, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0) {
                rc = LOG_ERR_IO;
                break;
            }
            rc = copy_prefix(s, fd, pos);
            if (rc != LOG_OK)
                break;
            written += pos;
        }
        if (out.len >= ((size_t)1 << 20)) {
            rc = write_all(fd, out.p, out.len);
            written += (int64_t)out.len;
            out.len = 0;
            if (rc != LOG_OK)
                break;
        }
    }
    if (rc == 0 && changed && out.len > 0) {
        rc = write_all(fd, out.p, out.len);
        written += (int64_t)out.len;
    }
    free(buf);
    wire_writer_free(&out);
    if (rc == LOG_OK && changed && fdatasync(fd) < 0)
        rc = LOG_ERR_IO;
    if (fd >= 0)
        close(fd);
    if (rc != LOG_OK || !changed) {
        if (fd >= 0)
            unlink(cleaned);
        return rc < 0 ? (rc == LOG_ERR_CORRUPT ? LOG_ERR_IO : rc) : LOG_OK;
    }
    /* A segment left empty stays (as an empty file): deleting it could move
     * the log start offset, and the offsets it covered stay a gap. */
    rc = swap_in(l, i, cleaned);
    if (rc == LOG_OK) {
        stats->segments_rewritten++;
        stats->bytes_written += written;
    }
    return rc;
}

/* Start a pass: pick the dirty section, check the ratio, build the map. */
static int start_pass(log *l, int64_t now_ms, size_t map_bytes, log_clean_stats *stats) {
    int end = 0; /* cleanable segments: [0, end) */
    while (end < l->nsegs - 1) {
        const segment *s = &l->segs[end];
        if (l->cfg.min_compaction_lag_ms > 0 &&
            now_ms - log_segment_age_base(l, s) < l->cfg.min_compaction_lag_ms)
            break;
        end++;
    }
    int first_dirty = 0;
    int64_t clean_bytes = 0, dirty_bytes = 0, records = 0;
    while (first_dirty < end && l->segs[first_dirty].base_offset < l->clean_offset)
        clean_bytes += l->segs[first_dirty++].size;
    for (int i = first_dirty; i < end; i++) {
        dirty_bytes += l->segs[i].size;
        records += l->segs[i].next_offset - l->segs[i].base_offset;
    }
    if (dirty_bytes == 0)
        return LOG_OK;
    stats->dirty_ratio = (double)dirty_bytes / (double)(clean_bytes + dirty_bytes);
    if (stats->dirty_ratio < l->cfg.min_cleanable_dirty_ratio)
        return LOG_OK;

    size_t max_slots = map_bytes / sizeof(map_slot);
    size_t want = (size_t)records + (size_t)records / 3 + 16, slots = 16;
    while (slots < want && slots * 2 <= max_slots)
        slots *= 2;
    struct log_cleaner_state *st = calloc(1, sizeof(*st));
    if (!st)
        return LOG_ERR_NOMEM;
    st->slots = malloc(slots * sizeof(map_slot));
    if (!st->slots) {
        free(st);
        return LOG_ERR_NOMEM;
    }
    for (size_t k = 0; k < slots; k++)
        st->slots[k].offset = -1;
    st->mask = slots - 1;
    st->limit = slots / 4 * 3;
    l->cleaner = st;
    st->mapping = 1;
    st->map_next = l->segs[first_dirty].base_offset;
    st->map_end = l->segs[end].base_offset; /* end < nsegs: the active one at most */
    stats->started = 1;
    return LOG_OK;
}

/* Map segments within the budget. 1 when the map is complete. */
static int map_step(log *l, int64_t budget_bytes, log_clean_stats *stats) {
    struct log_cleaner_state *st = l->cleaner;
    uint8_t *buf = NULL;
    size_t cap = 0;
    int rc = 1;
    for (int i = 0; i < l->nsegs - 1 && st->mapping; i++) {
        const segment *s = &l->segs[i];
        if (s->base_offset < st->map_next)
            continue;
        if (s->base_offset >= st->map_end)
            break;
        if (stats->bytes_read >= budget_bytes) {
            free(buf);
            return 0;
        }
        st->map_next = s->base_offset + 1;
        rc = map_segment(st, s, &buf, &cap, &stats->bytes_read);
        if (rc < 0)
            break;
        if (rc == 0) {
            /* Full: the pass covers the segments mapped so far. */
            if (!st->mapped_any)
                rc = LOG_ERR_NOMEM; /* not even one segment's keys fit */
            st->map_end = s->base_offset;
            break;
        }
        st->mapped_any = 1;
    }
    free(buf);
    if (rc < 0)
        return rc;
    st->mapping = 0;
    st->dirty_end = st->map_end;
    st->next_base = l->segs[0].base_offset;
    stats->map_keys = (int64_t)st->used;
    return 1;
}

int log_clean(log *l, int64_t now_ms, int64_t budget_bytes, size_t map_bytes,
              log_clean_stats *stats) {
    log_clean_stats scratch;
    if (!stats)
        stats = &scratch;
    memset(stats, 0, sizeof(*stats));
    stats->dirty_ratio = -1;
    if (!l)
        return LOG_ERR_ARG;
    if (l->failed)
        return LOG_ERR_IO;
    if (budget_bytes <= 0)
        budget_bytes = LOG_CLEAN_DEFAULT_BUDGET_BYTES;
    if (map_bytes == 0)
        map_bytes = LOG_CLEAN_DEFAULT_MAP_BYTES;
    if (l->cfg.cleanup_policy == LOG_CLEANUP_DELETE) {
        log_cleaner_state_free(l);
        return LOG_OK;
    }
    if (!l->cleaner) {
        int rc = start_pass(l, now_ms, map_bytes, stats);
        if (rc != LOG_OK || !l->cleaner)
            return rc;
    }
    struct log_cleaner_state *st = l->cleaner;
    if (st->mapping) {
        int rc = map_step(l, budget_bytes, stats);
        if (rc < 0) {
            log_cleaner_state_free(l);
            return rc;
        }
        if (rc == 0) {
            stats->in_progress = 1;
            return LOG_OK;
        }
    }
    for (int i = 0; i < l->nsegs - 1; i++) {
        const segment *s = &l->segs[i];
        if (s->base_offset < st->next_base)
            continue;
        if (s->base_offset >= st->dirty_end)
            break;
        if (stats->bytes_read >= budget_bytes) {
            stats->in_progress = 1;
            return LOG_OK;
        }
        st->next_base = s->base_offset + 1;
        int rc = clean_segment(l, i, now_ms, stats);
        if (rc != LOG_OK) {
            log_cleaner_state_free(l);
            return rc;
        }
    }
    l->clean_offset = st->dirty_end;
    log_cleaner_state_free(l);
    stats->completed = 1;
    return LOG_OK;
}
