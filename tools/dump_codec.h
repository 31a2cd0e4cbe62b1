/*
 * dump_codec.h - decompression of a record batch's payload for the offline
 * `strand log dump --records`.
 *
 * Inflates the bytes after a batch's 61-byte header for the four Kafka
 * codecs: gzip (zlib), snappy (raw block as librdkafka writes, or the
 * snappy-java "xerial" framing Java clients write), lz4 (LZ4 frame) and
 * zstd (a zstd frame). Output is capped at `max_out` bytes so a hostile
 * file cannot make the tool allocate without bound. Thread-safe; the
 * caller frees *out.
 */
#ifndef STRAND_TOOLS_DUMP_CODEC_H
#define STRAND_TOOLS_DUMP_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* 0 and a malloc'ed *out / *out_len, or -1 (corrupt, over the cap, unknown
 * codec or out of memory). codec is a batch_codec value. */
int dump_codec_decompress(int codec, const uint8_t *in, size_t in_len, size_t max_out,
                          uint8_t **out, size_t *out_len);

#endif
