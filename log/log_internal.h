/*
 * log_internal.h - internal to log/: the layout of a partition log, shared
 * by log.c (appends, reads, retention) and cleaner.c (compaction). The
 * broker uses log.h only.
 */
#ifndef STRAND_LOG_LOG_INTERNAL_H
#define STRAND_LOG_LOG_INTERNAL_H

#include <stdint.h>

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
};

/* Age of a segment for retention and the tombstone horizon: its max
 * timestamp, or the .log file's mtime when it has none. */
int64_t log_segment_age_base(const log *l, const segment *s);
/* Drop a compaction pass in progress (log.c calls it on truncation/free). */
void log_cleaner_state_free(log *l);

#endif
