/*
 * group_records.h - the record formats of __consumer_offsets, as Apache
 * Kafka writes them, so Kafka tools reading the topic recognise them:
 *
 *   offset commit key v1:   int16 version=1, string group, string topic,
 *                           int32 partition
 *   offset commit value v1: int16 1, int64 offset, string metadata,
 *                           int64 commit_timestamp, int64 expire_timestamp
 *   offset commit value v3: int16 3, int64 offset, int32 leader_epoch,
 *                           string metadata, int64 commit_timestamp
 *   group metadata key v2:  int16 version=2, string group
 *   group metadata value v3: int16 3, string protocol_type, int32 generation,
 *                           nullable string protocol, nullable string leader,
 *                           int64 current_state_timestamp, members array of
 *                           (string member_id, nullable string instance_id,
 *                           string client_id, string client_host,
 *                           int32 rebalance_timeout, int32 session_timeout,
 *                           bytes subscription, bytes assignment)
 *
 * Values are written as v3 (v1 when the commit carried an expire time, the
 * OffsetCommit v2-4 retention_time_ms), group values as v3. Decoding accepts
 * offset values v0-3 and group values v0-3 (older fields defaulted). A null
 * value is a tombstone. Pure functions; decoded slices point into the input.
 */
#ifndef STRAND_BROKER_GROUP_RECORDS_H
#define STRAND_BROKER_GROUP_RECORDS_H

#include <stdint.h>

#include "wire/buf.h"

enum group_record_kind {
    GROUP_RECORD_OFFSET = 1, /* key version 0 or 1 */
    GROUP_RECORD_GROUP = 2,  /* key version 2 */
};

typedef struct group_record_key {
    int kind; /* enum group_record_kind */
    wire_str group;
    wire_str topic;    /* offsets only */
    int32_t partition; /* offsets only */
} group_record_key;

typedef struct group_record_offset {
    int64_t offset;
    int32_t leader_epoch; /* -1 when not stored (v0-2) */
    wire_str metadata;
    int64_t commit_timestamp;
    int64_t expire_timestamp; /* -1 unless v1 */
} group_record_offset;

typedef struct group_record_member {
    wire_str member_id;
    wire_str instance_id; /* nullable */
    wire_str client_id;
    wire_str client_host;
    int32_t rebalance_timeout_ms;
    int32_t session_timeout_ms;
    wire_bytes subscription;
    wire_bytes assignment;
} group_record_member;

typedef struct group_record_group {
    wire_str protocol_type;
    int32_t generation;
    wire_str protocol;               /* nullable */
    wire_str leader;                 /* nullable */
    int64_t current_state_timestamp; /* -1 when not stored (v0-1) */
    int32_t member_count;
    group_record_member *members; /* in the decode arena */
} group_record_group;

void group_record_offset_key_encode(wire_writer *w, wire_str group, wire_str topic,
                                    int32_t partition);
/* v1 when expire_timestamp >= 0, else v3. */
void group_record_offset_value_encode(wire_writer *w, const group_record_offset *v);
void group_record_group_key_encode(wire_writer *w, wire_str group);
void group_record_group_value_encode(wire_writer *w, const group_record_group *v);

/* 0, or -1 for an unknown key version or truncated key. */
int group_record_key_decode(wire_bytes key, group_record_key *out);
int group_record_offset_value_decode(wire_bytes value, group_record_offset *out);
/* members go into arena a. */
int group_record_group_value_decode(wire_bytes value, wire_arena *a, group_record_group *out);

#endif
