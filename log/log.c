/*
 * log.c - a partition log: an ordered array of segments of which the last
 * one is active, plus the log start offset and the recovery point.
 *
 * Append validates every batch of the request before touching the disk,
 * stamps offsets into the caller's buffer and hands it to the kernel with a
 * single pwrite(); a failed write is undone with ftruncate so the log never
 * keeps half a request. Reads only compute a region (fd, position, length):
 * the bytes go from the page cache to the socket without passing through
 * here. Retention and truncation delete whole segment files.
 *
 * Opening a log is where recovery happens: segments below the recovery
 * point are trusted (after a sanity check of their indexes), everything
 * after it is re-validated and a bad tail is cut off (see open_segments).
 */
#include "log/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/log_internal.h"
#include "log/segment.h"
#include "wire/batch.h"
#include "wire/buf.h"

static segment *active(log *l) {
    return &l->segs[l->nsegs - 1];
}

int64_t log_start_offset(const log *l) {
    return l->start_offset;
}
int64_t log_end_offset(const log *l) {
    return l->segs[l->nsegs - 1].next_offset;
}
int64_t log_recovery_point(const log *l) {
    return l->recovery_point;
}
int64_t log_size_bytes(const log *l) {
    return l->size;
}
int log_segment_count(const log *l) {
    return l->nsegs;
}
const char *log_topic(const log *l) {
    return l->topic;
}
int32_t log_partition(const log *l) {
    return l->partition;
}
const char *log_dir(const log *l) {
    return l->dir;
}
const log_config *log_get_config(const log *l) {
    return &l->cfg;
}

int log_set_config(log *l, const log_config *cfg) {
    int rc = log_config_check(cfg);
    if (rc == LOG_OK)
        l->cfg = *cfg;
    return rc;
}

static int segs_reserve(log *l, int n) {
    if (n <= l->cap)
        return LOG_OK;
    int cap = l->cap ? l->cap * 2 : 8;
    while (cap < n)
        cap *= 2;
    segment *s = realloc(l->segs, (size_t)cap * sizeof(*s));
    if (!s)
        return LOG_ERR_NOMEM;
    l->segs = s;
    l->cap = cap;
    return LOG_OK;
}

static void recount_size(log *l) {
    l->size = 0;
    for (int i = 0; i < l->nsegs; i++)
        l->size += l->segs[i].size;
}

/* Remove segments [from, nsegs). */
static int remove_tail(log *l, int from) {
    int rc = LOG_OK;
    while (l->nsegs > from) {
        if (segment_remove(&l->segs[l->nsegs - 1], l->dir) != LOG_OK)
            rc = LOG_ERR_IO;
        l->nsegs--;
    }
    l->dir_dirty = 1;
    return rc;
}

static int remove_at(log *l, int i) {
    int rc = segment_remove(&l->segs[i], l->dir);
    l->size -= l->segs[i].size;
    memmove(&l->segs[i], &l->segs[i + 1], (size_t)(l->nsegs - i - 1) * sizeof(segment));
    l->nsegs--;
    l->dir_dirty = 1;
    return rc;
}

static int remove_first(log *l) {
    return remove_at(l, 0);
}

static int add_segment(log *l, int64_t base) {
    int rc = segs_reserve(l, l->nsegs + 1);
    if (rc != LOG_OK)
        return rc;
    segment *s = &l->segs[l->nsegs];
    rc = segment_open(s, l->dir, base, 1, 1, l->cfg.segment_index_bytes);
    if (rc != LOG_OK)
        return rc;
    if (s->size != 0) {
        /* A stale file where a new segment must go: never append after it. */
        segment_close(s);
        return LOG_ERR_IO;
    }
    l->nsegs++;
    l->dir_dirty = 1;
    return LOG_OK;
}

/* Seal the active segment and start a new one at `base` (>= its end). */
int log_roll_at(log *l, int64_t base) {
    int rc = segs_reserve(l, l->nsegs + 1);
    if (rc != LOG_OK)
        return rc;
    rc = segment_seal(active(l));
    if (rc != LOG_OK)
        return rc;
    return add_segment(l, base);
}

static int roll(log *l) {
    return log_roll_at(l, active(l)->next_offset);
}

int log_roll(log *l, int64_t now_ms) {
    (void)now_ms;
    if (l->failed)
        return LOG_ERR_IO;
    if (active(l)->size == 0)
        return LOG_OK;
    return roll(l);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int parse_segment_name(const char *name, const char *suffix, int64_t *base) {
    size_t n = strlen(name), sl = strlen(suffix);
    if (n != 20 + sl || strcmp(name + 20, suffix))
        return 0;
    int64_t v = 0;
    for (int i = 0; i < 20; i++) {
        if (name[i] < '0' || name[i] > '9')
            return 0;
        if (v > (INT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (name[i] - '0');
    }
    *base = v;
    return 1;
}

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* Finish or undo interrupted compaction swaps (cleaner.c): a <base>.log.swap
 * is a complete, fsynced cleaned segment. Next to its .log it is dropped
 * (the original is intact); alone it becomes the .log, with its indexes
 * removed so recovery rebuilds them. */
static int recover_swaps(log *l) {
    DIR *d = opendir(l->dir);
    if (!d)
        return LOG_ERR_IO;
    int64_t *v = NULL;
    int n = 0, cap = 0, rc = LOG_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        int64_t base;
        if (!parse_segment_name(e->d_name, ".log.swap", &base))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 4;
            int64_t *nv = realloc(v, (size_t)cap * sizeof(*v));
            if (!nv) {
                rc = LOG_ERR_NOMEM;
                break;
            }
            v = nv;
        }
        v[n++] = base;
    }
    closedir(d);
    char swap[4096], path[4096];
    for (int i = 0; rc == LOG_OK && i < n; i++) {
        struct stat st;
        segment_path(swap, sizeof(swap), l->dir, v[i], ".log.swap");
        segment_path(path, sizeof(path), l->dir, v[i], ".log");
        if (stat(path, &st) == 0) {
            if (unlink(swap) < 0)
                rc = LOG_ERR_IO;
            continue;
        }
        segment_path(path, sizeof(path), l->dir, v[i], ".index");
        if (unlink(path) < 0 && errno != ENOENT)
            rc = LOG_ERR_IO;
        segment_path(path, sizeof(path), l->dir, v[i], ".timeindex");
        if (unlink(path) < 0 && errno != ENOENT)
            rc = LOG_ERR_IO;
        segment_path(path, sizeof(path), l->dir, v[i], ".log");
        if (rc == LOG_OK && rename(swap, path) < 0)
            rc = LOG_ERR_IO;
        l->dir_dirty = 1;
    }
    free(v);
    return rc;
}

/* Base offsets of the .log files in l->dir, sorted; removes leftovers of
 * interrupted deletions and compactions and indexes without a .log. */
static int list_segments(log *l, int64_t **bases, int *count) {
    int src = recover_swaps(l);
    if (src != LOG_OK)
        return src;
    DIR *d = opendir(l->dir);
    if (!d)
        return LOG_ERR_IO;
    int64_t *v = NULL;
    int n = 0, cap = 0, rc = LOG_OK;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d))) {
        int64_t base;
        if (ends_with(e->d_name, ".deleted") || ends_with(e->d_name, ".cleaned") ||
            ends_with(e->d_name, ".swap")) {
            snprintf(path, sizeof(path), "%s/%s", l->dir, e->d_name);
            unlink(path);
            continue;
        }
        if ((parse_segment_name(e->d_name, ".index", &base) ||
             parse_segment_name(e->d_name, ".timeindex", &base))) {
            struct stat st;
            segment_path(path, sizeof(path), l->dir, base, ".log");
            if (stat(path, &st) < 0 && errno == ENOENT) {
                snprintf(path, sizeof(path), "%s/%s", l->dir, e->d_name);
                unlink(path);
            }
            continue;
        }
        if (!parse_segment_name(e->d_name, ".log", &base))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *nv = realloc(v, (size_t)cap * sizeof(*v));
            if (!nv) {
                rc = LOG_ERR_NOMEM;
                break;
            }
            v = nv;
        }
        v[n++] = base;
    }
    closedir(d);
    if (rc != LOG_OK) {
        free(v);
        return rc;
    }
    if (n > 1)
        qsort(v, (size_t)n, sizeof(*v), cmp_i64);
    *bases = v;
    *count = n;
    return LOG_OK;
}

static void note_detail(log_recovery_report *rep, const char *fmt, int64_t base, const char *why) {
    if (rep->detail[0])
        return;
    snprintf(rep->detail, sizeof(rep->detail), fmt, base, why);
}

/* Re-validate segment i; on a bad tail truncate it and drop every later
 * segment. Returns 1 when the log was cut here, 0 when the segment was
 * whole, or a negative status. */
static int recover_one(log *l, int i, log_recovery_report *rep) {
    segment *s = &l->segs[i];
    segment_scan scan;
    int rc = segment_recover(s, l->cfg.segment_index_bytes, l->cfg.index_interval_bytes, &scan);
    if (rc != LOG_OK)
        return rc;
    rep->segments_validated++;
    rep->indexes_rebuilt++;
    if (scan.valid_bytes == scan.file_bytes)
        return 0;
    if (ftruncate(s->fd, scan.valid_bytes) < 0)
        return LOG_ERR_IO;
    rep->bytes_truncated += scan.file_bytes - scan.valid_bytes;
    rep->truncated_at = s->next_offset;
    note_detail(rep, "segment %020" PRId64 ": %s; truncated", s->base_offset,
                scan.reason ? scan.reason : "torn tail");
    for (int k = i + 1; k < l->nsegs; k++)
        rep->bytes_truncated += l->segs[k].size;
    rep->segments_removed += l->nsegs - i - 1;
    rc = remove_tail(l, i + 1);
    if (rc != LOG_OK)
        return rc;
    return 1;
}

static int open_segments(log *l, int64_t recovery_point, log_recovery_report *rep) {
    int64_t *bases = NULL;
    int n = 0;
    int rc = list_segments(l, &bases, &n);
    if (rc != LOG_OK)
        return rc;
    rc = segs_reserve(l, n + 1);
    for (int i = 0; rc == LOG_OK && i < n; i++) {
        rc = segment_open(&l->segs[i], l->dir, bases[i], 0, i == n - 1, l->cfg.segment_index_bytes);
        if (rc == LOG_OK)
            l->nsegs++;
    }
    free(bases);
    if (rc != LOG_OK)
        return rc;
    rep->segments = l->nsegs;
    /* First segment to re-validate: the one holding the recovery point. */
    int first_check = 0;
    if (recovery_point >= 0) {
        first_check = l->nsegs;
        for (int i = 0; i < l->nsegs; i++) {
            if (i == l->nsegs - 1 || l->segs[i + 1].base_offset > recovery_point) {
                first_check = i;
                break;
            }
        }
    }
    for (int i = 0; i < l->nsegs; i++) {
        segment *s = &l->segs[i];
        int trusted = i < first_check;
        int loaded = 0;
        if (segment_indexes_sane(s)) {
            rc = segment_load(s);
            if (rc == LOG_ERR_IO)
                return rc;
            loaded = rc == LOG_OK;
        }
        /* A clean shutdown leaves the recovery point at the log end: the
         * last segment then needs no re-validation either. */
        if (loaded && i == first_check && i == l->nsegs - 1 && s->next_offset <= recovery_point)
            trusted = 1;
        if (i > 0 && s->base_offset < l->segs[i - 1].next_offset) {
            note_detail(rep, "segment %020" PRId64 ": %s", s->base_offset,
                        "overlaps the previous segment");
            loaded = 0;
        }
        if (loaded && trusted)
            continue;
        if (!loaded)
            note_detail(rep, "segment %020" PRId64 ": %s; rebuilt", s->base_offset,
                        "index missing or damaged");
        rc = recover_one(l, i, rep);
        if (rc < 0)
            return rc;
        if (rc == 1)
            break;
    }
    if (l->nsegs > 0 && active(l)->sealed) {
        rc = segment_unseal(active(l), l->cfg.segment_index_bytes);
        if (rc != LOG_OK)
            return rc;
    }
    return LOG_OK;
}

int log_open(const char *dir, const char *topic, int32_t partition, const log_config *cfg,
             int64_t recovery_point, int64_t log_start_offset, log_recovery_report *report,
             log **out) {
    log_recovery_report scratch;
    log_recovery_report *rep = report ? report : &scratch;
    memset(rep, 0, sizeof(*rep));
    rep->truncated_at = -1;
    *out = NULL;
    if (!dir || !topic || !*topic || strchr(topic, '/') || partition < 0 || !cfg)
        return LOG_ERR_ARG;
    int rc = log_config_check(cfg);
    if (rc != LOG_OK)
        return rc;
    log *l = calloc(1, sizeof(*l));
    if (!l)
        return LOG_ERR_NOMEM;
    l->cfg = *cfg;
    l->partition = partition;
    l->last_flush_ms = -1;
    l->hw = -1;
    l->topic = strdup(topic);
    size_t plen = strlen(dir) + strlen(topic) + 16;
    l->dir = malloc(plen);
    if (!l->topic || !l->dir) {
        rc = LOG_ERR_NOMEM;
        goto fail;
    }
    snprintf(l->dir, plen, "%s/%s-%" PRId32, dir, topic, partition);
    if (mkdir(l->dir, 0755) == 0) {
        rep->created = 1;
    } else if (errno != EEXIST) {
        rc = LOG_ERR_IO;
        goto fail;
    }
    rc = open_segments(l, recovery_point, rep);
    if (rc != LOG_OK)
        goto fail;
    if (l->nsegs == 0) {
        rc = add_segment(l, log_start_offset > 0 ? log_start_offset : 0);
        if (rc != LOG_OK)
            goto fail;
    }
    recount_size(l);
    int64_t leo = log_end_offset(l);
    l->start_offset = l->segs[0].base_offset;
    if (log_start_offset > l->start_offset)
        l->start_offset = log_start_offset < leo ? log_start_offset : leo;
    /* Only what the checkpoint vouches for counts as flushed. */
    l->recovery_point = recovery_point < 0 ? l->start_offset : recovery_point;
    if (l->recovery_point > leo)
        l->recovery_point = leo;
    if (rep->truncated_at >= 0 && l->recovery_point > rep->truncated_at)
        l->recovery_point = rep->truncated_at;
    rc = log_epochs_open(l);
    if (rc != LOG_OK)
        goto fail;
    rep->log_start_offset = l->start_offset;
    rep->log_end_offset = leo;
    *out = l;
    return LOG_OK;
fail:
    for (int i = 0; i < l->nsegs; i++)
        segment_close(&l->segs[i]);
    epoch_cache_free(&l->epochs);
    free(l->segs);
    free(l->dir);
    free(l->topic);
    free(l);
    return rc;
}

static void log_free(log *l) {
    log_cleaner_state_free(l);
    epoch_cache_free(&l->epochs);
    for (int i = 0; i < l->nsegs; i++)
        segment_close(&l->segs[i]);
    free(l->segs);
    free(l->dir);
    free(l->topic);
    free(l);
}

int log_close(log *l) {
    if (!l)
        return LOG_OK;
    int rc = l->failed ? LOG_ERR_IO : log_flush(l);
    if (!l->failed && segment_seal(active(l)) != LOG_OK && rc == LOG_OK)
        rc = LOG_ERR_IO;
    log_free(l);
    return rc;
}

int log_delete(log *l) {
    if (!l)
        return LOG_OK;
    int rc = LOG_OK;
    log_cleaner_state_free(l);
    epoch_cache_free(&l->epochs);
    for (int i = 0; i < l->nsegs; i++)
        segment_close(&l->segs[i]);
    l->nsegs = 0;
    DIR *d = opendir(l->dir);
    if (d) {
        struct dirent *e;
        char path[4096];
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(path, sizeof(path), "%s/%s", l->dir, e->d_name);
            if (unlink(path) < 0)
                rc = LOG_ERR_IO;
        }
        closedir(d);
    }
    if (rmdir(l->dir) < 0 && errno != ENOENT)
        rc = LOG_ERR_IO;
    free(l->segs);
    free(l->dir);
    free(l->topic);
    free(l);
    return rc;
}

static int map_batch_status(int rc) {
    switch (rc) {
    case BATCH_OK:
        return LOG_OK;
    case BATCH_ERR_COUNT:
    case BATCH_ERR_RECORD:
        return LOG_ERR_INVALID_RECORD;
    case BATCH_ERR_NOMEM:
        return LOG_ERR_NOMEM;
    default:
        return LOG_ERR_CORRUPT;
    }
}

/* Compacted logs need a key on every record (Kafka refuses keyless records
 * there: compaction could never replace them). Compressed batches are
 * decompressed for this check, on compacted logs only. */
static int require_keys(const uint8_t *batch, size_t size) {
    batch_reader br;
    batch_record rec;
    int rc = batch_reader_open(&br, batch, size, 0);
    if (rc == BATCH_OK)
        while ((rc = batch_reader_next(&br, &rec)) == 1)
            if (rec.key.len < 0) {
                rc = BATCH_ERR_RECORD;
                break;
            }
    batch_reader_close(&br);
    return map_batch_status(rc);
}

/* Pass 1 of an append: every batch checked before anything is written.
 * replica: batches copied from a leader (log_append_replica): control
 * batches allowed, keys not re-checked (the leader did), records missing
 * from a batch (compaction) allowed; *nrecords counts records then, else
 * offsets. */
int log_validate_batches(const log *l, const uint8_t *data, size_t len, int replica, int *nbatches,
                         int64_t *nrecords) {
    size_t pos = 0;
    int nb = 0;
    int64_t records = 0;
    while (pos < len) {
        if (len - pos < BATCH_LOG_OVERHEAD)
            return LOG_ERR_CORRUPT;
        int32_t blen = (int32_t)wire_be32(data + pos + 8);
        if (blen < 0)
            return LOG_ERR_CORRUPT;
        if ((int64_t)BATCH_LOG_OVERHEAD + blen > l->cfg.max_message_bytes)
            return LOG_ERR_TOO_LARGE;
        batch_header h;
        int rc =
            batch_validate(data + pos, len - pos, (size_t)l->cfg.max_message_bytes, !replica, &h);
        if (rc != BATCH_OK)
            return map_batch_status(rc);
        if (!replica && (h.attributes & BATCH_ATTR_CONTROL))
            return LOG_ERR_INVALID_RECORD; /* clients may not write control batches */
        if (!replica && l->cfg.cleanup_policy != LOG_CLEANUP_DELETE &&
            (rc = require_keys(data + pos, (size_t)batch_total_size(&h))) != LOG_OK)
            return rc;
        records += replica ? (int64_t)h.record_count : (int64_t)h.last_offset_delta + 1;
        pos += (size_t)batch_total_size(&h);
        nb++;
    }
    *nbatches = nb;
    *nrecords = records;
    return LOG_OK;
}

int log_need_roll(const log *l, size_t len, int nb, int64_t records, int64_t now_ms) {
    const segment *a = &l->segs[l->nsegs - 1];
    if (a->size == 0)
        return 0;
    if (a->size + (int64_t)len > l->cfg.segment_bytes)
        return 1;
    if (a->roll_base_ms >= 0 && now_ms - a->roll_base_ms > l->cfg.segment_ms)
        return 1;
    if (a->oidx.entries + nb > a->oidx.cap || a->tidx.entries + nb + 1 > a->tidx.cap)
        return 1;
    return a->next_offset + records - 1 - a->base_offset > INT32_MAX;
}

int log_append(log *l, uint8_t *data, size_t len, int32_t leader_epoch, int64_t now_ms,
               log_append_info *info) {
    if (l->failed)
        return LOG_ERR_IO;
    if (!data || len == 0)
        return LOG_ERR_INVALID_RECORD;
    if (len > INT32_MAX)
        return LOG_ERR_TOO_LARGE;
    int nb = 0;
    int64_t records = 0;
    int rc = log_validate_batches(l, data, len, 0, &nb, &records);
    if (rc != LOG_OK)
        return rc;
    if (log_need_roll(l, len, nb, records, now_ms)) {
        rc = roll(l);
        if (rc != LOG_OK)
            return rc;
    }
    segment *a = active(l);
    int log_append_time = l->cfg.timestamp_type == LOG_TIMESTAMP_LOG_APPEND_TIME;
    int64_t first = a->next_offset, next = first;
    for (size_t pos = 0; pos < len;) {
        uint8_t *b = data + pos;
        batch_header h;
        batch_parse_header(b, len - pos, &h);
        batch_set_base_offset(b, next);
        if (leader_epoch >= 0)
            batch_set_leader_epoch(b, leader_epoch);
        if (log_append_time)
            batch_set_log_append_time(b, (size_t)batch_total_size(&h), now_ms);
        next += (int64_t)h.last_offset_delta + 1;
        pos += (size_t)batch_total_size(&h);
    }
    return log_write_batches(l, data, len, nb, records, first, log_append_time ? now_ms : -1,
                             now_ms, info);
}

/* Pass 2 of an append (log_append, log_append_replica): the validated,
 * stamped batches to the active segment with one write, then indexes, the
 * epoch cache and the counters. */
int log_write_batches(log *l, const uint8_t *data, size_t len, int nb, int64_t records,
                      int64_t first, int64_t append_time, int64_t now_ms, log_append_info *info) {
    segment *a = active(l);
    int64_t max_ts = -1;
    int64_t at = a->size;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pwrite(a->fd, data + done, len - done, at + (int64_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (ftruncate(a->fd, at) < 0)
                l->failed = 1;
            return LOG_ERR_IO;
        }
        done += (size_t)n;
    }
    int new_epoch = 0;
    for (size_t pos = 0; pos < len;) {
        batch_header h;
        batch_parse_header(data + pos, len - pos, &h);
        segment_note_batch(a, &h, at + (int64_t)pos, l->cfg.index_interval_bytes);
        if (h.max_timestamp > max_ts)
            max_ts = h.max_timestamp;
        if (h.partition_leader_epoch > epoch_cache_latest(&l->epochs) &&
            epoch_cache_assign(&l->epochs, h.partition_leader_epoch, h.base_offset) == 1)
            new_epoch = 1;
        pos += (size_t)batch_total_size(&h);
    }
    if (new_epoch)
        log_epochs_persist(l); /* only when leadership changed: not per append */
    if (a->roll_base_ms < 0)
        a->roll_base_ms = now_ms;
    a->size += (int64_t)len;
    a->dirty = 1;
    l->size += (int64_t)len;
    int64_t next = a->next_offset;
    if (info) {
        info->first_offset = first;
        info->last_offset = next - 1;
        info->log_append_time = append_time;
        info->max_timestamp = max_ts;
        info->batch_count = nb;
        info->record_count = (int32_t)records;
    }
    if (next - l->recovery_point >= l->cfg.flush_messages)
        return log_flush(l);
    return LOG_OK;
}

/* Index of the segment holding `offset` (greatest base <= offset). */
static int find_segment(const log *l, int64_t offset) {
    int lo = 0, hi = l->nsegs - 1, found = 0;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (l->segs[mid].base_offset <= offset) {
            found = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return found;
}

/* End of the last whole batch in [start, want] of s, walking from the
 * nearest index entry (start when the first batch does not fit), and in
 * *next the baseOffset of the batch that starts there (want is below the
 * segment's end, so there is one). */
static int last_boundary(const segment *s, int64_t start, int64_t want, int64_t *end,
                         int64_t *next) {
    int64_t from = start;
    int64_t slot = offset_index_lookup_pos(&s->oidx, want);
    if (slot >= 0) {
        int32_t rel, p;
        offset_index_entry(&s->oidx, slot, &rel, &p);
        if (p > from)
            from = p;
    }
    segment_walker w;
    segment_walker_init(&w, s, from);
    batch_header h;
    int64_t pos;
    int rc;
    *end = from;
    while ((rc = segment_walker_next(&w, &h, &pos)) == 1) {
        if (pos + batch_total_size(&h) > want) {
            *next = h.base_offset;
            break;
        }
        *end = pos + batch_total_size(&h);
    }
    return rc < 0 ? rc : LOG_OK;
}

int log_read(log *l, int64_t offset, int64_t max_bytes, int64_t max_offset, log_region *out) {
    int64_t leo = log_end_offset(l);
    out->fd = -1;
    out->position = 0;
    out->length = 0;
    out->first_offset = -1;
    out->next_offset = offset;
    if (offset < l->start_offset || offset > leo)
        return LOG_ERR_OUT_OF_RANGE;
    if (max_offset < 0 || max_offset > leo)
        max_offset = leo;
    if (max_bytes < 0)
        max_bytes = 0;
    for (int i = find_segment(l, offset); i < l->nsegs && offset < max_offset; i++) {
        const segment *s = &l->segs[i];
        if (offset < s->base_offset)
            offset = s->base_offset;
        int64_t start;
        batch_header h;
        int rc = segment_find(s, offset, &start, &h);
        if (rc < 0)
            return rc == LOG_ERR_CORRUPT ? LOG_ERR_IO : rc;
        if (rc == 1)
            continue; /* nothing at or after offset here: next segment */
        if (h.base_offset >= max_offset)
            return LOG_OK;
        int64_t limit = s->size;
        int64_t limit_next = s->next_offset; /* the offset at position `limit` */
        if (max_offset < s->next_offset) {
            int64_t p;
            batch_header hm;
            rc = segment_find(s, max_offset, &p, &hm);
            if (rc < 0)
                return LOG_ERR_IO;
            if (rc == 0) {
                limit = p;
                limit_next = hm.base_offset;
            }
        }
        int64_t want = max_bytes > limit - start ? limit : start + max_bytes;
        int64_t end = want;
        int64_t next = limit_next;
        if (want < limit) {
            rc = last_boundary(s, start, want, &end, &next);
            if (rc != LOG_OK)
                return LOG_ERR_IO;
        }
        if (end <= start) { /* KIP-74: the first batch whole */
            end = start + batch_total_size(&h);
            next = h.base_offset + h.last_offset_delta + 1;
        }
        out->fd = s->fd;
        out->position = start;
        out->length = end - start;
        out->first_offset = h.base_offset;
        out->next_offset = next;
        return LOG_OK;
    }
    return LOG_OK;
}

void log_max_timestamp(const log *l, int64_t *timestamp, int64_t *offset) {
    *timestamp = -1;
    *offset = -1;
    for (int i = 0; i < l->nsegs; i++) {
        if (l->segs[i].max_timestamp > *timestamp) {
            *timestamp = l->segs[i].max_timestamp;
            *offset = l->segs[i].offset_of_max;
        }
    }
}

int log_offset_for_time(log *l, int64_t ts, int64_t *offset, int64_t *timestamp) {
    *offset = -1;
    *timestamp = -1;
    for (int i = 0; i < l->nsegs; i++) {
        const segment *s = &l->segs[i];
        if (s->max_timestamp < ts || s->next_offset <= l->start_offset)
            continue;
        int rc = segment_offset_for_time(s, ts, l->start_offset, offset, timestamp);
        if (rc < 0)
            return rc;
        if (*offset >= 0)
            return LOG_OK;
    }
    return LOG_OK;
}

int64_t log_segment_age_base(const log *l, const segment *s) {
    if (s->max_timestamp >= 0)
        return s->max_timestamp;
    /* No timestamps at all: the file's modification time, as Kafka does. */
    char path[4096];
    struct stat st;
    segment_path(path, sizeof(path), l->dir, s->base_offset, ".log");
    if (stat(path, &st) < 0)
        return INT64_MAX;
    return (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
}

int log_apply_retention(log *l, int64_t now_ms, int *deleted) {
    int rc = LOG_OK, count = 0;
    if (deleted)
        *deleted = 0;
    if (l->failed)
        return LOG_ERR_IO;
    segment *a = active(l);
    if (a->size > 0 && a->roll_base_ms >= 0 && now_ms - a->roll_base_ms > l->cfg.segment_ms) {
        rc = roll(l);
        if (rc != LOG_OK)
            return rc;
    }
    /* cleanup.policy=compact alone never deletes by age or size. */
    int by_retention = l->cfg.cleanup_policy != LOG_CLEANUP_COMPACT;
    while (l->nsegs > 1) {
        const segment *s = &l->segs[0];
        /* Everything in segs[0] lies below segs[1]'s base (a compacted,
         * even empty, segment may end in a gap). */
        int expired = l->segs[1].base_offset <= l->start_offset;
        if (!expired && by_retention && l->cfg.retention_ms >= 0)
            expired = now_ms - log_segment_age_base(l, s) > l->cfg.retention_ms;
        if (!expired && by_retention && l->cfg.retention_bytes >= 0)
            expired = l->size - s->size >= l->cfg.retention_bytes;
        if (!expired)
            break;
        if (remove_first(l) != LOG_OK)
            rc = LOG_ERR_IO;
        count++;
    }
    if (l->segs[0].base_offset > l->start_offset)
        l->start_offset = l->segs[0].base_offset;
    if (l->recovery_point < l->start_offset)
        l->recovery_point = l->start_offset;
    if (count > 0)
        log_epochs_start_moved(l);
    if (deleted)
        *deleted = count;
    return rc;
}

int log_advance_start_offset(log *l, int64_t offset) {
    if (offset > log_end_offset(l) || offset < 0)
        return LOG_ERR_OUT_OF_RANGE;
    if (offset <= l->start_offset)
        return LOG_OK;
    l->start_offset = offset;
    int rc = LOG_OK;
    while (l->nsegs > 1 && l->segs[0].next_offset <= offset)
        if (remove_first(l) != LOG_OK)
            rc = LOG_ERR_IO;
    if (l->recovery_point < l->start_offset)
        l->recovery_point = l->start_offset;
    log_epochs_start_moved(l);
    return rc;
}

/* Remove every segment and start an empty log at `offset` (log start = log
 * end = offset). A failure marks the log failed. */
int log_restart_at(log *l, int64_t offset) {
    log_cleaner_state_free(l);
    int rc = remove_tail(l, 0);
    if (rc == LOG_OK)
        rc = add_segment(l, offset);
    if (rc != LOG_OK) {
        l->failed = 1;
        return rc;
    }
    l->start_offset = offset;
    return LOG_OK;
}

int log_truncate_to(log *l, int64_t offset) {
    if (offset < 0)
        return LOG_ERR_ARG;
    if (offset >= log_end_offset(l))
        return LOG_OK;
    /* A compaction pass's key map may point at offsets about to vanish. */
    log_cleaner_state_free(l);
    if (l->clean_offset > offset)
        l->clean_offset = offset;
    int rc;
    int all = offset <= l->segs[0].base_offset || offset < l->start_offset;
    if (l->hw > offset)
        l->hw = offset; /* what was committed there is gone */
    if (all) {
        /* Nothing below offset survives: start over there. */
        rc = log_restart_at(l, offset);
        if (rc != LOG_OK)
            return rc;
    } else {
        int keep = find_segment(l, offset);
        if (l->segs[keep].base_offset == offset && keep > 0)
            keep--;
        rc = remove_tail(l, keep + 1);
        segment *s = active(l);
        int64_t pos;
        batch_header h;
        int found = segment_find(s, offset, &pos, &h);
        if (found < 0) {
            l->failed = 1;
            return LOG_ERR_IO;
        }
        if (found == 0) {
            rc = segment_truncate(s, pos, l->cfg.segment_index_bytes, l->cfg.index_interval_bytes);
            if (rc == LOG_OK && s->sealed)
                rc = segment_unseal(s, l->cfg.segment_index_bytes);
        } else if (s->sealed) {
            rc = segment_unseal(s, l->cfg.segment_index_bytes);
        }
        if (rc != LOG_OK) {
            l->failed = 1;
            return rc;
        }
        s->dirty = 1;
    }
    recount_size(l);
    if (l->recovery_point > log_end_offset(l))
        l->recovery_point = log_end_offset(l);
    log_epochs_truncated(l, offset, all);
    return LOG_OK;
}

int log_flush(log *l) {
    if (l->failed)
        return LOG_ERR_IO;
    int rc = log_epochs_persist(l) == LOG_OK ? LOG_OK : LOG_ERR_IO;
    for (int i = 0; i < l->nsegs; i++) {
        segment *s = &l->segs[i];
        if (!s->dirty)
            continue;
        if (fdatasync(s->fd) < 0 || log_index_sync(&s->oidx) != LOG_OK ||
            log_index_sync(&s->tidx) != LOG_OK) {
            rc = LOG_ERR_IO;
            continue;
        }
        s->dirty = 0;
    }
    if (l->dir_dirty) {
        int dfd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd) < 0)
            rc = LOG_ERR_IO;
        else
            l->dir_dirty = 0;
        if (dfd >= 0)
            close(dfd);
    }
    if (rc == LOG_OK)
        l->recovery_point = log_end_offset(l);
    return rc;
}

int log_maybe_flush(log *l, int64_t now_ms) {
    if (l->cfg.flush_ms == INT64_MAX)
        return LOG_OK;
    if (l->last_flush_ms < 0)
        l->last_flush_ms = now_ms;
    if (now_ms - l->last_flush_ms < l->cfg.flush_ms)
        return LOG_OK;
    l->last_flush_ms = now_ms;
    if (log_end_offset(l) == l->recovery_point)
        return LOG_OK;
    return log_flush(l);
}
