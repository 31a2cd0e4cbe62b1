/*
 * kadmin.h - the admin requests the `strand topic` commands send:
 * Metadata, CreateTopics, DeleteTopics, ListOffsets, DescribeConfigs.
 *
 * Each function picks the highest version that wire/protocol.h implements,
 * the caller's range allows and the broker offers (Metadata v1-8,
 * CreateTopics v0-4, DeleteTopics v0-3, ListOffsets v1-5, DescribeConfigs
 * v0-2), encodes the request with the shared codecs, sends it over a
 * kclient and decodes the answer. They return 0 when a response was
 * decoded (per-topic Kafka error codes are in the result) and -1 on a
 * transport or decoding failure (c->err says which).
 *
 * Results own their memory: strings are slices into the kept response
 * buffer and arrays live in an arena; release them with the matching
 * *_free(). Not thread-safe (a kclient belongs to one thread).
 */
#ifndef STRAND_TOOLS_KADMIN_H
#define STRAND_TOOLS_KADMIN_H

#include <stdint.h>

#include "tools/kclient.h"
#include "wire/buf.h"

typedef struct kadmin_partition {
    int32_t id;
    int16_t error;
    int32_t leader;
    int32_t leader_epoch; /* Metadata v7+; -1 when not sent */
    int32_t n_replicas;
    int32_t *replicas;
    int32_t n_isr;
    int32_t *isr;
} kadmin_partition;

typedef struct kadmin_topic {
    wire_str name;
    int16_t error;
    int internal;
    int32_t n_partitions;
    kadmin_partition *partitions;
} kadmin_topic;

typedef struct kadmin_broker {
    int32_t id;
    wire_str host;
    int32_t port;
} kadmin_broker;

typedef struct kadmin_metadata {
    int32_t n_brokers;
    kadmin_broker *brokers;
    int32_t controller;
    wire_str cluster_id; /* len -1: not sent (Metadata v0-1) */
    int32_t n_topics;
    kadmin_topic *topics;
    /* private */
    uint8_t *resp;
    wire_arena arena;
} kadmin_metadata;

/* Metadata for `names` (n of them), or for all topics when names is NULL.
 * Never asks the broker to auto-create a topic (v4+; older brokers may). */
int kadmin_metadata_get(kclient *c, const char *const *names, int n, kadmin_metadata *md);
void kadmin_metadata_free(kadmin_metadata *md);

/* Create one topic. partitions / replication_factor < 0 mean "broker
 * default" (sent as -1 from v4; older versions get 1). configs are
 * "key=value" strings. *error gets the topic's error code and msg (if the
 * broker sent one) its message, NUL-terminated. */
int kadmin_topic_create(kclient *c, const char *name, int32_t partitions,
                        int16_t replication_factor, char *const *configs, int n_configs,
                        int16_t *error, char *msg, size_t msg_cap);

/* Delete topics; errors[i] gets the code for names[i] (UNKNOWN_SERVER_ERROR
 * when the broker did not mention it). */
int kadmin_topics_delete(kclient *c, const char *const *names, int n, int16_t *errors);

/* Grow topic `name` to `count` partitions (CreatePartitions; the broker
 * assigns the new partitions' replicas). *error and msg as
 * kadmin_topic_create. */
int kadmin_partitions_create(kclient *c, const char *name, int32_t count, int16_t *error,
                             char *msg, size_t msg_cap);

/* ListOffsets for partitions 0..n-1 of `topic` at `timestamp` (-1 latest,
 * -2 earliest): offsets[i] and errors[i] for partition parts[i]. */
int kadmin_offsets_list(kclient *c, const char *topic, const int32_t *parts, int n,
                        int64_t timestamp, int64_t *offsets, int16_t *errors);
/* The same with an explicit replica id: -1 a consumer (latest = the high
 * watermark in a cluster), -2 Kafka's "debugging" id (latest = the log end
 * offset; answered by any replica of the partition, not only its leader). */
int kadmin_offsets_list_as(kclient *c, int32_t replica_id, const char *topic, const int32_t *parts,
                           int n, int64_t timestamp, int64_t *offsets, int16_t *errors);

typedef struct kadmin_config {
    wire_str name;
    wire_str value; /* len -1: null (e.g. sensitive) */
    int read_only;
    int sensitive;
    int source; /* Kafka ConfigSource; v0 maps is_default to 5 (DEFAULT_CONFIG) */
} kadmin_config;

typedef struct kadmin_configs {
    int16_t error;
    wire_str error_message;
    int32_t n;
    kadmin_config *entries;
    /* private */
    uint8_t *resp;
    wire_arena arena;
} kadmin_configs;

/* DescribeConfigs of one resource (PROTO_RESOURCE_TOPIC or _BROKER, named
 * by topic name or broker id), all keys. */
int kadmin_configs_get(kclient *c, int resource_type, const char *name, kadmin_configs *out);
/* DescribeConfigs of one topic (resource type 2), all keys. */
int kadmin_topic_configs_get(kclient *c, const char *topic, kadmin_configs *out);
void kadmin_configs_free(kadmin_configs *cfg);

/* Name of a Kafka ConfigSource value ("default", "topic", ...). */
const char *kadmin_config_source_name(int source);

/* For other request modules (tools/kgroup.c): send the encoded body in `w`
 * (freed here) as `api` version v and point *r at the response body, which
 * *resp owns (the caller frees it). -1 with c->err set on an encoding or
 * transport failure. */
int kadmin_request(kclient *c, int16_t api, int v, wire_writer *w, uint8_t **resp, wire_reader *r);
/* Free resp, set c->err to "malformed <api> v<v> response" and return -1. */
int kadmin_malformed(kclient *c, int16_t api, int v, uint8_t *resp);

#endif
