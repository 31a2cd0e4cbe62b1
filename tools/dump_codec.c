/*
 * dump_codec.c - payload decompression for `strand log dump --records`.
 *
 * One function per codec, all growing a malloc'ed output buffer up to a
 * cap. Speed does not matter here (an operator is reading the output), so
 * the code favours being obviously correct over avoiding copies.
 */
#include "tools/dump_codec.h"

#include <lz4frame.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "wire/batch.h"
#include "wire/buf.h"

typedef struct outbuf {
    uint8_t *p;
    size_t len, cap, max;
} outbuf;

/* Make room for at least `need` more bytes; -1 past the cap. */
static int outbuf_reserve(outbuf *o, size_t need) {
    if (o->len + need <= o->cap)
        return 0;
    if (o->len + need > o->max)
        return -1;
    size_t cap = o->cap ? o->cap : 4096;
    while (cap < o->len + need)
        cap *= 2;
    if (cap > o->max)
        cap = o->max;
    uint8_t *p = realloc(o->p, cap);
    if (!p)
        return -1;
    o->p = p;
    o->cap = cap;
    return 0;
}

static int gzip_inflate(const uint8_t *in, size_t len, outbuf *o) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 32) != Z_OK)
        return -1;
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        if (outbuf_reserve(o, 16384) < 0) {
            rc = Z_MEM_ERROR;
            break;
        }
        zs.next_out = o->p + o->len;
        zs.avail_out = (uInt)(o->cap - o->len);
        rc = inflate(&zs, Z_NO_FLUSH);
        o->len = o->cap - zs.avail_out;
        if (rc != Z_OK && rc != Z_STREAM_END)
            break;
        if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
            rc = Z_DATA_ERROR; /* input ended before the stream did */
            break;
        }
    }
    inflateEnd(&zs);
    return rc == Z_STREAM_END ? 0 : -1;
}

static int snappy_block(const uint8_t *in, size_t len, outbuf *o) {
    size_t n;
    if (snappy_uncompressed_length((const char *)in, len, &n) != SNAPPY_OK)
        return -1;
    if (outbuf_reserve(o, n ? n : 1) < 0)
        return -1;
    size_t got = n;
    if (snappy_uncompress((const char *)in, len, (char *)o->p + o->len, &got) != SNAPPY_OK)
        return -1;
    o->len += got;
    return 0;
}

static int snappy_inflate(const uint8_t *in, size_t len, outbuf *o) {
    static const uint8_t xerial[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
    if (len < 16 || memcmp(in, xerial, 8) != 0)
        return snappy_block(in, len, o);
    size_t pos = 16; /* magic, version, compatible version */
    while (pos < len) {
        if (len - pos < 4)
            return -1;
        uint32_t n = wire_be32(in + pos);
        pos += 4;
        if (n > len - pos || snappy_block(in + pos, n, o) < 0)
            return -1;
        pos += n;
    }
    return 0;
}

static int lz4_inflate(const uint8_t *in, size_t len, outbuf *o) {
    LZ4F_dctx *d;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
        return -1;
    size_t pos = 0, hint = 1;
    int rc = 0;
    while (hint != 0) {
        if (pos >= len || outbuf_reserve(o, 65536) < 0) {
            rc = -1;
            break;
        }
        size_t dst = o->cap - o->len, src = len - pos;
        hint = LZ4F_decompress(d, o->p + o->len, &dst, in + pos, &src, NULL);
        if (LZ4F_isError(hint)) {
            rc = -1;
            break;
        }
        o->len += dst;
        pos += src;
    }
    LZ4F_freeDecompressionContext(d);
    return rc;
}

static int zstd_inflate(const uint8_t *in, size_t len, outbuf *o) {
    ZSTD_DStream *d = ZSTD_createDStream();
    if (!d)
        return -1;
    ZSTD_initDStream(d);
    ZSTD_inBuffer ib = {in, len, 0};
    size_t ret = 1;
    int rc = 0;
    while (ret != 0) {
        if (outbuf_reserve(o, 65536) < 0) {
            rc = -1;
            break;
        }
        ZSTD_outBuffer ob = {o->p + o->len, o->cap - o->len, 0};
        ret = ZSTD_decompressStream(d, &ob, &ib);
        if (ZSTD_isError(ret)) {
            rc = -1;
            break;
        }
        o->len += ob.pos;
        if (ret != 0 && ib.pos == ib.size && ob.pos < ob.size) {
            rc = -1; /* truncated frame */
            break;
        }
    }
    ZSTD_freeDStream(d);
    return rc;
}

int dump_codec_decompress(int codec, const uint8_t *in, size_t in_len, size_t max_out,
                          uint8_t **out, size_t *out_len) {
    outbuf o = {NULL, 0, 0, max_out};
    int rc;
    switch (codec) {
    case BATCH_CODEC_GZIP:
        rc = gzip_inflate(in, in_len, &o);
        break;
    case BATCH_CODEC_SNAPPY:
        rc = snappy_inflate(in, in_len, &o);
        break;
    case BATCH_CODEC_LZ4:
        rc = lz4_inflate(in, in_len, &o);
        break;
    case BATCH_CODEC_ZSTD:
        rc = zstd_inflate(in, in_len, &o);
        break;
    default:
        rc = -1;
    }
    if (rc < 0) {
        free(o.p);
        return -1;
    }
    *out = o.p;
    *out_len = o.len;
    return 0;
}
