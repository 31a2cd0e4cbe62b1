/*
 * replica.h - replication in cluster mode: the follower side (one fetcher
 * connection per leader broker; a partition that gets a new leader or
 * leader epoch is first truncated by OffsetForLeaderEpoch, KIP-101/279,
 * then fetched with this broker's replica id, its batches appended exactly
 * as the leader has them) and the leader side (each follower's log end
 * offset from its fetch offsets, the high watermark = smallest log end
 * offset in the ISR, consumers served only below it). High watermarks live
 * in the logs (log_set_high_watermark) and are checkpointed by logdir.
 *
 * State hangs off topic_partition->repl (NULL when standalone or not a
 * replica here), created and updated by replica_apply_view after every new
 * cluster view. Single thread (the loop).
 */
#ifndef STRAND_BROKER_REPLICA_H
#define STRAND_BROKER_REPLICA_H

#include <stdint.h>

#include "broker/cluster.h"
#include "broker/topics.h"

typedef struct broker broker;
typedef struct replication replication;

typedef struct replica_follower {
    int32_t id;
    int64_t leo;          /* -1 until it fetched */
    int64_t caught_up_ms; /* last time its fetch reached our log end */
} replica_follower;

/* Follower: where the partition is in truncation (replica_follower.c). */
enum replica_trunc_state {
    REPLICA_FETCHING = 0,    /* truncation settled: fetched */
    REPLICA_TRUNC_ASK = 1,   /* OffsetForLeaderEpoch to send (not before trunc_retry_ms) */
    REPLICA_TRUNC_ASKED = 2, /* sent, answer awaited */
};

typedef struct replica_part {
    int is_leader;
    int32_t leader_id;
    int32_t leader_epoch;
    int trunc;              /* follower: enum replica_trunc_state */
    int64_t trunc_retry_ms; /* REPLICA_TRUNC_ASK: not before this */
    int32_t trunc_asked;    /* the epoch asked for (REPLICA_TRUNC_ASKED) */
    int isr_n;
    int32_t isr[CLUSTER_RF_MAX];
    int isr_pending; /* an ISR change is being written */
    int64_t isr_pending_ms;
    int32_t state_version; /* of the partition state znode, as last seen */
    int follower_n;
    replica_follower followers[CLUSTER_RF_MAX];
} replica_part;

/* High watermark of a partition: what consumers may read up to (standalone
 * and partitions this broker does not replicate: the log end). */
int64_t replica_hw(const topic_partition *tp);

/* Leader side: follower `id` fetched from `offset` (its log end). */
void replica_follower_fetched(broker *b, topic_partition *tp, int32_t id, int64_t offset,
                              int64_t now);
/* Leader side: records were appended locally (the HW may move when the
 * leader is the whole ISR). */
void replica_appended(topic_partition *tp);

/* Leader: follower `id` has partitions led here that it has not fetched
 * yet in their current leadership (its fetch should not park long). */
int replica_follower_pending(broker *b, int32_t id);
/* Leader: the list every parked follower fetch also watches; woken when a
 * view leaves followers with partitions to add. NULL when not replicating. */
struct delayed_list *replica_follower_waiting(broker *b);
/* Follower fetches with partitions still to add wait at most this long. */
#define REPLICA_PENDING_WAIT_MS 20

/* acks=all (replica_produce.c): when partitions of `out` (all appended
 * already) have followers and their high watermark is below what was
 * appended, take the request over (req->deferred) and answer later.
 * 1 taken over, 0 answer now, -1 out of memory. */
typedef struct broker_request broker_request;
struct proto_produce_resp;
int replica_produce_defer(broker_request *req, const struct proto_produce_resp *out,
                          int32_t timeout_ms);
/* Re-check waiting produces (high watermark or leadership moved). */
void replica_produce_check(void);
/* Topic t is about to be removed: its partitions in waiting produces are
 * answered UNKNOWN_TOPIC_OR_PARTITION (no pointer into t is kept). */
void replica_produce_forget_topic(const topic *t);
/* Answer every waiting produce now (shutdown): REQUEST_TIMED_OUT. */
void replica_produce_fail_all(void);

/* After every new cluster view: become leader or follower of each hosted
 * partition, (re)start the fetchers. */
void replica_apply_view(broker *b);
/* Stop every fetcher (broker shutdown or session loss). */
void replica_stop(broker *b);
void replica_free(broker *b);

#endif
