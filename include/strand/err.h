/*
 * strand/err.h - the one error enum of libstrand.
 *
 * Every function that can fail returns a strand_err (or reports one through
 * a message or a delivery report). STRAND_OK is 0; everything else is
 * negative:
 *
 *   -1 .. -99       local errors, detected by the library itself;
 *   -1000 - code    an error code sent by the broker (the Kafka protocol's
 *                   numbering), e.g. STRAND_ERR_KAFKA(6) for
 *                   NOT_LEADER_OR_FOLLOWER. Kafka's UNKNOWN_SERVER_ERROR (-1)
 *                   maps to -999.
 *
 * strand_err_str() names every value; for the broker range it gives Kafka's
 * own name ("NOT_LEADER_OR_FOLLOWER") so that logs match what Kafka users
 * search for. All functions here are pure and thread-safe.
 */
#ifndef STRAND_ERR_H
#define STRAND_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strand_err {
    STRAND_OK = 0,
    STRAND_ERR_INVALID_ARG = -1,        /* a NULL or out-of-range argument */
    STRAND_ERR_CONFIG = -2,             /* unknown configuration key or bad value */
    STRAND_ERR_NOMEM = -3,              /* an allocation failed */
    STRAND_ERR_QUEUE_FULL = -4,         /* queue.buffering.max.* reached; poll and retry */
    STRAND_ERR_TIMED_OUT = -5,          /* a deadline passed (request, delivery, flush) */
    STRAND_ERR_TRANSPORT = -6,          /* connection failed or dropped */
    STRAND_ERR_UNKNOWN_TOPIC = -7,      /* the cluster does not know the topic */
    STRAND_ERR_UNKNOWN_PARTITION = -8,  /* the topic has no such partition */
    STRAND_ERR_MSG_TOO_LARGE = -9,      /* a record or batch above message.max.bytes */
    STRAND_ERR_CLOSED = -10,            /* the client is closing or closed */
    STRAND_ERR_STATE = -11,             /* not allowed now (e.g. partition not assigned) */
    STRAND_ERR_UNSUPPORTED = -12,       /* the broker or library does not support it */
    STRAND_ERR_PARTITION_EOF = -13,     /* consumer reached the end of a partition */
    STRAND_ERR_BAD_MSG = -14,           /* malformed data (bad CRC, bad batch, bad response) */
    STRAND_ERR_RESOLVE = -15,           /* a broker host name did not resolve */
    STRAND_ERR_MAX_POLL_EXCEEDED = -16, /* max.poll.interval.ms passed between polls:
                                         * the consumer left its group */
    STRAND_ERR_KAFKA_BASE = -1000,      /* STRAND_ERR_KAFKA(code) = -1000 - code */
} strand_err;

/* The strand_err for a Kafka protocol error code (0 gives STRAND_OK). */
#define STRAND_ERR_KAFKA(code) ((code) == 0 ? STRAND_OK : (strand_err)(-1000 - (code)))

/* The broker errors a client meets most often, by name. */
#define STRAND_ERR_OFFSET_OUT_OF_RANGE STRAND_ERR_KAFKA(1)
#define STRAND_ERR_CORRUPT_MESSAGE STRAND_ERR_KAFKA(2)
#define STRAND_ERR_UNKNOWN_TOPIC_OR_PARTITION STRAND_ERR_KAFKA(3)
#define STRAND_ERR_LEADER_NOT_AVAILABLE STRAND_ERR_KAFKA(5)
#define STRAND_ERR_NOT_LEADER_OR_FOLLOWER STRAND_ERR_KAFKA(6)
#define STRAND_ERR_REQUEST_TIMED_OUT STRAND_ERR_KAFKA(7)
#define STRAND_ERR_MESSAGE_TOO_LARGE STRAND_ERR_KAFKA(10)
#define STRAND_ERR_NOT_ENOUGH_REPLICAS STRAND_ERR_KAFKA(19)
#define STRAND_ERR_INVALID_REQUIRED_ACKS STRAND_ERR_KAFKA(21)
#define STRAND_ERR_UNSUPPORTED_VERSION STRAND_ERR_KAFKA(35)

/* A short text for `err`: a description for local errors ("local queue is
 * full") and Kafka's name for broker errors ("NOT_LEADER_OR_FOLLOWER").
 * Unknown values give "unknown error". Never NULL; the string is static. */
const char *strand_err_str(strand_err err);

/* The Kafka protocol code of a broker error (STRAND_ERR_KAFKA(c) -> c), or 0
 * when `err` is not in the broker range. */
int strand_err_kafka_code(strand_err err);

/* 1 if retrying the same operation later may succeed (timeouts, transport
 * errors, leader changes, unknown topic while it is being created, the
 * retriable Kafka codes), 0 otherwise. */
int strand_err_is_retriable(strand_err err);

#ifdef __cplusplus
}
#endif

#endif
