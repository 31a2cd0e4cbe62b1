/*
 * group.h - the consumer group member of libstrand (internal): Kafka's
 * classic group protocol (FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup) with eager rebalancing, and committed offsets (OffsetCommit,
 * OffsetFetch, auto-commit).
 *
 * Two sides, like the rest of the consumer:
 *
 *   I/O thread [loop] (group.c, group_offsets.c): the membership state
 *   machine. It finds the coordinator, resolves the subscription against
 *   metadata (regexes included), joins, computes the assignment when it is
 *   the leader (assignor.c), syncs, fetches the committed offsets of what
 *   it got, heartbeats, auto-commits, watches the subscribed topics and
 *   max.poll.interval.ms, and leaves. It never calls the application: it
 *   queues group events (consumer_gevent) for the application thread.
 *
 *   Application thread (group_api.c): subscribe/unsubscribe/commit/
 *   committed, and consumer_group_service(), which strand_consumer_poll
 *   runs first: it takes the queued events and runs the rebalance and
 *   commit callbacks (or applies the assignment itself). A revocation is
 *   acknowledged back to the loop once the application has handled it
 *   (after the auto-commit of the revoked positions): only then does the
 *   loop send JoinGroup, as the eager protocol requires.
 *
 * Synchronous operations (commit, committed, leave) are consumer_gop
 * objects: the application thread posts one to the loop and waits on the
 * consumer's `ready` condition until the loop marks it done. The loop
 * always completes an op (answer, error, or its deadline), and the waiting
 * thread frees it; asynchronous ops are freed by the loop after queueing
 * their result.
 *
 * Locking: group events, `subscribed`, `last_poll_ms`/`in_poll` and op
 * completion flags are guarded by the consumer's lock; everything inside
 * consumer_group is [loop] unless marked.
 */
#ifndef STRAND_CONSUMER_GROUP_H
#define STRAND_CONSUMER_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include <regex.h>

#include <uv.h>

#include "client/internal.h"
#include "consumer/assignor.h"
#include "strand/consumer.h"

typedef struct consumer_group consumer_group;

/* A list of partitions with an offset each (topics owned). */
typedef struct consumer_tplist {
    strand_topic_partition *v; /* v[i].topic is malloc'ed */
    size_t n;
    size_t cap;
} consumer_tplist;

int consumer_tplist_add(consumer_tplist *l, const char *topic, int32_t partition, int64_t offset);
void consumer_tplist_free(consumer_tplist *l);
/* Index of (topic, partition) or -1. */
long consumer_tplist_find(const consumer_tplist *l, const char *topic, int32_t partition);

/* Events from the loop to the application thread. */
enum consumer_gevent_kind {
    CONSUMER_GEV_ASSIGN = 1, /* parts: the new assignment with committed offsets */
    CONSUMER_GEV_REVOKE = 2, /* parts: taken away; lost: no commit possible */
    CONSUMER_GEV_COMMIT = 3, /* result of an async or automatic commit */
};

typedef struct consumer_gevent {
    int kind;
    int lost;       /* REVOKE: membership lost, positions not committed */
    uint64_t epoch; /* REVOKE: echoed in the acknowledgement */
    strand_err err; /* COMMIT */
    consumer_tplist parts;
    struct consumer_gevent *next;
} consumer_gevent;

void consumer_gevent_free(consumer_gevent *ev);

/* A synchronous or asynchronous request of the application. */
enum consumer_gop_kind {
    CONSUMER_GOP_COMMIT = 1,
    CONSUMER_GOP_FETCH = 2, /* committed offsets */
    CONSUMER_GOP_LEAVE = 3, /* leave the group (unsubscribe, close) */
};

typedef struct consumer_gop {
    consumer_group *g;
    int kind;
    int async;             /* COMMIT: result as an event, loop frees the op */
    int auto_commit;       /* COMMIT made by the library itself */
    int64_t deadline_ms;   /* fail with TIMED_OUT when no coordinator by then */
    consumer_tplist parts; /* COMMIT: offsets to commit; FETCH: filled in */
    strand_err err;        /* result */
    int done;              /* [consumer lock] */
    int posted;            /* [app] handed to the loop (sync ops) */
    int keep;              /* [app] consumer_group_run_op leaves a sync op to the caller */
    int retries;           /* [loop] coordinator changes survived */
    /* [loop] internal ops (the assignment's OffsetFetch): called instead of
     * waking anyone; the loop frees the op afterwards. */
    void (*internal_done)(consumer_group *g, struct consumer_gop *op);
    uint64_t seq;              /* [loop] membership sequence the internal op belongs to */
    struct consumer_gop *next; /* [loop] waiting for the coordinator */
} consumer_gop;

void consumer_gop_free(consumer_gop *op);

/* Membership states (consumer_group.state). */
enum consumer_gstate {
    GS_IDLE = 0,    /* not subscribed */
    GS_INIT,        /* (re)join needed: revocation ack, coordinator, backoff */
    GS_META,        /* Metadata for the subscription in flight */
    GS_JOINING,     /* JoinGroup in flight */
    GS_LEADER_META, /* leader: Metadata of every member's topics in flight */
    GS_SYNCING,     /* SyncGroup in flight */
    GS_OFFSETS,     /* OffsetFetch of the new assignment in flight */
    GS_STABLE,      /* heartbeating */
    GS_LEFT,        /* left for max.poll.interval.ms; rejoins on the next poll */
};

/* A member as the leader got it from JoinGroup. */
typedef struct consumer_gmember {
    char *member_id;
    char *instance_id; /* NULL when none */
    char **topics;
    size_t ntopics;
} consumer_gmember;

/* [loop] The member. Fields are touched on the I/O thread only. */
struct consumer_group {
    strand_consumer *c;
    client *core;
    const strand_conf *conf;
    char *assignors[2]; /* partition.assignment.strategy, in order */
    size_t nassignors;

    /* subscription */
    int subscribed;
    char **literals;
    size_t nliterals;
    regex_t *regexes;
    size_t nregexes;

    /* coordinator */
    int32_t coord;      /* node id, -1 unknown */
    int32_t coord_conn; /* where group requests go: a separate connection to
                         * `coord` (client_node_alias), so their answers never
                         * wait behind long-poll fetch answers */
    int finding;
    int64_t coord_retry_at;

    /* membership */
    int state;          /* enum consumer_gstate */
    uint64_t seq;       /* bumped whenever answers in flight become stale */
    char *member_id;    /* never NULL; "" before the first join */
    int32_t generation; /* -1 outside a generation */
    char *protocol;     /* the chosen assignor */
    int leader;
    int64_t retry_at;          /* no JoinGroup before (backoff after errors) */
    consumer_tplist owned;     /* the assignment handed to the application */
    consumer_tplist committed; /* last positions committed (auto-commit skips them) */
    int revoke_wait;           /* the application has not acknowledged the revocation */
    uint64_t revoke_epoch;
    char **my_topics; /* the subscription sent with the last JoinGroup */
    size_t nmy;
    assignor_topic *snap; /* topics watched (partition counts) since the join */
    size_t nsnap;
    consumer_gmember *members; /* leader only: from JoinGroup */
    size_t nmembers;
    strand_err reported; /* last group error reported through poll */

    /* timers */
    int hb_inflight;
    uint64_t hb_token; /* the heartbeat in flight; bumped to make it stale */
    int64_t hb_due;
    int64_t commit_due;
    int autocommit_inflight;
    int64_t meta_due;
    int meta_inflight;
    uv_timer_t timer;
    int timer_open;
    int64_t timer_due;

    consumer_gop *ops_head; /* waiting for the coordinator */
    consumer_gop *ops_tail;
};

/* [loop] 1 once the consumer is closing (answers are then dropped). */
int consumer_group_closing(consumer_group *g);

/* [loop] Forget the coordinator (after NOT_COORDINATOR, a lost connection):
 * it is looked up again. */
void consumer_group_coord_lost(consumer_group *g, const char *why);

/* [loop] Leave the group (LeaveGroup for the current member id, if any);
 * `op` (may be NULL) completes when answered. */
void consumer_group_leave(consumer_group *g, consumer_gop *op);

/* [loop] Membership errors from any group answer (heartbeat, commit):
 * REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID rejoin. */
void consumer_group_member_error(consumer_group *g, int16_t code);

/* [any] Queue an event for the application thread (takes ownership). */
void consumer_group_event_push(strand_consumer *c, consumer_gevent *ev);

/* ------------------------------------------------------------------------ */
/* Loop side (group.c) */

/* [any, before the loop runs it] Allocate the member (NULL: out of memory). */
consumer_group *consumer_group_new(strand_consumer *c);
/* [any, after the loop ended] Free it (ops and events are owned elsewhere). */
void consumer_group_free(consumer_group *g);

/* [loop] Timers and listeners; teardown closes them. */
void consumer_group_setup(consumer_group *g);
void consumer_group_teardown(consumer_group *g);

/* What the application asks of the loop, posted with client_post. Each
 * takes ownership of its argument. */
typedef struct consumer_gsub {
    consumer_group *g;
    char **topics; /* NULL-free list, owned; entries starting with '^' are regexes */
    size_t n;      /* 0: unsubscribe */
} consumer_gsub;
void consumer_group_post_subscription(client *core, void *arg); /* consumer_gsub */
void consumer_group_post_op(client *core, void *arg);           /* consumer_gop (arg->g set) */

/* [loop] The application handled the revocation of `epoch`. */
void consumer_group_revoke_done(consumer_group *g, uint64_t epoch);

/* [loop] Wake the state machine (after a poll resumed a member that left
 * for max.poll.interval.ms, etc.). */
void consumer_group_step(consumer_group *g);

/* ------------------------------------------------------------------------ */
/* Offsets (group_offsets.c) [loop] */

/* Send (or park until the coordinator is known) one op. */
void consumer_group_op_start(consumer_group *g, consumer_gop *op);
/* Fail parked ops whose deadline passed; send the others once the
 * coordinator is known. Returns the earliest deadline left (INT64_MAX). */
int64_t consumer_group_ops_service(consumer_group *g, int64_t now);
/* Commit the positions of the assigned partitions that moved since the
 * last auto-commit. */
void consumer_group_auto_commit(consumer_group *g);
/* Complete an op: sync ops wake the waiter, async ones queue an event. */
void consumer_group_op_finish(consumer_group *g, consumer_gop *op, strand_err err);

/* ------------------------------------------------------------------------ */
/* Application side (group_api.c) */

/* [app] Handle queued group events: run rebalance / commit callbacks or
 * apply assignments. Called by poll before it looks for messages; also
 * tells the loop that the application is polling. */
void consumer_group_service(strand_consumer *c);

/* [app] Before close: final commit, revoke callback, LeaveGroup. */
void consumer_group_close(strand_consumer *c);

/* [app] Run an op to completion (sync) or hand it over (async). Frees the
 * op, except a sync op with `keep` set that was posted (op->posted): the
 * caller reads its results and frees it. */
strand_err consumer_group_run_op(strand_consumer *c, consumer_gop *op);

/* ------------------------------------------------------------------------ */
/* Shared by group.c and group_join.c [loop] */

/* One request of the state machine in flight. */
typedef struct greq {
    consumer_group *g;
    uint64_t seq;  /* g->seq (or the heartbeat token) when sent */
    uint8_t *blob; /* JoinGroup: subscription; unused otherwise */
    size_t blob_len;
    char **topics; /* Metadata: the topics asked for (NULL: all) */
    size_t ntopics;
    int purpose; /* Metadata: enum meta_purpose */
    /* SyncGroup (leader): one assignment blob per member */
    uint8_t **assign;
    size_t *assign_len;
    size_t nassign;
} greq;

enum meta_purpose { META_SUBSCRIBE = 1, META_LEADER = 2, META_WATCH = 3 };

greq *group_req_new(consumer_group *g);
void group_req_free(greq *r);
void group_strv_free(char **v, size_t n);
int group_strv_has(char *const *v, size_t n, const char *s);
int group_strv_add(char ***v, size_t *n, const char *s);
int64_t group_backoff(const consumer_group *g);
void group_members_free(consumer_group *g);
void group_snap_free(consumer_group *g);
/* Report a group error once through poll (an error message). */
void group_report(consumer_group *g, strand_err err);
/* Start over: revoke what the member owns, back to INIT. */
void group_rejoin(consumer_group *g, const char *why, int lost);
int group_is_coord_error(strand_err err, int16_t code);
/* Metadata for the subscription (purpose META_*): every topic when a regex
 * is involved, else the watched topics. 0, or -1 when it could not be sent. */
int group_send_subscription_metadata(consumer_group *g, int purpose);
/* Send one group request to `node`: `arg` goes to both `encode` and `cb`;
 * timeout_ms 0 means request.timeout.ms. Returns client_send's result: on an
 * error no callback follows and `arg` stays the caller's to free. */
strand_err group_send(consumer_group *g, int32_t node, int16_t api_key, int16_t min_version,
                      int16_t max_version, int32_t timeout_ms, client_encode_fn encode,
                      client_response_cb cb, void *arg);

#endif
