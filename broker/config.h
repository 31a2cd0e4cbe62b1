/*
 * config.h - broker settings: defaults, Kafka-style properties files and
 * single key=value assignments (from flags).
 *
 * Keys use Apache Kafka's broker names (listeners, log.dirs, num.partitions,
 * log.segment.bytes, ...). The log.* keys fill `log_defaults`, the default
 * configuration of every topic; topics may override it (topics.h).
 * Plain data, no globals; one owner.
 */
#ifndef STRAND_BROKER_CONFIG_H
#define STRAND_BROKER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "log/log.h"

#define BROKER_HOST_MAX 256
#define BROKER_PATH_MAX 4096

typedef struct broker_config {
    char listen_host[BROKER_HOST_MAX]; /* listeners=PLAINTEXT://host:port */
    int listen_port;
    char advertised_host[BROKER_HOST_MAX]; /* advertised.listeners; "" = listen address */
    int advertised_port;                   /* 0 = the bound port */
    char data_dir[BROKER_PATH_MAX];        /* first entry of log.dirs */
    int32_t broker_id;                     /* broker.id, 0 */
    int32_t num_partitions;                /* num.partitions, 1 */
    int auto_create_topics;                /* auto.create.topics.enable, true */
    int64_t socket_request_max_bytes;      /* socket.request.max.bytes, 100 MiB */
    int64_t retention_check_interval_ms;   /* log.retention.check.interval.ms, 5 min */
    int64_t checkpoint_interval_ms;        /* log.flush.offset.checkpoint.interval.ms, 60 s */
    int64_t flush_scheduler_interval_ms;   /* log.flush.scheduler.interval.ms, 1 s */
    int cleaner_enable;                    /* log.cleaner.enable, true */
    int64_t cleaner_backoff_ms;            /* log.cleaner.backoff.ms, 15 s */
    log_config log_defaults;               /* log.* keys and message.max.bytes */
    /* Group coordinator (broker/coordinator.h). */
    int32_t offsets_topic_num_partitions;        /* offsets.topic.num.partitions, 50 */
    int64_t offsets_topic_segment_bytes;         /* offsets.topic.segment.bytes, 100 MiB */
    int16_t offsets_topic_replication_factor;    /* offsets.topic.replication.factor, 3 */
    int64_t offsets_retention_ms;                /* offsets.retention.minutes, 7 days */
    int64_t offsets_retention_check_interval_ms; /* offsets.retention.check.interval.ms, 600 s */
    int64_t offset_metadata_max_bytes;           /* offset.metadata.max.bytes, 4096 */
    int64_t offsets_commit_timeout_ms;           /* offsets.commit.timeout.ms, 5000 */
    int64_t group_min_session_timeout_ms;        /* group.min.session.timeout.ms, 6000 */
    int64_t group_max_session_timeout_ms;        /* group.max.session.timeout.ms, 1800000 */
    int64_t group_initial_rebalance_delay_ms;    /* group.initial.rebalance.delay.ms, 3000 */
    int64_t group_max_size;                      /* group.max.size, INT32_MAX (unbounded) */
    /* Cluster mode (docs/CLUSTER.md); "" = standalone. */
    char zookeeper_connect[BROKER_PATH_MAX]; /* zookeeper.connect host:port[,..][/chroot] */
    int64_t zk_session_timeout_ms;           /* zookeeper.session.timeout.ms, 18 s */
    int64_t zk_connection_timeout_ms;        /* zookeeper.connection.timeout.ms, 0 = session */
    int64_t default_replication_factor;      /* default.replication.factor, 1 */
    int64_t min_insync_replicas;             /* min.insync.replicas, 1 */
    int64_t replica_lag_time_max_ms;         /* replica.lag.time.max.ms, 30 s */
    int64_t replica_fetch_wait_max_ms;       /* replica.fetch.wait.max.ms, 500 ms */
    int unclean_leader_election;             /* unclean.leader.election.enable, false */
    /* Idempotent producers (broker/producer_log.h). */
    int64_t producer_id_expiration_ms;       /* producer.id.expiration.ms, 1 day */
    int64_t producer_id_expiration_check_ms; /* producer.id.expiration.check.interval.ms, 600 s */
    int controlled_shutdown_enable;          /* controlled.shutdown.enable, true */
    int64_t controlled_shutdown_max_retries; /* controlled.shutdown.max.retries, 3 */
    int64_t controlled_shutdown_backoff_ms;  /* controlled.shutdown.retry.backoff.ms, 1 s */
    int auto_leader_rebalance;               /* auto.leader.rebalance.enable, true */
    int64_t leader_imbalance_interval_ms;    /* leader.imbalance.check.interval.seconds, 300 s */
    int64_t leader_imbalance_percentage;     /* leader.imbalance.per.broker.percentage, 10 */
    /* Which retention unit was given, so that ms > minutes > hours like Kafka. */
    int retention_unit_rank;
    int roll_unit_rank;
} broker_config;

/* One documented key: name, default text and meaning (for --help). */
typedef struct broker_config_key {
    const char *name;
    const char *default_text;
    const char *help;
} broker_config_key;

/* NULL-terminated table of every key broker_config_set understands. */
extern const broker_config_key broker_config_keys[];

void broker_config_init(broker_config *cfg);

enum broker_config_status {
    BROKER_CONFIG_OK = 0,
    BROKER_CONFIG_UNKNOWN = 1, /* unknown key: the caller warns and goes on */
    BROKER_CONFIG_BAD = -1,    /* bad value: err says why */
};

/* Set one key from its text value. err (errlen bytes) receives a message. */
int broker_config_set(broker_config *cfg, const char *key, const char *value, char *err,
                      size_t errlen);

/* Parse "host:port" (host may be empty or [v6]); 0 or -1. */
int broker_config_parse_hostport(const char *s, char *host, size_t hostlen, int *port);

/* Read a properties file (key=value or key: value, # and ! comments).
 * Unknown keys are reported through warn(arg, line, key) and skipped.
 * Returns 0, or -1 with err filled (file missing, bad value, bad line). */
int broker_config_load(broker_config *cfg, const char *path,
                       void (*warn)(void *arg, int line, const char *key), void *arg, char *err,
                       size_t errlen);

#endif
