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
 * Consumer groups: with group.id set, strand_consumer_subscribe joins the
 * group (Kafka's classic protocol: range / roundrobin assignors, eager
 * rebalancing) and the group's assignment replaces strand_consumer_assign;
 * offsets are committed automatically (enable.auto.commit) or with
 * strand_consumer_commit. See the group section below and docs/CLIENT.md.
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

/* ------------------------------------------------------------------------
 * Consumer groups (group.id must be set). */

/* Join the group and consume what it assigns: `topics` (n entries, copied)
 * are topic names, or POSIX extended regexes when they start with '^'
 * (matched against every topic of the cluster except internal ones, and
 * re-matched every topic.metadata.refresh.interval.ms: a new matching topic
 * triggers a rebalance). Replaces an earlier subscription. The membership
 * (heartbeats, rebalances) runs on the I/O thread; assignments and
 * revocations are applied from inside strand_consumer_poll, through the
 * rebalance callback if one is set (strand_conf_set_rebalance_cb). New
 * partitions start at the group's committed offset, else as
 * auto.offset.reset says. n == 0 is unsubscribe. STRAND_ERR_STATE without
 * group.id or while a manual assignment (strand_consumer_assign) is active;
 * STRAND_ERR_INVALID_ARG for an empty name or a regex that does not
 * compile; STRAND_ERR_CLOSED; STRAND_ERR_NOMEM. While subscribed, assign
 * and unassign are refused (STRAND_ERR_STATE) except from inside the
 * rebalance callback. */
strand_err strand_consumer_subscribe(strand_consumer *c, const char *const *topics, size_t n);

/* Leave the group: with enable.auto.commit the positions are committed,
 * the rebalance callback sees the revocation (or the library unassigns),
 * then LeaveGroup is sent and waited for (up to request.timeout.ms; not
 * for a static member, which the coordinator drops after
 * session.timeout.ms).
 * STRAND_OK also when not subscribed. Call from the polling thread. */
strand_err strand_consumer_unsubscribe(strand_consumer *c);

/* Commit offsets to the group. `offsets` (n entries, each offset >= 0: the
 * next offset to read, i.e. last processed + 1), or NULL to commit the
 * position of every assigned partition (one past the last message poll
 * returned; partitions without a position are skipped). async == 0 waits
 * for the coordinator's answer (up to request.timeout.ms to find it, then
 * the request timeout) and returns the outcome: STRAND_OK, a broker error
 * of the first failing partition (e.g. STRAND_ERR_KAFKA(22)
 * ILLEGAL_GENERATION after a rebalance), STRAND_ERR_TIMED_OUT. async != 0
 * returns at once; the outcome goes to the offset commit callback
 * (strand_conf_set_offset_commit_cb) from a later poll. Nothing to commit
 * is STRAND_OK (no callback). STRAND_ERR_STATE without group.id. Commits
 * of a subscribed member carry its generation; otherwise they are
 * standalone commits (generation -1), which Kafka accepts only while the
 * group has no members. */
strand_err strand_consumer_commit(strand_consumer *c, const strand_topic_partition *offsets,
                                  size_t n, int async);

/* The group's committed offsets: fills list[i].offset (topic and partition
 * given by the caller) with the committed offset, or STRAND_OFFSET_INVALID
 * when nothing is committed. Waits up to timeout_ms for the coordinator
 * (-1: request.timeout.ms); the request itself is bounded by
 * request.timeout.ms. On error every offset is STRAND_OFFSET_INVALID and
 * the error is returned (STRAND_ERR_TIMED_OUT, a broker error).
 * STRAND_ERR_STATE without group.id. */
strand_err strand_consumer_committed(strand_consumer *c, strand_topic_partition *list, size_t n,
                                     int timeout_ms);

/* Stop the I/O thread, join it and free the consumer. Messages and batches
 * the application still holds stay valid until freed. A group member
 * first commits its positions (enable.auto.commit), runs the rebalance
 * callback for the revocation and leaves the group (LeaveGroup), so the
 * others get its partitions at once (a static member, with
 * group.instance.id, sends no LeaveGroup: it keeps its partitions for
 * session.timeout.ms in case it comes back); a consumer with group.id and a manual
 * assignment commits its positions (enable.auto.commit). Call it from the
 * polling thread when a rebalance callback is set. NULL is a no-op. */
void strand_consumer_close(strand_consumer *c);

#ifdef __cplusplus
}
#endif

#endif
