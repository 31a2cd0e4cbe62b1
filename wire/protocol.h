/*
 * protocol.h - Kafka request/response codecs: headers, version table and
 * the message bodies Strand speaks.
 *
 * Shared by the broker (decodes requests, encodes responses), the client
 * library and the tools (encode requests, decode responses): every message
 * has both directions. No I/O and no framing: encoders append the header or
 * body to a wire_writer; the caller adds the int32 size prefix (see
 * proto_frame_begin/proto_frame_end).
 *
 * Conventions for every message type below:
 *
 *   int  proto_<api>_req_decode(wire_reader *r, int16_t version, wire_arena *a,
 *                               proto_<api>_req *out);
 *   void proto_<api>_req_encode(wire_writer *w, int16_t version,
 *                               const proto_<api>_req *in);
 *   ... and the same for _resp.
 *
 * - decode returns 0 or a negative enum wire_status. WIRE_ERR_INVALID also
 *   covers a version outside the range in proto_api_ranges (check with
 *   proto_api_supported first to answer UNSUPPORTED_VERSION instead).
 *   Decoding consumes exactly one body; bytes after it are left unread
 *   (wire_remaining tells the caller). On error `*out` is unspecified.
 * - Memory: strings and byte fields of a decoded message are slices into the
 *   reader's input and stay valid as long as that input; arrays are
 *   allocated from the arena `a` and are freed with wire_arena_free(). The
 *   decoded struct owns nothing else.
 * - Fields absent in the decoded version get Kafka's default (e.g. -1 for
 *   leader epochs and log start offsets, 0 for throttle times, null for
 *   cluster id and rack, INT32_MIN for authorized operations).
 * - Strings the schema does not allow to be null are decoded as an error
 *   when null, and encoded as "" when given as WIRE_STR_NULL. A zeroed
 *   wire_str ({NULL, 0}) is the empty string.
 * - Arrays are a count plus a pointer. For nullable arrays a count of -1 is
 *   the null array (the pointer is then NULL); a non-nullable array encoded
 *   from a count of -1 is written as empty.
 * - encode never fails by itself except through the writer's sticky error:
 *   check w->err after encoding. An unsupported version sets
 *   w->err = WIRE_ERR_INVALID and writes nothing.
 * - The `flexible` encodings (KIP-482) are selected with proto_is_flexible;
 *   all messages here are non-flexible in the supported ranges except
 *   ApiVersions v3, OffsetFetch v6-7, ListGroups v3-4, OffsetForLeaderEpoch
 *   v4, ControlledShutdown v3 and ElectLeaders v2.
 *
 * Thread-safety: the functions are pure (the version table is constant);
 * readers, writers and arenas belong to one thread at a time.
 */
#ifndef STRAND_WIRE_PROTOCOL_H
#define STRAND_WIRE_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "wire/buf.h"
#include "wire/kafka.h"

/* ------------------------------------------------------------------------ */
/* Versions */

/* A supported version range of one API (also the ApiVersions entry). */
typedef struct proto_api_range {
    int16_t api_key;
    int16_t min_version;
    int16_t max_version;
} proto_api_range;

/* The ranges the codecs implement, ascending by api_key: exactly what a
 * broker must advertise in ApiVersions and what a client may pick from. */
extern const proto_api_range proto_api_ranges[];
extern const size_t proto_api_range_count;

/* The range of `api_key`, or NULL when the key is not implemented. */
const proto_api_range *proto_api_range_find(int16_t api_key);

/* 1 if (api_key, version) is implemented by these codecs. */
int proto_api_supported(int16_t api_key, int16_t version);

/* Highest version implemented here that is also inside [peer_min, peer_max]
 * (the other side's advertised range), or -1 when they do not overlap. */
int16_t proto_api_version_pick(int16_t api_key, int16_t peer_min, int16_t peer_max);

/* 1 if that API version uses the flexible (KIP-482) encodings. Known for all
 * API keys in kafka.h, also for versions beyond what is implemented here
 * (needed to parse the header of any request); 0 for unknown keys. */
int proto_is_flexible(int16_t api_key, int16_t version);

/* Header versions: request 1 or 2 (ControlledShutdown v0: 0, without the
 * client id), response 0 or 1 (ApiVersions: always 0). */
int proto_req_header_version(int16_t api_key, int16_t version);
int proto_resp_header_version(int16_t api_key, int16_t version);

/* ------------------------------------------------------------------------ */
/* Headers and framing */

typedef struct proto_req_header {
    int16_t api_key;
    int16_t api_version;
    int32_t correlation_id;
    wire_str client_id; /* nullable; classic int16 string even in header v2 */
} proto_req_header;

/* Request header v0, v1 or v2 (chosen from api_key/api_version, which come
 * first). Works for any key and version, so a broker can always answer. */
int proto_req_header_decode(wire_reader *r, proto_req_header *out);
void proto_req_header_encode(wire_writer *w, const proto_req_header *h);

/* Response header v0 or v1 for the given request's key and version. */
int proto_resp_header_decode(wire_reader *r, int16_t api_key, int16_t version,
                             int32_t *correlation_id);
void proto_resp_header_encode(wire_writer *w, int16_t api_key, int16_t version,
                              int32_t correlation_id);

/* Frame helpers: begin writes a placeholder int32 size and returns its
 * position; end patches it with the number of bytes written since. */
size_t proto_frame_begin(wire_writer *w);
void proto_frame_end(wire_writer *w, size_t start);

/* ------------------------------------------------------------------------ */
/* ApiVersions (18), versions 0-3; v3 is flexible. */

typedef struct proto_api_versions_req {
    wire_str client_software_name;    /* v3+ */
    wire_str client_software_version; /* v3+ */
} proto_api_versions_req;

typedef struct proto_api_versions_resp {
    int16_t error_code;
    int32_t api_count;
    const proto_api_range *apis; /* may point at proto_api_ranges */
    int32_t throttle_time_ms;    /* v1+ */
} proto_api_versions_resp;

int proto_api_versions_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                  proto_api_versions_req *out);
void proto_api_versions_req_encode(wire_writer *w, int16_t version,
                                   const proto_api_versions_req *in);
int proto_api_versions_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                   proto_api_versions_resp *out);
void proto_api_versions_resp_encode(wire_writer *w, int16_t version,
                                    const proto_api_versions_resp *in);

/* Fill `out` with error 0, the whole proto_api_ranges table and throttle 0:
 * the broker's normal answer. Points at static data; nothing to free. */
void proto_api_versions_resp_supported(proto_api_versions_resp *out);

/* The answer to an ApiVersions request whose version is not supported:
 * response header v0 with `correlation_id`, then a v0 body with
 * UNSUPPORTED_VERSION (35) and one entry, the ApiVersions range (as Kafka
 * >= 2.4 does). No size prefix. */
void proto_api_versions_unsupported_encode(wire_writer *w, int32_t correlation_id);

/* ------------------------------------------------------------------------ */
/* Metadata (3), versions 0-8. */

typedef struct proto_metadata_req {
    /* v1+: -1 (null) = all topics, 0 = no topics. v0: 0 = all topics (a
     * null array is encoded as empty). */
    int32_t topic_count;
    wire_str *topics;
    int8_t allow_auto_topic_creation;             /* v4+, default 1 */
    int8_t include_cluster_authorized_operations; /* v8+ */
    int8_t include_topic_authorized_operations;   /* v8+ */
} proto_metadata_req;

typedef struct proto_metadata_broker {
    int32_t node_id;
    wire_str host;
    int32_t port;
    wire_str rack; /* v1+, nullable */
} proto_metadata_broker;

typedef struct proto_metadata_partition {
    int16_t error_code;
    int32_t partition_index;
    int32_t leader_id;
    int32_t leader_epoch; /* v7+, default -1 */
    int32_t replica_count;
    int32_t *replicas;
    int32_t isr_count;
    int32_t *isr;
    int32_t offline_replica_count; /* v5+ */
    int32_t *offline_replicas;
} proto_metadata_partition;

typedef struct proto_metadata_topic {
    int16_t error_code;
    wire_str name;
    int8_t is_internal; /* v1+ */
    int32_t partition_count;
    proto_metadata_partition *partitions;
    int32_t topic_authorized_operations; /* v8+, default INT32_MIN */
} proto_metadata_topic;

typedef struct proto_metadata_resp {
    int32_t throttle_time_ms; /* v3+ */
    int32_t broker_count;
    proto_metadata_broker *brokers;
    wire_str cluster_id;   /* v2+, nullable */
    int32_t controller_id; /* v1+, default -1 */
    int32_t topic_count;
    proto_metadata_topic *topics;
    int32_t cluster_authorized_operations; /* v8+, default INT32_MIN */
} proto_metadata_resp;

int proto_metadata_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                              proto_metadata_req *out);
void proto_metadata_req_encode(wire_writer *w, int16_t version, const proto_metadata_req *in);
int proto_metadata_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                               proto_metadata_resp *out);
void proto_metadata_resp_encode(wire_writer *w, int16_t version, const proto_metadata_resp *in);

/* ------------------------------------------------------------------------ */
/* Produce (0), versions 0-7. v0-2 have no transactional_id (decoded as
 * null, not written); response fields by version: throttle_time_ms v1+,
 * log_append_time_ms v2+, log_start_offset v5+ (absent: 0, -1, -1). The codec
 * does not look inside `records`: v0-2 carry legacy magic 0/1 message sets,
 * v3+ RecordBatch v2 (the broker stores only the latter). */

typedef struct proto_produce_req_partition {
    int32_t index;
    wire_bytes records; /* nullable; record batches, a slice into the input */
} proto_produce_req_partition;

typedef struct proto_produce_req_topic {
    wire_str name;
    int32_t partition_count;
    proto_produce_req_partition *partitions;
} proto_produce_req_topic;

typedef struct proto_produce_req {
    wire_str transactional_id; /* nullable; v3+ */
    int16_t acks;              /* 0: no response at all, 1: leader, -1: all ISR */
    int32_t timeout_ms;
    int32_t topic_count;
    proto_produce_req_topic *topics;
} proto_produce_req;

typedef struct proto_produce_resp_partition {
    int32_t index;
    int16_t error_code;
    int64_t base_offset;
    int64_t log_append_time_ms; /* v2+; -1 unless the topic uses LogAppendTime */
    int64_t log_start_offset;   /* v5+, default -1 */
} proto_produce_resp_partition;

typedef struct proto_produce_resp_topic {
    wire_str name;
    int32_t partition_count;
    proto_produce_resp_partition *partitions;
} proto_produce_resp_topic;

typedef struct proto_produce_resp {
    int32_t topic_count;
    proto_produce_resp_topic *topics;
    int32_t throttle_time_ms; /* v1+ */
} proto_produce_resp;

int proto_produce_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                             proto_produce_req *out);
void proto_produce_req_encode(wire_writer *w, int16_t version, const proto_produce_req *in);
int proto_produce_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                              proto_produce_resp *out);
void proto_produce_resp_encode(wire_writer *w, int16_t version, const proto_produce_resp *in);

/* ------------------------------------------------------------------------ */
/* Fetch (1), versions 4-11. */

typedef struct proto_fetch_req_partition {
    int32_t partition;
    int32_t current_leader_epoch; /* v9+, default -1 */
    int64_t fetch_offset;
    int64_t log_start_offset; /* v5+, default -1 (followers only) */
    int32_t partition_max_bytes;
} proto_fetch_req_partition;

typedef struct proto_fetch_req_topic {
    wire_str topic;
    int32_t partition_count;
    proto_fetch_req_partition *partitions;
} proto_fetch_req_topic;

typedef struct proto_fetch_forgotten_topic {
    wire_str topic;
    int32_t partition_count;
    int32_t *partitions;
} proto_fetch_forgotten_topic;

typedef struct proto_fetch_req {
    int32_t replica_id; /* -1 for consumers, the broker id for followers */
    int32_t max_wait_ms;
    int32_t min_bytes;
    int32_t max_bytes;      /* v3+, default INT32_MAX */
    int8_t isolation_level; /* 0 read_uncommitted, 1 read_committed */
    int32_t session_id;     /* v7+, default 0 */
    int32_t session_epoch;  /* v7+, default -1 */
    int32_t topic_count;
    proto_fetch_req_topic *topics;
    int32_t forgotten_count; /* v7+ */
    proto_fetch_forgotten_topic *forgotten;
    wire_str rack_id; /* v11+, default "" */
} proto_fetch_req;

typedef struct proto_fetch_aborted_txn {
    int64_t producer_id;
    int64_t first_offset;
} proto_fetch_aborted_txn;

/* Fills exactly `len` bytes at `dst` (e.g. pread from a segment file);
 * returns 0, or non-zero to fail the encode (w->err = WIRE_ERR_INVALID). */
typedef int (*proto_records_fill_fn)(void *ctx, uint8_t *dst, size_t len);

typedef struct proto_fetch_resp_partition {
    int32_t partition_index;
    int16_t error_code;
    int64_t high_watermark;
    int64_t last_stable_offset; /* default -1 */
    int64_t log_start_offset;   /* v5+, default -1 */
    int32_t aborted_count;      /* -1 = null array */
    proto_fetch_aborted_txn *aborted;
    int32_t preferred_read_replica; /* v11+, default -1 */
    /* Records: when records_fill is set the encoder writes the int32 length
     * records_len, reserves that many bytes in the writer and calls
     * records_fill(records_ctx, dst, records_len) once, before returning
     * (dst is only valid during the call). Otherwise `records` is encoded
     * (nullable). Decoding always sets `records` and leaves records_fill
     * NULL and records_len = records.len. */
    wire_bytes records;
    int32_t records_len;
    proto_records_fill_fn records_fill;
    void *records_ctx;
} proto_fetch_resp_partition;

typedef struct proto_fetch_resp_topic {
    wire_str topic;
    int32_t partition_count;
    proto_fetch_resp_partition *partitions;
} proto_fetch_resp_topic;

typedef struct proto_fetch_resp {
    int32_t throttle_time_ms;
    int16_t error_code; /* v7+ */
    int32_t session_id; /* v7+ */
    int32_t topic_count;
    proto_fetch_resp_topic *topics;
} proto_fetch_resp;

int proto_fetch_req_decode(wire_reader *r, int16_t version, wire_arena *a, proto_fetch_req *out);
void proto_fetch_req_encode(wire_writer *w, int16_t version, const proto_fetch_req *in);
int proto_fetch_resp_decode(wire_reader *r, int16_t version, wire_arena *a, proto_fetch_resp *out);
void proto_fetch_resp_encode(wire_writer *w, int16_t version, const proto_fetch_resp *in);

/* ------------------------------------------------------------------------ */
/* ListOffsets (2), versions 0-5. */

#define PROTO_LIST_OFFSETS_LATEST (-1)
#define PROTO_LIST_OFFSETS_EARLIEST (-2)

typedef struct proto_list_offsets_req_partition {
    int32_t partition_index;
    int32_t current_leader_epoch; /* v4+, default -1 */
    int64_t timestamp;            /* or PROTO_LIST_OFFSETS_LATEST / _EARLIEST */
    int32_t max_num_offsets;      /* v0 only, default 1 */
} proto_list_offsets_req_partition;

typedef struct proto_list_offsets_req_topic {
    wire_str name;
    int32_t partition_count;
    proto_list_offsets_req_partition *partitions;
} proto_list_offsets_req_topic;

typedef struct proto_list_offsets_req {
    int32_t replica_id;
    int8_t isolation_level; /* v2+ */
    int32_t topic_count;
    proto_list_offsets_req_topic *topics;
} proto_list_offsets_req;

typedef struct proto_list_offsets_resp_partition {
    int32_t partition_index;
    int16_t error_code;
    int32_t old_style_offset_count; /* v0 only */
    int64_t *old_style_offsets;
    int64_t timestamp;    /* v1+, default -1 */
    int64_t offset;       /* v1+, default -1 */
    int32_t leader_epoch; /* v4+, default -1 */
} proto_list_offsets_resp_partition;

typedef struct proto_list_offsets_resp_topic {
    wire_str name;
    int32_t partition_count;
    proto_list_offsets_resp_partition *partitions;
} proto_list_offsets_resp_topic;

typedef struct proto_list_offsets_resp {
    int32_t throttle_time_ms; /* v2+ */
    int32_t topic_count;
    proto_list_offsets_resp_topic *topics;
} proto_list_offsets_resp;

int proto_list_offsets_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                  proto_list_offsets_req *out);
void proto_list_offsets_req_encode(wire_writer *w, int16_t version,
                                   const proto_list_offsets_req *in);
int proto_list_offsets_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                   proto_list_offsets_resp *out);
void proto_list_offsets_resp_encode(wire_writer *w, int16_t version,
                                    const proto_list_offsets_resp *in);

/* ------------------------------------------------------------------------ */
/* OffsetForLeaderEpoch (23), versions 0-4 (4 flexible): where does a leader
 * epoch end in the leader's log (KIP-101 follower truncation, KIP-320
 * client log-truncation detection). */

typedef struct proto_offset_for_leader_epoch_req_partition {
    int32_t partition;
    int32_t current_leader_epoch; /* v2+, default -1 (no fencing) */
    int32_t leader_epoch;         /* the epoch to look up */
} proto_offset_for_leader_epoch_req_partition;

typedef struct proto_offset_for_leader_epoch_req_topic {
    wire_str name;
    int32_t partition_count;
    proto_offset_for_leader_epoch_req_partition *partitions;
} proto_offset_for_leader_epoch_req_topic;

typedef struct proto_offset_for_leader_epoch_req {
    int32_t replica_id; /* v3+, default -2 (Kafka's "not given"); consumers -1 */
    int32_t topic_count;
    proto_offset_for_leader_epoch_req_topic *topics;
} proto_offset_for_leader_epoch_req;

typedef struct proto_offset_for_leader_epoch_resp_partition {
    int16_t error_code;
    int32_t partition;
    int32_t leader_epoch; /* v1+, default -1 */
    int64_t end_offset;   /* -1 when undefined */
} proto_offset_for_leader_epoch_resp_partition;

typedef struct proto_offset_for_leader_epoch_resp_topic {
    wire_str name;
    int32_t partition_count;
    proto_offset_for_leader_epoch_resp_partition *partitions;
} proto_offset_for_leader_epoch_resp_topic;

typedef struct proto_offset_for_leader_epoch_resp {
    int32_t throttle_time_ms; /* v2+ */
    int32_t topic_count;
    proto_offset_for_leader_epoch_resp_topic *topics;
} proto_offset_for_leader_epoch_resp;

int proto_offset_for_leader_epoch_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                             proto_offset_for_leader_epoch_req *out);
void proto_offset_for_leader_epoch_req_encode(wire_writer *w, int16_t version,
                                              const proto_offset_for_leader_epoch_req *in);
int proto_offset_for_leader_epoch_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                              proto_offset_for_leader_epoch_resp *out);
void proto_offset_for_leader_epoch_resp_encode(wire_writer *w, int16_t version,
                                               const proto_offset_for_leader_epoch_resp *in);

/* ------------------------------------------------------------------------ */
/* ControlledShutdown (7), versions 0-3 (3 flexible; v0 is sent with request
 * header v0, without the client id): a broker about to stop asks the
 * controller to move the leadership of its partitions away. The answer
 * lists the partitions it still leads. (wire/proto_cluster_admin.c) */

typedef struct proto_controlled_shutdown_req {
    int32_t broker_id;
    int64_t broker_epoch; /* v2+, default -1 */
} proto_controlled_shutdown_req;

typedef struct proto_controlled_shutdown_tp {
    wire_str topic;
    int32_t partition;
} proto_controlled_shutdown_tp;

typedef struct proto_controlled_shutdown_resp {
    int16_t error_code;
    int32_t remaining_count;
    proto_controlled_shutdown_tp *remaining;
} proto_controlled_shutdown_resp;

int proto_controlled_shutdown_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                         proto_controlled_shutdown_req *out);
void proto_controlled_shutdown_req_encode(wire_writer *w, int16_t version,
                                          const proto_controlled_shutdown_req *in);
int proto_controlled_shutdown_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                          proto_controlled_shutdown_resp *out);
void proto_controlled_shutdown_resp_encode(wire_writer *w, int16_t version,
                                           const proto_controlled_shutdown_resp *in);

/* ------------------------------------------------------------------------ */
/* ElectLeaders (43), versions 0-2 (2 flexible): elect the preferred (or,
 * type 1, any live) replica as leader of the given partitions, or of every
 * partition when the topic list is null. (wire/proto_cluster_admin.c) */

#define PROTO_ELECTION_PREFERRED 0
#define PROTO_ELECTION_UNCLEAN 1

typedef struct proto_elect_leaders_req_topic {
    wire_str topic;
    int32_t partition_count;
    int32_t *partitions;
} proto_elect_leaders_req_topic;

typedef struct proto_elect_leaders_req {
    int8_t election_type; /* v1+, default 0 (preferred) */
    int32_t topic_count;  /* -1: null, every partition */
    proto_elect_leaders_req_topic *topics;
    int32_t timeout_ms;
} proto_elect_leaders_req;

typedef struct proto_elect_leaders_resp_partition {
    int32_t partition;
    int16_t error_code;
    wire_str error_message; /* nullable */
} proto_elect_leaders_resp_partition;

typedef struct proto_elect_leaders_resp_topic {
    wire_str topic;
    int32_t partition_count;
    proto_elect_leaders_resp_partition *partitions;
} proto_elect_leaders_resp_topic;

typedef struct proto_elect_leaders_resp {
    int32_t throttle_time_ms;
    int16_t error_code; /* v1+, default 0 */
    int32_t topic_count;
    proto_elect_leaders_resp_topic *topics;
} proto_elect_leaders_resp;

int proto_elect_leaders_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                   proto_elect_leaders_req *out);
void proto_elect_leaders_req_encode(wire_writer *w, int16_t version,
                                    const proto_elect_leaders_req *in);
int proto_elect_leaders_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                    proto_elect_leaders_resp *out);
void proto_elect_leaders_resp_encode(wire_writer *w, int16_t version,
                                     const proto_elect_leaders_resp *in);

/* ------------------------------------------------------------------------ */
/* FindCoordinator (10), versions 0-2. */

#define PROTO_COORDINATOR_GROUP 0
#define PROTO_COORDINATOR_TRANSACTION 1

typedef struct proto_find_coordinator_req {
    wire_str key;
    int8_t key_type; /* v1+, default PROTO_COORDINATOR_GROUP */
} proto_find_coordinator_req;

typedef struct proto_find_coordinator_resp {
    int32_t throttle_time_ms; /* v1+ */
    int16_t error_code;
    wire_str error_message; /* v1+, nullable */
    int32_t node_id;
    wire_str host;
    int32_t port;
} proto_find_coordinator_resp;

int proto_find_coordinator_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                      proto_find_coordinator_req *out);
void proto_find_coordinator_req_encode(wire_writer *w, int16_t version,
                                       const proto_find_coordinator_req *in);
int proto_find_coordinator_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                       proto_find_coordinator_resp *out);
void proto_find_coordinator_resp_encode(wire_writer *w, int16_t version,
                                        const proto_find_coordinator_resp *in);

/* ------------------------------------------------------------------------ */
/* InitProducerId (22), versions 0-4 (v2+ flexible): a producer id and epoch
 * for an idempotent (transactional_id null) or transactional producer. */

typedef struct proto_init_producer_id_req {
    wire_str transactional_id;      /* nullable: null for an idempotent producer */
    int32_t transaction_timeout_ms; /* only meaningful with a transactional id */
    int64_t producer_id;            /* v3+, default -1: the id the client holds (KIP-360) */
    int16_t producer_epoch;         /* v3+, default -1 */
} proto_init_producer_id_req;

typedef struct proto_init_producer_id_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
    int64_t producer_id; /* -1 on error */
    int16_t producer_epoch;
} proto_init_producer_id_resp;

int proto_init_producer_id_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                      proto_init_producer_id_req *out);
void proto_init_producer_id_req_encode(wire_writer *w, int16_t version,
                                       const proto_init_producer_id_req *in);
int proto_init_producer_id_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                       proto_init_producer_id_resp *out);
void proto_init_producer_id_resp_encode(wire_writer *w, int16_t version,
                                        const proto_init_producer_id_resp *in);

/* ------------------------------------------------------------------------ */
/* CreateTopics (19), versions 0-4. */

typedef struct proto_create_topics_assignment {
    int32_t partition_index;
    int32_t broker_id_count;
    int32_t *broker_ids;
} proto_create_topics_assignment;

typedef struct proto_config_kv {
    wire_str name;
    wire_str value; /* nullable */
} proto_config_kv;

typedef struct proto_create_topics_req_topic {
    wire_str name;
    int32_t num_partitions;     /* -1 with explicit assignments or broker default */
    int16_t replication_factor; /* -1 with explicit assignments or broker default */
    int32_t assignment_count;
    proto_create_topics_assignment *assignments;
    int32_t config_count;
    proto_config_kv *configs;
} proto_create_topics_req_topic;

typedef struct proto_create_topics_req {
    int32_t topic_count;
    proto_create_topics_req_topic *topics;
    int32_t timeout_ms;
    int8_t validate_only; /* v1+ */
} proto_create_topics_req;

typedef struct proto_create_topics_resp_topic {
    wire_str name;
    int16_t error_code;
    wire_str error_message; /* v1+, nullable */
} proto_create_topics_resp_topic;

typedef struct proto_create_topics_resp {
    int32_t throttle_time_ms; /* v2+ */
    int32_t topic_count;
    proto_create_topics_resp_topic *topics;
} proto_create_topics_resp;

int proto_create_topics_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                   proto_create_topics_req *out);
void proto_create_topics_req_encode(wire_writer *w, int16_t version,
                                    const proto_create_topics_req *in);
int proto_create_topics_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                    proto_create_topics_resp *out);
void proto_create_topics_resp_encode(wire_writer *w, int16_t version,
                                     const proto_create_topics_resp *in);

/* ------------------------------------------------------------------------ */
/* DeleteTopics (20), versions 0-3. */

typedef struct proto_delete_topics_req {
    int32_t topic_count;
    wire_str *topics;
    int32_t timeout_ms;
} proto_delete_topics_req;

typedef struct proto_delete_topics_resp_topic {
    wire_str name;
    int16_t error_code;
} proto_delete_topics_resp_topic;

typedef struct proto_delete_topics_resp {
    int32_t throttle_time_ms; /* v1+ */
    int32_t topic_count;
    proto_delete_topics_resp_topic *topics;
} proto_delete_topics_resp;

int proto_delete_topics_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                   proto_delete_topics_req *out);
void proto_delete_topics_req_encode(wire_writer *w, int16_t version,
                                    const proto_delete_topics_req *in);
int proto_delete_topics_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                    proto_delete_topics_resp *out);
void proto_delete_topics_resp_encode(wire_writer *w, int16_t version,
                                     const proto_delete_topics_resp *in);

/* ------------------------------------------------------------------------ */
/* CreatePartitions (37), versions 0-1 (same layout). */

typedef struct proto_create_partitions_assignment {
    int32_t broker_id_count;
    int32_t *broker_ids;
} proto_create_partitions_assignment;

typedef struct proto_create_partitions_req_topic {
    wire_str name;
    int32_t count;            /* the new total number of partitions */
    int32_t assignment_count; /* -1 = null: the broker chooses */
    proto_create_partitions_assignment *assignments;
} proto_create_partitions_req_topic;

typedef struct proto_create_partitions_req {
    int32_t topic_count;
    proto_create_partitions_req_topic *topics;
    int32_t timeout_ms;
    int8_t validate_only;
} proto_create_partitions_req;

typedef struct proto_create_partitions_resp_result {
    wire_str name;
    int16_t error_code;
    wire_str error_message; /* nullable */
} proto_create_partitions_resp_result;

typedef struct proto_create_partitions_resp {
    int32_t throttle_time_ms;
    int32_t result_count;
    proto_create_partitions_resp_result *results;
} proto_create_partitions_resp;

int proto_create_partitions_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                       proto_create_partitions_req *out);
void proto_create_partitions_req_encode(wire_writer *w, int16_t version,
                                        const proto_create_partitions_req *in);
int proto_create_partitions_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                        proto_create_partitions_resp *out);
void proto_create_partitions_resp_encode(wire_writer *w, int16_t version,
                                         const proto_create_partitions_resp *in);

/* ------------------------------------------------------------------------ */
/* DescribeConfigs (32), versions 0-2. */

#define PROTO_RESOURCE_TOPIC 2
#define PROTO_RESOURCE_BROKER 4

typedef struct proto_describe_configs_req_resource {
    int8_t resource_type; /* PROTO_RESOURCE_* */
    wire_str resource_name;
    int32_t config_key_count; /* -1 = null: all configs */
    wire_str *config_keys;
} proto_describe_configs_req_resource;

typedef struct proto_describe_configs_req {
    int32_t resource_count;
    proto_describe_configs_req_resource *resources;
    int8_t include_synonyms; /* v1+ */
} proto_describe_configs_req;

typedef struct proto_describe_configs_synonym {
    wire_str name;
    wire_str value; /* nullable */
    int8_t source;
} proto_describe_configs_synonym;

typedef struct proto_describe_configs_entry {
    wire_str name;
    wire_str value; /* nullable */
    int8_t read_only;
    int8_t is_default;    /* v0 only */
    int8_t config_source; /* v1+, default -1 */
    int8_t is_sensitive;
    int32_t synonym_count; /* v1+ */
    proto_describe_configs_synonym *synonyms;
} proto_describe_configs_entry;

typedef struct proto_describe_configs_result {
    int16_t error_code;
    wire_str error_message; /* nullable */
    int8_t resource_type;
    wire_str resource_name;
    int32_t config_count;
    proto_describe_configs_entry *configs;
} proto_describe_configs_result;

typedef struct proto_describe_configs_resp {
    int32_t throttle_time_ms;
    int32_t result_count;
    proto_describe_configs_result *results;
} proto_describe_configs_resp;

int proto_describe_configs_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                      proto_describe_configs_req *out);
void proto_describe_configs_req_encode(wire_writer *w, int16_t version,
                                       const proto_describe_configs_req *in);
int proto_describe_configs_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                       proto_describe_configs_resp *out);
void proto_describe_configs_resp_encode(wire_writer *w, int16_t version,
                                        const proto_describe_configs_resp *in);

/* ======================================================================== */
/* Consumer group APIs (wire/proto_group*.c, wire/proto_consumer_protocol.c).
 * Classic rebalance protocol. Flexible versions in the implemented ranges:
 * OffsetFetch v6-7 and ListGroups v3-4 (compact encodings, tagged fields
 * after every struct, request header v2 / response header v1). Unknown
 * tagged fields are skipped on decode; encode writes empty tag sections. */

/* ------------------------------------------------------------------------ */
/* JoinGroup (11), versions 0-5. */

typedef struct proto_join_group_protocol {
    wire_str name;
    wire_bytes metadata; /* e.g. a ConsumerProtocolSubscription */
} proto_join_group_protocol;

typedef struct proto_join_group_req {
    wire_str group_id;
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms; /* v1+, default -1 */
    wire_str member_id;           /* "" on the first join */
    wire_str group_instance_id;   /* v5+, nullable, default null */
    wire_str protocol_type;       /* e.g. "consumer" */
    int32_t protocol_count;
    proto_join_group_protocol *protocols;
} proto_join_group_req;

typedef struct proto_join_group_member {
    wire_str member_id;
    wire_str group_instance_id; /* v5+, nullable, default null */
    wire_bytes metadata;
} proto_join_group_member;

typedef struct proto_join_group_resp {
    int32_t throttle_time_ms; /* v2+ */
    int16_t error_code;
    int32_t generation_id;
    wire_str protocol_name; /* not nullable in v0-5 ("" when none) */
    wire_str leader;
    wire_str member_id;
    int32_t member_count; /* only the leader gets the members */
    proto_join_group_member *members;
} proto_join_group_resp;

int proto_join_group_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                proto_join_group_req *out);
void proto_join_group_req_encode(wire_writer *w, int16_t version, const proto_join_group_req *in);
int proto_join_group_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                 proto_join_group_resp *out);
void proto_join_group_resp_encode(wire_writer *w, int16_t version, const proto_join_group_resp *in);

/* ------------------------------------------------------------------------ */
/* SyncGroup (14), versions 0-3. */

typedef struct proto_sync_group_assignment {
    wire_str member_id;
    wire_bytes assignment; /* e.g. a ConsumerProtocolAssignment */
} proto_sync_group_assignment;

typedef struct proto_sync_group_req {
    wire_str group_id;
    int32_t generation_id;
    wire_str member_id;
    wire_str group_instance_id; /* v3+, nullable, default null */
    int32_t assignment_count;   /* only the leader sends assignments */
    proto_sync_group_assignment *assignments;
} proto_sync_group_req;

typedef struct proto_sync_group_resp {
    int32_t throttle_time_ms; /* v1+ */
    int16_t error_code;
    wire_bytes assignment; /* not nullable: null is encoded as empty */
} proto_sync_group_resp;

int proto_sync_group_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                proto_sync_group_req *out);
void proto_sync_group_req_encode(wire_writer *w, int16_t version, const proto_sync_group_req *in);
int proto_sync_group_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                 proto_sync_group_resp *out);
void proto_sync_group_resp_encode(wire_writer *w, int16_t version, const proto_sync_group_resp *in);

/* ------------------------------------------------------------------------ */
/* Heartbeat (12), versions 0-3. */

typedef struct proto_heartbeat_req {
    wire_str group_id;
    int32_t generation_id;
    wire_str member_id;
    wire_str group_instance_id; /* v3+, nullable, default null */
} proto_heartbeat_req;

typedef struct proto_heartbeat_resp {
    int32_t throttle_time_ms; /* v1+ */
    int16_t error_code;
} proto_heartbeat_resp;

int proto_heartbeat_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                               proto_heartbeat_req *out);
void proto_heartbeat_req_encode(wire_writer *w, int16_t version, const proto_heartbeat_req *in);
int proto_heartbeat_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                proto_heartbeat_resp *out);
void proto_heartbeat_resp_encode(wire_writer *w, int16_t version, const proto_heartbeat_resp *in);

/* ------------------------------------------------------------------------ */
/* LeaveGroup (13), versions 0-3. v0-2 name one member (member_id); v3
 * carries a members array instead (batch leave of static members). The
 * decoder fills only the fields of its version; the encoder writes only
 * those (member_id is ignored in v3, members in v0-2). */

typedef struct proto_leave_group_member {
    wire_str member_id;
    wire_str group_instance_id; /* nullable */
    int16_t error_code;         /* response only */
} proto_leave_group_member;

typedef struct proto_leave_group_req {
    wire_str group_id;
    wire_str member_id;   /* v0-2 */
    int32_t member_count; /* v3+ */
    proto_leave_group_member *members;
} proto_leave_group_req;

typedef struct proto_leave_group_resp {
    int32_t throttle_time_ms; /* v1+ */
    int16_t error_code;
    int32_t member_count; /* v3+ */
    proto_leave_group_member *members;
} proto_leave_group_resp;

int proto_leave_group_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                 proto_leave_group_req *out);
void proto_leave_group_req_encode(wire_writer *w, int16_t version, const proto_leave_group_req *in);
int proto_leave_group_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                  proto_leave_group_resp *out);
void proto_leave_group_resp_encode(wire_writer *w, int16_t version,
                                   const proto_leave_group_resp *in);

/* ------------------------------------------------------------------------ */
/* OffsetCommit (8), versions 0-7. */

typedef struct proto_offset_commit_req_partition {
    int32_t partition_index;
    int64_t committed_offset;
    int32_t committed_leader_epoch; /* v6+, default -1 */
    int64_t commit_timestamp;       /* v1 only, default -1 */
    wire_str committed_metadata;    /* nullable */
} proto_offset_commit_req_partition;

typedef struct proto_offset_commit_req_topic {
    wire_str name;
    int32_t partition_count;
    proto_offset_commit_req_partition *partitions;
} proto_offset_commit_req_topic;

typedef struct proto_offset_commit_req {
    wire_str group_id;
    int32_t generation_id;      /* v1+, default -1 */
    wire_str member_id;         /* v1+, default "" */
    wire_str group_instance_id; /* v7+, nullable, default null */
    int64_t retention_time_ms;  /* v2-4, default -1 (broker default) */
    int32_t topic_count;
    proto_offset_commit_req_topic *topics;
} proto_offset_commit_req;

typedef struct proto_offset_commit_resp_partition {
    int32_t partition_index;
    int16_t error_code;
} proto_offset_commit_resp_partition;

typedef struct proto_offset_commit_resp_topic {
    wire_str name;
    int32_t partition_count;
    proto_offset_commit_resp_partition *partitions;
} proto_offset_commit_resp_topic;

typedef struct proto_offset_commit_resp {
    int32_t throttle_time_ms; /* v3+ */
    int32_t topic_count;
    proto_offset_commit_resp_topic *topics;
} proto_offset_commit_resp;

int proto_offset_commit_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                   proto_offset_commit_req *out);
void proto_offset_commit_req_encode(wire_writer *w, int16_t version,
                                    const proto_offset_commit_req *in);
int proto_offset_commit_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                    proto_offset_commit_resp *out);
void proto_offset_commit_resp_encode(wire_writer *w, int16_t version,
                                     const proto_offset_commit_resp *in);

/* ------------------------------------------------------------------------ */
/* OffsetFetch (9), versions 0-7; v6-7 are flexible. */

typedef struct proto_offset_fetch_req_topic {
    wire_str name;
    int32_t partition_count;
    int32_t *partitions;
} proto_offset_fetch_req_topic;

typedef struct proto_offset_fetch_req {
    wire_str group_id;
    /* v2+: -1 (null) = all committed offsets of the group; v0-1 do not
     * allow null (encoded as empty). */
    int32_t topic_count;
    proto_offset_fetch_req_topic *topics;
    int8_t require_stable; /* v7+ */
} proto_offset_fetch_req;

typedef struct proto_offset_fetch_resp_partition {
    int32_t partition_index;
    int64_t committed_offset;       /* -1 when nothing is committed */
    int32_t committed_leader_epoch; /* v5+, default -1 */
    wire_str metadata;              /* nullable */
    int16_t error_code;
} proto_offset_fetch_resp_partition;

typedef struct proto_offset_fetch_resp_topic {
    wire_str name;
    int32_t partition_count;
    proto_offset_fetch_resp_partition *partitions;
} proto_offset_fetch_resp_topic;

typedef struct proto_offset_fetch_resp {
    int32_t throttle_time_ms; /* v3+ */
    int32_t topic_count;
    proto_offset_fetch_resp_topic *topics;
    int16_t error_code; /* v2+, group-level error */
} proto_offset_fetch_resp;

int proto_offset_fetch_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                  proto_offset_fetch_req *out);
void proto_offset_fetch_req_encode(wire_writer *w, int16_t version,
                                   const proto_offset_fetch_req *in);
int proto_offset_fetch_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                   proto_offset_fetch_resp *out);
void proto_offset_fetch_resp_encode(wire_writer *w, int16_t version,
                                    const proto_offset_fetch_resp *in);

/* ------------------------------------------------------------------------ */
/* ListGroups (16), versions 0-4; v3-4 are flexible. */

typedef struct proto_list_groups_req {
    int32_t states_filter_count; /* v4+; 0 = all states */
    wire_str *states_filter;
} proto_list_groups_req;

typedef struct proto_list_groups_group {
    wire_str group_id;
    wire_str protocol_type;
    wire_str group_state; /* v4+, default "" */
} proto_list_groups_group;

typedef struct proto_list_groups_resp {
    int32_t throttle_time_ms; /* v1+ */
    int16_t error_code;
    int32_t group_count;
    proto_list_groups_group *groups;
} proto_list_groups_resp;

int proto_list_groups_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                 proto_list_groups_req *out);
void proto_list_groups_req_encode(wire_writer *w, int16_t version, const proto_list_groups_req *in);
int proto_list_groups_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                  proto_list_groups_resp *out);
void proto_list_groups_resp_encode(wire_writer *w, int16_t version,
                                   const proto_list_groups_resp *in);

/* ------------------------------------------------------------------------ */
/* DescribeGroups (15), versions 0-4. */

typedef struct proto_describe_groups_req {
    int32_t group_count;
    wire_str *groups;
    int8_t include_authorized_operations; /* v3+ */
} proto_describe_groups_req;

typedef struct proto_describe_groups_member {
    wire_str member_id;
    wire_str group_instance_id; /* v4+, nullable, default null */
    wire_str client_id;
    wire_str client_host;
    wire_bytes member_metadata;
    wire_bytes member_assignment;
} proto_describe_groups_member;

typedef struct proto_describe_groups_group {
    int16_t error_code;
    wire_str group_id;
    wire_str group_state; /* "Empty", "Stable", "PreparingRebalance", ... */
    wire_str protocol_type;
    wire_str protocol_data; /* the chosen protocol name, e.g. "range" */
    int32_t member_count;
    proto_describe_groups_member *members;
    int32_t authorized_operations; /* v3+, default INT32_MIN */
} proto_describe_groups_group;

typedef struct proto_describe_groups_resp {
    int32_t throttle_time_ms; /* v1+ */
    int32_t group_count;
    proto_describe_groups_group *groups;
} proto_describe_groups_resp;

int proto_describe_groups_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                     proto_describe_groups_req *out);
void proto_describe_groups_req_encode(wire_writer *w, int16_t version,
                                      const proto_describe_groups_req *in);
int proto_describe_groups_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                      proto_describe_groups_resp *out);
void proto_describe_groups_resp_encode(wire_writer *w, int16_t version,
                                       const proto_describe_groups_resp *in);

/* ------------------------------------------------------------------------ */
/* DeleteGroups (42), versions 0-1 (same layout). */

typedef struct proto_delete_groups_req {
    int32_t group_count;
    wire_str *groups;
} proto_delete_groups_req;

typedef struct proto_delete_groups_result {
    wire_str group_id;
    int16_t error_code;
} proto_delete_groups_result;

typedef struct proto_delete_groups_resp {
    int32_t throttle_time_ms;
    int32_t result_count;
    proto_delete_groups_result *results;
} proto_delete_groups_resp;

int proto_delete_groups_req_decode(wire_reader *r, int16_t version, wire_arena *a,
                                   proto_delete_groups_req *out);
void proto_delete_groups_req_encode(wire_writer *w, int16_t version,
                                    const proto_delete_groups_req *in);
int proto_delete_groups_resp_decode(wire_reader *r, int16_t version, wire_arena *a,
                                    proto_delete_groups_resp *out);
void proto_delete_groups_resp_encode(wire_writer *w, int16_t version,
                                     const proto_delete_groups_resp *in);

/* ------------------------------------------------------------------------ */
/* Consumer protocol (protocol type "consumer"): the bytes inside JoinGroup
 * protocol metadata (Subscription) and SyncGroup assignments (Assignment).
 * Not an API: no header, no version table. Each starts with its own int16
 * version. Encoding supports versions 0-1 (v1 adds owned partitions to the
 * subscription; the assignment layout is the same). Decoding accepts any
 * version >= 0 and reads the v0-1 fields, ignoring what newer versions
 * append (Kafka's forward-compatibility rule); a negative version is
 * WIRE_ERR_INVALID. An empty input decodes as an empty assignment (version
 * 0, no partitions, null user data): that is what a member without
 * partitions may get from SyncGroup. Memory as for the API codecs. */

#define PROTO_CONSUMER_PROTOCOL_TYPE "consumer"

typedef struct proto_consumer_tp {
    wire_str topic;
    int32_t partition_count;
    int32_t *partitions;
} proto_consumer_tp;

typedef struct proto_consumer_subscription {
    int16_t version;
    int32_t topic_count;
    wire_str *topics;
    wire_bytes user_data; /* nullable */
    int32_t owned_count;  /* v1+ */
    proto_consumer_tp *owned;
} proto_consumer_subscription;

typedef struct proto_consumer_assignment {
    int16_t version;
    int32_t tp_count;
    proto_consumer_tp *tps;
    wire_bytes user_data; /* nullable */
} proto_consumer_assignment;

int proto_consumer_subscription_decode(wire_reader *r, wire_arena *a,
                                       proto_consumer_subscription *out);
/* Writes in->version (0 or 1; anything else: w->err = WIRE_ERR_INVALID). */
void proto_consumer_subscription_encode(wire_writer *w, const proto_consumer_subscription *in);
int proto_consumer_assignment_decode(wire_reader *r, wire_arena *a, proto_consumer_assignment *out);
void proto_consumer_assignment_encode(wire_writer *w, const proto_consumer_assignment *in);

#endif
