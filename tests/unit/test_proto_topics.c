/*
 * test_proto_topics.c - Metadata 0-8, Produce 0-7, Fetch 4-11 and
 * ListOffsets 0-5 codecs of wire/protocol.h.
 *
 * For every supported version: encode a message with non-default values,
 * decode it, compare every field the version carries (and Kafka's default
 * for the ones it does not), re-encode the decoded message and require the
 * same bytes, and cut the encoding at every length, which must fail. Byte
 * vectors laid out by hand from the message schemas pin the layouts that
 * clients depend on most (Metadata v1, Produce v0/v3 and its v2 response,
 * Fetch v4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/protocol.h"
#include "test_proto_helpers.h"

CODEC(metadata_req);
CODEC(metadata_resp);
CODEC(produce_req);
CODEC(produce_resp);
CODEC(fetch_req);
CODEC(fetch_resp);
CODEC(list_offsets_req);
CODEC(list_offsets_resp);

/* ---- Metadata ---- */

static void test_metadata_req_round_trip(void **state) {
    (void)state;
    wire_str names[] = {wire_str_from("orders"), wire_str_from("payments")};
    for (int16_t v = 0; v <= 8; v++) {
        for (int shape = 0; shape < 3; shape++) { /* named, null, empty */
            proto_metadata_req in = {
                .topic_count = shape == 0   ? 2
                               : shape == 1 ? -1
                                            : 0,
                .topics = shape == 0 ? names : NULL,
                .allow_auto_topic_creation = 0,
                .include_cluster_authorized_operations = 1,
                .include_topic_authorized_operations = 1,
            };
            proto_metadata_req out;
            wire_writer w;
            wire_arena a;
            wire_arena_init(&a);
            round_trip(&codec_metadata_req, v, &in, &out, &w, &a);
            if (shape == 0) {
                assert_int_equal(out.topic_count, 2);
                assert_str(out.topics[0], "orders");
                assert_str(out.topics[1], "payments");
            } else if (shape == 1) {
                /* null survives from v1; v0 has no null and sends empty */
                assert_int_equal(out.topic_count, v >= 1 ? -1 : 0);
                assert_null(out.topics);
            } else {
                assert_int_equal(out.topic_count, 0);
            }
            assert_int_equal(out.allow_auto_topic_creation, v >= 4 ? 0 : 1);
            assert_int_equal(out.include_cluster_authorized_operations, v >= 8);
            assert_int_equal(out.include_topic_authorized_operations, v >= 8);
            wire_arena_free(&a);
            wire_writer_free(&w);
        }
    }
}

static void test_metadata_req_v1_bytes(void **state) {
    (void)state;
    /* v1 null topics array = all topics: int32 -1. */
    static const uint8_t null_topics[] = {0xff, 0xff, 0xff, 0xff};
    proto_metadata_req in = {.topic_count = -1, .allow_auto_topic_creation = 1};
    assert_encodes_to(&codec_metadata_req, 1, &in, null_topics, sizeof(null_topics));
    /* v4 adds allow_auto_topic_creation after the array. */
    static const uint8_t v4[] = {0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x01};
    wire_str t = wire_str_from("t");
    in = (proto_metadata_req){.topic_count = 1, .topics = &t, .allow_auto_topic_creation = 1};
    assert_encodes_to(&codec_metadata_req, 4, &in, v4, sizeof(v4));
    /* v0 forbids a null array. */
    wire_reader r;
    wire_reader_init(&r, null_topics, sizeof(null_topics));
    wire_arena a;
    wire_arena_init(&a);
    proto_metadata_req out;
    assert_int_equal(proto_metadata_req_decode(&r, 0, &a, &out), WIRE_ERR_INVALID);
    /* A count larger than the bytes left is refused before allocating. */
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 0x00};
    wire_reader_init(&r, huge, sizeof(huge));
    assert_int_equal(proto_metadata_req_decode(&r, 1, &a, &out), WIRE_ERR_INVALID);
    wire_arena_free(&a);
}

static void test_metadata_resp_round_trip(void **state) {
    (void)state;
    proto_metadata_broker brokers[] = {
        {1, wire_str_from("broker-1"), 9092, wire_str_from("rack-a")},
        {2, wire_str_from("broker-2"), 9093, WIRE_STR_NULL},
    };
    int32_t replicas[] = {1, 2}, isr[] = {1}, offline[] = {2};
    proto_metadata_partition parts[] = {
        {0, 0, 1, 7, 2, replicas, 1, isr, 1, offline},
        {KAFKA_LEADER_NOT_AVAILABLE, 1, -1, 3, 2, replicas, 0, NULL, 0, NULL},
    };
    proto_metadata_topic topics[] = {
        {0, wire_str_from("orders"), 0, 2, parts, 0x1f8},
        {KAFKA_UNKNOWN_TOPIC_OR_PARTITION, wire_str_from("nope"), 1, 0, NULL, 0},
    };
    proto_metadata_resp in = {
        .throttle_time_ms = 5,
        .broker_count = 2,
        .brokers = brokers,
        .cluster_id = wire_str_from("strand-cluster"),
        .controller_id = 2,
        .topic_count = 2,
        .topics = topics,
        .cluster_authorized_operations = 0x7,
    };
    for (int16_t v = 0; v <= 8; v++) {
        proto_metadata_resp out;
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        round_trip(&codec_metadata_resp, v, &in, &out, &w, &a);
        assert_int_equal(out.throttle_time_ms, v >= 3 ? 5 : 0);
        assert_int_equal(out.broker_count, 2);
        assert_int_equal(out.brokers[0].node_id, 1);
        assert_str(out.brokers[0].host, "broker-1");
        assert_int_equal(out.brokers[0].port, 9092);
        assert_str(out.brokers[0].rack, v >= 1 ? "rack-a" : NULL);
        assert_str(out.brokers[1].rack, NULL);
        assert_int_equal(out.brokers[1].port, 9093);
        assert_str(out.cluster_id, v >= 2 ? "strand-cluster" : NULL);
        assert_int_equal(out.controller_id, v >= 1 ? 2 : -1);
        assert_int_equal(out.topic_count, 2);
        const proto_metadata_topic *t = &out.topics[0];
        assert_int_equal(t->error_code, 0);
        assert_str(t->name, "orders");
        assert_int_equal(t->is_internal, 0);
        assert_int_equal(out.topics[1].is_internal, v >= 1 ? 1 : 0);
        assert_int_equal(out.topics[1].error_code, KAFKA_UNKNOWN_TOPIC_OR_PARTITION);
        assert_int_equal(out.topics[1].partition_count, 0);
        assert_int_equal(t->partition_count, 2);
        assert_int_equal(t->partitions[0].leader_id, 1);
        assert_int_equal(t->partitions[0].leader_epoch, v >= 7 ? 7 : -1);
        assert_i32s(t->partitions[0].replicas, t->partitions[0].replica_count, replicas, 2);
        assert_i32s(t->partitions[0].isr, t->partitions[0].isr_count, isr, 1);
        assert_i32s(t->partitions[0].offline_replicas, t->partitions[0].offline_replica_count,
                    offline, v >= 5 ? 1 : 0);
        assert_int_equal(t->partitions[1].error_code, KAFKA_LEADER_NOT_AVAILABLE);
        assert_int_equal(t->partitions[1].partition_index, 1);
        assert_int_equal(t->partitions[1].leader_id, -1);
        assert_int_equal(t->partitions[1].isr_count, 0);
        assert_int_equal(t->topic_authorized_operations, v >= 8 ? 0x1f8 : INT32_MIN);
        assert_int_equal(out.cluster_authorized_operations, v >= 8 ? 7 : INT32_MIN);
        wire_arena_free(&a);
        wire_writer_free(&w);
    }
}

static void test_metadata_resp_v1_bytes(void **state) {
    (void)state;
    static const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x01,                                        /* brokers: 1 */
        0x00, 0x00, 0x00, 0x01,                                        /*   node_id 1 */
        0x00, 0x09, 'l',  'o',  'c',  'a',  'l',  'h',  'o', 's', 't', /*   host */
        0x00, 0x00, 0x23, 0x84,                                        /*   port 9092 */
        0xff, 0xff,                                                    /*   rack null */
        0x00, 0x00, 0x00, 0x01,                                        /* controller_id 1 */
        0x00, 0x00, 0x00, 0x01,                                        /* topics: 1 */
        0x00, 0x00,                                                    /*   error 0 */
        0x00, 0x01, 't',                                               /*   name "t" */
        0x00,                                                          /*   is_internal */
        0x00, 0x00, 0x00, 0x01,                                        /*   partitions: 1 */
        0x00, 0x00,                                                    /*     error 0 */
        0x00, 0x00, 0x00, 0x00,                                        /*     index 0 */
        0x00, 0x00, 0x00, 0x01,                                        /*     leader 1 */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,                /*     replicas [1] */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,                /*     isr [1] */
    };
    proto_metadata_broker b = {1, wire_str_from("localhost"), 9092, WIRE_STR_NULL};
    int32_t one[] = {1};
    proto_metadata_partition p = {0, 0, 1, -1, 1, one, 1, one, 0, NULL};
    proto_metadata_topic t = {0, wire_str_from("t"), 0, 1, &p, INT32_MIN};
    proto_metadata_resp in = {0, 1, &b, WIRE_STR_NULL, 1, 1, &t, INT32_MIN};
    assert_encodes_to(&codec_metadata_resp, 1, &in, want, sizeof(want));

    wire_arena a;
    wire_arena_init(&a);
    wire_reader r;
    wire_reader_init(&r, want, sizeof(want));
    proto_metadata_resp out;
    assert_int_equal(proto_metadata_resp_decode(&r, 1, &a, &out), 0);
    assert_str(out.brokers[0].host, "localhost");
    assert_int_equal(out.brokers[0].port, 9092);
    assert_int_equal(out.topics[0].partitions[0].isr[0], 1);
    wire_arena_free(&a);
}

/* ---- Produce ---- */

static const uint8_t batch_a[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 49, 0xff, 0xff, 0xff, 0xff, 2};
static const uint8_t batch_b[] = {1, 2, 3};

static void test_produce_req_round_trip(void **state) {
    (void)state;
    proto_produce_req_partition p0[] = {
        {0, {batch_a, sizeof(batch_a)}},
        {3, WIRE_BYTES_NULL},
    };
    proto_produce_req_partition p1[] = {{7, {batch_b, sizeof(batch_b)}}};
    proto_produce_req_topic topics[] = {
        {wire_str_from("orders"), 2, p0},
        {wire_str_from("audit"), 1, p1},
    };
    for (int16_t v = 0; v <= 7; v++) {
        for (int txn = 0; txn < 2; txn++) {
            proto_produce_req in = {txn ? wire_str_from("tx-1") : WIRE_STR_NULL, -1, 30000, 2,
                                    topics};
            proto_produce_req out;
            wire_writer w;
            wire_arena a;
            wire_arena_init(&a);
            round_trip(&codec_produce_req, v, &in, &out, &w, &a);
            /* transactional_id exists from v3; before, it is neither written
             * nor read (decoded as null) */
            assert_str(out.transactional_id, txn && v >= 3 ? "tx-1" : NULL);
            assert_int_equal(out.acks, -1);
            assert_int_equal(out.timeout_ms, 30000);
            assert_int_equal(out.topic_count, 2);
            assert_str(out.topics[0].name, "orders");
            assert_int_equal(out.topics[0].partition_count, 2);
            assert_int_equal(out.topics[0].partitions[0].index, 0);
            assert_int_equal(out.topics[0].partitions[0].records.len, sizeof(batch_a));
            assert_memory_equal(out.topics[0].partitions[0].records.ptr, batch_a, sizeof(batch_a));
            /* records are a slice of the request buffer, not a copy */
            assert_true(out.topics[0].partitions[0].records.ptr > w.p &&
                        out.topics[0].partitions[0].records.ptr < w.p + w.len);
            assert_int_equal(out.topics[0].partitions[1].index, 3);
            assert_int_equal(out.topics[0].partitions[1].records.len, -1);
            assert_str(out.topics[1].name, "audit");
            assert_int_equal(out.topics[1].partitions[0].index, 7);
            assert_memory_equal(out.topics[1].partitions[0].records.ptr, batch_b, 3);
            wire_arena_free(&a);
            wire_writer_free(&w);
        }
    }
}

static void test_produce_req_v3_bytes(void **state) {
    (void)state;
    static const uint8_t want[] = {
        0xff, 0xff,             /* transactional_id null */
        0xff, 0xff,             /* acks -1 */
        0x00, 0x00, 0x75, 0x30, /* timeout 30000 */
        0x00, 0x00, 0x00, 0x01, /* topics: 1 */
        0x00, 0x01, 't',        /*   name */
        0x00, 0x00, 0x00, 0x01, /*   partitions: 1 */
        0x00, 0x00, 0x00, 0x02, /*     index 2 */
        0x00, 0x00, 0x00, 0x04, /*     records: 4 bytes */
        0xde, 0xad, 0xbe, 0xef,
    };
    static const uint8_t rec[] = {0xde, 0xad, 0xbe, 0xef};
    proto_produce_req_partition p = {2, {rec, 4}};
    proto_produce_req_topic t = {wire_str_from("t"), 1, &p};
    proto_produce_req in = {WIRE_STR_NULL, -1, 30000, 1, &t};
    assert_encodes_to(&codec_produce_req, 3, &in, want, sizeof(want));
    /* A records length past the end is a truncation, not a crash. */
    uint8_t bad[sizeof(want)];
    memcpy(bad, want, sizeof(want));
    bad[26] = 0x05;
    wire_reader r;
    wire_reader_init(&r, bad, sizeof(bad));
    wire_arena a;
    wire_arena_init(&a);
    proto_produce_req out;
    assert_int_equal(proto_produce_req_decode(&r, 3, &a, &out), WIRE_ERR_SHORT);
    bad[23] = 0xfe; /* length -2: invalid */
    wire_reader_init(&r, bad, sizeof(bad));
    assert_int_not_equal(proto_produce_req_decode(&r, 3, &a, &out), 0);
    wire_arena_free(&a);
}

/* v0 (and v1, v2: same layout) has no transactional_id: acks comes first. */
static void test_produce_req_v0_bytes(void **state) {
    (void)state;
    static const uint8_t want[] = {
        0x00, 0x01,             /* acks 1 */
        0x00, 0x00, 0x03, 0xe8, /* timeout 1000 */
        0x00, 0x00, 0x00, 0x01, /* topics: 1 */
        0x00, 0x02, 'o',  'k',  /*   name */
        0x00, 0x00, 0x00, 0x01, /*   partitions: 1 */
        0x00, 0x00, 0x00, 0x05, /*     index 5 */
        0x00, 0x00, 0x00, 0x03, /*     records: 3 bytes */
        0x0a, 0x0b, 0x0c,
    };
    static const uint8_t rec[] = {0x0a, 0x0b, 0x0c};
    proto_produce_req_partition p = {5, {rec, 3}};
    proto_produce_req_topic t = {wire_str_from("ok"), 1, &p};
    proto_produce_req in = {wire_str_from("ignored before v3"), 1, 1000, 1, &t};
    for (int16_t v = 0; v <= 2; v++) {
        assert_encodes_to(&codec_produce_req, v, &in, want, sizeof(want));
        wire_reader r;
        wire_reader_init(&r, want, sizeof(want));
        wire_arena a;
        wire_arena_init(&a);
        proto_produce_req out;
        assert_int_equal(proto_produce_req_decode(&r, v, &a, &out), 0);
        assert_int_equal(r.pos, sizeof(want));
        assert_str(out.transactional_id, NULL);
        assert_int_equal(out.acks, 1);
        assert_int_equal(out.timeout_ms, 1000);
        assert_str(out.topics[0].name, "ok");
        assert_int_equal(out.topics[0].partitions[0].index, 5);
        assert_int_equal(out.topics[0].partitions[0].records.len, 3);
        assert_ptr_equal(out.topics[0].partitions[0].records.ptr, want + sizeof(want) - 3);
        /* The same bytes read as v3 are misparsed (acks taken as a string
         * length), which is why the version gates the field. */
        wire_reader_init(&r, want, sizeof(want));
        assert_int_not_equal(proto_produce_req_decode(&r, 3, &a, &out), 0);
        wire_arena_free(&a);
    }
    /* A records length past the end is a truncation. */
    uint8_t bad[sizeof(want)];
    memcpy(bad, want, sizeof(want));
    bad[25] = 0x04;
    wire_reader r;
    wire_reader_init(&r, bad, sizeof(bad));
    wire_arena a;
    wire_arena_init(&a);
    proto_produce_req out;
    assert_int_equal(proto_produce_req_decode(&r, 0, &a, &out), WIRE_ERR_SHORT);
    wire_arena_free(&a);
}

/* Response v0: no throttle time, no log append time; v1 adds the throttle
 * time at the end, v2 the log append time per partition. */
static void test_produce_resp_v0_v2_bytes(void **state) {
    (void)state;
    proto_produce_resp_partition part = {3, KAFKA_UNSUPPORTED_FOR_MESSAGE_FORMAT, -1, 77, 9};
    proto_produce_resp_topic t = {wire_str_from("ok"), 1, &part};
    proto_produce_resp in = {1, &t, 100};
    static const uint8_t v0[] = {
        0x00, 0x00, 0x00, 0x01,                         /* topics: 1 */
        0x00, 0x02, 'o',  'k',                          /*   name */
        0x00, 0x00, 0x00, 0x01,                         /*   partitions: 1 */
        0x00, 0x00, 0x00, 0x03,                         /*     index 3 */
        0x00, 0x2b,                                     /*     error 43 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     base offset -1 */
    };
    static const uint8_t throttle[] = {0x00, 0x00, 0x00, 0x64};
    static const uint8_t append_time[] = {0, 0, 0, 0, 0, 0, 0, 77};
    uint8_t v1[sizeof(v0) + 4], v2[sizeof(v0) + 8 + 4];
    memcpy(v1, v0, sizeof(v0));
    memcpy(v1 + sizeof(v0), throttle, 4);
    memcpy(v2, v0, sizeof(v0));
    memcpy(v2 + sizeof(v0), append_time, 8);
    memcpy(v2 + sizeof(v0) + 8, throttle, 4);
    assert_encodes_to(&codec_produce_resp, 0, &in, v0, sizeof(v0));
    assert_encodes_to(&codec_produce_resp, 1, &in, v1, sizeof(v1));
    assert_encodes_to(&codec_produce_resp, 2, &in, v2, sizeof(v2));
    wire_reader r;
    wire_reader_init(&r, v0, sizeof(v0));
    wire_arena a;
    wire_arena_init(&a);
    proto_produce_resp out;
    assert_int_equal(proto_produce_resp_decode(&r, 0, &a, &out), 0);
    assert_int_equal(out.topics[0].partitions[0].error_code, KAFKA_UNSUPPORTED_FOR_MESSAGE_FORMAT);
    assert_int_equal(out.topics[0].partitions[0].log_append_time_ms, -1);
    assert_int_equal(out.topics[0].partitions[0].log_start_offset, -1);
    assert_int_equal(out.throttle_time_ms, 0);
    wire_arena_free(&a);
}

static void test_produce_resp_round_trip(void **state) {
    (void)state;
    proto_produce_resp_partition parts[] = {
        {0, 0, 1000, -1, 10},
        {1, KAFKA_NOT_LEADER_OR_FOLLOWER, -1, 1700000000000, 0},
    };
    proto_produce_resp_topic t = {wire_str_from("orders"), 2, parts};
    proto_produce_resp in = {1, &t, 250};
    for (int16_t v = 0; v <= 7; v++) {
        proto_produce_resp out;
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        round_trip(&codec_produce_resp, v, &in, &out, &w, &a);
        assert_int_equal(out.topic_count, 1);
        assert_str(out.topics[0].name, "orders");
        const proto_produce_resp_partition *p = out.topics[0].partitions;
        assert_int_equal(out.topics[0].partition_count, 2);
        assert_int_equal(p[0].base_offset, 1000);
        assert_int_equal(p[0].log_append_time_ms, -1);
        assert_int_equal(p[0].log_start_offset, v >= 5 ? 10 : -1);
        assert_int_equal(p[1].index, 1);
        assert_int_equal(p[1].error_code, KAFKA_NOT_LEADER_OR_FOLLOWER);
        assert_int_equal(p[1].log_append_time_ms, v >= 2 ? 1700000000000 : -1);
        assert_int_equal(p[1].log_start_offset, v >= 5 ? 0 : -1);
        assert_int_equal(out.throttle_time_ms, v >= 1 ? 250 : 0);
        wire_arena_free(&a);
        wire_writer_free(&w);
    }
}

/* ---- Fetch ---- */

static void test_fetch_req_round_trip(void **state) {
    (void)state;
    proto_fetch_req_partition p0[] = {{0, 4, 100, 5, 1048576}, {1, -1, 0, -1, 65536}};
    proto_fetch_req_topic topics[] = {{wire_str_from("orders"), 2, p0}};
    int32_t forgotten_parts[] = {3, 4};
    proto_fetch_forgotten_topic forgotten[] = {{wire_str_from("old"), 2, forgotten_parts}};
    proto_fetch_req in = {
        .replica_id = -1,
        .max_wait_ms = 500,
        .min_bytes = 1,
        .max_bytes = 52428800,
        .isolation_level = 1,
        .session_id = 12,
        .session_epoch = 3,
        .topic_count = 1,
        .topics = topics,
        .forgotten_count = 1,
        .forgotten = forgotten,
        .rack_id = wire_str_from("rack-b"),
    };
    for (int16_t v = 4; v <= 11; v++) {
        proto_fetch_req out;
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        round_trip(&codec_fetch_req, v, &in, &out, &w, &a);
        assert_int_equal(out.replica_id, -1);
        assert_int_equal(out.max_wait_ms, 500);
        assert_int_equal(out.min_bytes, 1);
        assert_int_equal(out.max_bytes, 52428800);
        assert_int_equal(out.isolation_level, 1);
        assert_int_equal(out.session_id, v >= 7 ? 12 : 0);
        assert_int_equal(out.session_epoch, v >= 7 ? 3 : -1);
        assert_int_equal(out.topic_count, 1);
        assert_str(out.topics[0].topic, "orders");
        const proto_fetch_req_partition *p = out.topics[0].partitions;
        assert_int_equal(out.topics[0].partition_count, 2);
        assert_int_equal(p[0].partition, 0);
        assert_int_equal(p[0].current_leader_epoch, v >= 9 ? 4 : -1);
        assert_int_equal(p[0].fetch_offset, 100);
        assert_int_equal(p[0].log_start_offset, v >= 5 ? 5 : -1);
        assert_int_equal(p[0].partition_max_bytes, 1048576);
        assert_int_equal(p[1].partition, 1);
        assert_int_equal(p[1].partition_max_bytes, 65536);
        if (v >= 7) {
            assert_int_equal(out.forgotten_count, 1);
            assert_str(out.forgotten[0].topic, "old");
            assert_i32s(out.forgotten[0].partitions, out.forgotten[0].partition_count,
                        forgotten_parts, 2);
        } else {
            assert_int_equal(out.forgotten_count, 0);
        }
        assert_str(out.rack_id, v >= 11 ? "rack-b" : "");
        wire_arena_free(&a);
        wire_writer_free(&w);
    }
}

static void test_fetch_resp_round_trip(void **state) {
    (void)state;
    proto_fetch_aborted_txn aborted[] = {{77, 1000}, {78, 1005}};
    proto_fetch_resp_partition parts[] = {
        {.partition_index = 0,
         .high_watermark = 120,
         .last_stable_offset = 110,
         .log_start_offset = 3,
         .aborted_count = 2,
         .aborted = aborted,
         .preferred_read_replica = 2,
         .records = {batch_a, sizeof(batch_a)}},
        {.partition_index = 1,
         .error_code = KAFKA_OFFSET_OUT_OF_RANGE,
         .high_watermark = -1,
         .last_stable_offset = -1,
         .log_start_offset = -1,
         .aborted_count = -1,
         .preferred_read_replica = -1,
         .records = WIRE_BYTES_NULL},
        {.partition_index = 2, .aborted_count = 0, .records = {batch_b, 0}},
    };
    proto_fetch_resp_topic t = {wire_str_from("orders"), 3, parts};
    proto_fetch_resp in = {9, KAFKA_NONE, 44, 1, &t};
    for (int16_t v = 4; v <= 11; v++) {
        proto_fetch_resp out;
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        round_trip(&codec_fetch_resp, v, &in, &out, &w, &a);
        assert_int_equal(out.throttle_time_ms, 9);
        assert_int_equal(out.error_code, 0);
        assert_int_equal(out.session_id, v >= 7 ? 44 : 0);
        assert_int_equal(out.topic_count, 1);
        assert_str(out.topics[0].topic, "orders");
        assert_int_equal(out.topics[0].partition_count, 3);
        const proto_fetch_resp_partition *p = out.topics[0].partitions;
        assert_int_equal(p[0].high_watermark, 120);
        assert_int_equal(p[0].last_stable_offset, 110);
        assert_int_equal(p[0].log_start_offset, v >= 5 ? 3 : -1);
        assert_int_equal(p[0].aborted_count, 2);
        assert_int_equal(p[0].aborted[1].producer_id, 78);
        assert_int_equal(p[0].aborted[1].first_offset, 1005);
        assert_int_equal(p[0].preferred_read_replica, v >= 11 ? 2 : -1);
        assert_int_equal(p[0].records.len, sizeof(batch_a));
        assert_int_equal(p[0].records_len, sizeof(batch_a));
        assert_null(p[0].records_fill);
        assert_memory_equal(p[0].records.ptr, batch_a, sizeof(batch_a));
        assert_int_equal(p[1].error_code, KAFKA_OFFSET_OUT_OF_RANGE);
        assert_int_equal(p[1].aborted_count, -1); /* null array kept */
        assert_null(p[1].aborted);
        assert_int_equal(p[1].records.len, -1);
        assert_int_equal(p[2].aborted_count, 0); /* empty array kept */
        assert_int_equal(p[2].records.len, 0);
        wire_arena_free(&a);
        wire_writer_free(&w);
    }
}

static void test_fetch_resp_v4_bytes(void **state) {
    (void)state;
    static const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x00,                         /* throttle 0 */
        0x00, 0x00, 0x00, 0x01,                         /* topics: 1 */
        0x00, 0x01, 't',                                /*   topic */
        0x00, 0x00, 0x00, 0x01,                         /*   partitions: 1 */
        0x00, 0x00, 0x00, 0x00,                         /*     index 0 */
        0x00, 0x00,                                     /*     error 0 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, /*     high watermark 5 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, /*     last stable offset 5 */
        0xff, 0xff, 0xff, 0xff,                         /*     aborted: null */
        0x00, 0x00, 0x00, 0x03, 'a',  'b',  'c',        /*     records */
    };
    proto_fetch_resp_partition p = {.high_watermark = 5,
                                    .last_stable_offset = 5,
                                    .log_start_offset = 0,
                                    .aborted_count = -1,
                                    .records = {(const uint8_t *)"abc", 3}};
    proto_fetch_resp_topic t = {wire_str_from("t"), 1, &p};
    proto_fetch_resp in = {0, 0, 0, 1, &t};
    assert_encodes_to(&codec_fetch_resp, 4, &in, want, sizeof(want));
}

typedef struct fill_ctx {
    const uint8_t *src;
    size_t calls;
    int fail;
} fill_ctx;

static int fill_records(void *ctx, uint8_t *dst, size_t len) {
    fill_ctx *f = ctx;
    f->calls++;
    if (f->fail)
        return -1;
    memcpy(dst, f->src, len);
    return 0;
}

static void test_fetch_resp_zero_copy(void **state) {
    (void)state;
    fill_ctx ctx = {batch_a, 0, 0};
    proto_fetch_resp_partition parts[] = {
        {.partition_index = 0,
         .high_watermark = 9,
         .aborted_count = -1,
         .records_len = sizeof(batch_a),
         .records_fill = fill_records,
         .records_ctx = &ctx},
        {.partition_index = 1, .aborted_count = -1, .records = {batch_b, 3}},
    };
    proto_fetch_resp_topic t = {wire_str_from("orders"), 2, parts};
    proto_fetch_resp in = {0, 0, 0, 1, &t};
    for (int16_t v = 4; v <= 11; v++) {
        /* Same bytes as encoding the slice directly. */
        proto_fetch_resp_partition direct[2] = {parts[0], parts[1]};
        direct[0].records_fill = NULL;
        direct[0].records = (wire_bytes){batch_a, sizeof(batch_a)};
        proto_fetch_resp_topic dt = {wire_str_from("orders"), 2, direct};
        proto_fetch_resp din = {0, 0, 0, 1, &dt};
        wire_writer w1, w2;
        wire_writer_init(&w1);
        wire_writer_init(&w2);
        ctx.calls = 0;
        proto_fetch_resp_encode(&w1, v, &in);
        proto_fetch_resp_encode(&w2, v, &din);
        assert_int_equal(ctx.calls, 1);
        assert_int_equal(w1.err, 0);
        assert_int_equal(w1.len, w2.len);
        assert_memory_equal(w1.p, w2.p, w1.len);

        wire_arena a;
        wire_arena_init(&a);
        wire_reader r;
        wire_reader_init(&r, w1.p, w1.len);
        proto_fetch_resp out;
        assert_int_equal(proto_fetch_resp_decode(&r, v, &a, &out), 0);
        assert_int_equal(out.topics[0].partitions[0].records.len, sizeof(batch_a));
        assert_memory_equal(out.topics[0].partitions[0].records.ptr, batch_a, sizeof(batch_a));
        assert_memory_equal(out.topics[0].partitions[1].records.ptr, batch_b, 3);
        wire_arena_free(&a);
        wire_writer_free(&w1);
        wire_writer_free(&w2);
    }
    /* A failing fill fails the encode. */
    ctx.fail = 1;
    wire_writer w;
    wire_writer_init(&w);
    proto_fetch_resp_encode(&w, 11, &in);
    assert_int_equal(w.err, WIRE_ERR_INVALID);
    wire_writer_free(&w);
}

/* ---- ListOffsets ---- */

static void test_list_offsets_req_round_trip(void **state) {
    (void)state;
    proto_list_offsets_req_partition parts[] = {
        {0, 6, PROTO_LIST_OFFSETS_EARLIEST, 1},
        {1, -1, 1700000000000, 3},
    };
    proto_list_offsets_req_topic t = {wire_str_from("orders"), 2, parts};
    proto_list_offsets_req in = {-1, 1, 1, &t};
    for (int16_t v = 0; v <= 5; v++) {
        proto_list_offsets_req out;
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        round_trip(&codec_list_offsets_req, v, &in, &out, &w, &a);
        assert_int_equal(out.replica_id, -1);
        assert_int_equal(out.isolation_level, v >= 2 ? 1 : 0);
        assert_int_equal(out.topic_count, 1);
        assert_str(out.topics[0].name, "orders");
        const proto_list_offsets_req_partition *p = out.topics[0].partitions;
        assert_int_equal(out.topics[0].partition_count, 2);
        assert_int_equal(p[0].current_leader_epoch, v >= 4 ? 6 : -1);
        assert_int_equal(p[0].timestamp, PROTO_LIST_OFFSETS_EARLIEST);
        assert_int_equal(p[1].partition_index, 1);
        assert_int_equal(p[1].timestamp, 1700000000000);
        assert_int_equal(p[1].max_num_offsets, v == 0 ? 3 : 1);
        wire_arena_free(&a);
        wire_writer_free(&w);
    }
}

static void test_list_offsets_resp_round_trip(void **state) {
    (void)state;
    int64_t old[] = {500, 0};
    proto_list_offsets_resp_partition parts[] = {
        {0, 0, 2, old, 1700000000123, 500, 6},
        {1, KAFKA_UNKNOWN_TOPIC_OR_PARTITION, 0, NULL, -1, -1, -1},
    };
    proto_list_offsets_resp_topic t = {wire_str_from("orders"), 2, parts};
    proto_list_offsets_resp in = {8, 1, &t};
    for (int16_t v = 0; v <= 5; v++) {
        proto_list_offsets_resp out;
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        round_trip(&codec_list_offsets_resp, v, &in, &out, &w, &a);
        assert_int_equal(out.throttle_time_ms, v >= 2 ? 8 : 0);
        assert_str(out.topics[0].name, "orders");
        const proto_list_offsets_resp_partition *p = out.topics[0].partitions;
        assert_int_equal(out.topics[0].partition_count, 2);
        if (v == 0) {
            assert_int_equal(p[0].old_style_offset_count, 2);
            assert_int_equal(p[0].old_style_offsets[0], 500);
            assert_int_equal(p[0].old_style_offsets[1], 0);
            assert_int_equal(p[0].offset, -1);
            assert_int_equal(p[0].timestamp, -1);
        } else {
            assert_int_equal(p[0].old_style_offset_count, 0);
            assert_int_equal(p[0].timestamp, 1700000000123);
            assert_int_equal(p[0].offset, 500);
        }
        assert_int_equal(p[0].leader_epoch, v >= 4 ? 6 : -1);
        assert_int_equal(p[1].error_code, KAFKA_UNKNOWN_TOPIC_OR_PARTITION);
        wire_arena_free(&a);
        wire_writer_free(&w);
    }
}

static void test_list_offsets_v0_v1_bytes(void **state) {
    (void)state;
    /* v0 request (librdkafka: latest offset, max 1). */
    static const uint8_t req_v0[] = {
        0xff, 0xff, 0xff, 0xff,                         /* replica -1 */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',        /* topics: "t" */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, /* partition 0 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* timestamp -1 */
        0x00, 0x00, 0x00, 0x01,                         /* max_num_offsets 1 */
    };
    proto_list_offsets_req_partition p = {0, -1, PROTO_LIST_OFFSETS_LATEST, 1};
    proto_list_offsets_req_topic t = {wire_str_from("t"), 1, &p};
    proto_list_offsets_req in = {-1, 0, 1, &t};
    assert_encodes_to(&codec_list_offsets_req, 0, &in, req_v0, sizeof(req_v0));
    /* v1 response: timestamp and offset instead of an offset array. */
    static const uint8_t resp_v1[] = {
        0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',        /* topics: "t" */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, /* partition 0 */
        0x00, 0x00,                                     /* error 0 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* timestamp -1 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, /* offset 42 */
    };
    proto_list_offsets_resp_partition rp = {0, 0, 0, NULL, -1, 42, -1};
    proto_list_offsets_resp_topic rt = {wire_str_from("t"), 1, &rp};
    proto_list_offsets_resp rin = {0, 1, &rt};
    assert_encodes_to(&codec_list_offsets_resp, 1, &rin, resp_v1, sizeof(resp_v1));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metadata_req_round_trip),
        cmocka_unit_test(test_metadata_req_v1_bytes),
        cmocka_unit_test(test_metadata_resp_round_trip),
        cmocka_unit_test(test_metadata_resp_v1_bytes),
        cmocka_unit_test(test_produce_req_round_trip),
        cmocka_unit_test(test_produce_req_v3_bytes),
        cmocka_unit_test(test_produce_req_v0_bytes),
        cmocka_unit_test(test_produce_resp_v0_v2_bytes),
        cmocka_unit_test(test_produce_resp_round_trip),
        cmocka_unit_test(test_fetch_req_round_trip),
        cmocka_unit_test(test_fetch_resp_round_trip),
        cmocka_unit_test(test_fetch_resp_v4_bytes),
        cmocka_unit_test(test_fetch_resp_zero_copy),
        cmocka_unit_test(test_list_offsets_req_round_trip),
        cmocka_unit_test(test_list_offsets_resp_round_trip),
        cmocka_unit_test(test_list_offsets_v0_v1_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
