/*
 * test_proto_admin.c - FindCoordinator 0-2, CreateTopics 0-4,
 * DeleteTopics 0-3, CreatePartitions 0-1 and DescribeConfigs 0-2 codecs of
 * wire/protocol.h.
 *
 * Same method as test_proto_topics.c: per version, encode non-default
 * values, decode, compare every field the version carries (defaults for the
 * rest), require byte-identical re-encoding and failure at every truncation;
 * plus hand-laid bytes for the version-dependent layouts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "wire/protocol.h"
#include "test_proto_helpers.h"

CODEC(find_coordinator_req);
CODEC(find_coordinator_resp);
CODEC(create_topics_req);
CODEC(create_topics_resp);
CODEC(delete_topics_req);
CODEC(delete_topics_resp);
CODEC(create_partitions_req);
CODEC(create_partitions_resp);
CODEC(describe_configs_req);
CODEC(describe_configs_resp);

/* ---- FindCoordinator ---- */

static void test_find_coordinator_round_trip(void **state) {
    (void)state;
    proto_find_coordinator_req in = {wire_str_from("my-group"), PROTO_COORDINATOR_TRANSACTION};
    proto_find_coordinator_resp rin = {7, KAFKA_COORDINATOR_NOT_AVAILABLE, wire_str_from("loading"),
                                       3, wire_str_from("broker-3"),       9094};
    for (int16_t v = 0; v <= 2; v++) {
        proto_find_coordinator_req out;
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        round_trip(&codec_find_coordinator_req, v, &in, &out, &w, &a);
        assert_str(out.key, "my-group");
        assert_int_equal(out.key_type,
                         v >= 1 ? PROTO_COORDINATOR_TRANSACTION : PROTO_COORDINATOR_GROUP);
        wire_writer_free(&w);

        proto_find_coordinator_resp rout;
        round_trip(&codec_find_coordinator_resp, v, &rin, &rout, &w, &a);
        assert_int_equal(rout.throttle_time_ms, v >= 1 ? 7 : 0);
        assert_int_equal(rout.error_code, KAFKA_COORDINATOR_NOT_AVAILABLE);
        assert_str(rout.error_message, v >= 1 ? "loading" : NULL);
        assert_int_equal(rout.node_id, 3);
        assert_str(rout.host, "broker-3");
        assert_int_equal(rout.port, 9094);
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
}

static void test_find_coordinator_bytes(void **state) {
    (void)state;
    static const uint8_t req_v0[] = {0x00, 0x01, 'g'};
    static const uint8_t req_v1[] = {0x00, 0x01, 'g', 0x00};
    proto_find_coordinator_req in = {wire_str_from("g"), PROTO_COORDINATOR_GROUP};
    assert_encodes_to(&codec_find_coordinator_req, 0, &in, req_v0, sizeof(req_v0));
    assert_encodes_to(&codec_find_coordinator_req, 1, &in, req_v1, sizeof(req_v1));
    static const uint8_t resp_v1[] = {
        0x00, 0x00, 0x00, 0x00, /* throttle */
        0x00, 0x00,             /* error */
        0xff, 0xff,             /* error_message null */
        0x00, 0x00, 0x00, 0x01, /* node 1 */
        0x00, 0x02, 'h',  '1',  /* host */
        0x00, 0x00, 0x23, 0x84, /* port 9092 */
    };
    proto_find_coordinator_resp rin = {0, 0, WIRE_STR_NULL, 1, wire_str_from("h1"), 9092};
    assert_encodes_to(&codec_find_coordinator_resp, 1, &rin, resp_v1, sizeof(resp_v1));

    /* Host is not nullable: an error answer with a null host goes out as "",
     * the nullable error message stays null. */
    static const uint8_t resp_err_v1[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, /* throttle, COORDINATOR_NOT_AVAILABLE */
        0xff, 0xff,                         /* error_message null */
        0xff, 0xff, 0xff, 0xff,             /* node -1 */
        0x00, 0x00,                         /* host "" */
        0xff, 0xff, 0xff, 0xff,             /* port -1 */
    };
    proto_find_coordinator_resp err = {
        0, KAFKA_COORDINATOR_NOT_AVAILABLE, WIRE_STR_NULL, -1, WIRE_STR_NULL, -1};
    assert_encodes_to(&codec_find_coordinator_resp, 1, &err, resp_err_v1, sizeof(resp_err_v1));
    /* ...and a null host on the wire is refused. */
    uint8_t bad[sizeof(resp_err_v1)];
    memcpy(bad, resp_err_v1, sizeof(bad));
    bad[12] = 0xff;
    bad[13] = 0xff;
    wire_arena a;
    wire_arena_init(&a);
    wire_reader r;
    wire_reader_init(&r, bad, sizeof(bad));
    proto_find_coordinator_resp out;
    assert_int_equal(proto_find_coordinator_resp_decode(&r, 1, &a, &out), WIRE_ERR_INVALID);
    wire_arena_free(&a);
}

/* ---- CreateTopics ---- */

static void test_create_topics_round_trip(void **state) {
    (void)state;
    int32_t b01[] = {0, 1}, b10[] = {1, 0};
    proto_create_topics_assignment as[] = {{0, 2, b01}, {1, 2, b10}};
    proto_config_kv cfg[] = {
        {wire_str_from("cleanup.policy"), wire_str_from("compact")},
        {wire_str_from("retention.ms"), WIRE_STR_NULL},
    };
    proto_create_topics_req_topic topics[] = {
        {wire_str_from("orders"), 6, 3, 0, NULL, 2, cfg},
        {wire_str_from("placed"), -1, -1, 2, as, 0, NULL},
    };
    proto_create_topics_req in = {2, topics, 15000, 1};
    proto_create_topics_resp_topic rt[] = {
        {wire_str_from("orders"), 0, WIRE_STR_NULL},
        {wire_str_from("placed"), KAFKA_TOPIC_ALREADY_EXISTS, wire_str_from("exists")},
    };
    proto_create_topics_resp rin = {11, 2, rt};
    for (int16_t v = 0; v <= 4; v++) {
        proto_create_topics_req out;
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        round_trip(&codec_create_topics_req, v, &in, &out, &w, &a);
        assert_int_equal(out.topic_count, 2);
        assert_str(out.topics[0].name, "orders");
        assert_int_equal(out.topics[0].num_partitions, 6);
        assert_int_equal(out.topics[0].replication_factor, 3);
        assert_int_equal(out.topics[0].assignment_count, 0);
        assert_int_equal(out.topics[0].config_count, 2);
        assert_str(out.topics[0].configs[0].name, "cleanup.policy");
        assert_str(out.topics[0].configs[0].value, "compact");
        assert_str(out.topics[0].configs[1].value, NULL);
        assert_int_equal(out.topics[1].num_partitions, -1);
        assert_int_equal(out.topics[1].replication_factor, -1);
        assert_int_equal(out.topics[1].assignment_count, 2);
        assert_int_equal(out.topics[1].assignments[1].partition_index, 1);
        assert_i32s(out.topics[1].assignments[1].broker_ids,
                    out.topics[1].assignments[1].broker_id_count, b10, 2);
        assert_i32s(out.topics[1].assignments[0].broker_ids,
                    out.topics[1].assignments[0].broker_id_count, b01, 2);
        assert_int_equal(out.timeout_ms, 15000);
        assert_int_equal(out.validate_only, v >= 1 ? 1 : 0);
        wire_writer_free(&w);

        proto_create_topics_resp rout;
        round_trip(&codec_create_topics_resp, v, &rin, &rout, &w, &a);
        assert_int_equal(rout.throttle_time_ms, v >= 2 ? 11 : 0);
        assert_int_equal(rout.topic_count, 2);
        assert_str(rout.topics[0].name, "orders");
        assert_int_equal(rout.topics[1].error_code, KAFKA_TOPIC_ALREADY_EXISTS);
        assert_str(rout.topics[1].error_message, v >= 1 ? "exists" : NULL);
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
}

static void test_create_topics_v0_bytes(void **state) {
    (void)state;
    static const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x01,            /* topics: 1 */
        0x00, 0x01, 'x',                   /*   name */
        0x00, 0x00, 0x00, 0x02,            /*   num_partitions 2 */
        0x00, 0x01,                        /*   replication 1 */
        0x00, 0x00, 0x00, 0x00,            /*   assignments: 0 */
        0x00, 0x00, 0x00, 0x01,            /*   configs: 1 */
        0x00, 0x01, 'k',  0x00, 0x01, 'v', /*     k=v */
        0x00, 0x00, 0x03, 0xe8,            /* timeout 1000 */
    };
    proto_config_kv kv = {wire_str_from("k"), wire_str_from("v")};
    proto_create_topics_req_topic t = {wire_str_from("x"), 2, 1, 0, NULL, 1, &kv};
    proto_create_topics_req in = {1, &t, 1000, 1}; /* validate_only not in v0 */
    assert_encodes_to(&codec_create_topics_req, 0, &in, want, sizeof(want));
}

/* ---- DeleteTopics ---- */

static void test_delete_topics_round_trip(void **state) {
    (void)state;
    wire_str names[] = {wire_str_from("a"), wire_str_from("bb")};
    proto_delete_topics_req in = {2, names, 5000};
    proto_delete_topics_resp_topic rt[] = {{wire_str_from("a"), 0},
                                           {wire_str_from("bb"), KAFKA_UNKNOWN_TOPIC_OR_PARTITION}};
    proto_delete_topics_resp rin = {4, 2, rt};
    for (int16_t v = 0; v <= 3; v++) {
        proto_delete_topics_req out;
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        round_trip(&codec_delete_topics_req, v, &in, &out, &w, &a);
        assert_int_equal(out.topic_count, 2);
        assert_str(out.topics[0], "a");
        assert_str(out.topics[1], "bb");
        assert_int_equal(out.timeout_ms, 5000);
        wire_writer_free(&w);

        proto_delete_topics_resp rout;
        round_trip(&codec_delete_topics_resp, v, &rin, &rout, &w, &a);
        assert_int_equal(rout.throttle_time_ms, v >= 1 ? 4 : 0);
        assert_int_equal(rout.topic_count, 2);
        assert_str(rout.topics[1].name, "bb");
        assert_int_equal(rout.topics[1].error_code, KAFKA_UNKNOWN_TOPIC_OR_PARTITION);
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
    static const uint8_t resp_v1[] = {0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
                                      0x01, 0x00, 0x01, 'a',  0x00, 0x00};
    proto_delete_topics_resp one = {4, 1, rt};
    assert_encodes_to(&codec_delete_topics_resp, 1, &one, resp_v1, sizeof(resp_v1));
}

/* ---- CreatePartitions ---- */

static void test_create_partitions_round_trip(void **state) {
    (void)state;
    int32_t b0[] = {0}, b12[] = {1, 2};
    proto_create_partitions_assignment as[] = {{1, b0}, {2, b12}};
    proto_create_partitions_req_topic topics[] = {
        {wire_str_from("orders"), 8, -1, NULL},
        {wire_str_from("placed"), 4, 2, as},
    };
    proto_create_partitions_req in = {2, topics, 30000, 1};
    proto_create_partitions_resp_result res[] = {
        {wire_str_from("orders"), 0, WIRE_STR_NULL},
        {wire_str_from("placed"), KAFKA_INVALID_PARTITIONS, wire_str_from("too few")},
    };
    proto_create_partitions_resp rin = {3, 2, res};
    for (int16_t v = 0; v <= 1; v++) {
        proto_create_partitions_req out;
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        round_trip(&codec_create_partitions_req, v, &in, &out, &w, &a);
        assert_int_equal(out.topic_count, 2);
        assert_str(out.topics[0].name, "orders");
        assert_int_equal(out.topics[0].count, 8);
        assert_int_equal(out.topics[0].assignment_count, -1);
        assert_null(out.topics[0].assignments);
        assert_int_equal(out.topics[1].assignment_count, 2);
        assert_int_equal(out.topics[1].assignments[0].broker_id_count, 1);
        assert_int_equal(out.topics[1].assignments[1].broker_ids[1], 2);
        assert_int_equal(out.timeout_ms, 30000);
        assert_int_equal(out.validate_only, 1);
        wire_writer_free(&w);

        proto_create_partitions_resp rout;
        round_trip(&codec_create_partitions_resp, v, &rin, &rout, &w, &a);
        assert_int_equal(rout.throttle_time_ms, 3);
        assert_int_equal(rout.result_count, 2);
        assert_str(rout.results[0].error_message, NULL);
        assert_int_equal(rout.results[1].error_code, KAFKA_INVALID_PARTITIONS);
        assert_str(rout.results[1].error_message, "too few");
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
    static const uint8_t req_v0[] = {
        0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', /* topics: "t" */
        0x00, 0x00, 0x00, 0x03,                  /*   count 3 */
        0xff, 0xff, 0xff, 0xff,                  /*   assignments null */
        0x00, 0x00, 0x27, 0x10,                  /* timeout 10000 */
        0x00,                                    /* validate_only */
    };
    proto_create_partitions_req_topic t = {wire_str_from("t"), 3, -1, NULL};
    proto_create_partitions_req one = {1, &t, 10000, 0};
    assert_encodes_to(&codec_create_partitions_req, 0, &one, req_v0, sizeof(req_v0));
}

/* ---- DescribeConfigs ---- */

static void test_describe_configs_req_round_trip(void **state) {
    (void)state;
    wire_str keys[] = {wire_str_from("retention.ms"), wire_str_from("cleanup.policy")};
    proto_describe_configs_req_resource res[] = {
        {PROTO_RESOURCE_TOPIC, wire_str_from("orders"), 2, keys},
        {PROTO_RESOURCE_BROKER, wire_str_from("1"), -1, NULL},
    };
    proto_describe_configs_req in = {2, res, 1};
    for (int16_t v = 0; v <= 2; v++) {
        proto_describe_configs_req out;
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        round_trip(&codec_describe_configs_req, v, &in, &out, &w, &a);
        assert_int_equal(out.resource_count, 2);
        assert_int_equal(out.resources[0].resource_type, PROTO_RESOURCE_TOPIC);
        assert_str(out.resources[0].resource_name, "orders");
        assert_int_equal(out.resources[0].config_key_count, 2);
        assert_str(out.resources[0].config_keys[1], "cleanup.policy");
        assert_int_equal(out.resources[1].resource_type, PROTO_RESOURCE_BROKER);
        assert_int_equal(out.resources[1].config_key_count, -1);
        assert_int_equal(out.include_synonyms, v >= 1 ? 1 : 0);
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
}

static void test_describe_configs_resp_round_trip(void **state) {
    (void)state;
    proto_describe_configs_synonym syn[] = {
        {wire_str_from("retention.ms"), wire_str_from("1000"), 1},
        {wire_str_from("log.retention.ms"), WIRE_STR_NULL, 5},
    };
    proto_describe_configs_entry entries[] = {
        {wire_str_from("retention.ms"), wire_str_from("1000"), 0, 0, 1, 0, 2, syn},
        {wire_str_from("sasl.password"), WIRE_STR_NULL, 1, 1, 5, 1, 0, NULL},
    };
    proto_describe_configs_result results[] = {
        {0, WIRE_STR_NULL, PROTO_RESOURCE_TOPIC, wire_str_from("orders"), 2, entries},
        {KAFKA_UNKNOWN_TOPIC_OR_PARTITION, wire_str_from("no such topic"), PROTO_RESOURCE_TOPIC,
         wire_str_from("gone"), 0, NULL},
    };
    proto_describe_configs_resp in = {6, 2, results};
    for (int16_t v = 0; v <= 2; v++) {
        proto_describe_configs_resp out;
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        round_trip(&codec_describe_configs_resp, v, &in, &out, &w, &a);
        assert_int_equal(out.throttle_time_ms, 6);
        assert_int_equal(out.result_count, 2);
        const proto_describe_configs_result *r0 = &out.results[0];
        assert_int_equal(r0->error_code, 0);
        assert_str(r0->error_message, NULL);
        assert_str(r0->resource_name, "orders");
        assert_int_equal(r0->config_count, 2);
        assert_str(r0->configs[0].name, "retention.ms");
        assert_str(r0->configs[0].value, "1000");
        assert_int_equal(r0->configs[1].read_only, 1);
        assert_int_equal(r0->configs[1].is_sensitive, 1);
        assert_str(r0->configs[1].value, NULL);
        assert_int_equal(r0->configs[1].is_default, v == 0 ? 1 : 0);
        assert_int_equal(r0->configs[1].config_source, v >= 1 ? 5 : -1);
        if (v >= 1) {
            assert_int_equal(r0->configs[0].synonym_count, 2);
            assert_str(r0->configs[0].synonyms[1].name, "log.retention.ms");
            assert_str(r0->configs[0].synonyms[1].value, NULL);
            assert_int_equal(r0->configs[0].synonyms[1].source, 5);
        } else {
            assert_int_equal(r0->configs[0].synonym_count, 0);
        }
        assert_int_equal(out.results[1].error_code, KAFKA_UNKNOWN_TOPIC_OR_PARTITION);
        assert_str(out.results[1].error_message, "no such topic");
        wire_writer_free(&w);
        wire_arena_free(&a);
    }
}

static void test_describe_configs_v0_v1_bytes(void **state) {
    (void)state;
    proto_describe_configs_entry e = {wire_str_from("k"), wire_str_from("v"), 0, 1, 5, 0, 0, NULL};
    proto_describe_configs_result res = {0, WIRE_STR_NULL, 2, wire_str_from("t"), 1, &e};
    proto_describe_configs_resp in = {0, 1, &res};
    static const uint8_t v0[] = {
        0x00, 0x00, 0x00, 0x00,            /* throttle */
        0x00, 0x00, 0x00, 0x01,            /* results: 1 */
        0x00, 0x00, 0xff, 0xff,            /*   error 0, message null */
        0x02, 0x00, 0x01, 't',             /*   type topic, name */
        0x00, 0x00, 0x00, 0x01,            /*   configs: 1 */
        0x00, 0x01, 'k',  0x00, 0x01, 'v', /*     name, value */
        0x00, 0x01, 0x00,                  /*     read_only, is_default, sensitive */
    };
    assert_encodes_to(&codec_describe_configs_resp, 0, &in, v0, sizeof(v0));
    static const uint8_t v1[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0xff, 0xff, 0x02, 0x00,
        0x01, 't',  0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'k',  0x00, 0x01, 'v',  0x00, /* read_only
                                                                                       */
        0x05,                   /* config_source */
        0x00,                   /* sensitive */
        0x00, 0x00, 0x00, 0x00, /* synonyms: 0 */
    };
    assert_encodes_to(&codec_describe_configs_resp, 1, &in, v1, sizeof(v1));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_coordinator_round_trip),
        cmocka_unit_test(test_find_coordinator_bytes),
        cmocka_unit_test(test_create_topics_round_trip),
        cmocka_unit_test(test_create_topics_v0_bytes),
        cmocka_unit_test(test_delete_topics_round_trip),
        cmocka_unit_test(test_create_partitions_round_trip),
        cmocka_unit_test(test_describe_configs_req_round_trip),
        cmocka_unit_test(test_describe_configs_resp_round_trip),
        cmocka_unit_test(test_describe_configs_v0_v1_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
