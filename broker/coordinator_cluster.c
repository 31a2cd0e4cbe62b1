/*
 * coordinator_cluster.c - the group coordinator in cluster mode: who
 * coordinates a group (the leader of its __consumer_offsets partition),
 * the topic's creation through ZooKeeper, and loading / dropping a
 * partition's groups as its leadership comes and goes.
 *
 * Creation: the first FindCoordinator (or Metadata asking for the topic)
 * writes it with cluster_create_topic: offsets.topic.num.partitions
 * partitions, offsets.topic.replication.factor replicas, compacted. As in
 * Kafka, while fewer brokers than that factor are alive the topic is not
 * created and FindCoordinator answers COORDINATOR_NOT_AVAILABLE.
 *
 * Leadership: after every view (coordinator_apply_view, called by
 * cluster.c once replica.c applied it) each partition is in one of three
 * states (coordinator_internal.h). A partition led here is loaded from its
 * log start to its log end (as the new leader its log holds everything the
 * old one had acknowledged) by the loader timer, one partition per turn of
 * the loop; its groups answer COORDINATOR_LOAD_IN_PROGRESS meanwhile. A
 * partition that is not led here any more, or led under a new leader
 * epoch (someone else may have led it in between), is dropped: waiting
 * JoinGroup/SyncGroup get NOT_COORDINATOR, and the clients find the new
 * coordinator.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/cluster.h"
#include "broker/coordinator_internal.h"
#include "broker/logging.h"
#include "broker/replica.h"
#include "wire/kafka.h"

#define CO_TOPIC_LEN ((int32_t)(sizeof COORDINATOR_TOPIC - 1))

static const cluster_topic *view_topic(broker *b) {
    return cluster_topic_find(b->cluster, COORDINATOR_TOPIC, CO_TOPIC_LEN);
}

static void create_done(void *arg, int16_t error, const char *msg) {
    broker *b = arg;
    coordinator *co = b->coord;
    if (error == KAFKA_NONE || error == KAFKA_TOPIC_ALREADY_EXISTS)
        return; /* the view brings it */
    BLOG_E("creating %s failed: %s (%s)", COORDINATOR_TOPIC, msg ? msg : "",
           kafka_error_name(error));
    if (co)
        co->creating = 0;
}

int16_t coordinator_cluster_ensure_topic(broker *b) {
    coordinator *co = b->coord;
    if (view_topic(b)) {
        if (co)
            co->creating = 0;
        return KAFKA_NONE;
    }
    if (!co || co->stopped || b->stopping)
        return KAFKA_COORDINATOR_NOT_AVAILABLE;
    int64_t now = broker_now_ms();
    if (co->creating && now - co->create_ms < 10000)
        return KAFKA_COORDINATOR_NOT_AVAILABLE; /* sent; the view will show it */
    int32_t rf = b->cfg.offsets_topic_replication_factor;
    if (cluster_broker_count(b->cluster) < rf) {
        if (now - co->refused_ms >= 10000) {
            co->refused_ms = now;
            BLOG_W("%s is not created while %d broker(s) are alive: "
                   "offsets.topic.replication.factor is %" PRId32
                   "; FindCoordinator answers COORDINATOR_NOT_AVAILABLE until enough brokers "
                   "are up",
                   COORDINATOR_TOPIC, cluster_broker_count(b->cluster), rf);
        }
        return KAFKA_COORDINATOR_NOT_AVAILABLE;
    }
    char seg[32], msg[300];
    snprintf(seg, sizeof seg, "%" PRId64, b->cfg.offsets_topic_segment_bytes);
    topic_override ov[2] = {{"cleanup.policy", "compact"}, {"segment.bytes", seg}};
    int16_t err =
        cluster_create_topic(b->cluster, COORDINATOR_TOPIC, b->cfg.offsets_topic_num_partitions, rf,
                             NULL, ov, 2, 0, 0, create_done, b, msg, sizeof msg);
    if (err == KAFKA_NONE) {
        co->creating = 1;
        co->create_ms = now;
        BLOG_I("creating %s (%" PRId32 " partitions, replication factor %" PRId32
               ", cleanup.policy=compact, segment.bytes=%s)",
               COORDINATOR_TOPIC, b->cfg.offsets_topic_num_partitions, rf, seg);
    } else if (err != KAFKA_TOPIC_ALREADY_EXISTS) {
        BLOG_W("creating %s refused: %s (%s)", COORDINATOR_TOPIC, msg, kafka_error_name(err));
    }
    return KAFKA_COORDINATOR_NOT_AVAILABLE;
}

int16_t coordinator_find(broker *b, wire_str group, int32_t *node, const char **host,
                         int32_t *port) {
    *node = -1;
    *host = "";
    *port = -1;
    int16_t err = coordinator_ensure_topic(b);
    if (err != KAFKA_NONE)
        return KAFKA_COORDINATOR_NOT_AVAILABLE;
    if (!b->cluster) {
        *node = b->cfg.broker_id;
        *host = b->advertised_host;
        *port = b->advertised_port;
        return KAFKA_NONE;
    }
    const cluster_topic *ct = view_topic(b);
    if (!ct || ct->partition_count <= 0)
        return KAFKA_COORDINATOR_NOT_AVAILABLE;
    int32_t leader;
    const cluster_broker *ep;
    if (cluster_leader(b->cluster, COORDINATOR_TOPIC, CO_TOPIC_LEN,
                       group_partition_for(group, ct->partition_count), &leader, &ep) != 0 ||
        leader < 0 || !ep)
        return KAFKA_COORDINATOR_NOT_AVAILABLE;
    *node = leader;
    *host = ep->host;
    *port = ep->port;
    return KAFKA_NONE;
}

int16_t coordinator_check(broker *b, wire_str group) {
    coordinator *co = b->coord;
    if (!b->cluster || group.len < 0)
        return KAFKA_NONE;
    const cluster_topic *ct = view_topic(b);
    if (!co || !ct || ct->partition_count <= 0 || co->stopped)
        return KAFKA_NOT_COORDINATOR;
    int32_t p = group_partition_for(group, ct->partition_count);
    if (cluster_partition_check(b->cluster, COORDINATOR_TOPIC, CO_TOPIC_LEN, p) != KAFKA_NONE)
        return KAFKA_NOT_COORDINATOR;
    topic_partition *tp = topics_partition(b->topics, COORDINATOR_TOPIC, CO_TOPIC_LEN, p);
    if (!tp || !tp->repl || !tp->repl->is_leader || p >= co->nparts ||
        co->parts[p].state != CP_LOADED || co->parts[p].epoch != tp->repl->leader_epoch)
        return KAFKA_COORDINATOR_LOAD_IN_PROGRESS;
    return KAFKA_NONE;
}

int16_t coordinator_list_check(broker *b) {
    coordinator *co = b->coord;
    for (int32_t p = 0; co && b->cluster && p < co->nparts; p++)
        if (co->parts[p].state == CP_LOADING)
            return KAFKA_COORDINATOR_LOAD_IN_PROGRESS;
    return KAFKA_NONE;
}

int16_t coordinator_commit_error(int16_t e) {
    switch (e) {
    case KAFKA_NOT_LEADER_OR_FOLLOWER:
        return KAFKA_NOT_COORDINATOR;
    case KAFKA_NOT_ENOUGH_REPLICAS:
    case KAFKA_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
        return KAFKA_COORDINATOR_NOT_AVAILABLE;
    default:
        return e;
    }
}

int16_t coordinator_group_error(int16_t e) {
    return e == KAFKA_REQUEST_TIMED_OUT ? KAFKA_REBALANCE_IN_PROGRESS : coordinator_commit_error(e);
}

/* ---- leadership ---- */

/* Groups and offsets of one partition now in memory. */
static void count_partition(coordinator *co, int32_t p, int32_t n, int *groups, int64_t *offsets) {
    *groups = 0;
    *offsets = 0;
    for (group *g = group_coord_first(co->groups); g; g = g->next)
        if (group_partition_for(wire_str_from(g->id), n) == p) {
            (*groups)++;
            *offsets += g->offset_count;
        }
}

static void loader_cb(uv_timer_t *t) {
    coordinator *co = t->data;
    broker *b = co->b;
    if (co->stopped || !b->cluster)
        return;
    coordinator_op_begin(b);
    for (int32_t p = 0; p < co->nparts; p++) {
        coord_part *cp = &co->parts[p];
        if (cp->state != CP_LOADING)
            continue;
        topic_partition *tp = topics_partition(b->topics, COORDINATOR_TOPIC, CO_TOPIC_LEN, p);
        if (!tp || !tp->lg || !tp->repl || !tp->repl->is_leader ||
            tp->repl->leader_epoch != cp->epoch) {
            cp->state = CP_NONE; /* the next view decides */
            continue;
        }
        int64_t start = broker_now_ms();
        load_stats st = {0, 0};
        char err[300];
        if (coordinator_load_partition(co, tp, &st, err, sizeof err) != 0) {
            /* What was read stays; the members rejoin if something is missing. */
            BLOG_E("loading %s-%" PRId32 ": %s", COORDINATOR_TOPIC, p, err);
        }
        group_load_finish_partition(co->groups, p, co->nparts, broker_now_ms());
        cp->state = CP_LOADED;
        int groups;
        int64_t offsets;
        count_partition(co, p, co->nparts, &groups, &offsets);
        BLOG_I("loaded %s-%" PRId32 " (leader epoch %" PRId32 ", log end %" PRId64
               "): %d group(s), %" PRId64 " committed offset(s) from %" PRId64
               " record(s)%s in %" PRId64 " ms; coordinating them",
               COORDINATOR_TOPIC, p, cp->epoch, log_end_offset(tp->lg), groups, offsets, st.records,
               st.skipped ? " (some records were not group data and were skipped)" : "",
               broker_now_ms() - start);
        coordinator_reschedule(b);
        break; /* one partition per turn of the loop */
    }
    for (int32_t p = 0; p < co->nparts; p++)
        if (co->parts[p].state == CP_LOADING) {
            uv_timer_start(&co->loader, loader_cb, 0, 0);
            break;
        }
}

static void unload(coordinator *co, int32_t p, const char *why) {
    int32_t n = group_coord_unload_partition(co->groups, p, co->nparts, KAFKA_NOT_COORDINATOR);
    co->parts[p].state = CP_NONE;
    BLOG_I("%s-%" PRId32 ": %s; dropped its %" PRId32 " group(s) (their members find the new "
           "coordinator)",
           COORDINATOR_TOPIC, p, why, n);
}

void coordinator_apply_view(broker *b) {
    coordinator *co = b->coord;
    if (!co || co->stopped || !co->timers || !b->cluster)
        return;
    coordinator_op_begin(b);
    const cluster_topic *ct = view_topic(b);
    int32_t n = ct ? ct->partition_count : 0;
    if (n != co->nparts) {
        /* The topic appeared (or, never in practice, changed): start over. */
        for (int32_t p = 0; p < co->nparts; p++)
            if (co->parts[p].state != CP_NONE)
                unload(co, p, "the topic changed");
        free(co->parts);
        co->parts = n > 0 ? calloc((size_t)n, sizeof *co->parts) : NULL;
        co->nparts = co->parts ? n : 0;
        if (n > 0 && !co->parts)
            BLOG_E("out of memory: the group coordinator serves no group");
    }
    int load = 0;
    for (int32_t p = 0; p < co->nparts; p++) {
        coord_part *cp = &co->parts[p];
        topic_partition *tp = topics_partition(b->topics, COORDINATOR_TOPIC, CO_TOPIC_LEN, p);
        const replica_part *rp = tp && tp->lg ? tp->repl : NULL;
        int lead = rp && rp->is_leader;
        if (cp->state != CP_NONE && !lead)
            unload(co, p, "this broker no longer leads it");
        else if (cp->state != CP_NONE && rp->leader_epoch != cp->epoch)
            unload(co, p, "led again under a new leader epoch: reloading");
        if (lead && cp->state == CP_NONE) {
            cp->state = CP_LOADING;
            cp->epoch = rp->leader_epoch;
            load = 1;
        }
    }
    if (load)
        uv_timer_start(&co->loader, loader_cb, 0, 0);
    coordinator_reschedule(b);
}
