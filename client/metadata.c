/*
 * metadata.c - the cluster metadata cache: brokers by node id and, for the
 * topics someone asked about, partitions and their leaders.
 *
 * The cache only follows topics that the producer or consumer registered
 * with client_metadata_want(), so a Metadata request never lists the whole
 * cluster. Refreshes are coalesced: at most one is in flight, and asks that
 * arrive meanwhile turn into exactly one more. A waiter registered while a
 * refresh is in flight waits for the following one, because the request in
 * flight may not name the topic it cares about. Besides explicit asks, the
 * cache refreshes every metadata.max.age.ms and after an established
 * connection drops (the leader may have moved).
 *
 * A refresh replaces the entry of every topic in the answer; pointers from
 * client_metadata_topic() are therefore only valid until control returns to
 * the loop. Brokers missing from an answer are marked decommissioned (kept,
 * since requests may still reference them) and no longer picked for
 * CLIENT_NODE_ANY.
 */
#include "client/client_impl.h"

#include <stdlib.h>
#include <string.h>

#include "wire/protocol.h"

typedef struct md_waiter {
    client_metadata_cb cb;
    void *arg;
    struct md_waiter *next;
} md_waiter;

static void md_topic_free(client_topic_md *t) {
    if (!t)
        return;
    free(t->name);
    free(t->partitions);
    free(t);
}

static void md_waiters_notify(client *c, md_waiter *list, strand_err err) {
    while (list) {
        md_waiter *next = list->next;
        list->cb(c, err, list->arg);
        free(list);
        list = next;
    }
}

static void md_timer_cb(uv_timer_t *t) {
    client_metadata_refresh(t->data, "periodic");
}

strand_err md_init(client *c) {
    uv_timer_init(&c->loop, &c->md_timer);
    c->md_timer.data = c;
    uint64_t every = (uint64_t)c->conf->metadata_max_age_ms;
    uv_timer_start(&c->md_timer, md_timer_cb, every, every);
    return STRAND_OK;
}

static void md_timer_closed(uv_handle_t *h) {
    (void)h;
}

void md_shutdown(client *c) {
    uv_timer_stop(&c->md_timer);
    uv_close((uv_handle_t *)&c->md_timer, md_timer_closed);
    md_waiter *a = c->md_waiters, *b = c->md_waiters_next;
    c->md_waiters = c->md_waiters_next = NULL;
    md_waiters_notify(c, a, STRAND_ERR_CLOSED);
    md_waiters_notify(c, b, STRAND_ERR_CLOSED);
    c->md_listener = NULL;
}

void md_free_all(client *c) {
    for (int i = 0; i < c->md_topic_count; i++)
        md_topic_free(c->md_topics[i]);
    free(c->md_topics);
    c->md_topics = NULL;
    c->md_topic_count = 0;
    for (int i = 0; i < c->md_wanted_count; i++)
        free(c->md_wanted[i]);
    free(c->md_wanted);
    c->md_wanted = NULL;
    c->md_wanted_count = c->md_wanted_cap = 0;
}

void md_on_connection_lost(client *c) {
    client_metadata_refresh(c, "connection lost");
}

static int md_wanted_index(client *c, const char *topic) {
    for (int i = 0; i < c->md_wanted_count; i++)
        if (strcmp(c->md_wanted[i], topic) == 0)
            return i;
    return -1;
}

strand_err client_metadata_want(client *c, const char *topic) {
    if (!topic || !*topic)
        return STRAND_ERR_INVALID_ARG;
    if (md_wanted_index(c, topic) >= 0)
        return STRAND_OK;
    if (c->md_wanted_count == c->md_wanted_cap) {
        int cap = c->md_wanted_cap ? c->md_wanted_cap * 2 : 8;
        char **n = realloc(c->md_wanted, (size_t)cap * sizeof *n);
        if (!n)
            return STRAND_ERR_NOMEM;
        c->md_wanted = n;
        c->md_wanted_cap = cap;
    }
    char *dup = strdup(topic);
    if (!dup)
        return STRAND_ERR_NOMEM;
    c->md_wanted[c->md_wanted_count++] = dup;
    return STRAND_OK;
}

void client_metadata_unwant(client *c, const char *topic) {
    int i = md_wanted_index(c, topic);
    if (i < 0)
        return;
    free(c->md_wanted[i]);
    c->md_wanted[i] = c->md_wanted[--c->md_wanted_count];
}

const client_topic_md *client_metadata_topic(client *c, const char *topic) {
    for (int i = 0; i < c->md_topic_count; i++)
        if (strcmp(c->md_topics[i]->name, topic) == 0)
            return c->md_topics[i];
    return NULL;
}

uint64_t client_metadata_generation(client *c) {
    return c->md_generation;
}

void client_metadata_listen(client *c, client_metadata_cb cb, void *arg) {
    c->md_listener = cb;
    c->md_listener_arg = arg;
}

static void md_encode(wire_writer *w, int16_t version, void *arg) {
    client *c = arg;
    proto_metadata_req req;
    memset(&req, 0, sizeof req);
    wire_str *topics = NULL;
    if (c->md_wanted_count) {
        topics = malloc((size_t)c->md_wanted_count * sizeof *topics);
        if (!topics) {
            w->err = WIRE_ERR_NOMEM;
            return;
        }
        for (int i = 0; i < c->md_wanted_count; i++)
            topics[i] = wire_str_from(c->md_wanted[i]);
    }
    req.topic_count = c->md_wanted_count;
    req.topics = topics;
    req.allow_auto_topic_creation = (int8_t)(c->conf->allow_auto_create_topics ? 1 : 0);
    proto_metadata_req_encode(w, version, &req);
    free(topics);
}

static client_topic_md *md_topic_build(const proto_metadata_topic *t, int64_t now) {
    client_topic_md *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->name = wire_str_dup(t->name);
    if (!m->name) {
        free(m);
        return NULL;
    }
    m->err = t->error_code;
    m->updated_ms = now;
    int32_t n = 0;
    for (int32_t i = 0; i < t->partition_count; i++)
        if (t->partitions[i].partition_index >= n)
            n = t->partitions[i].partition_index + 1;
    if (n > 0 && t->error_code == 0) {
        m->partitions = calloc((size_t)n, sizeof *m->partitions);
        if (!m->partitions) {
            md_topic_free(m);
            return NULL;
        }
        for (int32_t i = 0; i < n; i++) {
            m->partitions[i].id = i;
            m->partitions[i].err = KAFKA_LEADER_NOT_AVAILABLE;
            m->partitions[i].leader = -1;
            m->partitions[i].leader_epoch = -1;
        }
        for (int32_t i = 0; i < t->partition_count; i++) {
            const proto_metadata_partition *p = &t->partitions[i];
            if (p->partition_index < 0)
                continue;
            client_partition_md *d = &m->partitions[p->partition_index];
            d->err = p->error_code;
            d->leader = p->leader_id;
            d->leader_epoch = p->leader_epoch;
        }
        m->partition_count = n;
    }
    return m;
}

/* Apply a decoded answer; STRAND_ERR_NOMEM leaves the cache partly updated
 * but consistent. */
static strand_err md_apply(client *c, const proto_metadata_resp *resp) {
    for (client_broker *b = c->brokers; b; b = b->next)
        if (!b->bootstrap)
            b->decommissioned = 1;
    for (int32_t i = 0; i < resp->broker_count; i++) {
        const proto_metadata_broker *rb = &resp->brokers[i];
        char host[256];
        size_t hl = rb->host.len > 0 ? (size_t)rb->host.len : 0;
        if (hl >= sizeof host || rb->node_id < 0)
            continue;
        memcpy(host, rb->host.ptr, hl);
        host[hl] = 0;
        if (!conn_broker_upsert(c, rb->node_id, host, rb->port))
            return STRAND_ERR_NOMEM;
    }
    int64_t now = client_now_ms();
    for (int32_t i = 0; i < resp->topic_count; i++) {
        const proto_metadata_topic *t = &resp->topics[i];
        client_topic_md *m = md_topic_build(t, now);
        if (!m)
            return STRAND_ERR_NOMEM;
        int slot = -1;
        for (int k = 0; k < c->md_topic_count; k++)
            if (strcmp(c->md_topics[k]->name, m->name) == 0)
                slot = k;
        if (slot >= 0) {
            md_topic_free(c->md_topics[slot]);
            c->md_topics[slot] = m;
            continue;
        }
        client_topic_md **n = realloc(c->md_topics, (size_t)(c->md_topic_count + 1) * sizeof *n);
        if (!n) {
            md_topic_free(m);
            return STRAND_ERR_NOMEM;
        }
        c->md_topics = n;
        c->md_topics[c->md_topic_count++] = m;
    }
    /* forget topics nobody follows any more */
    for (int k = 0; k < c->md_topic_count;) {
        if (md_wanted_index(c, c->md_topics[k]->name) < 0) {
            md_topic_free(c->md_topics[k]);
            c->md_topics[k] = c->md_topics[--c->md_topic_count];
        } else {
            k++;
        }
    }
    return STRAND_OK;
}

static void md_response_cb(client *c, client_response *res, void *arg) {
    (void)arg;
    c->md_inflight = 0;
    md_waiter *waiters = c->md_waiters;
    c->md_waiters = NULL;
    strand_err err = res->err;
    if (err == STRAND_OK) {
        wire_reader r;
        wire_arena a;
        proto_metadata_resp resp;
        wire_arena_init(&a);
        wire_reader_init(&r, res->body, res->len);
        if (proto_metadata_resp_decode(&r, res->version, &a, &resp) != 0)
            err = STRAND_ERR_BAD_MSG;
        else
            err = md_apply(c, &resp);
        wire_arena_free(&a);
    }
    if (err == STRAND_OK)
        c->md_generation++;
    else if (err != STRAND_ERR_CLOSED)
        client_log(c, STRAND_LOG_WARNING, "metadata refresh failed: %s", strand_err_str(err));
    md_waiters_notify(c, waiters, err);
    if (c->md_listener && err != STRAND_ERR_CLOSED)
        c->md_listener(c, err, c->md_listener_arg);
    if (c->md_again && !c->stopping) {
        c->md_again = 0;
        client_metadata_refresh(c, "asked during a refresh");
    }
}

void client_metadata_refresh(client *c, const char *reason) {
    if (c->stopping)
        return;
    if (c->md_inflight) {
        c->md_again = 1;
        return;
    }
    client_log(c, STRAND_LOG_DEBUG, "metadata refresh: %s", reason ? reason : "asked");
    client_request req = {
        .node_id = CLIENT_NODE_ANY,
        .api_key = KAFKA_API_METADATA,
        .min_version = 1,
        .max_version = 8,
        .encode = md_encode,
        .encode_arg = c,
        .cb = md_response_cb,
    };
    /* the waiters for "the next refresh" are served by this one */
    md_waiter **tail = &c->md_waiters;
    while (*tail)
        tail = &(*tail)->next;
    *tail = c->md_waiters_next;
    c->md_waiters_next = NULL;
    if (client_send(c, &req) == STRAND_OK) {
        c->md_inflight = 1;
        uv_timer_again(&c->md_timer);
        return;
    }
    md_waiter *w = c->md_waiters;
    c->md_waiters = NULL;
    md_waiters_notify(c, w, STRAND_ERR_NOMEM);
}

strand_err client_metadata_wait(client *c, client_metadata_cb cb, void *arg) {
    if (!cb)
        return STRAND_ERR_INVALID_ARG;
    if (c->stopping)
        return STRAND_ERR_CLOSED;
    md_waiter *w = malloc(sizeof *w);
    if (!w)
        return STRAND_ERR_NOMEM;
    w->cb = cb;
    w->arg = arg;
    w->next = NULL;
    md_waiter **tail = &c->md_waiters_next;
    while (*tail)
        tail = &(*tail)->next;
    *tail = w;
    client_metadata_refresh(c, "waiter");
    return STRAND_OK;
}
