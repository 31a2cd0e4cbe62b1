/*
 * test_replica_truncate.c - the follower's truncation decision
 * (broker/replica_truncate.h) in the KIP-101 and KIP-279 scenarios: a
 * divergent suffix, a leader that never had some of the follower's epochs
 * (one and two round trips), an empty follower, a follower ahead in the
 * same epoch, an old leader without epochs, and errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "broker/replica_truncate.h"
#include "wire/kafka.h"

static replica_trunc_decision decide(int16_t err, int32_t lepoch, int64_t lend, int64_t leo,
                                     int64_t hw, int32_t fepoch, int64_t fend) {
    replica_trunc_input in = {err, lepoch, lend, leo, hw, fepoch, fend};
    return replica_truncation_decide(&in);
}

static void expect(replica_trunc_decision d, int action, int64_t offset) {
    assert_int_equal(d.action, action);
    assert_int_equal(d.offset, offset);
}

/* Follower epochs [(0,0),(1,5)] LEO 8: 5..7 were written by a leader of
 * epoch 1 that died before replicating them. The new leader has
 * [(0,0),(2,5)]: asked for epoch 1 it answers (0, 5); the follower's epoch
 * 0 ends at 5 too: cut to 5, whatever its high watermark. */
static void test_divergent_suffix(void **state) {
    (void)state;
    expect(decide(KAFKA_NONE, 0, 5, 8, 3, 0, 5), REPLICA_TRUNC_DONE, 5);
    /* The high watermark plays no part once the leader answered. */
    expect(decide(KAFKA_NONE, 0, 5, 8, 8, 0, 5), REPLICA_TRUNC_DONE, 5);
}

/* KIP-279: follower [(0,0),(1,3)] LEO 6, leader [(0,0),(2,4)]: asked for
 * 1 the leader answers (0, 4); the follower's epoch 0 ends at 3: cut to 3
 * (not 4: offset 3 is of epoch 1 here and may differ from the leader's). */
static void test_leader_with_fewer_epochs(void **state) {
    (void)state;
    expect(decide(KAFKA_NONE, 0, 4, 6, 0, 0, 3), REPLICA_TRUNC_DONE, 3);
}

/* Two round trips: follower [(0,0),(2,3),(4,6)] LEO 9, leader
 * [(0,0),(3,5),(5,8)]. Asked for 4 the leader answers (3, 8); the follower
 * never had 3: its largest epoch <= 3 is 2, ending at 6: cut to 6 and ask
 * again. Now latest 2: the leader answers (0, 5); the follower's epoch 0
 * ends at 3: cut to 3, settled. */
static void test_two_round_trips(void **state) {
    (void)state;
    expect(decide(KAFKA_NONE, 3, 8, 9, 0, 2, 6), REPLICA_TRUNC_AGAIN, 6);
    expect(decide(KAFKA_NONE, 0, 5, 6, 0, 0, 3), REPLICA_TRUNC_DONE, 3);
}

/* An empty follower asks for epoch -1: UNDEFINED, high watermark rule: 0. */
static void test_empty_follower(void **state) {
    (void)state;
    expect(decide(KAFKA_NONE, -1, -1, 0, 0, -1, -1), REPLICA_TRUNC_DONE, 0);
    /* A follower with data but no epochs, same rule: its high watermark. */
    expect(decide(KAFKA_NONE, -1, -1, 10, 7, -1, -1), REPLICA_TRUNC_DONE, 7);
    expect(decide(KAFKA_NONE, -1, -1, 10, -1, -1, -1), REPLICA_TRUNC_DONE, 0);
}

/* Follower ahead in the same epoch: both in epoch 1, the new leader had
 * 9 records of it when elected (epoch 2 starts at 9), the follower 12.
 * Asked for 1 the leader answers (1, 9): cut to 9. */
static void test_follower_ahead_same_epoch(void **state) {
    (void)state;
    expect(decide(KAFKA_NONE, 1, 9, 12, 9, 1, 12), REPLICA_TRUNC_DONE, 9);
    /* The follower behind in that epoch: nothing to cut. */
    expect(decide(KAFKA_NONE, 1, 9, 7, 7, 1, 7), REPLICA_TRUNC_DONE, 7);
    /* Identical logs: nothing to cut either. */
    expect(decide(KAFKA_NONE, 1, 12, 12, 10, 1, 12), REPLICA_TRUNC_DONE, 12);
}

/* An answer without an epoch but with an offset (an old leader): the
 * offset; a follower without an entry for the answered epoch: the same. */
static void test_no_epoch_answers(void **state) {
    (void)state;
    expect(decide(KAFKA_NONE, -1, 4, 9, 2, -1, -1), REPLICA_TRUNC_DONE, 4);
    expect(decide(KAFKA_NONE, 3, 4, 9, 2, -1, -1), REPLICA_TRUNC_DONE, 4);
    expect(decide(KAFKA_NONE, 3, 40, 9, 2, -1, -1), REPLICA_TRUNC_DONE, 9);
}

/* Errors decide nothing: asked again after the next view or a backoff. */
static void test_errors(void **state) {
    (void)state;
    const int16_t errs[] = {KAFKA_FENCED_LEADER_EPOCH, KAFKA_UNKNOWN_LEADER_EPOCH,
                            KAFKA_NOT_LEADER_OR_FOLLOWER, KAFKA_UNKNOWN_TOPIC_OR_PARTITION};
    for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++)
        expect(decide(errs[i], 1, 9, 12, 9, 1, 12), REPLICA_TRUNC_RETRY, -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_divergent_suffix),
        cmocka_unit_test(test_leader_with_fewer_epochs),
        cmocka_unit_test(test_two_round_trips),
        cmocka_unit_test(test_empty_follower),
        cmocka_unit_test(test_follower_ahead_same_epoch),
        cmocka_unit_test(test_no_epoch_answers),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
