/*
 * log_internal.h - internal to log/: the layout of a partition log, shared
 * by log.c (appends, reads, retention) and cleaner.c (compaction). The
 * broker uses log.h only.
 */
#ifndef STRAND_LOG_LOG_INTERNAL_H
#define STRAND_LOG_LOG_INTERNAL_H

#include <stdint.h>

#include "log/epoch_cache.h"
#include "log/log.h"
#include "log/segment.h"

struct log_cleaner_state; /* cleaner.c: a compaction pass in progress */

struct log {
    char *dir;
    char *topic;
    int32_t partition;
    log_config cfg;
    segment *segs;
    int nsegs;
    int cap;
    int64_t start_offset;
    int64_t recovery_point;
    int64_t last_flush_ms;
    int64_t size;
    int dir_dirty;
    int failed;
    int64_t clean_offset;              /* compaction: records below are cleaned (0 after open) */
    struct log_cleaner_state *cleaner; /* pass in progress, NULL when none */
    epoch_cache epochs;                /* leader-epoch-checkpoint (log_epoch.c) */
    int64_t hw;                        /* high watermark, -1 until log_set_high_watermark */
};

/* Age of a segment for retention and the tombstone horizon: its max
 * timestamp, or the .log file's mtime when it has none. */
int64_t log_segment_age_base(const log *l, const segment *s);
/* Drop a compaction pass in progress (log.c calls it on truncation/free). */
void log_cleaner_state_free(log *l);

/* log.c pieces shared with log_replica.c (append as is, restart). */
/* Check every batch of an append (replica: batches copied from a leader,
 * control batches, compaction's missing records allowed, keys not
 * re-checked). */
int log_validate_batches(const log *l, const uint8_t *data, size_t len, int replica, int *nbatches,
                         int64_t *nrecords);
/* 1 when the active segment must roll before `len` bytes of `nb` batches
 * whose last offset is active end + records - 1 are appended. */
int log_need_roll(const log *l, size_t len, int nb, int64_t records, int64_t now_ms);
/* Seal the active segment, start a new one at `base` (>= its end). */
int log_roll_at(log *l, int64_t base);
/* Write validated batches whose offsets are stamped to the active segment
 * and update indexes, epoch cache, sizes, info (first: offset of the first
 * record; append_time: LogAppendTime used or -1). */
int log_write_batches(log *l, const uint8_t *data, size_t len, int nb, int64_t records,
                      int64_t first, int64_t append_time, int64_t now_ms, log_append_info *info);
/* Remove every segment, start empty at `offset` (a failure marks the log
 * failed). The caller fixes the recovery point and the epoch cache. */
int log_restart_at(log *l, int64_t offset);

/* log_epoch.c: the leader-epoch cache kept in step with the log. */
/* At open, after the segments and the start offset are known: load the
 * file, or rebuild it from the batch headers when missing or damaged, and
 * fit it to [log start, log end]. LOG_OK or the walk's LOG_ERR_IO/NOMEM. */
int log_epochs_open(log *l);
/* Write the file if the cache changed since the last successful write.
 * A failure leaves it dirty (retried by log_flush and log_close). */
int log_epochs_persist(log *l);
/* The log start offset moved forward (retention, DeleteRecords). */
void log_epochs_start_moved(log *l);
/* The log was truncated to `offset` (everything removed when `all`). */
void log_epochs_truncated(log *l, int64_t offset, int all);

#endif
