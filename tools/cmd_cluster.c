/*
 * cmd_cluster.c - `strand cluster`: the brokers of a cluster, its
 * controller, its id, the ZooKeeper ensemble it runs on and how leadership
 * is spread; `strand cluster elect-leaders`: preferred-leader election.
 *
 * Brokers, controller, cluster id and every partition's leader and replicas
 * come from Metadata (any broker answers for the whole cluster); a
 * partition's preferred leader is its first replica. zookeeper.connect is
 * not part of Metadata: it is read with DescribeConfigs (broker resource)
 * from the first broker that answers for itself; a standalone broker has
 * none. ElectLeaders goes to the controller named by Metadata (as Kafka's
 * admin client does); a NOT_CONTROLLER answer (the controller moved) makes
 * it ask Metadata again, a few times.
 */
#include <getopt.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli.h"
#include "tools/cli_format.h"
#include "tools/kadmin.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

enum { OPT_TIMEOUT = 1000 };

static int cmp_broker(const void *a, const void *b) {
    int32_t x = ((const kadmin_broker *)a)->id, y = ((const kadmin_broker *)b)->id;
    return x < y ? -1 : x > y;
}

/* zookeeper.connect of broker br, asked directly; 0 when found. */
static int zookeeper_of(cli_ctx *ctx, const kadmin_broker *br, char *out, size_t outlen) {
    char addr[400], id[16];
    snprintf(addr, sizeof addr, "%.*s:%d", br->host.len > 0 ? br->host.len : 0,
             br->host.len > 0 ? br->host.ptr : "", br->port);
    snprintf(id, sizeof id, "%d", br->id);
    kclient c;
    if (kclient_connect(&c, addr, ctx->timeout_ms) < 0) {
        kclient_close(&c);
        return -1;
    }
    kadmin_configs cfg;
    int rc = -1;
    if (kadmin_configs_get(&c, PROTO_RESOURCE_BROKER, id, &cfg) == 0) {
        if (cfg.error == KAFKA_NONE) {
            out[0] = '\0';
            rc = 0;
            for (int32_t i = 0; i < cfg.n; i++)
                if (wire_str_eq(cfg.entries[i].name, "zookeeper.connect") &&
                    cfg.entries[i].value.len > 0)
                    snprintf(out, outlen, "%.*s", cfg.entries[i].value.len,
                             cfg.entries[i].value.ptr);
        }
        kadmin_configs_free(&cfg);
    }
    kclient_close(&c);
    return rc;
}

/* Per broker: partitions it leads, partitions it is the preferred replica
 * of, and how many of those it leads. */
typedef struct lead_count {
    int leads, preferred, preferred_led;
} lead_count;

static lead_count count_for(const kadmin_metadata *md, int32_t id, int *total, int *off) {
    lead_count lc = {0, 0, 0};
    for (int32_t t = 0; t < md->n_topics; t++)
        for (int32_t p = 0; p < md->topics[t].n_partitions; p++) {
            const kadmin_partition *kp = &md->topics[t].partitions[p];
            if (kp->n_replicas < 1)
                continue;
            if (total && id == md->brokers[0].id) { /* counted once */
                (*total)++;
                *off += kp->leader != kp->replicas[0];
            }
            lc.leads += kp->leader == id;
            if (kp->replicas[0] == id) {
                lc.preferred++;
                lc.preferred_led += kp->leader == id;
            }
        }
    return lc;
}

static int cluster_elect_leaders(cli_ctx *ctx, int argc, char **argv);

int cmd_cluster(cli_ctx *ctx, int argc, char **argv) {
    if (argc > 0 && strcmp(argv[0], "elect-leaders") == 0) /* its own table row */
        return cluster_elect_leaders(ctx, argc, argv);
    const cli_command *cmd = cli_command_find("cluster", NULL);
    static const struct option opts[] = {{"bootstrap", required_argument, NULL, 'b'},
                                         {"timeout", required_argument, NULL, OPT_TIMEOUT},
                                         {"json", no_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    int opt, json = 0;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
        long long v;
        if (opt == 'b') {
            ctx->brokers = optarg;
        } else if (opt == 'j') {
            json = 1;
        } else if (opt == OPT_TIMEOUT) {
            if (cli_parse_int(optarg, 1, 3600000, &v) < 0)
                return cli_usage_error(cmd, "--timeout needs a number of milliseconds");
            ctx->timeout_ms = (int)v;
        } else {
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    kclient c;
    if (cli_connect(ctx, &c) < 0)
        return CLI_ERR;
    kadmin_metadata md;
    if (kadmin_metadata_get(&c, NULL, 0, &md) < 0) { /* every topic: leader counts */
        cli_error("%s", c.err);
        kclient_close(&c);
        return CLI_ERR;
    }
    kclient_close(&c);
    if (md.n_brokers > 1)
        qsort(md.brokers, (size_t)md.n_brokers, sizeof *md.brokers, cmp_broker);
    char zk[4200] = "";
    int zk_known = 0;
    for (int32_t i = 0; i < md.n_brokers && !zk_known; i++)
        zk_known = zookeeper_of(ctx, &md.brokers[i], zk, sizeof zk) == 0;
    int total = 0, off = 0;
    if (json) {
        printf("{\"cluster_id\":");
        if (md.cluster_id.len > 0)
            cli_json_str(stdout, md.cluster_id.ptr, (size_t)md.cluster_id.len);
        else
            printf("null");
        printf(",\"controller\":%d,\"zookeeper\":", md.controller);
        if (zk_known && zk[0])
            cli_json_str(stdout, zk, strlen(zk));
        else
            printf("null");
        printf(",\"brokers\":[");
        for (int32_t i = 0; i < md.n_brokers; i++) {
            const kadmin_broker *br = &md.brokers[i];
            lead_count lc = count_for(&md, br->id, &total, &off);
            printf("%s{\"id\":%d,\"host\":", i ? "," : "", br->id);
            cli_json_str(stdout, br->host.len > 0 ? br->host.ptr : "",
                         br->host.len > 0 ? (size_t)br->host.len : 0);
            printf(",\"port\":%d,\"controller\":%s,\"leaders\":%d,\"preferred\":%d,"
                   "\"preferred_led\":%d}",
                   br->port, br->id == md.controller ? "true" : "false", lc.leads, lc.preferred,
                   lc.preferred_led);
        }
        printf("],\"partitions\":%d,\"not_preferred_leader\":%d}\n", total, off);
        kadmin_metadata_free(&md);
        return CLI_OK;
    }
    printf("cluster id %.*s\n", md.cluster_id.len > 0 ? md.cluster_id.len : 1,
           md.cluster_id.len > 0 ? md.cluster_id.ptr : "?");
    printf("controller %d\n", md.controller);
    printf("zookeeper %s\n", !zk_known ? "? (no broker answered)"
                             : zk[0]   ? zk
                                       : "none (standalone broker)");
    printf("brokers %d\n", md.n_brokers);
    for (int32_t i = 0; i < md.n_brokers; i++) {
        lead_count lc = count_for(&md, md.brokers[i].id, &total, &off);
        printf("  broker %d  %.*s:%d%s  leaders %d  preferred %d/%d\n", md.brokers[i].id,
               md.brokers[i].host.len > 0 ? md.brokers[i].host.len : 0,
               md.brokers[i].host.len > 0 ? md.brokers[i].host.ptr : "", md.brokers[i].port,
               md.brokers[i].id == md.controller ? "  controller" : "", lc.leads, lc.preferred_led,
               lc.preferred);
    }
    printf("preferred-leader imbalance %d of %d partition(s) not led by their first replica\n", off,
           total);
    kadmin_metadata_free(&md);
    return CLI_OK;
}

/* ---- elect-leaders ---- */

typedef struct elect_args {
    const char *topic; /* NULL: --all-topics */
    int32_t partition; /* -1: every partition of topic */
    int json;
} elect_args;

/* The controller's address from Metadata, and the partitions to name
 * (topic given: its partitions; --all-topics: none, the request is null). */
static int find_controller(cli_ctx *ctx, const elect_args *ea, char *addr, size_t addrlen,
                           int32_t **parts, int32_t *n) {
    kclient c;
    if (cli_connect(ctx, &c) < 0)
        return -1;
    kadmin_metadata md;
    const char *names[1] = {ea->topic};
    if (kadmin_metadata_get(&c, ea->topic ? names : NULL, ea->topic ? 1 : 0, &md) < 0) {
        cli_error("%s", c.err);
        kclient_close(&c);
        return -1;
    }
    kclient_close(&c);
    int rc = 0;
    *n = 0;
    *parts = NULL;
    if (ea->topic) {
        const kadmin_topic *t = md.n_topics == 1 ? &md.topics[0] : NULL;
        if (!t || t->error != KAFKA_NONE) {
            cli_error("topic %s: %s", ea->topic,
                      t ? kafka_error_name(t->error) : "not in the metadata");
            rc = -1;
        } else if (ea->partition >= 0) {
            *parts = malloc(sizeof **parts);
            if (*parts) {
                (*parts)[0] = ea->partition;
                *n = 1;
            }
        } else if (t->n_partitions > 0) {
            *parts = calloc((size_t)t->n_partitions, sizeof **parts);
            for (int32_t i = 0; *parts && i < t->n_partitions; i++)
                (*parts)[(*n)++] = t->partitions[i].id;
        }
    }
    const kadmin_broker *ctl = NULL;
    for (int32_t i = 0; i < md.n_brokers; i++)
        if (md.brokers[i].id == md.controller)
            ctl = &md.brokers[i];
    if (rc == 0 && !ctl) {
        cli_error("no controller in the metadata (controller id %d)", md.controller);
        rc = -1;
    }
    if (rc == 0)
        snprintf(addr, addrlen, "%.*s:%d", ctl->host.len > 0 ? ctl->host.len : 0,
                 ctl->host.len > 0 ? ctl->host.ptr : "", ctl->port);
    kadmin_metadata_free(&md);
    if (rc != 0) {
        free(*parts);
        *parts = NULL;
    }
    return rc;
}

static void print_results(const elect_args *ea, const proto_elect_leaders_resp *r, int *failed) {
    int first = 1;
    if (ea->json)
        printf("{\"results\":[");
    for (int32_t t = 0; t < r->topic_count; t++)
        for (int32_t p = 0; p < r->topics[t].partition_count; p++) {
            const proto_elect_leaders_resp_partition *rp = &r->topics[t].partitions[p];
            const char *name = kafka_error_name(rp->error_code);
            if (rp->error_code != KAFKA_NONE && rp->error_code != KAFKA_ELECTION_NOT_NEEDED)
                (*failed)++;
            if (ea->json) {
                printf("%s{\"topic\":", first ? "" : ",");
                cli_json_str(stdout, r->topics[t].topic.ptr, (size_t)r->topics[t].topic.len);
                printf(",\"partition\":%d,\"result\":\"%s\",\"message\":", rp->partition,
                       name ? name : "?");
                if (rp->error_message.len >= 0)
                    cli_json_str(stdout, rp->error_message.ptr, (size_t)rp->error_message.len);
                else
                    printf("null");
                printf("}");
            } else {
                printf("%.*s %d %s%s%.*s\n", (int)r->topics[t].topic.len, r->topics[t].topic.ptr,
                       rp->partition, name ? name : "?", rp->error_message.len > 0 ? ": " : "",
                       rp->error_message.len > 0 ? (int)rp->error_message.len : 0,
                       rp->error_message.len > 0 ? rp->error_message.ptr : "");
            }
            first = 0;
        }
    if (ea->json)
        printf("]}\n");
}

/* 1 when the answer says the broker asked is not (or no longer) the
 * controller: ask Metadata again. */
static int not_controller(const proto_elect_leaders_resp *r) {
    if (r->error_code == KAFKA_NOT_CONTROLLER)
        return 1;
    int any = 0;
    for (int32_t t = 0; t < r->topic_count; t++)
        for (int32_t p = 0; p < r->topics[t].partition_count; p++) {
            if (r->topics[t].partitions[p].error_code != KAFKA_NOT_CONTROLLER)
                return 0;
            any = 1;
        }
    return any;
}

/* One ElectLeaders at the controller: 0 answered (printed unless it was
 * NOT_CONTROLLER: then 1), -1 failed. */
static int elect_once(cli_ctx *ctx, const elect_args *ea, int *failed) {
    char addr[400];
    int32_t *parts = NULL, n = 0;
    if (find_controller(ctx, ea, addr, sizeof addr, &parts, &n) < 0)
        return -1;
    kclient c;
    if (kclient_connect(&c, addr, ctx->timeout_ms) < 0) {
        cli_error("controller %s: %s", addr, c.err);
        kclient_close(&c);
        free(parts);
        return -1;
    }
    int v = kclient_pick_version(&c, KAFKA_API_ELECT_LEADERS, 0, 2);
    if (v < 0) {
        cli_error("controller %s does not offer ElectLeaders: %s", addr, c.err);
        kclient_close(&c);
        free(parts);
        return -1;
    }
    proto_elect_leaders_req_topic topic = {wire_str_from(ea->topic ? ea->topic : ""), n, parts};
    proto_elect_leaders_req req = {PROTO_ELECTION_PREFERRED, ea->topic ? 1 : -1,
                                   ea->topic ? &topic : NULL, ctx->timeout_ms};
    wire_writer w;
    wire_writer_init(&w);
    proto_elect_leaders_req_encode(&w, (int16_t)v, &req);
    free(parts);
    uint8_t *resp = NULL;
    wire_reader r;
    /* The broker may wait up to the timeout: give the answer time to come. */
    c.timeout_ms = ctx->timeout_ms + 5000;
    if (kadmin_request(&c, KAFKA_API_ELECT_LEADERS, v, &w, &resp, &r) < 0) {
        cli_error("%s", c.err);
        kclient_close(&c);
        return -1;
    }
    wire_arena a;
    wire_arena_init(&a);
    proto_elect_leaders_resp out;
    int rc = 0;
    if (proto_elect_leaders_resp_decode(&r, (int16_t)v, &a, &out) != 0) {
        kadmin_malformed(&c, KAFKA_API_ELECT_LEADERS, v, resp);
        resp = NULL;
        cli_error("%s", c.err);
        rc = -1;
    } else if (not_controller(&out)) {
        rc = 1;
    } else if (out.error_code != KAFKA_NONE) {
        cli_error("ElectLeaders: %s", kafka_error_name(out.error_code));
        rc = -1;
    } else {
        print_results(ea, &out, failed);
    }
    wire_arena_free(&a);
    free(resp);
    kclient_close(&c);
    return rc;
}

static int cluster_elect_leaders(cli_ctx *ctx, int argc, char **argv) {
    const cli_command *cmd = cli_command_find("cluster", "elect-leaders");
    static const struct option opts[] = {{"bootstrap", required_argument, NULL, 'b'},
                                         {"timeout", required_argument, NULL, OPT_TIMEOUT},
                                         {"topic", required_argument, NULL, 't'},
                                         {"partition", required_argument, NULL, 'p'},
                                         {"all-topics", no_argument, NULL, 'a'},
                                         {"json", no_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    elect_args ea = {NULL, -1, 0};
    int opt, all = 0;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "b:t:p:", opts, NULL)) != -1) {
        long long v;
        if (opt == 'b') {
            ctx->brokers = optarg;
        } else if (opt == 't') {
            ea.topic = optarg;
        } else if (opt == 'p') {
            if (cli_parse_int(optarg, 0, INT32_MAX, &v) < 0)
                return cli_usage_error(cmd, "--partition needs a partition number");
            ea.partition = (int32_t)v;
        } else if (opt == 'a') {
            all = 1;
        } else if (opt == 'j') {
            ea.json = 1;
        } else if (opt == OPT_TIMEOUT) {
            if (cli_parse_int(optarg, 1, 3600000, &v) < 0)
                return cli_usage_error(cmd, "--timeout needs a number of milliseconds");
            ctx->timeout_ms = (int)v;
        } else {
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (all == !!ea.topic)
        return cli_usage_error(cmd, "give either --topic T [--partition P] or --all-topics");
    if (ea.partition >= 0 && !ea.topic)
        return cli_usage_error(cmd, "--partition needs --topic");
    int failed = 0;
    for (int attempt = 1; attempt <= 5; attempt++) {
        int rc = elect_once(ctx, &ea, &failed);
        if (rc < 0)
            return CLI_ERR;
        if (rc == 0)
            return failed ? CLI_ERR : CLI_OK;
        /* The controller moved: give the cluster a moment, ask again. */
        struct timespec ts = {0, 300 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    cli_error("the controller kept moving (NOT_CONTROLLER); try again");
    return CLI_ERR;
}
