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
 * (log + Fetch waiters) that the coordinator shares.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/coordinator.h"
#include "broker/cluster.h"
#include "broker/logging.h"
#include "broker/replica.h"
#include "broker/topics.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

int broker_partition_append(topic_partition *tp, uint8_t *data, size_t len, int64_t now,
                            log_append_info *info) {
    /* Cluster mode: batches carry the leader epoch they were written in. */
    int rc = log_append(tp->lg, data, len, tp->repl ? tp->repl->leader_epoch : 0, now, info);
    if (rc == LOG_OK) {
        delayed_notify(&tp->waiting, (int64_t)len);
        replica_appended(tp);
    }
    return rc;
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
        log_append_info info;
        /* The frame buffer is ours: the log stamps offsets into it in place. */
        int rc =
            broker_partition_append(part, (uint8_t *)records.ptr, (size_t)records.len, now, &info);
        if (rc == LOG_OK) {
            pr->base_offset = info.first_offset;
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
    if (in->acks == 0)
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
