/*
 * cli_format.c - how `strand consume` prints a message: kcat-style -f
 * formats and --json lines (UTF-8 checked, binary as base64).
 *
 * Kept apart from the command so that the unit tests can feed it messages
 * without a broker (tests/unit/test_cli_format.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tools/cli_format.h"

int cli_utf8_valid(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t extra;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            extra = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            extra = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + extra >= n)
            return 0;
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
            (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += extra + 1;
    }
    return 1;
}

static void json_str_body(FILE *f, const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        switch (c) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
}

void cli_json_str(FILE *f, const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    fputc('"', f);
    if (cli_utf8_valid(u, n)) {
        json_str_body(f, u, n);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (u[i] >= 0x80)
                fprintf(f, "\\u%04x", u[i]);
            else
                json_str_body(f, &u[i], 1);
        }
    }
    fputc('"', f);
}

void cli_base64_put(FILE *f, const unsigned char *s, size_t n) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        fputc(tab[v >> 18], f);
        fputc(tab[(v >> 12) & 63], f);
        fputc(tab[(v >> 6) & 63], f);
        fputc(tab[v & 63], f);
    }
    if (i < n) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
        fputc(tab[v >> 18], f);
        fputc(tab[(v >> 12) & 63], f);
        fputc(i + 1 < n ? tab[(v >> 6) & 63] : '=', f);
        fputc('=', f);
    }
}

/* "name":"text" for UTF-8, "name_b64":"base64" otherwise, "name":null for
 * NULL. */
static void json_bytes_field(FILE *f, const char *name, const void *p, size_t n) {
    if (!p) {
        fprintf(f, "\"%s\":null", name);
    } else if (cli_utf8_valid(p, n)) {
        fprintf(f, "\"%s\":\"", name);
        json_str_body(f, p, n);
        fputc('"', f);
    } else {
        fprintf(f, "\"%s_b64\":\"", name);
        cli_base64_put(f, p, n);
        fputc('"', f);
    }
}

void cli_format_json(FILE *f, const strand_message *m) {
    fputs("{\"topic\":\"", f);
    json_str_body(f, (const unsigned char *)m->topic, strlen(m->topic));
    fprintf(f, "\",\"partition\":%d,\"offset\":%" PRId64 ",\"timestamp\":%" PRId64 ",",
            (int)m->partition, m->offset, m->timestamp);
    json_bytes_field(f, "key", m->key, m->key_len);
    fputc(',', f);
    json_bytes_field(f, "value", m->value, m->value_len);
    fputs(",\"headers\":[", f);
    for (size_t i = 0; i < m->header_count; i++) {
        const strand_header *h = &m->headers[i];
        fputs(i ? ",{" : "{", f);
        json_bytes_field(f, "key", h->key, strlen(h->key));
        fputc(',', f);
        json_bytes_field(f, "value", h->value, h->value_len);
        fputc('}', f);
    }
    fputs("]}\n", f);
}

void cli_format_message(FILE *f, const char *fmt, const strand_message *m) {
    for (const char *c = fmt; *c; c++) {
        if (*c == '\\' && c[1]) {
            c++;
            fputc(*c == 'n'   ? '\n'
                  : *c == 't' ? '\t'
                  : *c == 'r' ? '\r'
                  : *c == '0' ? '\0'
                              : *c,
                  f);
            continue;
        }
        if (*c != '%' || !c[1]) {
            fputc(*c, f);
            continue;
        }
        c++;
        switch (*c) {
        case 't':
            fputs(m->topic, f);
            break;
        case 'p':
            fprintf(f, "%d", (int)m->partition);
            break;
        case 'o':
            fprintf(f, "%" PRId64, m->offset);
            break;
        case 'T':
            fprintf(f, "%" PRId64, m->timestamp);
            break;
        case 'k':
            if (m->key)
                fwrite(m->key, 1, m->key_len, f);
            break;
        case 'v':
        case 's': /* kcat's name for the value */
            if (m->value)
                fwrite(m->value, 1, m->value_len, f);
            break;
        case 'K':
            fprintf(f, "%lld", m->key ? (long long)m->key_len : -1LL);
            break;
        case 'S':
            fprintf(f, "%lld", m->value ? (long long)m->value_len : -1LL);
            break;
        case 'h':
            for (size_t i = 0; i < m->header_count; i++) {
                if (i)
                    fputc(',', f);
                fputs(m->headers[i].key, f);
                fputc('=', f);
                if (m->headers[i].value)
                    fwrite(m->headers[i].value, 1, m->headers[i].value_len, f);
            }
            break;
        case '%':
            fputc('%', f);
            break;
        default:
            fputc('%', f);
            fputc(*c, f);
        }
    }
}

/* Does the format only use known directives? Returns the bad letter or 0. */
char cli_format_check(const char *fmt) {
    for (const char *c = fmt; *c; c++) {
        if (*c == '\\' && c[1]) {
            c++;
        } else if (*c == '%') {
            if (!c[1] || !strchr("tpoTkvsKSh%", c[1]))
                return c[1] ? c[1] : '%';
            c++;
        }
    }
    return 0;
}
