/*
 * producer_log.h - the idempotent-producer state (producer_state.h) of each
 * partition, kept next to its log: built from the log's batch headers when
 * first needed, kept in step with every append (produce, replication), and
 * rebuilt when the log changed behind it (truncation, a reopened log).
 *
 * Why no snapshot files: the state is derived from the RecordBatch v2
 * headers alone (producer id, epoch, base sequence, lastOffsetDelta), which
 * the log already holds; reading only the 61-byte headers is cheap enough
 * to do once per partition after a start or a truncation, and it is correct
 * after kill -9 by construction (recovery has already cut the torn tail).
 * The state is built lazily, so partitions that never see an idempotent
 * producer pay nothing.
 *
 * Consistency: the state remembers the log object and the log end offset
 * it reflects. An append whose starting end offset differs (the log was
 * truncated, or written by a path that did not report here) drops the
 * state; the next user rebuilds it from the log.
 *
 * Ownership: the state hangs off topic_partition (freed with it).
 * Loop thread only.
 */
#ifndef STRAND_BROKER_PRODUCER_LOG_H
#define STRAND_BROKER_PRODUCER_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "broker/producer_state.h"

typedef struct broker broker;
typedef struct topic_partition topic_partition;

/* The partition's state, built from its log when missing or stale
 * (producers older than expiration_ms against now_ms left out). NULL with
 * *status a log_status when the log cannot be read or memory runs out. */
producer_state *producer_log_state(topic_partition *tp, int64_t now_ms, int64_t expiration_ms,
                                   int *status);

/* After `len` bytes of batches were appended to tp's log (offsets as
 * stored), starting at log end offset prev_end: record their producers.
 * Does nothing when no state is built; drops a stale state. */
void producer_log_appended(topic_partition *tp, const uint8_t *data, size_t len, int64_t prev_end);

/* The hook for the replication path (replica.c): a follower appended the
 * leader's batches. Same as producer_log_appended. */
void producer_state_on_replica_append(topic_partition *tp, const uint8_t *data, size_t len,
                                      int64_t prev_end);

/* Forget the partition's state (it is rebuilt on next use). */
void producer_log_reset(topic_partition *tp);

/* producer.id.expiration.ms over every partition with a state: drop
 * producers idle that long and those whose batches retention removed. */
void producer_log_expire_all(broker *b, int64_t now_ms);

#endif
