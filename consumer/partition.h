/*
 * partition.h - per-partition fetch state, the buffered-item queues and the
 * prefetch budget of the consumer (internal to libstrand).
 *
 * A consumer_part is one assigned partition:
 *
 *   OFFSET_PENDING --(ListOffsets sent)--> OFFSET_WAIT --(answer)--> ACTIVE
 *        ^                                                            |
 *        +--- seek to beginning/end/timestamp, OFFSET_OUT_OF_RANGE ---+
 *   ACTIVE --(unrecoverable error reported)--> STOPPED --(seek)--> ...
 *
 * Two offsets: fetch_offset is where the next Fetch starts (advanced by the
 * I/O thread when a response is parsed); position is the next offset the
 * application will get (advanced by poll). Items fetched but not yet polled
 * wait in the partition's queue and are charged to the set's budget; a
 * partition is fetchable only while the budget has room, so memory stays
 * bounded however slow the application is. Every seek, reset or
 * reassignment bumps `version`: responses and items carrying an older
 * version are dropped, so nothing fetched before a seek is ever delivered
 * after it.
 *
 * A consumer_pset is the assignment: the partitions, the round-robin list of
 * partitions that have deliverable items (not paused, queue non-empty) and
 * the budget. consumer_pset_assign() is the one place assignments change,
 * so a group rebalance can drive it later.
 *
 * Not thread-safe: the consumer guards a set with its mutex. Functions that
 * drop items return them as a list for the caller to free outside the lock.
 */
#ifndef STRAND_CONSUMER_PARTITION_H
#define STRAND_CONSUMER_PARTITION_H

#include <stddef.h>
#include <stdint.h>

#include "consumer/message.h"
#include "consumer/records.h"

enum consumer_part_state {
    CONSUMER_PART_OFFSET_PENDING = 0, /* start offset to look up (ListOffsets) */
    CONSUMER_PART_OFFSET_WAIT = 1,    /* ListOffsets in flight */
    CONSUMER_PART_ACTIVE = 2,         /* fetching from fetch_offset */
    CONSUMER_PART_STOPPED = 3,        /* error reported; waits for a seek */
};

/* Logical start positions (Kafka's ListOffsets sentinels). */
#define CONSUMER_OFFSET_END (-1)
#define CONSUMER_OFFSET_BEGINNING (-2)

/* Where to start: an absolute offset (>= 0), BEGINNING, END, or a timestamp
 * in ms (is_timestamp set: the first offset whose timestamp is >= it). */
typedef struct consumer_start {
    int64_t value;
    int is_timestamp;
} consumer_start;

typedef struct consumer_part {
    char *topic; /* owned */
    int32_t partition;
    int state;             /* enum consumer_part_state */
    consumer_start lookup; /* what OFFSET_PENDING looks up */
    int64_t fetch_offset;
    int64_t position;
    int64_t high_watermark;
    int paused;
    int fetch_inflight;
    uint32_t version;
    int32_t max_bytes;    /* current per-partition fetch size */
    int64_t retry_at_ms;  /* no request before this (backoff), 0 = now */
    consumer_item *qhead; /* fetched, not yet polled */
    consumer_item *qtail;
    size_t qcount;
    size_t qbytes;
    int in_ready;
    struct consumer_part *ready_next;
    int64_t assigned_ms; /* when it was assigned (client_now_ms; 0 = unknown) */
    int eof_reported;    /* PARTITION_EOF given for the current end */
    strand_err reported; /* last lookup/leader error reported (not repeated) */
} consumer_part;

typedef struct consumer_pset {
    consumer_part **parts;
    size_t count;
    consumer_part *ready_head; /* partitions with deliverable items */
    consumer_part *ready_tail;
    size_t budget;          /* bytes of buffered items allowed */
    size_t buffered;        /* bytes of buffered items now */
    size_t paused_bytes;    /* of which queued on paused partitions */
    int32_t part_max_bytes; /* default per-partition fetch size */
} consumer_pset;

/* One entry of an assignment. */
typedef struct consumer_assign_entry {
    const char *topic;
    int32_t partition;
    consumer_start start;
} consumer_assign_entry;

void consumer_pset_init(consumer_pset *s, size_t budget, int32_t part_max_bytes);
/* Frees the partitions; their queued items are appended to *dropped. */
void consumer_pset_destroy(consumer_pset *s, consumer_parse_result *dropped);

/* Replace the assignment with entries[0, n): partitions kept keep nothing of
 * their old state (a new assignment restarts from its start position), the
 * rest are removed. Queued items of every old partition go to *dropped.
 * Returns 0 or -1 on allocation failure (the old assignment is then kept).
 * Duplicate entries: the last one wins. */
int consumer_pset_assign(consumer_pset *s, const consumer_assign_entry *entries, size_t n,
                         consumer_parse_result *dropped);

consumer_part *consumer_pset_find(consumer_pset *s, const char *topic, int32_t partition);

/* Move a partition to `start`: queued items go to *dropped, version bumps, an
 * in-flight fetch becomes stale; a STOPPED partition resumes. */
void consumer_part_seek(consumer_pset *s, consumer_part *p, consumer_start start,
                        consumer_parse_result *dropped);

/* The ListOffsets answer for the current lookup (ignored unless the version
 * matches and the partition waits for it). */
void consumer_part_offset_resolved(consumer_pset *s, consumer_part *p, uint32_t version,
                                   int64_t offset);

/* Look the start offset up again (OFFSET_OUT_OF_RANGE with
 * auto.offset.reset): like a seek, but items already queued stay (they are
 * valid data before the reset) and the position follows them. */
void consumer_part_reset(consumer_pset *s, consumer_part *p, consumer_start lookup);

/* 1 if a Fetch for the partition may be sent now: ACTIVE, not paused, no
 * fetch in flight, past its backoff and the set's budget has room. */
int consumer_part_fetchable(const consumer_pset *s, const consumer_part *p, int64_t now_ms);

/* Bytes the next fetch of this partition may ask for (never 0). */
int32_t consumer_part_fetch_size(const consumer_pset *s, const consumer_part *p);

/* A parsed Fetch answer for `version`: items are queued (and charged), the
 * fetch offset moves to res->next_offset. A stale version drops the items
 * into *dropped. partial_only doubles the partition's fetch size (up to
 * max_size) so a batch larger than the limit still arrives. Returns 1 if
 * applied, 0 if stale. Takes the items out of *res either way. */
int consumer_part_fetched(consumer_pset *s, consumer_part *p, uint32_t version,
                          consumer_parse_result *res, int32_t max_size,
                          consumer_parse_result *dropped);

/* Queue an ERROR item on the partition (delivered in order with its data)
 * and, if stop is set, stop fetching it until a seek. */
void consumer_part_push_error(consumer_pset *s, consumer_part *p, consumer_item *err, int stop);

/* Pause or resume delivery and fetching (queued items stay). */
void consumer_part_pause(consumer_pset *s, consumer_part *p, int paused);

/* Next deliverable item in round-robin order (a partition keeps its turn
 * until the end of one fetched chunk), discharged from the budget; the
 * position moves past it. NULL when nothing is deliverable. */
consumer_item *consumer_pset_pop(consumer_pset *s);

/* 1 when the budget has room for more prefetching. Data parked on paused
 * partitions does not count: it must not stop the others (it is bounded
 * anyway, since paused partitions are not fetched). */
static inline int consumer_pset_has_room(const consumer_pset *s) {
    return s->buffered - s->paused_bytes < s->budget;
}

#endif
