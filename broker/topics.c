/*
 * topics.c - topic registry and its persistence (topics.state,
 * meta.properties).
 *
 * The registry is a small array of topics (linear lookup: brokers of this
 * size hold tens to thousands of topics and lookups are per request, not
 * per record). Every change is written to topics.state with a temp file +
 * fsync + rename, so a crash leaves the old or the new state, never a torn
 * one. Logs are created through the logdir before the state names them, and
 * a log directory without a state line is adopted at start, so the two can
 * only disagree in the safe direction.
 */
#include "broker/topics.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broker/broker.h"
#include "broker/logging.h"
#include "broker/producer_state.h"
#include "wire/kafka.h"

struct topics {
    char *dir;
    logdir *logs;
    log_config defaults;
    topic **list;
    int count, cap;
    logdir_open_fn user_open; /* the caller's recovery reporter */
    void *user_arg;
    int lock_fd; /* flock on <dir>/.lock: one broker per data directory */
};

#define TOPICS_STATE_FILE "topics.state"

int broker_file_write_atomic(const char *path, const void *data, size_t len) {
    char tmp[BROKER_PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    const char *p = data;
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, p + off, len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            errno = e;
            return -1;
        }
        off += (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    if (rename(tmp, path) != 0)
        return -1;
    char dirbuf[BROKER_PATH_MAX + 8];
    snprintf(dirbuf, sizeof dirbuf, "%s", path);
    int dfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

int topics_name_valid(const char *name, int32_t len) {
    if (!name || len <= 0 || len > 249)
        return 0;
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return 0;
    for (int32_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int16_t topics_config_build(const log_config *defaults, const topic_override *ov, int n,
                            log_config *out, char *msg, size_t msglen) {
    *out = *defaults;
    for (int i = 0; i < n; i++) {
        const char *k = ov[i].key, *v = ov[i].value;
        if (!v) {
            snprintf(msg, msglen, "config %s has a null value", k);
            return KAFKA_INVALID_CONFIG;
        }
        if (strpbrk(v, " \t\r\n") || strpbrk(k, " \t\r\n=")) {
            snprintf(msg, msglen, "config %s: whitespace is not allowed", k);
            return KAFKA_INVALID_CONFIG;
        }
        if (log_config_set(out, k, v) != LOG_OK) {
            snprintf(msg, msglen, "invalid config %s=%s (unknown key or value out of range)", k, v);
            return KAFKA_INVALID_CONFIG;
        }
    }
    if (log_config_check(out) != LOG_OK) {
        snprintf(msg, msglen, "the resulting topic configuration is invalid");
        return KAFKA_INVALID_CONFIG;
    }
    return KAFKA_NONE;
}

int topics_count(const topics *t) {
    return t->count;
}
topic *topics_at(topics *t, int i) {
    return t->list[i];
}

topic *topics_find(topics *t, const char *name, int32_t len) {
    if (!name || len < 0)
        return NULL;
    for (int i = 0; i < t->count; i++) {
        topic *tp = t->list[i];
        if ((int32_t)strlen(tp->name) == len && memcmp(tp->name, name, (size_t)len) == 0)
            return tp;
    }
    return NULL;
}

topic_partition *topics_partition(topics *t, const char *name, int32_t len, int32_t partition) {
    topic *tp = topics_find(t, name, len);
    if (!tp || partition < 0 || partition >= tp->partition_count)
        return NULL;
    return tp->partitions[partition];
}

static void topic_free(topic *tp) {
    if (!tp)
        return;
    for (int32_t i = 0; i < tp->partition_count; i++) {
        free(tp->partitions[i]->repl);
        producer_state_free(tp->partitions[i]->producers);
        free(tp->partitions[i]);
    }
    free(tp->partitions);
    for (int i = 0; i < tp->override_count; i++) {
        free(tp->overrides[i].key);
        free(tp->overrides[i].value);
    }
    free(tp->overrides);
    free(tp->name);
    free(tp);
}

static topic *topic_new(const char *name, const topic_override *ov, int n) {
    topic *tp = calloc(1, sizeof *tp);
    if (!tp || !(tp->name = strdup(name))) {
        free(tp);
        return NULL;
    }
    if (n > 0) {
        tp->overrides = calloc((size_t)n, sizeof *tp->overrides);
        if (!tp->overrides) {
            topic_free(tp);
            return NULL;
        }
        for (int i = 0; i < n; i++) {
            tp->overrides[i].key = strdup(ov[i].key);
            tp->overrides[i].value = strdup(ov[i].value ? ov[i].value : "");
            tp->override_count++;
            if (!tp->overrides[i].key || !tp->overrides[i].value) {
                topic_free(tp);
                return NULL;
            }
        }
    }
    return tp;
}

/* Grow tp to `count` partition objects (logs attached separately). */
static int topic_grow(topic *tp, int32_t count) {
    if (count <= tp->partition_count)
        return 0;
    topic_partition **np = realloc(tp->partitions, (size_t)count * sizeof *np);
    if (!np)
        return -1;
    tp->partitions = np;
    for (int32_t i = tp->partition_count; i < count; i++) {
        np[i] = calloc(1, sizeof **np);
        if (!np[i])
            return -1;
        np[i]->index = i;
        tp->partition_count = i + 1;
    }
    return 0;
}

static int topics_append(topics *t, topic *tp) {
    if (t->count == t->cap) {
        int cap = t->cap ? t->cap * 2 : 16;
        topic **nl = realloc(t->list, (size_t)cap * sizeof *nl);
        if (!nl)
            return -1;
        t->list = nl;
        t->cap = cap;
    }
    t->list[t->count++] = tp;
    return 0;
}

/* Attach (opening or creating) the logs of partitions [from, count). */
static int16_t topic_open_logs(topics *t, topic *tp, int32_t from, char *msg, size_t msglen) {
    for (int32_t i = from; i < tp->partition_count; i++) {
        topic_partition *p = tp->partitions[i];
        if (p->lg)
            continue;
        p->lg = logdir_get(t->logs, tp->name, i);
        if (p->lg)
            continue;
        int rc = logdir_create(t->logs, tp->name, i, &tp->cfg, &p->lg);
        if (rc != LOG_OK) {
            snprintf(msg, msglen, "cannot create log %s-%d: %s", tp->name, i, log_strerror(rc));
            return log_status_to_kafka(rc);
        }
    }
    return KAFKA_NONE;
}

int topics_save(topics *t) {
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return -1;
    for (int i = 0; i <= t->count; i++) {
        char line[8192];
        int n;
        if (i == 0) {
            n = snprintf(line, sizeof line,
                         "# strand topic state: name partitions [key=value...]\n");
        } else {
            topic *tp = t->list[i - 1];
            n = snprintf(line, sizeof line, "%s %" PRId32, tp->name, tp->partition_count);
            for (int k = 0; k < tp->override_count && n < (int)sizeof line; k++)
                n += snprintf(line + n, sizeof line - (size_t)n, " %s=%s", tp->overrides[k].key,
                              tp->overrides[k].value);
            if (n < (int)sizeof line)
                n += snprintf(line + n, sizeof line - (size_t)n, "\n");
        }
        if (n >= (int)sizeof line) {
            free(buf);
            errno = E2BIG;
            return -1;
        }
        if (len + (size_t)n + 1 > cap) {
            cap = (cap + (size_t)n) * 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                return -1;
            }
            buf = nb;
        }
        memcpy(buf + len, line, (size_t)n);
        len += (size_t)n;
    }
    char path[BROKER_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", t->dir, TOPICS_STATE_FILE);
    int rc = broker_file_write_atomic(path, buf, len);
    free(buf);
    if (rc != 0)
        BLOG_E("cannot write %s: %s; topic changes are not persisted", path, strerror(errno));
    return rc;
}

/* Parse topics.state into the registry (logs not attached yet). */
static int topics_load_state(topics *t, char *err, size_t errlen) {
    char path[BROKER_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", t->dir, TOPICS_STATE_FILE);
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT
                   ? 0
                   : (snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno)), -1);
    char line[8192];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        topic_override ov[64];
        int nov = 0;
        char *save = NULL;
        char *name = strtok_r(line, " \n", &save);
        char *count = strtok_r(NULL, " \n", &save);
        char *tok;
        while ((tok = strtok_r(NULL, " \n", &save)) && nov < 64) {
            char *eq = strchr(tok, '=');
            if (!eq)
                break;
            *eq = '\0';
            ov[nov].key = tok;
            ov[nov].value = eq + 1;
            nov++;
        }
        long n = count ? strtol(count, NULL, 10) : 0;
        if (!name || !topics_name_valid(name, (int32_t)strlen(name)) || n < 1 || n > 1000000) {
            snprintf(err, errlen, "%s:%d: malformed line; fix or remove it", path, lineno);
            rc = -1;
            break;
        }
        topic *tp = topic_new(name, ov, nov);
        char msg[256];
        if (!tp || topics_config_build(&t->defaults, ov, nov, &tp->cfg, msg, sizeof msg) != 0 ||
            topic_grow(tp, (int32_t)n) != 0 || topics_append(t, tp) != 0) {
            snprintf(err, errlen, "%s:%d: topic %s: %s", path, lineno, name,
                     tp ? msg : "out of memory");
            topic_free(tp);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

/* meta.properties: keep the cluster id stable across restarts. */
static int topics_meta_load(const char *dir, int32_t broker_id, char *cluster_id, size_t len,
                            char *err, size_t errlen) {
    char path[BROKER_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/meta.properties", dir);
    FILE *f = fopen(path, "r");
    cluster_id[0] = '\0';
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (!strncmp(line, "cluster.id=", 11))
                snprintf(cluster_id, len, "%s", line + 11);
            else if (!strncmp(line, "broker.id=", 10) && atol(line + 10) != broker_id)
                BLOG_W("%s says broker.id=%s but this broker runs as %" PRId32, path, line + 10,
                       broker_id);
        }
        fclose(f);
    }
    if (cluster_id[0])
        return 0;
    /* Kafka's cluster ids are 16 random bytes in unpadded base64url (22 chars). */
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint8_t rnd[16];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, rnd, sizeof rnd) != (ssize_t)sizeof rnd) {
        if (fd >= 0)
            close(fd);
        snprintf(err, errlen, "cannot read /dev/urandom for a cluster id");
        return -1;
    }
    close(fd);
    size_t o = 0;
    for (int i = 0; i < 16 && o + 4 < len; i += 3) {
        uint32_t v = (uint32_t)rnd[i] << 16 | (i + 1 < 16 ? (uint32_t)rnd[i + 1] << 8 : 0) |
                     (i + 2 < 16 ? rnd[i + 2] : 0);
        cluster_id[o++] = b64[(v >> 18) & 63];
        cluster_id[o++] = b64[(v >> 12) & 63];
        if (i + 1 < 16)
            cluster_id[o++] = b64[(v >> 6) & 63];
        if (i + 2 < 16)
            cluster_id[o++] = b64[v & 63];
    }
    cluster_id[o] = '\0';
    char text[256];
    int n = snprintf(text, sizeof text,
                     "#Written by strand-broker\nversion=0\nbroker.id=%" PRId32 "\ncluster.id=%s\n",
                     broker_id, cluster_id);
    if (broker_file_write_atomic(path, text, (size_t)n) != 0) {
        snprintf(err, errlen, "cannot write %s: %s; check the data directory permissions", path,
                 strerror(errno));
        return -1;
    }
    BLOG_I("new cluster id %s written to %s", cluster_id, path);
    return 0;
}

static const log_config *topics_config_for(void *arg, const char *name) {
    topics *t = arg;
    topic *tp = topics_find(t, name, (int32_t)strlen(name));
    return tp ? &tp->cfg : NULL;
}

static void topics_on_open(void *arg, const char *name, int status, log *lg,
                           const log_recovery_report *report) {
    topics *t = arg;
    if (t->user_open)
        t->user_open(t->user_arg, name, status, lg, report);
}

int topics_open(const char *data_dir, int32_t broker_id, const log_config *defaults,
                logdir_open_fn on_open, void *on_open_arg, topics **out, logdir **logs_out,
                char *cluster_id, size_t cluster_id_len, char *err, size_t errlen) {
    return topics_open_mode(data_dir, broker_id, defaults, 1, on_open, on_open_arg, out, logs_out,
                            cluster_id, cluster_id_len, err, errlen);
}

int topics_open_mode(const char *data_dir, int32_t broker_id, const log_config *defaults,
                     int create_missing, logdir_open_fn on_open, void *on_open_arg, topics **out,
                     logdir **logs_out, char *cluster_id, size_t cluster_id_len, char *err,
                     size_t errlen) {
    if (mkdir(data_dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen,
                 "cannot create data directory %s: %s; create it or pick another "
                 "with --data-dir",
                 data_dir, strerror(errno));
        return -1;
    }
    topics *t = calloc(1, sizeof *t);
    if (!t || !(t->dir = strdup(data_dir))) {
        free(t);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    t->defaults = *defaults;
    t->lock_fd = -1;
    char lock_path[BROKER_PATH_MAX + 16];
    snprintf(lock_path, sizeof lock_path, "%s/.lock", data_dir);
    t->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (t->lock_fd < 0 || flock(t->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen,
                 "data directory %s is in use by another broker (lock %s: %s); stop "
                 "that broker or pick another --data-dir",
                 data_dir, lock_path, strerror(errno));
        topics_free(t);
        return -1;
    }
    if (topics_meta_load(data_dir, broker_id, cluster_id, cluster_id_len, err, errlen) != 0 ||
        topics_load_state(t, err, errlen) != 0) {
        topics_free(t);
        return -1;
    }
    t->user_open = on_open;
    t->user_arg = on_open_arg;
    logdir_options opts = {defaults, topics_config_for, topics_on_open, t};
    int rc = logdir_open(data_dir, &opts, &t->logs);
    if (rc != LOG_OK) {
        snprintf(err, errlen, "cannot open data directory %s: %s", data_dir, log_strerror(rc));
        topics_free(t);
        return -1;
    }
    int adopted = 0;
    for (int i = 0; i < logdir_count(t->logs); i++) {
        log *lg = logdir_at(t->logs, i);
        const char *name = log_topic(lg);
        topic *tp = topics_find(t, name, (int32_t)strlen(name));
        if (!tp) {
            tp = topic_new(name, NULL, 0);
            if (!tp || topics_append(t, tp) != 0) {
                topic_free(tp);
                continue;
            }
            tp->cfg = *defaults;
            adopted = 1;
            BLOG_W("adopting log directory %s (topic not in %s)", log_dir(lg), TOPICS_STATE_FILE);
        }
        if (log_partition(lg) >= tp->partition_count) {
            topic_grow(tp, log_partition(lg) + 1);
            adopted = 1;
        }
    }
    for (int i = 0; i < t->count; i++) {
        topic *tp = t->list[i];
        for (int32_t p = 0; p < tp->partition_count; p++) {
            log *lg = logdir_get(t->logs, tp->name, p);
            if (lg)
                log_set_config(lg, &tp->cfg);
            if (!create_missing)
                tp->partitions[p]->lg = lg;
        }
        char msg[256];
        if (create_missing && topic_open_logs(t, tp, 0, msg, sizeof msg) != KAFKA_NONE) {
            snprintf(err, errlen, "%s", msg);
            logdir_close(t->logs);
            t->logs = NULL;
            topics_free(t);
            return -1;
        }
    }
    if (adopted)
        topics_save(t);
    *out = t;
    *logs_out = t->logs;
    return 0;
}

void topics_free(topics *t) {
    if (!t)
        return;
    for (int i = 0; i < t->count; i++)
        topic_free(t->list[i]);
    free(t->list);
    free(t->dir);
    if (t->lock_fd >= 0)
        close(t->lock_fd); /* releases the flock */
    free(t);
}

int16_t topics_create(topics *t, const char *name, int32_t partitions, const topic_override *ov,
                      int n, int validate_only, char *msg, size_t msglen) {
    msg[0] = '\0';
    if (!topics_name_valid(name, (int32_t)strlen(name))) {
        snprintf(msg, msglen,
                 "topic name '%s' is invalid: use 1-249 of [a-zA-Z0-9._-], "
                 "not '.' or '..'",
                 name);
        return KAFKA_INVALID_TOPIC_EXCEPTION;
    }
    if (topics_find(t, name, (int32_t)strlen(name))) {
        snprintf(msg, msglen, "topic '%s' already exists", name);
        return KAFKA_TOPIC_ALREADY_EXISTS;
    }
    if (partitions < 1 || partitions > 100000) {
        snprintf(msg, msglen, "number of partitions must be in [1, 100000], got %" PRId32,
                 partitions);
        return KAFKA_INVALID_PARTITIONS;
    }
    log_config cfg;
    int16_t ec = topics_config_build(&t->defaults, ov, n, &cfg, msg, msglen);
    if (ec != KAFKA_NONE || validate_only)
        return ec;
    topic *tp = topic_new(name, ov, n);
    if (!tp || topic_grow(tp, partitions) != 0 || topics_append(t, tp) != 0) {
        topic_free(tp);
        snprintf(msg, msglen, "out of memory");
        return KAFKA_UNKNOWN_SERVER_ERROR;
    }
    tp->cfg = cfg;
    ec = topic_open_logs(t, tp, 0, msg, msglen);
    if (ec != KAFKA_NONE) {
        for (int32_t i = 0; i < tp->partition_count; i++)
            if (tp->partitions[i]->lg)
                logdir_remove(t->logs, name, i);
        t->count--;
        topic_free(tp);
        return ec;
    }
    topics_save(t);
    BLOG_I("created topic %s with %" PRId32 " partition(s), %d config override(s)", name,
           partitions, n);
    return KAFKA_NONE;
}

int16_t topics_ensure(topics *t, const char *name, int32_t partitions, const topic_override *ov,
                      int n, const uint8_t *hosted, char *msg, size_t msglen) {
    msg[0] = '\0';
    int changed = 0;
    topic *tp = topics_find(t, name, (int32_t)strlen(name));
    if (!tp) {
        if (!topics_name_valid(name, (int32_t)strlen(name)) || partitions < 1) {
            snprintf(msg, msglen, "topic '%s' is invalid", name);
            return KAFKA_INVALID_TOPIC_EXCEPTION;
        }
        log_config cfg;
        int16_t ec = topics_config_build(&t->defaults, ov, n, &cfg, msg, msglen);
        if (ec != KAFKA_NONE)
            return ec;
        tp = topic_new(name, ov, n);
        if (!tp || topics_append(t, tp) != 0) {
            topic_free(tp);
            snprintf(msg, msglen, "out of memory");
            return KAFKA_UNKNOWN_SERVER_ERROR;
        }
        tp->cfg = cfg;
        changed = 1;
    }
    if (partitions > tp->partition_count) {
        if (topic_grow(tp, partitions) != 0) {
            snprintf(msg, msglen, "out of memory");
            return KAFKA_UNKNOWN_SERVER_ERROR;
        }
        changed = 1;
    }
    int16_t ec = KAFKA_NONE;
    for (int32_t i = 0; i < partitions && ec == KAFKA_NONE; i++) {
        topic_partition *p = tp->partitions[i];
        if (!hosted[i] || p->lg)
            continue;
        p->lg = logdir_get(t->logs, tp->name, i);
        if (p->lg)
            continue;
        int rc = logdir_create(t->logs, tp->name, i, &tp->cfg, &p->lg);
        if (rc != LOG_OK) {
            snprintf(msg, msglen, "cannot create log %s-%d: %s", tp->name, i, log_strerror(rc));
            ec = log_status_to_kafka(rc);
        }
        changed = 1;
    }
    if (changed)
        topics_save(t);
    return ec;
}

int16_t topics_delete(topics *t, const char *name, int32_t len, char *msg, size_t msglen) {
    msg[0] = '\0';
    int idx = -1;
    for (int i = 0; i < t->count; i++)
        if ((int32_t)strlen(t->list[i]->name) == len &&
            !memcmp(t->list[i]->name, name, (size_t)len))
            idx = i;
    if (idx < 0) {
        snprintf(msg, msglen, "unknown topic");
        return KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
    }
    topic *tp = t->list[idx];
    for (int32_t i = 0; i < tp->partition_count; i++)
        delayed_list_complete_all(&tp->partitions[i]->waiting);
    /* Waiting fetches were answered above, while the logs still existed. */
    memmove(&t->list[idx], &t->list[idx + 1], (size_t)(t->count - idx - 1) * sizeof *t->list);
    t->count--;
    int16_t ec = KAFKA_NONE;
    for (int32_t i = 0; i < tp->partition_count; i++) {
        int rc = logdir_remove(t->logs, tp->name, i);
        if (rc != LOG_OK && rc != LOG_ERR_NOT_FOUND) {
            BLOG_E("topic=%s partition=%" PRId32 ": removing the log failed: %s", tp->name, i,
                   log_strerror(rc));
            ec = KAFKA_KAFKA_STORAGE_ERROR;
        }
    }
    BLOG_I("deleted topic %s (%" PRId32 " partition(s))", tp->name, tp->partition_count);
    topic_free(tp);
    topics_save(t);
    return ec;
}

int16_t topics_add_partitions(topics *t, const char *name, int32_t len, int32_t count,
                              int validate_only, char *msg, size_t msglen) {
    msg[0] = '\0';
    topic *tp = topics_find(t, name, len);
    if (!tp) {
        snprintf(msg, msglen, "unknown topic");
        return KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
    }
    if (count <= tp->partition_count || count > 100000) {
        snprintf(msg, msglen,
                 "topic has %" PRId32 " partitions; the new count %" PRId32
                 " must be larger (partitions can only be added)",
                 tp->partition_count, count);
        return KAFKA_INVALID_PARTITIONS;
    }
    if (validate_only)
        return KAFKA_NONE;
    int32_t from = tp->partition_count;
    if (topic_grow(tp, count) != 0) {
        snprintf(msg, msglen, "out of memory");
        return KAFKA_UNKNOWN_SERVER_ERROR;
    }
    int16_t ec = topic_open_logs(t, tp, from, msg, msglen);
    topics_save(t);
    if (ec == KAFKA_NONE)
        BLOG_I("topic %s: partitions %" PRId32 " -> %" PRId32, tp->name, from, count);
    return ec;
}
