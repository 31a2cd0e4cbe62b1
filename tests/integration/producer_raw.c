/*
 * producer_raw.c - strand_producer_send_batches against a real broker.
 *
 * Builds `calls` × `per_call` RecordBatch v2 batches (records "r<call>-<b>-<i>",
 * codec from -z) with wire/batch.h, sends each call's batches in one
 * send_batches call to one partition, and writes one canonical line per
 * record at the offset the report implies (base offset + index), in
 * rdk_client's format, so the test compares them with what librdkafka reads.
 * It also checks that malformed bytes are refused with STRAND_ERR_BAD_MSG.
 * Exit 0 when every call was reported stored, 1 otherwise, 2 usage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strand/strand.h"
#include "wire/batch.h"

typedef struct call_state {
    int reported;
    strand_err err;
    int64_t base_offset;
    int batch_count;
} call_state;

static void on_report(strand_producer *p, const strand_batches_report *r) {
    (void)p;
    call_state *cs = r->opaque;
    cs->reported++;
    cs->err = r->err;
    cs->base_offset = r->base_offset;
    cs->batch_count = r->batch_count;
}

static void put_hex(FILE *f, const char *s) {
    fputc('x', f);
    for (const unsigned char *b = (const unsigned char *)s; *b; b++)
        fprintf(f, "%02x", *b);
}

int main(int argc, char **argv) {
    const char *brokers = NULL, *topic = NULL, *out = NULL;
    int calls = 0, per_call = 2, records = 5, partition = 0, codec = BATCH_CODEC_NONE;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-b"))
            brokers = argv[i + 1];
        else if (!strcmp(argv[i], "-t"))
            topic = argv[i + 1];
        else if (!strcmp(argv[i], "-o"))
            out = argv[i + 1];
        else if (!strcmp(argv[i], "-n"))
            calls = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "-p"))
            partition = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "-z"))
            codec = !strcmp(argv[i + 1], "lz4") ? BATCH_CODEC_LZ4 : BATCH_CODEC_NONE;
        else
            return 2;
    }
    if (!brokers || !topic || !out || calls <= 0)
        return 2;
    char err[256];
    strand_conf *conf = strand_conf_new();
    if (strand_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) != STRAND_OK) {
        fprintf(stderr, "producer_raw: %s\n", err);
        return 2;
    }
    strand_producer *p = strand_producer_new(conf, err, sizeof err);
    if (!p) {
        fprintf(stderr, "producer_raw: %s\n", err);
        return 1;
    }
    call_state *cs = calloc((size_t)calls, sizeof *cs);
    wire_writer *bufs = calloc((size_t)calls, sizeof *bufs);
    int rc = 0;
    for (int c = 0; c < calls; c++) {
        wire_writer_init(&bufs[c]);
        for (int b = 0; b < per_call; b++) {
            batch_builder bb;
            batch_builder_init(&bb, codec);
            for (int i = 0; i < records; i++) {
                char v[64];
                snprintf(v, sizeof v, "r%d-%d-%d", c, b, i);
                wire_bytes val = {(const uint8_t *)v, (int32_t)strlen(v)};
                batch_builder_add(&bb, 1700000000000 + c, WIRE_BYTES_NULL, val, NULL, 0);
            }
            if (batch_builder_finish(&bb, &bufs[c]) != BATCH_OK)
                return 1;
            batch_builder_free(&bb);
        }
        strand_err e = strand_producer_send_batches(p, topic, partition, bufs[c].p, bufs[c].len,
                                                    on_report, &cs[c]);
        if (e != STRAND_OK) {
            fprintf(stderr, "producer_raw: call %d: %s\n", c, strand_err_str(e));
            return 1;
        }
    }
    /* Refused without a report: a truncated batch and a flipped CRC byte. */
    if (strand_producer_send_batches(p, topic, partition, bufs[0].p, bufs[0].len - 1, on_report,
                                     &cs[0]) != STRAND_ERR_BAD_MSG) {
        fprintf(stderr, "producer_raw: truncated batch not refused\n");
        rc = 1;
    }
    bufs[0].p[BATCH_HEADER_SIZE + 2] ^= 0x55;
    if (strand_producer_send_batches(p, topic, partition, bufs[0].p, bufs[0].len, on_report,
                                     &cs[0]) != STRAND_ERR_BAD_MSG) {
        fprintf(stderr, "producer_raw: corrupt batch not refused\n");
        rc = 1;
    }
    if (strand_producer_flush(p, 60000) != STRAND_OK) {
        fprintf(stderr, "producer_raw: flush timed out\n");
        rc = 1;
    }
    strand_producer_close(p);
    FILE *f = fopen(out, "w");
    if (!f)
        return 1;
    for (int c = 0; c < calls; c++) {
        if (cs[c].reported != 1 || cs[c].err != STRAND_OK || cs[c].batch_count != per_call) {
            fprintf(stderr, "producer_raw: call %d: %d reports, %s, %d batches\n", c,
                    cs[c].reported, strand_err_str(cs[c].err), cs[c].batch_count);
            rc = 1;
            continue;
        }
        int64_t off = cs[c].base_offset;
        for (int b = 0; b < per_call; b++)
            for (int i = 0; i < records; i++) {
                char v[64];
                snprintf(v, sizeof v, "r%d-%d-%d", c, b, i);
                fprintf(f, "%d %" PRId64 " N ", partition, off++);
                put_hex(f, v);
                fputs(" -\n", f);
            }
        wire_writer_free(&bufs[c]);
    }
    fclose(f);
    free(bufs);
    free(cs);
    return rc;
}
