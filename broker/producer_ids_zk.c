/*
 * producer_ids_zk.c - cluster mode: reserving producer id blocks in
 * ZooKeeper the way Kafka's ZkProducerIdManager does, so every broker of a
 * cluster (and every restart) hands out distinct ids.
 *
 * The znode /latest_producer_id_block holds the last block given to any
 * broker. To take the next one: read it (data + version), then setData
 * {"version":1,"broker":ID,"block_start":"E+1","block_end":"E+1000"}
 * conditional on that version; BADVERSION means another broker was faster:
 * read again. A missing node is created with block 0-999 (NODEEXISTS: read
 * again). Only after the write succeeded are ids of the block handed out.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#include "broker/broker.h"
#include "broker/cluster_internal.h"
#include "broker/cluster_json.h"
#include "broker/logging.h"
#include "broker/producer_ids.h"
#include "broker/zk.h"

#define MAX_TRIES 20

static void on_get(void *arg, const zk_result *r);

/* A reservation in flight: the producer_ids (NULL once freed) and the
 * block being written. */
typedef struct reservation {
    producer_ids *p;
    int tries;
    int64_t start, end;
    char json[160];
} reservation;

static void finish(reservation *rv, int ok) {
    producer_ids *p = rv->p;
    p->fetching = 0;
    if (!p->owner) { /* the broker freed it meanwhile */
        free(p);
    } else if (ok) {
        if (p->next > p->end) {
            p->next = rv->start;
            p->end = rv->end;
        } else {
            p->pending_start = rv->start;
            p->pending_end = rv->end;
        }
        BLOG_I("producer ids %" PRId64 "..%" PRId64 " reserved in ZooKeeper (%s)", rv->start,
               rv->end, PRODUCER_ID_BLOCK_ZNODE);
    }
    free(rv);
}

static zk *zk_of(producer_ids *p) {
    cluster *c = p->owner ? p->b->cluster : NULL;
    return c && c->z && zk_state(c->z) == ZOO_CONNECTED_STATE ? c->z : NULL;
}

static void retry_get(reservation *rv) {
    zk *z = zk_of(rv->p);
    if (!z || ++rv->tries > MAX_TRIES || zk_get(z, PRODUCER_ID_BLOCK_ZNODE, 0, on_get, rv) != 0) {
        if (rv->tries > MAX_TRIES)
            BLOG_W("producer id block: gave up after %d conflicting attempts; retried on the "
                   "next InitProducerId",
                   MAX_TRIES);
        finish(rv, 0);
    }
}

static void on_written(void *arg, const zk_result *r) {
    reservation *rv = arg;
    if (r->rc == ZOK) {
        finish(rv, 1);
    } else if (r->rc == ZBADVERSION || r->rc == ZNODEEXISTS) {
        retry_get(rv); /* another broker took a block first */
    } else {
        BLOG_W("producer id block: writing %s failed: %s", PRODUCER_ID_BLOCK_ZNODE,
               zk_strerror(r->rc));
        finish(rv, 0);
    }
}

static void on_get(void *arg, const zk_result *r) {
    reservation *rv = arg;
    zk *z = zk_of(rv->p);
    if (!z) {
        finish(rv, 0);
        return;
    }
    int64_t last_end = -1;
    if (r->rc == ZOK) {
        char text[32];
        if (!r->data || cj_get_str(r->data, "block_end", text, sizeof text) != 0 ||
            sscanf(text, "%" SCNd64, &last_end) != 1 || last_end < -1 ||
            last_end > INT64_MAX - 2 * PRODUCER_ID_BLOCK_SIZE) {
            BLOG_E("producer id block: %s holds '%s', not a block; no ids handed out",
                   PRODUCER_ID_BLOCK_ZNODE, r->data ? r->data : "");
            finish(rv, 0);
            return;
        }
    } else if (r->rc != ZNONODE) {
        BLOG_W("producer id block: reading %s failed: %s", PRODUCER_ID_BLOCK_ZNODE,
               zk_strerror(r->rc));
        finish(rv, 0);
        return;
    }
    rv->start = last_end + 1;
    rv->end = rv->start + PRODUCER_ID_BLOCK_SIZE - 1;
    int n = snprintf(rv->json, sizeof rv->json,
                     "{\"version\":1,\"broker\":%" PRId32 ",\"block_start\":\"%" PRId64
                     "\",\"block_end\":\"%" PRId64 "\"}",
                     rv->p->b->cfg.broker_id, rv->start, rv->end);
    int rc = r->rc == ZNONODE
                 ? zk_create(z, PRODUCER_ID_BLOCK_ZNODE, rv->json, n, ZK_PERSISTENT, on_written, rv)
                 : zk_set(z, PRODUCER_ID_BLOCK_ZNODE, rv->json, n, r->version, on_written, rv);
    if (rc != 0) {
        BLOG_W("producer id block: %s", zk_strerror(rc));
        finish(rv, 0);
    }
}

void producer_ids_zk_fetch(producer_ids *p) {
    if (p->fetching)
        return;
    zk *z = zk_of(p);
    if (!z)
        return;
    reservation *rv = calloc(1, sizeof *rv);
    if (!rv)
        return;
    rv->p = p;
    p->fetching = 1;
    if (zk_get(z, PRODUCER_ID_BLOCK_ZNODE, 0, on_get, rv) != 0) {
        p->fetching = 0;
        free(rv);
    }
}
