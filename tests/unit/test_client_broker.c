/*
 * test_client_broker.c - the client core against a real strand-broker:
 * connect and ApiVersions, a metadata refresh, pipelined requests answered
 * in order, version negotiation failures, request timeouts (the broker is
 * frozen with SIGSTOP), reconnect after the broker restarts on the same
 * port, shutdown failing pending requests, and posting from many threads.
 *
 * The broker is started by the test (fork/exec with --listen 127.0.0.1:0
 * and --port-file); readiness is its "listening on" line read from a pipe,
 * and every wait in the test is on a condition variable with a deadline.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/internal.h"
#include "wire/protocol.h"

/* ------------------------------------------------------------------------ */
/* The broker process */

typedef struct broker_proc {
    pid_t pid;
    int port;
    int out_fd;
    pthread_t drain;
    char dir[128];
    char portfile[192];
} broker_proc;

static broker_proc broker;

static void *drain_main(void *arg) {
    int fd = *(int *)arg;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        if (getenv("TEST_VERBOSE"))
            fwrite(buf, 1, (size_t)n, stderr);
    }
    return NULL;
}

/* Start the broker listening on `port` (0: any); returns 0 when it listens. */
static int broker_start(broker_proc *b, int port) {
    int fds[2];
    if (pipe(fds))
        return -1;
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    unlink(b->portfile);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        execl(STRAND_BROKER_PATH, "strand-broker", "--listen", listen, "--data-dir", b->dir,
              "--port-file", b->portfile, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    b->pid = pid;
    b->out_fd = fds[0];
    /* read lines until "listening on", 15 s at most */
    char line[8192];
    size_t len = 0;
    int found = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!found) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left =
            15000 - ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0)
            break;
        struct pollfd p = {b->out_fd, POLLIN, 0};
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        ssize_t n = read(b->out_fd, line + len, sizeof line - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        line[len] = 0;
        if (strstr(line, "listening on"))
            found = 1;
        else if (len > sizeof line / 2)
            len = 0;
    }
    if (!found) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(b->out_fd);
        return -1;
    }
    pthread_create(&b->drain, NULL, drain_main, &b->out_fd);
    FILE *f = fopen(b->portfile, "r");
    if (!f || fscanf(f, "%d", &b->port) != 1) {
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

static void broker_stop(broker_proc *b) {
    if (b->pid <= 0)
        return;
    kill(b->pid, SIGCONT);
    kill(b->pid, SIGTERM);
    waitpid(b->pid, NULL, 0);
    b->pid = 0;
    pthread_join(b->drain, NULL);
    close(b->out_fd);
}

static int group_setup(void **state) {
    (void)state;
    snprintf(broker.dir, sizeof broker.dir, "/tmp/strand-client-test.XXXXXX");
    if (!mkdtemp(broker.dir))
        return -1;
    snprintf(broker.portfile, sizeof broker.portfile, "%s/port", broker.dir);
    return broker_start(&broker, 0);
}

static int group_teardown(void **state) {
    (void)state;
    broker_stop(&broker);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", broker.dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* Waiting for callbacks from the I/O thread */

#define MAX_EVENTS 256

typedef struct recorder {
    pthread_mutex_t m;
    pthread_cond_t cv;
    int n;
    strand_err err[MAX_EVENTS];
    int16_t version[MAX_EVENTS];
    int32_t node[MAX_EVENTS];
    intptr_t tag[MAX_EVENTS];
    int64_t at_ms[MAX_EVENTS];
} recorder;

static void rec_init(recorder *r) {
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->m, NULL);
    pthread_cond_init(&r->cv, NULL);
}

static void rec_add(recorder *r, strand_err err, int16_t version, int32_t node, intptr_t tag) {
    pthread_mutex_lock(&r->m);
    if (r->n < MAX_EVENTS) {
        r->err[r->n] = err;
        r->version[r->n] = version;
        r->node[r->n] = node;
        r->tag[r->n] = tag;
        r->at_ms[r->n] = client_now_ms();
        r->n++;
    }
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->m);
}

/* Wait until `count` events arrived or timeout_ms passed; returns the count. */
static int rec_wait(recorder *r, int count, int timeout_ms) {
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->m);
    while (r->n < count)
        if (pthread_cond_timedwait(&r->cv, &r->m, &dl) == ETIMEDOUT)
            break;
    int n = r->n;
    pthread_mutex_unlock(&r->m);
    return n;
}

/* ------------------------------------------------------------------------ */
/* Loop-side helpers (run through client_call) */

typedef struct send_job {
    recorder *rec;
    int32_t node;
    int16_t api_key, min_v, max_v;
    int count;
    int32_t timeout_ms;
    strand_err send_err;
} send_job;

static void encode_metadata_none(wire_writer *w, int16_t version, void *arg) {
    (void)arg;
    proto_metadata_req req;
    memset(&req, 0, sizeof req);
    req.topic_count = 0;
    req.allow_auto_topic_creation = 1;
    proto_metadata_req_encode(w, version, &req);
}

typedef struct tagged {
    recorder *rec;
    intptr_t tag;
} tagged;

static void on_response(client *c, client_response *res, void *arg) {
    (void)c;
    tagged *t = arg;
    if (res->err == STRAND_OK && res->api_key == KAFKA_API_METADATA) {
        /* the body must decode at the picked version */
        wire_reader r;
        wire_arena a;
        proto_metadata_resp m;
        wire_arena_init(&a);
        wire_reader_init(&r, res->body, res->len);
        int rc = proto_metadata_resp_decode(&r, res->version, &a, &m);
        wire_arena_free(&a);
        if (rc != 0)
            res->err = STRAND_ERR_BAD_MSG;
    }
    rec_add(t->rec, res->err, res->version, res->node_id, t->tag);
    free(t);
}

static void send_on_loop(client *c, void *arg) {
    send_job *j = arg;
    for (int i = 0; i < j->count; i++) {
        tagged *t = malloc(sizeof *t);
        t->rec = j->rec;
        t->tag = i;
        client_request req = {
            .node_id = j->node,
            .api_key = j->api_key,
            .min_version = j->min_v,
            .max_version = j->max_v,
            .timeout_ms = j->timeout_ms,
            .encode = encode_metadata_none,
            .cb = on_response,
            .cb_arg = t,
        };
        j->send_err = client_send(c, &req);
        if (j->send_err != STRAND_OK) {
            free(t);
            return;
        }
    }
}

static send_job metadata_job(recorder *rec, int32_t node, int count) {
    send_job j = {rec, node, KAFKA_API_METADATA, 1, 8, count, 0, STRAND_OK};
    return j;
}

static void on_metadata(client *c, strand_err err, void *arg) {
    (void)c;
    rec_add(arg, err, 0, 0, 0);
}

typedef struct md_job {
    recorder *rec;
    const char *topic;
    strand_err err;
} md_job;

static void md_wait_on_loop(client *c, void *arg) {
    md_job *j = arg;
    j->err = client_metadata_want(c, j->topic);
    if (j->err == STRAND_OK)
        j->err = client_metadata_wait(c, on_metadata, j->rec);
}

typedef struct md_view {
    const char *topic;
    int found;
    int16_t err;
    int32_t partitions;
    int32_t leader0;
    uint64_t generation;
    int leader_up;
    int16_t md_version;
} md_view;

static void md_view_on_loop(client *c, void *arg) {
    md_view *v = arg;
    const client_topic_md *t = client_metadata_topic(c, v->topic);
    v->found = t != NULL;
    v->generation = client_metadata_generation(c);
    if (!t)
        return;
    v->err = t->err;
    v->partitions = t->partition_count;
    v->leader0 = t->partition_count > 0 ? t->partitions[0].leader : -1;
    v->leader_up = client_node_is_up(c, v->leader0);
    v->md_version = client_node_api_version(c, v->leader0, KAFKA_API_METADATA, 0, 100);
}

static void log_to_stderr(void *opaque, strand_log_level level, const char *msg) {
    (void)opaque;
    if (getenv("TEST_VERBOSE"))
        fprintf(stderr, "[strand %d] %s\n", (int)level, msg);
}

static client *make_client_at(const char *addr, int request_timeout_ms) {
    strand_conf *conf = strand_conf_new();
    char num[32], err[256];
    assert_int_equal(strand_conf_set(conf, "bootstrap.servers", addr, err, sizeof err), STRAND_OK);
    snprintf(num, sizeof num, "%d", request_timeout_ms);
    assert_int_equal(strand_conf_set(conf, "request.timeout.ms", num, err, sizeof err), STRAND_OK);
    assert_int_equal(strand_conf_set(conf, "reconnect.backoff.ms", "20", err, sizeof err),
                     STRAND_OK);
    assert_int_equal(strand_conf_set(conf, "reconnect.backoff.max.ms", "200", err, sizeof err),
                     STRAND_OK);
    strand_conf_set_log_cb(conf, log_to_stderr, NULL);
    client *c = client_new(conf, CLIENT_ROLE_PRODUCER, err, sizeof err);
    if (!c)
        fail_msg("client_new: %s", err);
    return c;
}

static client *make_client(int request_timeout_ms) {
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", broker.port);
    return make_client_at(addr, request_timeout_ms);
}

/* Refresh metadata for `topic` and return the view of it. */
static md_view refresh_topic(client *c, const char *topic) {
    recorder rec;
    rec_init(&rec);
    md_job j = {&rec, topic, STRAND_OK};
    assert_int_equal(client_call(c, md_wait_on_loop, &j), STRAND_OK);
    assert_int_equal(j.err, STRAND_OK);
    assert_int_equal(rec_wait(&rec, 1, 10000), 1);
    if (rec.err[0] != STRAND_OK)
        fail_msg("metadata refresh failed: %s", strand_err_str(rec.err[0]));
    md_view v = {.topic = topic};
    assert_int_equal(client_call(c, md_view_on_loop, &v), STRAND_OK);
    return v;
}

/* ------------------------------------------------------------------------ */
/* Tests */

static void test_connect_metadata_apiversions(void **state) {
    (void)state;
    client *c = make_client(5000);
    md_view v = refresh_topic(c, "client-core-t1");
    assert_true(v.found);
    assert_int_equal(v.err, 0);
    assert_true(v.partitions >= 1);
    assert_true(v.leader0 >= 0);
    assert_true(v.generation >= 1);

    /* a request to the leader by node id: connects to the advertised address */
    recorder rec;
    rec_init(&rec);
    send_job j = metadata_job(&rec, v.leader0, 1);
    assert_int_equal(client_call(c, send_on_loop, &j), STRAND_OK);
    assert_int_equal(j.send_err, STRAND_OK);
    assert_int_equal(rec_wait(&rec, 1, 10000), 1);
    assert_int_equal(rec.err[0], STRAND_OK);
    assert_int_equal(rec.node[0], v.leader0);
    /* the version is the highest both sides implement (ApiVersions worked) */
    assert_int_equal(rec.version[0], proto_api_range_find(KAFKA_API_METADATA)->max_version);

    md_view after = {.topic = "client-core-t1"};
    assert_int_equal(client_call(c, md_view_on_loop, &after), STRAND_OK);
    assert_true(after.leader_up);
    assert_int_equal(after.md_version, rec.version[0]);
    client_destroy(c);
}

static void test_pipelined_in_order(void **state) {
    (void)state;
    client *c = make_client(5000);
    recorder rec;
    rec_init(&rec);
    send_job j = metadata_job(&rec, CLIENT_NODE_ANY, 100);
    assert_int_equal(client_call(c, send_on_loop, &j), STRAND_OK);
    assert_int_equal(j.send_err, STRAND_OK);
    assert_int_equal(rec_wait(&rec, 100, 20000), 100);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(rec.err[i], STRAND_OK);
        assert_int_equal(rec.tag[i], i); /* callbacks in send order */
    }
    client_destroy(c);
}

static void test_unsupported_and_unknown_node(void **state) {
    (void)state;
    client *c = make_client(5000);
    recorder rec;
    rec_init(&rec);
    send_job j = metadata_job(&rec, CLIENT_NODE_ANY, 1);
    j.min_v = 40; /* no Metadata version this high anywhere */
    j.max_v = 50;
    assert_int_equal(client_call(c, send_on_loop, &j), STRAND_OK);
    send_job k = metadata_job(&rec, 4242, 1);
    assert_int_equal(client_call(c, send_on_loop, &k), STRAND_OK);
    assert_int_equal(rec_wait(&rec, 2, 10000), 2);
    for (int i = 0; i < 2; i++) {
        if (rec.node[i] == 4242)
            assert_int_equal(rec.err[i], STRAND_ERR_TRANSPORT);
        else
            assert_int_equal(rec.err[i], STRAND_ERR_UNSUPPORTED);
    }
    /* bad arguments are refused without a callback */
    send_job bad = metadata_job(&rec, CLIENT_NODE_ANY, 1);
    bad.min_v = 5;
    bad.max_v = 4;
    assert_int_equal(client_call(c, send_on_loop, &bad), STRAND_OK);
    assert_int_equal(bad.send_err, STRAND_ERR_INVALID_ARG);
    client_destroy(c);
}

static void test_request_timeout(void **state) {
    (void)state;
    client *c = make_client(5000);
    md_view v = refresh_topic(c, "client-core-t2"); /* connected */
    (void)v;
    assert_int_equal(kill(broker.pid, SIGSTOP), 0);
    recorder rec;
    rec_init(&rec);
    send_job j = metadata_job(&rec, CLIENT_NODE_ANY, 3);
    j.timeout_ms = 300;
    int64_t t0 = client_now_ms();
    assert_int_equal(client_call(c, send_on_loop, &j), STRAND_OK);
    int got = rec_wait(&rec, 3, 5000);
    assert_int_equal(kill(broker.pid, SIGCONT), 0);
    assert_int_equal(got, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rec.err[i], STRAND_ERR_TIMED_OUT);
        assert_true(rec.at_ms[i] - t0 >= 300);
        assert_true(rec.at_ms[i] - t0 < 3000);
    }
    /* the connection was dropped; the next request reconnects */
    recorder again;
    rec_init(&again);
    send_job k = metadata_job(&again, CLIENT_NODE_ANY, 1);
    assert_int_equal(client_call(c, send_on_loop, &k), STRAND_OK);
    assert_int_equal(rec_wait(&again, 1, 10000), 1);
    assert_int_equal(again.err[0], STRAND_OK);
    client_destroy(c);
}

static void test_reconnect_after_restart(void **state) {
    (void)state;
    client *c = make_client(2000);
    md_view v = refresh_topic(c, "client-core-t3");
    uint64_t gen0 = v.generation;
    int port = broker.port;
    broker_stop(&broker);

    /* while it is down: requests fail with a transport error (or time out) */
    recorder down;
    rec_init(&down);
    send_job j = metadata_job(&down, CLIENT_NODE_ANY, 1);
    assert_int_equal(client_call(c, send_on_loop, &j), STRAND_OK);
    assert_int_equal(rec_wait(&down, 1, 10000), 1);
    assert_true(down.err[0] == STRAND_ERR_TRANSPORT || down.err[0] == STRAND_ERR_TIMED_OUT);

    assert_int_equal(broker_start(&broker, port), 0);
    assert_int_equal(broker.port, port);

    /* each attempt waits for its answer; the client must come back */
    int ok = 0;
    int64_t deadline = client_now_ms() + 15000;
    while (!ok && client_now_ms() < deadline) {
        recorder r;
        rec_init(&r);
        send_job k = metadata_job(&r, CLIENT_NODE_ANY, 1);
        assert_int_equal(client_call(c, send_on_loop, &k), STRAND_OK);
        assert_int_equal(rec_wait(&r, 1, 10000), 1);
        ok = r.err[0] == STRAND_OK;
    }
    assert_true(ok);
    md_view after = refresh_topic(c, "client-core-t3");
    assert_true(after.generation > gen0);
    assert_int_equal(after.err, 0);
    client_destroy(c);
}

static void test_shutdown_fails_pending(void **state) {
    (void)state;
    client *c = make_client(30000);
    refresh_topic(c, "client-core-t4");
    assert_int_equal(kill(broker.pid, SIGSTOP), 0);
    recorder rec;
    rec_init(&rec);
    send_job j = metadata_job(&rec, CLIENT_NODE_ANY, 4);
    assert_int_equal(client_call(c, send_on_loop, &j), STRAND_OK);
    client_destroy(c); /* must not wait for the frozen broker */
    assert_int_equal(kill(broker.pid, SIGCONT), 0);
    assert_int_equal(rec.n, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(rec.err[i], STRAND_ERR_CLOSED);
}

/* Posting from several threads: each thread's functions run in its order. */
#define POSTERS 4
#define POSTS 2000

typedef struct post_state {
    int last[POSTERS];
    int total;
    int disorder;
} post_state;

typedef struct post_arg {
    post_state *st;
    int thread;
    int seq;
} post_arg;

static void post_fn(client *c, void *arg) {
    post_arg *a = arg;
    if (!client_on_loop(c))
        a->st->disorder++;
    if (a->seq != a->st->last[a->thread] + 1)
        a->st->disorder++;
    a->st->last[a->thread] = a->seq;
    a->st->total++;
    free(a);
}

typedef struct poster {
    client *c;
    post_state *st;
    int thread;
    int failures;
} poster;

static void *poster_main(void *arg) {
    poster *p = arg;
    for (int i = 1; i <= POSTS; i++) {
        post_arg *a = malloc(sizeof *a);
        a->st = p->st;
        a->thread = p->thread;
        a->seq = i;
        if (client_post(p->c, post_fn, a) != STRAND_OK) {
            free(a);
            p->failures++;
        }
    }
    return NULL;
}

static void nothing(client *c, void *arg) {
    (void)c;
    (void)arg;
}

static void test_post_from_threads(void **state) {
    (void)state;
    client *c = make_client(5000);
    post_state st;
    memset(&st, 0, sizeof st);
    pthread_t th[POSTERS];
    poster ps[POSTERS];
    for (int i = 0; i < POSTERS; i++) {
        ps[i] = (poster){c, &st, i, 0};
        pthread_create(&th[i], NULL, poster_main, &ps[i]);
    }
    for (int i = 0; i < POSTERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(ps[i].failures, 0);
    }
    /* a call posted after every post ran after them */
    assert_int_equal(client_call(c, nothing, NULL), STRAND_OK);
    assert_int_equal(st.total, POSTERS * POSTS);
    assert_int_equal(st.disorder, 0);
    assert_false(client_on_loop(c));
    client_destroy(c);
}

/* A dead first bootstrap server: refreshes move on to the next one. */
static void test_bootstrap_failover(void **state) {
    (void)state;
    char addr[96];
    snprintf(addr, sizeof addr, "127.0.0.1:1, localhost:%d", broker.port);
    client *c = make_client_at(addr, 5000);
    int ok = 0, failed = 0;
    for (int i = 0; i < 6 && !ok; i++) {
        recorder rec;
        rec_init(&rec);
        md_job j = {&rec, "client-core-t5", STRAND_OK};
        assert_int_equal(client_call(c, md_wait_on_loop, &j), STRAND_OK);
        assert_int_equal(rec_wait(&rec, 1, 10000), 1);
        if (rec.err[0] == STRAND_OK)
            ok = 1;
        else
            failed++;
    }
    assert_true(ok);
    assert_true(failed <= 2);
    md_view v = {.topic = "client-core-t5"};
    assert_int_equal(client_call(c, md_view_on_loop, &v), STRAND_OK);
    assert_true(v.found);
    assert_true(v.partitions >= 1);
    client_destroy(c);
}

/* allow.auto.create.topics=false: the broker reports the topic unknown and
 * does not create it; with the default it does. */
static void test_auto_create_flag(void **state) {
    (void)state;
    strand_conf *conf = strand_conf_new();
    char addr[64], err[256];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", broker.port);
    assert_int_equal(strand_conf_set(conf, "bootstrap.servers", addr, err, sizeof err), STRAND_OK);
    assert_int_equal(strand_conf_set(conf, "allow.auto.create.topics", "false", err, sizeof err),
                     STRAND_OK);
    client *c = client_new(conf, CLIENT_ROLE_CONSUMER, err, sizeof err);
    assert_non_null(c);
    md_view v = refresh_topic(c, "client-core-noauto");
    assert_true(v.found);
    assert_int_equal(v.err, KAFKA_UNKNOWN_TOPIC_OR_PARTITION);
    assert_int_equal(v.partitions, 0);
    client_destroy(c);

    c = make_client(5000);
    v = refresh_topic(c, "client-core-noauto");
    assert_int_equal(v.err, 0);
    assert_true(v.partitions >= 1);
    client_destroy(c);
}

static void test_new_refuses_bad_conf(void **state) {
    (void)state;
    char err[256] = "";
    strand_conf *conf = strand_conf_new();
    assert_null(client_new(conf, CLIENT_ROLE_CONSUMER, err, sizeof err)); /* conf freed */
    assert_non_null(strstr(err, "bootstrap.servers"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_refuses_bad_conf),
        cmocka_unit_test(test_connect_metadata_apiversions),
        cmocka_unit_test(test_pipelined_in_order),
        cmocka_unit_test(test_bootstrap_failover),
        cmocka_unit_test(test_auto_create_flag),
        cmocka_unit_test(test_unsupported_and_unknown_node),
        cmocka_unit_test(test_post_from_threads),
        cmocka_unit_test(test_request_timeout),
        cmocka_unit_test(test_shutdown_fails_pending),
        cmocka_unit_test(test_reconnect_after_restart),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
