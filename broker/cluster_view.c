/*
 * cluster_view.c - reading the ZooKeeper tree into a cluster_view
 * (cluster_internal.h): a full re-read of /brokers/ids, /controller,
 * /controller_epoch, /brokers/topics/<t> (+ partitions/<n>/state) and
 * /config/topics/<t>, /admin/delete_topics (+ each marked topic's
 * acknowledgements), leaving watches. Every read of one sync carries the
 * sync's generation; answers of an older sync are dropped. When the last
 * read has answered, cluster.c's cluster_sync_finish decides whether the
 * view replaces the current one. Kept apart from cluster.c (session,
 * controller election) because it is the part that parses the tree.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#include "broker/cluster_internal.h"
#include "broker/cluster_json.h"
#include "broker/logging.h"
/* ---- views ---- */

static void topic_free_fields(cluster_topic *t) {
    free(t->name);
    free(t->partitions);
    for (int i = 0; i < t->config_count; i++) {
        free(t->configs[i].key);
        free(t->configs[i].value);
    }
    free(t->configs);
}

void cluster_view_free(cluster_view *v) {
    if (!v)
        return;
    for (int i = 0; i < v->topic_count; i++)
        topic_free_fields(&v->topics[i]);
    free(v->topics);
    for (int i = 0; i < v->deletion_count; i++) {
        free(v->deletions[i].name);
        free(v->deletions[i].acked);
    }
    free(v->deletions);
    free(v->brokers);
    free(v);
}

cluster_view *cluster_view_new(void) {
    cluster_view *v = calloc(1, sizeof *v);
    if (v)
        v->controller_id = -1;
    return v;
}

/* ---- reading the tree ---- */

typedef struct sync_op {
    cluster *c;
    uint64_t gen;
    int ti, pi;
} sync_op;

static sync_op *op_ctx(cluster *c, int ti, int pi) {
    sync_op *o = malloc(sizeof *o);
    if (o)
        *o = (sync_op){c, c->sync_gen, ti, pi};
    return o;
}

/* zk_get, zk_exists or zk_children. */
typedef int (*zk_read_fn)(zk *z, const char *path, int watch, zk_cb cb, void *arg);

/* Issue one read of the sync for topic (or broker) ti, partition pi; a
 * failed submission marks the view failed. */
static void sync_read(cluster *c, zk_read_fn fn, const char *path, int watch, zk_cb cb, int ti,
                      int pi) {
    sync_op *o = op_ctx(c, ti, pi);
    if (!o) {
        c->next->failed = 1;
        return;
    }
    c->sync_pending++;
    if (fn(c->z, path, watch, cb, o) != ZOK) {
        c->sync_pending--;
        c->next->failed = 1;
        free(o);
    }
}

/* Common prologue of a sync callback: drop it when the sync is stale. */
static cluster *op_take(void *arg, sync_op *out) {
    sync_op *o = arg;
    *out = *o;
    free(o);
    cluster *c = out->c;
    if (out->gen != c->sync_gen || !c->next)
        return NULL;
    return c;
}

static void op_done(cluster *c) {
    if (--c->sync_pending == 0)
        cluster_sync_finish(c);
}

static int read_failed(const zk_result *r) {
    return r->rc != ZOK && r->rc != ZNONODE;
}

static void on_broker(void *arg, const zk_result *r) {
    sync_op o;
    cluster *c = op_take(arg, &o);
    if (!c)
        return;
    cluster_broker *br = &c->next->brokers[o.ti];
    if (r->rc == ZOK && r->data) {
        int64_t port;
        if (cj_get_str(r->data, "host", br->host, sizeof br->host) != 0 ||
            cj_get_int(r->data, "port", &port) != 0) {
            BLOG_W("zookeeper: /brokers/ids/%" PRId32 " has no host/port; ignored", br->id);
            br->id = -1;
        } else {
            br->port = (int32_t)port;
        }
    } else {
        br->id = -1; /* gone meanwhile */
        c->next->failed |= read_failed(r);
    }
    op_done(c);
}

static void on_ids(void *arg, const zk_result *r) {
    sync_op o;
    cluster *c = op_take(arg, &o);
    if (!c)
        return;
    if (r->rc == ZOK && r->child_count > 0) {
        c->next->brokers = calloc((size_t)r->child_count, sizeof *c->next->brokers);
        if (!c->next->brokers) {
            c->next->failed = 1;
        } else {
            c->next->broker_count = r->child_count;
            for (int i = 0; i < r->child_count; i++) {
                char *end;
                long id = strtol(r->children[i], &end, 10);
                cluster_broker *br = &c->next->brokers[i];
                br->id = -1;
                if (*end || id < 0 || id > INT32_MAX)
                    continue;
                br->id = (int32_t)id;
                char path[64];
                snprintf(path, sizeof path, "/brokers/ids/%ld", id);
                sync_read(c, zk_get, path, 0, on_broker, i, 0);
            }
        }
    } else {
        c->next->failed |= read_failed(r);
    }
    op_done(c);
}

static void on_controller(void *arg, const zk_result *r) {
    sync_op o;
    cluster *c = op_take(arg, &o);
    if (!c)
        return;
    int64_t id;
    if (r->rc == ZOK && r->data && cj_get_int(r->data, "brokerid", &id) == 0)
        c->next->controller_id = (int32_t)id;
    else
        c->next->failed |= read_failed(r);
    op_done(c);
}

static void on_controller_exists(void *arg, const zk_result *r) {
    sync_op o;
    cluster *c = op_take(arg, &o);
    if (!c)
        return;
    if (r->rc == ZOK) {
        sync_read(c, zk_get, "/controller", 0, on_controller, 0, 0);
    } else {
        c->next->failed |= read_failed(r);
    }
    op_done(c);
}

static void on_epoch(void *arg, const zk_result *r) {
    sync_op o;
    cluster *c = op_take(arg, &o);
    if (!c)
        return;
    int64_t e;
    if (r->rc == ZOK && r->data && cj_int(r->data, &e) == 0)
        c->next->controller_epoch = (int32_t)e;
    op_done(c);
}

static void on_state_exists(void *arg, const zk_result *r) {
    sync_op o;
    cluster *c = op_take(arg, &o);
    if (!c)
        return;
    if (r->rc == ZOK) /* created between our get and exists: read again */
        c->sync_dirty = 1;
    c->next->failed |= read_failed(r);
    op_done(c);
}

static void on_state(void *arg, const zk_result *r) {
    sync_op o;
    cluster *c = op_take(arg, &o);
    if (!c)
        return;
    cluster_topic *t = &c->next->topics[o.ti];
    cluster_partition *p = &t->partitions[o.pi];
    int64_t leader, le, ce;
    if (r->rc == ZOK && r->data && cj_get_int(r->data, "leader", &leader) == 0 &&
        cj_get_int(r->data, "leader_epoch", &le) == 0) {
        p->has_state = 1;
        p->leader = (int32_t)leader;
        p->leader_epoch = (int32_t)le;
        p->controller_epoch = cj_get_int(r->data, "controller_epoch", &ce) == 0 ? (int32_t)ce : 0;
        int n = cj_int_array(cj_get(r->data, "isr"), p->isr, CLUSTER_RF_MAX);
        p->isr_count = n > 0 ? n : 0;
        p->state_version = r->version;
    } else if (r->rc == ZNONODE) {
        char path[600];
        snprintf(path, sizeof path, "/brokers/topics/%s/partitions/%d/state", t->name, (int)o.pi);
        sync_read(c, zk_exists, path, 1, on_state_exists, o.ti, o.pi);
    } else {
        if (r->rc == ZOK)
            BLOG_W("zookeeper: malformed state of %s-%d ignored", t->name, (int)o.pi);
        c->next->failed |= read_failed(r);
    }
    op_done(c);
}

typedef struct assign_ctx {
    cluster_topic *t;
    int max_index;
    int count;
    int bad;
} assign_ctx;

static int assign_count(void *arg, const char *key, const char *value) {
    (void)value;
    assign_ctx *a = arg;
    char *end;
    long i = strtol(key, &end, 10);
    if (*end || i < 0 || i > 100000)
        a->bad = 1;
    else if (i > a->max_index)
        a->max_index = (int)i;
    a->count++;
    return 0;
}

static int assign_fill(void *arg, const char *key, const char *value) {
    assign_ctx *a = arg;
    int i = atoi(key);
    cluster_partition *p = &a->t->partitions[i];
    int n = cj_int_array(value, p->replicas, CLUSTER_RF_MAX);
    if (n <= 0)
        a->bad = 1;
    p->replica_count = n > 0 ? n : 0;
    return 0;
}

static void on_topic(void *arg, const zk_result *r) {
    sync_op o;
    cluster *c = op_take(arg, &o);
    if (!c)
        return;
    cluster_topic *t = &c->next->topics[o.ti];
    if (r->rc == ZOK && r->data) {
        t->version = r->version;
        const char *parts = cj_get(r->data, "partitions");
        assign_ctx a = {t, -1, 0, 0};
        if (!parts || cj_members(parts, assign_count, &a) != 0 || a.bad ||
            a.count != a.max_index + 1 || a.count == 0 ||
            !(t->partitions = calloc((size_t)a.count, sizeof *t->partitions))) {
            BLOG_W("zookeeper: /brokers/topics/%s has no usable assignment; ignored", t->name);
        } else {
            t->partition_count = a.count;
            cj_members(parts, assign_fill, &a);
            for (int p = 0; p < a.count; p++) {
                t->partitions[p].index = p;
                t->partitions[p].leader = -1;
                char path[600];
                snprintf(path, sizeof path, "/brokers/topics/%s/partitions/%d/state", t->name, p);
                sync_read(c, zk_get, path, 1, on_state, o.ti, p);
            }
        }
    } else {
        c->next->failed |= read_failed(r);
    }
    op_done(c);
}

typedef struct config_ctx {
    cluster_topic *t;
    int cap;
} config_ctx;

static int config_add(void *arg, const char *key, const char *value) {
    config_ctx *cc = arg;
    char v[1024];
    if (cj_str(value, v, sizeof v) != 0 || cc->t->config_count >= cc->cap)
        return 0;
    topic_override *o = &cc->t->configs[cc->t->config_count];
    o->key = strdup(key);
    o->value = strdup(v);
    if (!o->key || !o->value) {
        free(o->key);
        free(o->value);
        return 0;
    }
    cc->t->config_count++;
    return 0;
}

static void on_config(void *arg, const zk_result *r) {
    sync_op o;
    cluster *c = op_take(arg, &o);
    if (!c)
        return;
    cluster_topic *t = &c->next->topics[o.ti];
    const char *cfg = r->rc == ZOK && r->data ? cj_get(r->data, "config") : NULL;
    if (cfg) {
        t->configs = calloc(64, sizeof *t->configs);
        config_ctx cc = {t, 64};
        if (t->configs)
            cj_members(cfg, config_add, &cc);
    } else {
        c->next->failed |= read_failed(r);
    }
    op_done(c);
}

static void on_topics(void *arg, const zk_result *r) {
    sync_op o;
    cluster *c = op_take(arg, &o);
    if (!c)
        return;
    if (r->rc == ZOK && r->child_count > 0) {
        c->next->topics = calloc((size_t)r->child_count, sizeof *c->next->topics);
        if (!c->next->topics) {
            c->next->failed = 1;
        } else {
            for (int i = 0; i < r->child_count; i++) {
                cluster_topic *t = &c->next->topics[i];
                if (!(t->name = strdup(r->children[i]))) {
                    c->next->failed = 1;
                    break;
                }
                c->next->topic_count = i + 1;
                char path[600];
                snprintf(path, sizeof path, "/brokers/topics/%s", t->name);
                sync_read(c, zk_get, path, 1, on_topic, i, 0);
                snprintf(path, sizeof path, "/config/topics/%s", t->name);
                sync_read(c, zk_get, path, 0, on_config, i, 0);
            }
        }
    } else {
        c->next->failed |= read_failed(r);
    }
    op_done(c);
}

const cluster_deletion *cluster_view_deletion(const cluster_view *v, const char *name,
                                              int32_t len) {
    for (int i = 0; i < v->deletion_count; i++)
        if ((int32_t)strlen(v->deletions[i].name) == len &&
            !memcmp(v->deletions[i].name, name, (size_t)len))
            return &v->deletions[i];
    return NULL;
}

/* /admin/delete_topics/<t>: the ids of the brokers that acknowledged. */
static void on_deletion_acks(void *arg, const zk_result *r) {
    sync_op o;
    cluster *c = op_take(arg, &o);
    if (!c)
        return;
    cluster_deletion *d = &c->next->deletions[o.ti];
    if (r->rc == ZOK && r->child_count > 0) {
        if (!(d->acked = calloc((size_t)r->child_count, sizeof *d->acked))) {
            c->next->failed = 1;
        } else {
            for (int i = 0; i < r->child_count; i++) {
                char *end;
                long id = strtol(r->children[i], &end, 10);
                if (!*end && id >= 0 && id <= INT32_MAX)
                    d->acked[d->acked_count++] = (int32_t)id;
            }
        }
    } else if (r->rc == ZNONODE) {
        d->name[0] = '\0'; /* deleted meanwhile: no longer marked */
    } else {
        c->next->failed |= read_failed(r);
    }
    op_done(c);
}

static void on_deletions(void *arg, const zk_result *r) {
    sync_op o;
    cluster *c = op_take(arg, &o);
    if (!c)
        return;
    if (r->rc == ZOK && r->child_count > 0) {
        cluster_view *v = c->next;
        if (!(v->deletions = calloc((size_t)r->child_count, sizeof *v->deletions))) {
            v->failed = 1;
        } else {
            for (int i = 0; i < r->child_count; i++) {
                if (!(v->deletions[i].name = strdup(r->children[i]))) {
                    v->failed = 1;
                    break;
                }
                v->deletion_count = i + 1;
                char path[600];
                snprintf(path, sizeof path, "/admin/delete_topics/%s", r->children[i]);
                sync_read(c, zk_children, path, 1, on_deletion_acks, i, 0);
            }
        }
    } else {
        c->next->failed |= read_failed(r);
    }
    op_done(c);
}

void cluster_sync_start(cluster *c) {
    if (c->stopping || !c->connected || c->setup_pending)
        return;
    if (c->sync_running) {
        c->sync_dirty = 1;
        return;
    }
    cluster_view *v = cluster_view_new();
    if (!v)
        return;
    c->next = v;
    c->sync_running = 1;
    c->sync_dirty = 0;
    c->sync_gen++;
    c->sync_pending = 1; /* held until every read below is issued */
    sync_read(c, zk_children, "/brokers/ids", 1, on_ids, 0, 0);
    sync_read(c, zk_exists, "/controller", 1, on_controller_exists, 0, 0);
    sync_read(c, zk_get, "/controller_epoch", 0, on_epoch, 0, 0);
    sync_read(c, zk_children, "/brokers/topics", 1, on_topics, 0, 0);
    sync_read(c, zk_children, "/admin/delete_topics", 1, on_deletions, 0, 0);
    op_done(c);
}
