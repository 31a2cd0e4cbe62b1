/*
 * strand/producer.h - the producer: send records, get one delivery report
 * per record.
 *
 *   strand_conf *conf = strand_conf_new();
 *   strand_conf_set(conf, "bootstrap.servers", "127.0.0.1:9092", err, sizeof err);
 *   strand_conf_set_delivery_cb(conf, on_delivery, NULL);
 *   strand_producer *p = strand_producer_new(conf, err, sizeof err);
 *   strand_record r = {.topic = "t", .partition = STRAND_PARTITION_ANY,
 *                      .value = "hi", .value_len = 2};
 *   while (strand_producer_send(p, &r) == STRAND_ERR_QUEUE_FULL)
 *       strand_producer_poll(p, 100);          // serve reports to make room
 *   strand_producer_flush(p, 10000);
 *   strand_producer_close(p);
 *
 * send() never blocks: it copies the record into its partition's batch and
 * returns. A background I/O thread (one per producer, own event loop) sends
 * batches when linger.ms passes or batch.size fills, retries retriable
 * errors without reordering a partition's records, and refreshes metadata
 * when leaders move. Delivery reports are queued and handed to the delivery
 * callback by poll/flush/close on the calling thread, so application code
 * never runs on the I/O thread.
 *
 * Every record gets exactly one report: its offset, or an error (after
 * retries are exhausted, delivery.timeout.ms passes, or the producer closes).
 *
 * Retries never duplicate or reorder. With enable.idempotence (the default
 * with acks=all) every batch carries the producer id from InitProducerId
 * and a sequence number fixed at its first send, and a partition may have
 * up to min(max.in.flight.requests.per.connection, 5) Produce requests in
 * flight (at most 5 of its batches unacknowledged), as the Java client: the
 * broker's sequence checks keep the order. A request whose outcome is
 * unknown (connection lost after it was written, request.timeout.ms
 * passed) or that failed retriably is resent unchanged, and so is every
 * later unacknowledged batch of the partition (the broker refuses those
 * with OUT_OF_ORDER_SEQUENCE_NUMBER while the earlier one is missing, which
 * is then retriable), in sequence order, one request at a time until the
 * partition is back in order. The broker answers a copy it already holds
 * with the original offset (Kafka's DUPLICATE_SEQUENCE_NUMBER also counts
 * as success, reported with offset -1, as the Java client does). Reports of
 * a partition come in send() order. Without idempotence a partition has one
 * Produce request in flight at a time. A record reported
 * failed after it was sent (retries or delivery.timeout.ms exhausted, or
 * the broker answered OUT_OF_ORDER_SEQUENCE_NUMBER for the partition's first
 * unacknowledged batch, INVALID_PRODUCER_EPOCH or UNKNOWN_PRODUCER_ID) may
 * or may not be stored; the producer then lets
 * the batches already numbered finish and gets a new producer id before
 * sending more (Kafka's KIP-360 reset), never renumbering a batch that may
 * be stored. Without idempotence (enable.idempotence=false, acks 0/1, or
 * brokers without InitProducerId) and for raw batches, a request whose
 * connection failed after it was written is first looked up in the
 * partition's log (a Fetch at the offset it would have taken, after the last
 * acknowledged one, or at the log end when none was, comparing batch CRCs);
 * it is resent only when it is provably not stored. When that cannot be
 * decided (other data follows in the log) its records are reported with the
 * transport error (STRAND_ERR_TRANSPORT or STRAND_ERR_TIMED_OUT) and may or
 * may not be in the log.
 *
 * Thread-safety: every function may be called from any thread, concurrently,
 * except strand_producer_close, which must be the last call on `p`.
 */
#ifndef STRAND_PRODUCER_H
#define STRAND_PRODUCER_H

#include <stddef.h>
#include <stdint.h>

#include "strand/conf.h"
#include "strand/err.h"
#include "strand/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Create a producer and start its I/O thread. Takes ownership of `conf` in
 * every case (it is freed on failure too). Returns NULL on failure with a
 * NUL-terminated reason in errbuf (if not NULL): a missing or bad
 * bootstrap.servers, inconsistent settings (e.g. enable.idempotence=true with
 * acks 0 or 1), no memory or no thread.
 * Connecting happens in the background; an unreachable cluster shows up as
 * delivery errors, not here. */
strand_producer *strand_producer_new(strand_conf *conf, char *errbuf, size_t errlen);

/* Queue one record. Copies the topic, key, value and headers; nothing of `r`
 * is referenced after the call. Returns STRAND_OK (a delivery report will
 * follow), or, with no report to follow:
 *   STRAND_ERR_INVALID_ARG   NULL topic, partition < -1, header without key
 *   STRAND_ERR_QUEUE_FULL    queue.buffering.max.messages/kbytes reached:
 *                            poll to serve reports, then retry
 *   STRAND_ERR_MSG_TOO_LARGE the record alone exceeds message.max.bytes
 *   STRAND_ERR_UNKNOWN_PARTITION  the partition does not exist (when the
 *                            topic's metadata is already known)
 *   STRAND_ERR_CLOSED        close has begun
 *   STRAND_ERR_NOMEM
 * An unknown topic or partition learnt later is reported per record. */
strand_err strand_producer_send(strand_producer *p, const strand_record *r);

/* Serve queued delivery reports on the calling thread, waiting up to
 * timeout_ms (0: do not wait; -1: wait until at least one report) for the
 * first. Returns the number of reports served (callbacks run), >= 0. */
int strand_producer_poll(strand_producer *p, int timeout_ms);

/* Send everything queued now (ignoring linger.ms) and wait until every record
 * sent so far has been reported, serving reports meanwhile. timeout_ms -1
 * waits without limit. STRAND_OK, or STRAND_ERR_TIMED_OUT with records still
 * outstanding (they stay queued and will be reported later). */
strand_err strand_producer_flush(strand_producer *p, int timeout_ms);

/* Records (and raw batch calls) sent but not yet reported through a
 * callback. */
size_t strand_producer_outstanding(strand_producer *p);

/* Raw batches for tools (e.g. a mirror): send `len` bytes holding one or
 * more complete RecordBatch v2 batches to one partition, in one Produce
 * request. The bytes are copied. The batches are validated (magic 2, sizes,
 * CRC) and sent without touching their contents; only fields outside the CRC
 * (baseOffset, partitionLeaderEpoch) may be rewritten. They get no producer
 * id or sequence from an idempotent producer (they keep their own), so
 * their unknown outcomes are settled by looking them up in the log. Retries, ordering and
 * timeouts are those of send(). `cb` (may be NULL) receives exactly one
 * report for the call, with `opaque`, on the thread serving poll/flush/close.
 * Returns STRAND_OK, or without a report to follow: STRAND_ERR_INVALID_ARG
 * (NULL topic, partition < 0, len 0), STRAND_ERR_BAD_MSG (not whole valid v2
 * batches), STRAND_ERR_MSG_TOO_LARGE, STRAND_ERR_QUEUE_FULL,
 * STRAND_ERR_CLOSED, STRAND_ERR_NOMEM. */
strand_err strand_producer_send_batches(strand_producer *p, const char *topic, int32_t partition,
                                        const void *bytes, size_t len, strand_batches_cb cb,
                                        void *opaque);

/* Stop and free the producer. First sends what is queued and waits for
 * reports like flush, for at most min(request.timeout.ms,
 * delivery.timeout.ms) (call strand_producer_flush before to wait longer);
 * then records still outstanding are reported with STRAND_ERR_CLOSED. All
 * reports are served on the calling thread before it returns (a report for a
 * request still in flight says STRAND_ERR_CLOSED: it may or may not have been
 * stored). The I/O thread is joined. `p` is invalid afterwards. NULL is a
 * no-op. */
void strand_producer_close(strand_producer *p);

#ifdef __cplusplus
}
#endif

#endif
