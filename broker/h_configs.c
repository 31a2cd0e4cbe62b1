/*
 * h_configs.c - DescribeConfigs v0..v2 for topic and broker resources, over the
 * protocol.h codec.
 *
 * Topic resources list every topic config with its effective value and its
 * source: DYNAMIC_TOPIC_CONFIG when the topic overrides it, DEFAULT_CONFIG
 * otherwise (v0: is_default). The broker resource lists this broker's
 * settings, STATIC_BROKER_CONFIG when set by file/flags, else DEFAULT_CONFIG.
 * A non-null key list restricts the answer to those keys.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/topics.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

enum { SOURCE_DYNAMIC_TOPIC = 1, SOURCE_STATIC_BROKER = 4, SOURCE_DEFAULT = 5 };
enum {
    TYPE_BOOLEAN = 1,
    TYPE_STRING = 2,
    TYPE_INT = 3,
    TYPE_LONG = 5,
    TYPE_DOUBLE = 6,
    TYPE_LIST = 7
};

typedef struct config_entry {
    const char *name;
    char value[BROKER_PATH_MAX + 32];
    int source;
    int type;
} config_entry;

#define MAX_ENTRIES 40

static void add(config_entry *e, int *n, const char *name, int type, int source, const char *fmt,
                ...) __attribute__((format(printf, 6, 7)));

#include <stdarg.h>
static void add(config_entry *e, int *n, const char *name, int type, int source, const char *fmt,
                ...) {
    if (*n >= MAX_ENTRIES)
        return;
    config_entry *c = &e[(*n)++];
    c->name = name;
    c->type = type;
    c->source = source;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->value, sizeof c->value, fmt, ap);
    va_end(ap);
}

static int topic_source(const topic *tp, const char *key) {
    for (int i = 0; i < tp->override_count; i++)
        if (!strcmp(tp->overrides[i].key, key))
            return SOURCE_DYNAMIC_TOPIC;
    return SOURCE_DEFAULT;
}

static void topic_entries(const topic *tp, config_entry *e, int *n) {
    const log_config *c = &tp->cfg;
#define T(key, type, fmt, val) add(e, n, key, type, topic_source(tp, key), fmt, val)
    T("cleanup.policy", TYPE_LIST, "%s",
      c->cleanup_policy == LOG_CLEANUP_COMPACT          ? "compact"
      : c->cleanup_policy == LOG_CLEANUP_COMPACT_DELETE ? "compact,delete"
                                                        : "delete");
    T("delete.retention.ms", TYPE_LONG, "%" PRId64, c->delete_retention_ms);
    T("min.compaction.lag.ms", TYPE_LONG, "%" PRId64, c->min_compaction_lag_ms);
    T("min.cleanable.dirty.ratio", TYPE_DOUBLE, "%g", c->min_cleanable_dirty_ratio);
    T("retention.ms", TYPE_LONG, "%" PRId64, c->retention_ms);
    T("retention.bytes", TYPE_LONG, "%" PRId64, c->retention_bytes);
    T("segment.bytes", TYPE_INT, "%" PRId64, c->segment_bytes);
    T("segment.ms", TYPE_LONG, "%" PRId64, c->segment_ms);
    T("segment.index.bytes", TYPE_INT, "%" PRId32, c->segment_index_bytes);
    T("index.interval.bytes", TYPE_INT, "%" PRId32, c->index_interval_bytes);
    T("max.message.bytes", TYPE_INT, "%" PRId32, c->max_message_bytes);
    T("flush.messages", TYPE_LONG, "%" PRId64, c->flush_messages);
    T("flush.ms", TYPE_LONG, "%" PRId64, c->flush_ms);
    T("message.timestamp.type", TYPE_STRING, "%s",
      c->timestamp_type == LOG_TIMESTAMP_LOG_APPEND_TIME ? "LogAppendTime" : "CreateTime");
#undef T
}

static void broker_entries(const broker *b, config_entry *e, int *n) {
    broker_config d;
    broker_config_init(&d);
    const broker_config *c = &b->cfg;
    const log_config *l = &c->log_defaults, *dl = &d.log_defaults;
#define SRC(changed) ((changed) ? SOURCE_STATIC_BROKER : SOURCE_DEFAULT)
    add(e, n, "broker.id", TYPE_INT, SRC(c->broker_id != d.broker_id), "%" PRId32, c->broker_id);
    add(e, n, "listeners", TYPE_LIST, SOURCE_STATIC_BROKER, "PLAINTEXT://%s:%d", c->listen_host,
        b->advertised_port && !c->listen_port ? b->advertised_port : c->listen_port);
    add(e, n, "advertised.listeners", TYPE_LIST, SRC(c->advertised_host[0] != 0),
        "PLAINTEXT://%s:%d", b->advertised_host, b->advertised_port);
    add(e, n, "log.dirs", TYPE_STRING, SOURCE_STATIC_BROKER, "%s", c->data_dir);
    add(e, n, "num.partitions", TYPE_INT, SRC(c->num_partitions != d.num_partitions), "%" PRId32,
        c->num_partitions);
    add(e, n, "auto.create.topics.enable", TYPE_BOOLEAN,
        SRC(c->auto_create_topics != d.auto_create_topics), "%s",
        c->auto_create_topics ? "true" : "false");
    add(e, n, "socket.request.max.bytes", TYPE_INT,
        SRC(c->socket_request_max_bytes != d.socket_request_max_bytes), "%" PRId64,
        c->socket_request_max_bytes);
    add(e, n, "message.max.bytes", TYPE_INT, SRC(l->max_message_bytes != dl->max_message_bytes),
        "%" PRId32, l->max_message_bytes);
    add(e, n, "log.segment.bytes", TYPE_INT, SRC(l->segment_bytes != dl->segment_bytes), "%" PRId64,
        l->segment_bytes);
    add(e, n, "log.roll.ms", TYPE_LONG, SRC(l->segment_ms != dl->segment_ms), "%" PRId64,
        l->segment_ms);
    add(e, n, "log.retention.ms", TYPE_LONG, SRC(l->retention_ms != dl->retention_ms), "%" PRId64,
        l->retention_ms);
    add(e, n, "log.retention.bytes", TYPE_LONG, SRC(l->retention_bytes != dl->retention_bytes),
        "%" PRId64, l->retention_bytes);
    add(e, n, "log.index.interval.bytes", TYPE_INT,
        SRC(l->index_interval_bytes != dl->index_interval_bytes), "%" PRId32,
        l->index_interval_bytes);
    add(e, n, "log.flush.interval.messages", TYPE_LONG,
        SRC(l->flush_messages != dl->flush_messages), "%" PRId64, l->flush_messages);
    add(e, n, "log.flush.interval.ms", TYPE_LONG, SRC(l->flush_ms != dl->flush_ms), "%" PRId64,
        l->flush_ms);
    add(e, n, "log.retention.check.interval.ms", TYPE_LONG,
        SRC(c->retention_check_interval_ms != d.retention_check_interval_ms), "%" PRId64,
        c->retention_check_interval_ms);
    add(e, n, "log.flush.offset.checkpoint.interval.ms", TYPE_INT,
        SRC(c->checkpoint_interval_ms != d.checkpoint_interval_ms), "%" PRId64,
        c->checkpoint_interval_ms);
    if (c->zookeeper_connect[0]) {
        add(e, n, "zookeeper.connect", TYPE_STRING, SOURCE_STATIC_BROKER, "%s",
            c->zookeeper_connect);
        add(e, n, "default.replication.factor", TYPE_INT,
            SRC(c->default_replication_factor != d.default_replication_factor), "%" PRId64,
            c->default_replication_factor);
        add(e, n, "min.insync.replicas", TYPE_INT,
            SRC(c->min_insync_replicas != d.min_insync_replicas), "%" PRId64,
            c->min_insync_replicas);
    }
#undef SRC
}

static int wanted(const proto_describe_configs_req_resource *res, const char *name) {
    if (res->config_key_count < 0)
        return 1;
    for (int32_t k = 0; k < res->config_key_count; k++)
        if (wire_str_eq(res->config_keys[k], name))
            return 1;
    return 0;
}

/* Fill one result; -1 on ENOMEM. */
static int describe_one(broker_request *req, wire_arena *a,
                        const proto_describe_configs_req_resource *res,
                        proto_describe_configs_result *out, config_entry *entries) {
    int count = 0;
    char idbuf[16];
    snprintf(idbuf, sizeof idbuf, "%" PRId32, req->b->cfg.broker_id);
    out->error_code = KAFKA_NONE;
    out->error_message = WIRE_STR_NULL;
    out->resource_type = res->resource_type;
    out->resource_name = res->resource_name;
    if (res->resource_type == PROTO_RESOURCE_TOPIC) {
        topic *tp = topics_find(req->b->topics, res->resource_name.ptr, res->resource_name.len);
        if (tp) {
            topic_entries(tp, entries, &count);
        } else {
            out->error_code = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
            out->error_message = wire_str_from("unknown topic");
        }
    } else if (res->resource_type == PROTO_RESOURCE_BROKER) {
        if (res->resource_name.len == 0 || wire_str_eq(res->resource_name, idbuf)) {
            broker_entries(req->b, entries, &count);
        } else {
            out->error_code = KAFKA_INVALID_REQUEST;
            out->error_message = wire_str_from("unknown broker id");
        }
    } else {
        out->error_code = KAFKA_INVALID_REQUEST;
        out->error_message = wire_str_from("only topic (2) and broker (4) resources are supported");
    }
    out->config_count = 0;
    if (count == 0)
        return 0;
    out->configs = wire_arena_calloc(a, (size_t)count, sizeof *out->configs);
    if (!out->configs)
        return -1;
    for (int e = 0; e < count; e++) {
        if (!wanted(res, entries[e].name))
            continue;
        char *value = wire_arena_alloc(a, strlen(entries[e].value) + 1);
        if (!value)
            return -1;
        strcpy(value, entries[e].value);
        proto_describe_configs_entry *c = &out->configs[out->config_count++];
        c->name = wire_str_from(entries[e].name);
        c->value = wire_str_from(value);
        c->read_only = 0;
        c->is_default = entries[e].source == SOURCE_DEFAULT;
        c->config_source = (int8_t)entries[e].source;
        c->is_sensitive = 0;
        c->synonym_count = 0; /* synonyms are not reported */
        c->synonyms = NULL;
    }
    return 0;
}

int h_describe_configs(broker_request *req) {
    int16_t v = req->api_version;
    wire_arena a;
    wire_arena_init(&a);
    proto_describe_configs_req in;
    if (proto_describe_configs_req_decode(&req->body, v, &a, &in) != 0)
        return broker_request_fail(req, &a, "DescribeConfigs body");
    proto_describe_configs_resp out;
    memset(&out, 0, sizeof out);
    out.result_count = in.resource_count < 0 ? 0 : in.resource_count;
    config_entry *entries = malloc(MAX_ENTRIES * sizeof *entries);
    int failed = !entries;
    if (!failed && out.result_count > 0 &&
        !(out.results = wire_arena_calloc(&a, (size_t)out.result_count, sizeof *out.results)))
        failed = 1;
    for (int32_t i = 0; !failed && i < out.result_count; i++)
        failed = describe_one(req, &a, &in.resources[i], &out.results[i], entries) != 0;
    if (!failed)
        proto_describe_configs_resp_encode(req->out, v, &out);
    free(entries);
    wire_arena_free(&a);
    if (failed) {
        req->why = "out of memory";
        return -1;
    }
    return 0;
}
