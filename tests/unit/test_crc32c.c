/*
 * test_crc32c.c - CRC-32C against published check values, and the
 * hardware and table implementations against each other on every length
 * and alignment that exercises their head/body/tail loops.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/crc32c.h"

/* Reference: bit-at-a-time, straight from the definition. */
static uint32_t crc_bitwise(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    }
    return ~c;
}

static void test_known_vectors(void **state) {
    (void)state;
    const char *s = "123456789";
    assert_int_equal(crc32c(s, 9), 0xE3069283u);
    assert_int_equal(crc32c_update_sw(0, s, 9), 0xE3069283u);
    assert_int_equal(crc32c_update_hw(0, s, 9), 0xE3069283u);
    assert_int_equal(crc32c("", 0), 0u);

    /* RFC 3720 (iSCSI) B.4 test vectors. */
    uint8_t buf[48];
    memset(buf, 0, 32);
    assert_int_equal(crc32c_update_sw(0, buf, 32), 0x8A9136AAu);
    assert_int_equal(crc32c(buf, 32), 0x8A9136AAu);
    memset(buf, 0xFF, 32);
    assert_int_equal(crc32c_update_sw(0, buf, 32), 0x62A8AB43u);
    assert_int_equal(crc32c(buf, 32), 0x62A8AB43u);
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)i;
    assert_int_equal(crc32c_update_sw(0, buf, 32), 0x46DD794Eu);
    assert_int_equal(crc32c(buf, 32), 0x46DD794Eu);
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)(31 - i);
    assert_int_equal(crc32c_update_sw(0, buf, 32), 0x113FDB5Cu);
    assert_int_equal(crc32c(buf, 32), 0x113FDB5Cu);
}

static void test_paths_agree(void **state) {
    (void)state;
    enum { N = 1100 };
    uint8_t *buf = malloc(N + 8);
    assert_non_null(buf);
    uint32_t x = 0x12345678u;
    for (size_t i = 0; i < N + 8; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    for (size_t align = 0; align < 8; align++) {
        for (size_t n = 0; n <= N; n += (n < 64 ? 1 : 37)) {
            uint32_t ref = crc_bitwise(buf + align, n);
            assert_int_equal(crc32c_update_sw(0, buf + align, n), ref);
            assert_int_equal(crc32c_update_hw(0, buf + align, n), ref);
            assert_int_equal(crc32c(buf + align, n), ref);
        }
    }
    free(buf);
}

static void test_incremental(void **state) {
    (void)state;
    const char *s = "The quick brown fox jumps over the lazy dog, twice over.";
    size_t n = strlen(s);
    uint32_t whole = crc32c(s, n);
    for (size_t cut = 0; cut <= n; cut++) {
        assert_int_equal(crc32c_update(crc32c(s, cut), s + cut, n - cut), whole);
        assert_int_equal(crc32c_update_sw(crc32c_update_hw(0, s, cut), s + cut, n - cut), whole);
    }
}

static void test_hw_flag(void **state) {
    (void)state;
    int hw = crc32c_hw_available();
    assert_true(hw == 0 || hw == 1);
#if defined(__x86_64__)
    __builtin_cpu_init();
    assert_int_equal(hw, __builtin_cpu_supports("sse4.2") ? 1 : 0);
#endif
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_vectors),
        cmocka_unit_test(test_paths_agree),
        cmocka_unit_test(test_incremental),
        cmocka_unit_test(test_hw_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
