/*
 * delayed.c - the delayed-operation list behind Fetch long polling.
 *
 * Each op has a libuv timer and one waiter node per watched partition; the
 * node sits in that partition's doubly linked delayed_list, so an append
 * event touches exactly the ops interested in that partition. Ops are also
 * chained in the module's list for shutdown. Completion unlinks every node
 * before the callback runs, which keeps list walks safe when a callback
 * completes other work.
 */
#include "broker/delayed.h"

#include <stdlib.h>

struct delayed_waiter {
    delayed_waiter *prev, *next;
    delayed_list *list;
    delayed_op *op;
};

struct delayed_op {
    uv_timer_t timer; /* first: the close callback frees the op through it */
    delayed *d;
    delayed_op *prev, *next; /* in d->ops */
    delayed_waiter *waiters;
    int nwaiters, capwaiters;
    int64_t need; /* bytes still missing */
    delayed_complete_fn fn;
    void *arg;
    int done;
};

struct delayed {
    uv_loop_t *loop;
    delayed_op *ops;
    int count;
};

int delayed_init(uv_loop_t *loop, delayed **out) {
    delayed *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    d->loop = loop;
    *out = d;
    return 0;
}

void delayed_free(delayed *d) {
    free(d);
}

int delayed_count(const delayed *d) {
    return d->count;
}

static void op_free_cb(uv_handle_t *h) {
    delayed_op *op = (delayed_op *)h;
    free(op->waiters);
    free(op);
}

/* Unlink from every list and from the module, stop and close the timer. */
static void op_detach(delayed_op *op) {
    for (int i = 0; i < op->nwaiters; i++) {
        delayed_waiter *w = &op->waiters[i];
        if (w->prev)
            w->prev->next = w->next;
        else
            w->list->head = w->next;
        if (w->next)
            w->next->prev = w->prev;
    }
    op->nwaiters = 0;
    if (op->prev)
        op->prev->next = op->next;
    else
        op->d->ops = op->next;
    if (op->next)
        op->next->prev = op->prev;
    op->d->count--;
    op->done = 1;
    uv_timer_stop(&op->timer);
}

static void op_complete(delayed_op *op, int reason) {
    if (op->done)
        return;
    op_detach(op);
    op->fn(op, op->arg, reason);
    uv_close((uv_handle_t *)&op->timer, op_free_cb);
}

static void op_timer_cb(uv_timer_t *t) {
    op_complete((delayed_op *)t, DELAYED_BY_TIMEOUT);
}

delayed_op *delayed_op_start(delayed *d, int64_t timeout_ms, int64_t need, delayed_complete_fn fn,
                             void *arg) {
    delayed_op *op = calloc(1, sizeof *op);
    if (!op)
        return NULL;
    uv_timer_init(d->loop, &op->timer);
    op->d = d;
    op->need = need;
    op->fn = fn;
    op->arg = arg;
    op->next = d->ops;
    if (d->ops)
        d->ops->prev = op;
    d->ops = op;
    d->count++;
    uv_timer_start(&op->timer, op_timer_cb, timeout_ms > 0 ? (uint64_t)timeout_ms : 0, 0);
    return op;
}

int delayed_op_watch(delayed_op *op, delayed_list *l) {
    for (int i = 0; i < op->nwaiters; i++)
        if (op->waiters[i].list == l)
            return 0;
    if (op->nwaiters == op->capwaiters) {
        /* Nodes are linked by address: relink after growing. */
        int cap = op->capwaiters ? op->capwaiters * 2 : 4;
        delayed_waiter *nw = malloc((size_t)cap * sizeof *nw);
        if (!nw)
            return -1;
        for (int i = 0; i < op->nwaiters; i++) {
            nw[i] = op->waiters[i];
            if (nw[i].prev)
                nw[i].prev->next = &nw[i];
            else
                nw[i].list->head = &nw[i];
            if (nw[i].next)
                nw[i].next->prev = &nw[i];
        }
        free(op->waiters);
        op->waiters = nw;
        op->capwaiters = cap;
    }
    delayed_waiter *w = &op->waiters[op->nwaiters++];
    w->op = op;
    w->list = l;
    w->prev = NULL;
    w->next = l->head;
    if (l->head)
        l->head->prev = w;
    l->head = w;
    return 0;
}

void delayed_op_cancel(delayed_op *op) {
    if (op->done)
        return;
    op_detach(op);
    uv_close((uv_handle_t *)&op->timer, op_free_cb);
}

void delayed_notify(delayed_list *l, int64_t bytes) {
    delayed_waiter *w = l->head;
    while (w) {
        delayed_waiter *next = w->next;
        delayed_op *op = w->op;
        op->need -= bytes;
        if (op->need <= 0) {
            /* Completing unlinks op's node (w), never `next`: one node per list per op. */
            op_complete(op, DELAYED_BY_DATA);
        }
        w = next;
    }
}

void delayed_list_complete_all(delayed_list *l) {
    while (l->head)
        op_complete(l->head->op, DELAYED_BY_FORCE);
}

void delayed_complete_all(delayed *d) {
    while (d->ops)
        op_complete(d->ops, DELAYED_BY_FORCE);
}
