/*
 * h_fetch.c - Fetch v4..v11 with long polling.
 *
 * The request is decoded into a small owned structure (names copied into an
 * arena) so it can outlive the received frame. The response is built from
 * the logs: for each partition the log gives a byte range of whole batches
 * in one segment file, and those bytes are pread() straight into space
 * reserved in the response writer (one copy, no re-encoding). If fewer than
 * min_bytes are available and max_wait_ms > 0, the request waits as a
 * delayed operation watching its partitions (delayed.h): an append on any of
 * them, or the timer, completes it and the response is rebuilt then.
 *
 * Standalone: high watermark = last stable offset = log end; no aborted
 * transactions (empty list); no fetch sessions (session id 0 in answers,
 * FETCH_SESSION_ID_NOT_FOUND for a non-zero id).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/broker.h"
#include "broker/delayed.h"
#include "broker/logging.h"
#include "broker/server.h"
#include "broker/topics.h"
#include "wire/kafka.h"

typedef struct fetch_part {
    int32_t partition;
    int64_t offset;
    int32_t max_bytes;
} fetch_part;

typedef struct fetch_topic {
    char *name;
    int32_t nparts;
    fetch_part *parts;
} fetch_topic;

typedef struct fetch_req {
    broker *b;
    server_conn *conn;
    server_slot *slot;
    char peer[80];
    int16_t version;
    int32_t max_wait_ms, min_bytes, max_bytes;
    int32_t session_id;
    int32_t ntopics;
    fetch_topic *topics;
    wire_arena arena;
    delayed_op *op;
} fetch_req;

static void fetch_req_free(fetch_req *f) {
    wire_arena_free(&f->arena);
    free(f);
}

/* pread exactly n bytes; 0 or -1. */
static int pread_full(int fd, uint8_t *p, size_t n, int64_t pos) {
    while (n > 0) {
        ssize_t k = pread(fd, p, n, (off_t)pos);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
        pos += k;
    }
    return 0;
}

/* Encode the whole response body from the logs' current state. *bytes gets
 * the record bytes included; *errors whether a partition had an error. */
static void fetch_build(fetch_req *f, wire_writer *w, int64_t *bytes, int *errors) {
    int16_t v = f->version;
    *bytes = 0;
    *errors = 0;
    int64_t budget = f->max_bytes > 0 ? f->max_bytes : INT32_MAX;
    wire_write_i32(w, 0); /* throttle_time_ms */
    if (v >= 7) {
        wire_write_i16(w, f->session_id != 0 ? KAFKA_FETCH_SESSION_ID_NOT_FOUND : KAFKA_NONE);
        wire_write_i32(w, 0); /* session id: sessions are not supported */
    }
    if (v >= 7 && f->session_id != 0) {
        wire_write_array_len(w, 0, 0);
        *errors = 1;
        return;
    }
    wire_write_array_len(w, 0, f->ntopics);
    for (int32_t t = 0; t < f->ntopics; t++) {
        fetch_topic *ft = &f->topics[t];
        wire_write_cstr(w, 0, ft->name);
        wire_write_array_len(w, 0, ft->nparts);
        for (int32_t i = 0; i < ft->nparts; i++) {
            fetch_part *fp = &ft->parts[i];
            topic_partition *tp =
                topics_partition(f->b->topics, ft->name, (int32_t)strlen(ft->name), fp->partition);
            int16_t error = KAFKA_NONE;
            int64_t hw = -1, start = -1;
            log_region region = {-1, 0, 0, -1};
            if (!tp || !tp->lg) {
                error = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
            } else {
                hw = log_end_offset(tp->lg);
                start = log_start_offset(tp->lg);
                int64_t limit = fp->max_bytes < budget ? fp->max_bytes : budget;
                if (limit > 0 || *bytes == 0) {
                    int rc = log_read(tp->lg, fp->offset, limit > 0 ? limit : 1, -1, &region);
                    if (rc != LOG_OK) {
                        error = log_status_to_kafka(rc);
                        region.length = 0;
                        if (rc != LOG_ERR_OUT_OF_RANGE)
                            BLOG_E("topic=%s partition=%" PRId32 " offset=%" PRId64
                                   ": read failed: %s",
                                   ft->name, fp->partition, fp->offset, log_strerror(rc));
                    }
                }
            }
            if (error != KAFKA_NONE)
                *errors = 1;
            wire_write_i32(w, fp->partition);
            size_t error_pos = w->len;
            wire_write_i16(w, error);
            wire_write_i64(w, hw);
            wire_write_i64(w, hw); /* last_stable_offset: no transactions */
            if (v >= 5)
                wire_write_i64(w, start);
            wire_write_array_len(w, 0, 0); /* aborted_transactions */
            if (v >= 11)
                wire_write_i32(w, -1); /* preferred_read_replica */
            if (region.length <= 0 || region.length > INT32_MAX) {
                wire_write_i32(w, error == KAFKA_NONE ? 0 : -1);
                continue;
            }
            size_t len_pos = w->len;
            wire_write_i32(w, (int32_t)region.length);
            uint8_t *dst = wire_write_reserve(w, (size_t)region.length);
            if (!dst || pread_full(region.fd, dst, (size_t)region.length, region.position) != 0) {
                BLOG_E("topic=%s partition=%" PRId32 " offset=%" PRId64 ": reading %" PRId64
                       " bytes from the segment failed: %s",
                       ft->name, fp->partition, fp->offset, region.length,
                       dst ? strerror(errno) : "out of memory");
                if (w->err)
                    return;
                w->len = len_pos;
                wire_write_i32(w, -1);
                wire_put_be16(w->p + error_pos, (uint16_t)KAFKA_KAFKA_STORAGE_ERROR);
                *errors = 1;
                continue;
            }
            *bytes += region.length;
            budget -= region.length;
        }
    }
}

static void fetch_complete(delayed_op *op, void *arg, int reason) {
    (void)op;
    (void)reason;
    fetch_req *f = arg;
    wire_writer *w = server_slot_writer(f->slot);
    int64_t bytes;
    int errors;
    fetch_build(f, w, &bytes, &errors);
    server_response_complete(f->conn, f->slot);
    fetch_req_free(f);
}

static void fetch_cancel(void *arg) {
    fetch_req *f = arg;
    delayed_op_cancel(f->op);
    fetch_req_free(f);
}

int h_fetch(broker_request *req) {
    wire_reader *r = &req->body;
    int16_t v = req->api_version;
    fetch_req *f = calloc(1, sizeof *f);
    if (!f) {
        req->why = "out of memory";
        return -1;
    }
    wire_arena_init(&f->arena);
    f->b = req->b;
    f->conn = req->conn;
    f->slot = req->slot;
    f->version = v;
    snprintf(f->peer, sizeof f->peer, "%s", req->peer);
    wire_read_i32(r); /* replica_id */
    f->max_wait_ms = wire_read_i32(r);
    f->min_bytes = wire_read_i32(r);
    f->max_bytes = wire_read_i32(r);
    wire_read_i8(r); /* isolation_level: read_committed == read_uncommitted without txns */
    if (v >= 7) {
        f->session_id = wire_read_i32(r);
        wire_read_i32(r); /* session_epoch */
    }
    f->ntopics = wire_read_array_len(r, 0);
    if (f->ntopics > 0)
        f->topics = wire_arena_calloc(&f->arena, (size_t)f->ntopics, sizeof *f->topics);
    if (f->ntopics < 0)
        f->ntopics = 0;
    for (int32_t t = 0; !r->err && t < f->ntopics; t++) {
        fetch_topic *ft = &f->topics[t];
        wire_str name = wire_read_str(r, 0);
        ft->nparts = wire_read_array_len(r, 0);
        if (r->err || name.len < 0 || ft->nparts < 0)
            break;
        ft->name = wire_arena_alloc(&f->arena, (size_t)name.len + 1);
        if (ft->nparts > 0)
            ft->parts = wire_arena_calloc(&f->arena, (size_t)ft->nparts, sizeof *ft->parts);
        if (!ft->name || (ft->nparts > 0 && !ft->parts)) {
            r->err = WIRE_ERR_NOMEM;
            break;
        }
        memcpy(ft->name, name.ptr, (size_t)name.len);
        for (int32_t i = 0; i < ft->nparts; i++) {
            fetch_part *fp = &ft->parts[i];
            fp->partition = wire_read_i32(r);
            if (v >= 9)
                wire_read_i32(r); /* current_leader_epoch */
            fp->offset = wire_read_i64(r);
            if (v >= 5)
                wire_read_i64(r); /* log_start_offset (followers only) */
            fp->max_bytes = wire_read_i32(r);
        }
    }
    if (v >= 7) {
        int32_t nforgotten = wire_read_array_len(r, 0);
        for (int32_t i = 0; !r->err && i < nforgotten; i++) {
            wire_read_str(r, 0);
            int32_t n = wire_read_array_len(r, 0);
            for (int32_t k = 0; !r->err && k < n; k++)
                wire_read_i32(r);
        }
    }
    if (v >= 11)
        wire_read_str(r, 0); /* rack_id */
    if (r->err || (f->ntopics > 0 && !f->topics)) {
        req->why = "Fetch body";
        fetch_req_free(f);
        return -1;
    }

    size_t mark = req->out->len;
    int64_t bytes;
    int errors;
    fetch_build(f, req->out, &bytes, &errors);
    if (errors || bytes >= f->min_bytes || f->max_wait_ms <= 0 || req->b->stopping) {
        fetch_req_free(f);
        return 0;
    }
    /* Not enough yet: wait for appends on these partitions or the timer. */
    req->out->len = mark;
    f->op = delayed_op_start(req->b->delayed, f->max_wait_ms, (int64_t)f->min_bytes - bytes,
                             fetch_complete, f);
    if (!f->op) {
        fetch_build(f, req->out, &bytes, &errors);
        fetch_req_free(f);
        return 0;
    }
    for (int32_t t = 0; t < f->ntopics; t++)
        for (int32_t i = 0; i < f->topics[t].nparts; i++) {
            topic_partition *tp = topics_partition(req->b->topics, f->topics[t].name,
                                                   (int32_t)strlen(f->topics[t].name),
                                                   f->topics[t].parts[i].partition);
            if (tp)
                delayed_op_watch(f->op, &tp->waiting);
        }
    server_slot_on_cancel(req->slot, fetch_cancel, f);
    req->deferred = 1;
    return 0;
}
