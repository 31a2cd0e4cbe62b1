/*
 * producer_state.h - idempotent producers of one partition (KIP-98 without
 * transactions): per producer id its epoch and the first/last sequence and
 * offsets of its last 5 batches, as Kafka's ProducerStateManager keeps them.
 *
 * The rules are Kafka 3.x's for a client append (origin "client"):
 *   - a batch equal (same epoch, same first and last sequence) to one of the
 *     producer's last 5 batches is a duplicate: nothing is appended and the
 *     answer is NONE with the ORIGINAL offsets;
 *   - an epoch below the producer's -> INVALID_PRODUCER_EPOCH;
 *   - a higher epoch must start at sequence 0, else
 *     OUT_OF_ORDER_SEQUENCE_NUMBER;
 *   - the same epoch must continue the last batch: first sequence = last
 *     sequence + 1, wrapping from INT32_MAX to 0; else
 *     OUT_OF_ORDER_SEQUENCE_NUMBER;
 *   - an unknown producer id is accepted at any sequence (Kafka since 2.5,
 *     KIP-360: its state may have expired or gone with retention; clients no
 *     longer get UNKNOWN_PRODUCER_ID for it).
 * Appends of replication (a follower copying its leader) are not checked:
 * producer_state_apply records what was stored, whatever it is.
 *
 * The table is pure memory: no I/O, no clock (callers pass times). The
 * broker (producer_log.h) builds it from a log's batch headers and keeps it
 * in step with appends.
 *
 * Ownership: a producer_state owns its entries; pointers returned by
 * producer_state_find are valid until the next apply/expire/clear/free.
 * Not thread-safe (the broker's event loop owns it).
 */
#ifndef STRAND_BROKER_PRODUCER_STATE_H
#define STRAND_BROKER_PRODUCER_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "wire/batch.h"

#define PRODUCER_STATE_BATCHES 5 /* Kafka's ProducerStateEntry.NumBatchesToRetain */

typedef struct producer_batch_meta {
    int32_t first_seq;
    int32_t last_seq;
    int64_t first_offset;
    int64_t last_offset;
    int64_t timestamp; /* the batch's maxTimestamp */
} producer_batch_meta;

typedef struct producer_entry {
    int64_t producer_id;
    int16_t epoch;
    int n;                                               /* batches kept, oldest first */
    producer_batch_meta batches[PRODUCER_STATE_BATCHES]; /* last n batches of this epoch */
    int64_t last_timestamp;                              /* of the last batch */
    struct producer_entry *next;                         /* hash chain */
} producer_entry;

typedef struct producer_state producer_state;

/* NULL when out of memory. */
producer_state *producer_state_new(void);
void producer_state_free(producer_state *ps);
void producer_state_clear(producer_state *ps);
size_t producer_state_count(const producer_state *ps);
/* The entry of a producer id, or NULL. */
const producer_entry *producer_state_find(const producer_state *ps, int64_t producer_id);

/* Kafka's DefaultRecordBatch.incrementSequence: seq + delta, wrapping past
 * INT32_MAX to 0. */
int32_t producer_seq_add(int32_t seq, int32_t delta);
/* Last sequence of a batch: base sequence + lastOffsetDelta, wrapped. */
int32_t producer_batch_last_seq(const batch_header *h);

/* What producer_state_check found for the batches of one partition. */
typedef struct producer_check {
    int16_t error;            /* KAFKA_NONE or the partition's error */
    int bad_batch;            /* index of the batch that failed, -1 */
    int dup_count;            /* leading batches that are duplicates (not to append) */
    int64_t dup_first_offset; /* original first offset of the first of them */
    int64_t dup_last_offset;  /* original last offset of the last of them */
    int64_t dup_timestamp;    /* maxTimestamp of the first of them */
} producer_check;

/* Check `n` batches, in the order they would be appended, against the
 * state and against each other (a later batch of the same producer must
 * continue an earlier one). Duplicates are recognised only as a prefix:
 * once a batch is new, a later copy of a stored batch is out of sequence.
 * Batches without a producer id (-1) are not checked. A producer id with a
 * negative epoch or base sequence gets INVALID_RECORD. Nothing changes in
 * the state. Returns out->error; -1 only when out of memory. */
int producer_state_check(const producer_state *ps, const batch_header *hs, int n,
                         producer_check *out);

/* Record one stored batch (its header with the offset the log gave it).
 * Batches without a producer id are ignored. A different epoch replaces the
 * producer's epoch and forgets its batches (Kafka's maybeUpdateProducerEpoch).
 * 0, or -1 when out of memory (the state then lacks this batch: the caller
 * should drop the whole table and rebuild it). */
int producer_state_apply(producer_state *ps, const batch_header *h);

/* Forget producers whose last batch timestamp is at least expiration_ms
 * before now_ms (producer.id.expiration.ms), and producers whose last batch
 * lies below log_start (gone with retention). Returns how many. */
size_t producer_state_expire(producer_state *ps, int64_t now_ms, int64_t expiration_ms,
                             int64_t log_start);

#endif
