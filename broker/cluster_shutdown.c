/*
 * cluster_shutdown.c - this broker's side of controlled shutdown
 * (cluster.h: cluster_controlled_shutdown).
 *
 * On SIGTERM/SIGINT in cluster mode the broker first stops following (its
 * fetchers close, so leaders stop counting it in once the controller took
 * it out of their ISR), then asks the controller to move its leadership
 * away: a ControlledShutdown (v3) over its own TCP connection on the loop,
 * or, when this broker is the controller, the same call directly. The
 * broker keeps serving meanwhile (acks=all waits complete; partitions whose
 * leadership moved answer NOT_LEADER_OR_FOLLOWER as soon as the view shows
 * it). While partitions remain it retries controlled.shutdown.max.retries
 * times in all, controlled.shutdown.retry.backoff.ms apart, unless no other
 * replica of them is alive (nothing could change); then it stops as
 * before. One attempt is bounded by ATTEMPT_MS. Without a ZooKeeper
 * connection nothing can move: the broker stops at once.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "broker/broker.h"
#include "broker/cluster_internal.h"
#include "broker/logging.h"
#include "broker/replica.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

#define CS_VERSION 3
#define ATTEMPT_MS 8000
#define CS_MAX_FRAME (1 << 24)

/* One attempt's connection; freed when its handle is closed. */
typedef struct cs_conn {
    uv_tcp_t tcp;
    uv_connect_t connect;
    cluster_cs *cs; /* NULL once abandoned */
    wire_writer out;
    uint8_t *rbuf;
    size_t rlen, rcap;
} cs_conn;

struct cluster_cs {
    cluster *c;
    void (*done)(void *arg);
    void *arg;
    int attempt;
    int finished;
    uv_timer_t timer; /* backoff, and the bound of one attempt */
    cs_conn *conn;    /* the current attempt's connection */
    int32_t corr;
    cluster_elect_wait *local; /* this broker is the controller */
};

int cluster_shutting_down(const cluster *c) {
    return c && (c->cs != NULL || c->stopping);
}

static void attempt(cluster_cs *cs);

static void cs_freed(uv_handle_t *h) {
    free(h->data);
}

static void tcp_closed(uv_handle_t *h) {
    cs_conn *k = h->data;
    wire_writer_free(&k->out);
    free(k->rbuf);
    free(k);
}

static void tcp_close(cluster_cs *cs) {
    cs_conn *k = cs->conn;
    if (k) {
        cs->conn = NULL;
        k->cs = NULL;
        uv_close((uv_handle_t *)&k->tcp, tcp_closed);
    }
}

/* The end: release everything, then let the broker stop. */
static void finish(cluster_cs *cs, const char *how) {
    if (cs->finished)
        return;
    cs->finished = 1;
    cluster *c = cs->c;
    c->cs = NULL;
    BLOG_I("controlled shutdown: %s", how);
    cluster_elect_cancel(cs->local);
    cs->local = NULL;
    tcp_close(cs);
    uv_close((uv_handle_t *)&cs->timer, cs_freed); /* after the tcp close callbacks */
    void (*done)(void *arg) = cs->done;
    void *arg = cs->arg;
    if (done)
        done(arg);
}

void cluster_cs_abort(cluster *c) {
    if (c->cs) {
        c->cs->done = NULL;
        finish(c->cs, "cancelled (the broker is stopping)");
    }
}

static void backoff_cb(uv_timer_t *t) {
    attempt(t->data);
}

/* Another attempt after the backoff, or the end. */
static void retry_or_finish(cluster_cs *cs, const char *why) {
    tcp_close(cs);
    if (cs->attempt >= cs->c->b->cfg.controlled_shutdown_max_retries) {
        char how[300];
        snprintf(how, sizeof how, "incomplete after %d attempt(s) (%s); stopping anyway",
                 cs->attempt, why);
        finish(cs, how);
        return;
    }
    BLOG_W("controlled shutdown: attempt %d: %s; retrying in %" PRId64 " ms", cs->attempt, why,
           cs->c->b->cfg.controlled_shutdown_backoff_ms);
    uv_timer_start(&cs->timer, backoff_cb, (uint64_t)cs->c->b->cfg.controlled_shutdown_backoff_ms,
                   0);
}

/* Could a remaining partition still move: another of its replicas alive? */
static int could_move(const cluster *c, const char *topic, int32_t len, int32_t partition) {
    const cluster_topic *t = cluster_topic_find(c, topic, len);
    if (!t || partition < 0 || partition >= t->partition_count)
        return 0;
    const cluster_partition *p = &t->partitions[partition];
    for (int i = 0; i < p->replica_count; i++)
        if (p->replicas[i] != c->b->cfg.broker_id && cluster_broker_find(c, p->replicas[i]))
            return 1;
    return 0;
}

/* The controller's answer (both paths). */
static void answered(cluster_cs *cs, int16_t error, int n, const char *first_topic,
                     int32_t first_len, int32_t first_partition, int movable) {
    uv_timer_stop(&cs->timer);
    char why[400];
    if (error != KAFKA_NONE) {
        snprintf(why, sizeof why, "the controller answered %s", kafka_error_name(error));
        retry_or_finish(cs, why);
        return;
    }
    if (n == 0) {
        char how[120];
        snprintf(how, sizeof how, "leadership moved away (attempt %d); stopping", cs->attempt);
        finish(cs, how);
        return;
    }
    snprintf(why, sizeof why, "%d partition(s) still led by this broker, e.g. %.*s-%" PRId32, n,
             (int)first_len, first_topic, first_partition);
    if (!movable) {
        char how[500];
        snprintf(how, sizeof how, "%s, and no other replica of them is alive; stopping", why);
        finish(cs, how);
        return;
    }
    retry_or_finish(cs, why);
}

static void local_done(void *arg, int16_t error, const cluster_elect_result *res, int n) {
    cluster_cs *cs = arg;
    cs->local = NULL;
    int movable = 0;
    for (int i = 0; i < n; i++)
        movable |= could_move(cs->c, res[i].topic, (int32_t)strlen(res[i].topic), res[i].partition);
    answered(cs, error, n, n > 0 ? res[0].topic : "", n > 0 ? (int32_t)strlen(res[0].topic) : 0,
             n > 0 ? res[0].partition : -1, movable);
}

static void handle_frame(cs_conn *k, const uint8_t *p, size_t len) {
    cluster_cs *cs = k->cs;
    wire_reader r;
    wire_reader_init(&r, p, len);
    int32_t corr;
    wire_arena a;
    wire_arena_init(&a);
    proto_controlled_shutdown_resp resp;
    if (proto_resp_header_decode(&r, KAFKA_API_CONTROLLED_SHUTDOWN, CS_VERSION, &corr) != 0 ||
        corr != cs->corr || proto_controlled_shutdown_resp_decode(&r, CS_VERSION, &a, &resp) != 0) {
        wire_arena_free(&a);
        retry_or_finish(cs, "the controller's answer does not decode");
        return;
    }
    int movable = 0;
    for (int32_t i = 0; i < resp.remaining_count; i++)
        movable |= could_move(cs->c, resp.remaining[i].topic.ptr, resp.remaining[i].topic.len,
                              resp.remaining[i].partition);
    wire_str t0 = resp.remaining_count > 0 ? resp.remaining[0].topic : (wire_str){"", 0};
    answered(cs, resp.error_code, resp.remaining_count, t0.ptr, t0.len,
             resp.remaining_count > 0 ? resp.remaining[0].partition : -1, movable);
    wire_arena_free(&a);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    cs_conn *k = h->data;
    (void)suggested;
    if (k->rcap - k->rlen < 4096) {
        size_t cap = k->rcap ? k->rcap * 2 : 16384;
        uint8_t *nb = realloc(k->rbuf, cap);
        if (!nb) {
            buf->base = NULL;
            buf->len = 0;
            return;
        }
        k->rbuf = nb;
        k->rcap = cap;
    }
    buf->base = (char *)k->rbuf + k->rlen;
    buf->len = k->rcap - k->rlen;
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
    (void)buf;
    cs_conn *k = s->data;
    cluster_cs *cs = k->cs;
    if (!cs)
        return;
    if (n < 0) {
        retry_or_finish(cs,
                        n == UV_EOF ? "the controller closed the connection" : uv_strerror((int)n));
        return;
    }
    k->rlen += (size_t)n;
    if (k->rlen < 4)
        return;
    int32_t size = (int32_t)wire_be32(k->rbuf);
    if (size < 4 || size > CS_MAX_FRAME) {
        retry_or_finish(cs, "bad frame from the controller");
        return;
    }
    if (k->rlen >= 4 + (size_t)size)
        handle_frame(k, k->rbuf + 4, (size_t)size);
}

static void write_cb(uv_write_t *req, int status) {
    cs_conn *k = req->data;
    free(req);
    if (status < 0 && k->cs)
        retry_or_finish(k->cs, uv_strerror(status));
}

static void connect_cb(uv_connect_t *req, int status) {
    cs_conn *k = req->data;
    cluster_cs *cs = k->cs;
    if (!cs)
        return;
    if (status < 0) {
        retry_or_finish(cs, uv_strerror(status));
        return;
    }
    uv_write_t *wr = calloc(1, sizeof *wr);
    uv_buf_t b = uv_buf_init((char *)k->out.p, (unsigned)k->out.len);
    if (!wr) {
        retry_or_finish(cs, "out of memory");
        return;
    }
    wr->data = k;
    if (uv_read_start((uv_stream_t *)&k->tcp, alloc_cb, read_cb) != 0 ||
        uv_write(wr, (uv_stream_t *)&k->tcp, &b, 1, write_cb) != 0) {
        free(wr);
        retry_or_finish(cs, "cannot send to the controller");
    }
}

static void attempt_timeout(uv_timer_t *t) {
    cluster_cs *cs = t->data;
    if (cs->local) {
        cluster_elect_cancel(cs->local);
        cs->local = NULL;
    }
    retry_or_finish(cs, "no answer in time");
}

/* Send ControlledShutdown to the controller at host:port. */
static int send_request(cluster_cs *cs, const cluster_broker *ctl) {
    broker *b = cs->c->b;
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    if (uv_ip4_addr(ctl->host, ctl->port, (struct sockaddr_in *)&addr) != 0 &&
        uv_ip6_addr(ctl->host, ctl->port, (struct sockaddr_in6 *)&addr) != 0) {
        uv_getaddrinfo_t gai;
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
        if (uv_getaddrinfo(b->loop, &gai, NULL, ctl->host, NULL, &hints) != 0 || !gai.addrinfo)
            return -1;
        memcpy(&addr, gai.addrinfo->ai_addr, gai.addrinfo->ai_addrlen);
        uv_freeaddrinfo(gai.addrinfo);
        if (addr.ss_family == AF_INET6)
            ((struct sockaddr_in6 *)&addr)->sin6_port = htons((uint16_t)ctl->port);
        else
            ((struct sockaddr_in *)&addr)->sin_port = htons((uint16_t)ctl->port);
    }
    cs_conn *k = calloc(1, sizeof *k);
    if (!k)
        return -1;
    wire_writer_init(&k->out);
    size_t start = proto_frame_begin(&k->out);
    char client[64];
    snprintf(client, sizeof client, "strand-broker-%" PRId32, b->cfg.broker_id);
    proto_req_header h = {KAFKA_API_CONTROLLED_SHUTDOWN, CS_VERSION, ++cs->corr,
                          wire_str_from(client)};
    proto_req_header_encode(&k->out, &h);
    proto_controlled_shutdown_req req = {b->cfg.broker_id, -1};
    proto_controlled_shutdown_req_encode(&k->out, CS_VERSION, &req);
    proto_frame_end(&k->out, start);
    if (k->out.err) {
        wire_writer_free(&k->out);
        free(k);
        return -1;
    }
    uv_tcp_init(b->loop, &k->tcp);
    k->tcp.data = k;
    k->connect.data = k;
    k->cs = cs;
    cs->conn = k;
    if (uv_tcp_connect(&k->connect, &k->tcp, (struct sockaddr *)&addr, connect_cb) != 0) {
        tcp_close(cs);
        return -1;
    }
    return 0;
}

static void attempt(cluster_cs *cs) {
    cluster *c = cs->c;
    if (cs->finished)
        return;
    cs->attempt++;
    if (!c->connected) {
        retry_or_finish(cs, "no ZooKeeper connection");
        return;
    }
    int32_t self = c->b->cfg.broker_id, ctl = cluster_controller(c);
    uv_timer_start(&cs->timer, attempt_timeout, ATTEMPT_MS, 0);
    if (ctl == self) {
        BLOG_I("controlled shutdown: attempt %d: this broker is the controller", cs->attempt);
        int16_t ec = cluster_shutdown_broker(c, self, local_done, cs, &cs->local);
        if (ec != KAFKA_NONE)
            answered(cs, ec, 0, "", 0, -1, 0);
        return;
    }
    const cluster_broker *ep = ctl >= 0 ? cluster_broker_find(c, ctl) : NULL;
    if (!ep) {
        uv_timer_stop(&cs->timer);
        retry_or_finish(cs, "no controller known");
        return;
    }
    BLOG_I("controlled shutdown: attempt %d: asking the controller (broker %" PRId32 " at %s:%d)",
           cs->attempt, ctl, ep->host, (int)ep->port);
    if (send_request(cs, ep) != 0) {
        uv_timer_stop(&cs->timer);
        retry_or_finish(cs, "cannot connect to the controller");
    }
}

int cluster_controlled_shutdown(cluster *c, void (*done)(void *arg), void *arg) {
    broker *b = c ? c->b : NULL;
    if (!c || c->cs || c->stopping || c->failed || !c->connected || !c->registered ||
        !c->view_current || !b->cfg.controlled_shutdown_enable ||
        b->cfg.controlled_shutdown_max_retries <= 0)
        return -1;
    cluster_cs *cs = calloc(1, sizeof *cs);
    if (!cs)
        return -1;
    cs->c = c;
    cs->done = done;
    cs->arg = arg;
    uv_timer_init(b->loop, &cs->timer);
    cs->timer.data = cs;
    c->cs = cs;
    BLOG_I("controlled shutdown: moving this broker's leadership away before stopping");
    replica_apply_view(b); /* stops following (cluster_shutting_down) */
    attempt(cs);
    return 0;
}
