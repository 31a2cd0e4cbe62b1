/*
 * group_itest.c - the libstrand consumer group against a real strand-broker.
 *
 * Modes, driven by tests/integration/test_group_*.sh:
 *
 *   member     One group member that runs until SIGTERM (clean close: final
 *              commit, LeaveGroup) or SIGKILL. It subscribes, prints
 *              "ASSIGNED <n> t:p ..." / "REVOKED <n> ..." on stdout for each
 *              rebalance, appends "<topic> <partition> <offset>" to -o for
 *              every record it processed (flushed before the offsets are
 *              committed, so a commit never covers an unwritten record)
 *              and commits per --commit: sync (every 100 records or 200 ms,
 *              and in the revoke callback), async, or auto.
 *
 *   scenarios  libstrand-only checks with deadlines, on topics the script
 *              created: rebalance callbacks see revoke then assign when a
 *              second member joins and when it leaves; sync and async commit
 *              and committed(); a partition moved to another member starts
 *              at the offset committed in the revoke callback; a regex
 *              subscription picks up a topic created later; heartbeats keep
 *              the membership while the application does not poll for
 *              longer than the session timeout; max.poll.interval.ms
 *              exceeded is reported and the next polls rejoin; a static
 *              member comes back without a rebalance; a subscribed topic
 *              that grows is rebalanced with its new partitions.
 *
 * Exit status 0 on success, 1 on a failed check (reason on stderr), 2 usage.
 */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "strand/strand.h"

#define FAILF(...)                                                                                 \
    do {                                                                                           \
        fprintf(stderr, "group_itest: " __VA_ARGS__);                                              \
        fputc('\n', stderr);                                                                       \
        exit(1);                                                                                   \
    } while (0)

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static const char *g_broker = "127.0.0.1:9092";

/* Rebalance bookkeeping of one consumer. */
typedef struct rb_state {
    const char *name;
    int assigns, revokes;
    size_t assigned; /* partitions in the last assignment */
    char last[1024]; /* the last event, rendered */
    int commit_in_revoke;
    int64_t revoke_pos[8]; /* position of partition p at the last revoke */
    int print;
} rb_state;

static void render(char *buf, size_t len, const char *what, const strand_topic_partition *p,
                   size_t n) {
    size_t off = (size_t)snprintf(buf, len, "%s %zu", what, n);
    for (size_t i = 0; i < n && off < len; i++)
        off += (size_t)snprintf(buf + off, len - off, " %s:%d", p[i].topic, (int)p[i].partition);
}

static void on_rebalance(strand_consumer *c, strand_rebalance_event ev,
                         const strand_topic_partition *parts, size_t n, void *opaque) {
    rb_state *s = opaque;
    if (ev == STRAND_REBALANCE_ASSIGN) {
        s->assigns++;
        s->assigned = n;
        render(s->last, sizeof s->last, "ASSIGNED", parts, n);
        strand_err e = strand_consumer_assign(c, parts, n);
        if (e)
            FAILF("%s: assign in the callback: %s", s->name, strand_err_str(e));
    } else {
        s->revokes++;
        render(s->last, sizeof s->last, "REVOKED", parts, n);
        for (size_t i = 0; i < n; i++) {
            int64_t pos = -1;
            if (parts[i].partition < 8 &&
                strand_consumer_position(c, parts[i].topic, parts[i].partition, &pos) == STRAND_OK)
                s->revoke_pos[parts[i].partition] = pos;
        }
        if (s->commit_in_revoke) {
            strand_err e = strand_consumer_commit(c, NULL, 0, 0);
            if (e && s->print)
                fprintf(stderr, "%s: commit in revoke: %s\n", s->name, strand_err_str(e));
        }
        strand_err e = strand_consumer_unassign(c);
        if (e)
            FAILF("%s: unassign in the callback: %s", s->name, strand_err_str(e));
    }
    if (s->print) {
        printf("%s\n", s->last);
        fflush(stdout);
    }
}

typedef struct commit_state {
    int calls;
    strand_err err;
    size_t n;
} commit_state;

static void on_commit(strand_consumer *c, strand_err err, const strand_topic_partition *offsets,
                      size_t n, void *opaque) {
    (void)c;
    (void)offsets;
    commit_state *s = opaque;
    s->calls++;
    s->err = err;
    s->n = n;
}

/* A consumer in `group` with extra "key=value" settings (NULL-terminated). */
static strand_consumer *open_member(const char *group, rb_state *rb, commit_state *cs,
                                    const char *const *kv) {
    strand_conf *conf = strand_conf_new();
    char err[512];
    if (!conf)
        FAILF("strand_conf_new");
    const char *base[][2] = {{"bootstrap.servers", g_broker},   {"group.id", group},
                             {"auto.offset.reset", "earliest"}, {"heartbeat.interval.ms", "500"},
                             {"session.timeout.ms", "6000"},    {"fetch.max.wait.ms", "100"}};
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
        if (strand_conf_set(conf, base[i][0], base[i][1], err, sizeof err) != STRAND_OK)
            FAILF("%s", err);
    for (size_t i = 0; kv && kv[i]; i++) {
        char key[128];
        const char *eq = strchr(kv[i], '=');
        if (!eq || (size_t)(eq - kv[i]) >= sizeof key)
            FAILF("bad setting %s", kv[i]);
        memcpy(key, kv[i], (size_t)(eq - kv[i]));
        key[eq - kv[i]] = '\0';
        if (strand_conf_set(conf, key, eq + 1, err, sizeof err) != STRAND_OK)
            FAILF("%s", err);
    }
    if (rb)
        strand_conf_set_rebalance_cb(conf, on_rebalance, rb);
    if (cs)
        strand_conf_set_offset_commit_cb(conf, on_commit, cs);
    strand_consumer *c = strand_consumer_new(conf, err, sizeof err);
    if (!c)
        FAILF("strand_consumer_new: %s", err);
    return c;
}

/* ---- member ---------------------------------------------------------- */

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

static int run_member(const char *group, const char **topics, int ntopics, const char *out,
                      const char *commit, const char *const *kv) {
    rb_state rb = {0};
    rb.name = "member";
    rb.print = 1;
    int sync = strcmp(commit, "sync") == 0, async = strcmp(commit, "async") == 0;
    if (!sync && !async && strcmp(commit, "auto") != 0)
        FAILF("--commit needs sync, async or auto");
    rb.commit_in_revoke = sync || async;
    const char *kv2[40];
    int k = 0;
    kv2[k++] = (sync || async) ? "enable.auto.commit=false" : "auto.commit.interval.ms=200";
    for (int i = 0; kv && kv[i] && k < 38; i++)
        kv2[k++] = kv[i];
    kv2[k] = NULL;
    strand_consumer *c = open_member(group, &rb, NULL, kv2);
    FILE *f = fopen(out, "a");
    if (!f)
        FAILF("cannot open %s", out);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    strand_err e = strand_consumer_subscribe(c, topics, (size_t)ntopics);
    if (e)
        FAILF("subscribe: %s", strand_err_str(e));
    printf("READY\n");
    fflush(stdout);
    long long since_commit = 0;
    int64_t last_commit = mono_ms();
    while (!g_stop) {
        strand_message *m = strand_consumer_poll(c, 100);
        if (m && m->err == STRAND_OK) {
            fprintf(f, "%s %d %" PRId64 "\n", m->topic, (int)m->partition, m->offset);
            since_commit++;
        } else if (m && m->err != STRAND_ERR_PARTITION_EOF) {
            fprintf(stderr, "member: event %s [%d]: %s\n", m->topic ? m->topic : "",
                    (int)m->partition, strand_err_str(m->err));
        }
        strand_message_free(m);
        if ((sync || async) && since_commit &&
            (since_commit >= 100 || mono_ms() - last_commit >= 200)) {
            fflush(f); /* processed = written; only then committed */
            e = strand_consumer_commit(c, NULL, 0, async);
            if (e && e != STRAND_ERR_KAFKA(27) && e != STRAND_ERR_KAFKA(22) &&
                e != STRAND_ERR_KAFKA(25))
                fprintf(stderr, "member: commit: %s\n", strand_err_str(e));
            since_commit = 0;
            last_commit = mono_ms();
        }
        if (!m)
            fflush(f);
    }
    fflush(f);
    strand_consumer_close(c);
    fclose(f);
    printf("CLOSED\n");
    fflush(stdout);
    return 0;
}

/* ---- scenarios --------------------------------------------------------- */

/* Poll once; a record of `topic` counts in got[partition] and the first
 * offset seen per partition goes to first[] (if not NULL). Unexpected error
 * events fail, except those listed by the caller through `allow`. */
static strand_err pump(strand_consumer *c, const char *who, int timeout_ms, long long *got,
                       int64_t *first, strand_err allow) {
    strand_message *m = strand_consumer_poll(c, timeout_ms);
    if (!m)
        return STRAND_OK;
    strand_err err = m->err;
    if (err == STRAND_OK) {
        if (got && m->partition >= 0 && m->partition < 8)
            got[m->partition]++;
        if (first && m->partition >= 0 && m->partition < 8 && first[m->partition] < 0)
            first[m->partition] = m->offset;
    } else if (err != allow && err != STRAND_ERR_PARTITION_EOF) {
        FAILF("%s: unexpected event %s", who, strand_err_str(err));
    }
    strand_message_free(m);
    return err;
}

#define UNTIL(cond, ms, what, ...)                                                                 \
    do {                                                                                           \
        int64_t until_ = mono_ms() + (ms);                                                         \
        while (!(cond)) {                                                                          \
            if (mono_ms() > until_)                                                                \
                FAILF("timed out waiting for %s", what);                                           \
            __VA_ARGS__;                                                                           \
        }                                                                                          \
    } while (0)

static rd_kafka_t *g_rk;

static void produce(const char *topic, int n) {
    char err[512];
    if (!g_rk) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "bootstrap.servers", g_broker, err, sizeof err) ||
            rd_kafka_conf_set(conf, "linger.ms", "0", err, sizeof err))
            FAILF("%s", err);
        g_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        if (!g_rk)
            FAILF("rd_kafka_new: %s", err);
    }
    for (int i = 0; i < n; i++) {
        char val[32];
        snprintf(val, sizeof val, "v%d", i);
        rd_kafka_resp_err_t e =
            rd_kafka_producev(g_rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(val, strlen(val)),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e)
            FAILF("producev: %s", rd_kafka_err2str(e));
    }
    if (rd_kafka_flush(g_rk, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        FAILF("librdkafka flush timed out");
}

/* Callbacks, commits, committed and a partition handed over at the
 * committed offset. `topic` has 2 partitions and `records` records. */
static void scenario_rebalance(const char *topic, int records) {
    static const char *const no_auto[] = {"enable.auto.commit=false", NULL};
    rb_state r1 = {0}, r2 = {0};
    commit_state cs = {0};
    r1.name = "c1";
    r2.name = "c2";
    r1.commit_in_revoke = r2.commit_in_revoke = 1;
    long long got1[8] = {0}, got2[8] = {0};
    int64_t first2[8];
    for (int i = 0; i < 8; i++)
        first2[i] = -1;
    const char *topics[] = {topic};

    strand_consumer *c1 = open_member("gi-rebalance", &r1, &cs, no_auto);
    if (strand_consumer_assign(c1, NULL, 0) != STRAND_OK)
        FAILF("unassign before subscribe");
    if (strand_consumer_subscribe(c1, topics, 1) != STRAND_OK)
        FAILF("subscribe c1");
    strand_topic_partition manual = {topic, 0, 0, 0};
    if (strand_consumer_assign(c1, &manual, 1) != STRAND_ERR_STATE)
        FAILF("assign while subscribed must be refused");
    UNTIL(r1.assigns == 1 && r1.assigned == 2, 30000, "c1's first assignment",
          pump(c1, "c1", 100, got1, NULL, STRAND_OK));
    UNTIL(got1[0] + got1[1] >= 30, 30000, "c1 to read 30 records",
          pump(c1, "c1", 100, got1, NULL, STRAND_OK));

    /* Sync commit of the positions; committed() reads them back. */
    if (strand_consumer_commit(c1, NULL, 0, 0) != STRAND_OK)
        FAILF("sync commit");
    strand_topic_partition q[2] = {{topic, 0, 0, 0}, {topic, 1, 0, 0}};
    if (strand_consumer_committed(c1, q, 2, 10000) != STRAND_OK)
        FAILF("committed");
    for (int p = 0; p < 2; p++) {
        int64_t pos = -1;
        strand_consumer_position(c1, topic, p, &pos);
        if (q[p].offset != pos)
            FAILF("partition %d: committed %" PRId64 ", position %" PRId64, p, q[p].offset, pos);
    }
    /* Async commit of a given offset: the callback reports it from poll. */
    strand_topic_partition five = {topic, 0, 5, 0};
    if (strand_consumer_commit(c1, &five, 1, 1) != STRAND_OK)
        FAILF("async commit");
    UNTIL(cs.calls == 1, 10000, "the async commit callback",
          pump(c1, "c1", 100, got1, NULL, STRAND_OK));
    if (cs.err != STRAND_OK || cs.n != 1)
        FAILF("async commit reported %s for %zu partitions", strand_err_str(cs.err), cs.n);
    strand_topic_partition q0 = {topic, 0, 0, 0};
    if (strand_consumer_committed(c1, &q0, 1, 10000) != STRAND_OK || q0.offset != 5)
        FAILF("committed after the async commit: %" PRId64 " (want 5)", q0.offset);
    /* Stop reading partition 0 at a known place: pause it, commit. */
    strand_consumer_pause(c1, topic, 0);
    if (strand_consumer_commit(c1, NULL, 0, 0) != STRAND_OK)
        FAILF("sync commit (2)");

    /* A second member: c1 sees its revocation (committing in the callback)
     * and then half of the partitions. */
    strand_consumer *c2 = open_member("gi-rebalance", &r2, NULL, no_auto);
    if (strand_consumer_subscribe(c2, topics, 1) != STRAND_OK)
        FAILF("subscribe c2");
    UNTIL(r1.revokes == 1 && r1.assigns == 2 && r2.assigns == 1, 60000,
          "the rebalance to two members", pump(c1, "c1", 50, got1, NULL, STRAND_OK);
          pump(c2, "c2", 50, got2, first2, STRAND_OK));
    if (r1.assigned != 1 || r2.assigned != 1)
        FAILF("after the join: c1 has %zu, c2 has %zu partitions (want 1 and 1): %s / %s",
              r1.assigned, r2.assigned, r1.last, r2.last);
    /* c2 reads its partition from the offset c1 committed when revoked. */
    int p2 = strstr(r2.last, ":0") ? 0 : 1;
    produce(topic, 40); /* c1 may have read all of it: new records for c2 */
    UNTIL(first2[p2] >= 0, 30000, "c2's first record", pump(c1, "c1", 50, got1, NULL, STRAND_OK);
          pump(c2, "c2", 50, got2, first2, STRAND_OK));
    if (first2[p2] != r1.revoke_pos[p2])
        FAILF("c2 started partition %d at %" PRId64 ", c1 had committed %" PRId64, p2, first2[p2],
              r1.revoke_pos[p2]);
    /* c2 leaves: c1 gets everything back. */
    strand_consumer_close(c2);
    UNTIL(r1.revokes == 2 && r1.assigns == 3 && r1.assigned == 2, 30000,
          "the rebalance after c2 left", pump(c1, "c1", 100, got1, NULL, STRAND_OK));
    strand_consumer_close(c1);
    printf("rebalance: ok (c1 read %lld, c2 read %lld of %d)\n", got1[0] + got1[1],
           got2[0] + got2[1], records);
}

/* A regex subscription follows topics created later. */
static void scenario_regex(const char *prefix) {
    static const char *const kv[] = {"topic.metadata.refresh.interval.ms=300", NULL};
    rb_state rb = {0};
    rb.name = "re";
    char re[128], later[128];
    snprintf(re, sizeof re, "^%s-.*", prefix);
    snprintf(later, sizeof later, "%s-later", prefix);
    const char *topics[] = {re};
    strand_consumer *c = open_member("gi-regex", &rb, NULL, kv);
    if (strand_consumer_subscribe(c, topics, 1) != STRAND_OK)
        FAILF("subscribe %s", re);
    UNTIL(rb.assigns >= 1 && rb.assigned >= 1, 30000, "the regex's first assignment",
          pump(c, "re", 100, NULL, NULL, STRAND_OK));
    if (strstr(rb.last, later))
        FAILF("%s assigned before it exists", later);
    produce(later, 3); /* auto-creates it */
    long long got[8] = {0};
    UNTIL(strstr(rb.last, later) != NULL, 30000, "the new topic in the assignment",
          pump(c, "re", 100, got, NULL, STRAND_OK));
    strand_consumer_close(c);
    printf("regex: ok (%s)\n", rb.last);
}

/* Not polling for longer than the session timeout keeps the membership
 * (heartbeats run on the I/O thread); not polling for longer than
 * max.poll.interval.ms leaves the group, poll says so and then rejoins. */
static void scenario_slow(const char *topic) {
    /* The broker runs with group.min.session.timeout.ms=1000 for this. */
    static const char *const kv[] = {"session.timeout.ms=2000", "heartbeat.interval.ms=300",
                                     "max.poll.interval.ms=5000", NULL};
    rb_state rb = {0};
    rb.name = "slow";
    const char *topics[] = {topic};
    strand_consumer *c = open_member("gi-slow", &rb, NULL, kv);
    if (strand_consumer_subscribe(c, topics, 1) != STRAND_OK)
        FAILF("subscribe");
    UNTIL(rb.assigns == 1, 30000, "the assignment", pump(c, "slow", 100, NULL, NULL, STRAND_OK));
    sleep_ms(3500); /* the slow application: beyond session.timeout.ms */
    int64_t end = mono_ms() + 1000;
    while (mono_ms() < end)
        pump(c, "slow", 100, NULL, NULL, STRAND_OK);
    if (rb.revokes != 0 || rb.assigns != 1)
        FAILF("the member lost its partitions while not polling for 3.5 s (%s)", rb.last);
    /* Now beyond max.poll.interval.ms. */
    sleep_ms(5500);
    int seen = 0;
    UNTIL(seen && rb.revokes == 1 && rb.assigns == 2, 30000,
          "MAX_POLL_EXCEEDED, the revocation and the new assignment",
          if (pump(c, "slow", 100, NULL, NULL, STRAND_ERR_MAX_POLL_EXCEEDED) ==
              STRAND_ERR_MAX_POLL_EXCEEDED) seen = 1);
    strand_consumer_close(c);
    printf("slow: ok\n");
}

/* Grow `topic` to `total` partitions (CreatePartitions through librdkafka). */
static void grow_topic(const char *topic, int total) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", g_broker, err, sizeof err))
        FAILF("%s", err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk)
        FAILF("rd_kafka_new: %s", err);
    rd_kafka_NewPartitions_t *np =
        rd_kafka_NewPartitions_new(topic, (size_t)total, err, sizeof err);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreatePartitions(rk, &np, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    const rd_kafka_CreatePartitions_result_t *res =
        ev ? rd_kafka_event_CreatePartitions_result(ev) : NULL;
    size_t n = 0;
    const rd_kafka_topic_result_t **tr =
        res ? rd_kafka_CreatePartitions_result_topics(res, &n) : NULL;
    if (!res || rd_kafka_event_error(ev) || n != 1 || rd_kafka_topic_result_error(tr[0]))
        FAILF("CreatePartitions %s to %d failed: %s", topic, total,
              ev ? (n == 1 ? rd_kafka_topic_result_error_string(tr[0])
                           : rd_kafka_event_error_string(ev))
                 : "no answer");
    rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewPartitions_destroy(np);
    rd_kafka_destroy(rk);
}

/* A subscribed topic that grows triggers a rebalance with the new
 * partition (the member re-reads its topics' partition counts). */
static void scenario_grow(const char *topic) {
    static const char *const kv[] = {"topic.metadata.refresh.interval.ms=300", NULL};
    rb_state rb = {0};
    rb.name = "grow";
    const char *topics[] = {topic};
    strand_consumer *c = open_member("gi-grow", &rb, NULL, kv);
    if (strand_consumer_subscribe(c, topics, 1) != STRAND_OK)
        FAILF("subscribe");
    UNTIL(rb.assigns == 1, 30000, "the assignment", pump(c, "grow", 100, NULL, NULL, STRAND_OK));
    if (rb.assigned != 1)
        FAILF("%s: %zu partitions assigned, expected 1 (%s)", topic, rb.assigned, rb.last);
    grow_topic(topic, 3);
    UNTIL(rb.assigned == 3, 30000, "the grown topic's 3 partitions",
          pump(c, "grow", 100, NULL, NULL, STRAND_OK));
    strand_consumer_close(c);
    printf("grow: ok (%s)\n", rb.last);
}

/* A static member (group.instance.id) that closes does not leave the
 * group: started again within the session timeout it gets its partition
 * back and the other member sees no rebalance. */
static void scenario_static(const char *topic) {
    static const char *const stat[] = {"group.instance.id=gi-static-1", NULL};
    rb_state ra = {0}, rb = {0}, ra2 = {0};
    ra.name = "static";
    rb.name = "dynamic";
    ra2.name = "static-again";
    const char *topics[] = {topic};
    strand_consumer *a = open_member("gi-static", &ra, NULL, stat);
    strand_consumer *b = open_member("gi-static", &rb, NULL, NULL);
    if (strand_consumer_subscribe(a, topics, 1) || strand_consumer_subscribe(b, topics, 1))
        FAILF("subscribe");
    UNTIL(ra.assigned == 1 && rb.assigned == 1, 30000, "one partition each",
          pump(a, "static", 50, NULL, NULL, STRAND_OK);
          pump(b, "dynamic", 50, NULL, NULL, STRAND_OK));
    char before[1024];
    snprintf(before, sizeof before, "%s", ra.last);
    int b_revokes = rb.revokes;
    strand_consumer_close(a);
    strand_consumer *a2 = open_member("gi-static", &ra2, NULL, stat);
    if (strand_consumer_subscribe(a2, topics, 1))
        FAILF("subscribe again");
    UNTIL(ra2.assigns == 1, 5000, "the static member's partition back within the session timeout",
          pump(a2, "static-again", 50, NULL, NULL, STRAND_OK);
          pump(b, "dynamic", 50, NULL, NULL, STRAND_OK));
    int64_t end = mono_ms() + 1000;
    while (mono_ms() < end)
        pump(b, "dynamic", 50, NULL, NULL, STRAND_OK);
    if (strcmp(ra2.last, before) != 0)
        FAILF("the static member came back with %s, had %s", ra2.last, before);
    if (rb.revokes != b_revokes)
        FAILF("the dynamic member saw a rebalance (%s)", rb.last);
    strand_consumer_close(a2);
    strand_consumer_close(b);
    printf("static: ok\n");
}

static int usage(void) {
    fprintf(
        stderr,
        "usage: group_itest member -b BROKER -g GROUP -t TOPIC [-t TOPIC...] -o OUT\n"
        "                          [--commit sync|async|auto] [-X key=value...]\n"
        "       group_itest scenarios -b BROKER -t TOPIC2P [-t TOPIC1P] -n RECORDS --regex PREFIX\n"
        "                          [--only rebalance|regex|slow|static|grow]\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return usage();
    const char *mode = argv[1];
    const char *group = NULL, *out = NULL, *commit = "sync", *prefix = NULL, *only = NULL;
    const char *topics[16];
    const char *kv[33];
    int ntopics = 0, nkv = 0, records = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return usage();
        if (!strcmp(a, "-b"))
            g_broker = v;
        else if (!strcmp(a, "-g"))
            group = v;
        else if (!strcmp(a, "-t") && ntopics < 16)
            topics[ntopics++] = v;
        else if (!strcmp(a, "-o"))
            out = v;
        else if (!strcmp(a, "-n"))
            records = atoi(v);
        else if (!strcmp(a, "--commit"))
            commit = v;
        else if (!strcmp(a, "--regex"))
            prefix = v;
        else if (!strcmp(a, "--only"))
            only = v;
        else if (!strcmp(a, "-X") && nkv < 32)
            kv[nkv++] = v;
        else
            return usage();
        i++;
    }
    kv[nkv] = NULL;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(mode, "member")) {
        if (!group || !ntopics || !out)
            return usage();
        return run_member(group, topics, ntopics, out, commit, kv);
    }
    if (!strcmp(mode, "scenarios")) {
        if (!ntopics || !prefix)
            return usage();
        if (!only || !strcmp(only, "rebalance"))
            scenario_rebalance(topics[0], records);
        if (!only || !strcmp(only, "regex"))
            scenario_regex(prefix);
        if (!only || !strcmp(only, "slow"))
            scenario_slow(topics[0]);
        if (!only || !strcmp(only, "static"))
            scenario_static(topics[0]);
        if ((!only || !strcmp(only, "grow")) && ntopics > 1)
            scenario_grow(topics[1]);
        if (g_rk)
            rd_kafka_destroy(g_rk);
        return 0;
    }
    return usage();
}
