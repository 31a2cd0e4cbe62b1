/*
 * consumer.c - the public consumer API: create, assign, poll, seek,
 * position, pause/resume, raw batches, close.
 *
 * The application side never does I/O. It changes the assignment or a
 * partition's position under the consumer lock, then kicks the I/O thread
 * (fetcher.c) to act on it; poll pops the next ready item and waits on a
 * condition variable when there is none. Freeing budget wakes the fetcher
 * only when it crosses from "full" to "room left", so a busy poll loop does
 * not flood the loop with wake-ups.
 *
 * Parsing mode: records are parsed into messages for poll, or kept as whole
 * batches for poll_batches. The first of the two calls fixes the mode; if it
 * is poll_batches, data prefetched as messages before that call (nothing of
 * it delivered yet) is dropped and fetched again as batches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consumer/consumer_int.h"

consumer_start consumer_start_of(const strand_consumer *c, const strand_topic_partition *tp,
                                 int *no_offset) {
    consumer_start s = {tp->offset, 0};
    if (tp->offset == STRAND_OFFSET_TIMESTAMP) {
        s.value = tp->timestamp;
        s.is_timestamp = 1;
    } else if (tp->offset == STRAND_OFFSET_INVALID) {
        s.value = c->conf->auto_offset_reset == CLIENT_OFFSET_RESET_EARLIEST
                      ? STRAND_OFFSET_BEGINNING
                      : STRAND_OFFSET_END;
        if (no_offset && c->conf->auto_offset_reset == CLIENT_OFFSET_RESET_NONE)
            *no_offset = 1;
    }
    return s;
}

static int offset_valid(const strand_topic_partition *tp, int allow_invalid) {
    if (tp->offset >= 0 || tp->offset == STRAND_OFFSET_BEGINNING || tp->offset == STRAND_OFFSET_END)
        return 1;
    if (allow_invalid && tp->offset == STRAND_OFFSET_INVALID)
        return 1;
    return tp->offset == STRAND_OFFSET_TIMESTAMP && tp->timestamp >= 0;
}

void consumer_event_push(strand_consumer *c, consumer_item *it) {
    it->next = NULL;
    if (c->ev_tail)
        c->ev_tail->next = it;
    else
        c->ev_head = it;
    c->ev_tail = it;
    pthread_cond_broadcast(&c->ready);
}

void consumer_kick(strand_consumer *c) {
    pthread_mutex_lock(&c->lock);
    int post = !c->kick_pending && !c->closing;
    if (post)
        c->kick_pending = 1;
    pthread_mutex_unlock(&c->lock);
    if (post && client_post(c->core, consumer_fetcher_schedule, c) != STRAND_OK) {
        pthread_mutex_lock(&c->lock);
        c->kick_pending = 0;
        pthread_mutex_unlock(&c->lock);
    }
}

strand_consumer *strand_consumer_new(strand_conf *conf, char *errbuf, size_t errlen) {
    strand_consumer *c = calloc(1, sizeof *c);
    if (!c) {
        strand_conf_free(conf);
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }
    c->core = client_new(conf, CLIENT_ROLE_CONSUMER, errbuf, errlen);
    if (!c->core) {
        free(c);
        return NULL;
    }
    c->conf = client_conf(c->core);
    c->last_poll_ms = client_now_ms();
    if (c->conf->group_id[0] && !(c->group = consumer_group_new(c))) {
        client_destroy(c->core);
        free(c);
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }
    int64_t budget = c->conf->queued_max_bytes;
    consumer_pset_init(&c->pset, budget > 0 ? (size_t)budget : 1,
                       c->conf->max_partition_fetch_bytes);
    /* Keep up to the budget of freed blocks and buffers for reuse: a fetch
     * answer is parsed into tens of MiB at once, and fresh memory costs a
     * page fault per 4 KiB. */
    size_t cache = budget > 0 ? (size_t)budget : 0;
    c->pool = consumer_pool_new(cache);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->ready, &ca);
    pthread_condattr_destroy(&ca);
    if (client_call(c->core, consumer_fetcher_setup, c) != STRAND_OK) {
        client_destroy(c->core);
        consumer_group_free(c->group);
        consumer_pool_release(c->pool);
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->ready);
        free(c);
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "consumer: could not start the I/O thread");
        return NULL;
    }
    return c;
}

strand_err strand_consumer_assign(strand_consumer *c, const strand_topic_partition *list,
                                  size_t n) {
    if (!c || (n && !list))
        return STRAND_ERR_INVALID_ARG;
    pthread_mutex_lock(&c->lock);
    int refused = c->subscribed && !c->rebalancing;
    if (c->rebalancing)
        c->cb_applied = 1;
    pthread_mutex_unlock(&c->lock);
    if (refused)
        return STRAND_ERR_STATE;
    return consumer_assign_apply(c, list, n);
}

strand_err consumer_assign_apply(strand_consumer *c, const strand_topic_partition *list, size_t n) {
    if (!c || (n && !list))
        return STRAND_ERR_INVALID_ARG;
    for (size_t i = 0; i < n; i++) {
        if (!list[i].topic || !*list[i].topic || list[i].partition < 0 ||
            !offset_valid(&list[i], 1))
            return STRAND_ERR_INVALID_ARG;
        for (size_t j = 0; j < i; j++)
            if (list[j].partition == list[i].partition && strcmp(list[j].topic, list[i].topic) == 0)
                return STRAND_ERR_INVALID_ARG;
    }
    consumer_assign_entry *e = n ? calloc(n, sizeof *e) : NULL;
    char *no_offset = n ? calloc(n, 1) : NULL;
    if (n && (!e || !no_offset)) {
        free(e);
        free(no_offset);
        return STRAND_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        int none = 0;
        e[i].topic = list[i].topic;
        e[i].partition = list[i].partition;
        e[i].start = consumer_start_of(c, &list[i], &none);
        no_offset[i] = (char)none;
    }
    consumer_parse_result dropped = {0};
    pthread_mutex_lock(&c->lock);
    strand_err err = STRAND_OK;
    if (c->closing) {
        err = STRAND_ERR_CLOSED;
    } else if (consumer_pset_assign(&c->pset, e, n, &dropped) != 0) {
        err = STRAND_ERR_NOMEM;
    } else {
        c->assign_changed = 1;
        int64_t now = client_now_ms();
        for (size_t i = 0; i < c->pset.count; i++)
            c->pset.parts[i]->assigned_ms = now;
        /* No committed offset and auto.offset.reset=none: say so and wait
         * for a seek, as for an out-of-range position. */
        for (size_t i = 0; i < n; i++) {
            consumer_part *p =
                no_offset[i] ? consumer_pset_find(&c->pset, e[i].topic, e[i].partition) : NULL;
            consumer_item *it =
                p ? consumer_error_new(p->topic, p->partition, STRAND_OFFSET_INVALID,
                                       STRAND_ERR_OFFSET_OUT_OF_RANGE)
                  : NULL;
            if (it)
                consumer_part_push_error(&c->pset, p, it, 1);
        }
        pthread_cond_broadcast(&c->ready);
    }
    pthread_mutex_unlock(&c->lock);
    free(e);
    free(no_offset);
    consumer_parse_result_free(&dropped);
    if (!err)
        consumer_kick(c);
    return err;
}

strand_err strand_consumer_unassign(strand_consumer *c) {
    return strand_consumer_assign(c, NULL, 0);
}

/* [lock held] Fix the mode on first use; poll_batches first re-fetches what
 * was prefetched as messages. Returns 0, or -1 if the other mode is set. */
static int mode_claim(strand_consumer *c, int want, consumer_parse_result *dropped, int *kick) {
    if (c->mode == want)
        return 0;
    if (c->mode != CONSUMER_MODE_UNSET)
        return -1;
    c->mode = want;
    if (want == CONSUMER_MODE_BATCHES) {
        for (size_t i = 0; i < c->pset.count; i++) {
            consumer_part *p = c->pset.parts[i];
            if (p->state != CONSUMER_PART_ACTIVE || p->position < 0)
                continue;
            consumer_start s = {p->position, 0};
            consumer_part_seek(&c->pset, p, s, dropped);
            *kick = 1;
        }
    }
    return 0;
}

static void deadline_at(struct timespec *ts, int timeout_ms) {
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += timeout_ms / 1000;
    ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Pop the next item (events first), waiting up to timeout_ms. */
static consumer_item *poll_item(strand_consumer *c, int timeout_ms, int mode) {
    consumer_parse_result dropped = {0};
    int kick = 0;
    consumer_item *it = NULL;
    struct timespec deadline;
    if (timeout_ms > 0)
        deadline_at(&deadline, timeout_ms);
    pthread_mutex_lock(&c->lock);
    if (mode_claim(c, mode, &dropped, &kick) != 0) {
        pthread_mutex_unlock(&c->lock);
        it = consumer_error_new("", -1, -1, STRAND_ERR_STATE);
        return it;
    }
    for (;;) {
        if (c->ev_head) {
            it = c->ev_head;
            c->ev_head = it->next;
            if (!c->ev_head)
                c->ev_tail = NULL;
            it->next = NULL;
            break;
        }
        int had_room = consumer_pset_has_room(&c->pset);
        it = consumer_pset_pop(&c->pset);
        if (it) {
            if (!had_room && consumer_pset_has_room(&c->pset))
                kick = 1;
            break;
        }
        if (c->closing || timeout_ms == 0 || c->gev_head)
            break; /* group events are handled by the caller, unlocked */
        int rc = timeout_ms < 0 ? pthread_cond_wait(&c->ready, &c->lock)
                                : pthread_cond_timedwait(&c->ready, &c->lock, &deadline);
        if (rc == ETIMEDOUT)
            timeout_ms = 0; /* one last look, then give up */
    }
    pthread_mutex_unlock(&c->lock);
    consumer_parse_result_free(&dropped);
    if (kick)
        consumer_kick(c);
    return it;
}

/* poll_item with the consumer group's events handled first: rebalance and
 * commit callbacks run here, on the polling thread, and waiting resumes
 * afterwards until the deadline. */
static consumer_item *poll_next(strand_consumer *c, int timeout_ms, int mode) {
    if (!c->group)
        return poll_item(c, timeout_ms, mode);
    int64_t deadline = timeout_ms > 0 ? client_now_ms() + timeout_ms : 0;
    consumer_item *it = NULL;
    for (;;) {
        consumer_group_service(c);
        int left = timeout_ms;
        if (timeout_ms > 0) {
            int64_t rest = deadline - client_now_ms();
            left = rest > 0 ? (int)rest : 0;
        }
        it = poll_item(c, left, mode);
        if (it || left == 0)
            break;
        pthread_mutex_lock(&c->lock);
        int again = c->gev_head != NULL && !c->closing;
        pthread_mutex_unlock(&c->lock);
        if (!again)
            break;
    }
    pthread_mutex_lock(&c->lock);
    c->in_poll = 0;
    c->last_poll_ms = client_now_ms();
    pthread_mutex_unlock(&c->lock);
    return it;
}

strand_message *strand_consumer_poll(strand_consumer *c, int timeout_ms) {
    if (!c)
        return NULL;
    consumer_item *it = poll_next(c, timeout_ms, CONSUMER_MODE_MESSAGES);
    if (!it)
        return NULL;
    if (consumer_item_publish(it, 0) != STRAND_OK) {
        /* Headers could not be decoded for lack of memory: say so. */
        it->pub.msg.err = STRAND_ERR_NOMEM;
    }
    return &it->pub.msg;
}

strand_batches *strand_consumer_poll_batches(strand_consumer *c, int timeout_ms) {
    if (!c)
        return NULL;
    consumer_item *it = poll_next(c, timeout_ms, CONSUMER_MODE_BATCHES);
    if (!it)
        return NULL;
    consumer_item_publish(it, 1);
    return &it->pub.batches;
}

void strand_message_free(strand_message *m) {
    consumer_item_free((consumer_item *)(void *)m);
}

void strand_batches_free(strand_batches *b) {
    consumer_item_free((consumer_item *)(void *)b);
}

strand_err strand_consumer_seek(strand_consumer *c, const strand_topic_partition *tp) {
    if (!c || !tp || !tp->topic || tp->partition < 0 || !offset_valid(tp, 0))
        return STRAND_ERR_INVALID_ARG;
    consumer_parse_result dropped = {0};
    strand_err err = STRAND_OK;
    pthread_mutex_lock(&c->lock);
    consumer_part *p = consumer_pset_find(&c->pset, tp->topic, tp->partition);
    if (c->closing) {
        err = STRAND_ERR_CLOSED;
    } else if (!p) {
        err = STRAND_ERR_STATE;
    } else {
        consumer_part_seek(&c->pset, p, consumer_start_of(c, tp, NULL), &dropped);
        p->eof_reported = 0;
        p->reported = STRAND_OK;
    }
    pthread_mutex_unlock(&c->lock);
    consumer_parse_result_free(&dropped);
    if (!err)
        consumer_kick(c);
    return err;
}

strand_err strand_consumer_position(strand_consumer *c, const char *topic, int32_t partition,
                                    int64_t *offset) {
    if (!c || !topic || !offset)
        return STRAND_ERR_INVALID_ARG;
    strand_err err = STRAND_OK;
    pthread_mutex_lock(&c->lock);
    consumer_part *p = consumer_pset_find(&c->pset, topic, partition);
    if (!p)
        err = STRAND_ERR_STATE;
    else if (p->position >= 0)
        *offset = p->position;
    else if (p->state == CONSUMER_PART_OFFSET_PENDING || p->state == CONSUMER_PART_OFFSET_WAIT)
        *offset = p->lookup.is_timestamp ? STRAND_OFFSET_TIMESTAMP : p->lookup.value;
    else
        *offset = STRAND_OFFSET_INVALID;
    pthread_mutex_unlock(&c->lock);
    return err;
}

static strand_err set_paused(strand_consumer *c, const char *topic, int32_t partition, int paused) {
    if (!c || !topic)
        return STRAND_ERR_INVALID_ARG;
    strand_err err = STRAND_OK;
    pthread_mutex_lock(&c->lock);
    consumer_part *p = consumer_pset_find(&c->pset, topic, partition);
    if (!p)
        err = STRAND_ERR_STATE;
    else
        consumer_part_pause(&c->pset, p, paused);
    if (!err && !paused && p->qhead)
        pthread_cond_broadcast(&c->ready);
    pthread_mutex_unlock(&c->lock);
    if (!err && !paused)
        consumer_kick(c);
    return err;
}

strand_err strand_consumer_pause(strand_consumer *c, const char *topic, int32_t partition) {
    return set_paused(c, topic, partition, 1);
}

strand_err strand_consumer_resume(strand_consumer *c, const char *topic, int32_t partition) {
    return set_paused(c, topic, partition, 0);
}

void strand_consumer_close(strand_consumer *c) {
    if (!c)
        return;
    consumer_group_close(c); /* final commit, revocation, LeaveGroup */
    pthread_mutex_lock(&c->lock);
    c->closing = 1;
    pthread_cond_broadcast(&c->ready);
    pthread_mutex_unlock(&c->lock);
    client_call(c->core, consumer_fetcher_teardown, c);
    client_destroy(c->core); /* answers still pending see `closing` */
    consumer_parse_result dropped = {0};
    consumer_pset_destroy(&c->pset, &dropped);
    consumer_parse_result_free(&dropped);
    while (c->ev_head) {
        consumer_item *it = c->ev_head;
        c->ev_head = it->next;
        consumer_item_free(it);
    }
    while (c->gev_head) {
        consumer_gevent *ev = c->gev_head;
        c->gev_head = ev->next;
        consumer_gevent_free(ev);
    }
    consumer_group_free(c->group);
    consumer_pool_release(c->pool); /* blocks still held keep it alive */
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->ready);
    free(c);
}
