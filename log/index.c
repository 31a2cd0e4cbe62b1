/*
 * index.c - the .index and .timeindex files: arrays of fixed-size
 * big-endian entries in an mmap'd file.
 *
 * The active segment's indexes are preallocated (segment.index.bytes) so
 * appends are a store into the mapping; unused trailing entries are zero,
 * which is how the used count is recovered after a crash (no real entry is
 * all zero: the first batch of a segment never gets an entry because an
 * entry is only added once index.interval.bytes were written before it).
 * Lookups are binary searches. Sealed segments are trimmed to their used
 * length, which is what Apache Kafka leaves on disk.
 */
#include "log/segment.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/log.h"
#include "wire/buf.h"

static int entry_is_zero(const log_index *ix, int64_t i) {
    const uint8_t *p = ix->map + i * ix->entry_size;
    for (uint32_t k = 0; k < ix->entry_size; k++)
        if (p[k])
            return 0;
    return 1;
}

static int index_map(log_index *ix, int64_t bytes) {
    ix->map = NULL;
    if (bytes <= 0)
        return LOG_OK;
    void *m = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_SHARED, ix->fd, 0);
    if (m == MAP_FAILED)
        return LOG_ERR_IO;
    ix->map = m;
    return LOG_OK;
}

static void index_unmap(log_index *ix) {
    if (ix->map)
        munmap(ix->map, (size_t)(ix->cap * ix->entry_size));
    ix->map = NULL;
}

int log_index_open(log_index *ix, const char *path, uint32_t entry_size, int64_t cap_bytes) {
    memset(ix, 0, sizeof(*ix));
    ix->entry_size = entry_size;
    ix->fd = open(path, O_RDWR | O_CLOEXEC);
    if (ix->fd < 0 && errno == ENOENT) {
        ix->created = 1;
        ix->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    }
    if (ix->fd < 0)
        return LOG_ERR_IO;
    struct stat st;
    if (fstat(ix->fd, &st) < 0)
        goto fail;
    int64_t whole = st.st_size / entry_size;
    ix->ragged = st.st_size % entry_size != 0;
    if (st.st_size % entry_size && ftruncate(ix->fd, whole * entry_size) < 0)
        goto fail;
    ix->cap = whole;
    if (index_map(ix, whole * entry_size) != LOG_OK)
        goto fail;
    ix->entries = whole;
    while (ix->entries > 0 && entry_is_zero(ix, ix->entries - 1))
        ix->entries--;
    if (cap_bytes > 0 && log_index_resize(ix, cap_bytes) != LOG_OK)
        goto fail;
    return LOG_OK;
fail:
    log_index_close(ix);
    return LOG_ERR_IO;
}

int log_index_resize(log_index *ix, int64_t cap_bytes) {
    int64_t cap = cap_bytes / ix->entry_size;
    if (cap < ix->entries)
        cap = ix->entries;
    if (cap == ix->cap)
        return LOG_OK;
    index_unmap(ix);
    if (ftruncate(ix->fd, cap * ix->entry_size) < 0) {
        ix->cap = 0;
        ix->entries = 0;
        return LOG_ERR_IO;
    }
    ix->cap = cap;
    if (index_map(ix, cap * ix->entry_size) != LOG_OK) {
        ix->cap = 0;
        ix->entries = 0;
        return LOG_ERR_IO;
    }
    return LOG_OK;
}

int log_index_trim(log_index *ix) {
    return log_index_resize(ix, ix->entries * ix->entry_size);
}

void log_index_clear(log_index *ix) {
    log_index_truncate(ix, 0);
}

void log_index_truncate(log_index *ix, int64_t n) {
    if (n < 0)
        n = 0;
    if (n >= ix->entries)
        return;
    memset(ix->map + n * ix->entry_size, 0, (size_t)((ix->entries - n) * ix->entry_size));
    ix->entries = n;
}

int log_index_sync(log_index *ix) {
    if (ix->map && msync(ix->map, (size_t)(ix->cap * ix->entry_size), MS_SYNC) < 0)
        return LOG_ERR_IO;
    if (ix->fd >= 0 && fsync(ix->fd) < 0)
        return LOG_ERR_IO;
    return LOG_OK;
}

void log_index_close(log_index *ix) {
    index_unmap(ix);
    if (ix->fd >= 0)
        close(ix->fd);
    ix->fd = -1;
    ix->entries = ix->cap = 0;
}

void offset_index_entry(const log_index *ix, int64_t i, int32_t *rel, int32_t *pos) {
    const uint8_t *p = ix->map + i * OFFSET_INDEX_ENTRY;
    *rel = (int32_t)wire_be32(p);
    *pos = (int32_t)wire_be32(p + 4);
}

void offset_index_append(log_index *ix, int32_t rel, int32_t pos) {
    if (ix->entries >= ix->cap)
        return;
    uint8_t *p = ix->map + ix->entries * OFFSET_INDEX_ENTRY;
    wire_put_be32(p, (uint32_t)rel);
    wire_put_be32(p + 4, (uint32_t)pos);
    ix->entries++;
}

/* Greatest slot whose key (field at `field`, 4 bytes) is <= key. */
static int64_t search_le32(const log_index *ix, size_t field, int64_t key) {
    int64_t lo = 0, hi = ix->entries - 1, found = -1;
    while (lo <= hi) {
        int64_t mid = lo + (hi - lo) / 2;
        int64_t v = (int32_t)wire_be32(ix->map + mid * ix->entry_size + field);
        if (v <= key) {
            found = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return found;
}

int64_t offset_index_lookup(const log_index *ix, int64_t rel) {
    return search_le32(ix, 0, rel);
}

int64_t offset_index_lookup_pos(const log_index *ix, int64_t pos) {
    return search_le32(ix, 4, pos);
}

int offset_index_sane(const log_index *ix, int64_t log_size) {
    int32_t prev_rel = 0, prev_pos = 0;
    for (int64_t i = 0; i < ix->entries; i++) {
        int32_t rel, pos;
        offset_index_entry(ix, i, &rel, &pos);
        if (rel <= prev_rel && i > 0)
            return 0;
        if (pos <= prev_pos || rel < 0 || pos >= log_size)
            return 0;
        prev_rel = rel;
        prev_pos = pos;
    }
    return 1;
}

void time_index_entry(const log_index *ix, int64_t i, int64_t *ts, int32_t *rel) {
    const uint8_t *p = ix->map + i * TIME_INDEX_ENTRY;
    *ts = (int64_t)wire_be64(p);
    *rel = (int32_t)wire_be32(p + 8);
}

void time_index_append(log_index *ix, int64_t ts, int32_t rel) {
    if (ix->entries >= ix->cap)
        return;
    uint8_t *p = ix->map + ix->entries * TIME_INDEX_ENTRY;
    wire_put_be64(p, (uint64_t)ts);
    wire_put_be32(p + 8, (uint32_t)rel);
    ix->entries++;
}

int64_t time_index_lookup_before(const log_index *ix, int64_t ts) {
    int64_t lo = 0, hi = ix->entries - 1, found = -1;
    while (lo <= hi) {
        int64_t mid = lo + (hi - lo) / 2;
        int64_t v = (int64_t)wire_be64(ix->map + mid * TIME_INDEX_ENTRY);
        if (v < ts) {
            found = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return found;
}

int time_index_sane(const log_index *ix, int64_t max_rel) {
    int64_t prev_ts = INT64_MIN;
    int32_t prev_rel = 0;
    for (int64_t i = 0; i < ix->entries; i++) {
        int64_t ts;
        int32_t rel;
        time_index_entry(ix, i, &ts, &rel);
        if (ts < prev_ts || rel < prev_rel || rel < 0 || rel > max_rel)
            return 0;
        prev_ts = ts;
        prev_rel = rel;
    }
    return 1;
}
