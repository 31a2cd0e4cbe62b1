/*
 * client/internal.h - the client core's contract with the producer and the
 * consumer: the I/O thread and its loop, broker connections, requests and
 * the metadata cache.
 *
 * A `client` is what every strand_producer and strand_consumer embeds: one
 * background thread running its own uv_loop, the connections to the
 * brokers and the cluster metadata. Nothing is global; two clients share
 * nothing.
 *
 * Threads. Functions marked [any] may be called from any thread. All others
 * are [loop]: call them only on the client's I/O thread, i.e. from a
 * function run through client_post/client_call, from a request or metadata
 * callback, or from a uv handle callback on client_loop(). Every callback
 * the core makes runs on the I/O thread.
 *
 * Typical producer/consumer shape:
 *
 *   p->core = client_new(conf, CLIENT_ROLE_PRODUCER, errbuf, errlen);
 *   client_call(p->core, producer_setup_on_loop, p);   // create timers etc.
 *   ... API calls enter the loop with client_post(p->core, fn, arg) ...
 *   client_call(p->core, producer_teardown_on_loop, p); // uv_close own handles
 *   client_destroy(p->core);                            // joins the thread
 *
 * Requests. client_send() queues a request for a node; the connection is
 * opened on demand (TCP connect, then ApiVersions), the version is picked
 * from the caller's range, the codecs' range and the broker's table, and the
 * body is encoded by the caller's encode function for that version. Up to
 * max.in.flight.requests.per.connection requests are in flight per
 * connection (correlation ids match responses); more wait in the
 * connection's queue. Requests go out in client_send order per node, and
 * every request gets exactly one callback: the response, or an error
 * (timeout, transport failure, unsupported version, client shutdown).
 * When a connection drops, all its in-flight and queued requests fail with
 * STRAND_ERR_TRANSPORT in the order they were sent, the metadata is
 * refreshed, and the connection is reopened on the next request after
 * reconnect.backoff.ms (doubling up to reconnect.backoff.max.ms).
 */
#ifndef STRAND_CLIENT_INTERNAL_H
#define STRAND_CLIENT_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "client/conf.h"
#include "strand/err.h"
#include "strand/types.h"
#include "wire/buf.h"

typedef struct client client;

enum client_role {
    CLIENT_ROLE_PRODUCER = 0,
    CLIENT_ROLE_CONSUMER = 1,
};

/* ------------------------------------------------------------------------ */
/* Lifetime and the I/O thread */

/* [any] Create a client for `conf` (which it takes ownership of in every
 * case, freeing it on failure) and start its I/O thread. Checks the conf
 * (client_conf_check) and parses bootstrap.servers; connects lazily (first
 * request or metadata refresh). NULL on failure with the reason in errbuf. */
client *client_new(strand_conf *conf, enum client_role role, char *errbuf, size_t errlen);

/* [any, not loop] Shut down: every request still queued or in flight gets
 * its callback with STRAND_ERR_CLOSED (on the I/O thread), metadata waiters
 * get STRAND_ERR_CLOSED, connections and timers are closed, the loop runs
 * until every handle is closed (so the caller must have uv_close'd its own
 * handles before), the thread is joined and everything is freed, conf
 * included. Objects referenced by callback arguments must live until this
 * returns. NULL is a no-op. */
void client_destroy(client *c);

/* [any] The configuration (read-only, stable for the client's lifetime). */
const strand_conf *client_conf(const client *c);

/* [loop] The client's uv loop, for the caller's own timers and handles. */
uv_loop_t *client_loop(client *c);

/* 1 when called on the client's I/O thread. [any] */
int client_on_loop(const client *c);

typedef void (*client_fn)(client *c, void *arg);

/* [any] Run fn(c, arg) on the I/O thread soon, in posting order. Returns
 * STRAND_OK, STRAND_ERR_CLOSED once client_destroy has begun (fn will not
 * run) or STRAND_ERR_NOMEM. From the loop thread itself fn runs on a later
 * loop iteration, never inline. */
strand_err client_post(client *c, client_fn fn, void *arg);

/* [any, not loop] Run fn(c, arg) on the I/O thread and wait until it
 * returned. Same errors as client_post (STRAND_ERR_STATE if called on the
 * loop thread, where it would deadlock). */
strand_err client_call(client *c, client_fn fn, void *arg);

/* [any] Log through the conf's log callback (no-op without one). */
void client_log(client *c, strand_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* [any] Milliseconds on a monotonic clock (for deadlines). */
int64_t client_now_ms(void);

/* [any] Milliseconds since the Unix epoch (for record timestamps). */
int64_t client_wallclock_ms(void);

/* ------------------------------------------------------------------------ */
/* Requests */

/* Node id meaning "any broker": an open connection if there is one,
 * otherwise the next known broker (metadata brokers, then bootstrap
 * servers) in turn. For Metadata, ListOffsets before a leader is known, etc. */
#define CLIENT_NODE_ANY INT32_MIN

/* Flags for client_send. */
#define CLIENT_SEND_NO_RESPONSE                                                                    \
    0x1 /* Produce with acks=0: the callback runs                                                  \
         * once the request is written, with an                                                    \
         * empty body */

/* Encode the request body (no header, no size prefix: the core adds them)
 * for `version`. Runs on the loop thread when the request is about to be
 * written. Errors are signalled through w->err. */
typedef void (*client_encode_fn)(wire_writer *w, int16_t version, void *arg);

typedef struct client_response {
    strand_err err;  /* STRAND_OK, or STRAND_ERR_TIMED_OUT / _TRANSPORT /
                      * _UNSUPPORTED (no common version) / _CLOSED /
                      * _BAD_MSG (the response header did not parse) /
                      * _NOMEM (encoding failed) */
    int32_t node_id; /* the node the request went to (resolved for ANY) */
    int16_t api_key;
    int16_t version;     /* the version picked; -1 if none was */
    const uint8_t *body; /* response body after the response header */
    size_t len;          /* (NULL/0 on error or with CLIENT_SEND_NO_RESPONSE) */
    uint8_t *frame;      /* private: the malloc'ed frame `body` points into */
} client_response;

/* Called exactly once per request, on the loop thread. The response and its
 * body are valid during the call only, unless the callback takes the frame
 * with client_response_take. */
typedef void (*client_response_cb)(client *c, client_response *res, void *arg);

/* [loop] Take ownership of the response frame so that `res->body` stays
 * valid after the callback (e.g. fetched record batches handed to the
 * application without a copy). Returns the malloc'ed block to free() later;
 * res->body points inside it. NULL if there is no frame. */
uint8_t *client_response_take(client_response *res);

typedef struct client_request {
    int32_t node_id;         /* a broker id from the metadata or CLIENT_NODE_ANY */
    int16_t api_key;         /* enum kafka_api */
    int16_t min_version;     /* range the caller can encode/decode */
    int16_t max_version;     /*   (clamped to wire/protocol.h's range) */
    int32_t timeout_ms;      /* 0: request.timeout.ms; counted from client_send */
    unsigned flags;          /* CLIENT_SEND_* */
    client_encode_fn encode; /* required */
    void *encode_arg;
    client_response_cb cb; /* required */
    void *cb_arg;
} client_request;

/* [loop] Queue a request (copied; `req` may be a stack value). The callback
 * runs later, never inline, even for immediate errors (unknown node id:
 * STRAND_ERR_TRANSPORT). Returns STRAND_OK, or with no callback to follow:
 * STRAND_ERR_NOMEM, STRAND_ERR_INVALID_ARG, or STRAND_ERR_CLOSED once
 * client_destroy has begun (also from callbacks run during shutdown). */
strand_err client_send(client *c, const client_request *req);

/* [loop] client_send of a request without flags whose encode and callback
 * share one argument: the common case, spelled once. */
strand_err client_send_call(client *c, int32_t node, int16_t api_key, int16_t min_version,
                            int16_t max_version, int32_t timeout_ms, client_encode_fn encode,
                            client_response_cb cb, void *arg);

/* Node ids from CLIENT_NODE_ALIAS_BASE down are aliases (below). */
#define CLIENT_NODE_ALIAS_BASE (-(1 << 30))

/* [loop] A second, separate connection to broker `node_id` (which must be
 * known from the metadata): returns the id to send requests to it with, or
 * -1 when the node is unknown. For the consumer group coordinator, as
 * librdkafka does: answers on a connection come in request order, so on the
 * main connection a heartbeat's answer waits behind long-poll Fetch answers
 * (up to fetch.max.wait.ms), which delays noticing a rebalance. The alias
 * follows the node's address as of this call; it is never
 * used for CLIENT_NODE_ANY. Idempotent. */
int32_t client_node_alias(client *c, int32_t node_id);

/* [loop] 1 if a connection to the node is open and negotiated. */
int client_node_is_up(client *c, int32_t node_id);

/* [loop] Requests queued or in flight on the node's connection. */
int client_node_pending(client *c, int32_t node_id);

/* [loop] The version client_send would use for api_key on that node, or -1
 * while the connection is not negotiated or there is no common version. */
int16_t client_node_api_version(client *c, int32_t node_id, int16_t api_key, int16_t min_version,
                                int16_t max_version);

/* ------------------------------------------------------------------------ */
/* Metadata cache */

typedef struct client_partition_md {
    int32_t id;
    int16_t err;          /* Kafka error code for this partition (0 = fine) */
    int32_t leader;       /* node id, -1 when there is none */
    int32_t leader_epoch; /* -1 if unknown */
} client_partition_md;

typedef struct client_topic_md {
    char *name;
    int16_t err;                     /* Kafka error code for the topic (0 = fine):
                                      * e.g. UNKNOWN_TOPIC_OR_PARTITION,
                                      * LEADER_NOT_AVAILABLE while being created */
    int32_t partition_count;         /* 0 when err != 0 */
    client_partition_md *partitions; /* indexed by partition id */
    int64_t updated_ms;              /* client_now_ms() of the refresh */
} client_topic_md;

/* [loop] Add `topic` to the topics the cache follows (metadata requests ask
 * for them, with allow.auto.create.topics). Idempotent. Does not by itself
 * refresh: call client_metadata_refresh or client_metadata_wait. */
strand_err client_metadata_want(client *c, const char *topic);

/* [loop] Stop following `topic` (its entry is dropped at the next refresh). */
void client_metadata_unwant(client *c, const char *topic);

/* [loop] The cached metadata of `topic`, or NULL when no refresh has
 * answered for it yet. The pointer is valid until control returns to the
 * loop (the next refresh replaces it): copy what you keep. */
const client_topic_md *client_metadata_topic(client *c, const char *topic);

/* [loop] Ask for a refresh (reason is logged at debug level). Coalesced:
 * while a refresh is in flight, any number of further asks become one more
 * refresh after it. Refreshes also run every metadata.max.age.ms and after
 * a connection drops. */
void client_metadata_refresh(client *c, const char *reason);

typedef void (*client_metadata_cb)(client *c, strand_err err, void *arg);

/* [loop] Call cb once after the next refresh completes (starting one if
 * needed): err STRAND_OK (the cache is updated; look topics up again), or
 * the error of the failed refresh (e.g. STRAND_ERR_TRANSPORT when no broker
 * answers within request.timeout.ms), or STRAND_ERR_CLOSED at shutdown.
 * Never inline. STRAND_ERR_NOMEM or STRAND_ERR_CLOSED (shutting down): no
 * callback follows. */
strand_err client_metadata_wait(client *c, client_metadata_cb cb, void *arg);

/* [loop] A persistent listener called after every completed refresh (at
 * most one per client; NULL removes it). For producers/consumers that
 * re-route when leaders move. */
void client_metadata_listen(client *c, client_metadata_cb cb, void *arg);

/* [loop] Number of successful refreshes so far (a generation counter). */
uint64_t client_metadata_generation(client *c);

#endif
