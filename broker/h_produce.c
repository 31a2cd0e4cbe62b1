/*
 * h_produce.c - Produce v0..v7: append RecordBatch v2 data to partition logs.
 *
 * v3-7 go through the protocol.h codec. v0-2 (advertised only because
 * librdkafka 2.0.2 enables gzip/snappy/lz4 when the Produce range overlaps
 * 0..0) are decoded here, and the legacy magic 0/1 message sets they carry
 * are refused with UNSUPPORTED_FOR_MESSAGE_FORMAT.
 *
 * The records of a partition may hold several batches; the log validates
 * them all (size, magic, CRC, counts) and appends them in order with one
 * write, or appends nothing. Offsets are stamped into the received frame in
 * place (no copy). After an append, Fetch requests waiting on the partition
 * are told how many bytes arrived (delayed.h). acks=0 gets no response at
 * all; its failures are logged. acks=-1 behaves as acks=1 on a standalone
 * broker (the leader is the whole ISR).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/logging.h"
#include "broker/topics.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

/* Produce v0-2 request: like v3 without transactional_id. */
static int decode_legacy(wire_reader *r, wire_arena *a, proto_produce_req *in) {
    in->transactional_id = WIRE_STR_NULL;
    in->acks = wire_read_i16(r);
    in->timeout_ms = wire_read_i32(r);
    in->topic_count = wire_read_array_len(r, 0);
    if (r->err)
        return r->err;
    if (in->topic_count > 0 &&
        !(in->topics = wire_arena_calloc(a, (size_t)in->topic_count, sizeof *in->topics)))
        return WIRE_ERR_NOMEM;
    for (int32_t t = 0; t < in->topic_count && !r->err; t++) {
        proto_produce_req_topic *tp = &in->topics[t];
        tp->name = wire_read_str(r, 0);
        tp->partition_count = wire_read_array_len(r, 0);
        if (r->err)
            break;
        if (tp->partition_count > 0 &&
            !(tp->partitions =
                  wire_arena_calloc(a, (size_t)tp->partition_count, sizeof *tp->partitions)))
            return WIRE_ERR_NOMEM;
        for (int32_t p = 0; p < tp->partition_count && !r->err; p++) {
            tp->partitions[p].index = wire_read_i32(r);
            tp->partitions[p].records = wire_read_bytes(r, 0);
        }
    }
    return r->err;
}

static void encode_legacy(wire_writer *w, int16_t v, const proto_produce_resp *out) {
    wire_write_array_len(w, 0, out->topic_count);
    for (int32_t t = 0; t < out->topic_count; t++) {
        wire_write_str(w, 0, out->topics[t].name);
        wire_write_array_len(w, 0, out->topics[t].partition_count);
        for (int32_t p = 0; p < out->topics[t].partition_count; p++) {
            const proto_produce_resp_partition *pr = &out->topics[t].partitions[p];
            wire_write_i32(w, pr->index);
            wire_write_i16(w, pr->error_code);
            wire_write_i64(w, pr->base_offset);
            if (v >= 2)
                wire_write_i64(w, pr->log_append_time_ms);
        }
    }
    if (v >= 1)
        wire_write_i32(w, 0); /* throttle_time_ms */
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
    if (!acks_ok) {
        pr->error_code = KAFKA_INVALID_REQUIRED_ACKS;
    } else if (!part || !part->lg) {
        pr->error_code = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
    } else if (records.len <= 0) {
        pr->error_code = KAFKA_CORRUPT_MESSAGE;
    } else if (records.len > 16 && records.ptr[16] != 2) {
        pr->error_code = KAFKA_UNSUPPORTED_FOR_MESSAGE_FORMAT;
        BLOG_W("peer=%s topic=%.*s partition=%" PRId32 ": legacy message format (magic %d) "
               "refused; use a client that writes RecordBatch v2 (Produce v3+)",
               req->peer, (int)name.len, name.ptr, ip->index, records.ptr[16]);
    } else {
        log_append_info info;
        /* The frame buffer is ours: the log stamps offsets into it in place. */
        int rc = log_append(part->lg, (uint8_t *)records.ptr, (size_t)records.len, 0, now, &info);
        if (rc == LOG_OK) {
            pr->base_offset = info.first_offset;
            pr->log_append_time_ms = info.log_append_time;
            delayed_notify(&part->waiting, records.len);
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
    int rc = v >= 3 ? proto_produce_req_decode(&req->body, v, &a, &in)
                    : decode_legacy(&req->body, &a, &in);
    if (rc != 0) {
        wire_arena_free(&a);
        req->why = "Produce body";
        return -1;
    }
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
    if (v >= 3)
        proto_produce_resp_encode(req->out, v, &out);
    else
        encode_legacy(req->out, v, &out);
    wire_arena_free(&a);
    return 0;
nomem:
    wire_arena_free(&a);
    req->why = "out of memory";
    return -1;
}
