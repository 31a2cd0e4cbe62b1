/*
 * log_epoch.c - the leader-epoch cache (epoch_cache.h) kept in step with a
 * partition log, and the log's high watermark.
 *
 * log.c calls in here at the few points where the cache changes: open
 * (load the file, or rebuild it from batch headers), append (inline check
 * of each batch's epoch against the latest, then log_epochs_persist only
 * when an entry was added), truncation and log start moves. The file is
 * written synchronously when the entries change, as Kafka does, so a crash
 * right after a leadership change does not lose the entry; appends within
 * one epoch cost nothing here. A write that fails leaves the cache dirty;
 * log_flush and log_close retry it.
 *
 * The high watermark is memory only here; logdir.c checkpoints it.
 */
#include <stdio.h>

#include "log/epoch_cache.h"
#include "log/log.h"
#include "log/log_internal.h"
#include "log/segment.h"

/* Rebuild from the headers of every batch (segment_walker reads headers
 * through a small buffer; records are neither parsed nor decompressed). */
static int rebuild(log *l) {
    l->epochs.n = 0;
    for (int i = 0; i < l->nsegs; i++) {
        segment_walker w;
        batch_header h;
        int64_t pos;
        int rc;
        segment_walker_init(&w, &l->segs[i], 0);
        while ((rc = segment_walker_next(&w, &h, &pos)) == 1) {
            int arc = epoch_cache_assign(&l->epochs, h.partition_leader_epoch, h.base_offset);
            if (arc < 0)
                return arc;
        }
        if (rc < 0)
            return rc == LOG_ERR_CORRUPT ? LOG_ERR_IO : rc;
    }
    l->epochs.dirty = 1;
    return LOG_OK;
}

int log_epochs_open(log *l) {
    int rc = epoch_cache_load(&l->epochs, l->dir);
    if (rc == LOG_ERR_NOMEM)
        return rc;
    if (rc != LOG_OK) {
        rc = rebuild(l);
        if (rc != LOG_OK)
            return rc;
    }
    epoch_cache_truncate_from_end(&l->epochs, log_end_offset(l));
    epoch_cache_truncate_from_start(&l->epochs, l->start_offset);
    log_epochs_persist(l);
    return LOG_OK;
}

int log_epochs_persist(log *l) {
    if (!l->epochs.dirty)
        return LOG_OK;
    return epoch_cache_store(&l->epochs, l->dir);
}

void log_epochs_start_moved(log *l) {
    if (epoch_cache_truncate_from_start(&l->epochs, l->start_offset))
        log_epochs_persist(l);
}

void log_epochs_truncated(log *l, int64_t offset, int all) {
    int changed = epoch_cache_truncate_from_end(&l->epochs, all ? -1 : offset);
    if (changed)
        log_epochs_persist(l);
}

int log_epoch_end_offset(log *l, int32_t requested_epoch, int32_t *epoch, int64_t *end_offset) {
    epoch_cache_end_offset(&l->epochs, requested_epoch, log_end_offset(l), epoch, end_offset);
    return LOG_OK;
}

int32_t log_latest_epoch(const log *l) {
    return epoch_cache_latest(&l->epochs);
}

static int64_t clamp(const log *l, int64_t v) {
    int64_t leo = log_end_offset(l);
    if (v > leo)
        v = leo;
    if (v < l->start_offset)
        v = l->start_offset;
    return v;
}

int64_t log_high_watermark(const log *l) {
    return l->hw < 0 ? log_end_offset(l) : clamp(l, l->hw);
}

void log_set_high_watermark(log *l, int64_t hw) {
    l->hw = clamp(l, hw < 0 ? 0 : hw);
}

int log_high_watermark_is_set(const log *l) {
    return l->hw >= 0;
}
