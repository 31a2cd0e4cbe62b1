/*
 * group.c - the consumer group member's state machine on the I/O thread:
 * coordinator lookup, subscription resolution, JoinGroup / SyncGroup with
 * the leader's assignment, heartbeats, topic watching, max.poll.interval.ms
 * and leaving (the classic protocol with eager rebalancing; see group.h).
 *
 * The machine is level-triggered: every answer, timer tick and request of
 * the application ends in consumer_group_step(), which looks at the state
 * and sends whatever is due next, then arms the one timer for the earliest
 * deadline (heartbeat, auto-commit, topic refresh, backoff, poll interval).
 * Answers carry the membership sequence (`seq`) they were sent under; any
 * reset (rejoin, coordinator change) bumps it, so a late answer of an
 * abandoned join or sync changes nothing.
 *
 *   IDLE -subscribe-> INIT -(revocation acked, coordinator known)-> META
 *   META -(subscription resolved)-> JOINING -(follower)-> SYNCING
 *                                           -(leader)-> LEADER_META -> SYNCING
 *   SYNCING -> OFFSETS (committed offsets of the assignment) -> STABLE
 *   STABLE -(REBALANCE_IN_PROGRESS, topics changed)-> INIT (revoke first)
 *   any -(ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID)-> INIT (assignment lost)
 *   any -(no poll for max.poll.interval.ms)-> LEFT -(next poll)-> INIT
 */
#include <stdlib.h>
#include <string.h>

#include "consumer/consumer_int.h"
#include "consumer/group.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

void group_strv_free(char **v, size_t n) {
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

int group_strv_has(char *const *v, size_t n, const char *s) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

/* Append a copy of s unless present. 0 or -1 (no memory). */
int group_strv_add(char ***v, size_t *n, const char *s) {
    if (group_strv_has(*v, *n, s))
        return 0;
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv)
        return -1;
    *v = nv;
    if (!(nv[*n] = strdup(s)))
        return -1;
    (*n)++;
    return 0;
}

void group_req_free(greq *r) {
    if (!r)
        return;
    free(r->blob);
    group_strv_free(r->topics, r->ntopics);
    for (size_t i = 0; i < r->nassign; i++)
        free(r->assign[i]);
    free(r->assign);
    free(r->assign_len);
    free(r);
}

greq *group_req_new(consumer_group *g) {
    greq *r = calloc(1, sizeof *r);
    if (r) {
        r->g = g;
        r->seq = g->seq;
    }
    return r;
}

strand_err group_send(consumer_group *g, int32_t node, int16_t api_key, int16_t min_version,
                      int16_t max_version, int32_t timeout_ms, client_encode_fn encode,
                      client_response_cb cb, void *arg) {
    return client_send_call(g->core, node, api_key, min_version, max_version, timeout_ms, encode,
                            cb, arg);
}

int64_t group_backoff(const consumer_group *g) {
    return g->conf->retry_backoff_ms > 0 ? g->conf->retry_backoff_ms : 100;
}

int consumer_group_closing(consumer_group *g) {
    pthread_mutex_lock(&g->c->lock);
    int cl = g->c->closing;
    pthread_mutex_unlock(&g->c->lock);
    return cl;
}

void group_members_free(consumer_group *g) {
    for (size_t i = 0; i < g->nmembers; i++) {
        free(g->members[i].member_id);
        free(g->members[i].instance_id);
        group_strv_free(g->members[i].topics, g->members[i].ntopics);
    }
    free(g->members);
    g->members = NULL;
    g->nmembers = 0;
}

void group_snap_free(consumer_group *g) {
    for (size_t i = 0; i < g->nsnap; i++)
        free((char *)g->snap[i].name);
    free(g->snap);
    g->snap = NULL;
    g->nsnap = 0;
}

/* ------------------------------------------------------------------------ */
/* Lifetime */

consumer_group *consumer_group_new(strand_consumer *c) {
    consumer_group *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->c = c;
    g->core = c->core;
    g->conf = c->conf;
    g->coord = -1;
    g->generation = -1;
    g->member_id = strdup("");
    if (!g->member_id) {
        free(g);
        return NULL;
    }
    /* partition.assignment.strategy was validated by the conf. */
    const char *p = g->conf->assignment_strategy;
    while (*p && g->nassignors < 2) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        size_t n = strcspn(p, ", \t");
        if (n) {
            char *name = strndup(p, n);
            if (!name) {
                consumer_group_free(g);
                return NULL;
            }
            g->assignors[g->nassignors++] = name;
        }
        p += n;
    }
    return g;
}

static void subscription_clear(consumer_group *g) {
    group_strv_free(g->literals, g->nliterals);
    g->literals = NULL;
    g->nliterals = 0;
    for (size_t i = 0; i < g->nregexes; i++)
        regfree(&g->regexes[i]);
    free(g->regexes);
    g->regexes = NULL;
    g->nregexes = 0;
}

void consumer_group_free(consumer_group *g) {
    if (!g)
        return;
    for (size_t i = 0; i < g->nassignors; i++)
        free(g->assignors[i]);
    subscription_clear(g);
    free(g->member_id);
    free(g->protocol);
    consumer_tplist_free(&g->owned);
    consumer_tplist_free(&g->committed);
    group_strv_free(g->my_topics, g->nmy);
    group_snap_free(g);
    group_members_free(g);
    while (g->ops_head) {
        consumer_gop *op = g->ops_head;
        g->ops_head = op->next;
        consumer_gop_free(op);
    }
    free(g);
}

static void on_timer(uv_timer_t *t) {
    consumer_group *g = t->data;
    g->timer_due = 0;
    consumer_group_step(g);
}

void consumer_group_setup(consumer_group *g) {
    uv_timer_init(client_loop(g->core), &g->timer);
    g->timer.data = g;
    g->timer_open = 1;
    consumer_group_step(g); /* arms auto-commit of manual assignments */
}

void consumer_group_teardown(consumer_group *g) {
    if (g->timer_open) {
        uv_timer_stop(&g->timer);
        uv_close((uv_handle_t *)&g->timer, NULL);
        g->timer_open = 0;
    }
}

/* ------------------------------------------------------------------------ */
/* Events for the application */

void consumer_group_event_push(strand_consumer *c, consumer_gevent *ev) {
    ev->next = NULL;
    pthread_mutex_lock(&c->lock);
    if (c->gev_tail)
        c->gev_tail->next = ev;
    else
        c->gev_head = ev;
    c->gev_tail = ev;
    pthread_cond_broadcast(&c->ready);
    pthread_mutex_unlock(&c->lock);
}

/* Report a group error once through poll (as an error message). */
void group_report(consumer_group *g, strand_err err) {
    if (g->reported == err)
        return;
    g->reported = err;
    consumer_item *it = consumer_error_new("", -1, -1, err);
    if (!it)
        return;
    pthread_mutex_lock(&g->c->lock);
    consumer_event_push(g->c, it);
    pthread_mutex_unlock(&g->c->lock);
}

/* Hand the current assignment back: a REVOKE event the application must
 * acknowledge before the next JoinGroup. */
static void revoke_owned(consumer_group *g, int lost) {
    if (g->owned.n == 0)
        return;
    consumer_gevent *ev = calloc(1, sizeof *ev);
    if (!ev) {
        /* No way to tell the application: it keeps fetching the old
         * partitions until the next assignment replaces them. */
        consumer_tplist_free(&g->owned);
        return;
    }
    ev->kind = CONSUMER_GEV_REVOKE;
    ev->lost = lost;
    ev->epoch = ++g->revoke_epoch;
    ev->parts = g->owned;
    memset(&g->owned, 0, sizeof g->owned);
    g->revoke_wait = 1;
    consumer_group_event_push(g->c, ev);
}

/* Start over: revoke what we own, drop join/sync state, back to INIT. */
void group_rejoin(consumer_group *g, const char *why, int lost) {
    client_log(g->core, STRAND_LOG_INFO, "group %s: rejoining (%s)", g->conf->group_id, why);
    g->seq++;
    g->hb_inflight = 0;
    g->hb_token++;
    g->meta_inflight = 0;
    revoke_owned(g, lost);
    if (g->state != GS_LEFT && g->state != GS_IDLE)
        g->state = GS_INIT;
}

void consumer_group_coord_lost(consumer_group *g, const char *why) {
    if (g->coord >= 0)
        client_log(g->core, STRAND_LOG_INFO, "group %s: coordinator %d lost (%s)",
                   g->conf->group_id, (int)g->coord, why);
    g->coord = -1;
    g->hb_inflight = 0;
    g->hb_token++;
    g->hb_due = 0;
    g->coord_retry_at = client_now_ms() + group_backoff(g);
    switch (g->state) {
    case GS_META:
    case GS_JOINING:
    case GS_LEADER_META:
    case GS_SYNCING:
        g->seq++;
        g->state = GS_INIT;
        break;
    default:
        break;
    }
}

void consumer_group_member_error(consumer_group *g, int16_t code) {
    switch (code) {
    case KAFKA_REBALANCE_IN_PROGRESS:
        if (g->state == GS_STABLE || g->state == GS_OFFSETS)
            group_rejoin(g, "the group is rebalancing", 0);
        break;
    case KAFKA_ILLEGAL_GENERATION:
        g->generation = -1;
        group_rejoin(g, "ILLEGAL_GENERATION", 1);
        break;
    case KAFKA_UNKNOWN_MEMBER_ID:
    case KAFKA_FENCED_INSTANCE_ID:
        free(g->member_id);
        g->member_id = strdup("");
        g->generation = -1;
        group_rejoin(g, kafka_error_name(code) ? kafka_error_name(code) : "member unknown", 1);
        break;
    case KAFKA_NOT_COORDINATOR:
    case KAFKA_COORDINATOR_NOT_AVAILABLE:
        consumer_group_coord_lost(g, kafka_error_name(code));
        break;
    default:
        break;
    }
}

int group_is_coord_error(strand_err err, int16_t code) {
    return err == STRAND_ERR_TRANSPORT || err == STRAND_ERR_TIMED_OUT ||
           code == KAFKA_NOT_COORDINATOR || code == KAFKA_COORDINATOR_NOT_AVAILABLE;
}

/* ------------------------------------------------------------------------ */
/* FindCoordinator */

static void encode_find(wire_writer *w, int16_t version, void *arg) {
    consumer_group *g = ((greq *)arg)->g;
    proto_find_coordinator_req req = {wire_str_from(g->conf->group_id), PROTO_COORDINATOR_GROUP};
    proto_find_coordinator_req_encode(w, version, &req);
}

static void on_find(client *core, client_response *res, void *arg) {
    greq *r = arg;
    consumer_group *g = r->g;
    (void)core;
    g->finding = 0;
    if (res->err == STRAND_ERR_CLOSED || consumer_group_closing(g)) {
        group_req_free(r);
        return;
    }
    wire_arena a;
    wire_arena_init(&a);
    proto_find_coordinator_resp resp = {0};
    strand_err err = res->err;
    if (!err) {
        wire_reader rd;
        wire_reader_init(&rd, res->body, res->len);
        if (proto_find_coordinator_resp_decode(&rd, res->version, &a, &resp) != 0)
            err = STRAND_ERR_BAD_MSG;
    }
    int32_t conn = -1;
    if (!err && resp.error_code == 0 && resp.node_id >= 0) {
        conn = client_node_alias(g->core, resp.node_id);
        if (conn == -1) {
            /* Not in our metadata yet: ask, and look again after a pause. */
            client_metadata_refresh(g->core, "group coordinator unknown");
            g->coord_retry_at = client_now_ms() + group_backoff(g);
        }
    }
    if (conn != -1) {
        g->coord = resp.node_id;
        g->coord_conn = conn;
        client_log(g->core, STRAND_LOG_DEBUG, "group %s: coordinator is node %d", g->conf->group_id,
                   (int)g->coord);
    } else if (!err && resp.error_code == 0 && resp.node_id >= 0) {
        /* retried once the metadata names the node */
    } else {
        g->coord_retry_at = client_now_ms() + group_backoff(g);
        if (!err && resp.error_code != KAFKA_COORDINATOR_NOT_AVAILABLE &&
            resp.error_code != KAFKA_COORDINATOR_LOAD_IN_PROGRESS &&
            resp.error_code != KAFKA_NOT_COORDINATOR)
            group_report(g, STRAND_ERR_KAFKA(resp.error_code));
        else if (err == STRAND_ERR_UNSUPPORTED)
            group_report(g, err);
    }
    wire_arena_free(&a);
    group_req_free(r);
    consumer_group_step(g);
}

static void on_md_ready(client *core, strand_err err, void *arg) {
    consumer_group *g = arg;
    (void)core;
    g->finding = 0;
    if (err != STRAND_ERR_CLOSED) {
        if (err)
            g->coord_retry_at = client_now_ms() + group_backoff(g);
        consumer_group_step(g);
    }
}

static void find_coordinator(consumer_group *g) {
    if (client_metadata_generation(g->core) == 0) {
        /* Broker ids come with the first metadata answer. */
        if (client_metadata_wait(g->core, on_md_ready, g) == STRAND_OK)
            g->finding = 1;
        else
            g->coord_retry_at = client_now_ms() + group_backoff(g);
        return;
    }
    greq *r = group_req_new(g);
    if (!r)
        return;
    if (group_send(g, CLIENT_NODE_ANY, KAFKA_API_FIND_COORDINATOR, 0, 2, 0, encode_find, on_find,
                   r) != STRAND_OK) {
        group_req_free(r);
        g->coord_retry_at = client_now_ms() + group_backoff(g);
        return;
    }
    g->finding = 1;
}

/* ------------------------------------------------------------------------ */
/* Heartbeat */

static void encode_heartbeat(wire_writer *w, int16_t version, void *arg) {
    consumer_group *g = ((greq *)arg)->g;
    proto_heartbeat_req req = {0};
    req.group_id = wire_str_from(g->conf->group_id);
    req.generation_id = g->generation;
    req.member_id = wire_str_from(g->member_id);
    req.group_instance_id =
        g->conf->group_instance_id[0] ? wire_str_from(g->conf->group_instance_id) : WIRE_STR_NULL;
    proto_heartbeat_req_encode(w, version, &req);
}

static void on_heartbeat(client *core, client_response *res, void *arg) {
    greq *r = arg;
    consumer_group *g = r->g;
    (void)core;
    if (res->err == STRAND_ERR_CLOSED || consumer_group_closing(g)) {
        group_req_free(r);
        return;
    }
    if (!g->hb_inflight || r->seq != g->hb_token) {
        group_req_free(r);
        consumer_group_step(g);
        return;
    }
    g->hb_inflight = 0;
    wire_arena a;
    wire_arena_init(&a);
    proto_heartbeat_resp resp = {0};
    strand_err err = res->err;
    if (!err) {
        wire_reader rd;
        wire_reader_init(&rd, res->body, res->len);
        if (proto_heartbeat_resp_decode(&rd, res->version, &a, &resp) != 0)
            err = STRAND_ERR_BAD_MSG;
    }
    int64_t now = client_now_ms();
    g->hb_due = now + g->conf->heartbeat_interval_ms;
    int16_t code = err ? -1 : resp.error_code;
    if (group_is_coord_error(err, code))
        consumer_group_coord_lost(g, err ? strand_err_str(err) : kafka_error_name(code));
    else if (code > 0)
        consumer_group_member_error(g, code);
    else if (err)
        g->hb_due = now + group_backoff(g);
    wire_arena_free(&a);
    group_req_free(r);
    consumer_group_step(g);
}

static void send_heartbeat(consumer_group *g) {
    greq *r = group_req_new(g);
    if (!r)
        return;
    r->seq = ++g->hb_token;
    if (group_send(g, g->coord_conn, KAFKA_API_HEARTBEAT, 0, 3, 0, encode_heartbeat, on_heartbeat,
                   r) != STRAND_OK) {
        group_req_free(r);
        g->hb_due = client_now_ms() + group_backoff(g);
        return;
    }
    g->hb_inflight = 1;
}

/* ------------------------------------------------------------------------ */
/* Leaving */

static void encode_leave(wire_writer *w, int16_t version, void *arg) {
    greq *r = arg;
    consumer_group *g = r->g;
    proto_leave_group_member m = {0};
    m.member_id = wire_str_from((const char *)r->blob);
    m.group_instance_id =
        g->conf->group_instance_id[0] ? wire_str_from(g->conf->group_instance_id) : WIRE_STR_NULL;
    proto_leave_group_req req = {0};
    req.group_id = wire_str_from(g->conf->group_id);
    req.member_id = m.member_id;
    req.member_count = 1;
    req.members = &m;
    proto_leave_group_req_encode(w, version, &req);
}

static void on_leave(client *core, client_response *res, void *arg) {
    greq *r = arg;
    consumer_gop *op = (consumer_gop *)(void *)r->topics; /* see send_leave */
    (void)core;
    r->topics = NULL;
    if (op)
        consumer_group_op_finish(r->g, op, res->err);
    group_req_free(r);
}

/* LeaveGroup for the current member (if any), completing `op` (may be
 * NULL) when answered. The member forgets its id and generation. */
static void send_leave(consumer_group *g, consumer_gop *op) {
    /* A static member (group.instance.id) never sends LeaveGroup, as the
     * Java client and librdkafka: restarted within session.timeout.ms it
     * gets its partitions back without a rebalance. */
    if (!g->member_id[0] || g->coord < 0 || g->conf->group_instance_id[0]) {
        if (op)
            consumer_group_op_finish(g, op, STRAND_OK);
        free(g->member_id);
        g->member_id = strdup("");
        g->generation = -1;
        return;
    }
    greq *r = group_req_new(g);
    if (!r) {
        if (op)
            consumer_group_op_finish(g, op, STRAND_ERR_NOMEM);
        return;
    }
    r->blob = (uint8_t *)g->member_id; /* the leaving id travels with the request */
    r->topics = (char **)(void *)op;   /* completion, taken by on_leave */
    g->member_id = strdup("");
    g->generation = -1;
    client_log(g->core, STRAND_LOG_INFO, "group %s: leaving", g->conf->group_id);
    if (group_send(g, g->coord_conn, KAFKA_API_LEAVE_GROUP, 0, 3, 0, encode_leave, on_leave, r) !=
        STRAND_OK) {
        r->topics = NULL;
        group_req_free(r);
        if (op)
            consumer_group_op_finish(g, op, STRAND_ERR_NOMEM);
    }
}

void consumer_group_leave(consumer_group *g, consumer_gop *op) {
    g->seq++;
    g->hb_inflight = 0;
    g->hb_token++;
    g->revoke_wait = 0;
    consumer_tplist_free(&g->owned);
    group_members_free(g);
    send_leave(g, op);
}

/* ------------------------------------------------------------------------ */
/* Requests of the application */

void consumer_group_post_subscription(client *core, void *arg) {
    consumer_gsub *s = arg;
    consumer_group *g = s->g;
    (void)core;
    subscription_clear(g);
    int ok = 1;
    if (s->n) {
        g->regexes = calloc(s->n, sizeof *g->regexes);
        ok = g->regexes != NULL;
    }
    for (size_t i = 0; ok && i < s->n; i++) {
        if (s->topics[i][0] == '^') {
            if (regcomp(&g->regexes[g->nregexes], s->topics[i], REG_EXTENDED | REG_NOSUB) == 0)
                g->nregexes++;
        } else if (group_strv_add(&g->literals, &g->nliterals, s->topics[i]) != 0) {
            ok = 0;
        }
    }
    group_strv_free(s->topics, s->n);
    int was = g->subscribed;
    g->subscribed = s->n > 0;
    free(s);
    if (!g->subscribed) {
        consumer_tplist_free(&g->owned); /* the application revoked already */
        g->state = GS_IDLE;
        g->seq++;
        return;
    }
    if (!was || g->state == GS_IDLE || g->state == GS_LEFT)
        g->state = GS_INIT;
    else
        group_rejoin(g, "subscription changed", 0);
    g->retry_at = 0;
    consumer_group_step(g);
}

void consumer_group_post_op(client *core, void *arg) {
    consumer_gop *op = arg;
    consumer_group *g = op->g;
    (void)core;
    if (op->kind == CONSUMER_GOP_LEAVE) {
        g->subscribed = 0;
        g->state = GS_IDLE;
        consumer_group_leave(g, op);
        return;
    }
    consumer_group_op_start(g, op);
    consumer_group_step(g);
}

void consumer_group_revoke_done(consumer_group *g, uint64_t epoch) {
    if (epoch == g->revoke_epoch)
        g->revoke_wait = 0;
    consumer_group_step(g);
}

/* ------------------------------------------------------------------------ */
/* The step */

static void leave_for_poll(consumer_group *g) {
    client_log(g->core, STRAND_LOG_WARNING,
               "group %s: no poll for max.poll.interval.ms (%d ms): leaving the group",
               g->conf->group_id, (int)g->conf->max_poll_interval_ms);
    g->reported = STRAND_OK;
    group_report(g, STRAND_ERR_MAX_POLL_EXCEEDED);
    g->reported = STRAND_OK;
    revoke_owned(g, 1);
    consumer_group_leave(g, NULL);
    g->state = GS_LEFT;
    pthread_mutex_lock(&g->c->lock);
    g->c->group_left = 1;
    pthread_mutex_unlock(&g->c->lock);
}

static int64_t min64(int64_t a, int64_t b) {
    return a < b ? a : b;
}

void consumer_group_step(consumer_group *g) {
    if (consumer_group_closing(g))
        return;
    int64_t now = client_now_ms();
    int64_t due = INT64_MAX;

    pthread_mutex_lock(&g->c->lock);
    int in_poll = g->c->in_poll;
    int64_t last_poll = g->c->last_poll_ms;
    int resume = g->c->group_resume;
    g->c->group_resume = 0;
    pthread_mutex_unlock(&g->c->lock);

    if (resume && g->state == GS_LEFT && g->subscribed) {
        g->state = GS_INIT;
        g->retry_at = 0;
    }
    int need_coord = (g->subscribed && g->state != GS_LEFT) || g->ops_head;
    if (need_coord && g->coord < 0 && !g->finding) {
        if (now >= g->coord_retry_at)
            find_coordinator(g);
        if (!g->finding)
            due = min64(due, g->coord_retry_at > now ? g->coord_retry_at : now + group_backoff(g));
    }
    due = min64(due, consumer_group_ops_service(g, now));

    int member = g->subscribed && g->state != GS_IDLE && g->state != GS_LEFT;
    if (member && !in_poll) {
        int64_t limit = last_poll + g->conf->max_poll_interval_ms;
        if (now >= limit) {
            leave_for_poll(g);
            member = 0;
        } else {
            due = min64(due, limit);
        }
    }
    if (member && g->coord >= 0) {
        if (g->state == GS_INIT && !g->revoke_wait) {
            if (now >= g->retry_at) {
                if (group_send_subscription_metadata(g, META_SUBSCRIBE) == 0)
                    g->state = GS_META;
                else
                    g->retry_at = now + group_backoff(g);
            }
            if (g->state == GS_INIT)
                due = min64(due, g->retry_at);
        }
        /* Heartbeats keep the session alive whenever there is a
         * generation, also while the application handles a revocation. */
        int hb_state = g->state == GS_STABLE || g->state == GS_OFFSETS || g->state == GS_INIT ||
                       g->state == GS_META;
        if (hb_state && g->generation >= 0 && g->member_id[0] && !g->hb_inflight) {
            if (now >= g->hb_due)
                send_heartbeat(g);
            else
                due = min64(due, g->hb_due);
        }
        if (g->state == GS_STABLE && g->conf->enable_auto_commit) {
            if (now >= g->commit_due) {
                consumer_group_auto_commit(g);
                g->commit_due = now + g->conf->auto_commit_interval_ms;
            }
            due = min64(due, g->commit_due);
        }
        if (g->state == GS_STABLE && !g->meta_inflight) {
            if (now >= g->meta_due) {
                if (group_send_subscription_metadata(g, META_WATCH) == 0)
                    g->meta_inflight = 1;
                else
                    g->meta_due = now + group_backoff(g);
            }
            if (!g->meta_inflight)
                due = min64(due, g->meta_due);
        }
    }
    if (!g->subscribed && g->conf->enable_auto_commit) {
        /* Manually assigned partitions of a consumer with a group.id are
         * auto-committed too (as a standalone member: generation -1). */
        if (now >= g->commit_due) {
            consumer_group_auto_commit(g);
            g->commit_due = now + g->conf->auto_commit_interval_ms;
        }
        due = min64(due, g->commit_due);
    }
    if (due != INT64_MAX && g->timer_open && (!g->timer_due || due < g->timer_due)) {
        g->timer_due = due;
        uv_timer_start(&g->timer, on_timer, (uint64_t)(due > now ? due - now : 0), 0);
    }
}
