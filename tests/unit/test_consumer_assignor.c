/*
 * test_consumer_assignor.c - the range and roundrobin assignors against the
 * examples in the Java client's RangeAssignor / RoundRobinAssignor
 * documentation, member order (static members first), topics without
 * metadata, and a randomized property check: every partition of a
 * subscribed topic goes to exactly one member that subscribes to it, range
 * spreads each topic evenly over its subscribers, roundrobin spreads all
 * partitions evenly when everybody subscribes to the same topics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "consumer/assignor.h"

/* "t0:0,t0:1,..." for one member's result. */
static void render(const assignor_result *r, char *buf, size_t len) {
    size_t off = 0;
    buf[0] = 0;
    for (size_t i = 0; i < r->count && off < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%s:%d", i ? "," : "", r->tps[i].topic,
                                (int)r->tps[i].partition);
}

static void expect(const assignor_result *r, const char *want) {
    char buf[512];
    render(r, buf, sizeof buf);
    assert_string_equal(buf, want);
}

static const char *const T01[] = {"t0", "t1"};

static void test_range_java_example(void **state) {
    (void)state;
    /* RangeAssignor javadoc: C0, C1 subscribe t0, t1 (3 partitions each). */
    assignor_member m[] = {{"C1", NULL, T01, 2}, {"C0", NULL, T01, 2}};
    assignor_topic t[] = {{"t1", 3}, {"t0", 3}};
    assignor_result out[2] = {{0}};
    assert_int_equal(assignor_run("range", m, 2, t, 2, out), 0);
    expect(&out[1], "t0:0,t0:1,t1:0,t1:1");
    expect(&out[0], "t0:2,t1:2");
    assignor_result_free(out, 2);
}

static void test_roundrobin_java_examples(void **state) {
    (void)state;
    assignor_member m[] = {{"C0", NULL, T01, 2}, {"C1", NULL, T01, 2}};
    assignor_topic t[] = {{"t0", 3}, {"t1", 3}};
    assignor_result out[2] = {{0}};
    assert_int_equal(assignor_run("roundrobin", m, 2, t, 2, out), 0);
    expect(&out[0], "t0:0,t0:2,t1:1");
    expect(&out[1], "t0:1,t1:0,t1:2");
    assignor_result_free(out, 2);

    /* Unequal subscriptions: C0 [t0], C1 [t0, t1], C2 [t0, t1, t2]. */
    static const char *const s0[] = {"t0"}, *const s1[] = {"t0", "t1"},
                             *const s2[] = {"t0", "t1", "t2"};
    assignor_member u[] = {{"C2", NULL, s2, 3}, {"C0", NULL, s0, 1}, {"C1", NULL, s1, 2}};
    assignor_topic ut[] = {{"t2", 3}, {"t0", 1}, {"t1", 2}};
    assignor_result uo[3] = {{0}};
    assert_int_equal(assignor_run("roundrobin", u, 3, ut, 3, uo), 0);
    expect(&uo[1], "t0:0");
    expect(&uo[2], "t1:0");
    expect(&uo[0], "t1:1,t2:0,t2:1,t2:2");
    assignor_result_free(uo, 3);
}

static void test_range_uneven_and_order(void **state) {
    (void)state;
    static const char *const s[] = {"t"};
    /* Member ids sort as a < b < c; 7 partitions give 3, 2, 2. */
    assignor_member m[] = {{"c", NULL, s, 1}, {"a", NULL, s, 1}, {"b", NULL, s, 1}};
    assignor_topic t[] = {{"t", 7}};
    assignor_result out[3] = {{0}};
    assert_int_equal(assignor_run("range", m, 3, t, 1, out), 0);
    expect(&out[1], "t:0,t:1,t:2");
    expect(&out[2], "t:3,t:4");
    expect(&out[0], "t:5,t:6");
    assignor_result_free(out, 3);

    /* A static member (group.instance.id) sorts before every dynamic one,
     * whatever its member id. */
    assignor_member st[] = {{"a", NULL, s, 1}, {"z", "inst-1", s, 1}};
    assignor_result so[2] = {{0}};
    assert_int_equal(assignor_run("range", st, 2, t, 1, so), 0);
    expect(&so[1], "t:0,t:1,t:2,t:3");
    expect(&so[0], "t:4,t:5,t:6");
    assignor_result_free(so, 2);
}

static void test_unknown_topics_and_names(void **state) {
    (void)state;
    static const char *const s[] = {"known", "missing", "empty", "known"};
    assignor_member m[] = {{"m1", NULL, s, 4}};
    assignor_topic t[] = {{"known", 2}, {"empty", 0}};
    assignor_result out[1] = {{0}};
    assert_int_equal(assignor_run("range", m, 1, t, 2, out), 0);
    expect(&out[0], "known:0,known:1");
    assignor_result_free(out, 1);
    assert_int_equal(assignor_run("roundrobin", m, 1, t, 2, out), 0);
    expect(&out[0], "known:0,known:1");
    assignor_result_free(out, 1);
    assert_int_equal(assignor_run("sticky", m, 1, t, 2, out), -1);
    assert_true(assignor_known("range"));
    assert_true(assignor_known("roundrobin"));
    assert_false(assignor_known("cooperative-sticky"));
    assert_false(assignor_known(NULL));
    /* No members: nothing to do, no crash. */
    assert_int_equal(assignor_run("roundrobin", NULL, 0, t, 2, NULL), 0);
}

static void test_random_properties(void **state) {
    (void)state;
    static const char *const names[] = {"a", "b", "c", "d", "e"};
    char ids[8][8];
    unsigned seed = 12345;
    for (int round = 0; round < 300; round++) {
        size_t nm = 1 + (size_t)(rand_r(&seed) % 8);
        size_t nt = 1 + (size_t)(rand_r(&seed) % 5);
        assignor_topic t[5];
        for (size_t i = 0; i < nt; i++) {
            t[i].name = names[i];
            t[i].partitions = (int32_t)(rand_r(&seed) % 13);
        }
        const char *subs[8][5];
        assignor_member m[8];
        int same = rand_r(&seed) % 2;
        for (size_t i = 0; i < nm; i++) {
            snprintf(ids[i], sizeof ids[i], "m%u", rand_r(&seed) % 1000);
            m[i].member_id = ids[i];
            m[i].group_instance_id = NULL;
            m[i].topics = subs[i];
            m[i].ntopics = 0;
            for (size_t k = 0; k < nt; k++)
                if (same || rand_r(&seed) % 2)
                    subs[i][m[i].ntopics++] = names[k];
        }
        for (int alg = 0; alg < 2; alg++) {
            const char *name = alg ? "roundrobin" : "range";
            assignor_result out[8] = {{0}};
            assert_int_equal(assignor_run(name, m, nm, t, nt, out), 0);
            size_t total = 0, lo = SIZE_MAX, hi = 0;
            for (size_t k = 0; k < nt; k++) {
                size_t subscribers = 0, per_lo = SIZE_MAX, per_hi = 0;
                for (size_t i = 0; i < nm; i++) {
                    size_t have = 0;
                    for (size_t j = 0; j < out[i].count; j++)
                        have += strcmp(out[i].tps[j].topic, names[k]) == 0;
                    int sub = 0;
                    for (size_t j = 0; j < m[i].ntopics; j++)
                        sub |= strcmp(m[i].topics[j], names[k]) == 0;
                    if (!sub) {
                        assert_int_equal(have, 0); /* only subscribers get it */
                        continue;
                    }
                    subscribers++;
                    per_lo = have < per_lo ? have : per_lo;
                    per_hi = have > per_hi ? have : per_hi;
                }
                if (alg == 0 && subscribers)
                    assert_true(per_hi - per_lo <= 1); /* range: even per topic */
                for (int32_t p = 0; p < t[k].partitions && subscribers; p++) {
                    int owners = 0;
                    for (size_t i = 0; i < nm; i++)
                        for (size_t j = 0; j < out[i].count; j++)
                            owners += strcmp(out[i].tps[j].topic, names[k]) == 0 &&
                                      out[i].tps[j].partition == p;
                    assert_int_equal(owners, 1);
                }
            }
            for (size_t i = 0; i < nm; i++) {
                total += out[i].count;
                lo = out[i].count < lo ? out[i].count : lo;
                hi = out[i].count > hi ? out[i].count : hi;
            }
            size_t want = 0;
            for (size_t k = 0; k < nt; k++) {
                int any = 0;
                for (size_t i = 0; i < nm; i++)
                    for (size_t j = 0; j < m[i].ntopics; j++)
                        any |= strcmp(m[i].topics[j], names[k]) == 0;
                want += any ? (size_t)t[k].partitions : 0;
            }
            assert_int_equal(total, want);
            if (alg == 1 && same)
                assert_true(hi - lo <= 1); /* roundrobin: even overall */
            assignor_result_free(out, nm);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_java_example),
        cmocka_unit_test(test_roundrobin_java_examples),
        cmocka_unit_test(test_range_uneven_and_order),
        cmocka_unit_test(test_unknown_topics_and_names),
        cmocka_unit_test(test_random_properties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
