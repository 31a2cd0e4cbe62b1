/*
 * crc32c.c - CRC-32C (Castagnoli, reflected polynomial 0x82F63B78).
 *
 * Two implementations of the same function. On x86-64 CPUs with SSE4.2 the
 * crc32 instruction does 8 bytes per step; it is compiled with a per-function
 * target attribute so the file builds without -msse4.2 and the choice is
 * made once at run time. Elsewhere a slicing-by-8 table (8 KiB, built on
 * first use) processes 8 bytes per step with eight table look-ups.
 *
 * The table and the dispatch flag are set up once, on first use, under
 * pthread_once, so concurrent first calls are race-free.
 */
#include "wire/crc32c.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define CRC32C_HAVE_X86 1
#include <nmmintrin.h>
#else
#define CRC32C_HAVE_X86 0
#endif

#define CRC32C_POLY 0x82F63B78u

static uint32_t crc_table[8][256];
static int crc_hw;
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc32c_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
        crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = crc_table[0][i];
        for (int t = 1; t < 8; t++) {
            c = crc_table[0][c & 0xff] ^ (c >> 8);
            crc_table[t][i] = c;
        }
    }
#if CRC32C_HAVE_X86
    __builtin_cpu_init();
    crc_hw = __builtin_cpu_supports("sse4.2") ? 1 : 0;
#else
    crc_hw = 0;
#endif
}

uint32_t crc32c_update_sw(uint32_t crc, const void *data, size_t len) {
    pthread_once(&crc_once, crc32c_init);
    const uint8_t *p = data;
    uint32_t c = ~crc;
    while (len && ((uintptr_t)p & 7)) {
        c = crc_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
        len--;
    }
    while (len >= 8) {
        /* Little-endian composition independent of host byte order. */
        uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                           (uint32_t)p[3] << 24);
        uint32_t hi =
            (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        c = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
            crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^ crc_table[3][hi & 0xff] ^
            crc_table[2][(hi >> 8) & 0xff] ^ crc_table[1][(hi >> 16) & 0xff] ^
            crc_table[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len--)
        c = crc_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    return ~c;
}

#if CRC32C_HAVE_X86
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p,
                                                               size_t len) {
    uint64_t c = ~crc;
    while (len && ((uintptr_t)p & 7)) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        len--;
    }
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
        p += 8;
        len -= 8;
    }
    while (len--)
        c = _mm_crc32_u8((uint32_t)c, *p++);
    return ~(uint32_t)c;
}
#endif

uint32_t crc32c_update_hw(uint32_t crc, const void *data, size_t len) {
#if CRC32C_HAVE_X86
    pthread_once(&crc_once, crc32c_init);
    if (crc_hw)
        return crc32c_sse42(crc, data, len);
#endif
    return crc32c_update_sw(crc, data, len);
}

int crc32c_hw_available(void) {
    pthread_once(&crc_once, crc32c_init);
    return crc_hw;
}

uint32_t crc32c_update(uint32_t crc, const void *data, size_t len) {
    pthread_once(&crc_once, crc32c_init);
#if CRC32C_HAVE_X86
    if (crc_hw)
        return crc32c_sse42(crc, data, len);
#endif
    return crc32c_update_sw(crc, data, len);
}
