/*
 * delayed.h - operations that wait for data: the long-polling Fetch.
 *
 * A delayed operation watches one or more partitions (each partition owns a
 * delayed_list) and has a deadline. It completes exactly once, through its
 * callback, on the first of:
 *   - an append EVENT on a watched partition that brings the bytes it has
 *     seen to min_bytes (delayed_notify, called by the Produce path),
 *   - its timer (max_wait_ms),
 *   - delayed_list_complete_all (the partition is being deleted),
 *   - delayed_complete_all (broker shutdown).
 * There is no polling loop. delayed_op_cancel drops an operation without
 * calling its callback (its connection closed).
 *
 * Memory: the delayed module owns each op; the callback's `arg` stays owned
 * by the caller, who frees it in the complete callback or after cancel.
 * An op is freed after its callback returns (or by cancel). Single thread.
 */
#ifndef STRAND_BROKER_DELAYED_H
#define STRAND_BROKER_DELAYED_H

#include <stdint.h>
#include <uv.h>

typedef struct delayed delayed;
typedef struct delayed_op delayed_op;
typedef struct delayed_waiter delayed_waiter;

/* Per-partition list of waiting ops; zero-initialise it. */
typedef struct delayed_list {
    delayed_waiter *head;
} delayed_list;

enum delayed_reason {
    DELAYED_BY_DATA = 0,    /* min_bytes reached */
    DELAYED_BY_TIMEOUT = 1, /* max wait elapsed */
    DELAYED_BY_FORCE = 2,   /* partition deleted or shutdown */
};

typedef void (*delayed_complete_fn)(delayed_op *op, void *arg, int reason);

int delayed_init(uv_loop_t *loop, delayed **out);
/* All ops must be completed or cancelled first. */
void delayed_free(delayed *d);

/* Create an op that waits up to timeout_ms for `need` more bytes. It
 * watches nothing until delayed_op_watch is called. NULL on ENOMEM. */
delayed_op *delayed_op_start(delayed *d, int64_t timeout_ms, int64_t need, delayed_complete_fn fn,
                             void *arg);
/* Watch a partition's list (a list already watched is ignored). 0 or -1. */
int delayed_op_watch(delayed_op *op, delayed_list *l);
/* Drop without calling back. */
void delayed_op_cancel(delayed_op *op);

/* `bytes` were appended to the partition owning `l`. */
void delayed_notify(delayed_list *l, int64_t bytes);
/* Complete every op watching `l` now (DELAYED_BY_FORCE). */
void delayed_list_complete_all(delayed_list *l);
/* Complete every op now (DELAYED_BY_FORCE). */
void delayed_complete_all(delayed *d);
/* Number of ops waiting. */
int delayed_count(const delayed *d);

#endif
