/*
 * accumulator.h - the producer's record accumulator (producer-internal).
 *
 * Records are appended to the open batch of their partition (a
 * batch_builder: key, value and headers are copied into its record buffer,
 * no allocation per record). A batch closes when the next record would pass
 * batch.size (or message.max.bytes), and becomes ready to send when closed,
 * when its linger.ms has passed, or while a flush is going on. Records of a
 * topic whose partition count is not known yet wait in a per-topic pending
 * builder and are partitioned when metadata arrives.
 *
 * Ordering: without idempotence a partition has at most one Produce
 * request in flight. The sender drains every ready batch of a partition into
 * that one request; a retriable failure puts the batches back at the front
 * of the queue, in their order, so records of a partition are never
 * reordered by retries. With idempotence a partition may have up to
 * cfg.max_inflight requests in flight (pipelining), each with later
 * sequences, holding at most ACCUM_IDEM_MAX_BATCHES unacknowledged batches
 * in all; the broker's sequence checks keep the order (see "Idempotence").
 *
 * Bounds: records and bytes (key + value + headers) held from append until
 * their delivery report is served are counted against
 * queue.buffering.max.messages / .kbytes; beyond them append fails with
 * ACCUM_ERR_QUEUE_FULL, so memory never grows without bound.
 *
 * Idempotence (producer id set with accum_idem_set): a batch gets the
 * producer id, epoch and its partition's next sequence when it is first
 * drained, and keeps them (and its sealed bytes, hence its CRC) on every
 * resend. A batch that already carries a sequence is drained alone, and a
 * request carries at most ACCUM_IDEM_MAX_BATCHES of a partition, so a resend
 * always lies within the broker's dedup window (its last 5 batches) and its
 * answer (the original offset for a duplicate) maps to exactly one list.
 *
 * Pipelining (idempotence only): every drained, not yet finished sequenced
 * batch of a partition is listed in `unacked`, in sequence order. A request
 * that fails retriably (or whose outcome is unknown) puts its batches back
 * into the queue at their sequence position, behind earlier ones that came
 * back before them; while the queue starts with a sequenced batch the
 * partition sends nothing new and resends one request at a time, only when
 * nothing else of it is in flight, so resends go out in sequence order;
 * pipelining resumes once the last resend is answered (`recovering`).
 * A batch that finishes before an earlier one (it was stored, the earlier
 * one is being resent) is `held` and reported when all earlier ones are, so
 * reports keep send() order. A partition pipelines only after one of its
 * batches was acknowledged under the current producer id (a broker that
 * does not know the id accepts any sequence) and only while no raw or
 * unsequenced batch is in flight (those are settled by the verification of
 * the non-idempotent path and must travel alone).
 *
 * A sequenced batch of the current producer id that is reported failed
 * leaves a hole in the partition's sequence: `seq_gap` is set and the
 * sender must obtain a new producer id (accum_idem_set) once nothing is in
 * flight and no sequenced batch is queued (accum_idem_settled).
 *
 * Batches travel: open -> queue (closed) -> in flight (sender) -> done
 * (result known, batch bytes freed, records kept for the report) ->
 * released after the report is served. Expiry (delivery.timeout.ms) moves
 * queued and open batches straight to done with ACCUM_RESULT timeout.
 *
 * Thread-safety: none. The producer protects an accum with its mutex; a
 * batch handed out by accum_drain belongs to the sender (which may seal it
 * without the lock) until it is given back with accum_partition_done or
 * accum_partition_retry.
 */
#ifndef STRAND_PRODUCER_ACCUMULATOR_H
#define STRAND_PRODUCER_ACCUMULATOR_H

#include <stddef.h>
#include <stdint.h>

#include "producer/partitioner.h"
#include "strand/err.h"
#include "strand/types.h"
#include "wire/batch.h"
#include "wire/buf.h"

/* Per-record data kept for the delivery report. */
typedef struct accum_msg {
    void *opaque;
    int64_t timestamp;
} accum_msg;

typedef struct accum_topic accum_topic;

typedef struct accum_batch {
    struct accum_batch *next;
    accum_topic *topic;
    int32_t partition;
    int raw;         /* 1: bytes given whole by send_batches */
    int sealed;      /* `out` holds the finished batch(es) */
    batch_builder b; /* the records, uncompressed; kept until released */
    wire_writer out; /* the bytes to send */
    int32_t count;   /* records (raw: batches) */
    int32_t offsets; /* offsets the batch(es) take: sum of lastOffsetDelta + 1 */
    accum_msg *msgs; /* count entries (raw: none) */
    int32_t msgs_cap;
    size_t bytes;       /* accounted bytes */
    int64_t created_ms; /* first record appended (linger and delivery timeout) */
    int attempts;       /* requests that carried it */
    int held;           /* finished, its report waits for an earlier batch (pipelining) */
    strand_batches_cb raw_cb;
    void *raw_opaque;
    /* Result, set when done. */
    strand_err err;
    int64_t base_offset;
    int64_t log_append_time;
} accum_batch;

/* Largest number of a partition's batches in one request with idempotence:
 * the broker deduplicates against a producer's last 5 batches. It also
 * bounds the sequenced batches of a partition drained and not finished. */
#define ACCUM_IDEM_MAX_BATCHES 5

typedef struct accum_partition {
    accum_batch *open;        /* being filled; NULL if none */
    accum_batch *head, *tail; /* closed, waiting to be sent, in order */
    int inflight;             /* requests carrying this partition's batches */
    int exclusive;            /* the request in flight must stay alone (unsequenced batches) */
    int acked;                /* a batch was acknowledged under the current producer id */
    int recovering;           /* resends pending or in flight: one request at a time */
    int inflight_peak;        /* most requests in flight so far (the sender logs new peaks) */
    /* Idempotence: drained sequenced batches not reported yet, in sequence
     * order (in flight, queued for a resend, or held). */
    accum_batch *unacked[ACCUM_IDEM_MAX_BATCHES];
    int nunacked;
    int64_t backoff_until; /* no send before (retry.backoff.ms) */
    int64_t next_offset;   /* log end after our last acknowledged batch; -1 unknown */
    int32_t next_seq;      /* idempotence: base sequence of the next new batch */
} accum_partition;

struct accum_topic {
    accum_topic *next;
    char *name;
    int32_t partition_count; /* from metadata; -1 unknown */
    int32_t parts_cap;
    accum_partition *parts;
    int32_t *available; /* partitions with a leader (for random/sticky picks) */
    int32_t available_count;
    partitioner_sticky sticky;
    /* Records with partition "any" waiting for the partition count. */
    batch_builder pend;
    accum_msg *pend_msgs;
    int32_t pend_cap;
    size_t pend_bytes;
    int64_t pend_since;
    int md_wanted; /* the sender asked the metadata cache to follow it */
    int unknown;   /* the last metadata said UNKNOWN_TOPIC_OR_PARTITION */
};

typedef struct accum_config {
    size_t batch_size;           /* batch.size */
    int64_t linger_ms;           /* linger.ms */
    int codec;                   /* enum batch_codec */
    int64_t max_messages;        /* queue.buffering.max.messages */
    size_t max_bytes;            /* queue.buffering.max.kbytes * 1024 */
    int64_t delivery_timeout_ms; /* delivery.timeout.ms */
    size_t max_batch_bytes;      /* message.max.bytes */
    int partitioner;             /* enum partitioner_kind */
    uint64_t seed;               /* for the random generator */
    int max_inflight; /* requests in flight per partition with idempotence (<= 5; 0 = 1) */
} accum_config;

typedef struct accum {
    accum_config cfg;
    accum_topic *topics;
    partitioner_rng rng;
    int64_t messages; /* records (raw: calls) not yet released */
    size_t bytes;     /* accounted bytes not yet released */
    accum_batch *done_head, *done_tail;
    int flushing; /* > 0: linger is ignored */
    /* Idempotence: producer_id -1 = batches get no producer id/sequence. */
    int64_t producer_id;
    int16_t producer_epoch;
    int seq_gap; /* a sequenced batch of producer_id failed: a new id is needed */
} accum;

/* Kafka's DefaultRecordBatch.incrementSequence: seq + delta, wrapping from
 * INT32_MAX to 0. delta >= 0. */
int32_t accum_seq_add(int32_t seq, int32_t delta);

/* 1 if `b` carries a producer sequence (was drained with idempotence). */
static inline int accum_batch_sequenced(const accum_batch *b) {
    return !b->raw && b->b.base_sequence >= 0;
}

enum accum_status {
    ACCUM_OK = 0,
    ACCUM_READY = 1, /* appended, and a batch became ready or a new one opened: wake the sender */
};

/* Start empty. No allocation. */
void accum_init(accum *a, const accum_config *cfg);
/* Free everything, reporting nothing. */
void accum_free(accum *a);

/* The topic named `name`, created (partition count unknown) if create is
 * set. NULL if absent or out of memory. */
accum_topic *accum_topic_get(accum *a, const char *name, int create);

/* Append a record to `partition` (>= 0) or, with -1, to the partitioner's
 * choice. Returns ACCUM_OK or ACCUM_READY, or a strand_err:
 * STRAND_ERR_QUEUE_FULL, STRAND_ERR_MSG_TOO_LARGE, STRAND_ERR_UNKNOWN_PARTITION
 * (partition beyond a known count), STRAND_ERR_INVALID_ARG (header without a
 * key), STRAND_ERR_NOMEM. Nothing is kept on error. */
int accum_append(accum *a, accum_topic *t, int32_t partition, int64_t timestamp, wire_bytes key,
                 wire_bytes value, const batch_record_header *headers, int32_t header_count,
                 void *opaque, int64_t now_ms);

/* Queue already-built batches (copied) for `partition` as one closed unit;
 * `bytes` must hold whole valid v2 batches (checked: STRAND_ERR_BAD_MSG).
 * One report through cb. Same other errors as accum_append. */
int accum_append_raw(accum *a, accum_topic *t, int32_t partition, const void *bytes, size_t len,
                     strand_batches_cb cb, void *opaque, int64_t now_ms);

/* Metadata for `t`: partition count and the partitions that have a leader
 * (copied). Pending records are partitioned; batches queued for partitions
 * >= count fail with STRAND_ERR_UNKNOWN_PARTITION. Returns ACCUM_READY if
 * something became sendable, ACCUM_OK, or STRAND_ERR_NOMEM. */
int accum_topic_set_partitions(accum *a, accum_topic *t, int32_t count, const int32_t *available,
                               int32_t available_count, int64_t now_ms);

/* Fail every record of `t` not in flight (pending, open and queued) with
 * err (e.g. the topic does not exist). */
void accum_topic_fail(accum *a, accum_topic *t, strand_err err);

/* Use producer id `id` and `epoch` for batches drained from now on (-1:
 * none, idempotence off or not ready). Every partition's sequence restarts
 * at 0 and seq_gap is cleared. Call only when accum_idem_settled(). */
void accum_idem_set(accum *a, int64_t id, int16_t epoch);
/* 1 when no partition has a request in flight and no queued batch carries a
 * sequence: the point where the producer id may change. */
int accum_idem_settled(const accum *a);
/* 1 if `list` (one emit's list, sequenced) is not its partition's first
 * unfinished batch: an earlier batch is in flight or waits for a resend, so
 * OUT_OF_ORDER_SEQUENCE_NUMBER for it means "the earlier one is missing" and
 * is retriable. */
int accum_idem_behind(const accum *a, const accum_batch *list);

/* Sender side. leader_of returns the broker node that leads (topic,
 * partition), or -1 when unknown (the partition is skipped). emit receives
 * the ready batches of one partition (linked by `next`, in order) for that
 * node, and returns 0 to take them or -1 to refuse (the request to that node
 * is full; they stay queued). Taken partitions are marked in flight. One
 * call drains a partition at most once (one list); with pipelining the
 * sender calls it again for further requests, each list into another
 * request. */
typedef int32_t (*accum_leader_fn)(void *ctx, accum_topic *t, int32_t partition);
typedef int (*accum_emit_fn)(void *ctx, int32_t node, accum_batch *list, size_t bytes);
/* max_bytes: upper bound of the batches of one partition in one request.
 * With a producer id set, taken batches get their sequences (see above).
 * resends_only: drain only partitions whose first queued batch already
 * carries a sequence (while the sender waits to change the producer id). */
int accum_drain(accum *a, int64_t now_ms, size_t max_bytes, int resends_only,
                accum_leader_fn leader_of, accum_emit_fn emit, void *ctx);

/* Finish a drained batch: compress the records into `out` (no-op for raw or
 * already sealed batches). Needs no lock: the batch belongs to the caller. */
int accum_batch_seal(accum_batch *b);

/* The request for a partition's batches (list from one emit) finished.
 * err STRAND_OK: batches get consecutive offsets from base_offset (-1 with
 * acks=0). Otherwise they fail with err. Ends that request's in-flight
 * count. Sequenced batches finished before an earlier one are held until
 * it finishes too (reports in send() order). */
void accum_partition_done(accum *a, accum_batch *list, strand_err err, int64_t base_offset,
                          int64_t log_append_time);
/* Put a partition's batches (one emit's list) back into its queue to be
 * sent again after backoff_ms: at the front, or for sequenced batches at
 * their sequence position among the queued resends. Ends that request's
 * in-flight count. */
void accum_partition_retry(accum *a, accum_batch *list, int64_t now_ms, int64_t backoff_ms);

/* Fail records waiting longer than delivery.timeout.ms (not in flight) with
 * STRAND_ERR_TIMED_OUT, or STRAND_ERR_UNKNOWN_TOPIC when the topic's `unknown`
 * flag is set. Returns how many batches expired. */
int accum_expire(accum *a, int64_t now_ms);

/* The earliest time (ms) something becomes sendable or expires without new
 * input, or INT64_MAX. drain_mode says what the sender drains now: 0
 * everything, 1 resends only (see accum_drain), -1 nothing (only expiry
 * counts). */
int64_t accum_next_wakeup(const accum *a, int64_t now_ms, int drain_mode);

/* Fail everything not in flight with err (close). */
void accum_fail_all(accum *a, strand_err err);

/* Take the list of finished batches (NULL if none); their reports are then
 * the caller's to serve, after which accum_batch_release frees each. */
accum_batch *accum_done_take(accum *a);
void accum_batch_release(accum *a, accum_batch *b);

/* Walk the records of a (non-raw) batch for reports: 1 with key and value
 * (len -1 for null), 0 at the end. */
typedef struct accum_record_iter {
    wire_reader r;
} accum_record_iter;
void accum_record_iter_init(accum_record_iter *it, const accum_batch *b);
int accum_record_iter_next(accum_record_iter *it, wire_bytes *key, wire_bytes *value);

#endif
