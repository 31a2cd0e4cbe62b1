/*
 * cluster_delete.c - topic deletion in cluster mode (cluster.h
 * cluster_delete_topic, cluster_topic_deleting; cluster_internal.h
 * cluster_deletions_apply).
 *
 * Kafka's ZooKeeper-era scheme, with the brokers' acknowledgements kept in
 * ZooKeeper instead of StopReplica requests:
 *   1. any broker marks the topic: /admin/delete_topics/<t> (persistent);
 *   2. every broker that sees the mark stops serving the topic, deletes its
 *      logs of it, and, when it holds replicas of it, acknowledges with
 *      /admin/delete_topics/<t>/<broker id>;
 *   3. once every replica broker has acknowledged, the controller removes
 *      the topic's nodes (partition states, /brokers/topics/<t>,
 *      /config/topics/<t>) and finally the mark, each removal checked
 *      against /controller_epoch's version, so a stale controller stops.
 * A replica broker that is down holds the deletion at step 2 until it
 * returns (as in Kafka): it must not come back later with the old data for
 * a new topic of the same name. Every step is idempotent, so a controller
 * that takes over mid-way finishes the job.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#include "broker/broker.h"
#include "broker/cluster_internal.h"
#include "broker/logging.h"
#include "broker/replica.h"
#include "wire/kafka.h"

int cluster_topic_deleting(const cluster *c, const char *name, int32_t len) {
    return cluster_view_deletion(c->view, name, len) != NULL;
}

/* ---- marking (any broker) ---- */

static void on_marked(void *arg, const zk_result *r) {
    cluster_waiter *w = arg;
    char msg[200] = "";
    int16_t ec = KAFKA_NONE;
    if (r->rc != ZOK && r->rc != ZNODEEXISTS) { /* exists: marked already */
        ec = KAFKA_UNKNOWN_SERVER_ERROR;
        snprintf(msg, sizeof msg, "marking the topic for deletion in ZooKeeper failed: %s",
                 zk_strerror(r->rc));
        BLOG_W("cluster: deleting topic %s: %s", w->name, msg);
    } else {
        BLOG_I("cluster: topic %s marked for deletion", w->name);
    }
    cluster_waiter_written(w, ec, msg,
                           "the topic is marked for deletion but not deleted yet (a broker "
                           "holding replicas of it may be down); the deletion goes on");
}

int16_t cluster_delete_topic(cluster *c, const char *name, int32_t timeout_ms,
                             cluster_create_done done, void *arg, char *msg, size_t msglen) {
    int32_t len = (int32_t)strlen(name);
    msg[0] = '\0';
    if (!cluster_topic_find(c, name, len) && !cluster_topic_deleting(c, name, len)) {
        snprintf(msg, msglen, "unknown topic '%s'", name);
        return KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
    }
    if (!c->registered) {
        snprintf(msg, msglen, "this broker is not registered in ZooKeeper yet; retry");
        return KAFKA_NOT_CONTROLLER;
    }
    cluster_waiter *w = cluster_waiter_new(c, name, CLUSTER_WAIT_GONE, 0, timeout_ms, done, arg);
    if (!w) {
        snprintf(msg, msglen, "out of memory");
        return KAFKA_UNKNOWN_SERVER_ERROR;
    }
    char path[300];
    snprintf(path, sizeof path, "/admin/delete_topics/%s", name);
    int rc = zk_create(c->z, path, "", 0, ZK_PERSISTENT, on_marked, w);
    if (rc != ZOK) {
        cluster_waiter_discard(w);
        snprintf(msg, msglen, "ZooKeeper is not available: %s", zk_strerror(rc));
        return KAFKA_NOT_CONTROLLER;
    }
    return KAFKA_NONE;
}

/* ---- every broker: drop the logs, acknowledge ---- */

static int has_id(const int32_t *v, int n, int32_t id) {
    for (int i = 0; i < n; i++)
        if (v[i] == id)
            return 1;
    return 0;
}

static int is_replica(const cluster_topic *t, int32_t id) {
    for (int32_t p = 0; t && p < t->partition_count; p++)
        if (has_id(t->partitions[p].replicas, t->partitions[p].replica_count, id))
            return 1;
    return 0;
}

static int has_logs(const topic *t) {
    for (int32_t p = 0; p < t->partition_count; p++)
        if (t->partitions[p]->lg)
            return 1;
    return 0;
}

static void ignore_result(void *arg, const zk_result *r) {
    (void)arg;
    (void)r;
}

/* Remove topic t from this broker (its logs too); waiting produces and
 * fetches on it are answered first. */
static void drop_local(broker *b, topic *t, const char *why) {
    char name[256], msg[128];
    snprintf(name, sizeof name, "%s", t->name);
    replica_produce_forget_topic(t);
    int16_t ec = topics_delete(b->topics, name, (int32_t)strlen(name), msg, sizeof msg);
    if (ec == KAFKA_NONE)
        BLOG_I("cluster: topic %s %s: removed from this broker", name, why);
    else
        BLOG_E("cluster: topic %s %s: removing it here failed: %s", name, why,
               kafka_error_name(ec));
}

static void brokers_side(cluster *c, const cluster_view *old) {
    broker *b = c->b;
    const cluster_view *v = c->view;
    int32_t self = b->cfg.broker_id;
    for (int i = 0; i < v->deletion_count; i++) {
        const cluster_deletion *d = &v->deletions[i];
        if (!d->name[0])
            continue;
        int32_t len = (int32_t)strlen(d->name);
        topic *lt = topics_find(b->topics, d->name, len);
        if (lt)
            drop_local(b, lt, "is marked for deletion");
        const cluster_topic *t = cluster_topic_find(c, d->name, len);
        if (is_replica(t, self) && !has_id(d->acked, d->acked_count, self)) {
            char path[300];
            snprintf(path, sizeof path, "/admin/delete_topics/%s/%" PRId32, d->name, self);
            zk_create(c->z, path, "", 0, ZK_PERSISTENT, ignore_result, NULL);
        }
    }
    /* Topics gone from the view (deleted while this broker did not see the
     * mark, e.g. it holds no replica of them). Logs of a topic that was not
     * in the previous view either (a start against a ZooKeeper that does
     * not know it) are left alone and not served. */
    for (int i = topics_count(b->topics) - 1; i >= 0; i--) {
        topic *lt = topics_at(b->topics, i);
        int32_t len = (int32_t)strlen(lt->name);
        if (cluster_topic_find(c, lt->name, len))
            continue;
        int known = 0;
        for (int k = 0; k < old->topic_count && !known; k++)
            known = !strcmp(old->topics[k].name, lt->name);
        if (known || !has_logs(lt))
            drop_local(b, lt, "is no longer in ZooKeeper");
    }
}

/* ---- the controller: remove the nodes of fully acknowledged topics ---- */

typedef struct del_chain {
    cluster *c;
    uint64_t session_gen;
    char name[256];
    char **paths;
    int n, next;
} del_chain;

static void chain_free(del_chain *ch) {
    for (int i = 0; i < ch->n; i++)
        free(ch->paths[i]);
    free(ch->paths);
    free(ch);
}

static void chain_step(del_chain *ch);

static void on_chain_step(void *arg, const zk_result *r) {
    del_chain *ch = arg;
    cluster *c = ch->c;
    if (ch->session_gen != c->session_gen || c->stopping) {
        chain_free(ch);
        return;
    }
    if (r->rc != ZOK && r->rc != ZNONODE) {
        BLOG_W("controller: deleting topic %s: removing %s failed: %s (re-reading)", ch->name,
               ch->paths[ch->next], zk_strerror(r->rc));
        c->deleting = 0;
        chain_free(ch);
        cluster_sync_start(c);
        return;
    }
    ch->next++;
    chain_step(ch);
}

static void chain_step(del_chain *ch) {
    cluster *c = ch->c;
    if (ch->next == ch->n) {
        BLOG_I("controller: topic %s deleted", ch->name);
        c->deleting = 0;
        chain_free(ch);
        cluster_sync_start(c);
        return;
    }
    zk_op ops[2] = {{ZK_OP_CHECK, "/controller_epoch", NULL, 0, c->epoch_version},
                    {ZK_OP_DELETE, ch->paths[ch->next], NULL, 0, -1}};
    if (zk_multi(c->z, ops, 2, on_chain_step, ch) != ZOK) {
        c->deleting = 0;
        chain_free(ch);
    }
}

/* Append the path fmt % (topic, n) to the chain. */
static int chain_add(del_chain *ch, int cap, const char *fmt, const char *name, long n) {
    if (ch->n >= cap)
        return -1;
    char path[600];
    snprintf(path, sizeof path, fmt, name, n);
    if (!(ch->paths[ch->n] = strdup(path)))
        return -1;
    ch->n++;
    return 0;
}

/* Children before parents; the mark last. */
static void start_removal(cluster *c, const cluster_deletion *d, const cluster_topic *t) {
    int32_t parts = t ? t->partition_count : 0;
    int cap = 2 * parts + 4 + d->acked_count + 1;
    del_chain *ch = calloc(1, sizeof *ch);
    if (!ch || !(ch->paths = calloc((size_t)cap, sizeof *ch->paths))) {
        free(ch);
        return;
    }
    ch->c = c;
    ch->session_gen = c->session_gen;
    snprintf(ch->name, sizeof ch->name, "%s", d->name);
    int err = 0;
    for (int32_t p = 0; p < parts; p++) {
        err |= chain_add(ch, cap, "/brokers/topics/%s/partitions/%ld/state", d->name, (long)p);
        err |= chain_add(ch, cap, "/brokers/topics/%s/partitions/%ld", d->name, (long)p);
    }
    static const char *const tail[] = {"/brokers/topics/%s/partitions", "/brokers/topics/%s",
                                       "/config/topics/%s"};
    for (int i = 0; i < 3; i++)
        err |= chain_add(ch, cap, tail[i], d->name, 0);
    for (int i = 0; i < d->acked_count; i++)
        err |= chain_add(ch, cap, "/admin/delete_topics/%s/%ld", d->name, (long)d->acked[i]);
    err |= chain_add(ch, cap, "/admin/delete_topics/%s", d->name, 0);
    if (err) {
        chain_free(ch);
        return;
    }
    BLOG_I("controller: every replica broker dropped topic %s; removing it from ZooKeeper",
           d->name);
    c->deleting = 1;
    chain_step(ch);
}

static void controller_side(cluster *c) {
    const cluster_view *v = c->view;
    if (!c->is_controller || v->controller_id != c->b->cfg.broker_id || c->deleting || c->stopping)
        return;
    for (int i = 0; i < v->deletion_count; i++) {
        const cluster_deletion *d = &v->deletions[i];
        if (!d->name[0])
            continue;
        const cluster_topic *t = cluster_topic_find(c, d->name, (int32_t)strlen(d->name));
        int all = 1;
        for (int32_t p = 0; t && p < t->partition_count && all; p++)
            for (int k = 0; k < t->partitions[p].replica_count && all; k++)
                all = has_id(d->acked, d->acked_count, t->partitions[p].replicas[k]);
        if (all) {
            start_removal(c, d, t);
            return; /* one at a time */
        }
    }
}

void cluster_deletions_apply(cluster *c, const cluster_view *old) {
    if (c->stopping)
        return;
    brokers_side(c, old);
    controller_side(c);
}
