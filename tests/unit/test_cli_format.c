/*
 * test_cli_format.c - unit tests of tools/cli_format.c, the output of
 * `strand consume`: -f directives and escapes against hand-built messages,
 * --json escaping of text, base64 of binary, null keys and headers, the
 * UTF-8 validator on edge cases, and the format checker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/cli_format.h"

/* Run one formatter into a malloc'ed string. */
static char *fmt_msg(const char *fmt, const strand_message *m) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    if (fmt)
        cli_format_message(f, fmt, m);
    else
        cli_format_json(f, m);
    fclose(f);
    return buf;
}

static strand_message sample(void) {
    static const strand_header hs[2] = {{"h1", "v1", 2}, {"h2", NULL, 0}};
    strand_message m = {.err = STRAND_OK,
                        .topic = "orders",
                        .partition = 3,
                        .offset = 42,
                        .timestamp = 1700000000123,
                        .key = "k",
                        .key_len = 1,
                        .value = "hello",
                        .value_len = 5,
                        .headers = hs,
                        .header_count = 2};
    return m;
}

static void test_format_directives(void **state) {
    (void)state;
    strand_message m = sample();
    char *s = fmt_msg("%t/%p/%o/%T %k=%v %s [%h] %K %S 100%%\\n\\t|", &m);
    assert_string_equal(s, "orders/3/42/1700000000123 k=hello hello [h1=v1,h2=] 1 5 100%\n\t|");
    free(s);
}

static void test_format_null_sizes(void **state) {
    (void)state;
    strand_message m = sample();
    m.key = NULL;
    m.key_len = 0;
    m.value = NULL;
    m.value_len = 0;
    m.headers = NULL;
    m.header_count = 0;
    char *s = fmt_msg("[%k][%v][%h] %K %S", &m);
    assert_string_equal(s, "[][][] -1 -1");
    free(s);
}

static void test_format_binary_value_untouched(void **state) {
    (void)state;
    strand_message m = sample();
    static const unsigned char bin[4] = {0, 0xff, '\n', 'x'};
    m.value = bin;
    m.value_len = sizeof bin;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cli_format_message(f, "%v", &m);
    fclose(f);
    assert_int_equal(len, 4);
    assert_memory_equal(buf, bin, 4);
    free(buf);
}

static void test_format_check(void **state) {
    (void)state;
    assert_int_equal(cli_format_check("%t %p %o %k %v %s %T %h %K %S %%\\n"), 0);
    assert_int_equal(cli_format_check("%v %q"), 'q');
    assert_int_equal(cli_format_check("trailing %"), '%');
}

static void test_json_text_and_headers(void **state) {
    (void)state;
    strand_message m = sample();
    m.value = "a\"b\\c\n\x01";
    m.value_len = 7;
    char *s = fmt_msg(NULL, &m);
    assert_string_equal(s, "{\"topic\":\"orders\",\"partition\":3,\"offset\":42,\"timestamp\":"
                           "1700000000123,\"key\":\"k\",\"value\":\"a\\\"b\\\\c\\n\\u0001\","
                           "\"headers\":[{\"key\":\"h1\",\"value\":\"v1\"},{\"key\":\"h2\","
                           "\"value\":null}]}\n");
    free(s);
}

static void test_json_binary_base64_and_null(void **state) {
    (void)state;
    strand_message m = sample();
    static const unsigned char bin[4] = {'b', 0xff, 0xfe, 0x00};
    m.key = NULL;
    m.key_len = 0;
    m.value = bin;
    m.value_len = sizeof bin;
    m.header_count = 0;
    m.headers = NULL;
    char *s = fmt_msg(NULL, &m);
    assert_non_null(strstr(s, "\"key\":null,\"value_b64\":\"Yv/+AA==\",\"headers\":[]}"));
    free(s);
}

static void test_utf8_validator(void **state) {
    (void)state;
    assert_true(cli_utf8_valid((const unsigned char *)"plain", 5));
    assert_true(cli_utf8_valid((const unsigned char *)"k\xc3\xa9y", 4));        /* é */
    assert_true(cli_utf8_valid((const unsigned char *)"\xf0\x9f\x98\x80", 4));  /* U+1F600 */
    assert_false(cli_utf8_valid((const unsigned char *)"\xc3", 1));             /* truncated */
    assert_false(cli_utf8_valid((const unsigned char *)"\xc0\xaf", 2));         /* overlong */
    assert_false(cli_utf8_valid((const unsigned char *)"\xed\xa0\x80", 3));     /* surrogate */
    assert_false(cli_utf8_valid((const unsigned char *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(cli_utf8_valid((const unsigned char *)"\xff", 1));
}

static void test_base64_padding(void **state) {
    (void)state;
    const char *in[4] = {"", "f", "fo", "foo"};
    const char *want[4] = {"", "Zg==", "Zm8=", "Zm9v"};
    for (int i = 0; i < 4; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        cli_base64_put(f, (const unsigned char *)in[i], strlen(in[i]));
        fclose(f);
        assert_string_equal(buf, want[i]);
        free(buf);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_directives),
        cmocka_unit_test(test_format_null_sizes),
        cmocka_unit_test(test_format_binary_value_untouched),
        cmocka_unit_test(test_format_check),
        cmocka_unit_test(test_json_text_and_headers),
        cmocka_unit_test(test_json_binary_base64_and_null),
        cmocka_unit_test(test_utf8_validator),
        cmocka_unit_test(test_base64_padding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
