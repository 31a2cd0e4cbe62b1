/*
 * accumulator.c - per-partition batches between send() and the sender.
 *
 * Each partition keeps one open batch_builder and a FIFO of closed batches;
 * a topic keeps its partitions in an array indexed by partition id (grown
 * on demand for explicit partitions before metadata is known) and a pending
 * builder for records whose partition is still to be chosen. Records are
 * copied once, into the builder; per-record report data (opaque pointer and
 * timestamp) lives in one array per batch that grows geometrically.
 *
 * The invariant that keeps retries in order: without idempotence a
 * partition is drained only when it has nothing in flight, and what comes
 * back for a retry goes to the front of its queue in the order it left.
 * Reports of a partition are thus also produced in record order.
 *
 * Idempotence adds sequences to that invariant: a batch's base sequence is
 * fixed when it is first drained (from its partition's next_seq) and never
 * changes, so sequenced batches are always the front of their queue and a
 * resend is byte-identical (same CRC). Changing the producer id restarts
 * every partition at sequence 0, which is only allowed once no sequenced
 * batch is left anywhere (accum_idem_settled): a batch whose earlier copy
 * may be stored is never sent under another id or sequence.
 *
 * Pipelining (idempotence): new batches of a partition may go while earlier
 * requests are in flight, up to cfg.max_inflight requests and
 * ACCUM_IDEM_MAX_BATCHES unfinished batches (`unacked`, in sequence order).
 * Batches coming back for a resend are inserted at their sequence position;
 * a queue that starts with a sequenced batch sends nothing new, and resends
 * only when nothing of the partition is in flight: one request at a time, in
 * sequence order, until the partition is back in order. Results that arrive
 * for a batch while an earlier one is unfinished are held (`held`), so the
 * done list gets a partition's batches in sequence (= send()) order.
 */
#include "producer/accumulator.h"

#include <stdlib.h>
#include <string.h>

#define RECORD_OVERHEAD 32 /* upper bound of a record's framing besides its bytes */

void accum_init(accum *a, const accum_config *cfg) {
    memset(a, 0, sizeof *a);
    a->cfg = *cfg;
    a->producer_id = -1;
    a->producer_epoch = -1;
    partitioner_rng_seed(&a->rng, cfg->seed);
}

int32_t accum_seq_add(int32_t seq, int32_t delta) {
    if (seq > INT32_MAX - delta)
        return delta - (INT32_MAX - seq) - 1;
    return seq + delta;
}

static void batch_free(accum_batch *b) {
    if (!b)
        return;
    batch_builder_free(&b->b);
    wire_writer_free(&b->out);
    free(b->msgs);
    free(b);
}

static void list_free(accum_batch *b) {
    while (b) {
        accum_batch *n = b->next;
        batch_free(b);
        b = n;
    }
}

void accum_free(accum *a) {
    accum_topic *t = a->topics;
    while (t) {
        accum_topic *n = t->next;
        for (int32_t i = 0; i < t->parts_cap; i++) {
            accum_partition *p = &t->parts[i];
            batch_free(p->open);
            list_free(p->head);
            for (int k = 0; k < p->nunacked; k++) /* queued ones were freed above */
                if (p->unacked[k]->held)
                    batch_free(p->unacked[k]);
        }
        free(t->parts);
        free(t->available);
        batch_builder_free(&t->pend);
        free(t->pend_msgs);
        free(t->name);
        free(t);
        t = n;
    }
    list_free(a->done_head);
    memset(a, 0, sizeof *a);
}

accum_topic *accum_topic_get(accum *a, const char *name, int create) {
    accum_topic **pp = &a->topics;
    for (accum_topic *t = a->topics; t; pp = &t->next, t = t->next) {
        if (strcmp(t->name, name) == 0) {
            if (t != a->topics) { /* move to front: producers usually hit one topic */
                *pp = t->next;
                t->next = a->topics;
                a->topics = t;
            }
            return t;
        }
    }
    if (!create)
        return NULL;
    accum_topic *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->name = strdup(name);
    if (!t->name) {
        free(t);
        return NULL;
    }
    t->partition_count = -1;
    partitioner_sticky_init(&t->sticky);
    batch_builder_init(&t->pend, BATCH_CODEC_NONE);
    t->next = a->topics;
    a->topics = t;
    return t;
}

/* Make room for partition ids [0, n). */
static int parts_reserve(accum_topic *t, int32_t n) {
    if (n <= t->parts_cap)
        return 0;
    int32_t cap = t->parts_cap ? t->parts_cap : 4;
    while (cap < n)
        cap = cap > INT32_MAX / 2 ? n : cap * 2;
    accum_partition *p = realloc(t->parts, (size_t)cap * sizeof *p);
    if (!p)
        return -1;
    memset(p + t->parts_cap, 0, (size_t)(cap - t->parts_cap) * sizeof *p);
    for (int32_t i = t->parts_cap; i < cap; i++)
        p[i].next_offset = -1;
    t->parts = p;
    t->parts_cap = cap;
    return 0;
}

static accum_batch *batch_new(accum *a, accum_topic *t, int32_t partition, int64_t now_ms) {
    accum_batch *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->topic = t;
    b->partition = partition;
    b->created_ms = now_ms;
    b->base_offset = -1;
    b->log_append_time = -1;
    wire_writer_init(&b->out);
    batch_builder_init(&b->b, a->cfg.codec);
    return b;
}

static int msgs_push(accum_msg **msgs, int32_t *cap, int32_t count, void *opaque, int64_t ts) {
    if (count == *cap) {
        int32_t ncap = *cap ? *cap * 2 : 64;
        accum_msg *m = realloc(*msgs, (size_t)ncap * sizeof *m);
        if (!m)
            return -1;
        *msgs = m;
        *cap = ncap;
    }
    (*msgs)[count].opaque = opaque;
    (*msgs)[count].timestamp = ts;
    return 0;
}

static void queue_push(accum_partition *p, accum_batch *b) {
    b->next = NULL;
    if (p->tail)
        p->tail->next = b;
    else
        p->head = b;
    p->tail = b;
}

/* Close the open batch of a partition: it joins the send queue. */
static void partition_close_open(accum_topic *t, int32_t partition) {
    accum_partition *p = &t->parts[partition];
    if (!p->open)
        return;
    queue_push(p, p->open);
    p->open = NULL;
    partitioner_sticky_batch_closed(&t->sticky, partition);
}

static void done_push(accum *a, accum_batch *b) {
    b->next = NULL;
    wire_writer_free(&b->out);
    b->sealed = 0;
    if (a->done_tail)
        a->done_tail->next = b;
    else
        a->done_head = b;
    a->done_tail = b;
}

static accum_partition *partition_of(const accum_batch *b) {
    accum_topic *t = b->topic;
    return t && b->partition >= 0 && b->partition < t->parts_cap ? &t->parts[b->partition] : NULL;
}

/* Position of `b` in its partition's unacked list, -1 if not there. */
static int unacked_index(const accum_partition *p, const accum_batch *b) {
    for (int i = 0; i < p->nunacked; i++)
        if (p->unacked[i] == b)
            return i;
    return -1;
}

/* `b` has its result: to the done list, unless it is a sequenced batch with
 * an earlier one unfinished; then it is held, and released with it. */
static void batch_finish(accum *a, accum_batch *b) {
    accum_partition *p = partition_of(b);
    if (!p || unacked_index(p, b) < 0) {
        done_push(a, b);
        return;
    }
    b->held = 1;
    while (p->nunacked > 0 && p->unacked[0]->held) {
        accum_batch *x = p->unacked[0];
        p->nunacked--;
        memmove(p->unacked, p->unacked + 1, (size_t)p->nunacked * sizeof *p->unacked);
        x->held = 0;
        done_push(a, x);
    }
}

/* A failed batch that carries a sequence of the current producer id leaves
 * a hole in its partition's sequence. */
static void note_failure(accum *a, const accum_batch *b, strand_err err) {
    if (err != STRAND_OK && a->producer_id >= 0 && accum_batch_sequenced(b) &&
        b->b.producer_id == a->producer_id && b->b.producer_epoch == a->producer_epoch)
        a->seq_gap = 1;
}

static void batch_fail(accum *a, accum_batch *b, strand_err err) {
    note_failure(a, b, err);
    b->err = err;
    b->base_offset = -1;
    batch_finish(a, b);
}

static size_t record_payload(wire_bytes key, wire_bytes value, const batch_record_header *h,
                             int32_t hc) {
    size_t n = (key.len > 0 ? (size_t)key.len : 0) + (value.len > 0 ? (size_t)value.len : 0);
    for (int32_t i = 0; i < hc; i++)
        n += (h[i].key.len > 0 ? (size_t)h[i].key.len : 0) +
             (h[i].value.len > 0 ? (size_t)h[i].value.len : 0);
    return n;
}

static size_t batch_limit(const accum *a) {
    size_t max =
        a->cfg.max_batch_bytes > BATCH_HEADER_SIZE ? a->cfg.max_batch_bytes - BATCH_HEADER_SIZE : 0;
    return a->cfg.batch_size < max ? a->cfg.batch_size : max;
}

/* Append to a known partition; accounting is the caller's. */
static int append_partition(accum *a, accum_topic *t, int32_t partition, int64_t ts, wire_bytes key,
                            wire_bytes value, const batch_record_header *headers, int32_t hc,
                            void *opaque, size_t payload, size_t est, int64_t now_ms) {
    if (parts_reserve(t, partition + 1))
        return STRAND_ERR_NOMEM;
    accum_partition *p = &t->parts[partition];
    int ready = 0;
    size_t limit = batch_limit(a);
    if (p->open && p->open->count > 0 && p->open->b.records.len + est > limit) {
        partition_close_open(t, partition);
        ready = 1;
    }
    if (!p->open) {
        p->open = batch_new(a, t, partition, now_ms);
        if (!p->open)
            return STRAND_ERR_NOMEM;
        ready = 1;
    }
    accum_batch *b = p->open;
    if (msgs_push(&b->msgs, &b->msgs_cap, b->count, opaque, ts))
        return STRAND_ERR_NOMEM;
    int rc = batch_builder_add(&b->b, ts, key, value, headers, hc);
    if (rc != BATCH_OK) {
        if (b->count == 0) {
            p->open = NULL;
            batch_free(b);
        }
        return rc == BATCH_ERR_RECORD ? STRAND_ERR_INVALID_ARG
               : rc == BATCH_ERR_SIZE ? STRAND_ERR_MSG_TOO_LARGE
                                      : STRAND_ERR_NOMEM;
    }
    b->count++;
    b->offsets++;
    b->bytes += payload;
    if (b->b.records.len >= limit) {
        partition_close_open(t, partition);
        ready = 1;
    }
    return ready ? ACCUM_READY : ACCUM_OK;
}

int accum_append(accum *a, accum_topic *t, int32_t partition, int64_t timestamp, wire_bytes key,
                 wire_bytes value, const batch_record_header *headers, int32_t header_count,
                 void *opaque, int64_t now_ms) {
    if (partition < -1 || header_count < 0 || (header_count > 0 && !headers))
        return STRAND_ERR_INVALID_ARG;
    for (int32_t i = 0; i < header_count; i++)
        if (headers[i].key.len < 0)
            return STRAND_ERR_INVALID_ARG;
    size_t payload = record_payload(key, value, headers, header_count);
    size_t est = payload + RECORD_OVERHEAD + (size_t)header_count * 10;
    if (est + BATCH_HEADER_SIZE > a->cfg.max_batch_bytes)
        return STRAND_ERR_MSG_TOO_LARGE;
    if (a->messages >= a->cfg.max_messages || a->bytes + payload > a->cfg.max_bytes)
        return STRAND_ERR_QUEUE_FULL;
    if (t->partition_count >= 0 && partition >= t->partition_count)
        return STRAND_ERR_UNKNOWN_PARTITION;

    int rc;
    if (partition >= 0) {
        rc = append_partition(a, t, partition, timestamp, key, value, headers, header_count, opaque,
                              payload, est, now_ms);
    } else if (t->partition_count > 0) {
        partitioner_avail av = {t->available, t->available_count};
        int32_t chosen = partitioner_pick(a->cfg.partitioner, key.ptr, key.len, t->partition_count,
                                          &av, &t->sticky, &a->rng);
        if (chosen < 0)
            return STRAND_ERR_INVALID_ARG;
        rc = append_partition(a, t, chosen, timestamp, key, value, headers, header_count, opaque,
                              payload, est, now_ms);
    } else {
        /* Partition count unknown (or zero): wait for metadata. */
        if (msgs_push(&t->pend_msgs, &t->pend_cap, t->pend.count, opaque, timestamp))
            return STRAND_ERR_NOMEM;
        int brc = batch_builder_add(&t->pend, timestamp, key, value, headers, header_count);
        if (brc != BATCH_OK)
            return brc == BATCH_ERR_SIZE ? STRAND_ERR_MSG_TOO_LARGE : STRAND_ERR_NOMEM;
        if (t->pend.count == 1)
            t->pend_since = now_ms;
        t->pend_bytes += payload;
        rc = t->pend.count == 1 ? ACCUM_READY : ACCUM_OK;
    }
    if (rc >= 0) {
        a->messages++;
        a->bytes += payload;
    }
    return rc;
}

int accum_append_raw(accum *a, accum_topic *t, int32_t partition, const void *bytes, size_t len,
                     strand_batches_cb cb, void *opaque, int64_t now_ms) {
    if (partition < 0 || !bytes || len == 0)
        return STRAND_ERR_INVALID_ARG;
    if (len > a->cfg.max_batch_bytes)
        return STRAND_ERR_MSG_TOO_LARGE;
    if (t->partition_count >= 0 && partition >= t->partition_count)
        return STRAND_ERR_UNKNOWN_PARTITION;
    /* Whole, valid v2 batches and nothing else. */
    int32_t batches = 0, offsets = 0;
    size_t pos = 0;
    while (pos < len) {
        batch_header h;
        if (batch_validate((const uint8_t *)bytes + pos, len - pos, 0, 0, &h) != BATCH_OK)
            return STRAND_ERR_BAD_MSG;
        if (h.last_offset_delta < 0 || offsets > INT32_MAX - h.last_offset_delta - 1)
            return STRAND_ERR_BAD_MSG;
        offsets += h.last_offset_delta + 1;
        batches++;
        pos += (size_t)batch_total_size(&h);
    }
    if (a->messages >= a->cfg.max_messages || a->bytes + len > a->cfg.max_bytes)
        return STRAND_ERR_QUEUE_FULL;
    if (parts_reserve(t, partition + 1))
        return STRAND_ERR_NOMEM;
    accum_batch *b = batch_new(a, t, partition, now_ms);
    if (!b)
        return STRAND_ERR_NOMEM;
    wire_write_raw(&b->out, bytes, len);
    if (b->out.err) {
        batch_free(b);
        return STRAND_ERR_NOMEM;
    }
    b->raw = 1;
    b->sealed = 1;
    b->count = batches;
    b->offsets = offsets;
    b->bytes = len;
    b->raw_cb = cb;
    b->raw_opaque = opaque;
    /* Behind the records already appended to this partition. */
    partition_close_open(t, partition);
    queue_push(&t->parts[partition], b);
    a->messages++;
    a->bytes += len;
    return ACCUM_READY;
}

/* The pending records of a topic as one failed batch. */
static void pending_fail(accum *a, accum_topic *t, strand_err err) {
    if (t->pend.count == 0)
        return;
    accum_batch *b = calloc(1, sizeof *b);
    if (!b)
        return; /* keeps them pending; they expire later */
    b->topic = t;
    b->partition = -1;
    b->b = t->pend;
    b->msgs = t->pend_msgs;
    b->msgs_cap = t->pend_cap;
    b->count = t->pend.count;
    b->bytes = t->pend_bytes;
    wire_writer_init(&b->out);
    t->pend_msgs = NULL;
    t->pend_cap = 0;
    t->pend_bytes = 0;
    batch_builder_init(&t->pend, BATCH_CODEC_NONE);
    batch_fail(a, b, err);
}

/* Partition the pending records now that the count is known. */
static int pending_replay(accum *a, accum_topic *t, int64_t now_ms) {
    if (t->pend.count == 0)
        return ACCUM_OK;
    wire_writer tmp;
    wire_writer_init(&tmp);
    if (batch_builder_finish(&t->pend, &tmp) != BATCH_OK) {
        wire_writer_free(&tmp);
        pending_fail(a, t, STRAND_ERR_NOMEM);
        return ACCUM_READY;
    }
    accum_msg *msgs = t->pend_msgs;
    int32_t count = t->pend.count;
    batch_builder_free(&t->pend);
    batch_builder_init(&t->pend, BATCH_CODEC_NONE);
    t->pend_msgs = NULL;
    t->pend_cap = 0;
    t->pend_bytes = 0;

    int result = ACCUM_OK;
    batch_reader br;
    int rc = batch_reader_open(&br, tmp.p, tmp.len, 0);
    batch_record rec;
    int32_t i = 0;
    batch_record_header hbuf[16];
    while (rc == BATCH_OK && i < count && batch_reader_next(&br, &rec) == 1) {
        batch_record_header *hs = hbuf;
        if (rec.header_count > 16)
            hs = malloc((size_t)rec.header_count * sizeof *hs);
        int32_t hc = 0;
        if (hs) {
            batch_header_iter hi;
            batch_header_iter_init(&hi, &rec);
            while (hc < rec.header_count && batch_header_iter_next(&hi, &hs[hc]) == 1)
                hc++;
        }
        size_t payload = record_payload(rec.key, rec.value, hs, hc);
        size_t est = payload + RECORD_OVERHEAD + (size_t)hc * 10;
        int32_t chosen = -1;
        int arc = STRAND_ERR_NOMEM;
        if (hs) {
            partitioner_avail av = {t->available, t->available_count};
            chosen = partitioner_pick(a->cfg.partitioner, rec.key.ptr, rec.key.len,
                                      t->partition_count, &av, &t->sticky, &a->rng);
            arc = append_partition(a, t, chosen, msgs[i].timestamp, rec.key, rec.value, hs, hc,
                                   msgs[i].opaque, payload, est, now_ms);
        }
        if (hs != hbuf)
            free(hs);
        if (arc < 0) {
            /* Report this record alone as failed; its accounting stays
             * with the failed batch. */
            accum_batch *fb = batch_new(a, t, chosen, now_ms);
            if (fb &&
                msgs_push(&fb->msgs, &fb->msgs_cap, 0, msgs[i].opaque, msgs[i].timestamp) == 0 &&
                batch_builder_add(&fb->b, msgs[i].timestamp, rec.key, rec.value, NULL, 0) ==
                    BATCH_OK) {
                fb->count = 1;
                fb->bytes = payload;
                batch_fail(a, fb, (strand_err)arc);
            } else {
                batch_free(fb);
                a->messages--; /* cannot report it: do not count it forever */
                a->bytes -= payload < a->bytes ? payload : a->bytes;
            }
        }
        result = ACCUM_READY;
        i++;
    }
    batch_reader_close(&br);
    wire_writer_free(&tmp);
    free(msgs);
    return result;
}

int accum_topic_set_partitions(accum *a, accum_topic *t, int32_t count, const int32_t *available,
                               int32_t available_count, int64_t now_ms) {
    if (count < 0)
        count = 0;
    int32_t *av = NULL;
    if (available_count > 0) {
        av = malloc((size_t)available_count * sizeof *av);
        if (!av)
            return STRAND_ERR_NOMEM;
        memcpy(av, available, (size_t)available_count * sizeof *av);
    }
    free(t->available);
    t->available = av;
    t->available_count = available_count > 0 ? available_count : 0;
    t->partition_count = count;
    int result = ACCUM_OK;
    /* Partitions beyond the count fail (not those in flight: their
     * response will say so). */
    for (int32_t i = count; i < t->parts_cap; i++) {
        accum_partition *p = &t->parts[i];
        partition_close_open(t, i);
        while (p->head) {
            accum_batch *b = p->head;
            p->head = b->next;
            batch_fail(a, b, STRAND_ERR_UNKNOWN_PARTITION);
            result = ACCUM_READY;
        }
        p->tail = NULL;
    }
    if (count > 0) {
        if (parts_reserve(t, count))
            return STRAND_ERR_NOMEM;
        if (pending_replay(a, t, now_ms) == ACCUM_READY)
            result = ACCUM_READY;
    }
    return result;
}

void accum_topic_fail(accum *a, accum_topic *t, strand_err err) {
    pending_fail(a, t, err);
    for (int32_t i = 0; i < t->parts_cap; i++) {
        accum_partition *p = &t->parts[i];
        partition_close_open(t, i);
        while (p->head) {
            accum_batch *b = p->head;
            p->head = b->next;
            batch_fail(a, b, err);
        }
        p->tail = NULL;
    }
}

void accum_fail_all(accum *a, strand_err err) {
    for (accum_topic *t = a->topics; t; t = t->next)
        accum_topic_fail(a, t, err);
}

static size_t batch_wire_size(const accum_batch *b) {
    return b->sealed ? b->out.len : b->b.records.len + BATCH_HEADER_SIZE;
}

/* Requests a partition may have in flight. */
static int max_inflight(const accum *a) {
    if (a->producer_id < 0 || a->cfg.max_inflight <= 1)
        return 1;
    return a->cfg.max_inflight < ACCUM_IDEM_MAX_BATCHES ? a->cfg.max_inflight
                                                        : ACCUM_IDEM_MAX_BATCHES;
}

/* May `p` take another request, timing aside? Nothing in flight, or
 * pipelining: idempotence, only sequenced batches in flight, one of them
 * acknowledged under this producer id already (a broker that does not know
 * the id yet takes any sequence), no resend waiting or in flight (resends go
 * alone, in order), no raw batch next, room in the request and batch windows. */
static int partition_open_for(const accum *a, const accum_partition *p) {
    if (p->inflight == 0)
        return 1;
    if (a->producer_id < 0 || p->exclusive || !p->acked || p->recovering ||
        p->inflight >= max_inflight(a))
        return 0;
    if (p->head && (p->head->raw || accum_batch_sequenced(p->head)))
        return 0;
    return p->nunacked < ACCUM_IDEM_MAX_BATCHES;
}

static int partition_ready(const accum *a, const accum_partition *p, int64_t now_ms) {
    if (!partition_open_for(a, p) || p->backoff_until > now_ms)
        return 0;
    if (p->head)
        return 1;
    return p->open && p->open->count > 0 &&
           (a->flushing > 0 || now_ms - p->open->created_ms >= a->cfg.linger_ms);
}

/* Give the batches of `list` (none sequenced yet) the producer id, epoch and
 * the partition's next sequences. The builder writes them into the header
 * when the batch is sealed, so the CRC covers them. */
static void assign_sequences(accum *a, accum_partition *p, accum_batch *list) {
    for (accum_batch *b = list; b; b = b->next) {
        if (b->raw)
            continue;
        b->b.producer_id = a->producer_id;
        b->b.producer_epoch = a->producer_epoch;
        b->b.base_sequence = p->next_seq;
        p->next_seq = accum_seq_add(p->next_seq, b->count);
        if (p->nunacked < ACCUM_IDEM_MAX_BATCHES) /* always: the drain leaves room */
            p->unacked[p->nunacked++] = b;
    }
}

int accum_drain(accum *a, int64_t now_ms, size_t max_bytes, int resends_only,
                accum_leader_fn leader_of, accum_emit_fn emit, void *ctx) {
    int taken = 0;
    int idem = a->producer_id >= 0;
    for (accum_topic *t = a->topics; t; t = t->next) {
        for (int32_t i = 0; i < t->parts_cap; i++) {
            accum_partition *p = &t->parts[i];
            if (!partition_ready(a, p, now_ms))
                continue;
            if (t->partition_count >= 0 && i >= t->partition_count)
                continue;
            if (resends_only && !(p->head && accum_batch_sequenced(p->head)))
                continue;
            int32_t node = leader_of(ctx, t, i);
            if (node < 0)
                continue;
            /* The open batch goes too when it is due and nothing precedes it
             * beyond the request's room. */
            if (!resends_only && (!p->head || (p->open && p->open->count > 0 &&
                                               (a->flushing > 0 ||
                                                now_ms - p->open->created_ms >= a->cfg.linger_ms))))
                partition_close_open(t, i);
            /* A resend (sequenced) goes alone; new batches with idempotence
             * only as many as the partition's unfinished ones leave room for
             * (ACCUM_IDEM_MAX_BATCHES in all), and no raw batch behind a
             * request in flight. */
            int resend = p->head && accum_batch_sequenced(p->head);
            int max_batches = resend ? 1 : idem ? ACCUM_IDEM_MAX_BATCHES - p->nunacked : INT32_MAX;
            int pipelined = p->inflight > 0;
            accum_batch *list = NULL, *last = NULL;
            size_t bytes = 0;
            int n = 0;
            while (p->head && n < max_batches && !(list && accum_batch_sequenced(p->head)) &&
                   !(pipelined && p->head->raw)) {
                size_t sz = batch_wire_size(p->head);
                if (list && bytes + sz > max_bytes)
                    break;
                accum_batch *b = p->head;
                p->head = b->next;
                if (!p->head)
                    p->tail = NULL;
                b->next = NULL;
                if (last)
                    last->next = b;
                else
                    list = b;
                last = b;
                bytes += sz;
                n++;
            }
            if (!list)
                continue;
            if (emit(ctx, node, list, bytes) == 0) {
                p->inflight++;
                if (idem && !resend)
                    assign_sequences(a, p, list);
                for (accum_batch *b = list; b; b = b->next) {
                    b->attempts++;
                    if (!accum_batch_sequenced(b))
                        p->exclusive = 1; /* settled by verification: alone */
                }
                taken++;
            } else {
                /* Refused: back to the front, order unchanged. */
                last->next = p->head;
                p->head = list;
                if (!p->tail)
                    p->tail = last;
            }
        }
    }
    return taken;
}

void accum_idem_set(accum *a, int64_t id, int16_t epoch) {
    a->producer_id = id;
    a->producer_epoch = id >= 0 ? epoch : -1;
    a->seq_gap = 0;
    for (accum_topic *t = a->topics; t; t = t->next)
        for (int32_t i = 0; i < t->parts_cap; i++) {
            t->parts[i].next_seq = 0;
            t->parts[i].acked = 0;
            t->parts[i].recovering = 0;
        }
}

int accum_idem_settled(const accum *a) {
    for (const accum_topic *t = a->topics; t; t = t->next)
        for (int32_t i = 0; i < t->parts_cap; i++) {
            const accum_partition *p = &t->parts[i];
            if (p->inflight || (p->head && accum_batch_sequenced(p->head)))
                return 0;
        }
    return 1;
}

int accum_idem_behind(const accum *a, const accum_batch *list) {
    (void)a;
    const accum_partition *p = partition_of(list);
    return p && unacked_index(p, list) > 0;
}

int accum_batch_seal(accum_batch *b) {
    if (b->sealed)
        return BATCH_OK;
    b->out.len = 0;
    int rc = batch_builder_finish(&b->b, &b->out);
    if (rc == BATCH_OK)
        b->sealed = 1;
    return rc;
}

void accum_partition_done(accum *a, accum_batch *list, strand_err err, int64_t base_offset,
                          int64_t log_append_time) {
    if (!list)
        return;
    accum_partition *p = partition_of(list);
    if (p) {
        if (p->inflight > 0)
            p->inflight--;
        if (p->inflight == 0) {
            p->exclusive = 0;
            if (!(p->head && accum_batch_sequenced(p->head)))
                p->recovering = 0; /* back in order */
        }
    }
    int64_t next = base_offset;
    while (list) {
        accum_batch *b = list;
        list = b->next;
        note_failure(a, b, err);
        if (err == STRAND_OK && p && accum_batch_sequenced(b) &&
            b->b.producer_id == a->producer_id && b->b.producer_epoch == a->producer_epoch)
            p->acked = 1;
        b->err = err;
        b->log_append_time = log_append_time;
        if (err == STRAND_OK && base_offset >= 0) {
            b->base_offset = next;
            next += b->offsets;
        } else {
            b->base_offset = -1;
        }
        batch_finish(a, b);
    }
}

void accum_partition_retry(accum *a, accum_batch *list, int64_t now_ms, int64_t backoff_ms) {
    (void)a;
    if (!list)
        return;
    accum_partition *p = partition_of(list);
    if (!p) { /* cannot happen for drained batches; never lose them */
        accum_partition_done(a, list, STRAND_ERR_UNKNOWN_PARTITION, -1, -1);
        return;
    }
    if (p->inflight > 0)
        p->inflight--;
    if (p->inflight == 0)
        p->exclusive = 0;
    if (accum_batch_sequenced(list))
        p->recovering = 1;
    p->backoff_until = now_ms + backoff_ms;
    accum_batch *last = list;
    while (last->next)
        last = last->next;
    /* Sequenced batches go behind the queued resends with lower sequences
     * (they came back first); everything else to the front. */
    accum_batch **at = &p->head;
    int idx = unacked_index(p, list);
    if (idx >= 0) {
        while (*at && unacked_index(p, *at) >= 0 && unacked_index(p, *at) < idx)
            at = &(*at)->next;
    }
    last->next = *at;
    *at = list;
    if (!last->next)
        p->tail = last;
}

static int expired(const accum *a, const accum_batch *b, int64_t now_ms) {
    return now_ms - b->created_ms >= a->cfg.delivery_timeout_ms;
}

int accum_expire(accum *a, int64_t now_ms) {
    int n = 0;
    for (accum_topic *t = a->topics; t; t = t->next) {
        /* Records that waited for a topic the cluster does not know say so. */
        strand_err why = t->unknown ? STRAND_ERR_UNKNOWN_TOPIC : STRAND_ERR_TIMED_OUT;
        if (t->pend.count > 0 && now_ms - t->pend_since >= a->cfg.delivery_timeout_ms) {
            pending_fail(a, t, why);
            n++;
        }
        for (int32_t i = 0; i < t->parts_cap; i++) {
            accum_partition *p = &t->parts[i];
            /* Batches are queued oldest first; the open one is the newest. */
            while (p->head && expired(a, p->head, now_ms)) {
                accum_batch *b = p->head;
                p->head = b->next;
                if (!p->head)
                    p->tail = NULL;
                batch_fail(a, b, why);
                n++;
            }
            if (!p->head && p->open && expired(a, p->open, now_ms)) {
                accum_batch *b = p->open;
                p->open = NULL;
                partitioner_sticky_batch_closed(&t->sticky, i);
                batch_fail(a, b, why);
                n++;
            }
        }
    }
    return n;
}

static int64_t min64(int64_t x, int64_t y) {
    return x < y ? x : y;
}

int64_t accum_next_wakeup(const accum *a, int64_t now_ms, int drain_mode) {
    int64_t w = INT64_MAX;
    int64_t dt = a->cfg.delivery_timeout_ms;
    for (const accum_topic *t = a->topics; t; t = t->next) {
        if (t->pend.count > 0)
            w = min64(w, t->pend_since + dt);
        for (int32_t i = 0; i < t->parts_cap; i++) {
            const accum_partition *p = &t->parts[i];
            int64_t due = INT64_MAX; /* when the partition may be drained */
            if (p->head) {
                w = min64(w, p->head->created_ms + dt);
                due = now_ms;
            }
            if (p->open && p->open->count > 0) {
                w = min64(w, p->open->created_ms + dt);
                due = min64(due, a->flushing > 0 ? now_ms : p->open->created_ms + a->cfg.linger_ms);
            }
            if (drain_mode < 0 || (drain_mode == 1 && !(p->head && accum_batch_sequenced(p->head))))
                continue; /* not drained now: only expiry counts */
            if (partition_open_for(a, p) && due != INT64_MAX)
                w = min64(w, due > p->backoff_until ? due : p->backoff_until);
        }
    }
    return w;
}

accum_batch *accum_done_take(accum *a) {
    accum_batch *l = a->done_head;
    a->done_head = a->done_tail = NULL;
    return l;
}

void accum_batch_release(accum *a, accum_batch *b) {
    int64_t m = b->raw ? 1 : b->count;
    a->messages = a->messages > m ? a->messages - m : 0;
    a->bytes = a->bytes > b->bytes ? a->bytes - b->bytes : 0;
    batch_free(b);
}

void accum_record_iter_init(accum_record_iter *it, const accum_batch *b) {
    if (b->raw)
        wire_reader_init(&it->r, NULL, 0);
    else
        wire_reader_init(&it->r, b->b.records.p, b->b.records.len);
}

int accum_record_iter_next(accum_record_iter *it, wire_bytes *key, wire_bytes *value) {
    wire_reader *r = &it->r;
    if (wire_remaining(r) == 0)
        return 0;
    int32_t len = wire_read_varint(r);
    size_t start = r->pos;
    if (r->err || len < 0 || (size_t)len > wire_remaining(r))
        return 0;
    wire_read_i8(r);
    wire_read_varlong(r);
    wire_read_varint(r);
    int32_t kl = wire_read_varint(r);
    key->len = kl < 0 ? -1 : kl;
    key->ptr = kl > 0 ? wire_read_raw(r, (size_t)kl) : NULL;
    int32_t vl = wire_read_varint(r);
    value->len = vl < 0 ? -1 : vl;
    value->ptr = vl > 0 ? wire_read_raw(r, (size_t)vl) : NULL;
    if (r->err)
        return 0;
    r->pos = start + (size_t)len;
    return 1;
}
