/*
 * replica.c - replication in cluster mode (replica.h): the partition
 * states after each view, the leader's view of its followers, the ISR
 * checks and the high watermark. The fetchers (follower side) are in
 * replica_follower.c, acks=all waits in replica_produce.c.
 *
 * Leader: a follower's fetch offset is its log end offset; a fetch that
 * reaches the leader's log end marks it caught up. The high watermark is
 * the smallest log end offset in the ISR (never moving back); when it moves,
 * waiting fetches are completed so consumers see the new data.
 *
 * A follower adds a partition to its fetch only when its previous fetch,
 * parked here for up to replica.fetch.wait.max.ms, returns. So that a new
 * leadership does not wait for that: after each view, the partitions led
 * here that a follower has not fetched yet are counted per follower; if
 * any, the parked follower fetches are woken, and a follower with some
 * still pending gets a short wait (REPLICA_PENDING_WAIT_MS) until its fetch
 * names them all.
 *
 * The high watermark of every replicated partition is kept in its log
 * (log_set_high_watermark; a truncation lowers it there), seeded from it
 * when the partition state is created: logdir restores it from
 * `replication-offset-checkpoint` at start. That file has one writer,
 * logdir: this module asks for it (logdir_checkpoint_high_watermarks) on
 * its timer, at most once a second and only after a move; logdir_close
 * writes it at stop.
 */
#include "broker/replica.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "broker/broker.h"
#include "broker/cluster.h"
#include "broker/logging.h"
#include "broker/replica_internal.h"
#include "log/logdir.h"
#include "wire/kafka.h"

#define HW_CHECKPOINT_MS 1000

/* Counts high watermark moves (all brokers of the process: a test may run
 * several; a spurious checkpoint is harmless). */
static uint64_t hw_moves;

/* ---- partition state ---- */

int64_t replica_hw(const topic_partition *tp) {
    if (!tp->lg)
        return -1;
    if (!tp->repl)
        return log_end_offset(tp->lg);
    return log_high_watermark(tp->lg); /* set when repl was created; <= log end */
}

void replica_raise_hw(topic_partition *tp, int64_t hw) {
    if (!tp->lg || hw <= log_high_watermark(tp->lg))
        return;
    log_set_high_watermark(tp->lg, hw);
    hw_moves++;
}

static int in_isr(const replica_part *rp, int32_t id) {
    for (int i = 0; i < rp->isr_n; i++)
        if (rp->isr[i] == id)
            return 1;
    return 0;
}

static int contains_id(const int32_t *v, int n, int32_t id) {
    for (int i = 0; i < n; i++)
        if (v[i] == id)
            return 1;
    return 0;
}

/* Leader: HW = min log end over the ISR; wakes waiting fetches if it moved. */
static void leader_update_hw(topic_partition *tp) {
    replica_part *rp = tp->repl;
    if (!rp || !rp->is_leader || !tp->lg)
        return;
    int64_t old = log_high_watermark(tp->lg), hw = log_end_offset(tp->lg);
    for (int i = 0; i < rp->follower_n; i++) {
        const replica_follower *f = &rp->followers[i];
        if (!in_isr(rp, f->id))
            continue;
        int64_t leo = f->leo < 0 ? old : f->leo;
        if (leo < hw)
            hw = leo;
    }
    if (hw > old) {
        replica_raise_hw(tp, hw);
        delayed_list_complete_all(&tp->waiting);
        replica_produce_check();
    }
}

/* ---- followers still to start fetching ---- */

static follower_pending *pending_find(replication *r, int32_t id) {
    for (int i = 0; r && i < r->pending_n; i++)
        if (r->pending[i].id == id)
            return &r->pending[i];
    return NULL;
}

/* Recount after a view: every (led partition, live follower) without a
 * fetch. A follower that is down fetches nothing; it counts again in the
 * view that brings it back. */
static void pending_recount(replication *r) {
    broker *b = r->b;
    r->pending_n = 0;
    for (int i = 0; i < topics_count(b->topics); i++) {
        topic *t = topics_at(b->topics, i);
        for (int32_t p = 0; p < t->partition_count; p++) {
            const replica_part *rp = t->partitions[p]->repl;
            for (int k = 0; rp && rp->is_leader && k < rp->follower_n; k++) {
                if (rp->followers[k].leo >= 0 ||
                    !cluster_broker_find(b->cluster, rp->followers[k].id))
                    continue;
                follower_pending *fp = pending_find(r, rp->followers[k].id);
                if (!fp) {
                    if (r->pending_n == r->pending_cap) {
                        int cap = r->pending_cap ? r->pending_cap * 2 : 8;
                        follower_pending *np = realloc(r->pending, (size_t)cap * sizeof *np);
                        if (!np)
                            continue; /* only the short wait is lost */
                        r->pending = np;
                        r->pending_cap = cap;
                    }
                    fp = &r->pending[r->pending_n++];
                    *fp = (follower_pending){rp->followers[k].id, 0};
                }
                fp->count++;
            }
        }
    }
}

int replica_follower_pending(broker *b, int32_t id) {
    const follower_pending *fp = pending_find(b->repl, id);
    return fp && fp->count > 0;
}

delayed_list *replica_follower_waiting(broker *b) {
    return b->repl && !b->repl->stopping ? &b->repl->follower_waiting : NULL;
}

void replica_follower_fetched(broker *b, topic_partition *tp, int32_t id, int64_t offset,
                              int64_t now) {
    replica_part *rp = tp->repl;
    if (!rp || !rp->is_leader || !tp->lg)
        return;
    for (int i = 0; i < rp->follower_n; i++) {
        replica_follower *f = &rp->followers[i];
        if (f->id != id)
            continue;
        if (f->leo < 0) {
            follower_pending *fp = pending_find(b->repl, id);
            if (fp && fp->count > 0)
                fp->count--;
        }
        f->leo = offset;
        if (offset >= log_end_offset(tp->lg))
            f->caught_up_ms = now;
        leader_update_hw(tp);
        return;
    }
}

void replica_appended(topic_partition *tp) {
    leader_update_hw(tp); /* HW moves here only when the leader is the whole ISR */
}

/* ---- ISR checks and the HW checkpoint ---- */

static void hw_checkpoint(replication *r, int64_t now) {
    if (r->hw_saved_moves == hw_moves || now - r->hw_saved_ms < HW_CHECKPOINT_MS || !r->b->logs)
        return;
    r->hw_saved_ms = now;
    uint64_t moves = hw_moves;
    int rc = logdir_checkpoint_high_watermarks(r->b->logs);
    if (rc == LOG_OK)
        r->hw_saved_moves = moves;
    else
        BLOG_E("writing replication-offset-checkpoint failed: %s", log_strerror(rc));
}

/* Leader: followers lagging longer than replica.lag.time.max.ms leave the
 * ISR; followers that reached the high watermark join it again. Written to
 * ZooKeeper conditionally; the new ISR applies when the view shows it. */
static void isr_check(uv_timer_t *t) {
    replication *r = t->data;
    broker *b = r->b;
    int64_t now = broker_now_ms(), lag = b->cfg.replica_lag_time_max_ms;
    hw_checkpoint(r, now);
    for (int i = 0; i < topics_count(b->topics); i++) {
        topic *tp_ = topics_at(b->topics, i);
        for (int32_t p = 0; p < tp_->partition_count; p++) {
            topic_partition *tp = tp_->partitions[p];
            replica_part *rp = tp->repl;
            if (rp && rp->isr_pending && now - rp->isr_pending_ms > 5000)
                rp->isr_pending = 0; /* no answer came: try again */
            if (!rp || !rp->is_leader || rp->isr_pending || rp->follower_n == 0 || !tp->lg)
                continue;
            int64_t hw = log_high_watermark(tp->lg);
            int32_t isr[CLUSTER_RF_MAX];
            int n = 0, changed = 0;
            isr[n++] = b->cfg.broker_id;
            for (int k = 0; k < rp->follower_n; k++) {
                const replica_follower *f = &rp->followers[k];
                int member = in_isr(rp, f->id);
                /* In: fetched up to our log end within the lag time. Out: back
                 * in once it fetches again from at least the high watermark. */
                int recent = now - f->caught_up_ms <= lag;
                int keep = member ? recent : recent && f->leo >= hw;
                if (keep)
                    isr[n++] = f->id;
                changed |= keep != member;
            }
            if (!changed || !in_isr(rp, b->cfg.broker_id))
                continue;
            /* The view brings the result (a new state version clears
             * isr_pending); the callback is not needed. */
            if (cluster_write_isr(b->cluster, tp_->name, p, isr, n, NULL, NULL) == 0) {
                rp->isr_pending = 1;
                rp->isr_pending_ms = now;
            }
        }
    }
}

static replication *repl_get(broker *b) {
    if (!b->repl) {
        b->repl = calloc(1, sizeof *b->repl);
        if (b->repl) {
            b->repl->b = b;
            uv_timer_init(b->loop, &b->repl->isr_timer);
            b->repl->isr_timer.data = b->repl;
            uint64_t every = (uint64_t)(b->cfg.replica_lag_time_max_ms / 4);
            if (every > HW_CHECKPOINT_MS)
                every = HW_CHECKPOINT_MS;
            uv_timer_start(&b->repl->isr_timer, isr_check, every < 100 ? 100 : every,
                           every < 100 ? 100 : every);
            b->repl->timer_on = 1;
        }
    }
    return b->repl;
}

/* ---- views ---- */

/* The state of one hosted partition from the view. */
static void apply_partition(replication *r, topic_partition *tp, const cluster_partition *cp) {
    broker *b = r->b;
    int32_t self = b->cfg.broker_id;
    replica_part *rp = tp->repl;
    if (!rp) {
        if (!(rp = calloc(1, sizeof *rp)))
            return;
        /* The checkpointed high watermark (logdir restored it), else
         * nothing is known to be committed yet. */
        if (!log_high_watermark_is_set(tp->lg))
            log_set_high_watermark(tp->lg, log_start_offset(tp->lg));
        rp->leader_epoch = -1;
        rp->leader_id = -1;
        tp->repl = rp;
    }
    int was_leader = rp->is_leader;
    int changed = rp->leader_epoch != cp->leader_epoch || rp->leader_id != cp->leader;
    rp->is_leader = cp->leader == self;
    rp->leader_id = cp->leader;
    rp->leader_epoch = cp->leader_epoch;
    if (rp->state_version != cp->state_version)
        rp->isr_pending = 0;
    rp->state_version = cp->state_version;
    /* A follower the controller took out of the ISR (controlled shutdown)
     * rejoins only after it fetched up to the log end again, not on the
     * strength of its earlier fetches. */
    for (int k = 0; rp->is_leader && k < rp->follower_n; k++)
        if (in_isr(rp, rp->followers[k].id) &&
            !contains_id(cp->isr, cp->isr_count, rp->followers[k].id))
            rp->followers[k].caught_up_ms = 0;
    rp->isr_n = cp->isr_count;
    memcpy(rp->isr, cp->isr, sizeof rp->isr);
    if (rp->is_leader) {
        rp->trunc = REPLICA_FETCHING;
        if (!was_leader || changed) {
            rp->follower_n = 0;
            for (int k = 0; k < cp->replica_count; k++)
                if (cp->replicas[k] != self)
                    rp->followers[rp->follower_n++] =
                        (replica_follower){cp->replicas[k], -1, broker_now_ms()};
        }
        leader_update_hw(tp);
        return;
    }
    /* A new follower (new leader or epoch, or leader before) settles its
     * log's end with the leader (OffsetForLeaderEpoch) before fetching:
     * replica_follower.c. */
    if (was_leader || changed) {
        rp->trunc = cp->leader >= 0 ? REPLICA_TRUNC_ASK : REPLICA_FETCHING;
        rp->trunc_retry_ms = 0;
    }
}

void replica_apply_view(broker *b) {
    cluster *c = b->cluster;
    replication *r = repl_get(b);
    if (!c || !r || r->stopping)
        return;
    int32_t self = b->cfg.broker_id;
    for (int i = 0; i < topics_count(b->topics); i++) {
        topic *t = topics_at(b->topics, i);
        const cluster_topic *ct = cluster_topic_find(c, t->name, (int32_t)strlen(t->name));
        for (int32_t p = 0; p < t->partition_count; p++) {
            topic_partition *tp = t->partitions[p];
            const cluster_partition *cp = ct && p < ct->partition_count ? &ct->partitions[p] : NULL;
            int replica = 0;
            for (int k = 0; cp && k < cp->replica_count; k++)
                replica |= cp->replicas[k] == self;
            if (!cp || !replica || !tp->lg || !cp->has_state) {
                free(tp->repl);
                tp->repl = NULL;
                continue;
            }
            apply_partition(r, tp, cp);
        }
    }
    replica_fetchers_update(r);
    pending_recount(r);
    for (int i = 0; i < r->pending_n; i++)
        if (r->pending[i].count > 0) { /* their parked fetches name old sets */
            delayed_list_complete_all(&r->follower_waiting);
            break;
        }
    replica_produce_check(); /* leadership may have moved */
}

void replica_stop(broker *b) {
    replication *r = b->repl;
    if (!r || r->stopping)
        return;
    r->stopping = 1;
    delayed_list_complete_all(&r->follower_waiting);
    replica_produce_fail_all();
    if (r->timer_on)
        uv_close((uv_handle_t *)&r->isr_timer, NULL);
    replica_fetchers_stop(r);
}

void replica_free(broker *b) {
    if (b->repl)
        free(b->repl->pending);
    free(b->repl);
    b->repl = NULL;
}
