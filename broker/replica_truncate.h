/*
 * replica_truncate.h - where a broker that becomes follower cuts its log
 * (KIP-101 with KIP-279's refinement), as a pure function of the leader's
 * OffsetForLeaderEpoch answer and the follower's own state. No I/O: the
 * fetcher (replica_follower.c) asks the leader, looks up its own epoch
 * cache (log_epoch_end_offset), calls this, and truncates.
 *
 * The exchange: the follower sends its latest cached leader epoch E (-1
 * when it has none); the leader answers (epoch L <= E, end offset of L in
 * its log) or UNDEFINED (-1, -1). The follower then looks up L in its own
 * cache ((F, end of F) = the largest own epoch <= L and where it ends).
 * Kafka's AbstractFetcherThread.getOffsetTruncationState:
 *   - an error: nothing decided, ask again later;
 *   - end offset UNDEFINED (the leader knows no epoch <= E, or E = -1): the
 *     high-watermark rule, min(HW, log end);
 *   - epoch UNDEFINED with an end offset (an old leader): min(end, log end);
 *   - the follower has no entry for L: min(leader end, log end);
 *   - F != L (the follower never had L): cut to min(end of F, log end)
 *     and ask again with the new latest epoch (not settled);
 *   - F == L: min(end of F, leader end, log end), settled.
 * Memory: none. Thread-safety: pure.
 */
#ifndef STRAND_BROKER_REPLICA_TRUNCATE_H
#define STRAND_BROKER_REPLICA_TRUNCATE_H

#include <stdint.h>

typedef struct replica_trunc_input {
    int16_t error;          /* the partition's error code in the answer */
    int32_t leader_epoch;   /* epoch the leader answered, -1 undefined */
    int64_t leader_end;     /* its end offset, -1 undefined */
    int64_t log_end;        /* follower's log end offset */
    int64_t high_watermark; /* follower's high watermark */
    int32_t follower_epoch; /* follower's largest epoch <= leader_epoch, -1 none */
    int64_t follower_end;   /* where that epoch ends in the follower's log, -1 none */
} replica_trunc_input;

enum replica_trunc_action {
    REPLICA_TRUNC_RETRY = 0, /* no decision (error): ask again later */
    REPLICA_TRUNC_DONE = 1,  /* cut to offset (if below log end), then fetch */
    REPLICA_TRUNC_AGAIN = 2, /* cut to offset (if below log end), then ask again */
};

typedef struct replica_trunc_decision {
    int action;     /* enum replica_trunc_action */
    int64_t offset; /* new log end (never above log_end), -1 for RETRY */
} replica_trunc_decision;

replica_trunc_decision replica_truncation_decide(const replica_trunc_input *in);

#endif
