/*
 * leader_epoch.h - the leader epoch a broker serves a partition with, and
 * the fencing of requests that carry the epoch their client knows
 * (KIP-320: current_leader_epoch in Fetch v9+, ListOffsets v4+,
 * OffsetForLeaderEpoch v2+).
 *
 * The current leader epoch is what Metadata reports: 0 on a standalone
 * broker (which stamps 0 into every batch it appends), the leader epoch of
 * the partition's state in ZooKeeper in cluster mode (the view this broker
 * read last). A request's epoch below it is from a client that has not
 * seen the latest leader change (FENCED_LEADER_EPOCH: refresh metadata);
 * above it, this broker has not seen the change yet (UNKNOWN_LEADER_EPOCH:
 * retry). -1 means "not given" and is never fenced.
 *
 * Threading: the loop thread, like the handlers. Nothing here owns memory.
 */
#ifndef STRAND_BROKER_LEADER_EPOCH_H
#define STRAND_BROKER_LEADER_EPOCH_H

#include <stdint.h>

#include "broker/topics.h"
#include "log/log.h"
#include "wire/buf.h"

typedef struct broker broker;

/* Leader epoch a standalone broker stamps and Metadata reports. */
#define LEADER_EPOCH_STANDALONE 0

/* The partition topic/partition as this broker serves it. With
 * leader_only, only when this broker leads it (cluster mode:
 * cluster_partition_check's NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE,
 * ...); without, any replica hosted here (Kafka's ListOffsets "debugging"
 * replica id -2). KAFKA_NONE with *tp (which has a log) and *epoch (the
 * current leader epoch) set, else the error code. */
int16_t leader_epoch_partition(broker *b, wire_str topic, int32_t partition, int leader_only,
                               topic_partition **tp, int32_t *epoch);

/* A request's current_leader_epoch against the current one: KAFKA_NONE
 * (equal, or requested < 0), FENCED_LEADER_EPOCH (below) or
 * UNKNOWN_LEADER_EPOCH (above). */
int16_t leader_epoch_fence(int32_t requested, int32_t current);

/* Leader epoch of the batch holding `offset` (its partitionLeaderEpoch), or
 * the log's latest cached epoch when offset is at or past the log end; -1
 * when not known (no such batch, a read error, no epoch cached). */
int32_t leader_epoch_at(log *lg, int64_t offset);

/* Where the current epoch started in this leader's log (Kafka's
 * leaderEpochStartOffsetOpt): the start offset of `current` in the epoch
 * cache, or the log end while nothing has been appended in it (a leader's
 * log only grows by its own appends). -1 for epoch 0 or below (nothing to
 * compare with). */
int64_t leader_epoch_start_offset(log *lg, int32_t current);

#endif
