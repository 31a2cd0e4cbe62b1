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
#include "broker/cluster.h"
#include "broker/logging.h"
#include "broker/topics.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

static void lookup(broker_request *req, wire_str name, const proto_list_offsets_req_partition *in,
                   proto_list_offsets_resp_partition *out, wire_arena *a) {
    topic_partition *tp = topics_partition(req->b->topics, name.ptr, name.len, in->partition_index);
    int16_t error = KAFKA_NONE;
    int64_t offset = -1, ts = -1;
    int16_t not_here = req->b->cluster ? cluster_partition_check(req->b->cluster, name.ptr,
                                                                 name.len, in->partition_index)
                                       : KAFKA_NONE;
    if (not_here != KAFKA_NONE) {
        error = not_here; /* cluster mode: another broker leads it */
    } else if (!tp || !tp->lg) {
        error = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
    } else if (in->timestamp == PROTO_LIST_OFFSETS_LATEST) {
        offset = log_end_offset(tp->lg);
    } else if (in->timestamp == PROTO_LIST_OFFSETS_EARLIEST) {
        offset = log_start_offset(tp->lg);
    } else if (in->timestamp < 0) {
        error = KAFKA_INVALID_REQUEST; /* -3 (max timestamp) needs v7 */
    } else {
        int rc = log_offset_for_time(tp->lg, in->timestamp, &offset, &ts);
        if (rc != LOG_OK) {
            error = log_status_to_kafka(rc);
            BLOG_E("topic=%.*s partition=%" PRId32 ": time lookup failed: %s", (int)name.len,
                   name.ptr, in->partition_index, log_strerror(rc));
        }
    }
    out->partition_index = in->partition_index;
    out->error_code = error;
    out->timestamp = error == KAFKA_NONE ? ts : -1;
    out->offset = error == KAFKA_NONE ? offset : -1;
    out->leader_epoch = error == KAFKA_NONE ? 0 : -1;
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
            lookup(req, it->name, &it->partitions[p], &ot->partitions[p], &a);
    }
    if (out.topic_count > 0 && !out.topics)
        return broker_request_fail(req, &a, "out of memory");
    proto_list_offsets_resp_encode(req->out, v, &out);
    wire_arena_free(&a);
    return 0;
}
