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
 * Items the consumer hands out share one struct: a record (kind MESSAGE), a
 * raw batch range (kind BATCH, for tools) or an error event (kind ERROR).
 * The public strand_message / strand_batches is the item's first member.
 */
#ifndef STRAND_CONSUMER_MESSAGE_H
#define STRAND_CONSUMER_MESSAGE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "strand/types.h"

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

typedef struct consumer_block consumer_block;

/* One queued item. The public part comes first so that the pointer handed
 * to the application (a strand_message or strand_batches) is the item. The
 * parser fills pub.msg for messages and pub.batches for raw batches; ERROR
 * items are published as either when delivered (consumer_item_publish). */
typedef struct consumer_item {
    union {
        strand_message msg;
        strand_batches batches;
    } pub;
    int kind;             /* enum consumer_item_kind */
    strand_err err;       /* ERROR items */
    int64_t offset;       /* MESSAGE: the record; BATCH: first base offset;
                           * ERROR: the offset concerned or -1 */
    int64_t last_offset;  /* BATCH: last offset of the last batch */
    uint32_t version;     /* partition fetch version when built */
    uint32_t charge;      /* bytes counted against the prefetch budget */
    int chunk_end;        /* last item of one fetch response's partition data */
    int32_t header_count; /* record headers, Kafka encoding; BATCH: batches */
    int32_t headers_len;
    const uint8_t *headers_raw;
    strand_header *hdrs;        /* decoded at delivery; owned */
    struct consumer_item *next; /* queue link, owned by the consumer */
    consumer_block *block;
} consumer_item;

/*
 * A cache of freed blocks, per consumer. Without it every batch's block
 * would be fresh memory: the allocator hands freed space back to the
 * kernel and page faults on the next batch cost more than parsing the
 * records (measured: ~9x per message). Blocks are cached by power-of-two
 * size (1 KiB .. 16 MiB) up to `max_bytes` in total; a block may be freed
 * on any thread, also after the consumer is gone (blocks hold a reference
 * on their pool). Thread-safe.
 */
typedef struct consumer_pool consumer_pool;

/* A pool caching at most max_bytes of free blocks; NULL if out of memory
 * (callers then allocate without a pool). One reference for the caller. */
consumer_pool *consumer_pool_new(size_t max_bytes);
/* Drop the caller's reference (NULL is a no-op). */
void consumer_pool_release(consumer_pool *pool);

/* Raw buffers from the same size classes (decompressed records): at least
 * n bytes, the allocated size in *size (pass it back to free). pool may be
 * NULL (plain malloc/free). A buffer grown with realloc may be freed with
 * its new size. */
void *consumer_pool_alloc(consumer_pool *pool, size_t n, size_t *size);
void consumer_pool_free(consumer_pool *pool, void *mem, size_t size);

/* A block of up to `cap` items sharing one topic copy, optionally one frame
 * reference and one owned buffer (decompressed records). Created with one
 * reference held by the builder; each handed-out item adds one. */
struct consumer_block {
    atomic_uint refs;
    consumer_pool *pool;   /* referenced, or NULL */
    size_t alloc_size;     /* bytes of this allocation (its pool size class) */
    consumer_frame *frame; /* referenced, or NULL */
    uint8_t *owned;        /* freed with the block (to its pool), or NULL */
    size_t owned_size;
    uint32_t cap;
    uint32_t used;
    int32_t partition;
    char *topic;
    consumer_item items[];
};

/* New block for up to `cap` items (cap >= 1) of `topic`/`partition`, from
 * `pool` when not NULL. Takes a reference on `frame` (may be NULL). NULL on
 * allocation failure. */
consumer_block *consumer_block_new(consumer_pool *pool, const char *topic, int32_t partition,
                                   consumer_frame *frame, uint32_t cap);
/* Next unused item of the block, zeroed except the topic/partition of its
 * public parts, offsets -1 and block, with a reference taken for it; NULL
 * when the block is full. */
consumer_item *consumer_block_take(consumer_block *b);
/* Drop the builder's reference (after the last take). */
void consumer_block_release(consumer_block *b);

/* A standalone ERROR item (own block); NULL on allocation failure. */
consumer_item *consumer_error_new(const char *topic, int32_t partition, int64_t offset,
                                  strand_err err);

/* Fill the public part before handing the item out: as_batches selects
 * strand_batches (poll_batches) or strand_message (poll). Decodes record
 * headers into `hdrs` (STRAND_ERR_NOMEM if that fails; the item is then
 * published without headers). Call without locks; the item is the caller's. */
strand_err consumer_item_publish(consumer_item *it, int as_batches);

/* Drop an item's reference (any kind). NULL is a no-op. Thread-safe. */
void consumer_item_free(consumer_item *it);

#endif
