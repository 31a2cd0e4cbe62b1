/*
 * cluster_admin.c - topic creation in cluster mode (cluster_create_topic).
 *
 * Any broker may create a topic: it validates the request, assigns replicas
 * over the live brokers the way Kafka does (round robin from a random
 * start, followers shifted), and writes /config/topics/<t> and
 * /brokers/topics/<t> in one ZooKeeper transaction (so two brokers creating
 * the same topic cannot both win). The controller then creates the
 * partition states. A caller that wants to wait is completed when its view
 * shows a leader for every partition, or when its timeout passes.
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
 * partitions, so leaders and followers both spread evenly. */
static void assign_replicas(const cluster_view *v, int32_t partitions, int32_t rf, int32_t *out) {
    int n = v->broker_count;
    int start = rand() % n;
    int shift = rand() % n;
    for (int32_t p = 0; p < partitions; p++) {
        if (p > 0 && p % n == 0)
            shift++;
        int first = (p + start) % n;
        out[p * rf] = v->brokers[first].id;
        for (int j = 0; j < rf - 1; j++)
            out[p * rf + 1 + j] = v->brokers[(first + 1 + (shift + j) % (n - 1)) % n].id;
    }
}

static void waiter_closed(uv_handle_t *h) {
    cluster_waiter *w = h->data;
    free(w->name);
    free(w);
}

/* Unlink, report, free. */
static void waiter_finish(cluster_waiter *w, int16_t error, const char *msg) {
    cluster *c = w->c;
    for (cluster_waiter **pp = &c->waiters; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    if (w->done)
        w->done(w->arg, error, msg);
    uv_timer_stop(&w->timer);
    uv_close((uv_handle_t *)&w->timer, waiter_closed);
}

static int topic_ready(const cluster *c, const char *name) {
    const cluster_topic *t = cluster_topic_find(c, name, (int32_t)strlen(name));
    if (!t || t->partition_count <= 0)
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
        if (w->written && topic_ready(c, w->name))
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
    waiter_finish(w, KAFKA_REQUEST_TIMED_OUT,
                  "the topic was created but not every partition has a leader yet");
}

typedef struct create_op {
    cluster *c;
    cluster_waiter *w;
    int32_t timeout_ms;
} create_op;

static void on_created(void *arg, const zk_result *r) {
    create_op *o = arg;
    cluster_waiter *w = o->w;
    cluster *c = o->c;
    int32_t timeout_ms = o->timeout_ms;
    free(o);
    if (c->stopping)
        return; /* cluster_stop already completed the waiter */
    if (r->rc != ZOK) {
        char msg[200];
        int16_t ec = KAFKA_UNKNOWN_SERVER_ERROR;
        if (r->rc == ZNODEEXISTS) {
            ec = KAFKA_TOPIC_ALREADY_EXISTS;
            snprintf(msg, sizeof msg, "topic '%s' already exists", w->name);
        } else {
            snprintf(msg, sizeof msg, "writing the topic to ZooKeeper failed: %s",
                     zk_strerror(r->rc));
        }
        BLOG_W("cluster: creating topic %s failed: %s", w->name, msg);
        waiter_finish(w, ec, msg);
        return;
    }
    BLOG_I("cluster: topic %s written to ZooKeeper", w->name);
    w->written = 1;
    if (timeout_ms <= 0) {
        waiter_finish(w, KAFKA_NONE, NULL);
        return;
    }
    uv_timer_start(&w->timer, waiter_timeout, (uint64_t)timeout_ms, 0);
    cluster_waiters_check(c); /* the view may already have it */
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
    if (rf < 1 || rf > v->broker_count) {
        snprintf(msg, msglen,
                 "replication factor %" PRId32 " is not possible with %d live broker(s)", rf,
                 v->broker_count);
        return KAFKA_INVALID_REPLICATION_FACTOR;
    }
    if (!c->registered) {
        snprintf(msg, msglen, "this broker is not registered in ZooKeeper yet; retry");
        return KAFKA_NOT_CONTROLLER;
    }
    if (cluster_topic_find(c, name, (int32_t)strlen(name))) {
        snprintf(msg, msglen, "topic '%s' already exists", name);
        return KAFKA_TOPIC_ALREADY_EXISTS;
    }
    log_config cfg;
    int16_t ec = topics_config_build(&b->cfg.log_defaults, ov, n, &cfg, msg, msglen);
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
    cluster_waiter *w = calloc(1, sizeof *w);
    create_op *o = calloc(1, sizeof *o);
    char tpath[300], cpath[300];
    snprintf(tpath, sizeof tpath, "/brokers/topics/%s", name);
    snprintf(cpath, sizeof cpath, "/config/topics/%s", name);
    zk_op ops[2] = {{ZK_OP_CREATE, cpath, cbuf, (int)cj.len, -1},
                    {ZK_OP_CREATE, tpath, tbuf, (int)tj.len, -1}};
    if (tj.err || cj.err || !w || !o || !(w->name = strdup(name))) {
        free(tbuf);
        if (w)
            free(w->name);
        free(w);
        free(o);
        snprintf(msg, msglen, "out of memory (or configs too long)");
        return KAFKA_UNKNOWN_SERVER_ERROR;
    }
    w->c = c;
    w->done = done;
    w->arg = arg;
    uv_timer_init(b->loop, &w->timer);
    w->timer.data = w;
    *o = (create_op){c, w, timeout_ms};
    int rc = zk_multi(c->z, ops, 2, on_created, o);
    free(tbuf);
    if (rc != ZOK) {
        free(o);
        snprintf(msg, msglen, "ZooKeeper is not available: %s", zk_strerror(rc));
        w->done = NULL;
        w->next = NULL;
        uv_close((uv_handle_t *)&w->timer, waiter_closed);
        return KAFKA_NOT_CONTROLLER;
    }
    w->next = c->waiters;
    c->waiters = w;
    return KAFKA_NONE;
}
