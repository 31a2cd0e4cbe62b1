/*
 * partitioner.h - choosing a partition for a record (producer-internal).
 *
 * Partitioners, named as librdkafka names them:
 *   murmur2_random    the Java client's default: murmur2 of the key; null
 *                     keys stick to one partition until its batch is closed
 *                     (KIP-480), then move to another.
 *   murmur2           Java's murmur2 of the key; a null key hashes as empty.
 *   consistent        CRC-32 (zlib) of the key; a null key hashes as empty.
 *   consistent_random CRC-32 of the key; a null key goes to a random partition.
 *   random            a random partition for every record.
 * Keyed records ignore availability (as Java does: a key always maps to the
 * same partition); random and sticky choices prefer available partitions.
 *
 * The functions are pure apart from the caller-owned state (sticky choice
 * and random generator), which the caller protects: not thread-safe.
 */
#ifndef STRAND_PRODUCER_PARTITIONER_H
#define STRAND_PRODUCER_PARTITIONER_H

#include <stddef.h>
#include <stdint.h>

enum partitioner_kind {
    PARTITIONER_MURMUR2_RANDOM = 0, /* the default */
    PARTITIONER_MURMUR2,
    PARTITIONER_CONSISTENT_RANDOM,
    PARTITIONER_CONSISTENT,
    PARTITIONER_RANDOM,
    /* Same order as enum client_partitioner (client/conf.h). */
};

/* The kind named `name` ("murmur2_random", "murmur2", ...), or -1 if unknown. */
int partitioner_kind_parse(const char *name);
/* The name of a kind, or "unknown". */
const char *partitioner_kind_name(int kind);

/* Kafka's Utils.murmur2 (seed 0x9747b28c), as a signed 32-bit value. */
int32_t partitioner_murmur2(const void *key, size_t len);
/* Java's Utils.toPositive(murmur2(key)) % partition_count. */
int32_t partitioner_murmur2_partition(const void *key, size_t len, int32_t partition_count);
/* zlib crc32(key) % partition_count, as librdkafka's consistent partitioner. */
int32_t partitioner_crc32_partition(const void *key, size_t len, int32_t partition_count);

/* A small xorshift generator; one per producer, never global. */
typedef struct partitioner_rng {
    uint64_t s;
} partitioner_rng;
void partitioner_rng_seed(partitioner_rng *r, uint64_t seed);
uint32_t partitioner_rng_next(partitioner_rng *r);

/* Per-topic state of the sticky choice for null keys. */
typedef struct partitioner_sticky {
    int32_t partition; /* current choice; -1: pick a new one */
    int32_t last;      /* previous choice, avoided by the next pick; -1: none */
} partitioner_sticky;

static inline void partitioner_sticky_init(partitioner_sticky *s) {
    s->partition = -1;
    s->last = -1;
}

/* The batch of `partition` was closed (full, or handed to the sender):
 * the next null-key record picks a new sticky partition. */
void partitioner_sticky_batch_closed(partitioner_sticky *s, int32_t partition);

/* Partitions to prefer for random/sticky picks: `available` lists
 * available_count partition ids (those with a leader); with none listed
 * every partition of [0, partition_count) is a candidate. */
typedef struct partitioner_avail {
    const int32_t *available;
    int32_t available_count;
} partitioner_avail;

/* The partition for a record with `key` (NULL with key_len -1 for a null
 * key) among partition_count > 0 partitions; -1 if partition_count <= 0
 * or kind is unknown. sticky and rng are the caller's state (sticky may be
 * NULL for kinds other than murmur2_random; a NULL
 * sticky then picks a random partition per record). */
int32_t partitioner_pick(int kind, const void *key, int32_t key_len, int32_t partition_count,
                         const partitioner_avail *avail, partitioner_sticky *sticky,
                         partitioner_rng *rng);

#endif
