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
 *
 * --group G consumes as a member of consumer group G instead: the topic (or
 * a regex starting with '^') is subscribed, the group decides the
 * partitions, they start at the group's committed offsets (-o beginning/end
 * only say where to start without one: auto.offset.reset), positions are
 * committed as the command goes (auto-commit) and once more at exit, and
 * -e waits for the end of every partition currently assigned.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli_client.h"
#include "tools/cli_format.h"

enum { OPT_JSON = 1000 };

/* What a group member tracks for -e: the assigned partitions and which of
 * them reached their end. */
typedef struct group_eof {
    size_t n;
    char **topics;
    int32_t *parts;
    char *eof;
    int reported; /* partitions of the assignment at their end */
} group_eof;

static void group_eof_clear(group_eof *g) {
    for (size_t i = 0; i < g->n; i++)
        free(g->topics[i]);
    free(g->topics);
    free(g->parts);
    free(g->eof);
    memset(g, 0, sizeof *g);
}

static void on_rebalance(strand_consumer *c, strand_rebalance_event ev,
                         const strand_topic_partition *tps, size_t n, void *opaque) {
    group_eof *g = opaque;
    group_eof_clear(g);
    if (ev == STRAND_REBALANCE_REVOKE) {
        strand_consumer_unassign(c);
        return;
    }
    g->topics = calloc(n ? n : 1, sizeof *g->topics);
    g->parts = calloc(n ? n : 1, sizeof *g->parts);
    g->eof = calloc(n ? n : 1, 1);
    for (size_t i = 0; g->topics && g->parts && g->eof && i < n; i++) {
        g->topics[i] = strdup(tps[i].topic);
        g->parts[i] = tps[i].partition;
        g->n = i + 1;
    }
    strand_consumer_assign(c, tps, n);
}

/* 1 once every assigned partition reported its end (-e with --group). */
static int group_eof_mark(group_eof *g, const strand_message *m) {
    for (size_t i = 0; i < g->n; i++)
        if (g->parts[i] == m->partition && g->topics[i] && m->topic &&
            strcmp(g->topics[i], m->topic) == 0 && !g->eof[i]) {
            g->eof[i] = 1;
            g->reported++;
        }
    return g->n > 0 && (size_t)g->reported == g->n;
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

/* The print loop shared by both modes. Returns CLI_OK or CLI_ERR. */
static int print_loop(strand_consumer *c, const char *topic, long long count, int exit_at_end,
                      int n_eof, char *eof_seen, int32_t n_parts, group_eof *geof, int json,
                      const char *fmt) {
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    long long got = 0;
    int eofs = 0, failed = 0, done = 0, rc = CLI_OK;
    while (!cli_stop && !done && (count < 0 || got < count)) {
        strand_message *m = strand_consumer_poll(c, 200);
        if (!m) {
            fflush(stdout);
            continue;
        }
        if (m->err == STRAND_ERR_PARTITION_EOF) {
            if (geof) {
                done = exit_at_end && group_eof_mark(geof, m);
            } else if (m->partition >= 0 && m->partition < n_parts && !eof_seen[m->partition]) {
                eof_seen[m->partition] = 1;
                done = exit_at_end && ++eofs >= n_eof;
            }
        } else if (m->err != STRAND_OK) {
            cli_error("%s [%d] at offset %" PRId64 ": %s", m->topic && *m->topic ? m->topic : topic,
                      (int)m->partition, m->offset, strand_err_str(m->err));
            /* retriable events (a leader move, a lost connection) are
             * retried by the library, and so is a group that had to be
             * rejoined; anything else ends the command */
            if (!strand_err_is_retriable(m->err) && m->err != STRAND_ERR_MAX_POLL_EXCEEDED) {
                failed = 1;
                cli_stop = 1;
            }
        } else {
            if (json)
                cli_format_json(stdout, m);
            else
                cli_format_message(stdout, fmt, m);
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
    return failed ? CLI_ERR : rc;
}

/* consume --group: subscribe, let the group assign, commit as it goes. */
static int consume_group(cli_ctx *ctx, cli_xopts *x, const char *topic, const char *group,
                         int64_t start, long long count, int exit_at_end, int json, const char *fmt,
                         group_eof *geof) {
    const char *const pairs[][2] = {
        {"group.id", group},
        {"auto.offset.reset", start == STRAND_OFFSET_BEGINNING ? "earliest" : "latest"},
        {"enable.partition.eof", exit_at_end ? "true" : NULL}};
    strand_conf *conf = cli_conf_build(ctx, pairs, 3, x);
    cli_xopts_free(x);
    if (!conf)
        return CLI_USAGE;
    strand_conf_set_rebalance_cb(conf, on_rebalance, geof);
    char err[512];
    strand_consumer *c = strand_consumer_new(conf, err, sizeof err);
    if (!c) {
        cli_error("cannot create the consumer: %s", err);
        return CLI_ERR;
    }
    const char *topics[] = {topic};
    strand_err e = strand_consumer_subscribe(c, topics, 1);
    int rc = CLI_ERR;
    if (e != STRAND_OK) {
        cli_error("subscribe to '%s' failed: %s", topic, strand_err_str(e));
    } else {
        cli_signals_install();
        rc = print_loop(c, topic, count, exit_at_end, 0, NULL, 0, geof, json, fmt);
    }
    strand_consumer_close(c); /* commits the positions and leaves the group */
    group_eof_clear(geof);
    return rc;
}

int cmd_consume(cli_ctx *ctx, int argc, char **argv) {
    const cli_command *cmd = cli_command_find("consume", NULL);
    static const struct option opts[] = {{"offset", required_argument, NULL, 'o'},
                                         {"count", required_argument, NULL, 'c'},
                                         {"partition", required_argument, NULL, 'p'},
                                         {"exit", no_argument, NULL, 'e'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {"group", required_argument, NULL, 'G'},
                                         {"bootstrap", required_argument, NULL, 'b'},
                                         {"timeout", required_argument, NULL, CLI_OPT_TIMEOUT},
                                         {NULL, 0, NULL, 0}};
    consume_start start = {0, STRAND_OFFSET_END, 0};
    long long count = -1, partition = -1;
    int exit_at_end = 0, json = 0, start_given = 0;
    const char *fmt = "%v\\n";
    const char *group = NULL;
    group_eof geof = {0};
    cli_xopts x;
    if (cli_xopts_init(&x, argc) < 0)
        return CLI_ERR;
    int opt, rc = CLI_OK;
    optind = 0;
    opterr = 0;
    while (rc == CLI_OK && (opt = getopt_long(argc, argv, "o:c:p:ef:G:X:b:", opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            start_given = 1;
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
        case 'G':
            group = optarg;
            if (!*group)
                rc = cli_usage_error(cmd, "--group needs a group id");
            break;
        default:
            rc = cli_client_option(ctx, cmd, opt, argv, &x);
            break;
        }
    }
    if (rc == CLI_OK && optind != argc - 1)
        rc = cli_usage_error(cmd, optind >= argc ? "consume needs a TOPIC"
                                                 : "consume takes exactly one TOPIC");
    char bad;
    if (rc == CLI_OK && !json && (bad = cli_format_check(fmt)) != 0)
        rc = cli_usage_error(cmd, "unknown format directive '%%%c' in -f", bad);
    if (rc == CLI_OK && group && partition >= 0)
        rc = cli_usage_error(cmd, "--partition cannot be used with --group (the group assigns)");
    if (rc == CLI_OK && group && start_given && (start.kind != 0 || start.offset >= 0))
        rc = cli_usage_error(cmd, "with --group, -o can only be beginning or end (where to "
                                  "start without a committed offset)");
    if (rc != CLI_OK) {
        cli_xopts_free(&x);
        return rc;
    }
    const char *topic = argv[optind];
    if (group)
        return consume_group(ctx, &x, topic, group, start.offset, count, exit_at_end, json, fmt,
                             &geof);

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
    rc = print_loop(c, topic, count, exit_at_end, n, eof_seen, n_parts, NULL, json, fmt);
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
