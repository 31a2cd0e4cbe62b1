/*
 * test_cli_group.c - unit tests of tools/group_reset.c, the broker-free
 * decisions of `strand group reset-offsets`: --to-datetime forms (ISO 8601
 * with Z, offsets, fractions, date only, local time; epoch ms) and the
 * ones refused, --topic T:P,... specs, and the new offset of a partition
 * for every target with its clamping notes; plus the JSON string writer
 * the group --json outputs use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tools/cli_format.h"
#include "tools/group_reset.h"

static int64_t dt(const char *s) {
    int64_t ms = -12345;
    if (group_datetime_parse(s, &ms) != 0)
        fail_msg("'%s' was refused", s);
    return ms;
}

static void refused(const char *s) {
    int64_t ms = -12345;
    if (group_datetime_parse(s, &ms) == 0)
        fail_msg("'%s' was accepted as %lld", s, (long long)ms);
    assert_int_equal(ms, -12345);
}

static void test_datetime_utc(void **state) {
    (void)state;
    /* 2026-11-23T10:00:00Z = 1795428000 s (days_from_civil checked against date -u) */
    assert_int_equal(dt("2026-11-23T10:00:00Z"), 1795428000000LL);
    assert_int_equal(dt("2026-11-23t10:00:00z"), 1795428000000LL);
    assert_int_equal(dt("2026-11-23 10:00:00Z"), 1795428000000LL);
    assert_int_equal(dt("2026-11-23T10:00Z"), 1795428000000LL);
    assert_int_equal(dt("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(dt("2000-02-29T23:59:59Z"), 951868799000LL);
    assert_int_equal(dt("2026-11-23Z"), 1795392000000LL);
}

static void test_datetime_fraction_and_zone(void **state) {
    (void)state;
    assert_int_equal(dt("2026-11-23T10:00:00.123Z"), 1795428000123LL);
    assert_int_equal(dt("2026-11-23T10:00:00.5Z"), 1795428000500LL);
    assert_int_equal(dt("2026-11-23T10:00:00,25Z"), 1795428000250LL);
    assert_int_equal(dt("2026-11-23T10:00:00.123456789Z"), 1795428000123LL); /* truncated */
    /* 11:00 at +01:00 is 10:00 UTC; every zone spelling */
    assert_int_equal(dt("2026-11-23T11:00:00+01:00"), 1795428000000LL);
    assert_int_equal(dt("2026-11-23T11:00:00+0100"), 1795428000000LL);
    assert_int_equal(dt("2026-11-23T11:00:00+01"), 1795428000000LL);
    assert_int_equal(dt("2026-11-23T04:30:00.250-05:30"), 1795428000250LL);
    assert_int_equal(dt("2026-11-23T10:00:00+00:00"), 1795428000000LL);
}

static void test_datetime_epoch_ms(void **state) {
    (void)state;
    assert_int_equal(dt("1795428000123"), 1795428000123LL);
    assert_int_equal(dt("0"), 0);
    refused("12345678901234567"); /* 17 digits */
    refused("-5");
    refused("17954280001x");
}

static void test_datetime_local(void **state) {
    (void)state;
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    setenv("TZ", "UTC0", 1);
    tzset();
    assert_int_equal(dt("2026-11-23T10:00:00"), 1795428000000LL);
    assert_int_equal(dt("2026-11-23"), 1795392000000LL);
    setenv("TZ", "CET-1", 1); /* one hour east of UTC, no DST rule */
    tzset();
    assert_int_equal(dt("2026-11-23T11:00:00.007"), 1795428000007LL);
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved);
}

static void test_datetime_refused(void **state) {
    (void)state;
    const char *bad[] = {"",
                         "2026-13-01T00:00:00Z",
                         "2026-00-10T00:00:00Z",
                         "2026-02-29T00:00:00Z", /* not a leap year */
                         "2026-04-31T00:00:00Z",
                         "2026-11-23T24:00:00Z",
                         "2026-11-23T10:60:00Z",
                         "2026-11-23T10:00:60Z",
                         "2026-11-23T10:00:00.Z",
                         "2026-11-23T10Z",
                         "2026-11-23T10:00:00+24:00",
                         "2026-11-23T10:00:00+01:60",
                         "2026-11-23T10:00:00+1",
                         "2026-11-23T10:00:00Zjunk",
                         "2026-11-23T10:00:00 Z",
                         "26-11-23",
                         "2026/11/23",
                         "1969-12-31T23:59:59Z",
                         "yesterday"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refused(bad[i]);
}

static void test_topic_spec(void **state) {
    (void)state;
    group_topic_spec s;
    char err[300];
    assert_int_equal(group_topic_spec_parse("orders", &s, err, sizeof err), 0);
    assert_string_equal(s.topic, "orders");
    assert_int_equal(s.n_partitions, 0);
    group_topic_spec_free(&s);

    assert_int_equal(group_topic_spec_parse("my.topic-1:5,0,2-3,2", &s, err, sizeof err), 0);
    assert_string_equal(s.topic, "my.topic-1");
    assert_int_equal(s.n_partitions, 4); /* sorted, the duplicate 2 dropped */
    assert_int_equal(s.partitions[0], 0);
    assert_int_equal(s.partitions[1], 2);
    assert_int_equal(s.partitions[2], 3);
    assert_int_equal(s.partitions[3], 5);
    group_topic_spec_free(&s);

    const char *bad[] = {"",      ":0",   "t:",   "t:a",           "t:1,",       "t:,1",
                         "t:3-1", "t:1-", "t:-1", "t:99999999999", "t:0-200000", "t:1;2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (group_topic_spec_parse(bad[i], &s, err, sizeof err) == 0)
            fail_msg("'%s' was accepted", bad[i]);
        assert_true(strlen(err) > 0);
        assert_null(s.topic);
    }
}

static group_reset_result run(group_reset_kind kind, int64_t value, int64_t committed,
                              int64_t start, int64_t end, int64_t by_time, int want_rc) {
    group_reset_target t = {kind, value};
    group_reset_input in = {committed, start, end, by_time};
    group_reset_result r;
    assert_int_equal(group_reset_compute(&t, &in, &r), want_rc);
    return r;
}

static void test_reset_targets(void **state) {
    (void)state;
    group_reset_result r = run(GROUP_RESET_EARLIEST, 0, 40, 10, 100, -1, 0);
    assert_int_equal(r.new_offset, 10);
    assert_int_equal(r.note, GROUP_RESET_NOTE_NONE);
    r = run(GROUP_RESET_LATEST, 0, 40, 10, 100, -1, 0);
    assert_int_equal(r.new_offset, 100);
    r = run(GROUP_RESET_OFFSET, 55, -1, 10, 100, -1, 0);
    assert_int_equal(r.new_offset, 55);
    assert_int_equal(r.note, GROUP_RESET_NOTE_NONE);
    r = run(GROUP_RESET_DATETIME, 1795428000000LL, 40, 10, 100, 73, 0);
    assert_int_equal(r.new_offset, 73);
    r = run(GROUP_RESET_SHIFT, -15, 40, 10, 100, -1, 0);
    assert_int_equal(r.new_offset, 25);
    r = run(GROUP_RESET_SHIFT, 7, 40, 10, 100, -1, 0);
    assert_int_equal(r.new_offset, 47);
}

static void test_reset_clamping(void **state) {
    (void)state;
    char buf[160];
    group_reset_result r = run(GROUP_RESET_OFFSET, 500, 40, 10, 100, -1, 0);
    assert_int_equal(r.new_offset, 100);
    assert_int_equal(r.wanted, 500);
    assert_int_equal(r.note, GROUP_RESET_CLAMPED_END);
    assert_string_equal(group_reset_note_text(&r, buf, sizeof buf),
                        "clamped to the log end (wanted 500)");
    r = run(GROUP_RESET_OFFSET, 3, 40, 10, 100, -1, 0);
    assert_int_equal(r.new_offset, 10);
    assert_int_equal(r.note, GROUP_RESET_CLAMPED_START);
    assert_string_equal(group_reset_note_text(&r, buf, sizeof buf),
                        "clamped to the log start (wanted 3)");
    /* the bounds themselves are not clamped */
    r = run(GROUP_RESET_OFFSET, 100, 40, 10, 100, -1, 0);
    assert_int_equal(r.note, GROUP_RESET_NOTE_NONE);
    r = run(GROUP_RESET_OFFSET, 10, 40, 10, 100, -1, 0);
    assert_int_equal(r.note, GROUP_RESET_NOTE_NONE);
    r = run(GROUP_RESET_SHIFT, -100, 40, 10, 100, -1, 0);
    assert_int_equal(r.new_offset, 10);
    assert_int_equal(r.wanted, -60);
    assert_int_equal(r.note, GROUP_RESET_CLAMPED_START);
    r = run(GROUP_RESET_SHIFT, INT64_MAX, 40, 10, 100, -1, 0); /* no overflow */
    assert_int_equal(r.new_offset, 100);
    assert_int_equal(r.note, GROUP_RESET_CLAMPED_END);
    r = run(GROUP_RESET_SHIFT, INT64_MIN, 40, 10, 100, -1, 0);
    assert_int_equal(r.new_offset, 10);
    /* an empty log: start == end */
    r = run(GROUP_RESET_OFFSET, 5, -1, 0, 0, -1, 0);
    assert_int_equal(r.new_offset, 0);
    assert_int_equal(r.note, GROUP_RESET_CLAMPED_END);
    assert_string_equal(
        group_reset_note_text(&(group_reset_result){0, 0, GROUP_RESET_NOTE_NONE}, buf, sizeof buf),
        "");
}

static void test_reset_datetime_after_last(void **state) {
    (void)state;
    char buf[160];
    group_reset_result r = run(GROUP_RESET_DATETIME, 1795428000000LL, 40, 10, 100, -1, 0);
    assert_int_equal(r.new_offset, 100);
    assert_int_equal(r.note, GROUP_RESET_AFTER_LAST);
    assert_non_null(strstr(group_reset_note_text(&r, buf, sizeof buf), "log end"));
}

static void test_reset_shift_without_commit(void **state) {
    (void)state;
    char buf[160];
    group_reset_result r = run(GROUP_RESET_SHIFT, 5, -1, 10, 100, -1, -1);
    assert_int_equal(r.new_offset, -1);
    assert_int_equal(r.note, GROUP_RESET_NO_COMMITTED);
    assert_string_equal(group_reset_note_text(&r, buf, sizeof buf), "no committed offset to shift");
}

static void test_json_str(void **state) {
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    cli_json_str(f, "g\"1\\\n", 5);
    fputc(' ', f);
    cli_json_str(f, "caf\xc3\xa9", 5); /* valid UTF-8 stays as is */
    fputc(' ', f);
    cli_json_str(f,
                 "a\xff"
                 "b",
                 3); /* invalid: escaped, still JSON */
    fclose(f);
    assert_string_equal(buf, "\"g\\\"1\\\\\\n\" \"caf\xc3\xa9\" \"a\\u00ffb\"");
    free(buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_datetime_utc),
        cmocka_unit_test(test_datetime_fraction_and_zone),
        cmocka_unit_test(test_datetime_epoch_ms),
        cmocka_unit_test(test_datetime_local),
        cmocka_unit_test(test_datetime_refused),
        cmocka_unit_test(test_topic_spec),
        cmocka_unit_test(test_reset_targets),
        cmocka_unit_test(test_reset_clamping),
        cmocka_unit_test(test_reset_datetime_after_last),
        cmocka_unit_test(test_reset_shift_without_commit),
        cmocka_unit_test(test_json_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
