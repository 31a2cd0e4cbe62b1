/*
 * producer_ids.c - handing out producer ids from durably reserved blocks
 * (producer_ids.h); the standalone block file lives here, the cluster
 * mode's ZooKeeper reservation in producer_ids_zk.c.
 */
#include "broker/producer_ids.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/logging.h"
#include "wire/kafka.h"

/* Standalone: read the next free block start (0 when the file is missing)
 * and write the one after it before using the block. */
static int reserve_file(broker *b, producer_ids *p) {
    char path[BROKER_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", b->cfg.data_dir, PRODUCER_ID_BLOCK_FILE);
    int64_t start = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        long long v = -1;
        int ok = fscanf(f, "%lld", &v) == 1 && v >= 0;
        fclose(f);
        if (!ok) {
            BLOG_E("%s: not a producer id block start; refusing to hand out ids that may repeat",
                   path);
            return -1;
        } else {
            start = v;
        }
    } else if (errno != ENOENT) {
        BLOG_E("%s: %s", path, strerror(errno));
        return -1;
    }
    if (start > INT64_MAX - 2 * PRODUCER_ID_BLOCK_SIZE) {
        BLOG_E("%s: producer ids exhausted", path);
        return -1;
    }
    char text[32];
    int n = snprintf(text, sizeof text, "%" PRId64 "\n", start + PRODUCER_ID_BLOCK_SIZE);
    if (broker_file_write_atomic(path, text, (size_t)n) != 0) {
        BLOG_E("%s: cannot write: %s", path, strerror(errno));
        return -1;
    }
    p->next = start;
    p->end = start + PRODUCER_ID_BLOCK_SIZE - 1;
    BLOG_I("producer ids %" PRId64 "..%" PRId64 " reserved (%s)", p->next, p->end, path);
    return 0;
}

int64_t producer_ids_next(broker *b, int16_t *error) {
    *error = KAFKA_NONE;
    producer_ids *p = b->pids;
    if (!p) {
        if (!(p = calloc(1, sizeof *p))) {
            *error = KAFKA_KAFKA_STORAGE_ERROR;
            return -1;
        }
        p->next = 0;
        p->end = -1;
        p->pending_start = p->pending_end = -1;
        p->b = b;
        p->owner = &b->pids;
        b->pids = p;
    }
    if (p->next > p->end && p->pending_start >= 0) {
        p->next = p->pending_start;
        p->end = p->pending_end;
        p->pending_start = p->pending_end = -1;
    }
    if (b->cluster) {
        /* Ask for the next block while a tenth of this one is left. */
        if (p->pending_start < 0 && p->end - p->next < PRODUCER_ID_BLOCK_SIZE / 10)
            producer_ids_zk_fetch(p);
        if (p->next > p->end) {
            *error = KAFKA_COORDINATOR_LOAD_IN_PROGRESS;
            return -1;
        }
        return p->next++;
    }
    if (p->next > p->end && reserve_file(b, p) != 0) {
        *error = KAFKA_KAFKA_STORAGE_ERROR;
        return -1;
    }
    return p->next++;
}

void producer_ids_free(broker *b) {
    producer_ids *p = b->pids;
    if (!p)
        return;
    b->pids = NULL;
    if (p->fetching) {
        p->owner = NULL; /* the ZooKeeper answer frees it */
        return;
    }
    free(p);
}
