/*
 * test_server.c - the broker in-process over real sockets: responses leave
 * in request order even behind a long-polling Fetch, an append wakes a
 * waiting Fetch (event, not timer), acks=0 gets no response, bad frames and
 * unsupported APIs close only their connection, and ApiVersions beyond v3
 * gets the v0 UNSUPPORTED_VERSION answer.
 *
 * The broker's loop runs on a second thread; the test thread is a client
 * with blocking sockets. Shutdown goes through a uv_async into the loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "broker/broker.h"
#include "broker/delayed.h"
#include "broker/logging.h"
#include "broker/server.h"
#include "broker/topics.h"
#include "wire/batch.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

static broker b;
static uv_loop_t loop;
static uv_async_t stopper;
static pthread_t thread;
static char dir[64];
static int port;

static void stop_cb(uv_async_t *a) {
    server_stop(&b);
    uv_close((uv_handle_t *)a, NULL);
}

static void *run_loop(void *arg) {
    (void)arg;
    uv_run(&loop, UV_RUN_DEFAULT);
    return NULL;
}

static int setup(void **state) {
    (void)state;
    blog_level_set(BLOG_ERROR);
    signal(SIGPIPE, SIG_IGN);
    snprintf(dir, sizeof dir, "/tmp/strand-server-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    memset(&b, 0, sizeof b);
    broker_config_init(&b.cfg);
    snprintf(b.cfg.listen_host, sizeof b.cfg.listen_host, "127.0.0.1");
    b.cfg.listen_port = 0;
    snprintf(b.cfg.data_dir, sizeof b.cfg.data_dir, "%s/data", dir);
    uv_loop_init(&loop);
    b.loop = &loop;
    char err[512], portfile[128];
    if (topics_open(b.cfg.data_dir, 0, &b.cfg.log_defaults, NULL, NULL, &b.topics, &b.logs,
                    b.cluster_id, sizeof b.cluster_id, err, sizeof err) != 0 ||
        delayed_init(&loop, &b.delayed) != 0)
        return -1;
    snprintf(portfile, sizeof portfile, "%s/port", dir);
    if (server_start(&b, portfile, err, sizeof err) != 0)
        return -1;
    FILE *f = fopen(portfile, "r");
    if (!f || fscanf(f, "%d", &port) != 1)
        return -1;
    fclose(f);
    uv_async_init(&loop, &stopper, stop_cb);
    return pthread_create(&thread, NULL, run_loop, NULL);
}

static int teardown(void **state) {
    (void)state;
    uv_async_send(&stopper);
    pthread_join(thread, NULL);
    logdir_close(b.logs);
    server_free(&b);
    delayed_free(b.delayed);
    topics_free(b.topics);
    uv_loop_close(&loop);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int connect_broker(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {15, 0}; /* a hang fails the test instead of blocking it */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void send_all(int fd, const void *p, size_t n) {
    assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Read one response frame; returns its length (body in *out, malloc'ed) or
 * -1 at EOF. */
static ssize_t recv_frame(int fd, uint8_t **out) {
    uint8_t hdr[4];
    size_t got = 0;
    while (got < 4) {
        ssize_t k = recv(fd, hdr + got, 4 - got, 0);
        if (k <= 0)
            return -1;
        got += (size_t)k;
    }
    size_t n = wire_be32(hdr);
    uint8_t *p = malloc(n ? n : 1);
    got = 0;
    while (got < n) {
        ssize_t k = recv(fd, p + got, n - got, 0);
        if (k <= 0) {
            free(p);
            return -1;
        }
        got += (size_t)k;
    }
    *out = p;
    return (ssize_t)n;
}

/* Start a request frame in w: size placeholder + header v1. */
static void req_begin(wire_writer *w, int16_t key, int16_t version, int32_t corr) {
    wire_write_i32(w, 0);
    wire_write_i16(w, key);
    wire_write_i16(w, version);
    wire_write_i32(w, corr);
    wire_write_cstr(w, 0, "test");
}

static void req_end(wire_writer *w, size_t start) {
    wire_patch_i32(w, start, (int32_t)(w->len - start - 4));
}

static void add_metadata(wire_writer *w, int32_t corr, const char *topic) {
    size_t s = w->len;
    req_begin(w, KAFKA_API_METADATA, 4, corr);
    wire_write_array_len(w, 0, 1);
    wire_write_cstr(w, 0, topic);
    wire_write_i8(w, 1); /* allow auto creation */
    req_end(w, s);
}

static void add_fetch(wire_writer *w, int32_t corr, const char *topic, int32_t max_wait,
                      int32_t min_bytes) {
    size_t s = w->len;
    req_begin(w, KAFKA_API_FETCH, 4, corr);
    wire_write_i32(w, -1);        /* replica */
    wire_write_i32(w, max_wait);  /* max_wait_ms */
    wire_write_i32(w, min_bytes); /* min_bytes */
    wire_write_i32(w, 1 << 20);   /* max_bytes */
    wire_write_i8(w, 0);          /* isolation */
    wire_write_array_len(w, 0, 1);
    wire_write_cstr(w, 0, topic);
    wire_write_array_len(w, 0, 1);
    wire_write_i32(w, 0);       /* partition */
    wire_write_i64(w, 0);       /* offset */
    wire_write_i32(w, 1 << 20); /* partition max bytes */
    req_end(w, s);
}

static void add_api_versions(wire_writer *w, int32_t corr, int16_t version) {
    size_t s = w->len;
    req_begin(w, KAFKA_API_API_VERSIONS, version, corr);
    req_end(w, s);
}

static void add_produce(wire_writer *w, int32_t corr, const char *topic, int16_t acks,
                        const wire_writer *batch) {
    size_t s = w->len;
    req_begin(w, KAFKA_API_PRODUCE, 3, corr);
    wire_write_str(w, 0, WIRE_STR_NULL); /* transactional id */
    wire_write_i16(w, acks);
    wire_write_i32(w, 5000);
    wire_write_array_len(w, 0, 1);
    wire_write_cstr(w, 0, topic);
    wire_write_array_len(w, 0, 1);
    wire_write_i32(w, 0);
    wire_write_bytes(w, 0, (wire_bytes){batch->p, (int32_t)batch->len});
    req_end(w, s);
}

static void make_batch(wire_writer *out, const char *value) {
    batch_builder bb;
    assert_int_equal(batch_builder_init(&bb, BATCH_CODEC_NONE), 0);
    wire_bytes v = {(const uint8_t *)value, (int32_t)strlen(value)};
    assert_int_equal(batch_builder_add(&bb, 1700000000000, WIRE_BYTES_NULL, v, NULL, 0), 0);
    assert_int_equal(batch_builder_finish(&bb, out), 0);
    batch_builder_free(&bb);
}

static int32_t corr_of(const uint8_t *p) {
    return (int32_t)wire_be32(p);
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Create the topic through Metadata auto-creation. */
static void create_topic(int fd, const char *topic) {
    wire_writer w;
    wire_writer_init(&w);
    add_metadata(&w, 100, topic);
    send_all(fd, w.p, w.len);
    uint8_t *resp;
    assert_true(recv_frame(fd, &resp) > 0);
    assert_int_equal(corr_of(resp), 100);
    free(resp);
    wire_writer_free(&w);
}

static void test_in_order_behind_long_poll(void **state) {
    (void)state;
    int fd = connect_broker();
    create_topic(fd, "ordered");
    wire_writer w;
    wire_writer_init(&w);
    add_fetch(&w, 1, "ordered", 400, 1); /* empty topic: waits for its timer */
    add_api_versions(&w, 2, 0);          /* fast, but must come second */
    int64_t t0 = now_ms();
    send_all(fd, w.p, w.len);
    uint8_t *r1, *r2;
    assert_true(recv_frame(fd, &r1) > 0);
    int64_t waited = now_ms() - t0;
    assert_true(recv_frame(fd, &r2) > 0);
    assert_int_equal(corr_of(r1), 1);
    assert_int_equal(corr_of(r2), 2);
    assert_true(waited >= 350);
    free(r1);
    free(r2);
    wire_writer_free(&w);
    close(fd);
}

static void test_append_wakes_fetch(void **state) {
    (void)state;
    int consumer = connect_broker(), producer = connect_broker();
    create_topic(consumer, "wake");
    wire_writer w;
    wire_writer_init(&w);
    add_fetch(&w, 7, "wake", 20000, 1);
    int64_t t0 = now_ms();
    send_all(consumer, w.p, w.len);
    w.len = 0;
    /* The fetch is parked once this round trip on the same loop returns. */
    add_api_versions(&w, 8, 0);
    send_all(producer, w.p, w.len);
    uint8_t *resp;
    assert_true(recv_frame(producer, &resp) > 0);
    free(resp);

    wire_writer batch;
    wire_writer_init(&batch);
    make_batch(&batch, "hello");
    w.len = 0;
    add_produce(&w, 9, "wake", 1, &batch);
    send_all(producer, w.p, w.len);
    ssize_t n = recv_frame(producer, &resp);
    assert_true(n > 0);
    assert_int_equal(corr_of(resp), 9);
    /* corr, [1 topic] name, [1 part] index, error, base offset */
    wire_reader r;
    wire_reader_init(&r, resp + 4, (size_t)n - 4);
    assert_int_equal(wire_read_array_len(&r, 0), 1);
    wire_read_str(&r, 0);
    assert_int_equal(wire_read_array_len(&r, 0), 1);
    assert_int_equal(wire_read_i32(&r), 0);
    assert_int_equal(wire_read_i16(&r), KAFKA_NONE);
    assert_int_equal(wire_read_i64(&r), 0);
    free(resp);

    n = recv_frame(consumer, &resp);
    assert_true(n > 0);
    assert_true(now_ms() - t0 < 15000); /* woken by the append, not the 20 s timer */
    assert_int_equal(corr_of(resp), 7);
    wire_reader_init(&r, resp + 4, (size_t)n - 4);
    wire_read_i32(&r); /* throttle */
    assert_int_equal(wire_read_array_len(&r, 0), 1);
    assert_true(wire_str_eq(wire_read_str(&r, 0), "wake"));
    assert_int_equal(wire_read_array_len(&r, 0), 1);
    assert_int_equal(wire_read_i32(&r), 0);
    assert_int_equal(wire_read_i16(&r), KAFKA_NONE);
    assert_int_equal(wire_read_i64(&r), 1); /* high watermark */
    assert_int_equal(wire_read_i64(&r), 1); /* last stable offset */
    assert_int_equal(wire_read_array_len(&r, 0), 0);
    wire_bytes records = wire_read_bytes(&r, 0);
    assert_int_equal(r.err, 0);
    assert_int_equal(records.len, (int32_t)batch.len);
    /* Stored bytes come back as produced from the CRC on (offset and epoch are stamped). */
    assert_memory_equal(records.ptr + 17, batch.p + 17, batch.len - 17);
    batch_header h;
    assert_int_equal(batch_validate(records.ptr, (size_t)records.len, 0, 1, &h), BATCH_OK);
    assert_int_equal(h.base_offset, 0);
    free(resp);
    wire_writer_free(&batch);
    wire_writer_free(&w);
    close(consumer);
    close(producer);
}

static void test_acks0_silent(void **state) {
    (void)state;
    int fd = connect_broker();
    create_topic(fd, "quiet");
    wire_writer batch, w;
    wire_writer_init(&batch);
    wire_writer_init(&w);
    make_batch(&batch, "x");
    add_produce(&w, 20, "quiet", 0, &batch);
    add_produce(&w, 21, "no-such-topic", 0, &batch); /* fails: logged, still silent */
    add_api_versions(&w, 22, 0);
    send_all(fd, w.p, w.len);
    uint8_t *resp;
    assert_true(recv_frame(fd, &resp) > 0);
    assert_int_equal(corr_of(resp), 22);
    free(resp);
    /* The appended record is there: ListOffsets latest says 1. */
    w.len = 0;
    size_t st = w.len;
    req_begin(&w, KAFKA_API_LIST_OFFSETS, 1, 23);
    wire_write_i32(&w, -1);
    wire_write_array_len(&w, 0, 1);
    wire_write_cstr(&w, 0, "quiet");
    wire_write_array_len(&w, 0, 1);
    wire_write_i32(&w, 0);
    wire_write_i64(&w, -1); /* latest */
    req_end(&w, st);
    send_all(fd, w.p, w.len);
    ssize_t n = recv_frame(fd, &resp);
    assert_true(n > 0);
    assert_int_equal(corr_of(resp), 23);
    wire_reader r;
    wire_reader_init(&r, resp + 4, (size_t)n - 4);
    assert_int_equal(wire_read_array_len(&r, 0), 1);
    wire_read_str(&r, 0);
    assert_int_equal(wire_read_array_len(&r, 0), 1);
    assert_int_equal(wire_read_i32(&r), 0);
    assert_int_equal(wire_read_i16(&r), KAFKA_NONE);
    wire_read_i64(&r); /* timestamp */
    assert_int_equal(wire_read_i64(&r), 1);
    assert_int_equal(r.err, 0);
    free(resp);
    wire_writer_free(&batch);
    wire_writer_free(&w);
    close(fd);
}

static void expect_closed(int fd) {
    uint8_t *resp = NULL;
    assert_int_equal(recv_frame(fd, &resp), -1);
    close(fd);
}

static void test_bad_frames_close_only_their_connection(void **state) {
    (void)state;
    int fd = connect_broker();
    uint8_t huge[4] = {0x7f, 0xff, 0xff, 0xff};
    send_all(fd, huge, 4);
    expect_closed(fd);
    fd = connect_broker();
    uint8_t neg[4] = {0xff, 0xff, 0xff, 0xfe};
    send_all(fd, neg, 4);
    expect_closed(fd);
    fd = connect_broker();
    wire_writer w;
    wire_writer_init(&w);
    size_t s = w.len;
    req_begin(&w, KAFKA_API_JOIN_GROUP, 0, 30); /* not implemented */
    req_end(&w, s);
    send_all(fd, w.p, w.len);
    expect_closed(fd);
    fd = connect_broker();
    w.len = 0;
    s = w.len;
    req_begin(&w, KAFKA_API_FETCH, 4, 31);
    wire_write_i32(&w, -1); /* truncated Fetch body */
    req_end(&w, s);
    send_all(fd, w.p, w.len);
    expect_closed(fd);

    /* The broker is still there; ApiVersions v9 gets the v0 fallback. */
    fd = connect_broker();
    w.len = 0;
    add_api_versions(&w, 32, 9);
    send_all(fd, w.p, w.len);
    uint8_t *resp;
    ssize_t n = recv_frame(fd, &resp);
    assert_true(n >= 6);
    assert_int_equal(corr_of(resp), 32);
    assert_int_equal((int16_t)wire_be16(resp + 4), KAFKA_UNSUPPORTED_VERSION);
    free(resp);
    wire_writer_free(&w);
    close(fd);
}

/* Send one request (body encoded by `enc`) and return the response body
 * reader over *resp (caller frees). */
static wire_reader roundtrip(int fd, int16_t key, int16_t version, int32_t corr,
                             void (*enc)(wire_writer *, int16_t, const void *), const void *in,
                             uint8_t **resp) {
    wire_writer w;
    wire_writer_init(&w);
    size_t s = w.len;
    req_begin(&w, key, version, corr);
    enc(&w, version, in);
    req_end(&w, s);
    send_all(fd, w.p, w.len);
    wire_writer_free(&w);
    ssize_t n = recv_frame(fd, resp);
    assert_true(n >= 4);
    assert_int_equal(corr_of(*resp), corr);
    wire_reader r;
    wire_reader_init(&r, *resp + 4, (size_t)n - 4);
    return r;
}

static void enc_create(wire_writer *w, int16_t v, const void *in) {
    proto_create_topics_req_encode(w, v, in);
}
static void enc_describe(wire_writer *w, int16_t v, const void *in) {
    proto_describe_configs_req_encode(w, v, in);
}
static void enc_partitions(wire_writer *w, int16_t v, const void *in) {
    proto_create_partitions_req_encode(w, v, in);
}
static void enc_delete(wire_writer *w, int16_t v, const void *in) {
    proto_delete_topics_req_encode(w, v, in);
}

static void test_admin_errors(void **state) {
    (void)state;
    int fd = connect_broker();
    proto_config_kv retention = {wire_str_from("retention.ms"), wire_str_from("60000")};
    proto_config_kv compact = {wire_str_from("cleanup.policy"), wire_str_from("compact")};
    proto_config_kv unknown = {wire_str_from("no.such.key"), wire_str_from("1")};
    proto_create_topics_req_topic topics[] = {
        {wire_str_from("adm"), 2, 1, 0, NULL, 1, &retention},
        {wire_str_from("rf3"), 1, 3, 0, NULL, 0, NULL},
        {wire_str_from("cmp"), 1, -1, 0, NULL, 1, &compact},
        {wire_str_from("unk"), 1, -1, 0, NULL, 1, &unknown},
        {wire_str_from("bad/name"), 1, 1, 0, NULL, 0, NULL},
        {wire_str_from("adm"), 1, 1, 0, NULL, 0, NULL},
    };
    proto_create_topics_req creq = {6, topics, 1000, 0};
    int16_t expect[] = {
        KAFKA_NONE,           KAFKA_INVALID_REPLICATION_FACTOR, KAFKA_INVALID_CONFIG,
        KAFKA_INVALID_CONFIG, KAFKA_INVALID_TOPIC_EXCEPTION,    KAFKA_TOPIC_ALREADY_EXISTS};
    uint8_t *resp;
    wire_arena a;
    wire_arena_init(&a);
    wire_reader r = roundtrip(fd, KAFKA_API_CREATE_TOPICS, 4, 40, enc_create, &creq, &resp);
    proto_create_topics_resp cres;
    assert_int_equal(proto_create_topics_resp_decode(&r, 4, &a, &cres), 0);
    assert_int_equal(cres.topic_count, 6);
    for (int i = 0; i < 6; i++)
        assert_int_equal(cres.topics[i].error_code, expect[i]);
    assert_non_null(memmem(cres.topics[2].error_message.ptr,
                           (size_t)cres.topics[2].error_message.len, "not supported yet", 17));
    free(resp);

    /* validate_only creates nothing. */
    proto_create_topics_req_topic dry = {wire_str_from("dry"), 1, 1, 0, NULL, 0, NULL};
    proto_create_topics_req dreq = {1, &dry, 1000, 1};
    r = roundtrip(fd, KAFKA_API_CREATE_TOPICS, 4, 41, enc_create, &dreq, &resp);
    assert_int_equal(proto_create_topics_resp_decode(&r, 4, &a, &cres), 0);
    assert_int_equal(cres.topics[0].error_code, KAFKA_NONE);
    free(resp);

    /* DescribeConfigs: the override and its source, a default, an unknown topic. */
    wire_str keys[] = {wire_str_from("retention.ms"), wire_str_from("segment.bytes")};
    proto_describe_configs_req_resource res[] = {
        {PROTO_RESOURCE_TOPIC, wire_str_from("adm"), 2, keys},
        {PROTO_RESOURCE_TOPIC, wire_str_from("dry"), -1, NULL},
        {PROTO_RESOURCE_BROKER, wire_str_from("0"), -1, NULL},
    };
    proto_describe_configs_req dcreq = {3, res, 0};
    r = roundtrip(fd, KAFKA_API_DESCRIBE_CONFIGS, 1, 42, enc_describe, &dcreq, &resp);
    proto_describe_configs_resp dres;
    assert_int_equal(proto_describe_configs_resp_decode(&r, 1, &a, &dres), 0);
    assert_int_equal(dres.result_count, 3);
    assert_int_equal(dres.results[0].error_code, KAFKA_NONE);
    assert_int_equal(dres.results[0].config_count, 2);
    assert_true(wire_str_eq(dres.results[0].configs[0].name, "retention.ms"));
    assert_true(wire_str_eq(dres.results[0].configs[0].value, "60000"));
    assert_int_equal(dres.results[0].configs[0].config_source, 1); /* DYNAMIC_TOPIC_CONFIG */
    assert_int_equal(dres.results[0].configs[1].config_source, 5); /* DEFAULT_CONFIG */
    assert_int_equal(dres.results[1].error_code, KAFKA_UNKNOWN_TOPIC_OR_PARTITION);
    assert_int_equal(dres.results[2].error_code, KAFKA_NONE);
    int found = 0;
    for (int32_t i = 0; i < dres.results[2].config_count; i++)
        found |= wire_str_eq(dres.results[2].configs[i].name, "num.partitions");
    assert_true(found);
    free(resp);

    /* CreatePartitions: only increases. */
    proto_create_partitions_req_topic grow[] = {
        {wire_str_from("adm"), 1, -1, NULL},
        {wire_str_from("adm"), 4, -1, NULL},
    };
    proto_create_partitions_req preq = {2, grow, 1000, 0};
    r = roundtrip(fd, KAFKA_API_CREATE_PARTITIONS, 1, 43, enc_partitions, &preq, &resp);
    proto_create_partitions_resp pres;
    assert_int_equal(proto_create_partitions_resp_decode(&r, 1, &a, &pres), 0);
    assert_int_equal(pres.results[0].error_code, KAFKA_INVALID_PARTITIONS);
    assert_int_equal(pres.results[1].error_code, KAFKA_NONE);
    free(resp);

    /* DeleteTopics: the topic, then again (unknown). */
    wire_str del[] = {wire_str_from("adm"), wire_str_from("adm")};
    proto_delete_topics_req dtreq = {2, del, 1000};
    r = roundtrip(fd, KAFKA_API_DELETE_TOPICS, 1, 44, enc_delete, &dtreq, &resp);
    proto_delete_topics_resp dtres;
    assert_int_equal(proto_delete_topics_resp_decode(&r, 1, &a, &dtres), 0);
    assert_int_equal(dtres.topics[0].error_code, KAFKA_NONE);
    assert_int_equal(dtres.topics[1].error_code, KAFKA_UNKNOWN_TOPIC_OR_PARTITION);
    free(resp);
    wire_arena_free(&a);
    close(fd);
}

/* Produce one partition's records and return (error, base offset). */
static void produce_expect(int fd, int32_t corr, const char *topic, int16_t acks,
                           const wire_writer *records, int16_t error, int64_t base) {
    wire_writer w;
    wire_writer_init(&w);
    add_produce(&w, corr, topic, acks, records);
    send_all(fd, w.p, w.len);
    wire_writer_free(&w);
    uint8_t *resp;
    ssize_t n = recv_frame(fd, &resp);
    assert_true(n > 0);
    assert_int_equal(corr_of(resp), corr);
    wire_reader r;
    wire_reader_init(&r, resp + 4, (size_t)n - 4);
    wire_read_array_len(&r, 0);
    wire_read_str(&r, 0);
    wire_read_array_len(&r, 0);
    wire_read_i32(&r);
    assert_int_equal(wire_read_i16(&r), error);
    assert_int_equal(wire_read_i64(&r), base);
    assert_int_equal(r.err, 0);
    free(resp);
}

static void test_produce_validation(void **state) {
    (void)state;
    int fd = connect_broker();
    create_topic(fd, "multi");
    /* Two batches in one partition's records: both appended, in order. */
    wire_writer two;
    wire_writer_init(&two);
    make_batch(&two, "first");
    make_batch(&two, "second");
    produce_expect(fd, 50, "multi", 1, &two, KAFKA_NONE, 0);
    produce_expect(fd, 51, "multi", -1, &two, KAFKA_NONE, 2);
    produce_expect(fd, 52, "multi", 2, &two, KAFKA_INVALID_REQUIRED_ACKS, -1);
    produce_expect(fd, 53, "nowhere", 1, &two, KAFKA_UNKNOWN_TOPIC_OR_PARTITION, -1);
    /* A flipped byte inside the CRC-covered part: nothing is appended. */
    two.p[two.len - 1] ^= 0xff;
    produce_expect(fd, 54, "multi", 1, &two, KAFKA_CORRUPT_MESSAGE, -1);
    two.p[two.len - 1] ^= 0xff;
    produce_expect(fd, 55, "multi", 1, &two, KAFKA_NONE, 4);
    wire_writer_free(&two);
    close(fd);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order_behind_long_poll),
        cmocka_unit_test(test_append_wakes_fetch),
        cmocka_unit_test(test_acks0_silent),
        cmocka_unit_test(test_bad_frames_close_only_their_connection),
        cmocka_unit_test(test_admin_errors),
        cmocka_unit_test(test_produce_validation),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
