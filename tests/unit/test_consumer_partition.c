/*
 * test_consumer_partition.c - per-partition fetch state and the prefetch
 * budget: charging on fetch and discharging on poll, fetchability bounded by
 * the budget, seeks dropping queued items and making in-flight answers
 * stale, start-offset lookups, pause/resume, round-robin delivery between
 * partitions at chunk boundaries, fetch-size growth for oversized batches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "consumer/partition.h"
#include "wire/batch.h"

/* Parse a batch of n records (offsets base..) of `vlen`-byte values. */
static consumer_parse_result fetched(consumer_part *p, int64_t base, int n, size_t vlen) {
    wire_writer w;
    wire_writer_init(&w);
    batch_builder b;
    batch_builder_init(&b, BATCH_CODEC_NONE);
    b.base_offset = base;
    char *val = malloc(vlen);
    memset(val, 'x', vlen);
    for (int i = 0; i < n; i++) {
        wire_bytes v = {(const uint8_t *)val, (int32_t)vlen};
        assert_int_equal(batch_builder_add(&b, 1, WIRE_BYTES_NULL, v, NULL, 0), BATCH_OK);
    }
    assert_int_equal(batch_builder_finish(&b, &w), BATCH_OK);
    batch_builder_free(&b);
    free(val);
    consumer_frame *f = consumer_frame_copy(w.p, w.len);
    wire_writer_free(&w);
    consumer_parse_opts o = {0};
    o.topic = p->topic;
    o.partition = p->partition;
    o.fetch_offset = p->fetch_offset;
    o.version = p->version;
    consumer_parse_result res;
    assert_int_equal(consumer_records_parse(&o, f, f->data, f->len, &res), 0);
    consumer_frame_unref(f);
    return res;
}

static consumer_start at(int64_t v) {
    consumer_start s = {v, 0};
    return s;
}

static void test_budget_accounting(void **state) {
    (void)state;
    consumer_pset s;
    consumer_pset_init(&s, 4096, 1 << 20);
    consumer_assign_entry e[] = {{"a", 0, {0, 0}}, {"a", 1, {50, 0}}};
    consumer_parse_result dropped = {0};
    assert_int_equal(consumer_pset_assign(&s, e, 2, &dropped), 0);
    consumer_part *p0 = consumer_pset_find(&s, "a", 0);
    consumer_part *p1 = consumer_pset_find(&s, "a", 1);
    assert_non_null(p0);
    assert_non_null(p1);
    assert_null(consumer_pset_find(&s, "a", 2));
    assert_int_equal(p1->position, 50);
    assert_true(consumer_part_fetchable(&s, p0, 0));

    p0->fetch_inflight = 1;
    assert_false(consumer_part_fetchable(&s, p0, 0));
    consumer_parse_result r = fetched(p0, 0, 10, 1000);
    size_t charged = r.bytes;
    assert_true(charged >= 10 * 1000);
    assert_int_equal(consumer_part_fetched(&s, p0, p0->version, &r, 1 << 20, &dropped), 1);
    assert_int_equal(s.buffered, charged);
    assert_int_equal(p0->fetch_offset, 10);
    assert_int_equal(p0->position, 0);
    /* Over budget: nothing is fetchable until the application drains. */
    assert_false(consumer_pset_has_room(&s));
    assert_false(consumer_part_fetchable(&s, p0, 0));
    assert_false(consumer_part_fetchable(&s, p1, 0));
    size_t left = charged;
    for (int i = 0; i < 10; i++) {
        consumer_item *m = consumer_pset_pop(&s);
        assert_non_null(m);
        assert_int_equal(m->offset, i);
        left -= m->charge;
        assert_int_equal(s.buffered, left);
        assert_int_equal(p0->position, i + 1);
        consumer_item_free(m);
    }
    assert_null(consumer_pset_pop(&s));
    assert_int_equal(s.buffered, 0);
    assert_true(consumer_part_fetchable(&s, p0, 0));
    assert_true(consumer_part_fetchable(&s, p1, 0));
    assert_false(consumer_part_fetchable(&s, p1, -1) && p1->retry_at_ms > 0);
    p1->retry_at_ms = 100;
    assert_false(consumer_part_fetchable(&s, p1, 99));
    assert_true(consumer_part_fetchable(&s, p1, 100));
    consumer_pset_destroy(&s, &dropped);
    assert_null(dropped.head);
}

static void test_seek_drops_and_stale(void **state) {
    (void)state;
    consumer_pset s;
    consumer_pset_init(&s, 1 << 20, 1 << 20);
    consumer_assign_entry e[] = {{"t", 0, {5, 0}}};
    consumer_parse_result dropped = {0};
    assert_int_equal(consumer_pset_assign(&s, e, 1, &dropped), 0);
    consumer_part *p = s.parts[0];
    p->fetch_offset = 0; /* the batch below starts at 0; want from 5 */
    consumer_parse_result r = fetched(p, 0, 8, 10);
    assert_int_equal(r.count, 8);
    p->fetch_offset = 5;
    consumer_parse_result_free(&r);
    r = fetched(p, 0, 8, 10);
    assert_int_equal(r.count, 3);
    uint32_t v_before = p->version;
    p->fetch_inflight = 1;
    assert_int_equal(consumer_part_fetched(&s, p, v_before, &r, 1 << 20, &dropped), 1);
    assert_int_equal(p->qcount, 3);

    /* A second fetch goes out, then the app seeks to the beginning. */
    p->fetch_inflight = 1;
    consumer_parse_result r2 = fetched(p, 8, 2, 10);
    consumer_start beg = {CONSUMER_OFFSET_BEGINNING, 0};
    consumer_part_seek(&s, p, beg, &dropped);
    assert_int_equal(dropped.count, 3);
    assert_int_equal(s.buffered, 0);
    assert_int_equal(p->qcount, 0);
    assert_int_equal(p->state, CONSUMER_PART_OFFSET_PENDING);
    assert_int_equal(p->fetch_inflight, 0);
    assert_true(p->version != v_before);
    assert_false(consumer_part_fetchable(&s, p, 0));
    /* The answer to the fetch sent before the seek is stale. */
    assert_int_equal(consumer_part_fetched(&s, p, v_before, &r2, 1 << 20, &dropped), 0);
    assert_int_equal(dropped.count, 5);
    assert_null(r2.head);
    assert_null(consumer_pset_pop(&s));
    consumer_parse_result_free(&dropped);

    /* Lookup: only the answer for the current version counts. */
    p->state = CONSUMER_PART_OFFSET_WAIT;
    consumer_part_offset_resolved(&s, p, p->version - 1, 99);
    assert_int_equal(p->state, CONSUMER_PART_OFFSET_WAIT);
    consumer_part_offset_resolved(&s, p, p->version, 2);
    assert_int_equal(p->state, CONSUMER_PART_ACTIVE);
    assert_int_equal(p->fetch_offset, 2);
    assert_int_equal(p->position, 2);
    assert_true(consumer_part_fetchable(&s, p, 0));

    /* Error items are delivered in order, stop the partition, a seek
     * resumes it. */
    consumer_item *err = consumer_error_new("t", 0, 2, STRAND_ERR_BAD_MSG);
    consumer_part_push_error(&s, p, err, 1);
    assert_int_equal(p->state, CONSUMER_PART_STOPPED);
    assert_false(consumer_part_fetchable(&s, p, 0));
    consumer_item *m = consumer_pset_pop(&s);
    assert_ptr_equal(m, err);
    assert_int_equal(consumer_item_publish(m, 0), STRAND_OK);
    assert_int_equal(m->pub.msg.err, STRAND_ERR_BAD_MSG);
    assert_int_equal(m->pub.msg.offset, 2);
    assert_string_equal(m->pub.msg.topic, "t");
    assert_int_equal(p->position, 2);
    consumer_item_free(m);
    consumer_part_seek(&s, p, at(7), &dropped);
    assert_int_equal(p->state, CONSUMER_PART_ACTIVE);
    assert_int_equal(p->position, 7);
    consumer_pset_destroy(&s, &dropped);
    consumer_parse_result_free(&dropped);
}

static void test_round_robin_and_pause(void **state) {
    (void)state;
    consumer_pset s;
    consumer_pset_init(&s, 1 << 20, 1 << 20);
    consumer_assign_entry e[] = {{"t", 0, {0, 0}}, {"t", 1, {0, 0}}};
    consumer_parse_result dropped = {0};
    assert_int_equal(consumer_pset_assign(&s, e, 2, &dropped), 0);
    consumer_part *a = s.parts[0], *b = s.parts[1];
    consumer_parse_result r = fetched(a, 0, 3, 1);
    consumer_part_fetched(&s, a, a->version, &r, 1 << 20, &dropped);
    r = fetched(b, 0, 2, 1);
    consumer_part_fetched(&s, b, b->version, &r, 1 << 20, &dropped);
    r = fetched(a, 3, 2, 1); /* a's second chunk */
    consumer_part_fetched(&s, a, a->version, &r, 1 << 20, &dropped);
    /* a's first chunk, b's chunk, a's second chunk. */
    int32_t want_p[] = {0, 0, 0, 1, 1, 0, 0};
    int64_t want_o[] = {0, 1, 2, 0, 1, 3, 4};
    for (int i = 0; i < 7; i++) {
        consumer_item *m = consumer_pset_pop(&s);
        assert_non_null(m);
        assert_int_equal(m->pub.msg.partition, want_p[i]);
        assert_int_equal(m->offset, want_o[i]);
        consumer_item_free(m);
    }
    assert_null(consumer_pset_pop(&s));

    /* Paused: neither delivered nor fetched; items stay queued. */
    r = fetched(a, 5, 2, 1);
    consumer_part_fetched(&s, a, a->version, &r, 1 << 20, &dropped);
    consumer_part_pause(&s, a, 1);
    assert_false(consumer_part_fetchable(&s, a, 0));
    assert_null(consumer_pset_pop(&s));
    assert_int_equal(a->qcount, 2);
    consumer_part_pause(&s, a, 0);
    consumer_item *m = consumer_pset_pop(&s);
    assert_non_null(m);
    assert_int_equal(m->offset, 5);
    consumer_item_free(m);

    /* Reassignment drops the old queues and restarts kept partitions. */
    consumer_assign_entry e2[] = {{"t", 1, {CONSUMER_OFFSET_END, 0}}};
    uint32_t oldv = b->version;
    assert_int_equal(consumer_pset_assign(&s, e2, 1, &dropped), 0);
    assert_int_equal(dropped.count, 1);
    assert_int_equal(s.buffered, 0);
    assert_int_equal(s.count, 1);
    assert_int_equal(s.parts[0]->state, CONSUMER_PART_OFFSET_PENDING);
    assert_int_equal(s.parts[0]->lookup.value, CONSUMER_OFFSET_END);
    assert_true(s.parts[0]->version > oldv);
    consumer_pset_destroy(&s, &dropped);
    consumer_parse_result_free(&dropped);
}

static void test_fetch_size_grows(void **state) {
    (void)state;
    consumer_pset s;
    consumer_pset_init(&s, 1 << 20, 1000);
    consumer_assign_entry e[] = {{"t", 0, {0, 0}}};
    consumer_parse_result dropped = {0};
    assert_int_equal(consumer_pset_assign(&s, e, 1, &dropped), 0);
    consumer_part *p = s.parts[0];
    assert_int_equal(consumer_part_fetch_size(&s, p), 1000);
    consumer_parse_result r = {0};
    r.partial_only = 1;
    r.next_offset = 0;
    consumer_part_fetched(&s, p, p->version, &r, 3000, &dropped);
    assert_int_equal(consumer_part_fetch_size(&s, p), 2000);
    r.partial_only = 1;
    consumer_part_fetched(&s, p, p->version, &r, 3000, &dropped);
    assert_int_equal(consumer_part_fetch_size(&s, p), 3000);
    consumer_part_fetched(&s, p, p->version, &r, 3000, &dropped);
    assert_int_equal(consumer_part_fetch_size(&s, p), 3000);
    /* Back to normal once data flows. */
    r = fetched(p, 0, 1, 1);
    consumer_part_fetched(&s, p, p->version, &r, 3000, &dropped);
    assert_int_equal(consumer_part_fetch_size(&s, p), 1000);
    consumer_pset_destroy(&s, &dropped);
    consumer_parse_result_free(&dropped);
}

/* Data parked on a paused partition does not use up the budget of the
 * others; resuming counts it again. */
static void test_paused_data_outside_budget(void **state) {
    (void)state;
    consumer_pset s;
    consumer_pset_init(&s, 4096, 1 << 20);
    consumer_assign_entry e[] = {{"t", 0, {0, 0}}, {"t", 1, {0, 0}}};
    consumer_parse_result dropped = {0};
    assert_int_equal(consumer_pset_assign(&s, e, 2, &dropped), 0);
    consumer_part *a = s.parts[0], *b = s.parts[1];
    consumer_parse_result r = fetched(a, 0, 10, 1000);
    consumer_part_fetched(&s, a, a->version, &r, 1 << 20, &dropped);
    assert_false(consumer_part_fetchable(&s, b, 0));
    consumer_part_pause(&s, a, 1);
    assert_true(consumer_part_fetchable(&s, b, 0));
    assert_false(consumer_part_fetchable(&s, a, 0));
    /* An answer in flight when a was paused still lands, outside the budget. */
    r = fetched(a, 10, 5, 1000);
    consumer_part_fetched(&s, a, a->version, &r, 1 << 20, &dropped);
    assert_true(consumer_part_fetchable(&s, b, 0));
    assert_int_equal(s.paused_bytes, a->qbytes);
    consumer_part_pause(&s, a, 1); /* pausing twice changes nothing */
    assert_int_equal(s.paused_bytes, a->qbytes);
    consumer_part_pause(&s, a, 0);
    assert_int_equal(s.paused_bytes, 0);
    assert_false(consumer_part_fetchable(&s, b, 0));
    /* A seek of a paused partition releases its parked bytes. */
    consumer_part_pause(&s, a, 1);
    consumer_part_seek(&s, a, at(0), &dropped);
    assert_int_equal(s.paused_bytes, 0);
    assert_int_equal(s.buffered, 0);
    consumer_pset_destroy(&s, &dropped);
    consumer_parse_result_free(&dropped);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget_accounting),
        cmocka_unit_test(test_seek_drops_and_stale),
        cmocka_unit_test(test_round_robin_and_pause),
        cmocka_unit_test(test_fetch_size_grows),
        cmocka_unit_test(test_paused_data_outside_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
