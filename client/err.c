/*
 * err.c - names and classification of strand_err values.
 *
 * Local errors get a short description; broker errors (the STRAND_ERR_KAFKA
 * range) get the Kafka protocol's own name from wire/kafka.h, so there is
 * one error table for the protocol in the whole project. The retriable set
 * follows the Java client's RetriableException subclasses.
 */
#include "strand/err.h"

#include <stdint.h>

#include "wire/kafka.h"

/* Kafka codes live in [-1, 999] -> [-999, -1999]. */
int strand_err_kafka_code(strand_err err) {
    int e = (int)err;
    if (e > -999 || e < -1999)
        return 0;
    return -1000 - e;
}

const char *strand_err_str(strand_err err) {
    switch (err) {
    case STRAND_OK:
        return "success";
    case STRAND_ERR_INVALID_ARG:
        return "invalid argument";
    case STRAND_ERR_CONFIG:
        return "invalid configuration";
    case STRAND_ERR_NOMEM:
        return "out of memory";
    case STRAND_ERR_QUEUE_FULL:
        return "local queue is full";
    case STRAND_ERR_TIMED_OUT:
        return "timed out";
    case STRAND_ERR_TRANSPORT:
        return "broker connection failed";
    case STRAND_ERR_UNKNOWN_TOPIC:
        return "unknown topic";
    case STRAND_ERR_UNKNOWN_PARTITION:
        return "unknown partition";
    case STRAND_ERR_MSG_TOO_LARGE:
        return "message too large (message.max.bytes)";
    case STRAND_ERR_CLOSED:
        return "client is closed";
    case STRAND_ERR_STATE:
        return "operation not allowed in this state";
    case STRAND_ERR_UNSUPPORTED:
        return "not supported";
    case STRAND_ERR_PARTITION_EOF:
        return "reached end of partition";
    case STRAND_ERR_BAD_MSG:
        return "malformed data";
    case STRAND_ERR_RESOLVE:
        return "broker host name did not resolve";
    case STRAND_ERR_MAX_POLL_EXCEEDED:
        return "max.poll.interval.ms exceeded: left the consumer group";
    default:
        break;
    }
    if (strand_err_kafka_code(err) != 0) {
        const char *name = kafka_error_name((int16_t)strand_err_kafka_code(err));
        return name ? name : "UNKNOWN_ERROR_CODE";
    }
    return "unknown error";
}

int strand_err_is_retriable(strand_err err) {
    switch (err) {
    case STRAND_ERR_QUEUE_FULL:
    case STRAND_ERR_TIMED_OUT:
    case STRAND_ERR_TRANSPORT:
    case STRAND_ERR_RESOLVE:
        return 1;
    default:
        break;
    }
    switch (strand_err_kafka_code(err)) {
    case KAFKA_CORRUPT_MESSAGE:
    case KAFKA_UNKNOWN_TOPIC_OR_PARTITION:
    case KAFKA_LEADER_NOT_AVAILABLE:
    case KAFKA_NOT_LEADER_OR_FOLLOWER:
    case KAFKA_REQUEST_TIMED_OUT:
    case KAFKA_REPLICA_NOT_AVAILABLE:
    case KAFKA_NETWORK_EXCEPTION:
    case KAFKA_COORDINATOR_LOAD_IN_PROGRESS:
    case KAFKA_COORDINATOR_NOT_AVAILABLE:
    case KAFKA_NOT_COORDINATOR:
    case KAFKA_NOT_ENOUGH_REPLICAS:
    case KAFKA_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case KAFKA_CONCURRENT_TRANSACTIONS:
    case KAFKA_KAFKA_STORAGE_ERROR:
    case KAFKA_FETCH_SESSION_ID_NOT_FOUND:
    case KAFKA_INVALID_FETCH_SESSION_EPOCH:
    case KAFKA_FENCED_LEADER_EPOCH:
    case KAFKA_UNKNOWN_LEADER_EPOCH:
    case KAFKA_OFFSET_NOT_AVAILABLE:
    case KAFKA_PREFERRED_LEADER_NOT_AVAILABLE:
    case KAFKA_ELIGIBLE_LEADERS_NOT_AVAILABLE:
    case KAFKA_THROTTLING_QUOTA_EXCEEDED:
    case KAFKA_UNKNOWN_TOPIC_ID:
        return 1;
    default:
        return 0;
    }
}
