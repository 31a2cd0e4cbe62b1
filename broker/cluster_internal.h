/*
 * cluster_internal.h - what cluster.c (session, controller election),
 * cluster_view.c (reading the tree), cluster_controller.c (partition states)
 * and cluster_admin.c (topic creation) share. Not for other modules: they use
 * cluster.h.
 */
#ifndef STRAND_BROKER_CLUSTER_INTERNAL_H
#define STRAND_BROKER_CLUSTER_INTERNAL_H

#include <uv.h>

#include "broker/cluster.h"
#include "broker/zk.h"

/* A topic marked for deletion and the brokers that deleted their logs of
 * it (/admin/delete_topics/<name>/<broker id>). */
typedef struct cluster_deletion {
    char *name;
    int32_t *acked;
    int acked_count;
} cluster_deletion;

/* One complete reading of the ZooKeeper tree. */
typedef struct cluster_view {
    cluster_broker *brokers; /* sorted by id */
    int broker_count;
    int32_t controller_id; /* -1: none */
    int32_t controller_epoch;
    cluster_topic *topics;
    int topic_count;
    cluster_deletion *deletions; /* /admin/delete_topics */
    int deletion_count;
    int failed; /* a read failed: the view is incomplete */
} cluster_view;

/* A CreateTopics / CreatePartitions waiting for its partitions to get
 * leaders, or a DeleteTopics waiting for its topic to be gone. */
enum { CLUSTER_WAIT_READY, CLUSTER_WAIT_GONE };
typedef struct cluster_waiter {
    struct cluster_waiter *next;
    cluster *c;
    char *name;
    int kind;           /* CLUSTER_WAIT_* */
    int32_t partitions; /* READY: this many partitions, each with a leader */
    int32_t timeout_ms; /* after the write: wait this long (<= 0: not at all) */
    char timeout_msg[160];
    int in_flight; /* its ZooKeeper write has not answered yet */
    int finished;  /* answered (freed once the write answered too) */
    int written;   /* the ZooKeeper write succeeded */
    cluster_create_done done;
    void *arg;
    uv_timer_t timer;
} cluster_waiter;

#define CLUSTER_SHUTTING_MAX 64

typedef struct cluster_cs cluster_cs; /* cluster_shutdown.c */

struct cluster {
    broker *b;
    zk *z;
    cluster_view *view; /* current (never NULL after start) */
    cluster_view *next; /* being read */
    uint64_t sync_gen;  /* bumps per sync: late answers of an old one are dropped */
    int sync_pending, sync_running, sync_dirty;
    uint64_t session_gen; /* bumps per session: late setup answers are dropped */
    int64_t session_id;
    int connected, ever_connected, registered, setup_pending;
    int view_current; /* view was read in the current session (0 after an expiry) */
    int electing, is_controller;
    int32_t epoch, epoch_version; /* ours, while controller */
    int ctl_inflight;
    int failed, stopping;
    uv_timer_t retry;        /* registration / failed sync retries */
    uv_timer_t conn_timeout; /* zookeeper.connection.timeout.ms at start */
    uv_timer_t tick;         /* notices that the process was paused (fencing) */
    uint64_t tick_ms;        /* monotonic ms of the last tick */
    int suspect;             /* paused: lead nothing until the session is confirmed */
    int verifying;
    int retry_what;
    cluster_waiter *waiters;
    int deleting; /* controller: a topic's nodes are being removed */
    char zk_text[4200];
    /* Controller: brokers in controlled shutdown (never elected again while
     * registered) and the requests waiting for their moves (cluster_elect.c). */
    int32_t shutting[CLUSTER_SHUTTING_MAX];
    int shutting_n;
    cluster_elect_wait *elect_waits;
    uv_timer_t rebalance; /* leader.imbalance.check.interval.seconds */
    cluster_cs *cs;       /* this broker's controlled shutdown, while it runs */
};

/* An empty view (no brokers, no controller), or NULL without memory
 * (cluster_view.c). Free with cluster_view_free. */
cluster_view *cluster_view_new(void);
void cluster_view_free(cluster_view *v);
/* Read the tree again (coalesced with a reading in progress)
 * (cluster_view.c). */
void cluster_sync_start(cluster *c);
/* The last read of the sync answered: replace the view with c->next when
 * it is complete, else retry later (cluster.c). */
void cluster_sync_finish(cluster *c);
/* Controller: make every partition state match the live brokers
 * (cluster_controller.c). */
void cluster_controller_duties(cluster *c);
/* The deletion entry of topic `name` in view v, or NULL. */
const cluster_deletion *cluster_view_deletion(const cluster_view *v, const char *name, int32_t len);
/* After a new view (cluster_delete.c): drop the logs of topics marked for
 * deletion and acknowledge it, forget topics gone from the view, and, as
 * controller, remove fully acknowledged topics from ZooKeeper. */
void cluster_deletions_apply(cluster *c, const cluster_view *old);
/* A waiter for `name` (cluster_admin.c), linked into c->waiters (so a
 * stopping cluster completes it), for a ZooKeeper write the caller submits
 * next with the waiter as the callback's argument; NULL without memory. */
cluster_waiter *cluster_waiter_new(cluster *c, const char *name, int kind, int32_t partitions,
                                   int32_t timeout_ms, cluster_create_done done, void *arg);
/* The write behind w answered (call it from the write's callback, always:
 * it also frees a waiter the cluster completed meanwhile). error != NONE
 * finishes w with it; else w is finished at once when its timeout_ms <= 0,
 * or waits for the view (REQUEST_TIMED_OUT with timeout_msg after
 * timeout_ms). */
void cluster_waiter_written(cluster_waiter *w, int16_t error, const char *msg,
                            const char *timeout_msg);
/* The write could not be submitted: w goes, without a callback. */
void cluster_waiter_discard(cluster_waiter *w);
/* Write one partition state as controller (cluster_controller.c): create it
 * or replace it at the version of the view, in a transaction that checks
 * /controller_epoch. `why` (may be NULL) goes into the log line. */
void cluster_ctl_write(cluster *c, const cluster_topic *t, const cluster_partition *p,
                       int32_t leader, int32_t leader_epoch, const int32_t *isr, int isr_n,
                       const char *why);
/* Is broker id in controlled shutdown (controller's knowledge)? */
int cluster_is_shutting(const cluster *c, int32_t id);
/* Leadership moves on request (cluster_elect.c): start (timers), after each
 * new view (drop departed brokers from the shutting set, progress the
 * waiting requests), stop (answer every waiting request). */
void cluster_elect_start(cluster *c);
void cluster_elect_on_view(cluster *c);
void cluster_elect_stop(cluster *c);
/* This broker's controlled shutdown (cluster_shutdown.c): cancel it. */
void cluster_cs_abort(cluster *c);
/* After a new view: complete the waiters whose topics are ready. */
void cluster_waiters_check(cluster *c);
/* Stop: complete every waiter with an error. */
void cluster_waiters_fail_all(cluster *c, const char *why);

#endif
