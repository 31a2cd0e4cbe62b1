/*
 * group_records.c - how groups map onto __consumer_offsets: the keys and
 * values in Apache Kafka's formats (see group_records.h for the layouts)
 * and the partition of a group (Kafka's Java String.hashCode rule). Kept
 * apart from the coordinator so the formats can be tested byte by byte and
 * reused by anything that reads the topic.
 */
#include "broker/group_records.h"

#include <limits.h>
#include <string.h>

#include "broker/group.h"

void group_record_offset_key_encode(wire_writer *w, wire_str group, wire_str topic,
                                    int32_t partition) {
    wire_write_i16(w, 1);
    wire_write_str(w, 0, group);
    wire_write_str(w, 0, topic);
    wire_write_i32(w, partition);
}

void group_record_offset_value_encode(wire_writer *w, const group_record_offset *v) {
    wire_str md = v->metadata.len < 0 ? wire_str_from("") : v->metadata;
    if (v->expire_timestamp >= 0) {
        wire_write_i16(w, 1);
        wire_write_i64(w, v->offset);
        wire_write_str(w, 0, md);
        wire_write_i64(w, v->commit_timestamp);
        wire_write_i64(w, v->expire_timestamp);
        return;
    }
    wire_write_i16(w, 3);
    wire_write_i64(w, v->offset);
    wire_write_i32(w, v->leader_epoch);
    wire_write_str(w, 0, md);
    wire_write_i64(w, v->commit_timestamp);
}

void group_record_group_key_encode(wire_writer *w, wire_str group) {
    wire_write_i16(w, 2);
    wire_write_str(w, 0, group);
}

void group_record_group_value_encode(wire_writer *w, const group_record_group *v) {
    wire_write_i16(w, 3);
    wire_write_str(w, 0, v->protocol_type.len < 0 ? wire_str_from("") : v->protocol_type);
    wire_write_i32(w, v->generation);
    wire_write_str(w, 0, v->protocol);
    wire_write_str(w, 0, v->leader);
    wire_write_i64(w, v->current_state_timestamp);
    wire_write_i32(w, v->member_count);
    for (int32_t i = 0; i < v->member_count; i++) {
        const group_record_member *m = &v->members[i];
        wire_write_str(w, 0, m->member_id);
        wire_write_str(w, 0, m->instance_id);
        wire_write_str(w, 0, m->client_id);
        wire_write_str(w, 0, m->client_host);
        wire_write_i32(w, m->rebalance_timeout_ms);
        wire_write_i32(w, m->session_timeout_ms);
        wire_write_bytes(w, 0, m->subscription.len < 0 ? (wire_bytes){NULL, 0} : m->subscription);
        wire_write_bytes(w, 0, m->assignment.len < 0 ? (wire_bytes){NULL, 0} : m->assignment);
    }
}

int group_record_key_decode(wire_bytes key, group_record_key *out) {
    memset(out, 0, sizeof *out);
    if (key.len < 2)
        return -1;
    wire_reader r;
    wire_reader_init(&r, key.ptr, (size_t)key.len);
    int16_t version = wire_read_i16(&r);
    out->group = wire_read_str(&r, 0);
    if (version == 0 || version == 1) {
        out->kind = GROUP_RECORD_OFFSET;
        out->topic = wire_read_str(&r, 0);
        out->partition = wire_read_i32(&r);
    } else if (version == 2) {
        out->kind = GROUP_RECORD_GROUP;
    } else {
        return -1;
    }
    if (r.err || out->group.len < 0 || (out->kind == GROUP_RECORD_OFFSET && out->topic.len < 0))
        return -1;
    return 0;
}

int group_record_offset_value_decode(wire_bytes value, group_record_offset *out) {
    memset(out, 0, sizeof *out);
    out->leader_epoch = -1;
    out->expire_timestamp = -1;
    if (value.len < 2)
        return -1;
    wire_reader r;
    wire_reader_init(&r, value.ptr, (size_t)value.len);
    int16_t version = wire_read_i16(&r);
    if (version < 0 || version > 3)
        return -1;
    out->offset = wire_read_i64(&r);
    if (version == 3)
        out->leader_epoch = wire_read_i32(&r);
    out->metadata = wire_read_str(&r, 0);
    out->commit_timestamp = wire_read_i64(&r);
    if (version == 1)
        out->expire_timestamp = wire_read_i64(&r);
    return r.err ? -1 : 0;
}

int group_record_group_value_decode(wire_bytes value, wire_arena *a, group_record_group *out) {
    memset(out, 0, sizeof *out);
    out->current_state_timestamp = -1;
    if (value.len < 2)
        return -1;
    wire_reader r;
    wire_reader_init(&r, value.ptr, (size_t)value.len);
    int16_t version = wire_read_i16(&r);
    if (version < 0 || version > 3)
        return -1;
    out->protocol_type = wire_read_str(&r, 0);
    out->generation = wire_read_i32(&r);
    out->protocol = wire_read_str(&r, 0);
    out->leader = wire_read_str(&r, 0);
    if (version >= 2)
        out->current_state_timestamp = wire_read_i64(&r);
    out->member_count = wire_read_array_len(&r, 0);
    if (r.err || out->member_count < 0) {
        out->member_count = 0;
        return r.err ? -1 : 0;
    }
    if (out->member_count > 0 &&
        !(out->members = wire_arena_calloc(a, (size_t)out->member_count, sizeof *out->members)))
        return -1;
    for (int32_t i = 0; i < out->member_count && !r.err; i++) {
        group_record_member *m = &out->members[i];
        m->member_id = wire_read_str(&r, 0);
        m->instance_id = version >= 3 ? wire_read_str(&r, 0) : WIRE_STR_NULL;
        m->client_id = wire_read_str(&r, 0);
        m->client_host = wire_read_str(&r, 0);
        m->rebalance_timeout_ms = -1;
        if (version >= 1)
            m->rebalance_timeout_ms = wire_read_i32(&r);
        m->session_timeout_ms = wire_read_i32(&r);
        if (version == 0)
            m->rebalance_timeout_ms = m->session_timeout_ms;
        m->subscription = wire_read_bytes(&r, 0);
        m->assignment = wire_read_bytes(&r, 0);
    }
    return r.err ? -1 : 0;
}

/* ---- which partition holds a group ---- */

int32_t group_partition_for(wire_str id, int32_t n) {
    uint32_t h = 0;
    const uint8_t *s = (const uint8_t *)id.ptr;
    int32_t len = id.len > 0 ? id.len : 0;
    for (int32_t i = 0; i < len;) {
        uint32_t cp = 0xFFFD;
        uint8_t b = s[i];
        int need = b < 0x80             ? 0
                   : (b & 0xE0) == 0xC0 ? 1
                   : (b & 0xF0) == 0xE0 ? 2
                   : (b & 0xF8) == 0xF0 ? 3
                                        : -1;
        if (need == 0) {
            cp = b;
            i++;
        } else if (need < 0 || i + need >= len) {
            i++;
        } else {
            cp = b & (0x3F >> need);
            int ok = 1;
            for (int k = 1; k <= need; k++) {
                if ((s[i + k] & 0xC0) != 0x80) {
                    ok = 0;
                    break;
                }
                cp = cp << 6 | (s[i + k] & 0x3F);
            }
            if (ok) {
                i += need + 1;
            } else {
                cp = 0xFFFD;
                i++;
            }
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            h = 31 * h + (0xD800 + (cp >> 10));
            h = 31 * h + (0xDC00 + (cp & 0x3FF));
        } else {
            h = 31 * h + cp;
        }
    }
    int32_t v = (int32_t)h;
    if (v == INT32_MIN)
        v = 0;
    else if (v < 0)
        v = -v;
    return n > 0 ? v % n : 0;
}
