/*
 * epoch_cache.h - internal to log/: the leader-epoch cache of one partition
 * log and its file, Kafka's `leader-epoch-checkpoint` (in the partition
 * directory: a version line "0", a count line, then one
 * "epoch start_offset" line per entry).
 *
 * An entry (epoch, start offset) says: the first batch appended with this
 * partitionLeaderEpoch starts at this offset. Entries are kept sorted with
 * epochs strictly increasing and start offsets non-decreasing, as Kafka's
 * LeaderEpochFileCache keeps them. The functions here are pure memory
 * operations except epoch_cache_load/epoch_cache_store; log_epoch.c glues
 * the cache to the log (appends, truncation, log start offset moves,
 * rebuilding from batch headers). The public queries are in log.h
 * (log_epoch_end_offset, log_latest_epoch).
 *
 * Memory: the cache owns its array and path. Threading: the log's owner
 * thread only, like the log.
 */
#ifndef STRAND_LOG_EPOCH_CACHE_H
#define STRAND_LOG_EPOCH_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define EPOCH_CACHE_FILE "leader-epoch-checkpoint"
#define EPOCH_UNDEFINED (-1) /* Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET */

typedef struct epoch_entry {
    int32_t epoch;
    int64_t start_offset;
} epoch_entry;

typedef struct epoch_cache {
    epoch_entry *v;
    int n;
    int cap;
    int dirty; /* changed since the file was last written successfully */
} epoch_cache;

/* Free the array (the struct itself is the caller's); leaves it empty. */
void epoch_cache_free(epoch_cache *c);

/* Latest epoch, EPOCH_UNDEFINED when empty. */
int32_t epoch_cache_latest(const epoch_cache *c);

/* A batch with partitionLeaderEpoch `epoch` was appended at `offset`: add
 * (epoch, offset) when epoch >= 0, epoch is above the latest epoch and
 * offset is not below the latest start offset. Lower or equal epochs are
 * ignored (epochs never go backwards). 1 when added, 0 when not, or
 * LOG_ERR_NOMEM. */
int epoch_cache_assign(epoch_cache *c, int32_t epoch, int64_t offset);

/* Truncation of the log to `offset`: drop entries with start >= offset.
 * 1 when something changed, else 0. */
int epoch_cache_truncate_from_end(epoch_cache *c, int64_t offset);

/* The log start offset moved to `offset`: drop entries that lie wholly
 * below it and clamp the start of the entry covering it to offset. 1 when
 * something changed, else 0. */
int epoch_cache_truncate_from_start(epoch_cache *c, int64_t offset);

/* Kafka's LeaderEpochFileCache.endOffsetFor: for `requested`
 *  - EPOCH_UNDEFINED, or above every cached epoch, or an empty cache:
 *    (EPOCH_UNDEFINED, EPOCH_UNDEFINED);
 *  - the latest epoch: (requested, log_end);
 *  - between: (the largest cached epoch <= requested, start offset of the
 *    next higher cached epoch);
 *  - below every cached epoch: (requested, start offset of the first
 *    entry): the data of older epochs is gone; a follower truncates there.
 */
void epoch_cache_end_offset(const epoch_cache *c, int32_t requested, int64_t log_end,
                            int32_t *epoch, int64_t *end_offset);

/* Read `<dir>/leader-epoch-checkpoint` into c (replacing its entries).
 * LOG_OK; LOG_ERR_NOT_FOUND when the file does not exist; LOG_ERR_CORRUPT
 * when it does not parse or its entries are not ordered (c is left empty);
 * LOG_ERR_IO, LOG_ERR_NOMEM. */
int epoch_cache_load(epoch_cache *c, const char *dir);

/* Write the file atomically (tmp file, fsync, rename, directory fsync) and
 * clear dirty; on failure dirty stays set. LOG_OK or LOG_ERR_IO/ARG/NOMEM. */
int epoch_cache_store(epoch_cache *c, const char *dir);

#endif
