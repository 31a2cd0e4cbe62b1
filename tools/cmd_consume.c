/*
 * cmd_consume.c - `strand consume TOPIC`: print messages of one or all
 * partitions of a topic, like kcat -C.
 *
 * The start (-o) is resolved to one libstrand starting position per
 * partition: beginning/end/@timestamp map to the logical offsets, N is an
 * absolute offset and -N is N before each partition's end (looked up with
 * ListOffsets first). Output is a -f format (kcat's %-letters) or one JSON
 * object per line (--json). -e stops once every partition has reported its
 * end, -c after N messages; SIGINT/SIGTERM stop cleanly otherwise.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli_client.h"

enum { OPT_JSON = 1000, OPT_TIMEOUT_C };

/* Write bytes as a JSON string body (no quotes). Valid UTF-8 passes through
 * (control characters, '"' and '\\' escaped); returns -1 without writing
 * when the bytes are not valid UTF-8. */
static int utf8_valid(const unsigned char *s, size_t n) {
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

static void base64_put(FILE *f, const unsigned char *s, size_t n) {
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
    } else if (utf8_valid(p, n)) {
        fprintf(f, "\"%s\":\"", name);
        json_str_body(f, p, n);
        fputc('"', f);
    } else {
        fprintf(f, "\"%s_b64\":\"", name);
        base64_put(f, p, n);
        fputc('"', f);
    }
}

static void consume_print_json(FILE *f, const strand_message *m) {
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

static void consume_print_format(FILE *f, const char *fmt, const strand_message *m) {
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
static char format_check(const char *fmt) {
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

/* The -o argument. */
typedef struct consume_start {
    int kind; /* 0 logical/absolute in `offset`, 1 relative to end, 2 timestamp */
    int64_t offset;
    int64_t value;
} consume_start;

static int start_parse(const char *s, consume_start *st) {
    long long v;
    if (strcmp(s, "beginning") == 0 || strcmp(s, "earliest") == 0) {
        *st = (consume_start){0, STRAND_OFFSET_BEGINNING, 0};
    } else if (strcmp(s, "end") == 0 || strcmp(s, "latest") == 0) {
        *st = (consume_start){0, STRAND_OFFSET_END, 0};
    } else if (s[0] == '@') {
        if (cli_parse_int(s + 1, 0, INT64_MAX, &v) < 0)
            return -1;
        *st = (consume_start){2, STRAND_OFFSET_TIMESTAMP, v};
    } else if (s[0] == '-') {
        if (cli_parse_int(s + 1, 1, INT64_MAX, &v) < 0)
            return -1;
        *st = (consume_start){1, 0, v};
    } else {
        if (cli_parse_int(s, 0, INT64_MAX, &v) < 0)
            return -1;
        *st = (consume_start){0, v, 0};
    }
    return 0;
}

int cmd_consume(cli_ctx *ctx, int argc, char **argv) {
    const cli_command *cmd = cli_command_find("consume", NULL);
    static const struct option opts[] = {{"offset", required_argument, NULL, 'o'},
                                         {"count", required_argument, NULL, 'c'},
                                         {"partition", required_argument, NULL, 'p'},
                                         {"exit", no_argument, NULL, 'e'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {"bootstrap", required_argument, NULL, 'b'},
                                         {"timeout", required_argument, NULL, OPT_TIMEOUT_C},
                                         {NULL, 0, NULL, 0}};
    consume_start start = {0, STRAND_OFFSET_END, 0};
    long long count = -1, partition = -1, v;
    int exit_at_end = 0, json = 0;
    const char *fmt = "%v\\n";
    cli_xopts x;
    if (cli_xopts_init(&x, argc) < 0)
        return CLI_ERR;
    int opt, rc = CLI_OK;
    optind = 0;
    opterr = 0;
    while (rc == CLI_OK && (opt = getopt_long(argc, argv, "o:c:p:ef:X:b:", opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            if (start_parse(optarg, &start) < 0)
                rc = cli_usage_error(cmd,
                                     "-o needs beginning, end, an offset N, -N or "
                                     "@TIMESTAMP_MS, not '%s'",
                                     optarg);
            break;
        case 'c':
            if (cli_parse_int(optarg, 1, INT64_MAX, &count) < 0)
                rc = cli_usage_error(cmd, "--count needs a number >= 1, not '%s'", optarg);
            break;
        case 'p':
            if (cli_parse_int(optarg, 0, INT32_MAX, &partition) < 0)
                rc = cli_usage_error(cmd, "--partition needs a number >= 0, not '%s'", optarg);
            break;
        case 'e':
            exit_at_end = 1;
            break;
        case 'f':
            fmt = optarg;
            break;
        case OPT_JSON:
            json = 1;
            break;
        case 'X':
            if (cli_xopts_add(&x, optarg) < 0)
                rc = cli_usage_error(cmd, "-X needs KEY=VALUE, not '%s'", optarg);
            break;
        case 'b':
            ctx->brokers = optarg;
            break;
        case OPT_TIMEOUT_C:
            if (cli_parse_int(optarg, 1, 3600000, &v) < 0)
                rc = cli_usage_error(cmd, "--timeout needs a number of milliseconds");
            else
                ctx->timeout_ms = (int)v;
            break;
        default:
            rc = cli_usage_error(cmd, "bad or incomplete option '%s'", argv[optind - 1]);
            break;
        }
    }
    if (rc == CLI_OK && optind != argc - 1)
        rc = cli_usage_error(cmd, optind >= argc ? "consume needs a TOPIC"
                                                 : "consume takes exactly one TOPIC");
    char bad;
    if (rc == CLI_OK && !json && (bad = format_check(fmt)) != 0)
        rc = cli_usage_error(cmd, "unknown format directive '%%%c' in -f", bad);
    if (rc != CLI_OK) {
        cli_xopts_free(&x);
        return rc;
    }
    const char *topic = argv[optind];

    int32_t n_parts = 0;
    if (cli_topic_partition_count(ctx, topic, &n_parts) < 0) {
        cli_xopts_free(&x);
        return CLI_ERR;
    }
    if (partition >= n_parts) {
        cli_error("topic '%s' has %d partitions (0-%d); there is no partition %lld", topic,
                  (int)n_parts, (int)n_parts - 1, partition);
        cli_xopts_free(&x);
        return CLI_ERR;
    }
    int n = partition >= 0 ? 1 : (int)n_parts;
    int32_t *parts = calloc((size_t)n, sizeof *parts);
    int64_t *ends = calloc((size_t)n, sizeof *ends);
    int64_t *begins = calloc((size_t)n, sizeof *begins);
    strand_topic_partition *tps = calloc((size_t)n, sizeof *tps);
    char *eof_seen = calloc((size_t)n_parts, 1);
    strand_conf *conf = NULL;
    strand_consumer *c = NULL;
    rc = CLI_ERR;
    if (!parts || !ends || !begins || !tps || !eof_seen) {
        cli_error("out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++)
        parts[i] = partition >= 0 ? (int32_t)partition : i;
    if (start.kind == 1 && (cli_topic_offsets(ctx, topic, parts, n, -1, ends) < 0 ||
                            cli_topic_offsets(ctx, topic, parts, n, -2, begins) < 0))
        goto out;
    for (int i = 0; i < n; i++) {
        tps[i].topic = topic;
        tps[i].partition = parts[i];
        tps[i].offset = start.offset;
        tps[i].timestamp = start.value;
        if (start.kind == 1) {
            int64_t o = ends[i] - start.value;
            tps[i].offset = o < begins[i] ? begins[i] : o;
        }
    }
    const char *const pairs[][2] = {{"enable.partition.eof", exit_at_end ? "true" : NULL}};
    conf = cli_conf_build(ctx, pairs, 1, &x);
    if (!conf) {
        rc = CLI_USAGE;
        goto out;
    }
    char err[512];
    c = strand_consumer_new(conf, err, sizeof err);
    conf = NULL;
    if (!c) {
        cli_error("cannot create the consumer: %s", err);
        goto out;
    }
    strand_err e = strand_consumer_assign(c, tps, (size_t)n);
    if (e != STRAND_OK) {
        cli_error("assign failed: %s", strand_err_str(e));
        goto out;
    }
    cli_signals_install();
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    long long got = 0;
    int eofs = 0, failed = 0;
    rc = CLI_OK;
    while (!cli_stop && (count < 0 || got < count) && (!exit_at_end || eofs < n)) {
        strand_message *m = strand_consumer_poll(c, 200);
        if (!m) {
            fflush(stdout);
            continue;
        }
        if (m->err == STRAND_ERR_PARTITION_EOF) {
            if (m->partition >= 0 && m->partition < n_parts && !eof_seen[m->partition]) {
                eof_seen[m->partition] = 1;
                eofs++;
            }
        } else if (m->err != STRAND_OK) {
            cli_error("%s [%d] at offset %" PRId64 ": %s", m->topic ? m->topic : topic,
                      (int)m->partition, m->offset, strand_err_str(m->err));
            /* retriable events (a leader move, a lost connection) are
             * retried by the library; anything else ends the command */
            if (!strand_err_is_retriable(m->err)) {
                failed = 1;
                cli_stop = 1;
            }
        } else {
            if (json)
                consume_print_json(stdout, m);
            else
                consume_print_format(stdout, fmt, m);
            got++;
        }
        strand_message_free(m);
        if (ferror(stdout)) {
            cli_error("writing to stdout failed");
            rc = CLI_ERR;
            break;
        }
    }
    if (fflush(stdout) != 0 && rc == CLI_OK) {
        cli_error("writing to stdout failed");
        rc = CLI_ERR;
    }
    if (failed)
        rc = CLI_ERR;
out:
    strand_consumer_close(c);
    strand_conf_free(conf);
    free(parts);
    free(ends);
    free(begins);
    free(tps);
    free(eof_seen);
    cli_xopts_free(&x);
    return rc;
}
