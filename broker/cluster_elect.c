/*
 * cluster_elect.c - leadership moves the controller makes on request
 * (cluster.h): controlled shutdown of a broker (ControlledShutdown),
 * preferred-leader election (ElectLeaders) and the periodic automatic
 * preferred-leader rebalance (auto.leader.rebalance.enable).
 *
 * Every move is an ordinary controller write (cluster_ctl_write: the
 * partition state at the version of the view, with /controller_epoch
 * checked). A request is a wait: after each new view the controller looks
 * at what is still to do, writes it again when no write is in flight (a
 * lost version race just retries) and answers once the view shows the
 * result, or at its deadline. Brokers in controlled shutdown are kept in
 * the controller's memory (like Kafka's shuttingDownBrokerIds) until their
 * registration goes; a new controller does not know them, which is why the
 * shutting-down broker retries against whoever is controller.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/cluster_internal.h"
#include "broker/logging.h"
#include "wire/kafka.h"

#define SHUTDOWN_WAIT_MS 5000

enum { EW_SHUTDOWN, EW_ELECT };

struct cluster_elect_wait {
    cluster_elect_wait *next;
    cluster *c;
    int kind;
    int32_t broker_id; /* EW_SHUTDOWN */
    cluster_elect_result *items;
    int n;
    cluster_elect_done done; /* NULL: cancelled */
    void *arg;
    uv_timer_t timer;
    int finished;
};

static int contains(const int32_t *v, int n, int32_t x) {
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

static int live(const cluster_view *v, int32_t id) {
    for (int i = 0; i < v->broker_count; i++)
        if (v->brokers[i].id == id)
            return 1;
    return 0;
}

int cluster_is_shutting(const cluster *c, int32_t id) {
    return contains(c->shutting, c->shutting_n, id);
}

static int deleting(const cluster *c, const cluster_topic *t) {
    return cluster_topic_deleting(c, t->name, (int32_t)strlen(t->name));
}

static int controller_now(const cluster *c) {
    return c->is_controller && c->view->controller_id == c->b->cfg.broker_id && !c->stopping;
}

/* Alive, in the ISR and not shutting down: may lead p. */
static int eligible(const cluster *c, const cluster_partition *p, int32_t id) {
    return live(c->view, id) && contains(p->isr, p->isr_count, id) && !cluster_is_shutting(c, id);
}

/* ---- controlled shutdown ---- */

/* The moves that take leadership and ISR membership away from broker id:
 * written when `write`; returns how many are (still) needed. */
static int shutdown_moves(cluster *c, int32_t id, int write) {
    const cluster_view *v = c->view;
    int needed = 0;
    char why[64];
    snprintf(why, sizeof why, "controlled shutdown of broker %" PRId32, id);
    for (int ti = 0; ti < v->topic_count; ti++) {
        const cluster_topic *t = &v->topics[ti];
        if (deleting(c, t))
            continue; /* no new leaders for a topic being deleted */
        for (int32_t pi = 0; pi < t->partition_count; pi++) {
            const cluster_partition *p = &t->partitions[pi];
            if (!p->has_state || p->replica_count <= 1 ||
                !contains(p->replicas, p->replica_count, id))
                continue;
            int32_t isr[CLUSTER_RF_MAX];
            int m = 0;
            for (int i = 0; i < p->isr_count; i++)
                if (p->isr[i] != id)
                    isr[m++] = p->isr[i];
            if (p->leader == id) {
                int32_t next = -1;
                for (int i = 0; i < p->replica_count && next < 0; i++)
                    if (p->replicas[i] != id && eligible(c, p, p->replicas[i]))
                        next = p->replicas[i];
                if (next < 0)
                    continue; /* stays: reported as remaining */
                needed++;
                if (write)
                    cluster_ctl_write(c, t, p, next, p->leader_epoch + 1, isr, m, why);
            } else if (p->leader >= 0 && contains(p->isr, p->isr_count, id) && m > 0) {
                /* A follower leaves the ISR (leader and epoch unchanged), so
                 * acks=all does not wait for it once it is gone. */
                needed++;
                if (write)
                    cluster_ctl_write(c, t, p, p->leader, p->leader_epoch, isr, m, why);
            }
        }
    }
    return needed;
}

/* Partitions with more than one replica that broker id still leads. */
static cluster_elect_result *shutdown_remaining(const cluster *c, int32_t id, int *n) {
    const cluster_view *v = c->view;
    int count = 0;
    for (int pass = 0; pass < 2; pass++) {
        cluster_elect_result *out = NULL;
        if (pass == 1) {
            if (count == 0) {
                *n = 0;
                return NULL;
            }
            out = calloc((size_t)count, sizeof *out);
            if (!out) {
                *n = 0;
                return NULL;
            }
            count = 0;
        }
        for (int ti = 0; ti < v->topic_count; ti++) {
            const cluster_topic *t = &v->topics[ti];
            for (int32_t pi = 0; pi < t->partition_count; pi++) {
                const cluster_partition *p = &t->partitions[pi];
                if (!p->has_state || p->replica_count <= 1 || p->leader != id)
                    continue;
                if (out) {
                    out[count].topic = strdup(t->name);
                    out[count].partition = pi;
                }
                count++;
            }
        }
        if (out) {
            *n = count;
            return out;
        }
    }
    *n = 0;
    return NULL;
}

/* ---- preferred-leader election ---- */

/* Look at one item: 1 when it is decided (error set), 0 when a write is
 * still needed (then tp and pp are set). */
static int elect_decided(const cluster *c, cluster_elect_result *it, const cluster_topic **tp,
                         const cluster_partition **pp) {
    const cluster_topic *t = cluster_topic_find(c, it->topic, (int32_t)strlen(it->topic));
    if (!t || deleting(c, t) || it->partition < 0 || it->partition >= t->partition_count) {
        it->error = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
        return 1;
    }
    const cluster_partition *p = &t->partitions[it->partition];
    int32_t pref = p->replica_count > 0 ? p->replicas[0] : -1;
    if (p->has_state && p->leader == pref && pref >= 0) {
        it->error = it->pending ? KAFKA_NONE : KAFKA_ELECTION_NOT_NEEDED;
        return 1;
    }
    if (!p->has_state || pref < 0 || !eligible(c, p, pref)) {
        it->error = KAFKA_PREFERRED_LEADER_NOT_AVAILABLE;
        return 1;
    }
    *tp = t;
    *pp = p;
    return 0;
}

/* ---- waits ---- */

static void ew_closed(uv_handle_t *h) {
    cluster_elect_wait *w = h->data;
    for (int i = 0; i < w->n; i++)
        free(w->items[i].topic);
    free(w->items);
    free(w);
}

static void ew_finish(cluster_elect_wait *w, int16_t error, const cluster_elect_result *res,
                      int n) {
    if (w->finished)
        return;
    w->finished = 1;
    for (cluster_elect_wait **pp = &w->c->elect_waits; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    cluster_elect_done done = w->done;
    w->done = NULL;
    if (done)
        done(w->arg, error, res, n);
    uv_close((uv_handle_t *)&w->timer, ew_closed);
}

/* Answer a controlled shutdown with what the view shows now. */
static void shutdown_answer(cluster_elect_wait *w) {
    int n = 0;
    cluster_elect_result *rem = shutdown_remaining(w->c, w->broker_id, &n);
    BLOG_I("controller: controlled shutdown of broker %" PRId32 ": %d partition(s) still led by it",
           w->broker_id, n);
    ew_finish(w, KAFKA_NONE, rem, n);
    for (int i = 0; i < n; i++)
        free(rem[i].topic);
    free(rem);
}

/* Progress one wait: answer when done, else write what is missing (when
 * nothing is in flight: the answers bring a new view and another look). */
static void ew_progress(cluster_elect_wait *w, int timed_out) {
    cluster *c = w->c;
    if (!controller_now(c)) {
        ew_finish(w, KAFKA_NOT_CONTROLLER, NULL, 0);
        return;
    }
    if (w->kind == EW_SHUTDOWN) {
        int needed = shutdown_moves(c, w->broker_id, 0);
        if (needed == 0 || timed_out)
            shutdown_answer(w);
        else if (c->ctl_inflight == 0)
            shutdown_moves(c, w->broker_id, 1);
        return;
    }
    int open = 0;
    for (int i = 0; i < w->n; i++) {
        cluster_elect_result *it = &w->items[i];
        if (it->error != -1)
            continue;
        const cluster_topic *t;
        const cluster_partition *p;
        if (elect_decided(c, it, &t, &p))
            continue;
        if (timed_out) {
            it->error = KAFKA_REQUEST_TIMED_OUT;
            continue;
        }
        open++;
        if (c->ctl_inflight == 0 || !it->pending) {
            it->pending = 1;
            cluster_ctl_write(c, t, p, p->replicas[0], p->leader_epoch + 1, p->isr, p->isr_count,
                              "preferred-leader election");
        }
    }
    if (open == 0)
        ew_finish(w, KAFKA_NONE, w->items, w->n);
}

static void ew_timeout(uv_timer_t *t) {
    ew_progress(t->data, 1);
}

static cluster_elect_wait *ew_new(cluster *c, int kind, cluster_elect_done done, void *arg,
                                  int64_t timeout_ms) {
    cluster_elect_wait *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->c = c;
    w->kind = kind;
    w->done = done;
    w->arg = arg;
    uv_timer_init(c->b->loop, &w->timer);
    w->timer.data = w;
    uv_timer_start(&w->timer, ew_timeout, (uint64_t)(timeout_ms > 0 ? timeout_ms : 1), 0);
    w->next = c->elect_waits;
    c->elect_waits = w;
    return w;
}

int16_t cluster_shutdown_broker(cluster *c, int32_t id, cluster_elect_done done, void *arg,
                                cluster_elect_wait **wait) {
    if (wait)
        *wait = NULL;
    if (!controller_now(c))
        return KAFKA_NOT_CONTROLLER;
    if (!cluster_is_shutting(c, id)) {
        if (c->shutting_n >= CLUSTER_SHUTTING_MAX)
            return KAFKA_UNKNOWN_SERVER_ERROR;
        c->shutting[c->shutting_n++] = id;
        BLOG_I("controller: broker %" PRId32 " is shutting down: moving its leadership away", id);
    }
    cluster_elect_wait *w = ew_new(c, EW_SHUTDOWN, done, arg, SHUTDOWN_WAIT_MS);
    if (!w)
        return KAFKA_UNKNOWN_SERVER_ERROR;
    w->broker_id = id;
    if (wait)
        *wait = w;
    ew_progress(w, 0);
    return KAFKA_NONE;
}

int16_t cluster_elect_preferred(cluster *c, const char *const *topics, const int32_t *partitions,
                                int n, int all, int32_t timeout_ms, cluster_elect_done done,
                                void *arg, cluster_elect_wait **wait) {
    if (wait)
        *wait = NULL;
    if (!controller_now(c))
        return KAFKA_NOT_CONTROLLER;
    const cluster_view *v = c->view;
    if (all) {
        n = 0;
        for (int ti = 0; ti < v->topic_count; ti++)
            n += v->topics[ti].partition_count;
    }
    cluster_elect_result *items = n > 0 ? calloc((size_t)n, sizeof *items) : NULL;
    if (n > 0 && !items)
        return KAFKA_UNKNOWN_SERVER_ERROR;
    int k = 0;
    for (int ti = 0; all && ti < v->topic_count; ti++)
        for (int32_t pi = 0; pi < v->topics[ti].partition_count; pi++, k++) {
            items[k].topic = strdup(v->topics[ti].name);
            items[k].partition = pi;
        }
    for (int i = 0; !all && i < n; i++) {
        items[i].topic = strdup(topics[i] ? topics[i] : "");
        items[i].partition = partitions[i];
    }
    int oom = 0;
    for (int i = 0; i < n; i++) {
        items[i].error = -1;
        oom |= !items[i].topic;
    }
    cluster_elect_wait *w = oom ? NULL : ew_new(c, EW_ELECT, done, arg, timeout_ms);
    if (!w) {
        for (int i = 0; i < n; i++)
            free(items[i].topic);
        free(items);
        return KAFKA_UNKNOWN_SERVER_ERROR;
    }
    w->items = items;
    w->n = n;
    if (wait)
        *wait = w;
    ew_progress(w, 0);
    return KAFKA_NONE;
}

void cluster_elect_cancel(cluster_elect_wait *w) {
    if (w)
        w->done = NULL;
}

/* ---- automatic preferred-leader rebalance ---- */

/* Kafka's rule: per broker, the share of the partitions it is the preferred
 * replica of that another broker leads; above
 * leader.imbalance.per.broker.percentage, move those whose preferred
 * replica is alive, in the ISR and not shutting down back to it. */
static void rebalance_cb(uv_timer_t *tm) {
    cluster *c = tm->data;
    const cluster_view *v = c->view;
    if (!controller_now(c) || c->ctl_inflight > 0 || !c->b->cfg.auto_leader_rebalance)
        return;
    for (int bi = 0; bi < v->broker_count; bi++) {
        int32_t id = v->brokers[bi].id;
        int total = 0, off = 0;
        for (int ti = 0; ti < v->topic_count; ti++)
            for (int32_t pi = 0; pi < v->topics[ti].partition_count; pi++) {
                const cluster_partition *p = &v->topics[ti].partitions[pi];
                if (!p->has_state || p->replica_count < 1 || p->replicas[0] != id)
                    continue;
                total++;
                off += p->leader != id;
            }
        if (total == 0 || (int64_t)off * 100 <= c->b->cfg.leader_imbalance_percentage * total)
            continue;
        BLOG_I("controller: broker %" PRId32 " leads %d of its %d preferred partition(s): "
               "rebalancing",
               id, total - off, total);
        for (int ti = 0; ti < v->topic_count; ti++)
            for (int32_t pi = 0; pi < v->topics[ti].partition_count; pi++) {
                const cluster_partition *p = &v->topics[ti].partitions[pi];
                if (p->has_state && p->replica_count >= 1 && p->replicas[0] == id &&
                    p->leader != id && eligible(c, p, id) && !deleting(c, &v->topics[ti]))
                    cluster_ctl_write(c, &v->topics[ti], p, id, p->leader_epoch + 1, p->isr,
                                      p->isr_count, "preferred-leader rebalance");
            }
    }
}

/* ---- lifecycle ---- */

void cluster_elect_start(cluster *c) {
    uv_timer_init(c->b->loop, &c->rebalance);
    c->rebalance.data = c;
    uint64_t every = (uint64_t)c->b->cfg.leader_imbalance_interval_ms;
    if (c->b->cfg.auto_leader_rebalance)
        uv_timer_start(&c->rebalance, rebalance_cb, every, every);
}

void cluster_elect_on_view(cluster *c) {
    const cluster_view *v = c->view;
    if (!controller_now(c)) {
        c->shutting_n = 0; /* a later controller learns them again from their retries */
    } else {
        int n = 0;
        for (int i = 0; i < c->shutting_n; i++)
            if (live(v, c->shutting[i]))
                c->shutting[n++] = c->shutting[i];
        c->shutting_n = n;
    }
    /* ew_progress may unlink the wait it looks at. */
    cluster_elect_wait *w = c->elect_waits;
    while (w) {
        cluster_elect_wait *next = w->next;
        ew_progress(w, 0);
        w = next;
    }
}

void cluster_elect_stop(cluster *c) {
    while (c->elect_waits)
        ew_finish(c->elect_waits, KAFKA_NOT_CONTROLLER, NULL, 0);
    uv_close((uv_handle_t *)&c->rebalance, NULL);
}
