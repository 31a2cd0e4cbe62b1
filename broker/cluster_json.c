/*
 * cluster_json.c - a minimal JSON reader and writer for the cluster's
 * ZooKeeper nodes (cluster_json.h). The values are small and written by
 * brokers (ours or Kafka's layout), so this is a scanner over the text:
 * skip_value() steps over any value with bounded nesting, and the readers
 * look up top-level members by key.
 */
#include "broker/cluster_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CJ_DEPTH_MAX 32

static const char *ws(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* Past the string starting at p ('"'), or NULL. */
static const char *skip_string(const char *p) {
    if (*p != '"')
        return NULL;
    for (p++; *p; p++) {
        if (*p == '\\') {
            if (!p[1])
                return NULL;
            p++;
        } else if (*p == '"') {
            return p + 1;
        }
    }
    return NULL;
}

static const char *skip_value(const char *p, int depth) {
    p = ws(p);
    if (depth > CJ_DEPTH_MAX)
        return NULL;
    if (*p == '"')
        return skip_string(p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        int obj = *p == '{';
        p = ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (obj) {
                p = skip_string(ws(p));
                if (!p)
                    return NULL;
                p = ws(p);
                if (*p != ':')
                    return NULL;
                p++;
            }
            p = skip_value(p, depth + 1);
            if (!p)
                return NULL;
            p = ws(p);
            if (*p == ',') {
                p++;
                continue;
            }
            return *p == close ? p + 1 : NULL;
        }
    }
    const char *s = p;
    while (*p && strchr("-+.eE0123456789truefalsn", *p))
        p++;
    return p > s ? p : NULL;
}

int cj_members(const char *p, int (*fn)(void *arg, const char *key, const char *value), void *arg) {
    p = ws(p);
    if (*p != '{')
        return -1;
    p = ws(p + 1);
    if (*p == '}')
        return 0;
    for (;;) {
        p = ws(p);
        const char *kend = skip_string(p);
        if (!kend || kend - p - 2 >= 256)
            return -1;
        char key[256];
        memcpy(key, p + 1, (size_t)(kend - p - 2));
        key[kend - p - 2] = '\0';
        p = ws(kend);
        if (*p != ':')
            return -1;
        const char *v = ws(p + 1);
        const char *vend = skip_value(v, 1);
        if (!vend)
            return -1;
        int rc = fn(arg, key, v);
        if (rc)
            return rc;
        p = ws(vend);
        if (*p == ',') {
            p++;
            continue;
        }
        return *p == '}' ? 0 : -1;
    }
}

typedef struct find_ctx {
    const char *key;
    const char *found;
} find_ctx;

static int find_fn(void *arg, const char *key, const char *value) {
    find_ctx *f = arg;
    if (strcmp(key, f->key) == 0) {
        f->found = value;
        return 1;
    }
    return 0;
}

const char *cj_get(const char *json, const char *key) {
    if (!json)
        return NULL;
    find_ctx f = {key, NULL};
    cj_members(json, find_fn, &f);
    return f.found;
}

int cj_int(const char *p, int64_t *out) {
    if (!p)
        return -1;
    p = ws(p);
    int quoted = *p == '"'; /* Kafka writes some numbers as strings */
    if (quoted)
        p++;
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p || (quoted && *end != '"'))
        return -1;
    *out = v;
    return 0;
}

int cj_str(const char *p, char *out, size_t outlen) {
    if (!p)
        return -1;
    p = ws(p);
    if (*p != '"' || outlen == 0)
        return -1;
    size_t n = 0;
    for (p++; *p && *p != '"'; p++) {
        char c = *p;
        if (c == '\\') {
            p++;
            if (*p != '"' && *p != '\\' && *p != '/')
                return -1;
            c = *p;
        }
        if (n + 1 >= outlen)
            return -1;
        out[n++] = c;
    }
    if (*p != '"')
        return -1;
    out[n] = '\0';
    return 0;
}

int cj_int_array(const char *p, int32_t *out, int max) {
    if (!p)
        return -1;
    p = ws(p);
    if (*p != '[')
        return -1;
    p = ws(p + 1);
    int n = 0;
    if (*p == ']')
        return 0;
    for (;;) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p || v < INT32_MIN || v > INT32_MAX || n >= max)
            return -1;
        out[n++] = (int32_t)v;
        p = ws(end);
        if (*p == ',') {
            p = ws(p + 1);
            continue;
        }
        return *p == ']' ? n : -1;
    }
}

int cj_get_int(const char *json, const char *key, int64_t *out) {
    return cj_int(cj_get(json, key), out);
}

int cj_get_str(const char *json, const char *key, char *out, size_t outlen) {
    return cj_str(cj_get(json, key), out, outlen);
}

void cj_printf(cj_buf *b, const char *fmt, ...) {
    if (b->err)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cap - b->len) {
        b->err = 1;
        return;
    }
    b->len += (size_t)n;
}

void cj_quote(cj_buf *b, const char *s) {
    cj_printf(b, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            cj_printf(b, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            cj_printf(b, "?");
        else
            cj_printf(b, "%c", *s);
    }
    cj_printf(b, "\"");
}

void cj_int_list(cj_buf *b, const int32_t *v, int n) {
    cj_printf(b, "[");
    for (int i = 0; i < n; i++)
        cj_printf(b, "%s%d", i ? "," : "", (int)v[i]);
    cj_printf(b, "]");
}
