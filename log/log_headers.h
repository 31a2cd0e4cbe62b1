/*
 * log_headers.h - reading a partition log's batch headers only: what the
 * broker needs to rebuild state that Kafka derives from the 61-byte
 * RecordBatch v2 header (producer ids, epochs and sequences for idempotent
 * producers) without reading or decompressing records.
 *
 * Same threading rule as log.h: the log's owner thread only.
 */
#ifndef STRAND_LOG_LOG_HEADERS_H
#define STRAND_LOG_LOG_HEADERS_H

#include <stdint.h>

#include "log/log.h"
#include "wire/batch.h"

/* Called for each batch header in offset order; a non-zero return stops
 * the walk and is returned by log_walk_headers. The header is valid for the
 * call only. */
typedef int (*log_header_fn)(const batch_header *h, void *arg);

/* Call fn for the header of every batch whose last offset is >= from_offset
 * (pass log_start_offset() or 0 for all), through the segments' buffered
 * header walker (one pread per 8 KiB or per batch, whichever is larger).
 * LOG_OK, fn's non-zero value, or LOG_ERR_IO when a segment cannot be read
 * or its tail does not parse. */
int log_walk_headers(log *l, int64_t from_offset, log_header_fn fn, void *arg);

#endif
