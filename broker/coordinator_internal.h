/*
 * coordinator_internal.h - what coordinator.c (timers, appends, loading)
 * and coordinator_cluster.c (cluster mode: topic creation, who coordinates
 * a group, per-partition load and unload) share. Not for other files.
 */
#ifndef STRAND_BROKER_COORDINATOR_INTERNAL_H
#define STRAND_BROKER_COORDINATOR_INTERNAL_H

#include <stdint.h>
#include <uv.h>

#include "broker/coordinator.h"
#include "broker/topics.h"

enum coord_part_state {
    CP_NONE = 0, /* not led here: no groups of it in memory */
    CP_LOADING,  /* led here, load scheduled */
    CP_LOADED,   /* led here, groups in memory */
};

typedef struct coord_part {
    int state;
    int32_t epoch; /* leader epoch it was loaded for */
} coord_part;

struct coordinator {
    broker *b;
    group_coord *groups;
    uv_timer_t deadline;
    uv_timer_t retention;
    uv_timer_t loader; /* cluster mode: loads CP_LOADING partitions */
    int timers;        /* initialised */
    int stopped;
    int64_t armed; /* deadline the timer is set for, INT64_MAX when idle */
    /* cluster mode */
    coord_part *parts; /* per __consumer_offsets partition */
    int32_t nparts;
    int creating; /* a creation of the topic was sent */
    int64_t create_ms;
    int64_t refused_ms; /* last "too few brokers" warning */
    /* appends of the current operation not yet covered by the HW */
    topic_partition *op_tp;
    int64_t op_end;
};

typedef struct load_stats {
    int64_t records;
    int64_t skipped;
} load_stats;

/* Replay one partition's log into the state machine. 0, or -1 with err. */
int coordinator_load_partition(coordinator *co, topic_partition *tp, load_stats *st, char *err,
                               size_t errlen);

/* coordinator_ensure_topic in cluster mode. */
int16_t coordinator_cluster_ensure_topic(broker *b);

#endif
