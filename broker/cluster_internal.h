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

/* One complete reading of the ZooKeeper tree. */
typedef struct cluster_view {
    cluster_broker *brokers; /* sorted by id */
    int broker_count;
    int32_t controller_id; /* -1: none */
    int32_t controller_epoch;
    cluster_topic *topics;
    int topic_count;
    int failed; /* a read failed: the view is incomplete */
} cluster_view;

/* A CreateTopics waiting for its partitions to get leaders. */
typedef struct cluster_waiter {
    struct cluster_waiter *next;
    cluster *c;
    char *name;
    int written; /* the ZooKeeper write succeeded */
    cluster_create_done done;
    void *arg;
    uv_timer_t timer;
} cluster_waiter;

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
    char zk_text[4200];
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
/* After a new view: complete the waiters whose topics are ready. */
void cluster_waiters_check(cluster *c);
/* Stop: complete every waiter with an error. */
void cluster_waiters_fail_all(cluster *c, const char *why);

#endif
