/*
 * strand/conf.h - client configuration: string keys and values, with Kafka's
 * usual names.
 *
 *   strand_conf *conf = strand_conf_new();
 *   char err[256];
 *   if (strand_conf_set(conf, "bootstrap.servers", "127.0.0.1:9092", err, sizeof err))
 *       fprintf(stderr, "%s\n", err);   // names the key and the accepted values
 *   strand_producer *p = strand_producer_new(conf, err, sizeof err);  // takes conf
 *
 * One conf type serves producers and consumers. Every key below is accepted
 * by both and validated when set; a producer ignores consumer-only keys and
 * vice versa. Unknown keys are refused (STRAND_ERR_CONFIG) so that a typo
 * never passes silently.
 *
 * Keys (default in brackets):
 *
 * Common
 *   bootstrap.servers        "host:port[,host:port...]" ([v6addr]:port too).
 *                            Required: client creation fails without it.
 *   client.id                [strand] sent in every request header.
 *   request.timeout.ms       [30000] 1..2147483647: a request without a
 *                            response by then fails with STRAND_ERR_TIMED_OUT.
 *   socket.connection.setup.timeout.ms
 *                            [10000] 1..2147483647: TCP connect + ApiVersions.
 *   reconnect.backoff.ms     [100] 0..3600000: wait before reconnecting to a
 *                            broker; doubles per failure up to the max.
 *   reconnect.backoff.max.ms [10000] 0..3600000, >= reconnect.backoff.ms when
 *                            the client is created.
 *   metadata.max.age.ms      [300000] 1..2147483647: metadata refreshed at
 *                            least this often.
 *   allow.auto.create.topics [true] true|false: ask the broker to create
 *                            topics named in metadata requests (the broker may
 *                            still refuse).
 *   message.max.bytes        [1000000] 1000..1000000000: largest record batch
 *                            the producer sends (larger records fail with
 *                            STRAND_ERR_MSG_TOO_LARGE).
 *
 * Producer
 *   acks                     [all] all|-1|0|1 ("-1" reads back as "all").
 *   linger.ms                [5] 0..900000: how long a partition's batch may
 *                            wait for more records before it is sent.
 *   batch.size               [1000000] 1..2147483647 bytes: a batch this big
 *                            is sent without waiting for linger.ms. (The Java
 *                            client's default is 16384; we follow librdkafka.)
 *   compression.type         [none] none|gzip|snappy|lz4|zstd.
 *   retries                  [2147483647] 0..2147483647: resends of a batch
 *                            after a retriable error.
 *   retry.backoff.ms         [100] 1..300000.
 *   delivery.timeout.ms      [120000] 1..2147483647: a record not acknowledged
 *                            this long after send() fails with
 *                            STRAND_ERR_TIMED_OUT in its delivery report.
 *   max.in.flight.requests.per.connection
 *                            [5] 1..1000000: requests outstanding per broker
 *                            connection (more wait, in order, in the client).
 *                            The idempotent producer also keeps up to
 *                            min(this, 5) Produce requests in flight per
 *                            partition (without idempotence: one).
 *                            enable.idempotence=true set explicitly with
 *                            more than 5 fails producer creation, naming
 *                            both keys; with the default idempotence any
 *                            value is taken (per partition capped at 5).
 *   partitioner              [murmur2_random] how records without an explicit
 *                            partition are placed:
 *                            murmur2_random: murmur2(key) like the Java client;
 *                              null keys stick to one partition per batch.
 *                            murmur2: murmur2(key); null keys hash as empty.
 *                            consistent_random: CRC32(key) like librdkafka;
 *                              null keys random.
 *                            consistent: CRC32(key); null keys hash as empty.
 *                            random: a random partition per record.
 *   queue.buffering.max.messages
 *                            [100000] 1..2147483647: records sent but not yet
 *                            reported; beyond it send() returns
 *                            STRAND_ERR_QUEUE_FULL.
 *   queue.buffering.max.kbytes
 *                            [1048576] 1..2147483647: the same bound in KiB of
 *                            key + value + header bytes.
 *   enable.idempotence       [true] true|false: idempotent producer (KIP-98,
 *                            without transactions): the producer gets a
 *                            producer id (InitProducerId) and numbers each
 *                            partition's batches, so a request whose outcome
 *                            is unknown is simply resent and the broker
 *                            stores it once. As in the Java client (3.2+),
 *                            the default turns itself off when acks is set
 *                            to 0 or 1 or retries to 0;
 *                            enable.idempotence=true set explicitly with
 *                            acks 0/1, retries=0 or
 *                            max.in.flight.requests.per.connection > 5
 *                            fails producer creation.
 *                            Brokers without InitProducerId: the default
 *                            falls back to the non-idempotent path; an
 *                            explicit true fails every record with
 *                            STRAND_ERR_UNSUPPORTED. See strand/producer.h.
 *
 * Consumer
 *   fetch.min.bytes          [1] 1..100000000: the broker answers a fetch once
 *                            it has this much data (or fetch.max.wait.ms passed).
 *   fetch.max.wait.ms        [500] 0..300000.
 *   fetch.max.bytes          [52428800] 1..2147483647: per fetch response.
 *   max.partition.fetch.bytes
 *                            [1048576] 1..2147483647: per partition in a fetch.
 *   queued.max.messages.kbytes
 *                            [65536] 1..2097151: prefetch budget (KiB of
 *                            fetched data not yet handed to the application);
 *                            fetching pauses while it is used up.
 *   auto.offset.reset        [latest] earliest|latest|none (librdkafka's
 *                            smallest/beginning, largest/end and error are
 *                            accepted and read back as the former): where to
 *                            start when the position is out of range; none
 *                            reports STRAND_ERR_OFFSET_OUT_OF_RANGE instead.
 *   check.crcs               [true] true|false: verify the CRC-32C of fetched
 *                            batches.
 *   enable.partition.eof     [false] true|false: report STRAND_ERR_PARTITION_EOF
 *                            once each time a partition's end is reached.
 *
 * Consumer groups (strand_consumer_subscribe, commit, committed)
 *   group.id                 [""] the consumer group; required by subscribe,
 *                            commit and committed.
 *   group.instance.id        [""] static membership (KIP-345): a restarted
 *                            member with the same id keeps its partitions
 *                            within session.timeout.ms (it sends no
 *                            LeaveGroup on close). "" = dynamic.
 *   session.timeout.ms       [45000] 1..3600000: the coordinator drops a
 *                            member that has not heartbeated for this long.
 *   heartbeat.interval.ms    [3000] 1..3600000, below session.timeout.ms.
 *   max.poll.interval.ms     [300000] 1..86400000: longest time between two
 *                            polls; beyond it the consumer leaves the group
 *                            (poll reports STRAND_ERR_MAX_POLL_EXCEEDED and
 *                            the next poll rejoins). Also the JoinGroup
 *                            rebalance timeout.
 *   partition.assignment.strategy
 *                            [range,roundrobin] assignors offered, preferred
 *                            first (Kafka's names and algorithms).
 *   enable.auto.commit       [true] true|false: commit the positions of the
 *                            assigned partitions every auto.commit.interval.ms,
 *                            before partitions are revoked and on close.
 *   auto.commit.interval.ms  [5000] 1..86400000.
 *   topic.metadata.refresh.interval.ms
 *                            [300000] 100..3600000: how often the group
 *                            member re-reads the topics of its subscription
 *                            (regex matches, partition counts); a change
 *                            triggers a rebalance.
 *
 * Booleans accept true|false (also 1|0). Integers are decimal.
 *
 * Thread-safety: a strand_conf is a plain value with no locking; use it from
 * one thread at a time. Client constructors take ownership of the conf they
 * are given; dup it first to create several clients from one.
 */
#ifndef STRAND_CONF_H
#define STRAND_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "strand/err.h"
#include "strand/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A new configuration with every key at its default. NULL if out of memory.
 * The caller owns it (strand_conf_free, or hand it to a client constructor). */
strand_conf *strand_conf_new(void);

/* Set `key` to `value` (copied). STRAND_ERR_CONFIG for an unknown key or a
 * value the key does not accept; then errbuf (if not NULL, errlen > 0) holds a
 * NUL-terminated message that names the key and the accepted values. The
 * conf is unchanged on error. STRAND_ERR_INVALID_ARG for NULL conf, key or
 * value; STRAND_ERR_NOMEM. */
strand_err strand_conf_set(strand_conf *conf, const char *key, const char *value, char *errbuf,
                           size_t errlen);

/* The current value of `key` as a string (its default when never set, in
 * canonical form: "all" for acks=-1), or NULL for an unknown key. The string
 * belongs to the conf and stays valid until `key` is set again or the conf is
 * freed. */
const char *strand_conf_get(const strand_conf *conf, const char *key);

/* A deep copy including callbacks and their opaques (NULL if out of memory).
 * The caller owns the copy. */
strand_conf *strand_conf_dup(const strand_conf *conf);

/* Free a conf the caller still owns (NULL is a no-op). */
void strand_conf_free(strand_conf *conf);

/* Producer: the function that receives delivery reports (one per record sent
 * with strand_producer_send; see strand/producer.h). It runs on the thread
 * calling strand_producer_poll/flush/close, never on the I/O thread. `opaque`
 * is passed back as the callback's last argument. Without it, reports are
 * counted and dropped. */
void strand_conf_set_delivery_cb(strand_conf *conf, strand_delivery_cb cb, void *opaque);

/* Log messages from the library (which never prints). May be called from the
 * I/O thread or from API calls on any thread, so it must be thread-safe and
 * must not call back into the client. `message` is valid during the call.
 * Without it, messages are discarded. */
void strand_conf_set_log_cb(strand_conf *conf, strand_log_cb cb, void *opaque);

/* Consumer groups: the rebalance callback (see strand_rebalance_cb in
 * strand/types.h). Without it the library applies assignments and
 * revocations itself. Runs on the application thread, inside
 * strand_consumer_poll / poll_batches / unsubscribe / close. */
void strand_conf_set_rebalance_cb(strand_conf *conf, strand_rebalance_cb cb, void *opaque);

/* Consumer groups: the outcome of asynchronous and automatic commits (see
 * strand_offset_commit_cb), delivered from strand_consumer_poll. Without it
 * the outcomes are dropped (failures are logged). */
void strand_conf_set_offset_commit_cb(strand_conf *conf, strand_offset_commit_cb cb, void *opaque);

#ifdef __cplusplus
}
#endif

#endif
