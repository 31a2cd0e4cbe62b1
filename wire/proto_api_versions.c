/*
 * proto_api_versions.c - ApiVersions (key 18) v0-3 and the
 * UNSUPPORTED_VERSION fallback answer.
 *
 * ApiVersions is the one message every client sends first, possibly in a
 * version newer than ours, so it has two quirks: its response always uses
 * response header v0 (even v3, whose body is flexible), and a request in an
 * unknown version is answered with a v0 body carrying error 35 and our
 * ApiVersions range, from which the client picks a version to retry with.
 */
#include "wire/proto_internal.h"

#define API KAFKA_API_API_VERSIONS

int proto_api_versions_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                  proto_api_versions_req *out) {
    (void)a;
    if (proto_check_dec(API, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(API, version);
    out->client_software_name = WIRE_STR_NULL;
    out->client_software_version = WIRE_STR_NULL;
    if (version >= 3) {
        out->client_software_name = proto_read_str_nn(r, flex);
        out->client_software_version = proto_read_str_nn(r, flex);
    }
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_api_versions_req_encode(wire_writer *w, int16_t version,
                                   const proto_api_versions_req *in) {
    if (!proto_check_enc(w, API, version))
        return;
    int flex = proto_is_flexible(API, version);
    if (version >= 3) {
        proto_write_str_nn(w, flex, in->client_software_name);
        proto_write_str_nn(w, flex, in->client_software_version);
    }
    wire_write_tags_empty(w, flex);
}

int proto_api_versions_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                   proto_api_versions_resp *out) {
    if (proto_check_dec(API, version))
        return WIRE_ERR_INVALID;
    int flex = proto_is_flexible(API, version);
    out->error_code = wire_read_i16(r);
    out->api_count = proto_read_count(r, flex, 0);
    proto_api_range *apis = proto_alloc(r, a, out->api_count, sizeof(*apis));
    for (int32_t i = 0; apis && i < out->api_count; i++) {
        apis[i].api_key = wire_read_i16(r);
        apis[i].min_version = wire_read_i16(r);
        apis[i].max_version = wire_read_i16(r);
        wire_skip_tags(r, flex);
    }
    out->apis = apis;
    out->throttle_time_ms = version >= 1 ? wire_read_i32(r) : 0;
    wire_skip_tags(r, flex);
    return proto_done(r);
}

void proto_api_versions_resp_encode(wire_writer *w, int16_t version,
                                    const proto_api_versions_resp *in) {
    if (!proto_check_enc(w, API, version))
        return;
    int flex = proto_is_flexible(API, version);
    wire_write_i16(w, in->error_code);
    proto_write_count(w, flex, 0, in->api_count);
    for (int32_t i = 0; i < in->api_count; i++) {
        wire_write_i16(w, in->apis[i].api_key);
        wire_write_i16(w, in->apis[i].min_version);
        wire_write_i16(w, in->apis[i].max_version);
        wire_write_tags_empty(w, flex);
    }
    if (version >= 1)
        wire_write_i32(w, in->throttle_time_ms);
    wire_write_tags_empty(w, flex);
}

void proto_api_versions_resp_supported(proto_api_versions_resp *out) {
    out->error_code = KAFKA_NONE;
    out->api_count = (int32_t)proto_api_range_count;
    out->apis = proto_api_ranges;
    out->throttle_time_ms = 0;
}

void proto_api_versions_unsupported_encode(wire_writer *w, int32_t correlation_id) {
    proto_api_versions_resp resp = {
        .error_code = KAFKA_UNSUPPORTED_VERSION,
        .api_count = 1,
        .apis = proto_api_range_find(API),
        .throttle_time_ms = 0,
    };
    wire_write_i32(w, correlation_id); /* response header v0 */
    proto_api_versions_resp_encode(w, 0, &resp);
}
