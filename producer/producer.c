/*
 * producer.c - the public producer API (strand/producer.h): send, poll,
 * flush, raw batches and close, callable from any thread.
 *
 * send() takes the producer lock, copies the record into its partition's
 * open batch (accumulator.c) and, when that made a batch ready or opened a
 * new one, wakes the I/O thread through a uv_async. Nothing here waits for
 * the network. Delivery reports are served on the caller's thread: finished
 * batches are taken from the accumulator under the lock, the callbacks run
 * without it (they may call send), and the batches are released after.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "producer/producer_internal.h"

static void copy_err(char *errbuf, size_t errlen, const char *msg) {
    if (errbuf && errlen > 0) {
        strncpy(errbuf, msg, errlen - 1);
        errbuf[errlen - 1] = '\0';
    }
}

strand_producer *strand_producer_new(strand_conf *conf, char *errbuf, size_t errlen) {
    if (!conf) {
        copy_err(errbuf, errlen, "strand_producer_new: conf is NULL");
        return NULL;
    }
    strand_producer *p = calloc(1, sizeof *p);
    if (!p) {
        strand_conf_free(conf);
        copy_err(errbuf, errlen, "strand_producer_new: out of memory");
        return NULL;
    }
    p->core = client_new(conf, CLIENT_ROLE_PRODUCER, errbuf, errlen);
    if (!p->core) {
        free(p);
        return NULL;
    }
    p->conf = client_conf(p->core);
    if (idem_configure(p, errbuf, errlen) != STRAND_OK) {
        client_destroy(p->core);
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cond, &ca);
    pthread_condattr_destroy(&ca);

    accum_config ac = {
        .batch_size = (size_t)p->conf->batch_size,
        .linger_ms = p->conf->linger_ms,
        .codec = p->conf->compression,
        .max_messages = p->conf->queue_max_messages,
        .max_bytes = (size_t)p->conf->queue_max_bytes,
        .delivery_timeout_ms = p->conf->delivery_timeout_ms,
        .max_batch_bytes = (size_t)p->conf->message_max_bytes,
        .partitioner = p->conf->partitioner, /* same numbering as partitioner_kind */
        /* Pipelining with idempotence: up to 5 requests per partition (the
         * broker's dedup window), fewer if the connection allows fewer. */
        .max_inflight = p->conf->max_in_flight < ACCUM_IDEM_MAX_BATCHES ? p->conf->max_in_flight
                                                                        : ACCUM_IDEM_MAX_BATCHES,
        .seed =
            (uint64_t)client_wallclock_ms() ^ ((uint64_t)(uintptr_t)p << 16) ^ (uint64_t)getpid(),
    };
    accum_init(&p->acc, &ac);
    if (client_call(p->core, sender_setup, p) != STRAND_OK || !p->loop_ready) {
        copy_err(errbuf, errlen, "strand_producer_new: the I/O thread did not start");
        client_destroy(p->core);
        accum_free(&p->acc);
        pthread_cond_destroy(&p->cond);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    return p;
}

/* Header conversion: on the stack for the usual few. */
#define HEADERS_ON_STACK 16

strand_err strand_producer_send(strand_producer *p, const strand_record *r) {
    if (!p || !r || !r->topic || !*r->topic || r->partition < -1 ||
        (r->header_count > 0 && !r->headers) || r->header_count > INT32_MAX ||
        r->key_len > INT32_MAX || r->value_len > INT32_MAX)
        return STRAND_ERR_INVALID_ARG;
    batch_record_header stack[HEADERS_ON_STACK];
    batch_record_header *hs = stack;
    if (r->header_count > HEADERS_ON_STACK) {
        hs = malloc(r->header_count * sizeof *hs);
        if (!hs)
            return STRAND_ERR_NOMEM;
    }
    for (size_t i = 0; i < r->header_count; i++) {
        const strand_header *h = &r->headers[i];
        if (!h->key || h->value_len > INT32_MAX) {
            if (hs != stack)
                free(hs);
            return STRAND_ERR_INVALID_ARG;
        }
        hs[i].key.ptr = (const uint8_t *)h->key;
        hs[i].key.len = (int32_t)strlen(h->key);
        hs[i].value.ptr = h->value;
        hs[i].value.len = h->value ? (int32_t)h->value_len : -1;
    }
    wire_bytes key = {r->key, r->key ? (int32_t)r->key_len : -1};
    wire_bytes value = {r->value, r->value ? (int32_t)r->value_len : -1};
    int64_t ts = r->timestamp ? r->timestamp : client_wallclock_ms();
    int64_t now = client_now_ms();

    int rc;
    pthread_mutex_lock(&p->lock);
    if (p->closing) {
        rc = STRAND_ERR_CLOSED;
    } else {
        accum_topic *t = accum_topic_get(&p->acc, r->topic, 1);
        rc = !t ? STRAND_ERR_NOMEM
                : accum_append(&p->acc, t, r->partition, ts, key, value, hs,
                               (int32_t)r->header_count, r->opaque, now);
    }
    pthread_mutex_unlock(&p->lock);
    if (hs != stack)
        free(hs);
    if (rc == ACCUM_READY)
        sender_wake(p);
    return rc < 0 ? (strand_err)rc : STRAND_OK;
}

strand_err strand_producer_send_batches(strand_producer *p, const char *topic, int32_t partition,
                                        const void *bytes, size_t len, strand_batches_cb cb,
                                        void *opaque) {
    if (!p || !topic || !*topic || partition < 0 || !bytes || len == 0)
        return STRAND_ERR_INVALID_ARG;
    int rc;
    pthread_mutex_lock(&p->lock);
    if (p->closing) {
        rc = STRAND_ERR_CLOSED;
    } else {
        accum_topic *t = accum_topic_get(&p->acc, topic, 1);
        rc = !t ? STRAND_ERR_NOMEM
                : accum_append_raw(&p->acc, t, partition, bytes, len, cb, opaque, client_now_ms());
    }
    pthread_mutex_unlock(&p->lock);
    if (rc == ACCUM_READY)
        sender_wake(p);
    return rc < 0 ? (strand_err)rc : STRAND_OK;
}

/* Run the callbacks of a list of finished batches (no lock held), then
 * release them. Returns the number of reports. */
static int serve_reports(strand_producer *p, accum_batch *list) {
    int served = 0;
    strand_delivery_cb cb = p->conf->delivery_cb;
    for (accum_batch *b = list; b; b = b->next) {
        if (b->raw) {
            if (b->raw_cb) {
                strand_batches_report rep = {
                    .err = b->err,
                    .topic = b->topic->name,
                    .partition = b->partition,
                    .base_offset = b->err == STRAND_OK ? b->base_offset : -1,
                    .batch_count = b->count,
                    .opaque = b->raw_opaque,
                };
                b->raw_cb(p, &rep);
            }
            served++;
            continue;
        }
        if (!cb) {
            served += b->count;
            continue;
        }
        accum_record_iter it;
        accum_record_iter_init(&it, b);
        for (int32_t i = 0; i < b->count; i++) {
            wire_bytes k = {NULL, -1}, v = {NULL, -1};
            if (accum_record_iter_next(&it, &k, &v) != 1)
                k.len = v.len = -1;
            strand_delivery d = {
                .err = b->err,
                .topic = b->topic->name,
                .partition = b->partition,
                .offset = b->err == STRAND_OK && b->base_offset >= 0 ? b->base_offset + i : -1,
                .timestamp = b->log_append_time >= 0 ? b->log_append_time : b->msgs[i].timestamp,
                .key = k.len < 0    ? NULL
                       : k.len == 0 ? (const void *)""
                                    : k.ptr,
                .key_len = k.len < 0 ? 0 : (size_t)k.len,
                .value = v.len < 0    ? NULL
                         : v.len == 0 ? (const void *)""
                                      : v.ptr,
                .value_len = v.len < 0 ? 0 : (size_t)v.len,
                .opaque = b->msgs[i].opaque,
            };
            cb(p, &d, p->conf->delivery_opaque);
            served++;
        }
    }
    pthread_mutex_lock(&p->lock);
    while (list) {
        accum_batch *n = list->next;
        accum_batch_release(&p->acc, list);
        list = n;
    }
    /* Room freed and flushers may be done: wake the waiters. */
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    return served;
}

static void deadline_at(struct timespec *ts, int64_t deadline_ms) {
    ts->tv_sec = (time_t)(deadline_ms / 1000);
    ts->tv_nsec = (long)(deadline_ms % 1000) * 1000000L;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int strand_producer_poll(strand_producer *p, int timeout_ms) {
    if (!p)
        return 0;
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : mono_ms() + timeout_ms;
    pthread_mutex_lock(&p->lock);
    while (!p->acc.done_head && timeout_ms != 0) {
        if (deadline == INT64_MAX) {
            if (p->acc.messages == 0)
                break; /* nothing outstanding: no report can come */
            pthread_cond_wait(&p->cond, &p->lock);
        } else {
            if (mono_ms() >= deadline)
                break;
            struct timespec ts;
            deadline_at(&ts, deadline);
            pthread_cond_timedwait(&p->cond, &p->lock, &ts);
        }
    }
    accum_batch *list = accum_done_take(&p->acc);
    pthread_mutex_unlock(&p->lock);
    return list ? serve_reports(p, list) : 0;
}

strand_err strand_producer_flush(strand_producer *p, int timeout_ms) {
    if (!p)
        return STRAND_ERR_INVALID_ARG;
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : mono_ms() + timeout_ms;
    pthread_mutex_lock(&p->lock);
    p->acc.flushing++;
    pthread_mutex_unlock(&p->lock);
    client_post(p->core, sender_kick, p);
    strand_err result = STRAND_OK;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        accum_batch *list = accum_done_take(&p->acc);
        if (!list) {
            if (p->acc.messages == 0) {
                pthread_mutex_unlock(&p->lock);
                break;
            }
            if (deadline != INT64_MAX && mono_ms() >= deadline) {
                pthread_mutex_unlock(&p->lock);
                result = STRAND_ERR_TIMED_OUT;
                break;
            }
            if (deadline == INT64_MAX) {
                pthread_cond_wait(&p->cond, &p->lock);
            } else {
                struct timespec ts;
                deadline_at(&ts, deadline);
                pthread_cond_timedwait(&p->cond, &p->lock, &ts);
            }
            list = accum_done_take(&p->acc);
        }
        pthread_mutex_unlock(&p->lock);
        if (list)
            serve_reports(p, list);
    }
    pthread_mutex_lock(&p->lock);
    p->acc.flushing--;
    pthread_mutex_unlock(&p->lock);
    return result;
}

size_t strand_producer_outstanding(strand_producer *p) {
    if (!p)
        return 0;
    pthread_mutex_lock(&p->lock);
    size_t n = (size_t)p->acc.messages;
    pthread_mutex_unlock(&p->lock);
    return n;
}

/* [loop] Close: fail what is not in flight. */
static void fail_unsent(client *c, void *arg) {
    strand_producer *p = arg;
    (void)c;
    pthread_mutex_lock(&p->lock);
    accum_fail_all(&p->acc, STRAND_ERR_CLOSED);
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

void strand_producer_close(strand_producer *p) {
    if (!p)
        return;
    /* Send what is queued and wait a bounded time for it. */
    int32_t wait = p->conf->request_timeout_ms < p->conf->delivery_timeout_ms
                       ? p->conf->request_timeout_ms
                       : p->conf->delivery_timeout_ms;
    strand_producer_flush(p, wait);
    pthread_mutex_lock(&p->lock);
    p->closing = 1;
    pthread_mutex_unlock(&p->lock);
    client_call(p->core, fail_unsent, p);
    client_call(p->core, sender_teardown, p);
    /* In-flight requests end with STRAND_ERR_CLOSED inside destroy. */
    client_destroy(p->core);
    p->core = NULL;
    pthread_mutex_lock(&p->lock);
    accum_fail_all(&p->acc, STRAND_ERR_CLOSED);
    accum_batch *list = accum_done_take(&p->acc);
    pthread_mutex_unlock(&p->lock);
    if (list)
        serve_reports(p, list);
    accum_free(&p->acc);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
