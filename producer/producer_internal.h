/*
 * producer_internal.h - the producer object shared by the API side
 * (producer.c, any thread) and the sender (sender.c, the I/O thread).
 *
 * Locking: `lock` protects `acc` (the accumulator), `closing` and the
 * per-topic metadata bookkeeping inside accum_topic. The sender holds it only
 * to move batches in and out of the accumulator; compression, encoding and
 * I/O run without it. `cond` is broadcast whenever finished batches join the
 * accumulator's done list (poll and flush wait on it).
 *
 * Loop-only fields (marked [loop]) belong to the I/O thread.
 */
#ifndef STRAND_PRODUCER_INTERNAL_H
#define STRAND_PRODUCER_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include <uv.h>

#include "client/internal.h"
#include "producer/accumulator.h"
#include "strand/producer.h"

/* Idempotence (idempotence.c). */
enum producer_idem_state {
    IDEM_OFF = 0,     /* enable.idempotence off, or brokers without InitProducerId (default) */
    IDEM_WAITING,     /* no producer id yet: InitProducerId out or in backoff; nothing drained */
    IDEM_READY,       /* producer id held: new batches get sequences */
    IDEM_RESETTING,   /* a sequence gap: only resends go until settled, then a new id */
    IDEM_UNSUPPORTED, /* enable.idempotence=true set explicitly, brokers without it: records fail */
};

typedef struct producer_idem {
    int state;            /* enum producer_idem_state [loop, written under lock] */
    int explicit_on;      /* enable.idempotence=true was set by the user */
    int requesting;       /* [loop] an InitProducerId is out */
    int64_t retry_at;     /* [loop] client_now_ms() before which no InitProducerId is sent */
    int32_t backoff_ms;   /* [loop] next retry backoff (doubles up to 10 * retry.backoff.ms) */
    strand_err fail_with; /* [loop] non-retriable InitProducerId error for queued records */
} producer_idem;

struct strand_producer {
    client *core;
    const strand_conf *conf; /* owned by core */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    accum acc;
    int closing;              /* send() refuses; the sender stops draining */
    int loop_ready;           /* handles below are initialised */
    uv_async_t wake;          /* app threads: "a batch is ready / new topic" */
    uv_timer_t timer;         /* [loop] linger, backoff, expiry */
    uint64_t md_seen;         /* [loop] metadata generation applied */
    int64_t md_next;          /* [loop] earliest next refresh we ask for */
    struct verify *verifying; /* [loop] requests whose outcome is being looked up */
    producer_idem idem;
};

/* Loop side (sender.c). */
void sender_setup(client *c, void *p);    /* client_call: create handles */
void sender_teardown(client *c, void *p); /* client_call: close handles */
void sender_kick(client *c, void *p);     /* client_post: run a send cycle now */
/* [any] Ask the sender to run soon (coalesced). Caller need not hold lock. */
void sender_wake(strand_producer *p);
/* [loop] Run a send cycle now. */
void sender_run(strand_producer *p);
/* [loop] Ask for a metadata refresh (at most one per retry.backoff.ms). */
void sender_request_metadata(strand_producer *p, const char *why);
/* May `list` (one partition's batches) be sent again: retries left, not past
 * delivery.timeout.ms, not closing. Caller holds the lock. */
int sender_may_retry(strand_producer *p, accum_batch *list, int64_t now);

/* idempotence.c. idem_configure [any, at creation]: decide from the conf
 * whether idempotence is on (STRAND_ERR_CONFIG with a message naming
 * enable.idempotence and acks for a conflict). idem_cycle [loop, lock held]:
 * advance the state machine; returns the drain mode for this cycle: -1 no
 * drain, 0 normal, 1 resends only. *start_request is set when
 * idem_request_pid should run after the lock is released. */
strand_err idem_configure(strand_producer *p, char *errbuf, size_t errlen);
int idem_cycle(strand_producer *p, int64_t now, int *start_request);
void idem_request_pid(strand_producer *p);
/* The next wakeup the idempotence state needs (INT64_MAX: none). [loop] */
int64_t idem_next_wakeup(const strand_producer *p);

/* verify.c [loop]: settle a partition's batches whose request was written to
 * a connection that failed with `err`; they stay marked in flight until
 * then. verify_teardown ends waiting verifications at close. */
void verify_start(strand_producer *p, accum_batch *list, strand_err err);
void verify_teardown(strand_producer *p);

#endif
