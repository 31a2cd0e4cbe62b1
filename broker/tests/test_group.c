/*
 * test_group.c - the group coordinator's state machine (broker/group.h)
 * driven with a fake clock: joins (MEMBER_ID_REQUIRED, initial delay,
 * rejoin, protocol selection), SyncGroup, heartbeats, session expiry,
 * LeaveGroup, static member replacement, offset commit rules, DeleteGroups,
 * retention (KIP-211) and the replay of the appended records into a fresh
 * coordinator. The ops capture every answer and every appended record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/group.h"
#include "broker/group_records.h"
#include "wire/kafka.h"

/* ---- harness ---- */

typedef struct answer {
    int done;
    int16_t error;
    int32_t generation;
    char member_id[128];
    char leader[128];
    char protocol[32];
    int member_count; /* -1: no member list */
    uint8_t assign[64];
    int32_t assign_len;
} answer;

typedef struct stored {
    uint8_t *key;
    int32_t klen;
    uint8_t *val; /* NULL: tombstone */
    int32_t vlen;
} stored;

typedef struct fx {
    group_coord *c;
    stored recs[512];
    int nrec;
    int appends;
    int16_t fail;
} fx;

static void on_join(void *ctx, void *waiter, const group_join_result *r) {
    (void)ctx;
    answer *a = waiter;
    a->done++;
    a->error = r->error;
    a->generation = r->generation;
    snprintf(a->member_id, sizeof a->member_id, "%s", r->member_id ? r->member_id : "");
    snprintf(a->leader, sizeof a->leader, "%s", r->leader ? r->leader : "");
    snprintf(a->protocol, sizeof a->protocol, "%s", r->protocol ? r->protocol : "");
    a->member_count = r->members_of ? r->members_of->member_count : -1;
}

static void on_sync(void *ctx, void *waiter, int16_t error, const uint8_t *as, int32_t len) {
    (void)ctx;
    answer *a = waiter;
    a->done++;
    a->error = error;
    a->assign_len = len;
    if (len > 0 && len <= (int32_t)sizeof a->assign)
        memcpy(a->assign, as, (size_t)len);
}

static int16_t on_append(void *ctx, const char *group_id, const group_record *recs, int32_t n) {
    (void)group_id;
    fx *f = ctx;
    if (f->fail)
        return f->fail;
    f->appends++;
    for (int32_t i = 0; i < n && f->nrec < 512; i++) {
        stored *s = &f->recs[f->nrec++];
        s->klen = recs[i].key.len;
        s->key = malloc((size_t)s->klen);
        memcpy(s->key, recs[i].key.ptr, (size_t)s->klen);
        s->vlen = recs[i].value.len;
        s->val = NULL;
        if (s->vlen >= 0) {
            s->val = malloc((size_t)s->vlen + 1);
            memcpy(s->val, recs[i].value.ptr, (size_t)s->vlen);
        }
    }
    return KAFKA_NONE;
}

static group_config test_cfg(void) {
    group_config cfg;
    group_config_init(&cfg);
    cfg.initial_rebalance_delay_ms = 100;
    cfg.offsets_retention_ms = 60000;
    cfg.offset_metadata_max_bytes = 16;
    return cfg;
}

static fx *fx_new(void) {
    fx *f = calloc(1, sizeof *f);
    group_config cfg = test_cfg();
    group_ops ops = {f, on_join, on_sync, on_append};
    f->c = group_coord_new(&cfg, &ops);
    group_coord_seed(f->c, 42);
    return f;
}

static void fx_free(fx *f) {
    group_coord_free(f->c);
    for (int i = 0; i < f->nrec; i++) {
        free(f->recs[i].key);
        free(f->recs[i].val);
    }
    free(f);
}

#define SUB_RANGE "sub-range"

static void join(fx *f, const char *gid, const char *member, const char *instance,
                 const char *const *protos, int16_t version, answer *a, int64_t now) {
    char mid[128];
    snprintf(mid, sizeof mid, "%s", member ? member : ""); /* may point into *a */
    proto_join_group_protocol p[4];
    int n = 0;
    for (; protos[n]; n++) {
        p[n].name = wire_str_from(protos[n]);
        p[n].metadata = (wire_bytes){(const uint8_t *)protos[n], (int32_t)strlen(protos[n])};
    }
    proto_join_group_req r;
    memset(&r, 0, sizeof r);
    r.group_id = wire_str_from(gid);
    r.session_timeout_ms = 10000;
    r.rebalance_timeout_ms = 20000;
    r.member_id = wire_str_from(mid);
    r.group_instance_id = wire_str_from(instance);
    r.protocol_type = wire_str_from("consumer");
    r.protocol_count = n;
    r.protocols = p;
    memset(a, 0, sizeof *a);
    group_join(f->c, &r, version, wire_str_from("cli"), "/127.0.0.1", a, now);
}

static const char *const RANGE[] = {"range", NULL};

static void sync_(fx *f, const char *gid, const char *member, int32_t gen,
                  proto_sync_group_assignment *as, int32_t n, answer *a, int64_t now) {
    proto_sync_group_req r;
    memset(&r, 0, sizeof r);
    r.group_id = wire_str_from(gid);
    r.generation_id = gen;
    r.member_id = wire_str_from(member);
    r.group_instance_id = WIRE_STR_NULL;
    r.assignment_count = n;
    r.assignments = as;
    memset(a, 0, sizeof *a);
    group_sync(f->c, &r, a, now);
}

static int16_t hb(fx *f, const char *gid, const char *member, const char *instance, int32_t gen,
                  int64_t now) {
    proto_heartbeat_req r = {wire_str_from(gid), gen, wire_str_from(member),
                             wire_str_from(instance)};
    return group_heartbeat(f->c, &r, now);
}

static group *find(fx *f, const char *gid) {
    return group_find(f->c, wire_str_from(gid));
}

/* One member, v4 flow, up to Stable. Returns its id in a->member_id. */
static void one_member_stable(fx *f, const char *gid, answer *a, int64_t now) {
    join(f, gid, NULL, NULL, RANGE, 4, a, now);
    assert_int_equal(a->error, KAFKA_MEMBER_ID_REQUIRED);
    char id[128];
    snprintf(id, sizeof id, "%s", a->member_id);
    join(f, gid, id, NULL, RANGE, 4, a, now);
    assert_int_equal(a->done, 0); /* initial delay */
    group_coord_tick(f->c, now + 100);
    assert_int_equal(a->done, 1);
    proto_sync_group_assignment as = {wire_str_from(id), {(const uint8_t *)"A1", 2}};
    answer s;
    sync_(f, gid, id, a->generation, &as, 1, &s, now + 100);
    assert_int_equal(s.done, 1);
    assert_int_equal(s.error, KAFKA_NONE);
}

/* ---- tests ---- */

static void test_member_id_required_and_first_generation(void **state) {
    (void)state;
    fx *f = fx_new();
    answer a;
    join(f, "g", NULL, NULL, RANGE, 4, &a, 1000);
    assert_int_equal(a.done, 1);
    assert_int_equal(a.error, KAFKA_MEMBER_ID_REQUIRED);
    assert_int_equal(strncmp(a.member_id, "cli-", 4), 0);
    assert_int_equal(strlen(a.member_id), 4 + 36);
    char id[128];
    snprintf(id, sizeof id, "%s", a.member_id);
    /* v3 joins without the round trip */
    answer b;
    join(f, "h", NULL, NULL, RANGE, 3, &b, 1010);
    assert_int_equal(b.done, 0);

    join(f, "g", id, NULL, RANGE, 4, &a, 1010);
    assert_int_equal(a.done, 0);
    assert_int_equal(find(f, "g")->state, GROUP_PREPARING_REBALANCE);
    assert_int_equal(group_coord_next_deadline(f->c), 1110);
    group_coord_tick(f->c, 1109);
    assert_int_equal(a.done, 0);
    group_coord_tick(f->c, 1110);
    assert_int_equal(a.done, 1);
    assert_int_equal(a.error, KAFKA_NONE);
    assert_int_equal(a.generation, 1);
    assert_string_equal(a.leader, id);
    assert_string_equal(a.protocol, "range");
    assert_int_equal(a.member_count, 1);
    assert_int_equal(find(f, "g")->state, GROUP_COMPLETING_REBALANCE);

    /* SyncGroup: the leader's assignment comes back; metadata is stored */
    proto_sync_group_assignment as = {wire_str_from(id), {(const uint8_t *)"A1", 2}};
    answer s;
    int before = f->nrec;
    sync_(f, "g", id, 1, &as, 1, &s, 1200);
    assert_int_equal(s.done, 1);
    assert_int_equal(s.error, KAFKA_NONE);
    assert_int_equal(s.assign_len, 2);
    assert_memory_equal(s.assign, "A1", 2);
    assert_int_equal(find(f, "g")->state, GROUP_STABLE);
    assert_int_equal(f->nrec, before + 1);
    group_record_key k;
    assert_int_equal(
        group_record_key_decode((wire_bytes){f->recs[before].key, f->recs[before].klen}, &k), 0);
    assert_int_equal(k.kind, GROUP_RECORD_GROUP);
    wire_arena ar;
    wire_arena_init(&ar);
    group_record_group gv;
    assert_int_equal(group_record_group_value_decode(
                         (wire_bytes){f->recs[before].val, f->recs[before].vlen}, &ar, &gv),
                     0);
    assert_int_equal(gv.generation, 1);
    assert_int_equal(gv.member_count, 1);
    assert_true(wire_str_eq(gv.members[0].member_id, id));
    assert_true(wire_str_eq(gv.members[0].client_host, "/127.0.0.1"));
    assert_int_equal(gv.members[0].assignment.len, 2);
    wire_arena_free(&ar);
    assert_int_equal(hb(f, "g", id, NULL, 1, 1300), KAFKA_NONE);
    fx_free(f);
}

static void test_second_member_rebalance_and_sync_order(void **state) {
    (void)state;
    fx *f = fx_new();
    answer a;
    one_member_stable(f, "g", &a, 0);
    char id1[128];
    snprintf(id1, sizeof id1, "%s", a.member_id);
    answer b;
    join(f, "g", NULL, NULL, RANGE, 4, &b, 1000);
    char id2[128];
    snprintf(id2, sizeof id2, "%s", b.member_id);
    join(f, "g", id2, NULL, RANGE, 4, &b, 1000);
    assert_int_equal(b.done, 0);
    assert_int_equal(find(f, "g")->state, GROUP_PREPARING_REBALANCE);
    assert_int_equal(hb(f, "g", id1, NULL, 1, 1001), KAFKA_REBALANCE_IN_PROGRESS);
    /* the old generation's sync gets REBALANCE_IN_PROGRESS */
    answer s;
    sync_(f, "g", id1, 1, NULL, 0, &s, 1002);
    assert_int_equal(s.error, KAFKA_REBALANCE_IN_PROGRESS);
    join(f, "g", id1, NULL, RANGE, 4, &a, 1003); /* all rejoined: completes at once */
    assert_int_equal(a.done, 1);
    assert_int_equal(b.done, 1);
    assert_int_equal(a.generation, 2);
    assert_int_equal(b.generation, 2);
    assert_string_equal(a.leader, id1);
    assert_int_equal(a.member_count, 2);
    assert_int_equal(b.member_count, -1); /* followers get no member list */
    /* follower syncs first and waits for the leader */
    answer s2, s1;
    sync_(f, "g", id2, 2, NULL, 0, &s2, 1004);
    assert_int_equal(s2.done, 0);
    assert_int_equal(hb(f, "g", id2, NULL, 2, 1004), KAFKA_NONE); /* CompletingRebalance */
    proto_sync_group_assignment as[2] = {{wire_str_from(id1), {(const uint8_t *)"X", 1}},
                                         {wire_str_from(id2), {(const uint8_t *)"YY", 2}}};
    sync_(f, "g", id1, 2, as, 2, &s1, 1005);
    assert_int_equal(s1.done, 1);
    assert_int_equal(s2.done, 1);
    assert_int_equal(s2.error, KAFKA_NONE);
    assert_int_equal(s2.assign_len, 2);
    assert_memory_equal(s2.assign, "YY", 2);
    assert_int_equal(s1.assign_len, 1);
    /* errors */
    sync_(f, "g", id2, 1, NULL, 0, &s, 1006);
    assert_int_equal(s.error, KAFKA_ILLEGAL_GENERATION);
    sync_(f, "g", "nobody", 2, NULL, 0, &s, 1006);
    assert_int_equal(s.error, KAFKA_UNKNOWN_MEMBER_ID);
    assert_int_equal(hb(f, "g", "nobody", NULL, 2, 1006), KAFKA_UNKNOWN_MEMBER_ID);
    assert_int_equal(hb(f, "g", id2, NULL, 7, 1006), KAFKA_ILLEGAL_GENERATION);
    assert_int_equal(hb(f, "nogroup", id2, NULL, 2, 1006), KAFKA_UNKNOWN_MEMBER_ID);
    /* a Stable follower rejoining unchanged gets the current generation */
    join(f, "g", id2, NULL, RANGE, 4, &b, 1007);
    assert_int_equal(b.done, 1);
    assert_int_equal(b.generation, 2);
    assert_int_equal(find(f, "g")->state, GROUP_STABLE);
    fx_free(f);
}

static void test_session_expiry_and_leave(void **state) {
    (void)state;
    fx *f = fx_new();
    answer a, b;
    one_member_stable(f, "g", &a, 0);
    char id1[128], id2[128];
    snprintf(id1, sizeof id1, "%s", a.member_id);
    join(f, "g", NULL, NULL, RANGE, 4, &b, 1000);
    snprintf(id2, sizeof id2, "%s", b.member_id);
    join(f, "g", id2, NULL, RANGE, 4, &b, 1000);
    join(f, "g", id1, NULL, RANGE, 4, &a, 1000);
    assert_int_equal(a.generation, 2);
    proto_sync_group_assignment as[2] = {{wire_str_from(id1), {(const uint8_t *)"X", 1}},
                                         {wire_str_from(id2), {(const uint8_t *)"Y", 1}}};
    answer s;
    sync_(f, "g", id2, 2, NULL, 0, &s, 1000);
    sync_(f, "g", id1, 2, as, 2, &s, 1000);
    /* id1 heartbeats, id2 goes silent: it expires after its 10 s session */
    for (int64_t t = 3000; t <= 11000; t += 2000)
        assert_int_equal(hb(f, "g", id1, NULL, 2, t), KAFKA_NONE);
    assert_int_equal(group_coord_next_deadline(f->c), 11000);
    group_coord_tick(f->c, 11000);
    group *g = find(f, "g");
    assert_int_equal(g->member_count, 1);
    assert_int_equal(g->state, GROUP_PREPARING_REBALANCE);
    assert_int_equal(hb(f, "g", id1, NULL, 2, 11001), KAFKA_REBALANCE_IN_PROGRESS);
    join(f, "g", id1, NULL, RANGE, 4, &a, 11002);
    assert_int_equal(a.done, 1);
    assert_int_equal(a.generation, 3);
    assert_int_equal(a.member_count, 1);
    /* the last member leaves: Empty, next generation, stored */
    int before = f->nrec;
    proto_leave_group_member lm = {wire_str_from(id1), WIRE_STR_NULL, -1};
    assert_int_equal(group_leave(f->c, wire_str_from("g"), &lm, 1, 11003), KAFKA_NONE);
    assert_int_equal(lm.error_code, KAFKA_NONE);
    assert_int_equal(g->state, GROUP_EMPTY);
    assert_int_equal(g->generation, 4);
    assert_int_equal(g->state_timestamp, 11003);
    assert_int_equal(f->nrec, before + 1);
    assert_int_equal(group_leave(f->c, wire_str_from("g"), &lm, 1, 11004), KAFKA_NONE);
    assert_int_equal(lm.error_code, KAFKA_UNKNOWN_MEMBER_ID);
    fx_free(f);
}

static void test_rebalance_timeout_removes_silent_member(void **state) {
    (void)state;
    fx *f = fx_new();
    answer a, b;
    one_member_stable(f, "g", &a, 0);
    char id1[128];
    snprintf(id1, sizeof id1, "%s", a.member_id);
    join(f, "g", NULL, NULL, RANGE, 4, &b, 1000);
    join(f, "g", b.member_id, NULL, RANGE, 4, &b, 1000);
    /* id1 never rejoins (but heartbeats): removed at the 20 s rebalance timeout */
    assert_int_equal(group_coord_next_deadline(f->c), 11000 - 900); /* id1's session */
    assert_int_equal(hb(f, "g", id1, NULL, 1, 5000), KAFKA_REBALANCE_IN_PROGRESS);
    assert_int_equal(hb(f, "g", id1, NULL, 1, 14000), KAFKA_REBALANCE_IN_PROGRESS);
    group_coord_tick(f->c, 21000);
    assert_int_equal(b.done, 1);
    assert_int_equal(b.error, KAFKA_NONE);
    assert_int_equal(b.generation, 2);
    assert_string_equal(b.leader, b.member_id); /* leadership moved */
    assert_int_equal(find(f, "g")->member_count, 1);
    assert_int_equal(hb(f, "g", id1, NULL, 1, 21001), KAFKA_UNKNOWN_MEMBER_ID);
    fx_free(f);
}

static void test_static_member_replaced(void **state) {
    (void)state;
    fx *f = fx_new();
    answer a;
    join(f, "g", NULL, "inst-1", RANGE, 5, &a, 0); /* static: no MEMBER_ID_REQUIRED */
    assert_int_equal(a.done, 0);
    group_coord_tick(f->c, 100);
    assert_int_equal(a.error, KAFKA_NONE);
    char old[128];
    snprintf(old, sizeof old, "%s", a.member_id);
    proto_sync_group_assignment as = {wire_str_from(old), {(const uint8_t *)"S", 1}};
    answer s;
    sync_(f, "g", old, 1, &as, 1, &s, 100);
    assert_int_equal(s.error, KAFKA_NONE);
    /* the same instance comes back with no member id (restarted process) */
    answer b;
    join(f, "g", NULL, "inst-1", RANGE, 5, &b, 200);
    assert_int_equal(b.done, 1);
    assert_int_equal(b.error, KAFKA_NONE);
    assert_int_equal(b.generation, 1); /* Stable, same protocol: no rebalance */
    assert_string_not_equal(b.member_id, old);
    assert_string_equal(b.leader, old); /* the old leader id, on purpose */
    group *g = find(f, "g");
    assert_int_equal(g->state, GROUP_STABLE);
    assert_int_equal(g->member_count, 1);
    assert_string_equal(g->leader, b.member_id);
    assert_int_equal(hb(f, "g", old, "inst-1", 1, 300), KAFKA_FENCED_INSTANCE_ID);
    assert_int_equal(hb(f, "g", old, NULL, 1, 300), KAFKA_UNKNOWN_MEMBER_ID);
    assert_int_equal(hb(f, "g", b.member_id, "inst-1", 1, 300), KAFKA_NONE);
    /* the new id keeps the assignment */
    sync_(f, "g", b.member_id, 1, NULL, 0, &s, 300);
    assert_int_equal(s.assign_len, 1);
    /* LeaveGroup v3 by instance id */
    proto_leave_group_member lm = {WIRE_STR_NULL, wire_str_from("inst-1"), -1};
    assert_int_equal(group_leave(f->c, wire_str_from("g"), &lm, 1, 400), KAFKA_NONE);
    assert_int_equal(lm.error_code, KAFKA_NONE);
    assert_int_equal(g->member_count, 0);
    fx_free(f);
}

static void test_static_member_replaced_while_waiting(void **state) {
    (void)state;
    fx *f = fx_new();
    answer a, b;
    join(f, "g", NULL, "inst-1", RANGE, 5, &a, 0);
    assert_int_equal(a.done, 0);
    join(f, "g", NULL, "inst-1", RANGE, 5, &b, 10); /* same instance, new process */
    assert_int_equal(a.done, 1);
    assert_int_equal(a.error, KAFKA_FENCED_INSTANCE_ID);
    group_coord_tick(f->c, 100);
    assert_int_equal(b.done, 1);
    assert_int_equal(b.error, KAFKA_NONE);
    assert_string_equal(b.leader, b.member_id);
    fx_free(f);
}

static void test_static_leader_not_rejoining(void **state) {
    (void)state;
    fx *f = fx_new();
    answer a, b;
    join(f, "g", NULL, "inst-a", RANGE, 5, &a, 0);
    group_coord_tick(f->c, 100);
    assert_int_equal(a.generation, 1);
    char ida[128];
    snprintf(ida, sizeof ida, "%s", a.member_id);
    answer s;
    sync_(f, "g", ida, 1, NULL, 0, &s, 100);
    assert_int_equal(s.error, KAFKA_NONE);
    join(f, "g", NULL, "inst-b", RANGE, 5, &b, 200);
    assert_int_equal(b.done, 0);
    /* the static leader keeps its session but never rejoins */
    assert_int_equal(hb(f, "g", ida, "inst-a", 1, 9000), KAFKA_REBALANCE_IN_PROGRESS);
    assert_int_equal(hb(f, "g", ida, "inst-a", 1, 18000), KAFKA_REBALANCE_IN_PROGRESS);
    group_coord_tick(f->c, 20200);
    assert_int_equal(b.done, 1);
    assert_int_equal(b.error, KAFKA_NONE);
    assert_int_equal(b.generation, 2);
    assert_string_equal(b.leader, b.member_id); /* leadership moved to a member that joined */
    assert_int_equal(b.member_count, 2);        /* the static member stays in the group */
    fx_free(f);
}

static void test_only_static_members_not_rejoining(void **state) {
    (void)state;
    fx *f = fx_new();
    answer a, c;
    join(f, "g", NULL, "inst-a", RANGE, 5, &a, 0);
    group_coord_tick(f->c, 100);
    char ida[128];
    snprintf(ida, sizeof ida, "%s", a.member_id);
    answer s;
    sync_(f, "g", ida, 1, NULL, 0, &s, 100);
    join(f, "g", NULL, NULL, RANGE, 3, &c, 200); /* starts a rebalance, then leaves */
    proto_leave_group_member lm = {wire_str_from(c.member_id), WIRE_STR_NULL, -1};
    assert_int_equal(c.done, 0);
    char idc[128];
    group *g = find(f, "g");
    snprintf(idc, sizeof idc, "%s", g->members->next->member_id);
    lm.member_id = wire_str_from(idc);
    group_leave(f->c, wire_str_from("g"), &lm, 1, 300);
    assert_int_equal(lm.error_code, KAFKA_NONE);
    assert_int_equal(c.done, 1); /* its waiting join is answered */
    assert_int_equal(c.error, KAFKA_UNKNOWN_MEMBER_ID);
    assert_int_equal(hb(f, "g", ida, "inst-a", 1, 15000), KAFKA_REBALANCE_IN_PROGRESS);
    group_coord_tick(f->c, 20200);
    /* nobody rejoined: no generation without a leader, keep waiting */
    assert_int_equal(g->state, GROUP_PREPARING_REBALANCE);
    assert_int_equal(g->generation, 1);
    assert_int_equal(group_coord_next_deadline(f->c), 25000); /* a's session */
    group_coord_tick(f->c, 25000);
    assert_int_equal(g->state, GROUP_EMPTY);
    assert_int_equal(g->generation, 2);
    fx_free(f);
}

static void test_protocol_selection_and_errors(void **state) {
    (void)state;
    fx *f = fx_new();
    static const char *const P1[] = {"range", "roundrobin", NULL};
    static const char *const P2[] = {"roundrobin", "range", NULL};
    static const char *const P3[] = {"roundrobin", "sticky", NULL};
    static const char *const P4[] = {"sticky", NULL};
    answer a, b, c, d;
    join(f, "g", NULL, NULL, P1, 3, &a, 0);
    join(f, "g", NULL, NULL, P2, 3, &b, 0);
    join(f, "g", NULL, NULL, P3, 3, &c, 0);
    join(f, "g", NULL, NULL, P4, 3, &d, 0); /* nothing in common with the others */
    assert_int_equal(d.done, 1);
    assert_int_equal(d.error, KAFKA_INCONSISTENT_GROUP_PROTOCOL);
    group_coord_tick(f->c, 100);
    assert_int_equal(a.done, 0); /* new members arrived: the initial delay is extended */
    group_coord_tick(f->c, 200);
    assert_int_equal(a.done, 1);
    assert_string_equal(a.protocol, "roundrobin");
    assert_string_equal(c.protocol, "roundrobin");
    /* another protocol type */
    proto_join_group_protocol p = {wire_str_from("x"), {NULL, 0}};
    proto_join_group_req r;
    memset(&r, 0, sizeof r);
    r.group_id = wire_str_from("g");
    r.session_timeout_ms = 10000;
    r.rebalance_timeout_ms = -1;
    r.member_id = wire_str_from("");
    r.group_instance_id = WIRE_STR_NULL;
    r.protocol_type = wire_str_from("connect");
    r.protocol_count = 1;
    r.protocols = &p;
    group_join(f->c, &r, 3, wire_str_from("c"), "/h", &d, 200);
    assert_int_equal(d.error, KAFKA_INCONSISTENT_GROUP_PROTOCOL);
    r.session_timeout_ms = 10;
    group_join(f->c, &r, 3, wire_str_from("c"), "/h", &d, 200);
    assert_int_equal(d.error, KAFKA_INVALID_SESSION_TIMEOUT);
    r.session_timeout_ms = 10000;
    r.member_id = wire_str_from("stranger");
    r.protocol_type = wire_str_from("consumer");
    r.protocols = &p;
    p.name = wire_str_from("roundrobin");
    group_join(f->c, &r, 3, wire_str_from("c"), "/h", &d, 200);
    assert_int_equal(d.error, KAFKA_UNKNOWN_MEMBER_ID);
    r.group_id = wire_str_from("");
    group_join(f->c, &r, 3, wire_str_from("c"), "/h", &d, 200);
    assert_int_equal(d.error, KAFKA_INVALID_GROUP_ID);
    fx_free(f);
}

static void test_group_max_size(void **state) {
    (void)state;
    group_config cfg = test_cfg();
    cfg.max_size = 1;
    fx *f = calloc(1, sizeof *f);
    group_ops ops = {f, on_join, on_sync, on_append};
    f->c = group_coord_new(&cfg, &ops);
    answer a, b;
    join(f, "g", NULL, NULL, RANGE, 3, &a, 0);
    join(f, "g", NULL, NULL, RANGE, 3, &b, 0);
    assert_int_equal(b.error, KAFKA_GROUP_MAX_SIZE_REACHED);
    fx_free(f);
}

static void commit(fx *f, const char *gid, int32_t gen, const char *member, const char *topic,
                   int32_t part, int64_t off, const char *md, int16_t *err, int64_t now) {
    group_commit_entry e;
    memset(&e, 0, sizeof e);
    e.topic = wire_str_from(topic);
    e.partition = part;
    e.offset = off;
    e.leader_epoch = -1;
    e.metadata = wire_str_from(md);
    e.expire_timestamp = -1;
    group_commit(f->c, wire_str_from(gid), gen, wire_str_from(member), WIRE_STR_NULL, &e, 1, now);
    *err = e.error;
}

static void test_commit_rules(void **state) {
    (void)state;
    fx *f = fx_new();
    int16_t err;
    /* simple commit creates a group without members */
    commit(f, "simple", -1, "", "t", 0, 5, "m", &err, 10);
    assert_int_equal(err, KAFKA_NONE);
    const group_offset *o = group_offset_find(find(f, "simple"), wire_str_from("t"), 0);
    assert_non_null(o);
    assert_int_equal(o->offset, 5);
    assert_string_equal(o->metadata, "m");
    assert_int_equal(o->commit_timestamp, 10);
    commit(f, "simple", -1, "", "t", 0, 7, NULL, &err, 20);
    assert_int_equal(group_offset_find(find(f, "simple"), wire_str_from("t"), 0)->offset, 7);
    commit(f, "nogroup", 3, "m", "t", 0, 5, "", &err, 10);
    assert_int_equal(err, KAFKA_ILLEGAL_GENERATION);
    assert_null(find(f, "nogroup"));
    commit(f, "simple", -1, "", "t", 0, 5, "0123456789abcdefX", &err, 10);
    assert_int_equal(err, KAFKA_OFFSET_METADATA_TOO_LARGE);

    answer a, b;
    one_member_stable(f, "g", &a, 0);
    commit(f, "g", 1, a.member_id, "t", 0, 1, "", &err, 200);
    assert_int_equal(err, KAFKA_NONE);
    commit(f, "g", -1, "", "t", 0, 1, "", &err, 200);
    assert_int_equal(err, KAFKA_UNKNOWN_MEMBER_ID);
    commit(f, "g", 9, a.member_id, "t", 0, 1, "", &err, 200);
    assert_int_equal(err, KAFKA_ILLEGAL_GENERATION);
    commit(f, "g", 1, "other", "t", 0, 1, "", &err, 200);
    assert_int_equal(err, KAFKA_UNKNOWN_MEMBER_ID);
    /* PreparingRebalance: a member of the current generation may commit */
    join(f, "g", NULL, NULL, RANGE, 3, &b, 300);
    commit(f, "g", 1, a.member_id, "t", 1, 2, "", &err, 300);
    assert_int_equal(err, KAFKA_NONE);
    join(f, "g", a.member_id, NULL, RANGE, 3, &a, 301);
    assert_int_equal(find(f, "g")->state, GROUP_COMPLETING_REBALANCE);
    commit(f, "g", 2, a.member_id, "t", 1, 3, "", &err, 302);
    assert_int_equal(err, KAFKA_REBALANCE_IN_PROGRESS);
    /* a failed append is not applied */
    f->fail = KAFKA_COORDINATOR_NOT_AVAILABLE;
    commit(f, "simple", -1, "", "t", 0, 99, "", &err, 400);
    assert_int_equal(err, KAFKA_COORDINATOR_NOT_AVAILABLE);
    assert_int_equal(group_offset_find(find(f, "simple"), wire_str_from("t"), 0)->offset, 7);
    fx_free(f);
}

static void test_delete_groups(void **state) {
    (void)state;
    fx *f = fx_new();
    int16_t err;
    answer a;
    commit(f, "s", -1, "", "t", 0, 5, "", &err, 10);
    commit(f, "s", -1, "", "t", 1, 6, "", &err, 10);
    one_member_stable(f, "g", &a, 0);
    assert_int_equal(group_delete(f->c, wire_str_from("g"), 50), KAFKA_NON_EMPTY_GROUP);
    assert_int_equal(group_delete(f->c, wire_str_from("zz"), 50), KAFKA_GROUP_ID_NOT_FOUND);
    int before = f->nrec;
    assert_int_equal(group_delete(f->c, wire_str_from("s"), 50), KAFKA_NONE);
    assert_null(find(f, "s"));
    assert_int_equal(f->nrec, before + 3); /* two offset tombstones + group tombstone */
    for (int i = before; i < f->nrec; i++)
        assert_null(f->recs[i].val);
    fx_free(f);
}

static void test_expiry_rules(void **state) {
    (void)state;
    fx *f = fx_new(); /* retention 60 s */
    int16_t err;
    answer a;
    commit(f, "s", -1, "", "t", 0, 5, "", &err, 1000); /* simple: from the commit */
    one_member_stable(f, "g", &a, 0);
    commit(f, "g", 1, a.member_id, "t", 0, 5, "", &err, 1000);
    int32_t groups = -1;
    assert_int_equal(group_expire(f->c, 60999, &groups), 0);
    assert_int_equal(group_expire(f->c, 61000, &groups), 1);
    assert_int_equal(groups, 1);
    assert_null(find(f, "s"));
    /* a group with members never expires */
    assert_int_equal(hb(f, "g", a.member_id, NULL, 1, 5000), KAFKA_NONE);
    assert_int_equal(group_expire(f->c, 10000000, &groups), 0);
    /* it becomes empty at 100000: retention counts from there */
    proto_leave_group_member lm = {wire_str_from(a.member_id), WIRE_STR_NULL, -1};
    group_leave(f->c, wire_str_from("g"), &lm, 1, 100000);
    assert_int_equal(find(f, "g")->state, GROUP_EMPTY);
    assert_int_equal(group_expire(f->c, 159999, &groups), 0);
    assert_int_equal(group_expire(f->c, 160000, &groups), 1);
    assert_null(find(f, "g"));
    fx_free(f);
}

static void replay(fx *from, group_coord *into) {
    for (int i = 0; i < from->nrec; i++) {
        stored *s = &from->recs[i];
        wire_bytes v = s->val ? (wire_bytes){s->val, s->vlen} : WIRE_BYTES_NULL;
        assert_int_equal(group_load_record(into, (wire_bytes){s->key, s->klen}, v), 0);
    }
}

static void test_load_replay(void **state) {
    (void)state;
    fx *f = fx_new();
    int16_t err;
    answer a;
    commit(f, "s", -1, "", "t", 0, 5, "x", &err, 10);
    commit(f, "s", -1, "", "t", 0, 8, "y", &err, 11); /* overwrite */
    commit(f, "s", -1, "", "u", 2, 1, "", &err, 12);
    commit(f, "d", -1, "", "t", 0, 1, "", &err, 13);
    assert_int_equal(group_delete(f->c, wire_str_from("d"), 14), KAFKA_NONE); /* tombstones */
    one_member_stable(f, "g", &a, 0);
    commit(f, "g", 1, a.member_id, "t", 3, 42, "", &err, 20);

    fx *g2 = fx_new();
    replay(f, g2->c);
    group_load_finish(g2->c, 5000);
    assert_int_equal(group_coord_count(g2->c), 2);
    assert_null(find(g2, "d"));
    const group_offset *o = group_offset_find(find(g2, "s"), wire_str_from("t"), 0);
    assert_non_null(o);
    assert_int_equal(o->offset, 8);
    assert_string_equal(o->metadata, "y");
    assert_int_equal(o->commit_timestamp, 11);
    assert_int_equal(find(g2, "s")->offset_count, 2);
    group *g = find(g2, "g");
    assert_int_equal(g->state, GROUP_STABLE);
    assert_int_equal(g->generation, 1);
    assert_int_equal(g->member_count, 1);
    assert_string_equal(g->protocol, "range");
    assert_string_equal(g->leader, a.member_id);
    assert_int_equal(group_offset_find(g, wire_str_from("t"), 3)->offset, 42);
    /* the loaded member keeps its session from the load on */
    assert_int_equal(hb(g2, "g", a.member_id, NULL, 1, 6000), KAFKA_NONE);
    group_coord_tick(g2->c, 16000);
    assert_int_equal(g->member_count, 0);
    /* not group data: refused */
    uint8_t junk[3] = {0, 9, 1};
    assert_int_equal(group_load_record(g2->c, (wire_bytes){junk, 3}, WIRE_BYTES_NULL), -1);
    fx_free(g2);
    fx_free(f);
}

static void test_expiry_explicit_retention(void **state) {
    (void)state;
    fx *f = fx_new(); /* broker retention 60 s */
    group_commit_entry e;
    memset(&e, 0, sizeof e);
    e.topic = wire_str_from("t");
    e.leader_epoch = -1;
    e.metadata = WIRE_STR_NULL;
    e.expire_timestamp = 5000; /* OffsetCommit v2-4 retention_time_ms */
    group_commit(f->c, wire_str_from("s"), -1, wire_str_from(""), WIRE_STR_NULL, &e, 1, 1000);
    assert_int_equal(e.error, KAFKA_NONE);
    /* stored as offset value v1, which carries the expire time */
    group_record_offset v;
    assert_int_equal(f->recs[f->nrec - 1].val[1], 1);
    assert_int_equal(group_record_offset_value_decode(
                         (wire_bytes){f->recs[f->nrec - 1].val, f->recs[f->nrec - 1].vlen}, &v),
                     0);
    assert_int_equal(v.expire_timestamp, 5000);
    fx *g2 = fx_new();
    replay(f, g2->c);
    assert_int_equal(group_expire(g2->c, 4999, NULL), 0);
    assert_int_equal(group_expire(g2->c, 5000, NULL), 1);
    assert_int_equal(group_coord_count(g2->c), 0);
    /* the expiry wrote tombstones: replaying them forgets the group */
    fx *g3 = fx_new();
    replay(f, g3->c);
    replay(g2, g3->c);
    assert_int_equal(group_coord_count(g3->c), 0);
    fx_free(g3);
    fx_free(g2);
    fx_free(f);
}

static void test_waiter_cancel_and_shutdown(void **state) {
    (void)state;
    fx *f = fx_new();
    answer a, b;
    join(f, "g", NULL, NULL, RANGE, 3, &a, 0);
    join(f, "g", NULL, NULL, RANGE, 3, &b, 0);
    group_waiter_cancel(f->c, &a);
    group_coord_tick(f->c, 100);
    group_coord_tick(f->c, 200);
    assert_int_equal(a.done, 0); /* forgotten: never answered */
    assert_int_equal(b.done, 1);
    answer s;
    sync_(f, "g", b.member_id, 1, NULL, 0, &s, 100);
    assert_int_equal(s.done, 0);
    group_coord_shutdown(f->c, KAFKA_NOT_COORDINATOR);
    assert_int_equal(s.done, 1);
    assert_int_equal(s.error, KAFKA_NOT_COORDINATOR);
    fx_free(f);
}

/* Cluster mode: dropping one __consumer_offsets partition's groups answers
 * their waiters and leaves the other partitions' groups alone; loading
 * starts the sessions of that partition's members only. */
static void test_unload_and_load_partition(void **state) {
    (void)state;
    fx *f = fx_new();
    /* Java hashCode: "g1" = 3242 -> partition 0 of 2, "g2" = 3243 -> 1 */
    assert_int_equal(group_partition_for(wire_str_from("g1"), 2), 0);
    assert_int_equal(group_partition_for(wire_str_from("g2"), 2), 1);
    answer a, b;
    one_member_stable(f, "g2", &a, 0);
    join(f, "g1", NULL, NULL, RANGE, 3, &b, 0);
    assert_int_equal(b.done, 0); /* waits for the initial delay */
    assert_int_equal(group_coord_unload_partition(f->c, 0, 2, KAFKA_NOT_COORDINATOR), 1);
    assert_int_equal(b.done, 1);
    assert_int_equal(b.error, KAFKA_NOT_COORDINATOR);
    assert_null(find(f, "g1"));
    assert_non_null(find(f, "g2"));
    assert_int_equal(group_coord_next_deadline(f->c), 100 + 10000); /* g2's session only */

    /* g2's partition moves here from another broker: replay, then its
     * member's session starts at the load. */
    fx *g = fx_new();
    for (int i = 0; i < f->nrec; i++) {
        wire_bytes v =
            f->recs[i].val ? (wire_bytes){f->recs[i].val, f->recs[i].vlen} : WIRE_BYTES_NULL;
        assert_int_equal(group_load_record(g->c, (wire_bytes){f->recs[i].key, f->recs[i].klen}, v),
                         0);
    }
    group_load_finish_partition(g->c, 0, 2, 7000); /* not g2's partition */
    assert_int_equal(find(g, "g2")->members->last_heartbeat_ms, 0);
    group_load_finish_partition(g->c, 1, 2, 5000);
    assert_int_equal(find(g, "g2")->state, GROUP_STABLE);
    assert_int_equal(find(g, "g2")->members->last_heartbeat_ms, 5000);
    assert_int_equal(group_coord_unload_partition(g->c, 1, 2, KAFKA_NOT_COORDINATOR), 1);
    assert_int_equal(group_coord_count(g->c), 0);
    fx_free(g);
    fx_free(f);
}

static void test_partition_for(void **state) {
    (void)state;
    /* Java: "g1".hashCode() = 3242; "polygenelubricants" = Integer.MIN_VALUE
     * (abs -> 0); "\u00e9" = 233; U+1F600 = 0xD83D * 31 + 0xDE00. */
    assert_int_equal(group_partition_for(wire_str_from("g1"), 50), 3242 % 50);
    assert_int_equal(group_partition_for(wire_str_from("polygenelubricants"), 50), 0);
    assert_int_equal(group_partition_for(wire_str_from("\xc3\xa9"), 1000), 233);
    assert_int_equal(group_partition_for(wire_str_from("\xf0\x9f\x98\x80"), 10000000),
                     (0xD83D * 31 + 0xDE00) % 10000000);
    /* "my-group".hashCode() = 1164220206? computed: check against a negative */
    int32_t h = 0;
    const char *s = "consumer-group-with-a-long-name";
    for (const char *p = s; *p; p++)
        h = (int32_t)(31u * (uint32_t)h + (uint8_t)*p);
    int32_t expect = (h < 0 ? -h : h) % 50;
    assert_int_equal(group_partition_for(wire_str_from(s), 50), expect);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_member_id_required_and_first_generation),
        cmocka_unit_test(test_second_member_rebalance_and_sync_order),
        cmocka_unit_test(test_session_expiry_and_leave),
        cmocka_unit_test(test_rebalance_timeout_removes_silent_member),
        cmocka_unit_test(test_static_member_replaced),
        cmocka_unit_test(test_static_member_replaced_while_waiting),
        cmocka_unit_test(test_static_leader_not_rejoining),
        cmocka_unit_test(test_only_static_members_not_rejoining),
        cmocka_unit_test(test_protocol_selection_and_errors),
        cmocka_unit_test(test_group_max_size),
        cmocka_unit_test(test_commit_rules),
        cmocka_unit_test(test_delete_groups),
        cmocka_unit_test(test_expiry_rules),
        cmocka_unit_test(test_load_replay),
        cmocka_unit_test(test_unload_and_load_partition),
        cmocka_unit_test(test_expiry_explicit_retention),
        cmocka_unit_test(test_waiter_cancel_and_shutdown),
        cmocka_unit_test(test_partition_for),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
