/*
 * replica_wait.c - high watermark waiters (replica_wait.h): what makes the
 * group coordinator's commits "acks=all" in cluster mode. Kept apart from
 * replica_produce.c, whose waits carry a whole Produce response; these
 * carry only a callback. The list is the loop's (one broker per process).
 */
#include "broker/replica_wait.h"

#include <stdlib.h>

#include "broker/broker.h"
#include "broker/replica.h"
#include "broker/topics.h"
#include "wire/kafka.h"

struct replica_wait {
    replica_wait *next;
    broker *b;
    topic_partition *tp;
    int64_t end;
    replica_wait_done done;
    void *arg;
    uv_timer_t timer;
};

static replica_wait *waits;

static void rw_closed(uv_handle_t *h) {
    free(h->data);
}

static void rw_unlink(replica_wait *w) {
    for (replica_wait **pp = &waits; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            return;
        }
}

/* Answer w if it can be answered; 1 when it was. */
static int rw_check(replica_wait *w, int timed_out) {
    const replica_part *rp = w->tp->repl;
    int16_t err;
    if (!rp || !rp->is_leader)
        err = KAFKA_NOT_LEADER_OR_FOLLOWER;
    else if (replica_hw(w->tp) >= w->end)
        err = rp->isr_n < w->b->cfg.min_insync_replicas ? KAFKA_NOT_ENOUGH_REPLICAS_AFTER_APPEND
                                                        : KAFKA_NONE;
    else if (timed_out || w->b->stopping)
        err = KAFKA_REQUEST_TIMED_OUT;
    else
        return 0;
    rw_unlink(w);
    uv_close((uv_handle_t *)&w->timer, rw_closed);
    w->done(w->arg, err);
    return 1;
}

static void rw_timeout(uv_timer_t *t) {
    rw_check(t->data, 1);
}

replica_wait *replica_wait_start(broker *b, topic_partition *tp, int64_t end, int32_t timeout_ms,
                                 replica_wait_done done, void *arg, int *nomem) {
    *nomem = 0;
    const replica_part *rp = tp ? tp->repl : NULL;
    if (!rp || rp->follower_n == 0 || replica_hw(tp) >= end)
        return NULL;
    replica_wait *w = calloc(1, sizeof *w);
    if (!w) {
        *nomem = 1;
        return NULL;
    }
    *w = (replica_wait){waits, b, tp, end, done, arg, {0}};
    uv_timer_init(b->loop, &w->timer);
    w->timer.data = w;
    uv_timer_start(&w->timer, rw_timeout, (uint64_t)(timeout_ms > 0 ? timeout_ms : 1), 0);
    waits = w;
    return w;
}

void replica_wait_cancel(replica_wait *w) {
    if (!w)
        return;
    rw_unlink(w);
    uv_close((uv_handle_t *)&w->timer, rw_closed);
}

static void check_all(int timed_out) {
    /* A callback may start or cancel other waiters: restart the scan after
     * each answer instead of keeping a next pointer. */
    for (int again = 1; again;) {
        again = 0;
        for (replica_wait *w = waits; w; w = w->next)
            if (rw_check(w, timed_out)) {
                again = 1;
                break;
            }
    }
}

void replica_wait_check(void) {
    check_all(0);
}

void replica_wait_fail_all(void) {
    check_all(1);
}
