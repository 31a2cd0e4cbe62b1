/*
 * buf.h - byte readers and writers for the Kafka wire format.
 *
 * Every codec in wire/ is written against these two small types. A reader
 * walks a borrowed byte range; a writer appends to a buffer it owns and grows.
 * Both keep a sticky error: once a read runs past the end (or a write fails to
 * grow), every further call is a no-op returning zero, and the caller checks
 * `err` once at the end of a message instead of after every field. This keeps
 * the codecs short and makes truncated input impossible to overlook.
 *
 * Kafka integers are big-endian. Varints come in two flavours: signed
 * zig-zag (inside records) and unsigned (lengths and tags of flexible
 * versions). "Flexible" arguments select the compact encodings of KIP-482.
 *
 * Decoded strings and byte fields are slices into the reader's input: they
 * stay valid as long as that input does. Nothing here is thread-safe; a
 * reader or writer belongs to one thread at a time.
 */
#ifndef STRAND_WIRE_BUF_H
#define STRAND_WIRE_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum wire_status {
    WIRE_OK = 0,
    WIRE_ERR_SHORT = -1,   /* input ended inside a field */
    WIRE_ERR_INVALID = -2, /* a length or count that cannot be right */
    WIRE_ERR_NOMEM = -3,   /* a writer could not grow */
};

/* A string slice; len == -1 is the null string. Not NUL-terminated. */
typedef struct wire_str {
    const char *ptr;
    int32_t len;
} wire_str;

/* A byte slice; len == -1 is null bytes. */
typedef struct wire_bytes {
    const uint8_t *ptr;
    int32_t len;
} wire_bytes;

#define WIRE_STR_NULL ((wire_str){NULL, -1})
#define WIRE_BYTES_NULL ((wire_bytes){NULL, -1})

/* A slice over a NUL-terminated C string (NULL gives the null string). */
static inline wire_str wire_str_from(const char *s) {
    wire_str r = {s, s ? (int32_t)strlen(s) : -1};
    return r;
}

/* 1 if the slice holds exactly the C string `s`. */
static inline int wire_str_eq(wire_str a, const char *s) {
    size_t n = strlen(s);
    return a.len >= 0 && (size_t)a.len == n && memcmp(a.ptr, s, n) == 0;
}

/* malloc'ed NUL-terminated copy of a slice (NULL for the null string or on
 * allocation failure). The caller frees it. */
char *wire_str_dup(wire_str s);

typedef struct wire_reader {
    const uint8_t *p;
    size_t len;
    size_t pos;
    int err; /* enum wire_status, sticky */
} wire_reader;

static inline void wire_reader_init(wire_reader *r, const void *p, size_t len) {
    r->p = (const uint8_t *)p;
    r->len = len;
    r->pos = 0;
    r->err = WIRE_OK;
}

static inline size_t wire_remaining(const wire_reader *r) {
    return r->err ? 0 : r->len - r->pos;
}

int8_t wire_read_i8(wire_reader *r);
int16_t wire_read_i16(wire_reader *r);
int32_t wire_read_i32(wire_reader *r);
int64_t wire_read_i64(wire_reader *r);
uint32_t wire_read_u32(wire_reader *r);
uint64_t wire_read_uvarint(wire_reader *r); /* unsigned base-128, max 10 bytes */
int32_t wire_read_varint(wire_reader *r);   /* zig-zag, max 5 bytes */
int64_t wire_read_varlong(wire_reader *r);  /* zig-zag, max 10 bytes */
void wire_read_uuid(wire_reader *r, uint8_t out[16]);
/* Borrow n raw bytes (NULL and sticky error if fewer remain). */
const uint8_t *wire_read_raw(wire_reader *r, size_t n);
void wire_skip(wire_reader *r, size_t n);

/* STRING / NULLABLE_STRING, or COMPACT_(NULLABLE_)STRING when flexible. */
wire_str wire_read_str(wire_reader *r, int flexible);
/* BYTES / NULLABLE_BYTES, or the COMPACT forms when flexible. Also RECORDS. */
wire_bytes wire_read_bytes(wire_reader *r, int flexible);
/* Array element count (-1 for a null array). A count larger than the bytes
 * left (each element needs at least one) is WIRE_ERR_INVALID, so decoders
 * can allocate count elements without trusting the peer. */
int32_t wire_read_array_len(wire_reader *r, int flexible);
/* Skip a tagged-field section (flexible only; no-op otherwise). */
void wire_skip_tags(wire_reader *r, int flexible);

typedef struct wire_writer {
    uint8_t *p;
    size_t len;
    size_t cap;
    int err; /* enum wire_status, sticky */
} wire_writer;

/* Start empty; the buffer is malloc'ed on first write. */
void wire_writer_init(wire_writer *w);
/* Release the buffer. */
void wire_writer_free(wire_writer *w);
/* Hand the buffer to the caller (who frees it) and reset the writer. */
uint8_t *wire_writer_take(wire_writer *w, size_t *len);
/* Make room for n more bytes; returns the write position or NULL. The
 * caller fills them and the writer counts them as written. */
uint8_t *wire_write_reserve(wire_writer *w, size_t n);

void wire_write_i8(wire_writer *w, int8_t v);
void wire_write_i16(wire_writer *w, int16_t v);
void wire_write_i32(wire_writer *w, int32_t v);
void wire_write_i64(wire_writer *w, int64_t v);
void wire_write_u32(wire_writer *w, uint32_t v);
void wire_write_uvarint(wire_writer *w, uint64_t v);
void wire_write_varint(wire_writer *w, int32_t v);
void wire_write_varlong(wire_writer *w, int64_t v);
void wire_write_uuid(wire_writer *w, const uint8_t v[16]);
void wire_write_raw(wire_writer *w, const void *p, size_t n);
void wire_write_str(wire_writer *w, int flexible, wire_str s);
void wire_write_cstr(wire_writer *w, int flexible, const char *s);
void wire_write_bytes(wire_writer *w, int flexible, wire_bytes b);
void wire_write_array_len(wire_writer *w, int flexible, int32_t n);
/* An empty tagged-field section (flexible only; no-op otherwise). */
void wire_write_tags_empty(wire_writer *w, int flexible);
/* Overwrite 4 bytes at `pos` (already written) with a big-endian int32. */
void wire_patch_i32(wire_writer *w, size_t pos, int32_t v);

/* Number of bytes the encodings take. */
size_t wire_uvarint_size(uint64_t v);
size_t wire_varint_size(int32_t v);
size_t wire_varlong_size(int64_t v);

/* Big-endian load/store for fixed positions (batch headers). */
static inline uint16_t wire_be16(const uint8_t *p) {
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}
static inline uint32_t wire_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t wire_be64(const uint8_t *p) {
    return (uint64_t)wire_be32(p) << 32 | wire_be32(p + 4);
}
static inline void wire_put_be16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void wire_put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline void wire_put_be64(uint8_t *p, uint64_t v) {
    wire_put_be32(p, (uint32_t)(v >> 32));
    wire_put_be32(p + 4, (uint32_t)v);
}

/*
 * A bump allocator for decoded messages: arrays of a decoded request live in
 * the arena and are all released at once with wire_arena_free(). Not
 * thread-safe. Allocations are 8-byte aligned and zeroed.
 */
typedef struct wire_arena_chunk wire_arena_chunk;
typedef struct wire_arena {
    wire_arena_chunk *head;
} wire_arena;

static inline void wire_arena_init(wire_arena *a) { a->head = NULL; }
void *wire_arena_alloc(wire_arena *a, size_t n);
/* count * size, checking overflow; NULL on failure or when count is 0. */
void *wire_arena_calloc(wire_arena *a, size_t count, size_t size);
void wire_arena_free(wire_arena *a);

#endif
