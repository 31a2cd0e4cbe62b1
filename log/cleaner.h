/*
 * cleaner.h - log compaction (cleanup.policy=compact or compact,delete):
 * keep only the latest record per key in the segments older than the active
 * one, drop tombstones (null values) once delete.retention.ms has passed.
 *
 * A pass: when the dirty part of the log (non-active segments at or after
 * the cleaner checkpoint, each at least min.compaction.lag.ms old) is at
 * least min.cleanable.dirty.ratio of the cleanable log, one scan of the
 * dirty part builds a map key hash (16 bytes) -> latest offset, bounded by
 * map_bytes (the dirty part is cut at a segment boundary when it does not
 * fit). Then every cleanable segment is rewritten: batches whose records all
 * survive are copied byte for byte, batches losing records are rebuilt with
 * the same codec, base offset, offset deltas (gaps stay), timestamps,
 * producer fields and span (lastOffsetDelta), batches losing everything are
 * dropped, a segment left empty stays as an empty file. Offsets never change; the log
 * end is held by the active segment, which is never touched. A segment with
 * nothing to remove is left as it is.
 *
 * Swap, crash-safe: the new segment is written to <base>.log.cleaned and
 * fsynced, renamed to <base>.log.swap, the old indexes are removed, and the
 * .swap is renamed over <base>.log (atomic), then its indexes are rebuilt.
 * log_open deletes a leftover .cleaned (the original is intact), deletes a
 * .swap whose .log exists, and renames a .swap without a .log into place.
 * Missing indexes are rebuilt by the normal recovery.
 *
 * Steps: log_clean reads about budget_bytes of segments per call (whole
 * segments: at least one, mapping or rewriting) and keeps the pass's state
 * (key map, progress) in the log between calls; call it again while
 * stats.in_progress. Segments appended meanwhile wait for the next pass. It runs on the
 * log's owner thread, between appends and reads; it closes the file
 * descriptors of rewritten segments, so log_region values obtained before
 * the call are invalid after it (like log_apply_retention). The key map is
 * dropped by log_truncate_to and by closing the log. The cleaner checkpoint
 * survives restarts through the log directory's `cleaner-offset-checkpoint`
 * file (logdir.h), so the first pass after a restart reads only what was
 * appended since the last finished pass.
 *
 * Records with a null key are always kept. Control batches are copied.
 */
#ifndef STRAND_LOG_CLEANER_H
#define STRAND_LOG_CLEANER_H

#include <stddef.h>
#include <stdint.h>

#include "log/log.h"

#define LOG_CLEAN_DEFAULT_MAP_BYTES ((size_t)16 << 20)     /* ~700k keys */
#define LOG_CLEAN_DEFAULT_BUDGET_BYTES ((int64_t)64 << 20) /* per call */

typedef struct log_clean_stats {
    int started;             /* a pass started in this call */
    int completed;           /* a pass finished in this call */
    int in_progress;         /* a pass is under way: call again */
    double dirty_ratio;      /* dirty / cleanable bytes when checked; -1 if not */
    int segments_rewritten;  /* replaced by a cleaned copy */
    int64_t bytes_read;      /* of segments rewritten or checked */
    int64_t bytes_written;   /* of cleaned segments */
    int64_t records_removed; /* superseded records, tombstones included */
    int64_t tombstones_removed;
    int64_t batches_copied;  /* kept byte for byte */
    int64_t batches_rebuilt; /* rewritten without some records */
    int64_t batches_dropped; /* every record removed */
    int64_t map_keys;        /* keys in the map of the pass */
} log_clean_stats;

/* One step of compaction of `l` at wall clock now_ms. A no-op (LOG_OK,
 * nothing started) for cleanup.policy=delete, when nothing is cleanable or
 * the dirty ratio is below min.cleanable.dirty.ratio. budget_bytes <= 0 and
 * map_bytes == 0 mean the defaults above. stats may be NULL.
 * Errors: LOG_ERR_IO (the pass is abandoned; the log stays consistent),
 * LOG_ERR_NOMEM (also when one segment has more keys than the map holds). */
int log_clean(log *l, int64_t now_ms, int64_t budget_bytes, size_t map_bytes,
              log_clean_stats *stats);

/* The cleaner checkpoint: records below it were cleaned by a finished pass. */
int64_t log_clean_offset(const log *l);

/* Restore the cleaner checkpoint read back after a restart; clamped to
 * [0, log end offset]. A checkpoint that is too high only means fewer
 * duplicates are found among the records below it: records are removed only
 * when a later record of the same key was seen, so a wrong value never
 * loses the latest record of a key. */
void log_clean_offset_restore(log *l, int64_t offset);

#endif
