/*
 * sender.c - the producer's I/O-thread half: metadata for the topics in
 * use, draining ready batches into one Produce request per broker,
 * compression, responses, retries and delivery-report hand-off.
 *
 * A send cycle runs when an application thread signals a ready batch (the
 * `wake` async), when the timer fires (linger, retry backoff, expiry) and
 * after every metadata refresh. Under the producer lock it applies new
 * metadata to the accumulator, expires old records and drains ready
 * partitions; the lock is then released and the drained batches are sealed
 * (compressed) and handed to the client core as requests.
 *
 * Order: without idempotence the accumulator never drains a partition with
 * a request in flight and retried batches return to the front of their
 * queue, so a partition's records reach the log in send() order. With
 * idempotence a partition may have up to min(max.in.flight, 5) requests in
 * flight (accumulator.h, "Pipelining"): a cycle drains in rounds, each
 * partition at most once per round and each round into requests of its own
 * (a request names a partition once). An OUT_OF_ORDER_SEQUENCE_NUMBER for a
 * batch behind an unfinished earlier one only says that one is missing: it
 * is resent in order after it, as the Java client does. A connection that fails after a
 * request was written leaves its outcome unknown (a request that never left
 * the connection's queue has no version picked, res->version == -1, and is
 * simply resent). With idempotence (idempotence.c) the batches carry a
 * producer id and sequences that the broker deduplicates, so they are simply
 * resent, unchanged: a duplicate is answered with its original offset.
 * Without it (enable.idempotence=false, brokers without InitProducerId, or
 * raw batches in the request) resending could store the records twice, so
 * such batches are settled by verify.c first.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "producer/producer_internal.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

/* Room for the request header, topic names and array counts. */
#define REQUEST_SLACK 1024
#define PRODUCE_MIN_VERSION 3
#define PRODUCE_MAX_VERSION 7
#define STALLED_RECHECK_MS 10

/* One partition's batches in a request. */
typedef struct req_part {
    accum_batch *list;
    wire_writer concat; /* the batches back to back when there are several */
    wire_bytes records;
} req_part;

typedef struct produce_req {
    strand_producer *p;
    int32_t node;
    int round; /* drain round that created it: a partition at most once per request */
    size_t bytes;
    int nparts, cap;
    req_part *parts;
    struct produce_req *next; /* in the cycle's list */
} produce_req;

typedef struct cycle {
    strand_producer *p;
    produce_req *reqs;
    size_t max_request;
    int64_t now;
    int round; /* current drain round */
    int want_metadata;
    int stalled; /* a ready partition had no leader or no request slot */
} cycle;

void sender_wake(strand_producer *p) {
    if (p->loop_ready)
        uv_async_send(&p->wake);
}

void sender_request_metadata(strand_producer *p, const char *why) {
    int64_t now = client_now_ms();
    if (now < p->md_next)
        return;
    p->md_next = now + (p->conf->retry_backoff_ms > 0 ? p->conf->retry_backoff_ms : 100);
    client_metadata_refresh(p->core, why);
}

/* ------------------------------------------------------------------------ */
/* Metadata -> accumulator (lock held) */

static void apply_metadata(strand_producer *p, cycle *cy) {
    uint64_t gen = client_metadata_generation(p->core);
    int fresh = gen != p->md_seen;
    p->md_seen = gen;
    for (accum_topic *t = p->acc.topics; t; t = t->next) {
        if (!t->md_wanted) {
            client_metadata_want(p->core, t->name);
            t->md_wanted = 1;
            cy->want_metadata = 1;
            continue;
        }
        if (!fresh && t->partition_count > 0)
            continue;
        const client_topic_md *md = client_metadata_topic(p->core, t->name);
        if (!md) {
            cy->want_metadata = 1;
            continue;
        }
        t->unknown = md->err == KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
        if (md->err != 0) {
            /* Being created, or not (yet) known: wait, expiry reports it.
             * Anything else is final for the records waiting. */
            if (md->err == KAFKA_UNKNOWN_TOPIC_OR_PARTITION ||
                md->err == KAFKA_LEADER_NOT_AVAILABLE || md->err == KAFKA_REQUEST_TIMED_OUT) {
                cy->want_metadata = 1;
            } else {
                accum_topic_fail(&p->acc, t, STRAND_ERR_KAFKA(md->err));
            }
            continue;
        }
        int32_t n = md->partition_count;
        int32_t stack_av[64];
        int32_t *av = n <= 64 ? stack_av : malloc((size_t)n * sizeof *av);
        int32_t nav = 0;
        for (int32_t i = 0; av && i < n; i++) {
            if (md->partitions[i].err == 0 && md->partitions[i].leader >= 0)
                av[nav++] = md->partitions[i].id;
        }
        if (nav < n)
            cy->want_metadata = 1;
        accum_topic_set_partitions(&p->acc, t, n, av, nav, cy->now);
        if (av != stack_av)
            free(av);
    }
}

static int32_t leader_of(void *ctx, accum_topic *t, int32_t partition) {
    cycle *cy = ctx;
    const client_topic_md *md = client_metadata_topic(cy->p->core, t->name);
    if (!md || md->err != 0 || partition >= md->partition_count) {
        cy->want_metadata = 1;
        cy->stalled = 1;
        return -1;
    }
    const client_partition_md *pm = &md->partitions[partition];
    if (pm->err != 0 || pm->leader < 0) {
        cy->want_metadata = 1;
        cy->stalled = 1;
        return -1;
    }
    return pm->leader;
}

/* ------------------------------------------------------------------------ */
/* Building requests */

static produce_req *req_new(cycle *cy, int32_t node) {
    produce_req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->p = cy->p;
    r->node = node;
    r->round = cy->round;
    r->next = cy->reqs;
    cy->reqs = r;
    return r;
}

static int emit(void *ctx, int32_t node, accum_batch *list, size_t bytes) {
    cycle *cy = ctx;
    strand_producer *p = cy->p;
    produce_req *r = NULL;
    int for_node = 0;
    for (produce_req *q = cy->reqs; q; q = q->next) {
        if (q->node != node)
            continue;
        for_node++;
        if (!r && q->round == cy->round && q->bytes + bytes <= cy->max_request)
            r = q;
    }
    if (!r) {
        /* Another request to this node only within the in-flight budget. */
        if (client_node_pending(p->core, node) + for_node >= p->conf->max_in_flight) {
            cy->stalled = 1; /* a response will run the next cycle */
            return -1;
        }
        r = req_new(cy, node);
        if (!r)
            return -1;
    }
    if (r->nparts == r->cap) {
        int cap = r->cap ? r->cap * 2 : 8;
        req_part *np = realloc(r->parts, (size_t)cap * sizeof *np);
        if (!np)
            return -1;
        r->parts = np;
        r->cap = cap;
    }
    req_part *rp = &r->parts[r->nparts++];
    memset(rp, 0, sizeof *rp);
    rp->list = list;
    wire_writer_init(&rp->concat);
    r->bytes += bytes;
    accum_partition *ap = &list->topic->parts[list->partition];
    if (ap->inflight + 1 > ap->inflight_peak) {
        ap->inflight_peak = ap->inflight + 1;
        if (ap->inflight_peak > 1)
            client_log(p->core, STRAND_LOG_DEBUG, "%s [%d]: %d Produce requests in flight",
                       list->topic->name, (int)list->partition, ap->inflight_peak);
    }
    return 0;
}

static void req_free(produce_req *r) {
    for (int i = 0; i < r->nparts; i++)
        wire_writer_free(&r->parts[i].concat);
    free(r->parts);
    free(r);
}

/* Compress and lay out a partition's batches (no lock needed: the batches
 * belong to the request). Returns a strand_err. */
static strand_err part_seal(req_part *rp) {
    int n = 0;
    for (accum_batch *b = rp->list; b; b = b->next, n++) {
        int rc = accum_batch_seal(b);
        if (rc != BATCH_OK)
            return rc == BATCH_ERR_NOMEM ? STRAND_ERR_NOMEM : STRAND_ERR_BAD_MSG;
    }
    if (n == 1) {
        rp->records.ptr = rp->list->out.p;
        rp->records.len = (int32_t)rp->list->out.len;
        return STRAND_OK;
    }
    for (accum_batch *b = rp->list; b; b = b->next)
        wire_write_raw(&rp->concat, b->out.p, b->out.len);
    if (rp->concat.err)
        return STRAND_ERR_NOMEM;
    rp->records.ptr = rp->concat.p;
    rp->records.len = (int32_t)rp->concat.len;
    return STRAND_OK;
}

static void produce_encode(wire_writer *w, int16_t version, void *arg) {
    produce_req *r = arg;
    strand_producer *p = r->p;
    /* Partitions of one topic are adjacent (drained topic by topic). */
    proto_produce_req_topic *topics = calloc((size_t)r->nparts, sizeof *topics);
    proto_produce_req_partition *parts = calloc((size_t)r->nparts, sizeof *parts);
    if (!topics || !parts) {
        free(topics);
        free(parts);
        w->err = WIRE_ERR_NOMEM;
        return;
    }
    int32_t nt = 0;
    accum_topic *cur = NULL;
    for (int i = 0; i < r->nparts; i++) {
        accum_batch *b = r->parts[i].list;
        if (b->topic != cur) {
            cur = b->topic;
            topics[nt].name = wire_str_from(cur->name);
            topics[nt].partitions = &parts[i];
            nt++;
        }
        topics[nt - 1].partition_count++;
        parts[i].index = b->partition;
        parts[i].records = r->parts[i].records;
    }
    proto_produce_req req = {
        .transactional_id = WIRE_STR_NULL,
        .acks = p->conf->acks,
        .timeout_ms = p->conf->request_timeout_ms,
        .topic_count = nt,
        .topics = topics,
    };
    proto_produce_req_encode(w, version, &req);
    free(topics);
    free(parts);
}

/* ------------------------------------------------------------------------ */
/* Outcomes (on the loop; take the lock) */

static int error_is_retriable(int16_t code) {
    switch (code) {
    case KAFKA_NOT_LEADER_OR_FOLLOWER:
    case KAFKA_UNKNOWN_TOPIC_OR_PARTITION:
    case KAFKA_LEADER_NOT_AVAILABLE:
    case KAFKA_REQUEST_TIMED_OUT:
    case KAFKA_NOT_ENOUGH_REPLICAS:
    case KAFKA_NETWORK_EXCEPTION:
    case KAFKA_KAFKA_STORAGE_ERROR:
    case KAFKA_FENCED_LEADER_EPOCH:
    case KAFKA_UNKNOWN_LEADER_EPOCH:
    case KAFKA_BROKER_NOT_AVAILABLE:
    case KAFKA_REPLICA_NOT_AVAILABLE:
        return 1;
    default:
        return 0;
    }
}

/* May `list` be sent again? (lock held) */
int sender_may_retry(strand_producer *p, accum_batch *list, int64_t now) {
    if (p->closing)
        return 0;
    if (list->attempts > p->conf->retries)
        return 0;
    /* The oldest record decides: past delivery.timeout.ms there is no retry. */
    return now - list->created_ms < p->conf->delivery_timeout_ms;
}

/* 1 if every batch of `list` carries a producer sequence: an unknown outcome
 * is then settled by resending it unchanged. */
static int list_idempotent(const accum_batch *list) {
    for (const accum_batch *b = list; b; b = b->next)
        if (!accum_batch_sequenced(b))
            return 0;
    return 1;
}

static int list_records(const accum_batch *list) {
    int n = 0;
    for (const accum_batch *b = list; b; b = b->next)
        n += b->count;
    return n;
}

static int error_is_sequence_problem(int16_t code) {
    return code == KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER || code == KAFKA_INVALID_PRODUCER_EPOCH ||
           code == KAFKA_UNKNOWN_PRODUCER_ID;
}

/* A partition's request ended with a broker error code or transport error
 * known not to have stored anything, or (idempotent batches) to be settled
 * by a resend. (lock held) */
static void part_failed(strand_producer *p, accum_batch *list, strand_err err, int retriable,
                        int64_t now) {
    if (retriable && sender_may_retry(p, list, now)) {
        accum_partition_retry(&p->acc, list, now, p->conf->retry_backoff_ms);
        return;
    }
    if (retriable && !p->closing && now - list->created_ms >= p->conf->delivery_timeout_ms)
        err = STRAND_ERR_TIMED_OUT;
    accum_partition_done(&p->acc, list, err, -1, -1);
}

static void produce_done(client *c, client_response *res, void *arg) {
    produce_req *r = arg;
    strand_producer *p = r->p;
    int64_t now = client_now_ms();
    int need_md = 0;

    proto_produce_resp resp;
    wire_arena arena;
    wire_arena_init(&arena);
    strand_err err = res->err;
    if (err == STRAND_OK && !(p->conf->acks == 0)) {
        wire_reader rd;
        wire_reader_init(&rd, res->body, res->len);
        if (proto_produce_resp_decode(&rd, res->version, &arena, &resp) != WIRE_OK)
            err = STRAND_ERR_BAD_MSG;
    }

    /* Transport failures of written requests go through verification,
     * outside the lock (it sends requests). */
    accum_batch **verify = calloc((size_t)(r->nparts > 0 ? r->nparts : 1), sizeof *verify);
    int nverify = 0;

    if (err != STRAND_OK)
        client_log(p->core, STRAND_LOG_DEBUG,
                   "Produce to node %d failed: %s (%d partition(s), version %d)", (int)r->node,
                   strand_err_str(err), r->nparts, (int)res->version);
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < r->nparts; i++) {
        accum_batch *list = r->parts[i].list;
        if (err == STRAND_OK && p->conf->acks == 0) {
            accum_partition_done(&p->acc, list, STRAND_OK, -1, -1);
            continue;
        }
        if (err != STRAND_OK) {
            if ((err == STRAND_ERR_TRANSPORT || err == STRAND_ERR_TIMED_OUT) && res->version < 0) {
                /* No version was picked: the request never reached the
                 * socket (it waited for a connection), so resending is safe,
                 * and it does not count as an attempt (as Java waits for a
                 * ready connection before sending). */
                for (accum_batch *b = list; b; b = b->next)
                    b->attempts--;
                need_md = 1;
                part_failed(p, list, err, 1, now);
            } else if ((err == STRAND_ERR_TRANSPORT || err == STRAND_ERR_TIMED_OUT) &&
                       list_idempotent(list)) {
                /* Written, outcome unknown: the same bytes again; the
                 * broker answers a duplicate with its original offset. */
                client_log(p->core, STRAND_LOG_INFO,
                           "%s [%d]: request lost with its connection (%s): resending %d "
                           "record(s) from sequence %" PRId32 " of producer id %" PRId64,
                           list->topic->name, (int)list->partition, strand_err_str(err),
                           list_records(list), list->b.base_sequence, list->b.producer_id);
                need_md = 1;
                part_failed(p, list, err, 1, now);
            } else if ((err == STRAND_ERR_TRANSPORT || err == STRAND_ERR_TIMED_OUT) && verify) {
                need_md = 1;
                verify[nverify++] = list;
            } else {
                /* Never written (unsupported version, encode failure,
                 * shutdown) or an unreadable answer. */
                part_failed(p, list, err, 0, now);
            }
            continue;
        }
        /* Find this partition in the response. */
        const proto_produce_resp_partition *rp = NULL;
        for (int32_t ti = 0; ti < resp.topic_count && !rp; ti++) {
            if (!wire_str_eq(resp.topics[ti].name, list->topic->name))
                continue;
            for (int32_t pi = 0; pi < resp.topics[ti].partition_count; pi++)
                if (resp.topics[ti].partitions[pi].index == list->partition)
                    rp = &resp.topics[ti].partitions[pi];
        }
        if (!rp) {
            part_failed(p, list, STRAND_ERR_BAD_MSG, 0, now);
        } else if (rp->error_code == KAFKA_DUPLICATE_SEQUENCE_NUMBER && list_idempotent(list)) {
            /* Stored before, the broker no longer knows where (as the Java
             * client, success with an unknown offset). */
            list->topic->parts[list->partition].next_offset = -1;
            accum_partition_done(&p->acc, list, STRAND_OK, -1, -1);
        } else if (rp->error_code == 0) {
            int64_t end = rp->base_offset;
            for (accum_batch *b = list; b; b = b->next)
                end += b->offsets;
            accum_partition *ap = &list->topic->parts[list->partition];
            ap->next_offset = end;
            accum_partition_done(&p->acc, list, STRAND_OK, rp->base_offset, rp->log_append_time_ms);
        } else {
            int retriable = error_is_retriable(rp->error_code);
            if (retriable)
                need_md = 1;
            if (rp->error_code == KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER && list_idempotent(list) &&
                accum_idem_behind(&p->acc, list)) {
                /* An earlier batch of the partition is in flight or waits
                 * for a resend: this one was refused because that one is
                 * missing, not a gap of ours. Resend it after it. */
                client_log(p->core, STRAND_LOG_DEBUG,
                           "%s [%d]: sequence %" PRId32 " out of order behind an earlier batch "
                           "being resent: resending in order",
                           list->topic->name, (int)list->partition, list->b.base_sequence);
                retriable = 1;
            } else if (error_is_sequence_problem(rp->error_code))
                client_log(p->core, STRAND_LOG_WARNING,
                           "%s [%d]: producer id %" PRId64 " epoch %d sequence %" PRId32
                           ": %s: %d record(s) reported failed; a new producer id follows",
                           list->topic->name, (int)list->partition, list->b.producer_id,
                           (int)list->b.producer_epoch, list->b.base_sequence,
                           kafka_error_name(rp->error_code), list_records(list));
            part_failed(p, list, STRAND_ERR_KAFKA(rp->error_code), retriable, now);
        }
    }
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    wire_arena_free(&arena);
    req_free(r);

    for (int i = 0; i < nverify; i++)
        verify_start(p, verify[i], err);
    free(verify);
    if (need_md)
        sender_request_metadata(p, "produce error");
    (void)c;
    sender_run(p);
}

/* ------------------------------------------------------------------------ */
/* The send cycle */

static void timer_cb(uv_timer_t *t) {
    sender_run(t->data);
}

static void wake_cb(uv_async_t *a) {
    sender_run(a->data);
}

static void metadata_cb(client *c, strand_err err, void *arg) {
    (void)c;
    (void)err;
    sender_run(arg);
}

static void send_request(strand_producer *p, produce_req *r) {
    strand_err err = STRAND_OK;
    for (int i = 0; i < r->nparts && err == STRAND_OK; i++)
        err = part_seal(&r->parts[i]);
    if (err == STRAND_OK) {
        client_request req = {
            .node_id = r->node,
            .api_key = KAFKA_API_PRODUCE,
            .min_version = PRODUCE_MIN_VERSION,
            .max_version = PRODUCE_MAX_VERSION,
            .flags = p->conf->acks == 0 ? CLIENT_SEND_NO_RESPONSE : 0,
            .encode = produce_encode,
            .encode_arg = r,
            .cb = produce_done,
            .cb_arg = r,
        };
        err = client_send(p->core, &req);
        if (err == STRAND_OK) {
            return;
        }
    }
    /* Not sent: the batches stay unsent, so a retry cannot duplicate. */
    int64_t now = client_now_ms();
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < r->nparts; i++)
        part_failed(p, r->parts[i].list, err, err == STRAND_ERR_NOMEM, now);
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    req_free(r);
}

void sender_run(strand_producer *p) {
    if (!p->loop_ready)
        return;
    cycle cy = {.p = p, .now = client_now_ms()};
    size_t mm = (size_t)p->conf->message_max_bytes;
    cy.max_request = mm > 2 * REQUEST_SLACK ? mm - REQUEST_SLACK : mm;

    pthread_mutex_lock(&p->lock);
    apply_metadata(p, &cy);
    int expired = accum_expire(&p->acc, cy.now);
    int start_pid = 0;
    int mode = idem_cycle(p, cy.now, &start_pid); /* -1 none, 0 all, 1 resends only */
    /* Round after round while partitions take more requests (pipelining
     * with idempotence; without it one round drains everything). */
    if (mode >= 0 && (!p->closing || p->acc.flushing)) {
        int rounds = p->acc.producer_id >= 0 ? ACCUM_IDEM_MAX_BATCHES : 1;
        for (cy.round = 0; cy.round < rounds; cy.round++)
            if (!accum_drain(&p->acc, cy.now, cy.max_request, mode == 1, leader_of, emit, &cy))
                break;
    }
    int64_t next = accum_next_wakeup(&p->acc, cy.now, mode);
    int64_t idem_next = idem_next_wakeup(p);
    if (idem_next < next)
        next = idem_next;
    if (expired || p->acc.done_head)
        pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    if (start_pid)
        idem_request_pid(p);

    /* Oldest first, as drained. */
    produce_req *rev = NULL;
    while (cy.reqs) {
        produce_req *r = cy.reqs;
        cy.reqs = r->next;
        r->next = rev;
        rev = r;
    }
    while (rev) {
        produce_req *r = rev;
        rev = r->next;
        send_request(p, r);
    }
    if (cy.want_metadata)
        sender_request_metadata(p, "producer needs leaders");

    /* Re-arm the timer for the next due time (at least 1 ms ahead). */
    if (next != INT64_MAX || cy.want_metadata) {
        int64_t delay = next == INT64_MAX ? INT64_MAX : next - client_now_ms();
        if (cy.want_metadata && delay > p->conf->retry_backoff_ms)
            delay = p->conf->retry_backoff_ms;
        /* A partition that is ready but cannot go (no leader, no free
         * request slot) would otherwise make the timer spin: metadata and
         * responses run the next cycle, the timer only backs them up. */
        int64_t floor = cy.stalled ? STALLED_RECHECK_MS : 1;
        if (delay < floor)
            delay = floor;
        uv_timer_start(&p->timer, timer_cb, (uint64_t)delay, 0);
    } else {
        uv_timer_stop(&p->timer);
    }
}

void sender_setup(client *c, void *arg) {
    strand_producer *p = arg;
    uv_loop_t *loop = client_loop(c);
    uv_async_init(loop, &p->wake, wake_cb);
    p->wake.data = p;
    uv_timer_init(loop, &p->timer);
    p->timer.data = p;
    p->loop_ready = 1;
    client_metadata_listen(c, metadata_cb, p);
}

void sender_teardown(client *c, void *arg) {
    strand_producer *p = arg;
    client_metadata_listen(c, NULL, NULL);
    verify_teardown(p);
    if (p->loop_ready) {
        p->loop_ready = 0;
        uv_close((uv_handle_t *)&p->wake, NULL);
        uv_close((uv_handle_t *)&p->timer, NULL);
    }
}

/* [loop] Run a cycle now (client_post from API threads, e.g. flush). */
void sender_kick(client *c, void *arg) {
    (void)c;
    sender_run(arg);
}
