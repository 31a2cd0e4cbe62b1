/*
 * group_join.c - the rebalance half of the group member (I/O thread):
 * resolving the subscription against metadata (regexes included) and
 * watching it, JoinGroup, the leader's assignment (assignor.c) over every
 * member's subscription, SyncGroup, and the OffsetFetch that gives the new
 * partitions their committed start offsets before the assignment goes to
 * the application. group.c drives these from consumer_group_step.
 */
#include <stdlib.h>
#include <string.h>

#include "consumer/consumer_int.h"
#include "consumer/group.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

/* ------------------------------------------------------------------------ */
/* Metadata: resolving the subscription and watching its topics */

static void encode_metadata(wire_writer *w, int16_t version, void *arg) {
    greq *r = arg;
    proto_metadata_req req = {0};
    wire_str *names = NULL;
    if (r->topics) {
        names = calloc(r->ntopics ? r->ntopics : 1, sizeof *names);
        if (!names) {
            w->err = WIRE_ERR_NOMEM;
            return;
        }
        for (size_t i = 0; i < r->ntopics; i++)
            names[i] = wire_str_from(r->topics[i]);
        req.topic_count = (int32_t)r->ntopics;
        req.topics = names;
    } else {
        req.topic_count = -1; /* every topic: regexes are matched here */
    }
    req.allow_auto_topic_creation = 0; /* subscribing never creates topics */
    proto_metadata_req_encode(w, version, &req);
    free(names);
}

static int regex_match(const consumer_group *g, const char *topic) {
    for (size_t i = 0; i < g->nregexes; i++)
        if (regexec(&g->regexes[i], topic, 0, NULL, 0) == 0)
            return 1;
    return 0;
}

/* The partition count of `topic` in the answer (0: unknown or failing). */
static int32_t md_count(const proto_metadata_resp *m, const char *topic) {
    for (int32_t i = 0; i < m->topic_count; i++)
        if (wire_str_eq(m->topics[i].name, topic))
            return m->topics[i].error_code == 0 ? m->topics[i].partition_count : 0;
    return 0;
}

/* My subscription against this answer: literals plus regex matches
 * (internal topics excluded), sorted. */
static int resolve_subscription(const consumer_group *g, const proto_metadata_resp *m, char ***out,
                                size_t *nout) {
    char **v = NULL;
    size_t n = 0;
    for (size_t i = 0; i < g->nliterals; i++)
        if (group_strv_add(&v, &n, g->literals[i]) != 0)
            goto fail;
    for (int32_t i = 0; g->nregexes && i < m->topic_count; i++) {
        const proto_metadata_topic *t = &m->topics[i];
        if (t->error_code != 0 || t->is_internal || t->name.len <= 0)
            continue;
        char *name = wire_str_dup(t->name);
        if (!name)
            goto fail;
        int ok = strncmp(name, "__", 2) != 0 && regex_match(g, name);
        int rc = ok ? group_strv_add(&v, &n, name) : 0;
        free(name);
        if (rc != 0)
            goto fail;
    }
    for (size_t i = 1; i < n; i++) /* insertion sort: short lists */
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    *out = v;
    *nout = n;
    return 0;
fail:
    group_strv_free(v, n);
    return -1;
}

/* The topics this member watches: its own, plus (leader) every member's. */
static int watched_topics(const consumer_group *g, char *const *mine, size_t nmine, char ***out,
                          size_t *nout) {
    char **v = NULL;
    size_t n = 0;
    for (size_t i = 0; i < nmine; i++)
        if (group_strv_add(&v, &n, mine[i]) != 0)
            goto fail;
    for (size_t k = 0; g->leader && k < g->nmembers; k++)
        for (size_t i = 0; i < g->members[k].ntopics; i++)
            if (group_strv_add(&v, &n, g->members[k].topics[i]) != 0)
                goto fail;
    *out = v;
    *nout = n;
    return 0;
fail:
    group_strv_free(v, n);
    return -1;
}

static int snap_build(const proto_metadata_resp *m, char *const *topics, size_t n,
                      assignor_topic **out) {
    assignor_topic *s = calloc(n ? n : 1, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < n; i++) {
        s[i].partitions = md_count(m, topics[i]);
        if (!(s[i].name = strdup(topics[i]))) {
            for (size_t j = 0; j < i; j++)
                free((char *)s[j].name);
            free(s);
            return -1;
        }
    }
    *out = s;
    return 0;
}

static int snap_equal(const assignor_topic *a, size_t na, const assignor_topic *b, size_t nb) {
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++) {
        size_t j = 0;
        while (j < nb && strcmp(a[i].name, b[j].name) != 0)
            j++;
        if (j == nb || a[i].partitions != b[j].partitions)
            return 0;
    }
    return 1;
}

static void send_join(consumer_group *g);
static void leader_assign(consumer_group *g, const proto_metadata_resp *m);

static void on_metadata(client *core, client_response *res, void *arg) {
    greq *r = arg;
    consumer_group *g = r->g;
    (void)core;
    if (res->err == STRAND_ERR_CLOSED || consumer_group_closing(g)) {
        group_req_free(r);
        return;
    }
    int purpose = r->purpose;
    if (purpose == META_WATCH)
        g->meta_inflight = 0;
    if (r->seq != g->seq) {
        group_req_free(r);
        consumer_group_step(g);
        return;
    }
    wire_arena a;
    wire_arena_init(&a);
    proto_metadata_resp m = {0};
    strand_err err = res->err;
    if (!err) {
        wire_reader rd;
        wire_reader_init(&rd, res->body, res->len);
        if (proto_metadata_resp_decode(&rd, res->version, &a, &m) != 0)
            err = STRAND_ERR_BAD_MSG;
    }
    int64_t now = client_now_ms();
    if (err) {
        if (purpose != META_WATCH) {
            g->state = GS_INIT;
            g->seq++;
            g->retry_at = now + group_backoff(g);
        }
        g->meta_due = now + group_backoff(g);
    } else if (purpose == META_SUBSCRIBE) {
        char **mine = NULL;
        size_t nmine = 0;
        if (resolve_subscription(g, &m, &mine, &nmine) == 0) {
            group_strv_free(g->my_topics, g->nmy);
            g->my_topics = mine;
            g->nmy = nmine;
            group_snap_free(g);
            if (snap_build(&m, mine, nmine, &g->snap) == 0)
                g->nsnap = nmine;
            send_join(g);
        } else {
            g->state = GS_INIT;
            g->retry_at = now + group_backoff(g);
        }
    } else if (purpose == META_LEADER) {
        leader_assign(g, &m);
    } else if (g->state == GS_STABLE) {
        /* META_WATCH: a rebalance when the matched topics or a watched
         * topic's partition count changed since the join. */
        char **mine = NULL, **watch = NULL;
        size_t nmine = 0, nwatch = 0;
        assignor_topic *s = NULL;
        if (resolve_subscription(g, &m, &mine, &nmine) == 0 &&
            watched_topics(g, mine, nmine, &watch, &nwatch) == 0 &&
            snap_build(&m, watch, nwatch, &s) == 0) {
            int same_mine = nmine == g->nmy;
            for (size_t i = 0; same_mine && i < nmine; i++)
                same_mine = group_strv_has(g->my_topics, g->nmy, mine[i]);
            if (!same_mine || !snap_equal(s, nwatch, g->snap, g->nsnap))
                group_rejoin(g, "subscribed topics changed", 0);
        }
        for (size_t i = 0; s && i < nwatch; i++)
            free((char *)s[i].name);
        free(s);
        group_strv_free(mine, nmine);
        group_strv_free(watch, nwatch);
        g->meta_due = now + g->conf->topic_metadata_refresh_interval_ms;
    }
    wire_arena_free(&a);
    group_req_free(r);
    consumer_group_step(g);
}

/* Ask for `topics` (copied; NULL: every topic). */
static int send_metadata(consumer_group *g, int purpose, char *const *topics, size_t n) {
    greq *r = group_req_new(g);
    if (!r)
        return -1;
    r->purpose = purpose;
    if (topics) {
        r->topics = calloc(n ? n : 1, sizeof *r->topics);
        if (!r->topics) {
            group_req_free(r);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            if (!(r->topics[i] = strdup(topics[i]))) {
                group_req_free(r);
                return -1;
            }
            r->ntopics++;
        }
    }
    if (group_send(g, CLIENT_NODE_ANY, KAFKA_API_METADATA, 1, 8, 0, encode_metadata, on_metadata,
                   r) != STRAND_OK) {
        group_req_free(r);
        return -1;
    }
    return 0;
}

/* Metadata for the subscription: all topics when a regex is involved. */
int group_send_subscription_metadata(consumer_group *g, int purpose) {
    if (g->nregexes)
        return send_metadata(g, purpose, NULL, 0);
    char **watch = NULL;
    size_t nwatch = 0;
    char *const *mine = purpose == META_SUBSCRIBE ? g->literals : g->my_topics;
    size_t nmine = purpose == META_SUBSCRIBE ? g->nliterals : g->nmy;
    if (watched_topics(g, mine, nmine, &watch, &nwatch) != 0)
        return -1;
    int rc = send_metadata(g, purpose, watch, nwatch);
    group_strv_free(watch, nwatch);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* JoinGroup */

/* The coordinator holds JoinGroup and SyncGroup up to the rebalance timeout. */
static int32_t rebalance_wait_ms(const consumer_group *g) {
    int64_t t = (int64_t)g->conf->max_poll_interval_ms + 5000;
    return t > INT32_MAX ? INT32_MAX : (int32_t)t;
}

/* A JoinGroup/SyncGroup answer the group has moved past (closing, newer
 * sequence, other state): free the request, step on unless closing. 1 when
 * dropped. */
static int drop_stale(const client_response *res, greq *r, int state) {
    consumer_group *g = r->g;
    if (res->err != STRAND_ERR_CLOSED && !consumer_group_closing(g) && r->seq == g->seq &&
        g->state == state)
        return 0;
    group_req_free(r);
    if (res->err != STRAND_ERR_CLOSED && !consumer_group_closing(g))
        consumer_group_step(g);
    return 1;
}

static void encode_join(wire_writer *w, int16_t version, void *arg) {
    greq *r = arg;
    consumer_group *g = r->g;
    proto_join_group_protocol protos[2];
    proto_join_group_req req = {0};
    req.group_id = wire_str_from(g->conf->group_id);
    req.session_timeout_ms = g->conf->session_timeout_ms;
    req.rebalance_timeout_ms = g->conf->max_poll_interval_ms;
    req.member_id = wire_str_from(g->member_id);
    req.group_instance_id =
        g->conf->group_instance_id[0] ? wire_str_from(g->conf->group_instance_id) : WIRE_STR_NULL;
    req.protocol_type = wire_str_from(PROTO_CONSUMER_PROTOCOL_TYPE);
    for (size_t i = 0; i < g->nassignors; i++) {
        protos[i].name = wire_str_from(g->assignors[i]);
        protos[i].metadata.ptr = r->blob;
        protos[i].metadata.len = (int32_t)r->blob_len;
    }
    req.protocol_count = (int32_t)g->nassignors;
    req.protocols = protos;
    proto_join_group_req_encode(w, version, &req);
}

static int decode_members(consumer_group *g, const proto_join_group_resp *resp) {
    group_members_free(g);
    if (resp->member_count <= 0)
        return 0;
    g->members = calloc((size_t)resp->member_count, sizeof *g->members);
    if (!g->members)
        return -1;
    for (int32_t i = 0; i < resp->member_count; i++) {
        const proto_join_group_member *jm = &resp->members[i];
        consumer_gmember *m = &g->members[g->nmembers++];
        m->member_id = wire_str_dup(jm->member_id);
        m->instance_id = jm->group_instance_id.len > 0 ? wire_str_dup(jm->group_instance_id) : NULL;
        if (!m->member_id)
            return -1;
        wire_arena a;
        wire_arena_init(&a);
        wire_reader rd;
        wire_reader_init(&rd, jm->metadata.ptr,
                         jm->metadata.len > 0 ? (size_t)jm->metadata.len : 0);
        proto_consumer_subscription sub = {0};
        /* A member whose metadata does not decode subscribes to nothing. */
        if (jm->metadata.len > 0 && proto_consumer_subscription_decode(&rd, &a, &sub) == 0) {
            for (int32_t t = 0; t < sub.topic_count; t++) {
                char *name = wire_str_dup(sub.topics[t]);
                int rc = name ? group_strv_add(&m->topics, &m->ntopics, name) : -1;
                free(name);
                if (rc != 0) {
                    wire_arena_free(&a);
                    return -1;
                }
            }
        }
        wire_arena_free(&a);
    }
    return 0;
}

static void send_sync(consumer_group *g, greq *r);

static void on_join(client *core, client_response *res, void *arg) {
    greq *r = arg;
    consumer_group *g = r->g;
    (void)core;
    if (drop_stale(res, r, GS_JOINING))
        return;
    wire_arena a;
    wire_arena_init(&a);
    proto_join_group_resp resp = {0};
    strand_err err = res->err;
    if (!err) {
        wire_reader rd;
        wire_reader_init(&rd, res->body, res->len);
        if (proto_join_group_resp_decode(&rd, res->version, &a, &resp) != 0)
            err = STRAND_ERR_BAD_MSG;
    }
    int64_t now = client_now_ms();
    int16_t code = err ? -1 : resp.error_code;
    g->state = GS_INIT;
    g->seq++;
    if (group_is_coord_error(err, code)) {
        consumer_group_coord_lost(g, err ? strand_err_str(err) : kafka_error_name(code));
    } else if (err) {
        g->retry_at = now + group_backoff(g);
        group_report(g, err);
    } else if (code == KAFKA_MEMBER_ID_REQUIRED) {
        char *id = wire_str_dup(resp.member_id);
        if (id) {
            free(g->member_id);
            g->member_id = id;
        }
    } else if (code == KAFKA_UNKNOWN_MEMBER_ID) {
        free(g->member_id);
        g->member_id = strdup("");
    } else if (code == KAFKA_REBALANCE_IN_PROGRESS || code == KAFKA_ILLEGAL_GENERATION) {
        /* join again at once */
    } else if (code == KAFKA_COORDINATOR_LOAD_IN_PROGRESS) {
        g->retry_at = now + group_backoff(g);
    } else if (code != 0) {
        /* INCONSISTENT_GROUP_PROTOCOL, INVALID_SESSION_TIMEOUT, an
         * authorization or instance-id problem: tell the application and
         * keep trying slowly. */
        group_report(g, STRAND_ERR_KAFKA(code));
        g->retry_at = now + (group_backoff(g) * 10 > 1000 ? group_backoff(g) * 10 : 1000);
    } else {
        char *id = wire_str_dup(resp.member_id);
        char *proto = wire_str_dup(resp.protocol_name);
        if (!id || !proto) {
            free(id);
            free(proto);
            g->retry_at = now + group_backoff(g);
        } else {
            free(g->member_id);
            g->member_id = id;
            free(g->protocol);
            g->protocol = proto;
            g->generation = resp.generation_id;
            g->leader = wire_str_eq(resp.leader, g->member_id);
            g->reported = STRAND_OK;
            client_log(g->core, STRAND_LOG_INFO,
                       "group %s: joined generation %d as %s (%s, assignor %s)", g->conf->group_id,
                       (int)g->generation, g->member_id, g->leader ? "leader" : "follower",
                       g->protocol);
            if (g->leader) {
                if (decode_members(g, &resp) == 0 &&
                    group_send_subscription_metadata(g, META_LEADER) == 0)
                    g->state = GS_LEADER_META;
                else
                    g->retry_at = now + group_backoff(g);
            } else {
                group_members_free(g);
                g->state = GS_SYNCING;
                send_sync(g, NULL);
            }
        }
    }
    wire_arena_free(&a);
    group_req_free(r);
    consumer_group_step(g);
}

static void send_join(consumer_group *g) {
    greq *r = group_req_new(g);
    if (!r) {
        g->state = GS_INIT;
        g->retry_at = client_now_ms() + group_backoff(g);
        return;
    }
    wire_str *names = calloc(g->nmy ? g->nmy : 1, sizeof *names);
    wire_writer w;
    wire_writer_init(&w);
    if (names) {
        for (size_t i = 0; i < g->nmy; i++)
            names[i] = wire_str_from(g->my_topics[i]);
        proto_consumer_subscription sub = {0};
        sub.version = 0;
        sub.topic_count = (int32_t)g->nmy;
        sub.topics = names;
        sub.user_data = WIRE_BYTES_NULL;
        proto_consumer_subscription_encode(&w, &sub);
    }
    free(names);
    if (!names || w.err) {
        wire_writer_free(&w);
        group_req_free(r);
        g->state = GS_INIT;
        g->retry_at = client_now_ms() + group_backoff(g);
        return;
    }
    r->blob = wire_writer_take(&w, &r->blob_len);
    if (group_send(g, g->coord_conn, KAFKA_API_JOIN_GROUP, 0, 5, rebalance_wait_ms(g), encode_join,
                   on_join, r) != STRAND_OK) {
        group_req_free(r);
        g->state = GS_INIT;
        g->retry_at = client_now_ms() + group_backoff(g);
        return;
    }
    g->state = GS_JOINING;
}

/* ------------------------------------------------------------------------ */
/* Leader assignment and SyncGroup */

static void leader_assign(consumer_group *g, const proto_metadata_resp *m) {
    int64_t now = client_now_ms();
    char **watch = NULL;
    size_t nwatch = 0;
    assignor_topic *topics = NULL;
    assignor_member *am = calloc(g->nmembers ? g->nmembers : 1, sizeof *am);
    assignor_result *out = calloc(g->nmembers ? g->nmembers : 1, sizeof *out);
    greq *r = group_req_new(g);
    int ok = am && out && r && watched_topics(g, g->my_topics, g->nmy, &watch, &nwatch) == 0 &&
             snap_build(m, watch, nwatch, &topics) == 0;
    if (ok) {
        for (size_t i = 0; i < g->nmembers; i++) {
            am[i].member_id = g->members[i].member_id;
            am[i].group_instance_id = g->members[i].instance_id;
            am[i].topics = (const char *const *)g->members[i].topics;
            am[i].ntopics = g->members[i].ntopics;
        }
        int rc = assignor_run(g->protocol, am, g->nmembers, topics, nwatch, out);
        if (rc == -1) {
            client_log(g->core, STRAND_LOG_ERROR, "group %s: the group chose assignor %s",
                       g->conf->group_id, g->protocol);
            group_report(g, STRAND_ERR_UNSUPPORTED);
        }
        ok = rc == 0;
    }
    if (ok) {
        r->assign = calloc(g->nmembers ? g->nmembers : 1, sizeof *r->assign);
        r->assign_len = calloc(g->nmembers ? g->nmembers : 1, sizeof *r->assign_len);
        ok = r->assign && r->assign_len;
    }
    for (size_t i = 0; ok && i < g->nmembers; i++) {
        /* Group each member's partitions by topic (they come sorted). */
        proto_consumer_tp *tps = calloc(out[i].count ? out[i].count : 1, sizeof *tps);
        int32_t *parts = calloc(out[i].count ? out[i].count : 1, sizeof *parts);
        int32_t ntp = 0;
        for (size_t k = 0; tps && parts && k < out[i].count; k++) {
            if (!ntp || !wire_str_eq(tps[ntp - 1].topic, out[i].tps[k].topic)) {
                tps[ntp].topic = wire_str_from(out[i].tps[k].topic);
                tps[ntp].partitions = &parts[k];
                tps[ntp].partition_count = 0;
                ntp++;
            }
            tps[ntp - 1].partitions[tps[ntp - 1].partition_count++] = out[i].tps[k].partition;
        }
        wire_writer w;
        wire_writer_init(&w);
        proto_consumer_assignment as = {0};
        as.version = 0;
        as.tp_count = ntp;
        as.tps = tps;
        as.user_data = WIRE_BYTES_NULL;
        if (tps && parts)
            proto_consumer_assignment_encode(&w, &as);
        ok = tps && parts && !w.err;
        free(tps);
        free(parts);
        if (ok)
            r->assign[i] = wire_writer_take(&w, &r->assign_len[i]);
        /* The member ids travel with the request: a rejoin may free
         * g->members before it is encoded. */
        if (ok && group_strv_add(&r->topics, &r->ntopics, g->members[i].member_id) != 0)
            ok = 0;
        wire_writer_free(&w);
        r->nassign = i + 1;
        if (ok && !r->assign[i] && r->assign_len[i])
            ok = 0;
    }
    if (ok) {
        group_snap_free(g);
        g->snap = topics;
        g->nsnap = nwatch;
        topics = NULL;
        g->state = GS_SYNCING;
        send_sync(g, r);
        r = NULL;
    } else {
        g->state = GS_INIT;
        g->seq++;
        g->retry_at = now + group_backoff(g);
    }
    if (topics) {
        for (size_t i = 0; i < nwatch; i++)
            free((char *)topics[i].name);
        free(topics);
    }
    assignor_result_free(out, g->nmembers);
    free(out);
    free(am);
    group_strv_free(watch, nwatch);
    group_req_free(r);
}

static void encode_sync(wire_writer *w, int16_t version, void *arg) {
    greq *r = arg;
    consumer_group *g = r->g;
    proto_sync_group_req req = {0};
    req.group_id = wire_str_from(g->conf->group_id);
    req.generation_id = g->generation;
    req.member_id = wire_str_from(g->member_id);
    req.group_instance_id =
        g->conf->group_instance_id[0] ? wire_str_from(g->conf->group_instance_id) : WIRE_STR_NULL;
    proto_sync_group_assignment *as = NULL;
    if (r->nassign) {
        as = calloc(r->nassign, sizeof *as);
        if (!as) {
            w->err = WIRE_ERR_NOMEM;
            return;
        }
        for (size_t i = 0; i < r->nassign; i++) {
            as[i].member_id = wire_str_from(r->topics[i]);
            as[i].assignment.ptr = r->assign[i];
            as[i].assignment.len = (int32_t)r->assign_len[i];
        }
    }
    req.assignment_count = (int32_t)r->nassign;
    req.assignments = as;
    proto_sync_group_req_encode(w, version, &req);
    free(as);
}

static void assignment_fetched(consumer_group *g, consumer_gop *op);

static void on_sync(client *core, client_response *res, void *arg) {
    greq *r = arg;
    consumer_group *g = r->g;
    (void)core;
    if (drop_stale(res, r, GS_SYNCING))
        return;
    wire_arena a;
    wire_arena_init(&a);
    proto_sync_group_resp resp = {0};
    strand_err err = res->err;
    if (!err) {
        wire_reader rd;
        wire_reader_init(&rd, res->body, res->len);
        if (proto_sync_group_resp_decode(&rd, res->version, &a, &resp) != 0)
            err = STRAND_ERR_BAD_MSG;
    }
    int16_t code = err ? -1 : resp.error_code;
    int64_t now = client_now_ms();
    consumer_gop *op = NULL;
    if (!err && code == 0) {
        wire_reader rd;
        wire_reader_init(&rd, resp.assignment.ptr,
                         resp.assignment.len > 0 ? (size_t)resp.assignment.len : 0);
        proto_consumer_assignment as = {0};
        op = calloc(1, sizeof *op);
        if (op && proto_consumer_assignment_decode(&rd, &a, &as) == 0) {
            op->g = g;
            op->kind = CONSUMER_GOP_FETCH;
            op->internal_done = assignment_fetched;
            op->seq = g->seq;
            op->deadline_ms = INT64_MAX;
            for (int32_t t = 0; t < as.tp_count && op; t++) {
                char *topic = wire_str_dup(as.tps[t].topic);
                for (int32_t k = 0; topic && k < as.tps[t].partition_count; k++)
                    if (consumer_tplist_find(&op->parts, topic, as.tps[t].partitions[k]) < 0 &&
                        consumer_tplist_add(&op->parts, topic, as.tps[t].partitions[k],
                                            STRAND_OFFSET_INVALID) != 0) {
                        consumer_gop_free(op);
                        op = NULL;
                    }
                if (!topic) {
                    consumer_gop_free(op);
                    op = NULL;
                }
                free(topic);
            }
        } else {
            consumer_gop_free(op);
            op = NULL;
            group_report(g, STRAND_ERR_BAD_MSG);
        }
        if (op) {
            g->state = GS_OFFSETS;
            g->hb_due = now + g->conf->heartbeat_interval_ms;
            client_log(g->core, STRAND_LOG_INFO, "group %s: generation %d assigned %zu partitions",
                       g->conf->group_id, (int)g->generation, op->parts.n);
        } else {
            g->state = GS_INIT;
            g->seq++;
            g->retry_at = now + group_backoff(g);
        }
    } else {
        g->state = GS_INIT;
        g->seq++;
        if (group_is_coord_error(err, code))
            consumer_group_coord_lost(g, err ? strand_err_str(err) : kafka_error_name(code));
        else if (code == KAFKA_UNKNOWN_MEMBER_ID) {
            free(g->member_id);
            g->member_id = strdup("");
        } else if (code != KAFKA_REBALANCE_IN_PROGRESS && code != KAFKA_ILLEGAL_GENERATION) {
            g->retry_at = now + group_backoff(g);
            group_report(g, err ? err : STRAND_ERR_KAFKA(code));
        }
    }
    wire_arena_free(&a);
    group_req_free(r);
    if (op)
        consumer_group_op_start(g, op);
    consumer_group_step(g);
}

static void send_sync(consumer_group *g, greq *r) {
    if (!r && !(r = group_req_new(g))) {
        g->state = GS_INIT;
        g->retry_at = client_now_ms() + group_backoff(g);
        return;
    }
    r->seq = g->seq;
    if (group_send(g, g->coord_conn, KAFKA_API_SYNC_GROUP, 0, 3, rebalance_wait_ms(g), encode_sync,
                   on_sync, r) != STRAND_OK) {
        group_req_free(r);
        g->state = GS_INIT;
        g->retry_at = client_now_ms() + group_backoff(g);
    }
}

/* The committed offsets of the new assignment arrived (or failed): hand the
 * assignment to the application. */
static void assignment_fetched(consumer_group *g, consumer_gop *op) {
    if (op->seq != g->seq || g->state != GS_OFFSETS)
        return;
    if (op->err && op->err != STRAND_ERR_CLOSED)
        client_log(g->core, STRAND_LOG_WARNING,
                   "group %s: committed offsets unknown (%s): auto.offset.reset applies",
                   g->conf->group_id, strand_err_str(op->err));
    consumer_gevent *ev = calloc(1, sizeof *ev);
    consumer_tplist owned = {0};
    for (size_t i = 0; ev && i < op->parts.n; i++)
        if (consumer_tplist_add(&owned, op->parts.v[i].topic, op->parts.v[i].partition,
                                op->parts.v[i].offset) != 0) {
            free(ev);
            ev = NULL;
        }
    if (!ev) {
        consumer_tplist_free(&owned);
        group_rejoin(g, "out of memory", 1);
        g->retry_at = client_now_ms() + group_backoff(g);
        return;
    }
    ev->kind = CONSUMER_GEV_ASSIGN;
    ev->parts = op->parts;
    memset(&op->parts, 0, sizeof op->parts);
    consumer_tplist_free(&g->owned);
    g->owned = owned;
    g->state = GS_STABLE;
    int64_t now = client_now_ms();
    g->commit_due = now + g->conf->auto_commit_interval_ms;
    g->meta_due = now + g->conf->topic_metadata_refresh_interval_ms;
    consumer_group_event_push(g->c, ev);
}
