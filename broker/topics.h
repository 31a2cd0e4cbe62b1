/*
 * topics.h - the topic registry: names, partition counts, per-topic config
 * overrides and the open log of every partition.
 *
 * State persists in `<data dir>/topics.state` (text, one topic per line:
 * "name partitions [key=value ...]", written to a temp file, fsynced and
 * renamed). Logs found on disk without a line are adopted at start. The
 * cluster id lives in `<data dir>/meta.properties` (Kafka's file).
 *
 * Ownership: the registry owns topics and partitions; logs are owned by the
 * logdir (log/logdir.h). Pointers returned by topics_find stay valid until
 * the topic is deleted or partitions are added (the partition objects
 * themselves never move). Single thread (the event loop).
 */
#ifndef STRAND_BROKER_TOPICS_H
#define STRAND_BROKER_TOPICS_H

#include <stddef.h>
#include <stdint.h>

#include "broker/delayed.h"
#include "log/log.h"
#include "log/logdir.h"

typedef struct topics topics;

typedef struct topic_partition {
    int32_t index;
    log *lg;
    delayed_list waiting;      /* Fetch requests waiting for appends here */
    struct replica_part *repl; /* cluster mode: replication state (replica.h), else NULL */
    /* Idempotent producers (producer_log.h): NULL until first needed. */
    struct producer_state *producers;
    const log *producers_log; /* the log it was built from */
    int64_t producers_end;    /* the log end offset it reflects */
} topic_partition;

typedef struct topic_override {
    char *key;
    char *value;
} topic_override;

typedef struct topic {
    char *name;
    int32_t partition_count;
    topic_partition **partitions;
    topic_override *overrides;
    int override_count;
    log_config cfg; /* broker defaults + overrides */
} topic;

/* Open: read topics.state (and meta.properties: fills cluster_id, creating
 * it when absent), open the logdir with each topic's config, create missing
 * partition logs and adopt unknown ones. Recovery of every log is reported
 * through on_open. err gets a message on failure (-1). */
int topics_open(const char *data_dir, int32_t broker_id, const log_config *defaults,
                logdir_open_fn on_open, void *on_open_arg, topics **out, logdir **logs_out,
                char *cluster_id, size_t cluster_id_len, char *err, size_t errlen);
/* topics_open with a choice: create_missing 0 (cluster mode) attaches the
 * logs found on disk only; the cluster opens the rest (topics_ensure). */
int topics_open_mode(const char *data_dir, int32_t broker_id, const log_config *defaults,
                     int create_missing, logdir_open_fn on_open, void *on_open_arg, topics **out,
                     logdir **logs_out, char *cluster_id, size_t cluster_id_len, char *err,
                     size_t errlen);
/* Free the registry (the logdir is closed separately by the caller). */
void topics_free(topics *t);

int topics_count(const topics *t);
topic *topics_at(topics *t, int i);
topic *topics_find(topics *t, const char *name, int32_t len);
/* The partition, or NULL. */
topic_partition *topics_partition(topics *t, const char *name, int32_t len, int32_t partition);

/* Kafka's name rule: [a-zA-Z0-9._-], 1..249 chars, not "." or "..". */
int topics_name_valid(const char *name, int32_t len);

/* Build a topic config from the defaults and overrides. Returns a Kafka
 * error code (KAFKA_NONE or KAFKA_INVALID_CONFIG with msg filled). */
int16_t topics_config_build(const log_config *defaults, const topic_override *ov, int n,
                            log_config *out, char *msg, size_t msglen);

/* Create a topic with `partitions` logs. Returns a Kafka error code:
 * INVALID_TOPIC_EXCEPTION, TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS,
 * INVALID_CONFIG, KAFKA_STORAGE_ERROR; msg explains. validate_only checks
 * without creating. Persists the state. */
int16_t topics_create(topics *t, const char *name, int32_t partitions, const topic_override *ov,
                      int n, int validate_only, char *msg, size_t msglen);
/* Delete a topic and its logs; waiting fetches on it are completed first. */
int16_t topics_delete(topics *t, const char *name, int32_t len, char *msg, size_t msglen);
/* Grow to `count` partitions (INVALID_PARTITIONS if not an increase). */
int16_t topics_add_partitions(topics *t, const char *name, int32_t len, int32_t count,
                              int validate_only, char *msg, size_t msglen);

/* Cluster mode: make sure topic `name` exists here with at least
 * `partitions` partition objects (and, when it is new, these config
 * overrides), and that the partitions flagged in `hosted` (an array of
 * `partitions` flags) have an open log, created when missing. Logs of
 * partitions not flagged are left alone. Persists the state when it
 * changed. Returns a Kafka error code with msg filled. */
int16_t topics_ensure(topics *t, const char *name, int32_t partitions, const topic_override *ov,
                      int n, const uint8_t *hosted, char *msg, size_t msglen);

/* Write topics.state atomically. 0 or -1. */
int topics_save(topics *t);

#endif
