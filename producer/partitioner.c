/*
 * partitioner.c - Java-compatible murmur2, librdkafka-compatible CRC-32
 * partitioning, the KIP-480 sticky choice for null keys, and a small
 * per-producer random generator.
 *
 * murmur2 must agree bit for bit with org.apache.kafka.common.utils.Utils:
 * little-endian 4-byte blocks, the tail mixed in the same fall-through
 * order, unsigned arithmetic (Java's int wraps the same way) and the
 * result made positive with & 0x7fffffff, not abs(), before the modulo.
 */
#include "producer/partitioner.h"

#include <string.h>
#include <zlib.h>

static const char *const kind_names[] = {
    [PARTITIONER_MURMUR2_RANDOM] = "murmur2_random",
    [PARTITIONER_MURMUR2] = "murmur2",
    [PARTITIONER_CONSISTENT] = "consistent",
    [PARTITIONER_CONSISTENT_RANDOM] = "consistent_random",
    [PARTITIONER_RANDOM] = "random",
};
#define KIND_COUNT ((int)(sizeof kind_names / sizeof kind_names[0]))

int partitioner_kind_parse(const char *name) {
    if (!name)
        return -1;
    for (int i = 0; i < KIND_COUNT; i++)
        if (strcmp(name, kind_names[i]) == 0)
            return i;
    return -1;
}

const char *partitioner_kind_name(int kind) {
    return kind >= 0 && kind < KIND_COUNT ? kind_names[kind] : "unknown";
}

int32_t partitioner_murmur2(const void *key, size_t len) {
    const uint8_t *d = key;
    const uint32_t m = 0x5bd1e995u;
    uint32_t h = 0x9747b28cu ^ (uint32_t)len;
    size_t blocks = len / 4;
    for (size_t i = 0; i < blocks; i++) {
        const uint8_t *p = d + i * 4;
        uint32_t k =
            (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        k *= m;
        k ^= k >> 24;
        k *= m;
        h *= m;
        h ^= k;
    }
    const uint8_t *tail = d + blocks * 4;
    switch (len & 3) {
    case 3:
        h ^= (uint32_t)tail[2] << 16;
        /* fall through */
    case 2:
        h ^= (uint32_t)tail[1] << 8;
        /* fall through */
    case 1:
        h ^= tail[0];
        h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return (int32_t)h;
}

int32_t partitioner_murmur2_partition(const void *key, size_t len, int32_t partition_count) {
    if (partition_count <= 0)
        return -1;
    uint32_t positive = (uint32_t)partitioner_murmur2(key, len) & 0x7fffffffu;
    return (int32_t)(positive % (uint32_t)partition_count);
}

int32_t partitioner_crc32_partition(const void *key, size_t len, int32_t partition_count) {
    if (partition_count <= 0)
        return -1;
    uLong crc = crc32(0L, Z_NULL, 0);
    /* zlib takes uInt lengths; feed large keys in pieces. */
    const Bytef *p = key;
    while (len > 0) {
        uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
        crc = crc32(crc, p, n);
        p += n;
        len -= n;
    }
    return (int32_t)((uint32_t)crc % (uint32_t)partition_count);
}

void partitioner_rng_seed(partitioner_rng *r, uint64_t seed) {
    /* splitmix64 step so that close seeds give unrelated states; never 0. */
    uint64_t z = seed + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    r->s = z ? z : 0x2545f4914f6cdd1dull;
}

uint32_t partitioner_rng_next(partitioner_rng *r) {
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

void partitioner_sticky_batch_closed(partitioner_sticky *s, int32_t partition) {
    if (s && s->partition == partition)
        s->partition = -1;
}

static int32_t pick_random(int32_t partition_count, const partitioner_avail *avail,
                           partitioner_rng *rng) {
    if (avail && avail->available_count > 0 && avail->available)
        return avail->available[partitioner_rng_next(rng) % (uint32_t)avail->available_count];
    return (int32_t)(partitioner_rng_next(rng) % (uint32_t)partition_count);
}

/* A new sticky partition, different from the previous one when there is a
 * choice (Java's StickyPartitionCache.nextPartition). */
static int32_t pick_sticky(int32_t partition_count, const partitioner_avail *avail,
                           partitioner_sticky *sticky, partitioner_rng *rng) {
    if (sticky->partition >= 0 && sticky->partition < partition_count)
        return sticky->partition;
    int32_t candidates = avail && avail->available_count > 0 && avail->available
                             ? avail->available_count
                             : partition_count;
    int32_t prev = sticky->last;
    int32_t p = pick_random(partition_count, avail, rng);
    for (int tries = 0; candidates > 1 && p == prev && tries < 64; tries++)
        p = pick_random(partition_count, avail, rng);
    sticky->partition = p;
    sticky->last = p;
    return p;
}

int32_t partitioner_pick(int kind, const void *key, int32_t key_len, int32_t partition_count,
                         const partitioner_avail *avail, partitioner_sticky *sticky,
                         partitioner_rng *rng) {
    if (partition_count <= 0)
        return -1;
    int null_key = key_len < 0 || (!key && key_len != 0);
    size_t len = null_key ? 0 : (size_t)key_len;
    const void *k = null_key || len == 0 ? "" : key;
    switch (kind) {
    case PARTITIONER_MURMUR2_RANDOM:
        if (!null_key)
            return partitioner_murmur2_partition(k, len, partition_count);
        if (!sticky)
            return pick_random(partition_count, avail, rng);
        return pick_sticky(partition_count, avail, sticky, rng);
    case PARTITIONER_MURMUR2:
        return partitioner_murmur2_partition(k, len, partition_count);
    case PARTITIONER_CONSISTENT:
        return partitioner_crc32_partition(k, len, partition_count);
    case PARTITIONER_CONSISTENT_RANDOM:
        return null_key ? pick_random(partition_count, avail, rng)
                        : partitioner_crc32_partition(k, len, partition_count);
    case PARTITIONER_RANDOM:
        return pick_random(partition_count, avail, rng);
    default:
        return -1;
    }
}
