/*
 * batch.c - RecordBatch v2 headers: parsing, validation, offset stamping and
 * walking a byte range of concatenated batches.
 *
 * Everything here works on the 61-byte header and the CRC and never looks
 * inside the records, which is what a broker needs on the produce and fetch
 * paths (shallow handling). Every read is bounded by the caller's length
 * first, so arbitrary input cannot make these functions read out of bounds.
 * Record iteration and building live in batch_reader.c and
 * batch_builder.c.
 */
#include "wire/batch.h"

#include "wire/crc32c.h"

/* Byte positions of the fixed header fields. */
enum {
    POS_BASE_OFFSET = 0,
    POS_BATCH_LENGTH = 8,
    POS_LEADER_EPOCH = 12,
    POS_MAGIC = 16,
    POS_CRC = 17,
    POS_ATTRIBUTES = 21,
    POS_LAST_OFFSET_DELTA = 23,
    POS_BASE_TIMESTAMP = 27,
    POS_MAX_TIMESTAMP = 35,
    POS_PRODUCER_ID = 43,
    POS_PRODUCER_EPOCH = 51,
    POS_BASE_SEQUENCE = 53,
    POS_RECORD_COUNT = 57,
};

/* Smallest batchLength: the header after the first 12 bytes. */
#define BATCH_MIN_LENGTH (BATCH_HEADER_SIZE - BATCH_LOG_OVERHEAD)
/* Attribute bits 7..15 are reserved and must be zero. */
#define BATCH_ATTR_RESERVED 0xFF80

int batch_parse_header(const uint8_t *p, size_t len, batch_header *h) {
    if (!p || len < BATCH_HEADER_SIZE)
        return BATCH_ERR_SHORT;
    h->base_offset = (int64_t)wire_be64(p + POS_BASE_OFFSET);
    h->batch_length = (int32_t)wire_be32(p + POS_BATCH_LENGTH);
    h->partition_leader_epoch = (int32_t)wire_be32(p + POS_LEADER_EPOCH);
    h->magic = (int8_t)p[POS_MAGIC];
    h->crc = wire_be32(p + POS_CRC);
    h->attributes = (int16_t)wire_be16(p + POS_ATTRIBUTES);
    h->last_offset_delta = (int32_t)wire_be32(p + POS_LAST_OFFSET_DELTA);
    h->base_timestamp = (int64_t)wire_be64(p + POS_BASE_TIMESTAMP);
    h->max_timestamp = (int64_t)wire_be64(p + POS_MAX_TIMESTAMP);
    h->producer_id = (int64_t)wire_be64(p + POS_PRODUCER_ID);
    h->producer_epoch = (int16_t)wire_be16(p + POS_PRODUCER_EPOCH);
    h->base_sequence = (int32_t)wire_be32(p + POS_BASE_SEQUENCE);
    h->record_count = (int32_t)wire_be32(p + POS_RECORD_COUNT);
    return BATCH_OK;
}

int batch_validate(const uint8_t *p, size_t len, size_t max_size, int strict, batch_header *h) {
    int rc = batch_parse_header(p, len, h);
    if (rc != BATCH_OK)
        return rc;
    if (h->batch_length < BATCH_MIN_LENGTH)
        return BATCH_ERR_SIZE;
    uint64_t total = (uint64_t)BATCH_LOG_OVERHEAD + (uint32_t)h->batch_length;
    if (max_size && total > max_size)
        return BATCH_ERR_SIZE;
    if (total > len)
        return BATCH_ERR_SHORT;
    if (h->magic != BATCH_MAGIC_V2)
        return BATCH_ERR_MAGIC;
    uint16_t attr = (uint16_t)h->attributes;
    if ((attr & BATCH_ATTR_RESERVED) || (attr & BATCH_ATTR_COMPRESSION_MASK) > BATCH_CODEC_ZSTD)
        return BATCH_ERR_ATTR;
    if (batch_compute_crc(p, (size_t)total) != h->crc)
        return BATCH_ERR_CRC;
    if (h->record_count < 0 || h->last_offset_delta < 0)
        return BATCH_ERR_COUNT;
    if (strict) {
        if ((int64_t)h->record_count != (int64_t)h->last_offset_delta + 1)
            return BATCH_ERR_COUNT;
    } else if ((int64_t)h->record_count > (int64_t)h->last_offset_delta + 1) {
        /* Compaction leaves gaps, so fewer records than deltas is fine. */
        return BATCH_ERR_COUNT;
    }
    return BATCH_OK;
}

const char *batch_strerror(int status) {
    switch (status) {
    case BATCH_OK:
        return "ok";
    case BATCH_ERR_SHORT:
        return "record batch is truncated";
    case BATCH_ERR_SIZE:
        return "record batch length out of range";
    case BATCH_ERR_MAGIC:
        return "record batch magic is not 2";
    case BATCH_ERR_CRC:
        return "record batch CRC-32C mismatch";
    case BATCH_ERR_COUNT:
        return "record count disagrees with lastOffsetDelta";
    case BATCH_ERR_ATTR:
        return "unknown compression codec or reserved attribute bits set";
    case BATCH_ERR_RECORD:
        return "malformed record inside batch";
    case BATCH_ERR_CODEC:
        return "compressed records do not decompress";
    case BATCH_ERR_NOMEM:
        return "out of memory";
    default:
        return "unknown record batch error";
    }
}

void batch_set_base_offset(uint8_t *batch, int64_t base_offset) {
    wire_put_be64(batch + POS_BASE_OFFSET, (uint64_t)base_offset);
}

void batch_set_leader_epoch(uint8_t *batch, int32_t epoch) {
    wire_put_be32(batch + POS_LEADER_EPOCH, (uint32_t)epoch);
}

uint32_t batch_compute_crc(const uint8_t *batch, size_t size) {
    if (size <= POS_ATTRIBUTES)
        return crc32c(NULL, 0);
    return crc32c(batch + POS_ATTRIBUTES, size - POS_ATTRIBUTES);
}

void batch_set_log_append_time(uint8_t *batch, size_t size, int64_t ts) {
    if (size < BATCH_HEADER_SIZE)
        return;
    uint16_t attr = wire_be16(batch + POS_ATTRIBUTES) | BATCH_ATTR_LOG_APPEND_TIME;
    wire_put_be16(batch + POS_ATTRIBUTES, attr);
    wire_put_be64(batch + POS_MAX_TIMESTAMP, (uint64_t)ts);
    wire_put_be32(batch + POS_CRC, batch_compute_crc(batch, size));
}

const char *batch_codec_name(int codec) {
    switch (codec) {
    case BATCH_CODEC_NONE:
        return "none";
    case BATCH_CODEC_GZIP:
        return "gzip";
    case BATCH_CODEC_SNAPPY:
        return "snappy";
    case BATCH_CODEC_LZ4:
        return "lz4";
    case BATCH_CODEC_ZSTD:
        return "zstd";
    default:
        return "unknown";
    }
}

void batch_iter_init(batch_iter *it, const uint8_t *p, size_t len) {
    it->p = p;
    it->len = p ? len : 0;
    it->pos = 0;
    it->partial = 0;
}

int batch_iter_next(batch_iter *it, batch_header *h, const uint8_t **batch, size_t *size) {
    if (it->pos >= it->len)
        return 0;
    size_t left = it->len - it->pos;
    const uint8_t *p = it->p + it->pos;
    if (left < BATCH_LOG_OVERHEAD) {
        it->partial = 1;
        it->pos = it->len;
        return 0;
    }
    int32_t blen = (int32_t)wire_be32(p + POS_BATCH_LENGTH);
    if (blen < BATCH_MIN_LENGTH) {
        it->pos = it->len; /* cannot find the next batch: stop the walk */
        return BATCH_ERR_SIZE;
    }
    uint64_t total = (uint64_t)BATCH_LOG_OVERHEAD + (uint32_t)blen;
    if (total > left) {
        it->partial = 1;
        it->pos = it->len;
        return 0;
    }
    *batch = p;
    *size = (size_t)total;
    it->pos += (size_t)total;
    if (p[POS_MAGIC] != BATCH_MAGIC_V2)
        return BATCH_ERR_MAGIC;
    (void)batch_parse_header(p, (size_t)total, h); /* cannot fail: total >= 61 */
    return 1;
}
