/*
 * replica_produce.c - acks=all in cluster mode: a Produce whose partitions
 * have followers is answered only when the high watermark of each of them
 * has passed what the request appended (the ISR has it), or at its timeout
 * (REQUEST_TIMED_OUT), or when leadership moved (NOT_LEADER_OR_FOLLOWER).
 * An ISR that fell below min.insync.replicas meanwhile gives
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND. The check runs on events: every high
 * watermark move and every new cluster view (replica_produce_check); the
 * timer only ends the wait.
 */
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/logging.h"
#include "broker/replica.h"
#include "broker/replica_wait.h"
#include "broker/server.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

typedef struct pw_part {
    topic_partition *tp;
    proto_produce_resp_partition *pr;
    int64_t need; /* the high watermark that covers the append */
    int done;
} pw_part;

typedef struct produce_wait {
    struct produce_wait *next;
    broker *b;
    server_conn *conn;
    server_slot *slot;
    int16_t version;
    proto_produce_resp out;
    wire_arena arena;
    pw_part *parts;
    int n;
    uv_timer_t timer;
    int finished;
} produce_wait;

static produce_wait *waits; /* the loop's list (one broker per process) */

static void pw_closed(uv_handle_t *h) {
    produce_wait *w = h->data;
    wire_arena_free(&w->arena);
    free(w->parts);
    free(w);
}

static void pw_unlink(produce_wait *w) {
    for (produce_wait **pp = &waits; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            return;
        }
}

/* Decide what can be decided; answer when every partition is done. */
static void pw_check(produce_wait *w, int timed_out) {
    broker *b = w->b;
    int open = 0;
    for (int i = 0; i < w->n; i++) {
        pw_part *p = &w->parts[i];
        if (p->done)
            continue;
        const replica_part *rp = p->tp->repl;
        if (!rp || !rp->is_leader) {
            p->pr->error_code = KAFKA_NOT_LEADER_OR_FOLLOWER;
            p->done = 1;
        } else if (replica_hw(p->tp) >= p->need) {
            if (rp->isr_n < b->cfg.min_insync_replicas)
                p->pr->error_code = KAFKA_NOT_ENOUGH_REPLICAS_AFTER_APPEND;
            p->done = 1;
        } else if (timed_out || b->stopping) {
            p->pr->error_code = KAFKA_REQUEST_TIMED_OUT;
            p->done = 1;
        } else {
            open++;
        }
    }
    if (open > 0 || w->finished)
        return;
    w->finished = 1;
    pw_unlink(w);
    if (w->conn) {
        proto_produce_resp_encode(server_slot_writer(w->slot), w->version, &w->out);
        server_response_complete(w->conn, w->slot);
    }
    uv_close((uv_handle_t *)&w->timer, pw_closed);
}

static void pw_timeout(uv_timer_t *t) {
    pw_check(t->data, 1);
}

static void pw_cancel(void *arg) {
    produce_wait *w = arg;
    w->conn = NULL; /* connection gone: finish silently */
    w->slot = NULL;
    if (!w->finished) {
        w->finished = 1;
        pw_unlink(w);
        uv_close((uv_handle_t *)&w->timer, pw_closed);
    }
}

void replica_produce_forget_topic(const topic *t) {
    produce_wait *w = waits;
    while (w) {
        produce_wait *next = w->next; /* pw_check may unlink w */
        int hit = 0;
        for (int i = 0; i < w->n; i++)
            for (int32_t p = 0; p < t->partition_count && !w->parts[i].done; p++)
                if (w->parts[i].tp == t->partitions[p]) {
                    w->parts[i].pr->error_code = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
                    w->parts[i].done = 1;
                    hit = 1;
                }
        if (hit)
            pw_check(w, 0);
        w = next;
    }
}

void replica_produce_check(void) {
    replica_wait_check(); /* the coordinator's commits (replica_wait.h) */
    produce_wait *w = waits;
    while (w) {
        produce_wait *next = w->next;
        pw_check(w, 0);
        w = next;
    }
}

void replica_produce_fail_all(void) {
    replica_wait_fail_all();
    produce_wait *w = waits;
    while (w) {
        produce_wait *next = w->next;
        pw_check(w, 1);
        w = next;
    }
}

static wire_str copy_str(wire_arena *a, wire_str s) {
    if (s.len <= 0)
        return s;
    char *c = wire_arena_alloc(a, (size_t)s.len);
    if (!c)
        return (wire_str){NULL, -1};
    memcpy(c, s.ptr, (size_t)s.len);
    return (wire_str){c, s.len};
}

int replica_produce_defer(broker_request *req, const proto_produce_resp *out, int32_t timeout_ms) {
    broker *b = req->b;
    int need_wait = 0;
    for (int32_t t = 0; t < out->topic_count && !need_wait; t++)
        for (int32_t i = 0; i < out->topics[t].partition_count; i++) {
            const proto_produce_resp_partition *pr = &out->topics[t].partitions[i];
            topic_partition *tp = topics_partition(b->topics, out->topics[t].name.ptr,
                                                   out->topics[t].name.len, pr->index);
            if (pr->error_code == KAFKA_NONE && tp && tp->repl && tp->repl->follower_n > 0 &&
                replica_hw(tp) < log_end_offset(tp->lg))
                need_wait = 1;
        }
    if (!need_wait)
        return 0;
    produce_wait *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    wire_arena_init(&w->arena);
    w->b = b;
    w->conn = req->conn;
    w->slot = req->slot;
    w->version = req->api_version;
    w->out = *out;
    int total = 0;
    for (int32_t t = 0; t < out->topic_count; t++)
        total += out->topics[t].partition_count;
    w->out.topics =
        wire_arena_calloc(&w->arena, (size_t)out->topic_count + 1, sizeof *w->out.topics);
    w->parts = calloc((size_t)total + 1, sizeof *w->parts);
    if (!w->out.topics || !w->parts)
        goto nomem;
    for (int32_t t = 0; t < out->topic_count; t++) {
        proto_produce_resp_topic *ot = &w->out.topics[t];
        *ot = out->topics[t];
        ot->name = copy_str(&w->arena, out->topics[t].name);
        ot->partitions =
            wire_arena_calloc(&w->arena, (size_t)ot->partition_count + 1, sizeof *ot->partitions);
        if (!ot->partitions || ot->name.len < 0)
            goto nomem;
        for (int32_t i = 0; i < ot->partition_count; i++) {
            ot->partitions[i] = out->topics[t].partitions[i];
            proto_produce_resp_partition *pr = &ot->partitions[i];
            topic_partition *tp =
                topics_partition(b->topics, ot->name.ptr, ot->name.len, pr->index);
            if (pr->error_code != KAFKA_NONE || !tp || !tp->repl || !tp->lg)
                continue;
            w->parts[w->n++] = (pw_part){tp, pr, log_end_offset(tp->lg), 0};
        }
    }
    uv_timer_init(b->loop, &w->timer);
    w->timer.data = w;
    uv_timer_start(&w->timer, pw_timeout, (uint64_t)(timeout_ms > 0 ? timeout_ms : 1), 0);
    w->next = waits;
    waits = w;
    req->deferred = 1;
    server_slot_on_cancel(req->slot, pw_cancel, w);
    return 1;
nomem:
    wire_arena_free(&w->arena);
    free(w->parts);
    free(w);
    return -1;
}
