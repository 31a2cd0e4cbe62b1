/*
 * batch_builder.c - producing a complete RecordBatch v2.
 *
 * Records are encoded uncompressed into the builder's own buffer as they
 * are added (the record length prefix is computed from the field sizes, so
 * nothing is encoded twice). finish() writes the 61-byte header, the
 * records section compressed as one stream with the batch's codec, and
 * then patches batchLength and the CRC-32C, which covers everything from
 * the attributes to the end.
 */
#include "wire/batch.h"

#include "wire/compress.h"

/* Largest records section: batchLength is an int32 including the header. */
#define BUILDER_MAX_RECORDS ((size_t)INT32_MAX - (BATCH_HEADER_SIZE - BATCH_LOG_OVERHEAD))

int batch_builder_init(batch_builder *b, int codec) {
    memset(b, 0, sizeof *b);
    wire_writer_init(&b->records);
    b->codec = codec;
    b->partition_leader_epoch = -1;
    b->base_timestamp = -1;
    b->max_timestamp = -1;
    b->producer_id = -1;
    b->producer_epoch = -1;
    b->base_sequence = -1;
    b->last_delta = -1;
    b->last_offset_delta = -1;
    if (codec < BATCH_CODEC_NONE || codec > BATCH_CODEC_ZSTD)
        b->err = BATCH_ERR_ATTR;
    return b->err;
}

static size_t var_bytes_size(wire_bytes v) {
    return v.len < 0 ? wire_varint_size(-1) : wire_varint_size(v.len) + (size_t)v.len;
}

static void write_var_bytes(wire_writer *w, wire_bytes v) {
    if (v.len < 0) {
        wire_write_varint(w, -1);
        return;
    }
    wire_write_varint(w, v.len);
    wire_write_raw(w, v.ptr, (size_t)v.len);
}

int batch_builder_add(batch_builder *b, int64_t timestamp, wire_bytes key, wire_bytes value,
                      const batch_record_header *headers, int32_t header_count) {
    if (b->last_delta == INT32_MAX)
        return BATCH_ERR_RECORD;
    return batch_builder_add_at(b, b->last_delta + 1, timestamp, key, value, headers, header_count);
}

int batch_builder_add_at(batch_builder *b, int32_t offset_delta, int64_t timestamp, wire_bytes key,
                         wire_bytes value, const batch_record_header *headers,
                         int32_t header_count) {
    if (b->err)
        return b->err;
    if (offset_delta <= b->last_delta || header_count < 0 || (header_count > 0 && !headers) ||
        b->count == INT32_MAX)
        return BATCH_ERR_RECORD;
    /* State changes only once the record is known to be acceptable. */
    int64_t base_ts = b->count == 0 && b->base_timestamp == -1 ? timestamp : b->base_timestamp;
    int64_t ts_delta = (int64_t)((uint64_t)timestamp - (uint64_t)base_ts);
    int32_t off_delta = offset_delta;

    /* Body size, so the length prefix can be written first. Sizes are
     * summed in 64 bits; each field is below 2 GiB. */
    uint64_t body = 1 + wire_varlong_size(ts_delta) + wire_varint_size(off_delta) +
                    var_bytes_size(key) + var_bytes_size(value) + wire_varint_size(header_count);
    for (int32_t i = 0; i < header_count; i++) {
        if (headers[i].key.len < 0)
            return BATCH_ERR_RECORD;
        body += var_bytes_size(headers[i].key) + var_bytes_size(headers[i].value);
    }
    if (body > INT32_MAX ||
        b->records.len + wire_varint_size((int32_t)body) + body > BUILDER_MAX_RECORDS)
        return BATCH_ERR_SIZE;

    wire_writer *w = &b->records;
    size_t start = w->len;
    wire_write_varint(w, (int32_t)body);
    wire_write_i8(w, 0); /* record attributes: unused */
    wire_write_varlong(w, ts_delta);
    wire_write_varint(w, off_delta);
    write_var_bytes(w, key);
    write_var_bytes(w, value);
    wire_write_varint(w, header_count);
    for (int32_t i = 0; i < header_count; i++) {
        write_var_bytes(w, headers[i].key);
        write_var_bytes(w, headers[i].value);
    }
    if (w->err) {
        b->err = BATCH_ERR_NOMEM;
        return b->err;
    }
    /* Internal consistency of the size computation above. */
    if (w->len - start != wire_varint_size((int32_t)body) + body) {
        b->err = BATCH_ERR_RECORD;
        return b->err;
    }
    b->base_timestamp = base_ts;
    if (b->count == 0 || timestamp > b->max_timestamp)
        b->max_timestamp = timestamp;
    b->count++;
    b->last_delta = off_delta;
    return BATCH_OK;
}

int batch_builder_finish(batch_builder *b, wire_writer *out) {
    if (b->err)
        return b->err;
    if (b->count == 0)
        return BATCH_ERR_COUNT;
    if (out->err)
        return BATCH_ERR_NOMEM;
    size_t start = out->len;
    int16_t attr =
        (int16_t)(((uint16_t)b->attributes & ~BATCH_ATTR_COMPRESSION_MASK) | (uint16_t)b->codec);
    wire_write_i64(out, b->base_offset);
    wire_write_i32(out, 0); /* batchLength, patched below */
    wire_write_i32(out, b->partition_leader_epoch);
    wire_write_i8(out, BATCH_MAGIC_V2);
    wire_write_u32(out, 0); /* crc, patched below */
    wire_write_i16(out, attr);
    wire_write_i32(out,
                   b->last_offset_delta > b->last_delta ? b->last_offset_delta : b->last_delta);
    wire_write_i64(out, b->base_timestamp);
    wire_write_i64(out, b->max_timestamp);
    wire_write_i64(out, b->producer_id);
    wire_write_i16(out, b->producer_epoch);
    wire_write_i32(out, b->base_sequence);
    wire_write_i32(out, b->count);
    if (out->err)
        return BATCH_ERR_NOMEM;
    int rc = compress_encode(b->codec, b->records.p, b->records.len, out);
    if (rc != COMPRESS_OK) {
        if (!out->err)
            out->len = start;
        return rc == COMPRESS_ERR_NOMEM ? BATCH_ERR_NOMEM : BATCH_ERR_CODEC;
    }
    size_t size = out->len - start;
    if (size - BATCH_LOG_OVERHEAD > (size_t)INT32_MAX) {
        out->len = start;
        return BATCH_ERR_SIZE;
    }
    uint8_t *batch = out->p + start;
    wire_put_be32(batch + 8, (uint32_t)(size - BATCH_LOG_OVERHEAD));
    wire_put_be32(batch + 17, batch_compute_crc(batch, size));
    return BATCH_OK;
}

void batch_builder_free(batch_builder *b) {
    wire_writer_free(&b->records);
}
