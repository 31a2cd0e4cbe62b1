/*
 * proto_admin.c - the topic administration APIs: CreateTopics (19) v0-4,
 * DeleteTopics (20) v0-3, CreatePartitions (37) v0-1 and DescribeConfigs
 * (32) v0-2.
 *
 * They share one shape (a list of named resources in, a list of per-name
 * results out) and are all non-flexible in these ranges, so they live
 * together. DescribeConfigs v0 has an is_default flag that v1 replaced by
 * config_source plus synonyms; both are kept as separate fields.
 */
#include "wire/proto_internal.h"

/* ---- CreateTopics ---- */

static void create_topic_decode(wire_reader *r, int flex, wire_arena *a,
                                proto_create_topics_req_topic *t) {
    t->name = proto_read_str_nn(r, flex);
    t->num_partitions = wire_read_i32(r);
    t->replication_factor = wire_read_i16(r);
    t->assignment_count = proto_read_count(r, flex, 0);
    t->assignments = proto_alloc(r, a, t->assignment_count, sizeof(*t->assignments));
    for (int32_t j = 0; t->assignments && j < t->assignment_count && !r->err; j++) {
        proto_create_topics_assignment *as = &t->assignments[j];
        as->partition_index = wire_read_i32(r);
        as->broker_ids = proto_read_i32_array(r, flex, 0, a, &as->broker_id_count);
        wire_skip_tags(r, flex);
    }
    t->config_count = proto_read_count(r, flex, 0);
    t->configs = proto_alloc(r, a, t->config_count, sizeof(*t->configs));
    for (int32_t j = 0; t->configs && j < t->config_count && !r->err; j++) {
        t->configs[j].name = proto_read_str_nn(r, flex);
        t->configs[j].value = wire_read_str(r, flex);
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
}

int proto_create_topics_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                   proto_create_topics_req *out) {
    if (proto_check_dec(KAFKA_API_CREATE_TOPICS, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_CREATE_TOPICS, version);
    out->topic_count = proto_read_count(r, flex, 0);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++)
        create_topic_decode(r, flex, a, &out->topics[i]);
    out->timeout_ms = wire_read_i32(r);
    out->validate_only = version >= 1 ? wire_read_i8(r) : 0;
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_create_topics_req_encode(wire_writer *w, int16_t version,
                                    const proto_create_topics_req *in) {
    if (!proto_check_enc(w, KAFKA_API_CREATE_TOPICS, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_CREATE_TOPICS, version);
    proto_write_count(w, flex, 0, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_create_topics_req_topic *t = &in->topics[i];
        proto_write_str_nn(w, flex, t->name);
        wire_write_i32(w, t->num_partitions);
        wire_write_i16(w, t->replication_factor);
        proto_write_count(w, flex, 0, t->assignment_count);
        for (int32_t j = 0; j < t->assignment_count; j++) {
            const proto_create_topics_assignment *as = &t->assignments[j];
            wire_write_i32(w, as->partition_index);
            proto_write_i32_array(w, flex, 0, as->broker_id_count, as->broker_ids);
            wire_write_tags_empty(w, flex);
        }
        proto_write_count(w, flex, 0, t->config_count);
        for (int32_t j = 0; j < t->config_count; j++) {
            proto_write_str_nn(w, flex, t->configs[j].name);
            wire_write_str(w, flex, t->configs[j].value);
            wire_write_tags_empty(w, flex);
        }
        wire_write_tags_empty(w, flex);
    }
    wire_write_i32(w, in->timeout_ms);
    if (version >= 1)
        wire_write_i8(w, in->validate_only);
    wire_write_tags_empty(w, flex);
}

int proto_create_topics_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                    proto_create_topics_resp *out) {
    if (proto_check_dec(KAFKA_API_CREATE_TOPICS, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_CREATE_TOPICS, version);
    out->throttle_time_ms = version >= 2 ? wire_read_i32(r) : 0;
    out->topic_count = proto_read_count(r, flex, 0);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++) {
        proto_create_topics_resp_topic *t = &out->topics[i];
        t->name = proto_read_str_nn(r, flex);
        t->error_code = wire_read_i16(r);
        t->error_message = version >= 1 ? wire_read_str(r, flex) : WIRE_STR_NULL;
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_create_topics_resp_encode(wire_writer *w, int16_t version,
                                     const proto_create_topics_resp *in) {
    if (!proto_check_enc(w, KAFKA_API_CREATE_TOPICS, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_CREATE_TOPICS, version);
    if (version >= 2)
        wire_write_i32(w, in->throttle_time_ms);
    proto_write_count(w, flex, 0, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_create_topics_resp_topic *t = &in->topics[i];
        proto_write_str_nn(w, flex, t->name);
        wire_write_i16(w, t->error_code);
        if (version >= 1)
            wire_write_str(w, flex, t->error_message);
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}

/* ---- DeleteTopics ---- */

int proto_delete_topics_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                   proto_delete_topics_req *out) {
    if (proto_check_dec(KAFKA_API_DELETE_TOPICS, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_DELETE_TOPICS, version);
    out->topics = proto_read_str_array(r, flex, 0, a, &out->topic_count);
    out->timeout_ms = wire_read_i32(r);
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_delete_topics_req_encode(wire_writer *w, int16_t version,
                                    const proto_delete_topics_req *in) {
    if (!proto_check_enc(w, KAFKA_API_DELETE_TOPICS, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_DELETE_TOPICS, version);
    proto_write_str_array(w, flex, 0, in->topic_count, in->topics);
    wire_write_i32(w, in->timeout_ms);
    wire_write_tags_empty(w, flex);
}

int proto_delete_topics_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                    proto_delete_topics_resp *out) {
    if (proto_check_dec(KAFKA_API_DELETE_TOPICS, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_DELETE_TOPICS, version);
    out->throttle_time_ms = version >= 1 ? wire_read_i32(r) : 0;
    out->topic_count = proto_read_count(r, flex, 0);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++) {
        out->topics[i].name = proto_read_str_nn(r, flex);
        out->topics[i].error_code = wire_read_i16(r);
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_delete_topics_resp_encode(wire_writer *w, int16_t version,
                                     const proto_delete_topics_resp *in) {
    if (!proto_check_enc(w, KAFKA_API_DELETE_TOPICS, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_DELETE_TOPICS, version);
    if (version >= 1)
        wire_write_i32(w, in->throttle_time_ms);
    proto_write_count(w, flex, 0, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        proto_write_str_nn(w, flex, in->topics[i].name);
        wire_write_i16(w, in->topics[i].error_code);
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}

/* ---- CreatePartitions ---- */

int proto_create_partitions_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                       proto_create_partitions_req *out) {
    if (proto_check_dec(KAFKA_API_CREATE_PARTITIONS, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_CREATE_PARTITIONS, version);
    out->topic_count = proto_read_count(r, flex, 0);
    out->topics = proto_alloc(r, a, out->topic_count, sizeof(*out->topics));
    for (int32_t i = 0; out->topics && i < out->topic_count && !r->err; i++) {
        proto_create_partitions_req_topic *t = &out->topics[i];
        t->name = proto_read_str_nn(r, flex);
        t->count = wire_read_i32(r);
        t->assignment_count = proto_read_count(r, flex, 1);
        t->assignments = proto_alloc(r, a, t->assignment_count, sizeof(*t->assignments));
        for (int32_t j = 0; t->assignments && j < t->assignment_count && !r->err; j++) {
            proto_create_partitions_assignment *as = &t->assignments[j];
            as->broker_ids = proto_read_i32_array(r, flex, 0, a, &as->broker_id_count);
            wire_skip_tags(r, flex);
        }
        wire_skip_tags(r, flex);
    }
    out->timeout_ms = wire_read_i32(r);
    out->validate_only = wire_read_i8(r);
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_create_partitions_req_encode(wire_writer *w, int16_t version,
                                        const proto_create_partitions_req *in) {
    if (!proto_check_enc(w, KAFKA_API_CREATE_PARTITIONS, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_CREATE_PARTITIONS, version);
    proto_write_count(w, flex, 0, in->topic_count);
    for (int32_t i = 0; i < in->topic_count; i++) {
        const proto_create_partitions_req_topic *t = &in->topics[i];
        proto_write_str_nn(w, flex, t->name);
        wire_write_i32(w, t->count);
        proto_write_count(w, flex, 1, t->assignment_count);
        for (int32_t j = 0; j < t->assignment_count; j++) {
            const proto_create_partitions_assignment *as = &t->assignments[j];
            proto_write_i32_array(w, flex, 0, as->broker_id_count, as->broker_ids);
            wire_write_tags_empty(w, flex);
        }
        wire_write_tags_empty(w, flex);
    }
    wire_write_i32(w, in->timeout_ms);
    wire_write_i8(w, in->validate_only);
    wire_write_tags_empty(w, flex);
}

int proto_create_partitions_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                        proto_create_partitions_resp *out) {
    if (proto_check_dec(KAFKA_API_CREATE_PARTITIONS, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_CREATE_PARTITIONS, version);
    out->throttle_time_ms = wire_read_i32(r);
    out->result_count = proto_read_count(r, flex, 0);
    out->results = proto_alloc(r, a, out->result_count, sizeof(*out->results));
    for (int32_t i = 0; out->results && i < out->result_count && !r->err; i++) {
        proto_create_partitions_resp_result *res = &out->results[i];
        res->name = proto_read_str_nn(r, flex);
        res->error_code = wire_read_i16(r);
        res->error_message = wire_read_str(r, flex);
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_create_partitions_resp_encode(wire_writer *w, int16_t version,
                                         const proto_create_partitions_resp *in) {
    if (!proto_check_enc(w, KAFKA_API_CREATE_PARTITIONS, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_CREATE_PARTITIONS, version);
    wire_write_i32(w, in->throttle_time_ms);
    proto_write_count(w, flex, 0, in->result_count);
    for (int32_t i = 0; i < in->result_count; i++) {
        const proto_create_partitions_resp_result *res = &in->results[i];
        proto_write_str_nn(w, flex, res->name);
        wire_write_i16(w, res->error_code);
        wire_write_str(w, flex, res->error_message);
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}

/* ---- DescribeConfigs ---- */

int proto_describe_configs_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                      proto_describe_configs_req *out) {
    if (proto_check_dec(KAFKA_API_DESCRIBE_CONFIGS, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_DESCRIBE_CONFIGS, version);
    out->resource_count = proto_read_count(r, flex, 0);
    out->resources = proto_alloc(r, a, out->resource_count, sizeof(*out->resources));
    for (int32_t i = 0; out->resources && i < out->resource_count && !r->err; i++) {
        proto_describe_configs_req_resource *res = &out->resources[i];
        res->resource_type = wire_read_i8(r);
        res->resource_name = proto_read_str_nn(r, flex);
        res->config_keys = proto_read_str_array(r, flex, 1, a, &res->config_key_count);
        wire_skip_tags(r, flex);
    }
    out->include_synonyms = version >= 1 ? wire_read_i8(r) : 0;
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_describe_configs_req_encode(wire_writer *w, int16_t version,
                                       const proto_describe_configs_req *in) {
    if (!proto_check_enc(w, KAFKA_API_DESCRIBE_CONFIGS, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_DESCRIBE_CONFIGS, version);
    proto_write_count(w, flex, 0, in->resource_count);
    for (int32_t i = 0; i < in->resource_count; i++) {
        const proto_describe_configs_req_resource *res = &in->resources[i];
        wire_write_i8(w, res->resource_type);
        proto_write_str_nn(w, flex, res->resource_name);
        proto_write_str_array(w, flex, 1, res->config_key_count, res->config_keys);
        wire_write_tags_empty(w, flex);
    }
    if (version >= 1)
        wire_write_i8(w, in->include_synonyms);
    wire_write_tags_empty(w, flex);
}

static void config_entry_decode(wire_reader *r, int16_t version, int flex, wire_arena *a,
                                proto_describe_configs_entry *c) {
    c->name = proto_read_str_nn(r, flex);
    c->value = wire_read_str(r, flex);
    c->read_only = wire_read_i8(r);
    c->is_default = version == 0 ? wire_read_i8(r) : 0;
    c->config_source = version >= 1 ? wire_read_i8(r) : -1;
    c->is_sensitive = wire_read_i8(r);
    c->synonym_count = 0;
    c->synonyms = NULL;
    if (version >= 1) {
        c->synonym_count = proto_read_count(r, flex, 0);
        c->synonyms = proto_alloc(r, a, c->synonym_count, sizeof(*c->synonyms));
        for (int32_t k = 0; c->synonyms && k < c->synonym_count && !r->err; k++) {
            c->synonyms[k].name = proto_read_str_nn(r, flex);
            c->synonyms[k].value = wire_read_str(r, flex);
            c->synonyms[k].source = wire_read_i8(r);
            wire_skip_tags(r, flex);
        }
    }
    wire_skip_tags(r, flex);
}

int proto_describe_configs_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                       proto_describe_configs_resp *out) {
    if (proto_check_dec(KAFKA_API_DESCRIBE_CONFIGS, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(KAFKA_API_DESCRIBE_CONFIGS, version);
    out->throttle_time_ms = wire_read_i32(r);
    out->result_count = proto_read_count(r, flex, 0);
    out->results = proto_alloc(r, a, out->result_count, sizeof(*out->results));
    for (int32_t i = 0; out->results && i < out->result_count && !r->err; i++) {
        proto_describe_configs_result *res = &out->results[i];
        res->error_code = wire_read_i16(r);
        res->error_message = wire_read_str(r, flex);
        res->resource_type = wire_read_i8(r);
        res->resource_name = proto_read_str_nn(r, flex);
        res->config_count = proto_read_count(r, flex, 0);
        res->configs = proto_alloc(r, a, res->config_count, sizeof(*res->configs));
        for (int32_t j = 0; res->configs && j < res->config_count && !r->err; j++)
            config_entry_decode(r, version, flex, a, &res->configs[j]);
        wire_skip_tags(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_describe_configs_resp_encode(wire_writer *w, int16_t version,
                                        const proto_describe_configs_resp *in) {
    if (!proto_check_enc(w, KAFKA_API_DESCRIBE_CONFIGS, version))
        return;
    int flex = proto_is_flexible(KAFKA_API_DESCRIBE_CONFIGS, version);
    wire_write_i32(w, in->throttle_time_ms);
    proto_write_count(w, flex, 0, in->result_count);
    for (int32_t i = 0; i < in->result_count; i++) {
        const proto_describe_configs_result *res = &in->results[i];
        wire_write_i16(w, res->error_code);
        wire_write_str(w, flex, res->error_message);
        wire_write_i8(w, res->resource_type);
        proto_write_str_nn(w, flex, res->resource_name);
        proto_write_count(w, flex, 0, res->config_count);
        for (int32_t j = 0; j < res->config_count; j++) {
            const proto_describe_configs_entry *c = &res->configs[j];
            proto_write_str_nn(w, flex, c->name);
            wire_write_str(w, flex, c->value);
            wire_write_i8(w, c->read_only);
            if (version == 0)
                wire_write_i8(w, c->is_default);
            if (version >= 1)
                wire_write_i8(w, c->config_source);
            wire_write_i8(w, c->is_sensitive);
            if (version >= 1) {
                proto_write_count(w, flex, 0, c->synonym_count);
                for (int32_t k = 0; k < c->synonym_count; k++) {
                    proto_write_str_nn(w, flex, c->synonyms[k].name);
                    wire_write_str(w, flex, c->synonyms[k].value);
                    wire_write_i8(w, c->synonyms[k].source);
                    wire_write_tags_empty(w, flex);
                }
            }
            wire_write_tags_empty(w, flex);
        }
        wire_write_tags_empty(w, flex);
    }
    wire_write_tags_empty(w, flex);
}
