/*
 * records.h - turning one partition's Fetch records bytes into consumer
 * items (internal to libstrand).
 *
 * A Fetch response carries, per partition, whole RecordBatch v2 batches
 * starting with the one that holds the fetch offset, possibly followed by a
 * partial batch cut at the size limit. The parser walks them with
 * wire/batch.h and:
 *   - skips batches that end before the fetch offset, and records below it
 *     inside the first batch;
 *   - skips control batches (transaction markers) but advances past them;
 *   - follows compacted gaps: the next fetch offset is always the last offset
 *     of the last complete batch + 1, whatever records survived compaction;
 *   - ignores a trailing partial batch (it is fetched again next time) and
 *     says so when nothing complete arrived (the caller must fetch more);
 *   - decompresses every codec (batch_reader) into a buffer the batch's
 *     message block owns, so values are never copied again.
 * Raw mode emits, instead of records, one BATCH item covering the complete
 * batches as they are on the wire (for mirror tools).
 *
 * Not thread-safe by itself; the items it returns are independent objects
 * (see message.h) that may be handed to other threads.
 */
#ifndef STRAND_CONSUMER_RECORDS_H
#define STRAND_CONSUMER_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "consumer/message.h"

typedef struct consumer_parse_opts {
    const char *topic;
    int32_t partition;
    int64_t fetch_offset;   /* first offset wanted */
    int64_t high_watermark; /* copied into items */
    uint32_t version;       /* copied into items (partition fetch version) */
    int check_crcs;         /* validate CRC-32C of every batch */
    size_t max_plain;       /* decompression limit per batch (0: default) */
    int raw;                /* emit one BATCH item instead of messages */
    consumer_pool *pool;    /* where message blocks come from (may be NULL) */
} consumer_parse_opts;

typedef struct consumer_parse_result {
    consumer_item *head; /* items in offset order, linked by ->next */
    consumer_item *tail;
    size_t count;
    size_t bytes;        /* sum of the items' charge */
    int64_t next_offset; /* where the next fetch starts */
    int partial_only;    /* bytes present but no complete batch: fetch more */
    int status;          /* 0, or the batch_status of the first bad batch */
    int64_t err_offset;  /* base offset of that batch (-1 if unknown) */
} consumer_parse_result;

/* Parse records[0, len) (a slice of `frame`, which the items reference; may
 * be NULL only if no item can point into it, i.e. tests of error paths).
 * Items before a bad batch are kept and next_offset stops at the bad batch.
 * Returns 0, or BATCH_ERR_NOMEM (then no items are returned). */
int consumer_records_parse(const consumer_parse_opts *o, consumer_frame *frame,
                           const uint8_t *records, size_t len, consumer_parse_result *out);

/* Free every item of a result (e.g. after a discarded fetch). */
void consumer_parse_result_free(consumer_parse_result *res);

#endif
