/*
 * strand/consumer.h - the consumer: assign partitions, poll messages.
 *
 *   strand_consumer *c = strand_consumer_new(conf, err, sizeof err);
 *   strand_topic_partition tp = {.topic = "t", .partition = 0,
 *                                .offset = STRAND_OFFSET_BEGINNING};
 *   strand_consumer_assign(c, &tp, 1);
 *   for (;;) {
 *       strand_message *m = strand_consumer_poll(c, 1000);
 *       if (!m) continue;                       // timed out
 *       if (m->err) fprintf(stderr, "%s\n", strand_err_str(m->err));
 *       else handle(m->value, m->value_len);
 *       strand_message_free(m);
 *   }
 *   strand_consumer_close(c);
 *
 * The I/O thread (one per consumer, own event loop) keeps fetches in flight
 * for every assigned, unpaused partition until the prefetch budget
 * (queued.max.messages.kbytes) is used up, so poll usually returns at once.
 * Messages of one partition come in offset order; records before the
 * requested offset inside a fetched batch are skipped; every codec the broker
 * may send back is decompressed; control batches are never delivered.
 * Fetches use isolation level read_uncommitted. OFFSET_OUT_OF_RANGE is
 * handled through auto.offset.reset. Leader changes, unknown topics and
 * lost connections are retried after retry.backoff.ms with fresh metadata;
 * an unknown topic or partition is also reported once through poll. Corrupt
 * data (bad CRC, undecodable batch) is reported through poll and stops that
 * partition until the application seeks it.
 *
 * Consumer groups and committed offsets (subscribe, commit) come in a later
 * version; the partitions a consumer reads are then the same assignment that
 * strand_consumer_assign sets today.
 *
 * Thread-safety: every function may be called from any thread, concurrently,
 * except strand_consumer_close, which must be the last call on `c`. Messages
 * and batches are independent objects: free them on any thread, also after
 * the consumer is closed.
 */
#ifndef STRAND_CONSUMER_H
#define STRAND_CONSUMER_H

#include <stddef.h>
#include <stdint.h>

#include "strand/conf.h"
#include "strand/err.h"
#include "strand/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Create a consumer and start its I/O thread. Takes ownership of `conf` in
 * every case (it is freed on failure too). NULL on failure with a
 * NUL-terminated reason in errbuf (if not NULL). */
strand_consumer *strand_consumer_new(strand_conf *conf, char *errbuf, size_t errlen);

/* Replace the assignment with `list` (n entries; copied, topics included).
 * Every listed partition (re)starts at its strand_topic_partition position;
 * partitions not listed are dropped together with their prefetched data.
 * n == 0 is the same as unassign. STRAND_ERR_INVALID_ARG for a NULL topic, a
 * negative partition, a duplicate entry or a bad offset; STRAND_ERR_NOMEM;
 * STRAND_ERR_CLOSED. Unknown topics or partitions are reported later by poll
 * as a message with err set. */
strand_err strand_consumer_assign(strand_consumer *c, const strand_topic_partition *list, size_t n);

/* Drop every partition and its prefetched data. */
strand_err strand_consumer_unassign(strand_consumer *c);

/* The next message, waiting up to timeout_ms (0: do not wait; -1: no limit).
 * NULL when nothing arrived in time (or the consumer is closing). A message
 * with err != STRAND_OK reports an event on topic/partition: e.g.
 * STRAND_ERR_PARTITION_EOF, STRAND_ERR_OFFSET_OUT_OF_RANGE (with
 * auto.offset.reset=none), STRAND_ERR_UNKNOWN_TOPIC_OR_PARTITION. The caller
 * owns the message: free it with strand_message_free. */
strand_message *strand_consumer_poll(strand_consumer *c, int timeout_ms);

/* Free a message returned by strand_consumer_poll (NULL is a no-op). Any
 * thread; also after the consumer is closed. */
void strand_message_free(strand_message *m);

/* Move an assigned partition to a new position (tp->offset as in assign,
 * also STRAND_OFFSET_TIMESTAMP). Prefetched data of that partition is
 * dropped; the next message from it is at the new position.
 * STRAND_ERR_STATE if the partition is not assigned. */
strand_err strand_consumer_seek(strand_consumer *c, const strand_topic_partition *tp);

/* The offset of the next message poll will return for that partition (one
 * past the last one returned), or a logical STRAND_OFFSET_* value while the
 * starting position is still being resolved. STRAND_ERR_STATE if the
 * partition is not assigned. */
strand_err strand_consumer_position(strand_consumer *c, const char *topic, int32_t partition,
                                    int64_t *offset);

/* Stop fetching / resume fetching an assigned partition. Paused partitions
 * return no messages (prefetched data is kept and returned after resume)
 * and keep their position. STRAND_ERR_STATE if not assigned. */
strand_err strand_consumer_pause(strand_consumer *c, const char *topic, int32_t partition);
strand_err strand_consumer_resume(strand_consumer *c, const char *topic, int32_t partition);

/* Raw batches for tools: the next chunk of fetched data of one partition as
 * whole RecordBatch v2 batches (see strand_batches), waiting up to
 * timeout_ms. NULL when nothing arrived in time. The caller owns the result:
 * free it with strand_batches_free. The batches are passed on untouched:
 * compressed as stored, control batches (transaction markers) included,
 * and the first one may begin before the requested offset; `err` events
 * come as in poll. A consumer is read either with poll or with
 * poll_batches: the first of the two calls fixes the mode (data prefetched
 * before it is fetched again in that mode), and a call of the other one
 * afterwards returns an item with err STRAND_ERR_STATE. */
strand_batches *strand_consumer_poll_batches(strand_consumer *c, int timeout_ms);

/* Free a strand_batches (NULL is a no-op). Any thread, any time. */
void strand_batches_free(strand_batches *b);

/* Stop the I/O thread, join it and free the consumer. Messages and batches
 * the application still holds stay valid until freed. NULL is a no-op. */
void strand_consumer_close(strand_consumer *c);

#ifdef __cplusplus
}
#endif

#endif
