/*
 * producer_state.c - the idempotent-producer table of one partition
 * (producer_state.h): a chained hash table from producer id to its epoch
 * and last 5 batches, with Kafka's duplicate and sequence rules.
 *
 * A check never touches the table: it works on copies of the entries the
 * request's batches name (usually one), so a request that fails halfway
 * leaves nothing behind and the caller needs no undo. The table grows by
 * doubling; expiry walks it (it runs on a timer, not per request).
 */
#include "broker/producer_state.h"

#include <stdlib.h>
#include <string.h>

#include "wire/kafka.h"

struct producer_state {
    producer_entry **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
};

static size_t bucket_of(int64_t pid, size_t nbuckets) {
    uint64_t x = (uint64_t)pid * 0x9E3779B97F4A7C15ull; /* Fibonacci hashing */
    return (size_t)(x >> 32) & (nbuckets - 1);
}

producer_state *producer_state_new(void) {
    producer_state *ps = calloc(1, sizeof *ps);
    if (!ps)
        return NULL;
    ps->nbuckets = 16;
    ps->buckets = calloc(ps->nbuckets, sizeof *ps->buckets);
    if (!ps->buckets) {
        free(ps);
        return NULL;
    }
    return ps;
}

void producer_state_clear(producer_state *ps) {
    if (!ps)
        return;
    for (size_t i = 0; i < ps->nbuckets; i++) {
        producer_entry *e = ps->buckets[i];
        while (e) {
            producer_entry *next = e->next;
            free(e);
            e = next;
        }
        ps->buckets[i] = NULL;
    }
    ps->count = 0;
}

void producer_state_free(producer_state *ps) {
    if (!ps)
        return;
    producer_state_clear(ps);
    free(ps->buckets);
    free(ps);
}

size_t producer_state_count(const producer_state *ps) {
    return ps ? ps->count : 0;
}

static producer_entry *find(const producer_state *ps, int64_t pid) {
    for (producer_entry *e = ps->buckets[bucket_of(pid, ps->nbuckets)]; e; e = e->next)
        if (e->producer_id == pid)
            return e;
    return NULL;
}

const producer_entry *producer_state_find(const producer_state *ps, int64_t producer_id) {
    return ps ? find(ps, producer_id) : NULL;
}

int32_t producer_seq_add(int32_t seq, int32_t delta) {
    if (seq > INT32_MAX - delta)
        return delta - (INT32_MAX - seq) - 1;
    return seq + delta;
}

int32_t producer_batch_last_seq(const batch_header *h) {
    return producer_seq_add(h->base_sequence, h->last_offset_delta);
}

static int in_sequence(int32_t last, int32_t next) {
    return (int64_t)next == (int64_t)last + 1 || (next == 0 && last == INT32_MAX);
}

/* Kafka's addBatch on an entry: epoch change forgets the batches; the
 * oldest of 5 makes room. */
static void entry_add(producer_entry *e, const batch_header *h) {
    if (e->epoch != h->producer_epoch) {
        e->epoch = h->producer_epoch;
        e->n = 0;
    }
    if (e->n == PRODUCER_STATE_BATCHES) {
        memmove(&e->batches[0], &e->batches[1],
                (PRODUCER_STATE_BATCHES - 1) * sizeof e->batches[0]);
        e->n--;
    }
    producer_batch_meta *m = &e->batches[e->n++];
    m->first_seq = h->base_sequence;
    m->last_seq = producer_batch_last_seq(h);
    m->first_offset = h->base_offset;
    m->last_offset = batch_last_offset(h);
    m->timestamp = h->max_timestamp;
    e->last_timestamp = h->max_timestamp;
}

static const producer_batch_meta *entry_duplicate(const producer_entry *e, const batch_header *h) {
    if (h->producer_epoch != e->epoch)
        return NULL;
    int32_t last = producer_batch_last_seq(h);
    for (int i = 0; i < e->n; i++)
        if (e->batches[i].first_seq == h->base_sequence && e->batches[i].last_seq == last)
            return &e->batches[i];
    return NULL;
}

/* Epoch and sequence rules for a batch that is not a duplicate; e is NULL
 * for a producer id the partition does not know. */
static int16_t entry_validate(const producer_entry *e, const batch_header *h) {
    if (!e)
        return KAFKA_NONE; /* unknown: any sequence (KIP-360) */
    if (h->producer_epoch < e->epoch)
        return KAFKA_INVALID_PRODUCER_EPOCH;
    if (h->producer_epoch != e->epoch)
        return h->base_sequence == 0 ? KAFKA_NONE : KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER;
    if (e->n == 0)
        return KAFKA_NONE;
    return in_sequence(e->batches[e->n - 1].last_seq, h->base_sequence)
               ? KAFKA_NONE
               : KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER;
}

/* A working copy of one producer's entry during a check. */
typedef struct scratch {
    int64_t pid;
    int known; /* 0: the producer is new to the partition (so far) */
    producer_entry e;
} scratch;

int producer_state_check(const producer_state *ps, const batch_header *hs, int n,
                         producer_check *out) {
    memset(out, 0, sizeof *out);
    out->error = KAFKA_NONE;
    out->bad_batch = -1;
    out->dup_first_offset = out->dup_last_offset = out->dup_timestamp = -1;
    scratch local[4];
    scratch *s = local;
    if (n > 4 && !(s = malloc((size_t)n * sizeof *s)))
        return -1;
    int ns = 0;
    int all_dups = 1; /* every batch so far was a duplicate */
    for (int i = 0; i < n; i++) {
        const batch_header *h = &hs[i];
        if (h->producer_id < 0) {
            all_dups = 0;
            continue;
        }
        if (h->producer_epoch < 0 || h->base_sequence < 0) {
            out->error = KAFKA_INVALID_RECORD;
            out->bad_batch = i;
            break;
        }
        scratch *c = NULL;
        for (int k = 0; k < ns && !c; k++)
            if (s[k].pid == h->producer_id)
                c = &s[k];
        if (!c) {
            c = &s[ns++];
            c->pid = h->producer_id;
            const producer_entry *e = ps ? find(ps, h->producer_id) : NULL;
            c->known = e != NULL;
            if (e)
                c->e = *e;
            else
                memset(&c->e, 0, sizeof c->e);
            c->e.producer_id = h->producer_id;
            c->e.next = NULL;
        }
        if (all_dups && c->known) {
            const producer_batch_meta *d = entry_duplicate(&c->e, h);
            if (d) {
                if (out->dup_count == 0) {
                    out->dup_first_offset = d->first_offset;
                    out->dup_timestamp = d->timestamp;
                }
                out->dup_last_offset = d->last_offset;
                out->dup_count++;
                continue;
            }
        }
        all_dups = 0;
        int16_t err = entry_validate(c->known ? &c->e : NULL, h);
        if (err != KAFKA_NONE) {
            out->error = err;
            out->bad_batch = i;
            break;
        }
        entry_add(&c->e, h);
        c->known = 1;
    }
    if (s != local)
        free(s);
    return out->error;
}

static int grow(producer_state *ps) {
    size_t nb = ps->nbuckets * 2;
    producer_entry **b = calloc(nb, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < ps->nbuckets; i++) {
        producer_entry *e = ps->buckets[i];
        while (e) {
            producer_entry *next = e->next;
            size_t k = bucket_of(e->producer_id, nb);
            e->next = b[k];
            b[k] = e;
            e = next;
        }
    }
    free(ps->buckets);
    ps->buckets = b;
    ps->nbuckets = nb;
    return 0;
}

int producer_state_apply(producer_state *ps, const batch_header *h) {
    if (h->producer_id < 0)
        return 0;
    producer_entry *e = find(ps, h->producer_id);
    if (!e) {
        if (ps->count >= ps->nbuckets && grow(ps) != 0)
            return -1;
        if (!(e = calloc(1, sizeof *e)))
            return -1;
        e->producer_id = h->producer_id;
        e->epoch = h->producer_epoch;
        size_t k = bucket_of(e->producer_id, ps->nbuckets);
        e->next = ps->buckets[k];
        ps->buckets[k] = e;
        ps->count++;
    }
    entry_add(e, h);
    return 0;
}

size_t producer_state_expire(producer_state *ps, int64_t now_ms, int64_t expiration_ms,
                             int64_t log_start) {
    size_t removed = 0;
    if (!ps)
        return 0;
    for (size_t i = 0; i < ps->nbuckets; i++) {
        producer_entry **pp = &ps->buckets[i];
        while (*pp) {
            producer_entry *e = *pp;
            int old = expiration_ms >= 0 && now_ms - e->last_timestamp >= expiration_ms;
            int gone = e->n > 0 && e->batches[e->n - 1].last_offset < log_start;
            if (old || gone) {
                *pp = e->next;
                free(e);
                ps->count--;
                removed++;
            } else {
                pp = &e->next;
            }
        }
    }
    return removed;
}
