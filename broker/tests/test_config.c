/*
 * test_config.c - broker configuration: defaults, key parsing, Kafka's
 * precedence of retention/roll units, listeners, properties files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "broker/config.h"

static char err[512];

static void test_defaults(void **state) {
    (void)state;
    broker_config c;
    broker_config_init(&c);
    assert_int_equal(c.listen_port, 9092);
    assert_int_equal(c.num_partitions, 1);
    assert_int_equal(c.auto_create_topics, 1);
    assert_int_equal(c.socket_request_max_bytes, 100 * 1024 * 1024);
    assert_int_equal(c.retention_check_interval_ms, 300000);
    assert_int_equal(c.broker_id, 0);
}

static void test_set_keys(void **state) {
    (void)state;
    broker_config c;
    broker_config_init(&c);
    assert_int_equal(broker_config_set(&c, "num.partitions", "3", err, sizeof err), 0);
    assert_int_equal(c.num_partitions, 3);
    assert_int_equal(broker_config_set(&c, "auto.create.topics.enable", "false", err, sizeof err),
                     0);
    assert_int_equal(c.auto_create_topics, 0);
    assert_int_equal(broker_config_set(&c, "log.segment.bytes", "1048576", err, sizeof err), 0);
    assert_int_equal(c.log_defaults.segment_bytes, 1048576);
    assert_int_equal(broker_config_set(&c, "message.max.bytes", "2000000", err, sizeof err), 0);
    assert_int_equal(c.log_defaults.max_message_bytes, 2000000);
    assert_int_equal(broker_config_set(&c, "socket.request.max.bytes", "1000", err, sizeof err), 0);
    assert_int_equal(c.socket_request_max_bytes, 1000);
    assert_int_equal(broker_config_set(&c, "broker.id", "7", err, sizeof err), 0);
    assert_int_equal(c.broker_id, 7);
    assert_int_equal(broker_config_set(&c, "log.dirs", "/a/b,/c/d", err, sizeof err), 0);
    assert_string_equal(c.data_dir, "/a/b");
}

static void test_bad_and_unknown(void **state) {
    (void)state;
    broker_config c;
    broker_config_init(&c);
    assert_int_equal(broker_config_set(&c, "num.partitions", "0", err, sizeof err),
                     BROKER_CONFIG_BAD);
    assert_int_equal(broker_config_set(&c, "num.partitions", "x", err, sizeof err),
                     BROKER_CONFIG_BAD);
    assert_non_null(strstr(err, "num.partitions"));
    assert_int_equal(broker_config_set(&c, "auto.create.topics.enable", "yes", err, sizeof err),
                     BROKER_CONFIG_BAD);
    assert_int_equal(broker_config_set(&c, "no.such.key", "1", err, sizeof err),
                     BROKER_CONFIG_UNKNOWN);
    assert_int_equal(c.num_partitions, 1);
}

static void test_retention_precedence(void **state) {
    (void)state;
    broker_config c;
    broker_config_init(&c);
    /* ms given first, hours later: ms still wins (Kafka). */
    assert_int_equal(broker_config_set(&c, "log.retention.ms", "1234", err, sizeof err), 0);
    assert_int_equal(broker_config_set(&c, "log.retention.hours", "5", err, sizeof err), 0);
    assert_int_equal(c.log_defaults.retention_ms, 1234);
    broker_config_init(&c);
    assert_int_equal(broker_config_set(&c, "log.retention.hours", "2", err, sizeof err), 0);
    assert_int_equal(c.log_defaults.retention_ms, 2 * 3600000);
    assert_int_equal(broker_config_set(&c, "log.retention.minutes", "3", err, sizeof err), 0);
    assert_int_equal(c.log_defaults.retention_ms, 3 * 60000);
    assert_int_equal(broker_config_set(&c, "log.retention.ms", "-1", err, sizeof err), 0);
    assert_int_equal(c.log_defaults.retention_ms, -1);
    broker_config_init(&c);
    assert_int_equal(broker_config_set(&c, "log.roll.hours", "1", err, sizeof err), 0);
    assert_int_equal(c.log_defaults.segment_ms, 3600000);
}

static void test_listeners(void **state) {
    (void)state;
    broker_config c;
    broker_config_init(&c);
    assert_int_equal(
        broker_config_set(&c, "listeners", "PLAINTEXT://10.1.2.3:19092", err, sizeof err), 0);
    assert_string_equal(c.listen_host, "10.1.2.3");
    assert_int_equal(c.listen_port, 19092);
    assert_int_equal(broker_config_set(&c, "advertised.listeners", "PLAINTEXT://kafka.example:9093",
                                       err, sizeof err),
                     0);
    assert_string_equal(c.advertised_host, "kafka.example");
    assert_int_equal(c.advertised_port, 9093);
    assert_int_equal(broker_config_set(&c, "listeners", "SSL://h:1", err, sizeof err),
                     BROKER_CONFIG_BAD);
    assert_int_equal(broker_config_set(&c, "listeners", "PLAINTEXT://h:99999", err, sizeof err),
                     BROKER_CONFIG_BAD);
    char host[64];
    int port;
    assert_int_equal(broker_config_parse_hostport("[::1]:80", host, sizeof host, &port), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 80);
    assert_int_equal(broker_config_parse_hostport("nohost", host, sizeof host, &port), -1);
}

static int warned;
static void on_warn(void *arg, int line, const char *key) {
    (void)arg;
    warned = line * 1000 + (int)strlen(key);
}

static void test_load_file(void **state) {
    (void)state;
    char path[] = "/tmp/strand-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "# comment\n! other comment\n\nnum.partitions = 4\n"
                       "listeners=PLAINTEXT://127.0.0.1:1234\nmystery.key=1\n"
                       "log.retention.bytes: 5000\n";
    assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);
    broker_config c;
    broker_config_init(&c);
    warned = 0;
    assert_int_equal(broker_config_load(&c, path, on_warn, NULL, err, sizeof err), 0);
    assert_int_equal(c.num_partitions, 4);
    assert_int_equal(c.listen_port, 1234);
    assert_int_equal(c.log_defaults.retention_bytes, 5000);
    assert_int_equal(warned, 6 * 1000 + (int)strlen("mystery.key"));

    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    const char *bad = "num.partitions=abc\n";
    assert_int_equal(write(fd, bad, strlen(bad)), (int)strlen(bad));
    close(fd);
    assert_int_equal(broker_config_load(&c, path, on_warn, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, ":1:"));
    unlink(path);
    assert_int_equal(broker_config_load(&c, path, on_warn, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),        cmocka_unit_test(test_set_keys),
        cmocka_unit_test(test_bad_and_unknown), cmocka_unit_test(test_retention_precedence),
        cmocka_unit_test(test_listeners),       cmocka_unit_test(test_load_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
