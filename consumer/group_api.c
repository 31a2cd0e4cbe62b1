/*
 * group_api.c - the application side of consumer groups: subscribe,
 * unsubscribe, commit, committed, and the group events that
 * strand_consumer_poll handles before returning messages (rebalance and
 * commit callbacks, revocation acknowledgements, rejoining after
 * max.poll.interval.ms). Callbacks therefore always run on the thread that
 * polls, never on the I/O thread (see group.h for the two sides).
 *
 * Revocation follows the eager protocol of the Java client and librdkafka:
 * with enable.auto.commit the positions of the revoked partitions are
 * committed (synchronously, still in the old generation), then the
 * callback runs (or the library unassigns), and only then is the loop told
 * to send JoinGroup.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "consumer/consumer_int.h"
#include "consumer/group.h"

/* ------------------------------------------------------------------------ */
/* Ops */

strand_err consumer_group_run_op(strand_consumer *c, consumer_gop *op) {
    op->g = c->group;
    int async = op->async;
    int keep = op->keep;
    strand_err err = client_post(c->core, consumer_group_post_op, op);
    if (err != STRAND_OK) {
        consumer_gop_free(op);
        return err;
    }
    if (async)
        return STRAND_OK;
    pthread_mutex_lock(&c->lock);
    op->posted = 1;
    while (!op->done)
        pthread_cond_wait(&c->ready, &c->lock);
    pthread_mutex_unlock(&c->lock);
    err = op->err;
    if (!keep)
        consumer_gop_free(op);
    return err;
}

static consumer_gop *op_new(strand_consumer *c, int kind) {
    consumer_gop *op = calloc(1, sizeof *op);
    if (op) {
        op->g = c->group;
        op->kind = kind;
        op->deadline_ms = client_now_ms() + c->conf->request_timeout_ms;
    }
    return op;
}

/* Positions (>= 0) of the assigned partitions, or of those in `only`. */
static int positions(strand_consumer *c, const consumer_tplist *only, consumer_tplist *out) {
    int rc = 0;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->pset.count && rc == 0; i++) {
        const consumer_part *p = c->pset.parts[i];
        if (p->position < 0 || (only && consumer_tplist_find(only, p->topic, p->partition) < 0))
            continue;
        rc = consumer_tplist_add(out, p->topic, p->partition, p->position);
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

/* Synchronous commit of the positions (of `only`, or all assigned). */
static strand_err commit_positions(strand_consumer *c, const consumer_tplist *only) {
    consumer_gop *op = op_new(c, CONSUMER_GOP_COMMIT);
    if (!op)
        return STRAND_ERR_NOMEM;
    if (positions(c, only, &op->parts) != 0) {
        consumer_gop_free(op);
        return STRAND_ERR_NOMEM;
    }
    if (op->parts.n == 0) {
        consumer_gop_free(op);
        return STRAND_OK;
    }
    return consumer_group_run_op(c, op);
}

strand_err strand_consumer_commit(strand_consumer *c, const strand_topic_partition *offsets,
                                  size_t n, int async) {
    if (!c || (n && !offsets))
        return STRAND_ERR_INVALID_ARG;
    if (!c->group)
        return STRAND_ERR_STATE;
    consumer_gop *op = op_new(c, CONSUMER_GOP_COMMIT);
    if (!op)
        return STRAND_ERR_NOMEM;
    op->async = async != 0;
    for (size_t i = 0; i < n; i++) {
        if (!offsets[i].topic || !*offsets[i].topic || offsets[i].partition < 0 ||
            offsets[i].offset < 0) {
            consumer_gop_free(op);
            return STRAND_ERR_INVALID_ARG;
        }
        if (consumer_tplist_add(&op->parts, offsets[i].topic, offsets[i].partition,
                                offsets[i].offset) != 0) {
            consumer_gop_free(op);
            return STRAND_ERR_NOMEM;
        }
    }
    if (!offsets && positions(c, NULL, &op->parts) != 0) {
        consumer_gop_free(op);
        return STRAND_ERR_NOMEM;
    }
    if (op->parts.n == 0) {
        consumer_gop_free(op);
        return STRAND_OK; /* nothing consumed yet: nothing to commit */
    }
    return consumer_group_run_op(c, op);
}

strand_err strand_consumer_committed(strand_consumer *c, strand_topic_partition *list, size_t n,
                                     int timeout_ms) {
    if (!c || (n && !list))
        return STRAND_ERR_INVALID_ARG;
    if (!c->group)
        return STRAND_ERR_STATE;
    consumer_gop *op = op_new(c, CONSUMER_GOP_FETCH);
    if (!op)
        return STRAND_ERR_NOMEM;
    if (timeout_ms >= 0)
        op->deadline_ms = client_now_ms() + timeout_ms;
    for (size_t i = 0; i < n; i++) {
        if (!list[i].topic || !*list[i].topic || list[i].partition < 0) {
            consumer_gop_free(op);
            return STRAND_ERR_INVALID_ARG;
        }
        if (consumer_tplist_add(&op->parts, list[i].topic, list[i].partition,
                                STRAND_OFFSET_INVALID) != 0) {
            consumer_gop_free(op);
            return STRAND_ERR_NOMEM;
        }
    }
    if (n == 0) {
        consumer_gop_free(op);
        return STRAND_OK;
    }
    op->keep = 1; /* the results are read below */
    strand_err err = consumer_group_run_op(c, op);
    if (!op->posted) /* freed already */
        return err;
    for (size_t i = 0; i < n; i++)
        list[i].offset = err ? STRAND_OFFSET_INVALID : op->parts.v[i].offset;
    consumer_gop_free(op);
    return err;
}

/* ------------------------------------------------------------------------ */
/* Subscription */

strand_err strand_consumer_subscribe(strand_consumer *c, const char *const *topics, size_t n) {
    if (!c || (n && !topics))
        return STRAND_ERR_INVALID_ARG;
    if (n == 0)
        return strand_consumer_unsubscribe(c);
    for (size_t i = 0; i < n; i++) {
        if (!topics[i] || !*topics[i])
            return STRAND_ERR_INVALID_ARG;
        if (topics[i][0] == '^') {
            regex_t re;
            if (regcomp(&re, topics[i], REG_EXTENDED | REG_NOSUB) != 0)
                return STRAND_ERR_INVALID_ARG;
            regfree(&re);
        }
    }
    if (!c->group)
        return STRAND_ERR_STATE; /* no group.id */
    consumer_gsub *s = calloc(1, sizeof *s);
    char **copy = calloc(n, sizeof *copy);
    int ok = s && copy;
    for (size_t i = 0; ok && i < n; i++)
        ok = (copy[i] = strdup(topics[i])) != NULL;
    if (!ok) {
        for (size_t i = 0; copy && i < n; i++)
            free(copy[i]);
        free(copy);
        free(s);
        return STRAND_ERR_NOMEM;
    }
    s->g = c->group;
    s->topics = copy;
    s->n = n;
    strand_err err = STRAND_OK;
    pthread_mutex_lock(&c->lock);
    if (c->closing)
        err = STRAND_ERR_CLOSED;
    else if (!c->subscribed && c->pset.count > 0)
        err = STRAND_ERR_STATE; /* a manual assignment is active */
    else
        c->subscribed = 1;
    pthread_mutex_unlock(&c->lock);
    if (!err)
        err = client_post(c->core, consumer_group_post_subscription, s);
    if (err) {
        for (size_t i = 0; i < n; i++)
            free(copy[i]);
        free(copy);
        free(s);
    }
    return err;
}

/* Give up the assignment as a revocation: auto-commit, callback or
 * unassign. */
static void revoke_now(strand_consumer *c, const consumer_tplist *parts, int lost) {
    if (!lost && c->conf->enable_auto_commit) {
        strand_err err = commit_positions(c, parts);
        if (err)
            client_log(c->core, STRAND_LOG_WARNING,
                       "group %s: commit of revoked partitions failed: %s", c->conf->group_id,
                       strand_err_str(err));
    }
    pthread_mutex_lock(&c->lock);
    c->rebalancing = 1;
    c->cb_applied = 0;
    pthread_mutex_unlock(&c->lock);
    if (c->conf->rebalance_cb)
        c->conf->rebalance_cb(c, STRAND_REBALANCE_REVOKE, parts->v, parts->n,
                              c->conf->rebalance_opaque);
    pthread_mutex_lock(&c->lock);
    int applied = c->cb_applied;
    c->rebalancing = 0;
    pthread_mutex_unlock(&c->lock);
    if (!applied)
        consumer_assign_apply(c, NULL, 0);
}

/* The current assignment as a list. */
static int assignment(strand_consumer *c, consumer_tplist *out) {
    int rc = 0;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->pset.count && rc == 0; i++)
        rc = consumer_tplist_add(out, c->pset.parts[i]->topic, c->pset.parts[i]->partition,
                                 c->pset.parts[i]->position);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

/* Drop undelivered group events (unsubscribe, close). */
static void drop_events(strand_consumer *c) {
    pthread_mutex_lock(&c->lock);
    consumer_gevent *ev = c->gev_head;
    c->gev_head = c->gev_tail = NULL;
    pthread_mutex_unlock(&c->lock);
    while (ev) {
        consumer_gevent *next = ev->next;
        consumer_gevent_free(ev);
        ev = next;
    }
}

static strand_err leave(strand_consumer *c) {
    consumer_gop *op = op_new(c, CONSUMER_GOP_LEAVE);
    if (!op)
        return STRAND_ERR_NOMEM;
    return consumer_group_run_op(c, op);
}

strand_err strand_consumer_unsubscribe(strand_consumer *c) {
    if (!c)
        return STRAND_ERR_INVALID_ARG;
    pthread_mutex_lock(&c->lock);
    int sub = c->subscribed;
    pthread_mutex_unlock(&c->lock);
    if (!sub || !c->group)
        return STRAND_OK;
    drop_events(c);
    consumer_tplist cur = {0};
    if (assignment(c, &cur) == 0 && cur.n)
        revoke_now(c, &cur, 0);
    else
        consumer_assign_apply(c, NULL, 0);
    consumer_tplist_free(&cur);
    strand_err err = leave(c);
    pthread_mutex_lock(&c->lock);
    c->subscribed = 0;
    pthread_mutex_unlock(&c->lock);
    return err;
}

/* ------------------------------------------------------------------------ */
/* Events */

typedef struct revoke_ack {
    consumer_group *g;
    uint64_t epoch;
} revoke_ack;

static void post_revoke_ack(client *core, void *arg) {
    revoke_ack *a = arg;
    (void)core;
    consumer_group_revoke_done(a->g, a->epoch);
    free(a);
}

static void post_step(client *core, void *arg) {
    (void)core;
    consumer_group_step(arg);
}

static void handle(strand_consumer *c, consumer_gevent *ev) {
    if (ev->kind == CONSUMER_GEV_COMMIT) {
        if (c->conf->offset_commit_cb)
            c->conf->offset_commit_cb(c, ev->err, ev->parts.v, ev->parts.n,
                                      c->conf->offset_commit_opaque);
        return;
    }
    if (ev->kind == CONSUMER_GEV_REVOKE) {
        revoke_now(c, &ev->parts, ev->lost);
        revoke_ack *a = malloc(sizeof *a);
        if (a) {
            a->g = c->group;
            a->epoch = ev->epoch;
            if (client_post(c->core, post_revoke_ack, a) != STRAND_OK)
                free(a);
        }
        return;
    }
    /* ASSIGN */
    pthread_mutex_lock(&c->lock);
    int still = c->subscribed;
    c->rebalancing = 1;
    c->cb_applied = 0;
    pthread_mutex_unlock(&c->lock);
    if (still && c->conf->rebalance_cb)
        c->conf->rebalance_cb(c, STRAND_REBALANCE_ASSIGN, ev->parts.v, ev->parts.n,
                              c->conf->rebalance_opaque);
    pthread_mutex_lock(&c->lock);
    int applied = c->cb_applied;
    c->rebalancing = 0;
    pthread_mutex_unlock(&c->lock);
    if (still && !applied)
        consumer_assign_apply(c, ev->parts.v, ev->parts.n);
}

void consumer_group_service(strand_consumer *c) {
    pthread_mutex_lock(&c->lock);
    c->in_poll = 1;
    c->last_poll_ms = client_now_ms();
    consumer_gevent *ev = c->gev_head;
    c->gev_head = c->gev_tail = NULL;
    int resume = c->group_left;
    if (resume) {
        c->group_left = 0;
        c->group_resume = 1;
    }
    pthread_mutex_unlock(&c->lock);
    while (ev) {
        consumer_gevent *next = ev->next;
        handle(c, ev);
        consumer_gevent_free(ev);
        ev = next;
    }
    if (resume)
        client_post(c->core, post_step, c->group);
}

void consumer_group_close(strand_consumer *c) {
    if (!c->group)
        return;
    pthread_mutex_lock(&c->lock);
    int sub = c->subscribed;
    pthread_mutex_unlock(&c->lock);
    drop_events(c);
    consumer_tplist cur = {0};
    if (sub) {
        if (assignment(c, &cur) == 0 && cur.n)
            revoke_now(c, &cur, 0);
        leave(c);
    } else if (c->conf->enable_auto_commit) {
        commit_positions(c, NULL);
    }
    consumer_tplist_free(&cur);
}
