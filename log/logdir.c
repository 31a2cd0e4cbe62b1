/*
 * logdir.c - the log manager: every partition log of one data directory,
 * opened at startup from the `<topic>-<partition>` subdirectories, plus the
 * directory's checkpoint files: recovery points, log start offsets, the
 * cleaner's offsets and high watermarks (`replication-offset-checkpoint`,
 * only logs whose high watermark replication set).
 *
 * Partition directories are parsed by their LAST '-' because topic names
 * may contain '-' and '.'. A directory whose name does not round-trip
 * (e.g. "t-01", "t.uuid-delete") is reported and left alone. Close flushes
 * every log first, so the recovery points it checkpoints are the log ends
 * and the next start re-validates nothing.
 */
#include "log/logdir.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log/checkpoint.h"
#include "log/cleaner.h"

#define RECOVERY_CHECKPOINT "recovery-point-offset-checkpoint"
#define START_CHECKPOINT "log-start-offset-checkpoint"
#define CLEANER_CHECKPOINT "cleaner-offset-checkpoint"
#define HW_CHECKPOINT "replication-offset-checkpoint"

struct logdir {
    char *path;
    log_config def;
    logdir_config_fn config_for;
    logdir_open_fn on_open;
    void *arg;
    log **logs;
    int n;
    int cap;
};

const char *logdir_path(const logdir *d) {
    return d->path;
}
int logdir_count(const logdir *d) {
    return d->n;
}
log *logdir_at(logdir *d, int i) {
    return i >= 0 && i < d->n ? d->logs[i] : NULL;
}

static const log_config *config_of(logdir *d, const char *topic) {
    const log_config *c = d->config_for ? d->config_for(d->arg, topic) : NULL;
    return c ? c : &d->def;
}

static int topic_valid(const char *t) {
    size_t n = t ? strlen(t) : 0;
    if (n == 0 || n > 249 || !strcmp(t, ".") || !strcmp(t, ".."))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* Split "<topic>-<partition>" at the last '-'; topic is malloc'ed. */
static int parse_dir_name(const char *name, char **topic, int32_t *partition) {
    const char *dash = strrchr(name, '-');
    if (!dash || dash == name || !dash[1])
        return 0;
    int64_t p = 0;
    for (const char *c = dash + 1; *c; c++) {
        if (*c < '0' || *c > '9' || p > INT32_MAX / 10)
            return 0;
        p = p * 10 + (*c - '0');
    }
    if (p > INT32_MAX)
        return 0;
    char canon[32];
    snprintf(canon, sizeof(canon), "%" PRId64, p);
    if (strcmp(canon, dash + 1))
        return 0; /* "t-01" would reopen as "t-1" */
    char *t = strndup(name, (size_t)(dash - name));
    if (!t)
        return 0;
    if (!topic_valid(t)) {
        free(t);
        return 0;
    }
    *topic = t;
    *partition = (int32_t)p;
    return 1;
}

static int add_log(logdir *d, log *l) {
    if (d->n == d->cap) {
        int cap = d->cap ? d->cap * 2 : 16;
        log **v = realloc(d->logs, (size_t)cap * sizeof(*v));
        if (!v)
            return LOG_ERR_NOMEM;
        d->logs = v;
        d->cap = cap;
    }
    d->logs[d->n++] = l;
    return LOG_OK;
}

static int path_join(char *out, size_t cap, const char *a, const char *b) {
    return (size_t)snprintf(out, cap, "%s/%s", a, b) < cap ? LOG_OK : LOG_ERR_ARG;
}

static int open_all(logdir *d) {
    char path[4096];
    checkpoint_entry *rp = NULL, *ls = NULL, *cl = NULL, *hw = NULL;
    size_t nrp = 0, nls = 0, ncl = 0, nhw = 0;
    /* A damaged checkpoint only costs a full re-validation (or, for the
     * cleaner's, a full first compaction pass). */
    if (path_join(path, sizeof(path), d->path, RECOVERY_CHECKPOINT) == LOG_OK &&
        checkpoint_read(path, &rp, &nrp) != LOG_OK)
        nrp = 0, rp = NULL;
    if (path_join(path, sizeof(path), d->path, START_CHECKPOINT) == LOG_OK &&
        checkpoint_read(path, &ls, &nls) != LOG_OK)
        nls = 0, ls = NULL;
    if (path_join(path, sizeof(path), d->path, CLEANER_CHECKPOINT) == LOG_OK &&
        checkpoint_read(path, &cl, &ncl) != LOG_OK)
        ncl = 0, cl = NULL;
    if (path_join(path, sizeof(path), d->path, HW_CHECKPOINT) == LOG_OK &&
        checkpoint_read(path, &hw, &nhw) != LOG_OK)
        nhw = 0, hw = NULL;
    DIR *dir = opendir(d->path);
    if (!dir) {
        checkpoint_entries_free(rp, nrp);
        checkpoint_entries_free(ls, nls);
        checkpoint_entries_free(cl, ncl);
        checkpoint_entries_free(hw, nhw);
        return LOG_ERR_IO;
    }
    int rc = LOG_OK;
    struct dirent *e;
    while (rc == LOG_OK && (e = readdir(dir))) {
        if (e->d_name[0] == '.')
            continue;
        struct stat st;
        if (path_join(path, sizeof(path), d->path, e->d_name) != LOG_OK || stat(path, &st) < 0 ||
            !S_ISDIR(st.st_mode))
            continue;
        char *topic;
        int32_t part;
        if (!parse_dir_name(e->d_name, &topic, &part)) {
            if (d->on_open)
                d->on_open(d->arg, e->d_name, LOG_ERR_ARG, NULL, NULL);
            continue;
        }
        log_recovery_report rep;
        log *l = NULL;
        int orc = log_open(d->path, topic, part, config_of(d, topic),
                           checkpoint_lookup(rp, nrp, topic, part),
                           checkpoint_lookup(ls, nls, topic, part), &rep, &l);
        int64_t cleaned = checkpoint_lookup(cl, ncl, topic, part);
        int64_t high_watermark = checkpoint_lookup(hw, nhw, topic, part);
        free(topic);
        if (orc == LOG_OK) {
            if (cleaned > 0)
                log_clean_offset_restore(l, cleaned);
            if (high_watermark >= 0)
                log_set_high_watermark(l, high_watermark); /* clamped to the log */
            rc = add_log(d, l);
            if (rc != LOG_OK)
                log_close(l);
        }
        if (d->on_open)
            d->on_open(d->arg, e->d_name, orc, rc == LOG_OK ? l : NULL, &rep);
    }
    closedir(dir);
    checkpoint_entries_free(rp, nrp);
    checkpoint_entries_free(ls, nls);
    checkpoint_entries_free(cl, ncl);
    checkpoint_entries_free(hw, nhw);
    return rc;
}

int logdir_open(const char *path, const logdir_options *opts, logdir **out) {
    *out = NULL;
    if (!path || !*path)
        return LOG_ERR_ARG;
    logdir *d = calloc(1, sizeof(*d));
    if (!d)
        return LOG_ERR_NOMEM;
    d->path = strdup(path);
    if (!d->path) {
        free(d);
        return LOG_ERR_NOMEM;
    }
    log_config_init(&d->def);
    if (opts) {
        if (opts->default_config)
            d->def = *opts->default_config;
        d->config_for = opts->config_for;
        d->on_open = opts->on_open;
        d->arg = opts->arg;
    }
    int rc = log_config_check(&d->def);
    if (rc == LOG_OK && mkdir(path, 0755) < 0 && errno != EEXIST)
        rc = LOG_ERR_IO;
    if (rc == LOG_OK)
        rc = open_all(d);
    if (rc != LOG_OK) {
        for (int i = 0; i < d->n; i++)
            log_close(d->logs[i]);
        free(d->logs);
        free(d->path);
        free(d);
        return rc;
    }
    *out = d;
    return LOG_OK;
}

log *logdir_get(logdir *d, const char *topic, int32_t partition) {
    for (int i = 0; i < d->n; i++)
        if (log_partition(d->logs[i]) == partition && !strcmp(log_topic(d->logs[i]), topic))
            return d->logs[i];
    return NULL;
}

int logdir_create(logdir *d, const char *topic, int32_t partition, const log_config *cfg,
                  log **out) {
    if (out)
        *out = NULL;
    if (!topic_valid(topic) || partition < 0)
        return LOG_ERR_ARG;
    if (logdir_get(d, topic, partition))
        return LOG_ERR_EXISTS;
    log *l;
    int rc = log_open(d->path, topic, partition, cfg ? cfg : config_of(d, topic), -1, -1, NULL, &l);
    if (rc != LOG_OK)
        return rc;
    rc = add_log(d, l);
    if (rc != LOG_OK) {
        log_close(l);
        return rc;
    }
    if (out)
        *out = l;
    return LOG_OK;
}

int logdir_remove(logdir *d, const char *topic, int32_t partition) {
    for (int i = 0; i < d->n; i++) {
        log *l = d->logs[i];
        if (log_partition(l) != partition || strcmp(log_topic(l), topic))
            continue;
        d->logs[i] = d->logs[--d->n];
        return log_delete(l);
    }
    return LOG_ERR_NOT_FOUND;
}

int logdir_checkpoint(logdir *d) {
    char path[4096];
    checkpoint_entry *v = NULL;
    if (d->n > 0) {
        v = calloc((size_t)d->n, sizeof(*v));
        if (!v)
            return LOG_ERR_NOMEM;
    }
    for (int i = 0; i < d->n; i++) {
        v[i].topic = (char *)log_topic(d->logs[i]);
        v[i].partition = log_partition(d->logs[i]);
        v[i].offset = log_recovery_point(d->logs[i]);
    }
    int rc = path_join(path, sizeof(path), d->path, RECOVERY_CHECKPOINT);
    if (rc == LOG_OK)
        rc = checkpoint_write(path, v, (size_t)d->n);
    for (int i = 0; i < d->n; i++)
        v[i].offset = log_start_offset(d->logs[i]);
    int rc2 = path_join(path, sizeof(path), d->path, START_CHECKPOINT);
    if (rc2 == LOG_OK)
        rc2 = checkpoint_write(path, v, (size_t)d->n);
    /* Only logs a compaction pass has finished on have a cleaner entry. */
    size_t ncl = 0;
    for (int i = 0; i < d->n; i++)
        if (log_clean_offset(d->logs[i]) > 0) {
            v[ncl] = v[i];
            v[ncl++].offset = log_clean_offset(d->logs[i]);
        }
    int rc3 = path_join(path, sizeof(path), d->path, CLEANER_CHECKPOINT);
    if (rc3 == LOG_OK)
        rc3 = checkpoint_write(path, v, ncl);
    free(v);
    int rc4 = logdir_checkpoint_high_watermarks(d);
    return rc != LOG_OK ? rc : rc2 != LOG_OK ? rc2 : rc3 != LOG_OK ? rc3 : rc4;
}

int logdir_checkpoint_high_watermarks(logdir *d) {
    char path[4096];
    checkpoint_entry *v = NULL;
    if (d->n > 0 && !(v = calloc((size_t)d->n, sizeof(*v))))
        return LOG_ERR_NOMEM;
    /* Only logs whose high watermark replication set have one. */
    size_t nhw = 0;
    for (int i = 0; i < d->n; i++)
        if (log_high_watermark_is_set(d->logs[i])) {
            v[nhw].topic = (char *)log_topic(d->logs[i]);
            v[nhw].partition = log_partition(d->logs[i]);
            v[nhw++].offset = log_high_watermark(d->logs[i]);
        }
    int rc = path_join(path, sizeof(path), d->path, HW_CHECKPOINT);
    if (rc == LOG_OK)
        rc = checkpoint_write(path, v, nhw);
    free(v);
    return rc;
}

int logdir_tick(logdir *d, int64_t now_ms) {
    int first = LOG_OK;
    for (int i = 0; i < d->n; i++) {
        int rc = log_apply_retention(d->logs[i], now_ms, NULL);
        if (rc == LOG_OK)
            rc = log_maybe_flush(d->logs[i], now_ms);
        if (rc != LOG_OK && first == LOG_OK)
            first = rc;
    }
    return first;
}

int logdir_close(logdir *d) {
    if (!d)
        return LOG_OK;
    int first = LOG_OK;
    for (int i = 0; i < d->n; i++) {
        int rc = log_flush(d->logs[i]);
        if (rc != LOG_OK && first == LOG_OK)
            first = rc;
    }
    int rc = logdir_checkpoint(d);
    if (rc != LOG_OK && first == LOG_OK)
        first = rc;
    for (int i = 0; i < d->n; i++) {
        rc = log_close(d->logs[i]);
        if (rc != LOG_OK && first == LOG_OK)
            first = rc;
    }
    free(d->logs);
    free(d->path);
    free(d);
    return first;
}
