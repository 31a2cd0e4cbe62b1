/*
 * test_proto_init_pid.c - the InitProducerId (22) codec, v0-4: round trips
 * of every version in both directions (every truncation failing), the v3+
 * producer id/epoch defaults below v3, hand-laid bytes of a v0 request with
 * a null transactional id, a flexible v3 request and the v0/v2 responses,
 * and versions outside 0-4.
 */
#include <string.h>

#include "test_proto_helpers.h"
#include "wire/kafka.h"

CODEC(init_producer_id_req);
CODEC(init_producer_id_resp);

static void test_req_round_trip(void **state) {
    (void)state;
    proto_init_producer_id_req ins[] = {
        {WIRE_STR_NULL, 60000, 1234, 7},
        {wire_str_from("txn-1"), 900, -1, -1},
    };
    for (int k = 0; k < 2; k++)
        for (int16_t v = 0; v <= 4; v++) {
            proto_init_producer_id_req out;
            wire_writer w;
            wire_arena a;
            wire_arena_init(&a);
            round_trip(&codec_init_producer_id_req, v, &ins[k], &out, &w, &a);
            if (k == 0)
                assert_int_equal(out.transactional_id.len, -1);
            else
                assert_str(out.transactional_id, "txn-1");
            assert_int_equal(out.transaction_timeout_ms, ins[k].transaction_timeout_ms);
            assert_int_equal(out.producer_id, v >= 3 ? ins[k].producer_id : -1);
            assert_int_equal(out.producer_epoch, v >= 3 ? ins[k].producer_epoch : -1);
            wire_arena_free(&a);
            wire_writer_free(&w);
        }
}

static void test_resp_round_trip(void **state) {
    (void)state;
    proto_init_producer_id_resp in = {5, KAFKA_NONE, 0x0102030405060708LL, 3};
    for (int16_t v = 0; v <= 4; v++) {
        proto_init_producer_id_resp out;
        wire_writer w;
        wire_arena a;
        wire_arena_init(&a);
        round_trip(&codec_init_producer_id_resp, v, &in, &out, &w, &a);
        assert_int_equal(out.throttle_time_ms, 5);
        assert_int_equal(out.error_code, KAFKA_NONE);
        assert_int_equal(out.producer_id, 0x0102030405060708LL);
        assert_int_equal(out.producer_epoch, 3);
        wire_arena_free(&a);
        wire_writer_free(&w);
    }
}

static void test_bytes(void **state) {
    (void)state;
    /* v0: null transactional id (int16 -1), timeout 60000. */
    static const uint8_t req_v0[] = {0xff, 0xff, 0x00, 0x00, 0xea, 0x60};
    proto_init_producer_id_req in = {WIRE_STR_NULL, 60000, 9, 2};
    assert_encodes_to(&codec_init_producer_id_req, 0, &in, req_v0, sizeof(req_v0));
    /* v3 (flexible): compact nullable string (0 = null), id, epoch, tags. */
    static const uint8_t req_v3[] = {
        0x00,                                           /* transactional id null */
        0x00, 0x00, 0xea, 0x60,                         /* timeout 60000 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, /* producer id 9 */
        0x00, 0x02,                                     /* epoch 2 */
        0x00,                                           /* tags */
    };
    assert_encodes_to(&codec_init_producer_id_req, 3, &in, req_v3, sizeof(req_v3));
    /* A v2 request decodes without the id/epoch and fills the defaults. */
    static const uint8_t req_v2[] = {0x04, 'a', 'b', 'c', 0x00, 0x00, 0x03, 0xe8, 0x00};
    wire_reader r;
    wire_reader_init(&r, req_v2, sizeof(req_v2));
    wire_arena a;
    wire_arena_init(&a);
    proto_init_producer_id_req out;
    assert_int_equal(proto_init_producer_id_req_decode(&r, 2, &a, &out), 0);
    assert_str(out.transactional_id, "abc");
    assert_int_equal(out.transaction_timeout_ms, 1000);
    assert_int_equal(out.producer_id, -1);
    assert_int_equal(out.producer_epoch, -1);
    wire_arena_free(&a);

    static const uint8_t resp_v0[] = {
        0x00, 0x00, 0x00, 0x00,                         /* throttle 0 */
        0x00, 0x00,                                     /* error 0 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8, /* producer id 1000 */
        0x00, 0x00,                                     /* epoch 0 */
    };
    proto_init_producer_id_resp rin = {0, KAFKA_NONE, 1000, 0};
    assert_encodes_to(&codec_init_producer_id_resp, 0, &rin, resp_v0, sizeof(resp_v0));
    static const uint8_t resp_v2[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, /* + tags */
    };
    assert_encodes_to(&codec_init_producer_id_resp, 2, &rin, resp_v2, sizeof(resp_v2));
}

static void test_unsupported_versions(void **state) {
    (void)state;
    proto_init_producer_id_req in = {WIRE_STR_NULL, 0, -1, -1};
    wire_writer w;
    wire_writer_init(&w);
    proto_init_producer_id_req_encode(&w, 5, &in);
    assert_int_equal(w.err, WIRE_ERR_INVALID);
    wire_writer_free(&w);
    static const uint8_t body[] = {0xff, 0xff, 0x00, 0x00, 0x00, 0x00};
    wire_reader r;
    wire_reader_init(&r, body, sizeof(body));
    wire_arena a;
    wire_arena_init(&a);
    proto_init_producer_id_req out;
    assert_int_not_equal(proto_init_producer_id_req_decode(&r, -1, &a, &out), 0);
    wire_reader_init(&r, body, sizeof(body));
    assert_int_not_equal(proto_init_producer_id_req_decode(&r, 5, &a, &out), 0);
    /* A string length below -1 does not decode. */
    static const uint8_t bad[] = {0xff, 0xf0, 0x00, 0x00, 0x00, 0x00};
    wire_reader_init(&r, bad, sizeof(bad));
    assert_int_not_equal(proto_init_producer_id_req_decode(&r, 0, &a, &out), 0);
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
