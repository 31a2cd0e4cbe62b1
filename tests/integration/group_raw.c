/*
 * group_raw.c - the group coordinator's protocol answers, checked request
 * by request with the wire/ codecs over plain sockets (integration test
 * client; librdkafka never sends the wrong requests on purpose).
 *
 * Usage: group_raw HOST:PORT TOPIC
 * TOPIC must exist with 2 partitions; the broker must run with
 * group.initial.rebalance.delay.ms=0 and group.min.session.timeout.ms <=
 * 1500. Walks one group "graw" through: FindCoordinator; MEMBER_ID_REQUIRED;
 * the first generation; UNKNOWN_MEMBER_ID and ILLEGAL_GENERATION
 * (Heartbeat, SyncGroup); INVALID_SESSION_TIMEOUT;
 * INCONSISTENT_GROUP_PROTOCOL; OffsetCommit (ok, UNKNOWN_TOPIC_OR_PARTITION
 * for a missing partition and topic, OFFSET_METADATA_TOO_LARGE, simple
 * commit refused with UNKNOWN_MEMBER_ID); OffsetFetch (all, missing -1); a
 * second member whose connection closes while its JoinGroup waits, then
 * expires by session timeout (REBALANCE_IN_PROGRESS for the other, next
 * generation); commits during PreparingRebalance (allowed) and
 * CompletingRebalance (REBALANCE_IN_PROGRESS); DescribeGroups (state,
 * members, "/127.0.0.1"); ListGroups with a state filter; DeleteGroups
 * (NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, then ok after LeaveGroup v3);
 * Metadata is_internal, DeleteTopics and CreatePartitions refusals for
 * __consumer_offsets.
 * Prints "ok CASE" per check and "FAIL CASE: ..." on the first failure
 * (exit 1); exit 2 on usage or connection errors.
 *
 * Usage: group_raw HOST:PORT --ask GROUP
 * asks that broker about GROUP and prints one line, whatever it answers:
 * "find=E node=N offset_fetch=E heartbeat=E" (Kafka error codes of
 * FindCoordinator v2, OffsetFetch v7 of every offset, and a Heartbeat of an
 * unknown member: NOT_COORDINATOR on a broker that does not coordinate
 * GROUP, UNKNOWN_MEMBER_ID on its coordinator). Exit 0.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "wire/kafka.h"
#include "wire/protocol.h"

static const char *host;
static const char *port;
static const char *topic;
static int32_t corr = 1;

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        printf("FAIL ");                                                                           \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        exit(1);                                                                                   \
    } while (0)
#define OK(name) printf("ok %s\n", name)
#define EXPECT_ERR(name, got, want)                                                                \
    do {                                                                                           \
        if ((got) != (want))                                                                       \
            FAIL("%s: error %d (%s), expected %d (%s)", name, (int)(got), kafka_error_name(got),   \
                 (int)(want), kafka_error_name(want));                                             \
        OK(name);                                                                                  \
    } while (0)

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int conn_open(void) {
    struct addrinfo hints, *ai;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &ai) != 0) {
        printf("cannot resolve %s\n", host);
        exit(2);
    }
    int fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        printf("cannot connect to %s:%s\n", host, port);
        exit(2);
    }
    freeaddrinfo(ai);
    struct timeval tv = {20, 0}; /* no answer within 20 s fails the test */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Send a request whose body is in `body`; returns its correlation id. */
static int32_t send_req(int fd, int16_t api, int16_t ver, wire_writer *body) {
    wire_writer w;
    wire_writer_init(&w);
    size_t start = proto_frame_begin(&w);
    proto_req_header h = {api, ver, corr, wire_str_from("group_raw")};
    proto_req_header_encode(&w, &h);
    wire_write_raw(&w, body->p, body->len);
    proto_frame_end(&w, start);
    size_t off = 0;
    while (off < w.len) {
        ssize_t n = write(fd, w.p + off, w.len - off);
        if (n <= 0)
            FAIL("write %s v%d", kafka_api_name(api), ver);
        off += (size_t)n;
    }
    wire_writer_free(&w);
    wire_writer_free(body);
    return corr++;
}

static void read_exact(int fd, uint8_t *p, size_t n, const char *what) {
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, p + got, n - got);
        if (k <= 0)
            FAIL("%s: no response (%s)", what, k == 0 ? "closed" : "timeout or error");
        got += (size_t)k;
    }
}

/* Read one response; the body (after the header) stays in *buf. */
static wire_reader recv_resp(int fd, int16_t api, int16_t ver, int32_t want, uint8_t **buf) {
    uint8_t sz[4];
    read_exact(fd, sz, 4, kafka_api_name(api));
    uint32_t n = wire_be32(sz);
    *buf = malloc(n ? n : 1);
    read_exact(fd, *buf, n, kafka_api_name(api));
    wire_reader r;
    wire_reader_init(&r, *buf, n);
    int32_t c = -1;
    if (proto_resp_header_decode(&r, api, ver, &c) != 0 || c != want)
        FAIL("%s: correlation %d, expected %d", kafka_api_name(api), c, want);
    return r;
}

/* One request/response of API `name` (proto_<name>_req/resp). */
#define CALL(fd, api, ver, name, reqp, respp, arena)                                               \
    do {                                                                                           \
        wire_writer b_;                                                                            \
        wire_writer_init(&b_);                                                                     \
        proto_##name##_req_encode(&b_, ver, reqp);                                                 \
        int32_t c_ = send_req(fd, api, ver, &b_);                                                  \
        uint8_t *buf_;                                                                             \
        wire_reader r_ = recv_resp(fd, api, ver, c_, &buf_);                                       \
        if (proto_##name##_resp_decode(&r_, ver, arena, respp) != 0)                               \
            FAIL("%s v%d: response does not decode", #name, ver);                                  \
        keep(buf_);                                                                                \
    } while (0)

/* Response buffers stay alive until exit (decoded slices point into them). */
static void keep(uint8_t *p) {
    static uint8_t **all;
    static size_t n;
    all = realloc(all, (n + 1) * sizeof *all);
    all[n++] = p;
}

static wire_arena A;

static proto_join_group_protocol range_protocol(void) {
    static proto_consumer_subscription sub;
    static wire_str topics[1];
    static wire_writer w;
    if (!w.len) {
        topics[0] = wire_str_from(topic);
        sub.version = 0;
        sub.topic_count = 1;
        sub.topics = topics;
        sub.user_data = WIRE_BYTES_NULL;
        wire_writer_init(&w);
        proto_consumer_subscription_encode(&w, &sub);
    }
    proto_join_group_protocol p = {wire_str_from("range"), {w.p, (int32_t)w.len}};
    return p;
}

static proto_join_group_req join_req(const char *member, int32_t session) {
    static proto_join_group_protocol p;
    p = range_protocol();
    proto_join_group_req r;
    memset(&r, 0, sizeof r);
    r.group_id = wire_str_from("graw");
    r.session_timeout_ms = session;
    r.rebalance_timeout_ms = 5000;
    r.member_id = wire_str_from(member);
    r.group_instance_id = WIRE_STR_NULL;
    r.protocol_type = wire_str_from("consumer");
    r.protocol_count = 1;
    r.protocols = &p;
    return r;
}

static int16_t heartbeat(int fd, const char *member, int32_t gen) {
    proto_heartbeat_req r = {wire_str_from("graw"), gen, wire_str_from(member), WIRE_STR_NULL};
    proto_heartbeat_resp o;
    CALL(fd, KAFKA_API_HEARTBEAT, 3, heartbeat, &r, &o, &A);
    return o.error_code;
}

static proto_sync_group_resp sync_group(int fd, const char *member, int32_t gen, int leader) {
    static wire_writer aw;
    static proto_sync_group_assignment as[1];
    if (!aw.len) {
        static int32_t parts[2] = {0, 1};
        proto_consumer_tp tp = {wire_str_from(topic), 2, parts};
        proto_consumer_assignment a = {0, 1, &tp, WIRE_BYTES_NULL};
        wire_writer_init(&aw);
        proto_consumer_assignment_encode(&aw, &a);
    }
    as[0].member_id = wire_str_from(member);
    as[0].assignment = (wire_bytes){aw.p, (int32_t)aw.len};
    proto_sync_group_req r = {wire_str_from("graw"), gen,
                              wire_str_from(member), WIRE_STR_NULL,
                              leader ? 1 : 0,        leader ? as : NULL};
    proto_sync_group_resp o;
    CALL(fd, KAFKA_API_SYNC_GROUP, 3, sync_group, &r, &o, &A);
    return o;
}

/* OffsetCommit v7 of one partition; returns that partition's error. */
static int16_t commit(int fd, int32_t gen, const char *member, const char *t, int32_t part,
                      int64_t off, wire_str md) {
    proto_offset_commit_req_partition p = {part, off, -1, -1, md};
    proto_offset_commit_req_topic tt = {wire_str_from(t), 1, &p};
    proto_offset_commit_req r = {
        wire_str_from("graw"), gen, wire_str_from(member), WIRE_STR_NULL, -1, 1, &tt};
    proto_offset_commit_resp o;
    CALL(fd, KAFKA_API_OFFSET_COMMIT, 7, offset_commit, &r, &o, &A);
    if (o.topic_count != 1 || o.topics[0].partition_count != 1)
        FAIL("OffsetCommit: %d topics in the answer", o.topic_count);
    return o.topics[0].partitions[0].error_code;
}

static char *dup_str(wire_str s) {
    char *p = malloc((size_t)(s.len > 0 ? s.len : 0) + 1);
    memcpy(p, s.ptr, (size_t)(s.len > 0 ? s.len : 0));
    p[s.len > 0 ? s.len : 0] = '\0';
    return p;
}

/* --ask GROUP: what this broker answers about GROUP. */
static int ask(const char *group) {
    int fd = conn_open();
    proto_find_coordinator_req fc = {wire_str_from(group), PROTO_COORDINATOR_GROUP};
    proto_find_coordinator_resp fco;
    CALL(fd, KAFKA_API_FIND_COORDINATOR, 2, find_coordinator, &fc, &fco, &A);
    proto_offset_fetch_req fr = {wire_str_from(group), -1, NULL, 0};
    proto_offset_fetch_resp fo;
    CALL(fd, KAFKA_API_OFFSET_FETCH, 7, offset_fetch, &fr, &fo, &A);
    proto_heartbeat_req hr = {wire_str_from(group), 1, wire_str_from("nobody"), WIRE_STR_NULL};
    proto_heartbeat_resp ho;
    CALL(fd, KAFKA_API_HEARTBEAT, 3, heartbeat, &hr, &ho, &A);
    printf("find=%d node=%d offset_fetch=%d heartbeat=%d\n", fco.error_code, (int)fco.node_id,
           fo.error_code, ho.error_code);
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    int asking = argc == 4 && strcmp(argv[2], "--ask") == 0;
    if (argc != 3 && !asking) {
        printf("usage: group_raw HOST:PORT TOPIC | group_raw HOST:PORT --ask GROUP\n");
        return 2;
    }
    static char hostbuf[256];
    snprintf(hostbuf, sizeof hostbuf, "%s", argv[1]);
    char *colon = strrchr(hostbuf, ':');
    if (!colon)
        return 2;
    *colon = '\0';
    host = hostbuf;
    port = colon + 1;
    topic = argv[2];
    wire_arena_init(&A);
    if (asking)
        return ask(argv[3]);
    int a = conn_open();

    /* FindCoordinator */
    proto_find_coordinator_req fc = {wire_str_from("graw"), PROTO_COORDINATOR_GROUP};
    proto_find_coordinator_resp fco;
    CALL(a, KAFKA_API_FIND_COORDINATOR, 2, find_coordinator, &fc, &fco, &A);
    EXPECT_ERR("find_coordinator", fco.error_code, KAFKA_NONE);
    if (fco.port != atoi(port))
        FAIL("find_coordinator: port %d, expected %s", fco.port, port);

    /* the v4 first join */
    proto_join_group_req jr = join_req("", 3000);
    proto_join_group_resp jo;
    CALL(a, KAFKA_API_JOIN_GROUP, 4, join_group, &jr, &jo, &A);
    EXPECT_ERR("member_id_required", jo.error_code, KAFKA_MEMBER_ID_REQUIRED);
    char *ma = dup_str(jo.member_id);
    if (!ma[0])
        FAIL("member_id_required: no member id given");
    jr = join_req(ma, 3000);
    CALL(a, KAFKA_API_JOIN_GROUP, 4, join_group, &jr, &jo, &A);
    EXPECT_ERR("first_generation", jo.error_code, KAFKA_NONE);
    if (jo.generation_id != 1 || !wire_str_eq(jo.leader, ma) || jo.member_count != 1 ||
        !wire_str_eq(jo.protocol_name, "range"))
        FAIL("first_generation: generation %d, %d members", jo.generation_id, jo.member_count);

    EXPECT_ERR("heartbeat_unknown_member", heartbeat(a, "nobody", 1), KAFKA_UNKNOWN_MEMBER_ID);
    EXPECT_ERR("heartbeat_illegal_generation", heartbeat(a, ma, 7), KAFKA_ILLEGAL_GENERATION);
    EXPECT_ERR("sync_illegal_generation", sync_group(a, ma, 5, 1).error_code,
               KAFKA_ILLEGAL_GENERATION);
    proto_sync_group_resp so = sync_group(a, ma, 1, 1);
    EXPECT_ERR("sync_leader", so.error_code, KAFKA_NONE);
    proto_consumer_assignment ca;
    wire_reader ar;
    wire_reader_init(&ar, so.assignment.ptr, (size_t)so.assignment.len);
    if (proto_consumer_assignment_decode(&ar, &A, &ca) != 0 || ca.tp_count != 1 ||
        ca.tps[0].partition_count != 2)
        FAIL("sync_leader: the assignment did not come back");
    EXPECT_ERR("heartbeat_stable", heartbeat(a, ma, 1), KAFKA_NONE);

    jr = join_req("", 10);
    CALL(a, KAFKA_API_JOIN_GROUP, 4, join_group, &jr, &jo, &A);
    EXPECT_ERR("invalid_session_timeout", jo.error_code, KAFKA_INVALID_SESSION_TIMEOUT);
    jr = join_req("", 3000);
    jr.protocol_type = wire_str_from("connect");
    CALL(a, KAFKA_API_JOIN_GROUP, 4, join_group, &jr, &jo, &A);
    EXPECT_ERR("inconsistent_group_protocol", jo.error_code, KAFKA_INCONSISTENT_GROUP_PROTOCOL);

    /* commits */
    EXPECT_ERR("commit_member", commit(a, 1, ma, topic, 0, 5, wire_str_from("md")), KAFKA_NONE);
    EXPECT_ERR("commit_missing_partition", commit(a, 1, ma, topic, 7, 5, WIRE_STR_NULL),
               KAFKA_UNKNOWN_TOPIC_OR_PARTITION);
    EXPECT_ERR("commit_missing_topic", commit(a, 1, ma, "no-such-topic", 0, 5, WIRE_STR_NULL),
               KAFKA_UNKNOWN_TOPIC_OR_PARTITION);
    static char big[5000];
    memset(big, 'x', sizeof big);
    EXPECT_ERR("commit_metadata_too_large",
               commit(a, 1, ma, topic, 1, 5, (wire_str){big, (int32_t)sizeof big}),
               KAFKA_OFFSET_METADATA_TOO_LARGE);
    EXPECT_ERR("commit_simple_with_members", commit(a, -1, "", topic, 1, 5, WIRE_STR_NULL),
               KAFKA_UNKNOWN_MEMBER_ID);
    EXPECT_ERR("commit_illegal_generation", commit(a, 4, ma, topic, 1, 5, WIRE_STR_NULL),
               KAFKA_ILLEGAL_GENERATION);

    /* OffsetFetch: all (v7, null topics), then one partition without a commit (v1) */
    proto_offset_fetch_req fr = {wire_str_from("graw"), -1, NULL, 0};
    proto_offset_fetch_resp fo;
    CALL(a, KAFKA_API_OFFSET_FETCH, 7, offset_fetch, &fr, &fo, &A);
    if (fo.error_code || fo.topic_count != 1 || fo.topics[0].partition_count != 1 ||
        fo.topics[0].partitions[0].committed_offset != 5 ||
        !wire_str_eq(fo.topics[0].partitions[0].metadata, "md"))
        FAIL("offset_fetch_all: %d topics", fo.topic_count);
    OK("offset_fetch_all");
    int32_t p1 = 1;
    proto_offset_fetch_req_topic ft = {wire_str_from(topic), 1, &p1};
    proto_offset_fetch_req fr1 = {wire_str_from("graw"), 1, &ft, 0};
    CALL(a, KAFKA_API_OFFSET_FETCH, 1, offset_fetch, &fr1, &fo, &A);
    if (fo.topic_count != 1 || fo.topics[0].partitions[0].committed_offset != -1)
        FAIL("offset_fetch_uncommitted: not -1");
    OK("offset_fetch_uncommitted");

    /* B joins (v3: no MEMBER_ID_REQUIRED) and its connection closes while
     * its JoinGroup waits for A to rejoin */
    int b = conn_open();
    wire_writer bw;
    wire_writer_init(&bw);
    proto_join_group_req jb = join_req("", 1500);
    proto_join_group_req_encode(&bw, 3, &jb);
    send_req(b, KAFKA_API_JOIN_GROUP, 3, &bw);
    int64_t deadline = now_ms() + 10000;
    int16_t e;
    while ((e = heartbeat(a, ma, 1)) == KAFKA_NONE && now_ms() < deadline)
        usleep(20000);
    EXPECT_ERR("heartbeat_rebalance_in_progress", e, KAFKA_REBALANCE_IN_PROGRESS);
    EXPECT_ERR("commit_while_preparing", commit(a, 1, ma, topic, 0, 6, WIRE_STR_NULL), KAFKA_NONE);
    close(b);
    jr = join_req(ma, 3000);
    CALL(a, KAFKA_API_JOIN_GROUP, 4, join_group, &jr, &jo, &A);
    if (jo.error_code || jo.generation_id != 2 || jo.member_count != 2)
        FAIL("second_generation: error %d generation %d members %d", jo.error_code,
             jo.generation_id, jo.member_count);
    OK("second_generation_with_closed_member");
    EXPECT_ERR("commit_while_completing", commit(a, 2, ma, topic, 0, 7, WIRE_STR_NULL),
               KAFKA_REBALANCE_IN_PROGRESS);
    EXPECT_ERR("sync_second_generation", sync_group(a, ma, 2, 1).error_code, KAFKA_NONE);
    /* B never heartbeats: after its 1.5 s session the group rebalances */
    deadline = now_ms() + 15000;
    while ((e = heartbeat(a, ma, 2)) == KAFKA_NONE && now_ms() < deadline)
        usleep(100000);
    EXPECT_ERR("session_expiry_rebalance", e, KAFKA_REBALANCE_IN_PROGRESS);
    CALL(a, KAFKA_API_JOIN_GROUP, 4, join_group, &jr, &jo, &A);
    if (jo.error_code || jo.generation_id != 3 || jo.member_count != 1)
        FAIL("third_generation: error %d generation %d members %d", jo.error_code, jo.generation_id,
             jo.member_count);
    OK("third_generation_alone");
    EXPECT_ERR("sync_third_generation", sync_group(a, ma, 3, 1).error_code, KAFKA_NONE);

    /* DescribeGroups, ListGroups */
    wire_str gid = wire_str_from("graw");
    proto_describe_groups_req dr = {1, &gid, 0};
    proto_describe_groups_resp dgo;
    CALL(a, KAFKA_API_DESCRIBE_GROUPS, 4, describe_groups, &dr, &dgo, &A);
    if (dgo.group_count != 1 || dgo.groups[0].error_code ||
        !wire_str_eq(dgo.groups[0].group_state, "Stable") ||
        !wire_str_eq(dgo.groups[0].protocol_type, "consumer") ||
        !wire_str_eq(dgo.groups[0].protocol_data, "range") || dgo.groups[0].member_count != 1 ||
        !wire_str_eq(dgo.groups[0].members[0].client_host, "/127.0.0.1") ||
        !wire_str_eq(dgo.groups[0].members[0].client_id, "group_raw") ||
        dgo.groups[0].members[0].member_assignment.len <= 0 ||
        dgo.groups[0].members[0].member_metadata.len <= 0)
        FAIL("describe_groups: unexpected description");
    OK("describe_groups");
    wire_str st = wire_str_from("stable");
    proto_list_groups_req lr = {1, &st};
    proto_list_groups_resp lo;
    CALL(a, KAFKA_API_LIST_GROUPS, 4, list_groups, &lr, &lo, &A);
    int found = 0;
    for (int32_t i = 0; i < lo.group_count; i++)
        found |= wire_str_eq(lo.groups[i].group_id, "graw") &&
                 wire_str_eq(lo.groups[i].group_state, "Stable");
    if (lo.error_code || !found)
        FAIL("list_groups_stable: graw not listed");
    OK("list_groups_stable");
    st = wire_str_from("Empty");
    CALL(a, KAFKA_API_LIST_GROUPS, 4, list_groups, &lr, &lo, &A);
    for (int32_t i = 0; i < lo.group_count; i++)
        if (wire_str_eq(lo.groups[i].group_id, "graw"))
            FAIL("list_groups_empty: graw listed as Empty");
    OK("list_groups_filtered");

    /* DeleteGroups */
    wire_str del[2] = {wire_str_from("graw"), wire_str_from("no-such-group")};
    proto_delete_groups_req delr = {2, del};
    proto_delete_groups_resp delo;
    CALL(a, KAFKA_API_DELETE_GROUPS, 1, delete_groups, &delr, &delo, &A);
    if (delo.result_count != 2)
        FAIL("delete_groups: %d results", delo.result_count);
    EXPECT_ERR("delete_non_empty_group", delo.results[0].error_code, KAFKA_NON_EMPTY_GROUP);
    EXPECT_ERR("delete_group_not_found", delo.results[1].error_code, KAFKA_GROUP_ID_NOT_FOUND);
    proto_leave_group_member lm = {WIRE_STR_NULL, WIRE_STR_NULL, 0};
    lm.member_id = wire_str_from(ma);
    proto_leave_group_req lvr = {wire_str_from("graw"), WIRE_STR_NULL, 1, &lm};
    proto_leave_group_resp lvo;
    CALL(a, KAFKA_API_LEAVE_GROUP, 3, leave_group, &lvr, &lvo, &A);
    if (lvo.error_code || lvo.member_count != 1 || lvo.members[0].error_code)
        FAIL("leave_group_v3: error %d", lvo.error_code);
    OK("leave_group_v3");
    EXPECT_ERR("heartbeat_after_leave", heartbeat(a, ma, 3), KAFKA_UNKNOWN_MEMBER_ID);
    delr.group_count = 1;
    CALL(a, KAFKA_API_DELETE_GROUPS, 1, delete_groups, &delr, &delo, &A);
    EXPECT_ERR("delete_empty_group", delo.results[0].error_code, KAFKA_NONE);
    CALL(a, KAFKA_API_OFFSET_FETCH, 7, offset_fetch, &fr, &fo, &A);
    if (fo.topic_count != 0)
        FAIL("offsets_deleted: %d topics still committed", fo.topic_count);
    OK("offsets_deleted");

    /* the internal topic */
    wire_str co = wire_str_from("__consumer_offsets");
    proto_metadata_req mr = {1, &co, 0, 0, 0};
    proto_metadata_resp mo;
    CALL(a, KAFKA_API_METADATA, 8, metadata, &mr, &mo, &A);
    if (mo.topic_count != 1 || mo.topics[0].error_code || !mo.topics[0].is_internal)
        FAIL("metadata_internal: not internal");
    OK("metadata_internal");
    proto_delete_topics_req dtr = {1, &co, 5000};
    proto_delete_topics_resp dto;
    CALL(a, KAFKA_API_DELETE_TOPICS, 3, delete_topics, &dtr, &dto, &A);
    EXPECT_ERR("delete_internal_topic", dto.topic_count == 1 ? dto.topics[0].error_code : -2,
               KAFKA_INVALID_TOPIC_EXCEPTION);
    proto_create_partitions_req_topic cpt = {co, 9, -1, NULL};
    proto_create_partitions_req cpr = {1, &cpt, 5000, 0};
    proto_create_partitions_resp cpo;
    CALL(a, KAFKA_API_CREATE_PARTITIONS, 1, create_partitions, &cpr, &cpo, &A);
    EXPECT_ERR("grow_internal_topic", cpo.result_count == 1 ? cpo.results[0].error_code : -2,
               KAFKA_INVALID_PARTITIONS);
    close(a);
    printf("PASS\n");
    return 0;
}
