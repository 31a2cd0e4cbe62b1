/*
 * idempotence.c - the idempotent producer's producer id (enable.idempotence,
 * KIP-98 without transactions): whether it is on, InitProducerId, and the
 * state that tells the sender what it may drain.
 *
 * The accumulator does the per-batch work (sequences fixed at the first
 * drain, resends byte-identical); this file decides when a producer id is
 * needed. The state machine (producer_internal.h, enum producer_idem_state):
 *
 *   WAITING   no id yet: nothing is drained; InitProducerId goes to any
 *             broker once records are queued, retried with a doubling
 *             backoff. Success -> READY. A broker without InitProducerId
 *             (STRAND_ERR_UNSUPPORTED from the version negotiation) -> OFF
 *             when idempotence is only the default (the non-idempotent
 *             path, verify.c, takes over), UNSUPPORTED when the user set
 *             enable.idempotence=true. A non-retriable error fails the
 *             queued records with it and is retried after the backoff.
 *   READY     new batches get sequences. A sequenced batch reported failed
 *             (retries or delivery.timeout.ms exhausted, or the broker said
 *             OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH,
 *             UNKNOWN_PRODUCER_ID, ...) leaves a hole in its partition's
 *             sequence -> RESETTING.
 *   RESETTING only batches that already carry a sequence are (re)sent, with
 *             it; once none is queued or in flight, the id is dropped and a
 *             new one requested (-> WAITING). So a batch whose earlier copy
 *             may be stored never goes out under another id or sequence:
 *             Kafka's KIP-360 epoch bump, with a new id as the broker gives
 *             one to a producer without transactional id anyway.
 *   UNSUPPORTED every record fails with STRAND_ERR_UNSUPPORTED.
 *
 * The state is written on the I/O thread with the producer lock held.
 */
#include <inttypes.h>
#include <stdio.h>

#include "producer/producer_internal.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

#define IDEM_TXN_TIMEOUT_MS 60000 /* sent as the Java client does; unused without transactions */
#define IDEM_BACKOFF_FACTOR_MAX 10

strand_err idem_configure(strand_producer *p, char *errbuf, size_t errlen) {
    const strand_conf *c = p->conf;
    int set = client_conf_is_set(c, "enable.idempotence");
    p->idem.state = IDEM_OFF;
    if (!c->enable_idempotence)
        return STRAND_OK;
    if (c->acks != -1) {
        if (!set)
            return STRAND_OK; /* the default yields to an explicit acks, as in Java 3.2+ */
        if (errbuf && errlen > 0)
            snprintf(errbuf, errlen,
                     "configuration: enable.idempotence=true requires acks=all (acks is %d); set "
                     "acks=all, or enable.idempotence=false",
                     (int)c->acks);
        return STRAND_ERR_CONFIG;
    }
    if (c->retries == 0) {
        /* Without retries an unknown outcome could not be resent with its
         * sequence: as the Java client, the default yields, true is refused. */
        if (!set)
            return STRAND_OK;
        if (errbuf && errlen > 0)
            snprintf(errbuf, errlen,
                     "configuration: enable.idempotence=true requires retries > 0 (retries is 0); "
                     "allow retries, or set enable.idempotence=false");
        return STRAND_ERR_CONFIG;
    }
    if (set && c->max_in_flight > ACCUM_IDEM_MAX_BATCHES) {
        /* As the Java client: the broker deduplicates only a producer's
         * last 5 batches per partition. */
        if (errbuf && errlen > 0)
            snprintf(errbuf, errlen,
                     "configuration: enable.idempotence=true requires "
                     "max.in.flight.requests.per.connection <= %d (it is %d); lower it, or set "
                     "enable.idempotence=false",
                     ACCUM_IDEM_MAX_BATCHES, (int)c->max_in_flight);
        return STRAND_ERR_CONFIG;
    }
    p->idem.explicit_on = set;
    p->idem.state = IDEM_WAITING;
    p->idem.backoff_ms = c->retry_backoff_ms;
    return STRAND_OK;
}

int idem_cycle(strand_producer *p, int64_t now, int *start_request) {
    producer_idem *st = &p->idem;
    *start_request = 0;
    switch (st->state) {
    case IDEM_OFF:
        return 0;
    case IDEM_UNSUPPORTED:
        accum_fail_all(&p->acc, STRAND_ERR_UNSUPPORTED);
        return -1;
    case IDEM_READY:
        if (!p->acc.seq_gap)
            return 0;
        client_log(p->core, STRAND_LOG_INFO,
                   "idempotent producer: producer id %" PRId64 " epoch %d: a batch with a "
                   "sequence failed; finishing the resends, then getting a new producer id",
                   p->acc.producer_id, (int)p->acc.producer_epoch);
        st->state = IDEM_RESETTING;
        /* fall through */
    case IDEM_RESETTING:
        if (!accum_idem_settled(&p->acc))
            return 1;
        accum_idem_set(&p->acc, -1, -1);
        st->state = IDEM_WAITING;
        /* fall through */
    case IDEM_WAITING:
    default:
        if (!st->requesting && now >= st->retry_at && p->acc.messages > 0) {
            st->requesting = 1;
            *start_request = 1;
        }
        return -1;
    }
}

int64_t idem_next_wakeup(const strand_producer *p) {
    const producer_idem *st = &p->idem;
    if (st->state == IDEM_WAITING && !st->requesting && p->acc.messages > 0)
        return st->retry_at;
    return INT64_MAX;
}

static void pid_encode(wire_writer *w, int16_t version, void *arg) {
    (void)arg;
    proto_init_producer_id_req req = {
        .transactional_id = WIRE_STR_NULL,
        .transaction_timeout_ms = IDEM_TXN_TIMEOUT_MS,
        .producer_id = -1,
        .producer_epoch = -1,
    };
    proto_init_producer_id_req_encode(w, version, &req);
}

/* [loop] The next InitProducerId after a failure. */
static void pid_backoff(strand_producer *p) {
    producer_idem *st = &p->idem;
    st->retry_at = client_now_ms() + st->backoff_ms;
    int32_t max = p->conf->retry_backoff_ms * IDEM_BACKOFF_FACTOR_MAX;
    st->backoff_ms = st->backoff_ms > max / 2 ? max : st->backoff_ms * 2;
}

static void pid_done(client *c, client_response *res, void *arg) {
    strand_producer *p = arg;
    producer_idem *st = &p->idem;
    (void)c;
    st->requesting = 0;
    if (res->err == STRAND_ERR_CLOSED)
        return;
    if (res->err == STRAND_ERR_UNSUPPORTED) {
        pthread_mutex_lock(&p->lock);
        st->state = st->explicit_on ? IDEM_UNSUPPORTED : IDEM_OFF;
        pthread_mutex_unlock(&p->lock);
        if (st->explicit_on)
            client_log(p->core, STRAND_LOG_ERROR,
                       "enable.idempotence=true, but broker %d does not support InitProducerId "
                       "(ApiVersions): every record fails with STRAND_ERR_UNSUPPORTED; set "
                       "enable.idempotence=false to produce without idempotence",
                       (int)res->node_id);
        else
            client_log(p->core, STRAND_LOG_WARNING,
                       "broker %d does not support InitProducerId (ApiVersions): producing "
                       "without idempotence (enable.idempotence was not set)",
                       (int)res->node_id);
        sender_run(p);
        return;
    }
    strand_err err = res->err;
    proto_init_producer_id_resp resp = {0, 0, -1, -1};
    if (err == STRAND_OK) {
        wire_arena arena;
        wire_arena_init(&arena);
        wire_reader rd;
        wire_reader_init(&rd, res->body, res->len);
        if (proto_init_producer_id_resp_decode(&rd, res->version, &arena, &resp) != WIRE_OK)
            err = STRAND_ERR_BAD_MSG;
        else if (resp.error_code != 0)
            err = STRAND_ERR_KAFKA(resp.error_code);
        else if (resp.producer_id < 0 || resp.producer_epoch < 0)
            err = STRAND_ERR_BAD_MSG;
        wire_arena_free(&arena);
    }
    if (err == STRAND_OK) {
        client_log(p->core, STRAND_LOG_INFO,
                   "idempotent producer: producer id %" PRId64 " epoch %d", resp.producer_id,
                   (int)resp.producer_epoch);
        pthread_mutex_lock(&p->lock);
        accum_idem_set(&p->acc, resp.producer_id, resp.producer_epoch);
        st->state = IDEM_READY;
        st->backoff_ms = p->conf->retry_backoff_ms;
        pthread_mutex_unlock(&p->lock);
    } else if (strand_err_is_retriable(err)) {
        client_log(p->core, STRAND_LOG_DEBUG, "InitProducerId failed: %s; retrying after %d ms",
                   strand_err_str(err), (int)st->backoff_ms);
        pid_backoff(p);
    } else {
        client_log(p->core, STRAND_LOG_ERROR,
                   "InitProducerId failed: %s: queued records fail with it; retrying after %d ms",
                   strand_err_str(err), (int)st->backoff_ms);
        pid_backoff(p);
        pthread_mutex_lock(&p->lock);
        accum_fail_all(&p->acc, err);
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
    }
    sender_run(p);
}

void idem_request_pid(strand_producer *p) {
    if (client_send_call(p->core, CLIENT_NODE_ANY, KAFKA_API_INIT_PRODUCER_ID, 0, 4, 0, pid_encode,
                         pid_done, p) != STRAND_OK) {
        p->idem.requesting = 0;
        pid_backoff(p);
    }
}
