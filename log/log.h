/*
 * log.h - one partition's log: a directory `<dir>/<topic>-<partition>` of
 * segments in Apache Kafka's on-disk format (byte-compatible).
 *
 * Files per segment, named by the 20-digit zero-padded base offset:
 *   .log       record batches exactly as produced (baseOffset and
 *              partitionLeaderEpoch rewritten by the broker), no header;
 *   .index     8-byte entries {int32 relative offset, int32 position}: the
 *              LAST offset of a batch and the position where that batch
 *              STARTS; one entry once more than index.interval.bytes were
 *              written since the previous one; preallocated to
 *              segment.index.bytes while active, trimmed on roll/close;
 *   .timeindex 12-byte entries {int64 timestamp, int32 relative offset},
 *              timestamps strictly increasing (max timestamp seen so far).
 *
 * Threading: a log has ONE owner thread. Every call for one log (append,
 * read, retention, flush, close) must come from that thread. Different logs
 * are independent. Nothing here prints, exits or does networking.
 *
 * Durability: the defaults of flush.messages and flush.ms are Kafka's
 * "never" (INT64_MAX): data is handed to the kernel with write() and left to
 * the OS. An acknowledged message therefore survives a process crash
 * (kill -9: it is in the page cache) but NOT a power loss or kernel crash,
 * unless flush.messages=1 (fsync after every append) or the broker calls
 * log_flush(). The recovery point is the offset below which data is known to
 * be fsynced; on open, everything after it is re-validated and a torn tail is
 * truncated.
 *
 * Memory: a log owns its segments, file descriptors and mmaps; the caller
 * owns buffers it passes in. The hot path (append, read) does not allocate
 * except when a segment rolls.
 */
#ifndef STRAND_LOG_LOG_H
#define STRAND_LOG_LOG_H

#include <stddef.h>
#include <stdint.h>

/* Status codes: 0 or a negative value. log_status_to_kafka() maps each to
 * the Kafka error code to put in a response. */
enum log_status {
    LOG_OK = 0,
    LOG_ERR_CORRUPT = -1,        /* bad batch: size, magic, CRC, header -> CORRUPT_MESSAGE */
    LOG_ERR_TOO_LARGE = -2,      /* batch larger than max.message.bytes -> MESSAGE_TOO_LARGE */
    LOG_ERR_INVALID_RECORD = -3, /* batch well-formed but not acceptable -> INVALID_RECORD */
    LOG_ERR_IO = -4,             /* a system call failed -> KAFKA_STORAGE_ERROR */
    LOG_ERR_OUT_OF_RANGE = -5,   /* offset outside [start, end] -> OFFSET_OUT_OF_RANGE */
    LOG_ERR_NOMEM = -6,          /* -> KAFKA_STORAGE_ERROR */
    LOG_ERR_CONFIG = -7,         /* unknown key, bad value, unsupported policy -> INVALID_CONFIG */
    LOG_ERR_ARG = -8,            /* caller error (bad name, NULL) -> INVALID_REQUEST */
    LOG_ERR_EXISTS = -9,         /* log already open/exists -> TOPIC_ALREADY_EXISTS */
    LOG_ERR_NOT_FOUND = -10,     /* no such log -> UNKNOWN_TOPIC_OR_PARTITION */
};

/* Human-readable text of a log_status. Never NULL. */
const char *log_strerror(int status);
/* The Kafka error code (enum kafka_error in wire/kafka.h) for a status. */
int16_t log_status_to_kafka(int status);

enum log_cleanup_policy {
    LOG_CLEANUP_DELETE = 0,
    LOG_CLEANUP_COMPACT = 1,        /* "compact": log_clean only, no retention deletes */
    LOG_CLEANUP_COMPACT_DELETE = 2, /* "compact,delete": both */
};

enum log_timestamp_type {
    LOG_TIMESTAMP_CREATE_TIME = 0,     /* keep the producer's timestamps */
    LOG_TIMESTAMP_LOG_APPEND_TIME = 1, /* broker stamps maxTimestamp, sets the attribute */
};

/* Per-log settings, Kafka topic-config names in the comments; -1 = unlimited
 * where Kafka allows it. Fill with log_config_init() then override. */
typedef struct log_config {
    int64_t segment_bytes;            /* segment.bytes, 1 GiB; max INT32_MAX */
    int64_t segment_ms;               /* segment.ms, 7 days */
    int64_t retention_ms;             /* retention.ms, 7 days; -1 unlimited */
    int64_t retention_bytes;          /* retention.bytes, -1 unlimited */
    int32_t index_interval_bytes;     /* index.interval.bytes, 4096 */
    int32_t segment_index_bytes;      /* segment.index.bytes, 10 MiB */
    int64_t flush_messages;           /* flush.messages, INT64_MAX = never (leave it to the OS) */
    int64_t flush_ms;                 /* flush.ms, INT64_MAX = never */
    int32_t max_message_bytes;        /* max.message.bytes, 1048588: max size of one batch */
    int cleanup_policy;               /* cleanup.policy, enum log_cleanup_policy; delete */
    int timestamp_type;               /* message.timestamp.type, enum log_timestamp_type */
    int64_t delete_retention_ms;      /* delete.retention.ms, 1 day: tombstones kept that long */
    int64_t min_compaction_lag_ms;    /* min.compaction.lag.ms, 0 */
    double min_cleanable_dirty_ratio; /* min.cleanable.dirty.ratio, 0.5 */
} log_config;

void log_config_init(log_config *cfg);
/* Set one option by its Kafka name ("segment.bytes", "cleanup.policy", ...)
 * from its text value. cleanup.policy takes "delete", "compact",
 * "compact,delete" (either order). LOG_ERR_CONFIG for an unknown key or a
 * value out of range. */
int log_config_set(log_config *cfg, const char *key, const char *value);
/* LOG_OK if the whole struct is acceptable (same checks as above). */
int log_config_check(const log_config *cfg);

/* What opening a log found and did; the broker logs it. */
typedef struct log_recovery_report {
    int segments;             /* segments loaded */
    int segments_validated;   /* segments re-read batch by batch (after recovery point) */
    int indexes_rebuilt;      /* .index/.timeindex pairs rebuilt from the .log */
    int segments_removed;     /* whole segments deleted after a truncation point */
    int64_t bytes_truncated;  /* bytes cut from torn or corrupt tails */
    int64_t truncated_at;     /* offset where the log was cut, -1 if not */
    int64_t log_start_offset; /* after open */
    int64_t log_end_offset;   /* after open */
    int created;              /* 1 if the directory did not exist */
    char detail[256];         /* first problem found, "" if none (e.g. "CRC mismatch at ...") */
} log_recovery_report;

typedef struct log log;

/* Open (creating if missing) `<dir>/<topic>-<partition>`.
 * recovery_point: offset up to which data is known fsynced (from the
 *   checkpoint), or -1 when unknown: then every segment is validated.
 * log_start_offset: from the checkpoint, or -1 to use the first segment's base.
 * report: may be NULL. cfg is copied. On success *out owns the log. */
int log_open(const char *dir, const char *topic, int32_t partition, const log_config *cfg,
             int64_t recovery_point, int64_t log_start_offset, log_recovery_report *report,
             log **out);

/* Flush, trim the active segment's index files, close everything, free.
 * Returns the first error of the flush (the log is freed regardless). */
int log_close(log *l);

/* Close and remove the partition directory with all its files. */
int log_delete(log *l);

/* Replace the configuration (topic config change). Applies from the next
 * append/roll/retention; segment.index.bytes applies to new segments. */
int log_set_config(log *l, const log_config *cfg);
const log_config *log_get_config(const log *l);

typedef struct log_append_info {
    int64_t first_offset;    /* offset assigned to the first record */
    int64_t last_offset;     /* offset of the last record */
    int64_t log_append_time; /* now_ms when LogAppendTime is in use, else -1 */
    int64_t max_timestamp;   /* max timestamp of the appended batches */
    int32_t batch_count;
    int32_t record_count;
} log_append_info;

/* Append `len` bytes holding one or several concatenated RecordBatch v2.
 * All batches are validated first (strict batch_validate, each batch at most
 * max.message.bytes); if any fails nothing is written. Then baseOffset and
 * partitionLeaderEpoch (= leader_epoch, or left as is when < 0) are rewritten
 * IN PLACE in `data` (the caller's buffer is modified; with LogAppendTime
 * also attributes, maxTimestamp and CRC), the bytes go to the active segment
 * with one write(), and indexes are updated. Rolls first when needed.
 * now_ms: wall clock, for segment.ms and LogAppendTime. info may be NULL.
 * Errors: LOG_ERR_CORRUPT, LOG_ERR_TOO_LARGE, LOG_ERR_INVALID_RECORD (empty
 * input, control batch, recordCount != lastOffsetDelta + 1, a record without
 * a key in a compacted log: cleanup.policy compact or compact,delete; such
 * batches are decompressed for the check), LOG_ERR_IO
 * (a failed write is cut off again with ftruncate; if even that fails the log
 * refuses every further append and flush until it is reopened, whose
 * recovery removes the partial tail). */
int log_append(log *l, uint8_t *data, size_t len, int32_t leader_epoch, int64_t now_ms,
               log_append_info *info);

/* Replication (a follower copying its leader's log): append batches that
 * already carry their offsets and leader epochs, unchanged (nothing is
 * rewritten, `data` stays as it is). Every batch is validated first (size,
 * magic, CRC, header; control batches and batches compaction removed
 * records from are accepted, keys of compacted logs are not re-checked:
 * the leader did); base offsets must be strictly
 * increasing with no overlap and the first must be >= the log end; gaps are
 * allowed (compacted topics). The segment rolls as for log_append, and at
 * the first batch's base offset when it does. Indexes, the time index and
 * the leader-epoch cache are updated as for a normal append; info as for
 * log_append (log_append_time -1). Errors: those of log_append, and
 * LOG_ERR_OUT_OF_RANGE when the first base offset is below the log end
 * (nothing written). */
int log_append_replica(log *l, const uint8_t *data, size_t len, int64_t now_ms,
                       log_append_info *info);

/* Replication: drop the whole log and start empty at `offset` (log start =
 * log end = offset), also when offset is past the log end: a follower whose
 * log ends before its leader's log start (Kafka's truncateFullyAndStartAt).
 * The leader-epoch cache is emptied; a set high watermark becomes offset.
 * LOG_ERR_ARG for offset < 0; LOG_ERR_IO (the log then refuses appends
 * until it is reopened). */
int log_truncate_fully_and_start_at(log *l, int64_t offset);

/* A byte range of one segment's .log file: whole batches, ready for
 * pread()/sendfile(). fd is owned by the log and stays valid until the next
 * log_apply_retention / log_truncate_to / log_advance_start_offset /
 * log_clean (log/cleaner.h) / log_close / log_delete on this log. length 0 means nothing to read.
 */
typedef struct log_region {
    int fd;
    int64_t position;     /* byte position in the file */
    int64_t length;       /* bytes */
    int64_t first_offset; /* baseOffset of the first batch, -1 when empty */
    int64_t next_offset;  /* where the following region starts: past the last
                             batch of this one (the offset asked when empty) */
} log_region;

/* Region starting at the batch that CONTAINS `offset`, holding whole batches
 * up to max_bytes (the first batch whole even if larger: KIP-74) and only
 * batches whose baseOffset < max_offset (pass -1 for the log end; the broker
 * passes the high watermark). The region never spans segments: read again
 * from out->next_offset for what follows (the next segment once this one is
 * exhausted). LOG_ERR_OUT_OF_RANGE if offset is outside
 * [log start, log end]; offset == log end gives an empty region. */
int log_read(log *l, int64_t offset, int64_t max_bytes, int64_t max_offset, log_region *out);

int64_t log_start_offset(const log *l);
int64_t log_end_offset(const log *l); /* next offset to be assigned */
int64_t log_recovery_point(const log *l);
int64_t log_size_bytes(const log *l); /* sum of .log sizes */
int log_segment_count(const log *l);
const char *log_topic(const log *l);
int32_t log_partition(const log *l);
const char *log_dir(const log *l); /* the partition directory */

/* First offset whose timestamp >= ts (ListOffsets by time): *offset and
 * *timestamp, or both -1 when no record is that late. Uses the .timeindex
 * then scans; the one batch that holds the answer is read (and decompressed)
 * to find the record. */
int log_offset_for_time(log *l, int64_t ts, int64_t *offset, int64_t *timestamp);

/* Largest timestamp in the log and the offset of the batch that holds it
 * (last offset of that batch); -1/-1 when empty. */
void log_max_timestamp(const log *l, int64_t *timestamp, int64_t *offset);

/* Roll now (a new empty active segment at the log end) unless the active
 * segment is empty. */
int log_roll(log *l, int64_t now_ms);

/* Retention (cleanup.policy=delete): delete whole non-active segments whose
 * max timestamp is older than retention.ms, then the oldest while the log is
 * larger than retention.bytes; advances the log start offset. Also rolls the
 * active segment when segment.ms passed. *deleted (may be NULL) = segments
 * removed. Call periodically from the owner thread. */
int log_apply_retention(log *l, int64_t now_ms, int *deleted);

/* DeleteRecords: raise the log start offset to `offset` (<= log end) and
 * delete segments that lie entirely below it. */
int log_advance_start_offset(log *l, int64_t offset);

/* Remove every record at or after `offset` (a follower truncating a
 * diverged tail). offset >= log end is a no-op. A set high watermark above
 * offset becomes offset. */
int log_truncate_to(log *l, int64_t offset);

/* Leader epochs (KIP-101/KIP-279). Each log keeps Kafka's leader-epoch
 * cache in `<partition dir>/leader-epoch-checkpoint`: one (epoch, start
 * offset) entry per partitionLeaderEpoch seen in appended batches (the
 * stamped epoch when log_append gets leader_epoch >= 0, else each batch's
 * own), added when a batch carries an epoch above the latest one (lower
 * epochs are ignored: epochs never go backwards). log_truncate_to drops
 * entries starting at or after the cut, a moving log start offset clamps
 * the first entry. The file is rewritten only when the entries change (a
 * new epoch, a truncation, a log start move), never per append; when it is
 * missing or damaged at open it is rebuilt from the batch headers.
 *
 * log_epoch_end_offset answers OffsetForLeaderEpoch the way Kafka's
 * LeaderEpochFileCache.endOffsetFor does, for requested epoch E:
 *   - the latest cached epoch: (E, log end offset);
 *   - below it: (largest cached epoch <= E, start offset of the next higher
 *     cached epoch); when E is below every cached epoch the data of older
 *     epochs is gone: (E, start offset of the first entry);
 *   - above every cached epoch, E = -1, or an empty cache: (-1, -1)
 *     (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET).
 * Always LOG_OK (an int for symmetry with the other queries). */
int log_epoch_end_offset(log *l, int32_t requested_epoch, int32_t *epoch, int64_t *end_offset);
/* Latest cached epoch, -1 when none. */
int32_t log_latest_epoch(const log *l);

/* High watermark. Only replication sets it (log_set_high_watermark, value
 * clamped to [log start, log end]); until then, and always in a standalone
 * broker, log_high_watermark reports the log end offset. Truncation lowers
 * a set value to the cut; it is clamped again when read (retention). logdir_checkpoint
 * persists it in `replication-offset-checkpoint` for logs where it was set,
 * and logdir_open restores it. No I/O here. */
int64_t log_high_watermark(const log *l);
void log_set_high_watermark(log *l, int64_t hw);
/* 1 when log_set_high_watermark was called on this log (or it was restored). */
int log_high_watermark_is_set(const log *l);

/* fsync every segment holding data past the recovery point (.log and both
 * indexes); the recovery point becomes the log end. */
int log_flush(log *l);
/* Flush if flush.ms passed since the last flush (call periodically). */
int log_maybe_flush(log *l, int64_t now_ms);

#endif
