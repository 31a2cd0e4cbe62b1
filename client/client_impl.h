/*
 * client/client_impl.h - the insides of the client core, shared by
 * client.c (thread, loop, posting), conn.c (broker connections, requests)
 * and metadata.c (the cache). Not for the producer or consumer: they use
 * client/internal.h only.
 *
 * Everything below is touched on the I/O thread only, except the fields
 * marked "lock", which are guarded by client.lock.
 */
#ifndef STRAND_CLIENT_IMPL_H
#define STRAND_CLIENT_IMPL_H

#include "client/internal.h"

#define CLIENT_API_KEYS 64 /* API key table size (keys 0..63) */

typedef struct client_post_item {
    client_fn fn;
    void *arg;
    struct client_post_item *next;
} client_post_item;

/* One queued, in-flight or completed request. */
typedef struct creq {
    client_request r;
    int32_t corr;
    int16_t version;
    int64_t deadline_ms;
    strand_err err; /* for deferred completions */
    int internal;   /* ApiVersions of the connection itself */
    struct creq *next;
} creq;

typedef struct creq_list {
    creq *head, *tail;
    int count;
} creq_list;

enum broker_state {
    BROKER_DOWN = 0,  /* no connection; connects on the next request */
    BROKER_RESOLVING, /* getaddrinfo in progress */
    BROKER_CONNECTING,
    BROKER_HANDSHAKE, /* ApiVersions in flight */
    BROKER_UP,
    BROKER_BACKOFF, /* waiting reconnect backoff before the next attempt */
};

typedef struct client_conn client_conn;

typedef struct client_broker {
    client *c;
    int32_t node_id; /* bootstrap servers: -1, -2, ... */
    char host[256];
    int port;
    int bootstrap;
    int decommissioned; /* no longer in the metadata */
    enum broker_state state;
    client_conn *conn;    /* current connection attempt or connection */
    struct conn_gai *gai; /* the newest name lookup in progress, if any */
    uv_timer_t timer;     /* connect timeout, then backoff */
    int64_t backoff_ms;   /* next backoff */
    uint64_t attempt;     /* connection attempt number (stale callbacks) */
    int32_t next_corr;
    int16_t api_min[CLIENT_API_KEYS];
    int16_t api_max[CLIENT_API_KEYS]; /* -1: not offered */
    creq_list waiting;                /* not yet written, in send order */
    creq_list inflight;               /* written, awaiting responses, in order */
    struct client_broker *next;
} client_broker;

struct client {
    strand_conf *conf;
    enum client_role role;
    uv_loop_t loop;
    uv_thread_t thread;
    uv_thread_t loop_tid;
    uv_sem_t started;
    uv_async_t wake;
    uv_idle_t defer_idle; /* runs deferred completions */
    uv_timer_t sweep;     /* request timeouts */
    int sweep_active;

    uv_mutex_t lock;
    uv_cond_t cond;
    client_post_item *post_head, *post_tail; /* lock */
    int closing;                             /* lock: no more posts */
    int stop_requested;                      /* lock */

    int stopping; /* loop: shutdown under way */

    client_broker *brokers;
    int32_t bootstrap_count;
    uint32_t any_rr; /* round robin for CLIENT_NODE_ANY */
    creq_list deferred;
    size_t max_frame;
    int pending; /* requests queued or in flight, all brokers */

    /* metadata (metadata.c) */
    char **md_wanted;
    int md_wanted_count, md_wanted_cap;
    client_topic_md **md_topics;
    int md_topic_count;
    int md_inflight;
    int md_again;
    uint64_t md_generation;
    struct md_waiter *md_waiters;      /* served by the refresh in flight */
    struct md_waiter *md_waiters_next; /* served by the one after it */
    client_metadata_cb md_listener;
    void *md_listener_arg;
    uv_timer_t md_timer;
};

/* conn.c */
strand_err conn_init(client *c); /* bootstrap brokers; on loop */
void conn_shutdown(client *c);   /* fail everything CLOSED, close handles */
void conn_free_all(client *c);   /* after the loop ended */
client_broker *conn_broker_find(client *c, int32_t node_id);
client_broker *conn_broker_upsert(client *c, int32_t node_id, const char *host, int port);
void conn_defer_run(client *c); /* process deferred completions */
void creq_list_push(creq_list *l, creq *q);
creq *creq_list_pop(creq_list *l);

/* metadata.c */
strand_err md_init(client *c);
void md_shutdown(client *c);
void md_free_all(client *c);
void md_on_connection_lost(client *c);

#endif
