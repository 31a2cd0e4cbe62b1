/*
 * batch_reader.c - iterating the records inside one RecordBatch v2.
 *
 * The records section is either used in place (codec none) or
 * decompressed once into a buffer the reader owns. Each record is parsed
 * through a sub-reader bounded by the record's own length varint, so a bad
 * length can neither run past the batch nor spill into the next record, and
 * a record whose fields do not fill exactly that length is rejected the way
 * Kafka's DefaultRecord does. Keys, values and headers are returned as
 * slices; nothing is copied per record.
 */
#include "wire/batch.h"

#include "wire/compress.h"

static int reader_fail(batch_reader *br, int status) {
    if (!br->err)
        br->err = status;
    return br->err;
}

int batch_reader_open(batch_reader *br, const uint8_t *batch, size_t size, size_t max_plain) {
    memset(br, 0, sizeof *br);
    wire_writer_init(&br->plain);
    br->prev_delta = -1;
    wire_reader_init(&br->r, NULL, 0);
    int rc = batch_parse_header(batch, size, &br->h);
    if (rc != BATCH_OK)
        return reader_fail(br, rc);
    const batch_header *h = &br->h;
    if (h->batch_length < BATCH_HEADER_SIZE - BATCH_LOG_OVERHEAD)
        return reader_fail(br, BATCH_ERR_SIZE);
    if ((uint64_t)batch_total_size(h) > size)
        return reader_fail(br, BATCH_ERR_SHORT);
    if (h->magic != BATCH_MAGIC_V2)
        return reader_fail(br, BATCH_ERR_MAGIC);
    int codec = batch_codec_of(h);
    if (((uint16_t)h->attributes & 0xFF80) || codec > BATCH_CODEC_ZSTD)
        return reader_fail(br, BATCH_ERR_ATTR);
    if (h->record_count < 0)
        return reader_fail(br, BATCH_ERR_COUNT);
    const uint8_t *recs = batch + BATCH_HEADER_SIZE;
    size_t recs_len = (size_t)batch_total_size(h) - BATCH_HEADER_SIZE;
    if (codec == BATCH_CODEC_NONE) {
        wire_reader_init(&br->r, recs, recs_len);
        return BATCH_OK;
    }
    rc = compress_decode(codec, recs, recs_len, max_plain ? max_plain : BATCH_DEFAULT_MAX_PLAIN,
                         &br->plain);
    if (rc == COMPRESS_ERR_NOMEM)
        return reader_fail(br, BATCH_ERR_NOMEM);
    if (rc == COMPRESS_ERR_LIMIT)
        return reader_fail(br, BATCH_ERR_SIZE);
    if (rc != COMPRESS_OK)
        return reader_fail(br, BATCH_ERR_CODEC);
    wire_reader_init(&br->r, br->plain.p, br->plain.len);
    return BATCH_OK;
}

/* A varint length that must be -1 (null, when allowed) or fit in what is left. */
static wire_bytes read_var_bytes(wire_reader *r, int nullable) {
    int32_t n = wire_read_varint(r);
    if (r->err)
        return WIRE_BYTES_NULL;
    if (n < 0) {
        if (n != -1 || !nullable)
            r->err = WIRE_ERR_INVALID;
        return WIRE_BYTES_NULL;
    }
    const uint8_t *p = wire_read_raw(r, (size_t)n);
    if (!p)
        return WIRE_BYTES_NULL;
    wire_bytes b = {p, n};
    return b;
}

/* Parse the headers section, returning its slice (validates every header). */
static int32_t read_headers(wire_reader *r, wire_bytes *raw) {
    int32_t count = wire_read_varint(r);
    if (r->err)
        return 0;
    /* Each header takes at least two bytes (two length varints). */
    if (count < 0 || (size_t)count > wire_remaining(r) / 2) {
        r->err = WIRE_ERR_INVALID;
        return 0;
    }
    size_t start = r->pos;
    for (int32_t i = 0; i < count && !r->err; i++) {
        (void)read_var_bytes(r, 0);
        (void)read_var_bytes(r, 1);
    }
    raw->ptr = r->p + start;
    raw->len = (int32_t)(r->pos - start);
    return count;
}

int batch_reader_next(batch_reader *br, batch_record *rec) {
    if (br->err)
        return br->err;
    if (wire_remaining(&br->r) == 0) {
        if (br->index != br->h.record_count)
            return reader_fail(br, BATCH_ERR_COUNT);
        return 0;
    }
    if (br->index >= br->h.record_count)
        return reader_fail(br, BATCH_ERR_COUNT); /* bytes left after the last record */

    int32_t len = wire_read_varint(&br->r);
    if (br->r.err || len < 0 || (size_t)len > wire_remaining(&br->r))
        return reader_fail(br, BATCH_ERR_RECORD);
    wire_reader r;
    wire_reader_init(&r, wire_read_raw(&br->r, (size_t)len), (size_t)len);

    memset(rec, 0, sizeof *rec);
    rec->attributes = wire_read_i8(&r);
    rec->timestamp_delta = wire_read_varlong(&r);
    rec->offset_delta = wire_read_varint(&r);
    rec->key = read_var_bytes(&r, 1);
    rec->value = read_var_bytes(&r, 1);
    rec->header_count = read_headers(&r, &rec->headers_raw);
    if (r.err || wire_remaining(&r) != 0)
        return reader_fail(br, BATCH_ERR_RECORD);
    if (rec->offset_delta <= br->prev_delta || rec->offset_delta > br->h.last_offset_delta)
        return reader_fail(br, BATCH_ERR_RECORD);
    br->prev_delta = rec->offset_delta;

    const batch_header *h = &br->h;
    /* Unsigned arithmetic: hostile deltas wrap instead of overflowing. */
    rec->offset = (int64_t)((uint64_t)h->base_offset + (uint64_t)(int64_t)rec->offset_delta);
    if (h->attributes & BATCH_ATTR_LOG_APPEND_TIME)
        rec->timestamp = h->max_timestamp;
    else
        rec->timestamp = (int64_t)((uint64_t)h->base_timestamp + (uint64_t)rec->timestamp_delta);
    br->index++;
    return 1;
}

void batch_reader_close(batch_reader *br) {
    wire_writer_free(&br->plain);
    wire_reader_init(&br->r, NULL, 0);
}

int batch_check_records(const uint8_t *batch, size_t size, size_t max_plain, int strict) {
    batch_reader br;
    batch_record rec;
    int rc = batch_reader_open(&br, batch, size, max_plain);
    while (rc == BATCH_OK) {
        rc = batch_reader_next(&br, &rec);
        if (rc == 1)
            rc = strict && rec.offset_delta != br.index - 1 ? BATCH_ERR_RECORD : BATCH_OK;
        else
            break;
    }
    batch_reader_close(&br);
    return rc;
}

void batch_header_iter_init(batch_header_iter *it, const batch_record *rec) {
    wire_reader_init(&it->r, rec->headers_raw.ptr,
                     rec->headers_raw.len > 0 ? (size_t)rec->headers_raw.len : 0);
    it->left = rec->header_count;
}

int batch_header_iter_next(batch_header_iter *it, batch_record_header *out) {
    if (it->left <= 0)
        return 0;
    out->key = read_var_bytes(&it->r, 0);
    out->value = read_var_bytes(&it->r, 1);
    if (it->r.err) {
        it->left = 0;
        return BATCH_ERR_RECORD;
    }
    it->left--;
    return 1;
}
