/*
 * coordinator.c - the group coordinator inside the broker: owns the
 * group.h state machine, gives it a clock (libuv timers) and a store (the
 * compacted internal topic __consumer_offsets), and loads that topic back
 * into memory.
 *
 * Standalone, every partition of the topic is this broker's: it is loaded
 * before the broker listens. In cluster mode (coordinator_cluster.c) the
 * topic is created through ZooKeeper and a partition's groups are loaded
 * when this broker becomes its leader (a zero-delay timer, one partition
 * per turn of the loop, COORDINATOR_LOAD_IN_PROGRESS meanwhile) and
 * dropped when it stops leading it.
 *
 * Timers: one deadline timer, always armed for group_coord_next_deadline()
 * (re-armed after every group request and tick), and one periodic retention
 * timer (offsets.retention.check.interval.ms). Both are unreferenced, like
 * the log maintenance timers, so they never keep the loop alive alone.
 */
#include "broker/coordinator.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/cluster.h"
#include "broker/coordinator_internal.h"
#include "broker/logging.h"
#include "broker/replica.h"
#include "broker/topics.h"
#include "wire/batch.h"
#include "wire/kafka.h"

int coordinator_topic_is_internal(const char *name, int32_t len) {
    return name && len == (int32_t)strlen(COORDINATOR_TOPIC) &&
           memcmp(name, COORDINATOR_TOPIC, (size_t)len) == 0;
}

void coordinator_client_host(const char *peer, char *out, size_t len) {
    const char *colon = peer ? strrchr(peer, ':') : NULL;
    int hl = colon ? (int)(colon - peer) : (int)(peer ? strlen(peer) : 0);
    snprintf(out, len, "/%.*s", hl, peer ? peer : "");
}

group_coord *coordinator_groups(broker *b) {
    return b->coord ? b->coord->groups : NULL;
}

int16_t coordinator_ensure_topic(broker *b) {
    if (b->cluster)
        return coordinator_cluster_ensure_topic(b);
    if (topics_find(b->topics, COORDINATOR_TOPIC, (int32_t)strlen(COORDINATOR_TOPIC)))
        return KAFKA_NONE;
    if (b->stopping)
        return KAFKA_COORDINATOR_NOT_AVAILABLE;
    char seg[32];
    snprintf(seg, sizeof seg, "%" PRId64, b->cfg.offsets_topic_segment_bytes);
    topic_override ov[2] = {{"cleanup.policy", "compact"}, {"segment.bytes", seg}};
    char msg[256];
    int16_t err = topics_create(b->topics, COORDINATOR_TOPIC, b->cfg.offsets_topic_num_partitions,
                                ov, 2, 0, msg, sizeof msg);
    if (err != KAFKA_NONE && err != KAFKA_TOPIC_ALREADY_EXISTS) {
        BLOG_E("creating %s failed: %s", COORDINATOR_TOPIC, msg);
        return KAFKA_COORDINATOR_NOT_AVAILABLE;
    }
    BLOG_I("created %s (%" PRId32 " partitions, cleanup.policy=compact, segment.bytes=%s)",
           COORDINATOR_TOPIC, b->cfg.offsets_topic_num_partitions, seg);
    return KAFKA_NONE;
}

/* group_ops.append: one batch into the group's partition. */
static int16_t coord_append(void *ctx, const char *group_id, const group_record *recs, int32_t n) {
    coordinator *co = ctx;
    broker *b = co->b;
    if (coordinator_ensure_topic(b) != KAFKA_NONE)
        return KAFKA_COORDINATOR_NOT_AVAILABLE;
    topic *t = topics_find(b->topics, COORDINATOR_TOPIC, (int32_t)strlen(COORDINATOR_TOPIC));
    if (!t || t->partition_count <= 0)
        return KAFKA_COORDINATOR_NOT_AVAILABLE;
    int32_t p = group_partition_for(wire_str_from(group_id), t->partition_count);
    topic_partition *tp = t->partitions[p];
    if (!tp->lg)
        return b->cluster ? KAFKA_NOT_COORDINATOR : KAFKA_COORDINATOR_NOT_AVAILABLE;
    if (b->cluster) {
        /* Kafka's mapping of the append errors: not the leader ->
         * NOT_COORDINATOR, too few in-sync replicas -> COORDINATOR_NOT_AVAILABLE. */
        const replica_part *rp = tp->repl;
        if (!rp || !rp->is_leader ||
            cluster_partition_check(b->cluster, COORDINATOR_TOPIC,
                                    (int32_t)strlen(COORDINATOR_TOPIC), p) != KAFKA_NONE)
            return KAFKA_NOT_COORDINATOR;
        if (rp->isr_n < b->cfg.min_insync_replicas) {
            BLOG_W("group=%s: %s-%" PRId32 " has %d in-sync replica(s), min.insync.replicas is "
                   "%" PRId64 ": not written (COORDINATOR_NOT_AVAILABLE)",
                   group_id, COORDINATOR_TOPIC, p, rp->isr_n, b->cfg.min_insync_replicas);
            return KAFKA_COORDINATOR_NOT_AVAILABLE;
        }
    }
    int64_t now = broker_now_ms();
    batch_builder bb;
    batch_builder_init(&bb, BATCH_CODEC_NONE);
    for (int32_t i = 0; i < n; i++)
        batch_builder_add(&bb, now, recs[i].key, recs[i].value, NULL, 0);
    wire_writer out;
    wire_writer_init(&out);
    int brc = batch_builder_finish(&bb, &out);
    batch_builder_free(&bb);
    if (brc != BATCH_OK || out.err) {
        wire_writer_free(&out);
        BLOG_E("group=%s: building a %s batch failed: %s", group_id, COORDINATOR_TOPIC,
               batch_strerror(brc));
        return KAFKA_COORDINATOR_NOT_AVAILABLE;
    }
    log_append_info info;
    int rc = broker_partition_append(tp, out.p, out.len, now, &info);
    wire_writer_free(&out);
    if (rc == LOG_OK) {
        /* Cluster mode: the answer waits until the ISR has it (op_wait). */
        if (tp->repl && tp->repl->follower_n > 0 && replica_hw(tp) < log_end_offset(tp->lg)) {
            co->op_tp = tp;
            co->op_end = log_end_offset(tp->lg);
        }
        return KAFKA_NONE;
    }
    BLOG_E("group=%s: appending to %s-%" PRId32 " failed: %s", group_id, COORDINATOR_TOPIC, p,
           log_strerror(rc));
    return rc == LOG_ERR_TOO_LARGE ? KAFKA_INVALID_COMMIT_OFFSET_SIZE
                                   : KAFKA_COORDINATOR_NOT_AVAILABLE;
}

/* ---- answers of deferred JoinGroup / SyncGroup: h_group.c ---- */

void h_group_join_done(void *ctx, void *waiter, const group_join_result *res);
void h_group_sync_done(void *ctx, void *waiter, int16_t error, const uint8_t *assignment,
                       int32_t len);

/* ---- timers ---- */

static void deadline_cb(uv_timer_t *t) {
    coordinator *co = t->data;
    co->armed = INT64_MAX;
    coordinator_op_begin(co->b);
    group_coord_tick(co->groups, broker_now_ms());
    coordinator_reschedule(co->b);
}

void coordinator_reschedule(broker *b) {
    coordinator *co = b->coord;
    if (!co || !co->timers || co->stopped)
        return;
    int64_t next = group_coord_next_deadline(co->groups);
    if (next == co->armed)
        return;
    co->armed = next;
    if (next == INT64_MAX) {
        uv_timer_stop(&co->deadline);
        return;
    }
    int64_t wait = next - broker_now_ms();
    uv_timer_start(&co->deadline, deadline_cb, wait > 0 ? (uint64_t)wait : 0, 0);
}

static void retention_cb(uv_timer_t *t) {
    coordinator *co = t->data;
    coordinator_op_begin(co->b);
    int32_t groups = 0;
    int64_t start = broker_now_ms();
    int32_t n = group_expire(co->groups, start, &groups);
    if (n > 0 || groups > 0)
        BLOG_I("offsets retention: %" PRId32 " expired offset(s) and %" PRId32
               " empty group(s) removed in %" PRId64 " ms",
               n, groups, broker_now_ms() - start);
    coordinator_reschedule(co->b);
}

/* ---- loading ---- */

int coordinator_load_partition(coordinator *co, topic_partition *tp, load_stats *st, char *err,
                               size_t errlen) {
    log *lg = tp->lg;
    int64_t off = log_start_offset(lg), end = log_end_offset(lg);
    uint8_t *buf = NULL;
    size_t cap = 0;
    while (off < end) {
        log_region r;
        int rc = log_read(lg, off, 1 << 20, -1, &r);
        if (rc != LOG_OK) {
            snprintf(err, errlen, "reading %s-%" PRId32 " at offset %" PRId64 ": %s",
                     COORDINATOR_TOPIC, tp->index, off, log_strerror(rc));
            free(buf);
            return -1;
        }
        if (r.length == 0) {
            if (r.next_offset <= off)
                break;
            off = r.next_offset;
            continue;
        }
        if ((size_t)r.length > cap) {
            uint8_t *p = realloc(buf, (size_t)r.length);
            if (!p) {
                snprintf(err, errlen, "out of memory loading %s", COORDINATOR_TOPIC);
                free(buf);
                return -1;
            }
            buf = p;
            cap = (size_t)r.length;
        }
        size_t got = 0;
        while (got < (size_t)r.length) {
            ssize_t k = pread(r.fd, buf + got, (size_t)r.length - got, (off_t)(r.position + got));
            if (k <= 0) {
                snprintf(err, errlen, "reading %s-%" PRId32 ": %s", COORDINATOR_TOPIC, tp->index,
                         k < 0 ? strerror(errno) : "unexpected end of file");
                free(buf);
                return -1;
            }
            got += (size_t)k;
        }
        batch_iter it;
        batch_iter_init(&it, buf, (size_t)r.length);
        batch_header h;
        const uint8_t *bp;
        size_t bsize;
        int brc;
        while ((brc = batch_iter_next(&it, &h, &bp, &bsize)) != 0) {
            if (brc < 0 || (h.attributes & BATCH_ATTR_CONTROL))
                continue;
            batch_reader br;
            batch_record rec;
            /* every record of the batch (an OffsetCommit of several
             * partitions is one batch) */
            int rrc = batch_reader_open(&br, bp, bsize, 0);
            while (rrc == BATCH_OK && batch_reader_next(&br, &rec) == 1) {
                if (rec.offset < off)
                    continue;
                if (group_load_record(co->groups, rec.key, rec.value) == 0)
                    st->records++;
                else
                    st->skipped++;
            }
            batch_reader_close(&br);
        }
        if (r.next_offset <= off)
            break;
        off = r.next_offset;
    }
    free(buf);
    return 0;
}

int coordinator_open(broker *b, char *err, size_t errlen) {
    coordinator *co = calloc(1, sizeof *co);
    if (!co) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    co->b = b;
    co->armed = INT64_MAX;
    group_config gc;
    group_config_init(&gc);
    gc.min_session_timeout_ms = b->cfg.group_min_session_timeout_ms;
    gc.max_session_timeout_ms = b->cfg.group_max_session_timeout_ms;
    gc.initial_rebalance_delay_ms = b->cfg.group_initial_rebalance_delay_ms;
    gc.max_size = b->cfg.group_max_size;
    gc.offsets_retention_ms = b->cfg.offsets_retention_ms;
    gc.offset_metadata_max_bytes = b->cfg.offset_metadata_max_bytes;
    group_ops ops = {co, h_group_join_done, h_group_sync_done, coord_append};
    if (!(co->groups = group_coord_new(&gc, &ops))) {
        free(co);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    group_coord_seed(co->groups, (uint64_t)broker_now_ms() * 2654435761u ^ (uint64_t)getpid());
    b->coord = co;

    int64_t start = broker_now_ms();
    /* Cluster mode: partitions are loaded as this broker comes to lead them. */
    topic *t = b->cfg.zookeeper_connect[0]
                   ? NULL
                   : topics_find(b->topics, COORDINATOR_TOPIC, (int32_t)strlen(COORDINATOR_TOPIC));
    load_stats st = {0, 0};
    for (int32_t p = 0; t && p < t->partition_count; p++)
        if (t->partitions[p]->lg &&
            coordinator_load_partition(co, t->partitions[p], &st, err, errlen) != 0)
            return -1;
    group_load_finish(co->groups, broker_now_ms());
    if (t)
        BLOG_I("loaded %s: %d group(s), %" PRId64 " committed offset(s) from %" PRId64
               " record(s)%s in %" PRId64 " ms",
               COORDINATOR_TOPIC, group_coord_count(co->groups),
               group_coord_offset_count(co->groups), st.records,
               st.skipped ? " (some records were not group data and were skipped)" : "",
               broker_now_ms() - start);

    uv_timer_init(b->loop, &co->deadline);
    uv_timer_init(b->loop, &co->retention);
    co->deadline.data = co->retention.data = co;
    uint64_t every = b->cfg.offsets_retention_check_interval_ms > 0
                         ? (uint64_t)b->cfg.offsets_retention_check_interval_ms
                         : 600000;
    uv_timer_start(&co->retention, retention_cb, every, every);
    uv_timer_init(b->loop, &co->loader);
    co->loader.data = co;
    uv_unref((uv_handle_t *)&co->deadline);
    uv_unref((uv_handle_t *)&co->retention);
    uv_unref((uv_handle_t *)&co->loader);
    co->timers = 1;
    coordinator_reschedule(b);
    return 0;
}

void coordinator_stop(broker *b) {
    coordinator *co = b->coord;
    if (!co || co->stopped)
        return;
    co->stopped = 1;
    coordinator_op_begin(b);
    group_coord_shutdown(co->groups, KAFKA_NOT_COORDINATOR);
    if (co->timers) {
        uv_close((uv_handle_t *)&co->deadline, NULL);
        uv_close((uv_handle_t *)&co->retention, NULL);
        uv_close((uv_handle_t *)&co->loader, NULL);
    }
}

void coordinator_free(broker *b) {
    coordinator *co = b->coord;
    if (!co)
        return;
    group_coord_free(co->groups);
    free(co->parts);
    free(co);
    b->coord = NULL;
}

/* ---- the current operation's appends (cluster mode) ---- */

void coordinator_op_begin(broker *b) {
    if (b->coord) {
        b->coord->op_tp = NULL;
        b->coord->op_end = -1;
    }
}

replica_wait *coordinator_op_wait(broker *b, replica_wait_done done, void *arg, int *nomem) {
    coordinator *co = b->coord;
    *nomem = 0;
    if (!co || !co->op_tp || co->stopped || b->stopping)
        return NULL;
    return replica_wait_start(b, co->op_tp, co->op_end, (int32_t)b->cfg.offsets_commit_timeout_ms,
                              done, arg, nomem);
}
