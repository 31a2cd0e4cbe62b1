/*
 * server.c - libuv networking: listener, connections, framing, the in-order
 * response queue, signals, periodic log maintenance and graceful shutdown.
 *
 * Reading: each connection has one growable buffer; libuv reads into its
 * tail, complete frames are dispatched in place (Produce stamps offsets into
 * the received bytes, no copy) and the remainder is moved to the front.
 *
 * Writing: every frame gets a server_slot at the tail of the connection's
 * queue before its handler runs. A slot holds the whole response frame.
 * Only ready slots at the HEAD are written, so responses leave in request
 * order even when an earlier Fetch is still waiting. Slots of acks=0
 * Produce requests are ready and empty: they are dropped silently.
 *
 * Shutdown (SIGINT/SIGTERM; in cluster mode after a controlled shutdown,
 * see cluster.h): close the listener, complete every waiting
 * Fetch now, stop reading, let each connection drain its queue, then close
 * timers and signals so uv_run returns; main() then flushes, checkpoints and
 * closes the logs.
 */
#include "broker/server.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/coordinator.h"
#include "broker/cluster.h"
#include "broker/delayed.h"
#include "broker/dispatch.h"
#include "broker/logging.h"
#include "broker/producer_log.h"
#include "broker/topics.h"
#include "log/cleaner.h"

struct server_slot {
    server_slot *next;
    wire_writer out; /* the whole response frame, size prefix first */
    int ready;
    int silent; /* no response (acks=0) */
    void (*cancel)(void *arg);
    void *cancel_arg;
};

struct server_conn {
    uv_tcp_t tcp; /* first: handle callbacks cast back to the connection */
    server *srv;
    server_conn *prev, *next;
    char peer[80];
    uint8_t *rbuf;
    size_t rlen, rcap;
    server_slot *head, *tail;
    int writes_pending;
    size_t write_bytes; /* queued in libuv, not yet written */
    int paused;         /* reading stopped until the peer reads its responses */
    int closing;
    int draining; /* shutdown: close once the queue is empty */
};

struct server {
    broker *b;
    uv_tcp_t listener;
    uv_signal_t sigint, sigterm;
    uv_timer_t retention, flush, checkpoint, drain, cleaner, producers;
    server_conn *conns;
    int conn_count;
    int stopping;
    int signalled; /* SIGINT/SIGTERM seen */
};

typedef struct write_req {
    uv_write_t req;
    uint8_t *data;
    size_t len;
    server_conn *conn;
} write_req;

/* A peer that does not read its responses stops being read (like Kafka's
 * muted channels) instead of growing the broker's memory. */
#define CONN_WRITE_HIGH (64u << 20)
#define CONN_WRITE_LOW (16u << 20)

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);
static void conn_process(server_conn *c);

int64_t broker_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void slot_free(server_slot *s) {
    wire_writer_free(&s->out);
    free(s);
}

static void server_maybe_finish(server *srv);

static void conn_close_cb(uv_handle_t *h) {
    server_conn *c = (server_conn *)h;
    server *srv = c->srv;
    free(c->rbuf);
    free(c);
    server_maybe_finish(srv);
}

static void conn_close(server_conn *c) {
    if (c->closing)
        return;
    c->closing = 1;
    uv_read_stop((uv_stream_t *)&c->tcp);
    while (c->head) {
        server_slot *s = c->head;
        c->head = s->next;
        if (!s->ready && s->cancel)
            s->cancel(s->cancel_arg);
        slot_free(s);
    }
    c->tail = NULL;
    server *srv = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->conn_count--;
    BLOG_D("peer=%s: connection closed", c->peer);
    uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
}

static void write_cb(uv_write_t *req, int status) {
    write_req *wr = (write_req *)req;
    server_conn *c = wr->conn;
    c->write_bytes -= wr->len;
    free(wr->data);
    free(wr);
    c->writes_pending--;
    if (c->paused && !c->closing && !c->draining && c->write_bytes < CONN_WRITE_LOW) {
        c->paused = 0;
        uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
        conn_process(c); /* frames that arrived before the pause */
        if (c->closing)
            return;
    }
    if (status < 0 && status != UV_ECANCELED) {
        BLOG_D("peer=%s: write failed: %s", c->peer, uv_strerror(status));
        conn_close(c);
        return;
    }
    if (c->draining && !c->closing && c->writes_pending == 0 && !c->head)
        conn_close(c);
}

/* Write every ready slot at the head of the queue, in order. */
static void conn_flush(server_conn *c) {
    while (!c->closing && c->head && c->head->ready) {
        server_slot *s = c->head;
        c->head = s->next;
        if (!c->head)
            c->tail = NULL;
        if (!s->silent && s->out.len > 0) {
            write_req *wr = malloc(sizeof *wr);
            if (!wr) {
                slot_free(s);
                conn_close(c);
                return;
            }
            size_t len;
            wr->data = wire_writer_take(&s->out, &len);
            wr->len = len;
            wr->conn = c;
            uv_buf_t buf = uv_buf_init((char *)wr->data, (unsigned)len);
            int rc = uv_write(&wr->req, (uv_stream_t *)&c->tcp, &buf, 1, write_cb);
            if (rc < 0) {
                free(wr->data);
                free(wr);
                slot_free(s);
                BLOG_D("peer=%s: write failed: %s", c->peer, uv_strerror(rc));
                conn_close(c);
                return;
            }
            c->writes_pending++;
            c->write_bytes += len;
            if (!c->paused && c->write_bytes > CONN_WRITE_HIGH) {
                c->paused = 1;
                uv_read_stop((uv_stream_t *)&c->tcp);
                BLOG_D("peer=%s: %zu response bytes unread; pausing reads", c->peer,
                       c->write_bytes);
            }
        }
        slot_free(s);
    }
    if (c->draining && !c->closing && c->writes_pending == 0 && !c->head)
        conn_close(c);
}

static void slot_finish_frame(server_slot *s) {
    if (s->out.len >= 4)
        wire_patch_i32(&s->out, 0, (int32_t)(s->out.len - 4));
    s->ready = 1;
}

void server_response_complete(server_conn *c, server_slot *s) {
    if (s->out.err) {
        BLOG_E("peer=%s: a deferred response could not be encoded; closing connection", c->peer);
        conn_close(c);
        return;
    }
    slot_finish_frame(s);
    conn_flush(c);
}

wire_writer *server_slot_writer(server_slot *s) {
    return &s->out;
}

void server_slot_on_cancel(server_slot *s, void (*cancel)(void *arg), void *arg) {
    s->cancel = cancel;
    s->cancel_arg = arg;
}

/* Handle one complete frame; -1 when the connection was closed. */
static int conn_handle_frame(server_conn *c, uint8_t *frame, size_t len) {
    server_slot *s = calloc(1, sizeof *s);
    if (!s) {
        conn_close(c);
        return -1;
    }
    wire_writer_init(&s->out);
    wire_write_i32(&s->out, 0); /* size, patched when complete */
    if (c->tail)
        c->tail->next = s;
    else
        c->head = s;
    c->tail = s;
    broker_request req;
    memset(&req, 0, sizeof req);
    req.b = c->srv->b;
    req.conn = c;
    req.slot = s;
    req.peer = c->peer;
    req.out = &s->out;
    if (dispatch_request(&req, frame, len) != 0) {
        conn_close(c);
        return -1;
    }
    if (req.no_response) {
        s->silent = 1;
        s->ready = 1;
    } else if (!req.deferred) {
        slot_finish_frame(s);
    }
    conn_flush(c);
    return c->closing ? -1 : 0;
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    server_conn *c = (server_conn *)h;
    (void)suggested;
    size_t want = c->rlen + 65536;
    if (c->rlen >= 4) {
        int32_t size = (int32_t)wire_be32(c->rbuf);
        if (size > 0 && (int64_t)size <= c->srv->b->cfg.socket_request_max_bytes &&
            (size_t)size + 4 > want)
            want = (size_t)size + 4;
    }
    if (c->rcap < want) {
        size_t cap = c->rcap ? c->rcap : 65536;
        while (cap < want)
            cap *= 2;
        uint8_t *nb = realloc(c->rbuf, cap);
        if (!nb) {
            buf->base = NULL;
            buf->len = 0;
            return;
        }
        c->rbuf = nb;
        c->rcap = cap;
    }
    buf->base = (char *)c->rbuf + c->rlen;
    buf->len = c->rcap - c->rlen;
}

/* Dispatch every complete frame in the receive buffer, in order, unless
 * the connection is paused (its peer is not reading responses). */
static void conn_process(server_conn *c) {
    size_t pos = 0;
    int64_t max = c->srv->b->cfg.socket_request_max_bytes;
    while (!c->paused && c->rlen - pos >= 4) {
        int32_t size = (int32_t)wire_be32(c->rbuf + pos);
        if (size < 0 || (int64_t)size > max) {
            BLOG_W("peer=%s: request size %" PRId32 " is %s (socket.request.max.bytes=%" PRId64
                   "); closing connection",
                   c->peer, size, size < 0 ? "negative" : "too large", max);
            conn_close(c);
            return;
        }
        if (c->rlen - pos - 4 < (size_t)size)
            break;
        if (conn_handle_frame(c, c->rbuf + pos + 4, (size_t)size) != 0)
            return;
        pos += 4 + (size_t)size;
    }
    if (pos > 0) {
        memmove(c->rbuf, c->rbuf + pos, c->rlen - pos);
        c->rlen -= pos;
    }
    if (c->rlen == 0 && c->rcap > (1u << 20)) {
        free(c->rbuf); /* do not keep a huge buffer for an idle connection */
        c->rbuf = NULL;
        c->rcap = 0;
    }
}

static void read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
    server_conn *c = (server_conn *)stream;
    (void)buf;
    if (nread == UV_ENOBUFS) {
        BLOG_E("peer=%s: out of memory for the receive buffer; closing connection", c->peer);
        conn_close(c);
        return;
    }
    if (nread < 0) {
        if (nread != UV_EOF)
            BLOG_D("peer=%s: read failed: %s", c->peer, uv_strerror((int)nread));
        conn_close(c);
        return;
    }
    c->rlen += (size_t)nread;
    conn_process(c);
}

static void peer_name(uv_tcp_t *tcp, char *out, size_t len) {
    struct sockaddr_storage ss;
    int n = sizeof ss;
    char host[64] = "?";
    int port = 0;
    if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &n) == 0) {
        if (ss.ss_family == AF_INET) {
            uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof host);
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof host);
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
    }
    snprintf(out, len, "%s:%d", host, port);
}

static void accept_cb(uv_stream_t *listener, int status) {
    server *srv = listener->data;
    if (status < 0) {
        BLOG_W("accept failed: %s", uv_strerror(status));
        return;
    }
    server_conn *c = calloc(1, sizeof *c);
    if (!c) {
        BLOG_E("out of memory accepting a connection");
        return;
    }
    c->srv = srv;
    uv_tcp_init(srv->b->loop, &c->tcp);
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
        uv_close((uv_handle_t *)&c->tcp, (uv_close_cb)free);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    peer_name(&c->tcp, c->peer, sizeof c->peer);
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->conn_count++;
    BLOG_D("peer=%s: connection accepted", c->peer);
    uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
}

/* ---- periodic log maintenance ---- */

static void retention_cb(uv_timer_t *t) {
    server *srv = t->data;
    logdir *d = srv->b->logs;
    int64_t now = broker_now_ms();
    for (int i = 0; i < logdir_count(d); i++) {
        log *lg = logdir_at(d, i);
        int deleted = 0;
        int64_t before = log_start_offset(lg);
        int rc = log_apply_retention(lg, now, &deleted);
        if (rc != LOG_OK)
            BLOG_E("topic=%s partition=%" PRId32 ": retention failed: %s", log_topic(lg),
                   log_partition(lg), log_strerror(rc));
        else if (deleted > 0)
            BLOG_I("topic=%s partition=%" PRId32 ": retention deleted %d segment(s), log start "
                   "offset %" PRId64 " -> %" PRId64,
                   log_topic(lg), log_partition(lg), deleted, before, log_start_offset(lg));
    }
}

/* Compaction of cleanup.policy=compact logs, one bounded step per log and
 * timer tick (log_clean keeps its progress between calls). While a pass is
 * under way the next tick comes at once, otherwise after
 * log.cleaner.backoff.ms. Runs on the loop thread between requests, so no
 * region handed out by log_read is in use when a segment is swapped. */
static void cleaner_cb(uv_timer_t *t) {
    server *srv = t->data;
    logdir *d = srv->b->logs;
    int64_t now = broker_now_ms();
    int busy = 0;
    for (int i = 0; i < logdir_count(d); i++) {
        log *lg = logdir_at(d, i);
        if (log_get_config(lg)->cleanup_policy == LOG_CLEANUP_DELETE)
            continue;
        log_clean_stats st;
        int rc = log_clean(lg, now, 0, 0, &st);
        if (rc != LOG_OK) {
            BLOG_E("topic=%s partition=%" PRId32 ": compaction failed: %s", log_topic(lg),
                   log_partition(lg), log_strerror(rc));
            continue;
        }
        busy |= st.in_progress;
        if (st.completed)
            BLOG_I("topic=%s partition=%" PRId32 ": compacted %d segment(s): %" PRId64
                   " record(s) removed (%" PRId64 " tombstone(s)), %" PRId64 " -> %" PRId64
                   " bytes, cleaned up to offset %" PRId64,
                   log_topic(lg), log_partition(lg), st.segments_rewritten, st.records_removed,
                   st.tombstones_removed, st.bytes_read, st.bytes_written, log_clean_offset(lg));
    }
    uv_timer_start(t, cleaner_cb, busy ? 0 : (uint64_t)srv->b->cfg.cleaner_backoff_ms, 0);
}

static void flush_cb(uv_timer_t *t) {
    server *srv = t->data;
    logdir *d = srv->b->logs;
    int64_t now = broker_now_ms();
    for (int i = 0; i < logdir_count(d); i++) {
        log *lg = logdir_at(d, i);
        int rc = log_maybe_flush(lg, now);
        if (rc != LOG_OK)
            BLOG_E("topic=%s partition=%" PRId32 ": flush failed: %s", log_topic(lg),
                   log_partition(lg), log_strerror(rc));
    }
}

/* producer.id.expiration.ms (producer_log.h). */
static void producers_cb(uv_timer_t *t) {
    server *srv = t->data;
    producer_log_expire_all(srv->b, broker_now_ms());
}

static void checkpoint_cb(uv_timer_t *t) {
    server *srv = t->data;
    int rc = logdir_checkpoint(srv->b->logs);
    if (rc != LOG_OK)
        BLOG_E("writing recovery-point checkpoints failed: %s", log_strerror(rc));
}

/* ---- shutdown ---- */

static void server_maybe_finish(server *srv) {
    if (!srv->stopping || srv->conns)
        return;
    if (!uv_is_closing((uv_handle_t *)&srv->drain))
        uv_close((uv_handle_t *)&srv->drain, NULL);
}

static void drain_timeout_cb(uv_timer_t *t) {
    server *srv = t->data;
    if (srv->conns)
        BLOG_W("%d connection(s) did not drain in time; closing them", srv->conn_count);
    while (srv->conns)
        conn_close(srv->conns);
    server_maybe_finish(srv);
}

void server_stop(broker *b) {
    server *srv = b->server;
    if (!srv || srv->stopping)
        return;
    srv->stopping = 1;
    b->stopping = 1;
    BLOG_I("shutting down: no new connections, completing %d waiting fetch(es)",
           delayed_count(b->delayed));
    uv_close((uv_handle_t *)&srv->listener, NULL);
    uv_close((uv_handle_t *)&srv->sigint, NULL);
    uv_close((uv_handle_t *)&srv->sigterm, NULL);
    uv_close((uv_handle_t *)&srv->retention, NULL);
    uv_close((uv_handle_t *)&srv->flush, NULL);
    uv_close((uv_handle_t *)&srv->checkpoint, NULL);
    uv_close((uv_handle_t *)&srv->producers, NULL);
    uv_close((uv_handle_t *)&srv->cleaner, NULL);
    cluster_stop(b->cluster); /* leave the cluster first: leadership moves on at once */
    delayed_complete_all(b->delayed);
    coordinator_stop(b);
    uv_timer_start(&srv->drain, drain_timeout_cb, 5000, 0);
    server_conn *c = srv->conns;
    while (c) {
        server_conn *next = c->next;
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->draining = 1;
        if (c->writes_pending == 0 && !c->head)
            conn_close(c);
        c = next;
    }
    server_maybe_finish(srv);
}

static void controlled_shutdown_done(void *arg) {
    server_stop(arg);
}

/* In cluster mode the first signal starts a controlled shutdown (the broker
 * keeps serving until its leadership moved away, cluster.h); a second one,
 * or standalone, stops at once. */
static void signal_cb(uv_signal_t *h, int signum) {
    server *srv = h->data;
    BLOG_I("received %s", signum == SIGINT ? "SIGINT" : "SIGTERM");
    if (!srv->signalled++ && srv->b->cluster &&
        cluster_controlled_shutdown(srv->b->cluster, controlled_shutdown_done, srv->b) == 0)
        return;
    server_stop(srv->b);
}

void server_free(broker *b) {
    free(b->server);
    b->server = NULL;
}

static int write_port_file(const char *path, int port) {
    char text[32];
    int n = snprintf(text, sizeof text, "%d\n", port);
    return broker_file_write_atomic(path, text, (size_t)n);
}

static void timer_every(server *srv, uv_timer_t *t, uv_timer_cb cb, int64_t ms) {
    uv_timer_init(srv->b->loop, t);
    t->data = srv;
    uint64_t every = ms > 0 ? (uint64_t)ms : 1000;
    uv_timer_start(t, cb, every, every);
    uv_unref((uv_handle_t *)t); /* maintenance alone does not keep the loop alive */
}

int server_start(broker *b, const char *port_file, char *err, size_t errlen) {
    server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    srv->b = b;
    b->server = srv;
    const broker_config *cfg = &b->cfg;
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    const char *host = cfg->listen_host[0] ? cfg->listen_host : "0.0.0.0";
    if (uv_ip4_addr(host, cfg->listen_port, (struct sockaddr_in *)&addr) != 0 &&
        uv_ip6_addr(host, cfg->listen_port, (struct sockaddr_in6 *)&addr) != 0) {
        /* A host name (e.g. localhost): resolve it once, synchronously. */
        uv_getaddrinfo_t gai;
        struct addrinfo hints;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        int grc = uv_getaddrinfo(b->loop, &gai, NULL, host, NULL, &hints);
        if (grc != 0 || !gai.addrinfo) {
            snprintf(err, errlen,
                     "cannot listen on %s:%d: cannot resolve '%s' (%s); use an IP "
                     "address, e.g. --listen 127.0.0.1:9092",
                     host, cfg->listen_port, host, uv_strerror(grc));
            return -1;
        }
        memcpy(&addr, gai.addrinfo->ai_addr, gai.addrinfo->ai_addrlen);
        uv_freeaddrinfo(gai.addrinfo);
        if (addr.ss_family == AF_INET6)
            ((struct sockaddr_in6 *)&addr)->sin6_port = htons((uint16_t)cfg->listen_port);
        else
            ((struct sockaddr_in *)&addr)->sin_port = htons((uint16_t)cfg->listen_port);
    }
    uv_tcp_init(b->loop, &srv->listener);
    srv->listener.data = srv;
    int rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener, 1024, accept_cb);
    if (rc != 0) {
        snprintf(err, errlen, "cannot bind %s:%d: %s; pick another address with --listen HOST:PORT",
                 host, cfg->listen_port, rc == UV_EADDRINUSE ? "address in use" : uv_strerror(rc));
        uv_close((uv_handle_t *)&srv->listener, NULL);
        return -1;
    }
    struct sockaddr_storage bound;
    int blen = sizeof bound;
    uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &blen);
    int port = bound.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                                           : ntohs(((struct sockaddr_in *)&bound)->sin_port);
    if (!b->advertised_host[0])
        snprintf(b->advertised_host, sizeof b->advertised_host, "%s",
                 strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0 ? "localhost" : host);
    if (b->advertised_port == 0)
        b->advertised_port = port;

    uv_signal_init(b->loop, &srv->sigint);
    uv_signal_init(b->loop, &srv->sigterm);
    srv->sigint.data = srv->sigterm.data = srv;
    uv_signal_start(&srv->sigint, signal_cb, SIGINT);
    uv_signal_start(&srv->sigterm, signal_cb, SIGTERM);
    timer_every(srv, &srv->retention, retention_cb, cfg->retention_check_interval_ms);
    timer_every(srv, &srv->flush, flush_cb, cfg->flush_scheduler_interval_ms);
    timer_every(srv, &srv->checkpoint, checkpoint_cb, cfg->checkpoint_interval_ms);
    timer_every(srv, &srv->producers, producers_cb, cfg->producer_id_expiration_check_ms);
    uv_timer_init(b->loop, &srv->drain);
    srv->drain.data = srv;
    uv_timer_init(b->loop, &srv->cleaner);
    srv->cleaner.data = srv;
    if (cfg->cleaner_enable)
        uv_timer_start(&srv->cleaner, cleaner_cb, (uint64_t)cfg->cleaner_backoff_ms, 0);

    if (port_file && write_port_file(port_file, port) != 0) {
        snprintf(err, errlen, "cannot write the port file %s: %s", port_file, strerror(errno));
        return -1;
    }
    BLOG_I("listening on %s:%d (advertised as %s:%d, broker id %" PRId32 ", cluster id %s)", host,
           port, b->advertised_host, b->advertised_port, cfg->broker_id, b->cluster_id);
    return 0;
}
