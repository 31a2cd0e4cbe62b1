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
