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

/* Map an assign/seek position to a start. */
consumer_start consumer_start_of(const strand_topic_partition *tp);

#endif
