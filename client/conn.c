/*
 * conn.c - broker connections and requests on the client's loop.
 *
 * A client_broker is a node id with an address and a state machine:
 * DOWN -> RESOLVING -> CONNECTING -> HANDSHAKE (ApiVersions) -> UP, and on
 * any failure -> BACKOFF -> DOWN. Requests wait in the broker's `waiting`
 * list until it is UP, then move to `inflight` as they are written (at most
 * max.in.flight.requests.per.connection of them). Kafka answers requests on
 * a connection in order, so a response always belongs to the head of
 * `inflight`; anything else is a protocol error that drops the connection.
 *
 * Every request completes exactly once. Completions that do not come from a
 * response (errors, acks=0 writes) go through the `deferred` list, drained
 * by an idle handle, so a caller's callback never runs inside client_send.
 * A failing connection fails its in-flight requests first and then the
 * waiting ones, keeping send order, which lets the producer retry batches
 * without reordering them.
 *
 * The connection object (client_conn) is separate from the broker and is
 * freed in the TCP handle's close callback; a broker only detaches from it,
 * so stale libuv callbacks find conn->b == NULL and do nothing.
 *
 * Frames are read into a 64 KiB scratch buffer, except the remainder of a
 * large frame, which is read straight into its own malloc'ed block. Every
 * response frame is its own block, so the consumer can keep fetched data
 * without a copy (client_response_take).
 */
#include "client/client_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strand/strand.h"
#include "wire/protocol.h"

#define CONN_SCRATCH (64u << 10)
#define CONN_SWEEP_MS 20

struct client_conn {
    uv_tcp_t tcp;
    uv_connect_t connect;
    client_broker *b; /* NULL once detached */
    int tcp_inited;
    uint8_t hdr[4];
    size_t hdr_got;
    uint8_t *frame;
    size_t frame_len, frame_got;
    int direct;               /* the last read buffer was the frame itself */
    struct addrinfo *ai_list; /* resolved addresses (owned), while connecting */
    struct addrinfo *ai_next; /* the next one to try */
    uint8_t scratch[CONN_SCRATCH];
};

typedef struct conn_gai {
    uv_getaddrinfo_t req;
    client_broker *b;
    uint64_t attempt;
} conn_gai;

typedef struct conn_write {
    uv_write_t req;
    uint8_t *buf;
} conn_write;

static void broker_connect(client_broker *b);
static void broker_pump(client_broker *b);
static void broker_fail(client_broker *b, strand_err err, const char *why);

void creq_list_push(creq_list *l, creq *q) {
    q->next = NULL;
    if (l->tail)
        l->tail->next = q;
    else
        l->head = q;
    l->tail = q;
    l->count++;
}

creq *creq_list_pop(creq_list *l) {
    creq *q = l->head;
    if (!q)
        return NULL;
    l->head = q->next;
    if (!l->head)
        l->tail = NULL;
    l->count--;
    q->next = NULL;
    return q;
}

static const char *broker_name(const client_broker *b, char *buf, size_t len) {
    if (b->bootstrap)
        snprintf(buf, len, "%s:%d (bootstrap)", b->host, b->port);
    else
        snprintf(buf, len, "%s:%d (node %d)", b->host, b->port, (int)b->node_id);
    return buf;
}

/* ------------------------------------------------------------------------ */
/* Completions */

static void defer_idle_cb(uv_idle_t *h) {
    conn_defer_run(h->data);
}

static void creq_complete_later(client *c, creq *q, strand_err err) {
    if (q->internal) {
        free(q);
        return;
    }
    q->err = err;
    creq_list_push(&c->deferred, q);
    if (!c->stopping)
        uv_idle_start(&c->defer_idle, defer_idle_cb);
}

void conn_defer_run(client *c) {
    creq *q;
    while ((q = creq_list_pop(&c->deferred)) != NULL) {
        client_response res = {q->err, q->r.node_id, q->r.api_key, q->version, NULL, 0, NULL};
        c->pending--;
        q->r.cb(c, &res, q->r.cb_arg);
        free(q);
    }
    uv_idle_stop(&c->defer_idle);
}

uint8_t *client_response_take(client_response *res) {
    uint8_t *f = res->frame;
    res->frame = NULL;
    return f;
}

/* ------------------------------------------------------------------------ */
/* Brokers */

static client_broker *broker_new(client *c, int32_t node_id, const char *host, int port,
                                 int bootstrap) {
    client_broker *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->c = c;
    b->node_id = node_id;
    snprintf(b->host, sizeof b->host, "%s", host);
    b->port = port;
    b->bootstrap = bootstrap;
    b->backoff_ms = c->conf->reconnect_backoff_ms;
    for (int i = 0; i < CLIENT_API_KEYS; i++)
        b->api_min[i] = b->api_max[i] = -1;
    uv_timer_init(&c->loop, &b->timer);
    b->timer.data = b;
    b->next = c->brokers;
    c->brokers = b;
    return b;
}

strand_err conn_init(client *c) {
    client_addr addrs[64];
    int n = client_addr_list_parse(c->conf->bootstrap_servers, addrs, 64);
    if (n < 1)
        return STRAND_ERR_CONFIG;
    for (int i = n - 1; i >= 0; i--)
        if (!broker_new(c, -1 - i, addrs[i].host, addrs[i].port, 1))
            return STRAND_ERR_NOMEM;
    c->bootstrap_count = n;
    return STRAND_OK;
}

client_broker *conn_broker_find(client *c, int32_t node_id) {
    for (client_broker *b = c->brokers; b; b = b->next)
        if (b->node_id == node_id)
            return b;
    return NULL;
}

client_broker *conn_broker_upsert(client *c, int32_t node_id, const char *host, int port) {
    client_broker *b = conn_broker_find(c, node_id);
    if (!b)
        return broker_new(c, node_id, host, port, 0);
    b->decommissioned = 0;
    if (strcmp(b->host, host) != 0 || b->port != port) {
        client_log(c, STRAND_LOG_INFO, "node %d moved from %s:%d to %s:%d", (int)node_id, b->host,
                   b->port, host, port);
        snprintf(b->host, sizeof b->host, "%s", host);
        b->port = port;
        if (b->state != BROKER_DOWN && b->state != BROKER_BACKOFF)
            broker_fail(b, STRAND_ERR_TRANSPORT, "broker address changed");
    }
    return b;
}

int32_t client_node_alias(client *c, int32_t node_id) {
    client_broker *b = node_id >= 0 ? conn_broker_find(c, node_id) : NULL;
    if (!b)
        return -1;
    int32_t alias = CLIENT_NODE_ALIAS_BASE - node_id;
    client_broker *a = conn_broker_find(c, alias);
    if (!a && !(a = broker_new(c, alias, b->host, b->port, 0)))
        return -1;
    if (strcmp(a->host, b->host) != 0 || a->port != b->port) {
        snprintf(a->host, sizeof a->host, "%s", b->host);
        a->port = b->port;
        if (a->state != BROKER_DOWN && a->state != BROKER_BACKOFF)
            broker_fail(a, STRAND_ERR_TRANSPORT, "broker address changed");
    }
    a->decommissioned = 1; /* addressed by its id only, never picked for ANY */
    return alias;
}

static client_broker *broker_pick_any(client *c) {
    client_broker *best = NULL;
    for (client_broker *b = c->brokers; b; b = b->next) {
        if (b->decommissioned || b->state != BROKER_UP)
            continue;
        if (!best ||
            b->waiting.count + b->inflight.count < best->waiting.count + best->inflight.count)
            best = b;
    }
    if (best)
        return best;
    for (client_broker *b = c->brokers; b; b = b->next)
        if (!b->decommissioned && (b->state == BROKER_RESOLVING || b->state == BROKER_CONNECTING ||
                                   b->state == BROKER_HANDSHAKE))
            return b;
    int n = 0;
    for (client_broker *b = c->brokers; b; b = b->next)
        n += !b->decommissioned;
    if (n == 0)
        return NULL;
    client_broker *backoff = NULL;
    uint32_t start = c->any_rr++ % (uint32_t)n;
    for (int k = 0; k < n; k++) {
        uint32_t want = (start + (uint32_t)k) % (uint32_t)n, i = 0;
        for (client_broker *b = c->brokers; b; b = b->next) {
            if (b->decommissioned)
                continue;
            if (i++ != want)
                continue;
            if (b->state == BROKER_DOWN)
                return b;
            if (!backoff)
                backoff = b;
            break;
        }
    }
    return backoff;
}

static void broker_timer_cb(uv_timer_t *t) {
    client_broker *b = t->data;
    if (b->c->stopping)
        return;
    if (b->state == BROKER_BACKOFF) {
        b->state = BROKER_DOWN;
        if (b->waiting.count)
            broker_connect(b);
        return;
    }
    if (b->state != BROKER_DOWN && b->state != BROKER_UP)
        broker_fail(b, STRAND_ERR_TRANSPORT, "connection setup timed out");
}

static void conn_free(client_conn *conn) {
    if (conn->ai_list)
        uv_freeaddrinfo(conn->ai_list);
    free(conn->frame);
    free(conn);
}

static void conn_close_cb(uv_handle_t *h) {
    conn_free(h->data);
}

/* Detach and close the connection; fail every request of the broker (in
 * flight first, then waiting, in order) with `err`, or TIMED_OUT for those
 * whose deadline passed; then back off. */
static void broker_fail(client_broker *b, strand_err err, const char *why) {
    client *c = b->c;
    char name[320];
    int was_up = b->state == BROKER_UP;
    if (b->state != BROKER_DOWN && b->state != BROKER_BACKOFF)
        client_log(c,
                   err == STRAND_ERR_CLOSED ? STRAND_LOG_DEBUG
                   : was_up                 ? STRAND_LOG_WARNING
                                            : STRAND_LOG_INFO,
                   "%s: %s", broker_name(b, name, sizeof name), why);
    client_conn *conn = b->conn;
    b->conn = NULL;
    b->attempt++;
    if (conn) {
        conn->b = NULL;
        if (conn->tcp_inited) {
            uv_read_stop((uv_stream_t *)&conn->tcp);
            uv_close((uv_handle_t *)&conn->tcp, conn_close_cb);
        } else {
            conn_free(conn);
        }
    }
    uv_timer_stop(&b->timer);
    for (int i = 0; i < CLIENT_API_KEYS; i++)
        b->api_min[i] = b->api_max[i] = -1;
    if (c->stopping) {
        b->state = BROKER_DOWN;
    } else if (err == STRAND_ERR_CLOSED) {
        b->state = BROKER_DOWN;
    } else {
        b->state = BROKER_BACKOFF;
        uv_timer_start(&b->timer, broker_timer_cb, (uint64_t)b->backoff_ms, 0);
        int64_t next = b->backoff_ms * 2;
        if (next < 1)
            next = 1;
        if (next > c->conf->reconnect_backoff_max_ms)
            next = c->conf->reconnect_backoff_max_ms;
        b->backoff_ms = next;
    }
    int64_t now = client_now_ms();
    creq *q;
    creq_list inflight = b->inflight, waiting = b->waiting;
    memset(&b->inflight, 0, sizeof b->inflight);
    memset(&b->waiting, 0, sizeof b->waiting);
    while ((q = creq_list_pop(&inflight)) != NULL)
        creq_complete_later(
            c, q,
            err == STRAND_ERR_TRANSPORT && now >= q->deadline_ms ? STRAND_ERR_TIMED_OUT : err);
    while ((q = creq_list_pop(&waiting)) != NULL)
        creq_complete_later(
            c, q,
            err == STRAND_ERR_TRANSPORT && now >= q->deadline_ms ? STRAND_ERR_TIMED_OUT : err);
    if (was_up && !c->stopping)
        md_on_connection_lost(c);
}

/* ------------------------------------------------------------------------ */
/* Writing */

static void conn_write_cb(uv_write_t *req, int status) {
    conn_write *wr = (conn_write *)req;
    client_conn *conn = req->handle->data;
    free(wr->buf);
    free(wr);
    if (status < 0 && status != UV_ECANCELED && conn->b) {
        char why[128];
        snprintf(why, sizeof why, "write failed: %s", uv_strerror(status));
        broker_fail(conn->b, STRAND_ERR_TRANSPORT, why);
    }
}

/* Encode and write q at version q->version; returns 0, or -1 after failing
 * the broker (q is then completed or freed). */
static int broker_write(client_broker *b, creq *q) {
    client *c = b->c;
    wire_writer w;
    wire_writer_init(&w);
    size_t start = proto_frame_begin(&w);
    q->corr = b->next_corr++;
    if (b->next_corr < 0)
        b->next_corr = 0;
    proto_req_header h = {q->r.api_key, q->version, q->corr, wire_str_from(c->conf->client_id)};
    proto_req_header_encode(&w, &h);
    q->r.encode(&w, q->version, q->r.encode_arg);
    proto_frame_end(&w, start);
    if (w.err) {
        int nomem = w.err == WIRE_ERR_NOMEM;
        wire_writer_free(&w);
        creq_complete_later(c, q, nomem ? STRAND_ERR_NOMEM : STRAND_ERR_INVALID_ARG);
        return 0;
    }
    conn_write *wr = malloc(sizeof *wr);
    if (!wr) {
        wire_writer_free(&w);
        creq_complete_later(c, q, STRAND_ERR_NOMEM);
        return 0;
    }
    size_t len;
    wr->buf = wire_writer_take(&w, &len);
    uv_buf_t buf = uv_buf_init((char *)wr->buf, (unsigned)len);
    int rc = uv_write(&wr->req, (uv_stream_t *)&b->conn->tcp, &buf, 1, conn_write_cb);
    if (rc < 0) {
        free(wr->buf);
        free(wr);
        creq_list_push(&b->inflight, q); /* failed below with the others */
        broker_fail(b, STRAND_ERR_TRANSPORT, uv_strerror(rc));
        return -1;
    }
    if (q->r.flags & CLIENT_SEND_NO_RESPONSE)
        creq_complete_later(c, q, STRAND_OK);
    else
        creq_list_push(&b->inflight, q);
    return 0;
}

static int16_t broker_pick_version(const client_broker *b, int16_t api_key, int16_t lo,
                                   int16_t hi) {
    if (api_key < 0 || api_key >= CLIENT_API_KEYS || b->api_max[api_key] < 0)
        return -1;
    const proto_api_range *r = proto_api_range_find(api_key);
    if (!r)
        return -1;
    if (lo < r->min_version)
        lo = r->min_version;
    if (hi > r->max_version)
        hi = r->max_version;
    if (lo < b->api_min[api_key])
        lo = b->api_min[api_key];
    if (hi > b->api_max[api_key])
        hi = b->api_max[api_key];
    return hi >= lo ? hi : -1;
}

static void broker_pump(client_broker *b) {
    client *c = b->c;
    while (b->state == BROKER_UP && b->waiting.head && b->inflight.count < c->conf->max_in_flight) {
        creq *q = creq_list_pop(&b->waiting);
        q->version = broker_pick_version(b, q->r.api_key, q->r.min_version, q->r.max_version);
        if (q->version < 0) {
            client_log(c, STRAND_LOG_ERROR, "node %d offers no usable version of API %d",
                       (int)b->node_id, (int)q->r.api_key);
            creq_complete_later(c, q, STRAND_ERR_UNSUPPORTED);
            continue;
        }
        if (broker_write(b, q) < 0)
            return;
    }
}

/* ------------------------------------------------------------------------ */
/* Connecting and the ApiVersions handshake */

static void encode_api_versions(wire_writer *w, int16_t version, void *arg) {
    (void)arg;
    proto_api_versions_req req = {wire_str_from("strand"), wire_str_from(strand_version_str())};
    proto_api_versions_req_encode(w, version, &req);
}

static void handshake_send(client_broker *b, int16_t version) {
    creq *q = calloc(1, sizeof *q);
    if (!q) {
        broker_fail(b, STRAND_ERR_NOMEM, "out of memory");
        return;
    }
    q->internal = 1;
    q->r.node_id = b->node_id;
    q->r.api_key = KAFKA_API_API_VERSIONS;
    q->r.encode = encode_api_versions;
    q->version = version;
    q->deadline_ms = INT64_MAX;
    broker_write(b, q);
}

static void handshake_done(client_broker *b, const creq *q, const uint8_t *body, size_t len) {
    client *c = b->c;
    wire_reader r;
    wire_arena a;
    wire_arena_init(&a);
    proto_api_versions_resp resp;
    wire_reader_init(&r, body, len);
    int rc = proto_api_versions_resp_decode(&r, q->version, &a, &resp);
    if (q->version > 0 && (rc != 0 || resp.error_code == KAFKA_UNSUPPORTED_VERSION)) {
        /* A broker that does not know our version answers in v0 with
         * UNSUPPORTED_VERSION and its own ApiVersions range: retry with the
         * best version in it (v0 when it gives none). */
        wire_arena_free(&a);
        wire_arena_init(&a);
        wire_reader_init(&r, body, len);
        proto_api_versions_resp v0;
        if (proto_api_versions_resp_decode(&r, 0, &a, &v0) == 0 &&
            v0.error_code == KAFKA_UNSUPPORTED_VERSION) {
            int16_t retry = 0;
            for (int32_t i = 0; i < v0.api_count; i++)
                if (v0.apis[i].api_key == KAFKA_API_API_VERSIONS)
                    retry = proto_api_version_pick(KAFKA_API_API_VERSIONS, v0.apis[i].min_version,
                                                   v0.apis[i].max_version);
            wire_arena_free(&a);
            if (retry < 0 || retry >= q->version)
                retry = 0;
            handshake_send(b, retry);
            return;
        }
        rc = rc ? rc : -1;
    }
    if (rc != 0 || resp.error_code != 0) {
        char why[160];
        snprintf(why, sizeof why, "ApiVersions failed: %s",
                 rc ? "malformed response" : kafka_error_name(resp.error_code));
        wire_arena_free(&a);
        broker_fail(b, STRAND_ERR_TRANSPORT, why);
        return;
    }
    for (int32_t i = 0; i < resp.api_count; i++) {
        int16_t k = resp.apis[i].api_key;
        if (k >= 0 && k < CLIENT_API_KEYS) {
            b->api_min[k] = resp.apis[i].min_version;
            b->api_max[k] = resp.apis[i].max_version;
        }
    }
    wire_arena_free(&a);
    char name[320];
    client_log(c, STRAND_LOG_DEBUG, "%s: connected (ApiVersions v%d)",
               broker_name(b, name, sizeof name), (int)q->version);
    b->state = BROKER_UP;
    b->backoff_ms = c->conf->reconnect_backoff_ms;
    uv_timer_stop(&b->timer);
    broker_pump(b);
}

static void conn_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    (void)suggested;
    client_conn *conn = h->data;
    if (conn->frame && conn->frame_len - conn->frame_got >= CONN_SCRATCH) {
        conn->direct = 1;
        *buf = uv_buf_init((char *)conn->frame + conn->frame_got,
                           (unsigned)(conn->frame_len - conn->frame_got));
    } else {
        conn->direct = 0;
        *buf = uv_buf_init((char *)conn->scratch, CONN_SCRATCH);
    }
}

/* A complete frame is in conn->frame: hand it to the head request. */
static void conn_frame_done(client_conn *conn) {
    client_broker *b = conn->b;
    client *c = b->c;
    uint8_t *frame = conn->frame;
    size_t flen = conn->frame_len;
    conn->frame = NULL;
    conn->frame_len = conn->frame_got = 0;
    conn->hdr_got = 0;
    creq *q = b->inflight.head;
    if (!q) {
        free(frame);
        broker_fail(b, STRAND_ERR_TRANSPORT, "response without a request");
        return;
    }
    wire_reader r;
    wire_reader_init(&r, frame, flen);
    int32_t corr = -1;
    if (proto_resp_header_decode(&r, q->r.api_key, q->version, &corr) != 0 || corr != q->corr) {
        free(frame);
        broker_fail(b, STRAND_ERR_TRANSPORT, "response out of order (correlation id mismatch)");
        return;
    }
    creq_list_pop(&b->inflight);
    if (q->internal) {
        handshake_done(b, q, frame + r.pos, flen - r.pos);
        free(frame);
        free(q);
        return;
    }
    client_response res = {STRAND_OK,     q->r.node_id, q->r.api_key, q->version,
                           frame + r.pos, flen - r.pos, frame};
    c->pending--;
    q->r.cb(c, &res, q->r.cb_arg);
    free(res.frame);
    free(q);
    if (b->conn == conn)
        broker_pump(b);
}

static void conn_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
    client_conn *conn = s->data;
    (void)buf;
    if (!conn->b)
        return;
    if (nread < 0) {
        broker_fail(conn->b, STRAND_ERR_TRANSPORT,
                    nread == UV_EOF ? "connection closed by the broker" : uv_strerror((int)nread));
        return;
    }
    if (nread == 0)
        return;
    if (conn->direct) {
        conn->frame_got += (size_t)nread;
        if (conn->frame_got == conn->frame_len)
            conn_frame_done(conn);
        return;
    }
    const uint8_t *p = conn->scratch;
    size_t left = (size_t)nread;
    while (left && conn->b) {
        if (!conn->frame) {
            size_t n = 4 - conn->hdr_got;
            if (n > left)
                n = left;
            memcpy(conn->hdr + conn->hdr_got, p, n);
            conn->hdr_got += n;
            p += n;
            left -= n;
            if (conn->hdr_got < 4)
                break;
            uint32_t size = wire_be32(conn->hdr);
            if (size < 4 || size > conn->b->c->max_frame) {
                broker_fail(conn->b, STRAND_ERR_TRANSPORT, "response frame size out of range");
                return;
            }
            conn->frame = malloc(size);
            if (!conn->frame) {
                broker_fail(conn->b, STRAND_ERR_NOMEM, "out of memory for a response");
                return;
            }
            conn->frame_len = size;
            conn->frame_got = 0;
            continue;
        }
        size_t n = conn->frame_len - conn->frame_got;
        if (n > left)
            n = left;
        memcpy(conn->frame + conn->frame_got, p, n);
        conn->frame_got += n;
        p += n;
        left -= n;
        if (conn->frame_got == conn->frame_len)
            conn_frame_done(conn);
    }
}

static void conn_connect_next(client_broker *b, client_conn *conn, int last_err);

/* Replace a connection whose connect failed with a fresh one that inherits
 * the remaining addresses (a uv_tcp_t cannot connect twice). NULL after
 * failing the broker when out of memory. */
static client_conn *conn_replace(client_broker *b, client_conn *old) {
    client_conn *n = calloc(1, sizeof *n);
    if (!n) {
        broker_fail(b, STRAND_ERR_NOMEM, "out of memory");
        return NULL;
    }
    n->b = b;
    n->ai_list = old->ai_list;
    n->ai_next = old->ai_next;
    old->ai_list = old->ai_next = NULL;
    old->b = NULL;
    uv_close((uv_handle_t *)&old->tcp, conn_close_cb);
    b->conn = n;
    return n;
}

static void conn_connect_cb(uv_connect_t *req, int status) {
    client_conn *conn = req->data;
    client_broker *b = conn->b;
    if (!b)
        return;
    if (status < 0) {
        if (conn->ai_next) {
            /* e.g. "localhost" gave ::1 first and the broker listens on IPv4 */
            conn = conn_replace(b, conn);
            if (conn)
                conn_connect_next(b, conn, status);
            return;
        }
        char why[160];
        snprintf(why, sizeof why, "connect failed: %s", uv_strerror(status));
        broker_fail(b, STRAND_ERR_TRANSPORT, why);
        return;
    }
    uv_freeaddrinfo(conn->ai_list);
    conn->ai_list = conn->ai_next = NULL;
    uv_tcp_nodelay(&conn->tcp, 1);
    int rc = uv_read_start((uv_stream_t *)&conn->tcp, conn_alloc_cb, conn_read_cb);
    if (rc < 0) {
        broker_fail(b, STRAND_ERR_TRANSPORT, uv_strerror(rc));
        return;
    }
    b->state = BROKER_HANDSHAKE;
    const proto_api_range *r = proto_api_range_find(KAFKA_API_API_VERSIONS);
    handshake_send(b, r ? r->max_version : 0);
}

/* Start connecting conn to its next address; on synchronous failures move
 * on to the following ones; fail the broker when none is left. */
static void conn_connect_next(client_broker *b, client_conn *conn, int last_err) {
    while (conn->ai_next) {
        struct addrinfo *ai = conn->ai_next;
        conn->ai_next = ai->ai_next;
        uv_tcp_init(&b->c->loop, &conn->tcp);
        conn->tcp.data = conn;
        conn->tcp_inited = 1;
        conn->connect.data = conn;
        b->state = BROKER_CONNECTING;
        int rc = uv_tcp_connect(&conn->connect, &conn->tcp, ai->ai_addr, conn_connect_cb);
        if (rc == 0)
            return;
        last_err = rc;
        if (!conn->ai_next)
            break;
        conn = conn_replace(b, conn);
        if (!conn)
            return;
    }
    char why[160];
    snprintf(why, sizeof why, "connect failed: %s", uv_strerror(last_err));
    broker_fail(b, STRAND_ERR_TRANSPORT, why);
}

static void conn_gai_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
    conn_gai *g = (conn_gai *)req;
    client_broker *b = g->b;
    uint64_t attempt = g->attempt;
    if (b->gai == g)
        b->gai = NULL;
    free(g);
    if (b->c->stopping || attempt != b->attempt || status == UV_ECANCELED || !b->conn) {
        if (res)
            uv_freeaddrinfo(res);
        return;
    }
    if (status < 0 || !res) {
        char why[300];
        snprintf(why, sizeof why, "cannot resolve %s: %s", b->host, uv_strerror(status));
        if (res)
            uv_freeaddrinfo(res);
        broker_fail(b, STRAND_ERR_TRANSPORT, why);
        return;
    }
    client_conn *conn = b->conn;
    conn->ai_list = conn->ai_next = res;
    conn_connect_next(b, conn, UV_EINVAL);
}

static void broker_connect(client_broker *b) {
    client *c = b->c;
    client_conn *conn = calloc(1, sizeof *conn);
    conn_gai *g = malloc(sizeof *g);
    if (!conn || !g) {
        free(conn);
        free(g);
        broker_fail(b, STRAND_ERR_NOMEM, "out of memory");
        return;
    }
    conn->b = b;
    b->conn = conn;
    b->attempt++;
    b->state = BROKER_RESOLVING;
    uv_timer_start(&b->timer, broker_timer_cb,
                   (uint64_t)c->conf->socket_connection_setup_timeout_ms, 0);
    g->b = b;
    g->attempt = b->attempt;
    char port[16];
    snprintf(port, sizeof port, "%d", b->port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    b->gai = g;
    int rc = uv_getaddrinfo(&c->loop, &g->req, conn_gai_cb, b->host, port, &hints);
    if (rc < 0) {
        b->gai = NULL;
        free(g);
        char why[300];
        snprintf(why, sizeof why, "cannot resolve %s: %s", b->host, uv_strerror(rc));
        broker_fail(b, STRAND_ERR_TRANSPORT, why);
    }
}

/* ------------------------------------------------------------------------ */
/* Requests */

static void sweep_cb(uv_timer_t *t) {
    client *c = t->data;
    if (c->pending == 0) {
        uv_timer_stop(t);
        c->sweep_active = 0;
        return;
    }
    int64_t now = client_now_ms();
    for (client_broker *b = c->brokers; b; b = b->next) {
        int late = 0;
        for (creq *q = b->inflight.head; q && !late; q = q->next)
            late = !q->internal && now >= q->deadline_ms;
        if (late) {
            /* responses come in order: give up on the connection */
            broker_fail(b, STRAND_ERR_TRANSPORT, "request timed out");
            continue;
        }
        /* waiting requests past their deadline fail alone */
        creq_list keep = {NULL, NULL, 0};
        creq *q;
        while ((q = creq_list_pop(&b->waiting)) != NULL) {
            if (now >= q->deadline_ms)
                creq_complete_later(c, q, STRAND_ERR_TIMED_OUT);
            else
                creq_list_push(&keep, q);
        }
        b->waiting = keep;
    }
}

strand_err client_send(client *c, const client_request *req) {
    if (!c || !req || !req->encode || !req->cb || req->min_version > req->max_version)
        return STRAND_ERR_INVALID_ARG;
    if (c->stopping)
        return STRAND_ERR_CLOSED;
    creq *q = calloc(1, sizeof *q);
    if (!q)
        return STRAND_ERR_NOMEM;
    q->r = *req;
    q->version = -1;
    int32_t timeout = req->timeout_ms > 0 ? req->timeout_ms : c->conf->request_timeout_ms;
    q->deadline_ms = client_now_ms() + timeout;
    c->pending++;
    if (!c->sweep_active) {
        uv_timer_start(&c->sweep, sweep_cb, CONN_SWEEP_MS, CONN_SWEEP_MS);
        c->sweep_active = 1;
    }
    client_broker *b =
        req->node_id == CLIENT_NODE_ANY ? broker_pick_any(c) : conn_broker_find(c, req->node_id);
    if (!b) {
        creq_complete_later(c, q, STRAND_ERR_TRANSPORT);
        return STRAND_OK;
    }
    q->r.node_id = b->node_id;
    creq_list_push(&b->waiting, q);
    if (b->state == BROKER_DOWN)
        broker_connect(b);
    else if (b->state == BROKER_UP)
        broker_pump(b);
    return STRAND_OK;
}

int client_node_is_up(client *c, int32_t node_id) {
    client_broker *b = conn_broker_find(c, node_id);
    return b && b->state == BROKER_UP;
}

int client_node_pending(client *c, int32_t node_id) {
    client_broker *b = conn_broker_find(c, node_id);
    return b ? b->waiting.count + b->inflight.count : 0;
}

int16_t client_node_api_version(client *c, int32_t node_id, int16_t api_key, int16_t min_version,
                                int16_t max_version) {
    client_broker *b = conn_broker_find(c, node_id);
    if (!b || b->state != BROKER_UP)
        return -1;
    return broker_pick_version(b, api_key, min_version, max_version);
}

static void broker_timer_closed(uv_handle_t *h) {
    (void)h;
}

void conn_shutdown(client *c) {
    for (client_broker *b = c->brokers; b; b = b->next) {
        /* a slow name lookup must not hold up the shutdown */
        if (b->gai)
            uv_cancel((uv_req_t *)&b->gai->req);
        broker_fail(b, STRAND_ERR_CLOSED, "client closing");
        uv_close((uv_handle_t *)&b->timer, broker_timer_closed);
    }
}

void conn_free_all(client *c) {
    client_broker *b = c->brokers;
    while (b) {
        client_broker *next = b->next;
        free(b);
        b = next;
    }
    c->brokers = NULL;
}

strand_err client_send_call(client *c, int32_t node, int16_t api_key, int16_t min_version,
                            int16_t max_version, int32_t timeout_ms, client_encode_fn encode,
                            client_response_cb cb, void *arg) {
    client_request rq = {0};
    rq.node_id = node;
    rq.api_key = api_key;
    rq.min_version = min_version;
    rq.max_version = max_version;
    rq.timeout_ms = timeout_ms;
    rq.encode = encode;
    rq.encode_arg = arg;
    rq.cb = cb;
    rq.cb_arg = arg;
    return client_send(c, &rq);
}
