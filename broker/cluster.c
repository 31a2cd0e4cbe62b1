/*
 * cluster.c - cluster mode's session, view and controller (cluster.h).
 * Reading the tree into a view lives in cluster_view.c.
 *
 * Session: on every new ZooKeeper session the broker creates the persistent
 * paths, agrees on the cluster id (/cluster/id), registers its ephemeral
 * /brokers/ids/<id> (retrying while a previous session of the same id has
 * not expired yet) and reads the tree. An expired session drops the view
 * (this broker leads nothing until it has a new one) and starts another.
 *
 * View: a full re-read of /brokers/ids, /controller, /controller_epoch,
 * /brokers/topics/<t> (+ partitions/<n>/state) and /config/topics/<t>,
 * leaving watches; an event during a read marks it dirty and a new read
 * follows. Only complete views replace the current one.
 *
 * Controller: whoever creates the ephemeral /controller first bumps
 * /controller_epoch (conditional on its version) and then, after every new
 * view, writes partition states: first leaders for new partitions, new
 * leaders (from the ISR only: no unclean election) when a leader's broker
 * is gone, leader -1 when no ISR member is alive, and the leader back when
 * one returns. Each write is a transaction: check /controller_epoch's
 * version, then create or set the state with its expected version.
 * Controlled shutdown and preferred-leader elections are cluster_elect.c
 * (controller) and cluster_shutdown.c (the broker that stops).
 */
#include "broker/cluster.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#include "broker/broker.h"
#include "broker/cluster_internal.h"
#include "broker/cluster_json.h"
#include "broker/coordinator.h"
#include "broker/logging.h"
#include "broker/replica.h"
#include "broker/server.h"
#include "wire/kafka.h"

enum { RETRY_NONE, RETRY_SETUP, RETRY_SYNC };

static void setup_start(cluster *c);
static void elect(cluster *c);

int cluster_broker_count(const cluster *c) {
    return c->view->broker_count;
}
const cluster_broker *cluster_broker_at(const cluster *c, int i) {
    return &c->view->brokers[i];
}
const cluster_broker *cluster_broker_find(const cluster *c, int32_t id) {
    for (int i = 0; i < c->view->broker_count; i++)
        if (c->view->brokers[i].id == id)
            return &c->view->brokers[i];
    return NULL;
}
int32_t cluster_controller(const cluster *c) {
    return c->view->controller_id;
}
int cluster_topic_count(const cluster *c) {
    return c->view->topic_count;
}
const cluster_topic *cluster_topic_at(const cluster *c, int i) {
    return &c->view->topics[i];
}
const cluster_topic *cluster_topic_find(const cluster *c, const char *name, int32_t len) {
    if (!name || len < 0)
        return NULL;
    for (int i = 0; i < c->view->topic_count; i++) {
        const cluster_topic *t = &c->view->topics[i];
        if ((int32_t)strlen(t->name) == len && memcmp(t->name, name, (size_t)len) == 0)
            return t;
    }
    return NULL;
}
const char *cluster_zookeeper(const cluster *c) {
    return c->zk_text;
}
int cluster_failed(const cluster *c) {
    return c && c->failed;
}

int cluster_leader(const cluster *c, const char *topic, int32_t len, int32_t partition,
                   int32_t *leader, const cluster_broker **endpoint) {
    *leader = -1;
    *endpoint = NULL;
    const cluster_topic *t = cluster_topic_find(c, topic, len);
    if (!t || partition < 0 || partition >= t->partition_count)
        return -1;
    const cluster_partition *p = &t->partitions[partition];
    if (p->has_state && p->leader >= 0) {
        *leader = p->leader;
        *endpoint = cluster_broker_find(c, p->leader);
    }
    return 0;
}

int cluster_isr_count(const cluster *c, const char *topic, int32_t len, int32_t partition) {
    const cluster_topic *t = cluster_topic_find(c, topic, len);
    if (!t || partition < 0 || partition >= t->partition_count ||
        !t->partitions[partition].has_state)
        return 0;
    return t->partitions[partition].isr_count;
}

/* Monotonic milliseconds. */
static uint64_t mono_ms(void) {
    return uv_hrtime() / 1000000u;
}

/* A process that was paused (SIGSTOP, a VM freeze) longer than half its
 * session timeout may have lost its session without knowing yet: until
 * ZooKeeper confirms the session, it leads nothing. The tick timer notices
 * the gap; requests that run before it does see the stale tick. */
static uint64_t fence_after_ms(const cluster *c) {
    uint64_t t = (uint64_t)c->b->cfg.zk_session_timeout_ms / 2;
    return t < 500 ? 500 : t;
}

static int fenced(const cluster *c) {
    return c->suspect || mono_ms() - c->tick_ms > fence_after_ms(c);
}

int16_t cluster_partition_check(const cluster *c, const char *topic, int32_t len,
                                int32_t partition) {
    int32_t leader;
    const cluster_broker *ep;
    /* No session, a new one not registered yet, or its first view not read
     * yet (the old view was dropped with the old session): lead nothing. */
    if (!c->registered || !c->view_current)
        return KAFKA_NOT_LEADER_OR_FOLLOWER;
    if (cluster_leader(c, topic, len, partition, &leader, &ep) != 0 ||
        cluster_topic_deleting(c, topic, len))
        return KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
    if (leader < 0)
        return KAFKA_LEADER_NOT_AVAILABLE;
    return leader == c->b->cfg.broker_id && c->registered && !fenced(c)
               ? KAFKA_NONE
               : KAFKA_NOT_LEADER_OR_FOLLOWER;
}

static int cmp_broker(const void *a, const void *b) {
    int32_t x = ((const cluster_broker *)a)->id, y = ((const cluster_broker *)b)->id;
    return x < y ? -1 : x > y;
}

static void apply_view(cluster *c, cluster_view *old);

static void retry_cb(uv_timer_t *t) {
    cluster *c = t->data;
    int what = c->retry_what;
    c->retry_what = RETRY_NONE;
    if (what == RETRY_SETUP)
        setup_start(c);
    else if (what == RETRY_SYNC)
        cluster_sync_start(c);
}

static void retry_later(cluster *c, int what, uint64_t ms) {
    if (c->stopping)
        return;
    if (c->retry_what == RETRY_SETUP && what == RETRY_SYNC)
        return; /* setup re-reads anyway */
    c->retry_what = what;
    uv_timer_start(&c->retry, retry_cb, ms, 0);
}

void cluster_sync_finish(cluster *c) {
    cluster_view *v = c->next;
    c->next = NULL;
    c->sync_running = 0;
    if (v->failed || !c->connected) {
        cluster_view_free(v);
        retry_later(c, RETRY_SYNC, 500);
        return;
    }
    /* Drop brokers that vanished during the read. */
    int n = 0;
    for (int i = 0; i < v->broker_count; i++)
        if (v->brokers[i].id >= 0)
            v->brokers[n++] = v->brokers[i];
    v->broker_count = n;
    if (n > 1)
        qsort(v->brokers, (size_t)n, sizeof *v->brokers, cmp_broker);
    cluster_view *old = c->view;
    c->view = v;
    c->view_current = 1;
    apply_view(c, old);
    cluster_view_free(old);
    if (c->sync_dirty)
        cluster_sync_start(c);
}

static int contains(const int32_t *v, int n, int32_t x) {
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

/* ---- applying a view ---- */

static const cluster_topic *view_topic(const cluster_view *v, const char *name) {
    for (int i = 0; i < v->topic_count; i++)
        if (!strcmp(v->topics[i].name, name))
            return &v->topics[i];
    return NULL;
}

static void apply_view(cluster *c, cluster_view *old) {
    broker *b = c->b;
    int32_t self = b->cfg.broker_id;
    cluster_view *v = c->view;
    if (old->controller_id != v->controller_id)
        BLOG_I("cluster: controller is broker %" PRId32 " (epoch %" PRId32 ")", v->controller_id,
               v->controller_epoch);
    if (old->broker_count != v->broker_count)
        BLOG_I("cluster: %d live broker(s)", v->broker_count);
    if (c->is_controller && v->controller_id != self) {
        BLOG_W("cluster: broker %" PRId32 " is controller now; this broker no longer is",
               v->controller_id);
        c->is_controller = 0;
    }
    /* Open the logs of our replicas. */
    for (int ti = 0; ti < v->topic_count; ti++) {
        const cluster_topic *t = &v->topics[ti];
        if (t->partition_count <= 0 || cluster_topic_deleting(c, t->name, (int32_t)strlen(t->name)))
            continue;
        uint8_t *hosted = calloc((size_t)t->partition_count, 1);
        if (!hosted)
            continue;
        int any = 0;
        for (int32_t p = 0; p < t->partition_count; p++)
            any |= hosted[p] =
                (uint8_t)contains(t->partitions[p].replicas, t->partitions[p].replica_count, self);
        char msg[300];
        /* Every topic is known here (DescribeConfigs answers for it); logs
         * only for our replicas. */
        (void)any;
        if (topics_ensure(b->topics, t->name, t->partition_count, t->configs, t->config_count,
                          hosted, msg, sizeof msg) != KAFKA_NONE)
            BLOG_E("cluster: topic %s: %s", t->name, msg);
        for (int32_t p = 0; p < t->partition_count; p++) {
            const cluster_partition *np = &t->partitions[p];
            if (!hosted[p] || !np->has_state)
                continue;
            int32_t was = -2;
            const cluster_topic *ot = view_topic(old, t->name);
            if (ot && p < ot->partition_count && ot->partitions[p].has_state)
                was = ot->partitions[p].leader_epoch;
            if (was != np->leader_epoch)
                BLOG_I("partition %s-%d: leader %" PRId32 " (epoch %" PRId32 ")%s", t->name, (int)p,
                       np->leader, np->leader_epoch,
                       np->leader == self ? ": this broker leads it" : "");
        }
        free(hosted);
    }
    /* Waiting fetches on partitions we no longer lead are answered now. */
    for (int i = 0; i < topics_count(b->topics); i++) {
        topic *tp = topics_at(b->topics, i);
        for (int32_t p = 0; p < tp->partition_count; p++)
            if (tp->partitions[p]->waiting.head &&
                cluster_partition_check(c, tp->name, (int32_t)strlen(tp->name), p) != KAFKA_NONE)
                delayed_list_complete_all(&tp->partitions[p]->waiting);
    }
    replica_apply_view(b);
    coordinator_apply_view(b); /* group coordinator: load / drop __consumer_offsets partitions */
    cluster_waiters_check(c);
    if (v->controller_id < 0 && c->registered)
        elect(c);
    cluster_controller_duties(c);
    cluster_deletions_apply(c, old);
    cluster_elect_on_view(c);
}

/* ---- controller election ---- */

typedef struct elect_op {
    cluster *c;
    uint64_t session_gen;
} elect_op;

static elect_op *elect_ctx(cluster *c) {
    elect_op *o = malloc(sizeof *o);
    if (o)
        *o = (elect_op){c, c->session_gen};
    return o;
}

static cluster *elect_take(void *arg) {
    elect_op *o = arg;
    cluster *c = o->c;
    uint64_t g = o->session_gen;
    free(o);
    return g == c->session_gen && !c->stopping ? c : NULL;
}

static void on_epoch_read(void *arg, const zk_result *r);

static void elect_done(cluster *c, int ok) {
    c->electing = 0;
    if (ok) {
        c->is_controller = 1;
        BLOG_I("cluster: this broker (%" PRId32 ") is the controller, epoch %" PRId32,
               c->b->cfg.broker_id, c->epoch);
    }
    cluster_sync_start(c);
}

static void epoch_read_again(cluster *c) {
    elect_op *o = elect_ctx(c);
    if (!o || zk_get(c->z, "/controller_epoch", 0, on_epoch_read, o) != ZOK) {
        free(o);
        elect_done(c, 0);
    }
}

static void on_epoch_written(void *arg, const zk_result *r) {
    cluster *c = elect_take(arg);
    if (!c)
        return;
    if (r->rc == ZOK) {
        c->epoch_version = r->version;
        elect_done(c, 1);
    } else if (r->rc == ZBADVERSION || r->rc == ZNODEEXISTS) {
        epoch_read_again(c);
    } else {
        BLOG_W("cluster: cannot write /controller_epoch: %s", zk_strerror(r->rc));
        elect_done(c, 0);
    }
}

static void on_epoch_created(void *arg, const zk_result *r) {
    cluster *c = elect_take(arg);
    if (!c)
        return;
    if (r->rc == ZOK) {
        c->epoch_version = 0;
        elect_done(c, 1);
    } else if (r->rc == ZNODEEXISTS) {
        epoch_read_again(c);
    } else {
        BLOG_W("cluster: cannot create /controller_epoch: %s", zk_strerror(r->rc));
        elect_done(c, 0);
    }
}

static void on_epoch_read(void *arg, const zk_result *r) {
    cluster *c = elect_take(arg);
    if (!c)
        return;
    int64_t e = 0;
    elect_op *o = elect_ctx(c);
    int rc = ZSYSTEMERROR;
    if (r->rc == ZNONODE && o) {
        c->epoch = 1;
        rc = zk_create(c->z, "/controller_epoch", "1", 1, ZK_PERSISTENT, on_epoch_created, o);
    } else if (r->rc == ZOK && o && r->data && cj_int(r->data, &e) == 0) {
        char text[32];
        int n = snprintf(text, sizeof text, "%" PRId64, e + 1);
        c->epoch = (int32_t)(e + 1);
        rc = zk_set(c->z, "/controller_epoch", text, n, r->version, on_epoch_written, o);
    }
    if (rc != ZOK) {
        free(o);
        elect_done(c, 0);
    }
}

static void on_controller_created(void *arg, const zk_result *r) {
    cluster *c = elect_take(arg);
    if (!c)
        return;
    if (r->rc == ZOK) {
        epoch_read_again(c);
        return;
    }
    c->electing = 0; /* another broker won (ZNODEEXISTS), or try at the next view */
    if (r->rc != ZNODEEXISTS)
        BLOG_W("cluster: controller election failed: %s", zk_strerror(r->rc));
}

static void elect(cluster *c) {
    if (c->electing || c->stopping || !c->registered)
        return;
    char buf[160];
    int n = snprintf(buf, sizeof buf,
                     "{\"version\":1,\"brokerid\":%" PRId32 ",\"timestamp\":\"%" PRId64 "\"}",
                     c->b->cfg.broker_id, broker_now_ms());
    elect_op *o = elect_ctx(c);
    if (!o)
        return;
    c->electing = 1;
    if (zk_create(c->z, "/controller", buf, n, ZK_EPHEMERAL, on_controller_created, o) != ZOK) {
        free(o);
        c->electing = 0;
    }
}

/* ---- session setup: paths, cluster id, registration ---- */

static const char *const persistent_paths[] = {
    "/brokers", "/brokers/ids",         "/brokers/topics", "/config", "/config/topics",
    "/admin",   "/admin/delete_topics", "/cluster",        NULL};

static void register_broker(cluster *c);

/* Our ephemeral /brokers/ids/<id> is in place: read the tree. */
static void registered(cluster *c) {
    c->registered = 1;
    c->setup_pending = 0;
    c->suspect = 0;
    BLOG_I("cluster: registered in ZooKeeper as broker %" PRId32 " (%s:%d), cluster id %s",
           c->b->cfg.broker_id, c->b->advertised_host, c->b->advertised_port, c->b->cluster_id);
    cluster_sync_start(c);
}

static void on_registered_check(void *arg, const zk_result *r) {
    cluster *c = elect_take(arg);
    if (!c)
        return;
    if (r->rc == ZOK && r->owner == zk_session_id(c->z)) {
        registered(c);
        return;
    }
    BLOG_W("cluster: broker id %" PRId32 " is registered by another ZooKeeper session (another "
           "broker with this id, or this broker's previous run until its session expires); "
           "retrying",
           c->b->cfg.broker_id);
    retry_later(c, RETRY_SETUP, 1000);
}

static void on_registered(void *arg, const zk_result *r) {
    cluster *c = elect_take(arg);
    if (!c)
        return;
    char path[64];
    snprintf(path, sizeof path, "/brokers/ids/%" PRId32, c->b->cfg.broker_id);
    if (r->rc == ZOK) {
        registered(c);
        return;
    }
    elect_op *o = elect_ctx(c);
    if (r->rc == ZNODEEXISTS && o && zk_get(c->z, path, 0, on_registered_check, o) == ZOK)
        return;
    free(o);
    BLOG_W("cluster: registering %s failed: %s; retrying", path, zk_strerror(r->rc));
    retry_later(c, RETRY_SETUP, 1000);
}

static void register_broker(cluster *c) {
    broker *b = c->b;
    char buf[1024], path[64];
    cj_buf j = {buf, 0, sizeof buf, 0};
    cj_printf(&j, "{\"listener_security_protocol_map\":{\"PLAINTEXT\":\"PLAINTEXT\"},"
                  "\"endpoints\":[");
    char ep[400];
    snprintf(ep, sizeof ep, "PLAINTEXT://%s:%d", b->advertised_host, b->advertised_port);
    cj_quote(&j, ep);
    cj_printf(&j, "],\"jmx_port\":-1,\"host\":");
    cj_quote(&j, b->advertised_host);
    cj_printf(&j, ",\"timestamp\":\"%" PRId64 "\",\"port\":%d,\"version\":4}", broker_now_ms(),
              b->advertised_port);
    snprintf(path, sizeof path, "/brokers/ids/%" PRId32, b->cfg.broker_id);
    elect_op *o = elect_ctx(c);
    if (j.err || !o ||
        zk_create(c->z, path, buf, (int)j.len, ZK_EPHEMERAL, on_registered, o) != ZOK) {
        free(o);
        retry_later(c, RETRY_SETUP, 1000);
    }
}

static void on_cluster_id(void *arg, const zk_result *r);

static void read_cluster_id(cluster *c) {
    elect_op *o = elect_ctx(c);
    if (!o || zk_get(c->z, "/cluster/id", 0, on_cluster_id, o) != ZOK) {
        free(o);
        retry_later(c, RETRY_SETUP, 1000);
    }
}

static void on_cluster_id_created(void *arg, const zk_result *r) {
    cluster *c = elect_take(arg);
    if (!c)
        return;
    if (r->rc == ZOK)
        register_broker(c);
    else
        read_cluster_id(c); /* someone else created it first */
}

static void on_cluster_id(void *arg, const zk_result *r) {
    cluster *c = elect_take(arg);
    if (!c)
        return;
    broker *b = c->b;
    char id[64];
    if (r->rc == ZOK && r->data && cj_get_str(r->data, "id", id, sizeof id) == 0 && id[0]) {
        if (strcmp(id, b->cluster_id) != 0) {
            /* A new data directory drew its own id before it knew the cluster. */
            BLOG_I("cluster: joining cluster %s (the data directory had %s)", id, b->cluster_id);
            snprintf(b->cluster_id, sizeof b->cluster_id, "%s", id);
            char path[BROKER_PATH_MAX + 32], text[256];
            snprintf(path, sizeof path, "%s/meta.properties", b->cfg.data_dir);
            int n = snprintf(text, sizeof text,
                             "#Written by strand-broker\nversion=0\nbroker.id=%" PRId32
                             "\ncluster.id=%s\n",
                             b->cfg.broker_id, id);
            if (broker_file_write_atomic(path, text, (size_t)n) != 0)
                BLOG_W("cannot write %s: %s", path, strerror(errno));
        }
        register_broker(c);
        return;
    }
    if (r->rc == ZNONODE) {
        char buf[160];
        int n = snprintf(buf, sizeof buf, "{\"version\":\"1\",\"id\":\"%s\"}", b->cluster_id);
        elect_op *o = elect_ctx(c);
        if (o &&
            zk_create(c->z, "/cluster/id", buf, n, ZK_PERSISTENT, on_cluster_id_created, o) == ZOK)
            return;
        free(o);
    }
    BLOG_W("cluster: reading /cluster/id failed (%s); retrying", zk_strerror(r->rc));
    retry_later(c, RETRY_SETUP, 1000);
}

static void on_path_created(void *arg, const zk_result *r) {
    cluster *c = elect_take(arg);
    if (!c || c->setup_pending != 1 || r->rc == ZOK || r->rc == ZNODEEXISTS)
        return;
    BLOG_W("cluster: creating the ZooKeeper paths failed: %s; retrying", zk_strerror(r->rc));
    c->setup_pending = 2; /* the rest of this batch is ignored */
    retry_later(c, RETRY_SETUP, 1000);
}

/* ZooKeeper answers one session's requests in order: the exists issued
 * after the creates answers after all of them, and starts the next step. */
static void on_paths_done(void *arg, const zk_result *r) {
    (void)r;
    cluster *c = elect_take(arg);
    if (!c || c->setup_pending != 1)
        return;
    read_cluster_id(c);
}

static void setup_start(cluster *c) {
    if (c->stopping || !c->connected)
        return;
    c->setup_pending = 1;
    c->registered = 0;
    for (int i = 0; persistent_paths[i]; i++) {
        elect_op *o = elect_ctx(c);
        if (!o ||
            zk_create(c->z, persistent_paths[i], "", 0, ZK_PERSISTENT, on_path_created, o) != ZOK) {
            free(o);
            retry_later(c, RETRY_SETUP, 1000);
            return;
        }
    }
    elect_op *o = elect_ctx(c);
    if (!o || zk_exists(c->z, "/cluster", 0, on_paths_done, o) != ZOK) {
        free(o);
        retry_later(c, RETRY_SETUP, 1000);
    }
}

/* ---- session events ---- */

static void on_event(void *arg, int type, int state, const char *path) {
    (void)path;
    cluster *c = arg;
    if (c->stopping)
        return;
    if (type != ZOO_SESSION_EVENT) {
        cluster_sync_start(c);
        return;
    }
    if (state == ZOO_CONNECTED_STATE) {
        c->connected = 1;
        if (!c->ever_connected) {
            c->ever_connected = 1;
            uv_timer_stop(&c->conn_timeout);
        }
        int64_t sid = zk_session_id(c->z);
        if (sid != c->session_id || !c->registered) {
            c->session_id = sid;
            c->session_gen++;
            BLOG_I("cluster: ZooKeeper session 0x%" PRIx64 " with %s%s (timeout %d ms)",
                   (uint64_t)sid, zk_hosts(c->z), zk_chroot(c->z), zk_session_timeout(c->z));
            setup_start(c);
        } else {
            cluster_sync_start(c);
        }
    } else if (state == ZOO_EXPIRED_SESSION_STATE) {
        BLOG_W("cluster: ZooKeeper session expired: this broker leads nothing until it has "
               "registered again");
        c->connected = 0;
        c->registered = 0;
        c->view_current = 0;
        c->is_controller = 0;
        c->electing = 0;
        c->ctl_inflight = 0;
        c->session_gen++;
        c->sync_gen++;
        if (c->next) {
            cluster_view_free(c->next);
            c->next = NULL;
            c->sync_running = 0;
        }
        cluster_view *empty = cluster_view_new();
        if (empty) {
            cluster_view *old = c->view;
            c->view = empty;
            cluster_view_free(old);
        }
        if (zk_reconnect(c->z) != 0)
            BLOG_E("cluster: cannot start a new ZooKeeper session");
    } else if (state == ZOO_CONNECTING_STATE || state == ZOO_ASSOCIATING_STATE) {
        if (c->connected)
            BLOG_W("cluster: lost the ZooKeeper connection; reconnecting");
        c->connected = 0;
    }
}

static void on_session_confirmed(void *arg, const zk_result *r) {
    elect_op *o = arg;
    cluster *c = o->c;
    uint64_t g = o->session_gen;
    free(o);
    if (c->stopping)
        return;
    c->verifying = 0;
    if (g == c->session_gen && r->rc == ZOK && r->owner == zk_session_id(c->z)) {
        c->suspect = 0;
        BLOG_I("cluster: ZooKeeper confirmed the session after the pause; leading again");
    }
    /* Otherwise the session is gone: its expiry event makes us register anew. */
}

static void tick_cb(uv_timer_t *t) {
    cluster *c = t->data;
    uint64_t now = mono_ms(), gap = now - c->tick_ms;
    c->tick_ms = now;
    if (gap > fence_after_ms(c) && c->registered && !c->suspect) {
        BLOG_W("cluster: this process was paused for %llu ms: leading nothing until ZooKeeper "
               "confirms the session",
               (unsigned long long)gap);
        c->suspect = 1;
    }
    if (c->suspect && !c->verifying && c->registered) {
        char path[64];
        snprintf(path, sizeof path, "/brokers/ids/%" PRId32, c->b->cfg.broker_id);
        elect_op *o = elect_ctx(c);
        if (o && zk_exists(c->z, path, 0, on_session_confirmed, o) == ZOK)
            c->verifying = 1;
        else
            free(o);
    }
}

static void conn_timeout_cb(uv_timer_t *t) {
    cluster *c = t->data;
    if (c->ever_connected || c->stopping)
        return;
    BLOG_E("cannot reach ZooKeeper at %s within %" PRId64
           " ms (zookeeper.connection.timeout.ms); is it running? stopping",
           c->zk_text,
           c->b->cfg.zk_connection_timeout_ms > 0 ? c->b->cfg.zk_connection_timeout_ms
                                                  : c->b->cfg.zk_session_timeout_ms);
    c->failed = 1;
    server_stop(c->b);
}

int cluster_start(broker *b, char *err, size_t errlen) {
    cluster *c = calloc(1, sizeof *c);
    if (!c || !(c->view = cluster_view_new())) {
        free(c);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->b = b;
    snprintf(c->zk_text, sizeof c->zk_text, "%s", b->cfg.zookeeper_connect);
    c->z = zk_open(b->loop, b->cfg.zookeeper_connect, (int)b->cfg.zk_session_timeout_ms, on_event,
                   c, err, errlen);
    if (!c->z) {
        cluster_view_free(c->view);
        free(c);
        return -1;
    }
    /* Events reach c only from the loop, after these are set up. */
    uv_timer_init(b->loop, &c->retry);
    c->retry.data = c;
    uv_timer_init(b->loop, &c->conn_timeout);
    c->conn_timeout.data = c;
    uv_timer_init(b->loop, &c->tick);
    c->tick.data = c;
    c->tick_ms = mono_ms();
    uv_timer_start(&c->tick, tick_cb, 100, 100);
    int64_t ct = b->cfg.zk_connection_timeout_ms > 0 ? b->cfg.zk_connection_timeout_ms
                                                     : b->cfg.zk_session_timeout_ms;
    uv_timer_start(&c->conn_timeout, conn_timeout_cb, (uint64_t)ct, 0);
    cluster_elect_start(c);
    b->cluster = c;
    BLOG_I("cluster mode: broker %" PRId32 ", ZooKeeper %s", b->cfg.broker_id, c->zk_text);
    return 0;
}

void cluster_stop(cluster *c) {
    if (!c || c->stopping)
        return;
    c->stopping = 1;
    c->session_gen++;
    c->sync_gen++;
    cluster_waiters_fail_all(c, "the broker is shutting down");
    cluster_cs_abort(c);
    cluster_elect_stop(c);
    replica_stop(c->b);
    uv_close((uv_handle_t *)&c->retry, NULL);
    uv_close((uv_handle_t *)&c->conn_timeout, NULL);
    uv_close((uv_handle_t *)&c->tick, NULL);
    zk_close(c->z); /* ephemeral nodes go now: the controller reacts at once */
    c->z = NULL;
    BLOG_I("cluster: left the cluster (ZooKeeper session closed)");
}

void cluster_free(cluster *c) {
    if (!c)
        return;
    cluster_view_free(c->next);
    cluster_view_free(c->view);
    free(c);
}
