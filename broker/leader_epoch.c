/*
 * leader_epoch.c - the current leader epoch of a partition served here and
 * the KIP-320 fencing shared by Fetch, ListOffsets and OffsetForLeaderEpoch
 * (h_fetch.c, h_offsets.c, h_epoch.c), so the three answer alike and agree
 * with Metadata (h_metadata.c standalone, h_cluster.c in cluster mode).
 *
 * The epoch of an offset is read from the batch header that holds it (the
 * partitionLeaderEpoch the leader stamped), which is what Kafka's
 * epochForOffset finds in the leader-epoch cache for data its leaders
 * appended.
 */
#include "broker/leader_epoch.h"

#include <errno.h>
#include <unistd.h>

#include "broker/broker.h"
#include "broker/cluster.h"
#include "wire/kafka.h"

int16_t leader_epoch_partition(broker *b, wire_str topic, int32_t partition, int leader_only,
                               topic_partition **tpp, int32_t *epoch) {
    *tpp = NULL;
    *epoch = -1;
    int32_t current = LEADER_EPOCH_STANDALONE;
    if (topic.len < 0 || !topic.ptr)
        return KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
    topic_partition *tp = topics_partition(b->topics, topic.ptr, topic.len, partition);
    if (b->cluster) {
        int16_t err = cluster_partition_check(b->cluster, topic.ptr, topic.len, partition);
        if (err != KAFKA_NONE && (leader_only || err == KAFKA_UNKNOWN_TOPIC_OR_PARTITION))
            return err;
        const cluster_topic *ct = cluster_topic_find(b->cluster, topic.ptr, topic.len);
        if (!ct || partition < 0 || partition >= ct->partition_count ||
            !ct->partitions[partition].has_state)
            return err != KAFKA_NONE ? err : KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
        if (err != KAFKA_NONE && (!tp || !tp->repl))
            return err; /* not a replica here: only the leader's answer */
        current = ct->partitions[partition].leader_epoch;
    }
    if (!tp || !tp->lg)
        return KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
    *tpp = tp;
    *epoch = current;
    return KAFKA_NONE;
}

int16_t leader_epoch_fence(int32_t requested, int32_t current) {
    if (requested < 0 || requested == current)
        return KAFKA_NONE;
    return requested < current ? KAFKA_FENCED_LEADER_EPOCH : KAFKA_UNKNOWN_LEADER_EPOCH;
}

/* RecordBatch v2: baseOffset (8), batchLength (4), partitionLeaderEpoch (4). */
#define EPOCH_FIELD_END 16

int32_t leader_epoch_at(log *lg, int64_t offset) {
    if (offset >= log_end_offset(lg))
        return log_latest_epoch(lg);
    log_region region;
    if (log_read(lg, offset, EPOCH_FIELD_END, -1, &region) != LOG_OK ||
        region.length < EPOCH_FIELD_END)
        return -1;
    uint8_t head[EPOCH_FIELD_END];
    ssize_t k;
    do
        k = pread(region.fd, head, sizeof head, (off_t)region.position);
    while (k < 0 && errno == EINTR);
    if (k != (ssize_t)sizeof head)
        return -1;
    int32_t epoch = (int32_t)wire_be32(head + 12);
    return epoch >= 0 ? epoch : -1;
}

int64_t leader_epoch_start_offset(log *lg, int32_t current) {
    if (current <= 0)
        return -1;
    int32_t latest = log_latest_epoch(lg);
    if (latest < current)
        return log_end_offset(lg); /* nothing appended in this epoch yet */
    if (latest > current)
        return -1;
    /* The entry below current ends where current starts. */
    int32_t epoch;
    int64_t end;
    if (log_epoch_end_offset(lg, current - 1, &epoch, &end) != LOG_OK)
        return -1;
    return end;
}
