/*
 * test_cli_kgroup.c - the group admin requests of tools/kgroup.c against a
 * fake two-broker cluster, for what a standalone strand-broker cannot show:
 * the coordinator on another broker than the bootstrap one, partitions led
 * by different brokers (ListOffsets must go to each leader), a coordinator
 * that is not available at first (FindCoordinator is retried), ListGroups
 * older than v4 (no state), and the exact fields of a standalone
 * OffsetCommit (generation -1, member id "").
 *
 * The fake is one thread polling two listening sockets and their
 * connections; it decodes requests with wire/protocol.h and answers from
 * the small state in `fake`, counting requests per broker and API.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "tools/kgroup.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

#define NODES 2
#define MAX_CONNS 16
#define COORD 1 /* the group's coordinator is broker 1, bootstrap is broker 0 */

typedef struct fake {
    int lfd[NODES];
    int port[NODES];
    int cfd[MAX_CONNS];
    int cnode[MAX_CONNS];
    int stop[2];
    pthread_t th;
    /* behaviour */
    int16_t list_groups_max;
    int coord_unavailable; /* answer COORDINATOR_NOT_AVAILABLE this many times */
    int n_members;         /* of group "g" */
    int64_t committed[2];  /* orders 0, 1 of group "g" (-1: none) */
    /* what arrived */
    int requests[NODES][64];
    int not_leader; /* ListOffsets for a partition the broker does not lead */
    int32_t commit_generation;
    char commit_member[64];
} fake;

/* A check inside the fake's thread (cmocka's asserts belong to the test
 * thread): remember the first failure; teardown fails the test with it. */
static const char *fake_bug;
#define FAKE_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond) && !fake_bug)                                                                  \
            fake_bug = #cond;                                                                      \
    } while (0)
/* Decode a request body; on failure note it and leave the handler. */
#define FAKE_DECODE(call, ...)                                                                     \
    do {                                                                                           \
        if ((call) != 0) {                                                                         \
            FAKE_CHECK(!"cannot decode: " #call);                                                  \
            return __VA_ARGS__;                                                                    \
        }                                                                                          \
    } while (0)

static const int64_t log_start[2] = {3, 0};
static const int64_t log_end[2] = {15, 10};

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

static void answer_api_versions(fake *f, wire_writer *w) {
    static proto_api_range ranges[64];
    size_t n = proto_api_range_count < 64 ? proto_api_range_count : 64;
    memcpy(ranges, proto_api_ranges, n * sizeof *ranges);
    for (size_t i = 0; i < n; i++)
        if (ranges[i].api_key == KAFKA_API_LIST_GROUPS && f->list_groups_max >= 0)
            ranges[i].max_version = f->list_groups_max;
    proto_api_versions_resp r = {0, (int32_t)n, ranges, 0};
    proto_api_versions_resp_encode(w, 0, &r);
}

static void answer_metadata(fake *f, wire_reader *r, int16_t v, wire_arena *a, wire_writer *w) {
    proto_metadata_req req;
    FAKE_DECODE(proto_metadata_req_decode(r, v, a, &req));
    static int32_t rep0[1] = {0}, rep1[1] = {1};
    proto_metadata_partition parts[2] = {{.partition_index = 0,
                                          .leader_id = 0,
                                          .replica_count = 1,
                                          .replicas = rep0,
                                          .isr_count = 1,
                                          .isr = rep0,
                                          .leader_epoch = -1},
                                         {.partition_index = 1,
                                          .leader_id = 1,
                                          .replica_count = 1,
                                          .replicas = rep1,
                                          .isr_count = 1,
                                          .isr = rep1,
                                          .leader_epoch = -1}};
    proto_metadata_broker brokers[NODES] = {
        {0, wire_str_from("127.0.0.1"), f->port[0], WIRE_STR_NULL},
        {1, wire_str_from("127.0.0.1"), f->port[1], WIRE_STR_NULL}};
    proto_metadata_topic topics[8];
    int nt = 0;
    int all = req.topic_count < 0;
    for (int32_t i = 0; (all ? i < 1 : i < req.topic_count) && nt < 8; i++) {
        int known = all || wire_str_eq(req.topics[i], "orders");
        topics[nt++] = (proto_metadata_topic){
            .error_code = known ? KAFKA_NONE : KAFKA_UNKNOWN_TOPIC_OR_PARTITION,
            .name = all ? wire_str_from("orders") : req.topics[i],
            .partition_count = known ? 2 : 0,
            .partitions = known ? parts : NULL,
            .topic_authorized_operations = INT32_MIN};
    }
    proto_metadata_resp resp = {.broker_count = NODES,
                                .brokers = brokers,
                                .cluster_id = WIRE_STR_NULL,
                                .controller_id = 0,
                                .topic_count = nt,
                                .topics = topics,
                                .cluster_authorized_operations = INT32_MIN};
    proto_metadata_resp_encode(w, v, &resp);
}

static void answer_list_offsets(fake *f, int node, wire_reader *r, int16_t v, wire_arena *a,
                                wire_writer *w) {
    proto_list_offsets_req req;
    FAKE_DECODE(proto_list_offsets_req_decode(r, v, a, &req));
    FAKE_CHECK((req.topic_count) == (1));
    proto_list_offsets_resp_partition out[4];
    int n = 0;
    for (int32_t i = 0; i < req.topics[0].partition_count && n < 4; i++) {
        const proto_list_offsets_req_partition *p = &req.topics[0].partitions[i];
        proto_list_offsets_resp_partition *o = &out[n++];
        memset(o, 0, sizeof *o);
        o->partition_index = p->partition_index;
        o->timestamp = -1;
        o->leader_epoch = -1;
        if (p->partition_index != node) { /* partition i is led by broker i */
            o->error_code = KAFKA_NOT_LEADER_OR_FOLLOWER;
            o->offset = -1;
            f->not_leader++;
        } else if (p->timestamp == -2) {
            o->offset = log_start[node];
        } else if (p->timestamp == -1) {
            o->offset = log_end[node];
        } else {
            o->offset = node == 0 ? 7 : -1; /* nothing that late in partition 1 */
        }
    }
    proto_list_offsets_resp_topic t = {req.topics[0].name, n, out};
    proto_list_offsets_resp resp = {0, 1, &t};
    proto_list_offsets_resp_encode(w, v, &resp);
}

static void answer_describe(fake *f, wire_reader *r, int16_t v, wire_arena *a, wire_writer *w) {
    proto_describe_groups_req req;
    FAKE_DECODE(proto_describe_groups_req_decode(r, v, a, &req));
    static int32_t parts[2] = {0, 1};
    proto_consumer_tp tp = {wire_str_from("orders"), 2, parts};
    proto_consumer_assignment as = {0, 1, &tp, WIRE_BYTES_NULL};
    wire_writer aw;
    wire_writer_init(&aw);
    proto_consumer_assignment_encode(&aw, &as);
    proto_describe_groups_member m = {wire_str_from("m-1"),     WIRE_STR_NULL,
                                      wire_str_from("c1"),      wire_str_from("/127.0.0.1"),
                                      {(const uint8_t *)"", 0}, {aw.p, (int32_t)aw.len}};
    proto_describe_groups_group g[8];
    int n = 0;
    for (int32_t i = 0; i < req.group_count && n < 8; i++) {
        int is_g = wire_str_eq(req.groups[i], "g");
        int is_zeta = wire_str_eq(req.groups[i], "zeta");
        g[n++] = (proto_describe_groups_group){
            .group_id = req.groups[i],
            .group_state = wire_str_from(is_g      ? (f->n_members ? "Stable" : "Empty")
                                         : is_zeta ? "Stable"
                                                   : "Dead"),
            .protocol_type = wire_str_from(is_g      ? "consumer"
                                           : is_zeta ? "connect"
                                                     : ""),
            .protocol_data = wire_str_from(is_g && f->n_members ? "range" : ""),
            .member_count = is_g ? f->n_members : 0,
            .members = &m,
            .authorized_operations = INT32_MIN};
    }
    proto_describe_groups_resp resp = {0, n, g};
    proto_describe_groups_resp_encode(w, v, &resp);
    wire_writer_free(&aw);
}

static void answer_offset_fetch(fake *f, wire_reader *r, int16_t v, wire_arena *a, wire_writer *w) {
    proto_offset_fetch_req req;
    FAKE_DECODE(proto_offset_fetch_req_decode(r, v, a, &req));
    FAKE_CHECK((req.topic_count) == (-1)); /* all partitions */
    proto_offset_fetch_resp_partition ps[2];
    int n = 0;
    for (int p = 0; p < 2 && wire_str_eq(req.group_id, "g"); p++)
        if (f->committed[p] >= 0)
            ps[n++] =
                (proto_offset_fetch_resp_partition){p, f->committed[p], -1, wire_str_from(""), 0};
    proto_offset_fetch_resp_topic t = {wire_str_from("orders"), n, ps};
    proto_offset_fetch_resp resp = {0, n ? 1 : 0, &t, KAFKA_NONE};
    proto_offset_fetch_resp_encode(w, v, &resp);
}

static void answer_offset_commit(fake *f, wire_reader *r, int16_t v, wire_arena *a,
                                 wire_writer *w) {
    proto_offset_commit_req req;
    FAKE_DECODE(proto_offset_commit_req_decode(r, v, a, &req));
    f->commit_generation = req.generation_id;
    snprintf(f->commit_member, sizeof f->commit_member, "%.*s", (int)req.member_id.len,
             req.member_id.ptr ? req.member_id.ptr : "");
    proto_offset_commit_resp_partition ps[4];
    int n = 0;
    for (int32_t t = 0; t < req.topic_count; t++) {
        for (int32_t i = 0; i < req.topics[t].partition_count && n < 4; i++) {
            const proto_offset_commit_req_partition *p = &req.topics[t].partitions[i];
            int16_t ec = f->n_members ? KAFKA_UNKNOWN_MEMBER_ID : KAFKA_NONE;
            if (ec == KAFKA_NONE && p->partition_index >= 0 && p->partition_index < 2)
                f->committed[p->partition_index] = p->committed_offset;
            ps[n++] = (proto_offset_commit_resp_partition){p->partition_index, ec};
        }
    }
    proto_offset_commit_resp_topic t = {wire_str_from("orders"), n, ps};
    proto_offset_commit_resp resp = {0, 1, &t};
    proto_offset_commit_resp_encode(w, v, &resp);
}

static void answer_list_groups(fake *f, int node, wire_reader *r, int16_t v, wire_arena *a,
                               wire_writer *w) {
    proto_list_groups_req req;
    FAKE_DECODE(proto_list_groups_req_decode(r, v, a, &req));
    /* each broker lists the groups it coordinates */
    proto_list_groups_group g =
        node == COORD ? (proto_list_groups_group){wire_str_from("g"), wire_str_from("consumer"),
                                                  wire_str_from(f->n_members ? "Stable" : "Empty")}
                      : (proto_list_groups_group){wire_str_from("zeta"), wire_str_from("connect"),
                                                  wire_str_from("Stable")};
    proto_list_groups_resp resp = {0, KAFKA_NONE, 1, &g};
    proto_list_groups_resp_encode(w, v, &resp);
}

/* Answer one request on fd (from broker `node`); -1 when the peer closed. */
static int serve_one(fake *f, int fd, int node) {
    uint8_t szb[4];
    if (read_full(fd, szb, 4) < 0)
        return -1;
    uint32_t size = wire_be32(szb);
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf || read_full(fd, buf, size) < 0) {
        free(buf);
        return -1;
    }
    wire_reader r;
    wire_reader_init(&r, buf, size);
    proto_req_header h;
    if (proto_req_header_decode(&r, &h) != 0) {
        FAKE_CHECK(!"cannot decode a request header");
        free(buf);
        return -1;
    }
    if (h.api_key >= 0 && h.api_key < 64)
        f->requests[node][h.api_key]++;
    wire_arena a;
    wire_arena_init(&a);
    wire_writer w;
    wire_writer_init(&w);
    size_t start = proto_frame_begin(&w);
    proto_resp_header_encode(&w, h.api_key, h.api_version, h.correlation_id);
    switch (h.api_key) {
    case KAFKA_API_API_VERSIONS:
        answer_api_versions(f, &w);
        break;
    case KAFKA_API_METADATA:
        answer_metadata(f, &r, h.api_version, &a, &w);
        break;
    case KAFKA_API_FIND_COORDINATOR: {
        proto_find_coordinator_req req;
        if (proto_find_coordinator_req_decode(&r, h.api_version, &a, &req) != 0)
            FAKE_CHECK(!"cannot decode FindCoordinator");
        int busy = f->coord_unavailable > 0;
        if (busy)
            f->coord_unavailable--;
        proto_find_coordinator_resp resp = {0,
                                            busy ? KAFKA_COORDINATOR_NOT_AVAILABLE : KAFKA_NONE,
                                            WIRE_STR_NULL,
                                            busy ? -1 : COORD,
                                            wire_str_from(busy ? "" : "127.0.0.1"),
                                            busy ? -1 : f->port[COORD]};
        proto_find_coordinator_resp_encode(&w, h.api_version, &resp);
        break;
    }
    case KAFKA_API_LIST_OFFSETS:
        answer_list_offsets(f, node, &r, h.api_version, &a, &w);
        break;
    case KAFKA_API_DESCRIBE_GROUPS:
        FAKE_CHECK((node) == (COORD));
        answer_describe(f, &r, h.api_version, &a, &w);
        break;
    case KAFKA_API_OFFSET_FETCH:
        FAKE_CHECK((node) == (COORD));
        answer_offset_fetch(f, &r, h.api_version, &a, &w);
        break;
    case KAFKA_API_OFFSET_COMMIT:
        FAKE_CHECK((node) == (COORD));
        answer_offset_commit(f, &r, h.api_version, &a, &w);
        break;
    case KAFKA_API_LIST_GROUPS:
        answer_list_groups(f, node, &r, h.api_version, &a, &w);
        break;
    case KAFKA_API_DELETE_GROUPS: {
        proto_delete_groups_req req;
        if (proto_delete_groups_req_decode(&r, h.api_version, &a, &req) != 0 ||
            req.group_count < 1) {
            FAKE_CHECK(!"cannot decode DeleteGroups");
            break;
        }
        proto_delete_groups_result res = {req.groups[0],
                                          f->n_members ? KAFKA_NON_EMPTY_GROUP : KAFKA_NONE};
        proto_delete_groups_resp resp = {0, 1, &res};
        proto_delete_groups_resp_encode(&w, h.api_version, &resp);
        break;
    }
    default:
        FAKE_CHECK(!"an API the fake does not serve");
    }
    proto_frame_end(&w, start);
    FAKE_CHECK((w.err) == (0));
    int rc = write_full(fd, w.p, w.len);
    wire_writer_free(&w);
    wire_arena_free(&a);
    free(buf);
    return rc;
}

static void *fake_main(void *arg) {
    fake *f = arg;
    for (;;) {
        struct pollfd p[1 + NODES + MAX_CONNS];
        int np = 0;
        p[np++] = (struct pollfd){f->stop[0], POLLIN, 0};
        for (int i = 0; i < NODES; i++)
            p[np++] = (struct pollfd){f->lfd[i], POLLIN, 0};
        for (int i = 0; i < MAX_CONNS; i++)
            p[np++] = (struct pollfd){f->cfd[i], POLLIN, 0}; /* fd -1 is ignored */
        if (poll(p, (nfds_t)np, 10000) <= 0 || p[0].revents)
            break;
        for (int i = 0; i < NODES; i++) {
            if (!p[1 + i].revents)
                continue;
            int fd = accept(f->lfd[i], NULL, NULL);
            for (int k = 0; k < MAX_CONNS && fd >= 0; k++) {
                if (f->cfd[k] < 0) {
                    f->cfd[k] = fd;
                    f->cnode[k] = i;
                    fd = -1;
                }
            }
            if (fd >= 0)
                close(fd);
        }
        for (int k = 0; k < MAX_CONNS; k++) {
            if (f->cfd[k] >= 0 && p[1 + NODES + k].revents &&
                serve_one(f, f->cfd[k], f->cnode[k]) < 0) {
                close(f->cfd[k]);
                f->cfd[k] = -1;
            }
        }
    }
    return NULL;
}

static int setup(void **state) {
    fake *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->list_groups_max = -1;
    f->committed[0] = 10;
    f->committed[1] = -1;
    for (int k = 0; k < MAX_CONNS; k++)
        f->cfd[k] = -1;
    for (int i = 0; i < NODES; i++) {
        f->lfd[i] = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t sl = sizeof sa;
        assert_int_equal(bind(f->lfd[i], (struct sockaddr *)&sa, sizeof sa), 0);
        assert_int_equal(listen(f->lfd[i], 8), 0);
        assert_int_equal(getsockname(f->lfd[i], (struct sockaddr *)&sa, &sl), 0);
        f->port[i] = ntohs(sa.sin_port);
    }
    assert_int_equal(pipe(f->stop), 0);
    *state = f;
    return 0;
}

static void fake_start(fake *f) {
    assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static int teardown(void **state) {
    fake *f = *state;
    assert_int_equal(write(f->stop[1], "x", 1), 1);
    pthread_join(f->th, NULL);
    for (int k = 0; k < MAX_CONNS; k++)
        if (f->cfd[k] >= 0)
            close(f->cfd[k]);
    for (int i = 0; i < NODES; i++)
        close(f->lfd[i]);
    close(f->stop[0]);
    close(f->stop[1]);
    free(f);
    if (fake_bug)
        fail_msg("the fake broker saw a bad request: %s", fake_bug);
    return 0;
}

static void boot_connect(fake *f, kclient *c) {
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", f->port[0]);
    if (kclient_connect(c, addr, 5000) != 0)
        fail_msg("connect: %s", c->err);
}

static void coord_connect(fake *f, kclient *boot, kclient *cc) {
    kgroup_coordinator co;
    int16_t ec;
    if (kgroup_find_coordinator(boot, "g", &co, &ec) != 0)
        fail_msg("find coordinator: %s", boot->err);
    assert_int_equal(co.node_id, COORD);
    char want[64];
    snprintf(want, sizeof want, "127.0.0.1:%d", f->port[COORD]);
    assert_string_equal(co.addr, want);
    if (kclient_connect(cc, co.addr, 5000) != 0)
        fail_msg("connect coordinator: %s", cc->err);
}

static void test_find_coordinator_retries(void **state) {
    fake *f = *state;
    f->coord_unavailable = 2;
    fake_start(f);
    kclient boot, cc;
    boot_connect(f, &boot);
    coord_connect(f, &boot, &cc);
    assert_int_equal(f->requests[0][KAFKA_API_FIND_COORDINATOR], 3);
    kclient_close(&cc);
    kclient_close(&boot);
}

static void test_find_coordinator_gives_up(void **state) {
    fake *f = *state;
    f->coord_unavailable = 1000;
    fake_start(f);
    kclient boot;
    boot_connect(f, &boot);
    boot.timeout_ms = 300; /* a few retries, then the last error */
    kgroup_coordinator co;
    int16_t ec = 0;
    assert_int_equal(kgroup_find_coordinator(&boot, "g", &co, &ec), -1);
    assert_int_equal(ec, KAFKA_COORDINATOR_NOT_AVAILABLE);
    assert_non_null(strstr(boot.err, "COORDINATOR_NOT_AVAILABLE"));
    assert_true(f->requests[0][KAFKA_API_FIND_COORDINATOR] >= 2);
    kclient_close(&boot);
}

static void test_offsets_go_to_each_leader(void **state) {
    fake *f = *state;
    fake_start(f);
    kclient boot;
    boot_connect(f, &boot);
    kcluster k;
    const char *topics[1] = {"orders"};
    assert_int_equal(kcluster_open(&k, &boot, topics, 1), 0);
    int32_t parts[2] = {1, 0};
    int64_t offs[2];
    int16_t errs[2];
    assert_int_equal(kcluster_offsets(&k, "orders", parts, 2, -1, offs, errs), 0);
    assert_int_equal(errs[0], KAFKA_NONE);
    assert_int_equal(errs[1], KAFKA_NONE);
    assert_int_equal(offs[0], log_end[1]);
    assert_int_equal(offs[1], log_end[0]);
    assert_int_equal(kcluster_offsets(&k, "orders", parts, 2, -2, offs, errs), 0);
    assert_int_equal(offs[0], log_start[1]);
    assert_int_equal(offs[1], log_start[0]);
    assert_int_equal(f->requests[0][KAFKA_API_LIST_OFFSETS], 2);
    assert_int_equal(f->requests[1][KAFKA_API_LIST_OFFSETS], 2);
    assert_int_equal(f->not_leader, 0);
    /* an unknown partition is an error of its own, not a request */
    int32_t bad[1] = {5};
    assert_int_equal(kcluster_offsets(&k, "orders", bad, 1, -1, offs, errs), 0);
    assert_int_equal(errs[0], KAFKA_UNKNOWN_TOPIC_OR_PARTITION);
    assert_int_equal(offs[0], -1);
    assert_int_equal(f->requests[0][KAFKA_API_LIST_OFFSETS], 2);
    kcluster_close(&k);
    kclient_close(&boot);
}

static void test_describe_and_fetch(void **state) {
    fake *f = *state;
    f->n_members = 1;
    fake_start(f);
    kclient boot, cc;
    boot_connect(f, &boot);
    coord_connect(f, &boot, &cc);
    kgroup_descriptions ds;
    const char *groups[2] = {"g", "nosuch"};
    assert_int_equal(kgroup_describe(&cc, groups, 2, &ds), 0);
    const kgroup_description *d = kgroup_descriptions_find(&ds, "g");
    assert_non_null(d);
    assert_true(wire_str_eq(d->state, "Stable"));
    assert_true(wire_str_eq(d->protocol, "range"));
    assert_int_equal(d->n_members, 1);
    assert_true(wire_str_eq(d->members[0].member_id, "m-1"));
    assert_true(wire_str_eq(d->members[0].client_host, "/127.0.0.1"));
    assert_int_equal(d->members[0].instance_id.len, -1);
    assert_true(d->members[0].has_assignment);
    assert_int_equal(d->members[0].assignment.tp_count, 1);
    assert_true(wire_str_eq(d->members[0].assignment.tps[0].topic, "orders"));
    assert_int_equal(d->members[0].assignment.tps[0].partition_count, 2);
    assert_int_equal(d->members[0].assignment.tps[0].partitions[1], 1);
    d = kgroup_descriptions_find(&ds, "nosuch");
    assert_non_null(d);
    assert_true(wire_str_eq(d->state, "Dead"));
    assert_null(kgroup_descriptions_find(&ds, "other"));
    kgroup_descriptions_free(&ds);

    kgroup_offsets o;
    assert_int_equal(kgroup_offsets_fetch(&cc, "g", &o), 0);
    assert_int_equal(o.error, KAFKA_NONE);
    assert_int_equal(o.n, 1);
    assert_true(wire_str_eq(o.entries[0].topic, "orders"));
    assert_int_equal(o.entries[0].partition, 0);
    assert_int_equal(o.entries[0].offset, 10);
    kgroup_offsets_free(&o);
    assert_int_equal(f->requests[0][KAFKA_API_DESCRIBE_GROUPS], 0);
    kclient_close(&cc);
    kclient_close(&boot);
}

static void test_commit_standalone(void **state) {
    fake *f = *state;
    fake_start(f);
    kclient boot, cc;
    boot_connect(f, &boot);
    coord_connect(f, &boot, &cc);
    kgroup_commit cm[2] = {{"orders", 0, 4, 99}, {"orders", 1, 9, 99}};
    assert_int_equal(kgroup_offsets_commit(&cc, "g", cm, 2), 0);
    assert_int_equal(cm[0].error, KAFKA_NONE);
    assert_int_equal(cm[1].error, KAFKA_NONE);
    assert_int_equal(f->commit_generation, -1);
    assert_string_equal(f->commit_member, "");
    assert_int_equal(f->committed[0], 4);
    assert_int_equal(f->committed[1], 9);
    /* a group with members refuses a standalone commit */
    f->n_members = 1;
    cm[0].offset = 1;
    assert_int_equal(kgroup_offsets_commit(&cc, "g", cm, 1), 0);
    assert_int_equal(cm[0].error, KAFKA_UNKNOWN_MEMBER_ID);
    assert_int_equal(f->committed[0], 4);
    int16_t ec;
    assert_int_equal(kgroup_delete(&cc, "g", &ec), 0);
    assert_int_equal(ec, KAFKA_NON_EMPTY_GROUP);
    f->n_members = 0;
    assert_int_equal(kgroup_delete(&cc, "g", &ec), 0);
    assert_int_equal(ec, KAFKA_NONE);
    kclient_close(&cc);
    kclient_close(&boot);
}

static void list_check(fake *f, int16_t max, int want_state) {
    f->list_groups_max = max;
    fake_start(f);
    kclient boot;
    boot_connect(f, &boot);
    kcluster k;
    static const char *const none[1] = {NULL};
    assert_int_equal(kcluster_open(&k, &boot, none, 0), 0);
    assert_int_equal(k.md.n_brokers, NODES);
    assert_int_equal(k.md.n_topics, 0);
    for (int i = 0; i < NODES; i++) {
        kclient *c = kcluster_broker(&k, i);
        assert_non_null(c);
        kgroup_list l;
        assert_int_equal(kgroup_list_get(c, &l), 0);
        assert_int_equal(l.n, 1);
        assert_true(wire_str_eq(l.groups[0].group_id, i == COORD ? "g" : "zeta"));
        if (want_state)
            assert_true(wire_str_eq(l.groups[0].state, i == COORD ? "Empty" : "Stable"));
        else
            assert_true(l.groups[0].state.len <= 0);
        kgroup_list_free(&l);
        assert_int_equal(f->requests[i][KAFKA_API_LIST_GROUPS], 1);
    }
    assert_null(kcluster_broker(&k, 7));
    assert_non_null(strstr(k.err, "broker 7"));
    kcluster_close(&k);
    kclient_close(&boot);
}

static void test_list_groups_v4_has_state(void **state) {
    list_check(*state, 4, 1);
}
static void test_list_groups_v2_has_none(void **state) {
    list_check(*state, 2, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_find_coordinator_retries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_coordinator_gives_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_offsets_go_to_each_leader, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe_and_fetch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_standalone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_groups_v4_has_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_groups_v2_has_none, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
