/*
 * test_proto_epoch.c - the OffsetForLeaderEpoch (23) codec, v0-4: round
 * trips of every version in both directions (with every truncation failing),
 * the fields each version carries, hand-laid bytes of a v3 request, a v0
 * and a v2 response and the flexible v4 forms, and versions outside 0-4.
 */
#include <string.h>

#include "test_proto_helpers.h"
#include "wire/kafka.h"

CODEC(offset_for_leader_epoch_req);
CODEC(offset_for_leader_epoch_resp);

static void test_req_round_trip(void **state) {
    (void)state;
    proto_offset_for_leader_epoch_req_partition parts[] = {{0, 7, 5}, {3, -1, 0}};
    proto_offset_for_leader_epoch_req_topic topics[] = {
        {wire_str_from("orders"), 2, parts},
        {wire_str_from("t.2"), 0, NULL},
    };
    proto_offset_for_leader_epoch_req in = {4, 2, topics};
    for (int16_t v = 0; v <= 4; v++) {
        proto_offset_for_leader_epoch_req out;
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        round_trip(&codec_offset_for_leader_epoch_req, v, &in, &out, &w, &a);
        assert_int_equal(out.replica_id, v >= 3 ? 4 : -2);
        assert_int_equal(out.topic_count, 2);
        assert_str(out.topics[0].name, "orders");
        assert_str(out.topics[1].name, "t.2");
        assert_int_equal(out.topics[1].partition_count, 0);
        const proto_offset_for_leader_epoch_req_partition *p = out.topics[0].partitions;
        assert_int_equal(out.topics[0].partition_count, 2);
        assert_int_equal(p[0].partition, 0);
        assert_int_equal(p[0].current_leader_epoch, v >= 2 ? 7 : -1);
        assert_int_equal(p[0].leader_epoch, 5);
        assert_int_equal(p[1].partition, 3);
        assert_int_equal(p[1].leader_epoch, 0);
        wire_arena_free(&a);
        wire_writer_free(&w);
    }
}

static void test_resp_round_trip(void **state) {
    (void)state;
    proto_offset_for_leader_epoch_resp_partition parts[] = {
        {KAFKA_NONE, 0, 5, 1234},
        {KAFKA_FENCED_LEADER_EPOCH, 1, -1, -1},
    };
    proto_offset_for_leader_epoch_resp_topic t = {wire_str_from("orders"), 2, parts};
    proto_offset_for_leader_epoch_resp in = {9, 1, &t};
    for (int16_t v = 0; v <= 4; v++) {
        proto_offset_for_leader_epoch_resp out;
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        round_trip(&codec_offset_for_leader_epoch_resp, v, &in, &out, &w, &a);
        assert_int_equal(out.throttle_time_ms, v >= 2 ? 9 : 0);
        assert_str(out.topics[0].name, "orders");
        const proto_offset_for_leader_epoch_resp_partition *p = out.topics[0].partitions;
        assert_int_equal(out.topics[0].partition_count, 2);
        assert_int_equal(p[0].error_code, KAFKA_NONE);
        assert_int_equal(p[0].leader_epoch, v >= 1 ? 5 : -1);
        assert_int_equal(p[0].end_offset, 1234);
        assert_int_equal(p[1].error_code, KAFKA_FENCED_LEADER_EPOCH);
        assert_int_equal(p[1].partition, 1);
        assert_int_equal(p[1].end_offset, -1);
        wire_arena_free(&a);
        wire_writer_free(&w);
    }
}

static void test_bytes(void **state) {
    (void)state;
    /* v3 request from a follower (replica 2). */
    static const uint8_t req_v3[] = {
        0x00, 0x00, 0x00, 0x02,                  /* replica_id 2 */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', /* topics: "t" */
        0x00, 0x00, 0x00, 0x01,                  /* 1 partition */
        0x00, 0x00, 0x00, 0x04,                  /* partition 4 */
        0x00, 0x00, 0x00, 0x03,                  /* current_leader_epoch 3 */
        0x00, 0x00, 0x00, 0x02,                  /* leader_epoch 2 */
    };
    proto_offset_for_leader_epoch_req_partition p = {4, 3, 2};
    proto_offset_for_leader_epoch_req_topic t = {wire_str_from("t"), 1, &p};
    proto_offset_for_leader_epoch_req in = {2, 1, &t};
    assert_encodes_to(&codec_offset_for_leader_epoch_req, 3, &in, req_v3, sizeof(req_v3));
    /* v0: no replica id, no current epoch. */
    static const uint8_t req_v0[] = {
        0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',  0x00, 0x00, 0x00,
        0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02,
    };
    assert_encodes_to(&codec_offset_for_leader_epoch_req, 0, &in, req_v0, sizeof(req_v0));
    /* v4 (flexible): compact arrays and strings, empty tag sections. */
    static const uint8_t req_v4[] = {
        0x00, 0x00, 0x00, 0x02, /* replica_id 2 */
        0x02, 0x02, 't',        /* topics (1+1), "t" (1+1) */
        0x02,                   /* partitions (1+1) */
        0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
        0x03, 0x00, 0x00, 0x00, 0x02, 0x00, /* partition tags */
        0x00,                               /* topic tags */
        0x00,                               /* request tags */
    };
    assert_encodes_to(&codec_offset_for_leader_epoch_req, 4, &in, req_v4, sizeof(req_v4));

    /* v2 response: throttle time, then per partition error, index, epoch, end. */
    static const uint8_t resp_v2[] = {
        0x00, 0x00, 0x00, 0x00,                         /* throttle 0 */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',        /* topics: "t" */
        0x00, 0x00, 0x00, 0x01,                         /* 1 partition */
        0x00, 0x00,                                     /* error 0 */
        0x00, 0x00, 0x00, 0x04,                         /* partition 4 */
        0x00, 0x00, 0x00, 0x02,                         /* leader_epoch 2 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, /* end_offset 42 */
    };
    proto_offset_for_leader_epoch_resp_partition rp = {0, 4, 2, 42};
    proto_offset_for_leader_epoch_resp_topic rt = {wire_str_from("t"), 1, &rp};
    proto_offset_for_leader_epoch_resp rin = {0, 1, &rt};
    assert_encodes_to(&codec_offset_for_leader_epoch_resp, 2, &rin, resp_v2, sizeof(resp_v2));
    /* v0 response: no throttle time, no epoch. */
    static const uint8_t resp_v0[] = {
        0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',  0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,
    };
    assert_encodes_to(&codec_offset_for_leader_epoch_resp, 0, &rin, resp_v0, sizeof(resp_v0));
    /* Decoding a hand-laid v0 response fills the defaults. */
    wire_reader r;
    wire_reader_init(&r, resp_v0, sizeof(resp_v0));
    wire_arena a;
    wire_arena_init(&a);
    proto_offset_for_leader_epoch_resp out;
    assert_int_equal(proto_offset_for_leader_epoch_resp_decode(&r, 0, &a, &out), 0);
    assert_int_equal(out.topics[0].partitions[0].leader_epoch, -1);
    assert_int_equal(out.topics[0].partitions[0].end_offset, 42);
    wire_arena_free(&a);
    static const uint8_t resp_v4[] = {
        0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 't',  0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
        0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00,
    };
    assert_encodes_to(&codec_offset_for_leader_epoch_resp, 4, &rin, resp_v4, sizeof(resp_v4));
}

static void test_unsupported_versions(void **state) {
    (void)state;
    proto_offset_for_leader_epoch_req in = {-1, 0, NULL};
    wire_writer w;
    wire_writer_init(&w);
    proto_offset_for_leader_epoch_req_encode(&w, 5, &in);
    assert_int_equal(w.err, WIRE_ERR_INVALID);
    wire_writer_free(&w);
    static const uint8_t empty[] = {0x00, 0x00, 0x00, 0x00};
    wire_reader r;
    wire_reader_init(&r, empty, sizeof(empty));
    wire_arena a;
    wire_arena_init(&a);
    proto_offset_for_leader_epoch_req out;
    assert_int_not_equal(proto_offset_for_leader_epoch_req_decode(&r, -1, &a, &out), 0);
    wire_arena_free(&a);
    /* A negative array count other than null is refused. */
    static const uint8_t bad[] = {0xff, 0xff, 0xff, 0xf0};
    wire_reader_init(&r, bad, sizeof(bad));
    wire_arena_init(&a);
    assert_int_not_equal(proto_offset_for_leader_epoch_req_decode(&r, 0, &a, &out), 0);
    wire_arena_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_req_round_trip),
        cmocka_unit_test(test_resp_round_trip),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_unsupported_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
