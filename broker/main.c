/*
 * main.c - strand-broker's entry point: flags, configuration layering
 * (defaults < --config file < flags), opening the data directory (log
 * recovery), running the event loop and the orderly close after it.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/cluster.h"
#include "broker/replica.h"
#include "broker/config.h"
#include "broker/coordinator.h"
#include "broker/delayed.h"
#include "broker/logging.h"
#include "broker/producer_ids.h"
#include "broker/server.h"
#include "broker/topics.h"

#ifndef STRAND_VERSION
#define STRAND_VERSION "0.0.0"
#endif

static void usage(FILE *f) {
    fprintf(f,
            "Usage: strand-broker [options]\n"
            "A Kafka-protocol message broker: standalone, or one broker of a cluster\n"
            "coordinated through ZooKeeper (--zookeeper; see docs/CLUSTER.md).\n\n"
            "Options (flags override the config file):\n"
            "  --listen HOST:PORT     address to listen on (default 127.0.0.1:9092; port 0 picks\n"
            "                         a free port)\n"
            "  --data-dir DIR         data directory (log.dirs; default ./data)\n"
            "  --broker-id N          this broker's id (broker.id; default 0)\n"
            "  --zookeeper CONNECT    cluster mode: ZooKeeper HOST:PORT[,HOST:PORT][/chroot]\n"
            "                         (zookeeper.connect); without it the broker is standalone\n"
            "  --advertised HOST:PORT address given to clients and other brokers\n"
            "                         (advertised.listeners; default the listen address)\n"
            "  --config FILE          Kafka-style properties file (key=value)\n"
            "  --override KEY=VALUE   set one config key (repeatable)\n"
            "  --port-file PATH       after listening, write the bound port to PATH (atomically)\n"
            "  --log-level LEVEL      error, warn, info (default) or debug\n"
            "  --help                 this text\n"
            "  --version              print the version\n\n"
            "Config keys (file or --override):\n");
    for (const broker_config_key *k = broker_config_keys; k->name; k++)
        fprintf(f, "  %-40s %s (default %s)\n", k->name, k->help, k->default_text);
    fprintf(f, "\nTopic configs (CreateTopics): retention.ms, retention.bytes, segment.bytes,\n"
               "segment.ms, cleanup.policy (delete, compact or compact,delete), max.message.bytes "
               "and the other keys\n"
               "of the log layer; unknown keys are refused with INVALID_CONFIG.\n"
               "SIGINT/SIGTERM stop the broker cleanly (exit status 0); in cluster mode it\n"
               "first moves its leadership away (controlled.shutdown.enable), a second\n"
               "signal stops it at once.\n");
}

static void warn_unknown(void *arg, int line, const char *key) {
    BLOG_W("%s:%d: unknown config key '%s' ignored", (const char *)arg, line, key);
}

static void on_log_open(void *arg, const char *name, int status, log *lg,
                        const log_recovery_report *r) {
    (void)arg;
    (void)lg;
    if (status != LOG_OK) {
        BLOG_W("skipping %s in the data directory: %s", name, log_strerror(status));
        return;
    }
    if (r->bytes_truncated > 0 || r->indexes_rebuilt > 0 || r->segments_removed > 0)
        BLOG_W("recovered %s: %d segment(s), %d re-validated, %d index(es) rebuilt, %d segment(s) "
               "removed, %" PRId64 " byte(s) truncated at offset %" PRId64 ", offsets %" PRId64
               "..%" PRId64 "%s%s",
               name, r->segments, r->segments_validated, r->indexes_rebuilt, r->segments_removed,
               r->bytes_truncated, r->truncated_at, r->log_start_offset, r->log_end_offset,
               r->detail[0] ? ": " : "", r->detail);
    else
        BLOG_I("opened %s: %d segment(s), %d re-validated, offsets %" PRId64 "..%" PRId64, name,
               r->segments, r->segments_validated, r->log_start_offset, r->log_end_offset);
}

static int need_arg(int i, int argc, const char *flag) {
    if (i + 1 >= argc) {
        fprintf(stderr, "strand-broker: %s needs a value (see --help)\n", flag);
        return 0;
    }
    return 1;
}

int main(int argc, char **argv) {
    const char *config_file = NULL, *port_file = NULL, *listen = NULL, *data_dir = NULL;
    const char *level = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--version")) {
            printf("strand-broker %s\n", STRAND_VERSION);
            return 0;
        }
        if (!strcmp(a, "--config") || !strcmp(a, "--port-file") || !strcmp(a, "--listen") ||
            !strcmp(a, "--data-dir") || !strcmp(a, "--log-level") || !strcmp(a, "--override") ||
            !strcmp(a, "--broker-id") || !strcmp(a, "--zookeeper") || !strcmp(a, "--advertised")) {
            if (!need_arg(i, argc, a))
                return 2;
            const char *v = argv[++i];
            if (!strcmp(a, "--config"))
                config_file = v;
            else if (!strcmp(a, "--port-file"))
                port_file = v;
            else if (!strcmp(a, "--listen"))
                listen = v;
            else if (!strcmp(a, "--data-dir"))
                data_dir = v;
            else if (!strcmp(a, "--log-level"))
                level = v;
            continue;
        }
        fprintf(stderr, "strand-broker: unknown option '%s' (see --help)\n", a);
        return 2;
    }
    if (level) {
        int l = blog_level_parse(level);
        if (l < 0) {
            fprintf(stderr, "strand-broker: --log-level must be error, warn, info or debug\n");
            return 2;
        }
        blog_level_set(l);
    }

    /* A peer that closes while we write must cost an EPIPE, not the process. */
    signal(SIGPIPE, SIG_IGN);
    static broker b;
    broker_config_init(&b.cfg);
    char err[1024];
    if (config_file && broker_config_load(&b.cfg, config_file, warn_unknown, (void *)config_file,
                                          err, sizeof err) != 0) {
        BLOG_E("%s", err);
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        static const char *const as_key[][2] = {{"--broker-id", "broker.id"},
                                                {"--zookeeper", "zookeeper.connect"},
                                                {"--advertised", "advertised.listeners"}};
        for (size_t k = 0; k < sizeof as_key / sizeof as_key[0]; k++) {
            if (strcmp(argv[i], as_key[k][0]) != 0 || i + 1 >= argc)
                continue;
            if (broker_config_set(&b.cfg, as_key[k][1], argv[i + 1], err, sizeof err) !=
                BROKER_CONFIG_OK) {
                BLOG_E("%s: %s", argv[i], err);
                return 2;
            }
        }
        if (strcmp(argv[i], "--override") != 0)
            continue;
        char kv[4096];
        snprintf(kv, sizeof kv, "%s", argv[++i]);
        char *eq = strchr(kv, '=');
        if (!eq) {
            fprintf(stderr, "strand-broker: --override expects KEY=VALUE, got '%s'\n", kv);
            return 2;
        }
        *eq = '\0';
        int rc = broker_config_set(&b.cfg, kv, eq + 1, err, sizeof err);
        if (rc == BROKER_CONFIG_UNKNOWN)
            BLOG_W("--override: unknown config key '%s' ignored", kv);
        else if (rc != BROKER_CONFIG_OK) {
            BLOG_E("--override: %s", err);
            return 2;
        }
    }
    if (listen && broker_config_parse_hostport(listen, b.cfg.listen_host, sizeof b.cfg.listen_host,
                                               &b.cfg.listen_port) != 0) {
        BLOG_E("--listen expects HOST:PORT (e.g. 127.0.0.1:9092), got '%s'", listen);
        return 2;
    }
    if (data_dir)
        snprintf(b.cfg.data_dir, sizeof b.cfg.data_dir, "%s", data_dir);
    if (log_config_check(&b.cfg.log_defaults) != LOG_OK) {
        BLOG_E("the log.* settings are inconsistent (e.g. log.segment.bytes too small); fix the "
               "config");
        return 1;
    }
    if (b.cfg.replica_fetch_wait_max_ms >= b.cfg.replica_lag_time_max_ms) {
        BLOG_E("replica.fetch.wait.max.ms (%" PRId64
               ") must be below replica.lag.time.max.ms (%" PRId64
               "), or idle followers would leave the ISR",
               b.cfg.replica_fetch_wait_max_ms, b.cfg.replica_lag_time_max_ms);
        return 1;
    }
    if (b.cfg.zookeeper_connect[0] && b.cfg.unclean_leader_election) {
        BLOG_E("unclean.leader.election.enable=true is not supported: leaders are elected from "
               "the in-sync replicas only");
        return 1;
    }
    snprintf(b.advertised_host, sizeof b.advertised_host, "%s", b.cfg.advertised_host);
    b.advertised_port = b.cfg.advertised_port;

    BLOG_I("strand-broker %s starting: data dir %s, broker id %" PRId32, STRAND_VERSION,
           b.cfg.data_dir, b.cfg.broker_id);
    b.loop = uv_default_loop();
    /* In cluster mode the cluster decides which partitions have logs here. */
    if (topics_open_mode(b.cfg.data_dir, b.cfg.broker_id, &b.cfg.log_defaults,
                         !b.cfg.zookeeper_connect[0], on_log_open, NULL, &b.topics, &b.logs,
                         b.cluster_id, sizeof b.cluster_id, err, sizeof err) != 0) {
        BLOG_E("%s", err);
        return 1;
    }
    BLOG_I("data directory ready: %d topic(s), %d partition log(s)", topics_count(b.topics),
           logdir_count(b.logs));
    if (delayed_init(b.loop, &b.delayed) != 0) {
        BLOG_E("out of memory");
        return 1;
    }
    if (coordinator_open(&b, err, sizeof err) != 0) {
        BLOG_E("loading %s failed: %s", COORDINATOR_TOPIC, err);
        logdir_close(b.logs);
        return 1;
    }
    if (server_start(&b, port_file, err, sizeof err) != 0) {
        BLOG_E("%s", err);
        logdir_close(b.logs);
        return 1;
    }
    if (b.cfg.zookeeper_connect[0] && cluster_start(&b, err, sizeof err) != 0) {
        BLOG_E("%s", err);
        server_stop(&b);
        uv_run(b.loop, UV_RUN_DEFAULT);
        logdir_close(b.logs);
        return 1;
    }
    uv_run(b.loop, UV_RUN_DEFAULT);

    int status = cluster_failed(b.cluster) ? 1 : 0;
    if (topics_save(b.topics) != 0)
        status = 1;
    int rc = logdir_close(b.logs);
    if (rc != LOG_OK) {
        BLOG_E("closing the logs failed: %s", log_strerror(rc));
        status = 1;
    }
    server_free(&b);
    coordinator_free(&b);
    producer_ids_free(&b);
    delayed_free(b.delayed);
    topics_free(b.topics);
    cluster_free(b.cluster);
    replica_free(&b);
    uv_loop_close(b.loop);
    BLOG_I("stopped%s", status ? " with errors" : "");
    return status;
}
