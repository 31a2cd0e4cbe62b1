/*
 * buf.c - the byte reader, writer and arena behind every wire codec.
 *
 * Reads check bounds once per field and turn an overrun into a sticky error;
 * writes grow the buffer geometrically. Varints follow the protobuf layout
 * (base-128, least significant group first); the signed ones are zig-zag
 * encoded, as Kafka's records use them.
 */
#include "wire/buf.h"

#include <stdlib.h>

char *wire_str_dup(wire_str s) {
    if (s.len < 0)
        return NULL;
    char *d = malloc((size_t)s.len + 1);
    if (!d)
        return NULL;
    if (s.len)
        memcpy(d, s.ptr, (size_t)s.len);
    d[s.len] = '\0';
    return d;
}

static inline int need(wire_reader *r, size_t n) {
    if (r->err)
        return 0;
    if (r->len - r->pos < n) {
        r->err = WIRE_ERR_SHORT;
        return 0;
    }
    return 1;
}

int8_t wire_read_i8(wire_reader *r) {
    if (!need(r, 1))
        return 0;
    return (int8_t)r->p[r->pos++];
}

int16_t wire_read_i16(wire_reader *r) {
    if (!need(r, 2))
        return 0;
    int16_t v = (int16_t)wire_be16(r->p + r->pos);
    r->pos += 2;
    return v;
}

int32_t wire_read_i32(wire_reader *r) {
    if (!need(r, 4))
        return 0;
    int32_t v = (int32_t)wire_be32(r->p + r->pos);
    r->pos += 4;
    return v;
}

uint32_t wire_read_u32(wire_reader *r) {
    return (uint32_t)wire_read_i32(r);
}

int64_t wire_read_i64(wire_reader *r) {
    if (!need(r, 8))
        return 0;
    int64_t v = (int64_t)wire_be64(r->p + r->pos);
    r->pos += 8;
    return v;
}

static uint64_t read_varbits(wire_reader *r, int max_bytes) {
    uint64_t v = 0;
    for (int i = 0; i < max_bytes; i++) {
        if (!need(r, 1))
            return 0;
        uint8_t b = r->p[r->pos++];
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80))
            return v;
    }
    r->err = WIRE_ERR_INVALID; /* too many continuation bytes */
    return 0;
}

uint64_t wire_read_uvarint(wire_reader *r) {
    return read_varbits(r, 10);
}

int32_t wire_read_varint(wire_reader *r) {
    uint32_t u = (uint32_t)read_varbits(r, 5);
    return (int32_t)((u >> 1) ^ (0u - (u & 1)));
}

int64_t wire_read_varlong(wire_reader *r) {
    uint64_t u = read_varbits(r, 10);
    return (int64_t)((u >> 1) ^ (0ull - (u & 1)));
}

void wire_read_uuid(wire_reader *r, uint8_t out[16]) {
    const uint8_t *p = wire_read_raw(r, 16);
    if (p)
        memcpy(out, p, 16);
    else
        memset(out, 0, 16);
}

const uint8_t *wire_read_raw(wire_reader *r, size_t n) {
    if (!need(r, n))
        return NULL;
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

void wire_skip(wire_reader *r, size_t n) {
    (void)wire_read_raw(r, n);
}

/* Length of a string/bytes field: classic int16/int32, or compact N+1. */
static int64_t read_len(wire_reader *r, int flexible, int wide) {
    if (flexible) {
        uint64_t n = wire_read_uvarint(r);
        if (r->err)
            return 0;
        if (n > (uint64_t)INT32_MAX) {
            r->err = WIRE_ERR_INVALID;
            return 0;
        }
        return (int64_t)n - 1;
    }
    return wide ? wire_read_i32(r) : wire_read_i16(r);
}

wire_str wire_read_str(wire_reader *r, int flexible) {
    int64_t n = read_len(r, flexible, 0);
    if (r->err || n < 0) {
        if (n < -1)
            r->err = WIRE_ERR_INVALID;
        return WIRE_STR_NULL;
    }
    const uint8_t *p = wire_read_raw(r, (size_t)n);
    if (!p)
        return WIRE_STR_NULL;
    wire_str s = {(const char *)p, (int32_t)n};
    return s;
}

wire_bytes wire_read_bytes(wire_reader *r, int flexible) {
    int64_t n = read_len(r, flexible, 1);
    if (r->err || n < 0) {
        if (n < -1)
            r->err = WIRE_ERR_INVALID;
        return WIRE_BYTES_NULL;
    }
    const uint8_t *p = wire_read_raw(r, (size_t)n);
    if (!p)
        return WIRE_BYTES_NULL;
    wire_bytes b = {p, (int32_t)n};
    return b;
}

int32_t wire_read_array_len(wire_reader *r, int flexible) {
    int64_t n = flexible ? (int64_t)wire_read_uvarint(r) - 1 : wire_read_i32(r);
    if (r->err)
        return 0;
    if (n < -1 || (n > 0 && (uint64_t)n > r->len - r->pos)) {
        r->err = WIRE_ERR_INVALID;
        return 0;
    }
    return (int32_t)n;
}

void wire_skip_tags(wire_reader *r, int flexible) {
    if (!flexible)
        return;
    uint64_t n = wire_read_uvarint(r);
    for (uint64_t i = 0; i < n && !r->err; i++) {
        (void)wire_read_uvarint(r); /* tag */
        uint64_t size = wire_read_uvarint(r);
        if (r->err)
            return;
        if (size > r->len - r->pos) {
            r->err = WIRE_ERR_SHORT;
            return;
        }
        r->pos += size;
    }
}

void wire_writer_init(wire_writer *w) {
    w->p = NULL;
    w->len = 0;
    w->cap = 0;
    w->err = WIRE_OK;
}

void wire_writer_free(wire_writer *w) {
    free(w->p);
    wire_writer_init(w);
}

uint8_t *wire_writer_take(wire_writer *w, size_t *len) {
    uint8_t *p = w->p;
    if (len)
        *len = w->len;
    wire_writer_init(w);
    return p;
}

uint8_t *wire_write_reserve(wire_writer *w, size_t n) {
    if (w->err)
        return NULL;
    /* Also allocate on a first zero-byte reserve, so success is never NULL. */
    if (!w->p || w->cap - w->len < n) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap - w->len < n) {
            if (cap > SIZE_MAX / 2) {
                w->err = WIRE_ERR_NOMEM;
                return NULL;
            }
            cap *= 2;
        }
        uint8_t *p = realloc(w->p, cap);
        if (!p) {
            w->err = WIRE_ERR_NOMEM;
            return NULL;
        }
        w->p = p;
        w->cap = cap;
    }
    uint8_t *at = w->p + w->len;
    w->len += n;
    return at;
}

void wire_write_i8(wire_writer *w, int8_t v) {
    uint8_t *p = wire_write_reserve(w, 1);
    if (p)
        p[0] = (uint8_t)v;
}

void wire_write_i16(wire_writer *w, int16_t v) {
    uint8_t *p = wire_write_reserve(w, 2);
    if (p)
        wire_put_be16(p, (uint16_t)v);
}

void wire_write_i32(wire_writer *w, int32_t v) {
    uint8_t *p = wire_write_reserve(w, 4);
    if (p)
        wire_put_be32(p, (uint32_t)v);
}

void wire_write_u32(wire_writer *w, uint32_t v) {
    wire_write_i32(w, (int32_t)v);
}

void wire_write_i64(wire_writer *w, int64_t v) {
    uint8_t *p = wire_write_reserve(w, 8);
    if (p)
        wire_put_be64(p, (uint64_t)v);
}

void wire_write_uvarint(wire_writer *w, uint64_t v) {
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    wire_write_raw(w, tmp, n);
}

void wire_write_varint(wire_writer *w, int32_t v) {
    wire_write_uvarint(w, (uint32_t)(((uint32_t)v << 1) ^ (uint32_t)(v >> 31)));
}

void wire_write_varlong(wire_writer *w, int64_t v) {
    wire_write_uvarint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void wire_write_uuid(wire_writer *w, const uint8_t v[16]) {
    wire_write_raw(w, v, 16);
}

void wire_write_raw(wire_writer *w, const void *src, size_t n) {
    if (n == 0)
        return;
    uint8_t *p = wire_write_reserve(w, n);
    if (p)
        memcpy(p, src, n);
}

static void write_len(wire_writer *w, int flexible, int wide, int32_t n) {
    if (flexible)
        wire_write_uvarint(w, (uint64_t)((int64_t)n + 1));
    else if (wide)
        wire_write_i32(w, n);
    else
        wire_write_i16(w, (int16_t)n);
}

void wire_write_str(wire_writer *w, int flexible, wire_str s) {
    if (s.len < 0) {
        write_len(w, flexible, 0, -1);
        return;
    }
    write_len(w, flexible, 0, s.len);
    wire_write_raw(w, s.ptr, (size_t)s.len);
}

void wire_write_cstr(wire_writer *w, int flexible, const char *s) {
    wire_write_str(w, flexible, wire_str_from(s));
}

void wire_write_bytes(wire_writer *w, int flexible, wire_bytes b) {
    if (b.len < 0) {
        write_len(w, flexible, 1, -1);
        return;
    }
    write_len(w, flexible, 1, b.len);
    wire_write_raw(w, b.ptr, (size_t)b.len);
}

void wire_write_array_len(wire_writer *w, int flexible, int32_t n) {
    write_len(w, flexible, 1, n);
}

void wire_write_tags_empty(wire_writer *w, int flexible) {
    if (flexible)
        wire_write_i8(w, 0);
}

void wire_patch_i32(wire_writer *w, size_t pos, int32_t v) {
    if (!w->err && pos + 4 <= w->len)
        wire_put_be32(w->p + pos, (uint32_t)v);
}

size_t wire_uvarint_size(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

size_t wire_varint_size(int32_t v) {
    return wire_uvarint_size((uint32_t)(((uint32_t)v << 1) ^ (uint32_t)(v >> 31)));
}

size_t wire_varlong_size(int64_t v) {
    return wire_uvarint_size(((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

struct wire_arena_chunk {
    wire_arena_chunk *next;
    size_t used;
    size_t cap;
    _Alignas(8) uint8_t data[];
};

void *wire_arena_alloc(wire_arena *a, size_t n) {
    if (n > SIZE_MAX / 2)
        return NULL; /* rounding up and the chunk header must not overflow */
    n = (n + 7) & ~(size_t)7;
    if (n == 0)
        n = 8;
    wire_arena_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 8192 ? n : 8192;
        c = malloc(sizeof(*c) + cap);
        if (!c)
            return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

void *wire_arena_calloc(wire_arena *a, size_t count, size_t size) {
    if (count == 0 || size == 0 || count > SIZE_MAX / size)
        return NULL;
    return wire_arena_alloc(a, count * size);
}

void wire_arena_free(wire_arena *a) {
    wire_arena_chunk *c = a->head;
    while (c) {
        wire_arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
}
