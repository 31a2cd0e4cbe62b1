/*
 * compress.h - the record-batch compression codecs of Kafka: gzip, snappy,
 * lz4 and zstd, in the exact stream formats Kafka clients write and read.
 *
 *   gzip   - RFC 1952 gzip stream (zlib). Decoding also accepts several
 *            concatenated members, as Java's GZIPInputStream does.
 *   snappy - encoding writes the snappy-java ("xerial") framing that the Java
 *            client writes and every client reads; decoding accepts both that
 *            framing and a single raw snappy block (what librdkafka writes).
 *   lz4    - the standard LZ4 frame format. Encoding: 64 KiB independent
 *            blocks, no content size, no content checksum (as Kafka writes).
 *            Decoding accepts any valid frame (checksums, content size,
 *            linked blocks, several frames back to back).
 *   zstd   - a standard zstd frame; decoded by streaming, so frames without
 *            a content size work.
 *
 * Codec numbers equal the batch attribute codec values (wire/batch.h).
 * Output is appended to a caller-owned wire_writer; on error the writer is
 * left at its length before the call (its buffer may have grown). Decoding
 * refuses to produce more than max_out bytes (COMPRESS_ERR_LIMIT), so a
 * small hostile payload cannot expand without bound. Stateless and
 * thread-safe: every call uses its own codec context.
 */
#ifndef STRAND_WIRE_COMPRESS_H
#define STRAND_WIRE_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "wire/buf.h"

enum compress_codec {
    COMPRESS_NONE = 0,
    COMPRESS_GZIP = 1,
    COMPRESS_SNAPPY = 2,
    COMPRESS_LZ4 = 3,
    COMPRESS_ZSTD = 4,
};

enum compress_status {
    COMPRESS_OK = 0,
    COMPRESS_ERR_CODEC = -1,   /* unknown codec number */
    COMPRESS_ERR_CORRUPT = -2, /* input is not a valid stream of the codec */
    COMPRESS_ERR_LIMIT = -3,   /* decoded output would exceed max_out */
    COMPRESS_ERR_NOMEM = -4,   /* allocation failed (or codec context) */
};

/* Compress src[0, len) with `codec` and append the stream to out.
 * COMPRESS_NONE appends the bytes unchanged. */
int compress_encode(int codec, const uint8_t *src, size_t len, wire_writer *out);

/* Decompress the complete stream src[0, len) and append the result to out,
 * producing at most max_out bytes. Truncated or trailing-garbage input is
 * COMPRESS_ERR_CORRUPT. COMPRESS_NONE copies (subject to max_out). */
int compress_decode(int codec, const uint8_t *src, size_t len, size_t max_out, wire_writer *out);

/* Human-readable text of a compress_status. Never NULL. */
const char *compress_strerror(int status);

#endif
