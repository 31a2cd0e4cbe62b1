/*
 * crc32c.h - CRC-32C (Castagnoli), the checksum of Kafka record batches.
 *
 * Uses the SSE4.2 crc32 instruction when the CPU has it (checked once at
 * run time) and a slicing-by-8 table otherwise. Thread-safe, no allocation.
 */
#ifndef STRAND_WIRE_CRC32C_H
#define STRAND_WIRE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC-32C over `len` bytes; start with crc = 0. */
uint32_t crc32c_update(uint32_t crc, const void *data, size_t len);

static inline uint32_t crc32c(const void *data, size_t len) {
    return crc32c_update(0, data, len);
}

/* 1 when the hardware instruction is used (for benchmarks and logs). */
int crc32c_hw_available(void);

/* The two implementations behind crc32c_update(), exposed so that tests and
 * benchmarks can compare them. crc32c_update_hw() falls back to the table
 * when the CPU lacks SSE4.2 (check crc32c_hw_available()). */
uint32_t crc32c_update_sw(uint32_t crc, const void *data, size_t len);
uint32_t crc32c_update_hw(uint32_t crc, const void *data, size_t len);

#endif
