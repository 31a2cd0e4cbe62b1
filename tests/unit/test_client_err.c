/*
 * test_client_err.c - strand_err_str, the Kafka code mapping and the
 * retriable classification.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "strand/strand.h"

static void test_local_strings_distinct(void **state) {
    (void)state;
    const char *seen[32];
    int n = 0;
    for (int e = 0; e >= STRAND_ERR_MAX_POLL_EXCEEDED; e--) {
        const char *s = strand_err_str((strand_err)e);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        assert_string_not_equal(s, "unknown error");
        for (int i = 0; i < n; i++)
            if (strcmp(seen[i], s) == 0)
                fail_msg("codes share the text \"%s\"", s);
        seen[n++] = s;
    }
    assert_string_equal(strand_err_str((strand_err)-77), "unknown error");
    assert_string_equal(strand_err_str((strand_err)5), "unknown error");
    assert_string_equal(strand_err_str((strand_err)-50000), "unknown error");
}

static void test_kafka_range(void **state) {
    (void)state;
    assert_int_equal(STRAND_ERR_KAFKA(0), STRAND_OK);
    assert_int_equal(STRAND_ERR_KAFKA(6), -1006);
    assert_int_equal(STRAND_ERR_KAFKA(-1), -999);
    assert_string_equal(strand_err_str(STRAND_ERR_NOT_LEADER_OR_FOLLOWER),
                        "NOT_LEADER_OR_FOLLOWER");
    assert_string_equal(strand_err_str(STRAND_ERR_OFFSET_OUT_OF_RANGE), "OFFSET_OUT_OF_RANGE");
    assert_string_equal(strand_err_str(STRAND_ERR_KAFKA(-1)), "UNKNOWN_SERVER_ERROR");
    assert_string_equal(strand_err_str(STRAND_ERR_KAFKA(35)), "UNSUPPORTED_VERSION");
    assert_string_equal(strand_err_str(STRAND_ERR_KAFKA(999)), "UNKNOWN_ERROR_CODE");
    for (int code = -1; code < 1000; code++) {
        if (code == 0)
            continue;
        assert_int_equal(strand_err_kafka_code(STRAND_ERR_KAFKA(code)), code);
    }
    assert_int_equal(strand_err_kafka_code(STRAND_OK), 0);
    assert_int_equal(strand_err_kafka_code(STRAND_ERR_TIMED_OUT), 0);
    assert_int_equal(strand_err_kafka_code((strand_err)-2000), 0);
}

static void test_retriable(void **state) {
    (void)state;
    assert_true(strand_err_is_retriable(STRAND_ERR_TIMED_OUT));
    assert_true(strand_err_is_retriable(STRAND_ERR_TRANSPORT));
    assert_true(strand_err_is_retriable(STRAND_ERR_NOT_LEADER_OR_FOLLOWER));
    assert_true(strand_err_is_retriable(STRAND_ERR_LEADER_NOT_AVAILABLE));
    assert_true(strand_err_is_retriable(STRAND_ERR_UNKNOWN_TOPIC_OR_PARTITION));
    assert_true(strand_err_is_retriable(STRAND_ERR_REQUEST_TIMED_OUT));
    assert_true(strand_err_is_retriable(STRAND_ERR_NOT_ENOUGH_REPLICAS));
    assert_false(strand_err_is_retriable(STRAND_OK));
    assert_false(strand_err_is_retriable(STRAND_ERR_CONFIG));
    assert_false(strand_err_is_retriable(STRAND_ERR_MSG_TOO_LARGE));
    assert_false(strand_err_is_retriable(STRAND_ERR_CLOSED));
    assert_false(strand_err_is_retriable(STRAND_ERR_MESSAGE_TOO_LARGE));
    assert_false(strand_err_is_retriable(STRAND_ERR_INVALID_REQUIRED_ACKS));
    assert_false(strand_err_is_retriable(STRAND_ERR_OFFSET_OUT_OF_RANGE));
    assert_false(strand_err_is_retriable(STRAND_ERR_KAFKA(-1)));
}

static void test_version(void **state) {
    (void)state;
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", STRAND_VERSION_MAJOR, STRAND_VERSION_MINOR,
             STRAND_VERSION_PATCH);
    assert_string_equal(strand_version_str(), want);
    assert_int_equal(strand_version(), STRAND_VERSION);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_strings_distinct),
        cmocka_unit_test(test_kafka_range),
        cmocka_unit_test(test_retriable),
        cmocka_unit_test(test_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
