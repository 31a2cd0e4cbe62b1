/*
 * h_offsets.c - ListOffsets v0..v5: earliest (-2), latest (-1) and
 * timestamp lookups through the log's time index.
 *
 * v0 answers an array of offsets (old_style_offsets, at most
 * max_num_offsets, here one: the answer of v1+); v1+ answer one
 * (timestamp, offset) pair, -1/-1 when no record is that late. The
 * isolation level makes no difference without transactions (LSO = HW).
 *
 * Who asks matters, as in Kafka (Partition.fetchOffsetForTimestamp):
 *  - consumers (replica id -1, or any negative id but -2) get offsets
 *    below the high watermark:
 *    latest = HW, a timestamp lookup whose answer is at or past the HW
 *    finds nothing; right after a leader change, while the HW is still
 *    below where the new leader's epoch started, latest (and a timestamp
 *    lookup that found nothing) get OFFSET_NOT_AVAILABLE, a retriable
 *    error, instead of an offset that may go backwards;
 *  - replica id -2 (Kafka's "debugging" id) and brokers (>= 0) get the log
 *    end offset for latest; -2 is answered by any replica hosted here, not
 *    only the leader (the log end offset of a follower's copy).
 * Standalone the HW is the log end, so nothing changes there.
 *
 * v4+: current_leader_epoch is fenced like Fetch's (leader_epoch.h), and
 * each answer carries the leader epoch of the returned offset: the
 * partition's current epoch for latest from a consumer, the log's latest
 * cached epoch for the log end, else the epoch stamped in the batch holding
 * the offset (-1 when unknown).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/leader_epoch.h"
#include "broker/logging.h"
#include "broker/replica.h"
#include "broker/topics.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

/* The answer for one partition: error, or offset/timestamp/epoch. */
static int16_t lookup_offset(broker_request *req, int32_t replica_id, wire_str name,
                             const proto_list_offsets_req_partition *in, int64_t *offset,
                             int64_t *ts, int32_t *epoch) {
    topic_partition *tp;
    int32_t current;
    int16_t error = leader_epoch_partition(req->b, name, in->partition_index,
                                           replica_id != KAFKA_DEBUGGING_REPLICA_ID, &tp, &current);
    if (error == KAFKA_NONE)
        error = leader_epoch_fence(in->current_leader_epoch, current);
    if (error != KAFKA_NONE)
        return error;
    /* Kafka's isFromConsumer: neither a follower nor the debugging id. */
    int consumer = replica_id < 0 && replica_id != KAFKA_DEBUGGING_REPLICA_ID;
    int64_t hw = replica_hw(tp);
    /* A new leader whose HW has not reached its epoch's start yet. */
    int64_t epoch_start = consumer ? leader_epoch_start_offset(tp->lg, current) : -1;
    int lagging = epoch_start > hw;
    if (in->timestamp == PROTO_LIST_OFFSETS_LATEST) {
        if (lagging)
            return KAFKA_OFFSET_NOT_AVAILABLE;
        *offset = consumer ? hw : log_end_offset(tp->lg);
        *epoch = consumer ? current : log_latest_epoch(tp->lg);
        return KAFKA_NONE;
    }
    if (in->timestamp == PROTO_LIST_OFFSETS_EARLIEST) {
        *offset = log_start_offset(tp->lg);
        *epoch = leader_epoch_at(tp->lg, *offset);
        return KAFKA_NONE;
    }
    if (in->timestamp < 0)
        return KAFKA_INVALID_REQUEST; /* -3 (max timestamp) needs v7 */
    int rc = log_offset_for_time(tp->lg, in->timestamp, offset, ts);
    if (rc != LOG_OK) {
        BLOG_E("topic=%.*s partition=%" PRId32 ": time lookup failed: %s", (int)name.len, name.ptr,
               in->partition_index, log_strerror(rc));
        return log_status_to_kafka(rc);
    }
    if (*offset >= 0 && consumer && *offset >= hw)
        *offset = *ts = -1; /* not readable by consumers yet */
    if (*offset < 0 && lagging)
        return KAFKA_OFFSET_NOT_AVAILABLE;
    *epoch = *offset >= 0 ? leader_epoch_at(tp->lg, *offset) : -1;
    return KAFKA_NONE;
}

static void lookup(broker_request *req, int32_t replica_id, wire_str name,
                   const proto_list_offsets_req_partition *in,
                   proto_list_offsets_resp_partition *out, wire_arena *a) {
    int64_t offset = -1, ts = -1;
    int32_t epoch = -1;
    int16_t error = lookup_offset(req, replica_id, name, in, &offset, &ts, &epoch);
    out->partition_index = in->partition_index;
    out->error_code = error;
    out->timestamp = error == KAFKA_NONE ? ts : -1;
    out->offset = error == KAFKA_NONE ? offset : -1;
    out->leader_epoch = error == KAFKA_NONE ? epoch : -1;
    out->old_style_offset_count = 0;
    if (error == KAFKA_NONE && offset >= 0 && in->max_num_offsets > 0) {
        out->old_style_offsets = wire_arena_alloc(a, sizeof(int64_t));
        if (out->old_style_offsets) {
            out->old_style_offsets[0] = offset;
            out->old_style_offset_count = 1;
        }
    }
}

int h_list_offsets(broker_request *req) {
    int16_t v = req->api_version;
    wire_arena a;
    wire_arena_init(&a);
    proto_list_offsets_req in;
    if (proto_list_offsets_req_decode(&req->body, v, &a, &in) != 0)
        return broker_request_fail(req, &a, "ListOffsets body");
    proto_list_offsets_resp out;
    memset(&out, 0, sizeof out);
    out.topic_count = in.topic_count < 0 ? 0 : in.topic_count;
    if (out.topic_count > 0)
        out.topics = wire_arena_calloc(&a, (size_t)out.topic_count, sizeof *out.topics);
    for (int32_t t = 0; out.topics && t < out.topic_count; t++) {
        const proto_list_offsets_req_topic *it = &in.topics[t];
        proto_list_offsets_resp_topic *ot = &out.topics[t];
        ot->name = it->name;
        ot->partition_count = it->partition_count < 0 ? 0 : it->partition_count;
        if (ot->partition_count > 0) {
            ot->partitions =
                wire_arena_calloc(&a, (size_t)ot->partition_count, sizeof *ot->partitions);
            if (!ot->partitions) {
                out.topics = NULL;
                break;
            }
        }
        for (int32_t p = 0; p < ot->partition_count; p++)
            lookup(req, in.replica_id, it->name, &it->partitions[p], &ot->partitions[p], &a);
    }
    if (out.topic_count > 0 && !out.topics)
        return broker_request_fail(req, &a, "out of memory");
    proto_list_offsets_resp_encode(req->out, v, &out);
    wire_arena_free(&a);
    return 0;
}
