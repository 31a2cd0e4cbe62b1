/*
 * producer_ids.h - producer ids for InitProducerId, unique across restarts
 * and across the brokers of a cluster.
 *
 * Ids are handed out from blocks of PRODUCER_ID_BLOCK_SIZE (1000, Kafka's
 * size). A block is reserved durably BEFORE any id of it is given out:
 *   - standalone: `<data dir>/producer-id-block` holds the start of the
 *     next free block as text; taking a block rewrites it atomically
 *     (temp file, fsync, rename) with the following start;
 *   - cluster mode: Kafka's `/latest_producer_id_block` znode (under the
 *     chroot) holds {"version":1,"broker":ID,"block_start":"S",
 *     "block_end":"E"}; a broker takes the next block with a setData
 *     conditional on the version it read (retrying on BADVERSION), or
 *     creates the node with block 0-999 (producer_ids_zk.c).
 * A crash loses at most the rest of a block; ids are never reused.
 * Cluster mode fetches the next block asynchronously when the current one
 * runs low; while no id is at hand the caller answers
 * COORDINATOR_LOAD_IN_PROGRESS (retriable), as Kafka's ProducerIdManager.
 *
 * Memory: owned by the broker (b->pids), created on first use, freed by
 * producer_ids_free after the loop ends. Loop thread only.
 */
#ifndef STRAND_BROKER_PRODUCER_IDS_H
#define STRAND_BROKER_PRODUCER_IDS_H

#include <stdint.h>

typedef struct broker broker;

#define PRODUCER_ID_BLOCK_SIZE 1000
#define PRODUCER_ID_BLOCK_FILE "producer-id-block"
#define PRODUCER_ID_BLOCK_ZNODE "/latest_producer_id_block"

/* The next producer id (>= 0), or -1 with *error set to a Kafka error code:
 * COORDINATOR_LOAD_IN_PROGRESS while a block is being reserved (cluster
 * mode), KAFKA_STORAGE_ERROR when the block file cannot be written. */
int64_t producer_ids_next(broker *b, int16_t *error);

void producer_ids_free(broker *b);

/* Internal to producer_ids*.c: one reserved block. */
typedef struct producer_ids {
    int64_t next, end;     /* ids [next, end] are ours; next > end: none */
    int64_t pending_start; /* cluster: a further block already reserved, -1 */
    int64_t pending_end;
    int fetching;                /* cluster: a reservation is in flight */
    struct producer_ids **owner; /* &b->pids, cleared on free (late ZooKeeper answers) */
    broker *b;
} producer_ids;

/* producer_ids_zk.c: start reserving the next block in ZooKeeper (no-op when
 * one is in flight or the session is down). */
void producer_ids_zk_fetch(producer_ids *p);

#endif
