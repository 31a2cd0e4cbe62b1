/*
 * h_init_pid.c - InitProducerId v0-4: producer ids for idempotent producers
 * (KIP-98 without transactions).
 *
 * transactional_id null: a fresh producer id with epoch 0 from
 * producer_ids.h, whatever producer id/epoch a v3+ request carries. That is
 * what Apache Kafka does for a non-transactional producer (its
 * TransactionCoordinator "blindly accepts" and allocates a new id), and
 * what librdkafka's epoch bump after a sequence problem expects: any new id
 * starts its sequences at 0.
 *
 * A transactional id gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED, logged as
 * "transactions are not supported": a fatal, non-retriable error that
 * librdkafka, kafkajs and the Java client report at once (the retriable
 * COORDINATOR_NOT_AVAILABLE would have them retry until their timeout).
 */
#include <inttypes.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/logging.h"
#include "broker/producer_ids.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

int h_init_producer_id(broker_request *req) {
    wire_arena a;
    wire_arena_init(&a);
    proto_init_producer_id_req in;
    memset(&in, 0, sizeof in);
    if (proto_init_producer_id_req_decode(&req->body, req->api_version, &a, &in) != 0)
        return broker_request_fail(req, &a, "InitProducerId body");
    proto_init_producer_id_resp out = {0, KAFKA_NONE, -1, -1};
    if (in.transactional_id.len >= 0) {
        out.error_code = KAFKA_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
        BLOG_W("peer=%s: InitProducerId for transactional id '%.*s' refused (%s): transactions "
               "are not supported; idempotent producers (no transactional.id) are",
               req->peer, (int)(in.transactional_id.len > 200 ? 200 : in.transactional_id.len),
               in.transactional_id.ptr ? in.transactional_id.ptr : "",
               kafka_error_name(out.error_code));
    } else {
        out.producer_id = producer_ids_next(req->b, &out.error_code);
        if (out.producer_id >= 0) {
            out.producer_epoch = 0;
            BLOG_D("peer=%s: InitProducerId v%d -> producer id %" PRId64 " epoch 0", req->peer,
                   req->api_version, out.producer_id);
        } else {
            BLOG_W("peer=%s: InitProducerId: no producer id available: %s", req->peer,
                   kafka_error_name(out.error_code));
        }
    }
    proto_init_producer_id_resp_encode(req->out, req->api_version, &out);
    wire_arena_free(&a);
    return 0;
}
