/*
 * group_internal.h - what group.c (membership, rebalances) and
 * group_offsets.c (commits, group record, expiry, loading) share: the coordinator struct
 * and small helpers over groups. Not for use outside those two files.
 */
#ifndef STRAND_BROKER_GROUP_INTERNAL_H
#define STRAND_BROKER_GROUP_INTERNAL_H

#include "broker/group.h"

struct group_coord {
    group_config cfg;
    group_ops ops;
    group *groups;
    int32_t count;
    uint64_t rng;
};

/* malloc'ed copy of a slice; NULL for the null string (or ENOMEM). */
char *group_strdup(wire_str s);
/* 1 if the C string (may be NULL) equals the slice. */
int group_str_eq(const char *a, wire_str b);

/* A new Empty group (no protocol type) at the head of the list, or NULL. */
group *group_create(group_coord *c, wire_str id, int64_t now);
/* Unlink and free a group; its waiters must have been answered. */
void group_forget(group_coord *c, group *g);
/* Free members and pending members (no callbacks). */
void group_members_clear(group *g);
/* Drop a group that holds nothing worth keeping (created by a request that
 * then failed): no members, pending members, offsets or protocol type. */
void group_forget_if_unused(group_coord *c, group *g);

/* Answer the group's waiting JoinGroup/SyncGroup with `error`. */
void group_waiters_fail(group_coord *c, group *g, int16_t error);

/* Store (insert or overwrite) an offset; -1 on ENOMEM. */
int group_offset_put(group *g, wire_str topic, int32_t partition, int64_t offset,
                     int32_t leader_epoch, wire_str metadata, int64_t commit_ts, int64_t expire_ts);
void group_offset_remove_at(group *g, int32_t i);
void group_offsets_clear(group *g);

/* The member's protocol called `name`, or NULL. */
const group_protocol *group_member_protocol(const gmember *m, const char *name);

/* The group metadata record (key + value) for `g`, appended through
 * ops->append: KAFKA_NONE or its error. */
int16_t group_store(group_coord *c, group *g);

#endif
