/*
 * test_group_records.c - Kafka's __consumer_offsets record formats
 * (broker/group_records.h): byte-exact offset key, value v1/v3 and group
 * value v3 round trips, decoding of older value versions, and refusal of
 * keys that are not group data or are truncated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "broker/group_records.h"

static void test_offset_key_bytes(void **state) {
    (void)state;
    wire_writer w;
    wire_writer_init(&w);
    group_record_offset_key_encode(&w, wire_str_from("g"), wire_str_from("tp"), 258);
    static const uint8_t want[] = {0, 1, 0, 1, 'g', 0, 2, 't', 'p', 0, 0, 1, 2};
    assert_int_equal(w.len, sizeof want);
    assert_memory_equal(w.p, want, sizeof want);
    group_record_key k;
    assert_int_equal(group_record_key_decode((wire_bytes){w.p, (int32_t)w.len}, &k), 0);
    assert_int_equal(k.kind, GROUP_RECORD_OFFSET);
    assert_true(wire_str_eq(k.group, "g"));
    assert_true(wire_str_eq(k.topic, "tp"));
    assert_int_equal(k.partition, 258);
    /* every truncation fails */
    for (size_t n = 0; n < w.len; n++)
        assert_int_equal(group_record_key_decode((wire_bytes){w.p, (int32_t)n}, &k), -1);
    wire_writer_free(&w);
    static const uint8_t unknown[] = {0, 7, 0, 1, 'g'};
    assert_int_equal(group_record_key_decode((wire_bytes){unknown, 5}, &k), -1);
    wire_writer_init(&w);
    group_record_group_key_encode(&w, wire_str_from("grp"));
    static const uint8_t gk[] = {0, 2, 0, 3, 'g', 'r', 'p'};
    assert_memory_equal(w.p, gk, sizeof gk);
    assert_int_equal(group_record_key_decode((wire_bytes){w.p, (int32_t)w.len}, &k), 0);
    assert_int_equal(k.kind, GROUP_RECORD_GROUP);
    wire_writer_free(&w);
}

static void test_offset_values(void **state) {
    (void)state;
    group_record_offset v3 = {1234, 7, wire_str_from("meta"), 99, -1}, out;
    wire_writer w;
    wire_writer_init(&w);
    group_record_offset_value_encode(&w, &v3);
    assert_int_equal(w.len, 2 + 8 + 4 + 2 + 4 + 8);
    assert_int_equal(w.p[1], 3);
    assert_int_equal(group_record_offset_value_decode((wire_bytes){w.p, (int32_t)w.len}, &out), 0);
    assert_int_equal(out.offset, 1234);
    assert_int_equal(out.leader_epoch, 7);
    assert_true(wire_str_eq(out.metadata, "meta"));
    assert_int_equal(out.commit_timestamp, 99);
    assert_int_equal(out.expire_timestamp, -1);
    wire_writer_free(&w);
    /* with an expire time: v1 */
    group_record_offset v1 = {5, -1, WIRE_STR_NULL, 10, 20};
    wire_writer_init(&w);
    group_record_offset_value_encode(&w, &v1);
    assert_int_equal(w.p[1], 1);
    assert_int_equal(group_record_offset_value_decode((wire_bytes){w.p, (int32_t)w.len}, &out), 0);
    assert_int_equal(out.offset, 5);
    assert_true(wire_str_eq(out.metadata, ""));
    assert_int_equal(out.expire_timestamp, 20);
    assert_int_equal(out.leader_epoch, -1);
    wire_writer_free(&w);
    /* v0: offset, metadata, timestamp */
    static const uint8_t v0[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4};
    assert_int_equal(group_record_offset_value_decode((wire_bytes){v0, sizeof v0}, &out), 0);
    assert_int_equal(out.offset, 9);
    assert_int_equal(out.commit_timestamp, 4);
    assert_int_equal(group_record_offset_value_decode((wire_bytes){v0, sizeof v0 - 1}, &out), -1);
}

static void test_group_value_round_trip(void **state) {
    (void)state;
    group_record_member m[2] = {
        {wire_str_from("m1"),
         wire_str_from("i1"),
         wire_str_from("c1"),
         wire_str_from("/1.2.3.4"),
         30000,
         10000,
         {(const uint8_t *)"sub", 3},
         {(const uint8_t *)"as", 2}},
        {wire_str_from("m2"),
         WIRE_STR_NULL,
         wire_str_from("c2"),
         wire_str_from("/h"),
         1,
         2,
         {NULL, 0},
         {NULL, 0}},
    };
    group_record_group g = {
        wire_str_from("consumer"), 5, wire_str_from("range"), wire_str_from("m1"), 777, 2, m};
    wire_writer w;
    wire_writer_init(&w);
    group_record_group_value_encode(&w, &g);
    wire_arena a;
    wire_arena_init(&a);
    group_record_group out;
    assert_int_equal(group_record_group_value_decode((wire_bytes){w.p, (int32_t)w.len}, &a, &out),
                     0);
    assert_true(wire_str_eq(out.protocol_type, "consumer"));
    assert_int_equal(out.generation, 5);
    assert_true(wire_str_eq(out.protocol, "range"));
    assert_true(wire_str_eq(out.leader, "m1"));
    assert_int_equal(out.current_state_timestamp, 777);
    assert_int_equal(out.member_count, 2);
    assert_true(wire_str_eq(out.members[0].instance_id, "i1"));
    assert_int_equal(out.members[1].instance_id.len, -1);
    assert_true(wire_str_eq(out.members[0].client_host, "/1.2.3.4"));
    assert_int_equal(out.members[0].rebalance_timeout_ms, 30000);
    assert_int_equal(out.members[0].session_timeout_ms, 10000);
    assert_memory_equal(out.members[0].subscription.ptr, "sub", 3);
    assert_memory_equal(out.members[0].assignment.ptr, "as", 2);
    for (size_t n = 2; n < w.len; n++)
        assert_int_equal(group_record_group_value_decode((wire_bytes){w.p, (int32_t)n}, &a, &out),
                         -1);
    wire_arena_free(&a);
    wire_writer_free(&w);
    /* an empty group: null protocol and leader, no members */
    group_record_group e = {wire_str_from("consumer"), 6, WIRE_STR_NULL, WIRE_STR_NULL, 8, 0, NULL};
    wire_writer_init(&w);
    wire_arena_init(&a);
    group_record_group_value_encode(&w, &e);
    assert_int_equal(group_record_group_value_decode((wire_bytes){w.p, (int32_t)w.len}, &a, &out),
                     0);
    assert_int_equal(out.protocol.len, -1);
    assert_int_equal(out.member_count, 0);
    wire_arena_free(&a);
    wire_writer_free(&w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offset_key_bytes),
        cmocka_unit_test(test_offset_values),
        cmocka_unit_test(test_group_value_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
