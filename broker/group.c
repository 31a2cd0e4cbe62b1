/*
 * group.c - consumer group membership: the classic rebalance protocol of
 * Apache Kafka's GroupCoordinator (JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup), session and rebalance deadlines, static members. The group
 * metadata record written after each assignment is built in
 * group_offsets.c (group_store).
 *
 * Groups live in a singly linked list (few groups per broker; lookups are
 * linear). Deadlines are not timers: each member's session deadline and
 * each group's join-phase deadline are derived from timestamps, so the
 * broker keeps one libuv timer at group_coord_next_deadline() and calls
 * group_coord_tick(); the tests move a fake clock instead.
 *
 * Answers to JoinGroup/SyncGroup go out through ops (join_done, sync_done)
 * exactly once per waiter. Callbacks may only encode and send; they never
 * call back into the coordinator except group_waiter_cancel, which only
 * clears pointers, so iterating members while calling back is safe.
 */
#include "broker/group.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/group_internal.h"
#include "wire/kafka.h"

const char *group_state_name(int state) {
    switch (state) {
    case GROUP_EMPTY:
        return "Empty";
    case GROUP_PREPARING_REBALANCE:
        return "PreparingRebalance";
    case GROUP_COMPLETING_REBALANCE:
        return "CompletingRebalance";
    case GROUP_STABLE:
        return "Stable";
    default:
        return "Dead";
    }
}

void group_config_init(group_config *cfg) {
    cfg->min_session_timeout_ms = 6000;
    cfg->max_session_timeout_ms = 1800000;
    cfg->initial_rebalance_delay_ms = 3000;
    cfg->max_size = INT32_MAX;
    cfg->offsets_retention_ms = 10080LL * 60000;
    cfg->offset_metadata_max_bytes = 4096;
}

/* ---- small helpers ---- */

char *group_strdup(wire_str s) {
    if (s.len < 0)
        return NULL;
    char *p = malloc((size_t)s.len + 1);
    if (!p)
        return NULL;
    if (s.len)
        memcpy(p, s.ptr, (size_t)s.len);
    p[s.len] = '\0';
    return p;
}

int group_str_eq(const char *a, wire_str b) {
    return a && b.len >= 0 && strlen(a) == (size_t)b.len && memcmp(a, b.ptr, (size_t)b.len) == 0;
}

static int cstr_eq(const char *a, const char *b) {
    return a && b && strcmp(a, b) == 0;
}

static void set_state(group *g, int state, int64_t now) {
    g->state = state;
    g->state_timestamp = now;
}

static void member_protocols_free(gmember *m) {
    for (int32_t i = 0; i < m->protocol_count; i++) {
        free(m->protocols[i].name);
        free(m->protocols[i].metadata);
    }
    free(m->protocols);
    m->protocols = NULL;
    m->protocol_count = 0;
}

static void member_free(gmember *m) {
    member_protocols_free(m);
    free(m->member_id);
    free(m->instance_id);
    free(m->client_id);
    free(m->client_host);
    free(m->assignment);
    free(m);
}

static int bytes_copy(uint8_t **dst, int32_t *dst_len, const uint8_t *src, int32_t len) {
    uint8_t *p = NULL;
    if (len > 0) {
        if (!(p = malloc((size_t)len)))
            return -1;
        memcpy(p, src, (size_t)len);
    }
    free(*dst);
    *dst = p;
    *dst_len = len > 0 ? len : 0;
    return 0;
}

/* Copy the request's protocols into the member (replacing its own). */
static int member_protocols_set(gmember *m, const proto_join_group_req *r) {
    int32_t n = r->protocol_count > 0 ? r->protocol_count : 0;
    group_protocol *p = n ? calloc((size_t)n, sizeof *p) : NULL;
    if (n && !p)
        return -1;
    for (int32_t i = 0; i < n; i++) {
        p[i].name =
            group_strdup(r->protocols[i].name.len < 0 ? wire_str_from("") : r->protocols[i].name);
        if (!p[i].name || bytes_copy(&p[i].metadata, &p[i].metadata_len,
                                     r->protocols[i].metadata.ptr, r->protocols[i].metadata.len)) {
            for (int32_t k = 0; k <= i; k++) {
                free(p[k].name);
                free(p[k].metadata);
            }
            free(p);
            return -1;
        }
    }
    member_protocols_free(m);
    m->protocols = p;
    m->protocol_count = n;
    return 0;
}

static int member_same_protocols(const gmember *m, const proto_join_group_req *r) {
    if (m->protocol_count != r->protocol_count)
        return 0;
    for (int32_t i = 0; i < m->protocol_count; i++) {
        const proto_join_group_protocol *p = &r->protocols[i];
        int32_t len = p->metadata.len < 0 ? 0 : p->metadata.len;
        if (!group_str_eq(m->protocols[i].name, p->name) || m->protocols[i].metadata_len != len ||
            (len && memcmp(m->protocols[i].metadata, p->metadata.ptr, (size_t)len) != 0))
            return 0;
    }
    return 1;
}

const group_protocol *group_member_protocol(const gmember *m, const char *name) {
    for (int32_t i = 0; name && i < m->protocol_count; i++)
        if (strcmp(m->protocols[i].name, name) == 0)
            return &m->protocols[i];
    return NULL;
}

static int all_members_support(const group *g, const char *name) {
    for (gmember *m = g->members; m; m = m->next)
        if (!group_member_protocol(m, name))
            return 0;
    return 1;
}

gmember *group_member_find(group *g, wire_str member_id) {
    for (gmember *m = g ? g->members : NULL; m; m = m->next)
        if (group_str_eq(m->member_id, member_id))
            return m;
    return NULL;
}

static gmember *member_by_instance(group *g, wire_str instance_id) {
    if (instance_id.len < 0)
        return NULL;
    for (gmember *m = g->members; m; m = m->next)
        if (group_str_eq(m->instance_id, instance_id))
            return m;
    return NULL;
}

/* A static member known under another member id: this id is fenced. */
static int static_member_fenced(group *g, wire_str member_id, wire_str instance_id) {
    gmember *m = member_by_instance(g, instance_id);
    return m && !group_str_eq(m->member_id, member_id);
}

static group_pending_member **pending_find(group *g, wire_str member_id) {
    for (group_pending_member **pp = &g->pending; *pp; pp = &(*pp)->next)
        if (group_str_eq((*pp)->member_id, member_id))
            return pp;
    return NULL;
}

static void pending_remove(group_pending_member **pp) {
    group_pending_member *p = *pp;
    *pp = p->next;
    free(p->member_id);
    free(p);
}

static int32_t pending_count(const group *g) {
    int32_t n = 0;
    for (group_pending_member *p = g->pending; p; p = p->next)
        n++;
    return n;
}

/* ---- coordinator and group lifetime ---- */

group_coord *group_coord_new(const group_config *cfg, const group_ops *ops) {
    group_coord *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cfg = *cfg;
    c->ops = *ops;
    c->rng = 0x9E3779B97F4A7C15ULL;
    return c;
}

void group_coord_seed(group_coord *c, uint64_t seed) {
    c->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
}

void group_members_clear(group *g) {
    while (g->members) {
        gmember *m = g->members;
        g->members = m->next;
        member_free(m);
    }
    g->member_count = 0;
    while (g->pending)
        pending_remove(&g->pending);
}

static void group_free(group *g) {
    group_members_clear(g);
    group_offsets_clear(g);
    free(g->offsets);
    free(g->id);
    free(g->protocol_type);
    free(g->protocol);
    free(g->leader);
    free(g);
}

void group_coord_free(group_coord *c) {
    if (!c)
        return;
    while (c->groups) {
        group *g = c->groups;
        c->groups = g->next;
        group_free(g);
    }
    free(c);
}

group *group_create(group_coord *c, wire_str id, int64_t now) {
    group *g = calloc(1, sizeof *g);
    if (!g || !(g->id = group_strdup(id))) {
        free(g);
        return NULL;
    }
    set_state(g, GROUP_EMPTY, now);
    g->next = c->groups;
    c->groups = g;
    c->count++;
    return g;
}

void group_forget(group_coord *c, group *g) {
    for (group **pp = &c->groups; *pp; pp = &(*pp)->next) {
        if (*pp == g) {
            *pp = g->next;
            c->count--;
            group_free(g);
            return;
        }
    }
}

void group_forget_if_unused(group_coord *c, group *g) {
    if (g && !g->members && !g->pending && g->offset_count == 0 && !g->protocol_type)
        group_forget(c, g);
}

group *group_find(group_coord *c, wire_str id) {
    for (group *g = c->groups; g; g = g->next)
        if (group_str_eq(g->id, id))
            return g;
    return NULL;
}

int group_coord_count(const group_coord *c) {
    return c->count;
}

group *group_coord_first(group_coord *c) {
    return c->groups;
}

/* ---- answers ---- */

static void answer_join_error(group_coord *c, void *waiter, int16_t error, const char *member_id) {
    group_join_result res = {error, -1, NULL, NULL, member_id ? member_id : "", NULL};
    if (waiter)
        c->ops.join_done(c->ops.ctx, waiter, &res);
}

static void answer_join(group_coord *c, group *g, gmember *m, const char *leader,
                        int with_members) {
    void *w = m->join_waiter;
    m->join_waiter = NULL;
    m->awaiting_join = 0;
    group_join_result res = {KAFKA_NONE, g->generation, g->protocol,
                             leader,     m->member_id,  with_members ? g : NULL};
    if (w)
        c->ops.join_done(c->ops.ctx, w, &res);
}

static void answer_sync(group_coord *c, gmember *m, int16_t error) {
    void *w = m->sync_waiter;
    m->sync_waiter = NULL;
    m->awaiting_sync = 0;
    if (w)
        c->ops.sync_done(c->ops.ctx, w, error, error == KAFKA_NONE ? m->assignment : NULL,
                         error == KAFKA_NONE ? m->assignment_len : 0);
}

/* ---- rebalancing ---- */

static int32_t group_rebalance_timeout(const group *g) {
    int32_t t = 0;
    for (gmember *m = g->members; m; m = m->next)
        if (m->rebalance_timeout_ms > t)
            t = m->rebalance_timeout_ms;
    return t;
}

/* The protocol every member supports that most members prefer. */
static const char *group_select_protocol(const group *g) {
    const gmember *first = g->members;
    const char *best = NULL;
    int best_votes = -1;
    for (int32_t i = 0; first && i < first->protocol_count; i++) {
        const char *cand = first->protocols[i].name;
        if (!all_members_support(g, cand))
            continue;
        int votes = 0;
        for (const gmember *m = g->members; m; m = m->next) {
            for (int32_t k = 0; k < m->protocol_count; k++) {
                if (all_members_support(g, m->protocols[k].name)) {
                    votes += strcmp(m->protocols[k].name, cand) == 0;
                    break;
                }
            }
        }
        if (votes > best_votes) {
            best = cand;
            best_votes = votes;
        }
    }
    return best;
}

static int set_cstr(char **dst, const char *src) {
    char *p = src ? strdup(src) : NULL;
    if (src && !p)
        return -1;
    free(*dst);
    *dst = p;
    return 0;
}

static void try_complete_join(group_coord *c, group *g, int64_t now);

static void reset_sync(group_coord *c, group *g, int16_t error) {
    for (gmember *m = g->members; m; m = m->next) {
        free(m->assignment);
        m->assignment = NULL;
        m->assignment_len = 0;
        if (m->awaiting_sync)
            answer_sync(c, m, error);
    }
}

static void prepare_rebalance(group_coord *c, group *g, int64_t now) {
    if (g->state == GROUP_COMPLETING_REBALANCE)
        reset_sync(c, g, KAFKA_REBALANCE_IN_PROGRESS);
    int initial = g->state == GROUP_EMPTY;
    set_state(g, GROUP_PREPARING_REBALANCE, now);
    g->rebalance_started_ms = now;
    int64_t timeout = group_rebalance_timeout(g);
    if (initial) {
        int64_t delay = c->cfg.initial_rebalance_delay_ms;
        if (delay > timeout)
            delay = timeout;
        g->initial_delay = 1;
        g->new_member_added = 0;
        g->initial_remaining_ms = timeout - delay;
        g->rebalance_deadline_ms = now + delay;
    } else {
        g->initial_delay = 0;
        g->rebalance_deadline_ms = now + timeout;
        try_complete_join(c, g, now);
    }
}

static void maybe_prepare_rebalance(group_coord *c, group *g, int64_t now) {
    if (g->state == GROUP_STABLE || g->state == GROUP_COMPLETING_REBALANCE ||
        g->state == GROUP_EMPTY)
        prepare_rebalance(c, g, now);
}

/* The join phase ends: members that did not rejoin leave (static ones stay
 * until their session expires, as in Kafka), a new generation starts. */
static void complete_join(group_coord *c, group *g, int64_t now) {
    gmember **pp = &g->members;
    while (*pp) {
        gmember *m = *pp;
        if (!m->awaiting_join && !m->instance_id) {
            *pp = m->next;
            g->member_count--;
            if (m->sync_waiter)
                answer_sync(c, m, KAFKA_UNKNOWN_MEMBER_ID);
            member_free(m);
        } else {
            pp = &m->next;
        }
    }
    /* The leader must be a member that rejoined: it computes the assignment
     * from the join answer. Only static members that did not rejoin left:
     * wait another rebalance timeout (their sessions may expire first). */
    gmember *leader = g->leader ? group_member_find(g, wire_str_from(g->leader)) : NULL;
    if (!leader || !leader->awaiting_join) {
        leader = NULL;
        for (gmember *m = g->members; m && !leader; m = m->next)
            if (m->awaiting_join)
                leader = m;
        if (!leader && g->members) {
            g->initial_delay = 0;
            g->rebalance_deadline_ms = now + group_rebalance_timeout(g);
            return;
        }
        set_cstr(&g->leader, leader ? leader->member_id : NULL);
    }
    g->generation++;
    g->initial_delay = 0;
    if (g->member_count == 0) {
        set_cstr(&g->protocol, NULL);
        set_cstr(&g->leader, NULL);
        set_state(g, GROUP_EMPTY, now);
        group_store(c, g); /* a failure only loses the generation bump */
        return;
    }
    set_cstr(&g->protocol, group_select_protocol(g));
    set_state(g, GROUP_COMPLETING_REBALANCE, now);
    for (gmember *m = g->members; m; m = m->next) {
        m->is_new = 0;
        m->last_heartbeat_ms = now;
        answer_join(c, g, m, g->leader, cstr_eq(m->member_id, g->leader));
    }
}

static int all_joined(const group *g) {
    if (g->pending)
        return 0;
    for (gmember *m = g->members; m; m = m->next)
        if (!m->awaiting_join)
            return 0;
    return 1;
}

static void try_complete_join(group_coord *c, group *g, int64_t now) {
    if (g->state == GROUP_PREPARING_REBALANCE && !g->initial_delay && all_joined(g))
        complete_join(c, g, now);
}

/* The join phase's deadline passed. */
static void join_deadline(group_coord *c, group *g, int64_t now) {
    if (g->initial_delay && g->new_member_added && g->initial_remaining_ms > 0) {
        int64_t d = c->cfg.initial_rebalance_delay_ms;
        if (d > g->initial_remaining_ms)
            d = g->initial_remaining_ms;
        g->new_member_added = 0;
        g->initial_remaining_ms -= d;
        g->rebalance_deadline_ms = now + d;
        return;
    }
    complete_join(c, g, now);
}

/* A member leaves (LeaveGroup, session expiry). */
static void remove_member(group_coord *c, group *g, gmember *m, int64_t now) {
    if (m->join_waiter) {
        void *w = m->join_waiter;
        m->join_waiter = NULL;
        answer_join_error(c, w, KAFKA_UNKNOWN_MEMBER_ID, m->member_id);
    }
    if (m->sync_waiter)
        answer_sync(c, m, KAFKA_UNKNOWN_MEMBER_ID);
    for (gmember **pp = &g->members; *pp; pp = &(*pp)->next) {
        if (*pp == m) {
            *pp = m->next;
            break;
        }
    }
    g->member_count--;
    if (cstr_eq(g->leader, m->member_id)) {
        gmember *l = g->members;
        for (gmember *k = g->members; k; k = k->next)
            if (k->awaiting_join) {
                l = k;
                break;
            }
        set_cstr(&g->leader, l ? l->member_id : NULL);
    }
    member_free(m);
    if (g->state == GROUP_STABLE || g->state == GROUP_COMPLETING_REBALANCE)
        prepare_rebalance(c, g, now);
    else if (g->state == GROUP_PREPARING_REBALANCE)
        try_complete_join(c, g, now);
}

/* ---- JoinGroup ---- */

static char *new_member_id(group_coord *c, wire_str client_id) {
    uint8_t u[16];
    for (int i = 0; i < 16; i += 8) {
        /* xorshift64* */
        c->rng ^= c->rng >> 12;
        c->rng ^= c->rng << 25;
        c->rng ^= c->rng >> 27;
        uint64_t v = c->rng * 0x2545F4914F6CDD1DULL;
        memcpy(u + i, &v, 8);
    }
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
    int32_t cl = client_id.len > 0 ? client_id.len : 0;
    size_t n = (size_t)cl + 1 + 36 + 1;
    char *id = malloc(n);
    if (!id)
        return NULL;
    int off = snprintf(id, n, "%.*s-", (int)cl, cl ? client_id.ptr : "");
    for (int i = 0; i < 16; i++) {
        off += snprintf(id + off, n - (size_t)off, "%02x", u[i]);
        if (i == 3 || i == 5 || i == 7 || i == 9)
            id[off++] = '-';
    }
    id[off] = '\0';
    return id;
}

static int group_supports(const group *g, const proto_join_group_req *r) {
    if (r->protocol_count <= 0 || r->protocol_type.len <= 0)
        return 0;
    if (g->member_count == 0)
        return 1;
    if (!group_str_eq(g->protocol_type, r->protocol_type))
        return 0;
    for (int32_t i = 0; i < r->protocol_count; i++) {
        char *name = group_strdup(r->protocols[i].name);
        int ok = name && all_members_support(g, name);
        free(name);
        if (ok)
            return 1;
    }
    return 0;
}

/* Member fields from a join request; -1 on ENOMEM. */
static int member_update(gmember *m, const proto_join_group_req *r) {
    if (member_protocols_set(m, r) != 0)
        return -1;
    m->session_timeout_ms = r->session_timeout_ms;
    m->rebalance_timeout_ms =
        r->rebalance_timeout_ms > 0 ? r->rebalance_timeout_ms : r->session_timeout_ms;
    return 0;
}

static void member_await_join(group_coord *c, gmember *m, void *waiter) {
    if (m->join_waiter && m->join_waiter != waiter) {
        void *old = m->join_waiter;
        m->join_waiter = NULL;
        answer_join_error(c, old, KAFKA_REBALANCE_IN_PROGRESS, m->member_id);
    }
    m->join_waiter = waiter;
    m->awaiting_join = 1;
}

static void add_member_and_rebalance(group_coord *c, group *g, char *member_id,
                                     const proto_join_group_req *r, wire_str client_id,
                                     const char *client_host, void *waiter, int64_t now) {
    gmember *m = calloc(1, sizeof *m);
    if (!m || member_update(m, r) != 0 ||
        (r->group_instance_id.len >= 0 && !(m->instance_id = group_strdup(r->group_instance_id))) ||
        !(m->client_id = group_strdup(client_id.len < 0 ? wire_str_from("") : client_id)) ||
        !(m->client_host = strdup(client_host ? client_host : ""))) {
        if (m) {
            m->member_id = member_id;
            member_free(m);
        } else {
            free(member_id);
        }
        answer_join_error(c, waiter, KAFKA_COORDINATOR_NOT_AVAILABLE, "");
        return;
    }
    m->member_id = member_id;
    m->is_new = 1;
    m->joined_ms = now;
    m->last_heartbeat_ms = now;
    if (g->member_count == 0 || !g->protocol_type) {
        free(g->protocol_type);
        g->protocol_type = group_strdup(r->protocol_type);
    }
    /* append at the tail: the oldest member comes first */
    gmember **pp = &g->members;
    while (*pp)
        pp = &(*pp)->next;
    *pp = m;
    g->member_count++;
    if (!g->leader)
        set_cstr(&g->leader, m->member_id);
    member_await_join(c, m, waiter);
    if (g->state == GROUP_PREPARING_REBALANCE && g->generation == 0)
        g->new_member_added = 1;
    if (g->state == GROUP_PREPARING_REBALANCE)
        try_complete_join(c, g, now);
    else
        maybe_prepare_rebalance(c, g, now);
}

/* A known static member rejoins with no member id: it gets a new id and
 * the old one is fenced. */
static void replace_static_member(group_coord *c, group *g, gmember *m, char *new_id,
                                  const proto_join_group_req *r, void *waiter, int64_t now) {
    if (m->join_waiter) {
        void *w = m->join_waiter;
        m->join_waiter = NULL;
        answer_join_error(c, w, KAFKA_FENCED_INSTANCE_ID, m->member_id);
    }
    if (m->sync_waiter)
        answer_sync(c, m, KAFKA_FENCED_INSTANCE_ID);
    char *old_leader = g->leader ? strdup(g->leader) : NULL;
    if (cstr_eq(g->leader, m->member_id))
        set_cstr(&g->leader, new_id);
    free(m->member_id);
    m->member_id = new_id;
    m->last_heartbeat_ms = now;
    if (member_update(m, r) != 0) {
        free(old_leader);
        answer_join_error(c, waiter, KAFKA_COORDINATOR_NOT_AVAILABLE, "");
        return;
    }
    member_await_join(c, m, waiter);
    if (g->state == GROUP_STABLE) {
        const char *next = group_select_protocol(g);
        if (cstr_eq(g->protocol, next) && group_store(c, g) == KAFKA_NONE) {
            /* The old leader id is returned on purpose: the replaced member
             * must not run an assignment a Stable group would not send. */
            answer_join(c, g, m, old_leader, 0);
            free(old_leader);
            return;
        }
        prepare_rebalance(c, g, now);
    } else if (g->state == GROUP_COMPLETING_REBALANCE) {
        prepare_rebalance(c, g, now);
    } else {
        try_complete_join(c, g, now);
    }
    free(old_leader);
}

void group_join(group_coord *c, const proto_join_group_req *r, int16_t version, wire_str client_id,
                const char *client_host, void *waiter, int64_t now) {
    int known = r->member_id.len > 0;
    if (r->group_id.len <= 0) {
        answer_join_error(c, waiter, KAFKA_INVALID_GROUP_ID, "");
        return;
    }
    if (r->session_timeout_ms < c->cfg.min_session_timeout_ms ||
        r->session_timeout_ms > c->cfg.max_session_timeout_ms) {
        answer_join_error(c, waiter, KAFKA_INVALID_SESSION_TIMEOUT, "");
        return;
    }
    group *g = group_find(c, r->group_id);
    int created = 0;
    if (!g) {
        if (known) {
            answer_join_error(c, waiter, KAFKA_UNKNOWN_MEMBER_ID, "");
            return;
        }
        if (!(g = group_create(c, r->group_id, now))) {
            answer_join_error(c, waiter, KAFKA_COORDINATOR_NOT_AVAILABLE, "");
            return;
        }
        created = 1;
    }
    if (!group_supports(g, r)) {
        answer_join_error(c, waiter, KAFKA_INCONSISTENT_GROUP_PROTOCOL, "");
        if (created)
            group_forget(c, g);
        return;
    }
    if (!known) {
        gmember *stat = member_by_instance(g, r->group_instance_id);
        if (!stat && g->member_count + pending_count(g) >= c->cfg.max_size) {
            answer_join_error(c, waiter, KAFKA_GROUP_MAX_SIZE_REACHED, "");
            if (created)
                group_forget(c, g);
            return;
        }
        char *id = new_member_id(c, client_id);
        if (!id) {
            answer_join_error(c, waiter, KAFKA_COORDINATOR_NOT_AVAILABLE, "");
            return;
        }
        if (stat) {
            replace_static_member(c, g, stat, id, r, waiter, now);
        } else if (r->group_instance_id.len < 0 && version >= 4) {
            group_pending_member *p = calloc(1, sizeof *p);
            if (!p) {
                free(id);
                answer_join_error(c, waiter, KAFKA_COORDINATOR_NOT_AVAILABLE, "");
                return;
            }
            p->member_id = id;
            p->deadline_ms = now + r->session_timeout_ms;
            p->next = g->pending;
            g->pending = p;
            answer_join_error(c, waiter, KAFKA_MEMBER_ID_REQUIRED, id);
        } else {
            add_member_and_rebalance(c, g, id, r, client_id, client_host, waiter, now);
        }
        return;
    }
    group_pending_member **pp = pending_find(g, r->member_id);
    if (pp) {
        char *id = (*pp)->member_id;
        (*pp)->member_id = NULL;
        pending_remove(pp);
        add_member_and_rebalance(c, g, id, r, client_id, client_host, waiter, now);
        return;
    }
    if (static_member_fenced(g, r->member_id, r->group_instance_id)) {
        answer_join_error(c, waiter, KAFKA_FENCED_INSTANCE_ID, "");
        return;
    }
    gmember *m = group_member_find(g, r->member_id);
    if (!m || g->state == GROUP_EMPTY || g->state == GROUP_DEAD) {
        answer_join_error(c, waiter, KAFKA_UNKNOWN_MEMBER_ID, "");
        return;
    }
    m->last_heartbeat_ms = now;
    int same = member_same_protocols(m, r);
    int is_leader = cstr_eq(g->leader, m->member_id);
    if ((g->state == GROUP_COMPLETING_REBALANCE && same) ||
        (g->state == GROUP_STABLE && same && !is_leader)) {
        /* Nothing changed: the current generation's answer again. */
        member_await_join(c, m, waiter);
        answer_join(c, g, m, g->leader, g->state == GROUP_COMPLETING_REBALANCE && is_leader);
        return;
    }
    if (member_update(m, r) != 0) {
        answer_join_error(c, waiter, KAFKA_COORDINATOR_NOT_AVAILABLE, m->member_id);
        return;
    }
    member_await_join(c, m, waiter);
    if (g->state == GROUP_PREPARING_REBALANCE)
        try_complete_join(c, g, now);
    else
        prepare_rebalance(c, g, now);
}

/* ---- SyncGroup ---- */

void group_sync(group_coord *c, const proto_sync_group_req *r, void *waiter, int64_t now) {
    group *g = group_find(c, r->group_id);
    int16_t err = KAFKA_NONE;
    gmember *m = NULL;
    if (r->group_id.len <= 0)
        err = KAFKA_INVALID_GROUP_ID;
    else if (!g)
        err = KAFKA_UNKNOWN_MEMBER_ID;
    else if (static_member_fenced(g, r->member_id, r->group_instance_id))
        err = KAFKA_FENCED_INSTANCE_ID;
    else if (!(m = group_member_find(g, r->member_id)))
        err = KAFKA_UNKNOWN_MEMBER_ID;
    else if (r->generation_id != g->generation)
        err = KAFKA_ILLEGAL_GENERATION;
    else if (g->state == GROUP_EMPTY || g->state == GROUP_DEAD)
        err = KAFKA_UNKNOWN_MEMBER_ID;
    else if (g->state == GROUP_PREPARING_REBALANCE)
        err = KAFKA_REBALANCE_IN_PROGRESS;
    if (err != KAFKA_NONE) {
        c->ops.sync_done(c->ops.ctx, waiter, err, NULL, 0);
        return;
    }
    m->last_heartbeat_ms = now;
    if (g->state == GROUP_STABLE) {
        c->ops.sync_done(c->ops.ctx, waiter, KAFKA_NONE, m->assignment, m->assignment_len);
        return;
    }
    /* CompletingRebalance */
    if (m->sync_waiter && m->sync_waiter != waiter)
        answer_sync(c, m, KAFKA_REBALANCE_IN_PROGRESS);
    m->sync_waiter = waiter;
    m->awaiting_sync = 1;
    if (!cstr_eq(g->leader, m->member_id))
        return;
    for (gmember *k = g->members; k; k = k->next) {
        const uint8_t *p = NULL;
        int32_t len = 0;
        for (int32_t i = 0; i < r->assignment_count; i++) {
            if (group_str_eq(k->member_id, r->assignments[i].member_id)) {
                p = r->assignments[i].assignment.ptr;
                len = r->assignments[i].assignment.len;
                break;
            }
        }
        if (bytes_copy(&k->assignment, &k->assignment_len, p, len) != 0) {
            reset_sync(c, g, KAFKA_COORDINATOR_NOT_AVAILABLE);
            prepare_rebalance(c, g, now);
            return;
        }
    }
    int16_t serr = group_store(c, g);
    if (serr != KAFKA_NONE) {
        reset_sync(c, g, serr);
        prepare_rebalance(c, g, now);
        return;
    }
    set_state(g, GROUP_STABLE, now);
    for (gmember *k = g->members; k; k = k->next) {
        if (k->awaiting_sync) {
            k->last_heartbeat_ms = now;
            answer_sync(c, k, KAFKA_NONE);
        }
    }
}

void group_waiter_cancel(group_coord *c, void *waiter) {
    for (group *g = c->groups; g; g = g->next) {
        for (gmember *m = g->members; m; m = m->next) {
            if (m->join_waiter == waiter)
                m->join_waiter = NULL;
            if (m->sync_waiter == waiter) {
                m->sync_waiter = NULL;
                m->awaiting_sync = 0;
            }
        }
    }
}

/* ---- Heartbeat and LeaveGroup ---- */

int16_t group_heartbeat(group_coord *c, const proto_heartbeat_req *r, int64_t now) {
    if (r->group_id.len <= 0)
        return KAFKA_INVALID_GROUP_ID;
    group *g = group_find(c, r->group_id);
    if (!g)
        return KAFKA_UNKNOWN_MEMBER_ID;
    if (static_member_fenced(g, r->member_id, r->group_instance_id))
        return KAFKA_FENCED_INSTANCE_ID;
    gmember *m = group_member_find(g, r->member_id);
    if (!m)
        return KAFKA_UNKNOWN_MEMBER_ID;
    if (r->generation_id != g->generation)
        return KAFKA_ILLEGAL_GENERATION;
    switch (g->state) {
    case GROUP_EMPTY:
    case GROUP_DEAD:
        return KAFKA_UNKNOWN_MEMBER_ID;
    case GROUP_PREPARING_REBALANCE:
        m->last_heartbeat_ms = now;
        return KAFKA_REBALANCE_IN_PROGRESS;
    default:
        m->last_heartbeat_ms = now;
        return KAFKA_NONE;
    }
}

int16_t group_leave(group_coord *c, wire_str group_id, proto_leave_group_member *members, int32_t n,
                    int64_t now) {
    if (group_id.len <= 0)
        return KAFKA_INVALID_GROUP_ID;
    group *g = group_find(c, group_id);
    for (int32_t i = 0; i < n; i++) {
        proto_leave_group_member *l = &members[i];
        if (!g) {
            l->error_code = KAFKA_UNKNOWN_MEMBER_ID;
            continue;
        }
        gmember *m = NULL;
        group_pending_member **pp = NULL;
        if (l->member_id.len <= 0 && l->group_instance_id.len >= 0) {
            m = member_by_instance(g, l->group_instance_id);
        } else if (static_member_fenced(g, l->member_id, l->group_instance_id)) {
            l->error_code = KAFKA_FENCED_INSTANCE_ID;
            continue;
        } else if ((pp = pending_find(g, l->member_id))) {
            pending_remove(pp);
            l->error_code = KAFKA_NONE;
            if (g->state == GROUP_PREPARING_REBALANCE)
                try_complete_join(c, g, now);
            continue;
        } else {
            m = group_member_find(g, l->member_id);
        }
        if (!m) {
            l->error_code = KAFKA_UNKNOWN_MEMBER_ID;
            continue;
        }
        l->error_code = KAFKA_NONE;
        remove_member(c, g, m, now);
    }
    return KAFKA_NONE;
}

/* ---- deadlines ---- */

static int64_t member_deadline(const gmember *m) {
    if (m->awaiting_join)
        return m->is_new ? m->joined_ms + GROUP_NEW_MEMBER_JOIN_TIMEOUT_MS : INT64_MAX;
    if (m->awaiting_sync && m->sync_waiter)
        return INT64_MAX;
    return m->last_heartbeat_ms + m->session_timeout_ms;
}

int64_t group_coord_next_deadline(const group_coord *c) {
    int64_t next = INT64_MAX;
    for (const group *g = c->groups; g; g = g->next) {
        if (g->state == GROUP_PREPARING_REBALANCE && g->rebalance_deadline_ms < next)
            next = g->rebalance_deadline_ms;
        for (const group_pending_member *p = g->pending; p; p = p->next)
            if (p->deadline_ms < next)
                next = p->deadline_ms;
        for (const gmember *m = g->members; m; m = m->next) {
            int64_t d = member_deadline(m);
            if (d < next)
                next = d;
        }
    }
    return next;
}

void group_coord_tick(group_coord *c, int64_t now) {
    for (group *g = c->groups; g; g = g->next) {
        int removed = 0;
        for (group_pending_member **pp = &g->pending; *pp;) {
            if ((*pp)->deadline_ms <= now) {
                pending_remove(pp);
                removed = 1;
            } else {
                pp = &(*pp)->next;
            }
        }
        if (removed && g->state == GROUP_PREPARING_REBALANCE)
            try_complete_join(c, g, now);
        for (;;) {
            gmember *m = g->members;
            while (m && member_deadline(m) > now)
                m = m->next;
            if (!m)
                break;
            remove_member(c, g, m, now);
        }
        if (g->state == GROUP_PREPARING_REBALANCE && g->rebalance_deadline_ms <= now)
            join_deadline(c, g, now);
    }
}

void group_waiters_fail(group_coord *c, group *g, int16_t error) {
    for (gmember *m = g->members; m; m = m->next) {
        if (m->join_waiter) {
            void *w = m->join_waiter;
            m->join_waiter = NULL;
            answer_join_error(c, w, error, m->member_id);
        }
        if (m->sync_waiter)
            answer_sync(c, m, error);
    }
}

void group_coord_shutdown(group_coord *c, int16_t error) {
    for (group *g = c->groups; g; g = g->next)
        group_waiters_fail(c, g, error);
}
