/*
 * test_client_fake.c - the client core against a scripted fake broker, for
 * what a real broker does not do on demand: refuse the client's ApiVersions
 * version (the client must retry with one from the broker's range), answer
 * with a wrong correlation id, or announce a frame larger than the client
 * accepts. Each case must end in a definite callback, never a hang.
 *
 * The fake broker is a thread with a blocking socket that reads request
 * frames with the wire/protocol.h header codec and answers per `mode`.
 *
 * FAKE_NO_INIT_PID is a broker without InitProducerId in its ApiVersions
 * (as brokers before Kafka 0.11), serving Metadata (itself as node 0, topic
 * "t" with one partition) and Produce, one thread per connection: the
 * producer's enable.idempotence must fall back (default) or fail every
 * record with STRAND_ERR_UNSUPPORTED (set explicitly).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/internal.h"
#include "strand/producer.h"
#include "wire/batch.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

enum fake_mode {
    FAKE_NORMAL,      /* answer ApiVersions and Metadata (no brokers, no topics) */
    FAKE_FALLBACK,    /* refuse ApiVersions v3 with range 0..2, then behave */
    FAKE_WRONG_CORR,  /* answer Metadata with another correlation id */
    FAKE_HUGE_FRAME,  /* answer Metadata with a 2 GiB frame size */
    FAKE_DROP_AT_2,   /* close the connection on the second Metadata request */
    FAKE_NO_INIT_PID, /* no InitProducerId; Metadata and Produce served (see above) */
};

typedef struct fake {
    int lfd;
    int port;
    enum fake_mode mode;
    pthread_t th;
    int16_t av_versions[8]; /* ApiVersions versions received */
    int av_n;
    int md_n;          /* Metadata requests received */
    int conns;         /* connections accepted */
    int first_conn_md; /* Metadata requests on the first connection */
    /* FAKE_NO_INIT_PID: connection threads and what they saw (under m) */
    pthread_mutex_t m;
    pthread_t conn_th[8];
    int conn_n;
    int init_pid_n;          /* InitProducerId requests (must stay 0) */
    int produce_n;           /* Produce requests */
    int64_t produce_pid_max; /* largest producerId of a produced batch */
    int64_t next_offset;
} fake;

static int read_full(int fd, void *p, size_t n) {
    uint8_t *b = p;
    while (n) {
        ssize_t r = read(fd, b, n);
        if (r <= 0)
            return -1;
        b += r;
        n -= (size_t)r;
    }
    return 0;
}

static int write_full(int fd, const void *p, size_t n) {
    const uint8_t *b = p;
    while (n) {
        ssize_t r = write(fd, b, n);
        if (r <= 0)
            return -1;
        b += r;
        n -= (size_t)r;
    }
    return 0;
}

/* One request frame (malloc'ed, *n bytes after the size), or NULL. */
static uint8_t *read_frame(int fd, uint32_t *n) {
    uint8_t sz[4];
    if (read_full(fd, sz, 4))
        return NULL;
    *n = wire_be32(sz);
    uint8_t *buf = malloc(*n ? *n : 1);
    if (buf && read_full(fd, buf, *n)) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

static int send_writer(int fd, wire_writer *w) {
    int rc = w->err ? -1 : write_full(fd, w->p, w->len);
    wire_writer_free(w);
    return rc;
}

static void serve(fake *f, int fd) {
    for (;;) {
        uint32_t n;
        uint8_t *buf = read_frame(fd, &n);
        if (!buf)
            return;
        wire_reader r;
        wire_reader_init(&r, buf, n);
        proto_req_header h;
        int rc = proto_req_header_decode(&r, &h);
        free(buf);
        if (rc)
            return;
        wire_writer w;
        wire_writer_init(&w);
        size_t start = proto_frame_begin(&w);
        if (h.api_key == KAFKA_API_API_VERSIONS) {
            if (f->av_n < 8)
                f->av_versions[f->av_n++] = h.api_version;
            if (f->mode == FAKE_FALLBACK && h.api_version == 3) {
                static const proto_api_range av_only = {KAFKA_API_API_VERSIONS, 0, 2};
                proto_api_versions_resp resp = {KAFKA_UNSUPPORTED_VERSION, 1, &av_only, 0};
                proto_resp_header_encode(&w, h.api_key, 0, h.correlation_id);
                proto_api_versions_resp_encode(&w, 0, &resp);
            } else {
                proto_api_versions_resp resp;
                proto_api_versions_resp_supported(&resp);
                proto_resp_header_encode(&w, h.api_key, h.api_version, h.correlation_id);
                proto_api_versions_resp_encode(&w, h.api_version, &resp);
            }
        } else if (h.api_key == KAFKA_API_METADATA) {
            f->md_n++;
            if (f->conns == 1)
                f->first_conn_md++;
            if (f->mode == FAKE_DROP_AT_2 && f->md_n == 2) {
                wire_writer_free(&w);
                return;
            }
            if (f->mode == FAKE_DROP_AT_2) {
                wire_writer_free(&w);
                continue; /* hold the answer back */
            }
            if (f->mode == FAKE_HUGE_FRAME) {
                uint8_t huge[4];
                wire_put_be32(huge, 0x7ffffff0u);
                wire_writer_free(&w);
                if (write_full(fd, huge, 4))
                    return;
                continue; /* the client must drop the connection */
            }
            int32_t corr = f->mode == FAKE_WRONG_CORR ? h.correlation_id + 7 : h.correlation_id;
            proto_metadata_resp resp;
            memset(&resp, 0, sizeof resp);
            resp.controller_id = -1;
            proto_resp_header_encode(&w, h.api_key, h.api_version, corr);
            proto_metadata_resp_encode(&w, h.api_version, &resp);
        } else {
            wire_writer_free(&w);
            return;
        }
        proto_frame_end(&w, start);
        if (send_writer(fd, &w))
            return;
    }
}

/* FAKE_NO_INIT_PID: answer one request (already decoded header, body in r)
 * into w. Returns -1 to drop the connection. */
static int answer_producer(fake *f, const proto_req_header *h, wire_reader *r, wire_writer *w) {
    proto_resp_header_encode(w, h->api_key, h->api_version, h->correlation_id);
    if (h->api_key == KAFKA_API_API_VERSIONS) {
        proto_api_versions_resp all;
        proto_api_versions_resp_supported(&all);
        static proto_api_range some[64];
        int32_t n = 0;
        for (int32_t i = 0; i < all.api_count && n < 64; i++)
            if (all.apis[i].api_key != KAFKA_API_INIT_PRODUCER_ID)
                some[n++] = all.apis[i];
        proto_api_versions_resp resp = {0, n, some, 0};
        proto_api_versions_resp_encode(w, h->api_version, &resp);
        return 0;
    }
    if (h->api_key == KAFKA_API_METADATA) {
        int32_t replicas[1] = {0};
        proto_metadata_broker b = {0, wire_str_from("127.0.0.1"), f->port, WIRE_STR_NULL};
        proto_metadata_partition part = {0, 0, 0, -1, 1, replicas, 1, replicas, 0, NULL};
        proto_metadata_topic t = {0, wire_str_from("t"), 0, 1, &part, INT32_MIN};
        proto_metadata_resp resp = {0, 1, &b, WIRE_STR_NULL, 0, 1, &t, INT32_MIN};
        proto_metadata_resp_encode(w, h->api_version, &resp);
        return 0;
    }
    if (h->api_key == KAFKA_API_PRODUCE) {
        wire_arena a;
        wire_arena_init(&a);
        proto_produce_req req;
        if (proto_produce_req_decode(r, h->api_version, &a, &req) != 0 || req.topic_count != 1 ||
            req.topics[0].partition_count != 1) {
            wire_arena_free(&a);
            return -1;
        }
        const proto_produce_req_partition *rp = &req.topics[0].partitions[0];
        batch_iter it;
        batch_header bh;
        const uint8_t *bp;
        size_t bsize;
        int64_t records = 0;
        pthread_mutex_lock(&f->m);
        batch_iter_init(&it, rp->records.ptr, rp->records.len > 0 ? (size_t)rp->records.len : 0);
        while (batch_iter_next(&it, &bh, &bp, &bsize) == 1) {
            records += bh.last_offset_delta + 1;
            if (bh.producer_id > f->produce_pid_max)
                f->produce_pid_max = bh.producer_id;
        }
        f->produce_n++;
        proto_produce_resp_partition op = {rp->index, 0, f->next_offset, -1, 0};
        f->next_offset += records;
        pthread_mutex_unlock(&f->m);
        proto_produce_resp_topic ot = {req.topics[0].name, 1, &op};
        proto_produce_resp resp = {1, &ot, 0};
        proto_produce_resp_encode(w, h->api_version, &resp);
        wire_arena_free(&a);
        return 0;
    }
    if (h->api_key == KAFKA_API_INIT_PRODUCER_ID) {
        pthread_mutex_lock(&f->m);
        f->init_pid_n++;
        pthread_mutex_unlock(&f->m);
    }
    return -1;
}

typedef struct conn_arg {
    fake *f;
    int fd;
} conn_arg;

static void *serve_producer(void *arg) {
    conn_arg *ca = arg;
    fake *f = ca->f;
    int fd = ca->fd;
    free(ca);
    for (;;) {
        uint32_t n;
        uint8_t *buf = read_frame(fd, &n);
        if (!buf)
            break;
        wire_reader r;
        wire_reader_init(&r, buf, n);
        proto_req_header h;
        wire_writer w;
        wire_writer_init(&w);
        size_t start = proto_frame_begin(&w);
        int rc = proto_req_header_decode(&r, &h) ? -1 : answer_producer(f, &h, &r, &w);
        free(buf);
        if (rc == 0)
            proto_frame_end(&w, start);
        if (rc != 0 || send_writer(fd, &w)) {
            if (rc != 0)
                wire_writer_free(&w);
            break;
        }
    }
    close(fd);
    return NULL;
}

static void *fake_main(void *arg) {
    fake *f = arg;
    for (;;) {
        int fd = accept(f->lfd, NULL, NULL);
        if (fd < 0)
            return NULL; /* listening socket shut down */
        f->conns++;
        if (f->mode == FAKE_NO_INIT_PID) {
            conn_arg *ca = malloc(sizeof *ca);
            if (!ca || f->conn_n == 8) {
                free(ca);
                close(fd);
                continue;
            }
            ca->f = f;
            ca->fd = fd;
            if (pthread_create(&f->conn_th[f->conn_n], NULL, serve_producer, ca) == 0)
                f->conn_n++;
            else {
                free(ca);
                close(fd);
            }
            continue;
        }
        serve(f, fd);
        close(fd);
    }
}

static void fake_start(fake *f, enum fake_mode mode) {
    memset(f, 0, sizeof *f);
    f->mode = mode;
    pthread_mutex_init(&f->m, NULL);
    f->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(f->lfd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(f->lfd, 8), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&a, &len), 0);
    f->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
}

/* Connection threads (FAKE_NO_INIT_PID) end when their client closes the
 * connection: destroy clients first. */
static void fake_stop(fake *f) {
    shutdown(f->lfd, SHUT_RDWR);
    close(f->lfd);
    pthread_join(f->th, NULL);
    for (int i = 0; i < f->conn_n; i++)
        pthread_join(f->conn_th[i], NULL);
    pthread_mutex_destroy(&f->m);
}

/* One request through the core and its outcome. */
typedef struct outcome {
    pthread_mutex_t m;
    pthread_cond_t cv;
    int done;
    strand_err err;
    int16_t version;
} outcome;

static void encode_md(wire_writer *w, int16_t version, void *arg) {
    (void)arg;
    proto_metadata_req req;
    memset(&req, 0, sizeof req);
    proto_metadata_req_encode(w, version, &req);
}

static void on_res(client *c, client_response *res, void *arg) {
    (void)c;
    outcome *o = arg;
    pthread_mutex_lock(&o->m);
    o->done = 1;
    o->err = res->err;
    o->version = res->version;
    pthread_cond_broadcast(&o->cv);
    pthread_mutex_unlock(&o->m);
}

static void send_md(client *c, void *arg) {
    client_request req = {.node_id = CLIENT_NODE_ANY,
                          .api_key = KAFKA_API_METADATA,
                          .min_version = 1,
                          .max_version = 8,
                          .encode = encode_md,
                          .cb = on_res,
                          .cb_arg = arg};
    if (client_send(c, &req) != STRAND_OK)
        on_res(c, &(client_response){.err = STRAND_ERR_NOMEM}, arg);
}

static outcome request_metadata(int port) {
    strand_conf *conf = strand_conf_new();
    char addr[64], err[256];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    assert_int_equal(strand_conf_set(conf, "bootstrap.servers", addr, err, sizeof err), STRAND_OK);
    assert_int_equal(strand_conf_set(conf, "request.timeout.ms", "5000", err, sizeof err),
                     STRAND_OK);
    client *c = client_new(conf, CLIENT_ROLE_CONSUMER, err, sizeof err);
    assert_non_null(c);
    outcome o;
    memset(&o, 0, sizeof o);
    pthread_mutex_init(&o.m, NULL);
    pthread_cond_init(&o.cv, NULL);
    assert_int_equal(client_call(c, send_md, &o), STRAND_OK);
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 10;
    pthread_mutex_lock(&o.m);
    while (!o.done)
        if (pthread_cond_timedwait(&o.cv, &o.m, &dl) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&o.m);
    client_destroy(c);
    assert_true(o.done);
    return o;
}

static void test_apiversions_fallback(void **state) {
    (void)state;
    fake f;
    fake_start(&f, FAKE_FALLBACK);
    outcome o = request_metadata(f.port);
    fake_stop(&f);
    assert_int_equal(o.err, STRAND_OK);
    assert_int_equal(o.version, 8);
    /* first the highest version, then the best one in the broker's range */
    assert_int_equal(f.av_n, 2);
    assert_int_equal(f.av_versions[0], 3);
    assert_int_equal(f.av_versions[1], 2);
}

static void test_wrong_correlation_id(void **state) {
    (void)state;
    fake f;
    fake_start(&f, FAKE_WRONG_CORR);
    outcome o = request_metadata(f.port);
    fake_stop(&f);
    assert_int_equal(f.first_conn_md, 1);
    assert_int_equal(o.err, STRAND_ERR_TRANSPORT);
}

static void test_huge_frame(void **state) {
    (void)state;
    fake f;
    fake_start(&f, FAKE_HUGE_FRAME);
    outcome o = request_metadata(f.port);
    fake_stop(&f);
    assert_int_equal(f.first_conn_md, 1);
    assert_int_equal(o.err, STRAND_ERR_TRANSPORT);
}

/* Loop-side counters for metadata callbacks. */
typedef struct md_counts {
    pthread_mutex_t m;
    pthread_cond_t cv;
    int waits, listens;
    strand_err last;
} md_counts;

static void count_wait(client *c, strand_err err, void *arg) {
    (void)c;
    md_counts *k = arg;
    pthread_mutex_lock(&k->m);
    k->waits++;
    k->last = err;
    pthread_cond_broadcast(&k->cv);
    pthread_mutex_unlock(&k->m);
}

static void count_listen(client *c, strand_err err, void *arg) {
    (void)c;
    (void)err;
    md_counts *k = arg;
    pthread_mutex_lock(&k->m);
    k->listens++;
    pthread_cond_broadcast(&k->cv);
    pthread_mutex_unlock(&k->m);
}

static int counts_wait_for(md_counts *k, int waits, int listens, int timeout_s) {
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_s;
    pthread_mutex_lock(&k->m);
    while (k->waits < waits || k->listens < listens)
        if (pthread_cond_timedwait(&k->cv, &k->m, &dl) == ETIMEDOUT)
            break;
    int ok = k->waits >= waits && k->listens >= listens;
    pthread_mutex_unlock(&k->m);
    return ok;
}

static void many_refreshes(client *c, void *arg) {
    client_metadata_listen(c, count_listen, arg);
    for (int i = 0; i < 10; i++)
        client_metadata_refresh(c, "test");
    /* registered while the first is in flight: served by the next one */
    assert_int_equal(client_metadata_wait(c, count_wait, arg), STRAND_OK);
}

static client *client_for(int port, const char *key, const char *value) {
    strand_conf *conf = strand_conf_new();
    char addr[64], err[256];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    assert_int_equal(strand_conf_set(conf, "bootstrap.servers", addr, err, sizeof err), STRAND_OK);
    if (key)
        assert_int_equal(strand_conf_set(conf, key, value, err, sizeof err), STRAND_OK);
    client *c = client_new(conf, CLIENT_ROLE_PRODUCER, err, sizeof err);
    assert_non_null(c);
    return c;
}

static void test_refresh_coalesced(void **state) {
    (void)state;
    fake f;
    fake_start(&f, FAKE_NORMAL);
    client *c = client_for(f.port, NULL, NULL);
    md_counts k;
    memset(&k, 0, sizeof k);
    pthread_mutex_init(&k.m, NULL);
    pthread_cond_init(&k.cv, NULL);
    assert_int_equal(client_call(c, many_refreshes, &k), STRAND_OK);
    assert_true(counts_wait_for(&k, 1, 2, 10));
    assert_int_equal(k.last, STRAND_OK);
    client_destroy(c);
    fake_stop(&f);
    /* eleven asks while one was in flight: exactly one more request */
    assert_int_equal(f.md_n, 2);
    assert_int_equal(k.listens, 2);
}

static void listen_only(client *c, void *arg) {
    client_metadata_listen(c, count_listen, arg);
}

static void test_periodic_refresh(void **state) {
    (void)state;
    fake f;
    fake_start(&f, FAKE_NORMAL);
    client *c = client_for(f.port, "metadata.max.age.ms", "50");
    md_counts k;
    memset(&k, 0, sizeof k);
    pthread_mutex_init(&k.m, NULL);
    pthread_cond_init(&k.cv, NULL);
    int64_t t0 = client_now_ms();
    assert_int_equal(client_call(c, listen_only, &k), STRAND_OK);
    assert_true(counts_wait_for(&k, 0, 3, 10));
    int64_t took = client_now_ms() - t0;
    client_destroy(c);
    fake_stop(&f);
    assert_true(f.md_n >= 3);
    assert_true(took >= 100); /* three refreshes 50 ms apart, not a burst */
}

/* Requests failed by a dropped connection complete in send order: the two in
 * flight first, then the ones waiting behind max.in.flight. */
typedef struct ordered {
    pthread_mutex_t m;
    pthread_cond_t cv;
    int n;
    int tag[8];
    strand_err err[8];
} ordered;

typedef struct ordered_arg {
    ordered *o;
    int tag;
} ordered_arg;

static ordered_arg ordered_args[5];

static void on_ordered(client *c, client_response *res, void *arg) {
    (void)c;
    ordered_arg *a = arg;
    pthread_mutex_lock(&a->o->m);
    a->o->tag[a->o->n] = a->tag;
    a->o->err[a->o->n] = res->err;
    a->o->n++;
    pthread_cond_broadcast(&a->o->cv);
    pthread_mutex_unlock(&a->o->m);
}

static void send_five(client *c, void *arg) {
    for (int i = 0; i < 5; i++) {
        ordered_args[i].o = arg;
        ordered_args[i].tag = i;
        client_request req = {.node_id = CLIENT_NODE_ANY,
                              .api_key = KAFKA_API_METADATA,
                              .min_version = 1,
                              .max_version = 8,
                              .encode = encode_md,
                              .cb = on_ordered,
                              .cb_arg = &ordered_args[i]};
        assert_int_equal(client_send(c, &req), STRAND_OK);
    }
}

static void test_drop_fails_in_order(void **state) {
    (void)state;
    fake f;
    fake_start(&f, FAKE_DROP_AT_2); /* also drops the reconnect's refresh */
    client *c = client_for(f.port, "max.in.flight.requests.per.connection", "2");
    ordered o;
    memset(&o, 0, sizeof o);
    pthread_mutex_init(&o.m, NULL);
    pthread_cond_init(&o.cv, NULL);
    assert_int_equal(client_call(c, send_five, &o), STRAND_OK);
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 10;
    pthread_mutex_lock(&o.m);
    while (o.n < 5)
        if (pthread_cond_timedwait(&o.cv, &o.m, &dl) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&o.m);
    client_destroy(c);
    fake_stop(&f);
    assert_int_equal(o.n, 5);
    assert_int_equal(f.first_conn_md, 2); /* never more than max.in.flight written */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(o.tag[i], i);
        assert_int_equal(o.err[i], STRAND_ERR_TRANSPORT);
    }
}

/* Delivery reports of the producer tests below. */
typedef struct reports {
    int n, ok, unsupported, other;
} reports;

static void on_delivery(strand_producer *p, const strand_delivery *d, void *opaque) {
    (void)p;
    reports *r = opaque;
    r->n++;
    if (d->err == STRAND_OK)
        r->ok++;
    else if (d->err == STRAND_ERR_UNSUPPORTED)
        r->unsupported++;
    else
        r->other++;
}

/* Produce three records to "t" against a broker without InitProducerId,
 * enable.idempotence set to `idem` (NULL: the default). */
static reports produce_without_init_pid(fake *f, const char *idem) {
    strand_conf *conf = strand_conf_new();
    char addr[64], err[256];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", f->port);
    assert_int_equal(strand_conf_set(conf, "bootstrap.servers", addr, err, sizeof err), STRAND_OK);
    assert_int_equal(strand_conf_set(conf, "delivery.timeout.ms", "10000", err, sizeof err),
                     STRAND_OK);
    if (idem)
        assert_int_equal(strand_conf_set(conf, "enable.idempotence", idem, err, sizeof err),
                         STRAND_OK);
    reports r;
    memset(&r, 0, sizeof r);
    strand_conf_set_delivery_cb(conf, on_delivery, &r);
    strand_producer *p = strand_producer_new(conf, err, sizeof err);
    assert_non_null(p);
    for (int i = 0; i < 3; i++) {
        strand_record rec = {
            .topic = "t", .partition = STRAND_PARTITION_ANY, .value = "v", .value_len = 1};
        assert_int_equal(strand_producer_send(p, &rec), STRAND_OK);
    }
    assert_int_equal(strand_producer_flush(p, 20000), STRAND_OK);
    strand_producer_close(p);
    return r;
}

static void test_idempotence_default_falls_back(void **state) {
    (void)state;
    fake f;
    fake_start(&f, FAKE_NO_INIT_PID);
    f.produce_pid_max = -1;
    reports r = produce_without_init_pid(&f, NULL);
    fake_stop(&f);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.ok, 3);
    assert_int_equal(f.init_pid_n, 0); /* never sent: not in ApiVersions */
    assert_true(f.produce_n >= 1);
    assert_int_equal(f.produce_pid_max, -1); /* batches without producer id */
}

static void test_idempotence_explicit_unsupported(void **state) {
    (void)state;
    fake f;
    fake_start(&f, FAKE_NO_INIT_PID);
    f.produce_pid_max = -1;
    reports r = produce_without_init_pid(&f, "true");
    fake_stop(&f);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.unsupported, 3);
    assert_int_equal(f.init_pid_n, 0);
    assert_int_equal(f.produce_n, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apiversions_fallback),
        cmocka_unit_test(test_wrong_correlation_id),
        cmocka_unit_test(test_huge_frame),
        cmocka_unit_test(test_refresh_coalesced),
        cmocka_unit_test(test_periodic_refresh),
        cmocka_unit_test(test_drop_fails_in_order),
        cmocka_unit_test(test_idempotence_default_falls_back),
        cmocka_unit_test(test_idempotence_explicit_unsupported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
