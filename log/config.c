/*
 * config.c - log configuration (Kafka topic-config names and defaults) and
 * the log's status codes with their Kafka error mapping.
 *
 * Values are parsed strictly: a number must be all digits (an optional
 * leading '-'), in range for its field; min.cleanable.dirty.ratio is a
 * decimal in [0, 1]. cleanup.policy=compact is carried out by log_clean
 * (cleaner.c).
 */
#include "log/log.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "wire/kafka.h"

void log_config_init(log_config *cfg) {
    cfg->segment_bytes = 1073741824;
    cfg->segment_ms = 604800000;
    cfg->retention_ms = 604800000;
    cfg->retention_bytes = -1;
    cfg->index_interval_bytes = 4096;
    cfg->segment_index_bytes = 10485760;
    cfg->flush_messages = INT64_MAX;
    cfg->flush_ms = INT64_MAX;
    cfg->max_message_bytes = 1048588;
    cfg->cleanup_policy = LOG_CLEANUP_DELETE;
    cfg->timestamp_type = LOG_TIMESTAMP_CREATE_TIME;
    cfg->delete_retention_ms = 86400000;
    cfg->min_compaction_lag_ms = 0;
    cfg->min_cleanable_dirty_ratio = 0.5;
}

static int parse_i64(const char *v, int64_t lo, int64_t hi, int64_t *out) {
    if (!v || !*v)
        return LOG_ERR_CONFIG;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end || x < lo || x > hi)
        return LOG_ERR_CONFIG;
    *out = x;
    return LOG_OK;
}

int log_config_check(const log_config *c) {
    if (c->segment_bytes < 14 || c->segment_bytes > INT32_MAX)
        return LOG_ERR_CONFIG;
    if (c->segment_ms < 1 || c->retention_ms < -1 || c->retention_bytes < -1)
        return LOG_ERR_CONFIG;
    if (c->index_interval_bytes < 0 || c->segment_index_bytes < 4)
        return LOG_ERR_CONFIG;
    if (c->flush_messages < 1 || c->flush_ms < 0 || c->max_message_bytes < 0)
        return LOG_ERR_CONFIG;
    if (c->cleanup_policy != LOG_CLEANUP_DELETE && c->cleanup_policy != LOG_CLEANUP_COMPACT &&
        c->cleanup_policy != LOG_CLEANUP_COMPACT_DELETE)
        return LOG_ERR_CONFIG;
    if (c->delete_retention_ms < 0 || c->min_compaction_lag_ms < 0)
        return LOG_ERR_CONFIG;
    if (!(c->min_cleanable_dirty_ratio >= 0.0 && c->min_cleanable_dirty_ratio <= 1.0))
        return LOG_ERR_CONFIG;
    if (c->timestamp_type != LOG_TIMESTAMP_CREATE_TIME &&
        c->timestamp_type != LOG_TIMESTAMP_LOG_APPEND_TIME)
        return LOG_ERR_CONFIG;
    return LOG_OK;
}

int log_config_set(log_config *c, const char *key, const char *value) {
    int64_t v;
    int rc;
    if (!key || !value)
        return LOG_ERR_CONFIG;
    if (!strcmp(key, "cleanup.policy")) {
        if (!strcmp(value, "delete"))
            c->cleanup_policy = LOG_CLEANUP_DELETE;
        else if (!strcmp(value, "compact"))
            c->cleanup_policy = LOG_CLEANUP_COMPACT;
        else if (!strcmp(value, "compact,delete") || !strcmp(value, "delete,compact"))
            c->cleanup_policy = LOG_CLEANUP_COMPACT_DELETE;
        else
            return LOG_ERR_CONFIG;
        return LOG_OK;
    }
    if (!strcmp(key, "min.cleanable.dirty.ratio")) {
        char *end;
        errno = 0;
        double d = strtod(value, &end);
        if (!*value || errno || *end || !(d >= 0.0 && d <= 1.0))
            return LOG_ERR_CONFIG;
        c->min_cleanable_dirty_ratio = d;
        return LOG_OK;
    }
    if (!strcmp(key, "message.timestamp.type")) {
        if (!strcmp(value, "CreateTime"))
            c->timestamp_type = LOG_TIMESTAMP_CREATE_TIME;
        else if (!strcmp(value, "LogAppendTime"))
            c->timestamp_type = LOG_TIMESTAMP_LOG_APPEND_TIME;
        else
            return LOG_ERR_CONFIG;
        return LOG_OK;
    }
    static const struct {
        const char *key;
        size_t off;
        int is32;
        int64_t lo, hi;
    } nums[] = {
        {"segment.bytes", offsetof(log_config, segment_bytes), 0, 14, INT32_MAX},
        {"segment.ms", offsetof(log_config, segment_ms), 0, 1, INT64_MAX},
        {"retention.ms", offsetof(log_config, retention_ms), 0, -1, INT64_MAX},
        {"retention.bytes", offsetof(log_config, retention_bytes), 0, -1, INT64_MAX},
        {"index.interval.bytes", offsetof(log_config, index_interval_bytes), 1, 0, INT32_MAX},
        {"segment.index.bytes", offsetof(log_config, segment_index_bytes), 1, 4, INT32_MAX},
        {"flush.messages", offsetof(log_config, flush_messages), 0, 1, INT64_MAX},
        {"flush.ms", offsetof(log_config, flush_ms), 0, 0, INT64_MAX},
        {"max.message.bytes", offsetof(log_config, max_message_bytes), 1, 0, INT32_MAX},
        {"delete.retention.ms", offsetof(log_config, delete_retention_ms), 0, 0, INT64_MAX},
        {"min.compaction.lag.ms", offsetof(log_config, min_compaction_lag_ms), 0, 0, INT64_MAX},
    };
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        if (strcmp(key, nums[i].key))
            continue;
        rc = parse_i64(value, nums[i].lo, nums[i].hi, &v);
        if (rc != LOG_OK)
            return rc;
        char *field = (char *)c + nums[i].off;
        if (nums[i].is32) {
            int32_t x = (int32_t)v;
            memcpy(field, &x, sizeof(x));
        } else {
            memcpy(field, &v, sizeof(v));
        }
        return LOG_OK;
    }
    return LOG_ERR_CONFIG;
}

const char *log_strerror(int status) {
    switch (status) {
    case LOG_OK:
        return "ok";
    case LOG_ERR_CORRUPT:
        return "corrupt record batch";
    case LOG_ERR_TOO_LARGE:
        return "record batch larger than max.message.bytes";
    case LOG_ERR_INVALID_RECORD:
        return "record batch not acceptable";
    case LOG_ERR_IO:
        return "storage I/O error";
    case LOG_ERR_OUT_OF_RANGE:
        return "offset out of range";
    case LOG_ERR_NOMEM:
        return "out of memory";
    case LOG_ERR_CONFIG:
        return "invalid or unsupported log configuration";
    case LOG_ERR_ARG:
        return "invalid argument";
    case LOG_ERR_EXISTS:
        return "log already exists";
    case LOG_ERR_NOT_FOUND:
        return "no such log";
    }
    return "unknown log status";
}

int16_t log_status_to_kafka(int status) {
    switch (status) {
    case LOG_OK:
        return KAFKA_NONE;
    case LOG_ERR_CORRUPT:
        return KAFKA_CORRUPT_MESSAGE;
    case LOG_ERR_TOO_LARGE:
        return KAFKA_MESSAGE_TOO_LARGE;
    case LOG_ERR_INVALID_RECORD:
        return KAFKA_INVALID_RECORD;
    case LOG_ERR_IO:
    case LOG_ERR_NOMEM:
        return KAFKA_KAFKA_STORAGE_ERROR;
    case LOG_ERR_OUT_OF_RANGE:
        return KAFKA_OFFSET_OUT_OF_RANGE;
    case LOG_ERR_CONFIG:
        return KAFKA_INVALID_CONFIG;
    case LOG_ERR_ARG:
        return KAFKA_INVALID_REQUEST;
    case LOG_ERR_EXISTS:
        return KAFKA_TOPIC_ALREADY_EXISTS;
    case LOG_ERR_NOT_FOUND:
        return KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
    }
    return KAFKA_UNKNOWN_SERVER_ERROR;
}
