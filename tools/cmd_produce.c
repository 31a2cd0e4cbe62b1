/*
 * cmd_produce.c - `strand produce TOPIC`: one message per line of stdin,
 * through libstrand's producer.
 *
 * Lines are split into key and value at the first key delimiter (-k), the
 * same headers (--headers) go on every message, and any library setting can
 * be passed with -X. send() never blocks; when the bounded queue is full we
 * serve delivery reports and try again. Delivery errors are printed on
 * stderr (the first few in full, then counted), the summary line follows at
 * the end and the exit status is 1 if any message failed.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli_client.h"

enum { OPT_COMPRESSION = 1000, OPT_ACKS, OPT_HEADERS, OPT_LINGER, OPT_BATCH };

#define PRODUCE_ERRORS_SHOWN 10

typedef struct produce_stats {
    long long delivered;
    long long delivered_bytes; /* keys + values of delivered messages */
    long long failed;
} produce_stats;

static void produce_on_delivery(strand_producer *p, const strand_delivery *d, void *opaque) {
    (void)p;
    produce_stats *st = opaque;
    if (d->err == STRAND_OK) {
        st->delivered++;
        st->delivered_bytes += (long long)(d->key_len + d->value_len);
        return;
    }
    if (st->failed < PRODUCE_ERRORS_SHOWN)
        cli_error("delivery failed: line %" PRIuPTR " to %s [%d]: %s", (uintptr_t)d->opaque,
                  d->topic, (int)d->partition, strand_err_str(d->err));
    else if (st->failed == PRODUCE_ERRORS_SHOWN)
        cli_error("more delivery errors follow; only the count is printed");
    st->failed++;
}

/* "k=v,k2=v2" -> headers in place (the string is modified). */
static int headers_parse(char *s, strand_header **out, size_t *n) {
    size_t cap = 1;
    for (const char *c = s; *c; c++)
        cap += *c == ',';
    strand_header *h = calloc(cap, sizeof *h);
    if (!h)
        return -1;
    size_t k = 0;
    char *save = NULL;
    for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok) {
            free(h);
            return -1;
        }
        *eq = '\0';
        h[k].key = tok;
        h[k].value = eq + 1;
        h[k].value_len = strlen(eq + 1);
        k++;
    }
    *out = h;
    *n = k;
    return 0;
}

int cmd_produce(cli_ctx *ctx, int argc, char **argv) {
    const cli_command *cmd = cli_command_find("produce", NULL);
    static const struct option opts[] = {{"key-delimiter", required_argument, NULL, 'k'},
                                         {"partition", required_argument, NULL, 'p'},
                                         {"compression", required_argument, NULL, OPT_COMPRESSION},
                                         {"acks", required_argument, NULL, OPT_ACKS},
                                         {"headers", required_argument, NULL, OPT_HEADERS},
                                         {"linger-ms", required_argument, NULL, OPT_LINGER},
                                         {"batch-size", required_argument, NULL, OPT_BATCH},
                                         {"bootstrap", required_argument, NULL, 'b'},
                                         {"timeout", required_argument, NULL, CLI_OPT_TIMEOUT},
                                         {NULL, 0, NULL, 0}};
    const char *compression = NULL, *acks = NULL, *linger = NULL, *batch = NULL;
    char *headers_arg = NULL;
    int key_delim = -1;
    long long partition = STRAND_PARTITION_ANY;
    cli_xopts x;
    if (cli_xopts_init(&x, argc) < 0)
        return CLI_ERR;
    int opt, rc = CLI_OK;
    optind = 0;
    opterr = 0;
    while (rc == CLI_OK && (opt = getopt_long(argc, argv, "k:p:X:b:z:", opts, NULL)) != -1) {
        switch (opt) {
        case 'k':
            if (strlen(optarg) != 1)
                rc = cli_usage_error(cmd, "--key-delimiter needs one character, not '%s'", optarg);
            else
                key_delim = (unsigned char)optarg[0];
            break;
        case 'p':
            if (cli_parse_int(optarg, 0, INT32_MAX, &partition) < 0)
                rc = cli_usage_error(cmd, "--partition needs a number >= 0, not '%s'", optarg);
            break;
        case 'z':
        case OPT_COMPRESSION:
            compression = optarg;
            break;
        case OPT_ACKS:
            acks = optarg;
            break;
        case OPT_HEADERS:
            headers_arg = optarg;
            break;
        case OPT_LINGER:
            linger = optarg;
            break;
        case OPT_BATCH:
            batch = optarg;
            break;
        default:
            rc = cli_client_option(ctx, cmd, opt, argv, &x);
            break;
        }
    }
    if (rc == CLI_OK && optind != argc - 1)
        rc = cli_usage_error(cmd, optind >= argc ? "produce needs a TOPIC"
                                                 : "produce takes exactly one TOPIC");
    strand_header *headers = NULL;
    size_t n_headers = 0;
    if (rc == CLI_OK && headers_arg && headers_parse(headers_arg, &headers, &n_headers) < 0)
        rc = cli_usage_error(cmd, "--headers needs KEY=VALUE[,KEY=VALUE...]");
    if (rc != CLI_OK) {
        cli_xopts_free(&x);
        return rc;
    }
    const char *topic = argv[optind];

    const char *const pairs[][2] = {{"compression.type", compression},
                                    {"acks", acks},
                                    {"linger.ms", linger},
                                    {"batch.size", batch}};
    strand_conf *conf = cli_conf_build(ctx, pairs, 4, &x);
    cli_xopts_free(&x);
    if (!conf) {
        free(headers);
        return CLI_USAGE;
    }
    produce_stats st = {0, 0, 0};
    /* Bounded flush: every record is reported by delivery.timeout.ms at the
     * latest; close reports anything left over as failed. */
    const char *dt = strand_conf_get(conf, "delivery.timeout.ms");
    long long flush_ms = (dt ? atoll(dt) : 120000) + 10000;
    if (flush_ms > INT32_MAX)
        flush_ms = INT32_MAX;
    strand_conf_set_delivery_cb(conf, produce_on_delivery, &st);
    char err[512];
    strand_producer *p = strand_producer_new(conf, err, sizeof err);
    if (!p) {
        cli_error("cannot create the producer: %s", err);
        free(headers);
        return CLI_ERR;
    }
    cli_signals_install();

    long long sent = 0, refused = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while (!cli_stop && (len = getline(&line, &cap, stdin)) >= 0) {
        if (len > 0 && line[len - 1] == '\n')
            len--;
        strand_record r = {.topic = topic,
                           .partition = (int32_t)partition,
                           .value = line,
                           .value_len = (size_t)len,
                           .headers = headers,
                           .header_count = n_headers,
                           .opaque = (void *)(uintptr_t)(sent + refused + 1)};
        if (key_delim >= 0) {
            char *d = memchr(line, key_delim, (size_t)len);
            if (d) {
                r.key = line;
                r.key_len = (size_t)(d - line);
                r.value = d + 1;
                r.value_len = (size_t)(line + len - (d + 1));
            }
        }
        strand_err e;
        while ((e = strand_producer_send(p, &r)) == STRAND_ERR_QUEUE_FULL && !cli_stop)
            strand_producer_poll(p, 100);
        if (e == STRAND_OK) {
            sent++;
        } else if (e != STRAND_ERR_QUEUE_FULL) {
            if (refused < PRODUCE_ERRORS_SHOWN)
                cli_error("line %lld not sent: %s", sent + refused + 1, strand_err_str(e));
            refused++;
        }
        strand_producer_poll(p, 0);
    }
    free(line);
    if (ferror(stdin) && !cli_stop)
        cli_error("reading stdin failed");
    if (strand_producer_flush(p, (int)flush_ms) != STRAND_OK)
        cli_error("flush timed out; the remaining messages are reported as failed");
    strand_producer_close(p);
    free(headers);
    long long failed = st.failed + refused + (sent - st.delivered - st.failed);
    fprintf(stderr,
            "strand: produced %lld messages (%lld bytes of keys and values) to %s, %lld "
            "errors\n",
            st.delivered, st.delivered_bytes, topic, failed);
    return failed || cli_stop ? CLI_ERR : CLI_OK;
}
