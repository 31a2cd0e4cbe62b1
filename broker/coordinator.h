/*
 * coordinator.h - the broker side of the group coordinator: the internal
 * topic __consumer_offsets (creation on first use, appends, loading,
 * retention checks) and the libuv timers that drive the pure state
 * machine of group.h.
 *
 * The coordinator of a group is the leader of the group's __consumer_offsets
 * partition (abs(java hashCode(group)) % offsets.topic.num.partitions).
 * Standalone that is always this broker and the whole topic is loaded
 * before the broker listens. In cluster mode the topic is created through
 * ZooKeeper (offsets.topic.replication.factor replicas, refused while fewer
 * brokers are alive), FindCoordinator names the partition's leader, and a
 * broker holds the groups of the partitions it leads only: loaded when it
 * becomes leader (coordinator_apply_view), dropped when it stops (their
 * waiting JoinGroup/SyncGroup answered NOT_COORDINATOR). Group requests
 * ask coordinator_check first.
 *
 * Appends go through the same partition append as Produce
 * (broker_partition_append), so Fetch can read the topic. Standalone, an
 * OffsetCommit is answered once its batch is in the log; in cluster mode
 * once the high watermark covers it (coordinator_op_wait), like acks=all.
 *
 * Lifetime: coordinator_open after topics_open and before server_start;
 * coordinator_stop from server_stop (answers waiting JoinGroup/SyncGroup
 * with NOT_COORDINATOR, closes the timers); coordinator_free after uv_run
 * returned. Single thread.
 */
#ifndef STRAND_BROKER_COORDINATOR_H
#define STRAND_BROKER_COORDINATOR_H

#include <stddef.h>
#include <stdint.h>

#include "broker/broker.h"
#include "broker/group.h"
#include "broker/replica_wait.h"

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
/* FindCoordinator for `group`: KAFKA_NONE with the coordinator's id and
 * endpoint (*host valid until control returns to the loop), or
 * COORDINATOR_NOT_AVAILABLE (topic missing or being created, too few
 * brokers for it, or no leader for the group's partition now). */
int16_t coordinator_find(broker *b, wire_str group, int32_t *node, const char **host,
                         int32_t *port);
/* May this broker serve `group` now? KAFKA_NONE, NOT_COORDINATOR (another
 * broker leads its partition, or none), COORDINATOR_LOAD_IN_PROGRESS (led
 * here, groups not loaded yet). Standalone and null ids: KAFKA_NONE. */
int16_t coordinator_check(broker *b, wire_str group);
/* ListGroups: KAFKA_NONE, or COORDINATOR_LOAD_IN_PROGRESS while a
 * partition led here is loading. */
int16_t coordinator_list_check(broker *b);
/* Cluster mode, after every new view (cluster.c): load the partitions this
 * broker now leads (or leads with a new leader epoch), drop the others. */
void coordinator_apply_view(broker *b);

/* Replication of the coordinator's writes (cluster mode): call
 * coordinator_op_begin before driving the state machine; after it,
 * coordinator_op_wait starts a high watermark waiter for what that
 * operation appended (NULL: nothing to wait for, answer now; or ENOMEM,
 * *nomem set). done gets a replica_wait.h error; map it with
 * coordinator_commit_error / coordinator_group_error. */
void coordinator_op_begin(broker *b);
replica_wait *coordinator_op_wait(broker *b, replica_wait_done done, void *arg, int *nomem);
/* Kafka's mapping for OffsetCommit: NOT_LEADER_OR_FOLLOWER ->
 * NOT_COORDINATOR, NOT_ENOUGH_REPLICAS(_AFTER_APPEND) ->
 * COORDINATOR_NOT_AVAILABLE, others unchanged (REQUEST_TIMED_OUT). */
int16_t coordinator_commit_error(int16_t replica_error);
/* ... and for the group record of JoinGroup/SyncGroup: the same, but a
 * timeout is REBALANCE_IN_PROGRESS (the members rejoin). */
int16_t coordinator_group_error(int16_t replica_error);
/* 1 for topics clients may not produce to or delete. */
int coordinator_topic_is_internal(const char *name, int32_t len);

/* Kafka's view of a peer "1.2.3.4:5678": "/1.2.3.4". */
void coordinator_client_host(const char *peer, char *out, size_t len);

#endif
