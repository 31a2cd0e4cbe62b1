/*
 * checkpoint.h - Kafka's per-log-dir offset checkpoint files
 * (`recovery-point-offset-checkpoint`, `log-start-offset-checkpoint`, ...).
 *
 * Text format: a version line "0", a count line, then one
 * "topic partition offset" line per entry. Writes go to `<path>.tmp`, are
 * fsynced, renamed over `path`, and the directory is fsynced, so a crash
 * leaves either the old or the new file. No global state; thread-safe as
 * long as two threads do not write the same path.
 */
#ifndef STRAND_LOG_CHECKPOINT_H
#define STRAND_LOG_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

typedef struct checkpoint_entry {
    char *topic; /* owned by the array (checkpoint_entries_free) or borrowed when writing */
    int32_t partition;
    int64_t offset;
} checkpoint_entry;

/* Write n entries atomically. Returns LOG_OK or LOG_ERR_IO / LOG_ERR_ARG. */
int checkpoint_write(const char *path, const checkpoint_entry *entries, size_t n);

/* Replace `path` atomically with `len` bytes of `text` (same write path:
 * `<path>.tmp`, fsync, rename, directory fsync). For other checkpoint-like
 * files (the leader-epoch-checkpoint of a partition). LOG_OK, LOG_ERR_IO or
 * LOG_ERR_ARG. */
int checkpoint_write_text(const char *path, const char *text, size_t len);

/* Read a checkpoint file. A missing file is LOG_OK with *n = 0. A malformed
 * file is LOG_ERR_CORRUPT. On success *entries is malloc'ed (NULL when
 * empty); free with checkpoint_entries_free. */
int checkpoint_read(const char *path, checkpoint_entry **entries, size_t *n);
void checkpoint_entries_free(checkpoint_entry *entries, size_t n);

/* Offset of (topic, partition) in an array, or -1 when absent. */
int64_t checkpoint_lookup(const checkpoint_entry *entries, size_t n, const char *topic,
                          int32_t partition);

#endif
