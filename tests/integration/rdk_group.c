/*
 * rdk_group.c - a librdkafka high-level consumer (consumer group member)
 * for the integration tests of the broker's group coordinator, and for
 * mixed groups with libstrand members.
 *
 * Usage:
 *   rdk_group -b HOST:PORT -g GROUP -t TOPIC[,TOPIC...] [options]
 * Options:
 *   -n N           exit after N messages (default: no limit)
 *   -i IDLE_MS     exit after IDLE_MS without a message once at least one
 *                  partition was assigned (default: no idle exit)
 *   -T MS          exit with status 1 if still running after MS (default
 *                  600000)
 *   -s MS          session.timeout.ms (default 6000)
 *   -a ASSIGNOR    partition.assignment.strategy (default range,roundrobin)
 *   -I ID          group.instance.id (static membership)
 *   -c ID          client.id (default rdk_group)
 *   -X KEY=VALUE   any other librdkafka property (repeatable)
 *   --sync-commit  commit each message synchronously after printing it
 *                  (default: asynchronous commit of each message)
 *   --no-commit    never commit
 * Output: one line per consumed message on stdout, "PARTITION OFFSET VALUE"
 * (the value as text; the tests use printable values), flushed per line,
 * written BEFORE the message's offset is committed. Events on stderr, one
 * line each, flushed: "rdk_group: assigned T[P],T[P]...", "rdk_group:
 * revoked ...", "rdk_group: commit failed: ...", "rdk_group: done N".
 * auto.offset.reset is earliest, enable.auto.commit false.
 * Exit: SIGTERM/SIGINT, N messages or the idle time end with a clean close
 * (LeaveGroup) and status 0; errors give 1, usage 2.
 */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) {
    (void)sig;
    stop_signal = 1;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int assigned_any;

static void print_parts(const char *what, const rd_kafka_topic_partition_list_t *parts) {
    fprintf(stderr, "rdk_group: %s", what);
    for (int i = 0; i < parts->cnt; i++)
        fprintf(stderr, "%s%s[%" PRId32 "]", i ? "," : " ", parts->elems[i].topic,
                parts->elems[i].partition);
    fprintf(stderr, "\n");
    fflush(stderr);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    (void)opaque;
    int coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        print_parts("assigned", parts);
        assigned_any = 1;
        if (coop)
            rd_kafka_incremental_assign(rk, parts);
        else
            rd_kafka_assign(rk, parts);
    } else {
        print_parts("revoked", parts);
        if (coop)
            rd_kafka_incremental_unassign(rk, parts);
        else
            rd_kafka_assign(rk, NULL);
    }
}

static int set(rd_kafka_conf_t *conf, const char *k, const char *v) {
    char err[512];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "rdk_group: %s=%s: %s\n", k, v, err);
        return -1;
    }
    return 0;
}

static void usage(void) {
    fprintf(stderr, "usage: rdk_group -b HOST:PORT -g GROUP -t TOPIC[,TOPIC] [-n N] [-i IDLE_MS] "
                    "[-T MS] [-s SESSION_MS] [-a ASSIGNOR] [-I INSTANCE] [-c CLIENT_ID] "
                    "[-X K=V]... [--sync-commit|--no-commit]\n");
}

int main(int argc, char **argv) {
    const char *broker = NULL, *group = NULL, *topics = NULL, *assignor = "range,roundrobin";
    const char *instance = NULL, *client_id = "rdk_group", *session = "6000";
    long long max_msgs = -1, idle_ms = -1, total_ms = 600000;
    int sync_commit = 0, no_commit = 0;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--sync-commit")) {
            sync_commit = 1;
            continue;
        }
        if (!strcmp(a, "--no-commit")) {
            no_commit = 1;
            continue;
        }
        if (a[0] != '-' || !a[1] || a[2] || i + 1 >= argc) {
            usage();
            return 2;
        }
        const char *v = argv[++i];
        switch (a[1]) {
        case 'b':
            broker = v;
            break;
        case 'g':
            group = v;
            break;
        case 't':
            topics = v;
            break;
        case 'n':
            max_msgs = atoll(v);
            break;
        case 'i':
            idle_ms = atoll(v);
            break;
        case 'T':
            total_ms = atoll(v);
            break;
        case 's':
            session = v;
            break;
        case 'a':
            assignor = v;
            break;
        case 'I':
            instance = v;
            break;
        case 'c':
            client_id = v;
            break;
        case 'X': {
            char kv[1024];
            snprintf(kv, sizeof kv, "%s", v);
            char *eq = strchr(kv, '=');
            if (!eq) {
                usage();
                return 2;
            }
            *eq = '\0';
            if (set(conf, kv, eq + 1) != 0)
                return 2;
            break;
        }
        default:
            usage();
            return 2;
        }
    }
    if (!broker || !group || !topics) {
        usage();
        return 2;
    }
    if (set(conf, "bootstrap.servers", broker) || set(conf, "group.id", group) ||
        set(conf, "client.id", client_id) || set(conf, "session.timeout.ms", session) ||
        set(conf, "partition.assignment.strategy", assignor) ||
        set(conf, "enable.auto.commit", "false") || set(conf, "auto.offset.reset", "earliest") ||
        (instance && set(conf, "group.instance.id", instance)))
        return 2;
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "rdk_group: %s\n", err);
        return 1;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(4);
    char tl[1024];
    snprintf(tl, sizeof tl, "%s", topics);
    for (char *save = NULL, *t = strtok_r(tl, ",", &save); t; t = strtok_r(NULL, ",", &save))
        rd_kafka_topic_partition_list_add(sub, t, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (e) {
        fprintf(stderr, "rdk_group: subscribe: %s\n", rd_kafka_err2str(e));
        rd_kafka_destroy(rk);
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    int64_t start = now_ms(), last = start;
    long long count = 0;
    int status = 0;
    while (!stop_signal && (max_msgs < 0 || count < max_msgs)) {
        int64_t now = now_ms();
        if (now - start > total_ms) {
            fprintf(stderr, "rdk_group: still running after %lld ms\n", total_ms);
            status = 1;
            break;
        }
        if (idle_ms >= 0 && assigned_any && now - last > idle_ms)
            break;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m)
            continue;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                fprintf(stderr, "rdk_group: consume error: %s\n", rd_kafka_message_errstr(m));
                fflush(stderr);
            }
            rd_kafka_message_destroy(m);
            continue;
        }
        printf("%" PRId32 " %" PRId64 " %.*s\n", m->partition, m->offset, (int)m->len,
               m->payload ? (const char *)m->payload : "");
        fflush(stdout);
        count++;
        last = now_ms();
        if (!no_commit) {
            rd_kafka_resp_err_t ce = rd_kafka_commit_message(rk, m, sync_commit ? 0 : 1);
            if (ce) {
                fprintf(stderr, "rdk_group: commit failed: %s\n", rd_kafka_err2str(ce));
                fflush(stderr);
            }
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    fprintf(stderr, "rdk_group: done %lld\n", count);
    return status;
}
