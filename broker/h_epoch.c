/*
 * h_epoch.c - OffsetForLeaderEpoch v0-4: where a leader epoch ends in this
 * broker's log of a partition, from the log's leader-epoch cache
 * (log_epoch_end_offset in log/log.h). Followers use it to find a divergent
 * suffix to truncate (KIP-101, KIP-279); clients to detect log truncation
 * (KIP-320).
 *
 * The partition's current leader epoch is what Metadata reports: 0 in a
 * standalone broker (which stamps 0 into every batch it appends), the
 * leader epoch of the partition state in cluster mode. Only the leader
 * answers (NOT_LEADER_OR_FOLLOWER elsewhere, as Kafka). A request's
 * current_leader_epoch (v2+, when >= 0) below the current epoch gets
 * FENCED_LEADER_EPOCH, above it UNKNOWN_LEADER_EPOCH (leader_epoch.h, the
 * same rules as Fetch and ListOffsets).
 *
 * Kafka's leader records its epoch in the cache when it becomes leader,
 * starting at its log end, before anything is appended in that epoch. Here
 * nothing writes the cache at election, so the answer treats the current
 * epoch as such an entry when the cache has not seen it yet (see
 * leader_end_offset). The cache itself is not modified.
 */
#include <string.h>

#include "broker/broker.h"
#include "broker/leader_epoch.h"
#include "broker/topics.h"
#include "log/log.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

/* log_epoch_end_offset as if (current, log end) were the cache's latest
 * entry whenever the cache's own latest epoch is below current. */
static void leader_end_offset(log *lg, int32_t current, int32_t requested, int32_t *epoch,
                              int64_t *end) {
    int32_t latest = log_latest_epoch(lg);
    if (current <= latest || requested < 0 || requested < latest) {
        log_epoch_end_offset(lg, requested, epoch, end);
        return;
    }
    *epoch = -1;
    *end = -1;
    if (requested > current)
        return; /* above every epoch */
    *end = log_end_offset(lg);
    if (requested == current || latest < 0)
        *epoch = requested; /* the current epoch, or below every known epoch */
    else
        *epoch = latest; /* latest <= requested < current: latest ends where current starts */
}

static void answer(broker_request *req, wire_str topic,
                   const proto_offset_for_leader_epoch_req_partition *in,
                   proto_offset_for_leader_epoch_resp_partition *out) {
    out->partition = in->partition;
    out->leader_epoch = -1;
    out->end_offset = -1;
    topic_partition *tp;
    int32_t current;
    out->error_code = leader_epoch_partition(req->b, topic, in->partition, 1, &tp, &current);
    if (out->error_code == KAFKA_NONE)
        out->error_code = leader_epoch_fence(in->current_leader_epoch, current);
    if (out->error_code == KAFKA_NONE)
        leader_end_offset(tp->lg, current, in->leader_epoch, &out->leader_epoch, &out->end_offset);
}

int h_offset_for_leader_epoch(broker_request *req) {
    int16_t v = req->api_version;
    wire_arena a;
    wire_arena_init(&a);
    proto_offset_for_leader_epoch_req in;
    if (proto_offset_for_leader_epoch_req_decode(&req->body, v, &a, &in) != 0)
        return broker_request_fail(req, &a, "OffsetForLeaderEpoch body");
    proto_offset_for_leader_epoch_resp out;
    memset(&out, 0, sizeof out);
    out.topic_count = in.topic_count < 0 ? 0 : in.topic_count;
    if (out.topic_count > 0) {
        out.topics = wire_arena_calloc(&a, (size_t)out.topic_count, sizeof *out.topics);
        if (!out.topics)
            return broker_request_fail(req, &a, "out of memory");
    }
    for (int32_t t = 0; t < out.topic_count; t++) {
        const proto_offset_for_leader_epoch_req_topic *it = &in.topics[t];
        proto_offset_for_leader_epoch_resp_topic *ot = &out.topics[t];
        ot->name = it->name;
        ot->partition_count = it->partition_count < 0 ? 0 : it->partition_count;
        if (ot->partition_count > 0) {
            ot->partitions =
                wire_arena_calloc(&a, (size_t)ot->partition_count, sizeof *ot->partitions);
            if (!ot->partitions)
                return broker_request_fail(req, &a, "out of memory");
        }
        for (int32_t p = 0; p < ot->partition_count; p++)
            answer(req, it->name, &it->partitions[p], &ot->partitions[p]);
    }
    proto_offset_for_leader_epoch_resp_encode(req->out, v, &out);
    wire_arena_free(&a);
    return 0;
}
