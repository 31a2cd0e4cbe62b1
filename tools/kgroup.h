/*
 * kgroup.h - the consumer-group admin requests the `strand group` commands
 * send: FindCoordinator, ListGroups, DescribeGroups, OffsetFetch,
 * OffsetCommit (as a standalone committer) and DeleteGroups; and
 * kcluster, the connections to every broker of a cluster, for requests
 * that go to a partition's leader (ListOffsets) or to each broker
 * (ListGroups).
 *
 * Each function picks the highest version that wire/protocol.h implements
 * and the broker offers, encodes with the shared codecs, sends over a
 * kclient and decodes. They return 0 when a response was decoded (Kafka
 * error codes are in the result) and -1 on a transport or decoding failure
 * (c->err says which).
 *
 * Results own their memory: strings are slices into the kept response
 * buffer and arrays live in an arena; release them with the matching
 * *_free() (safe on a zeroed or failed result). Not thread-safe.
 */
#ifndef STRAND_TOOLS_KGROUP_H
#define STRAND_TOOLS_KGROUP_H

#include <stdint.h>

#include "tools/kadmin.h"
#include "tools/kclient.h"
#include "wire/buf.h"
#include "wire/protocol.h"

typedef struct kgroup_coordinator {
    int32_t node_id;
    char addr[300]; /* "host:port" for kclient_connect */
} kgroup_coordinator;

/* FindCoordinator (key type group). Retriable answers
 * (COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR)
 * are asked again every 100 ms until c->timeout_ms has passed. On -1,
 * c->err says why and *error holds the last Kafka error (KAFKA_NONE for a
 * transport failure). */
int kgroup_find_coordinator(kclient *c, const char *group, kgroup_coordinator *out, int16_t *error);

typedef struct kgroup_listing {
    wire_str group_id;
    wire_str protocol_type;
    wire_str state; /* len <= 0: the broker did not say (ListGroups < v4) */
} kgroup_listing;

typedef struct kgroup_list {
    int16_t error;
    int32_t n;
    kgroup_listing *groups;
    /* private */
    uint8_t *resp;
    wire_arena arena;
} kgroup_list;

/* ListGroups of the broker behind `c` (the groups it coordinates). */
int kgroup_list_get(kclient *c, kgroup_list *out);
void kgroup_list_free(kgroup_list *l);

typedef struct kgroup_member {
    wire_str member_id;
    wire_str instance_id; /* null before DescribeGroups v4 or when not static */
    wire_str client_id;
    wire_str client_host;
    wire_bytes assignment_raw;
    /* protocol type "consumer" and a decodable assignment: */
    int has_assignment;
    proto_consumer_assignment assignment;
} kgroup_member;

typedef struct kgroup_description {
    int16_t error;
    wire_str group_id;
    wire_str state; /* "Empty", "Stable", "PreparingRebalance", "Dead", ... */
    wire_str protocol_type;
    wire_str protocol; /* the chosen assignor, e.g. "range" */
    int32_t n_members;
    kgroup_member *members;
} kgroup_description;

typedef struct kgroup_descriptions {
    int32_t n;
    kgroup_description *groups;
    /* private */
    uint8_t *resp;
    wire_arena arena;
} kgroup_descriptions;

/* DescribeGroups of `groups` (n of them) at their coordinator `c`. */
int kgroup_describe(kclient *c, const char *const *groups, int n, kgroup_descriptions *out);
void kgroup_descriptions_free(kgroup_descriptions *d);
/* The description of `group` in d, or NULL. */
const kgroup_description *kgroup_descriptions_find(const kgroup_descriptions *d, const char *group);

typedef struct kgroup_offset {
    wire_str topic;
    int32_t partition;
    int64_t offset; /* -1: nothing committed */
    wire_str metadata;
    int16_t error;
} kgroup_offset;

typedef struct kgroup_offsets {
    int16_t error; /* group-level error (OffsetFetch v2+) */
    int32_t n;
    kgroup_offset *entries;
    /* private */
    uint8_t *resp;
    wire_arena arena;
} kgroup_offsets;

/* Every committed offset of `group` (OffsetFetch v2+ with topics null). */
int kgroup_offsets_fetch(kclient *c, const char *group, kgroup_offsets *out);
void kgroup_offsets_free(kgroup_offsets *o);

typedef struct kgroup_commit {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int16_t error; /* out: the partition's answer (UNKNOWN_SERVER_ERROR if none) */
} kgroup_commit;

/* OffsetCommit of entries[0..n) as a standalone committer (generation -1,
 * member id ""), which a coordinator accepts only for an empty group. */
int kgroup_offsets_commit(kclient *c, const char *group, kgroup_commit *entries, int n);

/* DeleteGroups of one group; *error gets its result code. */
int kgroup_delete(kclient *c, const char *group, int16_t *error);

/*
 * kcluster: metadata of a cluster and lazily opened connections to its
 * brokers by node id. Opened from a connected bootstrap kclient (which it
 * borrows for the Metadata request only).
 */
typedef struct kcluster_conn {
    int32_t node_id;
    kclient c;
    int tried; /* connect attempted (c.fd < 0 after it: failed, c.err says why) */
} kcluster_conn;

typedef struct kcluster {
    int timeout_ms;
    kadmin_metadata md;
    int n_conns;
    kcluster_conn *conns;
    char err[700];
} kcluster;

/* Metadata for `topics` (n of them; NULL: every topic; n == 0 with a
 * non-NULL array: brokers only). On -1 boot->err says why. */
int kcluster_open(kcluster *k, kclient *boot, const char *const *topics, int n);
void kcluster_close(kcluster *k);

/* The connection to broker `node_id`, connected on first use; NULL with
 * k->err set when the broker is unknown or cannot be reached. */
kclient *kcluster_broker(kcluster *k, int32_t node_id);

/* The topic `name` in the metadata, or NULL. */
const kadmin_topic *kcluster_topic(const kcluster *k, const char *name);

/* ListOffsets at `timestamp` (-1 latest, -2 earliest, else epoch ms) for
 * parts[0..n) of `topic`, each asked of its partition's leader. Partitions
 * whose leader is unknown or unreachable get an error
 * (LEADER_NOT_AVAILABLE / NETWORK_EXCEPTION) and offset -1. Returns -1
 * only for a failure that affects every partition (k->err). */
int kcluster_offsets(kcluster *k, const char *topic, const int32_t *parts, int n, int64_t timestamp,
                     int64_t *offsets, int16_t *errors);

#endif
