/*
 * group_offsets.c - committed offsets of a consumer group on the I/O
 * thread: OffsetCommit (manual sync/async commits, auto-commit) and
 * OffsetFetch (strand_consumer_committed and the start positions of a new
 * assignment), plus the small partition-list type they share.
 *
 * Every request is a consumer_gop. An op first waits in the group's list
 * until the coordinator is known (or its deadline passes), then goes to the
 * coordinator. Coordinator errors (lost connection, NOT_COORDINATOR,
 * COORDINATOR_NOT_AVAILABLE / LOAD_IN_PROGRESS) send it back to the list
 * and the coordinator is looked up again, a few times; other errors finish
 * it. Membership errors in a commit answer (REBALANCE_IN_PROGRESS,
 * ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID) also make the member rejoin.
 * Commits carry the current generation and member id, or -1 and "" when
 * the consumer is not in a generation (a standalone commit, which Kafka
 * accepts for a group without members).
 */
#include <stdlib.h>
#include <string.h>

#include "consumer/consumer_int.h"
#include "consumer/group.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

#define OP_MAX_RETRIES 5

int consumer_tplist_add(consumer_tplist *l, const char *topic, int32_t partition, int64_t offset) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        strand_topic_partition *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    char *t = strdup(topic);
    if (!t)
        return -1;
    strand_topic_partition *e = &l->v[l->n++];
    memset(e, 0, sizeof *e);
    e->topic = t;
    e->partition = partition;
    e->offset = offset;
    return 0;
}

void consumer_tplist_free(consumer_tplist *l) {
    for (size_t i = 0; i < l->n; i++)
        free((char *)l->v[i].topic);
    free(l->v);
    memset(l, 0, sizeof *l);
}

long consumer_tplist_find(const consumer_tplist *l, const char *topic, int32_t partition) {
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].partition == partition && strcmp(l->v[i].topic, topic) == 0)
            return (long)i;
    return -1;
}

void consumer_gevent_free(consumer_gevent *ev) {
    if (!ev)
        return;
    consumer_tplist_free(&ev->parts);
    free(ev);
}

void consumer_gop_free(consumer_gop *op) {
    if (!op)
        return;
    consumer_tplist_free(&op->parts);
    free(op);
}

/* Distinct topics of a list, in first-seen order (pointers into it). */
static size_t distinct_topics(const consumer_tplist *l, const char **out) {
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        size_t k = 0;
        while (k < n && strcmp(out[k], l->v[i].topic) != 0)
            k++;
        if (k == n)
            out[n++] = l->v[i].topic;
    }
    return n;
}

/* ------------------------------------------------------------------------ */
/* Completion */

void consumer_group_op_finish(consumer_group *g, consumer_gop *op, strand_err err) {
    strand_consumer *c = g->c;
    op->err = err;
    if (op->kind == CONSUMER_GOP_COMMIT && !err)
        for (size_t i = 0; i < op->parts.n; i++) {
            const strand_topic_partition *tp = &op->parts.v[i];
            long k = consumer_tplist_find(&g->committed, tp->topic, tp->partition);
            if (k >= 0)
                g->committed.v[k].offset = tp->offset;
            else
                consumer_tplist_add(&g->committed, tp->topic, tp->partition, tp->offset);
        }
    if (op->auto_commit)
        g->autocommit_inflight = 0;
    if (op->internal_done) {
        op->internal_done(g, op);
        consumer_gop_free(op);
        return;
    }
    if (op->async) {
        if (err && err != STRAND_ERR_CLOSED)
            client_log(g->core, STRAND_LOG_WARNING, "group %s: %scommit failed: %s",
                       g->conf->group_id, op->auto_commit ? "auto-" : "", strand_err_str(err));
        consumer_gevent *ev = g->conf->offset_commit_cb ? calloc(1, sizeof *ev) : NULL;
        if (ev) {
            ev->kind = CONSUMER_GEV_COMMIT;
            ev->err = err;
            ev->parts = op->parts;
            memset(&op->parts, 0, sizeof op->parts);
            consumer_group_event_push(c, ev);
        }
        consumer_gop_free(op);
        return;
    }
    pthread_mutex_lock(&c->lock);
    op->done = 1;
    pthread_cond_broadcast(&c->ready);
    pthread_mutex_unlock(&c->lock);
}

/* Back to the waiting list after a coordinator error, or give up. */
static void op_retry(consumer_group *g, consumer_gop *op, strand_err err, const char *why) {
    consumer_group_coord_lost(g, why);
    if (++op->retries > OP_MAX_RETRIES || consumer_group_closing(g)) {
        consumer_group_op_finish(g, op, err);
        return;
    }
    op->next = NULL;
    if (g->ops_tail)
        g->ops_tail->next = op;
    else
        g->ops_head = op;
    g->ops_tail = op;
}

/* ------------------------------------------------------------------------ */
/* OffsetCommit */

static void encode_commit(wire_writer *w, int16_t version, void *arg) {
    consumer_gop *op = arg;
    consumer_group *g = op->g;
    const char **topics = calloc(op->parts.n ? op->parts.n : 1, sizeof *topics);
    proto_offset_commit_req_topic *ts = calloc(op->parts.n ? op->parts.n : 1, sizeof *ts);
    proto_offset_commit_req_partition *ps = calloc(op->parts.n ? op->parts.n : 1, sizeof *ps);
    if (!topics || !ts || !ps) {
        w->err = WIRE_ERR_NOMEM;
        goto out;
    }
    size_t nt = distinct_topics(&op->parts, topics), k = 0;
    for (size_t t = 0; t < nt; t++) {
        ts[t].name = wire_str_from(topics[t]);
        ts[t].partitions = &ps[k];
        for (size_t i = 0; i < op->parts.n; i++) {
            if (strcmp(op->parts.v[i].topic, topics[t]) != 0)
                continue;
            proto_offset_commit_req_partition *p = &ps[k++];
            p->partition_index = op->parts.v[i].partition;
            p->committed_offset = op->parts.v[i].offset;
            p->committed_leader_epoch = -1;
            p->commit_timestamp = -1;
            p->committed_metadata = wire_str_from("");
            ts[t].partition_count++;
        }
    }
    int member = g->generation >= 0 && g->member_id[0];
    proto_offset_commit_req req = {0};
    req.group_id = wire_str_from(g->conf->group_id);
    req.generation_id = member ? g->generation : -1;
    req.member_id = wire_str_from(member ? g->member_id : "");
    req.group_instance_id = member && g->conf->group_instance_id[0]
                                ? wire_str_from(g->conf->group_instance_id)
                                : WIRE_STR_NULL;
    req.retention_time_ms = -1;
    req.topic_count = (int32_t)nt;
    req.topics = ts;
    proto_offset_commit_req_encode(w, version, &req);
out:
    free(topics);
    free(ts);
    free(ps);
}

static void on_commit(client *core, client_response *res, void *arg) {
    consumer_gop *op = arg;
    consumer_group *g = op->g;
    (void)core;
    if (res->err == STRAND_ERR_CLOSED) {
        consumer_group_op_finish(g, op, STRAND_ERR_CLOSED);
        return;
    }
    wire_arena a;
    wire_arena_init(&a);
    proto_offset_commit_resp resp = {0};
    strand_err err = res->err;
    if (!err) {
        wire_reader rd;
        wire_reader_init(&rd, res->body, res->len);
        if (proto_offset_commit_resp_decode(&rd, res->version, &a, &resp) != 0)
            err = STRAND_ERR_BAD_MSG;
    }
    int16_t code = 0;
    for (int32_t t = 0; !err && t < resp.topic_count && !code; t++)
        for (int32_t k = 0; k < resp.topics[t].partition_count && !code; k++)
            code = resp.topics[t].partitions[k].error_code;
    wire_arena_free(&a);
    if (err == STRAND_ERR_TRANSPORT || err == STRAND_ERR_TIMED_OUT ||
        code == KAFKA_NOT_COORDINATOR || code == KAFKA_COORDINATOR_NOT_AVAILABLE ||
        code == KAFKA_COORDINATOR_LOAD_IN_PROGRESS) {
        op_retry(g, op, err ? err : STRAND_ERR_KAFKA(code),
                 err ? strand_err_str(err) : kafka_error_name(code));
        consumer_group_step(g);
        return;
    }
    if (code == KAFKA_REBALANCE_IN_PROGRESS || code == KAFKA_ILLEGAL_GENERATION ||
        code == KAFKA_UNKNOWN_MEMBER_ID)
        consumer_group_member_error(g, code);
    consumer_group_op_finish(g, op, err ? err : STRAND_ERR_KAFKA(code));
    consumer_group_step(g);
}

/* ------------------------------------------------------------------------ */
/* OffsetFetch */

static void encode_fetch(wire_writer *w, int16_t version, void *arg) {
    consumer_gop *op = arg;
    const char **topics = calloc(op->parts.n ? op->parts.n : 1, sizeof *topics);
    proto_offset_fetch_req_topic *ts = calloc(op->parts.n ? op->parts.n : 1, sizeof *ts);
    int32_t *ps = calloc(op->parts.n ? op->parts.n : 1, sizeof *ps);
    if (!topics || !ts || !ps) {
        w->err = WIRE_ERR_NOMEM;
        goto out;
    }
    size_t nt = distinct_topics(&op->parts, topics), k = 0;
    for (size_t t = 0; t < nt; t++) {
        ts[t].name = wire_str_from(topics[t]);
        ts[t].partitions = &ps[k];
        for (size_t i = 0; i < op->parts.n; i++)
            if (strcmp(op->parts.v[i].topic, topics[t]) == 0) {
                ps[k++] = op->parts.v[i].partition;
                ts[t].partition_count++;
            }
    }
    proto_offset_fetch_req req = {0};
    req.group_id = wire_str_from(op->g->conf->group_id);
    req.topic_count = (int32_t)nt;
    req.topics = ts;
    req.require_stable = 0;
    proto_offset_fetch_req_encode(w, version, &req);
out:
    free(topics);
    free(ts);
    free(ps);
}

static void on_fetch(client *core, client_response *res, void *arg) {
    consumer_gop *op = arg;
    consumer_group *g = op->g;
    (void)core;
    if (res->err == STRAND_ERR_CLOSED) {
        consumer_group_op_finish(g, op, STRAND_ERR_CLOSED);
        return;
    }
    wire_arena a;
    wire_arena_init(&a);
    proto_offset_fetch_resp resp = {0};
    strand_err err = res->err;
    if (!err) {
        wire_reader rd;
        wire_reader_init(&rd, res->body, res->len);
        if (proto_offset_fetch_resp_decode(&rd, res->version, &a, &resp) != 0)
            err = STRAND_ERR_BAD_MSG;
    }
    int16_t code = err ? 0 : resp.error_code;
    for (size_t i = 0; !err && !code && i < op->parts.n; i++) {
        strand_topic_partition *tp = &op->parts.v[i];
        tp->offset = STRAND_OFFSET_INVALID;
        for (int32_t t = 0; t < resp.topic_count; t++) {
            if (!wire_str_eq(resp.topics[t].name, tp->topic))
                continue;
            for (int32_t k = 0; k < resp.topics[t].partition_count; k++) {
                const proto_offset_fetch_resp_partition *p = &resp.topics[t].partitions[k];
                if (p->partition_index != tp->partition)
                    continue;
                if (p->error_code && !code)
                    code = p->error_code;
                else if (p->committed_offset >= 0)
                    tp->offset = p->committed_offset;
            }
        }
    }
    wire_arena_free(&a);
    if (err == STRAND_ERR_TRANSPORT || err == STRAND_ERR_TIMED_OUT ||
        code == KAFKA_NOT_COORDINATOR || code == KAFKA_COORDINATOR_NOT_AVAILABLE ||
        code == KAFKA_COORDINATOR_LOAD_IN_PROGRESS || code == 88 /* UNSTABLE_OFFSET_COMMIT */) {
        op_retry(g, op, err ? err : STRAND_ERR_KAFKA(code),
                 err ? strand_err_str(err) : kafka_error_name(code));
        consumer_group_step(g);
        return;
    }
    if (err || code)
        for (size_t i = 0; i < op->parts.n; i++)
            op->parts.v[i].offset = STRAND_OFFSET_INVALID;
    consumer_group_op_finish(g, op, err ? err : STRAND_ERR_KAFKA(code));
    consumer_group_step(g);
}

/* ------------------------------------------------------------------------ */
/* Sending */

static void op_send(consumer_group *g, consumer_gop *op) {
    strand_err err = op->kind == CONSUMER_GOP_COMMIT
                         ? group_send(g, g->coord_conn, KAFKA_API_OFFSET_COMMIT, 2, 7, 0,
                                      encode_commit, on_commit, op)
                         : group_send(g, g->coord_conn, KAFKA_API_OFFSET_FETCH, 1, 7, 0,
                                      encode_fetch, on_fetch, op);
    if (err != STRAND_OK)
        consumer_group_op_finish(g, op, err);
}

void consumer_group_op_start(consumer_group *g, consumer_gop *op) {
    op->g = g;
    if (op->parts.n == 0) {
        consumer_group_op_finish(g, op, STRAND_OK);
        return;
    }
    op->next = NULL;
    if (g->ops_tail)
        g->ops_tail->next = op;
    else
        g->ops_head = op;
    g->ops_tail = op;
}

int64_t consumer_group_ops_service(consumer_group *g, int64_t now) {
    int64_t due = INT64_MAX;
    consumer_gop *list = g->ops_head;
    g->ops_head = g->ops_tail = NULL;
    while (list) {
        consumer_gop *op = list;
        list = op->next;
        op->next = NULL;
        if (g->coord >= 0) {
            op_send(g, op);
        } else if (now >= op->deadline_ms) {
            consumer_group_op_finish(g, op, STRAND_ERR_TIMED_OUT);
        } else {
            if (op->deadline_ms < due)
                due = op->deadline_ms;
            if (g->ops_tail)
                g->ops_tail->next = op;
            else
                g->ops_head = op;
            g->ops_tail = op;
        }
    }
    return due;
}

void consumer_group_auto_commit(consumer_group *g) {
    strand_consumer *c = g->c;
    if (g->autocommit_inflight)
        return;
    consumer_gop *op = calloc(1, sizeof *op);
    if (!op)
        return;
    op->g = g;
    op->kind = CONSUMER_GOP_COMMIT;
    op->async = 1;
    op->auto_commit = 1;
    op->deadline_ms = client_now_ms() + g->conf->request_timeout_ms;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->pset.count; i++) {
        const consumer_part *p = c->pset.parts[i];
        if (p->position < 0)
            continue;
        long k = consumer_tplist_find(&g->committed, p->topic, p->partition);
        if (k >= 0 && g->committed.v[k].offset == p->position)
            continue;
        if (consumer_tplist_add(&op->parts, p->topic, p->partition, p->position) != 0)
            break;
    }
    pthread_mutex_unlock(&c->lock);
    if (op->parts.n == 0) {
        consumer_gop_free(op);
        return;
    }
    g->autocommit_inflight = 1;
    consumer_group_op_start(g, op);
}
