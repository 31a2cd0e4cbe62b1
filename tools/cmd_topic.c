/*
 * cmd_topic.c - `strand topic create|list|describe|delete`: topic
 * administration over the Kafka protocol.
 *
 * Each command connects (tools/kclient.h), sends its admin requests
 * (tools/kadmin.h) and turns Kafka error codes into sentences that name the
 * protocol error and say what to do next. Output goes to stdout, errors to
 * stderr; the exit code is 0 only when every named topic succeeded.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli.h"
#include "tools/cli_format.h"
#include "tools/kadmin.h"
#include "wire/kafka.h"

enum { OPT_TIMEOUT = 1000, OPT_JSON };

/* Options every broker command accepts; handled by net_option(). */
#define NET_LONG_OPTS                                                                              \
    {"bootstrap", required_argument, NULL, 'b'}, {                                                 \
        "timeout", required_argument, NULL, OPT_TIMEOUT                                            \
    }

/* Returns 1 if the option was a network one (and applied), -1 if its value
 * was bad, 0 if it is not one. */
static int net_option(cli_ctx *ctx, int opt, const char *arg) {
    long long v;
    switch (opt) {
    case 'b':
        ctx->brokers = arg;
        return 1;
    case OPT_TIMEOUT:
        if (cli_parse_int(arg, 1, 3600000, &v) < 0)
            return -1;
        ctx->timeout_ms = (int)v;
        return 1;
    default:
        return 0;
    }
}

/* getopt_long loop shared by the commands that take only network options. */
static int parse_net_only(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
    static const struct option opts[] = {NET_LONG_OPTS, {NULL, 0, NULL, 0}};
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
        int rc = net_option(ctx, opt, optarg);
        if (rc < 0)
            return cli_usage_error(cmd, "--timeout needs a number of milliseconds");
        if (rc == 0)
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
    }
    return CLI_OK;
}

/* The advice that goes with a topic-level error code. */
static void topic_error(const char *op, const char *topic, int16_t ec, const char *msg) {
    const char *name = kafka_error_name(ec);
    const char *extra = msg && *msg ? msg : NULL;
    switch (ec) {
    case KAFKA_TOPIC_ALREADY_EXISTS:
        cli_error("topic '%s' already exists (%s); see it with `strand topic describe %s`", topic,
                  name, topic);
        break;
    case KAFKA_UNKNOWN_TOPIC_OR_PARTITION:
        cli_error("topic '%s' does not exist (%s); `strand topic list` shows the topics", topic,
                  name);
        break;
    case KAFKA_INVALID_TOPIC_EXCEPTION:
        cli_error("invalid topic name '%s' (%s)%s%s; use 1-249 characters from [a-zA-Z0-9._-]",
                  topic, name, extra ? ": " : "", extra ? extra : "");
        break;
    case KAFKA_INVALID_PARTITIONS:
        cli_error("cannot %s topic '%s': invalid partition count (%s)%s%s; use --partitions N "
                  "with N >= 1",
                  op, topic, name, extra ? ": " : "", extra ? extra : "");
        break;
    case KAFKA_INVALID_REPLICATION_FACTOR:
        cli_error("cannot %s topic '%s': invalid replication factor (%s)%s%s; it must be between "
                  "1 and the number of brokers",
                  op, topic, name, extra ? ": " : "", extra ? extra : "");
        break;
    case KAFKA_INVALID_CONFIG:
        cli_error("cannot %s topic '%s': invalid config (%s)%s%s; check the --config keys and "
                  "values",
                  op, topic, name, extra ? ": " : "", extra ? extra : "");
        break;
    case KAFKA_REQUEST_TIMED_OUT:
        cli_error("%s topic '%s': not finished within --timeout (%s)%s%s; it goes on in the "
                  "cluster: check with `strand topic describe %s`",
                  op, topic, name, extra ? ": " : "", extra ? extra : "", topic);
        break;
    case KAFKA_POLICY_VIOLATION:
    case KAFKA_TOPIC_AUTHORIZATION_FAILED:
    case KAFKA_CLUSTER_AUTHORIZATION_FAILED:
        cli_error("cannot %s topic '%s': the broker refused (%s)%s%s", op, topic, name,
                  extra ? ": " : "", extra ? extra : "");
        break;
    default:
        cli_error("cannot %s topic '%s': %s (error %d)%s%s", op, topic, name, ec, extra ? ": " : "",
                  extra ? extra : "");
        break;
    }
}

int cmd_topic_create(cli_ctx *ctx, int argc, char **argv) {
    const cli_command *cmd = cli_command_find("topic", "create");
    static const struct option opts[] = {{"partitions", required_argument, NULL, 'p'},
                                         {"replication-factor", required_argument, NULL, 'r'},
                                         {"config", required_argument, NULL, 'c'},
                                         NET_LONG_OPTS,
                                         {NULL, 0, NULL, 0}};
    long long partitions = -1, rf = -1;
    char **configs = calloc((size_t)argc, sizeof *configs);
    int n_configs = 0;
    if (!configs) {
        cli_error("out of memory");
        return CLI_ERR;
    }
    int opt, rc = CLI_OK;
    optind = 0;
    opterr = 0;
    while (rc == CLI_OK && (opt = getopt_long(argc, argv, "p:r:c:b:", opts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            if (cli_parse_int(optarg, 1, INT32_MAX, &partitions) < 0)
                rc = cli_usage_error(cmd, "--partitions needs a number >= 1, not '%s'", optarg);
            break;
        case 'r':
            if (cli_parse_int(optarg, 1, INT16_MAX, &rf) < 0)
                rc = cli_usage_error(cmd, "--replication-factor needs a number >= 1, not '%s'",
                                     optarg);
            break;
        case 'c':
            if (!strchr(optarg, '=') || optarg[0] == '=')
                rc = cli_usage_error(cmd, "--config needs KEY=VALUE, not '%s'", optarg);
            else
                configs[n_configs++] = optarg;
            break;
        case '?':
        case ':':
            rc = cli_usage_error(cmd, "bad or incomplete option '%s'", argv[optind - 1]);
            break;
        default:
            if (net_option(ctx, opt, optarg) < 0)
                rc = cli_usage_error(cmd, "--timeout needs a number of milliseconds");
        }
    }
    if (rc == CLI_OK && argc - optind != 1)
        rc = cli_usage_error(cmd, argc - optind == 0 ? "missing topic NAME"
                                                     : "create takes exactly one topic NAME");
    if (rc != CLI_OK) {
        free(configs);
        return rc;
    }
    const char *name = argv[optind];
    kclient c;
    if (cli_connect(ctx, &c) < 0) {
        free(configs);
        return CLI_ERR;
    }
    int16_t ec = KAFKA_NONE;
    char msg[512];
    if (kadmin_topic_create(&c, name, (int32_t)partitions, (int16_t)rf, configs, n_configs, &ec,
                            msg, sizeof msg) < 0) {
        cli_error("%s", c.err);
        rc = CLI_ERR;
    } else if (ec != KAFKA_NONE) {
        topic_error("create", name, ec, msg);
        rc = CLI_ERR;
    } else {
        printf("created topic '%s'\n", name);
    }
    kclient_close(&c);
    free(configs);
    return rc;
}

static int cmp_topic(const void *a, const void *b) {
    const kadmin_topic *x = a, *y = b;
    int n = x->name.len < y->name.len ? x->name.len : y->name.len;
    int d = n > 0 ? memcmp(x->name.ptr, y->name.ptr, (size_t)n) : 0;
    return d ? d : x->name.len - y->name.len;
}

static int cmp_partition(const void *a, const void *b) {
    const kadmin_partition *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

int cmd_topic_list(cli_ctx *ctx, int argc, char **argv) {
    const cli_command *cmd = cli_command_find("topic", "list");
    int rc = parse_net_only(ctx, cmd, argc, argv);
    if (rc != CLI_OK)
        return rc;
    if (optind < argc)
        return cli_usage_error(cmd, "list takes no arguments (got '%s')", argv[optind]);
    kclient c;
    if (cli_connect(ctx, &c) < 0)
        return CLI_ERR;
    kadmin_metadata md;
    if (kadmin_metadata_get(&c, NULL, 0, &md) < 0) {
        cli_error("%s", c.err);
        kclient_close(&c);
        return CLI_ERR;
    }
    if (md.n_topics > 1)
        qsort(md.topics, (size_t)md.n_topics, sizeof *md.topics, cmp_topic);
    for (int32_t i = 0; i < md.n_topics; i++)
        if (md.topics[i].name.len >= 0)
            printf("%.*s\n", md.topics[i].name.len, md.topics[i].name.ptr);
    kadmin_metadata_free(&md);
    kclient_close(&c);
    return CLI_OK;
}

static void print_ids(const int32_t *ids, int32_t n) {
    putchar('[');
    for (int32_t i = 0; i < n; i++)
        printf(i ? ",%d" : "%d", ids[i]);
    putchar(']');
}

/* Offsets (ListOffsets at `ts`, as replica id `replica`: -1 a consumer,
 * -2 Kafka's debugging id) of partitions ids[0..n-1] of `name`. In a
 * cluster (more than one broker) each partition's leader is asked, since
 * only the leader answers for it; partitions without a reachable leader get
 * LEADER_NOT_AVAILABLE. Returns 0, or -1 with the error printed. */
static int offsets_from_leaders(cli_ctx *ctx, kclient *c, const kadmin_metadata *md,
                                const kadmin_topic *t, const char *name, const int32_t *ids,
                                int32_t n, int32_t replica, int64_t ts, int64_t *out,
                                int16_t *errs) {
    if (md->n_brokers <= 1) {
        if (kadmin_offsets_list_as(c, replica, name, ids, n, ts, out, errs) < 0) {
            cli_error("%s", c->err);
            return -1;
        }
        return 0;
    }
    int32_t *sub = calloc((size_t)n + 1, sizeof *sub);
    int32_t *pos = calloc((size_t)n + 1, sizeof *pos);
    int64_t *so = calloc((size_t)n + 1, sizeof *so);
    int16_t *se = calloc((size_t)n + 1, sizeof *se);
    int rc = sub && pos && so && se ? 0 : -1;
    if (rc < 0)
        cli_error("out of memory");
    for (int32_t i = 0; i < n; i++)
        errs[i] = KAFKA_LEADER_NOT_AVAILABLE;
    for (int32_t b = 0; rc == 0 && b < md->n_brokers; b++) {
        const kadmin_broker *br = &md->brokers[b];
        int32_t k = 0;
        for (int32_t i = 0; i < n; i++)
            if (t->partitions[i].leader == br->id) {
                pos[k] = i;
                sub[k++] = ids[i];
            }
        if (k == 0)
            continue;
        char addr[400];
        snprintf(addr, sizeof addr, "%.*s:%d", br->host.len > 0 ? br->host.len : 0,
                 br->host.len > 0 ? br->host.ptr : "", br->port);
        kclient lc;
        if (kclient_connect(&lc, addr, ctx->timeout_ms) < 0) {
            cli_error("cannot reach broker %d (%s), the leader of some partitions: %s", br->id,
                      addr, lc.err);
            kclient_close(&lc);
            continue;
        }
        if (kadmin_offsets_list_as(&lc, replica, name, sub, k, ts, so, se) < 0) {
            cli_error("broker %d (%s): %s", br->id, addr, lc.err);
        } else {
            for (int32_t j = 0; j < k; j++) {
                out[pos[j]] = so[j];
                errs[pos[j]] = se[j];
            }
        }
        kclient_close(&lc);
    }
    free(sub);
    free(pos);
    free(so);
    free(se);
    return rc;
}

/* The offsets describe shows per partition, with the error of each. */
enum { OFF_START, OFF_HW, OFF_END, OFF_KINDS };
static const struct {
    int32_t replica;
    int64_t ts;
    const char *text;
    const char *json;
} off_kinds[OFF_KINDS] = {
    {-1, -2, "log-start", "log_start_offset"},
    {-1, -1, "high-watermark", "high_watermark"}, /* what consumers may read up to */
    {-2, -1, "log-end", "log_end_offset"},        /* the leader's log end */
};

static void json_ids(const int32_t *ids, int32_t n) {
    putchar('[');
    for (int32_t i = 0; i < n; i++)
        printf(i ? ",%d" : "%d", ids[i]);
    putchar(']');
}

static void json_cstr(const char *s) {
    cli_json_str(stdout, s, strlen(s));
}

static void json_wstr(wire_str s) {
    if (s.len < 0)
        fputs("null", stdout);
    else
        cli_json_str(stdout, s.ptr, (size_t)s.len);
}

static void print_partition_text(const kadmin_partition *p, int64_t *const off[OFF_KINDS],
                                 int16_t *const err[OFF_KINDS], int32_t i) {
    printf("  partition %d  leader %d  epoch %d  replicas ", p->id, p->leader, p->leader_epoch);
    print_ids(p->replicas, p->n_replicas);
    printf("  isr ");
    print_ids(p->isr, p->n_isr);
    for (int k = 0; k < OFF_KINDS; k++) {
        if (err[k][i] == KAFKA_NONE)
            printf("  %s %lld", off_kinds[k].text, (long long)off[k][i]);
        else
            printf("  %s ?(%s)", off_kinds[k].text, kafka_error_name(err[k][i]));
    }
    if (p->error != KAFKA_NONE)
        printf("  error %s", kafka_error_name(p->error));
    putchar('\n');
}

static void print_partition_json(const kadmin_partition *p, int64_t *const off[OFF_KINDS],
                                 int16_t *const err[OFF_KINDS], int32_t i) {
    printf("{\"partition\":%d,\"leader\":%d,\"leader_epoch\":%d,\"replicas\":", p->id, p->leader,
           p->leader_epoch);
    json_ids(p->replicas, p->n_replicas);
    printf(",\"isr\":");
    json_ids(p->isr, p->n_isr);
    const char *offsets_error = NULL;
    for (int k = 0; k < OFF_KINDS; k++) {
        if (err[k][i] == KAFKA_NONE) {
            printf(",\"%s\":%lld", off_kinds[k].json, (long long)off[k][i]);
        } else {
            printf(",\"%s\":null", off_kinds[k].json);
            if (!offsets_error)
                offsets_error = kafka_error_name(err[k][i]);
        }
    }
    printf(",\"error\":");
    if (p->error != KAFKA_NONE)
        json_cstr(kafka_error_name(p->error));
    else
        fputs("null", stdout);
    printf(",\"offsets_error\":");
    if (offsets_error)
        json_cstr(offsets_error);
    else
        fputs("null", stdout);
    putchar('}');
}

static void print_configs(const kadmin_configs *cfg, int json) {
    if (!json)
        printf("  configs:\n");
    for (int32_t i = 0; i < cfg->n; i++) {
        const kadmin_config *e = &cfg->entries[i];
        if (json) {
            printf("%s{\"name\":", i ? "," : "");
            json_wstr(e->name);
            printf(",\"value\":");
            if (e->sensitive)
                fputs("null", stdout);
            else
                json_wstr(e->value);
            printf(",\"source\":");
            json_cstr(kadmin_config_source_name(e->source));
            printf(",\"read_only\":%s,\"sensitive\":%s}", e->read_only ? "true" : "false",
                   e->sensitive ? "true" : "false");
            continue;
        }
        if (e->sensitive || e->value.len < 0)
            printf("    %.*s = %s", e->name.len, e->name.ptr,
                   e->sensitive ? "(sensitive)" : "(null)");
        else
            printf("    %.*s = %.*s", e->name.len, e->name.ptr, e->value.len, e->value.ptr);
        printf("  (%s%s)\n", kadmin_config_source_name(e->source),
               e->read_only ? ", read-only" : "");
    }
}

/* Partitions, offsets and configs of one topic (text, or one JSON object on
 * one line); returns CLI_OK or CLI_ERR. */
static int describe_topic(cli_ctx *ctx, kclient *c, const kadmin_metadata *md, kadmin_topic *t,
                          int json) {
    char name[256];
    snprintf(name, sizeof name, "%.*s", t->name.len > 0 ? t->name.len : 0,
             t->name.len > 0 ? t->name.ptr : "");
    if (t->error != KAFKA_NONE) {
        topic_error("describe", name, t->error, NULL);
        return CLI_ERR;
    }
    if (t->n_partitions > 1)
        qsort(t->partitions, (size_t)t->n_partitions, sizeof *t->partitions, cmp_partition);
    int32_t n = t->n_partitions;
    int32_t *ids = calloc((size_t)n + 1, sizeof *ids);
    int64_t *off[OFF_KINDS];
    int16_t *err[OFF_KINDS];
    int rc = CLI_OK, nomem = !ids;
    for (int k = 0; k < OFF_KINDS; k++) {
        off[k] = calloc((size_t)n + 1, sizeof *off[k]);
        err[k] = calloc((size_t)n + 1, sizeof *err[k]);
        nomem |= !off[k] || !err[k];
    }
    kadmin_configs cfg;
    memset(&cfg, 0, sizeof cfg);
    if (nomem) {
        cli_error("out of memory");
        rc = CLI_ERR;
        goto out;
    }
    for (int32_t i = 0; i < n; i++)
        ids[i] = t->partitions[i].id;
    for (int k = 0; k < OFF_KINDS && n > 0; k++)
        if (offsets_from_leaders(ctx, c, md, t, name, ids, n, off_kinds[k].replica, off_kinds[k].ts,
                                 off[k], err[k]) < 0) {
            rc = CLI_ERR;
            goto out;
        }
    if (kadmin_topic_configs_get(c, name, &cfg) < 0) {
        cli_error("%s", c->err);
        rc = CLI_ERR;
        goto out;
    }
    int configs_ok = cfg.error == KAFKA_NONE;
    if (!configs_ok) {
        cli_error("cannot read the configs of topic '%s': %s%s%.*s", name,
                  kafka_error_name(cfg.error), cfg.error_message.len > 0 ? ": " : "",
                  cfg.error_message.len > 0 ? cfg.error_message.len : 0,
                  cfg.error_message.ptr ? cfg.error_message.ptr : "");
        rc = CLI_ERR;
    }
    int rf = n > 0 ? t->partitions[0].n_replicas : 0;
    if (json) {
        printf("{\"topic\":");
        json_cstr(name);
        printf(",\"internal\":%s,\"replication_factor\":%d,\"partitions\":[",
               t->internal ? "true" : "false", rf);
        for (int32_t i = 0; i < n; i++) {
            if (i)
                putchar(',');
            print_partition_json(&t->partitions[i], off, err, i);
        }
        printf("],\"configs\":");
        if (configs_ok) {
            putchar('[');
            print_configs(&cfg, 1);
            putchar(']');
        } else {
            fputs("null", stdout);
        }
        printf("}\n");
    } else {
        printf("topic %s  partitions %d  replication-factor %d%s\n", name, n, rf,
               t->internal ? "  internal" : "");
        for (int32_t i = 0; i < n; i++)
            print_partition_text(&t->partitions[i], off, err, i);
        if (configs_ok)
            print_configs(&cfg, 0);
    }
out:
    kadmin_configs_free(&cfg);
    free(ids);
    for (int k = 0; k < OFF_KINDS; k++) {
        free(off[k]);
        free(err[k]);
    }
    return rc;
}

int cmd_topic_describe(cli_ctx *ctx, int argc, char **argv) {
    const cli_command *cmd = cli_command_find("topic", "describe");
    static const struct option opts[] = {
        {"json", no_argument, NULL, OPT_JSON}, NET_LONG_OPTS, {NULL, 0, NULL, 0}};
    int opt, json = 0, rc = CLI_OK;
    optind = 0;
    opterr = 0;
    while (rc == CLI_OK && (opt = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
        if (opt == OPT_JSON) {
            json = 1;
            continue;
        }
        int nrc = opt == '?' || opt == ':' ? 0 : net_option(ctx, opt, optarg);
        if (nrc < 0)
            rc = cli_usage_error(cmd, "--timeout needs a number of milliseconds");
        else if (nrc == 0)
            rc = cli_usage_error(cmd, "bad or incomplete option '%s'", argv[optind - 1]);
    }
    if (rc != CLI_OK)
        return rc;
    int n = argc - optind;
    const char *const *names = n > 0 ? (const char *const *)argv + optind : NULL;
    kclient c;
    if (cli_connect(ctx, &c) < 0)
        return CLI_ERR;
    kadmin_metadata md;
    if (kadmin_metadata_get(&c, names, n, &md) < 0) {
        cli_error("%s", c.err);
        kclient_close(&c);
        return CLI_ERR;
    }
    /* A name the broker did not mention at all is as unknown as one it
     * flagged; report it in the order given. */
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int32_t j = 0; j < md.n_topics && !seen; j++)
            seen = wire_str_eq(md.topics[j].name, names[i]);
        if (!seen) {
            topic_error("describe", names[i], KAFKA_UNKNOWN_TOPIC_OR_PARTITION, NULL);
            rc = CLI_ERR;
        }
    }
    if (md.n_topics > 1)
        qsort(md.topics, (size_t)md.n_topics, sizeof *md.topics, cmp_topic);
    for (int32_t i = 0; i < md.n_topics && c.fd >= 0; i++) {
        if (i && !json)
            putchar('\n');
        if (describe_topic(ctx, &c, &md, &md.topics[i], json) != CLI_OK)
            rc = CLI_ERR;
    }
    kadmin_metadata_free(&md);
    kclient_close(&c);
    return rc;
}

int cmd_topic_delete(cli_ctx *ctx, int argc, char **argv) {
    const cli_command *cmd = cli_command_find("topic", "delete");
    int rc = parse_net_only(ctx, cmd, argc, argv);
    if (rc != CLI_OK)
        return rc;
    int n = argc - optind;
    if (n <= 0)
        return cli_usage_error(cmd, "missing topic NAME");
    const char *const *names = (const char *const *)argv + optind;
    int16_t *errors = calloc((size_t)n, sizeof *errors);
    if (!errors) {
        cli_error("out of memory");
        return CLI_ERR;
    }
    kclient c;
    if (cli_connect(ctx, &c) < 0) {
        free(errors);
        return CLI_ERR;
    }
    if (kadmin_topics_delete(&c, names, n, errors) < 0) {
        cli_error("%s", c.err);
        rc = CLI_ERR;
    } else {
        for (int i = 0; i < n; i++) {
            if (errors[i] == KAFKA_NONE) {
                printf("deleted topic '%s'\n", names[i]);
            } else {
                topic_error("delete", names[i], errors[i], NULL);
                rc = CLI_ERR;
            }
        }
    }
    kclient_close(&c);
    free(errors);
    return rc;
}

int cmd_topic_alter(cli_ctx *ctx, int argc, char **argv) {
    const cli_command *cmd = cli_command_find("topic", "alter");
    static const struct option opts[] = {
        {"partitions", required_argument, NULL, 'p'}, NET_LONG_OPTS, {NULL, 0, NULL, 0}};
    long long partitions = -1;
    int opt, rc = CLI_OK;
    optind = 0;
    opterr = 0;
    while (rc == CLI_OK && (opt = getopt_long(argc, argv, "p:b:", opts, NULL)) != -1) {
        if (opt == 'p') {
            if (cli_parse_int(optarg, 1, INT32_MAX, &partitions) < 0)
                rc = cli_usage_error(cmd, "--partitions needs a number >= 1, not '%s'", optarg);
            continue;
        }
        int nrc = net_option(ctx, opt, optarg);
        if (nrc < 0)
            rc = cli_usage_error(cmd, "--timeout needs a number of milliseconds");
        else if (nrc == 0)
            rc = cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
    }
    if (rc != CLI_OK)
        return rc;
    if (argc - optind != 1)
        return cli_usage_error(cmd, "give exactly one topic NAME");
    if (partitions < 0)
        return cli_usage_error(cmd, "nothing to change: give --partitions N (the new total)");
    const char *name = argv[optind];
    kclient c;
    if (cli_connect(ctx, &c) < 0)
        return CLI_ERR;
    int16_t ec;
    char msg[512];
    if (kadmin_partitions_create(&c, name, (int32_t)partitions, &ec, msg, sizeof msg) < 0) {
        cli_error("%s", c.err);
        rc = CLI_ERR;
    } else if (ec != KAFKA_NONE) {
        topic_error("alter", name, ec, msg);
        rc = CLI_ERR;
    } else {
        printf("topic '%s' now has %lld partitions\n", name, partitions);
    }
    kclient_close(&c);
    return rc;
}
