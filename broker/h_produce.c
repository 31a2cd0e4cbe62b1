/*
 * h_produce.c - Produce v0..v8: append RecordBatch v2 data to partition logs
 * (v0-2 decode, but their magic 0/1 message sets are refused).
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

#include "broker/broker.h"
#include "broker/logging.h"
#include "broker/topics.h"
#include "wire/kafka.h"

typedef struct produce_part {
    int32_t index;
    int16_t error;
    int64_t base_offset;
    int64_t log_append_time;
    int64_t log_start_offset;
} produce_part;

int h_produce(broker_request *req) {
    wire_reader *r = &req->body;
    int16_t v = req->api_version;
    if (v >= 3)
        wire_read_str(r, 0); /* transactional_id: transactions are not supported, ignored */
    int16_t acks = wire_read_i16(r);
    wire_read_i32(r); /* timeout_ms: appends are synchronous */
    int32_t ntopics = wire_read_array_len(r, 0);
    if (broker_decode_failed(req, r, "Produce header"))
        return -1;
    if (acks == 0)
        req->no_response = 1;
    int acks_ok = acks == 0 || acks == 1 || acks == -1;
    wire_writer *w = req->out;
    wire_write_array_len(w, 0, ntopics < 0 ? 0 : ntopics);
    int64_t now = broker_now_ms();
    for (int32_t t = 0; t < ntopics; t++) {
        wire_str name = wire_read_str(r, 0);
        int32_t nparts = wire_read_array_len(r, 0);
        if (broker_decode_failed(req, r, "Produce topic"))
            return -1;
        wire_write_str(w, 0, name);
        wire_write_array_len(w, 0, nparts < 0 ? 0 : nparts);
        topic *tp = topics_find(req->b->topics, name.ptr, name.len);
        for (int32_t p = 0; p < nparts; p++) {
            produce_part pr = {0, KAFKA_NONE, -1, -1, -1};
            pr.index = wire_read_i32(r);
            wire_bytes records = wire_read_bytes(r, 0);
            if (broker_decode_failed(req, r, "Produce partition"))
                return -1;
            topic_partition *part = tp && pr.index >= 0 && pr.index < tp->partition_count
                                        ? tp->partitions[pr.index]
                                        : NULL;
            if (!acks_ok) {
                pr.error = KAFKA_INVALID_REQUIRED_ACKS;
            } else if (!part || !part->lg) {
                pr.error = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
            } else if (records.len <= 0) {
                pr.error = KAFKA_CORRUPT_MESSAGE;
            } else if (records.len > 16 && records.ptr[16] != 2) {
                /* magic 0/1 message sets (Produce v0-2 clients): not stored. */
                pr.error = KAFKA_UNSUPPORTED_FOR_MESSAGE_FORMAT;
                BLOG_W("peer=%s topic=%.*s partition=%" PRId32 ": legacy message format (magic "
                       "%d) refused; use a client that writes RecordBatch v2 (Produce v3+)",
                       req->peer, (int)name.len, name.ptr, pr.index, records.ptr[16]);
            } else {
                log_append_info info;
                /* The frame buffer is ours: the log stamps offsets into it. */
                int rc = log_append(part->lg, (uint8_t *)records.ptr, (size_t)records.len, 0, now,
                                    &info);
                if (rc == LOG_OK) {
                    pr.base_offset = info.first_offset;
                    pr.log_append_time = info.log_append_time;
                    delayed_notify(&part->waiting, records.len);
                } else {
                    pr.error = log_status_to_kafka(rc);
                    blog(rc == LOG_ERR_IO ? BLOG_ERROR : BLOG_WARN,
                         "peer=%s topic=%.*s partition=%" PRId32 ": produce refused: %s (%s)%s",
                         req->peer, (int)name.len, name.ptr, pr.index, log_strerror(rc),
                         kafka_error_name(pr.error), acks == 0 ? " [acks=0, no response]" : "");
                }
                pr.log_start_offset = log_start_offset(part->lg);
            }
            if (pr.error != KAFKA_NONE && acks == 0 && (!part || !acks_ok))
                BLOG_W("peer=%s topic=%.*s partition=%" PRId32 ": produce (acks=0) failed: %s",
                       req->peer, (int)(name.len < 0 ? 0 : name.len), name.ptr, pr.index,
                       kafka_error_name(pr.error));
            wire_write_i32(w, pr.index);
            wire_write_i16(w, pr.error);
            wire_write_i64(w, pr.base_offset);
            if (v >= 2)
                wire_write_i64(w, pr.log_append_time);
            if (v >= 5)
                wire_write_i64(w, pr.log_start_offset);
            if (v >= 8) {
                wire_write_array_len(w, 0, 0); /* record_errors */
                wire_write_str(w, 0, WIRE_STR_NULL);
            }
        }
    }
    if (v >= 1)
        wire_write_i32(w, 0); /* throttle_time_ms */
    return 0;
}
