/*
 * strand/strand.h - libstrand, a C client for Kafka-protocol brokers.
 *
 * Include this one header. The API is split by concern:
 *   strand/err.h       strand_err, strand_err_str()
 *   strand/types.h     records, messages, callbacks, logical offsets
 *   strand/conf.h      strand_conf: key/value configuration (all keys listed)
 *   strand/producer.h  strand_producer: send, poll, flush, raw batches
 *   strand/consumer.h  strand_consumer: assign, poll, seek, raw batches
 *
 * Conventions: names are strand_<noun>_<verb>; functions that can fail return
 * strand_err (0 = STRAND_OK, negative on error); each function's header
 * comment says who owns the memory it takes or returns and from which
 * threads it may be called. The library keeps no global state: every client
 * owns its I/O thread and its event loop. Link with `pkg-config --libs
 * strand` or CMake's find_package(Strand) (targets Strand::strand and
 * Strand::strand_static).
 */
#ifndef STRAND_STRAND_H
#define STRAND_STRAND_H

#include "strand/err.h"
#include "strand/types.h"
#include "strand/conf.h"
#include "strand/producer.h"
#include "strand/consumer.h"

#ifdef __cplusplus
extern "C" {
#endif

#define STRAND_VERSION_MAJOR 0
#define STRAND_VERSION_MINOR 1
#define STRAND_VERSION_PATCH 0
/* 0xMMmmpp: 0x000100 for 0.1.0. */
#define STRAND_VERSION                                                                             \
    ((STRAND_VERSION_MAJOR << 16) | (STRAND_VERSION_MINOR << 8) | STRAND_VERSION_PATCH)

/* The library's version as "0.1.0" (static string). Compare with
 * STRAND_VERSION_* to detect a header/library mismatch. */
const char *strand_version_str(void);

/* The library's version as STRAND_VERSION encodes it. */
int strand_version(void);

#ifdef __cplusplus
}
#endif

#endif
