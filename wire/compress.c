/*
 * compress.c - gzip, snappy, lz4 and zstd for record batches.
 *
 * Encoders are one-shot: the whole records section is in memory, so each
 * reserves the codec's worst-case bound in the output writer and compresses
 * in one call. Decoders stream into the writer in bounded steps and stop as
 * soon as the output would pass max_out, which is the defence against
 * decompression bombs; none trusts a size stored in the input.
 */
#include "wire/compress.h"

#include <string.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define DECODE_STEP (64 * 1024)

/* snappy-java framing: magic, version, min compatible version, blocks. */
static const uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
#define XERIAL_HEADER_SIZE 16
#define XERIAL_BLOCK_SIZE (32 * 1024) /* snappy-java's default */

const char *compress_strerror(int status) {
    switch (status) {
    case COMPRESS_OK:
        return "ok";
    case COMPRESS_ERR_CODEC:
        return "unknown compression codec";
    case COMPRESS_ERR_CORRUPT:
        return "compressed data is corrupt or truncated";
    case COMPRESS_ERR_LIMIT:
        return "decompressed data exceeds the size limit";
    case COMPRESS_ERR_NOMEM:
        return "out of memory";
    default:
        return "unknown compression error";
    }
}

/*
 * Output window for streaming decoders: reserve up to DECODE_STEP bytes, but
 * at most one byte more than the limit allows, so that producing that extra
 * byte proves the limit is exceeded. give_back() returns the unused tail.
 */
static uint8_t *room_take(wire_writer *w, size_t start, size_t max_out, size_t *room) {
    size_t produced = w->len - start;
    size_t allowed = max_out - produced; /* produced <= max_out by invariant */
    size_t n = allowed < DECODE_STEP ? allowed + 1 : DECODE_STEP;
    *room = n;
    return wire_write_reserve(w, n);
}

static void room_give_back(wire_writer *w, size_t unused) {
    w->len -= unused;
}

/* Common exit: roll the writer back on failure, check the limit on success. */
static int finish(wire_writer *w, size_t start, size_t max_out, int rc) {
    if (rc == COMPRESS_OK && w->err)
        rc = COMPRESS_ERR_NOMEM;
    if (rc == COMPRESS_OK && w->len - start > max_out)
        rc = COMPRESS_ERR_LIMIT;
    if (rc != COMPRESS_OK && !w->err)
        w->len = start;
    return rc;
}

/* ---- gzip ---- */

static int gzip_encode(const uint8_t *src, size_t len, wire_writer *w) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return COMPRESS_ERR_NOMEM;
    size_t start = w->len;
    int rc = COMPRESS_OK;
    zs.next_in = (Bytef *)src;
    int zrc = Z_OK;
    size_t left = len;
    while (zrc != Z_STREAM_END) {
        uInt chunk = left > (1u << 30) ? (1u << 30) : (uInt)left;
        zs.avail_in = chunk;
        size_t bound = deflateBound(&zs, chunk) + 64;
        uint8_t *out = wire_write_reserve(w, bound);
        if (!out) {
            rc = COMPRESS_ERR_NOMEM;
            break;
        }
        zs.next_out = out;
        zs.avail_out = (uInt)bound;
        zrc = deflate(&zs, chunk == left ? Z_FINISH : Z_NO_FLUSH);
        room_give_back(w, zs.avail_out);
        left -= chunk - zs.avail_in;
        if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR) {
            rc = COMPRESS_ERR_CORRUPT;
            break;
        }
    }
    deflateEnd(&zs);
    return finish(w, start, SIZE_MAX, rc);
}

static int gzip_decode(const uint8_t *src, size_t len, size_t max_out, wire_writer *w) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 16) != Z_OK)
        return COMPRESS_ERR_NOMEM;
    size_t start = w->len;
    int rc = COMPRESS_OK;
    zs.next_in = (Bytef *)src;
    size_t left = len;
    int ended = 0;
    if (len == 0)
        rc = COMPRESS_ERR_CORRUPT;
    while (rc == COMPRESS_OK) {
        uInt chunk = left > (1u << 30) ? (1u << 30) : (uInt)left;
        zs.avail_in = chunk;
        size_t room;
        uint8_t *out = room_take(w, start, max_out, &room);
        if (!out) {
            rc = COMPRESS_ERR_NOMEM;
            break;
        }
        zs.next_out = out;
        zs.avail_out = (uInt)room;
        int zrc = inflate(&zs, Z_NO_FLUSH);
        room_give_back(w, zs.avail_out);
        left -= chunk - zs.avail_in;
        if (w->len - start > max_out) {
            rc = COMPRESS_ERR_LIMIT;
        } else if (zrc == Z_STREAM_END) {
            ended = 1;
            if (left == 0)
                break;
            /* Another gzip member follows. */
            if (inflateReset(&zs) != Z_OK)
                rc = COMPRESS_ERR_CORRUPT;
            ended = 0;
        } else if (zrc == Z_BUF_ERROR || zrc == Z_OK) {
            /* No progress possible with all input consumed: truncated. */
            if (left == 0 && zs.avail_out != 0)
                rc = COMPRESS_ERR_CORRUPT;
        } else if (zrc == Z_MEM_ERROR) {
            rc = COMPRESS_ERR_NOMEM;
        } else {
            rc = COMPRESS_ERR_CORRUPT;
        }
    }
    if (rc == COMPRESS_OK && !ended)
        rc = COMPRESS_ERR_CORRUPT;
    inflateEnd(&zs);
    return finish(w, start, max_out, rc);
}

/* ---- snappy ---- */

static int snappy_encode_xerial(const uint8_t *src, size_t len, wire_writer *w) {
    size_t start = w->len;
    wire_write_raw(w, xerial_magic, sizeof xerial_magic);
    wire_write_i32(w, 1); /* version */
    wire_write_i32(w, 1); /* minimum compatible version */
    for (size_t pos = 0; pos < len && !w->err; pos += XERIAL_BLOCK_SIZE) {
        size_t n = len - pos < XERIAL_BLOCK_SIZE ? len - pos : XERIAL_BLOCK_SIZE;
        size_t bound = snappy_max_compressed_length(n);
        uint8_t *hdr = wire_write_reserve(w, 4 + bound);
        if (!hdr)
            break;
        size_t clen = bound;
        if (snappy_compress((const char *)src + pos, n, (char *)hdr + 4, &clen) != SNAPPY_OK) {
            w->len = start;
            return COMPRESS_ERR_NOMEM;
        }
        wire_put_be32(hdr, (uint32_t)clen);
        room_give_back(w, bound - clen);
    }
    return finish(w, start, SIZE_MAX, COMPRESS_OK);
}

/* One raw snappy block appended to w, checked against the remaining budget
 * before anything is allocated (the block states its decoded length). */
static int snappy_block_decode(const uint8_t *src, size_t len, size_t start, size_t max_out,
                               wire_writer *w) {
    size_t n;
    if (snappy_uncompressed_length((const char *)src, len, &n) != SNAPPY_OK)
        return COMPRESS_ERR_CORRUPT;
    if (n > max_out - (w->len - start))
        return COMPRESS_ERR_LIMIT;
    if (snappy_validate_compressed_buffer((const char *)src, len) != SNAPPY_OK)
        return COMPRESS_ERR_CORRUPT;
    if (n == 0)
        return COMPRESS_OK;
    uint8_t *out = wire_write_reserve(w, n);
    if (!out)
        return COMPRESS_ERR_NOMEM;
    size_t got = n;
    if (snappy_uncompress((const char *)src, len, (char *)out, &got) != SNAPPY_OK || got != n)
        return COMPRESS_ERR_CORRUPT;
    return COMPRESS_OK;
}

static int snappy_decode(const uint8_t *src, size_t len, size_t max_out, wire_writer *w) {
    size_t start = w->len;
    if (len >= sizeof xerial_magic && memcmp(src, xerial_magic, sizeof xerial_magic) == 0) {
        if (len < XERIAL_HEADER_SIZE)
            return COMPRESS_ERR_CORRUPT;
        size_t pos = XERIAL_HEADER_SIZE;
        int rc = COMPRESS_OK;
        while (pos < len && rc == COMPRESS_OK) {
            if (len - pos < 4) {
                rc = COMPRESS_ERR_CORRUPT;
                break;
            }
            uint32_t blen = wire_be32(src + pos);
            pos += 4;
            if (blen > len - pos) {
                rc = COMPRESS_ERR_CORRUPT;
                break;
            }
            rc = snappy_block_decode(src + pos, blen, start, max_out, w);
            pos += blen;
        }
        return finish(w, start, max_out, rc);
    }
    if (len == 0)
        return COMPRESS_ERR_CORRUPT;
    return finish(w, start, max_out, snappy_block_decode(src, len, start, max_out, w));
}

/* ---- lz4 ---- */

static int lz4_encode(const uint8_t *src, size_t len, wire_writer *w) {
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.blockSizeID = LZ4F_max64KB;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
    prefs.frameInfo.frameType = LZ4F_frame;
    prefs.frameInfo.contentSize = 0;
    prefs.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
    size_t start = w->len;
    size_t bound = LZ4F_compressFrameBound(len, &prefs);
    uint8_t *out = wire_write_reserve(w, bound);
    if (!out)
        return finish(w, start, SIZE_MAX, COMPRESS_ERR_NOMEM);
    size_t n = LZ4F_compressFrame(out, bound, src, len, &prefs);
    if (LZ4F_isError(n))
        return finish(w, start, SIZE_MAX, COMPRESS_ERR_NOMEM);
    room_give_back(w, bound - n);
    return finish(w, start, SIZE_MAX, COMPRESS_OK);
}

static int lz4_decode(const uint8_t *src, size_t len, size_t max_out, wire_writer *w) {
    LZ4F_dctx *dctx;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
        return COMPRESS_ERR_NOMEM;
    size_t start = w->len;
    size_t pos = 0;
    size_t hint = 1; /* 0 once a frame is complete */
    int rc = len == 0 ? COMPRESS_ERR_CORRUPT : COMPRESS_OK;
    while (rc == COMPRESS_OK && pos < len) {
        size_t room;
        uint8_t *out = room_take(w, start, max_out, &room);
        if (!out) {
            rc = COMPRESS_ERR_NOMEM;
            break;
        }
        size_t dst_n = room, src_n = len - pos;
        hint = LZ4F_decompress(dctx, out, &dst_n, src + pos, &src_n, NULL);
        room_give_back(w, room - dst_n);
        if (LZ4F_isError(hint)) {
            rc = COMPRESS_ERR_CORRUPT;
            break;
        }
        pos += src_n;
        if (w->len - start > max_out)
            rc = COMPRESS_ERR_LIMIT;
        else if (src_n == 0 && dst_n == 0)
            rc = COMPRESS_ERR_CORRUPT; /* no progress */
    }
    /* Drain output still buffered inside the context (input all consumed). */
    while (rc == COMPRESS_OK && hint != 0) {
        size_t room;
        uint8_t *out = room_take(w, start, max_out, &room);
        if (!out) {
            rc = COMPRESS_ERR_NOMEM;
            break;
        }
        size_t dst_n = room, src_n = 0;
        hint = LZ4F_decompress(dctx, out, &dst_n, src + len, &src_n, NULL);
        room_give_back(w, room - dst_n);
        if (LZ4F_isError(hint))
            rc = COMPRESS_ERR_CORRUPT;
        else if (w->len - start > max_out)
            rc = COMPRESS_ERR_LIMIT;
        else if (dst_n == 0 && hint != 0)
            rc = COMPRESS_ERR_CORRUPT; /* truncated frame */
    }
    LZ4F_freeDecompressionContext(dctx);
    return finish(w, start, max_out, rc);
}

/* ---- zstd ---- */

static int zstd_encode(const uint8_t *src, size_t len, wire_writer *w) {
    size_t start = w->len;
    size_t bound = ZSTD_compressBound(len);
    uint8_t *out = wire_write_reserve(w, bound);
    if (!out)
        return finish(w, start, SIZE_MAX, COMPRESS_ERR_NOMEM);
    size_t n = ZSTD_compress(out, bound, src, len, ZSTD_CLEVEL_DEFAULT);
    if (ZSTD_isError(n))
        return finish(w, start, SIZE_MAX, COMPRESS_ERR_NOMEM);
    room_give_back(w, bound - n);
    return finish(w, start, SIZE_MAX, COMPRESS_OK);
}

static int zstd_decode(const uint8_t *src, size_t len, size_t max_out, wire_writer *w) {
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    if (!dctx)
        return COMPRESS_ERR_NOMEM;
    size_t start = w->len;
    ZSTD_inBuffer in = {src, len, 0};
    size_t hint = 1; /* 0 once a frame is complete and flushed */
    int rc = len == 0 ? COMPRESS_ERR_CORRUPT : COMPRESS_OK;
    while (rc == COMPRESS_OK && (in.pos < in.size || hint != 0)) {
        size_t room;
        uint8_t *p = room_take(w, start, max_out, &room);
        if (!p) {
            rc = COMPRESS_ERR_NOMEM;
            break;
        }
        ZSTD_outBuffer out = {p, room, 0};
        size_t before = in.pos;
        hint = ZSTD_decompressStream(dctx, &out, &in);
        room_give_back(w, room - out.pos);
        if (ZSTD_isError(hint)) {
            rc = ZSTD_getErrorCode(hint) == ZSTD_error_memory_allocation ? COMPRESS_ERR_NOMEM
                                                                         : COMPRESS_ERR_CORRUPT;
        } else if (w->len - start > max_out) {
            rc = COMPRESS_ERR_LIMIT;
        } else if (hint != 0 && in.pos == before && out.pos == 0) {
            rc = COMPRESS_ERR_CORRUPT; /* input ended inside a frame */
        }
    }
    ZSTD_freeDCtx(dctx);
    return finish(w, start, max_out, rc);
}

int compress_encode(int codec, const uint8_t *src, size_t len, wire_writer *out) {
    if (out->err)
        return COMPRESS_ERR_NOMEM;
    switch (codec) {
    case COMPRESS_NONE:
        wire_write_raw(out, src, len);
        return out->err ? COMPRESS_ERR_NOMEM : COMPRESS_OK;
    case COMPRESS_GZIP:
        return gzip_encode(src, len, out);
    case COMPRESS_SNAPPY:
        return snappy_encode_xerial(src, len, out);
    case COMPRESS_LZ4:
        return lz4_encode(src, len, out);
    case COMPRESS_ZSTD:
        return zstd_encode(src, len, out);
    default:
        return COMPRESS_ERR_CODEC;
    }
}

int compress_decode(int codec, const uint8_t *src, size_t len, size_t max_out, wire_writer *out) {
    if (out->err)
        return COMPRESS_ERR_NOMEM;
    if (!src)
        len = 0;
    switch (codec) {
    case COMPRESS_NONE:
        if (len > max_out)
            return COMPRESS_ERR_LIMIT;
        wire_write_raw(out, src, len);
        return out->err ? COMPRESS_ERR_NOMEM : COMPRESS_OK;
    case COMPRESS_GZIP:
        return gzip_decode(src, len, max_out, out);
    case COMPRESS_SNAPPY:
        return snappy_decode(src, len, max_out, out);
    case COMPRESS_LZ4:
        return lz4_decode(src, len, max_out, out);
    case COMPRESS_ZSTD:
        return zstd_decode(src, len, max_out, out);
    default:
        return COMPRESS_ERR_CODEC;
    }
}
