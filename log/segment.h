/*
 * segment.h - internal to log/: one segment (.log + .index + .timeindex)
 * and the two mmap'd index files. Not part of the public contract; the
 * broker uses log.h.
 *
 * A segment owns its three file descriptors and both mappings. All
 * functions run on the log's owner thread.
 */
#ifndef STRAND_LOG_SEGMENT_H
#define STRAND_LOG_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "wire/batch.h"

#define OFFSET_INDEX_ENTRY 8 /* int32 relative offset, int32 position */
#define TIME_INDEX_ENTRY 12  /* int64 timestamp, int32 relative offset */

/* A file of fixed-size big-endian entries, mapped MAP_SHARED. `cap` entries
 * fit in the file; the first `entries` are in use. */
typedef struct log_index {
    int fd;
    uint8_t *map;
    uint32_t entry_size;
    int64_t entries;
    int64_t cap;
    int created; /* the file did not exist */
    int ragged;  /* its size was not a whole number of entries */
} log_index;

/* Open (create) `path`. cap_bytes > 0: size the file to that (rounded down
 * to whole entries, never below the entries in use); 0: keep the file size.
 * Entries in use = whole entries up to the last non-zero one. */
int log_index_open(log_index *ix, const char *path, uint32_t entry_size, int64_t cap_bytes);
/* Resize the file to cap_bytes (rounded down, at least the used entries). */
int log_index_resize(log_index *ix, int64_t cap_bytes);
/* Trim the file to the used entries. */
int log_index_trim(log_index *ix);
/* Forget all entries (zeroes them). */
void log_index_clear(log_index *ix);
/* Keep only the first n entries (zeroes the rest). */
void log_index_truncate(log_index *ix, int64_t n);
int log_index_sync(log_index *ix);
void log_index_close(log_index *ix);
static inline int log_index_full(const log_index *ix) {
    return ix->entries >= ix->cap;
}

void offset_index_entry(const log_index *ix, int64_t i, int32_t *rel, int32_t *pos);
void offset_index_append(log_index *ix, int32_t rel, int32_t pos);
/* Slot of the greatest entry with relative offset <= rel, or -1. */
int64_t offset_index_lookup(const log_index *ix, int64_t rel);
/* Slot of the greatest entry with position <= pos, or -1. */
int64_t offset_index_lookup_pos(const log_index *ix, int64_t pos);
/* 1 when entries increase strictly and point inside [0, log_size). */
int offset_index_sane(const log_index *ix, int64_t log_size);

void time_index_entry(const log_index *ix, int64_t i, int64_t *ts, int32_t *rel);
void time_index_append(log_index *ix, int64_t ts, int32_t rel);
/* Slot of the greatest entry with timestamp < ts, or -1. */
int64_t time_index_lookup_before(const log_index *ix, int64_t ts);
/* 1 when timestamps and offsets never decrease and offsets are in [0, max_rel]. */
int time_index_sane(const log_index *ix, int64_t max_rel);

typedef struct segment {
    int64_t base_offset;
    int64_t next_offset;   /* last offset + 1; base_offset when empty */
    int64_t size;          /* bytes of the .log in use */
    int64_t max_timestamp; /* -1 when none */
    int64_t offset_of_max; /* last offset of the batch holding max_timestamp */
    int64_t roll_base_ms;  /* maxTimestamp of the first batch (segment.ms), -1 empty */
    int64_t bytes_since_index;
    int fd;
    int dirty;  /* written since the last fsync */
    int sealed; /* indexes trimmed */
    log_index oidx;
    log_index tidx;
} segment;

/* Path of a segment file: dir/<20-digit base><suffix>. */
void segment_path(char *out, size_t outlen, const char *dir, int64_t base, const char *suffix);

/* Open the files of segment `base` in `dir` (creating them when create).
 * active: indexes sized to index_bytes; else kept as found. Fields other
 * than base_offset and size are left for the caller (load or recover). */
int segment_open(segment *s, const char *dir, int64_t base, int create, int active,
                 int64_t index_bytes);
void segment_close(segment *s);
/* Close and unlink the three files. */
int segment_remove(segment *s, const char *dir);

/* Become inactive: final time index entry, trim both indexes. */
int segment_seal(segment *s);
/* Become active again (truncation): indexes back to index_bytes. */
int segment_unseal(segment *s, int64_t index_bytes);

/* Record index entries for one batch just written at `pos`. */
void segment_note_batch(segment *s, const batch_header *h, int64_t pos, int32_t interval);

/* What a full scan of a .log found. */
typedef struct segment_scan {
    int64_t file_bytes;  /* size of the .log when scanned */
    int64_t valid_bytes; /* end of the last good batch */
    const char *reason;  /* why the scan stopped early, NULL if it did not */
} segment_scan;

/* Re-read the whole .log (size, magic, CRC, increasing offsets), rebuild
 * both indexes and the segment's summary fields. Does not truncate; the
 * caller truncates to scan->valid_bytes when it is short of the file. */
int segment_recover(segment *s, int64_t index_bytes, int32_t interval, segment_scan *scan);

/* Cut the .log to `size` bytes (a batch boundary) and rebuild indexes. */
int segment_truncate(segment *s, int64_t size, int64_t index_bytes, int32_t interval);

/* 1 when both index files look usable for a segment whose .log is known. */
int segment_indexes_sane(const segment *s);

/* Cheap load of a segment not re-validated: summary fields from the index
 * tails and a walk of the batches after the last offset index entry.
 * Returns LOG_ERR_CORRUPT when the walk finds a torn batch. */
int segment_load(segment *s);

/* Walks batch headers of a segment with few pread()s. */
typedef struct segment_walker {
    const segment *s;
    int64_t pos;
    int64_t buf_pos;
    size_t buf_len;
    uint8_t buf[8192];
} segment_walker;

void segment_walker_init(segment_walker *w, const segment *s, int64_t pos);
/* 1 with the batch at *pos, 0 at the end of the segment, LOG_ERR_CORRUPT or
 * LOG_ERR_IO. */
int segment_walker_next(segment_walker *w, batch_header *h, int64_t *pos);

/* Position of the batch containing `offset` (or the first batch after it),
 * with its header; 0 found, 1 when no batch at or after offset. */
int segment_find(const segment *s, int64_t offset, int64_t *pos, batch_header *h);

/* First offset >= min_offset whose record timestamp is >= ts, with that
 * timestamp; -1/-1 when none in this segment. Uncompressed batches are
 * searched record by record; compressed ones answer with their baseOffset. */
int segment_offset_for_time(const segment *s, int64_t ts, int64_t min_offset, int64_t *offset,
                            int64_t *timestamp);

#endif
