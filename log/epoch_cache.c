/*
 * epoch_cache.c - the leader-epoch cache of a partition log as a sorted
 * array of (epoch, start offset), with Kafka's LeaderEpochFileCache rules
 * for adding, truncating and answering "where does epoch E end", and the
 * `leader-epoch-checkpoint` text file it is persisted in.
 *
 * A log sees a new epoch only when leadership changes, so the array stays
 * tiny and linear scans are fine. The file is rewritten (atomically, via
 * checkpoint_write_text) only when the entries change; log_epoch.c decides
 * when.
 */
#include "log/epoch_cache.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/checkpoint.h"
#include "log/log.h"

#define EPOCH_FILE_MAX_ENTRIES 1000000

void epoch_cache_free(epoch_cache *c) {
    free(c->v);
    c->v = NULL;
    c->n = 0;
    c->cap = 0;
}

int32_t epoch_cache_latest(const epoch_cache *c) {
    return c->n > 0 ? c->v[c->n - 1].epoch : EPOCH_UNDEFINED;
}

static int push(epoch_cache *c, int32_t epoch, int64_t offset) {
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 4;
        epoch_entry *v = realloc(c->v, (size_t)cap * sizeof(*v));
        if (!v)
            return LOG_ERR_NOMEM;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n].epoch = epoch;
    c->v[c->n].start_offset = offset;
    c->n++;
    return LOG_OK;
}

int epoch_cache_assign(epoch_cache *c, int32_t epoch, int64_t offset) {
    if (epoch < 0 || offset < 0 || epoch <= epoch_cache_latest(c))
        return 0;
    if (c->n > 0 && offset < c->v[c->n - 1].start_offset)
        return 0;
    int rc = push(c, epoch, offset);
    if (rc != LOG_OK)
        return rc;
    c->dirty = 1;
    return 1;
}

int epoch_cache_truncate_from_end(epoch_cache *c, int64_t offset) {
    int n = c->n;
    while (n > 0 && c->v[n - 1].start_offset >= offset)
        n--;
    if (n == c->n)
        return 0;
    c->n = n;
    c->dirty = 1;
    return 1;
}

int epoch_cache_truncate_from_start(epoch_cache *c, int64_t offset) {
    /* Last entry starting at or below offset: it covers offset. */
    int keep = -1;
    for (int i = 0; i < c->n && c->v[i].start_offset <= offset; i++)
        keep = i;
    if (keep < 0)
        return 0; /* every entry starts above the new log start */
    int changed = keep > 0 || c->v[keep].start_offset != offset;
    if (!changed)
        return 0;
    memmove(c->v, c->v + keep, (size_t)(c->n - keep) * sizeof(*c->v));
    c->n -= keep;
    c->v[0].start_offset = offset;
    c->dirty = 1;
    return 1;
}

void epoch_cache_end_offset(const epoch_cache *c, int32_t requested, int64_t log_end,
                            int32_t *epoch, int64_t *end_offset) {
    *epoch = EPOCH_UNDEFINED;
    *end_offset = EPOCH_UNDEFINED;
    if (requested == EPOCH_UNDEFINED || c->n == 0)
        return;
    if (requested == epoch_cache_latest(c)) {
        *epoch = requested;
        *end_offset = log_end;
        return;
    }
    int higher = -1; /* first entry with epoch > requested */
    for (int i = 0; i < c->n; i++)
        if (c->v[i].epoch > requested) {
            higher = i;
            break;
        }
    if (higher < 0)
        return; /* above every known epoch */
    *epoch = higher == 0 ? requested : c->v[higher - 1].epoch;
    *end_offset = c->v[higher].start_offset;
}

static int parse_i64(const char *s, const char *end, int64_t *out) {
    if (s == end || (*s == '-' && s + 1 == end))
        return 0;
    int neg = *s == '-';
    int64_t v = 0;
    for (const char *p = s + neg; p < end; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (*p - '0');
    }
    *out = neg ? -v : v;
    return 1;
}

/* One line of `text` starting at *pos, without its newline; 0 at the end. */
static int next_line(const char *text, size_t len, size_t *pos, const char **b, const char **e) {
    if (*pos >= len)
        return 0;
    const char *s = text + *pos;
    const char *nl = memchr(s, '\n', len - *pos);
    *b = s;
    *e = nl ? nl : text + len;
    *pos = (size_t)(*e - text) + (nl ? 1 : 0);
    return 1;
}

static int parse_file(epoch_cache *c, const char *text, size_t len) {
    size_t pos = 0;
    const char *b, *e;
    int64_t version, count;
    if (!next_line(text, len, &pos, &b, &e) || !parse_i64(b, e, &version) || version != 0)
        return LOG_ERR_CORRUPT;
    if (!next_line(text, len, &pos, &b, &e) || !parse_i64(b, e, &count) || count < 0 ||
        count > EPOCH_FILE_MAX_ENTRIES)
        return LOG_ERR_CORRUPT;
    for (int64_t i = 0; i < count; i++) {
        if (!next_line(text, len, &pos, &b, &e))
            return LOG_ERR_CORRUPT;
        const char *sp = memchr(b, ' ', (size_t)(e - b));
        int64_t epoch, start;
        if (!sp || !parse_i64(b, sp, &epoch) || !parse_i64(sp + 1, e, &start) || epoch < 0 ||
            epoch > INT32_MAX || start < 0)
            return LOG_ERR_CORRUPT;
        if (c->n > 0 && (epoch <= c->v[c->n - 1].epoch || start < c->v[c->n - 1].start_offset))
            return LOG_ERR_CORRUPT;
        int rc = push(c, (int32_t)epoch, start);
        if (rc != LOG_OK)
            return rc;
    }
    while (next_line(text, len, &pos, &b, &e))
        if (b != e)
            return LOG_ERR_CORRUPT; /* more entries than the count says */
    return LOG_OK;
}

static int file_path(char *out, size_t cap, const char *dir) {
    return (size_t)snprintf(out, cap, "%s/%s", dir, EPOCH_CACHE_FILE) < cap ? LOG_OK : LOG_ERR_ARG;
}

int epoch_cache_load(epoch_cache *c, const char *dir) {
    char path[4096];
    c->n = 0;
    int rc = file_path(path, sizeof(path), dir);
    if (rc != LOG_OK)
        return rc;
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? LOG_ERR_NOT_FOUND : LOG_ERR_IO;
    char *text = NULL;
    size_t len = 0, cap = 0;
    rc = LOG_OK;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            if (cap > (size_t)64 << 20) {
                rc = LOG_ERR_CORRUPT;
                break;
            }
            char *t = realloc(text, cap);
            if (!t) {
                rc = LOG_ERR_NOMEM;
                break;
            }
            text = t;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                rc = LOG_ERR_IO;
            break;
        }
    }
    fclose(f);
    if (rc == LOG_OK)
        rc = parse_file(c, text, len);
    free(text);
    if (rc != LOG_OK)
        c->n = 0;
    c->dirty = 0;
    return rc;
}

int epoch_cache_store(epoch_cache *c, const char *dir) {
    char path[4096];
    int rc = file_path(path, sizeof(path), dir);
    if (rc != LOG_OK)
        return rc;
    /* "0\n" + count line + one line per entry, each at most 10 + 1 + 19 + 1. */
    size_t cap = 32 + (size_t)c->n * 40;
    char *text = malloc(cap);
    if (!text)
        return LOG_ERR_NOMEM;
    size_t len = (size_t)snprintf(text, cap, "0\n%d\n", c->n);
    for (int i = 0; i < c->n && len < cap; i++)
        len += (size_t)snprintf(text + len, cap - len, "%" PRId32 " %" PRId64 "\n", c->v[i].epoch,
                                c->v[i].start_offset);
    rc = len < cap ? checkpoint_write_text(path, text, len) : LOG_ERR_ARG;
    free(text);
    if (rc == LOG_OK)
        c->dirty = 0;
    return rc;
}
