/*
 * test_delayed.c - the delayed-operation list: completion by append events
 * (only once enough bytes arrived, only for watched partitions), by timer,
 * by force, and cancellation without a callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <uv.h>

#include "broker/delayed.h"

typedef struct record {
    int calls;
    int reason;
} record;

static void on_done(delayed_op *op, void *arg, int reason) {
    (void)op;
    record *r = arg;
    r->calls++;
    r->reason = reason;
}

static void test_notify_until_enough(void **state) {
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    delayed *d;
    assert_int_equal(delayed_init(&loop, &d), 0);
    delayed_list a = {0}, b = {0};
    record r = {0, -1};
    delayed_op *op = delayed_op_start(d, 60000, 100, on_done, &r);
    assert_non_null(op);
    assert_int_equal(delayed_op_watch(op, &a), 0);
    assert_int_equal(delayed_op_watch(op, &a), 0); /* duplicate ignored */
    assert_int_equal(delayed_count(d), 1);
    delayed_notify(&b, 1000); /* not watched */
    assert_int_equal(r.calls, 0);
    delayed_notify(&a, 60);
    assert_int_equal(r.calls, 0);
    delayed_notify(&a, 40);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.reason, DELAYED_BY_DATA);
    assert_null(a.head);
    assert_int_equal(delayed_count(d), 0);
    delayed_notify(&a, 100); /* no second call */
    assert_int_equal(r.calls, 1);
    uv_run(&loop, UV_RUN_DEFAULT); /* closes the timer, frees the op */
    delayed_free(d);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_timeout(void **state) {
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    delayed *d;
    assert_int_equal(delayed_init(&loop, &d), 0);
    delayed_list a = {0};
    record r = {0, -1};
    delayed_op *op = delayed_op_start(d, 20, 100, on_done, &r);
    delayed_op_watch(op, &a);
    uint64_t t0 = uv_now(&loop);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.reason, DELAYED_BY_TIMEOUT);
    assert_true(uv_now(&loop) - t0 >= 20);
    assert_null(a.head);
    delayed_free(d);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_many_ops_one_list(void **state) {
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    delayed *d;
    assert_int_equal(delayed_init(&loop, &d), 0);
    delayed_list parts[10] = {{0}};
    record r[5] = {{0, -1}};
    for (int i = 0; i < 5; i++) {
        delayed_op *op = delayed_op_start(d, 60000, (i + 1) * 10, on_done, &r[i]);
        for (int p = 0; p < 10; p++) /* forces the waiter array to grow and relink */
            delayed_op_watch(op, &parts[p]);
    }
    delayed_notify(&parts[3], 25); /* ops needing 10 and 20 complete */
    assert_int_equal(r[0].calls + r[1].calls, 2);
    assert_int_equal(r[2].calls + r[3].calls + r[4].calls, 0);
    delayed_list_complete_all(&parts[9]);
    for (int i = 0; i < 5; i++)
        assert_int_equal(r[i].calls, 1);
    assert_int_equal(r[4].reason, DELAYED_BY_FORCE);
    for (int p = 0; p < 10; p++)
        assert_null(parts[p].head);
    uv_run(&loop, UV_RUN_DEFAULT);
    delayed_free(d);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_cancel_and_complete_all(void **state) {
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    delayed *d;
    assert_int_equal(delayed_init(&loop, &d), 0);
    delayed_list a = {0};
    record r1 = {0, -1}, r2 = {0, -1};
    delayed_op *op1 = delayed_op_start(d, 60000, 1, on_done, &r1);
    delayed_op *op2 = delayed_op_start(d, 60000, 1, on_done, &r2);
    delayed_op_watch(op1, &a);
    delayed_op_watch(op2, &a);
    delayed_op_cancel(op1);
    assert_int_equal(delayed_count(d), 1);
    delayed_complete_all(d);
    assert_int_equal(r1.calls, 0);
    assert_int_equal(r2.calls, 1);
    assert_int_equal(r2.reason, DELAYED_BY_FORCE);
    assert_null(a.head);
    uv_run(&loop, UV_RUN_DEFAULT);
    delayed_free(d);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notify_until_enough),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_many_ops_one_list),
        cmocka_unit_test(test_cancel_and_complete_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
