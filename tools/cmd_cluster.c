/*
 * cmd_cluster.c - `strand cluster`: the brokers of a cluster, its
 * controller, its id and the ZooKeeper ensemble it runs on.
 *
 * Brokers, controller and cluster id come from Metadata (any broker answers
 * for the whole cluster). zookeeper.connect is not part of Metadata: it is
 * read with DescribeConfigs (broker resource) from the first broker that
 * answers for itself; a standalone broker has none.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli.h"
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

int cmd_cluster(cli_ctx *ctx, int argc, char **argv) {
    const cli_command *cmd = cli_command_find("cluster", NULL);
    static const struct option opts[] = {{"bootstrap", required_argument, NULL, 'b'},
                                         {"timeout", required_argument, NULL, OPT_TIMEOUT},
                                         {NULL, 0, NULL, 0}};
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
        long long v;
        if (opt == 'b') {
            ctx->brokers = optarg;
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
    const char *none[1] = {NULL};
    if (kadmin_metadata_get(&c, none, 0, &md) < 0) { /* no topics: brokers only */
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
    printf("cluster id %.*s\n", md.cluster_id.len > 0 ? md.cluster_id.len : 1,
           md.cluster_id.len > 0 ? md.cluster_id.ptr : "?");
    printf("controller %d\n", md.controller);
    printf("zookeeper %s\n", !zk_known ? "? (no broker answered)"
                             : zk[0]   ? zk
                                       : "none (standalone broker)");
    printf("brokers %d\n", md.n_brokers);
    for (int32_t i = 0; i < md.n_brokers; i++)
        printf("  broker %d  %.*s:%d%s\n", md.brokers[i].id,
               md.brokers[i].host.len > 0 ? md.brokers[i].host.len : 0,
               md.brokers[i].host.len > 0 ? md.brokers[i].host.ptr : "", md.brokers[i].port,
               md.brokers[i].id == md.controller ? "  controller" : "");
    kadmin_metadata_free(&md);
    return CLI_OK;
}
