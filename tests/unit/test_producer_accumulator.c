/*
 * test_producer_accumulator.c - the producer's accumulator without a
 * network: batch.size and linger.ms triggers, queue bounds, retry order,
 * delivery timeout, records waiting for metadata, raw batches, sticky
 * partitioning for null keys, and the idempotent producer's sequence
 * bookkeeping (sequences fixed at the first drain, resends alone and
 * byte-identical, at most 5 batches per request, wrap at INT32_MAX, the gap
 * that asks for a new producer id).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "producer/accumulator.h"

static accum_config base_cfg(void) {
    accum_config c = {
        .batch_size = 1u << 20,
        .linger_ms = 5,
        .codec = BATCH_CODEC_NONE,
        .max_messages = 100000,
        .max_bytes = 64u << 20,
        .delivery_timeout_ms = 120000,
        .max_batch_bytes = 1000000,
        .partitioner = PARTITIONER_MURMUR2_RANDOM,
        .seed = 1,
    };
    return c;
}

/* Drain bookkeeping: every emitted list, in order. */
typedef struct drained {
    accum_batch *lists[64];
    int32_t nodes[64];
    int n;
    int refuse; /* emit refuses everything */
    int32_t leader;
} drained;

static int32_t leader_fn(void *ctx, accum_topic *t, int32_t partition) {
    (void)t;
    (void)partition;
    return ((drained *)ctx)->leader;
}

static int emit_fn(void *ctx, int32_t node, accum_batch *list, size_t bytes) {
    drained *d = ctx;
    (void)bytes;
    if (d->refuse || d->n == 64)
        return -1;
    d->nodes[d->n] = node;
    d->lists[d->n++] = list;
    return 0;
}

static wire_bytes bytes_of(const char *s) {
    wire_bytes b = {(const uint8_t *)s, s ? (int32_t)strlen(s) : -1};
    return b;
}

static int append_kv(accum *a, accum_topic *t, int32_t partition, const char *k, const char *v,
                     intptr_t opaque, int64_t now) {
    return accum_append(a, t, partition, 1000 + opaque, bytes_of(k), bytes_of(v), NULL, 0,
                        (void *)opaque, now);
}

static int32_t list_records(accum_batch *l) {
    int32_t n = 0;
    for (; l; l = l->next)
        n += l->count;
    return n;
}

/* Release every finished batch, returning how many records they held. */
static int32_t release_done(accum *a) {
    int32_t n = 0;
    for (accum_batch *b = accum_done_take(a); b;) {
        accum_batch *next = b->next;
        n += b->raw ? 1 : b->count;
        accum_batch_release(a, b);
        b = next;
    }
    return n;
}

static void test_linger_trigger(void **state) {
    (void)state;
    accum_config c = base_cfg();
    c.linger_ms = 50;
    accum a;
    accum_init(&a, &c);
    accum_topic *t = accum_topic_get(&a, "t", 1);
    assert_non_null(t);
    assert_int_equal(accum_topic_set_partitions(&a, t, 4, NULL, 0, 0), ACCUM_OK);
    assert_int_equal(append_kv(&a, t, 2, "k", "v", 1, 0), ACCUM_READY); /* new batch */
    assert_int_equal(append_kv(&a, t, 2, "k", "v", 2, 3), ACCUM_OK);
    assert_int_equal(accum_next_wakeup(&a, 10, 0), 50);
    drained d = {.leader = 7};
    assert_int_equal(accum_drain(&a, 49, 1 << 20, 0, leader_fn, emit_fn, &d), 0);
    assert_int_equal(d.n, 0);
    assert_int_equal(accum_drain(&a, 50, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.nodes[0], 7);
    assert_int_equal(list_records(d.lists[0]), 2);
    assert_int_equal(d.lists[0]->partition, 2);
    /* In flight: nothing more is drained from that partition. */
    assert_int_equal(append_kv(&a, t, 2, "k", "v", 3, 60), ACCUM_READY);
    assert_int_equal(accum_drain(&a, 200, 1 << 20, 0, leader_fn, emit_fn, &d), 0);
    /* A flush ignores linger once the partition is free. */
    accum_partition_done(&a, d.lists[0], STRAND_OK, 10, -1);
    a.flushing = 1;
    assert_int_equal(accum_next_wakeup(&a, 61, 0), 61);
    assert_int_equal(accum_drain(&a, 61, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    assert_int_equal(list_records(d.lists[1]), 1);
    accum_partition_done(&a, d.lists[1], STRAND_OK, 12, -1);
    assert_int_equal(release_done(&a), 3);
    assert_int_equal(a.messages, 0);
    assert_int_equal(a.bytes, 0);
    accum_free(&a);
}

static void test_size_trigger(void **state) {
    (void)state;
    accum_config c = base_cfg();
    c.batch_size = 1000;
    c.linger_ms = 100000;
    accum a;
    accum_init(&a, &c);
    accum_topic *t = accum_topic_get(&a, "t", 1);
    accum_topic_set_partitions(&a, t, 1, NULL, 0, 0);
    char value[101];
    memset(value, 'x', 100);
    value[100] = '\0';
    int ready = 0;
    for (int i = 0; i < 25; i++) {
        int rc = append_kv(&a, t, 0, NULL, value, i, 0);
        assert_true(rc == ACCUM_OK || rc == ACCUM_READY);
        ready += rc == ACCUM_READY;
    }
    assert_true(ready >= 3); /* at least two closes plus the first open */
    drained d = {.leader = 1};
    assert_int_equal(accum_drain(&a, 1, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    /* Only closed batches went (linger not reached), each within batch.size. */
    int32_t sent = 0, batches = 0;
    for (accum_batch *b = d.lists[0]; b; b = b->next) {
        assert_int_equal(accum_batch_seal(b), BATCH_OK);
        assert_true(b->out.len <= 1000 + BATCH_HEADER_SIZE);
        assert_true(b->count >= 8);
        sent += b->count;
        batches++;
    }
    assert_true(batches >= 2);
    assert_true(sent < 25);
    assert_int_equal(d.lists[0]->msgs[0].opaque, (void *)0);
    /* A partition's batches in one request are capped by max_bytes, but at
     * least one goes. */
    accum_partition_retry(&a, d.lists[0], 1, 0);
    d.n = 0;
    assert_int_equal(accum_drain(&a, 1, 10, 0, leader_fn, emit_fn, &d), 1);
    assert_null(d.lists[0]->next);
    accum_partition_done(&a, d.lists[0], STRAND_OK, 0, -1);
    accum_free(&a);
}

static void test_queue_bounds(void **state) {
    (void)state;
    accum_config c = base_cfg();
    c.max_messages = 10;
    c.max_bytes = 1000;
    c.max_batch_bytes = 2000;
    accum a;
    accum_init(&a, &c);
    accum_topic *t = accum_topic_get(&a, "t", 1);
    accum_topic_set_partitions(&a, t, 2, NULL, 0, 0);
    for (int i = 0; i < 10; i++)
        assert_true(append_kv(&a, t, 0, "k", "v", i, 0) >= 0);
    assert_int_equal(append_kv(&a, t, 0, "k", "v", 10, 0), STRAND_ERR_QUEUE_FULL);
    assert_int_equal(a.messages, 10);
    /* Reports served free room again. */
    accum_expire(&a, 10 * 1000 * 1000);
    assert_int_equal(release_done(&a), 10);
    assert_int_equal(append_kv(&a, t, 0, "k", "v", 11, 0), ACCUM_READY);
    /* The byte bound counts key + value + header bytes. */
    char big[901];
    memset(big, 'b', 900);
    big[900] = '\0';
    assert_true(append_kv(&a, t, 1, NULL, big, 12, 0) >= 0);
    assert_int_equal(append_kv(&a, t, 1, NULL, big, 13, 0), STRAND_ERR_QUEUE_FULL);
    /* A record that can never fit a batch is refused outright. */
    char huge[2001];
    memset(huge, 'h', 2000);
    huge[2000] = '\0';
    assert_int_equal(append_kv(&a, t, 1, NULL, huge, 14, 0), STRAND_ERR_MSG_TOO_LARGE);
    /* So is a partition beyond the known count, and a header without key. */
    assert_int_equal(append_kv(&a, t, 2, "k", "v", 15, 0), STRAND_ERR_UNKNOWN_PARTITION);
    batch_record_header h = {{NULL, -1}, {NULL, -1}};
    assert_int_equal(accum_append(&a, t, 0, 0, bytes_of("k"), bytes_of("v"), &h, 1, NULL, 0),
                     STRAND_ERR_INVALID_ARG);
    assert_int_equal(a.messages, 2);
    accum_free(&a);
}

/* Check a finished batch's records: keys "k<i>" for consecutive i. */
static int32_t check_keys(const accum_batch *b, int32_t first) {
    accum_record_iter it;
    accum_record_iter_init(&it, b);
    wire_bytes k, v;
    int32_t i = first;
    while (accum_record_iter_next(&it, &k, &v) == 1) {
        char want[32];
        snprintf(want, sizeof want, "k%d", (int)i);
        assert_int_equal(k.len, (int32_t)strlen(want));
        assert_memory_equal(k.ptr, want, strlen(want));
        assert_int_equal(v.len, -1);
        assert_int_equal((intptr_t)b->msgs[i - first].opaque, i);
        i++;
    }
    return i;
}

static void test_retry_keeps_order(void **state) {
    (void)state;
    accum_config c = base_cfg();
    c.batch_size = 200;
    c.linger_ms = 0;
    accum a;
    accum_init(&a, &c);
    accum_topic *t = accum_topic_get(&a, "t", 1);
    accum_topic_set_partitions(&a, t, 1, NULL, 0, 0);
    char key[32];
    int32_t next = 0;
    for (; next < 20; next++) {
        snprintf(key, sizeof key, "k%d", (int)next);
        assert_true(accum_append(&a, t, 0, 5, bytes_of(key), bytes_of(NULL), NULL, 0,
                                 (void *)(intptr_t)next, 0) >= 0);
    }
    drained d = {.leader = 1};
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    accum_batch *first = d.lists[0];
    assert_int_equal(list_records(first), 20);
    /* More records while the first request is out. */
    for (; next < 30; next++) {
        snprintf(key, sizeof key, "k%d", (int)next);
        assert_true(accum_append(&a, t, 0, 5, bytes_of(key), bytes_of(NULL), NULL, 0,
                                 (void *)(intptr_t)next, 1) >= 0);
    }
    assert_int_equal(accum_drain(&a, 2, 1 << 20, 0, leader_fn, emit_fn, &d), 0);
    /* The request fails retriably: back in front, after the backoff. */
    accum_partition_retry(&a, first, 2, 100);
    assert_int_equal(accum_drain(&a, 50, 1 << 20, 0, leader_fn, emit_fn, &d), 0);
    assert_int_equal(accum_next_wakeup(&a, 50, 0), 102);
    /* A refused emit leaves the order alone too. */
    d.refuse = 1;
    assert_int_equal(accum_drain(&a, 102, 1 << 20, 0, leader_fn, emit_fn, &d), 0);
    d.refuse = 0;
    assert_int_equal(accum_drain(&a, 102, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    accum_batch *second = d.lists[1];
    assert_ptr_equal(second, first); /* the retried batches lead */
    assert_int_equal(list_records(second), 30);
    assert_int_equal(second->attempts, 2);
    accum_partition_done(&a, second, STRAND_OK, 500, -1);
    /* Reports: in record order, offsets consecutive from the base. */
    int32_t expect = 0;
    int64_t offset = 500;
    for (accum_batch *b = accum_done_take(&a); b;) {
        accum_batch *n = b->next;
        assert_int_equal(b->err, STRAND_OK);
        assert_int_equal(b->base_offset, offset);
        offset += b->count;
        expect = check_keys(b, expect);
        accum_batch_release(&a, b);
        b = n;
    }
    assert_int_equal(expect, 30);
    assert_int_equal(a.messages, 0);
    accum_free(&a);
}

static void test_delivery_timeout(void **state) {
    (void)state;
    accum_config c = base_cfg();
    c.delivery_timeout_ms = 1000;
    c.linger_ms = 10;
    accum a;
    accum_init(&a, &c);
    accum_topic *t = accum_topic_get(&a, "t", 1);
    accum_topic_set_partitions(&a, t, 2, NULL, 0, 0);
    assert_true(append_kv(&a, t, 0, "a", "1", 1, 0) >= 0);
    assert_true(append_kv(&a, t, 1, "b", "2", 2, 500) >= 0);
    /* No leader: nothing drains; the wake-up covers linger and expiry. */
    drained d = {.leader = -1};
    assert_int_equal(accum_drain(&a, 600, 1 << 20, 0, leader_fn, emit_fn, &d), 0);
    assert_int_equal(accum_expire(&a, 999), 0);
    assert_int_equal(accum_expire(&a, 1000), 1);
    accum_batch *b = accum_done_take(&a);
    assert_non_null(b);
    assert_null(b->next);
    assert_int_equal(b->err, STRAND_ERR_TIMED_OUT);
    assert_int_equal(b->partition, 0);
    assert_int_equal(b->base_offset, -1);
    accum_batch_release(&a, b);
    assert_int_equal(accum_next_wakeup(&a, 1000, 0), 510);
    /* In-flight batches do not expire; they wait for their response. */
    d.leader = 3;
    assert_int_equal(accum_drain(&a, 1000, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    assert_int_equal(accum_expire(&a, 5000), 0);
    accum_partition_done(&a, d.lists[0], STRAND_ERR_TRANSPORT, -1, -1);
    b = accum_done_take(&a);
    assert_int_equal(b->err, STRAND_ERR_TRANSPORT);
    accum_batch_release(&a, b);
    accum_free(&a);
}

static void test_pending_until_metadata(void **state) {
    (void)state;
    accum_config c = base_cfg();
    c.partitioner = PARTITIONER_MURMUR2;
    accum a;
    accum_init(&a, &c);
    accum_topic *t = accum_topic_get(&a, "new-topic", 1);
    assert_ptr_equal(accum_topic_get(&a, "new-topic", 0), t);
    assert_null(accum_topic_get(&a, "other", 0));
    static const char *keys[] = {"", "a", "ab", "abc", "123456789"};
    static const int32_t java[] = {681, 524, 434, 107, 566}; /* Java, 1000 partitions */
    for (int i = 0; i < 5; i++)
        assert_true(append_kv(&a, t, -1, keys[i], "v", i, 0) >= 0);
    /* An explicit partition waits in its own queue (no leader yet). */
    assert_true(append_kv(&a, t, 1500, "x", "v", 9, 0) >= 0);
    assert_int_equal(a.messages, 6);
    drained d = {.leader = -1};
    assert_int_equal(accum_drain(&a, 100, 1 << 20, 0, leader_fn, emit_fn, &d), 0);
    assert_int_equal(accum_topic_set_partitions(&a, t, 1000, NULL, 0, 1), ACCUM_READY);
    /* Partition 1500 does not exist: reported. */
    accum_batch *b = accum_done_take(&a);
    assert_non_null(b);
    assert_int_equal(b->err, STRAND_ERR_UNKNOWN_PARTITION);
    assert_int_equal((intptr_t)b->msgs[0].opaque, 9);
    accum_batch_release(&a, b);
    d.leader = 1;
    assert_int_equal(accum_drain(&a, 100, 1 << 20, 0, leader_fn, emit_fn, &d), 5);
    for (int i = 0; i < d.n; i++) {
        accum_batch *l = d.lists[i];
        int idx = (int)(intptr_t)l->msgs[0].opaque;
        assert_int_equal(l->partition, java[idx]);
        assert_int_equal(l->msgs[0].timestamp, 1000 + idx);
        accum_partition_done(&a, l, STRAND_OK, 0, -1);
    }
    assert_int_equal(release_done(&a), 5);
    assert_int_equal(a.messages, 0);
    assert_int_equal(a.bytes, 0);
    /* A topic that never gets partitions: pending records expire. */
    accum_topic *u = accum_topic_get(&a, "missing", 1);
    assert_true(append_kv(&a, u, -1, "k", "v", 1, 0) >= 0);
    assert_int_equal(accum_expire(&a, c.delivery_timeout_ms), 1);
    b = accum_done_take(&a);
    assert_int_equal(b->err, STRAND_ERR_TIMED_OUT);
    assert_int_equal(b->count, 1);
    accum_batch_release(&a, b);
    assert_int_equal(a.messages, 0);
    /* When metadata said the topic does not exist, the report says so. */
    u->unknown = 1;
    assert_true(append_kv(&a, u, -1, "k", "v", 2, 10) >= 0);
    assert_true(append_kv(&a, u, 3, "k", "v", 3, 10) >= 0);
    assert_int_equal(accum_expire(&a, 10 + c.delivery_timeout_ms), 2);
    for (b = accum_done_take(&a); b;) {
        accum_batch *n = b->next;
        assert_int_equal(b->err, STRAND_ERR_UNKNOWN_TOPIC);
        accum_batch_release(&a, b);
        b = n;
    }
    assert_int_equal(a.messages, 0);
    accum_free(&a);
}

static void test_raw_batches(void **state) {
    (void)state;
    accum_config c = base_cfg();
    accum a;
    accum_init(&a, &c);
    accum_topic *t = accum_topic_get(&a, "t", 1);
    accum_topic_set_partitions(&a, t, 1, NULL, 0, 0);
    /* Two batches of 3 and 2 records, back to back. */
    wire_writer w;
    wire_writer_init(&w);
    for (int n = 3; n >= 2; n--) {
        batch_builder bb;
        batch_builder_init(&bb, BATCH_CODEC_LZ4);
        for (int i = 0; i < n; i++)
            batch_builder_add(&bb, 7, bytes_of("k"), bytes_of("v"), NULL, 0);
        assert_int_equal(batch_builder_finish(&bb, &w), BATCH_OK);
        batch_builder_free(&bb);
    }
    assert_true(append_kv(&a, t, 0, "before", "x", 1, 0) >= 0);
    assert_int_equal(accum_append_raw(&a, t, 0, w.p, w.len, NULL, (void *)77, 0), ACCUM_READY);
    assert_int_equal(accum_append_raw(&a, t, 0, w.p, w.len - 1, NULL, NULL, 0), STRAND_ERR_BAD_MSG);
    uint8_t bad[200];
    memcpy(bad, w.p, w.len < sizeof bad ? w.len : sizeof bad);
    bad[70] ^= 1; /* CRC mismatch */
    assert_int_equal(
        accum_append_raw(&a, t, 0, bad, sizeof bad < w.len ? sizeof bad : w.len, NULL, NULL, 0),
        STRAND_ERR_BAD_MSG);
    assert_int_equal(accum_append_raw(&a, t, 3, w.p, w.len, NULL, NULL, 0),
                     STRAND_ERR_UNKNOWN_PARTITION);
    drained d = {.leader = 1};
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    accum_batch *first = d.lists[0];
    assert_int_equal(first->raw, 0); /* the earlier record goes first */
    accum_batch *raw = first->next;
    assert_non_null(raw);
    assert_int_equal(raw->raw, 1);
    assert_int_equal(raw->count, 2);
    assert_int_equal(raw->offsets, 5);
    assert_int_equal(accum_batch_seal(raw), BATCH_OK);
    assert_int_equal(raw->out.len, w.len);
    assert_memory_equal(raw->out.p, w.p, w.len); /* untouched */
    accum_partition_done(&a, first, STRAND_OK, 40, -1);
    accum_batch *b = accum_done_take(&a);
    assert_int_equal(b->base_offset, 40);
    assert_int_equal(b->next->base_offset, 41);
    assert_ptr_equal(b->next->raw_opaque, (void *)77);
    assert_int_equal(release_done(&a), 0);
    accum_batch_release(&a, b->next);
    accum_batch_release(&a, b);
    assert_int_equal(a.messages, 0);
    wire_writer_free(&w);
    accum_free(&a);
}

static void test_sticky_moves_when_batch_closes(void **state) {
    (void)state;
    accum_config c = base_cfg();
    c.batch_size = 300;
    c.linger_ms = 100000;
    accum a;
    accum_init(&a, &c);
    accum_topic *t = accum_topic_get(&a, "t", 1);
    accum_topic_set_partitions(&a, t, 6, NULL, 0, 0);
    char v[51];
    memset(v, 'v', 50);
    v[50] = '\0';
    /* Null keys: the same partition until its batch closes. */
    int32_t sticky = -1;
    int switches = 0;
    for (int i = 0; i < 60; i++) {
        int32_t before = t->sticky.partition;
        assert_true(append_kv(&a, t, -1, NULL, v, i, 0) >= 0);
        if (before >= 0 && t->sticky.partition != before && t->sticky.partition != -1)
            switches++;
        if (sticky < 0)
            sticky = t->sticky.partition;
    }
    /* Records of each closed batch all went to one partition. */
    drained d = {.leader = 1};
    accum_drain(&a, 1, 1 << 20, 0, leader_fn, emit_fn, &d);
    assert_true(d.n >= 2);
    for (int i = 0; i < d.n; i++) {
        for (accum_batch *b = d.lists[i]; b; b = b->next)
            assert_true(b->count >= 4);
        accum_partition_done(&a, d.lists[i], STRAND_OK, 0, -1);
    }
    accum_free(&a);
}

/* Sequences: Kafka's incrementSequence wraps from INT32_MAX to 0. */
static void test_seq_add_wraps(void **state) {
    (void)state;
    assert_int_equal(accum_seq_add(0, 5), 5);
    assert_int_equal(accum_seq_add(INT32_MAX - 5, 5), INT32_MAX);
    assert_int_equal(accum_seq_add(INT32_MAX - 5, 6), 0);
    assert_int_equal(accum_seq_add(INT32_MAX, 1), 0);
    assert_int_equal(accum_seq_add(INT32_MAX, 3), 2);
    assert_int_equal(accum_seq_add(INT32_MAX - 1, 10), 8);
    assert_int_equal(accum_seq_add(7, 0), 7);
}

/* The header of a sealed batch. */
static batch_header sealed_header(accum_batch *b) {
    assert_int_equal(accum_batch_seal(b), BATCH_OK);
    batch_header h;
    assert_int_equal(batch_validate(b->out.p, b->out.len, 0, 1, &h), BATCH_OK);
    return h;
}

/* Append `n` one-record batches (batch.size holds one record) to partition 0. */
static void append_batches(accum *a, accum_topic *t, int n, int64_t now) {
    char key[32];
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        assert_true(accum_append(a, t, 0, 5, bytes_of(key), bytes_of("value"), NULL, 0,
                                 (void *)(intptr_t)i, now) >= 0);
    }
}

static accum_config idem_cfg(void) {
    accum_config c = base_cfg();
    c.batch_size = 20; /* one record per batch */
    c.linger_ms = 0;
    return c;
}

/* An accumulator with idem_cfg() and topic "t" of one partition; producer
 * id `id` (epoch `epoch`) unless id is -1. Returns the topic. */
static accum_topic *idem_setup(accum *a, const accum_config *c, int64_t id, int16_t epoch) {
    accum_init(a, c);
    accum_topic *t = accum_topic_get(a, "t", 1);
    assert_non_null(t);
    accum_topic_set_partitions(a, t, 1, NULL, 0, 0);
    if (id >= 0)
        accum_idem_set(a, id, epoch);
    return t;
}

static void test_idem_sequences_assigned_once(void **state) {
    (void)state;
    accum_config c = idem_cfg();
    accum a;
    accum_topic *t = idem_setup(&a, &c, -1, -1);
    /* Without a producer id nothing gets a sequence. */
    append_batches(&a, t, 2, 0);
    drained d = {.leader = 1};
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    assert_false(accum_batch_sequenced(d.lists[0]));
    batch_header h = sealed_header(d.lists[0]);
    assert_int_equal(h.producer_id, -1);
    assert_int_equal(h.base_sequence, -1);
    accum_partition_done(&a, d.lists[0], STRAND_OK, 0, -1);
    release_done(&a);
    assert_true(accum_idem_settled(&a));

    accum_idem_set(&a, 4242, 3);
    append_batches(&a, t, 12, 1);
    /* Twelve batches ready: at most 5 per request with idempotence. */
    assert_int_equal(accum_drain(&a, 1, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    accum_batch *first = d.lists[1];
    int n = 0;
    int32_t seq = 0;
    for (accum_batch *b = first; b; b = b->next, n++) {
        assert_true(accum_batch_sequenced(b));
        h = sealed_header(b);
        assert_int_equal(h.producer_id, 4242);
        assert_int_equal(h.producer_epoch, 3);
        assert_int_equal(h.base_sequence, seq);
        seq = accum_seq_add(seq, b->count);
    }
    assert_int_equal(n, ACCUM_IDEM_MAX_BATCHES);
    assert_false(accum_idem_settled(&a)); /* in flight */

    /* Unknown outcome: back to the queue; the resend goes alone, with the
     * same bytes (same sequence, same CRC). */
    uint32_t crc0 = sealed_header(first).crc;
    accum_batch *second_of_first = first->next;
    accum_partition_retry(&a, first, 2, 0);
    assert_false(accum_idem_settled(&a)); /* sequenced batches queued */
    assert_int_equal(accum_drain(&a, 2, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    assert_ptr_equal(d.lists[2], first);
    assert_null(first->next);
    assert_int_equal(first->attempts, 2);
    h = sealed_header(first);
    assert_int_equal(h.base_sequence, 0);
    assert_int_equal(h.crc, crc0);
    accum_partition_done(&a, first, STRAND_OK, 10, -1);
    /* Then the next one of the first request, alone too. */
    assert_int_equal(accum_drain(&a, 2, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    assert_ptr_equal(d.lists[3], second_of_first);
    assert_null(second_of_first->next);
    assert_int_equal(second_of_first->b.base_sequence, 1);
    accum_partition_done(&a, second_of_first, STRAND_OK, 11, -1);
    /* The rest of the first request (3 batches), one at a time, then new
     * batches continue the sequence. */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(accum_drain(&a, 2, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
        assert_null(d.lists[4 + i]->next);
        assert_int_equal(d.lists[4 + i]->b.base_sequence, 2 + i);
        accum_partition_done(&a, d.lists[4 + i], STRAND_OK, 12 + i, -1);
    }
    assert_int_equal(accum_drain(&a, 2, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    assert_int_equal(d.lists[7]->b.base_sequence, 5);
    int m = 0;
    for (accum_batch *b = d.lists[7]; b; b = b->next, m++)
        assert_int_equal(b->b.base_sequence, 5 + m);
    assert_int_equal(m, 5);
    accum_partition_done(&a, d.lists[7], STRAND_OK, 15, -1);
    assert_false(a.seq_gap);
    assert_true(accum_idem_settled(&a)); /* two new batches queued, none numbered */
    release_done(&a);
    accum_free(&a);
}

static void test_idem_gap_and_reset(void **state) {
    (void)state;
    accum_config c = idem_cfg();
    accum a;
    accum_topic *t = idem_setup(&a, &c, 7, 0);
    append_batches(&a, t, 3, 0);
    drained d = {.leader = 1};
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    accum_batch *sent = d.lists[0];
    assert_int_equal(t->parts[0].next_seq, 3);
    /* Failure of unsequenced batches (never sent) leaves no gap. */
    append_batches(&a, t, 1, 0);
    accum_topic_fail(&a, t, STRAND_ERR_UNKNOWN_TOPIC);
    assert_false(a.seq_gap);
    /* A sequenced batch reported failed does. */
    accum_batch *rest = sent->next;
    sent->next = NULL;
    accum_partition_retry(&a, rest, 0, 0); /* the two others wait for a resend */
    t->parts[0].inflight = 1;
    accum_partition_done(&a, sent, STRAND_ERR_KAFKA(45), -1, -1);
    assert_true(a.seq_gap);
    /* Resends only: new batches wait, sequenced ones go (alone). */
    append_batches(&a, t, 2, 0);
    assert_false(accum_idem_settled(&a));
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 1, leader_fn, emit_fn, &d), 1);
    assert_ptr_equal(d.lists[1], rest);
    assert_null(rest->next);
    assert_int_equal(rest->b.base_sequence, 1);
    assert_false(accum_idem_settled(&a));
    accum_partition_done(&a, rest, STRAND_OK, 0, -1);
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 1, leader_fn, emit_fn, &d), 1);
    assert_int_equal(d.lists[2]->b.base_sequence, 2);
    accum_partition_done(&a, d.lists[2], STRAND_OK, 1, -1);
    /* Only unsequenced batches left: nothing for resends-only, settled. */
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 1, leader_fn, emit_fn, &d), 0);
    assert_int_equal(accum_next_wakeup(&a, 0, 1), 0 + c.delivery_timeout_ms);
    assert_int_equal(accum_next_wakeup(&a, 0, -1), 0 + c.delivery_timeout_ms);
    assert_int_equal(accum_next_wakeup(&a, 0, 0), 0);
    assert_true(accum_idem_settled(&a));
    /* A new producer id: sequences start at 0 again, gap cleared. */
    accum_idem_set(&a, 8, 0);
    assert_false(a.seq_gap);
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    int32_t seq = 0;
    for (accum_batch *b = d.lists[3]; b; b = b->next) {
        assert_int_equal(b->b.producer_id, 8);
        assert_int_equal(b->b.base_sequence, seq);
        seq = accum_seq_add(seq, b->count);
    }
    assert_int_equal(seq, 2);
    /* A failure of a batch of an older id does not ask for another one. */
    accum_partition_done(&a, d.lists[3], STRAND_OK, 2, -1);
    release_done(&a);
    accum_free(&a);
}

/* Sequences of a partition close to INT32_MAX wrap to 0 in the headers. */
static void test_idem_sequence_wraps(void **state) {
    (void)state;
    accum_config c = idem_cfg();
    accum a;
    accum_topic *t = idem_setup(&a, &c, 9, 1);
    t->parts[0].next_seq = INT32_MAX - 1;
    append_batches(&a, t, 3, 0);
    drained d = {.leader = 1};
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    const int32_t want[] = {INT32_MAX - 1, INT32_MAX, 0};
    int i = 0;
    for (accum_batch *b = d.lists[0]; b; b = b->next, i++)
        assert_int_equal(sealed_header(b).base_sequence, want[i]);
    assert_int_equal(i, 3);
    assert_int_equal(t->parts[0].next_seq, 1);
    accum_partition_done(&a, d.lists[0], STRAND_OK, 0, -1);
    release_done(&a);
    accum_free(&a);
}

/* Raw batches keep their own header (no producer id assigned). */
static void test_idem_raw_untouched(void **state) {
    (void)state;
    accum_config c = idem_cfg();
    accum a;
    accum_topic *t = idem_setup(&a, &c, 11, 0);
    batch_builder bb;
    batch_builder_init(&bb, BATCH_CODEC_NONE);
    batch_builder_add(&bb, 1, bytes_of("k"), bytes_of("v"), NULL, 0);
    wire_writer w;
    wire_writer_init(&w);
    assert_int_equal(batch_builder_finish(&bb, &w), BATCH_OK);
    assert_int_equal(accum_append_raw(&a, t, 0, w.p, w.len, NULL, NULL, 0), ACCUM_READY);
    drained d = {.leader = 1};
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    assert_false(accum_batch_sequenced(d.lists[0]));
    assert_memory_equal(d.lists[0]->out.p, w.p, w.len);
    assert_int_equal(t->parts[0].next_seq, 0);
    accum_partition_done(&a, d.lists[0], STRAND_ERR_TRANSPORT, -1, -1);
    assert_false(a.seq_gap);
    release_done(&a);
    wire_writer_free(&w);
    batch_builder_free(&bb);
    accum_free(&a);
}

/* Pipelining: idem_cfg() with up to `inflight` requests per partition, a
 * producer id, and one batch sent and acknowledged (a partition pipelines
 * only once the broker knows the producer id there). */
static accum_topic *pipe_setup(accum *a, accum_config *c, int inflight, drained *d) {
    *c = idem_cfg();
    c->max_inflight = inflight;
    accum_topic *t = idem_setup(a, c, 21, 0);
    append_batches(a, t, 1, 0);
    assert_int_equal(accum_drain(a, 0, 1 << 20, 0, leader_fn, emit_fn, d), 1);
    /* Not acknowledged yet: nothing more goes. */
    append_batches(a, t, 1, 0);
    assert_int_equal(accum_drain(a, 0, 1 << 20, 0, leader_fn, emit_fn, d), 0);
    accum_partition_done(a, d->lists[d->n - 1], STRAND_OK, 0, -1);
    assert_true(t->parts[0].acked);
    return t;
}

/* Drain one new batch (the open one, or one appended now) as its own
 * request; returns it. */
static accum_batch *pipe_send_one(accum *a, accum_topic *t, drained *d) {
    if (!t->parts[0].head && !t->parts[0].open)
        append_batches(a, t, 1, 0);
    assert_int_equal(accum_drain(a, 0, 1 << 20, 0, leader_fn, emit_fn, d), 1);
    accum_batch *b = d->lists[d->n - 1];
    assert_null(b->next);
    return b;
}

/* The opaque of the first record of each finished batch, in report order. */
static int done_order(accum *a, intptr_t *out, int max) {
    int n = 0;
    for (accum_batch *b = accum_done_take(a); b;) {
        accum_batch *next = b->next;
        if (n < max)
            out[n++] = (intptr_t)b->msgs[0].opaque + 100 * b->b.base_sequence;
        accum_batch_release(a, b);
        b = next;
    }
    return n;
}

/* Several requests in flight; the first fails (retriable), the later ones
 * come back OUT_OF_ORDER_SEQUENCE_NUMBER in any order: all are resent in
 * sequence order, one request at a time, byte-identical, and new batches
 * wait behind them. */
static void test_pipe_retry_in_order(void **state) {
    (void)state;
    accum_config c;
    accum a;
    drained d = {.leader = 1};
    accum_topic *t = pipe_setup(&a, &c, 5, &d);
    accum_partition *p = &t->parts[0];
    release_done(&a);
    accum_batch *A = pipe_send_one(&a, t, &d); /* the batch queued during setup */
    accum_batch *B = pipe_send_one(&a, t, &d);
    accum_batch *C = pipe_send_one(&a, t, &d);
    assert_int_equal(p->inflight, 3);
    assert_int_equal(p->nunacked, 3);
    assert_int_equal(A->b.base_sequence, 1);
    assert_int_equal(B->b.base_sequence, 2);
    assert_int_equal(C->b.base_sequence, 3);
    uint32_t crc[3] = {sealed_header(A).crc, sealed_header(B).crc, sealed_header(C).crc};
    assert_false(accum_idem_behind(&a, A));
    assert_true(accum_idem_behind(&a, B));
    assert_true(accum_idem_behind(&a, C));

    /* A fails retriably: nothing new goes, and A waits for B and C. */
    accum_partition_retry(&a, A, 0, 0);
    append_batches(&a, t, 1, 0); /* D */
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 0);
    assert_int_equal(accum_next_wakeup(&a, 0, 0), c.delivery_timeout_ms);
    /* C answers before B (another connection): behind A, retriable. */
    assert_true(accum_idem_behind(&a, C));
    accum_partition_retry(&a, C, 0, 0);
    assert_true(accum_idem_behind(&a, B));
    accum_partition_retry(&a, B, 0, 0);
    assert_int_equal(p->inflight, 0);
    assert_ptr_equal(p->head, A);
    assert_ptr_equal(A->next, B);
    assert_ptr_equal(B->next, C);
    assert_null(C->next);
    assert_ptr_equal(p->tail, C);
    assert_non_null(p->open); /* D, queued behind them at the next drain */

    /* Resent one at a time, same sequences, same bytes. */
    accum_batch *order[3] = {A, B, C};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(accum_next_wakeup(&a, 0, 0), 0);
        assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
        accum_batch *r = d.lists[d.n - 1];
        assert_ptr_equal(r, order[i]);
        assert_null(r->next);
        assert_int_equal(r->b.base_sequence, i + 1);
        assert_int_equal(sealed_header(r).crc, crc[i]);
        assert_false(accum_idem_behind(&a, r));
        /* Alone until answered. */
        assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 0);
        accum_partition_done(&a, r, STRAND_OK, 10 + i, -1);
    }
    /* Back in order: D gets the next sequence, and pipelining resumes. */
    accum_batch *D = pipe_send_one(&a, t, &d);
    assert_int_equal(D->b.base_sequence, 4);
    accum_batch *E = pipe_send_one(&a, t, &d);
    assert_int_equal(E->b.base_sequence, 5);
    assert_int_equal(p->inflight, 2);
    accum_partition_done(&a, D, STRAND_OK, 13, -1);
    accum_partition_done(&a, E, STRAND_OK, 14, -1);
    assert_false(a.seq_gap);
    /* Reports in sequence (send) order. */
    intptr_t got[8];
    assert_int_equal(done_order(&a, got, 8), 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(got[i] / 100, i + 1);
    assert_true(accum_idem_settled(&a));
    accum_free(&a);
}

/* A later request stored while an earlier one's outcome is unknown: its
 * report waits until the earlier one is settled (send() order). An
 * OUT_OF_ORDER_SEQUENCE_NUMBER for the first unfinished batch is not
 * "behind" anything: the reset case. */
static void test_pipe_reports_held(void **state) {
    (void)state;
    accum_config c;
    accum a;
    drained d = {.leader = 1};
    accum_topic *t = pipe_setup(&a, &c, 5, &d);
    release_done(&a);
    accum_batch *A = pipe_send_one(&a, t, &d);
    accum_batch *B = pipe_send_one(&a, t, &d);
    accum_partition_retry(&a, A, 0, 0);            /* unknown outcome */
    accum_partition_done(&a, B, STRAND_OK, 7, -1); /* stored */
    assert_null(accum_done_take(&a));              /* held behind A */
    assert_true(B->held);
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    assert_ptr_equal(d.lists[d.n - 1], A);
    accum_partition_done(&a, A, STRAND_OK, -1, -1); /* duplicate: done */
    intptr_t got[4];
    assert_int_equal(done_order(&a, got, 4), 2);
    assert_int_equal(got[0] / 100, 1);
    assert_int_equal(got[1] / 100, 2);

    /* First unfinished batch refused out of order: a real gap. */
    accum_batch *C = pipe_send_one(&a, t, &d);
    accum_batch *D = pipe_send_one(&a, t, &d);
    assert_false(accum_idem_behind(&a, C));
    accum_partition_done(&a, C, STRAND_ERR_KAFKA(45), -1, -1);
    assert_true(a.seq_gap);
    /* D is now first: its own OUT_OF_ORDER is not retriable either. */
    assert_false(accum_idem_behind(&a, D));
    accum_partition_done(&a, D, STRAND_ERR_KAFKA(45), -1, -1);
    assert_int_equal(done_order(&a, got, 4), 2);
    assert_true(accum_idem_settled(&a));
    accum_free(&a);
}

/* At most 5 unfinished batches of a partition, whatever the requests. */
static void test_pipe_batch_window(void **state) {
    (void)state;
    accum_config c;
    accum a;
    drained d = {.leader = 1};
    accum_topic *t = pipe_setup(&a, &c, 5, &d);
    accum_partition *p = &t->parts[0];
    release_done(&a);
    append_batches(&a, t, 2, 0); /* 3 queued with the one from setup */
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    accum_batch *first = d.lists[d.n - 1];
    assert_int_equal(list_records(first), 3);
    append_batches(&a, t, 4, 0);
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    accum_batch *second = d.lists[d.n - 1];
    assert_int_equal(list_records(second), 2); /* window: 5 in all */
    assert_int_equal(p->nunacked, ACCUM_IDEM_MAX_BATCHES);
    /* Two requests in flight, room for more, but no batch room. */
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 0);
    assert_int_equal(accum_next_wakeup(&a, 0, 0), c.delivery_timeout_ms);
    accum_partition_done(&a, first, STRAND_OK, 1, -1);
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    assert_int_equal(list_records(d.lists[d.n - 1]), 2);
    assert_int_equal(d.lists[d.n - 1]->b.base_sequence, 6);
    accum_partition_done(&a, second, STRAND_OK, 4, -1);
    accum_partition_done(&a, d.lists[d.n - 1], STRAND_OK, 6, -1);
    assert_int_equal(release_done(&a), 7);

    /* max_inflight bounds the requests: 2 here. */
    accum_free(&a);
    d.n = 0;
    t = pipe_setup(&a, &c, 2, &d);
    release_done(&a);
    accum_batch *x = pipe_send_one(&a, t, &d);
    accum_batch *y = pipe_send_one(&a, t, &d);
    append_batches(&a, t, 1, 0);
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 0);
    accum_partition_done(&a, x, STRAND_OK, 1, -1);
    accum_batch *z = pipe_send_one(&a, t, &d);
    accum_partition_done(&a, y, STRAND_OK, 2, -1);
    accum_partition_done(&a, z, STRAND_OK, 3, -1);
    assert_int_equal(release_done(&a), 3);
    accum_free(&a);
}

/* Without a producer id (no idempotence) and behind raw batches, one
 * request per partition, whatever max_inflight says. */
static void test_pipe_off_without_idempotence(void **state) {
    (void)state;
    accum_config c = idem_cfg();
    c.max_inflight = 5;
    accum a;
    accum_topic *t = idem_setup(&a, &c, -1, -1);
    drained d = {.leader = 1};
    append_batches(&a, t, 1, 0);
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    accum_partition_done(&a, d.lists[0], STRAND_OK, 0, -1);
    append_batches(&a, t, 1, 0);
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    append_batches(&a, t, 1, 0);
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 0);
    assert_int_equal(t->parts[0].inflight, 1);
    accum_partition_done(&a, d.lists[1], STRAND_OK, 1, -1);
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    accum_partition_done(&a, d.lists[2], STRAND_OK, 2, -1);
    assert_int_equal(release_done(&a), 3);
    accum_free(&a);

    /* Idempotence on, a raw batch in flight: it travels alone. */
    d.n = 0;
    t = pipe_setup(&a, &c, 5, &d);
    release_done(&a);
    accum_batch *q = pipe_send_one(&a, t, &d); /* the batch queued during setup */
    batch_builder bb;
    batch_builder_init(&bb, BATCH_CODEC_NONE);
    batch_builder_add(&bb, 1, bytes_of("k"), bytes_of("v"), NULL, 0);
    wire_writer w;
    wire_writer_init(&w);
    assert_int_equal(batch_builder_finish(&bb, &w), BATCH_OK);
    assert_int_equal(accum_append_raw(&a, t, 0, w.p, w.len, NULL, NULL, 0), ACCUM_READY);
    /* Not behind a request in flight either. */
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 0);
    accum_partition_done(&a, q, STRAND_OK, 1, -1);
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    accum_batch *raw = d.lists[d.n - 1];
    assert_true(raw->raw);
    append_batches(&a, t, 1, 0);
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 0);
    accum_partition_done(&a, raw, STRAND_OK, 2, -1);
    assert_int_equal(accum_drain(&a, 0, 1 << 20, 0, leader_fn, emit_fn, &d), 1);
    accum_partition_done(&a, d.lists[d.n - 1], STRAND_OK, 3, -1);
    release_done(&a);
    wire_writer_free(&w);
    batch_builder_free(&bb);
    accum_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linger_trigger),
        cmocka_unit_test(test_size_trigger),
        cmocka_unit_test(test_queue_bounds),
        cmocka_unit_test(test_retry_keeps_order),
        cmocka_unit_test(test_delivery_timeout),
        cmocka_unit_test(test_pending_until_metadata),
        cmocka_unit_test(test_raw_batches),
        cmocka_unit_test(test_sticky_moves_when_batch_closes),
        cmocka_unit_test(test_seq_add_wraps),
        cmocka_unit_test(test_idem_sequences_assigned_once),
        cmocka_unit_test(test_idem_gap_and_reset),
        cmocka_unit_test(test_idem_sequence_wraps),
        cmocka_unit_test(test_idem_raw_untouched),
        cmocka_unit_test(test_pipe_retry_in_order),
        cmocka_unit_test(test_pipe_reports_held),
        cmocka_unit_test(test_pipe_batch_window),
        cmocka_unit_test(test_pipe_off_without_idempotence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
