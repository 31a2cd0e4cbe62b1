/*
 * kadmin.c - encoders and decoders of the admin requests used by the
 * `strand topic` commands, written on wire/buf.h.
 *
 * Only the non-flexible versions are implemented: they are all every Kafka
 * broker since 2.x and Strand offer, and they keep this file short. Field
 * lists follow the Kafka 3.7 message schemas; each function documents the
 * versions it speaks. When wire/protocol.h grows client-side codecs for
 * these APIs, the bodies here can become calls to it.
 */
#include "tools/kadmin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/kafka.h"

#define RESOURCE_TYPE_TOPIC 2

/* Send the built body and hand back the response reader; frees the body. */
static int call(kclient *c, int16_t api, int v, wire_writer *w, uint8_t **resp, wire_reader *r) {
    size_t len;
    if (w->err) {
        wire_writer_free(w);
        snprintf(c->err, sizeof c->err, "out of memory building a request");
        return -1;
    }
    int rc = kclient_call(c, api, (int16_t)v, w->p, w->len, resp, &len);
    wire_writer_free(w);
    if (rc < 0)
        return -1;
    wire_reader_init(r, *resp, len);
    return 0;
}

static int decode_failed(kclient *c, int16_t api, int v, uint8_t *resp) {
    free(resp);
    snprintf(c->err, sizeof c->err, "%s: malformed %s v%d response from the broker", c->addr,
             kafka_api_name(api), v);
    return -1;
}

static int32_t *read_i32_array(wire_reader *r, wire_arena *a, int32_t *n) {
    int32_t cnt = wire_read_array_len(r, 0);
    *n = cnt > 0 ? cnt : 0;
    int32_t *arr = *n ? wire_arena_calloc(a, (size_t)*n, sizeof *arr) : NULL;
    if (*n && !arr) {
        r->err = WIRE_ERR_NOMEM;
        *n = 0;
        return NULL;
    }
    for (int32_t i = 0; i < *n; i++)
        arr[i] = wire_read_i32(r);
    return arr;
}

/* Metadata v1-4. */
int kadmin_metadata_get(kclient *c, const char *const *names, int n, kadmin_metadata *md) {
    memset(md, 0, sizeof *md);
    wire_arena_init(&md->arena);
    int v = kclient_pick_version(c, KAFKA_API_METADATA, 1, 4);
    if (v < 0)
        return -1;
    wire_writer w;
    wire_writer_init(&w);
    if (!names) {
        wire_write_array_len(&w, 0, -1);
    } else {
        wire_write_array_len(&w, 0, n);
        for (int i = 0; i < n; i++)
            wire_write_cstr(&w, 0, names[i]);
    }
    if (v >= 4)
        wire_write_i8(&w, 0); /* allow_auto_topic_creation: a describe must not create */
    wire_reader r;
    if (call(c, KAFKA_API_METADATA, v, &w, &md->resp, &r) < 0)
        return -1;
    if (v >= 3)
        wire_read_i32(&r); /* throttle_time_ms */
    int32_t nb = wire_read_array_len(&r, 0);
    md->n_brokers = nb > 0 ? nb : 0;
    md->brokers = wire_arena_calloc(&md->arena, (size_t)md->n_brokers, sizeof *md->brokers);
    for (int32_t i = 0; i < md->n_brokers && md->brokers; i++) {
        md->brokers[i].id = wire_read_i32(&r);
        md->brokers[i].host = wire_read_str(&r, 0);
        md->brokers[i].port = wire_read_i32(&r);
        wire_read_str(&r, 0); /* rack */
    }
    if (v >= 2)
        wire_read_str(&r, 0); /* cluster_id */
    md->controller = wire_read_i32(&r);
    int32_t nt = wire_read_array_len(&r, 0);
    md->n_topics = nt > 0 ? nt : 0;
    md->topics = wire_arena_calloc(&md->arena, (size_t)md->n_topics, sizeof *md->topics);
    for (int32_t i = 0; i < md->n_topics && md->topics && !r.err; i++) {
        kadmin_topic *t = &md->topics[i];
        t->error = wire_read_i16(&r);
        t->name = wire_read_str(&r, 0);
        t->internal = wire_read_i8(&r) != 0;
        int32_t np = wire_read_array_len(&r, 0);
        t->n_partitions = np > 0 ? np : 0;
        t->partitions =
            wire_arena_calloc(&md->arena, (size_t)t->n_partitions, sizeof *t->partitions);
        for (int32_t j = 0; j < t->n_partitions && t->partitions && !r.err; j++) {
            kadmin_partition *p = &t->partitions[j];
            p->error = wire_read_i16(&r);
            p->id = wire_read_i32(&r);
            p->leader = wire_read_i32(&r);
            p->replicas = read_i32_array(&r, &md->arena, &p->n_replicas);
            p->isr = read_i32_array(&r, &md->arena, &p->n_isr);
        }
        if (t->n_partitions && !t->partitions)
            r.err = WIRE_ERR_NOMEM;
    }
    if ((md->n_brokers && !md->brokers) || (md->n_topics && !md->topics))
        r.err = WIRE_ERR_NOMEM;
    if (r.err) {
        wire_arena_free(&md->arena);
        int rc = decode_failed(c, KAFKA_API_METADATA, v, md->resp);
        md->resp = NULL;
        return rc;
    }
    return 0;
}

void kadmin_metadata_free(kadmin_metadata *md) {
    free(md->resp);
    md->resp = NULL;
    wire_arena_free(&md->arena);
}

static void copy_msg(wire_str s, char *msg, size_t cap) {
    if (!msg || !cap)
        return;
    if (s.len <= 0) {
        msg[0] = '\0';
        return;
    }
    size_t n = (size_t)s.len < cap - 1 ? (size_t)s.len : cap - 1;
    memcpy(msg, s.ptr, n);
    msg[n] = '\0';
}

/* CreateTopics v0-4. */
int kadmin_topic_create(kclient *c, const char *name, int32_t partitions,
                        int16_t replication_factor, char *const *configs, int n_configs,
                        int16_t *error, char *msg, size_t msg_cap) {
    copy_msg(WIRE_STR_NULL, msg, msg_cap);
    int v = kclient_pick_version(c, KAFKA_API_CREATE_TOPICS, 0, 4);
    if (v < 0)
        return -1;
    if (v < 4) { /* "broker default" (-1) arrived with v4 */
        if (partitions < 0)
            partitions = 1;
        if (replication_factor < 0)
            replication_factor = 1;
    }
    wire_writer w;
    wire_writer_init(&w);
    wire_write_array_len(&w, 0, 1);
    wire_write_cstr(&w, 0, name);
    wire_write_i32(&w, partitions);
    wire_write_i16(&w, replication_factor);
    wire_write_array_len(&w, 0, 0); /* assignments */
    wire_write_array_len(&w, 0, n_configs);
    for (int i = 0; i < n_configs; i++) {
        const char *eq = strchr(configs[i], '=');
        size_t klen = eq ? (size_t)(eq - configs[i]) : strlen(configs[i]);
        wire_str key = {configs[i], (int32_t)klen};
        wire_write_str(&w, 0, key);
        wire_write_cstr(&w, 0, eq ? eq + 1 : NULL);
    }
    wire_write_i32(&w, c->timeout_ms);
    if (v >= 1)
        wire_write_i8(&w, 0); /* validate_only */
    uint8_t *resp;
    wire_reader r;
    if (call(c, KAFKA_API_CREATE_TOPICS, v, &w, &resp, &r) < 0)
        return -1;
    if (v >= 2)
        wire_read_i32(&r); /* throttle_time_ms */
    int32_t nt = wire_read_array_len(&r, 0);
    int found = 0;
    for (int32_t i = 0; i < nt && !r.err; i++) {
        wire_str tname = wire_read_str(&r, 0);
        int16_t ec = wire_read_i16(&r);
        wire_str m = v >= 1 ? wire_read_str(&r, 0) : WIRE_STR_NULL;
        if (!r.err && wire_str_eq(tname, name)) {
            found = 1;
            *error = ec;
            copy_msg(m, msg, msg_cap);
        }
    }
    if (r.err || !found)
        return decode_failed(c, KAFKA_API_CREATE_TOPICS, v, resp);
    free(resp);
    return 0;
}

/* DeleteTopics v0-3. */
int kadmin_topics_delete(kclient *c, const char *const *names, int n, int16_t *errors) {
    int v = kclient_pick_version(c, KAFKA_API_DELETE_TOPICS, 0, 3);
    if (v < 0)
        return -1;
    wire_writer w;
    wire_writer_init(&w);
    wire_write_array_len(&w, 0, n);
    for (int i = 0; i < n; i++) {
        wire_write_cstr(&w, 0, names[i]);
        errors[i] = KAFKA_UNKNOWN_SERVER_ERROR;
    }
    wire_write_i32(&w, c->timeout_ms);
    uint8_t *resp;
    wire_reader r;
    if (call(c, KAFKA_API_DELETE_TOPICS, v, &w, &resp, &r) < 0)
        return -1;
    if (v >= 1)
        wire_read_i32(&r); /* throttle_time_ms */
    int32_t nt = wire_read_array_len(&r, 0);
    for (int32_t i = 0; i < nt && !r.err; i++) {
        wire_str tname = wire_read_str(&r, 0);
        int16_t ec = wire_read_i16(&r);
        for (int j = 0; j < n && !r.err; j++)
            if (wire_str_eq(tname, names[j]))
                errors[j] = ec;
    }
    if (r.err)
        return decode_failed(c, KAFKA_API_DELETE_TOPICS, v, resp);
    free(resp);
    return 0;
}

/* ListOffsets v1-5. */
int kadmin_offsets_list(kclient *c, const char *topic, const int32_t *parts, int n,
                        int64_t timestamp, int64_t *offsets, int16_t *errors) {
    int v = kclient_pick_version(c, KAFKA_API_LIST_OFFSETS, 1, 5);
    if (v < 0)
        return -1;
    wire_writer w;
    wire_writer_init(&w);
    wire_write_i32(&w, -1); /* replica_id: a consumer */
    if (v >= 2)
        wire_write_i8(&w, 0); /* read_uncommitted: the log end offset */
    wire_write_array_len(&w, 0, 1);
    wire_write_cstr(&w, 0, topic);
    wire_write_array_len(&w, 0, n);
    for (int i = 0; i < n; i++) {
        wire_write_i32(&w, parts[i]);
        if (v >= 4)
            wire_write_i32(&w, -1); /* current_leader_epoch */
        wire_write_i64(&w, timestamp);
        offsets[i] = -1;
        errors[i] = KAFKA_UNKNOWN_SERVER_ERROR;
    }
    uint8_t *resp;
    wire_reader r;
    if (call(c, KAFKA_API_LIST_OFFSETS, v, &w, &resp, &r) < 0)
        return -1;
    if (v >= 2)
        wire_read_i32(&r); /* throttle_time_ms */
    int32_t nt = wire_read_array_len(&r, 0);
    for (int32_t i = 0; i < nt && !r.err; i++) {
        wire_str tname = wire_read_str(&r, 0);
        int32_t np = wire_read_array_len(&r, 0);
        for (int32_t j = 0; j < np && !r.err; j++) {
            int32_t pid = wire_read_i32(&r);
            int16_t ec = wire_read_i16(&r);
            wire_read_i64(&r); /* timestamp */
            int64_t off = wire_read_i64(&r);
            if (v >= 4)
                wire_read_i32(&r); /* leader_epoch */
            for (int k = 0; k < n && !r.err && wire_str_eq(tname, topic); k++) {
                if (parts[k] == pid) {
                    offsets[k] = off;
                    errors[k] = ec;
                }
            }
        }
    }
    if (r.err)
        return decode_failed(c, KAFKA_API_LIST_OFFSETS, v, resp);
    free(resp);
    return 0;
}

/* DescribeConfigs v0-3. */
int kadmin_topic_configs_get(kclient *c, const char *topic, kadmin_configs *out) {
    memset(out, 0, sizeof *out);
    wire_arena_init(&out->arena);
    out->error = KAFKA_UNKNOWN_SERVER_ERROR;
    out->error_message = WIRE_STR_NULL;
    int v = kclient_pick_version(c, KAFKA_API_DESCRIBE_CONFIGS, 0, 3);
    if (v < 0)
        return -1;
    wire_writer w;
    wire_writer_init(&w);
    wire_write_array_len(&w, 0, 1);
    wire_write_i8(&w, RESOURCE_TYPE_TOPIC);
    wire_write_cstr(&w, 0, topic);
    wire_write_array_len(&w, 0, -1); /* all configuration keys */
    if (v >= 1)
        wire_write_i8(&w, 0); /* include_synonyms */
    if (v >= 3)
        wire_write_i8(&w, 0); /* include_documentation */
    wire_reader r;
    if (call(c, KAFKA_API_DESCRIBE_CONFIGS, v, &w, &out->resp, &r) < 0)
        return -1;
    wire_read_i32(&r); /* throttle_time_ms */
    int32_t nres = wire_read_array_len(&r, 0);
    for (int32_t i = 0; i < nres && !r.err; i++) {
        int16_t ec = wire_read_i16(&r);
        wire_str em = wire_read_str(&r, 0);
        int8_t rtype = wire_read_i8(&r);
        wire_str rname = wire_read_str(&r, 0);
        int32_t n = wire_read_array_len(&r, 0);
        int mine = rtype == RESOURCE_TYPE_TOPIC && wire_str_eq(rname, topic);
        kadmin_config *e = NULL;
        if (mine && n > 0) {
            e = wire_arena_calloc(&out->arena, (size_t)n, sizeof *e);
            if (!e)
                r.err = WIRE_ERR_NOMEM;
        }
        kadmin_config tmp;
        for (int32_t j = 0; j < n && !r.err; j++) {
            kadmin_config *x = e ? &e[j] : &tmp;
            x->name = wire_read_str(&r, 0);
            x->value = wire_read_str(&r, 0);
            x->read_only = wire_read_i8(&r) != 0;
            if (v == 0)
                x->source = wire_read_i8(&r) ? 5 : 1; /* is_default */
            else
                x->source = wire_read_i8(&r);
            x->sensitive = wire_read_i8(&r) != 0;
            if (v >= 1) {
                int32_t ns = wire_read_array_len(&r, 0);
                for (int32_t k = 0; k < ns && !r.err; k++) {
                    wire_read_str(&r, 0);
                    wire_read_str(&r, 0);
                    wire_read_i8(&r);
                }
            }
            if (v >= 3) {
                wire_read_i8(&r);     /* config_type */
                wire_read_str(&r, 0); /* documentation */
            }
        }
        if (mine && !r.err) {
            out->error = ec;
            out->error_message = em;
            out->n = n > 0 ? n : 0;
            out->entries = e;
        }
    }
    if (r.err) {
        wire_arena_free(&out->arena);
        int rc = decode_failed(c, KAFKA_API_DESCRIBE_CONFIGS, v, out->resp);
        out->resp = NULL;
        return rc;
    }
    return 0;
}

void kadmin_configs_free(kadmin_configs *cfg) {
    free(cfg->resp);
    cfg->resp = NULL;
    wire_arena_free(&cfg->arena);
}

const char *kadmin_config_source_name(int source) {
    switch (source) {
    case 1:
        return "topic";
    case 2:
        return "dynamic-broker";
    case 3:
        return "dynamic-default-broker";
    case 4:
        return "static-broker";
    case 5:
        return "default";
    case 6:
        return "dynamic-broker-logger";
    default:
        return "unknown";
    }
}
