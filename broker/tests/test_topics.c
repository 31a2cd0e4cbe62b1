/*
 * test_topics.c - the topic registry: Kafka's name rule, create/delete/grow
 * with their error codes, topic configs, and persistence of topics, configs
 * and the cluster id across a reopen of the data directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "broker/topics.h"
#include "wire/kafka.h"

static char dir[64];
static char msg[512];

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/strand-topics-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static topics *open_dir(logdir **logs, char *cluster, size_t len) {
    log_config defaults;
    log_config_init(&defaults);
    topics *t = NULL;
    char err[512];
    int rc = topics_open(dir, 0, &defaults, NULL, NULL, &t, logs, cluster, len, err, sizeof err);
    if (rc != 0)
        fail_msg("topics_open: %s", err);
    return t;
}

static void close_dir(topics *t, logdir *logs) {
    assert_int_equal(logdir_close(logs), LOG_OK);
    topics_free(t);
}

static void test_name_rule(void **state) {
    (void)state;
    assert_true(topics_name_valid("a", 1));
    assert_true(topics_name_valid("A.b_c-9", 7));
    assert_false(topics_name_valid(".", 1));
    assert_false(topics_name_valid("..", 2));
    assert_true(topics_name_valid("...", 3));
    assert_false(topics_name_valid("", 0));
    assert_false(topics_name_valid("a b", 3));
    assert_false(topics_name_valid("a/b", 3));
    char longname[251];
    memset(longname, 'x', sizeof longname);
    assert_true(topics_name_valid(longname, 249));
    assert_false(topics_name_valid(longname, 250));
}

static void test_create_delete_grow(void **state) {
    (void)state;
    logdir *logs;
    char cluster[64];
    topics *t = open_dir(&logs, cluster, sizeof cluster);
    assert_int_equal(topics_count(t), 0);
    assert_int_equal(topics_create(t, "orders", 3, NULL, 0, 0, msg, sizeof msg), KAFKA_NONE);
    assert_int_equal(topics_create(t, "orders", 1, NULL, 0, 0, msg, sizeof msg),
                     KAFKA_TOPIC_ALREADY_EXISTS);
    assert_int_equal(topics_create(t, "bad name", 1, NULL, 0, 0, msg, sizeof msg),
                     KAFKA_INVALID_TOPIC_EXCEPTION);
    assert_int_equal(topics_create(t, "zero", 0, NULL, 0, 0, msg, sizeof msg),
                     KAFKA_INVALID_PARTITIONS);
    assert_int_equal(topics_create(t, "dry", 2, NULL, 0, 1, msg, sizeof msg), KAFKA_NONE);
    assert_null(topics_find(t, "dry", 3)); /* validate_only created nothing */
    topic *tp = topics_find(t, "orders", 6);
    assert_non_null(tp);
    assert_int_equal(tp->partition_count, 3);
    for (int p = 0; p < 3; p++)
        assert_non_null(topics_partition(t, "orders", 6, p)->lg);
    assert_null(topics_partition(t, "orders", 6, 3));
    assert_int_equal(logdir_count(logs), 3);

    assert_int_equal(topics_add_partitions(t, "orders", 6, 2, 0, msg, sizeof msg),
                     KAFKA_INVALID_PARTITIONS);
    assert_int_equal(topics_add_partitions(t, "orders", 6, 3, 0, msg, sizeof msg),
                     KAFKA_INVALID_PARTITIONS);
    assert_int_equal(topics_add_partitions(t, "nope", 4, 5, 0, msg, sizeof msg),
                     KAFKA_UNKNOWN_TOPIC_OR_PARTITION);
    assert_int_equal(topics_add_partitions(t, "orders", 6, 5, 0, msg, sizeof msg), KAFKA_NONE);
    assert_int_equal(topics_find(t, "orders", 6)->partition_count, 5);
    assert_int_equal(logdir_count(logs), 5);

    assert_int_equal(topics_delete(t, "orders", 6, msg, sizeof msg), KAFKA_NONE);
    assert_null(topics_find(t, "orders", 6));
    assert_int_equal(logdir_count(logs), 0);
    assert_int_equal(topics_delete(t, "orders", 6, msg, sizeof msg),
                     KAFKA_UNKNOWN_TOPIC_OR_PARTITION);
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/orders-0", dir);
    assert_int_not_equal(stat(path, &st), 0);
    close_dir(t, logs);
}

static void test_configs(void **state) {
    (void)state;
    logdir *logs;
    char cluster[64];
    topics *t = open_dir(&logs, cluster, sizeof cluster);
    topic_override ok[] = {{"retention.ms", "1000"}, {"segment.bytes", "1048576"}};
    assert_int_equal(topics_create(t, "cfg", 1, ok, 2, 0, msg, sizeof msg), KAFKA_NONE);
    topic *tp = topics_find(t, "cfg", 3);
    assert_int_equal(tp->cfg.retention_ms, 1000);
    assert_int_equal(tp->cfg.segment_bytes, 1048576);
    assert_int_equal(log_get_config(tp->partitions[0]->lg)->retention_ms, 1000);

    topic_override compact[] = {{"cleanup.policy", "compact"}};
    assert_int_equal(topics_create(t, "c1", 1, compact, 1, 0, msg, sizeof msg), KAFKA_NONE);
    assert_int_equal(topics_find(t, "c1", 2)->cfg.cleanup_policy, LOG_CLEANUP_COMPACT);
    topic_override shred[] = {{"cleanup.policy", "shred"}};
    assert_int_equal(topics_create(t, "c3", 1, shred, 1, 0, msg, sizeof msg), KAFKA_INVALID_CONFIG);
    assert_non_null(strstr(msg, "cleanup.policy=shred"));
    topic_override unknown[] = {{"no.such.config", "1"}};
    assert_int_equal(topics_create(t, "c2", 1, unknown, 1, 0, msg, sizeof msg),
                     KAFKA_INVALID_CONFIG);
    topic_override badval[] = {{"retention.ms", "soon"}};
    assert_int_equal(topics_create(t, "c3", 1, badval, 1, 0, msg, sizeof msg),
                     KAFKA_INVALID_CONFIG);
    topic_override nullval[] = {{"retention.ms", NULL}};
    assert_int_equal(topics_create(t, "c4", 1, nullval, 1, 0, msg, sizeof msg),
                     KAFKA_INVALID_CONFIG);
    assert_null(topics_find(t, "c3", 2));
    assert_null(topics_find(t, "c4", 2));
    assert_int_equal(topics_count(t), 2); /* cfg and the compacted c1 */
    close_dir(t, logs);
}

static void test_persistence(void **state) {
    (void)state;
    logdir *logs;
    char cluster1[64], cluster2[64];
    topics *t = open_dir(&logs, cluster1, sizeof cluster1);
    assert_int_equal(strlen(cluster1), 22);
    topic_override ov[] = {{"retention.bytes", "12345"}};
    assert_int_equal(topics_create(t, "keep.me", 2, ov, 1, 0, msg, sizeof msg), KAFKA_NONE);
    assert_int_equal(topics_create(t, "gone", 1, NULL, 0, 0, msg, sizeof msg), KAFKA_NONE);
    assert_int_equal(topics_delete(t, "gone", 4, msg, sizeof msg), KAFKA_NONE);
    assert_int_equal(topics_add_partitions(t, "keep.me", 7, 4, 0, msg, sizeof msg), KAFKA_NONE);
    close_dir(t, logs);

    t = open_dir(&logs, cluster2, sizeof cluster2);
    assert_string_equal(cluster1, cluster2);
    assert_int_equal(topics_count(t), 1);
    topic *tp = topics_find(t, "keep.me", 7);
    assert_non_null(tp);
    assert_int_equal(tp->partition_count, 4);
    assert_int_equal(tp->override_count, 1);
    assert_int_equal(tp->cfg.retention_bytes, 12345);
    assert_null(topics_find(t, "gone", 4));
    for (int p = 0; p < 4; p++)
        assert_non_null(tp->partitions[p]->lg);
    close_dir(t, logs);
}

static void test_adopts_unknown_log_dirs(void **state) {
    (void)state;
    logdir *logs;
    char cluster[64];
    topics *t = open_dir(&logs, cluster, sizeof cluster);
    close_dir(t, logs);
    /* A log directory that topics.state does not name (e.g. restored by hand). */
    char path[256];
    snprintf(path, sizeof path, "%s/stray-topic-2", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    t = open_dir(&logs, cluster, sizeof cluster);
    topic *tp = topics_find(t, "stray-topic", 11);
    assert_non_null(tp);
    assert_int_equal(tp->partition_count, 3);
    for (int p = 0; p < 3; p++)
        assert_non_null(tp->partitions[p]->lg);
    close_dir(t, logs);
}

static void test_one_broker_per_dir(void **state) {
    (void)state;
    logdir *logs;
    char cluster[64], err[512];
    topics *t = open_dir(&logs, cluster, sizeof cluster);
    log_config defaults;
    log_config_init(&defaults);
    topics *t2 = NULL;
    logdir *logs2 = NULL;
    assert_int_equal(topics_open(dir, 0, &defaults, NULL, NULL, &t2, &logs2, cluster,
                                 sizeof cluster, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "in use by another broker"));
    close_dir(t, logs);
    t = open_dir(&logs, cluster, sizeof cluster); /* the lock went with the first */
    close_dir(t, logs);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_rule),
        cmocka_unit_test_setup_teardown(test_create_delete_grow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_configs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_adopts_unknown_log_dirs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_broker_per_dir, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
