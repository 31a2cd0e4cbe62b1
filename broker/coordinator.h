/*
 * coordinator.h - the broker side of the group coordinator: the internal
 * topic __consumer_offsets (creation on first use, appends, loading at
 * start, retention checks) and the libuv timers that drive the pure state
 * machine of group.h.
 *
 * The coordinator of a group is the leader of the group's __consumer_offsets
 * partition (abs(java hashCode(group)) % offsets.topic.num.partitions);
 * standalone that is always this broker: coordinator_node_for() is the one
 * place cluster mode changes that. Appends go through the same partition
 * append as Produce (broker_partition_append: log append + waking Fetch
 * waiters), so Fetch can read the topic, and an OffsetCommit is answered
 * only after its batch is in the log.
 *
 * Lifetime: coordinator_open after topics_open and before server_start
 * (loads every existing partition); coordinator_stop from server_stop
 * (answers waiting JoinGroup/SyncGroup with NOT_COORDINATOR, closes the
 * timers); coordinator_free after uv_run returned. Single thread.
 */
#ifndef STRAND_BROKER_COORDINATOR_H
#define STRAND_BROKER_COORDINATOR_H

#include <stddef.h>
#include <stdint.h>

#include "broker/broker.h"
#include "broker/group.h"

#define COORDINATOR_TOPIC "__consumer_offsets"

typedef struct coordinator coordinator;

/* Create the coordinator, load __consumer_offsets when it exists (one log
 * line: groups, offsets, records, time taken) and start its timers on
 * b->loop. 0, or -1 with err filled. */
int coordinator_open(broker *b, char *err, size_t errlen);
void coordinator_stop(broker *b);
void coordinator_free(broker *b);

/* The state machine (for the handlers). */
group_coord *coordinator_groups(broker *b);
/* Call after every request that may have changed deadlines. */
void coordinator_reschedule(broker *b);

/* Create __consumer_offsets when missing: KAFKA_NONE or
 * COORDINATOR_NOT_AVAILABLE (logged). */
int16_t coordinator_ensure_topic(broker *b);
/* The node that coordinates `group` (standalone: this broker). */
int32_t coordinator_node_for(broker *b, wire_str group);
/* 1 for topics clients may not produce to or delete. */
int coordinator_topic_is_internal(const char *name, int32_t len);

/* Kafka's view of a peer "1.2.3.4:5678": "/1.2.3.4". */
void coordinator_client_host(const char *peer, char *out, size_t len);

#endif
