/*
 * config.c - broker configuration: defaults, properties-file parsing and the
 * mapping of Kafka's broker-level log.* keys onto the per-topic log_config.
 *
 * Kafka semantics kept on purpose: log.retention.ms beats .minutes beats
 * .hours whatever the order in the file, same for log.roll.ms/hours; only the
 * first directory of log.dirs is used (a warning says so); listeners accepts
 * one PLAINTEXT listener.
 */
#include "broker/config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/logging.h"

const broker_config_key broker_config_keys[] = {
    {"listeners", "PLAINTEXT://127.0.0.1:9092", "address to listen on (one PLAINTEXT listener)"},
    {"advertised.listeners", "(listeners)", "address given to clients in Metadata"},
    {"log.dirs", "./data", "data directory (only the first of a comma list is used)"},
    {"log.dir", "./data", "same as log.dirs"},
    {"broker.id", "0", "this broker's node id"},
    {"num.partitions", "1", "partitions of auto-created topics"},
    {"auto.create.topics.enable", "true", "create unknown topics on Metadata/Produce"},
    {"socket.request.max.bytes", "104857600",
     "largest request frame; larger closes the connection"},
    {"message.max.bytes", "1048588", "largest record batch (topic: max.message.bytes)"},
    {"log.segment.bytes", "1073741824", "segment size before a roll"},
    {"log.roll.ms", "604800000", "segment age before a roll"},
    {"log.roll.hours", "168", "segment age before a roll, hours"},
    {"log.retention.ms", "604800000", "delete segments older than this (-1 never)"},
    {"log.retention.minutes", "10080", "retention in minutes"},
    {"log.retention.hours", "168", "retention in hours"},
    {"log.retention.bytes", "-1", "max bytes per partition (-1 unlimited)"},
    {"log.index.interval.bytes", "4096", "bytes between offset index entries"},
    {"log.flush.interval.messages", "9223372036854775807", "fsync after this many messages"},
    {"log.flush.interval.ms", "9223372036854775807", "fsync when data is older than this"},
    {"log.retention.check.interval.ms", "300000", "how often retention runs"},
    {"log.flush.offset.checkpoint.interval.ms", "60000", "how often recovery points are saved"},
    {"log.flush.scheduler.interval.ms", "1000", "how often the flush.ms policy is checked"},
    {"log.cleaner.enable", "true", "compact topics with cleanup.policy=compact"},
    {"log.cleaner.backoff.ms", "15000", "pause between compaction checks"},
    {"log.cleanup.policy", "delete", "cleanup.policy of topics that do not set one"},
    {"log.cleaner.delete.retention.ms", "86400000",
     "how long tombstones stay after compaction (topic: delete.retention.ms)"},
    {"log.cleaner.min.cleanable.ratio", "0.5",
     "dirty share of a log that triggers compaction (topic: min.cleanable.dirty.ratio)"},
    {"log.cleaner.min.compaction.lag.ms", "0",
     "records younger than this are not compacted (topic: min.compaction.lag.ms)"},
    {"offsets.topic.num.partitions", "50",
     "partitions of __consumer_offsets (fixed once the topic exists)"},
    {"offsets.topic.segment.bytes", "104857600", "segment.bytes of __consumer_offsets"},
    {"offsets.topic.replication.factor", "3",
     "replicas of __consumer_offsets (cluster mode; standalone always 1)"},
    {"offsets.retention.minutes", "10080",
     "committed offsets of an empty group expire this long after it became empty"},
    {"offsets.retention.check.interval.ms", "600000", "how often offsets expire"},
    {"offset.metadata.max.bytes", "4096",
     "longest commit metadata (else OFFSET_METADATA_TOO_LARGE)"},
    {"offsets.commit.timeout.ms", "5000",
     "cluster mode: a commit waits this long for the in-sync replicas (else REQUEST_TIMED_OUT)"},
    {"group.min.session.timeout.ms", "6000", "smallest session timeout a member may ask"},
    {"group.max.session.timeout.ms", "1800000", "largest session timeout a member may ask"},
    {"group.initial.rebalance.delay.ms", "3000",
     "wait for more members before the first rebalance of an empty group"},
    {"group.max.size", "2147483647", "members per group (else GROUP_MAX_SIZE_REACHED)"},
    {"zookeeper.connect", "(none: standalone)",
     "cluster mode: ZooKeeper HOST:PORT[,HOST:PORT][/chroot] (docs/CLUSTER.md)"},
    {"zookeeper.session.timeout.ms", "18000",
     "ZooKeeper session timeout: a broker silent this long leaves the cluster"},
    {"zookeeper.connection.timeout.ms", "(session timeout)",
     "give up starting when ZooKeeper is not reached within this"},
    {"default.replication.factor", "1",
     "replication factor of topics created without one (cluster mode)"},
    {"min.insync.replicas", "1", "acks=all needs this many in-sync replicas (cluster mode)"},
    {"replica.lag.time.max.ms", "30000",
     "a follower this far behind leaves the ISR (cluster mode, with replication)"},
    {"replica.fetch.wait.max.ms", "500",
     "longest a follower's fetch waits at the leader for new data (below replica.lag.time.max.ms)"},
    {"unclean.leader.election.enable", "false",
     "elect leaders outside the ISR (only false is supported)"},
    {"producer.id.expiration.ms", "86400000",
     "forget an idempotent producer whose last batch in a partition is this old"},
    {"producer.id.expiration.check.interval.ms", "600000", "how often producer ids expire"},
    {"controlled.shutdown.enable", "true",
     "cluster mode: on SIGTERM/SIGINT ask the controller to move leadership away first"},
    {"controlled.shutdown.max.retries", "3",
     "controlled shutdown: attempts while partitions still have this broker as leader"},
    {"controlled.shutdown.retry.backoff.ms", "1000", "controlled shutdown: wait between attempts"},
    {"auto.leader.rebalance.enable", "true",
     "cluster mode: the controller moves leadership back to preferred replicas"},
    {"leader.imbalance.check.interval.seconds", "300",
     "how often the controller checks the preferred-leader imbalance"},
    {"leader.imbalance.per.broker.percentage", "10",
     "rebalance when more than this share of a broker's preferred partitions is led elsewhere"},
    {NULL, NULL, NULL},
};

void broker_config_init(broker_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->listen_host, sizeof cfg->listen_host, "127.0.0.1");
    cfg->listen_port = 9092;
    snprintf(cfg->data_dir, sizeof cfg->data_dir, "./data");
    cfg->broker_id = 0;
    cfg->num_partitions = 1;
    cfg->auto_create_topics = 1;
    cfg->socket_request_max_bytes = 100 * 1024 * 1024;
    cfg->retention_check_interval_ms = 300000;
    cfg->checkpoint_interval_ms = 60000;
    cfg->flush_scheduler_interval_ms = 1000;
    cfg->cleaner_enable = 1;
    cfg->cleaner_backoff_ms = 15000;
    cfg->offsets_topic_num_partitions = 50;
    cfg->offsets_topic_segment_bytes = 100 * 1024 * 1024;
    cfg->offsets_topic_replication_factor = 3;
    cfg->offsets_retention_ms = 10080LL * 60000;
    cfg->offsets_retention_check_interval_ms = 600000;
    cfg->offset_metadata_max_bytes = 4096;
    cfg->offsets_commit_timeout_ms = 5000;
    cfg->group_min_session_timeout_ms = 6000;
    cfg->group_max_session_timeout_ms = 1800000;
    cfg->group_initial_rebalance_delay_ms = 3000;
    cfg->group_max_size = INT32_MAX;
    log_config_init(&cfg->log_defaults);
    cfg->zk_session_timeout_ms = 18000;
    cfg->zk_connection_timeout_ms = 0;
    cfg->default_replication_factor = 1;
    cfg->min_insync_replicas = 1;
    cfg->replica_lag_time_max_ms = 30000;
    cfg->replica_fetch_wait_max_ms = 500;
    cfg->producer_id_expiration_ms = 86400000;
    cfg->producer_id_expiration_check_ms = 600000;
    cfg->controlled_shutdown_enable = 1;
    cfg->controlled_shutdown_max_retries = 3;
    cfg->controlled_shutdown_backoff_ms = 1000;
    cfg->auto_leader_rebalance = 1;
    cfg->leader_imbalance_interval_ms = 300000;
    cfg->leader_imbalance_percentage = 10;
}

static int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, int *out) {
    if (strcmp(s, "true") == 0)
        *out = 1;
    else if (strcmp(s, "false") == 0)
        *out = 0;
    else
        return -1;
    return 0;
}

int broker_config_parse_hostport(const char *s, char *host, size_t hostlen, int *port) {
    const char *colon = strrchr(s, ':');
    if (!colon)
        return -1;
    const char *h = s;
    size_t hl = (size_t)(colon - s);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= hostlen)
        return -1;
    int64_t p;
    if (parse_i64(colon + 1, 0, 65535, &p) != 0)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (int)p;
    return 0;
}

/* "PLAINTEXT://host:port" (only the first listener of a comma list). */
static int parse_listener(const char *v, char *host, size_t hostlen, int *port, char *err,
                          size_t errlen) {
    char buf[BROKER_HOST_MAX + 64];
    snprintf(buf, sizeof buf, "%s", v);
    char *comma = strchr(buf, ',');
    if (comma)
        *comma = '\0';
    const char *p = strstr(buf, "://");
    if (p) {
        if (strncmp(buf, "PLAINTEXT://", 12) != 0) {
            snprintf(err, errlen, "only PLAINTEXT listeners are supported, got '%s'", buf);
            return -1;
        }
        p += 3;
    } else {
        p = buf;
    }
    if (broker_config_parse_hostport(p, host, hostlen, port) != 0) {
        snprintf(err, errlen, "expected PLAINTEXT://HOST:PORT, got '%s'", v);
        return -1;
    }
    if (comma)
        BLOG_W("only the first listener is used: %s", buf);
    return 0;
}

/* Integer keys: where they go and their range. */
typedef struct int_key {
    const char *name;
    int64_t min, max;
    int64_t scale; /* multiply (minutes, hours to ms) */
    int rank;      /* for retention/roll unit precedence; 0 = none */
    int which;     /* 1 retention, 2 roll */
} int_key;

static int64_t *int_key_target(broker_config *cfg, const char *name) {
    log_config *l = &cfg->log_defaults;
    if (!strcmp(name, "log.segment.bytes"))
        return &l->segment_bytes;
    if (!strcmp(name, "log.roll.ms") || !strcmp(name, "log.roll.hours"))
        return &l->segment_ms;
    if (!strncmp(name, "log.retention.", 14) && strcmp(name, "log.retention.bytes") &&
        strcmp(name, "log.retention.check.interval.ms"))
        return &l->retention_ms;
    if (!strcmp(name, "log.retention.bytes"))
        return &l->retention_bytes;
    if (!strcmp(name, "log.flush.interval.messages"))
        return &l->flush_messages;
    if (!strcmp(name, "log.flush.interval.ms"))
        return &l->flush_ms;
    if (!strcmp(name, "log.retention.check.interval.ms"))
        return &cfg->retention_check_interval_ms;
    if (!strcmp(name, "log.flush.offset.checkpoint.interval.ms"))
        return &cfg->checkpoint_interval_ms;
    if (!strcmp(name, "log.flush.scheduler.interval.ms"))
        return &cfg->flush_scheduler_interval_ms;
    if (!strcmp(name, "log.cleaner.backoff.ms"))
        return &cfg->cleaner_backoff_ms;
    if (!strcmp(name, "socket.request.max.bytes"))
        return &cfg->socket_request_max_bytes;
    if (!strcmp(name, "offsets.topic.segment.bytes"))
        return &cfg->offsets_topic_segment_bytes;
    if (!strcmp(name, "offsets.retention.minutes"))
        return &cfg->offsets_retention_ms;
    if (!strcmp(name, "offsets.retention.check.interval.ms"))
        return &cfg->offsets_retention_check_interval_ms;
    if (!strcmp(name, "offset.metadata.max.bytes"))
        return &cfg->offset_metadata_max_bytes;
    if (!strcmp(name, "offsets.commit.timeout.ms"))
        return &cfg->offsets_commit_timeout_ms;
    if (!strcmp(name, "group.min.session.timeout.ms"))
        return &cfg->group_min_session_timeout_ms;
    if (!strcmp(name, "group.max.session.timeout.ms"))
        return &cfg->group_max_session_timeout_ms;
    if (!strcmp(name, "group.initial.rebalance.delay.ms"))
        return &cfg->group_initial_rebalance_delay_ms;
    if (!strcmp(name, "group.max.size"))
        return &cfg->group_max_size;
    if (!strcmp(name, "zookeeper.session.timeout.ms"))
        return &cfg->zk_session_timeout_ms;
    if (!strcmp(name, "zookeeper.connection.timeout.ms"))
        return &cfg->zk_connection_timeout_ms;
    if (!strcmp(name, "default.replication.factor"))
        return &cfg->default_replication_factor;
    if (!strcmp(name, "min.insync.replicas"))
        return &cfg->min_insync_replicas;
    if (!strcmp(name, "replica.lag.time.max.ms"))
        return &cfg->replica_lag_time_max_ms;
    if (!strcmp(name, "replica.fetch.wait.max.ms"))
        return &cfg->replica_fetch_wait_max_ms;
    if (!strcmp(name, "producer.id.expiration.ms"))
        return &cfg->producer_id_expiration_ms;
    if (!strcmp(name, "producer.id.expiration.check.interval.ms"))
        return &cfg->producer_id_expiration_check_ms;
    if (!strcmp(name, "controlled.shutdown.max.retries"))
        return &cfg->controlled_shutdown_max_retries;
    if (!strcmp(name, "controlled.shutdown.retry.backoff.ms"))
        return &cfg->controlled_shutdown_backoff_ms;
    if (!strcmp(name, "leader.imbalance.check.interval.seconds"))
        return &cfg->leader_imbalance_interval_ms;
    if (!strcmp(name, "leader.imbalance.per.broker.percentage"))
        return &cfg->leader_imbalance_percentage;
    return NULL;
}

static const int_key int_keys[] = {
    {"log.segment.bytes", 14, INT32_MAX, 1, 0, 0},
    {"log.roll.ms", 1, INT64_MAX, 1, 2, 2},
    {"log.roll.hours", 1, INT64_MAX / 3600000, 3600000, 1, 2},
    {"log.retention.ms", -1, INT64_MAX, 1, 3, 1},
    {"log.retention.minutes", -1, INT64_MAX / 60000, 60000, 2, 1},
    {"log.retention.hours", -1, INT64_MAX / 3600000, 3600000, 1, 1},
    {"log.retention.bytes", -1, INT64_MAX, 1, 0, 0},
    {"log.flush.interval.messages", 1, INT64_MAX, 1, 0, 0},
    {"log.flush.interval.ms", 0, INT64_MAX, 1, 0, 0},
    {"log.retention.check.interval.ms", 1, INT64_MAX, 1, 0, 0},
    {"log.flush.offset.checkpoint.interval.ms", 1, INT64_MAX, 1, 0, 0},
    {"log.flush.scheduler.interval.ms", 1, INT64_MAX, 1, 0, 0},
    {"log.cleaner.backoff.ms", 1, INT64_MAX, 1, 0, 0},
    {"socket.request.max.bytes", 1, INT32_MAX, 1, 0, 0},
    {"offsets.topic.segment.bytes", 14, INT32_MAX, 1, 0, 0},
    {"offsets.retention.minutes", 1, INT64_MAX / 60000, 60000, 0, 0},
    {"offsets.retention.check.interval.ms", 1, INT64_MAX, 1, 0, 0},
    {"offset.metadata.max.bytes", 0, INT32_MAX, 1, 0, 0},
    {"offsets.commit.timeout.ms", 1, INT32_MAX, 1, 0, 0},
    {"group.min.session.timeout.ms", 0, INT32_MAX, 1, 0, 0},
    {"group.max.session.timeout.ms", 0, INT32_MAX, 1, 0, 0},
    {"group.initial.rebalance.delay.ms", 0, INT32_MAX, 1, 0, 0},
    {"group.max.size", 1, INT32_MAX, 1, 0, 0},
    {"zookeeper.session.timeout.ms", 1000, 3600000, 1, 0, 0},
    {"zookeeper.connection.timeout.ms", 1, 3600000, 1, 0, 0},
    {"default.replication.factor", 1, 32767, 1, 0, 0},
    {"min.insync.replicas", 1, 32767, 1, 0, 0},
    {"replica.lag.time.max.ms", 1, INT32_MAX, 1, 0, 0},
    {"replica.fetch.wait.max.ms", 1, INT32_MAX, 1, 0, 0},
    {"producer.id.expiration.ms", 1, INT32_MAX, 1, 0, 0},
    {"producer.id.expiration.check.interval.ms", 1, INT32_MAX, 1, 0, 0},
    {"controlled.shutdown.max.retries", 0, 1000, 1, 0, 0},
    {"controlled.shutdown.retry.backoff.ms", 0, 3600000, 1, 0, 0},
    {"leader.imbalance.check.interval.seconds", 1, INT32_MAX / 1000, 1000, 0, 0},
    {"leader.imbalance.per.broker.percentage", 0, 100, 1, 0, 0},
    {NULL, 0, 0, 0, 0, 0},
};

int broker_config_set(broker_config *cfg, const char *key, const char *value, char *err,
                      size_t errlen) {
    int64_t v;
    for (const int_key *k = int_keys; k->name; k++) {
        if (strcmp(k->name, key) != 0)
            continue;
        if (parse_i64(value, k->min, k->max, &v) != 0) {
            snprintf(err, errlen, "%s: '%s' is not an integer in [%" PRId64 ", %" PRId64 "]", key,
                     value, k->min, k->max);
            return BROKER_CONFIG_BAD;
        }
        if (v > 0)
            v *= k->scale;
        int *rank = k->which == 1   ? &cfg->retention_unit_rank
                    : k->which == 2 ? &cfg->roll_unit_rank
                                    : NULL;
        if (rank) {
            if (k->rank < *rank)
                return BROKER_CONFIG_OK; /* a finer unit was already given */
            *rank = k->rank;
        }
        *int_key_target(cfg, key) = v;
        return BROKER_CONFIG_OK;
    }
    if (!strcmp(key, "listeners"))
        return parse_listener(value, cfg->listen_host, sizeof cfg->listen_host, &cfg->listen_port,
                              err, errlen) == 0
                   ? BROKER_CONFIG_OK
                   : BROKER_CONFIG_BAD;
    if (!strcmp(key, "advertised.listeners"))
        return parse_listener(value, cfg->advertised_host, sizeof cfg->advertised_host,
                              &cfg->advertised_port, err, errlen) == 0
                   ? BROKER_CONFIG_OK
                   : BROKER_CONFIG_BAD;
    if (!strcmp(key, "log.dirs") || !strcmp(key, "log.dir")) {
        const char *comma = strchr(value, ',');
        size_t n = comma ? (size_t)(comma - value) : strlen(value);
        if (n == 0 || n >= sizeof cfg->data_dir) {
            snprintf(err, errlen, "%s: empty or too long path", key);
            return BROKER_CONFIG_BAD;
        }
        memcpy(cfg->data_dir, value, n);
        cfg->data_dir[n] = '\0';
        if (comma)
            BLOG_W("log.dirs lists several directories; only the first (%s) is used",
                   cfg->data_dir);
        return BROKER_CONFIG_OK;
    }
    if (!strcmp(key, "zookeeper.connect")) {
        if (!value[0] || strlen(value) >= sizeof cfg->zookeeper_connect || !strchr(value, ':') ||
            strpbrk(value, " \t")) {
            snprintf(err, errlen,
                     "zookeeper.connect: expected HOST:PORT[,HOST:PORT][/chroot], got '%s'", value);
            return BROKER_CONFIG_BAD;
        }
        snprintf(cfg->zookeeper_connect, sizeof cfg->zookeeper_connect, "%s", value);
        return BROKER_CONFIG_OK;
    }
    if (!strcmp(key, "controlled.shutdown.enable") ||
        !strcmp(key, "auto.leader.rebalance.enable")) {
        int *target =
            key[0] == 'c' ? &cfg->controlled_shutdown_enable : &cfg->auto_leader_rebalance;
        if (parse_bool(value, target) != 0) {
            snprintf(err, errlen, "%s: expected true or false, got '%s'", key, value);
            return BROKER_CONFIG_BAD;
        }
        return BROKER_CONFIG_OK;
    }
    if (!strcmp(key, "unclean.leader.election.enable")) {
        if (parse_bool(value, &cfg->unclean_leader_election) != 0) {
            snprintf(err, errlen, "%s: expected true or false, got '%s'", key, value);
            return BROKER_CONFIG_BAD;
        }
        return BROKER_CONFIG_OK;
    }
    if (!strcmp(key, "broker.id") || !strcmp(key, "node.id")) {
        if (parse_i64(value, 0, INT32_MAX, &v) != 0) {
            snprintf(err, errlen, "%s: '%s' is not a non-negative integer", key, value);
            return BROKER_CONFIG_BAD;
        }
        cfg->broker_id = (int32_t)v;
        return BROKER_CONFIG_OK;
    }
    if (!strcmp(key, "offsets.topic.num.partitions")) {
        if (parse_i64(value, 1, 100000, &v) != 0) {
            snprintf(err, errlen, "%s: '%s' is not in [1, 100000]", key, value);
            return BROKER_CONFIG_BAD;
        }
        cfg->offsets_topic_num_partitions = (int32_t)v;
        return BROKER_CONFIG_OK;
    }
    if (!strcmp(key, "offsets.topic.replication.factor")) {
        if (parse_i64(value, 1, INT16_MAX, &v) != 0) {
            snprintf(err, errlen, "%s: '%s' is not in [1, 32767]", key, value);
            return BROKER_CONFIG_BAD;
        }
        cfg->offsets_topic_replication_factor = (int16_t)v;
        return BROKER_CONFIG_OK;
    }
    if (!strcmp(key, "num.partitions")) {
        if (parse_i64(value, 1, 100000, &v) != 0) {
            snprintf(err, errlen, "num.partitions: '%s' is not in [1, 100000]", value);
            return BROKER_CONFIG_BAD;
        }
        cfg->num_partitions = (int32_t)v;
        return BROKER_CONFIG_OK;
    }
    if (!strcmp(key, "log.cleaner.enable")) {
        if (parse_bool(value, &cfg->cleaner_enable) != 0) {
            snprintf(err, errlen, "log.cleaner.enable: expected true or false");
            return BROKER_CONFIG_BAD;
        }
        return BROKER_CONFIG_OK;
    }
    {
        /* Broker-wide defaults of topic configs that live in the log layer. */
        static const struct {
            const char *broker_key, *topic_key;
        } log_keys[] = {
            {"log.cleanup.policy", "cleanup.policy"},
            {"log.cleaner.delete.retention.ms", "delete.retention.ms"},
            {"log.cleaner.min.cleanable.ratio", "min.cleanable.dirty.ratio"},
            {"log.cleaner.min.compaction.lag.ms", "min.compaction.lag.ms"},
        };
        for (size_t i = 0; i < sizeof log_keys / sizeof log_keys[0]; i++) {
            if (strcmp(key, log_keys[i].broker_key) != 0)
                continue;
            if (log_config_set(&cfg->log_defaults, log_keys[i].topic_key, value) != LOG_OK) {
                snprintf(err, errlen, "%s: '%s' is not a valid %s", key, value,
                         log_keys[i].topic_key);
                return BROKER_CONFIG_BAD;
            }
            return BROKER_CONFIG_OK;
        }
    }
    if (!strcmp(key, "auto.create.topics.enable")) {
        if (parse_bool(value, &cfg->auto_create_topics) != 0) {
            snprintf(err, errlen, "auto.create.topics.enable: expected true or false");
            return BROKER_CONFIG_BAD;
        }
        return BROKER_CONFIG_OK;
    }
    if (!strcmp(key, "message.max.bytes")) {
        if (parse_i64(value, 0, INT32_MAX, &v) != 0) {
            snprintf(err, errlen, "message.max.bytes: '%s' is not a non-negative integer", value);
            return BROKER_CONFIG_BAD;
        }
        cfg->log_defaults.max_message_bytes = (int32_t)v;
        return BROKER_CONFIG_OK;
    }
    if (!strcmp(key, "log.index.interval.bytes")) {
        if (parse_i64(value, 0, INT32_MAX, &v) != 0) {
            snprintf(err, errlen, "%s: '%s' is not a non-negative integer", key, value);
            return BROKER_CONFIG_BAD;
        }
        cfg->log_defaults.index_interval_bytes = (int32_t)v;
        return BROKER_CONFIG_OK;
    }
    return BROKER_CONFIG_UNKNOWN;
}

static char *trim(char *s) {
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

int broker_config_load(broker_config *cfg, const char *path,
                       void (*warn)(void *arg, int line, const char *key), void *arg, char *err,
                       size_t errlen) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open config file %s: %s", path, strerror(errno));
        return -1;
    }
    char line[8192];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#' || *s == '!')
            continue;
        char *sep = strpbrk(s, "=:");
        if (!sep) {
            snprintf(err, errlen, "%s:%d: expected key=value", path, lineno);
            fclose(f);
            return -1;
        }
        *sep = '\0';
        char *key = trim(s), *value = trim(sep + 1);
        char msg[512];
        int rc = broker_config_set(cfg, key, value, msg, sizeof msg);
        if (rc == BROKER_CONFIG_UNKNOWN) {
            if (warn)
                warn(arg, lineno, key);
        } else if (rc != BROKER_CONFIG_OK) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}
