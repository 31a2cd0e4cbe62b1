/*
 * group.h - the group coordinator's state: consumer groups (classic
 * rebalance protocol) and their committed offsets, as pure logic.
 *
 * Nothing here does I/O or reads a clock: every entry point takes `now`
 * (ms), deadlines are reported through group_coord_next_deadline() and
 * processed by group_coord_tick(), and everything that leaves the state
 * machine goes through group_ops: deferred JoinGroup/SyncGroup answers and
 * the records appended to __consumer_offsets. The broker glue
 * (coordinator.c, h_group*.c) drives it from libuv; the unit tests drive it
 * with a fake clock and capture the callbacks.
 *
 * Semantics follow Apache Kafka's GroupCoordinator (2.x, classic protocol):
 * states Empty, PreparingRebalance, CompletingRebalance, Stable, Dead;
 * MEMBER_ID_REQUIRED on the first join of v4+ (the member becomes "pending"
 * until it rejoins within its session timeout); the rebalance completes when
 * every known member rejoined (and no pending member is left) or at the
 * rebalance timeout, removing those that did not; the first rebalance of an
 * empty group waits group.initial.rebalance.delay.ms (extended while new
 * members keep arriving, up to the rebalance timeout); static members
 * (group.instance.id) are replaced by a rejoin with a new member id, the old
 * id being fenced (FENCED_INSTANCE_ID). Offsets: a commit with generation -1
 * and no member ("simple" commit) is allowed only while the group has no
 * members; offsets of empty groups expire after offsets.retention.minutes
 * counted from when the group became empty, those of groups that never had
 * members from the commit time (KIP-211); groups with members never expire.
 *
 * Memory: the coordinator owns every group, member and offset (strings and
 * byte fields are copied in). Pointers returned by lookups stay valid until
 * the next call that changes the state. Waiters (`void *`) are owned by the
 * caller: the coordinator hands each back exactly once, through join_done /
 * sync_done, or forgets it in group_waiter_cancel. Single thread.
 */
#ifndef STRAND_BROKER_GROUP_H
#define STRAND_BROKER_GROUP_H

#include <stdint.h>

#include "wire/buf.h"
#include "wire/protocol.h"

enum group_state {
    GROUP_EMPTY = 0,
    GROUP_PREPARING_REBALANCE = 1,
    GROUP_COMPLETING_REBALANCE = 2,
    GROUP_STABLE = 3,
    GROUP_DEAD = 4,
};

/* Kafka's names: "Empty", "PreparingRebalance", ... */
const char *group_state_name(int state);

/* How long a new member (first JoinGroup) may wait for the rebalance
 * before it is dropped (Kafka's NewMemberJoinTimeoutMs). */
#define GROUP_NEW_MEMBER_JOIN_TIMEOUT_MS 300000

typedef struct group_config {
    int64_t min_session_timeout_ms;     /* group.min.session.timeout.ms, 6000 */
    int64_t max_session_timeout_ms;     /* group.max.session.timeout.ms, 1800000 */
    int64_t initial_rebalance_delay_ms; /* group.initial.rebalance.delay.ms, 3000 */
    int64_t max_size;                   /* group.max.size, INT32_MAX = unbounded */
    int64_t offsets_retention_ms;       /* offsets.retention.minutes * 60000 */
    int64_t offset_metadata_max_bytes;  /* offset.metadata.max.bytes, 4096 */
} group_config;

void group_config_init(group_config *cfg);

typedef struct group_protocol {
    char *name;
    uint8_t *metadata;
    int32_t metadata_len;
} group_protocol;

typedef struct gmember { /* "group_member" is taken by glibc (unistd.h) */
    struct gmember *next;
    char *member_id;
    char *instance_id; /* NULL for a dynamic member */
    char *client_id;
    char *client_host; /* "/127.0.0.1", as Kafka shows it */
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms;
    group_protocol *protocols; /* in the member's order of preference */
    int32_t protocol_count;
    uint8_t *assignment;
    int32_t assignment_len;
    int awaiting_join; /* joined the current rebalance (even if its waiter was cancelled) */
    int awaiting_sync;
    void *join_waiter;
    void *sync_waiter;
    int is_new;
    int64_t joined_ms;
    int64_t last_heartbeat_ms;
} gmember;

typedef struct group_pending_member {
    struct group_pending_member *next;
    char *member_id;
    int64_t deadline_ms;
} group_pending_member;

typedef struct group_offset {
    char *topic;
    int32_t partition;
    int64_t offset;
    int32_t leader_epoch;
    char *metadata;
    int64_t commit_timestamp;
    int64_t expire_timestamp; /* -1: offsets.retention rules */
} group_offset;

typedef struct group {
    struct group *next;
    char *id;
    int state;
    int32_t generation;
    char *protocol_type; /* NULL: never had members ("simple" group) */
    char *protocol;      /* chosen protocol of the generation, NULL when none */
    char *leader;        /* member id of the leader, NULL when none */
    int64_t state_timestamp;
    gmember *members;
    int32_t member_count;
    group_pending_member *pending;
    /* PreparingRebalance: when the join phase ends. */
    int64_t rebalance_deadline_ms;
    int64_t rebalance_started_ms;
    int initial_delay; /* the join phase is the initial delay of an empty group */
    int new_member_added;
    int64_t initial_remaining_ms; /* how far the initial delay may still be extended */
    group_offset *offsets;
    int32_t offset_count;
    int32_t offset_cap;
} group;

/* A record for __consumer_offsets: key and value (value.len -1 = tombstone). */
typedef struct group_record {
    wire_bytes key;
    wire_bytes value;
} group_record;

typedef struct group_join_result {
    int16_t error;
    int32_t generation;    /* -1 on errors */
    const char *protocol;  /* NULL: "" */
    const char *leader;    /* NULL: "" */
    const char *member_id; /* the member's id ("" when unknown) */
    /* Set for the leader only: every member with its metadata for `protocol`. */
    const group *members_of;
} group_join_result;

typedef struct group_ops {
    void *ctx;
    /* A JoinGroup answer for `waiter`. Called once per waiter. */
    void (*join_done)(void *ctx, void *waiter, const group_join_result *res);
    /* A SyncGroup answer: the member's assignment (len 0 when none). */
    void (*sync_done)(void *ctx, void *waiter, int16_t error, const uint8_t *assignment,
                      int32_t len);
    /* Append records to the group's __consumer_offsets partition, as one
     * batch, and return only when they are in the log: KAFKA_NONE or the
     * error to give the client. NULL: nothing is persisted (tests). */
    int16_t (*append)(void *ctx, const char *group_id, const group_record *recs, int32_t n);
} group_ops;

typedef struct group_coord group_coord;

/* NULL on ENOMEM. cfg and ops are copied. */
group_coord *group_coord_new(const group_config *cfg, const group_ops *ops);
/* Frees every group. Waiters still held are NOT handed back: call
 * group_coord_shutdown first if any may remain. */
void group_coord_free(group_coord *c);
/* Answer every waiting JoinGroup/SyncGroup with `error` (broker stop). */
void group_coord_shutdown(group_coord *c, int16_t error);
/* Seed of the member id generator (ids are client_id "-" uuid). */
void group_coord_seed(group_coord *c, uint64_t seed);

/* Earliest deadline (session expiry, rebalance timeout, pending member) or
 * INT64_MAX when nothing waits. */
int64_t group_coord_next_deadline(const group_coord *c);
/* Process every deadline <= now. */
void group_coord_tick(group_coord *c, int64_t now);

group *group_find(group_coord *c, wire_str id);
int group_coord_count(const group_coord *c);
/* Iteration: the first group, then g->next. */
group *group_coord_first(group_coord *c);
gmember *group_member_find(group *g, wire_str member_id);

/* JoinGroup: answers through ops->join_done, now or later. client_host is
 * what DescribeGroups shows ("/127.0.0.1"). */
void group_join(group_coord *c, const proto_join_group_req *r, int16_t version, wire_str client_id,
                const char *client_host, void *waiter, int64_t now);
/* SyncGroup: answers through ops->sync_done, now or later. */
void group_sync(group_coord *c, const proto_sync_group_req *r, void *waiter, int64_t now);
/* The connection of a waiter closed: forget it (no callback). */
void group_waiter_cancel(group_coord *c, void *waiter);
int16_t group_heartbeat(group_coord *c, const proto_heartbeat_req *r, int64_t now);
/* LeaveGroup: members[i].error_code is set for each; returns the
 * group-level error (KAFKA_NONE when the per-member errors apply). */
int16_t group_leave(group_coord *c, wire_str group_id, proto_leave_group_member *members, int32_t n,
                    int64_t now);

/* ---- offsets (group_offsets.c) ---- */

typedef struct group_commit_entry {
    wire_str topic;
    int32_t partition;
    int64_t offset;
    int32_t leader_epoch;
    wire_str metadata;        /* null: "" */
    int64_t expire_timestamp; /* -1, or commit time + retention_time_ms (v2-4) */
    int16_t error;            /* out */
} group_commit_entry;

/* OffsetCommit of entries whose partitions exist (the caller answers the
 * others with UNKNOWN_TOPIC_OR_PARTITION). Checks the member and
 * generation, refuses metadata over offset.metadata.max.bytes per entry,
 * appends the accepted commits as one batch through ops->append and only
 * then stores them. Sets every entry's error. */
void group_commit(group_coord *c, wire_str group_id, int32_t generation, wire_str member_id,
                  wire_str instance_id, group_commit_entry *e, int32_t n, int64_t now);
const group_offset *group_offset_find(const group *g, wire_str topic, int32_t partition);

/* DeleteGroups for one group: KAFKA_NONE, GROUP_ID_NOT_FOUND,
 * NON_EMPTY_GROUP, INVALID_GROUP_ID or the append error. Tombstones for
 * every offset and the group are appended before it is forgotten. */
int16_t group_delete(group_coord *c, wire_str group_id, int64_t now);

/* Expire offsets (offsets.retention rules above), writing tombstones, and
 * forget empty groups left without offsets. Returns the offsets removed;
 * *groups_removed (may be NULL) gets the groups forgotten. */
int32_t group_expire(group_coord *c, int64_t now, int32_t *groups_removed);

/* Loading: replay one record of __consumer_offsets (in offset order; a
 * null value deletes). 0, or -1 when the record is not ours (ignored).
 * group_load_finish then starts the sessions of loaded members at `now`. */
int group_load_record(group_coord *c, wire_bytes key, wire_bytes value);
void group_load_finish(group_coord *c, int64_t now);
/* Cluster mode, where a broker holds only the groups of the
 * __consumer_offsets partitions it leads (`partitions` in all):
 * group_load_finish for the groups of `partition` only, and the unload of
 * a partition whose leadership moved away (its groups' waiting
 * JoinGroup/SyncGroup answered with `error`, then the groups forgotten).
 * group_coord_unload_partition returns how many groups it dropped. */
void group_load_finish_partition(group_coord *c, int32_t partition, int32_t partitions,
                                 int64_t now);
int32_t group_coord_unload_partition(group_coord *c, int32_t partition, int32_t partitions,
                                     int16_t error);
/* Total committed offsets held. */
int64_t group_coord_offset_count(const group_coord *c);

/* Kafka's partition for a group: abs(java String.hashCode(id)) % n, over
 * the UTF-16 code units of the (UTF-8) id. (group_records.c) */
int32_t group_partition_for(wire_str group_id, int32_t n);

#endif
