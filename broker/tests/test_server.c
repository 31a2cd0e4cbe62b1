/*
 * test_server.c - the broker in-process over real sockets: responses leave
 * in request order even behind a long-polling Fetch, an append wakes a
 * waiting Fetch (event, not timer), acks=0 gets no response, bad frames and
 * unsupported APIs close only their connection, ApiVersions beyond v3
 * gets the v0 UNSUPPORTED_VERSION answer and otherwise advertises exactly
 * the codec table, every Produce version (0-7) answers in its own layout
 * (v0-2 refused with UNSUPPORTED_FOR_MESSAGE_FORMAT), and a Fetch reads
 * across segment rolls in one response, and OffsetForLeaderEpoch (v0-4)
 * answers from the leader-epoch cache with its fencing errors.
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
#include <dirent.h>
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

/* Start a request frame in w: size placeholder + the header version the
 * key and version call for (v2 for flexible versions such as ApiVersions
 * v3, else v1). */
static void req_begin(wire_writer *w, int16_t key, int16_t version, int32_t corr) {
    wire_write_i32(w, 0);
    proto_req_header h = {key, version, corr, wire_str_from("test")};
    proto_req_header_encode(w, &h);
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
    proto_config_kv compact = {wire_str_from("cleanup.policy"), wire_str_from("shred")};
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
                           (size_t)cres.topics[2].error_message.len, "cleanup.policy=shred", 20));
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

static void enc_produce(wire_writer *w, int16_t v, const void *in) {
    proto_produce_req_encode(w, v, in);
}
static void enc_fetch(wire_writer *w, int16_t v, const void *in) {
    proto_fetch_req_encode(w, v, in);
}
static void enc_api_versions(wire_writer *w, int16_t v, const void *in) {
    proto_api_versions_req_encode(w, v, in);
}

/* A legacy message set (magic 1) with one message; its CRC is not filled
 * in: the broker must refuse it by its magic before looking further. */
static void make_legacy_message_set(wire_writer *out) {
    wire_write_i64(out, 0);             /* offset */
    wire_write_i32(out, 23);            /* message size */
    wire_write_u32(out, 0);             /* crc */
    wire_write_i8(out, 1);              /* magic: byte 16 of the set */
    wire_write_i8(out, 0);              /* attributes */
    wire_write_i64(out, 1700000000000); /* timestamp */
    wire_write_i32(out, -1);            /* key: null */
    wire_write_i32(out, 1);             /* value */
    wire_write_i8(out, 'x');
}

/* Produce one partition's records with `version`; decode the answer with the
 * codec of that version and check error and base offset. */
static void produce_version(int fd, int16_t version, int32_t corr, const char *topic,
                            int32_t partition, const wire_writer *records, int16_t error,
                            int64_t base) {
    proto_produce_req_partition p = {partition, {records->p, (int32_t)records->len}};
    proto_produce_req_topic t = {wire_str_from(topic), 1, &p};
    proto_produce_req in = {WIRE_STR_NULL, 1, 5000, 1, &t};
    uint8_t *resp;
    wire_reader r = roundtrip(fd, KAFKA_API_PRODUCE, version, corr, enc_produce, &in, &resp);
    wire_arena a;
    wire_arena_init(&a);
    proto_produce_resp out;
    assert_int_equal(proto_produce_resp_decode(&r, version, &a, &out), 0);
    assert_int_equal(wire_remaining(&r), 0);
    assert_int_equal(out.topic_count, 1);
    assert_true(wire_str_eq(out.topics[0].name, topic));
    assert_int_equal(out.topics[0].partition_count, 1);
    const proto_produce_resp_partition *pr = &out.topics[0].partitions[0];
    assert_int_equal(pr->index, partition);
    assert_int_equal(pr->error_code, error);
    assert_int_equal(pr->base_offset, base);
    assert_int_equal(pr->log_append_time_ms, -1); /* CreateTime topic (and absent before v2) */
    /* v5+ carry the log start offset on success; absent (-1) before. */
    assert_int_equal(pr->log_start_offset, version >= 5 && error == KAFKA_NONE ? 0 : -1);
    assert_int_equal(out.throttle_time_ms, 0);
    wire_arena_free(&a);
    free(resp);
}

/* Every Produce version the table advertises is answered in its own layout:
 * v0-2 (legacy message sets) get UNSUPPORTED_FOR_MESSAGE_FORMAT per
 * partition, also when they carry a RecordBatch v2; v3-7 store magic 2 and
 * refuse magic 0/1. Refused data is never appended: offsets stay dense. */
static void test_produce_all_versions(void **state) {
    (void)state;
    int fd = connect_broker();
    create_topic(fd, "versions");
    wire_writer legacy, batch;
    wire_writer_init(&legacy);
    wire_writer_init(&batch);
    make_legacy_message_set(&legacy);
    assert_int_equal(legacy.p[16], 1);
    make_batch(&batch, "v2");
    int64_t next = 0;
    for (int16_t v = 0; v <= 7; v++) {
        int32_t corr = 60 + 2 * v;
        produce_version(fd, v, corr, "versions", 0, &legacy, KAFKA_UNSUPPORTED_FOR_MESSAGE_FORMAT,
                        -1);
        if (v < 3) {
            produce_version(fd, v, corr + 1, "versions", 0, &batch,
                            KAFKA_UNSUPPORTED_FOR_MESSAGE_FORMAT, -1);
        } else {
            produce_version(fd, v, corr + 1, "versions", 0, &batch, KAFKA_NONE, next);
            next++;
        }
    }
    assert_int_equal(next, 5);
    /* An unknown topic is still reported as such in v0. */
    produce_version(fd, 0, 80, "nowhere", 0, &legacy, KAFKA_UNKNOWN_TOPIC_OR_PARTITION, -1);
    wire_writer_free(&legacy);
    wire_writer_free(&batch);
    close(fd);
}

/* ApiVersions advertises the codec table's ranges, unchanged, for the APIs
 * the broker has handlers for (dispatch.c), in every version. */
static void test_api_versions_is_codec_table(void **state) {
    (void)state;
    int fd = connect_broker();
    proto_api_versions_req in = {wire_str_from("strand-test"), wire_str_from("1.0")};
    for (int16_t v = 0; v <= 3; v++) {
        uint8_t *resp;
        wire_reader r =
            roundtrip(fd, KAFKA_API_API_VERSIONS, v, 90 + v, enc_api_versions, &in, &resp);
        wire_arena a;
        wire_arena_init(&a);
        proto_api_versions_resp out;
        assert_int_equal(proto_api_versions_resp_decode(&r, v, &a, &out), 0);
        assert_int_equal(out.error_code, KAFKA_NONE);
        assert_true(out.api_count >= 10 && out.api_count <= (int32_t)proto_api_range_count);
        for (int32_t i = 0; i < out.api_count; i++) {
            const proto_api_range *t = proto_api_range_find(out.apis[i].api_key);
            assert_non_null(t);
            assert_int_equal(out.apis[i].min_version, t->min_version);
            assert_int_equal(out.apis[i].max_version, t->max_version);
            if (i > 0)
                assert_true(out.apis[i].api_key > out.apis[i - 1].api_key);
        }
        const proto_api_range *produce = proto_api_range_find(KAFKA_API_PRODUCE);
        assert_non_null(produce);
        assert_int_equal(produce->min_version, 0); /* librdkafka's compression check */
        assert_int_equal(produce->max_version, 7);
        wire_arena_free(&a);
        free(resp);
    }
    close(fd);
}

/* Number of .log files in the partition directory. */
static int segment_files(const char *topic, int32_t partition) {
    char path[sizeof b.cfg.data_dir + 256];
    snprintf(path, sizeof path, "%s/%.200s-%d", b.cfg.data_dir, topic, (int)partition);
    DIR *d = opendir(path);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        n += len > 4 && strcmp(e->d_name + len - 4, ".log") == 0;
    }
    closedir(d);
    return n;
}

typedef struct fetch_part_want {
    int32_t partition;
    int64_t offset;
    int32_t max_bytes;
} fetch_part_want;

/* Fetch v11 of `n` partitions of one topic; decoded response in *out (arena
 * a, response buffer in *resp). */
static void fetch_v11(int fd, int32_t corr, const char *topic, const fetch_part_want *want, int n,
                      int32_t max_wait, int32_t min_bytes, int32_t max_bytes, wire_arena *a,
                      proto_fetch_resp *out, uint8_t **resp) {
    proto_fetch_req_partition parts[4];
    assert_true(n <= 4);
    for (int i = 0; i < n; i++)
        parts[i] = (proto_fetch_req_partition){want[i].partition, -1, want[i].offset, -1,
                                               want[i].max_bytes};
    proto_fetch_req_topic t = {wire_str_from(topic), n, parts};
    proto_fetch_req in = {.replica_id = -1,
                          .max_wait_ms = max_wait,
                          .min_bytes = min_bytes,
                          .max_bytes = max_bytes,
                          .session_epoch = -1,
                          .topic_count = 1,
                          .topics = &t,
                          .rack_id = wire_str_from("")};
    wire_reader r = roundtrip(fd, KAFKA_API_FETCH, 11, corr, enc_fetch, &in, resp);
    assert_int_equal(proto_fetch_resp_decode(&r, 11, a, out), 0);
    assert_int_equal(out->error_code, KAFKA_NONE);
    assert_int_equal(out->topic_count, 1);
    assert_int_equal(out->topics[0].partition_count, n);
}

/* Base offsets of the whole batches in `records` (all must be whole and
 * valid); returns how many. */
static int records_batches(wire_bytes records, int64_t *bases, int max) {
    batch_iter it;
    batch_iter_init(&it, records.ptr, (size_t)(records.len < 0 ? 0 : records.len));
    batch_header h;
    const uint8_t *p;
    size_t size;
    int n = 0;
    while (batch_iter_next(&it, &h, &p, &size) == 1) {
        assert_int_equal(batch_validate(p, size, 0, 1, &h), BATCH_OK);
        if (n < max)
            bases[n] = h.base_offset;
        n++;
    }
    assert_int_equal(it.pos, (size_t)(records.len < 0 ? 0 : records.len));
    return n;
}

/* A fetch whose data spans segment rolls gets every segment's batches in
 * one response, at once (min_bytes is reached from the data already there,
 * not after the 20 s timer); partition and response max bytes cut on whole
 * batches; only the response's very first batch may exceed them (KIP-74). */
static void test_fetch_across_segments(void **state) {
    (void)state;
    int fd = connect_broker();
    wire_writer batch[4];
    for (int i = 0; i < 4; i++)
        wire_writer_init(&batch[i]);
    make_batch(&batch[0], "first segment, first batch");
    make_batch(&batch[1], "second segment");
    make_batch(&batch[2], "third segment, a little longer");
    make_batch(&batch[3], "partition one");
    int64_t la = (int64_t)batch[0].len, lb = (int64_t)batch[1].len, lc = (int64_t)batch[2].len;
    /* Any two batches exceed a segment: each append rolls. */
    char seg[32];
    snprintf(seg, sizeof seg, "%d", (int)(la < lb ? la : lb));
    proto_config_kv cfg = {wire_str_from("segment.bytes"), wire_str_from(seg)};
    proto_create_topics_req_topic topic = {wire_str_from("rolled"), 2, 1, 0, NULL, 1, &cfg};
    proto_create_topics_req creq = {1, &topic, 1000, 0};
    uint8_t *resp;
    wire_arena a;
    wire_arena_init(&a);
    wire_reader r = roundtrip(fd, KAFKA_API_CREATE_TOPICS, 4, 100, enc_create, &creq, &resp);
    proto_create_topics_resp cres;
    assert_int_equal(proto_create_topics_resp_decode(&r, 4, &a, &cres), 0);
    assert_int_equal(cres.topics[0].error_code, KAFKA_NONE);
    free(resp);
    for (int i = 0; i < 3; i++)
        produce_version(fd, 7, 101 + i, "rolled", 0, &batch[i], KAFKA_NONE, i);
    produce_version(fd, 7, 104, "rolled", 1, &batch[3], KAFKA_NONE, 0);
    assert_int_equal(segment_files("rolled", 0), 3);

    /* Everything in one response, without waiting for the timer. */
    proto_fetch_resp out;
    int64_t bases[8];
    fetch_part_want all = {0, 0, 1 << 20};
    int64_t t0 = now_ms();
    fetch_v11(fd, 110, "rolled", &all, 1, 20000, (int32_t)(la + lb + lc), 1 << 20, &a, &out, &resp);
    assert_true(now_ms() - t0 < 10000);
    const proto_fetch_resp_partition *p = &out.topics[0].partitions[0];
    assert_int_equal(p->error_code, KAFKA_NONE);
    assert_int_equal(p->high_watermark, 3);
    assert_int_equal(p->records.len, la + lb + lc);
    assert_int_equal(records_batches(p->records, bases, 8), 3);
    assert_int_equal(bases[0], 0);
    assert_int_equal(bases[1], 1);
    assert_int_equal(bases[2], 2);
    /* Bytes come back as produced from the CRC on. */
    assert_memory_equal(p->records.ptr + la + lb + 17, batch[2].p + 17, (size_t)lc - 17);
    free(resp);

    /* From the middle segment on. */
    fetch_part_want mid = {0, 1, 1 << 20};
    fetch_v11(fd, 111, "rolled", &mid, 1, 0, 1, 1 << 20, &a, &out, &resp);
    p = &out.topics[0].partitions[0];
    assert_int_equal(p->records.len, lb + lc);
    assert_int_equal(records_batches(p->records, bases, 8), 2);
    assert_int_equal(bases[0], 1);
    free(resp);

    /* Partition max bytes one short of all three: the first two. */
    fetch_part_want cut = {0, 0, (int32_t)(la + lb + lc - 1)};
    fetch_v11(fd, 112, "rolled", &cut, 1, 0, 1, 1 << 20, &a, &out, &resp);
    p = &out.topics[0].partitions[0];
    assert_int_equal(p->records.len, la + lb);
    assert_int_equal(records_batches(p->records, bases, 8), 2);
    free(resp);

    /* Response max bytes cuts the same way. */
    fetch_v11(fd, 113, "rolled", &all, 1, 0, 1, (int32_t)(la + lb), &a, &out, &resp);
    p = &out.topics[0].partitions[0];
    assert_int_equal(p->records.len, la + lb);
    free(resp);

    /* KIP-74: the first batch of the response comes whole even past the
     * limit; the next partition, whose batch does not fit, gets nothing
     * (no error), and nothing follows the first batch. */
    fetch_part_want two[] = {{1, 0, 1}, {0, 0, 1}};
    fetch_v11(fd, 114, "rolled", two, 2, 0, 1, 1 << 20, &a, &out, &resp);
    p = out.topics[0].partitions;
    assert_int_equal(p[0].partition_index, 1);
    assert_int_equal(p[0].error_code, KAFKA_NONE);
    assert_int_equal(p[0].records.len, (int32_t)batch[3].len);
    assert_int_equal(p[1].partition_index, 0);
    assert_int_equal(p[1].error_code, KAFKA_NONE);
    assert_int_equal(p[1].high_watermark, 3);
    assert_int_equal(p[1].records.len, 0);
    free(resp);
    /* Alone in the response, the same partition gets its first batch whole. */
    fetch_part_want one = {0, 0, 1};
    fetch_v11(fd, 115, "rolled", &one, 1, 0, 1, 1 << 20, &a, &out, &resp);
    p = &out.topics[0].partitions[0];
    assert_int_equal(p->records.len, la);
    free(resp);

    wire_arena_free(&a);
    for (int i = 0; i < 4; i++)
        wire_writer_free(&batch[i]);
    close(fd);
}

static void enc_epoch(wire_writer *w, int16_t v, const void *in) {
    proto_offset_for_leader_epoch_req_encode(w, v, in);
}

/* One OffsetForLeaderEpoch request for topic/partition; checks the answer. */
static void epoch_expect(int fd, int16_t v, const char *topic, int32_t partition, int32_t current,
                         int32_t requested, int16_t error, int32_t epoch, int64_t end) {
    proto_offset_for_leader_epoch_req_partition p = {partition, current, requested};
    proto_offset_for_leader_epoch_req_topic t = {wire_str_from(topic), 1, &p};
    proto_offset_for_leader_epoch_req in = {-1, 1, &t};
    uint8_t *resp;
    wire_reader r =
        roundtrip(fd, KAFKA_API_OFFSET_FOR_LEADER_EPOCH, v, 300 + v, enc_epoch, &in, &resp);
    if (proto_resp_header_version(KAFKA_API_OFFSET_FOR_LEADER_EPOCH, v) >= 1)
        wire_skip_tags(&r, 1); /* v4: flexible response header */
    wire_arena a;
    wire_arena_init(&a);
    proto_offset_for_leader_epoch_resp out;
    assert_int_equal(proto_offset_for_leader_epoch_resp_decode(&r, v, &a, &out), 0);
    assert_int_equal(out.topic_count, 1);
    assert_int_equal(out.topics[0].partition_count, 1);
    const proto_offset_for_leader_epoch_resp_partition *rp = &out.topics[0].partitions[0];
    assert_int_equal(rp->partition, partition);
    assert_int_equal(rp->error_code, error);
    assert_int_equal(rp->leader_epoch, v >= 1 ? epoch : -1);
    assert_int_equal(rp->end_offset, end);
    wire_arena_free(&a);
    free(resp);
}

/* Standalone: the leader epoch is 0 (Metadata, and stamped into batches). */
static void test_offset_for_leader_epoch(void **state) {
    (void)state;
    int fd = connect_broker();
    create_topic(fd, "epochs");
    for (int16_t v = 0; v <= 4; v++) /* empty log: epoch 0 starts at 0 */
        epoch_expect(fd, v, "epochs", 0, -1, 0, KAFKA_NONE, 0, 0);
    wire_writer two;
    wire_writer_init(&two);
    make_batch(&two, "first");
    make_batch(&two, "second");
    produce_expect(fd, 310, "epochs", 1, &two, KAFKA_NONE, 0);
    produce_expect(fd, 311, "epochs", 1, &two, KAFKA_NONE, 2);
    wire_writer_free(&two);
    for (int16_t v = 0; v <= 4; v++) {
        epoch_expect(fd, v, "epochs", 0, -1, 0, KAFKA_NONE, 0, 4);
        epoch_expect(fd, v, "epochs", 0, -1, 1, KAFKA_NONE, -1, -1); /* above every epoch */
        epoch_expect(fd, v, "epochs", 0, -1, -1, KAFKA_NONE, -1, -1);
        epoch_expect(fd, v, "epochs", 1, -1, 0, KAFKA_UNKNOWN_TOPIC_OR_PARTITION, -1, -1);
        epoch_expect(fd, v, "nowhere", 0, -1, 0, KAFKA_UNKNOWN_TOPIC_OR_PARTITION, -1, -1);
    }
    for (int16_t v = 2; v <= 4; v++) { /* current_leader_epoch fencing */
        epoch_expect(fd, v, "epochs", 0, 0, 0, KAFKA_NONE, 0, 4);
        epoch_expect(fd, v, "epochs", 0, 1, 0, KAFKA_UNKNOWN_LEADER_EPOCH, -1, -1);
    }
    /* The cache's file: epoch 0 from offset 0. */
    char path[sizeof b.cfg.data_dir + 64];
    snprintf(path, sizeof path, "%s/epochs-0/leader-epoch-checkpoint", b.cfg.data_dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char text[64] = {0};
    assert_true(fread(text, 1, sizeof text - 1, f) > 0);
    fclose(f);
    assert_string_equal(text, "0\n1\n0 0\n");
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
        cmocka_unit_test(test_produce_all_versions),
        cmocka_unit_test(test_api_versions_is_codec_table),
        cmocka_unit_test(test_fetch_across_segments),
        cmocka_unit_test(test_offset_for_leader_epoch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
