/*
 * proto_metadata.c - Metadata (key 3) v0-8.
 *
 * The one subtle point is the topics array of the request: from v1 a null
 * array means "all topics" and an empty one "no topics" (librdkafka's
 * broker-only refresh), while v0 has no null and uses empty for "all".
 * The response grows field by field across versions (rack v1, cluster id v2,
 * throttle v3, offline replicas v5, leader epoch v7, authorized operations
 * v8); absent fields decode to Kafka's defaults.
 */
#include "wire/proto_internal.h"

#define API KAFKA_API_METADATA

int proto_metadata_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                              proto_metadata_req *out) {
    if (proto_check_dec(API, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(API, version);
    out->topics = proto_read_str_array(r, flex, version >= 1, a, &out->topic_count);
    out->allow_auto_topic_creation = version >= 4 ? wire_read_i8(r) : 1;
    out->include_cluster_authorized_operations = version >= 8 ? wire_read_i8(r) : 0;
    out->include_topic_authorized_operations = version >= 8 ? wire_read_i8(r) : 0;
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_metadata_req_encode(wire_writer *w, int16_t version, const proto_metadata_req *in) {
    if (!proto_check_enc(w, API, version))
        return;
    int flex = proto_is_flexible(API, version);
    proto_write_str_array(w, flex, version >= 1, in->topic_count, in->topics);
    if (version >= 4)
        wire_write_i8(w, in->allow_auto_topic_creation);
    if (version >= 8) {
        wire_write_i8(w, in->include_cluster_authorized_operations);
        wire_write_i8(w, in->include_topic_authorized_operations);
    }
    wire_write_tags_empty(w, flex);
}

static void decode_partition(wire_reader *r, int16_t version, int flex, wire_arena *a,
                             proto_metadata_partition *p) {
    p->error_code = wire_read_i16(r);
    p->partition_index = wire_read_i32(r);
    p->leader_id = wire_read_i32(r);
    p->leader_epoch = version >= 7 ? wire_read_i32(r) : -1;
    p->replicas = proto_read_i32_array(r, flex, 0, a, &p->replica_count);
    p->isr = proto_read_i32_array(r, flex, 0, a, &p->isr_count);
    p->offline_replica_count = 0;
    p->offline_replicas = NULL;
    if (version >= 5)
        p->offline_replicas = proto_read_i32_array(r, flex, 0, a, &p->offline_replica_count);
    wire_skip_tags(r, flex);
}

static void decode_topic(wire_reader *r, int16_t version, int flex, wire_arena *a,
                         proto_metadata_topic *t) {
    t->error_code = wire_read_i16(r);
    t->name = proto_read_str_nn(r, flex);
    t->is_internal = version >= 1 ? wire_read_i8(r) : 0;
    t->partition_count = proto_read_count(r, flex, 0);
    t->partitions = proto_alloc(r, a, t->partition_count, sizeof(*t->partitions));
    for (int32_t i = 0; t->partitions && i < t->partition_count && !r->err; i++)
        decode_partition(r, version, flex, a, &t->partitions[i]);
    t->topic_authorized_operations = version >= 8 ? wire_read_i32(r) : INT32_MIN;
    wire_skip_tags(r, flex);
}

int proto_metadata_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                               proto_metadata_resp *out) {
    if (proto_check_dec(API, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(API, version);
    out->throttle_time_ms = version >= 3 ? wire_read_i32(r) : 0;
    out->broker_count = proto_read_count(r, flex, 0);
    out->brokers = proto_alloc(r, a, out->broker_count, sizeof(*out->brokers));
    for (int32_t i = 0; out->brokers && i < out->broker_count && !r->err; i++) {
        proto_metadata_broker *b = &out->brokers[i];
        b->node_id = wire_read_i32(r);
        b->host = proto_read_str_nn(r, flex);
        b->port = wire_read_i32(r);
        b->rack = version >= 1 ? wire_read_str(r, flex) : WIRE_STR_NULL;
        wire_skip_tags(r, flex);
    }
    out->cluster_id = version >= 2 ? wire_read_str(r, flex) : WIRE_STR_NULL;
    out->controller_id = version >= 1 ? wire_read_i32(r) : -1;
    out->topic_count = proto_read_count(r, flex, 0);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++)
        decode_topic(r, version, flex, a, &out->topics[i]);
    out->cluster_authorized_operations = version >= 8 ? wire_read_i32(r) : INT32_MIN;
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_metadata_resp_encode(wire_writer *w, int16_t version, const proto_metadata_resp *in) {
    if (!proto_check_enc(w, API, version))
        return;
    int flex = proto_is_flexible(API, version);
    if (version >= 3)
        wire_write_i32(w, in->throttle_time_ms);
    proto_write_count(w, flex, 0, in->broker_count);
    for (int32_t i = 0; i < in->broker_count; i++) {
        const proto_metadata_broker *b = &in->brokers[i];
        wire_write_i32(w, b->node_id);
        proto_write_str_nn(w, flex, b->host);
        wire_write_i32(w, b->port);
        if (version >= 1)
            wire_write_str(w, flex, b->rack);
        wire_write_tags_empty(w, flex);
    }
    if (version >= 2)
        wire_write_str(w, flex, in->cluster_id);
    if (version >= 1)
        wire_write_i32(w, in->controller_id);
    proto_write_count(w, flex, 0, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_metadata_topic *t = &in->topics[i];
        wire_write_i16(w, t->error_code);
        proto_write_str_nn(w, flex, t->name);
        if (version >= 1)
            wire_write_i8(w, t->is_internal);
        proto_write_count(w, flex, 0, t->partition_count);
        for (int32_t j = 0; j < t->partition_count; j++) {
            const proto_metadata_partition *p = &t->partitions[j];
            wire_write_i16(w, p->error_code);
            wire_write_i32(w, p->partition_index);
            wire_write_i32(w, p->leader_id);
            if (version >= 7)
                wire_write_i32(w, p->leader_epoch);
            proto_write_i32_array(w, flex, 0, p->replica_count, p->replicas);
            proto_write_i32_array(w, flex, 0, p->isr_count, p->isr);
            if (version >= 5)
                proto_write_i32_array(w, flex, 0, p->offline_replica_count, p->offline_replicas);
            wire_write_tags_empty(w, flex);
        }
        if (version >= 8)
            wire_write_i32(w, t->topic_authorized_operations);
        wire_write_tags_empty(w, flex);
    }
    if (version >= 8)
        wire_write_i32(w, in->cluster_authorized_operations);
    wire_write_tags_empty(w, flex);
}
