/*
 * h_offsets.c - ListOffsets v0..v5: earliest (-2), latest (-1) and
 * timestamp lookups through the log's time index.
 *
 * v0 answers an array of offsets (old_style_offsets, at most
 * max_num_offsets, here one: the answer of v1+); v1+ answer one
 * (timestamp, offset) pair, -1/-1 when no record is that late. The
 * isolation level makes no difference without transactions (LSO = end).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/logging.h"
#include "broker/topics.h"
#include "wire/kafka.h"

#define LIST_OFFSETS_LATEST (-1)
#define LIST_OFFSETS_EARLIEST (-2)

int h_list_offsets(broker_request *req) {
    wire_reader *r = &req->body;
    int16_t v = req->api_version;
    wire_read_i32(r); /* replica_id */
    if (v >= 2)
        wire_read_i8(r); /* isolation_level */
    int32_t ntopics = wire_read_array_len(r, 0);
    if (broker_decode_failed(req, r, "ListOffsets header"))
        return -1;
    wire_writer *w = req->out;
    if (v >= 2)
        wire_write_i32(w, 0); /* throttle_time_ms */
    wire_write_array_len(w, 0, ntopics < 0 ? 0 : ntopics);
    for (int32_t t = 0; t < ntopics; t++) {
        wire_str name = wire_read_str(r, 0);
        int32_t nparts = wire_read_array_len(r, 0);
        if (broker_decode_failed(req, r, "ListOffsets topic"))
            return -1;
        wire_write_str(w, 0, name);
        wire_write_array_len(w, 0, nparts < 0 ? 0 : nparts);
        for (int32_t p = 0; p < nparts; p++) {
            int32_t index = wire_read_i32(r);
            if (v >= 4)
                wire_read_i32(r); /* current_leader_epoch */
            int64_t ts = wire_read_i64(r);
            int32_t max_num = v == 0 ? wire_read_i32(r) : 1;
            if (broker_decode_failed(req, r, "ListOffsets partition"))
                return -1;
            topic_partition *tp = topics_partition(req->b->topics, name.ptr, name.len, index);
            int16_t error = KAFKA_NONE;
            int64_t offset = -1, found_ts = -1;
            if (!tp || !tp->lg) {
                error = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
            } else if (ts == LIST_OFFSETS_LATEST) {
                offset = log_end_offset(tp->lg);
            } else if (ts == LIST_OFFSETS_EARLIEST) {
                offset = log_start_offset(tp->lg);
            } else if (ts < 0) {
                error = KAFKA_INVALID_REQUEST; /* -3 (max timestamp) needs v7 */
            } else {
                int rc = log_offset_for_time(tp->lg, ts, &offset, &found_ts);
                if (rc != LOG_OK) {
                    error = log_status_to_kafka(rc);
                    BLOG_E("topic=%.*s partition=%" PRId32 ": time lookup failed: %s",
                           (int)name.len, name.ptr, index, log_strerror(rc));
                }
            }
            wire_write_i32(w, index);
            wire_write_i16(w, error);
            if (v == 0) {
                int n = error == KAFKA_NONE && offset >= 0 && max_num > 0 ? 1 : 0;
                wire_write_array_len(w, 0, n);
                if (n)
                    wire_write_i64(w, offset);
            } else {
                wire_write_i64(w, found_ts);
                wire_write_i64(w, offset);
                if (v >= 4)
                    wire_write_i32(w, error == KAFKA_NONE ? 0 : -1); /* leader_epoch */
            }
        }
    }
    return 0;
}
