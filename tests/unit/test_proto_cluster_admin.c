/*
 * test_proto_cluster_admin.c - the ControlledShutdown (7) v0-3 and
 * ElectLeaders (43) v0-2 codecs: round trips of every version in both
 * directions (with every truncation failing), the fields each version
 * carries, hand-laid bytes of the classic and flexible forms, the request
 * header v0 of ControlledShutdown v0 (no client id), null topic lists and
 * error messages, and versions outside the table.
 */
#include <string.h>

#include "test_proto_helpers.h"
#include "wire/kafka.h"

CODEC(controlled_shutdown_req);
CODEC(controlled_shutdown_resp);
CODEC(elect_leaders_req);
CODEC(elect_leaders_resp);

static void test_cs_round_trip(void **state) {
    (void)state;
    proto_controlled_shutdown_req in = {7, 1234567890123LL};
    proto_controlled_shutdown_tp rem[] = {{wire_str_from("orders"), 2}, {wire_str_from("t"), 0}};
    proto_controlled_shutdown_resp rin = {KAFKA_NONE, 2, rem};
    for (int16_t v = 0; v <= 3; v++) {
        proto_controlled_shutdown_req out;
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        round_trip(&codec_controlled_shutdown_req, v, &in, &out, &w, &a);
        assert_int_equal(out.broker_id, 7);
        assert_int_equal(out.broker_epoch, v >= 2 ? 1234567890123LL : -1);
        wire_writer_free(&w);
        proto_controlled_shutdown_resp rout;
        round_trip(&codec_controlled_shutdown_resp, v, &rin, &rout, &w, &a);
        assert_int_equal(rout.error_code, KAFKA_NONE);
        assert_int_equal(rout.remaining_count, 2);
        assert_str(rout.remaining[0].topic, "orders");
        assert_int_equal(rout.remaining[0].partition, 2);
        assert_str(rout.remaining[1].topic, "t");
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
}

static void test_cs_bytes(void **state) {
    (void)state;
    proto_controlled_shutdown_req in = {3, 5};
    static const uint8_t req_v1[] = {0x00, 0x00, 0x00, 0x03};
    assert_encodes_to(&codec_controlled_shutdown_req, 1, &in, req_v1, sizeof(req_v1));
    static const uint8_t req_v2[] = {0x00, 0x00, 0x00, 0x03, 0x00, 0x00,
                                     0x00, 0x00, 0x00, 0x00, 0x00, 0x05};
    assert_encodes_to(&codec_controlled_shutdown_req, 2, &in, req_v2, sizeof(req_v2));
    static const uint8_t req_v3[] = {0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
                                     0x00, 0x00, 0x00, 0x00, 0x05, 0x00};
    assert_encodes_to(&codec_controlled_shutdown_req, 3, &in, req_v3, sizeof(req_v3));

    proto_controlled_shutdown_tp rem = {wire_str_from("t"), 4};
    proto_controlled_shutdown_resp rin = {KAFKA_NOT_CONTROLLER, 1, &rem};
    static const uint8_t resp_v0[] = {
        0x00, 0x29,                              /* error 41 */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', /* 1 remaining: "t" */
        0x00, 0x00, 0x00, 0x04,                  /* partition 4 */
    };
    assert_encodes_to(&codec_controlled_shutdown_resp, 0, &rin, resp_v0, sizeof(resp_v0));
    static const uint8_t resp_v3[] = {
        0x00, 0x29, 0x02, 0x02, 't', 0x00, 0x00, 0x00, 0x04, 0x00, /* element tags */
        0x00,                                                      /* response tags */
    };
    assert_encodes_to(&codec_controlled_shutdown_resp, 3, &rin, resp_v3, sizeof(resp_v3));
    /* A null topic name is refused (the schema does not allow it). */
    static const uint8_t null_topic[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
                                         0xff, 0xff, 0x00, 0x00, 0x00, 0x04};
    wire_reader r;
    wire_reader_init(&r, null_topic, sizeof(null_topic));
    wire_arena a;
    wire_arena_init(&a);
    proto_controlled_shutdown_resp out;
    assert_int_not_equal(proto_controlled_shutdown_resp_decode(&r, 0, &a, &out), 0);
    wire_arena_free(&a);
}

/* ControlledShutdown v0 travels with request header v0: no client id. */
static void test_cs_header_v0(void **state) {
    (void)state;
    assert_int_equal(proto_req_header_version(KAFKA_API_CONTROLLED_SHUTDOWN, 0), 0);
    assert_int_equal(proto_req_header_version(KAFKA_API_CONTROLLED_SHUTDOWN, 1), 1);
    assert_int_equal(proto_req_header_version(KAFKA_API_CONTROLLED_SHUTDOWN, 3), 2);
    static const uint8_t want[] = {0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a};
    proto_req_header h = {KAFKA_API_CONTROLLED_SHUTDOWN, 0, 42, wire_str_from("ignored")};
    wire_writer w;
    wire_writer_init(&w);
    proto_req_header_encode(&w, &h);
    assert_int_equal(w.len, sizeof(want));
    assert_memory_equal(w.p, want, sizeof(want));
    wire_writer_free(&w);
    /* Decoding leaves the body (broker id 9) unread and the client id null. */
    static const uint8_t frame[] = {0x00, 0x07, 0x00, 0x00, 0x00, 0x00,
                                    0x00, 0x2a, 0x00, 0x00, 0x00, 0x09};
    wire_reader r;
    wire_reader_init(&r, frame, sizeof(frame));
    proto_req_header d;
    assert_int_equal(proto_req_header_decode(&r, &d), 0);
    assert_int_equal(d.correlation_id, 42);
    assert_int_equal(d.client_id.len, -1);
    assert_int_equal(r.pos, 8);
    wire_arena a;
    wire_arena_init(&a);
    proto_controlled_shutdown_req body;
    assert_int_equal(proto_controlled_shutdown_req_decode(&r, 0, &a, &body), 0);
    assert_int_equal(body.broker_id, 9);
    wire_arena_free(&a);
}

static void test_el_round_trip(void **state) {
    (void)state;
    int32_t p0[] = {0, 2};
    proto_elect_leaders_req_topic topics[] = {{wire_str_from("orders"), 2, p0},
                                              {wire_str_from("t.2"), 0, NULL}};
    proto_elect_leaders_req in = {PROTO_ELECTION_UNCLEAN, 2, topics, 30000};
    proto_elect_leaders_req all = {PROTO_ELECTION_PREFERRED, -1, NULL, 60000};
    proto_elect_leaders_resp_partition rp[] = {
        {0, KAFKA_NONE, WIRE_STR_NULL},
        {2, KAFKA_ELECTION_NOT_NEEDED, wire_str_from("not needed")},
    };
    proto_elect_leaders_resp_topic rt = {wire_str_from("orders"), 2, rp};
    proto_elect_leaders_resp rin = {5, KAFKA_NOT_CONTROLLER, 1, &rt};
    for (int16_t v = 0; v <= 2; v++) {
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        proto_elect_leaders_req out;
        round_trip(&codec_elect_leaders_req, v, &in, &out, &w, &a);
        assert_int_equal(out.election_type, v >= 1 ? PROTO_ELECTION_UNCLEAN : 0);
        assert_int_equal(out.topic_count, 2);
        assert_str(out.topics[0].topic, "orders");
        assert_i32s(out.topics[0].partitions, out.topics[0].partition_count, p0, 2);
        assert_int_equal(out.topics[1].partition_count, 0);
        assert_int_equal(out.timeout_ms, 30000);
        wire_writer_free(&w);
        round_trip(&codec_elect_leaders_req, v, &all, &out, &w, &a);
        assert_int_equal(out.topic_count, -1);
        assert_null(out.topics);
        assert_int_equal(out.timeout_ms, 60000);
        wire_writer_free(&w);
        proto_elect_leaders_resp rout;
        round_trip(&codec_elect_leaders_resp, v, &rin, &rout, &w, &a);
        assert_int_equal(rout.throttle_time_ms, 5);
        assert_int_equal(rout.error_code, v >= 1 ? KAFKA_NOT_CONTROLLER : KAFKA_NONE);
        assert_int_equal(rout.topic_count, 1);
        assert_str(rout.topics[0].topic, "orders");
        assert_int_equal(rout.topics[0].partition_count, 2);
        assert_int_equal(rout.topics[0].partitions[0].error_code, KAFKA_NONE);
        assert_str(rout.topics[0].partitions[0].error_message, NULL);
        assert_int_equal(rout.topics[0].partitions[1].partition, 2);
        assert_int_equal(rout.topics[0].partitions[1].error_code, KAFKA_ELECTION_NOT_NEEDED);
        assert_str(rout.topics[0].partitions[1].error_message, "not needed");
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
}

static void test_el_bytes(void **state) {
    (void)state;
    int32_t parts[] = {1};
    proto_elect_leaders_req_topic t = {wire_str_from("t"), 1, parts};
    proto_elect_leaders_req in = {0, 1, &t, 1000};
    static const uint8_t req_v1[] = {
        0x00,                                           /* election type 0 */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',        /* topics: "t" */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, /* partitions [1] */
        0x00, 0x00, 0x03, 0xe8,                         /* timeout 1000 */
    };
    assert_encodes_to(&codec_elect_leaders_req, 1, &in, req_v1, sizeof(req_v1));
    static const uint8_t req_v0[] = {0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',  0x00, 0x00, 0x00,
                                     0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x03, 0xe8};
    assert_encodes_to(&codec_elect_leaders_req, 0, &in, req_v0, sizeof(req_v0));
    static const uint8_t req_v2[] = {0x00, 0x02, 0x02, 't',  0x02, 0x00, 0x00, 0x00,
                                     0x01, 0x00, 0x00, 0x00, 0x03, 0xe8, 0x00};
    assert_encodes_to(&codec_elect_leaders_req, 2, &in, req_v2, sizeof(req_v2));
    /* Null topic list (every partition): -1, or 0 in the compact form. */
    proto_elect_leaders_req all = {0, -1, NULL, 1000};
    static const uint8_t all_v1[] = {0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x03, 0xe8};
    assert_encodes_to(&codec_elect_leaders_req, 1, &all, all_v1, sizeof(all_v1));
    static const uint8_t all_v2[] = {0x00, 0x00, 0x00, 0x00, 0x03, 0xe8, 0x00};
    assert_encodes_to(&codec_elect_leaders_req, 2, &all, all_v2, sizeof(all_v2));

    proto_elect_leaders_resp_partition rp = {1, KAFKA_PREFERRED_LEADER_NOT_AVAILABLE,
                                             WIRE_STR_NULL};
    proto_elect_leaders_resp_topic rt = {wire_str_from("t"), 1, &rp};
    proto_elect_leaders_resp rin = {0, KAFKA_NONE, 1, &rt};
    static const uint8_t resp_v1[] = {
        0x00, 0x00, 0x00, 0x00,                         /* throttle */
        0x00, 0x00,                                     /* error */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',        /* topics: "t" */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, /* 1 partition: 1 */
        0x00, 0x50,                                     /* error 80 */
        0xff, 0xff,                                     /* null message */
    };
    assert_encodes_to(&codec_elect_leaders_resp, 1, &rin, resp_v1, sizeof(resp_v1));
    static const uint8_t resp_v2[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 't',
                                      0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x50, 0x00, /* null */
                                      0x00, 0x00, 0x00};
    assert_encodes_to(&codec_elect_leaders_resp, 2, &rin, resp_v2, sizeof(resp_v2));
    /* v0 has no top-level error: decoding gives NONE. */
    static const uint8_t resp_v0[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    wire_reader r;
    wire_reader_init(&r, resp_v0, sizeof(resp_v0));
    wire_arena a;
    wire_arena_init(&a);
    proto_elect_leaders_resp out;
    assert_int_equal(proto_elect_leaders_resp_decode(&r, 0, &a, &out), 0);
    assert_int_equal(out.error_code, KAFKA_NONE);
    assert_int_equal(out.topic_count, 0);
    wire_arena_free(&a);
}

static void test_unsupported_versions(void **state) {
    (void)state;
    proto_controlled_shutdown_req cs = {1, -1};
    proto_elect_leaders_req el = {0, -1, NULL, 0};
    wire_writer w;
    wire_writer_init(&w);
    proto_controlled_shutdown_req_encode(&w, 4, &cs);
    assert_int_equal(w.err, WIRE_ERR_INVALID);
    wire_writer_free(&w);
    wire_writer_init(&w);
    proto_elect_leaders_req_encode(&w, 3, &el);
    assert_int_equal(w.err, WIRE_ERR_INVALID);
    wire_writer_free(&w);
    static const uint8_t zeros[16];
    wire_reader r;
    wire_arena a;
    wire_arena_init(&a);
    proto_elect_leaders_resp er;
    wire_reader_init(&r, zeros, sizeof(zeros));
    assert_int_not_equal(proto_elect_leaders_resp_decode(&r, -1, &a, &er), 0);
    proto_controlled_shutdown_resp cr;
    wire_reader_init(&r, zeros, sizeof(zeros));
    assert_int_not_equal(proto_controlled_shutdown_resp_decode(&r, 4, &a, &cr), 0);
    /* A negative partition-array count (not null-able) is refused. */
    static const uint8_t bad[] = {0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',
                                  0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00};
    proto_elect_leaders_req out;
    wire_reader_init(&r, bad, sizeof(bad));
    assert_int_not_equal(proto_elect_leaders_req_decode(&r, 1, &a, &out), 0);
    wire_arena_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cs_round_trip), cmocka_unit_test(test_cs_bytes),
        cmocka_unit_test(test_cs_header_v0),  cmocka_unit_test(test_el_round_trip),
        cmocka_unit_test(test_el_bytes),      cmocka_unit_test(test_unsupported_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
