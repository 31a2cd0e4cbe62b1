/*
 * h_produce.c - Produce v0..v7: append RecordBatch v2 data to partition logs.
 *
 * Every version goes through the protocol.h codec. Only RecordBatch v2
 * (magic 2, byte 16 of the records) is stored. v0-2 exist in the table only
 * because librdkafka 2.0.2 enables gzip/snappy/lz4 when the Produce range
 * overlaps 0..0; they carry legacy magic 0/1 message sets, and each of their
 * partitions is answered UNSUPPORTED_FOR_MESSAGE_FORMAT, whatever the magic
 * (a v0-2 request carrying magic 2 is not something Kafka clients send).
 * Magic 0/1 data in a v3+ request is refused the same way.
 *
 * The records of a partition may hold several batches; the log validates
 * them all (size, magic, CRC, counts) and appends them in order with one
 * write, or appends nothing. Offsets are stamped into the received frame in
 * place (no copy). After an append, Fetch requests waiting on the partition
 * are told how many bytes arrived (delayed.h). acks=0 gets no response at
 * all; its failures are logged. acks=-1 behaves as acks=1 on a standalone
 * broker (the leader is the whole ISR). The internal topic __consumer_offsets
 * is written by the group coordinator only: Produce to it gets
 * INVALID_TOPIC_EXCEPTION. broker_partition_append is the one append path
 * (log + Fetch waiters + producer state) that the coordinator shares.
 *
 * Idempotent producers (batches with a producer id, KIP-98): before the
 * append, the partition's producer state (producer_log.h) checks every batch
 * in order (producer_state.h has the rules). A duplicate of one of the
 * producer's last 5 batches is answered NONE with its ORIGINAL base offset
 * and not stored again; a duplicate prefix followed by new batches stores
 * only the new ones. Transactional batches are refused (INVALID_TXN_STATE):
 * transactions are not supported. All acks levels take the same path.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/coordinator.h"
#include "broker/cluster.h"
#include "broker/logging.h"
#include "broker/producer_log.h"
#include "broker/replica.h"
#include "broker/topics.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

int broker_partition_append(topic_partition *tp, uint8_t *data, size_t len, int64_t now,
                            log_append_info *info) {
    /* Cluster mode: batches carry the leader epoch they were written in. */
    int64_t prev_end = log_end_offset(tp->lg);
    int rc = log_append(tp->lg, data, len, tp->repl ? tp->repl->leader_epoch : 0, now, info);
    if (rc == LOG_OK) {
        producer_log_appended(tp, data, len, prev_end);
        delayed_notify(&tp->waiting, (int64_t)len);
        replica_appended(tp);
    }
    return rc;
}

/* The idempotence checks for one partition's batches (see the top of the
 * file). Returns KAFKA_NONE to go on with `*skip` leading bytes left out
 * (a duplicate prefix), or an error for the partition. *all_dup is set
 * when nothing is left to append: pr then holds the original offsets. */
static int16_t produce_idempotence(broker_request *req, wire_str name, topic_partition *part,
                                   wire_bytes records, proto_produce_resp_partition *pr,
                                   int64_t now, size_t *skip, int *all_dup) {
    *skip = 0;
    *all_dup = 0;
    batch_iter it;
    batch_header h;
    const uint8_t *b;
    size_t size;
    int rc, n = 0, with_pid = 0;
    batch_iter_init(&it, (const uint8_t *)records.ptr, (size_t)records.len);
    while ((rc = batch_iter_next(&it, &h, &b, &size)) == 1) {
        if (h.attributes & BATCH_ATTR_TRANSACTIONAL) {
            BLOG_W("peer=%s topic=%.*s partition=%" PRId32 ": transactional batch refused "
                   "(producer id %" PRId64 "): transactions are not supported",
                   req->peer, (int)name.len, name.ptr, pr->index, h.producer_id);
            return KAFKA_INVALID_TXN_STATE;
        }
        with_pid |= h.producer_id >= 0;
        n++;
    }
    if (rc < 0 || !with_pid)
        return KAFKA_NONE; /* malformed: log_append says why; or nothing to check */
    batch_header *hs = malloc((size_t)n * sizeof *hs);
    size_t *ends = malloc((size_t)n * sizeof *ends);
    if (!hs || !ends) {
        free(hs);
        free(ends);
        return KAFKA_KAFKA_STORAGE_ERROR;
    }
    batch_iter_init(&it, (const uint8_t *)records.ptr, (size_t)records.len);
    for (int i = 0; i < n && batch_iter_next(&it, &hs[i], &b, &size) == 1; i++)
        ends[i] = (size_t)(b - (const uint8_t *)records.ptr) + size;
    int status;
    producer_state *ps =
        producer_log_state(part, now, req->b->cfg.producer_id_expiration_ms, &status);
    producer_check chk;
    memset(&chk, 0, sizeof chk);
    int16_t err = KAFKA_NONE;
    if (!ps)
        err = log_status_to_kafka(status);
    else if (producer_state_check(ps, hs, n, &chk) < 0 && chk.error == KAFKA_NONE)
        err = KAFKA_KAFKA_STORAGE_ERROR; /* out of memory */
    else
        err = chk.error;
    if (err == KAFKA_NONE && chk.dup_count > 0) {
        const batch_header *d = &hs[0];
        BLOG_I("peer=%s topic=%.*s partition=%" PRId32 ": producer %" PRId64 " epoch %d "
               "sequence %" PRId32 ": %d duplicate batch(es) of offsets %" PRId64 "..%" PRId64
               " not stored again",
               req->peer, (int)name.len, name.ptr, pr->index, d->producer_id, d->producer_epoch,
               d->base_sequence, chk.dup_count, chk.dup_first_offset, chk.dup_last_offset);
        pr->base_offset = chk.dup_first_offset;
        if (log_get_config(part->lg)->timestamp_type == LOG_TIMESTAMP_LOG_APPEND_TIME)
            pr->log_append_time_ms = chk.dup_timestamp;
        *skip = ends[chk.dup_count - 1];
        *all_dup = chk.dup_count == n;
    } else if (err != KAFKA_NONE && ps) {
        const batch_header *bad = &hs[chk.bad_batch >= 0 ? chk.bad_batch : 0];
        const producer_entry *e = producer_state_find(ps, bad->producer_id);
        BLOG_W("peer=%s topic=%.*s partition=%" PRId32 ": producer %" PRId64 " epoch %d "
               "sequence %" PRId32 "..%" PRId32 " refused: %s (broker has epoch %d, last "
               "sequence %" PRId32 ")",
               req->peer, (int)name.len, name.ptr, pr->index, bad->producer_id, bad->producer_epoch,
               bad->base_sequence, producer_batch_last_seq(bad), kafka_error_name(err),
               e ? e->epoch : -1, e && e->n > 0 ? e->batches[e->n - 1].last_seq : -1);
    }
    free(hs);
    free(ends);
    return err;
}

static void produce_partition(broker_request *req, const proto_produce_req *in, wire_str name,
                              topic *tp, const proto_produce_req_partition *ip,
                              proto_produce_resp_partition *pr, int64_t now) {
    pr->index = ip->index;
    pr->error_code = KAFKA_NONE;
    pr->base_offset = -1;
    pr->log_append_time_ms = -1;
    pr->log_start_offset = -1;
    topic_partition *part =
        tp && ip->index >= 0 && ip->index < tp->partition_count ? tp->partitions[ip->index] : NULL;
    wire_bytes records = ip->records;
    int acks_ok = in->acks == 0 || in->acks == 1 || in->acks == -1;
    /* The magic byte sits at offset 16 in every message format. */
    int legacy = req->api_version < 3 || (records.len > 16 && records.ptr[16] != 2);
    int16_t not_here = req->b->cluster
                           ? cluster_partition_check(req->b->cluster, name.ptr, name.len, ip->index)
                           : KAFKA_NONE;
    if (!acks_ok) {
        pr->error_code = KAFKA_INVALID_REQUIRED_ACKS;
    } else if (not_here != KAFKA_NONE) {
        pr->error_code = not_here; /* cluster mode: another broker leads it */
    } else if (in->acks == -1 && req->b->cluster &&
               cluster_isr_count(req->b->cluster, name.ptr, name.len, ip->index) <
                   req->b->cfg.min_insync_replicas) {
        pr->error_code = KAFKA_NOT_ENOUGH_REPLICAS;
    } else if (!part || !part->lg) {
        pr->error_code = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
    } else if (coordinator_topic_is_internal(name.ptr, name.len)) {
        pr->error_code = KAFKA_INVALID_TOPIC_EXCEPTION; /* written by the coordinator only */
    } else if (legacy) {
        pr->error_code = KAFKA_UNSUPPORTED_FOR_MESSAGE_FORMAT;
        BLOG_W("peer=%s topic=%.*s partition=%" PRId32 ": Produce v%d with magic %d refused: "
               "only RecordBatch v2 (magic 2, Produce v3+) is stored",
               req->peer, (int)name.len, name.ptr, ip->index, req->api_version,
               records.len > 16 ? records.ptr[16] : -1);
    } else if (records.len <= 0) {
        pr->error_code = KAFKA_CORRUPT_MESSAGE;
    } else {
        size_t skip;
        int all_dup;
        pr->error_code = produce_idempotence(req, name, part, records, pr, now, &skip, &all_dup);
        if (pr->error_code != KAFKA_NONE || all_dup) {
            pr->log_start_offset = log_start_offset(part->lg);
            if (pr->error_code != KAFKA_NONE)
                pr->base_offset = -1;
            goto done;
        }
        log_append_info info;
        /* The frame buffer is ours: the log stamps offsets into it in place. */
        int rc = broker_partition_append(part, (uint8_t *)records.ptr + skip,
                                         (size_t)records.len - skip, now, &info);
        if (rc == LOG_OK) {
            pr->base_offset = skip > 0 ? pr->base_offset : info.first_offset;
            if (skip == 0 || info.log_append_time >= 0)
                pr->log_append_time_ms = info.log_append_time;
        } else {
            pr->error_code = log_status_to_kafka(rc);
            blog(rc == LOG_ERR_IO ? BLOG_ERROR : BLOG_WARN,
                 "peer=%s topic=%.*s partition=%" PRId32 ": produce refused: %s (%s)%s", req->peer,
                 (int)name.len, name.ptr, ip->index, log_strerror(rc),
                 kafka_error_name(pr->error_code), in->acks == 0 ? " [acks=0, no response]" : "");
        }
        pr->log_start_offset = log_start_offset(part->lg);
        return;
    }
done:
    if (pr->error_code != KAFKA_NONE && in->acks == 0)
        BLOG_W("peer=%s topic=%.*s partition=%" PRId32 ": produce (acks=0, no response) failed: %s",
               req->peer, (int)(name.len < 0 ? 0 : name.len), name.ptr, ip->index,
               kafka_error_name(pr->error_code));
}

int h_produce(broker_request *req) {
    int16_t v = req->api_version;
    wire_arena a;
    wire_arena_init(&a);
    proto_produce_req in;
    memset(&in, 0, sizeof in);
    if (proto_produce_req_decode(&req->body, v, &a, &in) != 0)
        return broker_request_fail(req, &a, "Produce body");
    if (in.acks == 0)
        req->no_response = 1;
    proto_produce_resp out;
    memset(&out, 0, sizeof out);
    out.topic_count = in.topic_count < 0 ? 0 : in.topic_count;
    if (out.topic_count > 0 &&
        !(out.topics = wire_arena_calloc(&a, (size_t)out.topic_count, sizeof *out.topics)))
        goto nomem;
    int64_t now = broker_now_ms();
    for (int32_t t = 0; t < out.topic_count; t++) {
        const proto_produce_req_topic *it = &in.topics[t];
        proto_produce_resp_topic *ot = &out.topics[t];
        ot->name = it->name;
        ot->partition_count = it->partition_count < 0 ? 0 : it->partition_count;
        if (ot->partition_count > 0 &&
            !(ot->partitions =
                  wire_arena_calloc(&a, (size_t)ot->partition_count, sizeof *ot->partitions)))
            goto nomem;
        topic *tp = topics_find(req->b->topics, it->name.ptr, it->name.len);
        for (int32_t p = 0; p < ot->partition_count; p++)
            produce_partition(req, &in, it->name, tp, &it->partitions[p], &ot->partitions[p], now);
    }
    /* Cluster mode, acks=all: wait until the ISR has the appended data. */
    if (in.acks == -1 && req->b->cluster) {
        int rc = replica_produce_defer(req, &out, in.timeout_ms);
        if (rc < 0)
            goto nomem;
        if (rc > 0) {
            wire_arena_free(&a);
            return 0;
        }
    }
    proto_produce_resp_encode(req->out, v, &out);
    wire_arena_free(&a);
    return 0;
nomem:
    return broker_request_fail(req, &a, "out of memory");
}
