/*
 * test_batch_helpers.h - shared by the RecordBatch unit tests: big-endian
 * stores and a batch laid out byte by byte from the v2 spec, with its CRC
 * from the table implementation, so the code under test is checked against
 * an encoding independent of wire/batch.c. Header-only (static functions)
 * so each test executable stays a single .c file.
 */
#ifndef STRAND_TEST_BATCH_HELPERS_H
#define STRAND_TEST_BATCH_HELPERS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire/crc32c.h"

/* firstTimestamp of every hand-laid batch; maxTimestamp is BASE_TS + 5. */
#define BASE_TS 1700000000000ll

static inline void put64(uint8_t *p, uint64_t v) {
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}
static inline void put32(uint8_t *p, uint32_t v) {
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}
static inline void put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Lay out a batch at out with the given fields and records: leader epoch -1,
 * producer fields -1, timestamps BASE_TS and BASE_TS + 5. Returns its size. */
static inline size_t make_batch(uint8_t *out, int64_t base_offset, int16_t attr, int32_t last_delta,
                                int32_t count, const uint8_t *recs, size_t recs_len) {
    put64(out + 0, (uint64_t)base_offset);
    put32(out + 8, (uint32_t)(49 + recs_len));
    put32(out + 12, (uint32_t)-1);
    out[16] = 2;
    put16(out + 21, (uint16_t)attr);
    put32(out + 23, (uint32_t)last_delta);
    put64(out + 27, (uint64_t)BASE_TS);
    put64(out + 35, (uint64_t)(BASE_TS + 5));
    put64(out + 43, (uint64_t)-1);
    put16(out + 51, (uint16_t)-1);
    put32(out + 53, (uint32_t)-1);
    put32(out + 57, (uint32_t)count);
    if (recs_len)
        memcpy(out + 61, recs, recs_len);
    size_t size = 61 + recs_len;
    put32(out + 17, crc32c_update_sw(0, out + 21, size - 21));
    return size;
}

#endif
