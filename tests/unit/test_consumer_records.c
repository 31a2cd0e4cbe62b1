/*
 * test_consumer_records.c - the consumer's Fetch records parser against
 * batches built with wire/batch.h: every codec, records below the fetch
 * offset skipped, a trailing partial batch ignored, control batches and
 * compaction gaps stepped over, corrupt batches reported with the items
 * before them kept, raw mode, and the zero-copy/ownership of message blocks
 * (values outlive the frame reference of the caller; ASan checks the frees).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "consumer/records.h"
#include "wire/batch.h"

#define TS0 1700000000000ll

/* Append a batch of `n` records (offsets base..base+n-1) to out. Record i
 * has key "k<i>" (null when i % 3 == 2), value "value-<offset>" and, for
 * odd i, a header "h" -> "<i>". */
static void add_batch(wire_writer *out, int codec, int64_t base, int n, int16_t extra_attr) {
    batch_builder b;
    assert_int_equal(batch_builder_init(&b, codec), BATCH_OK);
    b.base_offset = base;
    b.attributes |= extra_attr;
    for (int i = 0; i < n; i++) {
        char key[16], val[32], hv[16];
        snprintf(key, sizeof key, "k%d", i);
        snprintf(val, sizeof val, "value-%lld", (long long)(base + i));
        snprintf(hv, sizeof hv, "%d", i);
        wire_bytes k = {(const uint8_t *)key, (int32_t)strlen(key)};
        if (i % 3 == 2)
            k = WIRE_BYTES_NULL;
        wire_bytes v = {(const uint8_t *)val, (int32_t)strlen(val)};
        batch_record_header h = {{(const uint8_t *)"h", 1},
                                 {(const uint8_t *)hv, (int32_t)strlen(hv)}};
        assert_int_equal(batch_builder_add(&b, TS0 + base + i, k, v, &h, i % 2), BATCH_OK);
    }
    assert_int_equal(batch_builder_finish(&b, out), BATCH_OK);
    batch_builder_free(&b);
}

static consumer_parse_opts opts_at(int64_t fetch_offset) {
    consumer_parse_opts o = {0};
    o.topic = "t";
    o.partition = 3;
    o.fetch_offset = fetch_offset;
    o.high_watermark = 1000;
    o.version = 7;
    o.check_crcs = 1;
    return o;
}

/* Items must be exactly offsets [from, to) of add_batch records, in order. */
static void check_messages(const consumer_parse_result *res, int64_t from, int64_t to,
                           const int64_t *batch_bases, size_t nbases) {
    assert_int_equal(res->count, (size_t)(to - from));
    int64_t want = from;
    size_t bytes = 0;
    for (consumer_item *m = res->head; m; m = m->next, want++) {
        assert_int_equal(m->kind, CONSUMER_ITEM_MESSAGE);
        assert_int_equal(m->offset, want);
        const strand_message *pm = &m->pub.msg;
        assert_string_equal(pm->topic, "t");
        assert_int_equal(pm->partition, 3);
        assert_int_equal(pm->offset, want);
        assert_int_equal(pm->err, STRAND_OK);
        assert_int_equal(m->version, 7);
        int64_t base = 0;
        for (size_t i = 0; i < nbases; i++)
            if (batch_bases[i] <= want)
                base = batch_bases[i];
        int i = (int)(want - base);
        char buf[32];
        snprintf(buf, sizeof buf, "value-%lld", (long long)want);
        assert_int_equal(pm->value_len, strlen(buf));
        assert_memory_equal(pm->value, buf, strlen(buf));
        if (i % 3 == 2) {
            assert_null(pm->key);
            assert_int_equal(pm->key_len, 0);
        } else {
            snprintf(buf, sizeof buf, "k%d", i);
            assert_int_equal(pm->key_len, strlen(buf));
            assert_memory_equal(pm->key, buf, strlen(buf));
        }
        assert_int_equal(m->header_count, i % 2);
        assert_int_equal(consumer_item_publish(m, 0), STRAND_OK);
        assert_int_equal(pm->header_count, (size_t)(i % 2));
        if (i % 2) {
            snprintf(buf, sizeof buf, "%d", i);
            assert_string_equal(pm->headers[0].key, "h");
            assert_int_equal(pm->headers[0].value_len, strlen(buf));
            assert_memory_equal(pm->headers[0].value, buf, strlen(buf));
        } else {
            assert_null(pm->headers);
        }
        assert_int_equal(pm->timestamp, TS0 + want);
        assert_int_equal(pm->timestamp_type, STRAND_TIMESTAMP_CREATE_TIME);
        assert_int_equal(m->chunk_end, m->next == NULL);
        bytes += m->charge;
    }
    assert_int_equal(bytes, res->bytes);
}

static void test_every_codec(void **state) {
    (void)state;
    int codecs[] = {BATCH_CODEC_NONE, BATCH_CODEC_GZIP, BATCH_CODEC_SNAPPY, BATCH_CODEC_LZ4,
                    BATCH_CODEC_ZSTD};
    for (size_t c = 0; c < sizeof codecs / sizeof codecs[0]; c++) {
        wire_writer w;
        wire_writer_init(&w);
        add_batch(&w, codecs[c], 10, 5, 0);
        add_batch(&w, codecs[c], 15, 7, 0);
        consumer_frame *f = consumer_frame_copy(w.p, w.len);
        wire_writer_free(&w);
        consumer_parse_opts o = opts_at(10);
        consumer_parse_result res;
        assert_int_equal(consumer_records_parse(&o, f, f->data, f->len, &res), 0);
        assert_int_equal(res.status, 0);
        assert_int_equal(res.partial_only, 0);
        assert_int_equal(res.next_offset, 22);
        int64_t bases[] = {10, 15};
        check_messages(&res, 10, 22, bases, 2);
        /* The caller's frame reference goes; the messages keep the data. */
        consumer_frame_unref(f);
        check_messages(&res, 10, 22, bases, 2);
        consumer_parse_result_free(&res);
        assert_null(res.head);
    }
}

static void test_skip_below_fetch_offset(void **state) {
    (void)state;
    int codecs[] = {BATCH_CODEC_NONE, BATCH_CODEC_LZ4};
    for (size_t c = 0; c < 2; c++) {
        wire_writer w;
        wire_writer_init(&w);
        add_batch(&w, codecs[c], 0, 4, 0);  /* wholly before */
        add_batch(&w, codecs[c], 4, 6, 0);  /* 4..9, want from 7 */
        add_batch(&w, codecs[c], 10, 2, 0); /* 10..11 */
        consumer_frame *f = consumer_frame_copy(w.p, w.len);
        wire_writer_free(&w);
        consumer_parse_opts o = opts_at(7);
        consumer_parse_result res;
        assert_int_equal(consumer_records_parse(&o, f, f->data, f->len, &res), 0);
        int64_t bases[] = {0, 4, 10};
        check_messages(&res, 7, 12, bases, 3);
        assert_int_equal(res.next_offset, 12);
        consumer_parse_result_free(&res);
        consumer_frame_unref(f);
    }
}

static void test_partial_trailing_batch(void **state) {
    (void)state;
    wire_writer w;
    wire_writer_init(&w);
    add_batch(&w, BATCH_CODEC_NONE, 0, 3, 0);
    size_t first = w.len;
    add_batch(&w, BATCH_CODEC_ZSTD, 3, 3, 0);
    /* Cut the second batch at every length: only the first is delivered. */
    for (size_t cut = first; cut < w.len; cut++) {
        consumer_parse_opts o = opts_at(0);
        consumer_parse_result res;
        consumer_frame *f = consumer_frame_copy(w.p, cut);
        assert_int_equal(consumer_records_parse(&o, f, f->data, f->len, &res), 0);
        assert_int_equal(res.status, 0);
        int64_t bases[] = {0};
        check_messages(&res, 0, 3, bases, 1);
        assert_int_equal(res.next_offset, 3);
        assert_int_equal(res.partial_only, 0);
        consumer_parse_result_free(&res);
        consumer_frame_unref(f);
    }
    /* Only a partial batch where the fetch starts: the caller must fetch more. */
    consumer_parse_opts o = opts_at(3);
    consumer_parse_result res;
    assert_int_equal(consumer_records_parse(&o, NULL, w.p + first, w.len - first - 1, &res), 0);
    assert_int_equal(res.count, 0);
    assert_int_equal(res.partial_only, 1);
    assert_int_equal(res.next_offset, 3);
    /* Nothing at all is not "partial". */
    assert_int_equal(consumer_records_parse(&o, NULL, NULL, 0, &res), 0);
    assert_int_equal(res.partial_only, 0);
    assert_int_equal(res.next_offset, 3);
    wire_writer_free(&w);
}

static void test_control_batch_skipped(void **state) {
    (void)state;
    wire_writer w;
    wire_writer_init(&w);
    add_batch(&w, BATCH_CODEC_NONE, 0, 2, 0);
    add_batch(&w, BATCH_CODEC_NONE, 2, 1, BATCH_ATTR_CONTROL | BATCH_ATTR_TRANSACTIONAL);
    add_batch(&w, BATCH_CODEC_NONE, 3, 2, 0);
    consumer_frame *f = consumer_frame_copy(w.p, w.len);
    wire_writer_free(&w);
    consumer_parse_opts o = opts_at(0);
    consumer_parse_result res;
    assert_int_equal(consumer_records_parse(&o, f, f->data, f->len, &res), 0);
    assert_int_equal(res.count, 4);
    int64_t want[] = {0, 1, 3, 4};
    size_t i = 0;
    for (consumer_item *m = res.head; m; m = m->next)
        assert_int_equal(m->offset, want[i++]);
    assert_int_equal(res.next_offset, 5);
    consumer_parse_result_free(&res);
    /* A fetch that ends with the control batch still moves past it. */
    o = opts_at(2);
    assert_int_equal(consumer_records_parse(&o, f, f->data, f->len, &res), 0);
    assert_int_equal(res.head->offset, 3);
    assert_int_equal(res.next_offset, 5);
    consumer_parse_result_free(&res);
    consumer_frame_unref(f);
}

/* A compacted batch: records at deltas 0, 3 and 4 of lastOffsetDelta 7
 * (offsets 5..7 removed at the end too). Laid out by hand, CRC recomputed. */
static size_t compacted_batch(uint8_t *out, int64_t base) {
    wire_writer r;
    wire_writer_init(&r);
    int deltas[] = {0, 3, 4};
    for (int i = 0; i < 3; i++) {
        char val[8];
        snprintf(val, sizeof val, "c%d", deltas[i]);
        wire_writer rec;
        wire_writer_init(&rec);
        wire_write_i8(&rec, 0);
        wire_write_varlong(&rec, deltas[i]);
        wire_write_varint(&rec, deltas[i]);
        wire_write_varint(&rec, -1); /* null key */
        wire_write_varint(&rec, (int32_t)strlen(val));
        wire_write_raw(&rec, val, strlen(val));
        wire_write_varint(&rec, 0);
        wire_write_varint(&r, (int32_t)rec.len);
        wire_write_raw(&r, rec.p, rec.len);
        wire_writer_free(&rec);
    }
    memset(out, 0, 61);
    wire_put_be64(out, (uint64_t)base);
    wire_put_be32(out + 8, (uint32_t)(49 + r.len));
    wire_put_be32(out + 12, 0);
    out[16] = 2;
    wire_put_be16(out + 21, 0);
    wire_put_be32(out + 23, 7);
    wire_put_be64(out + 27, (uint64_t)TS0);
    wire_put_be64(out + 35, (uint64_t)TS0 + 4);
    wire_put_be64(out + 43, (uint64_t)-1);
    wire_put_be16(out + 51, (uint16_t)-1);
    wire_put_be32(out + 53, (uint32_t)-1);
    wire_put_be32(out + 57, 3);
    memcpy(out + 61, r.p, r.len);
    size_t size = 61 + r.len;
    wire_writer_free(&r);
    wire_put_be32(out + 17, batch_compute_crc(out, size));
    return size;
}

static void test_compacted_gaps(void **state) {
    (void)state;
    uint8_t buf[512];
    size_t n = compacted_batch(buf, 100);
    wire_writer w;
    wire_writer_init(&w);
    wire_write_raw(&w, buf, n);
    add_batch(&w, BATCH_CODEC_NONE, 108, 2, 0);
    consumer_frame *f = consumer_frame_copy(w.p, w.len);
    wire_writer_free(&w);

    consumer_parse_opts o = opts_at(101); /* inside the gap */
    consumer_parse_result res;
    assert_int_equal(consumer_records_parse(&o, f, f->data, f->len, &res), 0);
    assert_int_equal(res.status, 0);
    int64_t want[] = {103, 104, 108, 109};
    assert_int_equal(res.count, 4);
    size_t i = 0;
    for (consumer_item *m = res.head; m; m = m->next, i++) {
        assert_int_equal(m->offset, want[i]);
        if (i < 2) {
            char val[8];
            snprintf(val, sizeof val, "c%d", (int)(want[i] - 100));
            assert_int_equal(m->pub.msg.value_len, 2);
            assert_memory_equal(m->pub.msg.value, val, 2);
            assert_null(m->pub.msg.key);
        }
    }
    assert_int_equal(res.next_offset, 110);
    consumer_parse_result_free(&res);

    /* Fetching at 105 (in the trailing gap) skips to the next batch. */
    o = opts_at(105);
    assert_int_equal(consumer_records_parse(&o, f, f->data, 61 + (n - 61), &res), 0);
    assert_int_equal(res.count, 0);
    assert_int_equal(res.next_offset, 108);
    assert_int_equal(res.partial_only, 0);
    consumer_frame_unref(f);
}

static void test_corrupt_batch_stops(void **state) {
    (void)state;
    wire_writer w;
    wire_writer_init(&w);
    add_batch(&w, BATCH_CODEC_NONE, 0, 2, 0);
    size_t first = w.len;
    add_batch(&w, BATCH_CODEC_LZ4, 2, 2, 0);
    add_batch(&w, BATCH_CODEC_NONE, 4, 2, 0);
    w.p[first + 70] ^= 0x55; /* inside the second batch's payload */
    consumer_frame *f = consumer_frame_copy(w.p, w.len);
    consumer_parse_opts o = opts_at(0);
    consumer_parse_result res;
    assert_int_equal(consumer_records_parse(&o, f, f->data, f->len, &res), 0);
    assert_int_equal(res.status, BATCH_ERR_CRC);
    assert_int_equal(res.err_offset, 2);
    assert_int_equal(res.count, 2);
    assert_int_equal(res.next_offset, 2);
    consumer_parse_result_free(&res);

    /* Without CRC checks the lz4 stream itself is found broken (or its
     * records are); either way nothing of it is delivered. */
    o.check_crcs = 0;
    assert_int_equal(consumer_records_parse(&o, f, f->data, f->len, &res), 0);
    assert_true(res.status < 0);
    assert_int_equal(res.err_offset, 2);
    assert_int_equal(res.count, 2);
    consumer_parse_result_free(&res);
    consumer_frame_unref(f);

    /* A legacy (magic 1) message where the fetch starts. */
    w.p[16] = 1;
    o = opts_at(0);
    assert_int_equal(consumer_records_parse(&o, NULL, w.p, first, &res), 0);
    assert_int_equal(res.status, BATCH_ERR_MAGIC);
    assert_int_equal(res.count, 0);
    assert_int_equal(res.err_offset, 0);
    wire_writer_free(&w);
}

static void test_raw_mode(void **state) {
    (void)state;
    wire_writer w;
    wire_writer_init(&w);
    add_batch(&w, BATCH_CODEC_NONE, 0, 3, 0);
    size_t first = w.len;
    add_batch(&w, BATCH_CODEC_ZSTD, 3, 4, 0);
    add_batch(&w, BATCH_CODEC_NONE, 7, 1, 0);
    size_t full = w.len;
    add_batch(&w, BATCH_CODEC_NONE, 8, 2, 0);
    consumer_frame *f = consumer_frame_copy(w.p, w.len - 5); /* last one partial */
    consumer_parse_opts o = opts_at(4);
    o.raw = 1;
    consumer_parse_result res;
    assert_int_equal(consumer_records_parse(&o, f, f->data, f->len, &res), 0);
    consumer_frame_unref(f);
    assert_int_equal(res.count, 1);
    consumer_item *m = res.head;
    assert_int_equal(m->kind, CONSUMER_ITEM_BATCH);
    const strand_batches *pb = &m->pub.batches;
    assert_int_equal(pb->base_offset, 3);
    assert_int_equal(pb->last_offset, 7);
    assert_int_equal(pb->high_watermark, 1000);
    assert_string_equal(pb->topic, "t");
    assert_int_equal(pb->partition, 3);
    assert_int_equal(m->header_count, 2);
    assert_int_equal(pb->len, full - first);
    assert_memory_equal(pb->bytes, w.p + first, full - first);
    assert_int_equal(res.next_offset, 8);
    assert_int_equal(m->chunk_end, 1);
    consumer_parse_result_free(&res);
    wire_writer_free(&w);
}

static void test_headers_and_timestamp_type(void **state) {
    (void)state;
    wire_writer w;
    wire_writer_init(&w);
    batch_builder b;
    assert_int_equal(batch_builder_init(&b, BATCH_CODEC_SNAPPY), BATCH_OK);
    batch_record_header hs[3] = {
        {{(const uint8_t *)"a", 1}, WIRE_BYTES_NULL},
        {{(const uint8_t *)"bb", 2}, {(const uint8_t *)"xy", 2}},
        {{(const uint8_t *)"", 0}, {(const uint8_t *)"", 0}},
    };
    wire_bytes empty = {(const uint8_t *)"", 0};
    assert_int_equal(batch_builder_add(&b, 5, empty, WIRE_BYTES_NULL, hs, 3), BATCH_OK);
    assert_int_equal(batch_builder_finish(&b, &w), BATCH_OK);
    batch_builder_free(&b);
    batch_set_log_append_time(w.p, w.len, 777);
    consumer_frame *f = consumer_frame_copy(w.p, w.len);
    wire_writer_free(&w);
    consumer_parse_opts o = opts_at(0);
    consumer_parse_result res;
    assert_int_equal(consumer_records_parse(&o, f, f->data, f->len, &res), 0);
    consumer_frame_unref(f);
    assert_int_equal(res.count, 1);
    consumer_item *m = res.head;
    assert_int_equal(consumer_item_publish(m, 0), STRAND_OK);
    const strand_message *pm = &m->pub.msg;
    /* An empty key is not a null key; a null value is NULL. */
    assert_non_null(pm->key);
    assert_int_equal(pm->key_len, 0);
    assert_null(pm->value);
    assert_int_equal(pm->timestamp, 777);
    assert_int_equal(pm->timestamp_type, STRAND_TIMESTAMP_LOG_APPEND_TIME);
    assert_int_equal(pm->header_count, 3);
    assert_string_equal(pm->headers[0].key, "a");
    assert_null(pm->headers[0].value);
    assert_int_equal(pm->headers[0].value_len, 0);
    assert_string_equal(pm->headers[1].key, "bb");
    assert_int_equal(pm->headers[1].value_len, 2);
    assert_memory_equal(pm->headers[1].value, "xy", 2);
    assert_string_equal(pm->headers[2].key, "");
    assert_non_null(pm->headers[2].value);
    assert_int_equal(pm->headers[2].value_len, 0);
    consumer_parse_result_free(&res);

    /* Error items publish as either public type. */
    consumer_item *e = consumer_error_new("topic-x", 4, 99, STRAND_ERR_PARTITION_EOF);
    assert_int_equal(consumer_item_publish(e, 1), STRAND_OK);
    assert_int_equal(e->pub.batches.err, STRAND_ERR_PARTITION_EOF);
    assert_string_equal(e->pub.batches.topic, "topic-x");
    assert_int_equal(e->pub.batches.partition, 4);
    assert_int_equal(e->pub.batches.base_offset, 99);
    assert_null(e->pub.batches.bytes);
    assert_int_equal(e->pub.batches.len, 0);
    consumer_item_free(e);
}

/* Blocks come back from the pool instead of fresh memory, and items
 * outlive the pool's owner. */
static void test_block_pool(void **state) {
    (void)state;
    wire_writer w;
    wire_writer_init(&w);
    add_batch(&w, BATCH_CODEC_NONE, 0, 50, 0);
    add_batch(&w, BATCH_CODEC_LZ4, 50, 50, 0);
    consumer_frame *f = consumer_frame_copy(w.p, w.len);
    wire_writer_free(&w);
    consumer_pool *pool = consumer_pool_new(1 << 20);
    assert_non_null(pool);
    consumer_parse_opts o = opts_at(0);
    o.pool = pool;
    consumer_parse_result res;
    assert_int_equal(consumer_records_parse(&o, f, f->data, f->len, &res), 0);
    int64_t bases[] = {0, 50};
    check_messages(&res, 0, 100, bases, 2);
    consumer_block *b1 = res.head->block, *b2 = res.tail->block;
    assert_ptr_not_equal(b1, b2);
    consumer_parse_result_free(&res);
    /* Same sizes again: the cached blocks are reused. */
    assert_int_equal(consumer_records_parse(&o, f, f->data, f->len, &res), 0);
    check_messages(&res, 0, 100, bases, 2);
    assert_true((res.head->block == b1 || res.head->block == b2));
    assert_true((res.tail->block == b1 || res.tail->block == b2));
    /* The owner lets go first; the items stay readable, then free. */
    consumer_pool_release(pool);
    consumer_frame_unref(f);
    check_messages(&res, 0, 100, bases, 2);
    consumer_parse_result_free(&res);

    /* A pool with no room caches nothing but still works. */
    pool = consumer_pool_new(0);
    f = NULL;
    wire_writer_init(&w);
    add_batch(&w, BATCH_CODEC_ZSTD, 0, 3, 0);
    f = consumer_frame_copy(w.p, w.len);
    wire_writer_free(&w);
    o.pool = pool;
    assert_int_equal(consumer_records_parse(&o, f, f->data, f->len, &res), 0);
    assert_int_equal(res.count, 3);
    consumer_parse_result_free(&res);
    consumer_pool_release(pool);
    consumer_frame_unref(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_codec),
        cmocka_unit_test(test_skip_below_fetch_offset),
        cmocka_unit_test(test_partial_trailing_batch),
        cmocka_unit_test(test_control_batch_skipped),
        cmocka_unit_test(test_compacted_gaps),
        cmocka_unit_test(test_corrupt_batch_stops),
        cmocka_unit_test(test_raw_mode),
        cmocka_unit_test(test_headers_and_timestamp_type),
        cmocka_unit_test(test_block_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
