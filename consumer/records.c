/*
 * records.c - the Fetch records parser of the consumer.
 *
 * One pass over the batches of a partition. Each batch's messages live in
 * one consumer_block sized by the batch's recordCount; records are sliced,
 * never copied: uncompressed values point into the response frame, and a
 * compressed batch is decompressed once into a buffer from the consumer's
 * pool that its block owns (reused memory: fresh buffers of this size cost
 * page faults on every batch).
 */
#include "consumer/records.h"

#include <stdlib.h>
#include <string.h>

#include "wire/batch.h"
#include "wire/compress.h"

static void result_append(consumer_parse_result *res, consumer_item *m) {
    m->next = NULL;
    if (res->tail)
        res->tail->next = m;
    else
        res->head = m;
    res->tail = m;
    res->count++;
    res->bytes += m->charge;
}

void consumer_parse_result_free(consumer_parse_result *res) {
    consumer_item *m = res->head;
    while (m) {
        consumer_item *next = m->next;
        consumer_item_free(m);
        m = next;
    }
    res->head = res->tail = NULL;
    res->count = 0;
    res->bytes = 0;
}

static uint32_t message_charge(const consumer_item *m) {
    size_t n = sizeof *m + (size_t)m->headers_len + m->pub.msg.key_len + m->pub.msg.value_len;
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* Decompress a batch into a pooled buffer laid out as the same batch with
 * codec none (header copied, codec bits cleared, batchLength fixed), so
 * batch_reader reads it in place. The CRC field is left as it was: it is
 * checked on the original bytes, never on this copy. */
static int batch_inflate(const consumer_parse_opts *o, const uint8_t *batch, size_t size,
                         const batch_header *h, uint8_t **out, size_t *out_len, size_t *out_cap) {
    int codec = batch_codec_of(h);
    if (codec > BATCH_CODEC_ZSTD)
        return BATCH_ERR_ATTR;
    size_t packed = size - BATCH_HEADER_SIZE;
    size_t want = packed > SIZE_MAX / 8 ? packed : packed * 4 + BATCH_HEADER_SIZE;
    if (want < 65536)
        want = 65536;
    wire_writer w;
    wire_writer_init(&w);
    w.p = consumer_pool_alloc(o->pool, want, &w.cap);
    if (!w.p)
        return BATCH_ERR_NOMEM;
    memcpy(w.p, batch, BATCH_HEADER_SIZE);
    w.len = BATCH_HEADER_SIZE;
    wire_put_be16(w.p + 21, (uint16_t)((uint16_t)h->attributes & ~BATCH_ATTR_COMPRESSION_MASK));
    size_t limit = o->max_plain ? o->max_plain : BATCH_DEFAULT_MAX_PLAIN;
    int rc = compress_decode(codec, batch + BATCH_HEADER_SIZE, packed, limit, &w);
    if (rc == COMPRESS_OK && w.len - BATCH_LOG_OVERHEAD > INT32_MAX)
        rc = COMPRESS_ERR_LIMIT;
    if (rc != COMPRESS_OK) {
        consumer_pool_free(o->pool, w.p, w.cap);
        return rc == COMPRESS_ERR_NOMEM   ? BATCH_ERR_NOMEM
               : rc == COMPRESS_ERR_LIMIT ? BATCH_ERR_SIZE
                                          : BATCH_ERR_CODEC;
    }
    wire_put_be32(w.p + 8, (uint32_t)(w.len - BATCH_LOG_OVERHEAD));
    *out = w.p;
    *out_len = w.len;
    *out_cap = w.cap;
    return BATCH_OK;
}

/* Records of one data batch at or above the fetch offset. */
static int parse_batch(const consumer_parse_opts *o, consumer_frame *frame, const uint8_t *batch,
                       size_t size, const batch_header *h, int64_t min_offset,
                       consumer_parse_result *res) {
    uint8_t *plain = NULL;
    size_t plain_cap = 0;
    int rc;
    if (batch_codec_of(h) != BATCH_CODEC_NONE) {
        rc = batch_inflate(o, batch, size, h, &plain, &size, &plain_cap);
        if (rc != BATCH_OK)
            return rc;
        batch = plain;
    }
    batch_reader br;
    rc = batch_reader_open(&br, batch, size, o->max_plain);
    uint32_t cap = h->record_count > 0 ? (uint32_t)h->record_count : 1;
    consumer_block *blk =
        rc == BATCH_OK ? consumer_block_new(o->pool, o->topic, o->partition, frame, cap) : NULL;
    if (!blk) {
        batch_reader_close(&br);
        consumer_pool_free(o->pool, plain, plain_cap);
        return rc != BATCH_OK ? rc : BATCH_ERR_NOMEM;
    }
    /* The block owns the decompressed records from here on. */
    blk->owned = plain;
    blk->owned_size = plain_cap;
    int tstype = (h->attributes & BATCH_ATTR_LOG_APPEND_TIME) ? STRAND_TIMESTAMP_LOG_APPEND_TIME
                                                              : STRAND_TIMESTAMP_CREATE_TIME;
    /* Items are collected locally so a bad record drops the whole batch. */
    consumer_parse_result local = {0};
    batch_record rec;
    while ((rc = batch_reader_next(&br, &rec)) == 1) {
        if (rec.offset < min_offset)
            continue;
        consumer_item *m = consumer_block_take(blk);
        if (!m) { /* more records than recordCount: the reader reports it */
            rc = BATCH_ERR_COUNT;
            break;
        }
        m->kind = CONSUMER_ITEM_MESSAGE;
        m->offset = rec.offset;
        strand_message *pm = &m->pub.msg;
        pm->offset = rec.offset;
        pm->timestamp = rec.timestamp;
        pm->timestamp_type = tstype;
        /* A null key/value is NULL; an empty one points into the batch. */
        pm->key = rec.key.len >= 0 ? rec.key.ptr : NULL;
        pm->key_len = rec.key.len >= 0 ? (size_t)rec.key.len : 0;
        pm->value = rec.value.len >= 0 ? rec.value.ptr : NULL;
        pm->value_len = rec.value.len >= 0 ? (size_t)rec.value.len : 0;
        m->header_count = rec.header_count;
        m->headers_raw = rec.headers_raw.ptr;
        m->headers_len = rec.headers_raw.len > 0 ? rec.headers_raw.len : 0;
        m->version = o->version;
        m->charge = message_charge(m);
        result_append(&local, m);
    }
    batch_reader_close(&br);
    if (rc != 0) {
        consumer_parse_result_free(&local);
        consumer_block_release(blk);
        return rc;
    }
    if (local.head) {
        if (res->tail)
            res->tail->next = local.head;
        else
            res->head = local.head;
        res->tail = local.tail;
        res->count += local.count;
        res->bytes += local.bytes;
    }
    consumer_block_release(blk);
    return BATCH_OK;
}

/* Errors of a walk: stop there, remember where. */
static void parse_fail(consumer_parse_result *res, int status, int64_t offset) {
    res->status = status;
    res->err_offset = offset;
}

static int emit_raw(const consumer_parse_opts *o, consumer_frame *frame, const uint8_t *start,
                    size_t len, int64_t base, int64_t last, int32_t nbatches,
                    consumer_parse_result *res) {
    consumer_block *blk = consumer_block_new(o->pool, o->topic, o->partition, frame, 1);
    if (!blk)
        return BATCH_ERR_NOMEM;
    consumer_item *m = consumer_block_take(blk);
    consumer_block_release(blk);
    m->kind = CONSUMER_ITEM_BATCH;
    m->offset = base;
    m->last_offset = last;
    m->header_count = nbatches;
    m->version = o->version;
    strand_batches *pb = &m->pub.batches;
    memset(pb, 0, sizeof *pb);
    pb->topic = m->block->topic;
    pb->partition = o->partition;
    pb->bytes = start;
    pb->len = len;
    pb->base_offset = base;
    pb->last_offset = last;
    pb->high_watermark = o->high_watermark;
    m->charge = (uint32_t)(sizeof *m + len);
    result_append(res, m);
    return BATCH_OK;
}

int consumer_records_parse(const consumer_parse_opts *o, consumer_frame *frame,
                           const uint8_t *records, size_t len, consumer_parse_result *out) {
    memset(out, 0, sizeof *out);
    out->next_offset = o->fetch_offset;
    out->err_offset = -1;
    if (!records || len == 0)
        return 0;
    /* Raw mode: the range of complete batches at or after the fetch offset. */
    const uint8_t *raw_start = NULL;
    size_t raw_len = 0;
    int64_t raw_base = -1;
    int32_t raw_count = 0;

    batch_iter it;
    batch_iter_init(&it, records, len);
    batch_header h;
    const uint8_t *batch;
    size_t size;
    for (;;) {
        int n = batch_iter_next(&it, &h, &batch, &size);
        if (n == 0)
            break;
        if (n == BATCH_ERR_MAGIC) {
            int64_t off = size >= 8 ? (int64_t)wire_be64(batch) : -1;
            parse_fail(out, BATCH_ERR_MAGIC, off);
            break;
        }
        if (n < 0) {
            parse_fail(out, n, -1);
            break;
        }
        if (batch_last_offset(&h) < out->next_offset)
            continue; /* wholly before the wanted offset */
        if (o->check_crcs) {
            batch_header vh;
            int v = batch_validate(batch, size, 0, 0, &vh);
            if (v != BATCH_OK) {
                parse_fail(out, v, h.base_offset);
                break;
            }
        }
        if (o->raw) {
            if (!raw_start) {
                raw_start = batch;
                raw_base = h.base_offset;
            }
            raw_len = (size_t)(batch + size - raw_start);
            raw_count++;
        } else if (!(h.attributes & BATCH_ATTR_CONTROL)) {
            int prc = parse_batch(o, frame, batch, size, &h, out->next_offset, out);
            if (prc == BATCH_ERR_NOMEM) {
                consumer_parse_result_free(out);
                return BATCH_ERR_NOMEM;
            }
            if (prc != BATCH_OK) {
                parse_fail(out, prc, h.base_offset);
                break;
            }
        }
        out->next_offset = batch_last_offset(&h) + 1;
    }
    if (raw_start && emit_raw(o, frame, raw_start, raw_len, raw_base, out->next_offset - 1,
                              raw_count, out) != BATCH_OK) {
        consumer_parse_result_free(out);
        return BATCH_ERR_NOMEM;
    }
    if (out->tail)
        out->tail->chunk_end = 1;
    if (out->next_offset == o->fetch_offset && it.partial && out->status == 0)
        out->partial_only = 1;
    return 0;
}
