/*
 * broker.h - the broker's shared state and the interface between the
 * network layer (server.c), the dispatcher (dispatch.c) and the API handlers
 * (h_*.c).
 *
 * Threading: everything runs on ONE libuv event-loop thread: networking,
 * handlers, log appends and reads, timers. No locks; handlers must not block
 * except on local file I/O of the logs.
 *
 * A handler is a function from a decoded request to a response body: it
 * reads the request body from req->body and writes the response body to
 * req->out (the response header is already written). It returns 0, or -1
 * after setting req->why when the request does not decode (the connection is
 * then closed). A handler may instead take the request over (Fetch long
 * poll): it sets req->deferred and later calls server_response_complete()
 * with the slot it was given.
 */
#ifndef STRAND_BROKER_BROKER_H
#define STRAND_BROKER_BROKER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "broker/config.h"
#include "log/logdir.h"
#include "wire/buf.h"

typedef struct topics topics;
typedef struct delayed delayed;
typedef struct server server;
typedef struct server_conn server_conn;
typedef struct server_slot server_slot;
typedef struct coordinator coordinator;
typedef struct topic_partition topic_partition;
typedef struct cluster cluster;
typedef struct replication replication;
typedef struct producer_ids producer_ids;

typedef struct broker {
    broker_config cfg;
    uv_loop_t *loop;
    logdir *logs;
    topics *topics;
    delayed *delayed;
    server *server;
    coordinator *coord; /* group coordinator (coordinator.h) */
    cluster *cluster;   /* cluster mode (broker/cluster.h); NULL when standalone */
    replication *repl;  /* cluster mode: replica fetchers (broker/replica.h) */
    producer_ids *pids; /* producer id blocks (broker/producer_ids.h); NULL until used */
    char cluster_id[64];
    char advertised_host[BROKER_HOST_MAX]; /* what Metadata/FindCoordinator give clients */
    int advertised_port;
    int stopping;
} broker;

typedef struct broker_request {
    broker *b;
    server_conn *conn;
    server_slot *slot;
    const char *peer;
    int16_t api_key;
    int16_t api_version;
    int32_t correlation_id;
    wire_str client_id;
    int flexible;     /* body uses the flexible encodings */
    wire_reader body; /* positioned at the request body */
    wire_writer *out; /* response body goes here */
    int no_response;  /* set by the handler: send nothing (Produce acks=0) */
    int deferred;     /* set by the handler: it completes the slot later */
    const char *why;  /* decode failure reason */
} broker_request;

typedef int (*broker_handler)(broker_request *req);

/* Wall clock in milliseconds since the epoch. */
int64_t broker_now_ms(void);

/* Replace `path` with `len` bytes: write `<path>.tmp`, fsync, rename, fsync
 * the directory. 0, or -1 with errno set. (topics.c) */
int broker_file_write_atomic(const char *path, const void *data, size_t len);

/* Handlers (h_*.c). */
int h_produce(broker_request *req);
int h_fetch(broker_request *req);
int h_list_offsets(broker_request *req);
int h_offset_for_leader_epoch(broker_request *req); /* h_epoch.c */
int h_init_producer_id(broker_request *req);        /* h_init_pid.c */
int h_metadata(broker_request *req);
int h_find_coordinator(broker_request *req);
int h_create_topics(broker_request *req);
int h_delete_topics(broker_request *req);
int h_create_partitions(broker_request *req);
int h_describe_configs(broker_request *req);
int h_join_group(broker_request *req);
int h_sync_group(broker_request *req);
int h_heartbeat(broker_request *req);
int h_leave_group(broker_request *req);
int h_offset_commit(broker_request *req);
int h_offset_fetch(broker_request *req);
int h_list_groups(broker_request *req);
int h_describe_groups(broker_request *req);
int h_delete_groups(broker_request *req);
int h_controlled_shutdown(broker_request *req); /* h_elect.c */
int h_elect_leaders(broker_request *req);

/* Append RecordBatch v2 data to a partition (offsets stamped into `data` in
 * place) and wake the Fetch requests waiting on it: what Produce does for
 * each partition, and what the group coordinator does for
 * __consumer_offsets. A log_status (LOG_OK or an error). (h_produce.c) */
int broker_partition_append(topic_partition *tp, uint8_t *data, size_t len, int64_t now,
                            log_append_info *info);

/* Handler failure path: releases the request's arena, sets req->why and
 * returns -1 for the handler to return. */
static inline int broker_request_fail(broker_request *req, wire_arena *a, const char *why) {
    wire_arena_free(a);
    req->why = why;
    return -1;
}

/* Decode helper: 1 if the reader failed (sets req->why). */
static inline int broker_decode_failed(broker_request *req, wire_reader *r, const char *what) {
    if (r->err) {
        req->why = what;
        return 1;
    }
    return 0;
}

#endif
