/*
 * log_replica.c - the two log calls only replication needs: appending a
 * leader's batches exactly as they are (offsets, gaps and leader epochs
 * kept, so compacted topics replicate byte for byte), and restarting a log
 * empty at the leader's log start when the follower fell behind it.
 *
 * The append reuses log.c's validation, roll and write steps
 * (log_internal.h); only the offset rules differ from log_append: nothing
 * is stamped, base offsets are checked instead.
 */
#include "log/log.h"

#include <stdint.h>

#include "log/log_internal.h"
#include "log/segment.h"
#include "wire/batch.h"

/* Base offsets strictly increasing without overlap, the first >= log end.
 * *first and *last: the first and last offsets of the whole input. */
static int check_offsets(const log *l, const uint8_t *data, size_t len, int64_t *first,
                         int64_t *last) {
    int64_t next = log_end_offset(l);
    *first = -1;
    for (size_t pos = 0; pos < len;) {
        batch_header h;
        batch_parse_header(data + pos, len - pos, &h);
        if (h.base_offset < next)
            return *first < 0 ? LOG_ERR_OUT_OF_RANGE : LOG_ERR_INVALID_RECORD;
        if (*first < 0)
            *first = h.base_offset;
        *last = batch_last_offset(&h);
        next = *last + 1;
        pos += (size_t)batch_total_size(&h);
    }
    return LOG_OK;
}

int log_append_replica(log *l, const uint8_t *data, size_t len, int64_t now_ms,
                       log_append_info *info) {
    if (!l || l->failed)
        return LOG_ERR_IO;
    if (!data || len == 0)
        return LOG_ERR_INVALID_RECORD;
    if (len > INT32_MAX)
        return LOG_ERR_TOO_LARGE;
    int nb = 0;
    int64_t records = 0, first = -1, last = -1;
    int rc = log_validate_batches(l, data, len, 1, &nb, &records);
    if (rc == LOG_OK)
        rc = check_offsets(l, data, len, &first, &last);
    if (rc != LOG_OK)
        return rc;
    /* log_need_roll counts offsets from the active end: the span to the
     * last offset, gaps included. */
    int64_t span = last + 1 - log_end_offset(l);
    if (log_need_roll(l, len, nb, span, now_ms)) {
        rc = log_roll_at(l, first);
        if (rc != LOG_OK)
            return rc;
    }
    /* Relative offsets are int32 in the indexes. */
    if (last - l->segs[l->nsegs - 1].base_offset > INT32_MAX)
        return LOG_ERR_INVALID_RECORD;
    rc = log_write_batches(l, data, len, nb, records, first, -1, now_ms, info);
    return rc;
}

int log_truncate_fully_and_start_at(log *l, int64_t offset) {
    if (!l || offset < 0)
        return LOG_ERR_ARG;
    if (l->clean_offset > offset)
        l->clean_offset = offset;
    int rc = log_restart_at(l, offset);
    if (rc != LOG_OK)
        return rc;
    if (l->hw >= 0)
        l->hw = offset;
    l->recovery_point = offset;
    log_epochs_truncated(l, offset, 1);
    return LOG_OK;
}
