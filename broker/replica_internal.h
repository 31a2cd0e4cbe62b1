/*
 * replica_internal.h - shared by replica.c (partition states, the leader
 * side, the high watermark) and replica_follower.c (the fetchers). Not for
 * other modules: they use replica.h. Single thread (the loop).
 */
#ifndef STRAND_BROKER_REPLICA_INTERNAL_H
#define STRAND_BROKER_REPLICA_INTERNAL_H

#include <stdint.h>
#include <uv.h>

#include "broker/delayed.h"
#include "broker/replica.h"

typedef struct fetcher fetcher;

/* Leader: how many partitions led here follower `id` has not fetched yet
 * in the current leadership (its replica_follower.leo is still -1). */
typedef struct follower_pending {
    int32_t id;
    int count;
} follower_pending;

struct replication {
    broker *b;
    fetcher *fetchers;       /* replica_follower.c */
    uint64_t hw_saved_moves; /* high watermark moves covered by the last checkpoint */
    int64_t hw_saved_ms;     /* last replication-offset-checkpoint write */
    uv_timer_t isr_timer;    /* ISR shrink/expand checks and the HW checkpoint */
    int timer_on;
    int stopping;
    /* Leader side: parked follower fetches (h_fetch watches this list too),
     * and per follower the partitions it still has to start fetching. */
    delayed_list follower_waiting;
    follower_pending *pending;
    int pending_n, pending_cap;
};

/* replica.c: raise the partition's high watermark (kept in its log,
 * log_set_high_watermark) to hw when that is above it. */
void replica_raise_hw(topic_partition *tp, int64_t hw);

/* replica_follower.c: after the partition states of a view were applied:
 * one fetcher per leader this broker follows partitions of (created,
 * connected, woken up), the others closed. */
void replica_fetchers_update(replication *r);
/* Close every fetcher (shutdown); their memory goes with the handles. */
void replica_fetchers_stop(replication *r);

#endif
