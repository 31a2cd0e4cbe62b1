/*
 * replica_truncate.c - the follower's truncation decision from the
 * leader's OffsetForLeaderEpoch answer (replica_truncate.h). Pure, so the
 * KIP-101/KIP-279 cases are unit-tested without brokers.
 */
#include "broker/replica_truncate.h"

#include "wire/kafka.h"

static int64_t min64(int64_t a, int64_t b) {
    return a < b ? a : b;
}

replica_trunc_decision replica_truncation_decide(const replica_trunc_input *in) {
    replica_trunc_decision d = {REPLICA_TRUNC_RETRY, -1};
    if (in->error != KAFKA_NONE)
        return d;
    d.action = REPLICA_TRUNC_DONE;
    if (in->leader_end < 0) {
        /* No epoch in common that the leader knows: the high watermark
         * rule (everything below it is committed on every replica). */
        d.offset = min64(in->high_watermark < 0 ? 0 : in->high_watermark, in->log_end);
    } else if (in->leader_epoch < 0 || in->follower_end < 0) {
        d.offset = min64(in->leader_end, in->log_end);
    } else if (in->follower_epoch != in->leader_epoch) {
        /* We never had the leader's epoch: cut to where our largest epoch
         * below it ends and ask again for the epoch before. */
        d.action = REPLICA_TRUNC_AGAIN;
        d.offset = min64(in->follower_end, in->log_end);
    } else {
        d.offset = min64(min64(in->follower_end, in->leader_end), in->log_end);
    }
    if (d.offset < 0)
        d.offset = 0;
    return d;
}
