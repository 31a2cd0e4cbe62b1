/*
 * producer_log.c - partition logs and their idempotent-producer state
 * (producer_log.h): lazy rebuild from batch headers (log_headers.h), the
 * append hook shared by produce and replication, and the expiry sweep.
 */
#include "broker/producer_log.h"

#include <inttypes.h>

#include "broker/broker.h"
#include "broker/logging.h"
#include "broker/topics.h"
#include "log/log_headers.h"
#include "wire/batch.h"

static int rebuild_one(const batch_header *h, void *arg) {
    return producer_state_apply(arg, h) == 0 ? 0 : LOG_ERR_NOMEM;
}

void producer_log_reset(topic_partition *tp) {
    producer_state_free(tp->producers);
    tp->producers = NULL;
    tp->producers_log = NULL;
    tp->producers_end = -1;
}

producer_state *producer_log_state(topic_partition *tp, int64_t now_ms, int64_t expiration_ms,
                                   int *status) {
    *status = LOG_OK;
    if (!tp->lg) {
        *status = LOG_ERR_NOT_FOUND;
        return NULL;
    }
    int64_t leo = log_end_offset(tp->lg);
    if (tp->producers && tp->producers_log == tp->lg && tp->producers_end == leo)
        return tp->producers;
    producer_log_reset(tp);
    producer_state *ps = producer_state_new();
    if (!ps) {
        *status = LOG_ERR_NOMEM;
        return NULL;
    }
    int rc = log_walk_headers(tp->lg, log_start_offset(tp->lg), rebuild_one, ps);
    if (rc != LOG_OK) {
        producer_state_free(ps);
        *status = rc;
        BLOG_E("topic=%s partition=%" PRId32 ": rebuilding the producer state failed: %s",
               log_topic(tp->lg), tp->index, log_strerror(rc));
        return NULL;
    }
    producer_state_expire(ps, now_ms, expiration_ms, log_start_offset(tp->lg));
    BLOG_D("topic=%s partition=%" PRId32 ": producer state rebuilt from the log up to %" PRId64
           ": %zu producer id(s)",
           log_topic(tp->lg), tp->index, leo, producer_state_count(ps));
    tp->producers = ps;
    tp->producers_log = tp->lg;
    tp->producers_end = leo;
    return ps;
}

void producer_log_appended(topic_partition *tp, const uint8_t *data, size_t len, int64_t prev_end) {
    if (!tp->producers)
        return;
    if (tp->producers_log != tp->lg || tp->producers_end != prev_end || !tp->lg) {
        producer_log_reset(tp); /* the log moved behind our back: rebuild when needed */
        return;
    }
    batch_iter it;
    batch_header h;
    const uint8_t *b;
    size_t size;
    int rc;
    batch_iter_init(&it, data, len);
    while ((rc = batch_iter_next(&it, &h, &b, &size)) != 0) {
        if (rc < 0 || producer_state_apply(tp->producers, &h) != 0) {
            producer_log_reset(tp);
            return;
        }
    }
    tp->producers_end = log_end_offset(tp->lg);
}

void producer_state_on_replica_append(topic_partition *tp, const uint8_t *data, size_t len,
                                      int64_t prev_end) {
    producer_log_appended(tp, data, len, prev_end);
}

void producer_log_expire_all(broker *b, int64_t now_ms) {
    for (int i = 0; i < topics_count(b->topics); i++) {
        topic *t = topics_at(b->topics, i);
        for (int32_t p = 0; p < t->partition_count; p++) {
            topic_partition *tp = t->partitions[p];
            if (!tp->producers || !tp->lg)
                continue;
            size_t n = producer_state_expire(
                tp->producers, now_ms, b->cfg.producer_id_expiration_ms, log_start_offset(tp->lg));
            if (n > 0)
                BLOG_I("topic=%s partition=%" PRId32 ": %zu producer id(s) expired", t->name, p, n);
        }
    }
}
