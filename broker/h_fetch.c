/*
 * h_fetch.c - Fetch v4..v11 with long polling.
 *
 * The request is decoded with the protocol.h codec, its topic names copied
 * into the request's arena so it can outlive the received frame. The
 * response is built from the logs: for each partition the log gives byte
 * ranges of whole batches, one per segment (log_read), and this file keeps
 * asking from where the previous range ended, so a fetch whose data crosses
 * a segment roll gets both sides in one response. The ranges stop at the
 * partition's max bytes and at what is left of the response's max_bytes;
 * only the very first batch of the whole response may exceed them (KIP-74).
 * The encoder's records_fill callback pread()s the ranges straight into the
 * space it reserved in the response writer (one copy, no re-encoding). If
 * fewer than min_bytes are available and max_wait_ms > 0, the request waits
 * as a delayed operation watching its partitions (delayed.h): an append on
 * any of them, or the timer, completes it and the response is rebuilt then.
 *
 * Standalone: high watermark = last stable offset = log end; no aborted
 * transactions (empty list); no fetch sessions (session id 0 in answers,
 * FETCH_SESSION_ID_NOT_FOUND for a non-zero id).
 *
 * Cluster mode: only the partition's leader answers (else
 * NOT_LEADER_OR_FOLLOWER / LEADER_NOT_AVAILABLE); consumers read below the
 * high watermark, which is also the last stable offset (no transactions);
 * followers (replica id >= 0) read to the log end and their fetch offset is
 * their log end offset (replica.h). A partition's current_leader_epoch (v9+,
 * -1 = not given) is fenced against the partition's leader epoch
 * (leader_epoch.h: FENCED_LEADER_EPOCH below it, UNKNOWN_LEADER_EPOCH
 * above), checked again when a waiting fetch is answered.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/broker.h"
#include "broker/delayed.h"
#include "broker/leader_epoch.h"
#include "broker/logging.h"
#include "broker/replica.h"
#include "broker/server.h"
#include "broker/topics.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

typedef struct fetch_req {
    broker *b;
    server_conn *conn;
    server_slot *slot;
    int16_t version;
    proto_fetch_req in; /* names copied into the arena: outlives the frame */
    wire_arena arena;
    delayed_op *op;
} fetch_req;

static void fetch_req_free(fetch_req *f) {
    wire_arena_free(&f->arena);
    free(f);
}

/* One byte range of a segment file that goes into the response. */
typedef struct records_piece {
    int fd;
    int64_t position;
    int64_t length;
    struct records_piece *next;
} records_piece;

/* Where a partition's records come from: the ranges, in offset order, that
 * the encoder's fill_records call copies into the space it reserved. */
typedef struct records_src {
    records_piece *head;
    records_piece *tail;
    int failed;
    int saved_errno;
} records_src;

/* pread exactly len bytes (the sum of the pieces) into the response
 * buffer: the one copy. */
static int fill_records(void *ctx, uint8_t *dst, size_t len) {
    records_src *src = ctx;
    for (const records_piece *pc = src->head; pc && len > 0; pc = pc->next) {
        int64_t pos = pc->position;
        size_t left = (size_t)pc->length < len ? (size_t)pc->length : len;
        len -= left;
        while (left > 0) {
            ssize_t k = pread(pc->fd, dst, left, (off_t)pos);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0) {
                src->failed = 1;
                src->saved_errno = k < 0 ? errno : EIO;
                return -1;
            }
            dst += k;
            left -= (size_t)k;
            pos += k;
        }
    }
    if (len > 0) { /* the pieces are shorter than what was reserved */
        src->failed = 1;
        src->saved_errno = EIO;
        return -1;
    }
    return 0;
}

/* Gather a partition's records from `offset`: whole batches, region after
 * region across segment rolls, while they fit in `limit` bytes. With
 * `kip74` (nothing in the response yet) the first batch is taken whole even
 * when it is larger. *len gets the bytes gathered (0: none). Returns LOG_OK
 * or the status of the first read; a failing later read just ends the
 * gathering (the next fetch starts there and reports it). */
static int fetch_gather(log *lg, int64_t offset, int64_t limit, int64_t max_offset, int kip74,
                        wire_arena *a, records_src *src, int64_t *len) {
    *len = 0;
    for (;;) {
        int64_t room = limit - *len;
        int whole_first = kip74 && *len == 0;
        if (room <= 0 && !whole_first)
            return LOG_OK;
        log_region region;
        int rc = log_read(lg, offset, room > 0 ? room : 1, max_offset, &region);
        if (rc != LOG_OK)
            return *len > 0 ? LOG_OK : rc;
        if (region.length <= 0 || (region.length > room && !whole_first) ||
            region.length > INT32_MAX - *len)
            return LOG_OK;
        records_piece *pc = wire_arena_alloc(a, sizeof *pc);
        if (!pc)
            return LOG_ERR_NOMEM;
        *pc = (records_piece){region.fd, region.position, region.length, NULL};
        if (src->tail)
            src->tail->next = pc;
        else
            src->head = pc;
        src->tail = pc;
        *len += region.length;
        if (region.next_offset <= offset)
            return LOG_OK; /* no progress: never loop */
        offset = region.next_offset;
    }
}

/* Look up every partition and encode the response body into w from the
 * logs' current state. *bytes gets the record bytes included, *errors
 * whether a partition had an error. */
static int fetch_build(fetch_req *f, wire_writer *w, int64_t *bytes, int *errors) {
    const proto_fetch_req *in = &f->in;
    wire_arena a;
    wire_arena_init(&a);
    proto_fetch_resp out;
    memset(&out, 0, sizeof out);
    *bytes = 0;
    *errors = 0;
    if (in->session_id != 0) {
        out.error_code = KAFKA_FETCH_SESSION_ID_NOT_FOUND;
        *errors = 1;
    } else {
        out.topic_count = in->topic_count < 0 ? 0 : in->topic_count;
        if (out.topic_count > 0 &&
            !(out.topics = wire_arena_calloc(&a, (size_t)out.topic_count, sizeof *out.topics)))
            goto nomem;
    }
    int64_t budget = in->max_bytes > 0 ? in->max_bytes : INT32_MAX;
    for (int32_t t = 0; t < out.topic_count; t++) {
        const proto_fetch_req_topic *it = &in->topics[t];
        proto_fetch_resp_topic *ot = &out.topics[t];
        ot->topic = it->topic;
        ot->partition_count = it->partition_count < 0 ? 0 : it->partition_count;
        if (ot->partition_count > 0 &&
            !(ot->partitions =
                  wire_arena_calloc(&a, (size_t)ot->partition_count, sizeof *ot->partitions)))
            goto nomem;
        for (int32_t i = 0; i < ot->partition_count; i++) {
            const proto_fetch_req_partition *ip = &it->partitions[i];
            proto_fetch_resp_partition *op = &ot->partitions[i];
            op->partition_index = ip->partition;
            op->high_watermark = op->last_stable_offset = op->log_start_offset = -1;
            op->aborted_count = 0; /* no transactions: an empty list */
            op->preferred_read_replica = -1;
            /* Empty, never null: librdkafka rejects a null records field. */
            op->records = (wire_bytes){NULL, 0};
            /* Only the leader serves a partition, and only to fetchers
             * that know its current leader epoch (v9+; -1: not given). */
            topic_partition *tp;
            int32_t current;
            op->error_code =
                leader_epoch_partition(f->b, it->topic, ip->partition, 1, &tp, &current);
            if (op->error_code == KAFKA_NONE)
                op->error_code = leader_epoch_fence(ip->current_leader_epoch, current);
            if (op->error_code != KAFKA_NONE) {
                *errors = 1;
                continue;
            }
            /* Followers (replica id >= 0) read to the log end and report
             * their position; a debugging client (-2) reads to the log end
             * too; consumers only below the high watermark. */
            int follower = f->in.replica_id >= 0;
            int to_end = follower || f->in.replica_id == KAFKA_DEBUGGING_REPLICA_ID;
            if (follower)
                replica_follower_fetched(f->b, tp, f->in.replica_id, ip->fetch_offset,
                                         broker_now_ms());
            op->high_watermark = replica_hw(tp);
            op->last_stable_offset = op->high_watermark;
            op->log_start_offset = log_start_offset(tp->lg);
            int64_t limit = ip->partition_max_bytes < budget ? ip->partition_max_bytes : budget;
            records_src *src = wire_arena_alloc(&a, sizeof *src);
            if (!src)
                goto nomem;
            memset(src, 0, sizeof *src);
            int64_t len;
            int rc = fetch_gather(tp->lg, ip->fetch_offset, limit, to_end ? -1 : op->high_watermark,
                                  *bytes == 0, &a, src, &len);
            if (rc == LOG_ERR_NOMEM)
                goto nomem;
            if (rc != LOG_OK) {
                op->error_code = log_status_to_kafka(rc);
                *errors = 1;
                if (rc != LOG_ERR_OUT_OF_RANGE)
                    BLOG_E("topic=%.*s partition=%" PRId32 " offset=%" PRId64 ": read failed: %s",
                           (int)it->topic.len, it->topic.ptr, ip->partition, ip->fetch_offset,
                           log_strerror(rc));
                continue;
            }
            if (len <= 0)
                continue;
            op->records_len = (int32_t)len;
            op->records_fill = fill_records;
            op->records_ctx = src;
            *bytes += len;
            budget -= len;
        }
    }
    size_t mark = w->len;
    proto_fetch_resp_encode(w, f->version, &out);
    if (w->err == WIRE_ERR_INVALID) {
        /* A segment read failed: report it on that partition and re-encode. */
        w->err = WIRE_OK;
        w->len = mark;
        for (int32_t t = 0; t < out.topic_count; t++)
            for (int32_t i = 0; i < out.topics[t].partition_count; i++) {
                proto_fetch_resp_partition *op = &out.topics[t].partitions[i];
                records_src *src = op->records_ctx;
                if (!op->records_fill || !src || !src->failed)
                    continue;
                BLOG_E("topic=%.*s partition=%" PRId32 ": reading %" PRId32
                       " bytes from the segment failed: %s",
                       (int)out.topics[t].topic.len, out.topics[t].topic.ptr, op->partition_index,
                       op->records_len, strerror(src->saved_errno));
                op->records_fill = NULL;
                op->records = (wire_bytes){NULL, 0};
                op->error_code = KAFKA_KAFKA_STORAGE_ERROR;
                *bytes -= op->records_len;
                *errors = 1;
            }
        proto_fetch_resp_encode(w, f->version, &out);
    }
    wire_arena_free(&a);
    return w->err ? -1 : 0;
nomem:
    wire_arena_free(&a);
    return -1;
}

static void fetch_complete(delayed_op *op, void *arg, int reason) {
    (void)op;
    (void)reason;
    fetch_req *f = arg;
    wire_writer *w = server_slot_writer(f->slot);
    int64_t bytes;
    int errors;
    if (fetch_build(f, w, &bytes, &errors) != 0)
        BLOG_E("out of memory answering a waiting fetch; the connection will be closed");
    server_response_complete(f->conn, f->slot);
    fetch_req_free(f);
}

static void fetch_cancel(void *arg) {
    fetch_req *f = arg;
    delayed_op_cancel(f->op);
    fetch_req_free(f);
}

/* Copy the topic names out of the received frame (which is reused). */
static int fetch_req_own_names(fetch_req *f) {
    for (int32_t t = 0; t < f->in.topic_count; t++) {
        wire_str *name = &f->in.topics[t].topic;
        if (name->len < 0)
            return -1;
        char *copy = wire_arena_alloc(&f->arena, (size_t)name->len + 1);
        if (!copy)
            return -1;
        memcpy(copy, name->ptr, (size_t)name->len);
        name->ptr = copy;
    }
    f->in.forgotten_count = 0; /* not used: no fetch sessions */
    f->in.forgotten = NULL;
    f->in.rack_id = WIRE_STR_NULL;
    return 0;
}

int h_fetch(broker_request *req) {
    fetch_req *f = calloc(1, sizeof *f);
    if (!f) {
        req->why = "out of memory";
        return -1;
    }
    wire_arena_init(&f->arena);
    f->b = req->b;
    f->conn = req->conn;
    f->slot = req->slot;
    f->version = req->api_version;
    if (proto_fetch_req_decode(&req->body, f->version, &f->arena, &f->in) != 0 ||
        fetch_req_own_names(f) != 0) {
        req->why = "Fetch body";
        fetch_req_free(f);
        return -1;
    }
    const proto_fetch_req *in = &f->in;
    size_t mark = req->out->len;
    int64_t bytes;
    int errors;
    if (fetch_build(f, req->out, &bytes, &errors) != 0) {
        req->why = "out of memory building the Fetch response";
        fetch_req_free(f);
        return -1;
    }
    if (errors || bytes >= in->min_bytes || in->max_wait_ms <= 0 || req->b->stopping) {
        fetch_req_free(f);
        return 0;
    }
    /* Not enough yet: wait for appends on these partitions or the timer.
     * A follower that still has partitions led here to add to its fetch
     * waits briefly, and every parked follower fetch is woken when a view
     * gives followers new partitions (replica.c). */
    int follower = in->replica_id >= 0;
    int64_t wait = in->max_wait_ms;
    if (follower && wait > REPLICA_PENDING_WAIT_MS &&
        replica_follower_pending(req->b, in->replica_id))
        wait = REPLICA_PENDING_WAIT_MS;
    f->op =
        delayed_op_start(req->b->delayed, wait, (int64_t)in->min_bytes - bytes, fetch_complete, f);
    if (!f->op) {
        fetch_req_free(f); /* answer with what we have */
        return 0;
    }
    req->out->len = mark;
    for (int32_t t = 0; t < in->topic_count; t++)
        for (int32_t i = 0; i < in->topics[t].partition_count; i++) {
            topic_partition *tp =
                topics_partition(req->b->topics, in->topics[t].topic.ptr, in->topics[t].topic.len,
                                 in->topics[t].partitions[i].partition);
            if (tp)
                delayed_op_watch(f->op, &tp->waiting);
        }
    delayed_list *followers = follower ? replica_follower_waiting(req->b) : NULL;
    if (followers)
        delayed_op_watch(f->op, followers);
    server_slot_on_cancel(req->slot, fetch_cancel, f);
    req->deferred = 1;
    return 0;
}
