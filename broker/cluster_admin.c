/*
 * cluster_admin.c - topic creation and growth in cluster mode
 * (cluster_create_topic, cluster_create_partitions) and the waiters that
 * answer admin requests once the view shows the result.
 *
 * Any broker may create a topic: it validates the request, assigns replicas
 * over the live brokers the way Kafka does (round robin from a random
 * start, followers shifted), and writes /config/topics/<t> and
 * /brokers/topics/<t> in one ZooKeeper transaction (so two brokers creating
 * the same topic cannot both win). The controller then creates the
 * partition states. A caller that wants to wait is completed when its view
 * shows a leader for every partition, or when its timeout passes.
 * Adding partitions rewrites /brokers/topics/<t> at the version the view
 * read (a concurrent change fails the write), continuing the assignment
 * pattern; the controller then creates the new partitions' states.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#include "broker/broker.h"
#include "broker/cluster_internal.h"
#include "broker/cluster_json.h"
#include "broker/logging.h"
#include "wire/kafka.h"

static int contains_id(const int32_t *v, int n, int32_t x) {
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

/* Kafka's rack-unaware assignment: partition p's first replica is broker
 * (start + p) % n; followers follow at a shift that grows every n
 * partitions, so leaders and followers both spread evenly. Partitions
 * first..first+count-1 are assigned (out has count rows of rf): adding
 * partitions continues the pattern of the existing ones. */
static void assign_replicas_from(const cluster_view *v, int start, int32_t first, int32_t count,
                                 int32_t rf, int32_t *out) {
    int n = v->broker_count;
    int shift = rand() % n;
    for (int32_t i = 0; i < count; i++) {
        int32_t p = first + i;
        if (i > 0 && p % n == 0)
            shift++;
        int lead = (int)((p + start) % n);
        out[i * rf] = v->brokers[lead].id;
        for (int j = 0; j < rf - 1; j++)
            out[i * rf + 1 + j] = v->brokers[(lead + 1 + (shift + j) % (n - 1)) % n].id;
    }
}

static void assign_replicas(const cluster_view *v, int32_t partitions, int32_t rf, int32_t *out) {
    assign_replicas_from(v, rand() % v->broker_count, 0, partitions, rf, out);
}

/* Can this broker place rf replicas (when check_rf) and write now? */
static int16_t check_placement(const cluster *c, int32_t rf, int check_rf, char *msg,
                               size_t msglen) {
    if (check_rf && (rf < 1 || rf > c->view->broker_count)) {
        snprintf(msg, msglen,
                 "replication factor %" PRId32 " is not possible with %d live broker(s)", rf,
                 c->view->broker_count);
        return KAFKA_INVALID_REPLICATION_FACTOR;
    }
    if (!c->registered) {
        snprintf(msg, msglen, "this broker is not registered in ZooKeeper yet; retry");
        return KAFKA_NOT_CONTROLLER;
    }
    return KAFKA_NONE;
}

static void waiter_closed(uv_handle_t *h) {
    cluster_waiter *w = h->data;
    free(w->name);
    free(w);
}

static void waiter_unlink(cluster_waiter *w) {
    cluster *c = w->c;
    for (cluster_waiter **pp = &c->waiters; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            break;
        }
}

/* Unlink and report; freed now, or when its write answers. */
static void waiter_finish(cluster_waiter *w, int16_t error, const char *msg) {
    if (w->finished)
        return;
    w->finished = 1;
    waiter_unlink(w);
    if (w->done)
        w->done(w->arg, error, msg);
    uv_timer_stop(&w->timer);
    if (!w->in_flight)
        uv_close((uv_handle_t *)&w->timer, waiter_closed);
}

cluster_waiter *cluster_waiter_new(cluster *c, const char *name, int kind, int32_t partitions,
                                   int32_t timeout_ms, cluster_create_done done, void *arg) {
    cluster_waiter *w = calloc(1, sizeof *w);
    if (!w || !(w->name = strdup(name))) {
        free(w);
        return NULL;
    }
    w->c = c;
    w->kind = kind;
    w->partitions = partitions;
    w->timeout_ms = timeout_ms;
    w->in_flight = 1;
    w->done = done;
    w->arg = arg;
    uv_timer_init(c->b->loop, &w->timer);
    w->timer.data = w;
    w->next = c->waiters;
    c->waiters = w;
    return w;
}

void cluster_waiter_discard(cluster_waiter *w) {
    w->done = NULL;
    w->in_flight = 0;
    waiter_finish(w, KAFKA_NONE, NULL);
}

/* Is what w waits for there in the current view? */
static int waiter_ready(const cluster_waiter *w) {
    const cluster *c = w->c;
    int32_t len = (int32_t)strlen(w->name);
    const cluster_topic *t = cluster_topic_find(c, w->name, len);
    if (w->kind == CLUSTER_WAIT_GONE)
        return !t && !cluster_topic_deleting(c, w->name, len);
    if (!t || t->partition_count <= 0 || t->partition_count < w->partitions)
        return 0;
    for (int32_t p = 0; p < t->partition_count; p++)
        if (!t->partitions[p].has_state || t->partitions[p].leader < 0)
            return 0;
    return 1;
}

void cluster_waiters_check(cluster *c) {
    cluster_waiter *w = c->waiters;
    while (w) {
        cluster_waiter *next = w->next;
        if (w->written && waiter_ready(w))
            waiter_finish(w, KAFKA_NONE, NULL);
        w = next;
    }
}

void cluster_waiters_fail_all(cluster *c, const char *why) {
    while (c->waiters)
        waiter_finish(c->waiters, KAFKA_REQUEST_TIMED_OUT, why);
}

static void waiter_timeout(uv_timer_t *t) {
    cluster_waiter *w = t->data;
    waiter_finish(w, KAFKA_REQUEST_TIMED_OUT, w->timeout_msg);
}

void cluster_waiter_written(cluster_waiter *w, int16_t error, const char *msg,
                            const char *timeout_msg) {
    w->in_flight = 0;
    if (w->finished) { /* completed meanwhile (the cluster stopped) */
        uv_close((uv_handle_t *)&w->timer, waiter_closed);
        return;
    }
    if (error != KAFKA_NONE) {
        waiter_finish(w, error, msg);
        return;
    }
    w->written = 1;
    if (w->timeout_ms <= 0) {
        waiter_finish(w, KAFKA_NONE, NULL);
        return;
    }
    snprintf(w->timeout_msg, sizeof w->timeout_msg, "%s", timeout_msg);
    uv_timer_start(&w->timer, waiter_timeout, (uint64_t)w->timeout_ms, 0);
    cluster_waiters_check(w->c); /* the view may already show it */
}

static void on_created(void *arg, const zk_result *r) {
    cluster_waiter *w = arg;
    char msg[200];
    int16_t ec = KAFKA_NONE;
    if (r->rc == ZNODEEXISTS) {
        ec = KAFKA_TOPIC_ALREADY_EXISTS;
        snprintf(msg, sizeof msg, "topic '%s' already exists", w->name);
    } else if (r->rc != ZOK) {
        ec = KAFKA_UNKNOWN_SERVER_ERROR;
        snprintf(msg, sizeof msg, "writing the topic to ZooKeeper failed: %s", zk_strerror(r->rc));
    }
    if (ec != KAFKA_NONE)
        BLOG_W("cluster: creating topic %s failed: %s", w->name, msg);
    else
        BLOG_I("cluster: topic %s written to ZooKeeper", w->name);
    cluster_waiter_written(w, ec, msg,
                           "the topic was created but not every partition has a leader yet");
}

int16_t cluster_create_topic(cluster *c, const char *name, int32_t partitions, int32_t rf,
                             const int32_t *const *assignment, const topic_override *ov, int n,
                             int validate_only, int32_t timeout_ms, cluster_create_done done,
                             void *arg, char *msg, size_t msglen) {
    broker *b = c->b;
    const cluster_view *v = c->view;
    msg[0] = '\0';
    if (!topics_name_valid(name, (int32_t)strlen(name))) {
        snprintf(msg, msglen, "topic name '%s' is invalid: use 1-249 of [a-zA-Z0-9._-]", name);
        return KAFKA_INVALID_TOPIC_EXCEPTION;
    }
    if (partitions < 1 || partitions > 100000) {
        snprintf(msg, msglen, "number of partitions must be in [1, 100000], got %" PRId32,
                 partitions);
        return KAFKA_INVALID_PARTITIONS;
    }
    if (rf == -1)
        rf = (int32_t)b->cfg.default_replication_factor;
    int16_t ec = check_placement(c, rf, 1, msg, msglen);
    if (ec != KAFKA_NONE)
        return ec;
    if (cluster_topic_deleting(c, name, (int32_t)strlen(name))) {
        snprintf(msg, msglen, "topic '%s' is marked for deletion; retry once it is gone", name);
        return KAFKA_TOPIC_ALREADY_EXISTS;
    }
    if (cluster_topic_find(c, name, (int32_t)strlen(name))) {
        snprintf(msg, msglen, "topic '%s' already exists", name);
        return KAFKA_TOPIC_ALREADY_EXISTS;
    }
    log_config cfg;
    ec = topics_config_build(&b->cfg.log_defaults, ov, n, &cfg, msg, msglen);
    if (ec != KAFKA_NONE)
        return ec;
    int32_t *replicas = calloc((size_t)partitions * (size_t)rf, sizeof *replicas);
    if (!replicas) {
        snprintf(msg, msglen, "out of memory");
        return KAFKA_UNKNOWN_SERVER_ERROR;
    }
    if (assignment) {
        for (int32_t p = 0; p < partitions; p++)
            for (int32_t j = 0; j < rf; j++) {
                int32_t id = assignment[p][j];
                if (!cluster_broker_find(c, id) || contains_id(replicas + p * rf, j, id)) {
                    snprintf(msg, msglen,
                             "partition %" PRId32 ": broker %" PRId32
                             " is not a live broker or is named twice",
                             p, id);
                    free(replicas);
                    return KAFKA_INVALID_REPLICA_ASSIGNMENT;
                }
                replicas[p * rf + j] = id;
            }
    } else {
        assign_replicas(v, partitions, rf, replicas);
    }
    if (validate_only) {
        free(replicas);
        return KAFKA_NONE;
    }
    /* /brokers/topics/<t>: {"version":2,"partitions":{"0":[1],...},...} */
    size_t cap = 256 + (size_t)partitions * (size_t)(16 + 12 * rf);
    char *tbuf = malloc(cap);
    char cbuf[8192];
    cj_buf tj = {tbuf, 0, cap, tbuf ? 0 : 1}, cj = {cbuf, 0, sizeof cbuf, 0};
    if (tbuf) {
        cj_printf(&tj, "{\"version\":2,\"partitions\":{");
        for (int32_t p = 0; p < partitions; p++) {
            cj_printf(&tj, "%s\"%" PRId32 "\":", p ? "," : "", p);
            cj_int_list(&tj, replicas + p * rf, rf);
        }
        cj_printf(&tj, "},\"adding_replicas\":{},\"removing_replicas\":{}}");
    }
    cj_printf(&cj, "{\"version\":1,\"config\":{");
    for (int i = 0; i < n; i++) {
        cj_printf(&cj, "%s", i ? "," : "");
        cj_quote(&cj, ov[i].key);
        cj_printf(&cj, ":");
        cj_quote(&cj, ov[i].value ? ov[i].value : "");
    }
    cj_printf(&cj, "}}");
    free(replicas);
    char tpath[300], cpath[300];
    snprintf(tpath, sizeof tpath, "/brokers/topics/%s", name);
    snprintf(cpath, sizeof cpath, "/config/topics/%s", name);
    zk_op ops[2] = {{ZK_OP_CREATE, cpath, cbuf, (int)cj.len, -1},
                    {ZK_OP_CREATE, tpath, tbuf, (int)tj.len, -1}};
    cluster_waiter *w = !tj.err && !cj.err ? cluster_waiter_new(c, name, CLUSTER_WAIT_READY,
                                                                partitions, timeout_ms, done, arg)
                                           : NULL;
    if (!w) {
        free(tbuf);
        snprintf(msg, msglen, "out of memory (or configs too long)");
        return KAFKA_UNKNOWN_SERVER_ERROR;
    }
    int rc = zk_multi(c->z, ops, 2, on_created, w);
    free(tbuf);
    if (rc != ZOK) {
        cluster_waiter_discard(w);
        snprintf(msg, msglen, "ZooKeeper is not available: %s", zk_strerror(rc));
        return KAFKA_NOT_CONTROLLER;
    }
    return KAFKA_NONE;
}

/* ---- adding partitions ---- */

static void on_partitions_written(void *arg, const zk_result *r) {
    cluster_waiter *w = arg;
    char msg[200];
    int16_t ec = KAFKA_NONE;
    if (r->rc == ZBADVERSION || r->rc == ZNONODE) {
        ec = KAFKA_INVALID_PARTITIONS;
        snprintf(msg, sizeof msg,
                 "topic '%s' changed meanwhile (another request?); describe it and retry", w->name);
    } else if (r->rc != ZOK) {
        ec = KAFKA_UNKNOWN_SERVER_ERROR;
        snprintf(msg, sizeof msg, "writing the assignment to ZooKeeper failed: %s",
                 zk_strerror(r->rc));
    }
    if (ec != KAFKA_NONE)
        BLOG_W("cluster: adding partitions to %s failed: %s", w->name, msg);
    else
        BLOG_I("cluster: topic %s now has %" PRId32 " partitions in ZooKeeper", w->name,
               w->partitions);
    cluster_waiter_written(w, ec, msg,
                           "the partitions were added but not every one has a leader yet");
}

/* Checks of an explicit assignment for the new partitions; rows go to out. */
static int16_t check_assignment(const cluster *c, const int32_t *const *assignment,
                                int32_t assign_n, int32_t adding, int32_t rf, int32_t first,
                                int32_t *out, char *msg, size_t msglen) {
    if (assign_n != adding) {
        snprintf(msg, msglen,
                 "%" PRId32 " partition(s) are added but %" PRId32 " assignment(s) were given",
                 adding, assign_n);
        return KAFKA_INVALID_REPLICA_ASSIGNMENT;
    }
    for (int32_t i = 0; i < adding; i++)
        for (int32_t j = 0; j < rf; j++) {
            int32_t id = assignment[i][j];
            if (!cluster_broker_find(c, id) || contains_id(out + i * rf, j, id)) {
                snprintf(msg, msglen,
                         "partition %" PRId32 ": broker %" PRId32
                         " is not a live broker or is named twice",
                         first + i, id);
                return KAFKA_INVALID_REPLICA_ASSIGNMENT;
            }
            out[i * rf + j] = id;
        }
    return KAFKA_NONE;
}

int16_t cluster_create_partitions(cluster *c, const char *name, int32_t count,
                                  const int32_t *const *assignment, int32_t assign_n,
                                  int validate_only, int32_t timeout_ms, cluster_create_done done,
                                  void *arg, char *msg, size_t msglen) {
    const cluster_view *v = c->view;
    int32_t len = (int32_t)strlen(name);
    msg[0] = '\0';
    const cluster_topic *t = cluster_topic_find(c, name, len);
    if (!t || t->partition_count <= 0) {
        snprintf(msg, msglen, "unknown topic '%s'", name);
        return KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
    }
    if (cluster_topic_deleting(c, name, len)) {
        snprintf(msg, msglen, "topic '%s' is marked for deletion", name);
        return KAFKA_INVALID_TOPIC_EXCEPTION;
    }
    int32_t from = t->partition_count;
    if (count <= from || count > 100000) {
        snprintf(msg, msglen,
                 "topic has %" PRId32 " partitions; the new count %" PRId32
                 " must be larger (partitions can only be added)",
                 from, count);
        return KAFKA_INVALID_PARTITIONS;
    }
    int32_t rf = t->partitions[0].replica_count, adding = count - from;
    int16_t ec = check_placement(c, rf, !assignment, msg, msglen);
    if (ec != KAFKA_NONE)
        return ec;
    int32_t *rows = calloc((size_t)adding * (size_t)rf, sizeof *rows);
    if (!rows) {
        snprintf(msg, msglen, "out of memory");
        return KAFKA_UNKNOWN_SERVER_ERROR;
    }
    ec = KAFKA_NONE;
    if (assignment) {
        ec = check_assignment(c, assignment, assign_n, adding, rf, from, rows, msg, msglen);
    } else { /* continue from where partition 0's first replica sits */
        int start = rand() % v->broker_count;
        for (int i = 0; i < v->broker_count; i++)
            if (v->brokers[i].id == t->partitions[0].replicas[0])
                start = i;
        assign_replicas_from(v, start, from, adding, rf, rows);
    }
    if (ec != KAFKA_NONE || validate_only) {
        free(rows);
        return ec;
    }
    size_t cap = 256 + (size_t)count * (size_t)(16 + 12 * CLUSTER_RF_MAX);
    char *tbuf = malloc(cap);
    cj_buf tj = {tbuf, 0, cap, tbuf ? 0 : 1};
    cj_printf(&tj, "{\"version\":2,\"partitions\":{");
    for (int32_t p = 0; p < count; p++) {
        cj_printf(&tj, "%s\"%" PRId32 "\":", p ? "," : "", p);
        if (p < from)
            cj_int_list(&tj, t->partitions[p].replicas, t->partitions[p].replica_count);
        else
            cj_int_list(&tj, rows + (p - from) * rf, rf);
    }
    cj_printf(&tj, "},\"adding_replicas\":{},\"removing_replicas\":{}}");
    free(rows);
    cluster_waiter *w =
        !tj.err ? cluster_waiter_new(c, name, CLUSTER_WAIT_READY, count, timeout_ms, done, arg)
                : NULL;
    if (!w) {
        free(tbuf);
        snprintf(msg, msglen, "out of memory");
        return KAFKA_UNKNOWN_SERVER_ERROR;
    }
    char tpath[300];
    snprintf(tpath, sizeof tpath, "/brokers/topics/%s", name);
    int rc = zk_set(c->z, tpath, tbuf, (int)tj.len, t->version, on_partitions_written, w);
    free(tbuf);
    if (rc != ZOK) {
        cluster_waiter_discard(w);
        snprintf(msg, msglen, "ZooKeeper is not available: %s", zk_strerror(rc));
        return KAFKA_NOT_CONTROLLER;
    }
    return KAFKA_NONE;
}
