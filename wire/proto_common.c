/*
 * proto_common.c - what every Kafka message shares: the table of versions
 * the codecs implement, the flexible-version thresholds, request/response
 * headers, frame size helpers and the array helpers of proto_internal.h.
 *
 * The version table is the single source of truth for ApiVersions: the
 * broker advertises the rows of the keys it has handlers for exactly as they
 * are here, so adding a version means implementing it
 * in its codec and then widening the range here. The flexible thresholds are
 * Kafka's own (3.7 message schemas) for every key in kafka.h, so headers of
 * versions we do not implement still parse and can be answered.
 */
#include "wire/proto_internal.h"

const proto_api_range proto_api_ranges[] = {
    {KAFKA_API_PRODUCE, 0, 7},
    {KAFKA_API_FETCH, 4, 11},
    {KAFKA_API_LIST_OFFSETS, 0, 5},
    {KAFKA_API_METADATA, 0, 8},
    {KAFKA_API_CONTROLLED_SHUTDOWN, 0, 3}, /* wire/proto_cluster_admin.c */
    {KAFKA_API_OFFSET_COMMIT, 0, 7},       /* group APIs: wire/proto_group*.c */
    {KAFKA_API_OFFSET_FETCH, 0, 7},
    {KAFKA_API_FIND_COORDINATOR, 0, 2},
    {KAFKA_API_JOIN_GROUP, 0, 5},
    {KAFKA_API_HEARTBEAT, 0, 3},
    {KAFKA_API_LEAVE_GROUP, 0, 3},
    {KAFKA_API_SYNC_GROUP, 0, 3},
    {KAFKA_API_DESCRIBE_GROUPS, 0, 4},
    {KAFKA_API_LIST_GROUPS, 0, 4},
    {KAFKA_API_API_VERSIONS, 0, 3},
    {KAFKA_API_CREATE_TOPICS, 0, 4},
    {KAFKA_API_DELETE_TOPICS, 0, 3},
    {KAFKA_API_INIT_PRODUCER_ID, 0, 4},        /* wire/proto_init_producer_id.c */
    {KAFKA_API_OFFSET_FOR_LEADER_EPOCH, 0, 4}, /* wire/proto_offset_for_leader_epoch.c */
    {KAFKA_API_DESCRIBE_CONFIGS, 0, 2},
    {KAFKA_API_CREATE_PARTITIONS, 0, 1},
    {KAFKA_API_DELETE_GROUPS, 0, 1},
    {KAFKA_API_ELECT_LEADERS, 0, 2}, /* wire/proto_cluster_admin.c */
};
const size_t proto_api_range_count = sizeof(proto_api_ranges) / sizeof(proto_api_ranges[0]);

const proto_api_range *proto_api_range_find(int16_t api_key) {
    for (size_t i = 0; i < proto_api_range_count; i++)
        if (proto_api_ranges[i].api_key == api_key)
            return &proto_api_ranges[i];
    return NULL;
}

int proto_api_supported(int16_t api_key, int16_t version) {
    const proto_api_range *r = proto_api_range_find(api_key);
    return r && version >= r->min_version && version <= r->max_version;
}

int16_t proto_api_version_pick(int16_t api_key, int16_t peer_min, int16_t peer_max) {
    const proto_api_range *r = proto_api_range_find(api_key);
    if (!r)
        return -1;
    int16_t hi = r->max_version < peer_max ? r->max_version : peer_max;
    int16_t lo = r->min_version > peer_min ? r->min_version : peer_min;
    return hi >= lo ? hi : -1;
}

/* First flexible version per API key (Kafka 3.7); -1 = never flexible. */
static int16_t flexible_from(int16_t api_key) {
    switch (api_key) {
    case KAFKA_API_PRODUCE:
        return 9;
    case KAFKA_API_FETCH:
        return 12;
    case KAFKA_API_LIST_OFFSETS:
        return 6;
    case KAFKA_API_METADATA:
        return 9;
    case KAFKA_API_CONTROLLED_SHUTDOWN:
        return 3;
    case KAFKA_API_OFFSET_COMMIT:
        return 8;
    case KAFKA_API_OFFSET_FETCH:
        return 6;
    case KAFKA_API_FIND_COORDINATOR:
        return 3;
    case KAFKA_API_JOIN_GROUP:
        return 6;
    case KAFKA_API_HEARTBEAT:
        return 4;
    case KAFKA_API_LEAVE_GROUP:
        return 4;
    case KAFKA_API_SYNC_GROUP:
        return 4;
    case KAFKA_API_DESCRIBE_GROUPS:
        return 5;
    case KAFKA_API_LIST_GROUPS:
        return 3;
    case KAFKA_API_API_VERSIONS:
        return 3;
    case KAFKA_API_CREATE_TOPICS:
        return 5;
    case KAFKA_API_DELETE_TOPICS:
        return 4;
    case KAFKA_API_DELETE_RECORDS:
        return 2;
    case KAFKA_API_INIT_PRODUCER_ID:
        return 2;
    case KAFKA_API_OFFSET_FOR_LEADER_EPOCH:
        return 4;
    case KAFKA_API_DESCRIBE_CONFIGS:
        return 4;
    case KAFKA_API_SASL_AUTHENTICATE:
        return 2;
    case KAFKA_API_CREATE_PARTITIONS:
        return 2;
    case KAFKA_API_DELETE_GROUPS:
        return 2;
    case KAFKA_API_ELECT_LEADERS:
        return 2;
    default: /* SaslHandshake and unknown keys */
        return -1;
    }
}

int proto_is_flexible(int16_t api_key, int16_t version) {
    int16_t f = flexible_from(api_key);
    return f >= 0 && version >= f;
}

int proto_req_header_version(int16_t api_key, int16_t version) {
    if (api_key == KAFKA_API_CONTROLLED_SHUTDOWN && version == 0)
        return 0; /* Kafka's one exception: no client id */
    return proto_is_flexible(api_key, version) ? 2 : 1;
}

int proto_resp_header_version(int16_t api_key, int16_t version) {
    if (api_key == KAFKA_API_API_VERSIONS)
        return 0;
    return proto_is_flexible(api_key, version) ? 1 : 0;
}

int proto_req_header_decode(wire_reader *r, proto_req_header *out) {
    out->api_key = wire_read_i16(r);
    out->api_version = wire_read_i16(r);
    out->correlation_id = wire_read_i32(r);
    int hv = r->err ? 1 : proto_req_header_version(out->api_key, out->api_version);
    out->client_id = hv == 0 ? WIRE_STR_NULL : wire_read_str(r, 0);
    if (!r->err && hv == 2)
        wire_skip_tags(r, 1);
    return r->err;
}

void proto_req_header_encode(wire_writer *w, const proto_req_header *h) {
    wire_write_i16(w, h->api_key);
    wire_write_i16(w, h->api_version);
    wire_write_i32(w, h->correlation_id);
    if (proto_req_header_version(h->api_key, h->api_version) != 0)
        wire_write_str(w, 0, h->client_id);
    wire_write_tags_empty(w, proto_req_header_version(h->api_key, h->api_version) == 2);
}

int proto_resp_header_decode(wire_reader *r, int16_t api_key, int16_t version,
                             int32_t *correlation_id) {
    *correlation_id = wire_read_i32(r);
    wire_skip_tags(r, proto_resp_header_version(api_key, version) == 1);
    return r->err;
}

void proto_resp_header_encode(wire_writer *w, int16_t api_key, int16_t version,
                              int32_t correlation_id) {
    wire_write_i32(w, correlation_id);
    wire_write_tags_empty(w, proto_resp_header_version(api_key, version) == 1);
}

size_t proto_frame_begin(wire_writer *w) {
    size_t start = w->len;
    wire_write_i32(w, 0);
    return start;
}

void proto_frame_end(wire_writer *w, size_t start) {
    if (w->err || w->len < start + 4)
        return;
    size_t n = w->len - start - 4;
    if (n > (size_t)INT32_MAX) {
        w->err = WIRE_ERR_INVALID;
        return;
    }
    wire_patch_i32(w, start, (int32_t)n);
}

/* ---- array helpers (proto_internal.h) ---- */

int32_t proto_read_count(wire_reader *r, int flexible, int nullable) {
    int32_t n = wire_read_array_len(r, flexible);
    if (n < 0 && !nullable && !r->err) {
        r->err = WIRE_ERR_INVALID;
        return 0;
    }
    return n;
}

void *proto_alloc(wire_reader *r, wire_arena *a, int32_t n, size_t size) {
    if (r->err || n <= 0)
        return NULL;
    void *p = wire_arena_calloc(a, (size_t)n, size);
    if (!p)
        r->err = WIRE_ERR_NOMEM;
    return p;
}

int32_t *proto_read_i32_array(wire_reader *r, int flexible, int nullable, wire_arena *a,
                              int32_t *n) {
    *n = proto_read_count(r, flexible, nullable);
    int32_t *v = proto_alloc(r, a, *n, sizeof(*v));
    for (int32_t i = 0; v && i < *n; i++)
        v[i] = wire_read_i32(r);
    return v;
}

int64_t *proto_read_i64_array(wire_reader *r, int flexible, wire_arena *a, int32_t *n) {
    *n = proto_read_count(r, flexible, 0);
    int64_t *v = proto_alloc(r, a, *n, sizeof(*v));
    for (int32_t i = 0; v && i < *n; i++)
        v[i] = wire_read_i64(r);
    return v;
}

wire_str *proto_read_str_array(wire_reader *r, int flexible, int nullable, wire_arena *a,
                               int32_t *n) {
    *n = proto_read_count(r, flexible, nullable);
    wire_str *v = proto_alloc(r, a, *n, sizeof(*v));
    for (int32_t i = 0; v && i < *n; i++)
        v[i] = proto_read_str_nn(r, flexible);
    return v;
}

void proto_write_count(wire_writer *w, int flexible, int nullable, int32_t n) {
    if (n < 0)
        n = nullable ? -1 : 0;
    wire_write_array_len(w, flexible, n);
}

void proto_write_i32_array(wire_writer *w, int flexible, int nullable, int32_t n,
                           const int32_t *v) {
    proto_write_count(w, flexible, nullable, n);
    for (int32_t i = 0; i < n; i++)
        wire_write_i32(w, v[i]);
}

void proto_write_i64_array(wire_writer *w, int flexible, int32_t n, const int64_t *v) {
    proto_write_count(w, flexible, 0, n);
    for (int32_t i = 0; i < n; i++)
        wire_write_i64(w, v[i]);
}

void proto_write_str_array(wire_writer *w, int flexible, int nullable, int32_t n,
                           const wire_str *v) {
    proto_write_count(w, flexible, nullable, n);
    for (int32_t i = 0; i < n; i++)
        proto_write_str_nn(w, flexible, v[i]);
}

wire_str proto_read_str_nn(wire_reader *r, int flexible) {
    wire_str s = wire_read_str(r, flexible);
    if (!r->err && s.len < 0)
        r->err = WIRE_ERR_INVALID;
    return s;
}
