/*
 * assignor.h - partition assignors of the consumer group leader: "range" and
 * "roundrobin", with Kafka's protocol names and the algorithms of the Java
 * client's RangeAssignor and RoundRobinAssignor, so that a group mixing
 * libstrand, librdkafka and Java members computes the same assignment
 * whichever member is elected leader.
 *
 * Members are ordered as the Java client's MemberInfo: members with a
 * group.instance.id first, by instance id; then the others by member id
 * (byte-wise comparison, which is Java's String order for ASCII ids).
 *
 *   range       per topic: the members subscribed to it, in that order, get
 *               consecutive partition ranges; the first (n % members) get
 *               one partition more.
 *   roundrobin  every partition of every subscribed topic (topics in name
 *               order, partitions ascending) goes to the next member in a
 *               circular walk over all members, skipping members that do not
 *               subscribe to its topic.
 *
 * A topic with no known partition count (absent from `topics`, or count <= 0)
 * is assigned to nobody. Pure functions; any thread. The result arrays and
 * their topic strings are owned by the caller (assignor_result_free); the
 * topic pointers in the result point at the `topics[].name` strings given.
 */
#ifndef STRAND_CONSUMER_ASSIGNOR_H
#define STRAND_CONSUMER_ASSIGNOR_H

#include <stddef.h>
#include <stdint.h>

/* One group member as the leader sees it (from JoinGroup). */
typedef struct assignor_member {
    const char *member_id;
    const char *group_instance_id; /* NULL when the member has none */
    const char *const *topics;     /* its subscription (duplicates allowed) */
    size_t ntopics;
} assignor_member;

/* A topic and its partition count (from metadata). */
typedef struct assignor_topic {
    const char *name;
    int32_t partitions;
} assignor_topic;

typedef struct assignor_tp {
    const char *topic; /* points at an assignor_topic.name */
    int32_t partition;
} assignor_tp;

/* What one member gets: tps sorted by topic name, then partition. */
typedef struct assignor_result {
    assignor_tp *tps;
    size_t count;
    size_t cap;
} assignor_result;

/* 1 if `name` is an assignor implemented here ("range", "roundrobin"). */
int assignor_known(const char *name);

/* Run assignor `name` for members[0, nmembers); out[i] receives member i's
 * partitions (out must have nmembers zeroed entries). Returns 0, -1 for an
 * unknown assignor name, -2 when out of memory (then out is freed and
 * zeroed). */
int assignor_run(const char *name, const assignor_member *members, size_t nmembers,
                 const assignor_topic *topics, size_t ntopics, assignor_result *out);

/* Free out[0, n) (the arrays only; topic strings belong to the caller). */
void assignor_result_free(assignor_result *out, size_t n);

#endif
