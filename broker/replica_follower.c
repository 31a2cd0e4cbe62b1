/*
 * replica_follower.c - the follower side of replication (replica.h): one
 * TCP connection per leader broker on the loop, carrying one request at a
 * time for every partition this broker follows from that leader.
 *
 * Truncation first (KIP-101, KIP-279): a partition that got a new leader or
 * leader epoch (replica.c marks it REPLICA_TRUNC_ASK) is not fetched until
 * the leader told where its log and ours agree. The fetcher sends
 * OffsetForLeaderEpoch v3 (replica_id = this broker, current_leader_epoch
 * = the view's epoch, leader_epoch = our latest cached epoch) for all such
 * partitions, before any Fetch; replica_truncation_decide
 * (replica_truncate.h) turns each answer into a cut (log_truncate_to),
 * possibly another round, or a retry after RETRY_MS on an error (fenced
 * or unknown epoch, not leader: one of the two views is behind).
 *
 * Then Fetch v11 (replica_id = this broker, max wait replica.fetch.wait.max.ms) from each
 * local log end; the next request goes as soon as the answer is applied,
 * so the stream is continuous. Answered batches are appended exactly as
 * the leader has them (log_append_replica: offsets, gaps of compacted
 * topics and leader epochs kept); the follower's high watermark becomes
 * min(leader's, local log end). A follower whose log ends before the
 * leader's log start (OFFSET_OUT_OF_RANGE, the answer's log start above
 * our end) restarts its log empty there (log_truncate_fully_and_start_at);
 * OFFSET_OUT_OF_RANGE otherwise means we are ahead: truncation again. Other
 * errors (one of the two views is behind) also send the partition back to
 * truncation after RETRY_MS instead of fetching it again at once.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "broker/broker.h"
#include "broker/cluster.h"
#include "broker/logging.h"
#include "broker/producer_log.h"
#include "broker/replica.h"
#include "broker/replica_internal.h"
#include "broker/replica_truncate.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

#define FETCH_VERSION 11
#define EPOCH_VERSION 3
#define FETCH_PARTITION_MAX (1 << 20)
#define FETCH_MAX_FRAME (64 << 20)
#define RETRY_MS 200
#define APPEND_RETRY_MS 1000

enum { F_IDLE, F_CONNECTING, F_CONNECTED, F_CLOSING };
enum { REQ_NONE, REQ_FETCH, REQ_EPOCH };

struct fetcher {
    fetcher *next;
    replication *r;
    int32_t leader_id;
    char host[256];
    int port;
    int state;
    int inflight; /* REQ_NONE, or what the request on the wire is */
    int unused;   /* no partition followed from this leader any more */
    int stopped;  /* replica_fetchers_stop ran: released when its handles closed */
    int handles;  /* handles still to close before the release */
    int32_t corr;
    uv_tcp_t tcp;
    uv_connect_t connect;
    uv_timer_t backoff; /* reconnect, or a truncation retry */
    uint8_t *rbuf;
    size_t rlen, rcap;
};

static void fetcher_send(fetcher *f);
static void fetcher_connect(fetcher *f);

/* Follower partitions of this fetcher's leader. */
static int followed(const fetcher *f, const topic_partition *tp) {
    const replica_part *rp = tp->repl;
    return rp && !rp->is_leader && rp->leader_id == f->leader_id && tp->lg;
}

static void backoff_cb(uv_timer_t *t) {
    fetcher *f = t->data;
    if (f->r->stopping || f->unused)
        return;
    if (f->state == F_IDLE)
        fetcher_connect(f);
    else if (f->state == F_CONNECTED && f->inflight == REQ_NONE)
        fetcher_send(f);
}

/* The stop closes both handles; whichever close callback comes last (libuv
 * runs them in no promised order) frees the fetcher. */
static void fetcher_release(fetcher *f) {
    if (--f->handles > 0)
        return;
    free(f->rbuf);
    free(f);
}

static void tcp_closed(uv_handle_t *h) {
    fetcher *f = h->data;
    if (f->stopped) {
        fetcher_release(f);
        return;
    }
    f->state = F_IDLE;
    f->inflight = REQ_NONE;
    f->rlen = 0;
    if (!f->r->stopping && !f->unused)
        uv_timer_start(&f->backoff, backoff_cb, 500, 0);
}

static void fetcher_fail(fetcher *f, const char *why) {
    if (f->state == F_CLOSING || f->state == F_IDLE)
        return;
    if (why)
        BLOG_W("replica fetcher for leader %" PRId32 " (%s:%d): %s; reconnecting", f->leader_id,
               f->host, f->port, why);
    f->state = F_CLOSING;
    uv_close((uv_handle_t *)&f->tcp, tcp_closed);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    fetcher *f = h->data;
    if (f->rcap - f->rlen < 65536) {
        size_t cap = f->rcap ? f->rcap * 2 : 262144;
        while (cap - f->rlen < 65536)
            cap *= 2;
        uint8_t *nb = realloc(f->rbuf, cap);
        if (!nb) {
            buf->base = NULL;
            buf->len = 0;
            return;
        }
        f->rbuf = nb;
        f->rcap = cap;
    }
    (void)suggested;
    buf->base = (char *)f->rbuf + f->rlen;
    buf->len = f->rcap - f->rlen;
}

/* ---- truncation ---- */

static void truncate_log(topic_partition *tp, const char *topic, int32_t partition, int64_t to,
                         const char *why) {
    int64_t leo = log_end_offset(tp->lg);
    if (to >= leo)
        return;
    int rc = log_truncate_to(tp->lg, to);
    BLOG_I("partition %s-%" PRId32 ": follower of %" PRId32 " (epoch %" PRId32
           "), log truncated from %" PRId64 " to %" PRId64 " (%s): %s",
           topic, partition, tp->repl->leader_id, tp->repl->leader_epoch, leo, to, why,
           log_strerror(rc));
}

/* One partition of an OffsetForLeaderEpoch answer. */
static void apply_epoch(fetcher *f, wire_str topic,
                        const proto_offset_for_leader_epoch_resp_partition *p, int64_t now) {
    broker *b = f->r->b;
    topic_partition *tp = topics_partition(b->topics, topic.ptr, topic.len, p->partition);
    if (!tp || !followed(f, tp) || tp->repl->trunc != REPLICA_TRUNC_ASKED)
        return; /* the view changed meanwhile: asked again */
    replica_part *rp = tp->repl;
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)topic.len, topic.ptr);
    replica_trunc_input in = {.error = p->error_code,
                              .leader_epoch = p->leader_epoch,
                              .leader_end = p->end_offset,
                              .log_end = log_end_offset(tp->lg),
                              .high_watermark = log_high_watermark(tp->lg),
                              .follower_epoch = -1,
                              .follower_end = -1};
    if (p->error_code == KAFKA_NONE && p->leader_epoch >= 0)
        log_epoch_end_offset(tp->lg, p->leader_epoch, &in.follower_epoch, &in.follower_end);
    replica_trunc_decision d = replica_truncation_decide(&in);
    switch (d.action) {
    case REPLICA_TRUNC_RETRY:
        BLOG_I("partition %s-%" PRId32 ": OffsetForLeaderEpoch to leader %" PRId32 ": %s; asking "
               "again",
               name, p->partition, f->leader_id, kafka_error_name(p->error_code));
        rp->trunc = REPLICA_TRUNC_ASK;
        rp->trunc_retry_ms = now + RETRY_MS;
        return;
    case REPLICA_TRUNC_AGAIN:
        truncate_log(tp, name, p->partition, d.offset, "leader never had our epoch");
        /* Another round with the epoch before, unless that did not move
         * (then the cut stands). */
        if (log_latest_epoch(tp->lg) < rp->trunc_asked) {
            rp->trunc = REPLICA_TRUNC_ASK;
            rp->trunc_retry_ms = 0;
            return;
        }
        break;
    default:
        truncate_log(tp, name, p->partition, d.offset,
                     p->end_offset < 0 ? "high watermark: no epoch in common"
                                       : "end of the last common epoch");
        break;
    }
    rp->trunc = REPLICA_FETCHING;
}

/* ---- fetch answers ---- */

/* Length of the whole batches at the start of `data` (an answer may end
 * in a partial batch). */
static size_t whole_batches(const uint8_t *data, size_t len) {
    size_t pos = 0;
    while (len - pos >= 12) {
        int32_t blen = (int32_t)wire_be32(data + pos + 8);
        if (blen < 0 || (size_t)blen > len - pos - 12)
            break;
        pos += 12 + (size_t)blen;
    }
    return pos;
}

/* The leader's log start is above our log end: start over there. */
static void restart_at_leader_start(topic_partition *tp, const char *name, int32_t partition,
                                    int64_t start) {
    int64_t leo = log_end_offset(tp->lg);
    int rc = log_truncate_fully_and_start_at(tp->lg, start);
    BLOG_I("partition %s-%" PRId32 ": the log end %" PRId64 " is below leader %" PRId32
           "'s log start %" PRId64 "; log restarted there: %s",
           name, partition, leo, tp->repl->leader_id, start, log_strerror(rc));
}

/* Apply one partition of a Fetch answer. */
static void apply_partition(fetcher *f, wire_str topic, const proto_fetch_resp_partition *p,
                            int64_t now) {
    broker *b = f->r->b;
    topic_partition *tp = topics_partition(b->topics, topic.ptr, topic.len, p->partition_index);
    if (!tp || !followed(f, tp) || tp->repl->trunc != REPLICA_FETCHING)
        return; /* the view changed meanwhile */
    replica_part *rp = tp->repl;
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)topic.len, topic.ptr);
    if (p->error_code == KAFKA_OFFSET_OUT_OF_RANGE) {
        if (p->log_start_offset > log_end_offset(tp->lg)) {
            restart_at_leader_start(tp, name, p->partition_index, p->log_start_offset);
        } else {
            /* Ahead of the leader's end: settle it again. */
            rp->trunc = REPLICA_TRUNC_ASK;
            rp->trunc_retry_ms = now + RETRY_MS;
        }
        return;
    }
    if (p->error_code != KAFKA_NONE) {
        /* NOT_LEADER, LEADER_NOT_AVAILABLE, FENCED_LEADER_EPOCH,
         * UNKNOWN_LEADER_EPOCH: the leader's view is behind or ahead of
         * ours. Not fetched again at once (the answer would be the same):
         * its truncation is settled again after RETRY_MS or the next view. */
        if (p->error_code != KAFKA_NOT_LEADER_OR_FOLLOWER &&
            p->error_code != KAFKA_LEADER_NOT_AVAILABLE &&
            p->error_code != KAFKA_FENCED_LEADER_EPOCH &&
            p->error_code != KAFKA_UNKNOWN_LEADER_EPOCH)
            BLOG_W("replica fetch %s-%" PRId32 " from broker %" PRId32 ": %s", name,
                   p->partition_index, f->leader_id, kafka_error_name(p->error_code));
        rp->trunc = REPLICA_TRUNC_ASK;
        rp->trunc_retry_ms = now + RETRY_MS;
        return;
    }
    size_t len = p->records.len > 0
                     ? whole_batches((const uint8_t *)p->records.ptr, (size_t)p->records.len)
                     : 0;
    if (len == 0 && p->log_start_offset > log_end_offset(tp->lg))
        restart_at_leader_start(tp, name, p->partition_index, p->log_start_offset);
    if (len > 0) {
        int64_t prev_end = log_end_offset(tp->lg);
        int rc = log_append_replica(tp->lg, (const uint8_t *)p->records.ptr, len, now, NULL);
        if (rc != LOG_OK) {
            BLOG_E("replica fetch %s-%" PRId32 " from broker %" PRId32 ": append at %" PRId64
                   " failed: %s; truncation and fetch again in %d ms",
                   name, p->partition_index, f->leader_id, log_end_offset(tp->lg), log_strerror(rc),
                   APPEND_RETRY_MS);
            rp->trunc = REPLICA_TRUNC_ASK;
            rp->trunc_retry_ms = now + APPEND_RETRY_MS;
            return;
        }
        /* Idempotent producers: a new leader deduplicates what this one got. */
        producer_state_on_replica_append(tp, (const uint8_t *)p->records.ptr, len, prev_end);
        delayed_notify(&tp->waiting, (int64_t)len);
    }
    int64_t leo = log_end_offset(tp->lg);
    replica_raise_hw(tp, p->high_watermark < leo ? p->high_watermark : leo);
}

static void handle_frame(fetcher *f, const uint8_t *p, size_t len) {
    wire_reader r;
    wire_reader_init(&r, p, len);
    int32_t corr = wire_read_i32(&r);
    if (r.err || corr != f->corr || f->inflight == REQ_NONE) {
        fetcher_fail(f, "unexpected response");
        return;
    }
    int64_t now = broker_now_ms();
    wire_arena a;
    wire_arena_init(&a);
    if (f->inflight == REQ_EPOCH) {
        proto_offset_for_leader_epoch_resp resp;
        if (proto_offset_for_leader_epoch_resp_decode(&r, EPOCH_VERSION, &a, &resp) != 0) {
            wire_arena_free(&a);
            fetcher_fail(f, "OffsetForLeaderEpoch response does not decode");
            return;
        }
        for (int32_t t = 0; t < resp.topic_count; t++)
            for (int32_t i = 0; i < resp.topics[t].partition_count; i++)
                apply_epoch(f, resp.topics[t].name, &resp.topics[t].partitions[i], now);
    } else {
        proto_fetch_resp resp;
        if (proto_fetch_resp_decode(&r, FETCH_VERSION, &a, &resp) != 0) {
            wire_arena_free(&a);
            fetcher_fail(f, "Fetch response does not decode");
            return;
        }
        for (int32_t t = 0; t < resp.topic_count; t++)
            for (int32_t i = 0; i < resp.topics[t].partition_count; i++)
                apply_partition(f, resp.topics[t].topic, &resp.topics[t].partitions[i], now);
    }
    wire_arena_free(&a);
    f->inflight = REQ_NONE;
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
    (void)buf;
    fetcher *f = s->data;
    if (n < 0) {
        fetcher_fail(f, n == UV_EOF ? "leader closed the connection" : uv_strerror((int)n));
        return;
    }
    f->rlen += (size_t)n;
    size_t off = 0;
    while (f->rlen - off >= 4 && f->state == F_CONNECTED) {
        int32_t size = (int32_t)wire_be32(f->rbuf + off);
        if (size < 4 || size > FETCH_MAX_FRAME) {
            fetcher_fail(f, "bad frame size");
            return;
        }
        if (f->rlen - off < 4 + (size_t)size)
            break;
        handle_frame(f, f->rbuf + off + 4, (size_t)size);
        off += 4 + (size_t)size;
    }
    if (off > 0) {
        memmove(f->rbuf, f->rbuf + off, f->rlen - off);
        f->rlen -= off;
    }
    if (f->state == F_CONNECTED && f->inflight == REQ_NONE)
        fetcher_send(f);
}

/* ---- requests ---- */

typedef struct write_req {
    uv_write_t req;
    wire_writer w;
} write_req;

static void write_cb(uv_write_t *req, int status) {
    write_req *wr = (write_req *)req;
    fetcher *f = req->handle->data;
    wire_writer_free(&wr->w);
    free(wr);
    if (status < 0)
        fetcher_fail(f, uv_strerror(status));
}

/* Frame and send one request; encode(w, body) writes the body. */
static void send_request(fetcher *f, int16_t api, int16_t version, int kind,
                         void (*encode)(wire_writer *, int16_t, const void *), const void *body) {
    write_req *wr = calloc(1, sizeof *wr);
    if (wr) {
        wire_writer_init(&wr->w);
        size_t start = wr->w.len;
        wire_write_i32(&wr->w, 0);
        proto_req_header h = {api, version, ++f->corr, wire_str_from("strand-replica-fetcher")};
        proto_req_header_encode(&wr->w, &h);
        encode(&wr->w, version, body);
        if (!wr->w.err)
            wire_put_be32(wr->w.p + start, (uint32_t)(wr->w.len - start - 4));
    }
    if (!wr || wr->w.err) {
        if (wr)
            wire_writer_free(&wr->w);
        free(wr);
        fetcher_fail(f, "cannot build a request");
        return;
    }
    uv_buf_t buf = uv_buf_init((char *)wr->w.p, (unsigned)wr->w.len);
    f->inflight = kind;
    if (uv_write(&wr->req, (uv_stream_t *)&f->tcp, &buf, 1, write_cb) != 0) {
        wire_writer_free(&wr->w);
        free(wr);
        fetcher_fail(f, "write failed");
    }
}

static void encode_fetch(wire_writer *w, int16_t v, const void *body) {
    proto_fetch_req_encode(w, v, body);
}

static void encode_epoch(wire_writer *w, int16_t v, const void *body) {
    proto_offset_for_leader_epoch_req_encode(w, v, body);
}

/* Partitions of this leader to put in the next request: those waiting
 * for truncation whose retry time came (want_epoch), else the fetched
 * ones. *retry_ms: the earliest retry time of the others, -1 none. */
typedef struct pick {
    int want_epoch;
    int64_t now, retry_ms;
    int any_fetch, any_epoch;
} pick;

static void pick_scan(fetcher *f, pick *pk) {
    broker *b = f->r->b;
    pk->retry_ms = -1;
    pk->any_fetch = pk->any_epoch = 0;
    for (int i = 0; i < topics_count(b->topics); i++) {
        topic *t = topics_at(b->topics, i);
        for (int32_t p = 0; p < t->partition_count; p++) {
            topic_partition *tp = t->partitions[p];
            if (!followed(f, tp))
                continue;
            replica_part *rp = tp->repl;
            if (rp->trunc == REPLICA_TRUNC_ASKED)
                rp->trunc = REPLICA_TRUNC_ASK; /* nothing on the wire: ask again */
            if (rp->trunc == REPLICA_FETCHING)
                pk->any_fetch = 1;
            else if (rp->trunc_retry_ms <= pk->now)
                pk->any_epoch = 1;
            else if (pk->retry_ms < 0 || rp->trunc_retry_ms < pk->retry_ms)
                pk->retry_ms = rp->trunc_retry_ms;
        }
    }
}

static void send_epochs(fetcher *f, int64_t now) {
    broker *b = f->r->b;
    int nt = topics_count(b->topics);
    proto_offset_for_leader_epoch_req_topic *topics = calloc((size_t)nt + 1, sizeof *topics);
    int32_t count = 0;
    for (int i = 0; topics && i < nt; i++) {
        topic *t = topics_at(b->topics, i);
        proto_offset_for_leader_epoch_req_topic *rt = &topics[count];
        for (int32_t p = 0; p < t->partition_count; p++) {
            topic_partition *tp = t->partitions[p];
            if (!followed(f, tp) || tp->repl->trunc != REPLICA_TRUNC_ASK ||
                tp->repl->trunc_retry_ms > now)
                continue;
            if (!rt->partitions &&
                !(rt->partitions = calloc((size_t)t->partition_count, sizeof *rt->partitions)))
                break;
            replica_part *rp = tp->repl;
            rp->trunc = REPLICA_TRUNC_ASKED;
            rp->trunc_asked = log_latest_epoch(tp->lg);
            rt->partitions[rt->partition_count++] =
                (proto_offset_for_leader_epoch_req_partition){p, rp->leader_epoch, rp->trunc_asked};
        }
        if (rt->partition_count > 0) {
            rt->name = wire_str_from(t->name);
            count++;
        }
    }
    proto_offset_for_leader_epoch_req req = {
        .replica_id = b->cfg.broker_id, .topic_count = count, .topics = topics};
    if (topics && count > 0)
        send_request(f, KAFKA_API_OFFSET_FOR_LEADER_EPOCH, EPOCH_VERSION, REQ_EPOCH, encode_epoch,
                     &req);
    else
        fetcher_fail(f, "cannot build an OffsetForLeaderEpoch request");
    for (int32_t i = 0; topics && i <= count; i++)
        free(topics[i].partitions);
    free(topics);
}

static void send_fetch(fetcher *f) {
    broker *b = f->r->b;
    int nt = topics_count(b->topics);
    proto_fetch_req_topic *topics = calloc((size_t)nt + 1, sizeof *topics);
    int32_t count = 0;
    for (int i = 0; topics && i < nt; i++) {
        topic *t = topics_at(b->topics, i);
        proto_fetch_req_topic *rt = &topics[count];
        for (int32_t p = 0; p < t->partition_count; p++) {
            topic_partition *tp = t->partitions[p];
            if (!followed(f, tp) || tp->repl->trunc != REPLICA_FETCHING)
                continue;
            if (!rt->partitions &&
                !(rt->partitions = calloc((size_t)t->partition_count, sizeof *rt->partitions)))
                break;
            rt->partitions[rt->partition_count++] = (proto_fetch_req_partition){
                p, tp->repl->leader_epoch, log_end_offset(tp->lg), -1, FETCH_PARTITION_MAX};
        }
        if (rt->partition_count > 0) {
            rt->topic = wire_str_from(t->name);
            count++;
        }
    }
    proto_fetch_req req = {.replica_id = b->cfg.broker_id,
                           .max_wait_ms = (int32_t)b->cfg.replica_fetch_wait_max_ms,
                           .min_bytes = 1,
                           .max_bytes = 16 << 20,
                           .isolation_level = 0,
                           .session_id = 0,
                           .session_epoch = -1,
                           .topic_count = count,
                           .topics = topics,
                           .forgotten_count = 0,
                           .rack_id = wire_str_from("")};
    if (topics && count > 0)
        send_request(f, KAFKA_API_FETCH, FETCH_VERSION, REQ_FETCH, encode_fetch, &req);
    else
        fetcher_fail(f, "cannot build a Fetch request");
    for (int32_t i = 0; topics && i <= count; i++)
        free(topics[i].partitions);
    free(topics);
}

/* The next request: truncation questions first, then a Fetch; with only
 * truncation retries pending, the backoff timer comes back for them. */
static void fetcher_send(fetcher *f) {
    if (f->state != F_CONNECTED || f->inflight != REQ_NONE || f->r->stopping)
        return;
    pick pk = {.now = broker_now_ms()};
    pick_scan(f, &pk);
    if (pk.any_epoch) {
        send_epochs(f, pk.now);
        return;
    }
    if (pk.any_fetch) {
        send_fetch(f);
        return;
    }
    if (pk.retry_ms >= 0)
        uv_timer_start(&f->backoff, backoff_cb, (uint64_t)(pk.retry_ms - pk.now), 0);
    /* else nothing to follow now: the next view change restarts us */
}

/* ---- connections ---- */

static void connect_cb(uv_connect_t *req, int status) {
    fetcher *f = req->data;
    if (f->state != F_CONNECTING)
        return;
    if (status < 0) {
        f->state = F_CONNECTED; /* so that fail closes it */
        fetcher_fail(f, uv_strerror(status));
        return;
    }
    f->state = F_CONNECTED;
    uv_read_start((uv_stream_t *)&f->tcp, alloc_cb, read_cb);
    BLOG_I("replica fetcher connected to leader %" PRId32 " at %s:%d", f->leader_id, f->host,
           f->port);
    fetcher_send(f);
}

static void fetcher_connect(fetcher *f) {
    struct sockaddr_storage addr;
    if (uv_ip4_addr(f->host, f->port, (struct sockaddr_in *)&addr) != 0 &&
        uv_ip6_addr(f->host, f->port, (struct sockaddr_in6 *)&addr) != 0) {
        uv_getaddrinfo_t gai;
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
        if (uv_getaddrinfo(f->r->b->loop, &gai, NULL, f->host, NULL, &hints) != 0 ||
            !gai.addrinfo) {
            uv_timer_start(&f->backoff, backoff_cb, 1000, 0);
            return;
        }
        memcpy(&addr, gai.addrinfo->ai_addr, gai.addrinfo->ai_addrlen);
        uv_freeaddrinfo(gai.addrinfo);
        ((struct sockaddr_in *)&addr)->sin_port = htons((uint16_t)f->port);
    }
    uv_tcp_init(f->r->b->loop, &f->tcp);
    f->tcp.data = f;
    f->connect.data = f;
    f->state = F_CONNECTING;
    f->rlen = 0;
    f->inflight = REQ_NONE;
    if (uv_tcp_connect(&f->connect, &f->tcp, (struct sockaddr *)&addr, connect_cb) != 0) {
        f->state = F_CONNECTED;
        fetcher_fail(f, "connect failed");
    }
}

static fetcher *fetcher_for(replication *r, const cluster_broker *leader) {
    for (fetcher *f = r->fetchers; f; f = f->next)
        if (f->leader_id == leader->id) {
            if (strcmp(f->host, leader->host) != 0 || f->port != leader->port) {
                snprintf(f->host, sizeof f->host, "%s", leader->host); /* moved */
                f->port = leader->port;
                fetcher_fail(f, "the leader's address changed");
            }
            return f;
        }
    fetcher *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->r = r;
    f->leader_id = leader->id;
    snprintf(f->host, sizeof f->host, "%s", leader->host);
    f->port = leader->port;
    uv_timer_init(r->b->loop, &f->backoff);
    f->backoff.data = f;
    f->next = r->fetchers;
    r->fetchers = f;
    return f;
}

void replica_fetchers_update(replication *r) {
    broker *b = r->b;
    cluster *c = b->cluster;
    for (fetcher *f = r->fetchers; f; f = f->next)
        f->unused = 1;
    for (int i = 0; c && i < topics_count(b->topics); i++) {
        topic *t = topics_at(b->topics, i);
        for (int32_t p = 0; p < t->partition_count; p++) {
            topic_partition *tp = t->partitions[p];
            replica_part *rp = tp->repl;
            if (!rp || rp->is_leader || rp->leader_id < 0 || !tp->lg || cluster_shutting_down(c))
                continue; /* controlled shutdown: no longer following */
            const cluster_broker *lb = cluster_broker_find(c, rp->leader_id);
            fetcher *f = lb ? fetcher_for(r, lb) : NULL;
            if (f)
                f->unused = 0;
        }
    }
    for (fetcher *f = r->fetchers; f; f = f->next) {
        if (f->unused) {
            fetcher_fail(f, NULL);
            continue;
        }
        if (f->state == F_IDLE && !uv_is_active((uv_handle_t *)&f->backoff))
            fetcher_connect(f);
        else if (f->state == F_CONNECTED && f->inflight == REQ_NONE)
            fetcher_send(f);
    }
}

static void fetcher_timer_closed(uv_handle_t *h) {
    fetcher_release(h->data);
}

/* A connection being closed already (F_CLOSING) still owes its tcp_closed;
 * an open one is closed here, after marking it closing so that a cancelled
 * connect or write callback does not close it twice. */
void replica_fetchers_stop(replication *r) {
    fetcher *f = r->fetchers;
    r->fetchers = NULL;
    while (f) {
        fetcher *next = f->next;
        f->stopped = 1;
        f->handles = 1;
        if (f->state == F_CONNECTING || f->state == F_CONNECTED) {
            f->state = F_CLOSING;
            f->handles++;
            uv_close((uv_handle_t *)&f->tcp, tcp_closed);
        } else if (f->state == F_CLOSING) {
            f->handles++;
        }
        uv_close((uv_handle_t *)&f->backoff, fetcher_timer_closed);
        f = next;
    }
}
