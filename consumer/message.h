/*
 * message.h - the consumer's message objects and the reference-counted
 * buffers they point into (internal to libstrand).
 *
 * Zero copy: a Fetch response frame is read once into one malloc'ed buffer
 * (a consumer_frame). Messages of uncompressed batches point straight into
 * it; messages of a compressed batch point into that batch's decompressed
 * records, which the batch's message block owns. Messages of one batch are
 * carved out of one allocation (a consumer_block), so a batch of N records
 * costs one malloc, not N. Every message holds one reference on its block;
 * the block holds one reference on the frame. strand_message_free() drops the
 * message's reference; the last one frees the block and, through it, the
 * frame. References are atomic: messages are built on the I/O thread and
 * freed on application threads.
 *
 * Items the consumer hands out share this struct: a record (kind MESSAGE), a
 * raw batch range (kind BATCH, for tools) or an error event (kind ERROR).
 */
#ifndef STRAND_CONSUMER_MESSAGE_H
#define STRAND_CONSUMER_MESSAGE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* A received response frame; `data` is malloc'ed and freed with the frame. */
typedef struct consumer_frame {
    atomic_uint refs;
    size_t len;
    uint8_t *data;
} consumer_frame;

/* Wrap a malloc'ed buffer (ownership moves to the frame, one reference held
 * by the caller). NULL on allocation failure (the buffer is then freed). */
consumer_frame *consumer_frame_wrap(uint8_t *data, size_t len);
/* Copy `len` bytes into a new frame (tests, small responses). */
consumer_frame *consumer_frame_copy(const void *data, size_t len);
void consumer_frame_ref(consumer_frame *f);
/* Drop one reference; NULL is a no-op. Thread-safe. */
void consumer_frame_unref(consumer_frame *f);

enum consumer_item_kind {
    CONSUMER_ITEM_MESSAGE = 0,
    CONSUMER_ITEM_BATCH = 1, /* raw record batches (bytes) */
    CONSUMER_ITEM_ERROR = 2,
};

#define CONSUMER_TSTYPE_CREATE 0
#define CONSUMER_TSTYPE_LOG_APPEND 1

typedef struct consumer_block consumer_block;

struct strand_message {
    int kind;          /* enum consumer_item_kind */
    int err;           /* ERROR items: a strand error code, else 0 */
    const char *topic; /* owned by the block, NUL-terminated */
    int32_t partition;
    int64_t offset;      /* MESSAGE: record offset; BATCH: first batch's base
                          * offset; ERROR: offset concerned or -1 */
    int64_t last_offset; /* BATCH: last offset of the last batch */
    int64_t timestamp;
    int8_t timestamp_type; /* CONSUMER_TSTYPE_* */
    int32_t key_len;       /* -1: null key */
    int32_t value_len;     /* -1: null value; BATCH: length of the batches */
    const uint8_t *key;
    const uint8_t *value; /* BATCH: the concatenated batches */
    int32_t header_count; /* BATCH: number of batches */
    int32_t headers_len;
    const uint8_t *headers_raw;  /* Kafka record header encoding */
    int64_t high_watermark;      /* of the partition when fetched (-1 unknown) */
    uint32_t version;            /* partition fetch version when built (see fetch state) */
    uint32_t charge;             /* bytes counted against the prefetch budget */
    int chunk_end;               /* last item of one fetch response's partition data */
    struct strand_message *next; /* queue link, owned by the consumer */
    consumer_block *block;
    char *errstr; /* ERROR items: owned by the block */
};
typedef struct strand_message strand_message;

/* A block of up to `cap` items sharing one topic copy, optionally one frame
 * reference and one owned buffer (decompressed records). Created with one
 * reference held by the builder; each handed-out item adds one. */
struct consumer_block {
    atomic_uint refs;
    consumer_frame *frame; /* referenced, or NULL */
    uint8_t *owned;        /* freed with the block, or NULL */
    uint32_t cap;
    uint32_t used;
    int32_t partition;
    char *topic;
    strand_message items[];
};

/* New block for up to `cap` items (cap >= 1) of `topic`/`partition`. Takes a
 * reference on `frame` (may be NULL). NULL on allocation failure. */
consumer_block *consumer_block_new(const char *topic, int32_t partition, consumer_frame *frame,
                                   uint32_t cap);
/* Next unused item of the block, zeroed except topic/partition/block, with a
 * reference taken for it; NULL when the block is full. */
strand_message *consumer_block_take(consumer_block *b);
/* Drop the builder's reference (after the last take). */
void consumer_block_release(consumer_block *b);

/* A standalone ERROR item (own block). errstr is copied (may be NULL). */
strand_message *consumer_error_new(const char *topic, int32_t partition, int64_t offset, int err,
                                   const char *errstr);

/* Drop an item's reference (any kind). NULL is a no-op. Thread-safe. */
void consumer_item_free(strand_message *m);

#endif
