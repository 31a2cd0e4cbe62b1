/*
 * consumer_itest.c - the libstrand consumer against a real strand-broker.
 *
 * Two modes, driven by tests/integration/test_consumer_*.sh:
 *
 *   read   Assign every partition of a topic at a start position and write
 *          each record in rdk_client's canonical form
 *          (PARTITION OFFSET KEY VALUE HEADERS) so the script can compare
 *          byte for byte with what kcat / librdkafka wrote. Offsets must
 *          increase within a partition and position() must agree with the
 *          last record read. --raw reads through poll_batches instead and
 *          decodes the batches itself (wire/batch.h), which checks that the
 *          raw API hands out whole, valid batches.
 *
 *   scenarios
 *          Positions and fetch behaviour on a 1-partition topic, with
 *          librdkafka producing the records (explicit timestamps): start at
 *          end / an offset / a timestamp, seek, pause/resume, long-poll
 *          wake-up latency at the log end, OFFSET_OUT_OF_RANGE under
 *          auto.offset.reset earliest, latest and none, partition EOF.
 *
 * Exit status 0 on success, 1 on a failed check (reason on stderr), 2 usage.
 */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strand/strand.h"
#include "wire/batch.h"

#define FAILF(...)                                                                                 \
    do {                                                                                           \
        fprintf(stderr, "consumer_itest: " __VA_ARGS__);                                           \
        fputc('\n', stderr);                                                                       \
        exit(1);                                                                                   \
    } while (0)

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *g_broker = "127.0.0.1:9092";

/* A consumer with extra "key=value" settings (NULL-terminated list). */
static strand_consumer *consumer_open(const char *const *kv) {
    strand_conf *conf = strand_conf_new();
    char err[512];
    if (!conf)
        FAILF("strand_conf_new");
    if (strand_conf_set(conf, "bootstrap.servers", g_broker, err, sizeof err) != STRAND_OK)
        FAILF("%s", err);
    for (size_t i = 0; kv && kv[i]; i++) {
        char key[128];
        const char *eq = strchr(kv[i], '=');
        if (!eq || (size_t)(eq - kv[i]) >= sizeof key)
            FAILF("bad setting %s", kv[i]);
        memcpy(key, kv[i], (size_t)(eq - kv[i]));
        key[eq - kv[i]] = '\0';
        if (strand_conf_set(conf, key, eq + 1, err, sizeof err) != STRAND_OK)
            FAILF("%s", err);
    }
    strand_consumer *c = strand_consumer_new(conf, err, sizeof err);
    if (!c)
        FAILF("strand_consumer_new: %s", err);
    return c;
}

static void put_bytes(FILE *f, const void *p, size_t len, int is_null) {
    if (is_null) {
        fputc('N', f);
        return;
    }
    fputc('x', f);
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%02x", ((const unsigned char *)p)[i]);
}

/* One consumed message as a line: "partition offset key value headers\n"
 * (bytes as put_bytes writes them, headers k=v comma-separated or "-"). */
static void put_message(FILE *f, const strand_message *m) {
    fprintf(f, "%d %" PRId64 " ", m->partition, m->offset);
    put_bytes(f, m->key, m->key_len, m->key == NULL);
    fputc(' ', f);
    put_bytes(f, m->value, m->value_len, m->value == NULL);
    fputc(' ', f);
    if (m->header_count == 0)
        fputc('-', f);
    for (size_t k = 0; k < m->header_count; k++) {
        fprintf(f, "%s%s=", k ? "," : "", m->headers[k].key);
        put_bytes(f, m->headers[k].value, m->headers[k].value_len, m->headers[k].value == NULL);
    }
    fputc('\n', f);
}

/* ---- read ------------------------------------------------------------ */

typedef struct read_opts {
    const char *topic;
    int partitions;
    const char *start; /* beginning | end | N | s@TS */
    long long expect;
    int timeout_ms;
    int raw;
    int threads;      /* > 1: run_read_threads */
    long long notify; /* print "READ <n>" on stdout once n records are read */
    int expect_codec; /* raw: fail unless a batch used it (-1: no check) */
    const char *out;
    const char *settings[16];
    int nsettings;
} read_opts;

static void tp_start(strand_topic_partition *tp, const char *start) {
    tp->timestamp = 0;
    if (strcmp(start, "beginning") == 0)
        tp->offset = STRAND_OFFSET_BEGINNING;
    else if (strcmp(start, "end") == 0)
        tp->offset = STRAND_OFFSET_END;
    else if (strncmp(start, "s@", 2) == 0) {
        tp->offset = STRAND_OFFSET_TIMESTAMP;
        tp->timestamp = atoll(start + 2);
    } else
        tp->offset = atoll(start);
}

static void check_order(int64_t *last, int32_t partition, int partitions, int64_t offset) {
    if (partition < 0 || partition >= partitions)
        FAILF("record from unassigned partition %d", partition);
    if (offset <= last[partition])
        FAILF("partition %d: offset %" PRId64 " after %" PRId64, partition, offset,
              last[partition]);
    last[partition] = offset;
}

static unsigned g_codecs_seen; /* bit per batch codec met in raw mode */

/* Decode raw batches as the mirror would, writing records >= want[p]. */
static long long write_raw(FILE *f, const strand_batches *b, int64_t *want, int64_t *last,
                           int partitions) {
    long long n = 0;
    batch_iter it;
    batch_iter_init(&it, b->bytes, b->len);
    batch_header h;
    const uint8_t *batch;
    size_t size;
    int rc;
    int64_t first_base = -1, last_off = -1;
    while ((rc = batch_iter_next(&it, &h, &batch, &size)) == 1) {
        g_codecs_seen |= 1u << batch_codec_of(&h);
        batch_header vh;
        if (batch_validate(batch, size, 0, 0, &vh) != BATCH_OK)
            FAILF("raw batch at %" PRId64 " does not validate", h.base_offset);
        if (first_base < 0)
            first_base = h.base_offset;
        last_off = batch_last_offset(&h);
        if (h.attributes & BATCH_ATTR_CONTROL)
            continue;
        batch_reader br;
        batch_record rec;
        int r = batch_reader_open(&br, batch, size, 0);
        while (r == BATCH_OK) {
            if ((r = batch_reader_next(&br, &rec)) != 1)
                break;
            r = BATCH_OK;
            if (rec.offset < want[b->partition])
                continue;
            check_order(last, b->partition, partitions, rec.offset);
            fprintf(f, "%d %" PRId64 " ", b->partition, rec.offset);
            put_bytes(f, rec.key.ptr, rec.key.len > 0 ? (size_t)rec.key.len : 0, rec.key.len < 0);
            fputc(' ', f);
            put_bytes(f, rec.value.ptr, rec.value.len > 0 ? (size_t)rec.value.len : 0,
                      rec.value.len < 0);
            fputc(' ', f);
            if (rec.header_count == 0)
                fputc('-', f);
            batch_header_iter hi;
            batch_header_iter_init(&hi, &rec);
            batch_record_header hh;
            for (int k = 0; batch_header_iter_next(&hi, &hh) == 1; k++) {
                fprintf(f, "%s%.*s=", k ? "," : "", (int)hh.key.len, (const char *)hh.key.ptr);
                put_bytes(f, hh.value.ptr, hh.value.len > 0 ? (size_t)hh.value.len : 0,
                          hh.value.len < 0);
            }
            fputc('\n', f);
            n++;
        }
        batch_reader_close(&br);
        if (r != 0)
            FAILF("raw batch at %" PRId64 ": records do not parse (%d)", h.base_offset, r);
    }
    if (rc < 0 || it.partial)
        FAILF("raw data of partition %d is not whole batches", b->partition);
    if (first_base != b->base_offset || last_off != b->last_offset)
        FAILF("raw batches say %" PRId64 "..%" PRId64 ", contain %" PRId64 "..%" PRId64,
              b->base_offset, b->last_offset, first_base, last_off);
    if (b->last_offset + 1 > want[b->partition])
        want[b->partition] = b->last_offset + 1;
    return n;
}

static int run_read(const read_opts *o) {
    FILE *f = o->out ? fopen(o->out, "w") : stdout;
    if (!f)
        FAILF("cannot open %s", o->out);
    const char *kv[17];
    for (int i = 0; i < o->nsettings; i++)
        kv[i] = o->settings[i];
    kv[o->nsettings] = NULL;
    strand_consumer *c = consumer_open(kv);
    strand_topic_partition tps[256];
    int64_t last[256], want[256];
    if (o->partitions <= 0 || o->partitions > 256)
        FAILF("bad partition count");
    for (int p = 0; p < o->partitions; p++) {
        tps[p].topic = o->topic;
        tps[p].partition = p;
        tp_start(&tps[p], o->start);
        last[p] = -1;
        want[p] = tps[p].offset >= 0 ? tps[p].offset : 0;
    }
    if (strand_consumer_assign(c, tps, (size_t)o->partitions) != STRAND_OK)
        FAILF("assign failed");
    long long n = 0;
    int64_t deadline = mono_ms() + o->timeout_ms;
    while (n < o->expect && mono_ms() < deadline) {
        if (o->raw) {
            strand_batches *b = strand_consumer_poll_batches(c, 200);
            if (!b)
                continue;
            if (b->err != STRAND_OK && b->err != STRAND_ERR_PARTITION_EOF)
                FAILF("poll_batches error on partition %d: %s", b->partition,
                      strand_err_str(b->err));
            if (b->err == STRAND_OK)
                n += write_raw(f, b, want, last, o->partitions);
            strand_batches_free(b);
            continue;
        }
        strand_message *m = strand_consumer_poll(c, 200);
        if (!m)
            continue;
        if (m->err != STRAND_OK && m->err != STRAND_ERR_PARTITION_EOF)
            FAILF("poll error on %s [%d]: %s", m->topic, m->partition, strand_err_str(m->err));
        if (m->err == STRAND_OK) {
            check_order(last, m->partition, o->partitions, m->offset);
            put_message(f, m);
            n++;
            if (o->notify > 0 && n == o->notify) {
                fflush(f);
                printf("READ %lld\n", n);
                fflush(stdout);
            }
        }
        strand_message_free(m);
    }
    if (n < o->expect)
        FAILF("read %lld of %lld records before the timeout", n, o->expect);
    /* Nothing more than expected arrives, and position() agrees. */
    if (!o->raw) {
        strand_message *m = strand_consumer_poll(c, 300);
        if (m && m->err == STRAND_OK)
            FAILF("an extra record arrived: partition %d offset %" PRId64, m->partition, m->offset);
        strand_message_free(m);
    }
    for (int p = 0; p < o->partitions; p++) {
        int64_t pos;
        if (strand_consumer_position(c, o->topic, p, &pos) != STRAND_OK)
            FAILF("position failed");
        if (last[p] >= 0 && pos != last[p] + 1)
            FAILF("partition %d: position %" PRId64 " after reading offset %" PRId64, p, pos,
                  last[p]);
    }
    strand_consumer_close(c);
    if (f != stdout)
        fclose(f);
    if (o->raw && o->expect_codec >= 0 && !(g_codecs_seen & (1u << o->expect_codec)))
        FAILF("no batch was compressed with %s (codecs seen: mask 0x%x)",
              batch_codec_name(o->expect_codec), g_codecs_seen);
    fprintf(stderr, "consumer_itest: read %lld records\n", n);
    return 0;
}

/* ---- scenarios ------------------------------------------------------- */

static rd_kafka_t *g_rk;
static const char *g_topic;
static int64_t g_ts0;

static void rk_open(void) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", g_broker, err, sizeof err) ||
        rd_kafka_conf_set(conf, "linger.ms", "0", err, sizeof err))
        FAILF("%s", err);
    g_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!g_rk)
        FAILF("rd_kafka_new: %s", err);
}

/* Produce "v<seq>" with key "k<seq>" at timestamp ts and wait for the ack. */
static void produce_one(long seq, int64_t ts) {
    char key[32], val[32];
    snprintf(key, sizeof key, "k%ld", seq);
    snprintf(val, sizeof val, "v%ld", seq);
    rd_kafka_resp_err_t e = rd_kafka_producev(
        g_rk, RD_KAFKA_V_TOPIC(g_topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_KEY(key, strlen(key)),
        RD_KAFKA_V_VALUE(val, strlen(val)), RD_KAFKA_V_TIMESTAMP(ts),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (e)
        FAILF("producev: %s", rd_kafka_err2str(e));
    if (rd_kafka_flush(g_rk, 20000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        FAILF("librdkafka flush timed out");
}

/* Next record (skipping EOF events), failing on errors or after timeout. */
static strand_message *next_record(strand_consumer *c, int timeout_ms) {
    int64_t deadline = mono_ms() + timeout_ms;
    for (;;) {
        int left = (int)(deadline - mono_ms());
        if (left <= 0)
            return NULL;
        strand_message *m = strand_consumer_poll(c, left);
        if (!m)
            return NULL;
        if (m->err == STRAND_OK)
            return m;
        if (m->err != STRAND_ERR_PARTITION_EOF)
            FAILF("unexpected error event: %s", strand_err_str(m->err));
        strand_message_free(m);
    }
}

static void expect_record(strand_consumer *c, int64_t offset, const char *what) {
    strand_message *m = next_record(c, 10000);
    if (!m)
        FAILF("%s: no record (wanted offset %" PRId64 ")", what, offset);
    char val[32];
    snprintf(val, sizeof val, "v%" PRId64, offset);
    if (m->offset != offset || m->value_len != strlen(val) || memcmp(m->value, val, m->value_len))
        FAILF("%s: got offset %" PRId64 " (%.*s), wanted %" PRId64 " (%s)", what, m->offset,
              (int)m->value_len, (const char *)m->value, offset, val);
    if (m->timestamp != g_ts0 + offset * 1000)
        FAILF("%s: timestamp %" PRId64 ", wanted %" PRId64, what, m->timestamp,
              g_ts0 + offset * 1000);
    strand_message_free(m);
}

/* Wait until the position is resolved to an absolute offset. */
static int64_t wait_position(strand_consumer *c, const char *what) {
    int64_t deadline = mono_ms() + 10000, pos = STRAND_OFFSET_INVALID;
    while (mono_ms() < deadline) {
        if (strand_consumer_position(c, g_topic, 0, &pos) != STRAND_OK)
            FAILF("%s: position failed", what);
        if (pos >= 0)
            return pos;
        strand_message *m = strand_consumer_poll(c, 20);
        if (m && m->err == STRAND_OK) {
            /* Resolved and fetched within one poll: the first record is
             * where the position was resolved to. */
            pos = m->offset;
            strand_message_free(m);
            return pos;
        }
        if (m && m->err != STRAND_ERR_PARTITION_EOF)
            FAILF("%s: error %s", what, strand_err_str(m->err));
        strand_message_free(m);
    }
    FAILF("%s: position did not resolve (%" PRId64 ")", what, pos);
}

static strand_consumer *assign_at(const char *const *kv, int64_t offset, int64_t ts) {
    strand_consumer *c = consumer_open(kv);
    strand_topic_partition tp = {g_topic, 0, offset, ts};
    if (strand_consumer_assign(c, &tp, 1) != STRAND_OK)
        FAILF("assign at %" PRId64 " failed", offset);
    return c;
}

static int run_scenarios(int wait_ms) {
    rk_open();
    g_ts0 = (int64_t)time(NULL) * 1000 - 3600 * 1000; /* an hour ago, 1 s apart */
    const long N = 10;
    int64_t tp0 = mono_ms();
    for (long i = 0; i < N; i++)
        produce_one(i, g_ts0 + i * 1000);
    fprintf(stderr, "consumer_itest: %ld records produced by librdkafka in %" PRId64 " ms\n", N,
            mono_ms() - tp0);
    char wait_kv[64];
    snprintf(wait_kv, sizeof wait_kv, "fetch.max.wait.ms=%d", wait_ms);
    const char *plain[] = {wait_kv, NULL};

    /* Absolute offset. */
    strand_consumer *c = assign_at(plain, 5, 0);
    for (int64_t o = 5; o < N; o++)
        expect_record(c, o, "start at offset 5");
    /* Seek back, and position follows. */
    strand_topic_partition tp = {g_topic, 0, 2, 0};
    if (strand_consumer_seek(c, &tp) != STRAND_OK)
        FAILF("seek failed");
    expect_record(c, 2, "after seek to 2");
    int64_t pos;
    strand_consumer_position(c, g_topic, 0, &pos);
    if (pos != 3)
        FAILF("position %" PRId64 " after reading offset 2", pos);
    tp.offset = STRAND_OFFSET_BEGINNING;
    strand_consumer_seek(c, &tp);
    expect_record(c, 0, "after seek to beginning");
    /* Reassigning the same partition restarts it: prefetched records
     * (offsets 1.. are queued by now) are dropped, not delivered. */
    strand_topic_partition re = {g_topic, 0, 6, 0};
    if (strand_consumer_assign(c, &re, 1) != STRAND_OK)
        FAILF("reassign failed");
    expect_record(c, 6, "after reassigning at 6");
    re.offset = 0;
    if (strand_consumer_assign(c, &re, 1) != STRAND_OK)
        FAILF("reassign failed");
    expect_record(c, 0, "after reassigning at 0");
    /* A message outlives its consumer: values point into shared buffers
     * that the message keeps alive (ASan builds check the access). */
    strand_message *held = next_record(c, 10000);
    if (!held || held->offset != 1)
        FAILF("no record at offset 1 to hold");
    strand_consumer_close(c);
    if (held->value_len != 2 || memcmp(held->value, "v1", 2) != 0 || held->key_len != 2 ||
        memcmp(held->key, "k1", 2) != 0 || strcmp(held->topic, g_topic) != 0)
        FAILF("a message held across close changed");
    strand_message_free(held);
    fprintf(stderr, "consumer_itest: offset start, seek: ok\n");

    /* Timestamps: the first record at or after ts; none -> the end. */
    c = assign_at(plain, STRAND_OFFSET_TIMESTAMP, g_ts0 + 3500);
    expect_record(c, 4, "start at timestamp ts0+3.5s");
    strand_consumer_close(c);
    c = assign_at(plain, STRAND_OFFSET_TIMESTAMP, g_ts0 + 3000);
    expect_record(c, 3, "start at timestamp ts0+3s (exact)");
    strand_consumer_close(c);
    c = assign_at(plain, STRAND_OFFSET_TIMESTAMP, g_ts0 + 3600 * 1000 * 10);
    if ((pos = wait_position(c, "timestamp after every record")) != N)
        FAILF("timestamp after every record: position %" PRId64 ", wanted %ld", pos, N);
    strand_consumer_close(c);
    fprintf(stderr, "consumer_itest: timestamp start: ok\n");

    /* End + long poll: a record produced later arrives well within the wait. */
    c = assign_at(plain, STRAND_OFFSET_END, 0);
    if ((pos = wait_position(c, "start at end")) != N)
        FAILF("start at end: position %" PRId64 ", wanted %ld", pos, N);
    strand_message *m = strand_consumer_poll(c, 300); /* let a fetch park at the end */
    if (m && m->err == STRAND_OK)
        FAILF("a record arrived at the log end before any was produced");
    strand_message_free(m);
    int64_t t0 = mono_ms();
    produce_one(N, g_ts0 + N * 1000);
    int64_t t_acked = mono_ms();
    expect_record(c, N, "start at end, produced later");
    int64_t lat = mono_ms() - t0;
    printf("longpoll_latency_ms %" PRId64 " (produce ack after %" PRId64
           " ms, fetch.max.wait.ms %d)\n",
           lat, t_acked - t0, wait_ms);
    if (lat >= wait_ms)
        FAILF("record at the log end took %" PRId64 " ms (fetch.max.wait.ms %d): the long poll "
              "was not answered by the append",
              lat, wait_ms);
    /* Pause: nothing is delivered; resume: it comes. */
    strand_consumer_pause(c, g_topic, 0);
    produce_one(N + 1, g_ts0 + (N + 1) * 1000);
    m = strand_consumer_poll(c, 700);
    if (m)
        FAILF("paused partition delivered offset %" PRId64, m->offset);
    strand_consumer_resume(c, g_topic, 0);
    expect_record(c, N + 1, "after resume");
    strand_consumer_close(c);
    fprintf(stderr, "consumer_itest: end start, long poll, pause/resume: ok\n");
    const int64_t end = N + 2;

    /* OFFSET_OUT_OF_RANGE under each auto.offset.reset. */
    const char *earliest[] = {wait_kv, "auto.offset.reset=earliest", NULL};
    c = assign_at(earliest, end + 1000, 0);
    expect_record(c, 0, "out of range, reset earliest");
    strand_consumer_close(c);

    const char *latest[] = {wait_kv, "auto.offset.reset=latest", NULL};
    c = assign_at(latest, end + 1000, 0);
    int64_t deadline = mono_ms() + 10000;
    pos = -1;
    while (mono_ms() < deadline && pos != end) {
        m = strand_consumer_poll(c, 50);
        if (m)
            FAILF("out of range, reset latest: unexpected %s at %" PRId64,
                  m->err ? strand_err_str(m->err) : "record", m->offset);
        strand_consumer_position(c, g_topic, 0, &pos);
    }
    if (pos != end)
        FAILF("out of range, reset latest: position %" PRId64 ", wanted %" PRId64, pos, end);
    produce_one(end, g_ts0 + end * 1000);
    expect_record(c, end, "out of range, reset latest, then produced");
    strand_consumer_close(c);

    const char *none[] = {wait_kv, "auto.offset.reset=none", NULL};
    c = assign_at(none, end + 1000, 0);
    m = strand_consumer_poll(c, 10000);
    if (!m || m->err != STRAND_ERR_OFFSET_OUT_OF_RANGE)
        FAILF("out of range, reset none: wanted OFFSET_OUT_OF_RANGE, got %s",
              m ? strand_err_str(m->err) : "nothing");
    if (m->offset != end + 1000 || strcmp(m->topic, g_topic) != 0 || m->partition != 0)
        FAILF("out of range event names %s [%d] at %" PRId64, m->topic, m->partition, m->offset);
    strand_message_free(m);
    /* After the error the partition waits for a seek. */
    tp.offset = end;
    strand_consumer_seek(c, &tp);
    expect_record(c, end, "seek after OFFSET_OUT_OF_RANGE");
    strand_consumer_close(c);
    fprintf(stderr, "consumer_itest: OFFSET_OUT_OF_RANGE earliest/latest/none: ok\n");

    /* Partition EOF, once per arrival at the end. */
    const char *eof[] = {wait_kv, "enable.partition.eof=true", NULL};
    c = assign_at(eof, end - 1, 0);
    expect_record(c, end - 1, "eof test");
    expect_record(c, end, "eof test");
    m = strand_consumer_poll(c, 10000);
    if (!m || m->err != STRAND_ERR_PARTITION_EOF || m->offset != end + 1)
        FAILF("wanted PARTITION_EOF at %" PRId64 ", got %s", end + 1,
              m ? strand_err_str(m->err) : "nothing");
    strand_message_free(m);
    m = strand_consumer_poll(c, 300);
    if (m)
        FAILF("a second event at the same end: %s", strand_err_str(m->err));
    strand_consumer_close(c);
    fprintf(stderr, "consumer_itest: partition EOF: ok\n");

    /* A partition the topic does not have: reported once through poll. */
    c = consumer_open(plain);
    strand_topic_partition bad = {g_topic, 7, STRAND_OFFSET_BEGINNING, 0};
    if (strand_consumer_assign(c, &bad, 1) != STRAND_OK)
        FAILF("assign of partition 7 failed");
    m = strand_consumer_poll(c, 10000);
    if (!m || m->err != STRAND_ERR_UNKNOWN_PARTITION || m->partition != 7)
        FAILF("partition 7 of a 1-partition topic: wanted UNKNOWN_PARTITION, got %s",
              m ? strand_err_str(m->err) : "nothing");
    strand_message_free(m);
    m = strand_consumer_poll(c, 500);
    if (m)
        FAILF("UNKNOWN_PARTITION reported twice (%s)", strand_err_str(m->err));
    if (strand_consumer_seek(c, &tp) != STRAND_ERR_STATE)
        FAILF("seek of an unassigned partition must be STRAND_ERR_STATE");
    strand_consumer_close(c);
    fprintf(stderr, "consumer_itest: unknown partition: ok\n");

    rd_kafka_destroy(g_rk);
    return 0;
}

/* ---- read from several threads ----------------------------------------- */

/* --threads N: N threads poll one consumer concurrently while another
 * pauses and resumes partitions; every record must still arrive exactly
 * once (the script compares the sorted output). Order within a partition
 * is not checked here: threads race to print. */
typedef struct thread_ctx {
    strand_consumer *c;
    FILE *f;
    pthread_mutex_t lock;
    long long n, expect;
    int partitions;
    const char *topic;
    int64_t deadline;
    int done;
} thread_ctx;

static void *poll_thread(void *arg) {
    thread_ctx *t = arg;
    char line[4096];
    for (;;) {
        pthread_mutex_lock(&t->lock);
        int stop = t->done || t->n >= t->expect || mono_ms() >= t->deadline;
        pthread_mutex_unlock(&t->lock);
        if (stop)
            break;
        strand_message *m = strand_consumer_poll(t->c, 50);
        if (!m)
            continue;
        if (m->err != STRAND_OK && m->err != STRAND_ERR_PARTITION_EOF)
            FAILF("poll error: %s", strand_err_str(m->err));
        if (m->err == STRAND_OK) {
            FILE *mf = fmemopen(line, sizeof line, "w");
            put_message(mf, m);
            fputc('\0', mf);
            fclose(mf);
            pthread_mutex_lock(&t->lock);
            fputs(line, t->f);
            t->n++;
            pthread_mutex_unlock(&t->lock);
        }
        strand_message_free(m);
    }
    return NULL;
}

static void *pause_thread(void *arg) {
    thread_ctx *t = arg;
    unsigned seed = 7;
    for (;;) {
        pthread_mutex_lock(&t->lock);
        int stop = t->done || t->n >= t->expect || mono_ms() >= t->deadline;
        pthread_mutex_unlock(&t->lock);
        if (stop)
            break;
        int p = (int)(rand_r(&seed) % (unsigned)t->partitions);
        strand_consumer_pause(t->c, t->topic, p);
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL); /* pacing only; correctness does not depend on it */
        strand_consumer_resume(t->c, t->topic, p);
        int64_t pos;
        strand_consumer_position(t->c, t->topic, p, &pos);
    }
    return NULL;
}

static int run_read_threads(const read_opts *o, int nthreads) {
    thread_ctx t = {0};
    t.f = o->out ? fopen(o->out, "w") : stdout;
    if (!t.f)
        FAILF("cannot open %s", o->out);
    const char *kv[17];
    for (int i = 0; i < o->nsettings; i++)
        kv[i] = o->settings[i];
    kv[o->nsettings] = NULL;
    t.c = consumer_open(kv);
    strand_topic_partition tps[256];
    if (o->partitions <= 0 || o->partitions > 256 || nthreads < 1 || nthreads > 32)
        FAILF("bad partition or thread count");
    for (int p = 0; p < o->partitions; p++) {
        tps[p].topic = o->topic;
        tps[p].partition = p;
        tp_start(&tps[p], o->start);
    }
    if (strand_consumer_assign(t.c, tps, (size_t)o->partitions) != STRAND_OK)
        FAILF("assign failed");
    pthread_mutex_init(&t.lock, NULL);
    t.expect = o->expect;
    t.partitions = o->partitions;
    t.topic = o->topic;
    t.deadline = mono_ms() + o->timeout_ms;
    pthread_t th[33];
    for (int i = 0; i < nthreads; i++)
        pthread_create(&th[i], NULL, poll_thread, &t);
    pthread_create(&th[nthreads], NULL, pause_thread, &t);
    for (int i = 0; i <= nthreads; i++)
        pthread_join(th[i], NULL);
    if (t.n < t.expect)
        FAILF("read %lld of %lld records before the timeout", t.n, t.expect);
    strand_message *m = strand_consumer_poll(t.c, 300);
    if (m && m->err == STRAND_OK)
        FAILF("an extra record arrived: partition %d offset %" PRId64, m->partition, m->offset);
    strand_message_free(m);
    strand_consumer_close(t.c);
    if (t.f != stdout)
        fclose(t.f);
    pthread_mutex_destroy(&t.lock);
    fprintf(stderr, "consumer_itest: read %lld records with %d threads\n", t.n, nthreads);
    return 0;
}

/* ---- perf ------------------------------------------------------------- */

/* Read every partition from the beginning to its end (partition EOF) and
 * print the rate in rdk_perf's format, for comparison with librdkafka. */
static int run_perf(const read_opts *o) {
    const char *kv[18];
    int n = 0;
    for (int i = 0; i < o->nsettings; i++)
        kv[n++] = o->settings[i];
    kv[n++] = "enable.partition.eof=true";
    kv[n] = NULL;
    strand_consumer *c = consumer_open(kv);
    strand_topic_partition tps[256];
    if (o->partitions <= 0 || o->partitions > 256)
        FAILF("bad partition count");
    for (int p = 0; p < o->partitions; p++) {
        tps[p].topic = o->topic;
        tps[p].partition = p;
        tps[p].offset = STRAND_OFFSET_BEGINNING;
        tps[p].timestamp = 0;
    }
    double t0 = (double)mono_ms();
    if (strand_consumer_assign(c, tps, (size_t)o->partitions) != STRAND_OK)
        FAILF("assign failed");
    long long msgs = 0, bytes = 0;
    int eofs = 0;
    int64_t deadline = mono_ms() + o->timeout_ms;
    while ((eofs < o->partitions || msgs < o->expect) && mono_ms() < deadline) {
        strand_message *m = strand_consumer_poll(c, 100);
        if (!m)
            continue;
        if (m->err == STRAND_OK) {
            msgs++;
            bytes += (long long)m->value_len;
        } else if (m->err == STRAND_ERR_PARTITION_EOF) {
            eofs++;
        } else {
            FAILF("poll error: %s", strand_err_str(m->err));
        }
        strand_message_free(m);
    }
    double secs = ((double)mono_ms() - t0) / 1000.0;
    strand_consumer_close(c);
    printf("consume msgs=%lld bytes=%lld seconds=%.3f msgs_per_s=%.0f MB_per_s=%.1f\n", msgs, bytes,
           secs, (double)msgs / secs, (double)bytes / 1e6 / secs);
    return msgs >= o->expect ? 0 : 1;
}

/* ---- retention ------------------------------------------------------ */

/* The log start of partition 0, looked up by a fresh consumer. */
static int64_t log_start(void) {
    strand_consumer *c = assign_at(NULL, STRAND_OFFSET_BEGINNING, 0);
    int64_t pos = wait_position(c, "log start");
    strand_consumer_close(c);
    return pos;
}

/* On a topic with tiny segments and retention (set up by the script):
 * produce until retention has moved the log start, then start below it
 * with auto.offset.reset earliest (first record = the new log start) and
 * latest (position = the end). */
static int run_retention(void) {
    rk_open();
    g_ts0 = (int64_t)time(NULL) * 1000;
    int64_t start = 0, end = 0;
    int64_t deadline = mono_ms() + 30000;
    while ((start = log_start()) == 0 && mono_ms() < deadline) {
        for (int i = 0; i < 20; i++, end++)
            produce_one(end, g_ts0 + end * 1000);
    }
    if (start <= 0)
        FAILF("retention did not move the log start (end %" PRId64 ")", end);
    fprintf(stderr, "consumer_itest: log start moved to %" PRId64 " (end %" PRId64 ")\n", start,
            end);
    const char *earliest[] = {"auto.offset.reset=earliest", NULL};
    strand_consumer *c = assign_at(earliest, 0, 0);
    strand_message *m = next_record(c, 10000);
    if (!m || m->offset < start || m->offset >= end)
        FAILF("offset 0 below log start %" PRId64 ", reset earliest: got %" PRId64, start,
              m ? m->offset : -1);
    char val[32];
    snprintf(val, sizeof val, "v%" PRId64, m->offset);
    if (m->value_len != strlen(val) || memcmp(m->value, val, m->value_len) != 0)
        FAILF("record at %" PRId64 " has the wrong value", m->offset);
    fprintf(stderr, "consumer_itest: reset earliest from 0 -> %" PRId64 "\n", m->offset);
    strand_message_free(m);
    strand_consumer_close(c);

    const char *latest[] = {"auto.offset.reset=latest", NULL};
    c = assign_at(latest, 0, 0);
    int64_t pos = -1;
    deadline = mono_ms() + 10000;
    while (pos != end && mono_ms() < deadline) {
        m = strand_consumer_poll(c, 50);
        if (m)
            FAILF("reset latest: unexpected %s at %" PRId64,
                  m->err ? strand_err_str(m->err) : "record", m->offset);
        strand_consumer_position(c, g_topic, 0, &pos);
    }
    if (pos != end)
        FAILF("offset 0 below log start, reset latest: position %" PRId64 ", wanted %" PRId64, pos,
              end);
    strand_consumer_close(c);
    rd_kafka_destroy(g_rk);
    return 0;
}

static int usage(void) {
    fprintf(stderr, "usage: consumer_itest read -b BROKER -t TOPIC -P PARTITIONS [-s START]\n"
                    "                      [-e EXPECTED] [-T TIMEOUT_MS] [-o OUT] [--raw]\n"
                    "                      [-X key=value]... [--expect-codec CODEC] [--threads N]\n"
                    "                      [--notify N]\n"
                    "       consumer_itest perf -b BROKER -t TOPIC -P PARTITIONS [-e EXPECTED]\n"
                    "       consumer_itest retention -b BROKER -t TOPIC\n"
                    "       consumer_itest scenarios -b BROKER -t TOPIC [-w FETCH_WAIT_MS]\n"
                    "START: beginning | end | OFFSET | s@TIMESTAMP_MS\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return usage();
    read_opts o = {0};
    o.start = "beginning";
    o.expect_codec = -1;
    o.timeout_ms = 60000;
    int wait_ms = 5000;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (strcmp(a, name) == 0 && v && (i++, 1))
        if (OPT("-b"))
            g_broker = v;
        else if (OPT("-t"))
            o.topic = v;
        else if (OPT("-P"))
            o.partitions = atoi(v);
        else if (OPT("-s"))
            o.start = v;
        else if (OPT("-e"))
            o.expect = atoll(v);
        else if (OPT("-T"))
            o.timeout_ms = atoi(v);
        else if (OPT("-o"))
            o.out = v;
        else if (OPT("--notify"))
            o.notify = atoll(v);
        else if (OPT("--threads"))
            o.threads = atoi(v);
        else if (OPT("-w"))
            wait_ms = atoi(v);
        else if (OPT("-X")) {
            if (o.nsettings == 16)
                return usage();
            o.settings[o.nsettings++] = v;
        } else if (OPT("--expect-codec")) {
            o.expect_codec = -1;
            for (int k = 0; k <= BATCH_CODEC_ZSTD; k++)
                if (strcmp(v, batch_codec_name(k)) == 0)
                    o.expect_codec = k;
            if (o.expect_codec < 0)
                return usage();
        } else if (strcmp(a, "--raw") == 0)
            o.raw = 1;
        else
            return usage();
    }
    if (!o.topic)
        return usage();
    g_topic = o.topic;
    if (strcmp(argv[1], "read") == 0)
        return o.threads > 1 ? run_read_threads(&o, o.threads) : run_read(&o);
    if (strcmp(argv[1], "retention") == 0)
        return run_retention();
    if (strcmp(argv[1], "perf") == 0)
        return run_perf(&o);
    if (strcmp(argv[1], "scenarios") == 0)
        return run_scenarios(wait_ms);
    return usage();
}
