/*
 * test_proto_group.c - consumer group codecs of wire/protocol.h: JoinGroup
 * 0-5, SyncGroup 0-3, Heartbeat 0-3, LeaveGroup 0-3, OffsetCommit 0-7,
 * OffsetFetch 0-7 (flexible 6-7), ListGroups 0-4 (flexible 3-4),
 * DescribeGroups 0-4, DeleteGroups 0-1 and the "consumer" embedded
 * protocol (Subscription / Assignment).
 *
 * Same method as test_proto_admin.c: per version, encode non-default
 * values, decode, compare the fields the version carries (defaults for the
 * rest), require byte-identical re-encoding and failure at every
 * truncation; plus hand-laid bytes for JoinGroup v5, OffsetFetch v6 and
 * OffsetCommit v2, checked both ways.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "wire/protocol.h"
#include "test_proto_helpers.h"

CODEC(join_group_req);
CODEC(join_group_resp);
CODEC(sync_group_req);
CODEC(sync_group_resp);
CODEC(heartbeat_req);
CODEC(heartbeat_resp);
CODEC(leave_group_req);
CODEC(leave_group_resp);
CODEC(offset_commit_req);
CODEC(offset_commit_resp);
CODEC(offset_fetch_req);
CODEC(offset_fetch_resp);
CODEC(list_groups_req);
CODEC(list_groups_resp);
CODEC(describe_groups_req);
CODEC(describe_groups_resp);
CODEC(delete_groups_req);
CODEC(delete_groups_resp);

static const uint8_t meta1[] = {0x00, 0x01, 0xab};
static const uint8_t meta2[] = {0xcd};

static void assert_bytes(wire_bytes b, const uint8_t *want, int32_t n) {
    assert_int_equal(b.len, n);
    if (n > 0)
        assert_memory_equal(b.ptr, want, (size_t)n);
}

/* Decode of `buf` in version v must fail (wrong layout for that version). */
static void assert_decode_fails(const codec *c, int16_t v, const uint8_t *buf, size_t len) {
    void *tmp = malloc(c->size);
    assert_non_null(tmp);
    wire_arena a;
    wire_arena_init(&a);
    wire_reader r;
    wire_reader_init(&r, buf, len);
    int rc = c->dec(&r, v, &a, tmp);
    assert_true(rc != 0 || r.pos != len);
    wire_arena_free(&a);
    free(tmp);
}

/* ---- versions and headers ---- */

static void test_versions(void **state) {
    (void)state;
    static const struct {
        int16_t key, lo, hi, flex_from;
    } want[] = {
        {KAFKA_API_JOIN_GROUP, 0, 5, 6},    {KAFKA_API_SYNC_GROUP, 0, 3, 4},
        {KAFKA_API_HEARTBEAT, 0, 3, 4},     {KAFKA_API_LEAVE_GROUP, 0, 3, 4},
        {KAFKA_API_OFFSET_COMMIT, 0, 7, 8}, {KAFKA_API_OFFSET_FETCH, 0, 7, 6},
        {KAFKA_API_LIST_GROUPS, 0, 4, 3},   {KAFKA_API_DESCRIBE_GROUPS, 0, 4, 5},
        {KAFKA_API_DELETE_GROUPS, 0, 1, 2}, {KAFKA_API_FIND_COORDINATOR, 0, 2, 3},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const proto_api_range *r = proto_api_range_find(want[i].key);
        assert_non_null(r);
        assert_int_equal(r->min_version, want[i].lo);
        assert_int_equal(r->max_version, want[i].hi);
        assert_false(proto_api_supported(want[i].key, (int16_t)(want[i].hi + 1)));
        for (int16_t v = want[i].lo; v <= want[i].hi + 1; v++) {
            int flex = v >= want[i].flex_from;
            assert_int_equal(proto_is_flexible(want[i].key, v), flex);
            assert_int_equal(proto_req_header_version(want[i].key, v), flex ? 2 : 1);
            assert_int_equal(proto_resp_header_version(want[i].key, v), flex ? 1 : 0);
        }
    }
    /* the table stays ascending by key (ApiVersions is built from it) */
    for (size_t i = 1; i < proto_api_range_count; i++)
        assert_true(proto_api_ranges[i].api_key > proto_api_ranges[i - 1].api_key);
    /* librdkafka 2.0.2 / kafkajs ranges pick our maxima */
    assert_int_equal(proto_api_version_pick(KAFKA_API_JOIN_GROUP, 0, 5), 5);
    assert_int_equal(proto_api_version_pick(KAFKA_API_OFFSET_COMMIT, 0, 7), 7);
    assert_int_equal(proto_api_version_pick(KAFKA_API_OFFSET_FETCH, 1, 4), 4);
    assert_int_equal(proto_api_version_pick(KAFKA_API_LEAVE_GROUP, 0, 1), 1);
    assert_int_equal(proto_api_version_pick(KAFKA_API_JOIN_GROUP, 6, 9), -1);
}

/* Versions outside the table: encoders write nothing, decoders refuse. */
static void test_unsupported_versions(void **state) {
    (void)state;
    proto_join_group_req jr = {0};
    wire_writer w;
    wire_writer_init(&w);
    proto_join_group_req_encode(&w, 6, &jr);
    assert_int_equal(w.err, WIRE_ERR_INVALID);
    assert_int_equal(w.len, 0);
    wire_writer_free(&w);
    wire_writer_init(&w);
    proto_offset_fetch_req ofr = {0};
    proto_offset_fetch_req_encode(&w, 8, &ofr);
    assert_int_equal(w.err, WIRE_ERR_INVALID);
    wire_writer_free(&w);
    static const uint8_t zeros[64] = {0};
    assert_decode_fails(&codec_join_group_resp, 6, zeros, sizeof(zeros));
    assert_decode_fails(&codec_sync_group_req, 4, zeros, sizeof(zeros));
    assert_decode_fails(&codec_heartbeat_req, -1, zeros, sizeof(zeros));
    assert_decode_fails(&codec_leave_group_resp, 4, zeros, sizeof(zeros));
    assert_decode_fails(&codec_offset_commit_req, 8, zeros, sizeof(zeros));
    assert_decode_fails(&codec_list_groups_resp, 5, zeros, sizeof(zeros));
    assert_decode_fails(&codec_describe_groups_req, 5, zeros, sizeof(zeros));
    assert_decode_fails(&codec_delete_groups_resp, 2, zeros, sizeof(zeros));
}

/* ---- JoinGroup ---- */

static void test_join_group_round_trip(void **state) {
    (void)state;
    proto_join_group_protocol protos[] = {{wire_str_from("range"), {meta1, 3}},
                                          {wire_str_from("roundrobin"), {meta2, 1}}};
    proto_join_group_req in = {
        wire_str_from("grp"),      30000, 60000, wire_str_from("m-1"), wire_str_from("inst-1"),
        wire_str_from("consumer"), 2,     protos};
    proto_join_group_member members[] = {
        {wire_str_from("m-1"), wire_str_from("inst-1"), {meta1, 3}},
        {wire_str_from("m-2"), WIRE_STR_NULL, {meta2, 1}}};
    proto_join_group_resp rin = {
        7, 0, 3, wire_str_from("range"), wire_str_from("m-1"), wire_str_from("m-2"), 2, members};
    for (int16_t v = 0; v <= 5; v++) {
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        proto_join_group_req out;
        round_trip(&codec_join_group_req, v, &in, &out, &w, &a);
        assert_str(out.group_id, "grp");
        assert_int_equal(out.session_timeout_ms, 30000);
        assert_int_equal(out.rebalance_timeout_ms, v >= 1 ? 60000 : -1);
        assert_str(out.member_id, "m-1");
        assert_str(out.group_instance_id, v >= 5 ? "inst-1" : NULL);
        assert_str(out.protocol_type, "consumer");
        assert_int_equal(out.protocol_count, 2);
        assert_str(out.protocols[1].name, "roundrobin");
        assert_bytes(out.protocols[0].metadata, meta1, 3);
        wire_writer_free(&w);

        proto_join_group_resp rout;
        round_trip(&codec_join_group_resp, v, &rin, &rout, &w, &a);
        assert_int_equal(rout.throttle_time_ms, v >= 2 ? 7 : 0);
        assert_int_equal(rout.error_code, 0);
        assert_int_equal(rout.generation_id, 3);
        assert_str(rout.protocol_name, "range");
        assert_str(rout.leader, "m-1");
        assert_str(rout.member_id, "m-2");
        assert_int_equal(rout.member_count, 2);
        assert_str(rout.members[0].group_instance_id, v >= 5 ? "inst-1" : NULL);
        assert_str(rout.members[1].group_instance_id, NULL);
        assert_bytes(rout.members[1].metadata, meta2, 1);
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
}

static void test_join_group_v5_bytes(void **state) {
    (void)state;
    static const uint8_t req[] = {
        0x00, 0x01, 'g',                                         /* group_id */
        0x00, 0x00, 0x75, 0x30,                                  /* session 30000 */
        0x00, 0x00, 0xea, 0x60,                                  /* rebalance 60000 */
        0x00, 0x00,                                              /* member_id "" */
        0xff, 0xff,                                              /* group_instance_id null */
        0x00, 0x08, 'c',  'o',  'n',  's',  'u',  'm', 'e', 'r', /* protocol_type */
        0x00, 0x00, 0x00, 0x01,                                  /* 1 protocol */
        0x00, 0x05, 'r',  'a',  'n',  'g',  'e',                 /* name */
        0x00, 0x00, 0x00, 0x03, 0x00, 0x01, 0xab,                /* metadata */
    };
    proto_join_group_protocol p = {wire_str_from("range"), {meta1, 3}};
    proto_join_group_req in = {wire_str_from("g"),        30000, 60000, {"", 0}, WIRE_STR_NULL,
                               wire_str_from("consumer"), 1,     &p};
    assert_encodes_to(&codec_join_group_req, 5, &in, req, sizeof(req));

    wire_arena a;
    wire_arena_init(&a);
    wire_reader r;
    wire_reader_init(&r, req, sizeof(req));
    proto_join_group_req out;
    assert_int_equal(proto_join_group_req_decode(&r, 5, &a, &out), 0);
    assert_int_equal(out.member_id.len, 0);
    assert_str(out.group_instance_id, NULL);
    assert_int_equal(out.rebalance_timeout_ms, 60000);
    /* v4 has no group_instance_id: the same bytes do not parse as v4 */
    assert_decode_fails(&codec_join_group_req, 4, req, sizeof(req));

    /* MEMBER_ID_REQUIRED answer of a v4+ first join */
    static const uint8_t resp[] = {
        0x00, 0x00, 0x00, 0x00,       /* throttle */
        0x00, 0x4f,                   /* MEMBER_ID_REQUIRED (79) */
        0xff, 0xff, 0xff, 0xff,       /* generation -1 */
        0x00, 0x00,                   /* protocol_name "" */
        0x00, 0x00,                   /* leader "" */
        0x00, 0x03, 'm',  '-',  '1',  /* member_id */
        0x00, 0x00, 0x00, 0x01,       /* 1 member */
        0x00, 0x03, 'm',  '-',  '1',  /* member_id */
        0x00, 0x01, 'i',              /* group_instance_id */
        0x00, 0x00, 0x00, 0x01, 0xcd, /* metadata */
    };
    proto_join_group_member m = {wire_str_from("m-1"), wire_str_from("i"), {meta2, 1}};
    proto_join_group_resp rin = {
        0, KAFKA_MEMBER_ID_REQUIRED, -1, WIRE_STR_NULL, WIRE_STR_NULL, wire_str_from("m-1"), 1, &m};
    assert_encodes_to(&codec_join_group_resp, 5, &rin, resp, sizeof(resp));
    wire_reader_init(&r, resp, sizeof(resp));
    proto_join_group_resp rout;
    assert_int_equal(proto_join_group_resp_decode(&r, 5, &a, &rout), 0);
    assert_int_equal(rout.error_code, 79);
    assert_int_equal(rout.generation_id, -1);
    assert_str(rout.protocol_name, "");
    assert_str(rout.members[0].group_instance_id, "i");
    /* a null metadata on the wire is refused (BYTES is not nullable) */
    uint8_t bad[sizeof(resp)];
    memcpy(bad, resp, sizeof(bad));
    memset(bad + sizeof(bad) - 5, 0xff, 4);
    wire_reader_init(&r, bad, sizeof(bad) - 1);
    assert_int_equal(proto_join_group_resp_decode(&r, 5, &a, &rout), WIRE_ERR_INVALID);
    wire_arena_free(&a);
}

/* ---- SyncGroup, Heartbeat ---- */

static void test_sync_group_round_trip(void **state) {
    (void)state;
    proto_sync_group_assignment as[] = {{wire_str_from("m-1"), {meta1, 3}},
                                        {wire_str_from("m-2"), {NULL, 0}}};
    proto_sync_group_req in = {wire_str_from("grp"),  4, wire_str_from("m-1"),
                               wire_str_from("inst"), 2, as};
    proto_sync_group_resp rin = {9, KAFKA_REBALANCE_IN_PROGRESS, {meta2, 1}};
    for (int16_t v = 0; v <= 3; v++) {
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        proto_sync_group_req out;
        round_trip(&codec_sync_group_req, v, &in, &out, &w, &a);
        assert_str(out.group_id, "grp");
        assert_int_equal(out.generation_id, 4);
        assert_str(out.member_id, "m-1");
        assert_str(out.group_instance_id, v >= 3 ? "inst" : NULL);
        assert_int_equal(out.assignment_count, 2);
        assert_str(out.assignments[1].member_id, "m-2");
        assert_bytes(out.assignments[0].assignment, meta1, 3);
        assert_int_equal(out.assignments[1].assignment.len, 0);
        wire_writer_free(&w);

        proto_sync_group_resp rout;
        round_trip(&codec_sync_group_resp, v, &rin, &rout, &w, &a);
        assert_int_equal(rout.throttle_time_ms, v >= 1 ? 9 : 0);
        assert_int_equal(rout.error_code, KAFKA_REBALANCE_IN_PROGRESS);
        assert_bytes(rout.assignment, meta2, 1);
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
}

static void test_heartbeat_round_trip(void **state) {
    (void)state;
    proto_heartbeat_req in = {wire_str_from("grp"), 12, wire_str_from("m-1"),
                              wire_str_from("inst")};
    proto_heartbeat_resp rin = {3, KAFKA_ILLEGAL_GENERATION};
    for (int16_t v = 0; v <= 3; v++) {
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        proto_heartbeat_req out;
        round_trip(&codec_heartbeat_req, v, &in, &out, &w, &a);
        assert_str(out.group_id, "grp");
        assert_int_equal(out.generation_id, 12);
        assert_str(out.member_id, "m-1");
        assert_str(out.group_instance_id, v >= 3 ? "inst" : NULL);
        assert_int_equal(w.len, 2 + 3 + 4 + 2 + 3 + (v >= 3 ? 2 + 4 : 0));
        wire_writer_free(&w);
        proto_heartbeat_resp rout;
        round_trip(&codec_heartbeat_resp, v, &rin, &rout, &w, &a);
        assert_int_equal(rout.throttle_time_ms, v >= 1 ? 3 : 0);
        assert_int_equal(rout.error_code, KAFKA_ILLEGAL_GENERATION);
        assert_int_equal(w.len, v >= 1 ? 6 : 2);
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
}

/* ---- LeaveGroup ---- */

static void test_leave_group_round_trip(void **state) {
    (void)state;
    proto_leave_group_member ms[] = {
        {wire_str_from("m-1"), wire_str_from("inst-1"), 0},
        {wire_str_from("m-2"), WIRE_STR_NULL, KAFKA_UNKNOWN_MEMBER_ID}};
    proto_leave_group_req in = {wire_str_from("grp"), wire_str_from("m-9"), 2, ms};
    proto_leave_group_resp rin = {5, 0, 2, ms};
    for (int16_t v = 0; v <= 3; v++) {
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        proto_leave_group_req out;
        round_trip(&codec_leave_group_req, v, &in, &out, &w, &a);
        assert_str(out.group_id, "grp");
        if (v <= 2) {
            assert_str(out.member_id, "m-9");
            assert_int_equal(out.member_count, 0);
            assert_null(out.members);
        } else {
            assert_str(out.member_id, NULL);
            assert_int_equal(out.member_count, 2);
            assert_str(out.members[0].member_id, "m-1");
            assert_str(out.members[0].group_instance_id, "inst-1");
            assert_str(out.members[1].group_instance_id, NULL);
        }
        wire_writer_free(&w);
        proto_leave_group_resp rout;
        round_trip(&codec_leave_group_resp, v, &rin, &rout, &w, &a);
        assert_int_equal(rout.throttle_time_ms, v >= 1 ? 5 : 0);
        assert_int_equal(rout.member_count, v >= 3 ? 2 : 0);
        if (v >= 3) {
            assert_int_equal(rout.members[1].error_code, KAFKA_UNKNOWN_MEMBER_ID);
            assert_str(rout.members[1].member_id, "m-2");
        }
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
}

/* ---- OffsetCommit ---- */

static void test_offset_commit_round_trip(void **state) {
    (void)state;
    proto_offset_commit_req_partition ps[] = {{0, 42, 3, 1700000000000, wire_str_from("md")},
                                              {5, 7, 4, 1700000000001, WIRE_STR_NULL}};
    proto_offset_commit_req_topic ts[] = {{wire_str_from("orders"), 2, ps},
                                          {wire_str_from("empty"), 0, NULL}};
    proto_offset_commit_req in = {
        wire_str_from("grp"), 6, wire_str_from("m-1"), wire_str_from("inst"), 86400000, 2, ts};
    proto_offset_commit_resp_partition rps[] = {{0, 0}, {5, KAFKA_OFFSET_METADATA_TOO_LARGE}};
    proto_offset_commit_resp_topic rts[] = {{wire_str_from("orders"), 2, rps}};
    proto_offset_commit_resp rin = {11, 1, rts};
    for (int16_t v = 0; v <= 7; v++) {
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        proto_offset_commit_req out;
        round_trip(&codec_offset_commit_req, v, &in, &out, &w, &a);
        assert_str(out.group_id, "grp");
        assert_int_equal(out.generation_id, v >= 1 ? 6 : -1);
        assert_str(out.member_id, v >= 1 ? "m-1" : "");
        assert_str(out.group_instance_id, v >= 7 ? "inst" : NULL);
        assert_int_equal(out.retention_time_ms, v >= 2 && v <= 4 ? 86400000 : -1);
        assert_int_equal(out.topic_count, 2);
        assert_int_equal(out.topics[1].partition_count, 0);
        const proto_offset_commit_req_partition *p = &out.topics[0].partitions[0];
        assert_int_equal(p->partition_index, 0);
        assert_int_equal(p->committed_offset, 42);
        assert_int_equal(p->committed_leader_epoch, v >= 6 ? 3 : -1);
        assert_int_equal(p->commit_timestamp, v == 1 ? 1700000000000 : -1);
        assert_str(p->committed_metadata, "md");
        assert_str(out.topics[0].partitions[1].committed_metadata, NULL);
        wire_writer_free(&w);

        proto_offset_commit_resp rout;
        round_trip(&codec_offset_commit_resp, v, &rin, &rout, &w, &a);
        assert_int_equal(rout.throttle_time_ms, v >= 3 ? 11 : 0);
        assert_int_equal(rout.topic_count, 1);
        assert_str(rout.topics[0].name, "orders");
        assert_int_equal(rout.topics[0].partitions[1].partition_index, 5);
        assert_int_equal(rout.topics[0].partitions[1].error_code, KAFKA_OFFSET_METADATA_TOO_LARGE);
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
}

static void test_offset_commit_v2_bytes(void **state) {
    (void)state;
    static const uint8_t req[] = {
        0x00, 0x01, 'g',                                /* group_id */
        0x00, 0x00, 0x00, 0x01,                         /* generation 1 */
        0x00, 0x01, 'm',                                /* member_id */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* retention -1 */
        0x00, 0x00, 0x00, 0x01,                         /* 1 topic */
        0x00, 0x01, 't',                                /* name */
        0x00, 0x00, 0x00, 0x01,                         /* 1 partition */
        0x00, 0x00, 0x00, 0x02,                         /* partition 2 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, /* offset 42 */
        0x00, 0x02, 'm',  'd',                          /* metadata */
    };
    proto_offset_commit_req_partition p = {2, 42, 9, 123, wire_str_from("md")};
    proto_offset_commit_req_topic t = {wire_str_from("t"), 1, &p};
    proto_offset_commit_req in = {
        wire_str_from("g"), 1, wire_str_from("m"), wire_str_from("x"), -1, 1, &t};
    assert_encodes_to(&codec_offset_commit_req, 2, &in, req, sizeof(req));
    wire_arena a;
    wire_arena_init(&a);
    wire_reader r;
    wire_reader_init(&r, req, sizeof(req));
    proto_offset_commit_req out;
    assert_int_equal(proto_offset_commit_req_decode(&r, 2, &a, &out), 0);
    assert_int_equal(out.retention_time_ms, -1);
    assert_int_equal(out.topics[0].partitions[0].partition_index, 2);
    assert_int_equal(out.topics[0].partitions[0].committed_offset, 42);
    assert_int_equal(out.topics[0].partitions[0].committed_leader_epoch, -1);
    assert_int_equal(out.topics[0].partitions[0].commit_timestamp, -1);
    assert_str(out.topics[0].partitions[0].committed_metadata, "md");
    /* v1 puts an int64 timestamp per partition instead of the retention:
     * same length, other meaning; v5 has neither (8 bytes too many) */
    assert_decode_fails(&codec_offset_commit_req, 5, req, sizeof(req));
    wire_arena_free(&a);
}

/* ---- OffsetFetch ---- */

static void test_offset_fetch_round_trip(void **state) {
    (void)state;
    int32_t parts[] = {0, 3, 7};
    proto_offset_fetch_req_topic ts[] = {{wire_str_from("orders"), 3, parts},
                                         {wire_str_from("logs"), 0, NULL}};
    proto_offset_fetch_req in = {wire_str_from("grp"), 2, ts, 1};
    proto_offset_fetch_resp_partition ps[] = {{0, 42, 5, wire_str_from("md"), 0},
                                              {3, -1, -1, WIRE_STR_NULL, 0},
                                              {7, 9, 2, {"", 0}, KAFKA_UNKNOWN_TOPIC_OR_PARTITION}};
    proto_offset_fetch_resp_topic rts[] = {{wire_str_from("orders"), 3, ps}};
    proto_offset_fetch_resp rin = {13, 1, rts, KAFKA_COORDINATOR_LOAD_IN_PROGRESS};
    for (int16_t v = 0; v <= 7; v++) {
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        proto_offset_fetch_req out;
        round_trip(&codec_offset_fetch_req, v, &in, &out, &w, &a);
        assert_str(out.group_id, "grp");
        assert_int_equal(out.topic_count, 2);
        assert_str(out.topics[0].name, "orders");
        assert_i32s(out.topics[0].partitions, out.topics[0].partition_count, parts, 3);
        assert_int_equal(out.topics[1].partition_count, 0);
        assert_int_equal(out.require_stable, v >= 7 ? 1 : 0);
        wire_writer_free(&w);

        proto_offset_fetch_resp rout;
        round_trip(&codec_offset_fetch_resp, v, &rin, &rout, &w, &a);
        assert_int_equal(rout.throttle_time_ms, v >= 3 ? 13 : 0);
        assert_int_equal(rout.error_code, v >= 2 ? KAFKA_COORDINATOR_LOAD_IN_PROGRESS : 0);
        assert_int_equal(rout.topic_count, 1);
        const proto_offset_fetch_resp_partition *p = rout.topics[0].partitions;
        assert_int_equal(p[0].committed_offset, 42);
        assert_int_equal(p[0].committed_leader_epoch, v >= 5 ? 5 : -1);
        assert_str(p[0].metadata, "md");
        assert_str(p[1].metadata, NULL);
        assert_int_equal(p[1].committed_offset, -1);
        assert_str(p[2].metadata, "");
        assert_int_equal(p[2].error_code, KAFKA_UNKNOWN_TOPIC_OR_PARTITION);
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
    /* null topics ("all of the group") exist from v2; v0-1 send it empty */
    proto_offset_fetch_req all = {wire_str_from("grp"), -1, NULL, 0};
    for (int16_t v = 0; v <= 7; v++) {
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        proto_offset_fetch_req out;
        round_trip(&codec_offset_fetch_req, v, &all, &out, &w, &a);
        assert_int_equal(out.topic_count, v >= 2 ? -1 : 0);
        assert_null(out.topics);
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
}

static void test_offset_fetch_v6_bytes(void **state) {
    (void)state;
    static const uint8_t req[] = {
        0x02, 'g',                    /* group_id (compact) */
        0x02,                         /* 1 topic (compact array) */
        0x02, 't',                    /* name */
        0x03, 0x00, 0x00, 0x00, 0x00, /* 2 partitions: 0 */
        0x00, 0x00, 0x00, 0x01,       /* 1 */
        0x00,                         /* topic tags */
        0x00,                         /* request tags */
    };
    int32_t parts[] = {0, 1};
    proto_offset_fetch_req_topic t = {wire_str_from("t"), 2, parts};
    proto_offset_fetch_req in = {wire_str_from("g"), 1, &t, 0};
    assert_encodes_to(&codec_offset_fetch_req, 6, &in, req, sizeof(req));
    /* v7 appends require_stable before the tags */
    static const uint8_t req7[] = {0x02, 'g', 0x00, 0x01, 0x00};
    proto_offset_fetch_req all = {wire_str_from("g"), -1, NULL, 1};
    assert_encodes_to(&codec_offset_fetch_req, 7, &all, req7, sizeof(req7));

    wire_arena a;
    wire_arena_init(&a);
    wire_reader r;
    wire_reader_init(&r, req, sizeof(req));
    proto_offset_fetch_req out;
    assert_int_equal(proto_offset_fetch_req_decode(&r, 6, &a, &out), 0);
    assert_str(out.group_id, "g");
    assert_i32s(out.topics[0].partitions, out.topics[0].partition_count, parts, 2);

    /* unknown tagged fields are skipped (tag 5, 2 bytes, in the topic) */
    static const uint8_t tagged[] = {0x02, 'g',  0x02, 0x02, 't',  0x02, 0x00, 0x00,
                                     0x00, 0x04, 0x01, 0x05, 0x02, 0xaa, 0xbb, 0x00};
    wire_reader_init(&r, tagged, sizeof(tagged));
    assert_int_equal(proto_offset_fetch_req_decode(&r, 6, &a, &out), 0);
    assert_int_equal(r.pos, sizeof(tagged));
    assert_int_equal(out.topics[0].partitions[0], 4);

    static const uint8_t resp[] = {
        0x00, 0x00, 0x00, 0x00,                         /* throttle */
        0x02,                                           /* 1 topic */
        0x02, 't',                                      /* name */
        0x02,                                           /* 1 partition */
        0x00, 0x00, 0x00, 0x00,                         /* partition 0 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, /* offset 5 */
        0xff, 0xff, 0xff, 0xff,                         /* leader epoch -1 */
        0x00,                                           /* metadata null */
        0x00, 0x00,                                     /* error */
        0x00,                                           /* partition tags */
        0x00,                                           /* topic tags */
        0x00, 0x00,                                     /* group error */
        0x00,                                           /* response tags */
    };
    proto_offset_fetch_resp_partition p = {0, 5, -1, WIRE_STR_NULL, 0};
    proto_offset_fetch_resp_topic rt = {wire_str_from("t"), 1, &p};
    proto_offset_fetch_resp rin = {0, 1, &rt, 0};
    assert_encodes_to(&codec_offset_fetch_resp, 6, &rin, resp, sizeof(resp));
    wire_reader_init(&r, resp, sizeof(resp));
    proto_offset_fetch_resp rout;
    assert_int_equal(proto_offset_fetch_resp_decode(&r, 6, &a, &rout), 0);
    assert_int_equal(rout.topics[0].partitions[0].committed_offset, 5);
    assert_str(rout.topics[0].partitions[0].metadata, NULL);
    /* the same bytes are not a v5 (non-flexible) response */
    assert_decode_fails(&codec_offset_fetch_resp, 5, resp, sizeof(resp));
    wire_arena_free(&a);
}

/* ---- ListGroups, DescribeGroups, DeleteGroups ---- */

static void test_list_groups_round_trip(void **state) {
    (void)state;
    wire_str states[] = {wire_str_from("Stable"), wire_str_from("Empty")};
    proto_list_groups_req in = {2, states};
    proto_list_groups_group gs[] = {
        {wire_str_from("g1"), wire_str_from("consumer"), wire_str_from("Stable")},
        {wire_str_from("g2"), {"", 0}, wire_str_from("Empty")}};
    proto_list_groups_resp rin = {4, 0, 2, gs};
    for (int16_t v = 0; v <= 4; v++) {
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        proto_list_groups_req out;
        if (v <= 2) { /* empty body */
            wire_writer_init(&w);
            proto_list_groups_req_encode(&w, v, &in);
            assert_int_equal(w.err, 0);
            assert_int_equal(w.len, 0);
            wire_reader r;
            wire_reader_init(&r, NULL, 0);
            assert_int_equal(proto_list_groups_req_decode(&r, v, &a, &out), 0);
            assert_int_equal(out.states_filter_count, 0);
        } else {
            round_trip(&codec_list_groups_req, v, &in, &out, &w, &a);
            assert_int_equal(out.states_filter_count, v >= 4 ? 2 : 0);
            if (v >= 4)
                assert_str(out.states_filter[1], "Empty");
            assert_int_equal(w.len, v >= 4 ? 1 + 7 + 6 + 1 : 1);
        }
        wire_writer_free(&w);
        proto_list_groups_resp rout;
        round_trip(&codec_list_groups_resp, v, &rin, &rout, &w, &a);
        assert_int_equal(rout.throttle_time_ms, v >= 1 ? 4 : 0);
        assert_int_equal(rout.group_count, 2);
        assert_str(rout.groups[0].group_id, "g1");
        assert_str(rout.groups[0].protocol_type, "consumer");
        assert_str(rout.groups[1].protocol_type, "");
        assert_str(rout.groups[0].group_state, v >= 4 ? "Stable" : "");
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
    /* v3 response, hand-laid: compact array and strings, tags everywhere */
    static const uint8_t resp3[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
                                    0x02, 'g',  0x02, 'c',  0x00, 0x00};
    proto_list_groups_group g = {wire_str_from("g"), wire_str_from("c"), wire_str_from("x")};
    proto_list_groups_resp one = {0, 0, 1, &g};
    assert_encodes_to(&codec_list_groups_resp, 3, &one, resp3, sizeof(resp3));
}

static void test_describe_groups_round_trip(void **state) {
    (void)state;
    wire_str names[] = {wire_str_from("g1"), wire_str_from("g2")};
    proto_describe_groups_req in = {2, names, 1};
    proto_describe_groups_member ms[] = {{wire_str_from("m-1"),
                                          wire_str_from("inst"),
                                          wire_str_from("rdkafka"),
                                          wire_str_from("/127.0.0.1"),
                                          {meta1, 3},
                                          {meta2, 1}},
                                         {wire_str_from("m-2"),
                                          WIRE_STR_NULL,
                                          wire_str_from("c2"),
                                          wire_str_from("/h"),
                                          {NULL, 0},
                                          {NULL, 0}}};
    proto_describe_groups_group gs[] = {{0, wire_str_from("g1"), wire_str_from("Stable"),
                                         wire_str_from("consumer"), wire_str_from("range"), 2, ms,
                                         0x1f},
                                        {KAFKA_GROUP_ID_NOT_FOUND,
                                         wire_str_from("g2"),
                                         wire_str_from("Dead"),
                                         {"", 0},
                                         {"", 0},
                                         0,
                                         NULL,
                                         INT32_MIN}};
    proto_describe_groups_resp rin = {8, 2, gs};
    for (int16_t v = 0; v <= 4; v++) {
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        proto_describe_groups_req out;
        round_trip(&codec_describe_groups_req, v, &in, &out, &w, &a);
        assert_int_equal(out.group_count, 2);
        assert_str(out.groups[1], "g2");
        assert_int_equal(out.include_authorized_operations, v >= 3 ? 1 : 0);
        wire_writer_free(&w);

        proto_describe_groups_resp rout;
        round_trip(&codec_describe_groups_resp, v, &rin, &rout, &w, &a);
        assert_int_equal(rout.throttle_time_ms, v >= 1 ? 8 : 0);
        assert_int_equal(rout.group_count, 2);
        const proto_describe_groups_group *g = &rout.groups[0];
        assert_str(g->group_state, "Stable");
        assert_str(g->protocol_data, "range");
        assert_int_equal(g->member_count, 2);
        assert_str(g->members[0].group_instance_id, v >= 4 ? "inst" : NULL);
        assert_str(g->members[0].client_host, "/127.0.0.1");
        assert_bytes(g->members[0].member_metadata, meta1, 3);
        assert_bytes(g->members[0].member_assignment, meta2, 1);
        assert_int_equal(g->authorized_operations, v >= 3 ? 0x1f : INT32_MIN);
        assert_int_equal(rout.groups[1].error_code, KAFKA_GROUP_ID_NOT_FOUND);
        assert_int_equal(rout.groups[1].member_count, 0);
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
}

static void test_delete_groups_round_trip(void **state) {
    (void)state;
    wire_str names[] = {wire_str_from("g1"), wire_str_from("g2")};
    proto_delete_groups_req in = {2, names};
    proto_delete_groups_result rs[] = {{wire_str_from("g1"), 0},
                                       {wire_str_from("g2"), KAFKA_NON_EMPTY_GROUP}};
    proto_delete_groups_resp rin = {2, 2, rs};
    for (int16_t v = 0; v <= 1; v++) {
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        proto_delete_groups_req out;
        round_trip(&codec_delete_groups_req, v, &in, &out, &w, &a);
        assert_int_equal(out.group_count, 2);
        assert_str(out.groups[0], "g1");
        wire_writer_free(&w);
        proto_delete_groups_resp rout;
        round_trip(&codec_delete_groups_resp, v, &rin, &rout, &w, &a);
        assert_int_equal(rout.throttle_time_ms, 2);
        assert_int_equal(rout.result_count, 2);
        assert_str(rout.results[1].group_id, "g2");
        assert_int_equal(rout.results[1].error_code, KAFKA_NON_EMPTY_GROUP);
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
}

/* ---- consumer protocol ---- */

static void test_consumer_subscription(void **state) {
    (void)state;
    wire_str topics[] = {wire_str_from("orders"), wire_str_from("logs")};
    int32_t owned_parts[] = {1, 2};
    proto_consumer_tp owned = {wire_str_from("orders"), 2, owned_parts};
    static const uint8_t ud[] = {0x42};
    for (int16_t v = 0; v <= 1; v++) {
        proto_consumer_subscription in = {v, 2, topics, {ud, 1}, 1, &owned};
        wire_writer w;
        wire_writer_init(&w);
        proto_consumer_subscription_encode(&w, &in);
        assert_int_equal(w.err, 0);
        /* every truncation fails, the whole decodes exactly */
        for (size_t cut = 0; cut <= w.len; cut++) {
            wire_arena a;
            wire_arena_init(&a);
            wire_reader r;
            wire_reader_init(&r, w.p, cut);
            proto_consumer_subscription out;
            int rc = proto_consumer_subscription_decode(&r, &a, &out);
            if (cut < w.len) {
                assert_int_not_equal(rc, 0);
            } else {
                assert_int_equal(rc, 0);
                assert_int_equal(r.pos, w.len);
                assert_int_equal(out.version, v);
                assert_int_equal(out.topic_count, 2);
                assert_str(out.topics[1], "logs");
                assert_bytes(out.user_data, ud, 1);
                assert_int_equal(out.owned_count, v >= 1 ? 1 : 0);
                if (v >= 1) {
                    assert_str(out.owned[0].topic, "orders");
                    assert_i32s(out.owned[0].partitions, out.owned[0].partition_count, owned_parts,
                                2);
                }
                wire_writer w2;
                wire_writer_init(&w2);
                proto_consumer_subscription_encode(&w2, &out);
                assert_int_equal(w2.len, w.len);
                assert_memory_equal(w2.p, w.p, w.len);
                wire_writer_free(&w2);
            }
            wire_arena_free(&a);
        }
        wire_writer_free(&w);
    }
    /* hand-laid v0 as librdkafka sends it: one topic, null user data */
    static const uint8_t v0[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
                                 0x01, 't',  0xff, 0xff, 0xff, 0xff};
    proto_consumer_subscription s0 = {0, 1, topics, WIRE_BYTES_NULL, 0, NULL};
    s0.topics = (wire_str[]){wire_str_from("t")};
    wire_writer w;
    wire_writer_init(&w);
    proto_consumer_subscription_encode(&w, &s0);
    assert_int_equal(w.len, sizeof(v0));
    assert_memory_equal(w.p, v0, sizeof(v0));
    wire_writer_free(&w);
    /* a v3 subscription (generation, rack appended) decodes its v1 prefix */
    static const uint8_t v3[] = {0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',
                                 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, /* owned: [] */
                                 0x00, 0x00, 0x00, 0x05, 0x00, 0x02, 'r',  '1'};
    wire_arena a;
    wire_arena_init(&a);
    wire_reader r;
    wire_reader_init(&r, v3, sizeof(v3));
    proto_consumer_subscription out;
    assert_int_equal(proto_consumer_subscription_decode(&r, &a, &out), 0);
    assert_int_equal(out.version, 3);
    assert_str(out.topics[0], "t");
    assert_int_equal(out.user_data.len, -1);
    assert_int_equal(out.owned_count, 0);
    /* negative version refused; version 2 cannot be encoded */
    static const uint8_t neg[] = {0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff};
    wire_reader_init(&r, neg, sizeof(neg));
    assert_int_equal(proto_consumer_subscription_decode(&r, &a, &out), WIRE_ERR_INVALID);
    wire_writer_init(&w);
    proto_consumer_subscription s2 = {2, 0, NULL, WIRE_BYTES_NULL, 0, NULL};
    proto_consumer_subscription_encode(&w, &s2);
    assert_int_equal(w.err, WIRE_ERR_INVALID);
    assert_int_equal(w.len, 0);
    wire_writer_free(&w);
    wire_arena_free(&a);
}

static void test_consumer_assignment(void **state) {
    (void)state;
    int32_t p0[] = {0, 2, 4};
    int32_t p1[] = {1};
    proto_consumer_tp tps[] = {{wire_str_from("orders"), 3, p0}, {wire_str_from("logs"), 1, p1}};
    static const uint8_t ud[] = {1, 2};
    for (int16_t v = 0; v <= 1; v++) {
        proto_consumer_assignment in = {v, 2, tps, v ? (wire_bytes){ud, 2} : WIRE_BYTES_NULL};
        wire_writer w;
        wire_writer_init(&w);
        proto_consumer_assignment_encode(&w, &in);
        assert_int_equal(w.err, 0);
        /* cut 0 is the empty assignment (accepted); every other prefix fails */
        for (size_t cut = 1; cut <= w.len; cut++) {
            wire_arena a;
            wire_arena_init(&a);
            wire_reader r;
            wire_reader_init(&r, w.p, cut);
            proto_consumer_assignment out;
            int rc = proto_consumer_assignment_decode(&r, &a, &out);
            if (cut < w.len) {
                assert_int_not_equal(rc, 0);
            } else {
                assert_int_equal(rc, 0);
                assert_int_equal(r.pos, w.len);
                assert_int_equal(out.version, v);
                assert_int_equal(out.tp_count, 2);
                assert_str(out.tps[0].topic, "orders");
                assert_i32s(out.tps[0].partitions, out.tps[0].partition_count, p0, 3);
                assert_i32s(out.tps[1].partitions, out.tps[1].partition_count, p1, 1);
                if (v)
                    assert_bytes(out.user_data, ud, 2);
                else
                    assert_int_equal(out.user_data.len, -1);
                wire_writer w2;
                wire_writer_init(&w2);
                proto_consumer_assignment_encode(&w2, &out);
                assert_int_equal(w2.len, w.len);
                assert_memory_equal(w2.p, w.p, w.len);
                wire_writer_free(&w2);
            }
            wire_arena_free(&a);
        }
        wire_writer_free(&w);
    }
    wire_arena a;
    wire_arena_init(&a);
    wire_reader r;
    wire_reader_init(&r, NULL, 0);
    proto_consumer_assignment out = {.tp_count = 99};
    assert_int_equal(proto_consumer_assignment_decode(&r, &a, &out), 0);
    assert_int_equal(out.tp_count, 0);
    assert_null(out.tps);
    wire_arena_free(&a);
}

/* Random input (mostly 0x00, some 0x01/0xff: counts stay small): decoders
 * return a status, never crash (sanitizer build), and what they accept in
 * versions 0-1 re-encodes to exactly the bytes consumed. The API codecs
 * are fuzzed in test_proto_fuzz.c. */
static void test_consumer_protocol_fuzz(void **state) {
    (void)state;
    uint64_t x = 0x2545f4914f6cdd1dull;
    uint8_t buf[96];
    size_t accepted = 0;
    for (int i = 0; i < 40000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t len = (size_t)(x % sizeof(buf));
        if (x & 0x100)
            len %= 20;
        for (size_t k = 0; k < len; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            uint32_t b = (uint32_t)(x >> 24);
            buf[k] = b % 8 < 6 ? 0x00 : b % 8 < 7 ? 0x01 : (b & 0x800) ? 0xff : (uint8_t)(b >> 8);
        }
        wire_arena a;
        wire_arena_init(&a);
        wire_reader r;
        wire_reader_init(&r, buf, len);
        wire_writer w;
        wire_writer_init(&w);
        if (i % 2) {
            proto_consumer_subscription s;
            int rc = proto_consumer_subscription_decode(&r, &a, &s);
            assert_true(rc == 0 || rc == WIRE_ERR_SHORT || rc == WIRE_ERR_INVALID);
            if (rc == 0 && s.version <= 1) {
                proto_consumer_subscription_encode(&w, &s);
                accepted++;
            }
        } else {
            proto_consumer_assignment as;
            int rc = proto_consumer_assignment_decode(&r, &a, &as);
            assert_true(rc == 0 || rc == WIRE_ERR_SHORT || rc == WIRE_ERR_INVALID);
            if (rc == 0 && as.version <= 1 && r.pos > 0) {
                proto_consumer_assignment_encode(&w, &as);
                accepted++;
            }
        }
        if (w.len) {
            assert_int_equal(w.err, 0);
            assert_int_equal(w.len, r.pos);
            assert_memory_equal(w.p, buf, w.len);
        }
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
    assert_true(accepted > 1000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_unsupported_versions),
        cmocka_unit_test(test_join_group_round_trip),
        cmocka_unit_test(test_join_group_v5_bytes),
        cmocka_unit_test(test_sync_group_round_trip),
        cmocka_unit_test(test_heartbeat_round_trip),
        cmocka_unit_test(test_leave_group_round_trip),
        cmocka_unit_test(test_offset_commit_round_trip),
        cmocka_unit_test(test_offset_commit_v2_bytes),
        cmocka_unit_test(test_offset_fetch_round_trip),
        cmocka_unit_test(test_offset_fetch_v6_bytes),
        cmocka_unit_test(test_list_groups_round_trip),
        cmocka_unit_test(test_describe_groups_round_trip),
        cmocka_unit_test(test_delete_groups_round_trip),
        cmocka_unit_test(test_consumer_subscription),
        cmocka_unit_test(test_consumer_assignment),
        cmocka_unit_test(test_consumer_protocol_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
