/*
 * replica_wait.h - wait until a partition's high watermark covers an
 * offset: the acks=all rule for writers other than Produce (the group
 * coordinator's __consumer_offsets records). One waiter per append; it is
 * answered exactly once through its callback:
 *   KAFKA_NONE                            the ISR has everything below `end`
 *   KAFKA_NOT_ENOUGH_REPLICAS_AFTER_APPEND  covered, but the ISR is smaller
 *                                         than min.insync.replicas now
 *   KAFKA_NOT_LEADER_OR_FOLLOWER          this broker stopped leading it
 *   KAFKA_REQUEST_TIMED_OUT               not covered within timeout_ms (or
 *                                         the broker is stopping)
 * Checks run on events: every high watermark move and every new cluster
 * view call replica_wait_check() (from replica_produce_check); the timer
 * only ends the wait. Single thread (the loop).
 */
#ifndef STRAND_BROKER_REPLICA_WAIT_H
#define STRAND_BROKER_REPLICA_WAIT_H

#include <stdint.h>

typedef struct broker broker;
typedef struct topic_partition topic_partition;
typedef struct replica_wait replica_wait;

typedef void (*replica_wait_done)(void *arg, int16_t error);

/* Wait for the high watermark of tp (led here) to reach `end`. Returns
 * NULL when there is nothing to wait for (standalone, no followers, or
 * already covered: the caller answers now) or on ENOMEM (*nomem set);
 * otherwise the waiter, answered later through done(arg, error). */
replica_wait *replica_wait_start(broker *b, topic_partition *tp, int64_t end, int32_t timeout_ms,
                                 replica_wait_done done, void *arg, int *nomem);
/* Forget a waiter that has not been answered (its owner went away): done
 * is not called. */
void replica_wait_cancel(replica_wait *w);
/* Re-check every waiter (the high watermark or leadership moved). */
void replica_wait_check(void);
/* Answer every waiter now (shutdown): REQUEST_TIMED_OUT. */
void replica_wait_fail_all(void);

#endif
