/*
 * test_producer_state.c - the idempotent-producer rules of
 * broker/producer_state.h: duplicates of each of the last 5 batches answer
 * the original offsets, the 6th-last is out of sequence, gaps, fencing of
 * older epochs, a new epoch starting at 0, sequence wraparound at
 * INT32_MAX, unknown producer ids, several batches in one request
 * (duplicate prefix, chained sequences, a failure leaving the state
 * untouched), replication appends without checks, and expiry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "broker/producer_state.h"
#include "wire/kafka.h"

/* A batch header: records [seq, seq + count), stored at `offset`. */
static batch_header hdr(int64_t pid, int16_t epoch, int32_t seq, int32_t count, int64_t offset,
                        int64_t ts) {
    batch_header h;
    memset(&h, 0, sizeof h);
    h.base_offset = offset;
    h.magic = 2;
    h.last_offset_delta = count - 1;
    h.record_count = count;
    h.base_timestamp = ts;
    h.max_timestamp = ts;
    h.producer_id = pid;
    h.producer_epoch = epoch;
    h.base_sequence = seq;
    return h;
}

static int16_t check1(producer_state *ps, batch_header h, producer_check *c) {
    return (int16_t)producer_state_check(ps, &h, 1, c);
}

/* Append 6 batches of 2 records each for pid 7 epoch 0 at offsets 100.. */
static producer_state *six_batches(void) {
    producer_state *ps = producer_state_new();
    assert_non_null(ps);
    for (int i = 0; i < 6; i++) {
        batch_header h = hdr(7, 0, i * 2, 2, 100 + i * 10, 1000 + i);
        producer_check c;
        assert_int_equal(check1(ps, h, &c), KAFKA_NONE);
        assert_int_equal(c.dup_count, 0);
        assert_int_equal(producer_state_apply(ps, &h), 0);
    }
    return ps;
}

static void test_duplicates_of_last_five(void **state) {
    (void)state;
    producer_state *ps = six_batches();
    const producer_entry *e = producer_state_find(ps, 7);
    assert_non_null(e);
    assert_int_equal(e->n, PRODUCER_STATE_BATCHES);
    for (int i = 1; i < 6; i++) {
        producer_check c;
        assert_int_equal(check1(ps, hdr(7, 0, i * 2, 2, -1, 0), &c), KAFKA_NONE);
        assert_int_equal(c.dup_count, 1);
        assert_int_equal(c.dup_first_offset, 100 + i * 10);
        assert_int_equal(c.dup_last_offset, 100 + i * 10 + 1);
        assert_int_equal(c.dup_timestamp, 1000 + i);
    }
    /* The oldest batch fell out of the window: out of sequence. */
    producer_check c;
    assert_int_equal(check1(ps, hdr(7, 0, 0, 2, -1, 0), &c), KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert_int_equal(c.bad_batch, 0);
    /* Same first sequence, different length: not a duplicate. */
    assert_int_equal(check1(ps, hdr(7, 0, 10, 1, -1, 0), &c), KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
    producer_state_free(ps);
}

static void test_gaps_and_next(void **state) {
    (void)state;
    producer_state *ps = six_batches(); /* last sequence 11 */
    producer_check c;
    assert_int_equal(check1(ps, hdr(7, 0, 12, 3, -1, 0), &c), KAFKA_NONE);
    assert_int_equal(c.dup_count, 0);
    assert_int_equal(check1(ps, hdr(7, 0, 13, 1, -1, 0), &c), KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert_int_equal(check1(ps, hdr(7, 0, 11, 1, -1, 0), &c), KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert_int_equal(check1(ps, hdr(7, 0, 100, 1, -1, 0), &c), KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* Another producer id is independent. */
    assert_int_equal(check1(ps, hdr(8, 0, 0, 1, -1, 0), &c), KAFKA_NONE);
    producer_state_free(ps);
}

static void test_epochs(void **state) {
    (void)state;
    producer_state *ps = six_batches();
    producer_check c;
    /* A new epoch must start at 0. */
    assert_int_equal(check1(ps, hdr(7, 1, 12, 1, -1, 0), &c), KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
    batch_header h = hdr(7, 1, 0, 4, 200, 2000);
    assert_int_equal(check1(ps, h, &c), KAFKA_NONE);
    assert_int_equal(c.dup_count, 0); /* sequence 0-1 of epoch 0 is no duplicate in epoch 1 */
    assert_int_equal(producer_state_apply(ps, &h), 0);
    const producer_entry *e = producer_state_find(ps, 7);
    assert_int_equal(e->epoch, 1);
    assert_int_equal(e->n, 1);
    /* The old epoch is fenced, duplicates of it included. */
    assert_int_equal(check1(ps, hdr(7, 0, 12, 1, -1, 0), &c), KAFKA_INVALID_PRODUCER_EPOCH);
    assert_int_equal(check1(ps, hdr(7, 0, 10, 2, -1, 0), &c), KAFKA_INVALID_PRODUCER_EPOCH);
    /* Epoch 1 continues; its duplicate is found. */
    assert_int_equal(check1(ps, hdr(7, 1, 4, 1, -1, 0), &c), KAFKA_NONE);
    assert_int_equal(check1(ps, hdr(7, 1, 0, 4, -1, 0), &c), KAFKA_NONE);
    assert_int_equal(c.dup_count, 1);
    assert_int_equal(c.dup_first_offset, 200);
    producer_state_free(ps);
}

static void test_wraparound(void **state) {
    (void)state;
    assert_int_equal(producer_seq_add(INT32_MAX, 1), 0);
    assert_int_equal(producer_seq_add(INT32_MAX - 1, 3), 1);
    assert_int_equal(producer_seq_add(5, 3), 8);
    producer_state *ps = producer_state_new();
    batch_header h = hdr(3, 0, INT32_MAX - 1, 2, 0, 1); /* last sequence INT32_MAX */
    assert_int_equal(producer_state_apply(ps, &h), 0);
    producer_check c;
    assert_int_equal(check1(ps, hdr(3, 0, 0, 5, -1, 0), &c), KAFKA_NONE);
    assert_int_equal(check1(ps, hdr(3, 0, 1, 5, -1, 0), &c), KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* A batch spanning the wrap: INT32_MAX-1 .. 1, its duplicate found. */
    batch_header w = hdr(4, 0, INT32_MAX - 1, 4, 10, 1);
    assert_int_equal(producer_batch_last_seq(&w), 1);
    assert_int_equal(producer_state_apply(ps, &w), 0);
    assert_int_equal(check1(ps, hdr(4, 0, INT32_MAX - 1, 4, -1, 0), &c), KAFKA_NONE);
    assert_int_equal(c.dup_count, 1);
    assert_int_equal(c.dup_first_offset, 10);
    assert_int_equal(check1(ps, hdr(4, 0, 2, 1, -1, 0), &c), KAFKA_NONE);
    assert_int_equal(c.dup_count, 0);
    producer_state_free(ps);
}

static void test_unknown_and_invalid(void **state) {
    (void)state;
    producer_state *ps = producer_state_new();
    producer_check c;
    /* Unknown producer ids are accepted at any sequence (Kafka 2.5+). */
    assert_int_equal(check1(ps, hdr(11, 0, 0, 1, -1, 0), &c), KAFKA_NONE);
    assert_int_equal(check1(ps, hdr(11, 3, 4242, 1, -1, 0), &c), KAFKA_NONE);
    /* No producer id: not checked at all. */
    assert_int_equal(check1(ps, hdr(-1, -1, -1, 1, -1, 0), &c), KAFKA_NONE);
    /* A producer id with a negative sequence or epoch is malformed. */
    assert_int_equal(check1(ps, hdr(11, 0, -1, 1, -1, 0), &c), KAFKA_INVALID_RECORD);
    assert_int_equal(check1(ps, hdr(11, -1, 0, 1, -1, 0), &c), KAFKA_INVALID_RECORD);
    batch_header none = hdr(-1, -1, -1, 1, 0, 0);
    assert_int_equal(producer_state_apply(ps, &none), 0);
    assert_int_equal(producer_state_count(ps), 0);
    producer_state_free(ps);
}

static void test_several_batches(void **state) {
    (void)state;
    producer_state *ps = six_batches(); /* stored: seq 2..11 at offsets 110..151 */
    producer_check c;
    /* Chained new batches: 12-13 then 14-16. */
    batch_header two[] = {hdr(7, 0, 12, 2, -1, 0), hdr(7, 0, 14, 3, -1, 0)};
    assert_int_equal(producer_state_check(ps, two, 2, &c), KAFKA_NONE);
    assert_int_equal(c.dup_count, 0);
    /* A gap in the second: the request fails at batch 1, the state is untouched. */
    batch_header gap[] = {hdr(7, 0, 12, 2, -1, 0), hdr(7, 0, 15, 1, -1, 0)};
    assert_int_equal(producer_state_check(ps, gap, 2, &c), KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert_int_equal(c.bad_batch, 1);
    const producer_entry *e = producer_state_find(ps, 7);
    assert_int_equal(e->batches[e->n - 1].last_seq, 11);
    /* A duplicate prefix then new data. */
    batch_header mix[] = {hdr(7, 0, 8, 2, -1, 0), hdr(7, 0, 10, 2, -1, 0), hdr(7, 0, 12, 1, -1, 0)};
    assert_int_equal(producer_state_check(ps, mix, 3, &c), KAFKA_NONE);
    assert_int_equal(c.dup_count, 2);
    assert_int_equal(c.dup_first_offset, 140);
    assert_int_equal(c.dup_last_offset, 151);
    /* All duplicates. */
    assert_int_equal(producer_state_check(ps, mix, 2, &c), KAFKA_NONE);
    assert_int_equal(c.dup_count, 2);
    /* A stored batch after a new one is out of sequence, not a duplicate. */
    batch_header late[] = {hdr(7, 0, 12, 1, -1, 0), hdr(7, 0, 10, 2, -1, 0)};
    assert_int_equal(producer_state_check(ps, late, 2, &c), KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert_int_equal(c.bad_batch, 1);
    /* Many producers in one request (more than the on-stack scratch). */
    batch_header many[6];
    for (int i = 0; i < 6; i++)
        many[i] = hdr(20 + i, 0, 5, 1, -1, 0);
    assert_int_equal(producer_state_check(ps, many, 6, &c), KAFKA_NONE);
    producer_state_free(ps);
}

static void test_replication_apply(void **state) {
    (void)state;
    producer_state *ps = six_batches();
    /* Replication records whatever the leader stored, even a lower epoch. */
    batch_header h = hdr(7, 0, 40, 1, 300, 5);
    assert_int_equal(producer_state_apply(ps, &h), 0);
    const producer_entry *e = producer_state_find(ps, 7);
    assert_int_equal(e->batches[e->n - 1].last_seq, 40);
    assert_int_equal(e->batches[e->n - 1].first_offset, 300);
    /* Many producers grow the table. */
    for (int i = 0; i < 200; i++) {
        batch_header x = hdr(1000 + i, 0, 0, 1, 400 + i, 10);
        assert_int_equal(producer_state_apply(ps, &x), 0);
    }
    assert_int_equal(producer_state_count(ps), 201);
    for (int i = 0; i < 200; i++)
        assert_non_null(producer_state_find(ps, 1000 + i));
    producer_state_free(ps);
}

static void test_expire(void **state) {
    (void)state;
    producer_state *ps = producer_state_new();
    batch_header a = hdr(1, 0, 0, 1, 10, 1000);
    batch_header b = hdr(2, 0, 0, 1, 20, 5000);
    batch_header c = hdr(3, 0, 0, 1, 30, 9000);
    producer_state_apply(ps, &a);
    producer_state_apply(ps, &b);
    producer_state_apply(ps, &c);
    /* now 10000, expiration 5000: a (9000 old) and b (5000 old: >=) go. */
    assert_int_equal(producer_state_expire(ps, 10000, 5000, 0), 2);
    assert_null(producer_state_find(ps, 1));
    assert_null(producer_state_find(ps, 2));
    assert_non_null(producer_state_find(ps, 3));
    /* Retention moved the log start past its last batch. */
    assert_int_equal(producer_state_expire(ps, 10000, 5000, 31), 1);
    assert_int_equal(producer_state_count(ps), 0);
    /* A forgotten producer is accepted at any sequence again. */
    producer_check chk;
    assert_int_equal(check1(ps, hdr(1, 0, 77, 1, -1, 0), &chk), KAFKA_NONE);
    producer_state_clear(ps);
    producer_state_free(ps);
    producer_state_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicates_of_last_five),
        cmocka_unit_test(test_gaps_and_next),
        cmocka_unit_test(test_epochs),
        cmocka_unit_test(test_wraparound),
        cmocka_unit_test(test_unknown_and_invalid),
        cmocka_unit_test(test_several_batches),
        cmocka_unit_test(test_replication_apply),
        cmocka_unit_test(test_expire),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
