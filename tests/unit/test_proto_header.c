/*
 * test_proto_header.c - request/response headers, the version table, the
 * flexible thresholds, ApiVersions v0-3 and the UNSUPPORTED_VERSION
 * fallback of wire/protocol.h.
 *
 * The byte vectors are laid out by hand from the Kafka message schemas
 * (RequestHeader, ResponseHeader, ApiVersionsRequest/Response), so they
 * check the codecs against the protocol rather than against themselves.
 * Every valid vector is also cut at every length, which must fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "wire/protocol.h"

typedef int (*decode_fn)(wire_reader *r, int16_t version, wire_arena *a);

/* Decode must consume exactly `len` bytes, and fail on every shorter prefix. */
static void check_decode_exact(const uint8_t *buf, size_t len, int16_t version, decode_fn fn) {
    for (size_t cut = 0; cut <= len; cut++) {
        wire_arena a;
        wire_arena_init(&a);
        wire_reader r;
        wire_reader_init(&r, buf, cut);
        int rc = fn(&r, version, &a);
        if (cut < len) {
            if (rc == 0)
                fail_msg("decode of %zu/%zu bytes (v%d) succeeded", cut, len, version);
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(r.pos, len);
        }
        wire_arena_free(&a);
    }
}

static void assert_bytes(const wire_writer *w, const uint8_t *want, size_t n) {
    assert_int_equal(w->err, 0);
    assert_int_equal(w->len, n);
    assert_memory_equal(w->p, want, n);
}

static void assert_str(wire_str s, const char *want) {
    if (!want) {
        assert_int_equal(s.len, -1);
        return;
    }
    assert_true(wire_str_eq(s, want));
}

/* ---- headers ---- */

static int dec_req_header(wire_reader *r, int16_t v, wire_arena *a) {
    (void)v;
    (void)a;
    proto_req_header h;
    return proto_req_header_decode(r, &h);
}

static void test_req_header_v1_bytes(void **state) {
    (void)state;
    /* Metadata v1 (not flexible): header v1, no tag section. */
    static const uint8_t want[] = {0x00, 0x03, 0x00, 0x01, 0x01, 0x02, 0x03,
                                   0x04, 0x00, 0x03, 'a',  'b',  'c'};
    proto_req_header h = {KAFKA_API_METADATA, 1, 0x01020304, wire_str_from("abc")};
    wire_writer w;
    wire_writer_init(&w);
    proto_req_header_encode(&w, &h);
    assert_bytes(&w, want, sizeof(want));
    wire_writer_free(&w);

    wire_reader r;
    wire_reader_init(&r, want, sizeof(want));
    proto_req_header d;
    assert_int_equal(proto_req_header_decode(&r, &d), 0);
    assert_int_equal(d.api_key, 3);
    assert_int_equal(d.api_version, 1);
    assert_int_equal(d.correlation_id, 0x01020304);
    assert_str(d.client_id, "abc");
    assert_int_equal(r.pos, sizeof(want));
    check_decode_exact(want, sizeof(want), 0, dec_req_header);

    /* Null client id. */
    static const uint8_t null_id[] = {0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x09, 0xff, 0xff};
    h = (proto_req_header){KAFKA_API_PRODUCE, 3, 9, WIRE_STR_NULL};
    wire_writer_init(&w);
    proto_req_header_encode(&w, &h);
    assert_bytes(&w, null_id, sizeof(null_id));
    wire_writer_free(&w);
    wire_reader_init(&r, null_id, sizeof(null_id));
    assert_int_equal(proto_req_header_decode(&r, &d), 0);
    assert_str(d.client_id, NULL);
}

static void test_req_header_v2_bytes(void **state) {
    (void)state;
    /* ApiVersions v3 (flexible): header v2 = v1 + empty tag section; the
     * client id keeps its int16 length. */
    static const uint8_t want[] = {0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x07, 0x00,
                                   0x07, 'r',  'd',  'k',  'a',  'f',  'k',  'a',  0x00};
    proto_req_header h = {KAFKA_API_API_VERSIONS, 3, 7, wire_str_from("rdkafka")};
    wire_writer w;
    wire_writer_init(&w);
    proto_req_header_encode(&w, &h);
    assert_bytes(&w, want, sizeof(want));
    wire_writer_free(&w);
    check_decode_exact(want, sizeof(want), 0, dec_req_header);

    /* A header with one unknown tag (tag 5, 2 bytes) is skipped. */
    static const uint8_t tagged[] = {0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x07, 0x00,
                                     0x01, 'x',  0x01, 0x05, 0x02, 0xaa, 0xbb, 0x42};
    wire_reader r;
    wire_reader_init(&r, tagged, sizeof(tagged));
    proto_req_header d;
    assert_int_equal(proto_req_header_decode(&r, &d), 0);
    assert_str(d.client_id, "x");
    assert_int_equal(r.pos, sizeof(tagged) - 1); /* the body byte 0x42 is left */
    check_decode_exact(tagged, sizeof(tagged) - 1, 0, dec_req_header);

    /* ApiVersions v9 (unknown to us) still parses as header v2. */
    static const uint8_t future[] = {0x00, 0x12, 0x00, 0x09, 0x00, 0x00,
                                     0x00, 0x01, 0xff, 0xff, 0x00};
    check_decode_exact(future, sizeof(future), 0, dec_req_header);
}

static void test_resp_header(void **state) {
    (void)state;
    wire_writer w;
    /* Non-flexible: v0 = correlation id only. */
    static const uint8_t v0[] = {0x00, 0x00, 0x01, 0x00};
    wire_writer_init(&w);
    proto_resp_header_encode(&w, KAFKA_API_METADATA, 8, 256);
    assert_bytes(&w, v0, sizeof(v0));
    wire_writer_free(&w);
    /* ApiVersions v3 is flexible but its response header stays v0. */
    wire_writer_init(&w);
    proto_resp_header_encode(&w, KAFKA_API_API_VERSIONS, 3, 256);
    assert_bytes(&w, v0, sizeof(v0));
    wire_writer_free(&w);
    /* Metadata v9 (flexible): v1 adds an empty tag section. */
    static const uint8_t v1[] = {0x00, 0x00, 0x01, 0x00, 0x00};
    wire_writer_init(&w);
    proto_resp_header_encode(&w, KAFKA_API_METADATA, 9, 256);
    assert_bytes(&w, v1, sizeof(v1));
    wire_writer_free(&w);

    int32_t corr = 0;
    wire_reader r;
    wire_reader_init(&r, v1, sizeof(v1));
    assert_int_equal(proto_resp_header_decode(&r, KAFKA_API_METADATA, 9, &corr), 0);
    assert_int_equal(corr, 256);
    assert_int_equal(r.pos, 5);
    wire_reader_init(&r, v1, 4);
    assert_int_not_equal(proto_resp_header_decode(&r, KAFKA_API_METADATA, 9, &corr), 0);
    wire_reader_init(&r, v0, 3);
    assert_int_not_equal(proto_resp_header_decode(&r, KAFKA_API_API_VERSIONS, 3, &corr), 0);
}

static void test_frame(void **state) {
    (void)state;
    wire_writer w;
    wire_writer_init(&w);
    wire_write_i8(&w, 0x55); /* something before the frame */
    size_t at = proto_frame_begin(&w);
    proto_resp_header_encode(&w, KAFKA_API_PRODUCE, 7, 42);
    wire_write_i16(&w, 1);
    proto_frame_end(&w, at);
    static const uint8_t want[] = {0x55, 0, 0, 0, 6, 0, 0, 0, 42, 0, 1};
    assert_bytes(&w, want, sizeof(want));
    wire_writer_free(&w);
}

/* ---- version table ---- */

static void test_flexible(void **state) {
    (void)state;
    assert_false(proto_is_flexible(KAFKA_API_API_VERSIONS, 2));
    assert_true(proto_is_flexible(KAFKA_API_API_VERSIONS, 3));
    assert_true(proto_is_flexible(KAFKA_API_API_VERSIONS, 4));
    assert_false(proto_is_flexible(KAFKA_API_PRODUCE, 8));
    assert_true(proto_is_flexible(KAFKA_API_PRODUCE, 9));
    assert_false(proto_is_flexible(KAFKA_API_FETCH, 11));
    assert_true(proto_is_flexible(KAFKA_API_FETCH, 12));
    assert_false(proto_is_flexible(KAFKA_API_METADATA, 8));
    assert_true(proto_is_flexible(KAFKA_API_METADATA, 9));
    assert_false(proto_is_flexible(KAFKA_API_SASL_HANDSHAKE, 1));
    assert_false(proto_is_flexible(999, 50));
    assert_int_equal(proto_req_header_version(KAFKA_API_FIND_COORDINATOR, 3), 2);
    assert_int_equal(proto_req_header_version(KAFKA_API_FIND_COORDINATOR, 2), 1);
    assert_int_equal(proto_resp_header_version(KAFKA_API_API_VERSIONS, 3), 0);
    assert_int_equal(proto_resp_header_version(KAFKA_API_OFFSET_FETCH, 6), 1);

    /* Everything implemented is non-flexible except ApiVersions v3,
     * OffsetFetch v6-7, ListGroups v3-4, InitProducerId v2-4,
     * OffsetForLeaderEpoch v4, ControlledShutdown v3 and ElectLeaders v2. */
    for (size_t i = 0; i < proto_api_range_count; i++) {
        const proto_api_range *e = &proto_api_ranges[i];
        for (int16_t v = e->min_version; v <= e->max_version; v++)
            if (proto_is_flexible(e->api_key, v))
                assert_true((e->api_key == KAFKA_API_API_VERSIONS && v == 3) ||
                            (e->api_key == KAFKA_API_OFFSET_FETCH && v >= 6) ||
                            (e->api_key == KAFKA_API_LIST_GROUPS && v >= 3) ||
                            (e->api_key == KAFKA_API_INIT_PRODUCER_ID && v >= 2) ||
                            (e->api_key == KAFKA_API_OFFSET_FOR_LEADER_EPOCH && v == 4) ||
                            (e->api_key == KAFKA_API_CONTROLLED_SHUTDOWN && v == 3) ||
                            (e->api_key == KAFKA_API_ELECT_LEADERS && v == 2));
    }
}

static void test_ranges(void **state) {
    (void)state;
    static const proto_api_range want[] = {
        {0, 0, 7},  {1, 4, 11}, {2, 0, 5},  {3, 0, 8},  {7, 0, 3},  {8, 0, 7},
        {9, 0, 7},  {10, 0, 2}, {11, 0, 5}, {12, 0, 3}, {13, 0, 3}, {14, 0, 3},
        {15, 0, 4}, {16, 0, 4}, {18, 0, 3}, {19, 0, 4}, {20, 0, 3}, {22, 0, 4},
        {23, 0, 4}, {32, 0, 2}, {37, 0, 1}, {42, 0, 1}, {43, 0, 2},
    };
    assert_int_equal(proto_api_range_count, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < proto_api_range_count; i++) {
        assert_int_equal(proto_api_ranges[i].api_key, want[i].api_key);
        assert_int_equal(proto_api_ranges[i].min_version, want[i].min_version);
        assert_int_equal(proto_api_ranges[i].max_version, want[i].max_version);
        if (i > 0) /* ascending by key */
            assert_true(proto_api_ranges[i].api_key > proto_api_ranges[i - 1].api_key);
        assert_ptr_equal(proto_api_range_find(want[i].api_key), &proto_api_ranges[i]);
        assert_non_null(kafka_api_name(want[i].api_key));
    }
    assert_null(proto_api_range_find(KAFKA_API_DELETE_RECORDS));
    assert_true(proto_api_supported(KAFKA_API_FETCH, 4));
    assert_true(proto_api_supported(KAFKA_API_FETCH, 11));
    assert_false(proto_api_supported(KAFKA_API_FETCH, 3));
    assert_false(proto_api_supported(KAFKA_API_FETCH, 12));
    assert_false(proto_api_supported(KAFKA_API_DELETE_RECORDS, 0));
    assert_true(proto_api_supported(KAFKA_API_INIT_PRODUCER_ID, 4));
    assert_false(proto_api_supported(KAFKA_API_INIT_PRODUCER_ID, 5));
    assert_false(proto_api_supported(KAFKA_API_JOIN_GROUP, 6));
    assert_int_equal(proto_api_version_pick(KAFKA_API_FETCH, 0, 16), 11);
    assert_int_equal(proto_api_version_pick(KAFKA_API_FETCH, 0, 6), 6);
    assert_int_equal(proto_api_version_pick(KAFKA_API_FETCH, 0, 3), -1);
    assert_int_equal(proto_api_version_pick(KAFKA_API_PRODUCE, 8, 10), -1);
    assert_int_equal(proto_api_version_pick(KAFKA_API_DELETE_RECORDS, 0, 2), -1);
    assert_int_equal(proto_api_version_pick(KAFKA_API_INIT_PRODUCER_ID, 0, 4), 4);
    assert_int_equal(proto_api_version_pick(KAFKA_API_JOIN_GROUP, 0, 9), 5);
}

/* Every message refuses versions outside the table, both ways. */
static void test_unsupported_versions(void **state) {
    (void)state;
    static const uint8_t zeros[64];
    wire_arena a;
    wire_arena_init(&a);
    wire_reader r;
    wire_writer w;

    proto_produce_req preq = {0};
    wire_reader_init(&r, zeros, sizeof(zeros));
    assert_int_equal(proto_produce_req_decode(&r, -1, &a, &preq), WIRE_ERR_INVALID);
    wire_writer_init(&w);
    proto_produce_req_encode(&w, 8, &preq);
    assert_int_equal(w.err, WIRE_ERR_INVALID);
    assert_int_equal(w.len, 0);
    wire_writer_free(&w);

    proto_fetch_resp fresp = {0};
    wire_reader_init(&r, zeros, sizeof(zeros));
    assert_int_equal(proto_fetch_resp_decode(&r, 12, &a, &fresp), WIRE_ERR_INVALID);
    proto_api_versions_req avreq = {0};
    wire_reader_init(&r, zeros, sizeof(zeros));
    assert_int_equal(proto_api_versions_req_decode(&r, 4, &a, &avreq), WIRE_ERR_INVALID);
    proto_metadata_req mreq = {0};
    wire_reader_init(&r, zeros, sizeof(zeros));
    assert_int_equal(proto_metadata_req_decode(&r, 9, &a, &mreq), WIRE_ERR_INVALID);
    proto_find_coordinator_resp fc = {0};
    wire_writer_init(&w);
    proto_find_coordinator_resp_encode(&w, 3, &fc);
    assert_int_equal(w.err, WIRE_ERR_INVALID);
    wire_writer_free(&w);
    proto_describe_configs_req dc = {0};
    wire_reader_init(&r, zeros, sizeof(zeros));
    assert_int_equal(proto_describe_configs_req_decode(&r, -1, &a, &dc), WIRE_ERR_INVALID);
    wire_arena_free(&a);
}

/* ---- ApiVersions ---- */

static int dec_av_req(wire_reader *r, int16_t v, wire_arena *a) {
    proto_api_versions_req m;
    return proto_api_versions_req_decode(r, v, a, &m);
}

static int dec_av_resp(wire_reader *r, int16_t v, wire_arena *a) {
    proto_api_versions_resp m;
    return proto_api_versions_resp_decode(r, v, a, &m);
}

static void test_api_versions_req_bytes(void **state) {
    (void)state;
    wire_writer w;
    wire_arena a;
    wire_arena_init(&a);
    proto_api_versions_req in = {wire_str_from("librdkafka"), wire_str_from("2.0.2")};
    proto_api_versions_req out;

    /* v0-v2: empty body. */
    for (int16_t v = 0; v <= 2; v++) {
        wire_writer_init(&w);
        proto_api_versions_req_encode(&w, v, &in);
        assert_int_equal(w.err, 0);
        assert_int_equal(w.len, 0);
        wire_writer_free(&w);
        wire_reader r;
        wire_reader_init(&r, "", 0);
        assert_int_equal(proto_api_versions_req_decode(&r, v, &a, &out), 0);
        assert_int_equal(out.client_software_name.len, -1);
    }

    /* v3: two COMPACT_STRINGs (length + 1 as uvarint) and a tag section. */
    static const uint8_t v3[] = {0x0b, 'l', 'i',  'b', 'r', 'd', 'k', 'a', 'f',
                                 'k',  'a', 0x06, '2', '.', '0', '.', '2', 0x00};
    wire_writer_init(&w);
    proto_api_versions_req_encode(&w, 3, &in);
    assert_bytes(&w, v3, sizeof(v3));
    wire_writer_free(&w);
    wire_reader r;
    wire_reader_init(&r, v3, sizeof(v3));
    assert_int_equal(proto_api_versions_req_decode(&r, 3, &a, &out), 0);
    assert_str(out.client_software_name, "librdkafka");
    assert_str(out.client_software_version, "2.0.2");
    check_decode_exact(v3, sizeof(v3), 3, dec_av_req);

    /* A null (compact length 0) software name is invalid: not nullable. */
    static const uint8_t bad[] = {0x00, 0x01, 0x00};
    wire_reader_init(&r, bad, sizeof(bad));
    assert_int_not_equal(proto_api_versions_req_decode(&r, 3, &a, &out), 0);
    wire_arena_free(&a);
}

static const proto_api_range two_apis[] = {{0, 3, 7}, {18, 0, 3}};

static void test_api_versions_resp_v0_bytes(void **state) {
    (void)state;
    static const uint8_t v0[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
                                 0x03, 0x00, 0x07, 0x00, 0x12, 0x00, 0x00, 0x00, 0x03};
    proto_api_versions_resp in = {0, 2, two_apis, 99};
    wire_writer w;
    wire_writer_init(&w);
    proto_api_versions_resp_encode(&w, 0, &in); /* v0: no throttle time */
    assert_bytes(&w, v0, sizeof(v0));
    wire_writer_free(&w);

    wire_arena a;
    wire_arena_init(&a);
    wire_reader r;
    wire_reader_init(&r, v0, sizeof(v0));
    proto_api_versions_resp out;
    assert_int_equal(proto_api_versions_resp_decode(&r, 0, &a, &out), 0);
    assert_int_equal(out.error_code, 0);
    assert_int_equal(out.api_count, 2);
    assert_int_equal(out.apis[1].api_key, 18);
    assert_int_equal(out.apis[1].max_version, 3);
    assert_int_equal(out.apis[0].min_version, 3);
    assert_int_equal(out.throttle_time_ms, 0);
    check_decode_exact(v0, sizeof(v0), 0, dec_av_resp);
    wire_arena_free(&a);
}

static void test_api_versions_resp_v3_bytes(void **state) {
    (void)state;
    /* Compact array (N+1 = 3), a tag byte after every entry, throttle, and
     * the body's tag section. */
    static const uint8_t v3[] = {0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03, 0x00, 0x07, 0x00, 0x00,
                                 0x12, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x63, 0x00};
    proto_api_versions_resp in = {0, 2, two_apis, 99};
    wire_writer w;
    wire_writer_init(&w);
    proto_api_versions_resp_encode(&w, 3, &in);
    assert_bytes(&w, v3, sizeof(v3));
    wire_writer_free(&w);

    wire_arena a;
    wire_arena_init(&a);
    wire_reader r;
    wire_reader_init(&r, v3, sizeof(v3));
    proto_api_versions_resp out;
    assert_int_equal(proto_api_versions_resp_decode(&r, 3, &a, &out), 0);
    assert_int_equal(out.api_count, 2);
    assert_int_equal(out.apis[0].api_key, 0);
    assert_int_equal(out.apis[0].max_version, 7);
    assert_int_equal(out.throttle_time_ms, 99);
    check_decode_exact(v3, sizeof(v3), 3, dec_av_resp);

    /* A Kafka 3.x answer carries tagged fields (here tag 1,
     * FinalizedFeaturesEpoch, 8 bytes): skipped. */
    static const uint8_t tagged[] = {0x00, 0x23, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01,
                                     0x08, 0,    0,    0,    0,    0,    0,    0,    5};
    wire_reader_init(&r, tagged, sizeof(tagged));
    assert_int_equal(proto_api_versions_resp_decode(&r, 3, &a, &out), 0);
    assert_int_equal(out.error_code, 35);
    assert_int_equal(out.api_count, 0);
    assert_int_equal(r.pos, sizeof(tagged));
    wire_arena_free(&a);
}

static void test_api_versions_round_trip(void **state) {
    (void)state;
    proto_api_versions_resp in;
    proto_api_versions_resp_supported(&in);
    assert_int_equal(in.api_count, (int32_t)proto_api_range_count);
    in.throttle_time_ms = 17;
    for (int16_t v = 0; v <= 3; v++) {
        wire_writer w;
        wire_writer_init(&w);
        proto_api_versions_resp_encode(&w, v, &in);
        assert_int_equal(w.err, 0);
        wire_arena a;
        wire_arena_init(&a);
        wire_reader r;
        wire_reader_init(&r, w.p, w.len);
        proto_api_versions_resp out;
        assert_int_equal(proto_api_versions_resp_decode(&r, v, &a, &out), 0);
        assert_int_equal(r.pos, w.len);
        assert_int_equal(out.api_count, in.api_count);
        for (int32_t i = 0; i < out.api_count; i++) {
            assert_int_equal(out.apis[i].api_key, in.apis[i].api_key);
            assert_int_equal(out.apis[i].min_version, in.apis[i].min_version);
            assert_int_equal(out.apis[i].max_version, in.apis[i].max_version);
        }
        assert_int_equal(out.throttle_time_ms, v >= 1 ? 17 : 0);
        check_decode_exact(w.p, w.len, v, dec_av_resp);
        wire_arena_free(&a);
        wire_writer_free(&w);
    }
}

static void test_api_versions_fallback(void **state) {
    (void)state;
    /* Response header v0 (correlation id), then a v0 body: error 35 and a
     * one-entry array with our ApiVersions range 0..3. */
    static const uint8_t want[] = {0x00, 0x00, 0x30, 0x39, 0x00, 0x23, 0x00, 0x00,
                                   0x00, 0x01, 0x00, 0x12, 0x00, 0x00, 0x00, 0x03};
    wire_writer w;
    wire_writer_init(&w);
    proto_api_versions_unsupported_encode(&w, 12345);
    assert_bytes(&w, want, sizeof(want));

    /* What librdkafka does with it: v0 header, v0 body, pick a version. */
    wire_reader r;
    wire_reader_init(&r, w.p, w.len);
    int32_t corr;
    assert_int_equal(proto_resp_header_decode(&r, KAFKA_API_API_VERSIONS, 4, &corr), 0);
    assert_int_equal(corr, 12345);
    wire_arena a;
    wire_arena_init(&a);
    proto_api_versions_resp out;
    assert_int_equal(proto_api_versions_resp_decode(&r, 0, &a, &out), 0);
    assert_int_equal(out.error_code, KAFKA_UNSUPPORTED_VERSION);
    assert_int_equal(out.api_count, 1);
    assert_int_equal(out.apis[0].api_key, KAFKA_API_API_VERSIONS);
    assert_int_equal(out.apis[0].max_version, 3);
    assert_int_equal(r.pos, w.len);
    check_decode_exact(want + 4, sizeof(want) - 4, 0, dec_av_resp);
    wire_arena_free(&a);
    wire_writer_free(&w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_req_header_v1_bytes),
        cmocka_unit_test(test_req_header_v2_bytes),
        cmocka_unit_test(test_resp_header),
        cmocka_unit_test(test_frame),
        cmocka_unit_test(test_flexible),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_unsupported_versions),
        cmocka_unit_test(test_api_versions_req_bytes),
        cmocka_unit_test(test_api_versions_resp_v0_bytes),
        cmocka_unit_test(test_api_versions_resp_v3_bytes),
        cmocka_unit_test(test_api_versions_round_trip),
        cmocka_unit_test(test_api_versions_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
