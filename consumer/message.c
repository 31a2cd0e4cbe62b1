/*
 * message.c - reference-counted frames and message blocks of the consumer.
 *
 * One malloc per fetched batch: the block header, its item array and the
 * topic name share one allocation. Items point into a frame (uncompressed
 * data, shared by every batch of a response) or into the block's own
 * decompressed buffer. Counting is atomic because blocks are filled on the
 * I/O thread and drained by whichever thread frees the last message.
 */
#include "consumer/message.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "wire/batch.h"

consumer_frame *consumer_frame_wrap(uint8_t *data, size_t len) {
    consumer_frame *f = malloc(sizeof *f);
    if (!f) {
        free(data);
        return NULL;
    }
    atomic_init(&f->refs, 1);
    f->data = data;
    f->len = len;
    return f;
}

consumer_frame *consumer_frame_copy(const void *data, size_t len) {
    uint8_t *p = malloc(len ? len : 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, data, len);
    return consumer_frame_wrap(p, len);
}

void consumer_frame_ref(consumer_frame *f) {
    if (f)
        atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
}

void consumer_frame_unref(consumer_frame *f) {
    if (!f)
        return;
    if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) == 1) {
        free(f->data);
        free(f);
    }
}

#define POOL_MIN_SHIFT 10 /* 1 KiB */
#define POOL_MAX_SHIFT 24 /* 16 MiB */
#define POOL_CLASSES (POOL_MAX_SHIFT - POOL_MIN_SHIFT + 1)

typedef struct pool_free {
    struct pool_free *next;
} pool_free;

struct consumer_pool {
    atomic_uint refs; /* the owner's + one per block taken from it */
    pthread_mutex_t lock;
    size_t max_bytes;
    size_t cached;
    pool_free *free[POOL_CLASSES];
};

consumer_pool *consumer_pool_new(size_t max_bytes) {
    consumer_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    atomic_init(&p->refs, 1);
    pthread_mutex_init(&p->lock, NULL);
    p->max_bytes = max_bytes;
    return p;
}

static void pool_unref(consumer_pool *p) {
    if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (int k = 0; k < POOL_CLASSES; k++) {
        while (p->free[k]) {
            pool_free *f = p->free[k];
            p->free[k] = f->next;
            free(f);
        }
    }
    pthread_mutex_destroy(&p->lock);
    free(p);
}

void consumer_pool_release(consumer_pool *pool) {
    if (pool)
        pool_unref(pool);
}

/* Size class of n bytes (-1: too large to cache); *size gets the bytes to
 * allocate (the class size, or n itself). */
static int pool_class(size_t n, size_t *size) {
    int k = 0;
    size_t s = (size_t)1 << POOL_MIN_SHIFT;
    while (s < n && k < POOL_CLASSES) {
        s <<= 1;
        k++;
    }
    if (k >= POOL_CLASSES) {
        *size = n;
        return -1;
    }
    *size = s;
    return k;
}

static void *pool_get(consumer_pool *p, size_t n, size_t *size) {
    if (!p) {
        *size = n;
        return malloc(n);
    }
    int k = pool_class(n, size);
    pool_free *f = NULL;
    if (k >= 0) {
        /* A free block up to 8x larger beats fresh memory (buffers grown by
         * realloc come back in larger classes than they were asked in). */
        pthread_mutex_lock(&p->lock);
        for (int j = k; j < POOL_CLASSES && j <= k + 3 && !f; j++) {
            f = p->free[j];
            if (f) {
                p->free[j] = f->next;
                *size = (size_t)1 << (POOL_MIN_SHIFT + j);
                p->cached -= *size;
            }
        }
        pthread_mutex_unlock(&p->lock);
    }
    if (!f)
        f = malloc(*size);
    if (f)
        atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    return f;
}

static void pool_put(consumer_pool *p, void *mem, size_t size) {
    if (!p) {
        free(mem);
        return;
    }
    size_t cls_size;
    int k = pool_class(size, &cls_size);
    int kept = 0;
    if (k >= 0 && cls_size == size) {
        pthread_mutex_lock(&p->lock);
        if (p->cached + size <= p->max_bytes) {
            pool_free *f = mem;
            f->next = p->free[k];
            p->free[k] = f;
            p->cached += size;
            kept = 1;
        }
        pthread_mutex_unlock(&p->lock);
    }
    if (!kept)
        free(mem);
    pool_unref(p);
}

void *consumer_pool_alloc(consumer_pool *pool, size_t n, size_t *size) {
    return pool_get(pool, n, size);
}

void consumer_pool_free(consumer_pool *pool, void *mem, size_t size) {
    if (mem)
        pool_put(pool, mem, size);
}

consumer_block *consumer_block_new(consumer_pool *pool, const char *topic, int32_t partition,
                                   consumer_frame *frame, uint32_t cap) {
    if (cap == 0)
        cap = 1;
    size_t tlen = topic ? strlen(topic) : 0;
    size_t items = (size_t)cap * sizeof(consumer_item);
    if (items / sizeof(consumer_item) != cap)
        return NULL;
    size_t size;
    consumer_block *b = pool_get(pool, sizeof *b + items + tlen + 1, &size);
    if (!b)
        return NULL;
    atomic_init(&b->refs, 1);
    b->pool = pool;
    b->alloc_size = size;
    b->frame = frame;
    consumer_frame_ref(frame);
    b->owned = NULL;
    b->owned_size = 0;
    b->cap = cap;
    b->used = 0;
    b->partition = partition;
    b->topic = (char *)b->items + items;
    if (tlen)
        memcpy(b->topic, topic, tlen);
    b->topic[tlen] = '\0';
    return b;
}

static void block_unref(consumer_block *b) {
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) {
        consumer_frame_unref(b->frame);
        consumer_pool_free(b->pool, b->owned, b->owned_size);
        pool_put(b->pool, b, b->alloc_size);
    }
}

consumer_item *consumer_block_take(consumer_block *b) {
    if (b->used >= b->cap)
        return NULL;
    consumer_item *it = &b->items[b->used++];
    memset(it, 0, sizeof *it);
    it->offset = -1;
    it->last_offset = -1;
    it->block = b;
    /* Both public views start as "an event at offset -1 of this partition". */
    it->pub.msg.topic = b->topic;
    it->pub.msg.partition = b->partition;
    it->pub.msg.offset = -1;
    it->pub.msg.timestamp = -1;
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return it;
}

void consumer_block_release(consumer_block *b) {
    if (b)
        block_unref(b);
}

consumer_item *consumer_error_new(const char *topic, int32_t partition, int64_t offset,
                                  strand_err err) {
    consumer_block *b = consumer_block_new(NULL, topic, partition, NULL, 1);
    if (!b)
        return NULL;
    consumer_item *it = consumer_block_take(b);
    consumer_block_release(b);
    it->kind = CONSUMER_ITEM_ERROR;
    it->err = err;
    it->offset = offset;
    return it;
}

/* Record headers into one allocation: the array, then the NUL-terminated
 * keys (Kafka header keys are not terminated on the wire). */
static strand_err decode_headers(consumer_item *it) {
    size_t n = (size_t)it->header_count;
    size_t size = n * sizeof(strand_header) + (size_t)it->headers_len + n;
    strand_header *h = malloc(size);
    if (!h)
        return STRAND_ERR_NOMEM;
    char *keys = (char *)(h + n);
    batch_header_iter hi;
    batch_record rec = {0};
    rec.header_count = it->header_count;
    rec.headers_raw.ptr = it->headers_raw;
    rec.headers_raw.len = it->headers_len;
    batch_header_iter_init(&hi, &rec);
    batch_record_header bh;
    size_t i = 0;
    while (i < n && batch_header_iter_next(&hi, &bh) == 1) {
        memcpy(keys, bh.key.ptr, (size_t)bh.key.len);
        keys[bh.key.len] = '\0';
        h[i].key = keys;
        keys += bh.key.len + 1;
        h[i].value = bh.value.len >= 0 ? bh.value.ptr : NULL;
        h[i].value_len = bh.value.len >= 0 ? (size_t)bh.value.len : 0;
        i++;
    }
    it->hdrs = h;
    it->pub.msg.headers = h;
    it->pub.msg.header_count = i;
    return STRAND_OK;
}

strand_err consumer_item_publish(consumer_item *it, int as_batches) {
    consumer_block *b = it->block;
    if (it->kind == CONSUMER_ITEM_ERROR) {
        if (as_batches) {
            strand_batches *pb = &it->pub.batches;
            memset(pb, 0, sizeof *pb);
            pb->err = it->err;
            pb->topic = b->topic;
            pb->partition = b->partition;
            pb->base_offset = it->offset;
            pb->last_offset = -1;
            pb->high_watermark = -1;
        } else {
            strand_message *m = &it->pub.msg;
            memset(m, 0, sizeof *m);
            m->err = it->err;
            m->topic = b->topic;
            m->partition = b->partition;
            m->offset = it->offset;
            m->timestamp = -1;
        }
        return STRAND_OK;
    }
    if (it->kind == CONSUMER_ITEM_MESSAGE && it->header_count > 0 && !it->hdrs)
        return decode_headers(it);
    return STRAND_OK;
}

void consumer_item_free(consumer_item *it) {
    if (!it)
        return;
    free(it->hdrs);
    it->hdrs = NULL;
    block_unref(it->block);
}
