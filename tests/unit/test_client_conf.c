/*
 * test_client_conf.c - strand_conf: every key's default, accepted and
 * refused values, canonical read-back, the typed fields the library reads,
 * unknown keys, dup, the cross-key checks and bootstrap list parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "client/conf.h"
#include "strand/strand.h"
#include "wire/batch.h"

typedef struct key_case {
    const char *key;
    const char *def;
    const char *good;      /* accepted */
    const char *good_back; /* what get() returns after setting `good` */
    const char *bad[4];    /* refused */
} key_case;

static const key_case cases[] = {
    {"bootstrap.servers", "", "a:1,[::1]:9092", "a:1,[::1]:9092", {"", "nohost", "h:0", "h:x"}},
    {"client.id", "strand", "my-app", "my-app", {NULL}},
    {"request.timeout.ms", "30000", "1500", "1500", {"0", "-5", "abc", "12x"}},
    {"socket.connection.setup.timeout.ms", "10000", "250", "250", {"0", "", " 5", "2147483648"}},
    {"reconnect.backoff.ms", "100", "0", "0", {"-1", "3600001", "1.5", NULL}},
    {"reconnect.backoff.max.ms", "10000", "500", "500", {"-1", "3600001", "x", NULL}},
    {"metadata.max.age.ms", "300000", "1000", "1000", {"0", "-1", "ten", NULL}},
    {"allow.auto.create.topics", "true", "0", "false", {"yes", "TRUE", "2", ""}},
    {"message.max.bytes", "1000000", "2000", "2000", {"999", "1000000001", "0", NULL}},
    {"acks", "all", "-1", "all", {"2", "-2", "any", ""}},
    {"linger.ms", "5", "0", "0", {"-1", "900001", "5ms", NULL}},
    {"batch.size", "1000000", "16384", "16384", {"0", "-1", "16k", NULL}},
    {"compression.type", "none", "lz4", "lz4", {"brotli", "LZ4", "", "snappy2"}},
    {"retries", "2147483647", "0", "0", {"-1", "2147483648", "many", NULL}},
    {"retry.backoff.ms", "100", "1", "1", {"0", "300001", "x", NULL}},
    {"delivery.timeout.ms", "120000", "5000", "5000", {"0", "-1", "x", NULL}},
    {"max.in.flight.requests.per.connection", "5", "1", "1", {"0", "1000001", "x", NULL}},
    {"partitioner",
     "murmur2_random",
     "consistent_random",
     "consistent_random",
     {"fnv1a", "default", "", "Murmur2"}},
    {"queue.buffering.max.messages", "100000", "10", "10", {"0", "-1", "x", NULL}},
    {"queue.buffering.max.kbytes", "1048576", "64", "64", {"0", "-1", "x", NULL}},
    {"enable.idempotence", "true", "0", "false", {"yes", "", "TRUE", NULL}},
    {"fetch.min.bytes", "1", "1024", "1024", {"0", "100000001", "x", NULL}},
    {"fetch.max.wait.ms", "500", "0", "0", {"-1", "300001", "x", NULL}},
    {"fetch.max.bytes", "52428800", "1024", "1024", {"0", "-1", "x", NULL}},
    {"max.partition.fetch.bytes", "1048576", "4096", "4096", {"0", "-1", "x", NULL}},
    {"queued.max.messages.kbytes", "65536", "1024", "1024", {"0", "2097152", "x", NULL}},
    {"auto.offset.reset", "latest", "smallest", "earliest", {"first", "", "LATEST", NULL}},
    {"check.crcs", "true", "false", "false", {"no", "", NULL, NULL}},
    {"enable.partition.eof", "false", "true", "true", {"on", "", NULL, NULL}},
    {"group.id", "", "billing", "billing", {NULL}},
    {"group.instance.id", "", "host-1", "host-1", {NULL}},
    {"session.timeout.ms", "45000", "6000", "6000", {"0", "3600001", "x", NULL}},
    {"heartbeat.interval.ms", "3000", "500", "500", {"0", "-1", "x", NULL}},
    {"max.poll.interval.ms", "300000", "1000", "1000", {"0", "86400001", "x", NULL}},
    {"partition.assignment.strategy",
     "range,roundrobin",
     "roundrobin, range",
     "roundrobin, range",
     {"sticky", "range,range", "", "range,"}},
    {"enable.auto.commit", "true", "false", "false", {"off", "", NULL, NULL}},
    {"auto.commit.interval.ms", "5000", "100", "100", {"0", "-1", "x", NULL}},
    {"topic.metadata.refresh.interval.ms", "300000", "100", "100", {"99", "3600001", "x", NULL}},
};

#define NCASES (sizeof cases / sizeof cases[0])

static void test_defaults(void **state) {
    (void)state;
    strand_conf *c = strand_conf_new();
    assert_non_null(c);
    for (size_t i = 0; i < NCASES; i++) {
        const char *v = strand_conf_get(c, cases[i].key);
        assert_non_null(v);
        if (strcmp(v, cases[i].def) != 0)
            fail_msg("default of %s: got \"%s\", want \"%s\"", cases[i].key, v, cases[i].def);
    }
    strand_conf_free(c);
}

static void test_good_and_bad_values(void **state) {
    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        const key_case *k = &cases[i];
        strand_conf *c = strand_conf_new();
        char err[256] = "";
        assert_int_equal(strand_conf_set(c, k->key, k->good, err, sizeof err), STRAND_OK);
        if (strcmp(strand_conf_get(c, k->key), k->good_back) != 0)
            fail_msg("%s=%s reads back \"%s\"", k->key, k->good, strand_conf_get(c, k->key));
        for (int j = 0; j < 4 && k->bad[j]; j++) {
            err[0] = 0;
            strand_err e = strand_conf_set(c, k->key, k->bad[j], err, sizeof err);
            if (e != STRAND_ERR_CONFIG)
                fail_msg("%s=\"%s\" accepted (%d)", k->key, k->bad[j], e);
            if (!strstr(err, k->key))
                fail_msg("message for %s does not name the key: %s", k->key, err);
            /* a refused value leaves the previous one */
            assert_string_equal(strand_conf_get(c, k->key), k->good_back);
        }
        strand_conf_free(c);
    }
}

static void test_typed_fields(void **state) {
    (void)state;
    strand_conf *c = strand_conf_new();
    /* defaults as the library reads them */
    assert_int_equal(c->acks, -1);
    assert_int_equal(c->linger_ms, 5);
    assert_int_equal(c->compression, BATCH_CODEC_NONE);
    assert_int_equal(c->partitioner, CLIENT_PARTITIONER_MURMUR2_RANDOM);
    assert_int_equal(c->queue_max_bytes, 1048576LL * 1024);
    assert_int_equal(c->queued_max_bytes, 65536LL * 1024);
    assert_int_equal(c->auto_offset_reset, CLIENT_OFFSET_RESET_LATEST);
    assert_int_equal(c->allow_auto_create_topics, 1);
    assert_int_equal(c->check_crcs, 1);
    assert_int_equal(c->enable_partition_eof, 0);
    assert_int_equal(c->retries, INT32_MAX);

    assert_int_equal(strand_conf_set(c, "acks", "1", NULL, 0), STRAND_OK);
    assert_int_equal(c->acks, 1);
    assert_int_equal(strand_conf_set(c, "acks", "0", NULL, 0), STRAND_OK);
    assert_int_equal(c->acks, 0);
    assert_int_equal(strand_conf_set(c, "compression.type", "zstd", NULL, 0), STRAND_OK);
    assert_int_equal(c->compression, BATCH_CODEC_ZSTD);
    assert_int_equal(strand_conf_set(c, "compression.type", "gzip", NULL, 0), STRAND_OK);
    assert_int_equal(c->compression, BATCH_CODEC_GZIP);
    assert_int_equal(strand_conf_set(c, "partitioner", "random", NULL, 0), STRAND_OK);
    assert_int_equal(c->partitioner, CLIENT_PARTITIONER_RANDOM);
    assert_int_equal(strand_conf_set(c, "auto.offset.reset", "error", NULL, 0), STRAND_OK);
    assert_int_equal(c->auto_offset_reset, CLIENT_OFFSET_RESET_NONE);
    assert_string_equal(strand_conf_get(c, "auto.offset.reset"), "none");
    assert_int_equal(strand_conf_set(c, "queue.buffering.max.kbytes", "3", NULL, 0), STRAND_OK);
    assert_int_equal(c->queue_max_bytes, 3 * 1024);
    assert_int_equal(strand_conf_set(c, "linger.ms", "900000", NULL, 0), STRAND_OK);
    assert_int_equal(c->linger_ms, 900000);
    assert_int_equal(strand_conf_set(c, "client.id", "x y", NULL, 0), STRAND_OK);
    assert_string_equal(c->client_id, "x y");
    strand_conf_free(c);
}

static void test_unknown_key(void **state) {
    (void)state;
    strand_conf *c = strand_conf_new();
    char err[128] = "";
    assert_int_equal(strand_conf_set(c, "linger.msec", "5", err, sizeof err), STRAND_ERR_CONFIG);
    assert_non_null(strstr(err, "linger.msec"));
    assert_non_null(strstr(err, "unknown"));
    assert_null(strand_conf_get(c, "linger.msec"));
    /* a tiny buffer is still NUL-terminated */
    char small[8];
    memset(small, 'x', sizeof small);
    assert_int_equal(strand_conf_set(c, "nope", "1", small, sizeof small), STRAND_ERR_CONFIG);
    assert_true(memchr(small, 0, sizeof small) != NULL);
    /* NULL arguments */
    assert_int_equal(strand_conf_set(c, NULL, "1", NULL, 0), STRAND_ERR_INVALID_ARG);
    assert_int_equal(strand_conf_set(c, "acks", NULL, NULL, 0), STRAND_ERR_INVALID_ARG);
    assert_int_equal(strand_conf_set(NULL, "acks", "1", NULL, 0), STRAND_ERR_INVALID_ARG);
    strand_conf_free(c);
    strand_conf_free(NULL);
}

static void bad_value_lists_accepted(const char *key, const char *value, const char *expect) {
    strand_conf *c = strand_conf_new();
    char err[256] = "";
    assert_int_equal(strand_conf_set(c, key, value, err, sizeof err), STRAND_ERR_CONFIG);
    if (!strstr(err, expect))
        fail_msg("message for %s=%s lacks \"%s\": %s", key, value, expect, err);
    strand_conf_free(c);
}

static void test_messages_say_what_is_accepted(void **state) {
    (void)state;
    bad_value_lists_accepted("compression.type", "brotli", "lz4");
    bad_value_lists_accepted("compression.type", "brotli", "brotli");
    bad_value_lists_accepted("acks", "2", "all");
    bad_value_lists_accepted("linger.ms", "-1", "900000");
    bad_value_lists_accepted("check.crcs", "maybe", "true or false");
    bad_value_lists_accepted("partitioner", "x", "consistent_random");
    bad_value_lists_accepted("bootstrap.servers", "localhost", "host:port");
}

static void log_cb(void *opaque, strand_log_level level, const char *msg) {
    (void)opaque;
    (void)level;
    (void)msg;
}

static void dr_cb(strand_producer *p, const strand_delivery *d, void *opaque) {
    (void)p;
    (void)d;
    (void)opaque;
}

static void test_dup(void **state) {
    (void)state;
    strand_conf *c = strand_conf_new();
    int tag;
    assert_int_equal(strand_conf_set(c, "bootstrap.servers", "h:1", NULL, 0), STRAND_OK);
    assert_int_equal(strand_conf_set(c, "linger.ms", "7", NULL, 0), STRAND_OK);
    strand_conf_set_log_cb(c, log_cb, &tag);
    strand_conf_set_delivery_cb(c, dr_cb, &tag);
    strand_conf *d = strand_conf_dup(c);
    assert_non_null(d);
    assert_string_equal(strand_conf_get(d, "bootstrap.servers"), "h:1");
    assert_string_equal(strand_conf_get(d, "linger.ms"), "7");
    assert_int_equal(d->linger_ms, 7);
    assert_ptr_equal(d->log_cb, log_cb);
    assert_ptr_equal(d->log_opaque, &tag);
    assert_ptr_equal(d->delivery_cb, dr_cb);
    /* independent: changing one leaves the other */
    assert_int_equal(strand_conf_set(c, "linger.ms", "9", NULL, 0), STRAND_OK);
    assert_string_equal(strand_conf_get(d, "linger.ms"), "7");
    assert_int_equal(strand_conf_set(c, "bootstrap.servers", "other:2", NULL, 0), STRAND_OK);
    assert_string_equal(d->bootstrap_servers, "h:1");
    strand_conf_free(c);
    assert_string_equal(strand_conf_get(d, "linger.ms"), "7");
    strand_conf_free(d);
    /* group strings are deep copies too */
    c = strand_conf_new();
    assert_int_equal(strand_conf_set(c, "group.id", "g1", NULL, 0), STRAND_OK);
    d = strand_conf_dup(c);
    strand_conf_free(c);
    assert_string_equal(strand_conf_get(d, "group.id"), "g1");
    assert_string_equal(strand_conf_get(d, "partition.assignment.strategy"), "range,roundrobin");
    strand_conf_free(d);
}

static void test_check(void **state) {
    (void)state;
    char err[256] = "";
    strand_conf *c = strand_conf_new();
    assert_int_equal(client_conf_check(c, err, sizeof err), STRAND_ERR_CONFIG);
    assert_non_null(strstr(err, "bootstrap.servers"));
    assert_int_equal(strand_conf_set(c, "bootstrap.servers", "127.0.0.1:9092", NULL, 0), STRAND_OK);
    assert_int_equal(client_conf_check(c, err, sizeof err), STRAND_OK);
    assert_int_equal(strand_conf_set(c, "reconnect.backoff.ms", "500", NULL, 0), STRAND_OK);
    assert_int_equal(strand_conf_set(c, "reconnect.backoff.max.ms", "100", NULL, 0), STRAND_OK);
    assert_int_equal(client_conf_check(c, err, sizeof err), STRAND_ERR_CONFIG);
    assert_non_null(strstr(err, "reconnect.backoff.max.ms"));
    assert_int_equal(strand_conf_set(c, "reconnect.backoff.max.ms", "500", NULL, 0), STRAND_OK);
    assert_int_equal(strand_conf_set(c, "session.timeout.ms", "6000", NULL, 0), STRAND_OK);
    assert_int_equal(strand_conf_set(c, "heartbeat.interval.ms", "6000", NULL, 0), STRAND_OK);
    assert_int_equal(client_conf_check(c, err, sizeof err), STRAND_ERR_CONFIG);
    assert_non_null(strstr(err, "heartbeat.interval.ms"));
    strand_conf_free(c);
}

static void test_addr_list(void **state) {
    (void)state;
    client_addr a[4];
    assert_int_equal(client_addr_list_parse("127.0.0.1:9092", a, 4), 1);
    assert_string_equal(a[0].host, "127.0.0.1");
    assert_int_equal(a[0].port, 9092);
    assert_int_equal(client_addr_list_parse(" h1:1 , [fe80::1]:65535,h3:3", a, 4), 3);
    assert_string_equal(a[0].host, "h1");
    assert_int_equal(a[0].port, 1);
    assert_string_equal(a[1].host, "fe80::1");
    assert_int_equal(a[1].port, 65535);
    assert_string_equal(a[2].host, "h3");
    assert_int_equal(client_addr_list_parse("a:1,b:2,c:3", a, 2), -1); /* too many */
    const char *bad[] = {"",     "h",     "h:",     ":1",   "h:65536", "h:0",
                         "h:1,", "::1:5", "[::1]5", "h:1x", "a b:1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (client_addr_list_parse(bad[i], a, 4) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_good_and_bad_values),
        cmocka_unit_test(test_typed_fields),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_messages_say_what_is_accepted),
        cmocka_unit_test(test_dup),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_addr_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
