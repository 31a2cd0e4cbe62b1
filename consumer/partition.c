/*
 * partition.c - fetch state of assigned partitions, their item queues, the
 * round-robin delivery list and the prefetch budget.
 *
 * Pure bookkeeping with no I/O and no locking, so it is unit-tested
 * directly; the consumer calls it under its mutex from both threads.
 * Invariants: s->buffered is the sum of qbytes over the partitions and
 * s->paused_bytes the sum over paused ones; a partition is on the ready
 * list exactly when it is not paused and its queue is non-empty.
 */
#include "consumer/partition.h"

#include <stdlib.h>
#include <string.h>

void consumer_pset_init(consumer_pset *s, size_t budget, int32_t part_max_bytes) {
    memset(s, 0, sizeof *s);
    s->budget = budget ? budget : 1;
    s->part_max_bytes = part_max_bytes > 0 ? part_max_bytes : 1;
}

static void list_move(consumer_parse_result *dst, consumer_item *head, consumer_item *tail,
                      size_t count, size_t bytes) {
    if (!head)
        return;
    if (dst->tail)
        dst->tail->next = head;
    else
        dst->head = head;
    dst->tail = tail;
    tail->next = NULL;
    dst->count += count;
    dst->bytes += bytes;
}

static void ready_remove(consumer_pset *s, consumer_part *p) {
    if (!p->in_ready)
        return;
    consumer_part **pp = &s->ready_head;
    consumer_part *prev = NULL;
    while (*pp && *pp != p) {
        prev = *pp;
        pp = &(*pp)->ready_next;
    }
    if (*pp) {
        *pp = p->ready_next;
        if (s->ready_tail == p)
            s->ready_tail = prev;
    }
    p->ready_next = NULL;
    p->in_ready = 0;
}

static void ready_add(consumer_pset *s, consumer_part *p) {
    if (p->in_ready || p->paused || !p->qhead)
        return;
    p->ready_next = NULL;
    if (s->ready_tail)
        s->ready_tail->ready_next = p;
    else
        s->ready_head = p;
    s->ready_tail = p;
    p->in_ready = 1;
}

/* Drop the partition's queue into *dropped and discharge it. */
static void part_purge(consumer_pset *s, consumer_part *p, consumer_parse_result *dropped) {
    ready_remove(s, p);
    list_move(dropped, p->qhead, p->qtail, p->qcount, p->qbytes);
    s->buffered -= p->qbytes;
    if (p->paused)
        s->paused_bytes -= p->qbytes;
    p->qhead = p->qtail = NULL;
    p->qcount = 0;
    p->qbytes = 0;
}

static void part_start(consumer_part *p, consumer_start start) {
    p->version++;
    p->fetch_inflight = 0; /* an in-flight answer is stale from now on */
    p->retry_at_ms = 0;
    if (!start.is_timestamp && start.value >= 0) {
        p->state = CONSUMER_PART_ACTIVE;
        p->fetch_offset = start.value;
        p->position = start.value;
    } else {
        p->state = CONSUMER_PART_OFFSET_PENDING;
        p->lookup = start;
        p->fetch_offset = -1;
        p->position = -1;
    }
}

static void part_free(consumer_pset *s, consumer_part *p, consumer_parse_result *dropped) {
    part_purge(s, p, dropped);
    free(p->topic);
    free(p);
}

void consumer_pset_destroy(consumer_pset *s, consumer_parse_result *dropped) {
    for (size_t i = 0; i < s->count; i++)
        part_free(s, s->parts[i], dropped);
    free(s->parts);
    s->parts = NULL;
    s->count = 0;
    s->ready_head = s->ready_tail = NULL;
}

consumer_part *consumer_pset_find(consumer_pset *s, const char *topic, int32_t partition) {
    for (size_t i = 0; i < s->count; i++) {
        consumer_part *p = s->parts[i];
        if (p->partition == partition && strcmp(p->topic, topic) == 0)
            return p;
    }
    return NULL;
}

int consumer_pset_assign(consumer_pset *s, const consumer_assign_entry *entries, size_t n,
                         consumer_parse_result *dropped) {
    consumer_part **parts = n ? calloc(n, sizeof *parts) : NULL;
    if (n && !parts)
        return -1;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        consumer_part *p = NULL;
        for (size_t j = 0; j < count; j++)
            if (parts[j]->partition == entries[i].partition &&
                strcmp(parts[j]->topic, entries[i].topic) == 0)
                p = parts[j];
        if (!p) {
            p = calloc(1, sizeof *p);
            if (p)
                p->topic = strdup(entries[i].topic);
            if (!p || !p->topic) {
                if (p)
                    free(p);
                for (size_t j = 0; j < count; j++) {
                    free(parts[j]->topic);
                    free(parts[j]);
                }
                free(parts);
                return -1;
            }
            p->partition = entries[i].partition;
            p->high_watermark = -1;
            p->max_bytes = s->part_max_bytes;
            parts[count++] = p;
        }
        part_start(p, entries[i].start);
    }
    /* Versions must never repeat for a (topic, partition) that stays, so a
     * stale answer to the old assignment cannot match the new one. */
    for (size_t j = 0; j < count; j++) {
        consumer_part *old = consumer_pset_find(s, parts[j]->topic, parts[j]->partition);
        if (old)
            parts[j]->version += old->version + 1;
    }
    consumer_pset_destroy(s, dropped);
    s->parts = parts;
    s->count = count;
    return 0;
}

void consumer_part_seek(consumer_pset *s, consumer_part *p, consumer_start start,
                        consumer_parse_result *dropped) {
    part_purge(s, p, dropped);
    part_start(p, start);
}

void consumer_part_offset_resolved(consumer_pset *s, consumer_part *p, uint32_t version,
                                   int64_t offset) {
    (void)s;
    if (version != p->version || p->state != CONSUMER_PART_OFFSET_WAIT)
        return;
    p->state = CONSUMER_PART_ACTIVE;
    p->fetch_offset = offset;
    if (!p->qhead) /* else older items still come first (after a reset) */
        p->position = offset;
    p->retry_at_ms = 0;
}

void consumer_part_reset(consumer_pset *s, consumer_part *p, consumer_start lookup) {
    (void)s;
    p->version++;
    p->fetch_inflight = 0;
    p->state = CONSUMER_PART_OFFSET_PENDING;
    p->lookup = lookup;
    p->fetch_offset = -1;
    if (!p->qhead)
        p->position = -1;
}

int consumer_part_fetchable(const consumer_pset *s, const consumer_part *p, int64_t now_ms) {
    return p->state == CONSUMER_PART_ACTIVE && !p->paused && !p->fetch_inflight &&
           now_ms >= p->retry_at_ms && consumer_pset_has_room(s);
}

int32_t consumer_part_fetch_size(const consumer_pset *s, const consumer_part *p) {
    (void)s;
    return p->max_bytes > 0 ? p->max_bytes : 1;
}

static void queue_append(consumer_pset *s, consumer_part *p, consumer_item *head,
                         consumer_item *tail, size_t count, size_t bytes) {
    if (!head)
        return;
    if (p->qtail)
        p->qtail->next = head;
    else
        p->qhead = head;
    p->qtail = tail;
    tail->next = NULL;
    p->qcount += count;
    p->qbytes += bytes;
    s->buffered += bytes;
    if (p->paused)
        s->paused_bytes += bytes;
    ready_add(s, p);
}

int consumer_part_fetched(consumer_pset *s, consumer_part *p, uint32_t version,
                          consumer_parse_result *res, int32_t max_size,
                          consumer_parse_result *dropped) {
    int applied = version == p->version && p->state == CONSUMER_PART_ACTIVE;
    if (!applied) {
        list_move(dropped, res->head, res->tail, res->count, res->bytes);
    } else {
        p->fetch_inflight = 0;
        queue_append(s, p, res->head, res->tail, res->count, res->bytes);
        if (res->next_offset > p->fetch_offset)
            p->fetch_offset = res->next_offset;
        if (res->partial_only && p->max_bytes < max_size)
            p->max_bytes = p->max_bytes > max_size / 2 ? max_size : p->max_bytes * 2;
        else if (!res->partial_only && res->count)
            p->max_bytes = s->part_max_bytes;
    }
    res->head = res->tail = NULL;
    res->count = 0;
    res->bytes = 0;
    return applied;
}

void consumer_part_push_error(consumer_pset *s, consumer_part *p, consumer_item *err, int stop) {
    err->version = p->version;
    err->chunk_end = 1;
    err->charge = 0;
    queue_append(s, p, err, err, 1, 0);
    if (stop) {
        p->state = CONSUMER_PART_STOPPED;
        p->fetch_inflight = 0;
    }
}

void consumer_part_pause(consumer_pset *s, consumer_part *p, int paused) {
    paused = paused ? 1 : 0;
    if (paused != p->paused) {
        if (paused)
            s->paused_bytes += p->qbytes;
        else
            s->paused_bytes -= p->qbytes;
    }
    p->paused = paused;
    if (p->paused)
        ready_remove(s, p);
    else
        ready_add(s, p);
}

consumer_item *consumer_pset_pop(consumer_pset *s) {
    consumer_part *p = s->ready_head;
    if (!p)
        return NULL;
    consumer_item *m = p->qhead;
    p->qhead = m->next;
    if (!p->qhead)
        p->qtail = NULL;
    m->next = NULL;
    p->qcount--;
    p->qbytes -= m->charge;
    s->buffered -= m->charge;
    if (m->kind == CONSUMER_ITEM_MESSAGE)
        p->position = m->offset + 1;
    else if (m->kind == CONSUMER_ITEM_BATCH)
        p->position = m->last_offset + 1;
    /* Everything fetched is delivered: the position is where fetching goes
     * on (past control batches and compaction gaps too). */
    if (!p->qhead && p->state == CONSUMER_PART_ACTIVE)
        p->position = p->fetch_offset;
    /* Round robin: the partition keeps its turn until the end of a chunk. */
    if (!p->qhead || m->chunk_end) {
        ready_remove(s, p);
        ready_add(s, p);
    }
    return m;
}
