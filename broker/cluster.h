/*
 * cluster.h - cluster mode: membership, controller and partition state kept
 * in ZooKeeper (docs/CLUSTER.md has the layout).
 *
 * With zookeeper.connect set, the broker registers itself as an ephemeral
 * /brokers/ids/<id>, competes for the ephemeral /controller (bumping
 * /controller_epoch when it wins), and keeps a VIEW of the cluster: live
 * brokers, the controller, every topic's replica assignment and every
 * partition's state (leader, leader epoch, ISR). The view is rebuilt by
 * reading the tree again whenever a watch fires (several events coalesce
 * into one re-read); the newest complete view replaces the old one. The
 * controller then makes the partition states match the live brokers, with
 * conditional writes (the state node's version, and /controller_epoch's
 * version in the same transaction, so a stale controller cannot write).
 * Each broker opens the logs of the partitions it is a replica of.
 *
 * Replication itself (fetchers, high watermark, ISR changes, acks=all) is
 * broker/replica.h; this module only tells it the view.
 *
 * Threading: the loop thread only (zk.h hands ZooKeeper's threads over).
 * Views are owned by the cluster; pointers into the view returned here are
 * valid until control returns to the loop.
 */
#ifndef STRAND_BROKER_CLUSTER_H
#define STRAND_BROKER_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "broker/topics.h"

typedef struct broker broker;
typedef struct cluster cluster;

#define CLUSTER_RF_MAX 16 /* replicas per partition this module holds */

typedef struct cluster_broker {
    int32_t id;
    char host[256];
    int32_t port;
} cluster_broker;

typedef struct cluster_partition {
    int32_t index;
    int32_t replica_count;
    int32_t replicas[CLUSTER_RF_MAX];
    int has_state;  /* partitions/<n>/state exists */
    int32_t leader; /* -1: none */
    int32_t leader_epoch;
    int32_t controller_epoch;
    int32_t isr_count;
    int32_t isr[CLUSTER_RF_MAX];
    int32_t state_version; /* znode version, for conditional writes */
} cluster_partition;

typedef struct cluster_topic {
    char *name;
    int32_t version; /* of /brokers/topics/<name>, for conditional rewrites */
    int32_t partition_count;
    cluster_partition *partitions;
    topic_override *configs; /* from /config/topics/<name> */
    int config_count;
} cluster_topic;

/* Start cluster mode for b (b->cfg.zookeeper_connect is set): open the
 * session; registration and the rest follow on the loop. Sets b->cluster.
 * 0, or -1 with err filled. */
int cluster_start(broker *b, char *err, size_t errlen);
/* Graceful stop (from server_stop): close the session, so this broker's
 * ephemeral nodes go at once. */
void cluster_stop(cluster *c);
/* After uv_run returned. */
void cluster_free(cluster *c);
/* 1 if the cluster failed to start (ZooKeeper unreachable in time). */
int cluster_failed(const cluster *c);

/* The current view. */
int cluster_broker_count(const cluster *c);
const cluster_broker *cluster_broker_at(const cluster *c, int i);
const cluster_broker *cluster_broker_find(const cluster *c, int32_t id);
int32_t cluster_controller(const cluster *c);
int cluster_topic_count(const cluster *c);
const cluster_topic *cluster_topic_at(const cluster *c, int i);
const cluster_topic *cluster_topic_find(const cluster *c, const char *name, int32_t len);
/* "ZooKeeper hosts[/chroot]" as configured. */
const char *cluster_zookeeper(const cluster *c);

/* Who leads topic/partition: the leader's id (-1: none or unknown topic)
 * and its endpoint when it is a live broker (else NULL). Returns 0, or -1
 * when the topic or partition does not exist. */
int cluster_leader(const cluster *c, const char *topic, int32_t len, int32_t partition,
                   int32_t *leader, const cluster_broker **endpoint);

/* ISR size of topic/partition (0 when unknown). */
int cluster_isr_count(const cluster *c, const char *topic, int32_t len, int32_t partition);

/* Leader: replace the ISR of topic/partition (leader, epochs unchanged),
 * conditional on the state version of the current view. done(arg, ok) is
 * called when ZooKeeper answered (ok 0: not written, e.g. newer state).
 * 0 when sent, -1 when not possible now. */
int cluster_write_isr(cluster *c, const char *topic, int32_t partition, const int32_t *isr, int n,
                      void (*done)(void *arg, int ok), void *arg);

/* May this broker serve Produce/Fetch/ListOffsets for topic/partition?
 * KAFKA_NONE (it is the leader), NOT_LEADER_OR_FOLLOWER (another broker
 * leads it), LEADER_NOT_AVAILABLE (no leader now) or
 * UNKNOWN_TOPIC_OR_PARTITION. */
int16_t cluster_partition_check(const cluster *c, const char *topic, int32_t len,
                                int32_t partition);

/* Create a topic through ZooKeeper (from any broker). rf -1 means
 * default.replication.factor. assignment (may be NULL): per partition the
 * replica ids (assignment[p][0..rf-1]). Validation errors are returned at
 * once (with msg); otherwise KAFKA_NONE is returned and done(arg, error,
 * msg) is called later: after the write when timeout_ms <= 0, else once
 * every partition has a leader in this broker's view (REQUEST_TIMED_OUT
 * after timeout_ms). done may be NULL (auto-creation). validate_only
 * checks only. */
typedef void (*cluster_create_done)(void *arg, int16_t error, const char *msg);
int16_t cluster_create_topic(cluster *c, const char *name, int32_t partitions, int32_t rf,
                             const int32_t *const *assignment, const topic_override *ov, int n,
                             int validate_only, int32_t timeout_ms, cluster_create_done done,
                             void *arg, char *msg, size_t msglen);

/* 1 when topic `name` is marked for deletion (/admin/delete_topics/<name>):
 * it is no longer served and its partitions get no new leaders. */
int cluster_topic_deleting(const cluster *c, const char *name, int32_t len);

/* Delete a topic (from any broker): marks it in /admin/delete_topics; every
 * replica broker deletes its logs and acknowledges; then the controller
 * removes the topic from ZooKeeper. Validation errors are returned at once
 * (with msg); otherwise done(arg, error, msg) follows once the topic is gone
 * from this broker's view (REQUEST_TIMED_OUT after timeout_ms: the deletion
 * goes on, e.g. until a replica broker that is down returns). */
int16_t cluster_delete_topic(cluster *c, const char *name, int32_t timeout_ms,
                             cluster_create_done done, void *arg, char *msg, size_t msglen);

/* Grow topic `name` to `count` partitions (from any broker): the new
 * partitions' replicas are `assignment` (assign_n rows of the topic's
 * replication factor, one per new partition) or assigned Kafka's way,
 * written to /brokers/topics/<name> conditionally on the version read.
 * Errors and done() as cluster_create_topic (done once every partition has
 * a leader). */
int16_t cluster_create_partitions(cluster *c, const char *name, int32_t count,
                                  const int32_t *const *assignment, int32_t assign_n,
                                  int validate_only, int32_t timeout_ms, cluster_create_done done,
                                  void *arg, char *msg, size_t msglen);


/* ---- leadership moves (cluster_elect.c, cluster_shutdown.c) ---- */

/* One partition of a leadership request and its outcome. */
typedef struct cluster_elect_result {
    char *topic;
    int32_t partition;
    int16_t error;
    int pending; /* internal: a preferred election written, result not seen */
} cluster_elect_result;

/* A request waiting for its moves; answered through its callback, exactly
 * once, unless cancelled first. */
typedef struct cluster_elect_wait cluster_elect_wait;

/* done(arg, error, results, n): error is the request's (NOT_CONTROLLER when
 * this broker is not or no longer the controller, else NONE); results are
 * valid during the call only. */
typedef void (*cluster_elect_done)(void *arg, int16_t error, const cluster_elect_result *res,
                                   int n);

/* Controller: controlled shutdown of broker `id` (ControlledShutdown). The
 * broker is marked as shutting down (never elected leader again while it is
 * registered); for every partition with more than one replica that it
 * leads, a new leader is written from the live ISR members that are not
 * shutting down, and it leaves the ISR of the partitions it follows. done
 * gets the partitions (more than one replica) it still leads once nothing
 * more can be moved, or after 5 s. Partitions with a single replica are
 * neither moved nor reported (Kafka's rule). NOT_CONTROLLER at once (done
 * not called) when this broker is not the controller; *wait (may be NULL)
 * receives the handle for cancelling. */
int16_t cluster_shutdown_broker(cluster *c, int32_t id, cluster_elect_done done, void *arg,
                                cluster_elect_wait **wait);

/* Controller: preferred-leader election (ElectLeaders type 0) for the
 * given partitions (topics[i]/partitions[i], n of them), or every
 * partition when all is set. done gets per partition NONE (moved, after
 * this broker's view showed it), ELECTION_NOT_NEEDED (already led by its
 * first replica), PREFERRED_LEADER_NOT_AVAILABLE (the first replica is not
 * alive, not in the ISR or shutting down), UNKNOWN_TOPIC_OR_PARTITION, or
 * REQUEST_TIMED_OUT after timeout_ms. NOT_CONTROLLER at once as above. */
int16_t cluster_elect_preferred(cluster *c, const char *const *topics, const int32_t *partitions,
                                int n, int all, int32_t timeout_ms, cluster_elect_done done,
                                void *arg, cluster_elect_wait **wait);

/* The requester went away: done will not be called. */
void cluster_elect_cancel(cluster_elect_wait *w);

/* Start this broker's controlled shutdown (SIGTERM in cluster mode, with
 * controlled.shutdown.enable): it stops following, asks the controller
 * (ControlledShutdown over TCP, or directly when it is the controller) to
 * move its leadership away, retrying controlled.shutdown.max.retries times
 * controlled.shutdown.retry.backoff.ms apart while partitions remain, and
 * then calls done(arg) (which stops the broker). Returns -1 when there is
 * nothing to do (disabled, not registered, no ZooKeeper connection, already
 * stopping): stop now. */
int cluster_controlled_shutdown(cluster *c, void (*done)(void *arg), void *arg);
/* 1 while this broker's controlled shutdown runs (replica.c stops
 * following). */
int cluster_shutting_down(const cluster *c);

/* Handlers used in cluster mode (h_cluster.c, h_cluster_admin.c). */
typedef struct broker_request broker_request;
int cluster_h_metadata(broker_request *req);
int cluster_h_create_topics(broker_request *req);
int cluster_h_delete_topics(broker_request *req);
int cluster_h_create_partitions(broker_request *req);

#endif
