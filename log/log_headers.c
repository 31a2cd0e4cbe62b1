/*
 * log_headers.c - walking the batch headers of a partition log
 * (log_headers.h). The broker rebuilds its idempotent-producer state from
 * them after a restart or a truncation; only the fixed 61-byte header of each
 * batch is read (segment_walker), records are never parsed.
 */
#include "log/log_headers.h"

#include "log/log_internal.h"
#include "log/segment.h"

int log_walk_headers(log *l, int64_t from_offset, log_header_fn fn, void *arg) {
    for (int i = 0; i < l->nsegs; i++) {
        const segment *s = &l->segs[i];
        if (s->next_offset <= from_offset)
            continue;
        segment_walker w;
        batch_header h;
        int64_t pos;
        int rc;
        segment_walker_init(&w, s, 0);
        while ((rc = segment_walker_next(&w, &h, &pos)) == 1) {
            if (batch_last_offset(&h) < from_offset)
                continue;
            int frc = fn(&h, arg);
            if (frc != 0)
                return frc;
        }
        if (rc < 0)
            return rc == LOG_ERR_CORRUPT ? LOG_ERR_IO : rc;
    }
    return LOG_OK;
}
