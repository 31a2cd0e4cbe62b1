/*
 * batch.h - Kafka RecordBatch v2 (magic 2): header parsing, validation,
 * in-place offset assignment, record iteration and building.
 *
 * Layout (all big-endian), total size = 12 + batchLength:
 *   0 baseOffset i64 | 8 batchLength i32 | 12 partitionLeaderEpoch i32 |
 *   16 magic i8 | 17 crc u32 | 21 attributes i16 | 23 lastOffsetDelta i32 |
 *   27 baseTimestamp i64 | 35 maxTimestamp i64 | 43 producerId i64 |
 *   51 producerEpoch i16 | 53 baseSequence i32 | 57 recordCount i32 |
 *   61 records (compressed as one stream when the codec is not none)
 * The CRC-32C covers bytes [21, end): baseOffset and partitionLeaderEpoch
 * lie outside it, so a broker rewrites them without recomputing the CRC.
 *
 * Nothing here does I/O. Functions that take a batch pointer borrow it.
 */
#ifndef STRAND_WIRE_BATCH_H
#define STRAND_WIRE_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "wire/buf.h"

#define BATCH_LOG_OVERHEAD 12 /* baseOffset + batchLength */
#define BATCH_HEADER_SIZE 61  /* smallest possible batch */
#define BATCH_MAGIC_V2 2

#define BATCH_ATTR_COMPRESSION_MASK 0x07
#define BATCH_ATTR_LOG_APPEND_TIME 0x08
#define BATCH_ATTR_TRANSACTIONAL 0x10
#define BATCH_ATTR_CONTROL 0x20
#define BATCH_ATTR_DELETE_HORIZON 0x40

enum batch_codec {
    BATCH_CODEC_NONE = 0,
    BATCH_CODEC_GZIP = 1,
    BATCH_CODEC_SNAPPY = 2,
    BATCH_CODEC_LZ4 = 3,
    BATCH_CODEC_ZSTD = 4,
};

enum batch_status {
    BATCH_OK = 0,
    BATCH_ERR_SHORT = -1,  /* fewer bytes than the header or than batchLength says */
    BATCH_ERR_SIZE = -2,   /* batchLength below the minimum or above the limit */
    BATCH_ERR_MAGIC = -3,  /* magic is not 2 */
    BATCH_ERR_CRC = -4,    /* CRC-32C mismatch */
    BATCH_ERR_COUNT = -5,  /* recordCount disagrees with lastOffsetDelta or the records */
    BATCH_ERR_ATTR = -6,   /* unknown codec or reserved attribute bits set */
    BATCH_ERR_RECORD = -7, /* a record inside does not parse */
    BATCH_ERR_CODEC = -8,  /* compressed payload does not decompress */
    BATCH_ERR_NOMEM = -9,
};

typedef struct batch_header {
    int64_t base_offset;
    int32_t batch_length;
    int32_t partition_leader_epoch;
    int8_t magic;
    uint32_t crc;
    int16_t attributes;
    int32_t last_offset_delta;
    int64_t base_timestamp;
    int64_t max_timestamp;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
    int32_t record_count;
} batch_header;

static inline int64_t batch_total_size(const batch_header *h) {
    return (int64_t)BATCH_LOG_OVERHEAD + h->batch_length;
}
static inline int64_t batch_last_offset(const batch_header *h) {
    return h->base_offset + h->last_offset_delta;
}
static inline int batch_codec_of(const batch_header *h) {
    return h->attributes & BATCH_ATTR_COMPRESSION_MASK;
}

/* Decode the fixed 61-byte header. Checks only that 61 bytes are present
 * (BATCH_ERR_SHORT otherwise); no CRC, no size checks. */
int batch_parse_header(const uint8_t *p, size_t len, batch_header *h);

/* Full structural check of the batch at p: header present, batchLength in
 * [49, max_size - 12] and all of it present, magic 2, known codec and no
 * reserved attribute bits, CRC-32C, record count consistent with
 * lastOffsetDelta (strict: recordCount == lastOffsetDelta + 1, as every
 * producer writes; non-strict allows the gaps compaction leaves, i.e.
 * 0 <= recordCount <= lastOffsetDelta + 1). Fills *h. Does not decompress.
 * max_size 0 means no limit. Checks are made in the order of the status
 * codes above, and never read outside [p, p + len). Bytes after the batch
 * (len > 12 + batchLength) are ignored. */
int batch_validate(const uint8_t *p, size_t len, size_t max_size, int strict, batch_header *h);

/* Human-readable text of a batch_status. Never NULL. */
const char *batch_strerror(int status);

/* Rewrite the fields outside the CRC, in place. */
void batch_set_base_offset(uint8_t *batch, int64_t base_offset);
void batch_set_leader_epoch(uint8_t *batch, int32_t epoch);

/* CRC-32C of bytes [21, size) of a complete batch. */
uint32_t batch_compute_crc(const uint8_t *batch, size_t size);

/* Stamp LogAppendTime on a complete batch of `size` bytes (>= 61), in place:
 * sets the timestamp-type attribute, maxTimestamp = ts, and recomputes the
 * CRC (those fields are inside it). */
void batch_set_log_append_time(uint8_t *batch, size_t size, int64_t ts);

/* Name of a codec ("none", "gzip", "snappy", "lz4", "zstd") or "unknown". */
const char *batch_codec_name(int codec);

/*
 * Walking a byte range of concatenated batches (a Produce payload, a Fetch
 * response, a .log file region). next() returns 1 with the next batch, 0 at
 * the end (a trailing partial batch also ends the walk and sets `partial`),
 * or a negative batch_status for a batch whose header is malformed:
 *   BATCH_ERR_SIZE  - batchLength below 49; the walk stops (next() gives 0).
 *   BATCH_ERR_MAGIC - magic is not 2 (e.g. a legacy message set); *batch and
 *                     *size are set, *h is not, and the walk continues after
 *                     it, so a caller may handle or skip it.
 * A returned batch has its length checked but not its CRC: call
 * batch_validate() on it for that.
 */
typedef struct batch_iter {
    const uint8_t *p;
    size_t len;
    size_t pos;
    int partial;
} batch_iter;

void batch_iter_init(batch_iter *it, const uint8_t *p, size_t len);
int batch_iter_next(batch_iter *it, batch_header *h, const uint8_t **batch, size_t *size);

/*
 * Reading the records of one batch.
 *
 *   batch_reader br;
 *   int rc = batch_reader_open(&br, batch, size, 0);
 *   batch_record rec;
 *   if (rc == BATCH_OK)
 *       while ((rc = batch_reader_next(&br, &rec)) == 1) { ... }
 *   batch_reader_close(&br);          // always, also after errors
 *   // rc == 0: all records read and they matched recordCount
 *
 * open() checks the header (size, magic, codec; not the CRC: call
 * batch_validate() for that) and decompresses the records section into a
 * buffer the reader owns, refusing more than max_plain bytes (0 means
 * BATCH_DEFAULT_MAX_PLAIN). Record slices (key, value, headers) point into
 * the batch or into that buffer, so they are valid until close() and while
 * the batch bytes live. next() returns 1 with a record, 0 after the last one,
 * or a negative batch_status (sticky): BATCH_ERR_RECORD for a record that
 * does not parse (a length past the end of the record or batch, a record
 * whose fields do not fill its length exactly, a null or negative-length
 * header key, offset deltas not strictly increasing or beyond
 * lastOffsetDelta), BATCH_ERR_COUNT when the records present are fewer or
 * more than recordCount. Offset deltas may have gaps (compacted batches).
 * A reader belongs to one thread.
 */
#define BATCH_DEFAULT_MAX_PLAIN (256u << 20)

/* A record header: key is never null; value.len == -1 is a null value. */
typedef struct batch_record_header {
    wire_bytes key;
    wire_bytes value;
} batch_record_header;

typedef struct batch_record {
    int64_t offset;    /* baseOffset + offset_delta */
    int64_t timestamp; /* baseTimestamp + timestamp_delta; maxTimestamp for LogAppendTime */
    int32_t offset_delta;
    int64_t timestamp_delta;
    int8_t attributes;
    wire_bytes key;   /* len -1: null key */
    wire_bytes value; /* len -1: null value (tombstone) */
    int32_t header_count;
    wire_bytes headers_raw; /* the encoded headers, walked by batch_header_iter */
} batch_record;

typedef struct batch_reader {
    batch_header h;
    wire_writer plain; /* decompressed records; empty for codec none */
    wire_reader r;     /* over the records section */
    int32_t index;     /* records returned so far */
    int32_t prev_delta;
    int err; /* sticky batch_status */
} batch_reader;

int batch_reader_open(batch_reader *br, const uint8_t *batch, size_t size, size_t max_plain);
int batch_reader_next(batch_reader *br, batch_record *rec);
void batch_reader_close(batch_reader *br);

/* Read every record of the batch to check it parses (see batch_reader_*
 * for the errors). strict additionally requires offset deltas 0, 1, 2, ...
 * in order, as every producer writes them (BATCH_ERR_RECORD otherwise).
 * Does not check the CRC; call batch_validate() first. */
int batch_check_records(const uint8_t *batch, size_t size, size_t max_plain, int strict);

/* Walking the headers of a record returned by batch_reader_next(): next()
 * returns 1 with a header, 0 at the end, BATCH_ERR_RECORD if malformed
 * (cannot happen for a record next() accepted). */
typedef struct batch_header_iter {
    wire_reader r;
    int32_t left;
} batch_header_iter;

void batch_header_iter_init(batch_header_iter *it, const batch_record *rec);
int batch_header_iter_next(batch_header_iter *it, batch_record_header *out);

/*
 * Building a batch.
 *
 *   batch_builder b;
 *   batch_builder_init(&b, BATCH_CODEC_LZ4);
 *   b.producer_id = pid; ...                 // optional: fields below
 *   batch_builder_add(&b, ts, key, value, headers, n_headers);
 *   batch_builder_finish(&b, &out);          // appends one complete batch
 *   batch_builder_free(&b);
 *
 * Records get offset deltas 0, 1, 2, ...; baseTimestamp is the first
 * record's timestamp unless set before the first add; maxTimestamp is the
 * largest record timestamp. The header fields below may be set between
 * init() and finish(); their defaults are those of a plain producer. The
 * codec bits of `attributes` come from the codec given to init(); other
 * bits (transactional, control) may be or-ed in. finish() compresses the
 * records, fills lastOffsetDelta, recordCount, batchLength and the CRC, and
 * on error leaves `out` at its previous length. A builder belongs to one
 * thread and owns its record buffer until free().
 */
typedef struct batch_builder {
    int codec;
    int16_t attributes;             /* 0 */
    int64_t base_offset;            /* 0 */
    int32_t partition_leader_epoch; /* -1 */
    int64_t base_timestamp;         /* -1: the first record's timestamp */
    int64_t max_timestamp;          /* maintained by add() */
    int64_t producer_id;            /* -1 */
    int16_t producer_epoch;         /* -1 */
    int32_t base_sequence;          /* -1 */
    int32_t count;                  /* records added */
    int32_t last_delta;             /* offset delta of the last record added, -1 */
    int32_t last_offset_delta;      /* -1: last_delta; set higher to keep a span */
    wire_writer records;            /* uncompressed records section */
    int err;                        /* sticky batch_status */
} batch_builder;

/* BATCH_ERR_ATTR for an unknown codec (the builder is then unusable). */
int batch_builder_init(batch_builder *b, int codec);
/* Append a record; key/value/header values may be null (len -1), header
 * keys may not (BATCH_ERR_RECORD). headers may be NULL when header_count is
 * 0. BATCH_ERR_SIZE when the batch would pass 2 GiB. */
int batch_builder_add(batch_builder *b, int64_t timestamp, wire_bytes key, wire_bytes value,
                      const batch_record_header *headers, int32_t header_count);
/* Like add, with an explicit offset delta (> the previous record's):
 * compaction rebuilds a batch keeping its records' offsets and the gaps
 * between them. BATCH_ERR_RECORD when delta does not increase. Set
 * last_offset_delta before finish() to keep the original batch's span. */
int batch_builder_add_at(batch_builder *b, int32_t offset_delta, int64_t timestamp, wire_bytes key,
                         wire_bytes value, const batch_record_header *headers,
                         int32_t header_count);
/* Append the finished batch to out. BATCH_ERR_COUNT with no records,
 * BATCH_ERR_CODEC if compression fails, BATCH_ERR_NOMEM. */
int batch_builder_finish(batch_builder *b, wire_writer *out);
void batch_builder_free(batch_builder *b);

#endif
