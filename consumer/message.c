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

#include <stdlib.h>
#include <string.h>

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

consumer_block *consumer_block_new(const char *topic, int32_t partition, consumer_frame *frame,
                                   uint32_t cap) {
    if (cap == 0)
        cap = 1;
    size_t tlen = topic ? strlen(topic) : 0;
    size_t items = (size_t)cap * sizeof(strand_message);
    if (items / sizeof(strand_message) != cap)
        return NULL;
    consumer_block *b = malloc(sizeof *b + items + tlen + 1);
    if (!b)
        return NULL;
    atomic_init(&b->refs, 1);
    b->frame = frame;
    consumer_frame_ref(frame);
    b->owned = NULL;
    b->cap = cap;
    b->used = 0;
    b->topic = (char *)b->items + items;
    if (tlen)
        memcpy(b->topic, topic, tlen);
    b->topic[tlen] = '\0';
    b->partition = partition;
    return b;
}

static void block_unref(consumer_block *b) {
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) {
        consumer_frame_unref(b->frame);
        free(b->owned);
        for (uint32_t i = 0; i < b->used; i++)
            free(b->items[i].errstr);
        free(b);
    }
}

strand_message *consumer_block_take(consumer_block *b) {
    if (b->used >= b->cap)
        return NULL;
    strand_message *m = &b->items[b->used++];
    memset(m, 0, sizeof *m);
    m->topic = b->topic;
    m->partition = b->partition;
    m->offset = -1;
    m->last_offset = -1;
    m->timestamp = -1;
    m->high_watermark = -1;
    m->key_len = -1;
    m->value_len = -1;
    m->block = b;
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return m;
}

void consumer_block_release(consumer_block *b) {
    if (b)
        block_unref(b);
}

strand_message *consumer_error_new(const char *topic, int32_t partition, int64_t offset, int err,
                                   const char *errstr) {
    consumer_block *b = consumer_block_new(topic, partition, NULL, 1);
    if (!b)
        return NULL;
    strand_message *m = consumer_block_take(b);
    consumer_block_release(b);
    m->kind = CONSUMER_ITEM_ERROR;
    m->err = err;
    m->offset = offset;
    m->errstr = errstr ? strdup(errstr) : NULL;
    return m;
}

void consumer_item_free(strand_message *m) {
    if (m)
        block_unref(m->block);
}
