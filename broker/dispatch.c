/*
 * dispatch.c - request header decoding, the API table and ApiVersions.
 *
 * The version ranges are exactly those of the codec table (proto_api_ranges
 * in wire/protocol.h) for the APIs that have a handler here: the dispatcher
 * refuses anything outside them and ApiVersions advertises exactly them, so
 * the broker, the clients and the tools agree on one table. Every version in
 * it must work in its handler. Produce starts at v0 in that table because
 * librdkafka 2.0.2 compresses (gzip/snappy/lz4) only when the Produce range
 * overlaps 0..0 (rdkafka_msgset_writer.c, compr_req); h_produce refuses the
 * legacy message sets of v0-2 per partition. The other minimums still
 * overlap librdkafka's feature probes (MsgVer2: Produce 3, Fetch 4; ZSTD:
 * Produce 7, Fetch 10; LZ4: FindCoordinator 0).
 *
 * Unsupported API or version: ApiVersions gets a v0-encoded
 * UNSUPPORTED_VERSION answer listing our ApiVersions range (KIP-511) so the
 * client retries lower; any other API is logged and the connection closed,
 * which is what Apache Kafka does (it cannot know how to encode an error in
 * a version it does not speak).
 */
#include "broker/dispatch.h"

#include <stdio.h>

#include "broker/logging.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

typedef struct api_entry {
    int16_t key;
    broker_handler fn;
} api_entry;

static int h_api_versions(broker_request *req);

/* Handlers by API key. Versions come from proto_api_ranges (wire/protocol.h):
 * every version there must work in the handler. */
static const api_entry api_table[] = {
    {KAFKA_API_PRODUCE, h_produce},
    {KAFKA_API_FETCH, h_fetch},
    {KAFKA_API_LIST_OFFSETS, h_list_offsets},
    {KAFKA_API_OFFSET_FOR_LEADER_EPOCH, h_offset_for_leader_epoch},
    {KAFKA_API_INIT_PRODUCER_ID, h_init_producer_id},
    {KAFKA_API_METADATA, h_metadata},
    {KAFKA_API_FIND_COORDINATOR, h_find_coordinator},
    {KAFKA_API_API_VERSIONS, h_api_versions},
    {KAFKA_API_CREATE_TOPICS, h_create_topics},
    {KAFKA_API_DELETE_TOPICS, h_delete_topics},
    {KAFKA_API_DESCRIBE_CONFIGS, h_describe_configs},
    {KAFKA_API_CREATE_PARTITIONS, h_create_partitions},
    {KAFKA_API_OFFSET_COMMIT, h_offset_commit},
    {KAFKA_API_OFFSET_FETCH, h_offset_fetch},
    {KAFKA_API_JOIN_GROUP, h_join_group},
    {KAFKA_API_HEARTBEAT, h_heartbeat},
    {KAFKA_API_LEAVE_GROUP, h_leave_group},
    {KAFKA_API_SYNC_GROUP, h_sync_group},
    {KAFKA_API_DESCRIBE_GROUPS, h_describe_groups},
    {KAFKA_API_LIST_GROUPS, h_list_groups},
    {KAFKA_API_DELETE_GROUPS, h_delete_groups},
    {KAFKA_API_CONTROLLED_SHUTDOWN, h_controlled_shutdown},
    {KAFKA_API_ELECT_LEADERS, h_elect_leaders},
};
#define API_COUNT ((int)(sizeof api_table / sizeof api_table[0]))

static const api_entry *api_find(int16_t key) {
    for (int i = 0; i < API_COUNT; i++)
        if (api_table[i].key == key)
            return &api_table[i];
    return NULL;
}

/* The advertised table: the codec ranges of the APIs we have handlers for,
 * unchanged. Built once; constant afterwards. */
static proto_api_range advertised[32];
static int32_t advertised_count = -1;

static void advertised_build(void) {
    if (advertised_count >= 0)
        return;
    advertised_count = 0;
    for (size_t i = 0; i < proto_api_range_count && advertised_count < 32; i++) {
        const proto_api_range *r = &proto_api_ranges[i];
        if (api_find(r->api_key))
            advertised[advertised_count++] = *r;
    }
}

/* KIP-511 software name/version rule: [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? */
static int software_token_valid(wire_str s) {
    if (s.len <= 0)
        return 0;
    for (int32_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        int edge = i == 0 || i == s.len - 1;
        if (!alnum && (edge || (c != '-' && c != '.')))
            return 0;
    }
    return 1;
}

static int h_api_versions(broker_request *req) {
    wire_arena a;
    wire_arena_init(&a);
    proto_api_versions_req in;
    int rc = proto_api_versions_req_decode(&req->body, req->api_version, &a, &in);
    wire_arena_free(&a);
    if (rc != 0) {
        req->why = "ApiVersions body";
        return -1;
    }
    advertised_build();
    proto_api_versions_resp out;
    out.error_code = KAFKA_NONE;
    if (req->api_version >= 3 && (!software_token_valid(in.client_software_name) ||
                                  !software_token_valid(in.client_software_version)))
        out.error_code = KAFKA_INVALID_REQUEST; /* KIP-511: the client retries with v0 */
    out.api_count = advertised_count;
    out.apis = advertised;
    out.throttle_time_ms = 0;
    proto_api_versions_resp_encode(req->out, req->api_version, &out);
    return 0;
}

int dispatch_request(broker_request *req, uint8_t *frame, size_t len) {
    wire_reader *r = &req->body;
    wire_reader_init(r, frame, len);
    proto_req_header h;
    if (proto_req_header_decode(r, &h) != 0) {
        /* An ApiVersions request of a version we do not speak still gets the
         * fallback answer as long as key, version and correlation id are there
         * (its header layout is that version's business). */
        if (len >= 8 && (int16_t)wire_be16(frame) == KAFKA_API_API_VERSIONS &&
            !proto_api_supported(KAFKA_API_API_VERSIONS, (int16_t)wire_be16(frame + 2))) {
            proto_api_versions_unsupported_encode(req->out, (int32_t)wire_be32(frame + 4));
            return 0;
        }
        BLOG_W("peer=%s: request header does not decode (%zu bytes); closing connection", req->peer,
               len);
        return -1;
    }
    req->api_key = h.api_key;
    req->api_version = h.api_version;
    req->correlation_id = h.correlation_id;
    req->client_id = h.client_id;
    const char *api_name = kafka_api_name(req->api_key);
    if (!api_name)
        api_name = "unknown";
    const api_entry *api = api_find(req->api_key);
    const proto_api_range *range = proto_api_range_find(req->api_key);
    wire_writer *w = req->out;
    if (!api || !range || !proto_api_supported(req->api_key, req->api_version)) {
        if (req->api_key == KAFKA_API_API_VERSIONS) {
            BLOG_D("peer=%s: ApiVersions v%d not supported, answering with the v0 fallback",
                   req->peer, req->api_version);
            proto_api_versions_unsupported_encode(w, req->correlation_id);
            return 0;
        }
        if (api && range)
            BLOG_W("peer=%s api=%s(%d) version=%d: version not supported (we implement %d..%d); "
                   "closing connection",
                   req->peer, api_name, req->api_key, req->api_version, range->min_version,
                   range->max_version);
        else
            BLOG_W("peer=%s api=%s(%d) version=%d: API not supported by this broker; closing "
                   "connection",
                   req->peer, api_name, req->api_key, req->api_version);
        return -1;
    }
    req->flexible = proto_is_flexible(req->api_key, req->api_version);
    proto_resp_header_encode(w, req->api_key, req->api_version, req->correlation_id);
    req->why = NULL;
    if (api->fn(req) != 0 || r->err) {
        BLOG_W("peer=%s api=%s(%d) version=%d correlation_id=%d: request does not decode (%s); "
               "closing connection",
               req->peer, api_name, req->api_key, req->api_version, req->correlation_id,
               req->why ? req->why : "truncated body");
        return -1;
    }
    if (w->err) {
        BLOG_E("peer=%s api=%s(%d): out of memory encoding the response; closing connection",
               req->peer, api_name, req->api_key);
        return -1;
    }
    return 0;
}
