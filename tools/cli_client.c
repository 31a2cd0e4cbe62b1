/*
 * cli_client.c - helpers of the client commands of `strand`: libstrand
 * configuration from -X options and command flags, topic partition counts
 * and offsets through the blocking admin connection (tools/kadmin.h), a
 * monotonic clock and the stop flag for SIGINT/SIGTERM.
 *
 * The library is asynchronous and has no metadata call, so the commands ask
 * the cluster directly for what they must know before starting (how many
 * partitions to assign, where "N before the end" is).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/cli_client.h"
#include "tools/kadmin.h"
#include "wire/kafka.h"

volatile sig_atomic_t cli_stop;

static void cli_on_signal(int sig) {
    (void)sig;
    cli_stop = 1;
}

void cli_signals_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cli_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int64_t cli_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int cli_xopts_init(cli_xopts *x, int argc) {
    x->n = 0;
    x->kv = calloc((size_t)(argc > 0 ? argc : 1), sizeof *x->kv);
    if (!x->kv) {
        cli_error("out of memory");
        return -1;
    }
    return 0;
}

int cli_xopts_add(cli_xopts *x, const char *kv) {
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        return -1;
    x->kv[x->n++] = (char *)kv;
    return 0;
}

void cli_xopts_free(cli_xopts *x) {
    free(x->kv);
    x->kv = NULL;
    x->n = 0;
}

int cli_client_option(cli_ctx *ctx, const cli_command *cmd, int opt, char **argv, cli_xopts *x) {
    long long v;
    switch (opt) {
    case 'X':
        if (cli_xopts_add(x, optarg) < 0)
            return cli_usage_error(cmd, "-X needs KEY=VALUE, not '%s'", optarg);
        return CLI_OK;
    case 'b':
        ctx->brokers = optarg;
        return CLI_OK;
    case CLI_OPT_TIMEOUT:
        if (cli_parse_int(optarg, 1, 3600000, &v) < 0)
            return cli_usage_error(cmd, "--timeout needs a number of milliseconds");
        ctx->timeout_ms = (int)v;
        return CLI_OK;
    default:
        return cli_usage_error(cmd, "bad or incomplete option '%s'", argv[optind - 1]);
    }
}

static int conf_apply(strand_conf *conf, const char *key, const char *value) {
    char err[512];
    if (strand_conf_set(conf, key, value, err, sizeof err) != STRAND_OK) {
        cli_error("%s", err);
        return -1;
    }
    return 0;
}

strand_conf *cli_conf_build(cli_ctx *ctx, const char *const pairs[][2], int n, const cli_xopts *x) {
    strand_conf *conf = strand_conf_new();
    if (!conf) {
        cli_error("out of memory");
        return NULL;
    }
    int rc = conf_apply(conf, "bootstrap.servers", ctx->brokers);
    if (rc == 0)
        rc = conf_apply(conf, "client.id", "strand-cli");
    for (int i = 0; rc == 0 && i < n; i++)
        if (pairs[i][1])
            rc = conf_apply(conf, pairs[i][0], pairs[i][1]);
    for (int i = 0; rc == 0 && x && i < x->n; i++) {
        char *kv = x->kv[i];
        char *eq = strchr(kv, '=');
        size_t klen = (size_t)(eq - kv);
        char key[256];
        if (klen >= sizeof key) {
            cli_error("-X key too long: '%s'", kv);
            rc = -1;
            break;
        }
        memcpy(key, kv, klen);
        key[klen] = '\0';
        rc = conf_apply(conf, key, eq + 1);
    }
    if (rc != 0) {
        strand_conf_free(conf);
        return NULL;
    }
    return conf;
}

int cli_topic_partition_count(cli_ctx *ctx, const char *topic, int32_t *count) {
    kclient c;
    memset(&c, 0, sizeof c);
    if (cli_connect(ctx, &c) < 0)
        return -1;
    kadmin_metadata md;
    const char *names[1] = {topic};
    int rc = -1;
    if (kadmin_metadata_get(&c, names, 1, &md) < 0) {
        cli_error("%s", c.err);
        kclient_close(&c);
        return -1;
    }
    if (md.n_topics != 1) {
        cli_error("the broker sent no metadata for topic '%s'", topic);
    } else if (md.topics[0].error != 0) {
        int16_t ec = md.topics[0].error;
        if (ec == KAFKA_UNKNOWN_TOPIC_OR_PARTITION)
            cli_error("topic '%s' does not exist (%s); create it with `strand topic create %s`",
                      topic, kafka_error_name(ec), topic);
        else
            cli_error("topic '%s': %s", topic, kafka_error_name(ec));
    } else if (md.topics[0].n_partitions <= 0) {
        cli_error("topic '%s' has no partitions", topic);
    } else {
        *count = md.topics[0].n_partitions;
        rc = 0;
    }
    kadmin_metadata_free(&md);
    kclient_close(&c);
    return rc;
}

int cli_topic_offsets(cli_ctx *ctx, const char *topic, const int32_t *parts, int n,
                      int64_t timestamp, int64_t *offsets) {
    kclient c;
    memset(&c, 0, sizeof c);
    if (cli_connect(ctx, &c) < 0)
        return -1;
    int16_t *errors = calloc((size_t)n, sizeof *errors);
    int rc = -1;
    if (!errors) {
        cli_error("out of memory");
    } else if (kadmin_offsets_list(&c, topic, parts, n, timestamp, offsets, errors) < 0) {
        cli_error("%s", c.err);
    } else {
        rc = 0;
        for (int i = 0; i < n; i++) {
            if (errors[i] != 0) {
                cli_error("offsets of %s [%d]: %s", topic, (int)parts[i],
                          kafka_error_name(errors[i]));
                rc = -1;
                break;
            }
        }
    }
    free(errors);
    kclient_close(&c);
    return rc;
}
