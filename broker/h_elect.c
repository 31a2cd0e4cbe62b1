/*
 * h_elect.c - the ControlledShutdown (7) and ElectLeaders (43) handlers.
 *
 * In cluster mode both are the controller's business (cluster.h:
 * cluster_shutdown_broker, cluster_elect_preferred): a broker that is not
 * the controller answers NOT_CONTROLLER (ElectLeaders: per partition, as
 * Kafka does), and the controller answers once its view shows the moves,
 * so the handler defers the response. Standalone, there is nothing to move:
 * ControlledShutdown answers NONE with no remaining partitions and
 * ElectLeaders ELECTION_NOT_NEEDED for every partition that exists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/cluster.h"
#include "broker/logging.h"
#include "broker/server.h"
#include "broker/topics.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

/* A request waiting for the controller. */
typedef struct el_ctx {
    server_conn *conn;
    server_slot *slot;
    int16_t api, version;
    int in_call;  /* the callback came before the handler returned */
    int answered; /* result copied, not sent yet */
    int16_t error;
    cluster_elect_result *res;
    int n;
    cluster_elect_wait *wait;
} el_ctx;

static void ctx_free(el_ctx *x) {
    for (int i = 0; i < x->n; i++)
        free(x->res[i].topic);
    free(x->res);
    free(x);
}

static const char *elect_message(int16_t error) {
    switch (error) {
    case KAFKA_ELECTION_NOT_NEEDED:
        return "Leader election not needed for topic partition.";
    case KAFKA_PREFERRED_LEADER_NOT_AVAILABLE:
        return "the preferred replica is not alive, not in the ISR, or shutting down";
    case KAFKA_NOT_CONTROLLER:
        return "this broker is not the controller";
    case KAFKA_REQUEST_TIMED_OUT:
        return "the election did not complete within the timeout";
    case KAFKA_INVALID_REQUEST:
        return "only preferred-leader elections (type 0) are supported";
    default:
        return NULL;
    }
}

/* ElectLeaders answer; results of one topic are consecutive. */
static void encode_elect(wire_writer *w, int16_t version, int16_t error,
                         const cluster_elect_result *res, int n) {
    proto_elect_leaders_resp out = {0, error, 0, NULL};
    proto_elect_leaders_resp_topic *topics = n > 0 ? calloc((size_t)n, sizeof *topics) : NULL;
    proto_elect_leaders_resp_partition *parts = n > 0 ? calloc((size_t)n, sizeof *parts) : NULL;
    if (n > 0 && (!topics || !parts)) {
        free(topics);
        free(parts);
        w->err = WIRE_ERR_NOMEM;
        return;
    }
    for (int i = 0; i < n; i++) {
        if (i == 0 || strcmp(res[i].topic, res[i - 1].topic) != 0) {
            topics[out.topic_count].topic = wire_str_from(res[i].topic);
            topics[out.topic_count].partitions = &parts[i];
            out.topic_count++;
        }
        proto_elect_leaders_resp_topic *t = &topics[out.topic_count - 1];
        const char *msg = elect_message(res[i].error);
        parts[i] = (proto_elect_leaders_resp_partition){res[i].partition, res[i].error,
                                                        msg ? wire_str_from(msg) : WIRE_STR_NULL};
        t->partition_count++;
    }
    out.topics = topics;
    proto_elect_leaders_resp_encode(w, version, &out);
    free(topics);
    free(parts);
}

static void encode_shutdown(wire_writer *w, int16_t version, int16_t error,
                            const cluster_elect_result *res, int n) {
    proto_controlled_shutdown_resp out = {error, 0, NULL};
    proto_controlled_shutdown_tp *tps = n > 0 ? calloc((size_t)n, sizeof *tps) : NULL;
    if (n > 0 && !tps) {
        w->err = WIRE_ERR_NOMEM;
        return;
    }
    for (int i = 0; i < n; i++)
        tps[i] = (proto_controlled_shutdown_tp){wire_str_from(res[i].topic), res[i].partition};
    out.remaining_count = n;
    out.remaining = tps;
    proto_controlled_shutdown_resp_encode(w, version, &out);
    free(tps);
}

static void ctx_encode(el_ctx *x, wire_writer *w) {
    if (x->api == KAFKA_API_ELECT_LEADERS)
        encode_elect(w, x->version, x->error, x->res, x->n);
    else
        encode_shutdown(w, x->version, x->error, x->res, x->n);
}

static void ctx_done(void *arg, int16_t error, const cluster_elect_result *res, int n) {
    el_ctx *x = arg;
    x->wait = NULL;
    x->error = error;
    x->res = n > 0 ? calloc((size_t)n, sizeof *x->res) : NULL;
    x->n = x->res ? n : 0;
    for (int i = 0; i < x->n; i++) {
        x->res[i] = res[i];
        x->res[i].topic = strdup(res[i].topic ? res[i].topic : "");
        if (!x->res[i].topic) {
            x->n = i;
            break;
        }
    }
    if (x->in_call) {
        x->answered = 1;
        return;
    }
    ctx_encode(x, server_slot_writer(x->slot));
    server_response_complete(x->conn, x->slot);
    ctx_free(x);
}

static void ctx_cancel(void *arg) {
    el_ctx *x = arg;
    cluster_elect_cancel(x->wait);
    ctx_free(x);
}

static el_ctx *ctx_new(broker_request *req) {
    el_ctx *x = calloc(1, sizeof *x);
    if (x) {
        x->conn = req->conn;
        x->slot = req->slot;
        x->api = req->api_key;
        x->version = req->api_version;
        x->in_call = 1;
    }
    return x;
}

/* After the cluster call: answer now or defer. */
static int ctx_after(broker_request *req, el_ctx *x, int16_t ec) {
    x->in_call = 0;
    if (ec != KAFKA_NONE) {
        x->error = ec;
        ctx_encode(x, req->out);
        ctx_free(x);
    } else if (x->answered) {
        ctx_encode(x, req->out);
        ctx_free(x);
    } else {
        req->deferred = 1;
        server_slot_on_cancel(req->slot, ctx_cancel, x);
    }
    return 0;
}

int h_controlled_shutdown(broker_request *req) {
    wire_arena a;
    wire_arena_init(&a);
    proto_controlled_shutdown_req in;
    if (proto_controlled_shutdown_req_decode(&req->body, req->api_version, &a, &in) != 0)
        return broker_request_fail(req, &a, "ControlledShutdown body");
    wire_arena_free(&a);
    BLOG_I("peer=%s: ControlledShutdown of broker %d", req->peer, (int)in.broker_id);
    if (!req->b->cluster) { /* standalone: nothing is replicated, nothing to move */
        encode_shutdown(req->out, req->api_version, KAFKA_NONE, NULL, 0);
        return 0;
    }
    el_ctx *x = ctx_new(req);
    if (!x) {
        req->why = "out of memory";
        return -1;
    }
    int16_t ec = cluster_shutdown_broker(req->b->cluster, in.broker_id, ctx_done, x, &x->wait);
    return ctx_after(req, x, ec);
}

/* Standalone: every existing partition is led by its only replica. */
static int elect_standalone(broker_request *req, const proto_elect_leaders_req *in) {
    topics *ts = req->b->topics;
    int n = 0;
    if (in->topic_count < 0)
        for (int i = 0; i < topics_count(ts); i++)
            n += topics_at(ts, i)->partition_count;
    else
        for (int32_t i = 0; i < in->topic_count; i++)
            n += in->topics[i].partition_count;
    cluster_elect_result *res = n > 0 ? calloc((size_t)n, sizeof *res) : NULL;
    if (n > 0 && !res) {
        req->why = "out of memory";
        return -1;
    }
    int k = 0;
    char name[256];
    if (in->topic_count < 0)
        for (int i = 0; i < topics_count(ts); i++)
            for (int32_t p = 0; p < topics_at(ts, i)->partition_count; p++, k++)
                res[k] =
                    (cluster_elect_result){topics_at(ts, i)->name, p, KAFKA_ELECTION_NOT_NEEDED, 0};
    char **names = in->topic_count > 0 ? calloc((size_t)in->topic_count, sizeof *names) : NULL;
    for (int32_t i = 0; names && i < in->topic_count; i++) {
        const proto_elect_leaders_req_topic *t = &in->topics[i];
        snprintf(name, sizeof name, "%.*s", t->topic.len > 255 ? 255 : (int)t->topic.len,
                 t->topic.ptr);
        names[i] = strdup(name);
        for (int32_t j = 0; names[i] && j < t->partition_count; j++, k++)
            res[k] = (cluster_elect_result){
                names[i], t->partitions[j],
                topics_partition(ts, t->topic.ptr, t->topic.len, t->partitions[j])
                    ? KAFKA_ELECTION_NOT_NEEDED
                    : KAFKA_UNKNOWN_TOPIC_OR_PARTITION,
                0};
    }
    encode_elect(req->out, req->api_version, KAFKA_NONE, res, k);
    for (int32_t i = 0; names && i < in->topic_count; i++)
        free(names[i]);
    free(names);
    free(res);
    return 0;
}

int h_elect_leaders(broker_request *req) {
    wire_arena a;
    wire_arena_init(&a);
    proto_elect_leaders_req in;
    if (proto_elect_leaders_req_decode(&req->body, req->api_version, &a, &in) != 0)
        return broker_request_fail(req, &a, "ElectLeaders body");
    int n = 0;
    for (int32_t i = 0; i < in.topic_count; i++)
        n += in.topics[i].partition_count;
    int all = in.topic_count < 0;
    /* One flat list in request order: topic names as C strings. */
    const char **names = n > 0 ? calloc((size_t)n, sizeof *names) : NULL;
    int32_t *parts = n > 0 ? calloc((size_t)n, sizeof *parts) : NULL;
    char **owned = in.topic_count > 0 ? calloc((size_t)in.topic_count, sizeof *owned) : NULL;
    int rc = 0;
    if ((n > 0 && (!names || !parts)) || (in.topic_count > 0 && !owned)) {
        req->why = "out of memory";
        rc = -1;
        goto out;
    }
    for (int32_t i = 0, k = 0; i < in.topic_count; i++) {
        const proto_elect_leaders_req_topic *t = &in.topics[i];
        owned[i] = malloc((size_t)t->topic.len + 1);
        if (!owned[i]) {
            req->why = "out of memory";
            rc = -1;
            goto out;
        }
        memcpy(owned[i], t->topic.ptr, (size_t)t->topic.len);
        owned[i][t->topic.len] = '\0';
        for (int32_t j = 0; j < t->partition_count; j++, k++) {
            names[k] = owned[i];
            parts[k] = t->partitions[j];
        }
    }
    if (in.election_type != PROTO_ELECTION_PREFERRED) {
        cluster_elect_result *res = n > 0 ? calloc((size_t)n, sizeof *res) : NULL;
        for (int i = 0; res && i < n; i++)
            res[i] = (cluster_elect_result){(char *)names[i], parts[i], KAFKA_INVALID_REQUEST, 0};
        encode_elect(req->out, req->api_version, res || n == 0 ? KAFKA_NONE : KAFKA_INVALID_REQUEST,
                     res, res ? n : 0);
        free(res);
        goto out;
    }
    if (!req->b->cluster) {
        rc = elect_standalone(req, &in);
        goto out;
    }
    el_ctx *x = ctx_new(req);
    if (!x) {
        req->why = "out of memory";
        rc = -1;
        goto out;
    }
    BLOG_I("peer=%s: ElectLeaders (preferred) for %s", req->peer,
           all ? "every partition" : "the listed partitions");
    int16_t ec =
        cluster_elect_preferred(req->b->cluster, names, parts, n, all,
                                in.timeout_ms > 0 ? in.timeout_ms : 1, ctx_done, x, &x->wait);
    if (ec == KAFKA_NOT_CONTROLLER && !all) {
        /* Kafka answers per partition. */
        x->in_call = 0;
        cluster_elect_result *res = n > 0 ? calloc((size_t)n, sizeof *res) : NULL;
        for (int i = 0; res && i < n; i++)
            res[i] = (cluster_elect_result){(char *)names[i], parts[i], ec, 0};
        encode_elect(req->out, req->api_version, KAFKA_NONE, res, res ? n : 0);
        free(res);
        ctx_free(x);
    } else {
        ctx_after(req, x, ec);
    }
out:
    for (int32_t i = 0; owned && i < in.topic_count; i++)
        free(owned[i]);
    free(owned);
    free(names);
    free(parts);
    wire_arena_free(&a);
    return rc;
}
