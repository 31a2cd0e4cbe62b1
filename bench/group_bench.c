/*
 * group_bench.c - consumer group benchmark: libstrand's group consumer next
 * to librdkafka's high-level consumer, same broker, same settings.
 *
 *   group_bench -b BROKER -t TOPIC -n RECORDS -c strand|rdk [-m MEMBERS] [-g GROUP]
 *
 * TOPIC already holds RECORDS records. MEMBERS consumers (threads, one
 * client instance each) subscribe to it in a fresh group with auto-commit
 * (enable.auto.commit, 5 s), auto.offset.reset=earliest,
 * session.timeout.ms=10000, heartbeat.interval.ms=1000. Measured:
 *
 *   join_s      from the subscribes until every partition is assigned;
 *   msgs_per_s  from the first record to the last of RECORDS (all members);
 *   rebalance_s one more member subscribes once everything is read: the time
 *               until every member (the new one included) runs with the new
 *               generation's assignment (its assign callback returned) and
 *               the assignments cover every partition. Fetching resumes
 *               right after the assign callback (committed offsets are
 *               fetched before it), so this is the pause in consumption.
 *
 * One line: client=C members=M records=N join_s=J seconds=S msgs_per_s=R
 * MB_per_s=B rebalance_s=X. MB is 10^6 bytes of values.
 */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strand/strand.h"

#define MAX_MEMBERS 16

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *g_broker, *g_topic, *g_group;
static int g_rdk;
static long long g_records;
static atomic_llong g_count, g_bytes;
static atomic_int g_stop;
static _Atomic double g_first, g_last;

typedef struct member {
    pthread_t thread;
    int id;
    atomic_int assigned;   /* partitions in the current assignment */
    atomic_int generation; /* assign callbacks run so far */
    _Atomic double assigned_at;
} member;

static member g_members[MAX_MEMBERS];

static void count_record(size_t len) {
    double t = now_s();
    double zero = 0;
    atomic_compare_exchange_strong(&g_first, &zero, t);
    atomic_fetch_add(&g_bytes, (long long)len);
    if (atomic_fetch_add(&g_count, 1) + 1 == g_records)
        atomic_store(&g_last, t);
}

/* ---- libstrand ------------------------------------------------------- */

static void strand_rebalance(strand_consumer *c, strand_rebalance_event ev,
                             const strand_topic_partition *p, size_t n, void *opaque) {
    member *m = opaque;
    if (ev == STRAND_REBALANCE_ASSIGN) {
        strand_consumer_assign(c, p, n);
        atomic_store(&m->assigned, (int)n);
        atomic_store(&m->assigned_at, now_s());
        atomic_fetch_add(&m->generation, 1);
    } else {
        strand_consumer_unassign(c);
        atomic_store(&m->assigned, 0);
    }
}

static void *strand_member(void *arg) {
    member *m = arg;
    strand_conf *conf = strand_conf_new();
    char err[256];
    const char *kv[][2] = {{"bootstrap.servers", g_broker},
                           {"group.id", g_group},
                           {"auto.offset.reset", "earliest"},
                           {"session.timeout.ms", "10000"},
                           {"heartbeat.interval.ms", "1000"}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (strand_conf_set(conf, kv[i][0], kv[i][1], err, sizeof err)) {
            fprintf(stderr, "group_bench: %s\n", err);
            exit(2);
        }
    strand_conf_set_rebalance_cb(conf, strand_rebalance, m);
    strand_consumer *c = strand_consumer_new(conf, err, sizeof err);
    if (!c) {
        fprintf(stderr, "group_bench: %s\n", err);
        exit(1);
    }
    const char *topics[] = {g_topic};
    strand_consumer_subscribe(c, topics, 1);
    while (!atomic_load(&g_stop)) {
        strand_message *msg = strand_consumer_poll(c, 100);
        if (!msg)
            continue;
        if (msg->err == STRAND_OK)
            count_record(msg->value_len);
        else if (msg->err != STRAND_ERR_PARTITION_EOF)
            fprintf(stderr, "group_bench: member %d: %s\n", m->id, strand_err_str(msg->err));
        strand_message_free(msg);
    }
    strand_consumer_close(c);
    return NULL;
}

/* ---- librdkafka ------------------------------------------------------ */

static void rdk_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t *parts, void *opaque) {
    member *m = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        rd_kafka_assign(rk, parts);
        atomic_store(&m->assigned, parts->cnt);
        atomic_store(&m->assigned_at, now_s());
        atomic_fetch_add(&m->generation, 1);
    } else {
        rd_kafka_assign(rk, NULL);
        atomic_store(&m->assigned, 0);
    }
}

static void *rdk_member(void *arg) {
    member *m = arg;
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *kv[][2] = {{"bootstrap.servers", g_broker},
                           {"group.id", g_group},
                           {"auto.offset.reset", "earliest"},
                           {"session.timeout.ms", "10000"},
                           {"heartbeat.interval.ms", "1000"}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (rd_kafka_conf_set(conf, kv[i][0], kv[i][1], err, sizeof err)) {
            fprintf(stderr, "group_bench: %s\n", err);
            exit(2);
        }
    rd_kafka_conf_set_opaque(conf, m);
    rd_kafka_conf_set_rebalance_cb(conf, rdk_rebalance);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "group_bench: %s\n", err);
        exit(1);
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, g_topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    while (!atomic_load(&g_stop)) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 100);
        if (!msg)
            continue;
        if (!msg->err)
            count_record(msg->len);
        else if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            fprintf(stderr, "group_bench: member %d: %s\n", m->id, rd_kafka_message_errstr(msg));
        rd_kafka_message_destroy(msg);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return NULL;
}

/* ---- driver ---------------------------------------------------------- */

static void start(member *m, int id) {
    m->id = id;
    if (pthread_create(&m->thread, NULL, g_rdk ? rdk_member : strand_member, m) != 0) {
        fprintf(stderr, "group_bench: pthread_create failed\n");
        exit(1);
    }
}

/* Sum of assigned partitions over members [0, n) whose generation count is
 * at least want[i]. -1 when one of them is behind. */
static int assigned_total(int n, const int *want) {
    int total = 0;
    for (int i = 0; i < n; i++) {
        if (want && atomic_load(&g_members[i].generation) < want[i])
            return -1;
        total += atomic_load(&g_members[i].assigned);
    }
    return total;
}

int main(int argc, char **argv) {
    int members = 3, partitions = -1;
    g_group = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-b"))
            g_broker = argv[i + 1];
        else if (!strcmp(argv[i], "-t"))
            g_topic = argv[i + 1];
        else if (!strcmp(argv[i], "-n"))
            g_records = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "-c"))
            g_rdk = !strcmp(argv[i + 1], "rdk");
        else if (!strcmp(argv[i], "-m"))
            members = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "-g"))
            g_group = argv[i + 1];
        else if (!strcmp(argv[i], "-P"))
            partitions = atoi(argv[i + 1]);
    }
    if (!g_broker || !g_topic || g_records <= 0 || members < 1 || members >= MAX_MEMBERS ||
        partitions < 1) {
        fprintf(stderr, "usage: group_bench -b BROKER -t TOPIC -n RECORDS -P PARTITIONS "
                        "-c strand|rdk [-m MEMBERS] [-g GROUP]\n");
        return 2;
    }
    char group[128];
    if (!g_group) {
        snprintf(group, sizeof group, "bench-%s-%ld", g_rdk ? "rdk" : "strand", (long)now_s());
        g_group = group;
    }
    double t0 = now_s();
    for (int i = 0; i < members; i++)
        start(&g_members[i], i);
    double deadline = t0 + 120;
    while (assigned_total(members, NULL) < partitions && now_s() < deadline) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    double joined = now_s();
    while (atomic_load(&g_count) < g_records && now_s() < deadline + 600) {
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    if (atomic_load(&g_count) < g_records) {
        fprintf(stderr, "group_bench: only %lld of %lld records\n", atomic_load(&g_count),
                g_records);
        return 1;
    }
    double secs = atomic_load(&g_last) - atomic_load(&g_first);
    /* The rebalance: one more member. */
    int want[MAX_MEMBERS];
    for (int i = 0; i < members; i++)
        want[i] = atomic_load(&g_members[i].generation) + 1;
    want[members] = 1;
    double r0 = now_s();
    start(&g_members[members], members);
    while (assigned_total(members + 1, want) != partitions && now_s() < r0 + 120) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    double r1 = 0;
    for (int i = 0; i <= members; i++)
        if (atomic_load(&g_members[i].assigned_at) > r1)
            r1 = atomic_load(&g_members[i].assigned_at);
    int ok = assigned_total(members + 1, want) == partitions;
    atomic_store(&g_stop, 1);
    for (int i = 0; i <= members; i++)
        pthread_join(g_members[i].thread, NULL);
    printf("client=%s members=%d records=%lld join_s=%.3f seconds=%.3f msgs_per_s=%.0f "
           "MB_per_s=%.2f rebalance_s=%s%.3f\n",
           g_rdk ? "librdkafka" : "libstrand", members, g_records, joined - t0, secs,
           secs > 0 ? (double)g_records / secs : 0.0,
           secs > 0 ? (double)atomic_load(&g_bytes) / secs / 1e6 : 0.0,
           ok ? "" : "FAILED:", r1 - r0);
    return ok ? 0 : 1;
}
