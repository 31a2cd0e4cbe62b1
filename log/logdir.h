/*
 * logdir.h - the log manager over one data directory.
 *
 * At open it loads the checkpoint files of the directory
 * (`recovery-point-offset-checkpoint`, `log-start-offset-checkpoint`,
 * `cleaner-offset-checkpoint` for compacted logs,
 * `replication-offset-checkpoint`: high watermarks, for logs whose high
 * watermark was set with log_set_high_watermark; restored, clamped) and
 * opens every `<topic>-<partition>` subdirectory (the partition is the text
 * after the LAST '-', topics may contain '-' and '.'); directories that do
 * not parse are skipped and reported. It writes the checkpoints on demand
 * and on close.
 *
 * Threading: one owner thread, like the logs it holds (see log.h). Logs
 * returned by logdir_get/logdir_create are owned by the logdir; do not
 * log_close them, use logdir_remove.
 */
#ifndef STRAND_LOG_LOGDIR_H
#define STRAND_LOG_LOGDIR_H

#include <stdint.h>

#include "log/log.h"

typedef struct logdir logdir;

/* Called once per log opened at startup (and per directory skipped, with
 * status != LOG_OK and lg == NULL) so the broker can log what recovery did.
 * `name` is the directory name. */
typedef void (*logdir_open_fn)(void *arg, const char *name, int status, log *lg,
                               const log_recovery_report *report);

/* Configuration of a topic's logs: return NULL for the default. */
typedef const log_config *(*logdir_config_fn)(void *arg, const char *topic);

typedef struct logdir_options {
    const log_config *default_config; /* NULL: log_config_init() defaults */
    logdir_config_fn config_for;      /* may be NULL */
    logdir_open_fn on_open;           /* may be NULL */
    void *arg;                        /* passed to both callbacks */
} logdir_options;

/* Open (creating if missing) the data directory `path` and every log in it.
 * A log that fails to open is reported via on_open and skipped; it does not
 * fail the whole open. opts may be NULL. */
int logdir_open(const char *path, const logdir_options *opts, logdir **out);

/* Checkpoint, close every log, free. Returns the first error. */
int logdir_close(logdir *d);

/* The open log of (topic, partition), or NULL. */
log *logdir_get(logdir *d, const char *topic, int32_t partition);

/* Create and open a new log (cfg NULL: config_for/default). LOG_ERR_EXISTS if
 * it is open already; LOG_ERR_ARG for a topic name that is empty, too long
 * (> 249), "." or "..", or holds characters other than [a-zA-Z0-9._-]. */
int logdir_create(logdir *d, const char *topic, int32_t partition, const log_config *cfg,
                  log **out);

/* Close and delete a log with its directory. LOG_ERR_NOT_FOUND if absent. */
int logdir_remove(logdir *d, const char *topic, int32_t partition);

/* Number of open logs and the i-th one (0 <= i < count; order unspecified,
 * changes on create/remove). */
int logdir_count(const logdir *d);
log *logdir_at(logdir *d, int i);

/* Write the checkpoint files for all open logs (the cleaner's lists only
 * logs a compaction pass has finished on). */
int logdir_checkpoint(logdir *d);

/* Write only `replication-offset-checkpoint` (high watermarks of the logs
 * where one was set): replication calls it more often than the rest. The
 * file's only writer is this module. */
int logdir_checkpoint_high_watermarks(logdir *d);

/* log_apply_retention and log_maybe_flush on every log; returns the first
 * error but visits all logs. */
int logdir_tick(logdir *d, int64_t now_ms);

const char *logdir_path(const logdir *d);

#endif
