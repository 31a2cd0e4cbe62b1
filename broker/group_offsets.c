/*
 * group_offsets.c - what the group coordinator keeps in __consumer_offsets:
 * committed offsets (OffsetCommit checks and storage), the group metadata
 * record, DeleteGroups, retention (KIP-211) and the replay of the topic at
 * start.
 *
 * A group's offsets are an array searched linearly (a consumer commits a
 * handful of partitions at a time). Every change that must survive a
 * restart is appended to the log through ops->append BEFORE memory changes,
 * so what the coordinator answers and what a reload finds agree: a commit
 * that could not be appended is answered with the error and not applied.
 */
#include <stdlib.h>
#include <string.h>

#include "broker/group.h"
#include "broker/group_internal.h"
#include "broker/group_records.h"
#include "wire/kafka.h"

/* ---- the offset array ---- */

static int32_t offset_index(const group *g, wire_str topic, int32_t partition) {
    for (int32_t i = 0; i < g->offset_count; i++)
        if (g->offsets[i].partition == partition && group_str_eq(g->offsets[i].topic, topic))
            return i;
    return -1;
}

const group_offset *group_offset_find(const group *g, wire_str topic, int32_t partition) {
    int32_t i = g ? offset_index(g, topic, partition) : -1;
    return i >= 0 ? &g->offsets[i] : NULL;
}

int group_offset_put(group *g, wire_str topic, int32_t partition, int64_t offset,
                     int32_t leader_epoch, wire_str metadata, int64_t commit_ts,
                     int64_t expire_ts) {
    char *md = group_strdup(metadata.len < 0 ? wire_str_from("") : metadata);
    if (!md)
        return -1;
    int32_t i = offset_index(g, topic, partition);
    if (i < 0) {
        if (g->offset_count == g->offset_cap) {
            int32_t cap = g->offset_cap ? g->offset_cap * 2 : 8;
            group_offset *p = realloc(g->offsets, (size_t)cap * sizeof *p);
            if (!p) {
                free(md);
                return -1;
            }
            g->offsets = p;
            g->offset_cap = cap;
        }
        char *t = group_strdup(topic);
        if (!t) {
            free(md);
            return -1;
        }
        i = g->offset_count++;
        memset(&g->offsets[i], 0, sizeof g->offsets[i]);
        g->offsets[i].topic = t;
        g->offsets[i].partition = partition;
    }
    group_offset *o = &g->offsets[i];
    free(o->metadata);
    o->metadata = md;
    o->offset = offset;
    o->leader_epoch = leader_epoch;
    o->commit_timestamp = commit_ts;
    o->expire_timestamp = expire_ts;
    return 0;
}

void group_offset_remove_at(group *g, int32_t i) {
    free(g->offsets[i].topic);
    free(g->offsets[i].metadata);
    g->offsets[i] = g->offsets[--g->offset_count];
}

void group_offsets_clear(group *g) {
    while (g->offset_count > 0)
        group_offset_remove_at(g, g->offset_count - 1);
}

int64_t group_coord_offset_count(const group_coord *c) {
    int64_t n = 0;
    for (const group *g = c->groups; g; g = g->next)
        n += g->offset_count;
    return n;
}

/* ---- appending records ---- */

/* Records are collected as (key, value) byte ranges in one writer; slices
 * are made only once the writer stops moving. */
typedef struct record_list {
    wire_writer w;
    size_t *pos; /* key start, key end, value start, value end (SIZE_MAX: null) */
    int32_t n, cap;
    int err;
} record_list;

static void records_init(record_list *l) {
    memset(l, 0, sizeof *l);
    wire_writer_init(&l->w);
}

static void records_free(record_list *l) {
    wire_writer_free(&l->w);
    free(l->pos);
}

static size_t *records_next(record_list *l) {
    if (l->n == l->cap) {
        int32_t cap = l->cap ? l->cap * 2 : 16;
        size_t *p = realloc(l->pos, (size_t)cap * 4 * sizeof *p);
        if (!p) {
            l->err = 1;
            return NULL;
        }
        l->pos = p;
        l->cap = cap;
    }
    return &l->pos[4 * l->n++];
}

static void records_offset(record_list *l, wire_str group_id, wire_str topic, int32_t partition,
                           const group_record_offset *v) {
    size_t *p = records_next(l);
    if (!p)
        return;
    p[0] = l->w.len;
    group_record_offset_key_encode(&l->w, group_id, topic, partition);
    p[1] = p[2] = l->w.len;
    if (v)
        group_record_offset_value_encode(&l->w, v);
    p[3] = v ? l->w.len : SIZE_MAX;
}

static void records_group_tombstone(record_list *l, wire_str group_id) {
    size_t *p = records_next(l);
    if (!p)
        return;
    p[0] = l->w.len;
    group_record_group_key_encode(&l->w, group_id);
    p[1] = p[2] = l->w.len;
    p[3] = SIZE_MAX;
}

static int16_t records_append(group_coord *c, const char *group_id, record_list *l) {
    if (l->n == 0 || !c->ops.append)
        return KAFKA_NONE;
    if (l->err || l->w.err)
        return KAFKA_COORDINATOR_NOT_AVAILABLE;
    group_record *recs = calloc((size_t)l->n, sizeof *recs);
    if (!recs)
        return KAFKA_COORDINATOR_NOT_AVAILABLE;
    for (int32_t i = 0; i < l->n; i++) {
        size_t *p = &l->pos[4 * i];
        recs[i].key = (wire_bytes){l->w.p + p[0], (int32_t)(p[1] - p[0])};
        recs[i].value = p[3] == SIZE_MAX ? WIRE_BYTES_NULL
                                         : (wire_bytes){l->w.p + p[2], (int32_t)(p[3] - p[2])};
    }
    int16_t err = c->ops.append(c->ops.ctx, group_id, recs, l->n);
    free(recs);
    return err;
}

/* ---- the group metadata record ---- */

int16_t group_store(group_coord *c, group *g) {
    if (!c->ops.append)
        return KAFKA_NONE;
    wire_arena a;
    wire_arena_init(&a);
    group_record_group v;
    memset(&v, 0, sizeof v);
    v.protocol_type = wire_str_from(g->protocol_type ? g->protocol_type : "");
    v.generation = g->generation;
    v.protocol = wire_str_from(g->protocol);
    v.leader = wire_str_from(g->leader);
    v.current_state_timestamp = g->state_timestamp;
    v.member_count = g->member_count;
    if (v.member_count > 0 &&
        !(v.members = wire_arena_calloc(&a, (size_t)v.member_count, sizeof *v.members))) {
        wire_arena_free(&a);
        return KAFKA_COORDINATOR_NOT_AVAILABLE;
    }
    int32_t i = 0;
    for (gmember *m = g->members; m; m = m->next, i++) {
        group_record_member *rm = &v.members[i];
        const group_protocol *p = group_member_protocol(m, g->protocol);
        rm->member_id = wire_str_from(m->member_id);
        rm->instance_id = wire_str_from(m->instance_id);
        rm->client_id = wire_str_from(m->client_id ? m->client_id : "");
        rm->client_host = wire_str_from(m->client_host ? m->client_host : "");
        rm->rebalance_timeout_ms = m->rebalance_timeout_ms;
        rm->session_timeout_ms = m->session_timeout_ms;
        rm->subscription = p ? (wire_bytes){p->metadata, p->metadata_len} : (wire_bytes){NULL, 0};
        rm->assignment = (wire_bytes){m->assignment, m->assignment_len};
    }
    wire_writer key, val;
    wire_writer_init(&key);
    wire_writer_init(&val);
    group_record_group_key_encode(&key, wire_str_from(g->id));
    group_record_group_value_encode(&val, &v);
    wire_arena_free(&a);
    int16_t err = KAFKA_COORDINATOR_NOT_AVAILABLE;
    if (!key.err && !val.err) {
        group_record rec = {{key.p, (int32_t)key.len}, {val.p, (int32_t)val.len}};
        err = c->ops.append(c->ops.ctx, g->id, &rec, 1);
    }
    wire_writer_free(&key);
    wire_writer_free(&val);
    return err;
}

/* ---- OffsetCommit ---- */

static int16_t commit_check(group *g, int32_t generation, wire_str member_id, wire_str instance_id,
                            int64_t now) {
    if (instance_id.len >= 0) {
        for (gmember *m = g->members; m; m = m->next)
            if (group_str_eq(m->instance_id, instance_id) && !group_str_eq(m->member_id, member_id))
                return KAFKA_FENCED_INSTANCE_ID;
    }
    if (generation < 0 && g->state == GROUP_EMPTY)
        return KAFKA_NONE; /* the group only stores offsets */
    if (g->state == GROUP_COMPLETING_REBALANCE)
        return KAFKA_REBALANCE_IN_PROGRESS;
    gmember *m = group_member_find(g, member_id);
    if (!m)
        return KAFKA_UNKNOWN_MEMBER_ID;
    if (generation != g->generation)
        return KAFKA_ILLEGAL_GENERATION;
    m->last_heartbeat_ms = now;
    return KAFKA_NONE;
}

void group_commit(group_coord *c, wire_str group_id, int32_t generation, wire_str member_id,
                  wire_str instance_id, group_commit_entry *e, int32_t n, int64_t now) {
    int16_t err = KAFKA_NONE;
    group *g = group_id.len < 0 ? NULL : group_find(c, group_id);
    int created = 0;
    if (group_id.len < 0) {
        err = KAFKA_INVALID_GROUP_ID;
    } else if (!g) {
        if (generation >= 0)
            err = KAFKA_ILLEGAL_GENERATION;
        else if (!(g = group_create(c, group_id, now)))
            err = KAFKA_COORDINATOR_NOT_AVAILABLE;
        else
            created = 1;
    }
    if (err == KAFKA_NONE)
        err = commit_check(g, generation, member_id, instance_id, now);
    if (err != KAFKA_NONE) {
        for (int32_t i = 0; i < n; i++)
            e[i].error = err;
        if (created)
            group_forget(c, g);
        return;
    }
    record_list l;
    records_init(&l);
    for (int32_t i = 0; i < n; i++) {
        int32_t mdlen = e[i].metadata.len < 0 ? 0 : e[i].metadata.len;
        if (mdlen > c->cfg.offset_metadata_max_bytes) {
            e[i].error = KAFKA_OFFSET_METADATA_TOO_LARGE;
            continue;
        }
        e[i].error = KAFKA_NONE;
        group_record_offset v = {e[i].offset, e[i].leader_epoch, e[i].metadata, now,
                                 e[i].expire_timestamp};
        records_offset(&l, group_id, e[i].topic, e[i].partition, &v);
    }
    err = records_append(c, g->id, &l);
    records_free(&l);
    for (int32_t i = 0; i < n; i++) {
        if (e[i].error != KAFKA_NONE)
            continue;
        if (err != KAFKA_NONE)
            e[i].error = err;
        else if (group_offset_put(g, e[i].topic, e[i].partition, e[i].offset, e[i].leader_epoch,
                                  e[i].metadata, now, e[i].expire_timestamp) != 0)
            e[i].error = KAFKA_COORDINATOR_NOT_AVAILABLE; /* in the log; a restart has it */
    }
    if (created)
        group_forget_if_unused(c, g);
}

/* ---- DeleteGroups ---- */

int16_t group_delete(group_coord *c, wire_str group_id, int64_t now) {
    (void)now;
    if (group_id.len < 0)
        return KAFKA_INVALID_GROUP_ID;
    group *g = group_find(c, group_id);
    if (!g || g->state == GROUP_DEAD)
        return KAFKA_GROUP_ID_NOT_FOUND;
    if (g->state != GROUP_EMPTY || g->member_count > 0)
        return KAFKA_NON_EMPTY_GROUP;
    record_list l;
    records_init(&l);
    for (int32_t i = 0; i < g->offset_count; i++)
        records_offset(&l, group_id, wire_str_from(g->offsets[i].topic), g->offsets[i].partition,
                       NULL);
    records_group_tombstone(&l, group_id);
    int16_t err = records_append(c, g->id, &l);
    records_free(&l);
    if (err == KAFKA_NONE)
        group_forget(c, g);
    return err;
}

/* ---- retention ---- */

static int offset_expired(const group_coord *c, const group *g, const group_offset *o,
                          int64_t now) {
    if (o->expire_timestamp >= 0)
        return now >= o->expire_timestamp;
    /* KIP-211: an empty consumer group counts from when it became empty; a
     * group that never had members from the commit. */
    int64_t base =
        g->protocol_type && g->state_timestamp >= 0 ? g->state_timestamp : o->commit_timestamp;
    return now - base >= c->cfg.offsets_retention_ms;
}

int32_t group_expire(group_coord *c, int64_t now, int32_t *groups_removed) {
    int32_t removed = 0, forgotten = 0;
    group *next;
    for (group *g = c->groups; g; g = next) {
        next = g->next;
        if (g->member_count > 0 || g->state != GROUP_EMPTY || g->pending)
            continue;
        record_list l;
        records_init(&l);
        int32_t expired = 0;
        for (int32_t i = 0; i < g->offset_count; i++) {
            if (offset_expired(c, g, &g->offsets[i], now)) {
                records_offset(&l, wire_str_from(g->id), wire_str_from(g->offsets[i].topic),
                               g->offsets[i].partition, NULL);
                expired++;
            }
        }
        int drop_group = expired == g->offset_count;
        if (drop_group)
            records_group_tombstone(&l, wire_str_from(g->id));
        int16_t err = records_append(c, g->id, &l);
        records_free(&l);
        if (err != KAFKA_NONE)
            continue;
        for (int32_t i = g->offset_count - 1; i >= 0; i--)
            if (offset_expired(c, g, &g->offsets[i], now))
                group_offset_remove_at(g, i);
        removed += expired;
        if (drop_group) {
            group_forget(c, g);
            forgotten++;
        }
    }
    if (groups_removed)
        *groups_removed = forgotten;
    return removed;
}

/* ---- loading ---- */

static int load_group_value(group *g, wire_bytes value) {
    wire_arena a;
    wire_arena_init(&a);
    group_record_group v;
    if (group_record_group_value_decode(value, &a, &v) != 0) {
        wire_arena_free(&a);
        return -1;
    }
    group_members_clear(g);
    free(g->protocol_type);
    free(g->protocol);
    free(g->leader);
    g->protocol_type = group_strdup(v.protocol_type);
    g->protocol = group_strdup(v.protocol);
    g->leader = group_strdup(v.leader);
    g->generation = v.generation;
    g->state_timestamp = v.current_state_timestamp;
    gmember **tail = &g->members;
    for (int32_t i = 0; i < v.member_count; i++) {
        const group_record_member *rm = &v.members[i];
        gmember *m = calloc(1, sizeof *m);
        if (!m)
            break;
        m->member_id = group_strdup(rm->member_id);
        m->instance_id = group_strdup(rm->instance_id);
        m->client_id = group_strdup(rm->client_id.len < 0 ? wire_str_from("") : rm->client_id);
        m->client_host =
            group_strdup(rm->client_host.len < 0 ? wire_str_from("") : rm->client_host);
        m->session_timeout_ms = rm->session_timeout_ms;
        m->rebalance_timeout_ms = rm->rebalance_timeout_ms;
        if (g->protocol && (m->protocols = calloc(1, sizeof *m->protocols))) {
            m->protocols[0].name = strdup(g->protocol);
            m->protocol_count = m->protocols[0].name ? 1 : 0;
            if (rm->subscription.len > 0 &&
                (m->protocols[0].metadata = malloc((size_t)rm->subscription.len))) {
                memcpy(m->protocols[0].metadata, rm->subscription.ptr,
                       (size_t)rm->subscription.len);
                m->protocols[0].metadata_len = rm->subscription.len;
            }
        }
        if (rm->assignment.len > 0 && (m->assignment = malloc((size_t)rm->assignment.len))) {
            memcpy(m->assignment, rm->assignment.ptr, (size_t)rm->assignment.len);
            m->assignment_len = rm->assignment.len;
        }
        *tail = m;
        tail = &m->next;
        g->member_count++;
        if (!m->member_id)
            break;
    }
    wire_arena_free(&a);
    g->state = g->member_count > 0 ? GROUP_STABLE : GROUP_EMPTY;
    return 0;
}

int group_load_record(group_coord *c, wire_bytes key, wire_bytes value) {
    group_record_key k;
    if (group_record_key_decode(key, &k) != 0)
        return -1;
    group *g = group_find(c, k.group);
    if (value.len < 0) {
        if (!g)
            return 0;
        if (k.kind == GROUP_RECORD_OFFSET) {
            int32_t i = offset_index(g, k.topic, k.partition);
            if (i >= 0)
                group_offset_remove_at(g, i);
        } else {
            group_members_clear(g);
            free(g->protocol_type);
            free(g->protocol);
            free(g->leader);
            g->protocol_type = g->protocol = g->leader = NULL;
            g->generation = 0;
            g->state = GROUP_EMPTY;
        }
        group_forget_if_unused(c, g);
        return 0;
    }
    if (!g && !(g = group_create(c, k.group, -1)))
        return -1;
    if (k.kind == GROUP_RECORD_OFFSET) {
        group_record_offset v;
        if (group_record_offset_value_decode(value, &v) != 0 ||
            group_offset_put(g, k.topic, k.partition, v.offset, v.leader_epoch, v.metadata,
                             v.commit_timestamp, v.expire_timestamp) != 0) {
            group_forget_if_unused(c, g);
            return -1;
        }
        return 0;
    }
    if (load_group_value(g, value) != 0) {
        group_forget_if_unused(c, g);
        return -1;
    }
    return 0;
}

void group_load_finish(group_coord *c, int64_t now) {
    for (group *g = c->groups; g; g = g->next)
        for (gmember *m = g->members; m; m = m->next)
            m->last_heartbeat_ms = now;
}

static int in_partition(const group *g, int32_t partition, int32_t partitions) {
    return group_partition_for(wire_str_from(g->id), partitions) == partition;
}

void group_load_finish_partition(group_coord *c, int32_t partition, int32_t partitions,
                                 int64_t now) {
    for (group *g = c->groups; g; g = g->next)
        if (in_partition(g, partition, partitions))
            for (gmember *m = g->members; m; m = m->next)
                m->last_heartbeat_ms = now;
}

int32_t group_coord_unload_partition(group_coord *c, int32_t partition, int32_t partitions,
                                     int16_t error) {
    int32_t n = 0;
    group *next;
    for (group *g = c->groups; g; g = next) {
        next = g->next;
        if (!in_partition(g, partition, partitions))
            continue;
        group_waiters_fail(c, g, error);
        group_forget(c, g);
        n++;
    }
    return n;
}
