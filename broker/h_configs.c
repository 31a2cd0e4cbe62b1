/*
 * h_configs.c - DescribeConfigs v0..v3 for topic and broker resources.
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

enum { RESOURCE_TOPIC = 2, RESOURCE_BROKER = 4 };
enum { SOURCE_DYNAMIC_TOPIC = 1, SOURCE_STATIC_BROKER = 4, SOURCE_DEFAULT = 5 };
enum { TYPE_BOOLEAN = 1, TYPE_STRING = 2, TYPE_INT = 3, TYPE_LONG = 5, TYPE_LIST = 7 };

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
      c->cleanup_policy == LOG_CLEANUP_COMPACT ? "compact" : "delete");
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
#undef SRC
}

int h_describe_configs(broker_request *req) {
    wire_reader *r = &req->body;
    int16_t v = req->api_version;
    int32_t n = wire_read_array_len(r, 0);
    if (broker_decode_failed(req, r, "DescribeConfigs header"))
        return -1;
    /* The flags follow the resources: remember where the array starts. */
    wire_reader again = *r;
    for (int32_t i = 0; i < n && !r->err; i++) {
        wire_read_i8(r);
        wire_read_str(r, 0);
        int32_t nk = wire_read_array_len(r, 0);
        for (int32_t k = 0; k < nk && !r->err; k++)
            wire_read_str(r, 0);
    }
    int synonyms = v >= 1 ? wire_read_i8(r) != 0 : 0;
    if (v >= 3)
        wire_read_i8(r); /* include_documentation: no documentation strings */
    (void)synonyms;      /* synonyms are always returned empty */
    if (broker_decode_failed(req, r, "DescribeConfigs body"))
        return -1;
    wire_writer *w = req->out;
    wire_write_i32(w, 0); /* throttle_time_ms */
    wire_write_array_len(w, 0, n < 0 ? 0 : n);
    config_entry *entries = malloc(MAX_ENTRIES * sizeof *entries);
    if (!entries) {
        req->why = "out of memory";
        return -1;
    }
    for (int32_t i = 0; i < n; i++) {
        int8_t type = wire_read_i8(&again);
        wire_str name = wire_read_str(&again, 0);
        int32_t nk = wire_read_array_len(&again, 0);
        wire_reader keys = again;
        for (int32_t k = 0; k < nk; k++)
            wire_read_str(&again, 0);
        int count = 0;
        int16_t error = KAFKA_NONE;
        const char *msg = NULL;
        char idbuf[16];
        snprintf(idbuf, sizeof idbuf, "%" PRId32, req->b->cfg.broker_id);
        if (type == RESOURCE_TOPIC) {
            topic *tp = topics_find(req->b->topics, name.ptr, name.len);
            if (tp)
                topic_entries(tp, entries, &count);
            else {
                error = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
                msg = "unknown topic";
            }
        } else if (type == RESOURCE_BROKER) {
            if (name.len == 0 || wire_str_eq(name, idbuf))
                broker_entries(req->b, entries, &count);
            else {
                error = KAFKA_INVALID_REQUEST;
                msg = "unknown broker id";
            }
        } else {
            error = KAFKA_INVALID_REQUEST;
            msg = "only topic (2) and broker (4) resources are supported";
        }
        wire_write_i16(w, error);
        wire_write_str(w, 0, msg ? wire_str_from(msg) : WIRE_STR_NULL);
        wire_write_i8(w, type);
        wire_write_str(w, 0, name);
        /* Keep only the requested keys when a list was given. */
        int keep[MAX_ENTRIES], nkeep = 0;
        for (int e = 0; e < count; e++) {
            int wanted = nk < 0;
            wire_reader kr = keys;
            for (int32_t k = 0; !wanted && k < nk; k++)
                wanted = wire_str_eq(wire_read_str(&kr, 0), entries[e].name);
            if (wanted)
                keep[nkeep++] = e;
        }
        wire_write_array_len(w, 0, nkeep);
        for (int j = 0; j < nkeep; j++) {
            config_entry *c = &entries[keep[j]];
            wire_write_cstr(w, 0, c->name);
            wire_write_cstr(w, 0, c->value);
            wire_write_i8(w, 0); /* read_only */
            if (v == 0)
                wire_write_i8(w, c->source == SOURCE_DEFAULT);
            else
                wire_write_i8(w, (int8_t)c->source);
            wire_write_i8(w, 0); /* is_sensitive */
            if (v >= 1)
                wire_write_array_len(w, 0, 0); /* synonyms */
            if (v >= 3) {
                wire_write_i8(w, (int8_t)c->type);
                wire_write_str(w, 0, WIRE_STR_NULL); /* documentation */
            }
        }
    }
    free(entries);
    return 0;
}
