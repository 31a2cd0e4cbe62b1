/*
 * consumer_int.h - the consumer object shared by its application-side API
 * (consumer.c) and its I/O-thread side (fetcher.c). Internal to libstrand.
 *
 * Locking: `lock` guards the assignment (pset), the event queue, `mode`,
 * `kick_pending` and `closing`; `ready` is signalled whenever an item is
 * queued or the consumer closes. The I/O thread takes the lock only to read
 * what to fetch and to queue what arrived; parsing and decompression run
 * outside it. Fields marked [loop] are touched only on the I/O thread.
 */
#ifndef STRAND_CONSUMER_INT_H
#define STRAND_CONSUMER_INT_H

#include <pthread.h>
#include <stdint.h>

#include <uv.h>

#include "client/internal.h"
#include "consumer/group.h"
#include "consumer/partition.h"
#include "strand/consumer.h"

enum consumer_mode {
    CONSUMER_MODE_UNSET = 0,    /* neither poll nor poll_batches called yet */
    CONSUMER_MODE_MESSAGES = 1, /* poll: records are parsed into messages */
    CONSUMER_MODE_BATCHES = 2,  /* poll_batches: raw batch ranges */
};

struct strand_consumer {
    client *core;
    const strand_conf *conf; /* owned by core, read-only */

    pthread_mutex_t lock;
    pthread_cond_t ready;
    consumer_pset pset;     /* [lock] the assignment */
    consumer_pool *pool;    /* message blocks (thread-safe by itself) */
    consumer_item *ev_head; /* [lock] consumer-wide events */
    consumer_item *ev_tail;
    int mode;           /* [lock] enum consumer_mode */
    int kick_pending;   /* [lock] a schedule pass is posted */
    int assign_changed; /* [lock] topics to (re)announce to metadata */
    int closing;        /* [lock] */

    /* consumer groups (group.h); group is NULL without group.id */
    consumer_group *group;
    consumer_gevent *gev_head; /* [lock] events for the application thread */
    consumer_gevent *gev_tail;
    int subscribed;       /* [lock] subscribe() active: manual assign refused */
    int rebalancing;      /* [lock] a rebalance event is being applied */
    int cb_applied;       /* [lock] the rebalance callback called assign/unassign */
    int in_poll;          /* [lock] a thread is inside poll */
    int64_t last_poll_ms; /* [lock] when poll was last entered or left */
    int group_left;       /* [lock] left for max.poll.interval.ms (loop -> app) */
    int group_resume;     /* [lock] the application polled again (app -> loop) */

    char **wanted;     /* [loop] topics announced to the metadata cache */
    size_t nwanted;    /* [loop] */
    uv_timer_t timer;  /* [loop] wakes the scheduler for backoffs */
    int timer_open;    /* [loop] */
    int64_t timer_due; /* [loop] 0 when not armed */
};

/* [any, lock NOT held] Make the I/O thread run a schedule pass soon
 * (coalesced). */
void consumer_kick(strand_consumer *c);

/* [loop] Create/close the consumer's loop handles. */
void consumer_fetcher_setup(client *core, void *arg);
void consumer_fetcher_teardown(client *core, void *arg);

/* [loop] One scheduling pass: announce topics, send ListOffsets for
 * partitions waiting for a start offset and Fetch requests for fetchable
 * partitions (one per leader), arm the backoff timer. */
void consumer_fetcher_schedule(client *core, void *arg);

/* [lock held] Queue a consumer-wide event and wake pollers. */
void consumer_event_push(strand_consumer *c, consumer_item *it);

/* Map an assign/seek position to a start (STRAND_OFFSET_INVALID follows
 * auto.offset.reset; with "none" it maps to END and *no_offset is set). */
consumer_start consumer_start_of(const strand_consumer *c, const strand_topic_partition *tp,
                                 int *no_offset);

/* [app] strand_consumer_assign without the subscription check. */
strand_err consumer_assign_apply(strand_consumer *c, const strand_topic_partition *list, size_t n);

#endif
