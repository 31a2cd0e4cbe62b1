/*
 * test_producer_conf.c - the producer's reading of the configuration: every
 * `partitioner` name selects the partitioner of the same name (the conf
 * enum and the producer's are kept in the same order), and producer keys
 * refuse bad values with a message naming the key, and the producer's
 * checks at creation (idempotence against max.in.flight).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "client/conf.h"
#include "producer/partitioner.h"
#include "strand/conf.h"
#include "strand/producer.h"

static void test_partitioner_names_agree(void **state) {
    (void)state;
    static const char *names[] = {"murmur2_random", "murmur2", "consistent_random", "consistent",
                                  "random"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        strand_conf *c = strand_conf_new();
        assert_non_null(c);
        char err[256];
        assert_int_equal(strand_conf_set(c, "partitioner", names[i], err, sizeof err), STRAND_OK);
        assert_int_equal(c->partitioner, partitioner_kind_parse(names[i]));
        assert_string_equal(partitioner_kind_name(c->partitioner), names[i]);
        strand_conf_free(c);
    }
    /* The default is the Java client's. */
    strand_conf *c = strand_conf_new();
    assert_int_equal(c->partitioner, PARTITIONER_MURMUR2_RANDOM);
    strand_conf_free(c);
}

static void test_producer_keys_refuse_bad_values(void **state) {
    (void)state;
    static const struct {
        const char *key, *value;
    } bad[] = {
        {"partitioner", "fnv1a"},     {"acks", "2"},
        {"linger.ms", "-1"},          {"batch.size", "0"},
        {"compression.type", "lzma"}, {"retries", "-5"},
        {"delivery.timeout.ms", "x"}, {"queue.buffering.max.messages", "0"},
    };
    strand_conf *c = strand_conf_new();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        assert_int_equal(strand_conf_set(c, bad[i].key, bad[i].value, err, sizeof err),
                         STRAND_ERR_CONFIG);
        assert_non_null(strstr(err, bad[i].key));
    }
    char err[256] = "";
    assert_int_equal(strand_conf_set(c, "linger.msec", "5", err, sizeof err), STRAND_ERR_CONFIG);
    assert_non_null(strstr(err, "linger.msec"));
    strand_conf_free(c);
}

/* A producer from `kv` (key, value pairs, NULL-terminated); NULL with the
 * message in err when creation is refused. Connects lazily: no broker. */
static strand_producer *producer_with(const char **kv, char *err, size_t errlen) {
    strand_conf *c = strand_conf_new();
    assert_non_null(c);
    assert_int_equal(strand_conf_set(c, "bootstrap.servers", "127.0.0.1:1", err, errlen),
                     STRAND_OK);
    for (; kv[0]; kv += 2)
        assert_int_equal(strand_conf_set(c, kv[0], kv[1], err, errlen), STRAND_OK);
    err[0] = '\0';
    return strand_producer_new(c, err, errlen);
}

/* As the Java client: enable.idempotence=true set explicitly with more than
 * 5 requests in flight is refused, naming both keys; the default
 * idempotence takes any max.in.flight (pipelining is capped at 5). */
static void test_idempotence_max_in_flight(void **state) {
    (void)state;
    char err[512];
    const char *explicit6[] = {"enable.idempotence", "true",
                               "max.in.flight.requests.per.connection", "6", NULL};
    assert_null(producer_with(explicit6, err, sizeof err));
    assert_non_null(strstr(err, "enable.idempotence"));
    assert_non_null(strstr(err, "max.in.flight.requests.per.connection"));

    const char *explicit5[] = {"enable.idempotence", "true",
                               "max.in.flight.requests.per.connection", "5", NULL};
    strand_producer *p = producer_with(explicit5, err, sizeof err);
    assert_non_null(p);
    strand_producer_close(p);
    const char *default20[] = {"max.in.flight.requests.per.connection", "20", NULL};
    p = producer_with(default20, err, sizeof err);
    assert_non_null(p);
    strand_producer_close(p);
    const char *off20[] = {"enable.idempotence", "false", "max.in.flight.requests.per.connection",
                           "20", NULL};
    p = producer_with(off20, err, sizeof err);
    assert_non_null(p);
    strand_producer_close(p);
}

/* As the Java client: an explicit enable.idempotence=true with retries=0 is
 * refused, naming both keys; the default idempotence yields to retries=0. */
static void test_idempotence_retries(void **state) {
    (void)state;
    char err[512];
    const char *explicit0[] = {"enable.idempotence", "true", "retries", "0", NULL};
    assert_null(producer_with(explicit0, err, sizeof err));
    assert_non_null(strstr(err, "enable.idempotence"));
    assert_non_null(strstr(err, "retries"));
    const char *default0[] = {"retries", "0", NULL};
    strand_producer *p = producer_with(default0, err, sizeof err);
    assert_non_null(p);
    strand_producer_close(p);
    const char *explicit1[] = {"enable.idempotence", "true", "retries", "1", NULL};
    p = producer_with(explicit1, err, sizeof err);
    assert_non_null(p);
    strand_producer_close(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partitioner_names_agree),
        cmocka_unit_test(test_producer_keys_refuse_bad_values),
        cmocka_unit_test(test_idempotence_max_in_flight),
        cmocka_unit_test(test_idempotence_retries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
