/*
 * replica.c - replication in cluster mode (replica.h): follower fetchers
 * and the leader's view of its followers.
 *
 * Follower: one TCP connection per leader broker on the loop. It sends one
 * Fetch v11 at a time (replica_id = this broker, max wait 500 ms) naming
 * every partition this broker follows from that leader, from each local
 * log end, and sends the next as soon as the answer is applied, so the
 * stream is continuous. Answered batches are appended as they are (their
 * offsets must continue the local log; leader epochs kept); the follower's
 * high watermark becomes min(leader's, local log end).
 *
 * Leader: a follower's fetch offset is its log end offset; a fetch that
 * reaches the leader's log end marks it caught up. The high watermark is
 * the smallest log end offset in the ISR (never moving back); when it moves,
 * waiting fetches are completed so consumers see the new data.
 */
#include "broker/replica.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "broker/broker.h"
#include "broker/cluster.h"
#include "broker/logging.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

#define FETCH_VERSION 11
#define FETCH_MAX_WAIT_MS 500
#define FETCH_PARTITION_MAX (1 << 20)
#define FETCH_MAX_FRAME (64 << 20)

typedef struct fetcher fetcher;

typedef struct hw_entry {
    char topic[256];
    int32_t partition;
    int64_t hw;
} hw_entry;

struct replication {
    broker *b;
    fetcher *fetchers;
    hw_entry *saved; /* replication-offset-checkpoint as read at start */
    int saved_n;
    int64_t saved_ms;     /* last write */
    uv_timer_t isr_timer; /* leader: ISR shrink/expand checks */
    int timer_on;
    int stopping;
};

enum { F_IDLE, F_CONNECTING, F_CONNECTED, F_CLOSING };

struct fetcher {
    fetcher *next;
    replication *r;
    int32_t leader_id;
    char host[256];
    int port;
    int state;
    int inflight;
    int unused; /* no partition followed from this leader any more */
    int32_t corr;
    uv_tcp_t tcp;
    uv_connect_t connect;
    uv_timer_t backoff;
    uint8_t *rbuf;
    size_t rlen, rcap;
};

/* ---- partition state ---- */

int64_t replica_hw(const topic_partition *tp) {
    if (!tp->lg)
        return -1;
    const replica_part *rp = tp->repl;
    if (!rp)
        return log_end_offset(tp->lg);
    int64_t leo = log_end_offset(tp->lg);
    return rp->hw < leo ? rp->hw : leo;
}

static int in_isr(const replica_part *rp, int32_t id) {
    for (int i = 0; i < rp->isr_n; i++)
        if (rp->isr[i] == id)
            return 1;
    return 0;
}

/* Leader: HW = min log end over the ISR; wakes waiting fetches if it moved. */
static void leader_update_hw(broker *b, topic_partition *tp) {
    (void)b;
    replica_part *rp = tp->repl;
    if (!rp || !rp->is_leader || !tp->lg)
        return;
    int64_t hw = log_end_offset(tp->lg);
    for (int i = 0; i < rp->follower_n; i++) {
        const replica_follower *f = &rp->followers[i];
        if (!in_isr(rp, f->id))
            continue;
        int64_t leo = f->leo < 0 ? rp->hw : f->leo;
        if (leo < hw)
            hw = leo;
    }
    if (hw > rp->hw) {
        rp->hw = hw;
        delayed_list_complete_all(&tp->waiting);
        replica_produce_check();
    }
}

void replica_follower_fetched(broker *b, topic_partition *tp, int32_t id, int64_t offset,
                              int64_t now) {
    replica_part *rp = tp->repl;
    if (!rp || !rp->is_leader || !tp->lg)
        return;
    for (int i = 0; i < rp->follower_n; i++) {
        replica_follower *f = &rp->followers[i];
        if (f->id != id)
            continue;
        f->leo = offset;
        if (offset >= log_end_offset(tp->lg))
            f->caught_up_ms = now;
        leader_update_hw(b, tp);
        return;
    }
}

void replica_appended(topic_partition *tp) {
    leader_update_hw(NULL, tp);
}

/* ---- high watermark checkpoint ----
 * <data dir>/replication-offset-checkpoint in Kafka's format: "0", the
 * count, then "topic partition hw" lines. Read once at start (the first
 * view gives each replica its saved HW), written every second and at stop. */

static void hw_path(const broker *b, char *out, size_t len) {
    snprintf(out, len, "%s/replication-offset-checkpoint", b->cfg.data_dir);
}

static void hw_load(replication *r) {
    char path[BROKER_PATH_MAX + 64], line[600];
    hw_path(r->b, path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    int n = 0, cap = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        if (++lineno <= 2)
            continue;
        hw_entry e;
        long long hw;
        if (sscanf(line, "%255s %d %lld", e.topic, &e.partition, &hw) != 3 || hw < 0)
            continue;
        e.hw = hw;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            hw_entry *ne = realloc(r->saved, (size_t)cap * sizeof *ne);
            if (!ne)
                break;
            r->saved = ne;
        }
        r->saved[n++] = e;
    }
    fclose(f);
    r->saved_n = n;
}

static int64_t hw_saved(const replication *r, const char *topic, int32_t partition) {
    for (int i = 0; i < r->saved_n; i++)
        if (r->saved[i].partition == partition && !strcmp(r->saved[i].topic, topic))
            return r->saved[i].hw;
    return 0;
}

static void hw_save(replication *r) {
    broker *b = r->b;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int count = 0;
    for (int pass = 0; buf && pass < 2; pass++) {
        if (pass == 1)
            len = (size_t)snprintf(buf, cap, "0\n%d\n", count);
        for (int i = 0; i < topics_count(b->topics); i++) {
            topic *t = topics_at(b->topics, i);
            for (int32_t p = 0; p < t->partition_count; p++) {
                if (!t->partitions[p]->repl || !t->partitions[p]->lg)
                    continue;
                if (pass == 0) {
                    count++;
                    continue;
                }
                if (cap - len < 600) {
                    cap *= 2;
                    char *nb = realloc(buf, cap);
                    if (!nb) {
                        free(buf);
                        return;
                    }
                    buf = nb;
                }
                len += (size_t)snprintf(buf + len, cap - len, "%s %d %lld\n", t->name, (int)p,
                                        (long long)replica_hw(t->partitions[p]));
            }
        }
    }
    if (!buf)
        return;
    char path[BROKER_PATH_MAX + 64];
    hw_path(b, path, sizeof path);
    if (broker_file_write_atomic(path, buf, len) != 0)
        BLOG_E("cannot write %s", path);
    free(buf);
    r->saved_ms = broker_now_ms();
}

/* ---- fetchers ---- */

static void fetcher_send(fetcher *f);
static void fetcher_connect(fetcher *f);

static void backoff_cb(uv_timer_t *t) {
    fetcher *f = t->data;
    if (f->state == F_IDLE && !f->r->stopping && !f->unused)
        fetcher_connect(f);
}

static void tcp_closed(uv_handle_t *h) {
    fetcher *f = h->data;
    f->state = F_IDLE;
    f->inflight = 0;
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

/* Apply one partition of a Fetch answer. */
static void apply_partition(fetcher *f, wire_str topic, const proto_fetch_resp_partition *p) {
    broker *b = f->r->b;
    topic_partition *tp = topics_partition(b->topics, topic.ptr, topic.len, p->partition_index);
    replica_part *rp = tp ? tp->repl : NULL;
    if (!rp || rp->is_leader || rp->leader_id != f->leader_id || !tp->lg)
        return; /* the view changed meanwhile */
    if (p->error_code != KAFKA_NONE) {
        /* NOT_LEADER and LEADER_NOT_AVAILABLE: the leader's view is
         * behind or ahead of ours; the next view settles it. */
        if (p->error_code != KAFKA_NOT_LEADER_OR_FOLLOWER &&
            p->error_code != KAFKA_LEADER_NOT_AVAILABLE)
            BLOG_W("replica fetch %.*s-%" PRId32 " from broker %" PRId32 ": %s", (int)topic.len,
                   topic.ptr, p->partition_index, f->leader_id, kafka_error_name(p->error_code));
        return;
    }
    if (p->records.len >= 61) {
        int64_t leo = log_end_offset(tp->lg);
        int64_t base = (int64_t)wire_be64((const uint8_t *)p->records.ptr);
        if (base != leo) {
            BLOG_E("replica fetch %.*s-%" PRId32 ": leader sent offset %" PRId64
                   " but the local log ends at %" PRId64 "; not appended",
                   (int)topic.len, topic.ptr, p->partition_index, base, leo);
            return;
        }
        log_append_info info;
        int rc = log_append(tp->lg, (uint8_t *)p->records.ptr, (size_t)p->records.len, -1,
                            broker_now_ms(), &info);
        if (rc != LOG_OK) {
            BLOG_E("replica fetch %.*s-%" PRId32 ": append failed: %s", (int)topic.len, topic.ptr,
                   p->partition_index, log_strerror(rc));
            return;
        }
        delayed_notify(&tp->waiting, p->records.len);
    }
    int64_t leo = log_end_offset(tp->lg);
    int64_t hw = p->high_watermark < leo ? p->high_watermark : leo;
    if (hw > rp->hw)
        rp->hw = hw;
}

static void handle_frame(fetcher *f, const uint8_t *p, size_t len) {
    wire_reader r;
    wire_reader_init(&r, p, len);
    int32_t corr = wire_read_i32(&r);
    if (r.err || corr != f->corr) {
        fetcher_fail(f, "unexpected response");
        return;
    }
    wire_arena a;
    wire_arena_init(&a);
    proto_fetch_resp resp;
    if (proto_fetch_resp_decode(&r, FETCH_VERSION, &a, &resp) != 0) {
        wire_arena_free(&a);
        fetcher_fail(f, "Fetch response does not decode");
        return;
    }
    for (int32_t t = 0; t < resp.topic_count; t++)
        for (int32_t i = 0; i < resp.topics[t].partition_count; i++)
            apply_partition(f, resp.topics[t].topic, &resp.topics[t].partitions[i]);
    wire_arena_free(&a);
    f->inflight = 0;
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
    if (f->state == F_CONNECTED && !f->inflight)
        fetcher_send(f);
}

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

/* One Fetch for every partition followed from this leader. */
static void fetcher_send(fetcher *f) {
    broker *b = f->r->b;
    if (f->state != F_CONNECTED || f->inflight || f->r->stopping)
        return;
    int nt = topics_count(b->topics);
    proto_fetch_req_topic *topics = calloc((size_t)nt + 1, sizeof *topics);
    int32_t count = 0, parts = 0;
    for (int i = 0; topics && i < nt; i++) {
        topic *t = topics_at(b->topics, i);
        proto_fetch_req_topic *rt = &topics[count];
        for (int32_t p = 0; p < t->partition_count; p++) {
            topic_partition *tp = t->partitions[p];
            replica_part *rp = tp->repl;
            if (!rp || rp->is_leader || rp->leader_id != f->leader_id || !tp->lg)
                continue;
            if (!rt->partitions &&
                !(rt->partitions = calloc((size_t)t->partition_count, sizeof *rt->partitions)))
                break;
            rt->partitions[rt->partition_count++] = (proto_fetch_req_partition){
                p, rp->leader_epoch, log_end_offset(tp->lg), -1, FETCH_PARTITION_MAX};
        }
        if (rt->partition_count > 0) {
            rt->topic = wire_str_from(t->name);
            parts += rt->partition_count;
            count++;
        }
    }
    if (parts == 0) {
        for (int32_t i = 0; topics && i <= count; i++)
            free(topics[i].partitions);
        free(topics);
        return; /* nothing to follow now: the next view change restarts us */
    }
    proto_fetch_req req = {.replica_id = b->cfg.broker_id,
                           .max_wait_ms = FETCH_MAX_WAIT_MS,
                           .min_bytes = 1,
                           .max_bytes = 16 << 20,
                           .isolation_level = 0,
                           .session_id = 0,
                           .session_epoch = -1,
                           .topic_count = count,
                           .topics = topics,
                           .forgotten_count = 0,
                           .rack_id = wire_str_from("")};
    write_req *wr = calloc(1, sizeof *wr);
    if (wr) {
        wire_writer_init(&wr->w);
        size_t start = wr->w.len;
        wire_write_i32(&wr->w, 0);
        proto_req_header h = {KAFKA_API_FETCH, FETCH_VERSION, ++f->corr,
                              wire_str_from("strand-replica-fetcher")};
        proto_req_header_encode(&wr->w, &h);
        proto_fetch_req_encode(&wr->w, FETCH_VERSION, &req);
        if (!wr->w.err)
            wire_put_be32(wr->w.p + start, (uint32_t)(wr->w.len - start - 4));
    }
    for (int32_t i = 0; i <= count; i++)
        free(topics[i].partitions);
    free(topics);
    if (!wr || wr->w.err) {
        if (wr)
            wire_writer_free(&wr->w);
        free(wr);
        fetcher_fail(f, "cannot build a Fetch request");
        return;
    }
    uv_buf_t buf = uv_buf_init((char *)wr->w.p, (unsigned)wr->w.len);
    f->inflight = 1;
    if (uv_write(&wr->req, (uv_stream_t *)&f->tcp, &buf, 1, write_cb) != 0) {
        wire_writer_free(&wr->w);
        free(wr);
        fetcher_fail(f, "write failed");
    }
}

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
    f->inflight = 0;
    if (uv_tcp_connect(&f->connect, &f->tcp, (struct sockaddr *)&addr, connect_cb) != 0) {
        f->state = F_CONNECTED;
        fetcher_fail(f, "connect failed");
    }
}

/* Leader: followers lagging longer than replica.lag.time.max.ms leave the
 * ISR; followers that reached the high watermark join it again. Written to
 * ZooKeeper conditionally; the new ISR applies when the view shows it. */
static void isr_check(uv_timer_t *t) {
    replication *r = t->data;
    broker *b = r->b;
    int64_t now = broker_now_ms(), lag = b->cfg.replica_lag_time_max_ms;
    if (now - r->saved_ms >= 1000)
        hw_save(r);
    for (int i = 0; i < topics_count(b->topics); i++) {
        topic *tp_ = topics_at(b->topics, i);
        for (int32_t p = 0; p < tp_->partition_count; p++) {
            topic_partition *tp = tp_->partitions[p];
            replica_part *rp = tp->repl;
            if (rp && rp->isr_pending && now - rp->isr_pending_ms > 5000)
                rp->isr_pending = 0; /* no answer came: try again */
            if (!rp || !rp->is_leader || rp->isr_pending || rp->follower_n == 0)
                continue;
            int32_t isr[CLUSTER_RF_MAX];
            int n = 0, changed = 0;
            isr[n++] = b->cfg.broker_id;
            for (int k = 0; k < rp->follower_n; k++) {
                const replica_follower *f = &rp->followers[k];
                int member = in_isr(rp, f->id);
                /* In: fetched up to our log end within the lag time. Out: back
                 * in once it fetches again from at least the high watermark. */
                int recent = now - f->caught_up_ms <= lag;
                int keep = member ? recent : recent && f->leo >= rp->hw;
                if (keep)
                    isr[n++] = f->id;
                changed |= keep != member;
            }
            if (!changed || !in_isr(rp, b->cfg.broker_id))
                continue;
            /* The view brings the result (a new state version clears
             * isr_pending); the callback is not needed. */
            if (cluster_write_isr(b->cluster, tp_->name, p, isr, n, NULL, NULL) == 0) {
                rp->isr_pending = 1;
                rp->isr_pending_ms = now;
            }
        }
    }
}

static replication *repl_get(broker *b) {
    if (!b->repl) {
        b->repl = calloc(1, sizeof *b->repl);
        if (b->repl) {
            b->repl->b = b;
            hw_load(b->repl);
            uv_timer_init(b->loop, &b->repl->isr_timer);
            b->repl->isr_timer.data = b->repl;
            uint64_t every = (uint64_t)(b->cfg.replica_lag_time_max_ms / 4);
            uv_timer_start(&b->repl->isr_timer, isr_check, every < 100 ? 100 : every,
                           every < 100 ? 100 : every);
            b->repl->timer_on = 1;
        }
    }
    return b->repl;
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

void replica_apply_view(broker *b) {
    cluster *c = b->cluster;
    replication *r = repl_get(b);
    if (!c || !r || r->stopping)
        return;
    int32_t self = b->cfg.broker_id;
    for (fetcher *f = r->fetchers; f; f = f->next)
        f->unused = 1;
    for (int i = 0; i < topics_count(b->topics); i++) {
        topic *t = topics_at(b->topics, i);
        const cluster_topic *ct = cluster_topic_find(c, t->name, (int32_t)strlen(t->name));
        for (int32_t p = 0; p < t->partition_count; p++) {
            topic_partition *tp = t->partitions[p];
            const cluster_partition *cp = ct && p < ct->partition_count ? &ct->partitions[p] : NULL;
            int replica = 0;
            for (int k = 0; cp && k < cp->replica_count; k++)
                replica |= cp->replicas[k] == self;
            if (!cp || !replica || !tp->lg || !cp->has_state) {
                free(tp->repl);
                tp->repl = NULL;
                continue;
            }
            replica_part *rp = tp->repl;
            if (!rp) {
                if (!(rp = calloc(1, sizeof *rp)))
                    continue;
                rp->hw = hw_saved(r, t->name, p);
                rp->leader_epoch = -1;
                tp->repl = rp;
            }
            int was_leader = rp->is_leader, epoch_changed = rp->leader_epoch != cp->leader_epoch;
            rp->is_leader = cp->leader == self;
            rp->leader_id = cp->leader;
            rp->leader_epoch = cp->leader_epoch;
            if (rp->state_version != cp->state_version)
                rp->isr_pending = 0;
            rp->state_version = cp->state_version;
            rp->isr_n = cp->isr_count;
            memcpy(rp->isr, cp->isr, sizeof rp->isr);
            if (rp->is_leader && (!was_leader || epoch_changed)) {
                rp->follower_n = 0;
                for (int k = 0; k < cp->replica_count; k++)
                    if (cp->replicas[k] != self)
                        rp->followers[rp->follower_n++] =
                            (replica_follower){cp->replicas[k], -1, broker_now_ms()};
            }
            if (rp->is_leader) {
                leader_update_hw(b, tp);
                continue;
            }
            /* A follower (new, or leader before) cuts what is past its
             * high watermark: that suffix may not be on the new leader;
             * it is fetched again if it is. (OffsetForLeaderEpoch would
             * cut only a divergent suffix: not implemented yet.) */
            if (!rp->is_leader && cp->leader >= 0 && (was_leader || epoch_changed) && tp->lg &&
                log_end_offset(tp->lg) > replica_hw(tp)) {
                int64_t to = replica_hw(tp);
                int trc = log_truncate_to(tp->lg, to);
                BLOG_I("partition %s-%d: follower of %" PRId32 ", log truncated to %lld: %s",
                       t->name, (int)p, cp->leader, (long long)to, log_strerror(trc));
            }
            if (cp->leader < 0)
                continue;
            const cluster_broker *lb = cluster_broker_find(c, cp->leader);
            fetcher *f = lb ? fetcher_for(r, lb) : NULL;
            if (!f)
                continue;
            f->unused = 0;
            if (f->state == F_IDLE && !uv_is_active((uv_handle_t *)&f->backoff))
                fetcher_connect(f);
            else if (f->state == F_CONNECTED && !f->inflight)
                fetcher_send(f);
        }
    }
    for (fetcher *f = r->fetchers; f; f = f->next)
        if (f->unused)
            fetcher_fail(f, NULL);
    replica_produce_check(); /* leadership may have moved */
}

static void fetcher_timer_closed(uv_handle_t *h) {
    fetcher *f = h->data;
    free(f->rbuf);
    free(f);
}

void replica_stop(broker *b) {
    replication *r = b->repl;
    if (!r || r->stopping)
        return;
    r->stopping = 1;
    replica_produce_fail_all();
    hw_save(r);
    if (r->timer_on)
        uv_close((uv_handle_t *)&r->isr_timer, NULL);
    fetcher *f = r->fetchers;
    r->fetchers = NULL;
    while (f) {
        fetcher *next = f->next;
        if (f->state == F_CONNECTING || f->state == F_CONNECTED)
            uv_close((uv_handle_t *)&f->tcp, NULL);
        uv_close((uv_handle_t *)&f->backoff, fetcher_timer_closed);
        f = next;
    }
}

void replica_free(broker *b) {
    if (b->repl)
        free(b->repl->saved);
    free(b->repl);
    b->repl = NULL;
}
