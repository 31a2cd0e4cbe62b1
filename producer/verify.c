/*
 * verify.c - settling Produce requests whose outcome is unknown.
 *
 * A request written to a connection that then failed (dropped, or no
 * answer within request.timeout.ms) may or may not have been stored. With
 * idempotence the sender just resends it: its batches carry a producer id
 * and sequences the broker deduplicates. This file serves the requests
 * whose batches carry none of ours (enable.idempotence=false, acks 0/1,
 * brokers without InitProducerId, raw batches), where nothing would
 * deduplicate a blind resend. So before
 * anything is resent, the partition's log is looked at where the batches
 * would be: at the offset after the last acknowledged batch, or, with no
 * acknowledgement yet, at the log end minus the batches' size (ListOffsets
 * first; an empty log proves nothing was stored). A Fetch there is compared
 * batch by batch (length and CRC-32C, which covers everything but the
 * offset and leader epoch the broker rewrites): stored batches are reported
 * with their offsets, batches provably absent are resent, and anything that
 * cannot be decided is reported with the transport error, never resent.
 * Both requests use the debugging replica id (-2), so the leader answers
 * from its whole log, not only below the high watermark: a new leader may
 * hold the batches above a high watermark that has not caught up yet, and
 * "not visible" must not be taken for "not stored". With acks=all, batches
 * found above the high watermark are only reported once it covers them.
 * The partition stays marked in flight meanwhile, so nothing behind the
 * batches overtakes them. Runs on the I/O thread.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "producer/producer_internal.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

/* Room for the request header and the topic name in a Fetch. */
#define REQUEST_SLACK 1024

typedef struct verify {
    strand_producer *p;
    accum_batch *list; /* the partition's batches, still marked in flight */
    strand_err err;    /* the transport error, reported if unresolved */
    int64_t expected;  /* the offset the first batch would have taken; -1 unknown */
    uv_timer_t timer;  /* backoff between attempts */
    int fetching;      /* a request is out: its callback will come */
    int guess;         /* expected was inferred from the log end (verify_lo_done) */
    struct verify *next;
} verify;

static void verify_attempt(verify *v);

static void verify_unlink(verify *v) {
    strand_producer *p = v->p;
    for (verify **pp = &p->verifying; *pp; pp = &(*pp)->next)
        if (*pp == v) {
            *pp = v->next;
            break;
        }
}

static void verify_free_cb(uv_handle_t *h) {
    free(h->data);
}

static void verify_end(verify *v) {
    verify_unlink(v);
    uv_close((uv_handle_t *)&v->timer, verify_free_cb);
}

/* Give up: report the batches with the original error. */
static void verify_fail(verify *v) {
    strand_producer *p = v->p;
    client_log(p->core, STRAND_LOG_WARNING,
               "%s [%d]: outcome of a request lost with its connection unknown: reported as %s",
               v->list->topic->name, (int)v->list->partition, strand_err_str(v->err));
    pthread_mutex_lock(&p->lock);
    accum_partition_done(&p->acc, v->list, v->err, -1, -1);
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    verify_end(v);
}

static void verify_timer_cb(uv_timer_t *t) {
    verify_attempt(t->data);
}

/* Try again later, or give up past the delivery timeout. */
static void verify_later(verify *v) {
    strand_producer *p = v->p;
    if (p->closing || client_now_ms() - v->list->created_ms >= p->conf->delivery_timeout_ms) {
        verify_fail(v);
        return;
    }
    sender_request_metadata(p, "verifying a produce request");
    uv_timer_start(&v->timer, verify_timer_cb, (uint64_t)p->conf->retry_backoff_ms, 0);
}

static void verify_encode(wire_writer *w, int16_t version, void *arg) {
    verify *v = arg;
    size_t want = REQUEST_SLACK;
    for (accum_batch *b = v->list; b; b = b->next)
        want += b->out.len;
    if (want > INT32_MAX)
        want = INT32_MAX;
    proto_fetch_req_partition part = {
        .partition = v->list->partition,
        .current_leader_epoch = -1,
        .fetch_offset = v->expected,
        .log_start_offset = -1,
        .partition_max_bytes = (int32_t)want,
    };
    proto_fetch_req_topic topic = {
        .topic = wire_str_from(v->list->topic->name),
        .partition_count = 1,
        .partitions = &part,
    };
    proto_fetch_req req = {
        .replica_id = KAFKA_DEBUGGING_REPLICA_ID,
        .max_wait_ms = 0,
        .min_bytes = 0,
        .max_bytes = (int32_t)want,
        .isolation_level = 0,
        .session_id = 0,
        .session_epoch = -1,
        .topic_count = 1,
        .topics = &topic,
        .rack_id = wire_str_from(""),
    };
    proto_fetch_req_encode(w, version, &req);
}

/* Compare the log at v->expected with our batches; settle what can be. */
static void verify_compare(verify *v, const proto_fetch_resp_partition *fp) {
    strand_producer *p = v->p;
    int64_t now = client_now_ms();
    batch_iter it;
    batch_iter_init(&it, fp->records.ptr, fp->records.len > 0 ? (size_t)fp->records.len : 0);
    int64_t at = v->expected;
    accum_batch *stored_last = NULL;
    accum_batch *b = v->list;
    int more_in_log = 0;
    while (b) {
        batch_header h;
        const uint8_t *fb;
        size_t fsize;
        int rc = batch_iter_next(&it, &h, &fb, &fsize);
        if (rc != 1)
            break;
        if (h.base_offset + h.last_offset_delta < at)
            continue; /* an earlier batch of the segment */
        if (h.base_offset != at || b->out.len != fsize || memcmp(fb + 17, b->out.p + 17, 4) != 0 ||
            memcmp(fb + 8, b->out.p + 8, 4) != 0) {
            more_in_log = 1; /* something else is stored there */
            break;
        }
        stored_last = b;
        at += b->offsets;
        b = b->next;
    }
    if (!more_in_log && b && fp->high_watermark > at)
        more_in_log = 1;
    if (v->guess && b) {
        /* The position was inferred, so a mismatch proves nothing. */
        verify_fail(v);
        return;
    }
    if (stored_last && p->conf->acks == -1 && fp->high_watermark < at) {
        /* Stored on the leader but not yet on the in-sync replicas: it may
         * still be cut by a leader change. Look again later. */
        verify_later(v);
        return;
    }

    int stored = 0, unsent = 0;
    for (accum_batch *x = v->list; x != b; x = x->next)
        stored++;
    for (accum_batch *x = b; x; x = x->next)
        unsent++;
    client_log(p->core, STRAND_LOG_INFO,
               "%s [%d]: request lost with its connection: %d batch(es) found stored at offset "
               "%" PRId64 ", %d not stored%s",
               v->list->topic->name, (int)v->list->partition, stored, v->expected, unsent,
               unsent == 0   ? ""
               : more_in_log ? " and not resendable (other data follows)"
                             : ", resending");
    pthread_mutex_lock(&p->lock);
    accum_partition *ap = &v->list->topic->parts[v->list->partition];
    accum_batch *rest = b;
    if (stored_last) {
        stored_last->next = NULL;
        ap->next_offset = at;
        accum_partition_done(&p->acc, v->list, STRAND_OK, v->expected, -1);
        if (rest) { /* the rest is still ours to settle, alone */
            ap->inflight = 1;
            ap->exclusive = 1;
        }
    }
    if (rest) {
        if (!more_in_log && sender_may_retry(p, rest, now))
            accum_partition_retry(&p->acc, rest, now, 0); /* provably not stored */
        else
            accum_partition_done(&p->acc, rest, v->err, -1, -1);
    }
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    verify_end(v);
}

static void verify_done(client *c, client_response *res, void *arg) {
    verify *v = arg;
    (void)c;
    v->fetching = 0;
    if (res->err != STRAND_OK) {
        if (res->err == STRAND_ERR_CLOSED)
            verify_fail(v);
        else
            verify_later(v);
        sender_run(v->p);
        return;
    }
    wire_arena arena;
    wire_arena_init(&arena);
    proto_fetch_resp resp;
    wire_reader rd;
    wire_reader_init(&rd, res->body, res->len);
    const proto_fetch_resp_partition *fp = NULL;
    if (proto_fetch_resp_decode(&rd, res->version, &arena, &resp) == WIRE_OK) {
        for (int32_t i = 0; i < resp.topic_count && !fp; i++)
            for (int32_t j = 0; j < resp.topics[i].partition_count; j++)
                if (wire_str_eq(resp.topics[i].topic, v->list->topic->name) &&
                    resp.topics[i].partitions[j].partition_index == v->list->partition)
                    fp = &resp.topics[i].partitions[j];
    }
    strand_producer *p = v->p;
    if (!fp)
        verify_later(v);
    else if (fp->error_code == KAFKA_OFFSET_OUT_OF_RANGE)
        verify_fail(v); /* the log moved under us: nothing can be proven */
    else if (fp->error_code != 0)
        verify_later(v);
    else
        verify_compare(v, fp);
    wire_arena_free(&arena);
    sender_run(p);
}

/* No acknowledgement on the partition yet tells where the batches would be.
 * Ask for the log end: an empty log proves they are not stored; otherwise,
 * if they were stored last, they end at the log end, so fetch there and
 * compare (a match is proof; anything else is reported, never resent). */
static void verify_lo_encode(wire_writer *w, int16_t version, void *arg) {
    verify *v = arg;
    proto_list_offsets_req_partition part = {
        .partition_index = v->list->partition,
        .current_leader_epoch = -1,
        .timestamp = PROTO_LIST_OFFSETS_LATEST,
        .max_num_offsets = 1,
    };
    proto_list_offsets_req_topic topic = {
        .name = wire_str_from(v->list->topic->name),
        .partition_count = 1,
        .partitions = &part,
    };
    proto_list_offsets_req req = {.replica_id = KAFKA_DEBUGGING_REPLICA_ID,
                                  .isolation_level = 0,
                                  .topic_count = 1,
                                  .topics = &topic};
    proto_list_offsets_req_encode(w, version, &req);
}

static void verify_lo_done(client *c, client_response *res, void *arg) {
    verify *v = arg;
    strand_producer *p = v->p;
    (void)c;
    v->fetching = 0;
    int64_t end = -1;
    if (res->err == STRAND_OK) {
        wire_arena arena;
        wire_arena_init(&arena);
        proto_list_offsets_resp resp;
        wire_reader rd;
        wire_reader_init(&rd, res->body, res->len);
        if (proto_list_offsets_resp_decode(&rd, res->version, &arena, &resp) == WIRE_OK)
            for (int32_t i = 0; i < resp.topic_count; i++)
                for (int32_t j = 0; j < resp.topics[i].partition_count; j++) {
                    const proto_list_offsets_resp_partition *lp = &resp.topics[i].partitions[j];
                    if (wire_str_eq(resp.topics[i].name, v->list->topic->name) &&
                        lp->partition_index == v->list->partition && lp->error_code == 0)
                        end = lp->offset;
                }
        wire_arena_free(&arena);
    }
    int64_t total = 0;
    for (accum_batch *b = v->list; b; b = b->next)
        total += b->offsets;
    if (res->err == STRAND_ERR_CLOSED) {
        verify_fail(v);
    } else if (end < 0) {
        verify_later(v);
    } else if (end == 0) {
        /* An empty log holds none of them. */
        int64_t now = client_now_ms();
        client_log(p->core, STRAND_LOG_INFO,
                   "%s [%d]: request lost with its connection: log empty, resending",
                   v->list->topic->name, (int)v->list->partition);
        pthread_mutex_lock(&p->lock);
        if (sender_may_retry(p, v->list, now))
            accum_partition_retry(&p->acc, v->list, now, 0);
        else
            accum_partition_done(&p->acc, v->list, v->err, -1, -1);
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
        verify_end(v);
    } else if (end < total) {
        verify_fail(v);
    } else {
        v->expected = end - total;
        v->guess = 1;
        verify_attempt(v);
    }
    sender_run(p);
}

static void verify_attempt(verify *v) {
    strand_producer *p = v->p;
    const client_topic_md *md = client_metadata_topic(p->core, v->list->topic->name);
    int32_t leader = -1;
    if (md && md->err == 0 && v->list->partition < md->partition_count &&
        md->partitions[v->list->partition].err == 0)
        leader = md->partitions[v->list->partition].leader;
    if (leader < 0) {
        verify_later(v);
        return;
    }
    client_request req = {
        .node_id = leader,
        .api_key = KAFKA_API_FETCH,
        .min_version = 4,
        .max_version = 11,
        .encode = verify_encode,
        .encode_arg = v,
        .cb = verify_done,
        .cb_arg = v,
    };
    if (v->expected < 0) {
        req.api_key = KAFKA_API_LIST_OFFSETS;
        req.min_version = 1;
        req.max_version = 5;
        req.encode = verify_lo_encode;
        req.cb = verify_lo_done;
    }
    if (client_send(p->core, &req) == STRAND_OK)
        v->fetching = 1;
    else
        verify_later(v);
}

void verify_start(strand_producer *p, accum_batch *list, strand_err err) {
    pthread_mutex_lock(&p->lock);
    int64_t expected = list->topic->parts[list->partition].next_offset;
    pthread_mutex_unlock(&p->lock);
    verify *v = NULL;
    if (!p->closing)
        v = calloc(1, sizeof *v);
    if (!v) {
        /* Closing (or no memory): report, never resend. */
        pthread_mutex_lock(&p->lock);
        accum_partition_done(&p->acc, list, err, -1, -1);
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
        return;
    }
    v->p = p;
    v->list = list;
    v->err = err;
    v->expected = expected;
    uv_timer_init(client_loop(p->core), &v->timer);
    v->timer.data = v;
    v->next = p->verifying;
    p->verifying = v;
    verify_later(v); /* after a backoff and a metadata refresh */
}

void verify_teardown(strand_producer *p) {
    /* Verifications waiting for their timer end now; those with a request
     * out end when the core fails it with STRAND_ERR_CLOSED. */
    for (verify *v = p->verifying, *n; v; v = n) {
        n = v->next;
        if (!v->fetching) {
            uv_timer_stop(&v->timer);
            verify_fail(v);
        }
    }
}
