/*
 * test_producer_partitioner.c - the partitioners against values computed by
 * the Java client (Kafka's own murmur2 test vectors, partition numbers of
 * Java's default partitioner for 1000 partitions), zlib CRC-32's check
 * value, and the sticky choice for null keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "producer/partitioner.h"

static void test_murmur2_java_vectors(void **state) {
    (void)state;
    static const struct {
        const char *key;
        int32_t hash;
    } v[] = {
        /* org.apache.kafka.common.utils.UtilsTest */
        {"21", -973932308},
        {"foobar", -790332482},
        {"a-little-bit-long-string", -985981536},
        {"a-little-bit-longer-string", -1486304829},
        {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
        {"abc", 479470107},
        /* Java results, every tail length and alignment */
        {"kafka", (int32_t)0xd067cf64},
        {"giberish123456789", (int32_t)0x8f552b0c},
        {"1234", (int32_t)0x9fc97b14},
        {"234", (int32_t)0xe7c009ca},
        {"34", (int32_t)0x873930da},
        {"4", (int32_t)0x5a4b5ca1},
        {"PreAmbleWillBeRemoved,ThePrePartThatIs", (int32_t)0x78424f1c},
        {"reAmbleWillBeRemoved,ThePrePartThatIs", (int32_t)0x4a62b377},
        {"eAmbleWillBeRemoved,ThePrePartThatIs", (int32_t)0xe0e4e09e},
        {"AmbleWillBeRemoved,ThePrePartThatIs", (int32_t)0x62b8b43f},
        {"", (int32_t)0x106e08d9},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        assert_int_equal(partitioner_murmur2(v[i].key, strlen(v[i].key)), v[i].hash);
}

static void test_murmur2_java_partitions(void **state) {
    (void)state;
    /* Java's toPositive(murmur2(key)) % 1000. */
    static const struct {
        const char *key;
        size_t len;
        int32_t partition;
    } v[] = {
        {"", 0, 681},    {"a", 1, 524},         {"ab", 2, 434},
        {"abc", 3, 107}, {"123456789", 9, 566}, {"\x00 ", 2, 742},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        assert_int_equal(partitioner_murmur2_partition(v[i].key, v[i].len, 1000), v[i].partition);
        /* Through the partitioner too, for both murmur2 kinds. */
        assert_int_equal(partitioner_pick(PARTITIONER_MURMUR2, v[i].key, (int32_t)v[i].len, 1000,
                                          NULL, NULL, NULL),
                         v[i].partition);
        partitioner_sticky s;
        partitioner_sticky_init(&s);
        partitioner_rng rng;
        partitioner_rng_seed(&rng, 1);
        assert_int_equal(partitioner_pick(PARTITIONER_MURMUR2_RANDOM, v[i].key, (int32_t)v[i].len,
                                          1000, NULL, &s, &rng),
                         v[i].partition);
        assert_int_equal(s.partition, -1); /* keyed records leave the sticky choice alone */
    }
    /* A hash with the sign bit set: & 0x7fffffff, not abs(). */
    int32_t h = partitioner_murmur2("kafka", 5);
    assert_true(h < 0);
    assert_int_equal(partitioner_murmur2_partition("kafka", 5, 7),
                     (int32_t)(((uint32_t)h & 0x7fffffffu) % 7u));
    /* murmur2 hashes a null key as the empty key. */
    assert_int_equal(partitioner_pick(PARTITIONER_MURMUR2, NULL, -1, 1000, NULL, NULL, NULL), 681);
}

static void test_crc32_partitions(void **state) {
    (void)state;
    /* CRC-32 check value: crc32("123456789") = 0xcbf43926 = 3421780262. */
    assert_int_equal(partitioner_crc32_partition("123456789", 9, 1000), 262);
    assert_int_equal(partitioner_crc32_partition("123456789", 9, 7), (int32_t)(3421780262u % 7u));
    assert_int_equal(
        partitioner_pick(PARTITIONER_CONSISTENT, "123456789", 9, 1000, NULL, NULL, NULL), 262);
    partitioner_rng rng;
    partitioner_rng_seed(&rng, 7);
    assert_int_equal(
        partitioner_pick(PARTITIONER_CONSISTENT_RANDOM, "123456789", 9, 1000, NULL, NULL, &rng),
        262);
    /* consistent: a null key hashes as empty, crc32("") = 0. */
    assert_int_equal(partitioner_pick(PARTITIONER_CONSISTENT, NULL, -1, 13, NULL, NULL, NULL), 0);
}

static void test_bad_arguments(void **state) {
    (void)state;
    assert_int_equal(partitioner_murmur2_partition("a", 1, 0), -1);
    assert_int_equal(partitioner_crc32_partition("a", 1, -3), -1);
    assert_int_equal(partitioner_pick(PARTITIONER_MURMUR2, "a", 1, 0, NULL, NULL, NULL), -1);
    assert_int_equal(partitioner_pick(99, "a", 1, 4, NULL, NULL, NULL), -1);
    assert_int_equal(partitioner_kind_parse("murmur2_random"), PARTITIONER_MURMUR2_RANDOM);
    assert_int_equal(partitioner_kind_parse("consistent_random"), PARTITIONER_CONSISTENT_RANDOM);
    assert_int_equal(partitioner_kind_parse("fnv1a"), -1);
    assert_int_equal(partitioner_kind_parse(NULL), -1);
    assert_string_equal(partitioner_kind_name(PARTITIONER_RANDOM), "random");
}

static void test_sticky_null_keys(void **state) {
    (void)state;
    partitioner_sticky s;
    partitioner_sticky_init(&s);
    partitioner_rng rng;
    partitioner_rng_seed(&rng, 42);
    int32_t first = partitioner_pick(PARTITIONER_MURMUR2_RANDOM, NULL, -1, 8, NULL, &s, &rng);
    assert_true(first >= 0 && first < 8);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(partitioner_pick(PARTITIONER_MURMUR2_RANDOM, NULL, -1, 8, NULL, &s, &rng),
                         first);
    /* Closing another partition's batch changes nothing. */
    partitioner_sticky_batch_closed(&s, (first + 1) % 8);
    assert_int_equal(partitioner_pick(PARTITIONER_MURMUR2_RANDOM, NULL, -1, 8, NULL, &s, &rng),
                     first);
    /* Closing the sticky partition's batch moves on, never to the same one. */
    int seen[8] = {0};
    int32_t prev = first;
    for (int round = 0; round < 400; round++) {
        partitioner_sticky_batch_closed(&s, prev);
        int32_t p = partitioner_pick(PARTITIONER_MURMUR2_RANDOM, NULL, -1, 8, NULL, &s, &rng);
        assert_true(p >= 0 && p < 8);
        assert_int_not_equal(p, prev);
        seen[p]++;
        prev = p;
    }
    for (int i = 0; i < 8; i++)
        assert_true(seen[i] > 0);
}

static void test_sticky_prefers_available(void **state) {
    (void)state;
    partitioner_sticky s;
    partitioner_sticky_init(&s);
    partitioner_rng rng;
    partitioner_rng_seed(&rng, 3);
    const int32_t avail_ids[] = {2, 5};
    partitioner_avail avail = {avail_ids, 2};
    for (int round = 0; round < 200; round++) {
        int32_t p = partitioner_pick(PARTITIONER_MURMUR2_RANDOM, NULL, -1, 6, &avail, &s, &rng);
        assert_true(p == 2 || p == 5);
        partitioner_sticky_batch_closed(&s, p);
    }
    /* Only one available partition: it is chosen again and again. */
    const int32_t one[] = {4};
    partitioner_avail single = {one, 1};
    for (int round = 0; round < 20; round++) {
        assert_int_equal(
            partitioner_pick(PARTITIONER_MURMUR2_RANDOM, NULL, -1, 6, &single, &s, &rng), 4);
        partitioner_sticky_batch_closed(&s, 4);
    }
    /* Keyed records ignore availability: a key always maps to its partition. */
    assert_int_equal(
        partitioner_pick(PARTITIONER_MURMUR2_RANDOM, "abc", 3, 1000, &single, &s, &rng), 107);
}

static void test_random_spreads(void **state) {
    (void)state;
    partitioner_rng rng;
    partitioner_rng_seed(&rng, 9);
    int seen[5] = {0};
    for (int i = 0; i < 5000; i++) {
        int32_t p = partitioner_pick(PARTITIONER_RANDOM, "same-key", 8, 5, NULL, NULL, &rng);
        assert_true(p >= 0 && p < 5);
        seen[p]++;
    }
    for (int i = 0; i < 5; i++)
        assert_true(seen[i] > 700 && seen[i] < 1300);
    /* consistent_random: null keys spread, keys do not. */
    int null_seen[5] = {0};
    for (int i = 0; i < 1000; i++)
        null_seen[partitioner_pick(PARTITIONER_CONSISTENT_RANDOM, NULL, -1, 5, NULL, NULL, &rng)]++;
    for (int i = 0; i < 5; i++)
        assert_true(null_seen[i] > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_murmur2_java_vectors),
        cmocka_unit_test(test_murmur2_java_partitions),
        cmocka_unit_test(test_crc32_partitions),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_sticky_null_keys),
        cmocka_unit_test(test_sticky_prefers_available),
        cmocka_unit_test(test_random_spreads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
