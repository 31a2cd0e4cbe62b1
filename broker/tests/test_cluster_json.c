/*
 * test_cluster_json.c - the JSON of the cluster's ZooKeeper nodes
 * (broker/cluster_json.h) and the connect-string parser (broker/zk.h):
 * Kafka's own node values read back, nested objects and arrays skipped,
 * malformed text refused at every truncation, writer overflow flagged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "broker/cluster_json.h"
#include "broker/zk.h"

/* A broker registration as Kafka 3.x writes it. */
static const char *const kafka_broker =
    "{\"features\":{},\"listener_security_protocol_map\":{\"PLAINTEXT\":\"PLAINTEXT\"},"
    "\"endpoints\":[\"PLAINTEXT://h1:9092\"],\"jmx_port\":-1,\"port\":9092,\"host\":\"h1\","
    "\"version\":5,\"timestamp\":\"1700000000000\"}";

static void test_broker_node(void **state) {
    (void)state;
    int64_t port, ts, jmx;
    char host[64];
    assert_int_equal(cj_get_int(kafka_broker, "port", &port), 0);
    assert_int_equal(port, 9092);
    assert_int_equal(cj_get_str(kafka_broker, "host", host, sizeof host), 0);
    assert_string_equal(host, "h1");
    assert_int_equal(cj_get_int(kafka_broker, "timestamp", &ts), 0); /* a quoted number */
    assert_int_equal(ts, 1700000000000LL);
    assert_int_equal(cj_get_int(kafka_broker, "jmx_port", &jmx), 0);
    assert_int_equal(jmx, -1);
    assert_null(cj_get(kafka_broker, "rack"));
    /* A key inside a nested object is not a top-level member. */
    assert_null(cj_get(kafka_broker, "PLAINTEXT"));
}

static void test_state_node(void **state) {
    (void)state;
    const char *s = "{\"controller_epoch\":3,\"leader\":2,\"version\":1,\"leader_epoch\":7,"
                    "\"isr\":[2, 3,1]}";
    int64_t leader, le;
    int32_t isr[4];
    assert_int_equal(cj_get_int(s, "leader", &leader), 0);
    assert_int_equal(leader, 2);
    assert_int_equal(cj_get_int(s, "leader_epoch", &le), 0);
    assert_int_equal(le, 7);
    assert_int_equal(cj_int_array(cj_get(s, "isr"), isr, 4), 3);
    assert_int_equal(isr[0], 2);
    assert_int_equal(isr[2], 1);
    assert_int_equal(cj_int_array(cj_get(s, "isr"), isr, 2), -1); /* too many */
    assert_int_equal(cj_int_array("[]", isr, 4), 0);
    assert_int_equal(cj_int_array("[1,]", isr, 4), -1);
}

typedef struct collected {
    char keys[8][16];
    int n;
} collected;

static int collect(void *arg, const char *key, const char *value) {
    (void)value;
    collected *c = arg;
    snprintf(c->keys[c->n++], sizeof c->keys[0], "%s", key);
    return c->n >= 8;
}

static void test_assignment_members(void **state) {
    (void)state;
    const char *t = "{\"version\":2,\"partitions\":{\"0\":[1,2],\"1\":[2,3],\"2\":[3,1]},"
                    "\"adding_replicas\":{},\"removing_replicas\":{}}";
    collected c = {.n = 0};
    assert_int_equal(cj_members(cj_get(t, "partitions"), collect, &c), 0);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.keys[2], "2");
    int32_t r[4];
    assert_int_equal(cj_int_array(cj_get(cj_get(t, "partitions"), "1"), r, 4), 2);
    assert_int_equal(r[1], 3);
    /* Every truncation of valid text is refused, never read past. */
    size_t len = strlen(t);
    for (size_t cut = 0; cut < len; cut++) {
        char buf[256];
        memcpy(buf, t, cut);
        buf[cut] = '\0';
        collected d = {.n = 0};
        assert_int_not_equal(cj_members(buf, collect, &d), 0);
    }
}

static void test_strings_and_writer(void **state) {
    (void)state;
    char out[16];
    assert_int_equal(cj_str("\"a\\\"b\\\\c\"", out, sizeof out), 0);
    assert_string_equal(out, "a\"b\\c");
    assert_int_equal(cj_str("\"0123456789abcdefXYZ\"", out, sizeof out), -1); /* too long */
    assert_int_equal(cj_str("\"\\u0041\"", out, sizeof out), -1); /* not supported: refused */
    char buf[64];
    cj_buf b = {buf, 0, sizeof buf, 0};
    cj_printf(&b, "{\"k\":");
    cj_quote(&b, "x\"y");
    int32_t v[3] = {1, -2, 3};
    cj_printf(&b, ",\"a\":");
    cj_int_list(&b, v, 3);
    cj_printf(&b, "}");
    assert_int_equal(b.err, 0);
    assert_string_equal(buf, "{\"k\":\"x\\\"y\",\"a\":[1,-2,3]}");
    assert_int_equal(cj_get_str(buf, "k", out, sizeof out), 0);
    assert_string_equal(out, "x\"y");
    char small[8];
    cj_buf s = {small, 0, sizeof small, 0};
    cj_printf(&s, "0123456789");
    assert_int_equal(s.err, 1);
}

static void test_connect_string(void **state) {
    (void)state;
    char hosts[128], chroot[64];
    assert_int_equal(
        zk_parse_connect("h1:2181,h2:2181/kafka/a", hosts, sizeof hosts, chroot, sizeof chroot), 0);
    assert_string_equal(hosts, "h1:2181,h2:2181");
    assert_string_equal(chroot, "/kafka/a");
    assert_int_equal(zk_parse_connect("127.0.0.1:2181", hosts, sizeof hosts, chroot, sizeof chroot),
                     0);
    assert_string_equal(chroot, "");
    assert_int_equal(zk_parse_connect("h:1/c/", hosts, sizeof hosts, chroot, sizeof chroot), 0);
    assert_string_equal(chroot, "/c");
    assert_int_equal(zk_parse_connect("/only", hosts, sizeof hosts, chroot, sizeof chroot), -1);
    assert_int_equal(zk_parse_connect("nohostport", hosts, sizeof hosts, chroot, sizeof chroot),
                     -1);
    assert_int_equal(zk_parse_connect("h:1//x", hosts, sizeof hosts, chroot, sizeof chroot), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broker_node),        cmocka_unit_test(test_state_node),
        cmocka_unit_test(test_assignment_members), cmocka_unit_test(test_strings_and_writer),
        cmocka_unit_test(test_connect_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
