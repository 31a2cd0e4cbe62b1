/*
 * fetcher.c - the consumer's I/O-thread side: start-offset lookups
 * (ListOffsets), pipelined Fetch requests and their answers.
 *
 * A schedule pass looks at every assigned partition under the consumer lock
 * and groups the work by leader: one ListOffsets per leader for partitions
 * whose start is logical (beginning, end, timestamp), one Fetch per leader
 * for partitions that are fetchable (active, not paused, nothing in flight,
 * budget left). It runs after every answer, after metadata refreshes, when
 * the application frees budget or changes the assignment, and from a timer
 * for backoffs; so a partition's next fetch leaves as soon as its previous
 * answer is parsed, and the broker's long poll (fetch.max.wait.ms) is what
 * waits at the log end.
 *
 * Answers are decoded and their records parsed without the lock (the parser
 * only needs what the request recorded); results are applied under the lock
 * with the partition's version, so data fetched before a seek or
 * reassignment is dropped, never delivered. Errors: leader changes and
 * unknown topics refresh metadata and retry after retry.backoff.ms;
 * OFFSET_OUT_OF_RANGE follows auto.offset.reset; corrupt data stops the
 * partition with an error message until the application seeks.
 */
#include <stdlib.h>
#include <string.h>

#include "consumer/consumer_int.h"
#include "wire/batch.h"
#include "wire/kafka.h"
#include "wire/protocol.h"

/* One partition of a request, as it was when the request was built. */
typedef struct fetch_ent {
    const char *topic; /* points into the request's topic copies */
    int32_t partition;
    int64_t offset; /* fetch offset, or the ListOffsets timestamp */
    int32_t max_bytes;
    uint32_t version;
    int is_timestamp;
} fetch_ent;

typedef struct fetch_req {
    strand_consumer *c;
    int32_t node;
    size_t n;
    size_t cap;
    fetch_ent *ents;
    char **topics; /* distinct topic copies */
    size_t ntopics;
} fetch_req;

/* A plan per node while scheduling. */
typedef struct node_plan {
    int32_t node;
    fetch_req *fetch;
    fetch_req *lookup;
} node_plan;

static int64_t backoff_ms(const strand_consumer *c) {
    return c->conf->retry_backoff_ms > 0 ? c->conf->retry_backoff_ms : 100;
}

static void req_free(fetch_req *r) {
    if (!r)
        return;
    for (size_t i = 0; i < r->ntopics; i++)
        free(r->topics[i]);
    free(r->topics);
    free(r->ents);
    free(r);
}

static const char *req_topic(fetch_req *r, const char *topic) {
    for (size_t i = 0; i < r->ntopics; i++)
        if (strcmp(r->topics[i], topic) == 0)
            return r->topics[i];
    char **t = realloc(r->topics, (r->ntopics + 1) * sizeof *t);
    if (!t)
        return NULL;
    r->topics = t;
    if (!(t[r->ntopics] = strdup(topic)))
        return NULL;
    return t[r->ntopics++];
}

static fetch_ent *req_add(fetch_req **rp, strand_consumer *c, int32_t node, const char *topic) {
    fetch_req *r = *rp;
    if (!r) {
        if (!(r = calloc(1, sizeof *r)))
            return NULL;
        r->c = c;
        r->node = node;
        *rp = r;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        fetch_ent *e = realloc(r->ents, cap * sizeof *e);
        if (!e)
            return NULL;
        r->ents = e;
        r->cap = cap;
    }
    const char *t = req_topic(r, topic);
    if (!t)
        return NULL;
    fetch_ent *e = &r->ents[r->n++];
    memset(e, 0, sizeof *e);
    e->topic = t;
    return e;
}

/* Entries grouped by topic for the encoders: the topic pointers are the
 * request's own copies, so equal topics have equal pointers. */
static int32_t group_topics(wire_arena *a, fetch_req *r, size_t **order_out) {
    size_t *order = wire_arena_calloc(a, r->n, sizeof *order);
    size_t k = 0;
    int32_t ntopics = 0;
    if (!order)
        return -1;
    for (size_t t = 0; t < r->ntopics; t++) {
        int any = 0;
        for (size_t i = 0; i < r->n; i++)
            if (r->ents[i].topic == r->topics[t]) {
                order[k++] = i;
                any = 1;
            }
        ntopics += any;
    }
    *order_out = order;
    return ntopics;
}

static void encode_fetch(wire_writer *w, int16_t version, void *arg) {
    fetch_req *r = arg;
    const strand_conf *conf = r->c->conf;
    wire_arena a;
    wire_arena_init(&a);
    size_t *order;
    int32_t ntopics = group_topics(&a, r, &order);
    proto_fetch_req req = {0};
    req.replica_id = -1;
    req.max_wait_ms = conf->fetch_max_wait_ms;
    req.min_bytes = conf->fetch_min_bytes;
    req.max_bytes = conf->fetch_max_bytes;
    req.isolation_level = 0; /* read_uncommitted: no aborted-transaction filtering */
    req.session_id = 0;
    req.session_epoch = -1; /* full fetches, no incremental session */
    req.rack_id = wire_str_from("");
    req.topics = ntopics > 0 ? wire_arena_calloc(&a, (size_t)ntopics, sizeof *req.topics) : NULL;
    proto_fetch_req_partition *parts = wire_arena_calloc(&a, r->n, sizeof *parts);
    if (ntopics < 0 || !req.topics || !parts) {
        w->err = WIRE_ERR_NOMEM;
        wire_arena_free(&a);
        return;
    }
    for (size_t k = 0; k < r->n; k++) {
        const fetch_ent *e = &r->ents[order[k]];
        proto_fetch_req_topic *t = req.topic_count ? &req.topics[req.topic_count - 1] : NULL;
        if (!t || t->topic.ptr != e->topic) {
            t = &req.topics[req.topic_count++];
            t->topic = wire_str_from(e->topic);
            t->partitions = &parts[k];
        }
        proto_fetch_req_partition *p = &t->partitions[t->partition_count++];
        p->partition = e->partition;
        p->current_leader_epoch = -1;
        p->fetch_offset = e->offset;
        p->log_start_offset = -1;
        p->partition_max_bytes = e->max_bytes;
    }
    proto_fetch_req_encode(w, version, &req);
    wire_arena_free(&a);
}

static void encode_list_offsets(wire_writer *w, int16_t version, void *arg) {
    fetch_req *r = arg;
    wire_arena a;
    wire_arena_init(&a);
    size_t *order;
    int32_t ntopics = group_topics(&a, r, &order);
    proto_list_offsets_req req = {0};
    req.replica_id = -1;
    req.isolation_level = 0;
    req.topics = ntopics > 0 ? wire_arena_calloc(&a, (size_t)ntopics, sizeof *req.topics) : NULL;
    proto_list_offsets_req_partition *parts = wire_arena_calloc(&a, r->n, sizeof *parts);
    if (ntopics < 0 || !req.topics || !parts) {
        w->err = WIRE_ERR_NOMEM;
        wire_arena_free(&a);
        return;
    }
    for (size_t k = 0; k < r->n; k++) {
        const fetch_ent *e = &r->ents[order[k]];
        proto_list_offsets_req_topic *t = req.topic_count ? &req.topics[req.topic_count - 1] : NULL;
        if (!t || t->name.ptr != e->topic) {
            t = &req.topics[req.topic_count++];
            t->name = wire_str_from(e->topic);
            t->partitions = &parts[k];
        }
        proto_list_offsets_req_partition *p = &t->partitions[t->partition_count++];
        p->partition_index = e->partition;
        p->current_leader_epoch = -1;
        p->timestamp = e->offset;
        p->max_num_offsets = 1;
    }
    proto_list_offsets_req_encode(w, version, &req);
    wire_arena_free(&a);
}

/* [lock held] The partition this entry was for, if still at that version. */
static consumer_part *ent_part(strand_consumer *c, const fetch_ent *e) {
    consumer_part *p = consumer_pset_find(&c->pset, e->topic, e->partition);
    return p && p->version == e->version ? p : NULL;
}

/* [lock held] Report an error on a partition once (until it clears). */
static void report_once(strand_consumer *c, consumer_part *p, strand_err err, int64_t offset) {
    if (p->reported == err)
        return;
    p->reported = err;
    consumer_item *it = consumer_error_new(p->topic, p->partition, offset, err);
    if (it) {
        consumer_part_push_error(&c->pset, p, it, 0);
        pthread_cond_broadcast(&c->ready);
    }
}

/* [lock held] Stop a partition with an error message until a seek. */
static void stop_with(strand_consumer *c, consumer_part *p, strand_err err, int64_t offset) {
    consumer_item *it = consumer_error_new(p->topic, p->partition, offset, err);
    if (it) {
        consumer_part_push_error(&c->pset, p, it, 1);
    } else {
        p->state = CONSUMER_PART_STOPPED;
        p->fetch_inflight = 0;
    }
    pthread_cond_broadcast(&c->ready);
}

/* Kafka errors after which the leader must be looked up again. */
static int needs_metadata(int16_t code) {
    switch (code) {
    case KAFKA_NOT_LEADER_OR_FOLLOWER:
    case KAFKA_UNKNOWN_TOPIC_OR_PARTITION:
    case KAFKA_LEADER_NOT_AVAILABLE:
    case KAFKA_REPLICA_NOT_AVAILABLE:
    case KAFKA_FENCED_LEADER_EPOCH:
    case KAFKA_UNKNOWN_LEADER_EPOCH:
    case KAFKA_KAFKA_STORAGE_ERROR:
    case KAFKA_BROKER_NOT_AVAILABLE:
        return 1;
    default:
        return 0;
    }
}

static void free_dropped(consumer_parse_result *dropped) {
    consumer_parse_result_free(dropped);
}

/* ------------------------------------------------------------------------ */
/* ListOffsets answers */

static void on_list_offsets(client *core, client_response *res, void *arg) {
    fetch_req *r = arg;
    strand_consumer *c = r->c;
    int64_t now = client_now_ms();
    int refresh = 0;
    wire_arena a;
    wire_arena_init(&a);
    proto_list_offsets_resp resp = {0};
    strand_err err = res->err;
    if (!err) {
        wire_reader rd;
        wire_reader_init(&rd, res->body, res->len);
        if (proto_list_offsets_resp_decode(&rd, res->version, &a, &resp) != 0)
            err = STRAND_ERR_BAD_MSG;
    }
    pthread_mutex_lock(&c->lock);
    if (c->closing) {
        pthread_mutex_unlock(&c->lock);
        wire_arena_free(&a);
        req_free(r);
        return;
    }
    for (size_t i = 0; i < r->n; i++) {
        fetch_ent *e = &r->ents[i];
        consumer_part *p = ent_part(c, e);
        if (!p || p->state != CONSUMER_PART_OFFSET_WAIT)
            continue;
        int16_t code = -1;
        int64_t offset = -1;
        int found = 0;
        for (int32_t t = 0; !err && t < resp.topic_count && !found; t++) {
            if (!wire_str_eq(resp.topics[t].name, e->topic))
                continue;
            for (int32_t k = 0; k < resp.topics[t].partition_count; k++) {
                proto_list_offsets_resp_partition *rp = &resp.topics[t].partitions[k];
                if (rp->partition_index != e->partition)
                    continue;
                found = 1;
                code = rp->error_code;
                offset = rp->offset;
                if (res->version == 0)
                    offset = rp->old_style_offset_count > 0 ? rp->old_style_offsets[0] : -1;
                break;
            }
        }
        if (found && code == 0 && offset >= 0) {
            consumer_part_offset_resolved(&c->pset, p, e->version, offset);
            p->reported = STRAND_OK;
            continue;
        }
        p->state = CONSUMER_PART_OFFSET_PENDING;
        if (found && code == 0 && e->is_timestamp) {
            /* No record at or after the timestamp: start at the end. */
            p->lookup.value = CONSUMER_OFFSET_END;
            p->lookup.is_timestamp = 0;
            continue;
        }
        p->retry_at_ms = now + backoff_ms(c);
        if (err == STRAND_ERR_TRANSPORT || err == STRAND_ERR_TIMED_OUT) {
            refresh = 1; /* the leader may be gone: a new one may be elected */
        } else if (err) {
            report_once(c, p, err, -1);
        } else if (!found || needs_metadata(code)) {
            refresh = 1;
            if (code == KAFKA_UNKNOWN_TOPIC_OR_PARTITION)
                report_once(c, p, STRAND_ERR_KAFKA(code), -1);
        } else {
            report_once(c, p, STRAND_ERR_KAFKA(code), -1);
        }
    }
    pthread_mutex_unlock(&c->lock);
    wire_arena_free(&a);
    req_free(r);
    if (refresh)
        client_metadata_refresh(core, "ListOffsets error");
    if (err != STRAND_ERR_CLOSED)
        consumer_fetcher_schedule(core, c);
}

/* ------------------------------------------------------------------------ */
/* Fetch answers */

static const proto_fetch_resp_partition *find_resp_part(const proto_fetch_resp *resp,
                                                        const fetch_ent *e) {
    for (int32_t t = 0; t < resp->topic_count; t++) {
        if (!wire_str_eq(resp->topics[t].topic, e->topic))
            continue;
        for (int32_t k = 0; k < resp->topics[t].partition_count; k++)
            if (resp->topics[t].partitions[k].partition_index == e->partition)
                return &resp->topics[t].partitions[k];
    }
    return NULL;
}

static strand_err parse_status_err(int status) {
    if (status == BATCH_ERR_MAGIC)
        return STRAND_ERR_UNSUPPORTED; /* legacy message format */
    if (status == BATCH_ERR_NOMEM)
        return STRAND_ERR_NOMEM;
    return STRAND_ERR_BAD_MSG;
}

/* [lock held] Apply one partition's parsed data. */
static void apply_data(strand_consumer *c, consumer_part *p, const fetch_ent *e,
                       const proto_fetch_resp_partition *rp, consumer_parse_result *pr,
                       consumer_parse_result *dropped) {
    int32_t max_size = c->conf->fetch_max_bytes;
    if (c->conf->message_max_bytes > max_size / 2)
        max_size =
            c->conf->message_max_bytes > INT32_MAX / 2 ? INT32_MAX : c->conf->message_max_bytes * 2;
    int got = pr->count > 0;
    int status = pr->status;
    int64_t err_offset = pr->err_offset >= 0 ? pr->err_offset : pr->next_offset;
    int too_big = pr->partial_only && p->max_bytes >= max_size;
    consumer_part_fetched(&c->pset, p, e->version, pr, max_size, dropped);
    p->high_watermark = rp->high_watermark;
    p->reported = STRAND_OK;
    if (got)
        p->eof_reported = 0;
    if (status != 0) {
        stop_with(c, p, parse_status_err(status), err_offset);
        return;
    }
    if (too_big) {
        stop_with(c, p, STRAND_ERR_MSG_TOO_LARGE, p->fetch_offset);
        return;
    }
    if (got)
        pthread_cond_broadcast(&c->ready);
    if (c->conf->enable_partition_eof && !p->eof_reported && rp->high_watermark >= 0 &&
        p->fetch_offset >= rp->high_watermark) {
        p->eof_reported = 1;
        consumer_item *it =
            consumer_error_new(p->topic, p->partition, p->fetch_offset, STRAND_ERR_PARTITION_EOF);
        if (it) {
            consumer_part_push_error(&c->pset, p, it, 0);
            pthread_cond_broadcast(&c->ready);
        }
    }
}

/* [lock held] A partition error in a Fetch answer. Returns 1 if metadata
 * must be refreshed. */
static int apply_error(strand_consumer *c, consumer_part *p, int16_t code, int64_t now) {
    p->fetch_inflight = 0;
    if (code == KAFKA_OFFSET_OUT_OF_RANGE) {
        consumer_start s = {CONSUMER_OFFSET_END, 0};
        switch (c->conf->auto_offset_reset) {
        case CLIENT_OFFSET_RESET_EARLIEST:
            s.value = CONSUMER_OFFSET_BEGINNING;
            /* fallthrough */
        case CLIENT_OFFSET_RESET_LATEST:
            consumer_part_reset(&c->pset, p, s);
            return 0;
        default:
            stop_with(c, p, STRAND_ERR_OFFSET_OUT_OF_RANGE, p->fetch_offset);
            return 0;
        }
    }
    strand_err err = STRAND_ERR_KAFKA(code);
    if (needs_metadata(code)) {
        p->retry_at_ms = now + backoff_ms(c);
        if (code == KAFKA_UNKNOWN_TOPIC_OR_PARTITION)
            report_once(c, p, err, p->fetch_offset);
        return 1;
    }
    if (strand_err_is_retriable(err)) {
        p->retry_at_ms = now + backoff_ms(c);
        report_once(c, p, err, p->fetch_offset);
        return 0;
    }
    stop_with(c, p, err, p->fetch_offset);
    return 0;
}

static void on_fetch(client *core, client_response *res, void *arg) {
    fetch_req *r = arg;
    strand_consumer *c = r->c;
    int64_t now = client_now_ms();
    int refresh = 0;
    wire_arena a;
    wire_arena_init(&a);
    proto_fetch_resp resp = {0};
    strand_err err = res->err;
    if (!err) {
        wire_reader rd;
        wire_reader_init(&rd, res->body, res->len);
        if (proto_fetch_resp_decode(&rd, res->version, &a, &resp) != 0)
            err = STRAND_ERR_BAD_MSG;
        else if (resp.error_code)
            err = STRAND_ERR_KAFKA(resp.error_code);
    }
    consumer_frame *frame = NULL;
    if (!err) {
        uint8_t *raw = client_response_take(res);
        frame = raw ? consumer_frame_wrap(raw, 0) : NULL;
        if (raw && !frame)
            err = STRAND_ERR_NOMEM;
    }
    pthread_mutex_lock(&c->lock);
    int raw_mode = c->mode == CONSUMER_MODE_BATCHES;
    int closing = c->closing;
    pthread_mutex_unlock(&c->lock);

    consumer_parse_result dropped = {0};
    for (size_t i = 0; i < r->n && !closing; i++) {
        fetch_ent *e = &r->ents[i];
        const proto_fetch_resp_partition *rp = err ? NULL : find_resp_part(&resp, e);
        consumer_parse_result pr = {0};
        int prc = 0;
        if (rp && rp->error_code == 0) {
            consumer_parse_opts o = {0};
            o.topic = e->topic;
            o.partition = e->partition;
            o.fetch_offset = e->offset;
            o.high_watermark = rp->high_watermark;
            o.version = e->version;
            o.check_crcs = c->conf->check_crcs;
            o.raw = raw_mode;
            o.pool = c->pool;
            size_t len = rp->records.len > 0 ? (size_t)rp->records.len : 0;
            prc = consumer_records_parse(&o, frame, rp->records.ptr, len, &pr);
        }
        pthread_mutex_lock(&c->lock);
        consumer_part *p = ent_part(c, e);
        if (!p || p->state != CONSUMER_PART_ACTIVE) {
            consumer_parse_result_free(&pr);
        } else if (err || !rp) {
            p->fetch_inflight = 0;
            p->retry_at_ms = now + backoff_ms(c);
            if (!rp && !err)
                refresh = 1; /* the broker left it out: ask who leads it */
            else if (err == STRAND_ERR_TRANSPORT || err == STRAND_ERR_TIMED_OUT)
                refresh = 1; /* the leader may be gone: a new one may be elected */
            else if (err != STRAND_ERR_CLOSED)
                report_once(c, p, err, p->fetch_offset);
        } else if (rp->error_code) {
            refresh |= apply_error(c, p, rp->error_code, now);
        } else if (prc != 0) {
            p->fetch_inflight = 0;
            p->retry_at_ms = now + backoff_ms(c);
            report_once(c, p, STRAND_ERR_NOMEM, p->fetch_offset);
        } else {
            apply_data(c, p, e, rp, &pr, &dropped);
        }
        pthread_mutex_unlock(&c->lock);
        free_dropped(&dropped);
    }
    consumer_frame_unref(frame);
    wire_arena_free(&a);
    req_free(r);
    if (closing || err == STRAND_ERR_CLOSED)
        return;
    if (refresh)
        client_metadata_refresh(core, "Fetch partition error");
    consumer_fetcher_schedule(core, c);
}

/* ------------------------------------------------------------------------ */
/* Scheduling */

static node_plan *plan_for(node_plan **plans, size_t *n, size_t *cap, int32_t node) {
    for (size_t i = 0; i < *n; i++)
        if ((*plans)[i].node == node)
            return &(*plans)[i];
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        node_plan *np = realloc(*plans, nc * sizeof *np);
        if (!np)
            return NULL;
        *plans = np;
        *cap = nc;
    }
    node_plan *p = &(*plans)[(*n)++];
    memset(p, 0, sizeof *p);
    p->node = node;
    return p;
}

/* Send one request to `node`; when it cannot be queued, run `cb` at once
 * with STRAND_ERR_NOMEM so the request is still settled (and freed). */
static void send_or_fail(client *core, int32_t node, int16_t api_key, int16_t min_version,
                         int16_t max_version, int32_t timeout_ms, client_encode_fn encode,
                         client_response_cb cb, void *arg) {
    if (client_send_call(core, node, api_key, min_version, max_version, timeout_ms, encode, cb,
                         arg) != STRAND_OK) {
        client_response fake = {0};
        fake.err = STRAND_ERR_NOMEM;
        cb(core, &fake, arg);
    }
}

static void on_timer(uv_timer_t *t) {
    strand_consumer *c = t->data;
    c->timer_due = 0;
    consumer_fetcher_schedule(c->core, c);
}

static void on_metadata(client *core, strand_err err, void *arg) {
    if (err != STRAND_ERR_CLOSED)
        consumer_fetcher_schedule(core, arg);
}

void consumer_fetcher_setup(client *core, void *arg) {
    strand_consumer *c = arg;
    uv_timer_init(client_loop(core), &c->timer);
    c->timer.data = c;
    c->timer_open = 1;
    client_metadata_listen(core, on_metadata, c);
    if (c->group)
        consumer_group_setup(c->group);
}

void consumer_fetcher_teardown(client *core, void *arg) {
    strand_consumer *c = arg;
    client_metadata_listen(core, NULL, NULL);
    if (c->group)
        consumer_group_teardown(c->group);
    for (size_t i = 0; i < c->nwanted; i++)
        free(c->wanted[i]);
    free(c->wanted);
    c->wanted = NULL;
    c->nwanted = 0;
    if (c->timer_open) {
        uv_timer_stop(&c->timer);
        uv_close((uv_handle_t *)&c->timer, NULL);
        c->timer_open = 0;
    }
}

/* [lock held] Where the partition's requests go, or -1 while unknown (then
 * a refresh is asked for, at most once per backoff). */
static int32_t part_leader(strand_consumer *c, consumer_part *p, int64_t now, int *refresh) {
    const client_topic_md *md = client_metadata_topic(c->core, p->topic);
    int32_t leader = -1;
    if (md && md->err == 0 && p->partition < md->partition_count)
        leader = md->partitions[p->partition].leader;
    if (leader >= 0)
        return leader;
    /* Metadata older than the assignment may predate the partition (a
     * group assigns partitions of a topic that just grew): refresh before
     * calling it unknown. */
    int stale = md && md->updated_ms < p->assigned_ms;
    if (stale && now >= p->retry_at_ms) {
        *refresh = 1;
        p->retry_at_ms = now + backoff_ms(c);
        return -1;
    }
    if (!stale && md && md->err == KAFKA_UNKNOWN_TOPIC_OR_PARTITION)
        report_once(c, p, STRAND_ERR_UNKNOWN_TOPIC, -1);
    else if (!stale && md && md->err == 0 && p->partition >= md->partition_count)
        report_once(c, p, STRAND_ERR_UNKNOWN_PARTITION, -1);
    if (now >= p->retry_at_ms) {
        /* A reported unknown topic/partition is re-checked slowly: it may be
         * created later, but nobody should be flooded with metadata. */
        *refresh = 1;
        p->retry_at_ms = now + (p->reported != STRAND_OK ? 1000 : backoff_ms(c));
    }
    return -1;
}

static int topic_in(char *const *list, size_t n, const char *topic) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], topic) == 0)
            return 1;
    return 0;
}

/* [loop, lock held] Make the metadata cache follow exactly the assigned
 * topics: want the new ones, unwant the ones no longer assigned. */
static void topics_announce(strand_consumer *c) {
    char **now = c->pset.count ? calloc(c->pset.count, sizeof *now) : NULL;
    size_t n = 0;
    for (size_t i = 0; i < c->pset.count; i++) {
        const char *t = c->pset.parts[i]->topic;
        client_metadata_want(c->core, t);
        if (now && !topic_in(now, n, t) && (now[n] = strdup(t)))
            n++;
    }
    if (c->pset.count && !now)
        return; /* out of memory: keep following the old topics too */
    for (size_t i = 0; i < c->nwanted; i++) {
        if (!topic_in(now, n, c->wanted[i]))
            client_metadata_unwant(c->core, c->wanted[i]);
        free(c->wanted[i]);
    }
    free(c->wanted);
    c->wanted = now;
    c->nwanted = n;
}

void consumer_fetcher_schedule(client *core, void *arg) {
    strand_consumer *c = arg;
    int64_t now = client_now_ms();
    int refresh = 0;
    int64_t due = INT64_MAX;
    node_plan *plans = NULL;
    size_t nplans = 0, cap = 0;

    pthread_mutex_lock(&c->lock);
    c->kick_pending = 0;
    if (c->closing) {
        pthread_mutex_unlock(&c->lock);
        return;
    }
    if (c->assign_changed) {
        c->assign_changed = 0;
        topics_announce(c);
    }
    for (size_t i = 0; i < c->pset.count; i++) {
        consumer_part *p = c->pset.parts[i];
        int lookup = p->state == CONSUMER_PART_OFFSET_PENDING && now >= p->retry_at_ms;
        int fetch = consumer_part_fetchable(&c->pset, p, now);
        if (lookup || fetch) {
            int32_t leader = part_leader(c, p, now, &refresh);
            node_plan *np = leader >= 0 ? plan_for(&plans, &nplans, &cap, leader) : NULL;
            fetch_ent *e =
                np ? req_add(lookup ? &np->lookup : &np->fetch, c, leader, p->topic) : NULL;
            if (e) {
                e->partition = p->partition;
                e->version = p->version;
                if (lookup) {
                    e->offset = p->lookup.value;
                    e->is_timestamp = p->lookup.is_timestamp;
                    p->state = CONSUMER_PART_OFFSET_WAIT;
                } else {
                    e->offset = p->fetch_offset;
                    e->max_bytes = consumer_part_fetch_size(&c->pset, p);
                    p->fetch_inflight = 1;
                }
            } else if (leader >= 0) {
                p->retry_at_ms = now + backoff_ms(c); /* out of memory: later */
            }
        }
        int waiting = (p->state == CONSUMER_PART_OFFSET_PENDING ||
                       (p->state == CONSUMER_PART_ACTIVE && !p->fetch_inflight && !p->paused)) &&
                      p->retry_at_ms > now;
        if (waiting && p->retry_at_ms < due)
            due = p->retry_at_ms;
    }
    pthread_mutex_unlock(&c->lock);

    const strand_conf *conf = c->conf;
    for (size_t i = 0; i < nplans; i++) {
        node_plan *np = &plans[i];
        if (np->lookup) {
            send_or_fail(core, np->node, KAFKA_API_LIST_OFFSETS, 1, 5, 0, encode_list_offsets,
                         on_list_offsets, np->lookup);
        }
        if (np->fetch) {
            send_or_fail(core, np->node, KAFKA_API_FETCH, 4, 11,
                         conf->request_timeout_ms + conf->fetch_max_wait_ms, encode_fetch, on_fetch,
                         np->fetch);
        }
    }
    free(plans);
    if (refresh)
        client_metadata_refresh(core, "consumer: leader unknown");
    if (due != INT64_MAX && c->timer_open && (!c->timer_due || due < c->timer_due)) {
        c->timer_due = due;
        uv_timer_start(&c->timer, on_timer, (uint64_t)(due > now ? due - now : 0), 0);
    }
}
