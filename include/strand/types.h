/*
 * strand/types.h - the value types and callback signatures shared by the
 * producer, the consumer and the configuration.
 *
 * Handles (strand_conf, strand_producer, strand_consumer) are opaque. The
 * structs here are plain data whose ownership is stated at the function that
 * passes them.
 */
#ifndef STRAND_TYPES_H
#define STRAND_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "strand/err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strand_conf strand_conf;
typedef struct strand_producer strand_producer;
typedef struct strand_consumer strand_consumer;

/* Partition "any": the producer's partitioner chooses. */
#define STRAND_PARTITION_ANY (-1)

/* Logical offsets for starting positions (strand_topic_partition.offset). */
#define STRAND_OFFSET_BEGINNING (-2) /* the partition's log start offset */
#define STRAND_OFFSET_END (-1)       /* the high watermark: only new records */
#define STRAND_OFFSET_TIMESTAMP (-3) /* first record with timestamp >= .timestamp */
#define STRAND_OFFSET_INVALID (-1001)

/* Timestamp types of a consumed record. */
#define STRAND_TIMESTAMP_CREATE_TIME 0
#define STRAND_TIMESTAMP_LOG_APPEND_TIME 1

/* Log levels (syslog numbering). */
typedef enum strand_log_level {
    STRAND_LOG_ERROR = 3,
    STRAND_LOG_WARNING = 4,
    STRAND_LOG_INFO = 6,
    STRAND_LOG_DEBUG = 7,
} strand_log_level;

/* A record header. key is a NUL-terminated string and never NULL; value may
 * be NULL (a null header value; value_len is then 0). */
typedef struct strand_header {
    const char *key;
    const void *value;
    size_t value_len;
} strand_header;

/* A record to produce. Every pointer is borrowed for the duration of the
 * send call only (the producer copies what it keeps). A NULL key or value is
 * Kafka's null (a NULL value is a tombstone); a non-NULL pointer with length
 * 0 is an empty byte string. */
typedef struct strand_record {
    const char *topic; /* required */
    int32_t partition; /* >= 0, or STRAND_PARTITION_ANY (0 is partition 0: set it) */
    const void *key;   /* may be NULL */
    size_t key_len;
    const void *value; /* may be NULL */
    size_t value_len;
    const strand_header *headers; /* may be NULL when header_count is 0 */
    size_t header_count;
    int64_t timestamp; /* ms since the epoch; 0 = now */
    void *opaque;      /* handed back in the delivery report */
} strand_record;

/* The outcome of one produced record. Valid only during the callback; every
 * pointer in it belongs to the library. */
typedef struct strand_delivery {
    strand_err err; /* STRAND_OK: stored at `offset` */
    const char *topic;
    int32_t partition; /* the partition chosen; -1 if none was */
    int64_t offset;    /* -1 on error, or with acks=0 */
    int64_t timestamp; /* the record's timestamp, or the broker's LogAppendTime */
    const void *key;   /* the record's key and value as sent (NULL if null) */
    size_t key_len;
    const void *value;
    size_t value_len;
    void *opaque; /* strand_record.opaque */
} strand_delivery;

/* Delivery report callback (strand_conf_set_delivery_cb). `opaque` is the one
 * given with the callback. Runs on the thread that calls strand_producer_poll,
 * _flush or _close; it may call strand_producer_send but not _close. */
typedef void (*strand_delivery_cb)(strand_producer *p, const strand_delivery *d, void *opaque);

/* Log callback (strand_conf_set_log_cb). See strand_conf_set_log_cb for the
 * threads it runs on. */
typedef void (*strand_log_cb)(void *opaque, strand_log_level level, const char *message);

/* A partition and a position in it. `topic` is borrowed by the functions
 * taking it (they copy it). For a starting position `offset` is an absolute
 * offset (>= 0), STRAND_OFFSET_BEGINNING, STRAND_OFFSET_END,
 * STRAND_OFFSET_TIMESTAMP with `timestamp` (ms since the epoch) saying from
 * when (`timestamp` is ignored otherwise), or STRAND_OFFSET_INVALID: the
 * group's committed offset is not known, start as auto.offset.reset says. */
typedef struct strand_topic_partition {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp;
} strand_topic_partition;

/* What a rebalance callback is told (strand_conf_set_rebalance_cb). */
typedef enum strand_rebalance_event {
    STRAND_REBALANCE_ASSIGN = 1, /* the group gave these partitions */
    STRAND_REBALANCE_REVOKE = 2, /* these partitions are taken away */
} strand_rebalance_event;

/* Rebalance callback: runs on the thread calling strand_consumer_poll (or
 * poll_batches / unsubscribe / close), never on the I/O thread. `parts`
 * (n entries) is valid during the call only. For ASSIGN each entry's offset
 * is the group's committed offset, or STRAND_OFFSET_INVALID when there is
 * none (auto.offset.reset applies); call strand_consumer_assign(c, parts, n)
 * (possibly with other offsets). For REVOKE call strand_consumer_unassign(c)
 * (commit first if you commit by hand). If the callback returns without
 * calling assign/unassign, the library does it as described. */
typedef void (*strand_rebalance_cb)(strand_consumer *c, strand_rebalance_event ev,
                                    const strand_topic_partition *parts, size_t n, void *opaque);

/* Offset commit callback: the outcome of an asynchronous commit (and of
 * auto-commits), run from strand_consumer_poll on the application thread.
 * `err` is STRAND_OK when every partition was committed, else the request's
 * error or the first partition's error. `offsets` (n entries: what was
 * committed or tried) is valid during the call only. */
typedef void (*strand_offset_commit_cb)(strand_consumer *c, strand_err err,
                                        const strand_topic_partition *offsets, size_t n,
                                        void *opaque);

/* A consumed record, or an event when err != STRAND_OK (then topic and
 * partition say where, offset is the position concerned, and key/value are
 * NULL). Returned by strand_consumer_poll; owned by the caller until
 * strand_message_free. Key, value and header bytes may point into a fetch
 * buffer shared with other messages (reference-counted, not copied): they
 * stay valid until this message is freed, also after the consumer is
 * closed. Read-only: never write through these pointers. */
typedef struct strand_message {
    strand_err err;
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp;
    int timestamp_type; /* STRAND_TIMESTAMP_* */
    const void *key;    /* NULL: null key */
    size_t key_len;
    const void *value; /* NULL: null value (tombstone) */
    size_t value_len;
    const strand_header *headers; /* NULL when header_count is 0 */
    size_t header_count;
} strand_message;

/* Raw fetched data of one partition (strand_consumer_poll_batches): whole
 * RecordBatch v2 batches, concatenated, exactly as the broker sent them
 * (the first batch may begin before the requested offset). Owned by the
 * caller until strand_batches_free. When err != STRAND_OK there are no
 * bytes and `base_offset` is the position concerned. */
typedef struct strand_batches {
    strand_err err;
    const char *topic;
    int32_t partition;
    const uint8_t *bytes;
    size_t len;
    int64_t base_offset;    /* baseOffset of the first batch */
    int64_t last_offset;    /* last offset of the last batch */
    int64_t high_watermark; /* as reported by the broker with this data */
} strand_batches;

/* The outcome of one strand_producer_send_batches call. Valid only during
 * the callback. */
typedef struct strand_batches_report {
    strand_err err;
    const char *topic;
    int32_t partition;
    int64_t base_offset; /* offset given to the first record of the first batch; -1 on error */
    int batch_count;     /* batches in the call */
    void *opaque;        /* the opaque given to send_batches */
} strand_batches_report;

/* Callback of strand_producer_send_batches; runs like the delivery callback
 * (on the thread calling poll/flush/close). */
typedef void (*strand_batches_cb)(strand_producer *p, const strand_batches_report *r);

#ifdef __cplusplus
}
#endif

#endif
