/*
 * cluster_controller.c - the writes of cluster mode's partition states
 * (cluster.h): the controller's (leaders for new partitions, new leaders
 * from the ISR when a leader's broker is gone, leader -1 when no ISR member
 * is alive, the leader back when one returns; each a transaction that
 * checks /controller_epoch's version and the state's version) and the
 * leaders' ISR changes (cluster_write_isr, conditional on the state's
 * version). Every write makes the broker read the tree again. Brokers in
 * controlled shutdown (cluster_elect.c) are never elected.
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

/* ---- the controller's writes ---- */

typedef struct ctl_op {
    cluster *c;
    uint64_t session_gen;
    char what[300];
} ctl_op;

static void on_ctl_write(void *arg, const zk_result *r) {
    ctl_op *o = arg;
    cluster *c = o->c;
    if (o->session_gen == c->session_gen) {
        c->ctl_inflight--;
        if (r->rc == ZOK)
            BLOG_I("controller: %s", o->what);
        else
            BLOG_W("controller: %s not written: %s (newer state or controller; re-reading)",
                   o->what, zk_strerror(r->rc));
        if (c->ctl_inflight == 0)
            cluster_sync_start(c);
    }
    free(o);
}

static void ignore_result(void *arg, const zk_result *r) {
    (void)arg;
    (void)r;
}

static int contains(const int32_t *v, int n, int32_t x) {
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

/* Write one partition state: create it (version < 0) or replace it. */
void cluster_ctl_write(cluster *c, const cluster_topic *t, const cluster_partition *p,
                       int32_t leader, int32_t leader_epoch, const int32_t *isr, int isr_n,
                       const char *why) {
    char buf[512], path[600], isr_text[200];
    cj_buf il = {isr_text, 0, sizeof isr_text, 0};
    cj_int_list(&il, isr, isr_n);
    cj_buf j = {buf, 0, sizeof buf, 0};
    cj_printf(
        &j, "{\"controller_epoch\":%d,\"leader\":%d,\"version\":1,\"leader_epoch\":%d,\"isr\":%s}",
        (int)c->epoch, (int)leader, (int)leader_epoch, isr_text);
    ctl_op *o = calloc(1, sizeof *o);
    if (j.err || il.err || !o) {
        free(o);
        return;
    }
    o->c = c;
    o->session_gen = c->session_gen;
    snprintf(o->what, sizeof o->what, "%s %s-%d: leader %d, leader epoch %d, isr %s%s%s%s",
             p->has_state ? "partition" : "new partition", t->name, (int)p->index, (int)leader,
             (int)leader_epoch, isr_text, why ? " (" : "", why ? why : "", why ? ")" : "");
    snprintf(path, sizeof path, "/brokers/topics/%s/partitions/%d/state", t->name, (int)p->index);
    zk_op ops[2] = {{ZK_OP_CHECK, "/controller_epoch", NULL, 0, c->epoch_version},
                    {p->has_state ? ZK_OP_SET : ZK_OP_CREATE, path, buf, (int)j.len,
                     p->has_state ? p->state_version : -1}};
    if (!p->has_state) { /* parents; already there is fine */
        char parent[600];
        snprintf(parent, sizeof parent, "/brokers/topics/%s/partitions", t->name);
        zk_create(c->z, parent, "", 0, ZK_PERSISTENT, ignore_result, NULL);
        snprintf(parent, sizeof parent, "/brokers/topics/%s/partitions/%d", t->name, (int)p->index);
        zk_create(c->z, parent, "", 0, ZK_PERSISTENT, ignore_result, NULL);
    }
    if (zk_multi(c->z, ops, 2, on_ctl_write, o) != ZOK) {
        free(o);
        return;
    }
    c->ctl_inflight++;
}

static int live(const cluster_view *v, int32_t id) {
    for (int i = 0; i < v->broker_count; i++)
        if (v->brokers[i].id == id)
            return 1;
    return 0;
}

/* May broker id become a leader: alive and not in controlled shutdown. */
static int electable(const cluster *c, int32_t id) {
    return live(c->view, id) && !cluster_is_shutting(c, id);
}

/* Make every partition's state match the live brokers. */
void cluster_controller_duties(cluster *c) {
    const cluster_view *v = c->view;
    if (!c->is_controller || v->controller_id != c->b->cfg.broker_id || c->ctl_inflight > 0 ||
        c->stopping)
        return;
    for (int ti = 0; ti < v->topic_count; ti++) {
        const cluster_topic *t = &v->topics[ti];
        if (cluster_view_deletion(v, t->name, (int32_t)strlen(t->name)))
            continue; /* being deleted: no new leaders */
        for (int32_t pi = 0; pi < t->partition_count; pi++) {
            const cluster_partition *p = &t->partitions[pi];
            int32_t isr[CLUSTER_RF_MAX];
            int n = 0;
            if (!p->has_state) {
                for (int i = 0; i < p->replica_count; i++)
                    if (live(v, p->replicas[i]))
                        isr[n++] = p->replicas[i];
                int32_t first = -1;
                for (int i = 0; i < n && first < 0; i++)
                    if (electable(c, isr[i]))
                        first = isr[i];
                if (first >= 0) /* else: wait for a replica to come up */
                    cluster_ctl_write(c, t, p, first, 0, isr, n, NULL);
                continue;
            }
            if (p->leader >= 0 && live(v, p->leader))
                continue;
            /* Leader gone (or none): the first live ISR member in replica
             * order that is not shutting down. */
            int32_t leader = -1;
            for (int i = 0; i < p->replica_count && leader < 0; i++)
                if (contains(p->isr, p->isr_count, p->replicas[i]) && electable(c, p->replicas[i]))
                    leader = p->replicas[i];
            if (leader < 0 && p->leader < 0)
                continue;      /* still nobody eligible: unclean election is off */
            if (leader >= 0) { /* the dead leave the ISR */
                for (int i = 0; i < p->isr_count; i++)
                    if (live(v, p->isr[i]))
                        isr[n++] = p->isr[i];
            } else { /* keep the last ISR: its members are the only clean choices */
                memcpy(isr, p->isr, (size_t)p->isr_count * sizeof *isr);
                n = p->isr_count;
            }
            cluster_ctl_write(c, t, p, leader, p->leader_epoch + 1, isr, n, NULL);
        }
    }
}

/* ---- ISR changes written by leaders ---- */

typedef struct isr_op {
    cluster *c;
    uint64_t session_gen;
    void (*done)(void *arg, int ok);
    void *arg;
    char what[600];
} isr_op;

static void on_isr_written(void *arg, const zk_result *r) {
    isr_op *o = arg;
    cluster *c = o->c;
    if (o->session_gen == c->session_gen) {
        if (r->rc == ZOK)
            BLOG_I("leader: %s", o->what);
        else
            BLOG_W("leader: %s not written: %s", o->what, zk_strerror(r->rc));
    }
    if (o->done)
        o->done(o->arg, r->rc == ZOK);
    free(o);
}

int cluster_write_isr(cluster *c, const char *topic, int32_t partition, const int32_t *isr, int n,
                      void (*done)(void *arg, int ok), void *arg) {
    const cluster_topic *t = cluster_topic_find(c, topic, (int32_t)strlen(topic));
    if (!t || partition < 0 || partition >= t->partition_count || !c->registered || c->stopping)
        return -1;
    const cluster_partition *p = &t->partitions[partition];
    if (!p->has_state || p->leader != c->b->cfg.broker_id)
        return -1;
    char buf[512], path[600], isr_text[200];
    cj_buf il = {isr_text, 0, sizeof isr_text, 0};
    cj_int_list(&il, isr, n);
    cj_buf j = {buf, 0, sizeof buf, 0};
    cj_printf(&j,
              "{\"controller_epoch\":%d,\"leader\":%d,\"version\":1,\"leader_epoch\":%d,"
              "\"isr\":%s}",
              (int)p->controller_epoch, (int)p->leader, (int)p->leader_epoch, isr_text);
    isr_op *o = calloc(1, sizeof *o);
    if (j.err || il.err || !o) {
        free(o);
        return -1;
    }
    *o = (isr_op){c, c->session_gen, done, arg, ""};
    snprintf(o->what, sizeof o->what, "%s-%d isr %s (was %d member(s))", topic, (int)partition,
             isr_text, (int)p->isr_count);
    snprintf(path, sizeof path, "/brokers/topics/%s/partitions/%d/state", topic, (int)partition);
    if (zk_set(c->z, path, buf, (int)j.len, p->state_version, on_isr_written, o) != ZOK) {
        free(o);
        return -1;
    }
    return 0;
}
