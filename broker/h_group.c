/*
 * h_group.c - the membership APIs of the group coordinator: JoinGroup v0-5,
 * SyncGroup v0-3, Heartbeat v0-3, LeaveGroup v0-3, decoded with the
 * wire/protocol.h codecs and handed to the state machine (group.h).
 *
 * JoinGroup and SyncGroup may wait (for the other members, for the leader's
 * assignment): the handler gives the state machine a waiter bound to the
 * request's response slot. If the answer comes while the handler still
 * runs, it is written inline; otherwise the handler marks the request
 * deferred and the answer completes the slot later
 * (server_response_complete). A connection that closes first cancels its
 * waiter (server_slot_on_cancel -> group_waiter_cancel); the member stays
 * in the group as in Kafka, and leaves by session expiry or rebalance.
 * Once the broker is stopping, JoinGroup and SyncGroup are answered
 * NOT_COORDINATOR at once (nothing would answer a waiter later).
 *
 * Cluster mode: every request first asks coordinator_check (NOT_COORDINATOR
 * when another broker coordinates the group, COORDINATOR_LOAD_IN_PROGRESS
 * while its partition loads). An answer produced by an operation that
 * appended to __consumer_offsets (SyncGroup's assignment record, a static
 * member's replacement) leaves only once the high watermark covers the
 * record; if it cannot (leadership moved, too few in-sync replicas,
 * offsets.commit.timeout.ms), the encoded answer is replaced by the error
 * (coordinator_group_error).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/coordinator.h"
#include "broker/group.h"
#include "broker/logging.h"
#include "broker/server.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

typedef struct group_waiter {
    broker *b;
    server_conn *conn;
    server_slot *slot;
    int16_t api_key;
    int16_t version;
    size_t mark;      /* where the body starts in the slot's writer */
    char *member_id;  /* JoinGroup: for an error answer after replication */
    replica_wait *rw; /* answer encoded, waiting for the ISR */
    int in_handler;   /* answered inline when set */
    int answered;
} group_waiter;

static group_waiter *waiter_new(broker_request *req) {
    group_waiter *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->b = req->b;
    w->conn = req->conn;
    w->slot = req->slot;
    w->api_key = req->api_key;
    w->version = req->api_version;
    w->mark = server_slot_writer(req->slot)->len;
    w->in_handler = 1;
    return w;
}

static void waiter_free(group_waiter *w) {
    free(w->member_id);
    free(w);
}

static void waiter_cancel(void *arg) {
    group_waiter *w = arg;
    broker *b = w->b;
    group_coord *gc = coordinator_groups(b);
    if (w->rw)
        replica_wait_cancel(w->rw);
    else if (gc)
        group_waiter_cancel(gc, w);
    waiter_free(w);
    coordinator_reschedule(b);
}

/* The handler's part after handing the waiter over: inline answer or defer. */
static int waiter_settle(broker_request *req, group_waiter *w) {
    if (w->answered && !w->rw) {
        waiter_free(w);
    } else {
        w->in_handler = 0;
        req->deferred = 1;
        server_slot_on_cancel(req->slot, waiter_cancel, w);
    }
    coordinator_reschedule(req->b);
    return 0;
}

/* Replace the encoded answer by an error answer. */
static void waiter_reencode_error(group_waiter *w, int16_t error) {
    wire_writer *out = server_slot_writer(w->slot);
    out->len = w->mark;
    if (w->api_key == KAFKA_API_JOIN_GROUP) {
        proto_join_group_resp r;
        memset(&r, 0, sizeof r);
        r.error_code = error;
        r.generation_id = -1;
        r.protocol_name = r.leader = wire_str_from("");
        r.member_id = wire_str_from(w->member_id ? w->member_id : "");
        proto_join_group_resp_encode(out, w->version, &r);
    } else {
        proto_sync_group_resp r;
        memset(&r, 0, sizeof r);
        r.error_code = error;
        r.assignment = (wire_bytes){NULL, 0};
        proto_sync_group_resp_encode(out, w->version, &r);
    }
}

/* The group record the answer depended on is replicated (or not). */
static void waiter_replicated(void *arg, int16_t error) {
    group_waiter *w = arg;
    w->rw = NULL;
    if (error != KAFKA_NONE)
        waiter_reencode_error(w, coordinator_group_error(error));
    if (w->in_handler)
        return;
    server_response_complete(w->conn, w->slot);
    waiter_free(w);
}

/* The answer is in the slot's writer. */
static void waiter_answered(group_waiter *w) {
    w->answered = 1;
    int nomem;
    w->rw = coordinator_op_wait(w->b, waiter_replicated, w, &nomem);
    if (w->rw)
        return; /* answered when the ISR has the record */
    if (nomem)
        waiter_reencode_error(w, KAFKA_COORDINATOR_NOT_AVAILABLE);
    if (w->in_handler)
        return; /* the handler frees it */
    server_response_complete(w->conn, w->slot);
    waiter_free(w);
}

void h_group_join_done(void *ctx, void *waiter, const group_join_result *res);
void h_group_sync_done(void *ctx, void *waiter, int16_t error, const uint8_t *assignment,
                       int32_t len);

void h_group_join_done(void *ctx, void *waiter, const group_join_result *res) {
    (void)ctx;
    group_waiter *w = waiter;
    if (res->member_id && res->member_id[0])
        w->member_id = strdup(res->member_id);
    wire_arena a;
    wire_arena_init(&a);
    proto_join_group_resp out;
    memset(&out, 0, sizeof out);
    out.error_code = res->error;
    out.generation_id = res->generation;
    out.protocol_name = wire_str_from(res->protocol ? res->protocol : "");
    out.leader = wire_str_from(res->leader ? res->leader : "");
    out.member_id = wire_str_from(res->member_id ? res->member_id : "");
    const group *g = res->members_of;
    if (g && g->member_count > 0) {
        out.members = wire_arena_calloc(&a, (size_t)g->member_count, sizeof *out.members);
        if (!out.members)
            out.error_code = KAFKA_COORDINATOR_NOT_AVAILABLE;
        for (const gmember *m = g->members; out.members && m; m = m->next) {
            proto_join_group_member *jm = &out.members[out.member_count++];
            jm->member_id = wire_str_from(m->member_id);
            jm->group_instance_id = wire_str_from(m->instance_id);
            jm->metadata = (wire_bytes){NULL, 0};
            for (int32_t i = 0; i < m->protocol_count; i++)
                if (res->protocol && strcmp(m->protocols[i].name, res->protocol) == 0)
                    jm->metadata =
                        (wire_bytes){m->protocols[i].metadata, m->protocols[i].metadata_len};
        }
    }
    proto_join_group_resp_encode(server_slot_writer(w->slot), w->version, &out);
    wire_arena_free(&a);
    waiter_answered(w);
}

void h_group_sync_done(void *ctx, void *waiter, int16_t error, const uint8_t *assignment,
                       int32_t len) {
    (void)ctx;
    group_waiter *w = waiter;
    proto_sync_group_resp out;
    memset(&out, 0, sizeof out);
    out.error_code = error;
    out.assignment = (wire_bytes){assignment, assignment ? len : 0};
    proto_sync_group_resp_encode(server_slot_writer(w->slot), w->version, &out);
    waiter_answered(w);
}

/* Cluster mode: is the group's coordinator this broker? (An empty id is
 * the state machine's INVALID_GROUP_ID.) */
static int16_t served_here(broker *b, wire_str group_id) {
    return group_id.len > 0 ? coordinator_check(b, group_id) : KAFKA_NONE;
}

int h_join_group(broker_request *req) {
    wire_arena a;
    wire_arena_init(&a);
    proto_join_group_req in;
    if (proto_join_group_req_decode(&req->body, req->api_version, &a, &in) != 0)
        return broker_request_fail(req, &a, "JoinGroup body");
    group_waiter *w = waiter_new(req);
    if (!w)
        return broker_request_fail(req, &a, "out of memory");
    coordinator_op_begin(req->b);
    int16_t err = req->b->stopping ? KAFKA_NOT_COORDINATOR : served_here(req->b, in.group_id);
    if (err == KAFKA_NONE && !req->b->cluster && coordinator_ensure_topic(req->b) != KAFKA_NONE)
        err = KAFKA_COORDINATOR_NOT_AVAILABLE;
    if (err != KAFKA_NONE) {
        group_join_result res = {err, -1, NULL, NULL, "", NULL};
        h_group_join_done(NULL, w, &res);
    } else {
        char host[96];
        coordinator_client_host(req->peer, host, sizeof host);
        group_join(coordinator_groups(req->b), &in, req->api_version, req->client_id, host, w,
                   broker_now_ms());
    }
    wire_arena_free(&a);
    return waiter_settle(req, w);
}

int h_sync_group(broker_request *req) {
    wire_arena a;
    wire_arena_init(&a);
    proto_sync_group_req in;
    if (proto_sync_group_req_decode(&req->body, req->api_version, &a, &in) != 0)
        return broker_request_fail(req, &a, "SyncGroup body");
    group_waiter *w = waiter_new(req);
    if (!w)
        return broker_request_fail(req, &a, "out of memory");
    coordinator_op_begin(req->b);
    /* stopping: waiters are no longer answered later */
    int16_t err = req->b->stopping ? KAFKA_NOT_COORDINATOR : served_here(req->b, in.group_id);
    if (err != KAFKA_NONE)
        h_group_sync_done(NULL, w, err, NULL, 0);
    else
        group_sync(coordinator_groups(req->b), &in, w, broker_now_ms());
    wire_arena_free(&a);
    return waiter_settle(req, w);
}

int h_heartbeat(broker_request *req) {
    wire_arena a;
    wire_arena_init(&a);
    proto_heartbeat_req in;
    if (proto_heartbeat_req_decode(&req->body, req->api_version, &a, &in) != 0)
        return broker_request_fail(req, &a, "Heartbeat body");
    proto_heartbeat_resp out;
    memset(&out, 0, sizeof out);
    coordinator_op_begin(req->b);
    out.error_code = served_here(req->b, in.group_id);
    if (out.error_code == KAFKA_NONE)
        out.error_code = group_heartbeat(coordinator_groups(req->b), &in, broker_now_ms());
    proto_heartbeat_resp_encode(req->out, req->api_version, &out);
    wire_arena_free(&a);
    coordinator_reschedule(req->b);
    return 0;
}

int h_leave_group(broker_request *req) {
    int16_t v = req->api_version;
    wire_arena a;
    wire_arena_init(&a);
    proto_leave_group_req in;
    if (proto_leave_group_req_decode(&req->body, v, &a, &in) != 0)
        return broker_request_fail(req, &a, "LeaveGroup body");
    proto_leave_group_resp out;
    memset(&out, 0, sizeof out);
    int64_t now = broker_now_ms();
    group_coord *gc = coordinator_groups(req->b);
    coordinator_op_begin(req->b);
    out.error_code = served_here(req->b, in.group_id);
    if (out.error_code != KAFKA_NONE) {
        /* answered for the whole group */
    } else if (v < 3) {
        proto_leave_group_member one = {in.member_id, WIRE_STR_NULL, KAFKA_NONE};
        out.error_code = group_leave(gc, in.group_id, &one, 1, now);
        if (out.error_code == KAFKA_NONE)
            out.error_code = one.error_code;
    } else {
        out.error_code = group_leave(gc, in.group_id, in.members, in.member_count, now);
        if (out.error_code == KAFKA_NONE) {
            out.member_count = in.member_count;
            out.members = in.members;
        }
    }
    proto_leave_group_resp_encode(req->out, v, &out);
    wire_arena_free(&a);
    coordinator_reschedule(req->b);
    return 0;
}
