/*
 * cmd_perf.c - `strand perf produce` and `strand perf consume`: load
 * generators on libstrand, in the spirit of Kafka's producer-perf-test and
 * consumer-perf-test.
 *
 * perf produce sends --num-records values of --record-size bytes (text-like
 * filler with a counter, the same as bench/rdk_perf so both clients compress
 * alike), optionally paced to --throughput records/s, and measures latency
 * from each send() call to its delivery report in a log-linear histogram
 * (about 1.6% resolution, fixed memory whatever the record count).
 * perf consume reads a topic's partitions from the beginning until
 * --num-records or, without it, until every partition has reported its end.
 * Both print a progress line every second on stderr and a summary at the
 * end on stdout. Every loop is bounded: by the record count and by
 * --timeout of silence (no delivery report / no message in that time).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli_client.h"

enum {
    OPT_TOPIC = 1000,
    OPT_NUM,
    OPT_SIZE,
    OPT_THROUGHPUT,
    OPT_ACKS,
    OPT_COMPRESSION,
    OPT_BATCH,
    OPT_LINGER,
    OPT_PARTS,
    OPT_FETCH_MAX,
    OPT_PART_FETCH_MAX,
    OPT_FETCH_WAIT,
    OPT_FETCH_MIN,
    OPT_TIMEOUT_PERF,
};

/* ---- latency histogram: exact below 128 us, then 64 buckets per power of 2 */
#define HIST_BUCKETS (64 * 40)

typedef struct perf_hist {
    uint64_t counts[HIST_BUCKETS];
    uint64_t n;
    uint64_t max_us;
    double sum_us;
} perf_hist;

static int hist_index(uint64_t us) {
    if (us < 128)
        return (int)us;
    int b = 63 - __builtin_clzll(us); /* >= 7 */
    int shift = b - 6;
    int idx = shift * 64 + (int)(us >> shift);
    return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

/* The middle of bucket idx, in microseconds. */
static double hist_value(int idx) {
    if (idx < 128)
        return idx;
    int shift = idx / 64 - 1;
    uint64_t lo = (uint64_t)(idx - shift * 64) << shift;
    return (double)lo + (double)((1ull << shift) - 1) / 2.0;
}

static void hist_add(perf_hist *h, uint64_t us) {
    h->counts[hist_index(us)]++;
    h->n++;
    h->sum_us += (double)us;
    if (us > h->max_us)
        h->max_us = us;
}

static double hist_pct_ms(const perf_hist *h, double pct) {
    if (h->n == 0)
        return 0;
    uint64_t want = (uint64_t)(pct / 100.0 * (double)h->n + 0.5);
    if (want < 1)
        want = 1;
    uint64_t seen = 0;
    for (int i = 0; i < HIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= want) {
            double v = hist_value(i);
            return (v > (double)h->max_us ? (double)h->max_us : v) / 1000.0;
        }
    }
    return (double)h->max_us / 1000.0;
}

/* ---- perf produce */

typedef struct perf_produce_state {
    int64_t t0;
    long long delivered, failed;
    int64_t last_report_ns;
    perf_hist *hist;
} perf_produce_state;

static void perf_on_delivery(strand_producer *p, const strand_delivery *d, void *opaque) {
    (void)p;
    perf_produce_state *st = opaque;
    int64_t now = cli_now_ns();
    st->last_report_ns = now;
    if (d->err != STRAND_OK) {
        if (st->failed < 5)
            cli_error("delivery failed: %s [%d]: %s", d->topic, (int)d->partition,
                      strand_err_str(d->err));
        st->failed++;
        return;
    }
    st->delivered++;
    int64_t sent = st->t0 + (int64_t)(uintptr_t)d->opaque;
    hist_add(st->hist, (uint64_t)(now > sent ? (now - sent) / 1000 : 0));
}

static int perf_bad(const cli_command *cmd, const char *what, const char *arg) {
    return cli_usage_error(cmd, "%s, not '%s'", what, arg);
}

/* The options both perf commands take besides their own, for the default
 * arm of their getopt loops: -X KEY=VALUE, -b/--bootstrap and --timeout.
 * Like cli_client_option, except that --timeout here is the idle time
 * before giving up (*idle_ms). Any other opt is a usage error. */
static int perf_common_option(cli_ctx *ctx, const cli_command *cmd, int opt, char **argv,
                              cli_xopts *x, int *idle_ms) {
    long long v;
    switch (opt) {
    case 'X':
        if (cli_xopts_add(x, optarg) < 0)
            return perf_bad(cmd, "-X needs KEY=VALUE", optarg);
        return CLI_OK;
    case 'b':
        ctx->brokers = optarg;
        return CLI_OK;
    case OPT_TIMEOUT_PERF:
        if (cli_parse_int(optarg, 1, 3600000, &v) < 0)
            return perf_bad(cmd, "--timeout needs milliseconds", optarg);
        *idle_ms = (int)v;
        return CLI_OK;
    default:
        return cli_usage_error(cmd, "bad or incomplete option '%s'", argv[optind - 1]);
    }
}

int cmd_perf_produce(cli_ctx *ctx, int argc, char **argv) {
    const cli_command *cmd = cli_command_find("perf", "produce");
    static const struct option opts[] = {{"topic", required_argument, NULL, OPT_TOPIC},
                                         {"num-records", required_argument, NULL, OPT_NUM},
                                         {"record-size", required_argument, NULL, OPT_SIZE},
                                         {"throughput", required_argument, NULL, OPT_THROUGHPUT},
                                         {"acks", required_argument, NULL, OPT_ACKS},
                                         {"compression", required_argument, NULL, OPT_COMPRESSION},
                                         {"batch-size", required_argument, NULL, OPT_BATCH},
                                         {"linger-ms", required_argument, NULL, OPT_LINGER},
                                         {"partitions", required_argument, NULL, OPT_PARTS},
                                         {"bootstrap", required_argument, NULL, 'b'},
                                         {"timeout", required_argument, NULL, OPT_TIMEOUT_PERF},
                                         {NULL, 0, NULL, 0}};
    const char *topic = NULL, *acks = "1", *compression = NULL, *batch = NULL, *linger = NULL;
    long long num = -1, size = 100, throughput = -1, parts = 0;
    int idle_ms = 30000;
    cli_xopts x;
    if (cli_xopts_init(&x, argc) < 0)
        return CLI_ERR;
    int opt, rc = CLI_OK;
    optind = 0;
    opterr = 0;
    while (rc == CLI_OK && (opt = getopt_long(argc, argv, "t:X:b:", opts, NULL)) != -1) {
        switch (opt) {
        case 't':
        case OPT_TOPIC:
            topic = optarg;
            break;
        case OPT_NUM:
            if (cli_parse_int(optarg, 1, INT64_MAX / 2, &num) < 0)
                rc = perf_bad(cmd, "--num-records needs a number >= 1", optarg);
            break;
        case OPT_SIZE:
            if (cli_parse_int(optarg, 1, 100000000, &size) < 0)
                rc = perf_bad(cmd, "--record-size needs a number of bytes >= 1", optarg);
            break;
        case OPT_THROUGHPUT:
            if (strcmp(optarg, "-1") != 0 && cli_parse_int(optarg, 1, INT64_MAX, &throughput) < 0)
                rc = perf_bad(cmd, "--throughput needs records/s >= 1 or -1", optarg);
            break;
        case OPT_ACKS:
            acks = optarg;
            break;
        case OPT_COMPRESSION:
            compression = optarg;
            break;
        case OPT_BATCH:
            batch = optarg;
            break;
        case OPT_LINGER:
            linger = optarg;
            break;
        case OPT_PARTS:
            if (cli_parse_int(optarg, 1, INT32_MAX, &parts) < 0)
                rc = perf_bad(cmd, "--partitions needs a number >= 1", optarg);
            break;
        default:
            rc = perf_common_option(ctx, cmd, opt, argv, &x, &idle_ms);
            break;
        }
    }
    if (rc == CLI_OK && optind != argc)
        rc = cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (rc == CLI_OK && (!topic || num < 0))
        rc = cli_usage_error(cmd, "perf produce needs --topic and --num-records");
    if (rc != CLI_OK) {
        cli_xopts_free(&x);
        return rc;
    }
    const char *const pairs[][2] = {{"acks", acks},
                                    {"compression.type", compression},
                                    {"batch.size", batch},
                                    {"linger.ms", linger}};
    strand_conf *conf = cli_conf_build(ctx, pairs, 4, &x);
    cli_xopts_free(&x);
    if (!conf)
        return CLI_USAGE;
    perf_produce_state st;
    memset(&st, 0, sizeof st);
    st.hist = calloc(1, sizeof *st.hist);
    char *value = malloc((size_t)size + 32);
    if (!st.hist || !value) {
        cli_error("out of memory");
        strand_conf_free(conf);
        free(st.hist);
        free(value);
        return CLI_ERR;
    }
    for (long long i = 0; i < size + 32; i++)
        value[i] = (char)('a' + i % 26);
    strand_conf_set_delivery_cb(conf, perf_on_delivery, &st);
    char err[512];
    strand_producer *p = strand_producer_new(conf, err, sizeof err);
    if (!p) {
        cli_error("cannot create the producer: %s", err);
        free(st.hist);
        free(value);
        return CLI_ERR;
    }
    cli_signals_install();
    int64_t t0 = cli_now_ns();
    st.t0 = t0;
    st.last_report_ns = t0;
    int64_t next_progress = t0 + 1000000000;
    long long sent = 0, refused = 0, last_delivered = 0;
    int64_t idle_ns = (int64_t)idle_ms * 1000000;
    while (!cli_stop && sent + refused < num) {
        int64_t now = cli_now_ns();
        if (throughput > 0) {
            int64_t due = t0 + (int64_t)((double)(sent + refused) * 1e9 / (double)throughput);
            if (due > now) {
                int64_t wait_ms = (due - now) / 1000000;
                strand_producer_poll(p, wait_ms > 100 ? 100 : (int)wait_ms);
                continue;
            }
        }
        if (now >= next_progress) {
            double s = (double)(now - t0) / 1e9;
            fprintf(stderr,
                    "%lld records sent, %lld delivered (%.0f records/s in the last second), "
                    "%.1f s\n",
                    sent, st.delivered, (double)(st.delivered - last_delivered), s);
            last_delivered = st.delivered;
            next_progress += 1000000000;
        }
        int len = snprintf(value, 32, "%lld", sent);
        value[len] = ' ';
        strand_record r = {.topic = topic,
                           .partition = parts > 0 ? (int32_t)((sent + refused) % parts)
                                                  : STRAND_PARTITION_ANY,
                           .value = value,
                           .value_len = (size_t)size,
                           .opaque = (void *)(uintptr_t)(now - t0)};
        strand_err e = strand_producer_send(p, &r);
        if (e == STRAND_OK) {
            sent++;
            strand_producer_poll(p, 0);
        } else if (e == STRAND_ERR_QUEUE_FULL) {
            strand_producer_poll(p, 10);
            if (cli_now_ns() - st.last_report_ns > idle_ns) {
                cli_error("no delivery report for %d ms with the queue full; giving up", idle_ms);
                break;
            }
        } else {
            cli_error("send failed: %s", strand_err_str(e));
            refused++;
            if (e != STRAND_ERR_MSG_TOO_LARGE)
                break;
        }
    }
    /* Wait for the reports, bounded by --timeout of silence. */
    while (!cli_stop && strand_producer_outstanding(p) > 0 &&
           cli_now_ns() - st.last_report_ns < idle_ns) {
        strand_producer_poll(p, 100);
        int64_t now = cli_now_ns();
        if (now >= next_progress) {
            fprintf(stderr, "%lld records sent, %lld delivered, %.1f s\n", sent, st.delivered,
                    (double)(now - t0) / 1e9);
            next_progress += 1000000000;
        }
    }
    int64_t t1 = cli_now_ns();
    size_t left = strand_producer_outstanding(p);
    strand_producer_close(p);
    double s = (double)(t1 - t0) / 1e9;
    const perf_hist *h = st.hist;
    printf("%lld records sent, %lld delivered, %lld failed, %.0f records/s (%.2f MB/s), "
           "%.2f ms avg latency, %.2f ms max latency\n",
           sent, st.delivered, st.failed + refused + (long long)left, (double)st.delivered / s,
           (double)st.delivered * (double)size / s / 1e6,
           h->n ? h->sum_us / (double)h->n / 1000.0 : 0.0, (double)h->max_us / 1000.0);
    printf("latency ms: p50 %.2f, p95 %.2f, p99 %.2f, p99.9 %.2f, max %.2f; %.3f s total\n",
           hist_pct_ms(h, 50), hist_pct_ms(h, 95), hist_pct_ms(h, 99), hist_pct_ms(h, 99.9),
           (double)h->max_us / 1000.0, s);
    free(st.hist);
    free(value);
    return st.delivered == num ? CLI_OK : CLI_ERR;
}

/* ---- perf consume */

int cmd_perf_consume(cli_ctx *ctx, int argc, char **argv) {
    const cli_command *cmd = cli_command_find("perf", "consume");
    static const struct option opts[] = {
        {"topic", required_argument, NULL, OPT_TOPIC},
        {"num-records", required_argument, NULL, OPT_NUM},
        {"fetch-max-bytes", required_argument, NULL, OPT_FETCH_MAX},
        {"max-partition-fetch-bytes", required_argument, NULL, OPT_PART_FETCH_MAX},
        {"fetch-max-wait-ms", required_argument, NULL, OPT_FETCH_WAIT},
        {"fetch-min-bytes", required_argument, NULL, OPT_FETCH_MIN},
        {"bootstrap", required_argument, NULL, 'b'},
        {"timeout", required_argument, NULL, OPT_TIMEOUT_PERF},
        {NULL, 0, NULL, 0}};
    const char *topic = NULL, *fmax = NULL, *pfmax = NULL, *fwait = NULL, *fmin = NULL;
    long long num = -1;
    int idle_ms = 30000;
    cli_xopts x;
    if (cli_xopts_init(&x, argc) < 0)
        return CLI_ERR;
    int opt, rc = CLI_OK;
    optind = 0;
    opterr = 0;
    while (rc == CLI_OK && (opt = getopt_long(argc, argv, "t:X:b:", opts, NULL)) != -1) {
        switch (opt) {
        case 't':
        case OPT_TOPIC:
            topic = optarg;
            break;
        case OPT_NUM:
            if (cli_parse_int(optarg, 1, INT64_MAX, &num) < 0)
                rc = perf_bad(cmd, "--num-records needs a number >= 1", optarg);
            break;
        case OPT_FETCH_MAX:
            fmax = optarg;
            break;
        case OPT_PART_FETCH_MAX:
            pfmax = optarg;
            break;
        case OPT_FETCH_WAIT:
            fwait = optarg;
            break;
        case OPT_FETCH_MIN:
            fmin = optarg;
            break;
        default:
            rc = perf_common_option(ctx, cmd, opt, argv, &x, &idle_ms);
            break;
        }
    }
    if (rc == CLI_OK && optind != argc)
        rc = cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (rc == CLI_OK && !topic)
        rc = cli_usage_error(cmd, "perf consume needs --topic");
    if (rc != CLI_OK) {
        cli_xopts_free(&x);
        return rc;
    }
    int32_t n_parts = 0;
    if (cli_topic_partition_count(ctx, topic, &n_parts) < 0) {
        cli_xopts_free(&x);
        return CLI_ERR;
    }
    const char *const pairs[][2] = {{"enable.partition.eof", num < 0 ? "true" : NULL},
                                    {"fetch.max.bytes", fmax},
                                    {"max.partition.fetch.bytes", pfmax},
                                    {"fetch.max.wait.ms", fwait},
                                    {"fetch.min.bytes", fmin}};
    strand_conf *conf = cli_conf_build(ctx, pairs, 5, &x);
    cli_xopts_free(&x);
    if (!conf)
        return CLI_USAGE;
    strand_topic_partition *tps = calloc((size_t)n_parts, sizeof *tps);
    char *eof_seen = calloc((size_t)n_parts, 1);
    char err[512];
    strand_consumer *c = NULL;
    rc = CLI_ERR;
    if (!tps || !eof_seen) {
        cli_error("out of memory");
        strand_conf_free(conf);
        goto out;
    }
    c = strand_consumer_new(conf, err, sizeof err);
    if (!c) {
        cli_error("cannot create the consumer: %s", err);
        goto out;
    }
    for (int32_t i = 0; i < n_parts; i++)
        tps[i] = (strand_topic_partition){topic, i, STRAND_OFFSET_BEGINNING, 0};
    cli_signals_install();
    int64_t t0 = cli_now_ns(), last_msg = t0, next_progress = t0 + 1000000000;
    strand_err e = strand_consumer_assign(c, tps, (size_t)n_parts);
    if (e != STRAND_OK) {
        cli_error("assign failed: %s", strand_err_str(e));
        goto out;
    }
    long long msgs = 0, bytes = 0, last_msgs = 0;
    int eofs = 0, failed = 0;
    int64_t idle_ns = (int64_t)idle_ms * 1000000;
    while (!cli_stop && (num < 0 ? eofs < n_parts : msgs < num)) {
        strand_message *m = strand_consumer_poll(c, 100);
        int64_t now = cli_now_ns();
        if (now >= next_progress) {
            fprintf(stderr, "%lld records consumed (%lld in the last second), %.1f s\n", msgs,
                    msgs - last_msgs, (double)(now - t0) / 1e9);
            last_msgs = msgs;
            next_progress += 1000000000;
        }
        if (!m) {
            if (now - last_msg > idle_ns) {
                cli_error("nothing received for %d ms; stopping", idle_ms);
                failed = 1;
                break;
            }
            continue;
        }
        last_msg = now;
        if (m->err == STRAND_ERR_PARTITION_EOF) {
            if (m->partition >= 0 && m->partition < n_parts && !eof_seen[m->partition]) {
                eof_seen[m->partition] = 1;
                eofs++;
            }
        } else if (m->err != STRAND_OK) {
            cli_error("%s [%d]: %s", topic, (int)m->partition, strand_err_str(m->err));
            if (!strand_err_is_retriable(m->err)) {
                failed = 1;
                cli_stop = 1;
            }
        } else {
            msgs++;
            bytes += (long long)m->value_len;
        }
        strand_message_free(m);
    }
    double s = (double)(cli_now_ns() - t0) / 1e9;
    printf("%lld records consumed, %lld bytes, %.0f records/s (%.2f MB/s), %.3f s total\n", msgs,
           bytes, (double)msgs / s, (double)bytes / s / 1e6, s);
    rc = failed || cli_stop || (num >= 0 && msgs < num) ? CLI_ERR : CLI_OK;
out:
    strand_consumer_close(c);
    free(tps);
    free(eof_seen);
    return rc;
}
