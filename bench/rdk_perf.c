/*
 * rdk_perf.c - end-to-end throughput with librdkafka, the client most
 * Kafka users run (kcat, confluent-kafka-*, many others wrap it).
 *
 *   rdk_perf produce -b BROKER -t TOPIC [-n COUNT] [-s SIZE] [-a ACKS] [-z CODEC] [-P PARTITIONS]
 *   rdk_perf consume -b BROKER -t TOPIC [-n EXPECTED]
 *
 * produce creates the topic when -P is given (CreateTopics), sends COUNT
 * values of SIZE bytes (null keys, explicit round-robin partitions) and
 * stops the clock when the last delivery report arrives; latency is the time
 * from each rd_kafka_produce() call to its delivery report (same histogram
 * as `strand perf produce`: ~1.6% resolution). consume reads
 * every partition from the beginning to the end (enable.partition.eof) and
 * stops the clock at the last end-of-partition. Each prints one line:
 *   produce msgs=N bytes=B seconds=S msgs_per_s=R MB_per_s=M failed=F
 *           lat_avg_ms=A lat_p50_ms=P lat_p99_ms=Q lat_max_ms=X
 * MB is 10^6 bytes of message values. Values are text-like (a repeating
 * alphabet with a varying counter) so lz4 has something to compress, as it
 * would with real payloads; the compression ratio is not the point here.
 */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double perf_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void perf_set(rd_kafka_conf_t *c, const char *k, const char *v) {
    char err[256];
    if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "rdk_perf: %s\n", err);
        exit(2);
    }
}

static long long perf_delivered, perf_failed;
static double perf_t0;

/* Latency histogram: exact below 128 us, then 64 buckets per power of 2. */
#define HIST_BUCKETS (64 * 40)
static unsigned long long hist[HIST_BUCKETS], hist_n, hist_max_us;
static double hist_sum_us;

static void hist_add(unsigned long long us) {
    int idx;
    if (us < 128) {
        idx = (int)us;
    } else {
        int shift = 63 - __builtin_clzll(us) - 6;
        idx = shift * 64 + (int)(us >> shift);
        if (idx >= HIST_BUCKETS)
            idx = HIST_BUCKETS - 1;
    }
    hist[idx]++;
    hist_n++;
    hist_sum_us += (double)us;
    if (us > hist_max_us)
        hist_max_us = us;
}

static double hist_pct_ms(double pct) {
    unsigned long long want = (unsigned long long)(pct / 100.0 * (double)hist_n + 0.5), seen = 0;
    if (want < 1)
        want = 1;
    for (int i = 0; i < HIST_BUCKETS && hist_n; i++) {
        seen += hist[i];
        if (seen >= want) {
            double v = i;
            if (i >= 128) {
                int shift = i / 64 - 1;
                v = (double)((unsigned long long)(i - shift * 64) << shift) +
                    (double)((1ull << shift) - 1) / 2.0;
            }
            return (v > (double)hist_max_us ? (double)hist_max_us : v) / 1000.0;
        }
    }
    return (double)hist_max_us / 1000.0;
}

static void perf_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    if (m->err) {
        perf_failed++;
        return;
    }
    perf_delivered++;
    double sent = perf_t0 + (double)(uintptr_t)m->_private / 1e6;
    double now = perf_now();
    hist_add(now > sent ? (unsigned long long)((now - sent) * 1e6) : 0);
}

static int perf_create(rd_kafka_t *rk, const char *topic, int partitions) {
    char err[256];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, 1, err, sizeof(err));
    if (!nt)
        return -1;
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 15000);
    int rc = -1;
    if (ev && !rd_kafka_event_error(ev)) {
        size_t n = 0;
        const rd_kafka_topic_result_t **res =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
        rc = n == 1 &&
                     (rd_kafka_topic_result_error(res[0]) == RD_KAFKA_RESP_ERR_NO_ERROR ||
                      rd_kafka_topic_result_error(res[0]) == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                 ? 0
                 : -1;
        if (rc)
            fprintf(stderr, "rdk_perf: CreateTopics: %s\n",
                    n ? rd_kafka_err2name(rd_kafka_topic_result_error(res[0])) : "no result");
    } else {
        fprintf(stderr, "rdk_perf: CreateTopics: %s\n",
                ev ? rd_kafka_event_error_string(ev) : "no answer");
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}

static int perf_produce(const char *broker, const char *topic, long long n, size_t size,
                        const char *acks, const char *codec, int partitions) {
    char err[256];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    perf_set(c, "bootstrap.servers", broker);
    perf_set(c, "acks", acks);
    perf_set(c, "compression.codec", codec);
    perf_set(c, "linger.ms", "5");
    perf_set(c, "batch.num.messages", "10000");
    perf_set(c, "queue.buffering.max.messages", "1000000");
    perf_set(c, "queue.buffering.max.kbytes", "1048576");
    perf_set(c, "enable.idempotence", "false");
    rd_kafka_conf_set_dr_msg_cb(c, perf_dr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "rdk_perf: %s\n", err);
        return 1;
    }
    if (partitions > 0 && perf_create(rk, topic, partitions) != 0)
        return 1;
    if (partitions <= 0)
        partitions = 1;
    char *value = malloc(size + 32);
    for (size_t i = 0; i < size + 32; i++)
        value[i] = (char)('a' + i % 26);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    /* Metadata first, so the clock does not include the bootstrap. */
    const struct rd_kafka_metadata *md;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR)
        rd_kafka_metadata_destroy(md);
    double t0 = perf_now();
    perf_t0 = t0;
    for (long long i = 0; i < n; i++) {
        int len = snprintf(value, 32, "%lld", i);
        value[len] = ' ';
        /* the opaque carries the send time in microseconds since t0 */
        while (rd_kafka_produce(rkt, (int32_t)(i % partitions), RD_KAFKA_MSG_F_COPY, value, size,
                                NULL, 0, (void *)(uintptr_t)((perf_now() - t0) * 1e6)) != 0) {
            if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                fprintf(stderr, "rdk_perf: produce: %s\n", rd_kafka_err2str(rd_kafka_last_error()));
                return 1;
            }
            rd_kafka_poll(rk, 10);
        }
        rd_kafka_poll(rk, 0);
    }
    while (rd_kafka_outq_len(rk) > 0)
        rd_kafka_poll(rk, 10);
    double s = perf_now() - t0;
    printf("produce msgs=%lld bytes=%lld seconds=%.3f msgs_per_s=%.0f MB_per_s=%.1f failed=%lld "
           "lat_avg_ms=%.2f lat_p50_ms=%.2f lat_p99_ms=%.2f lat_max_ms=%.2f\n",
           perf_delivered, perf_delivered * (long long)size, s, perf_delivered / s,
           perf_delivered * (double)size / s / 1e6, perf_failed,
           hist_n ? hist_sum_us / (double)hist_n / 1000.0 : 0.0, hist_pct_ms(50), hist_pct_ms(99),
           (double)hist_max_us / 1000.0);
    free(value);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return perf_failed || perf_delivered != n ? 1 : 0;
}

static int perf_consume(const char *broker, const char *topic, long long expect) {
    char err[256];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    perf_set(c, "bootstrap.servers", broker);
    perf_set(c, "enable.partition.eof", "true");
    perf_set(c, "fetch.wait.max.ms", "100");
    perf_set(c, "queued.min.messages", "1000000");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "rdk_perf: %s\n", err);
        return 1;
    }
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        md->topic_cnt != 1 || md->topics[0].partition_cnt <= 0) {
        fprintf(stderr, "rdk_perf: no metadata for %s\n", topic);
        return 1;
    }
    int np = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    double t0 = perf_now();
    for (int p = 0; p < np; p++)
        rd_kafka_consume_start_queue(rkt, p, RD_KAFKA_OFFSET_BEGINNING, q);
    long long msgs = 0, bytes = 0;
    int eofs = 0;
    double last = t0;
    while (eofs < np && perf_now() - last < 30) {
        rd_kafka_message_t *m = rd_kafka_consume_queue(q, 1000);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            eofs++;
        else if (m->err)
            fprintf(stderr, "rdk_perf: %s\n", rd_kafka_message_errstr(m));
        else {
            msgs++;
            bytes += (long long)m->len;
        }
        last = perf_now();
        rd_kafka_message_destroy(m);
    }
    double s = perf_now() - t0;
    printf("consume msgs=%lld bytes=%lld seconds=%.3f msgs_per_s=%.0f MB_per_s=%.1f\n", msgs, bytes,
           s, msgs / s, bytes / s / 1e6);
    for (int p = 0; p < np; p++)
        rd_kafka_consume_stop(rkt, p);
    rd_kafka_queue_destroy(q);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return eofs == np && (expect < 0 || msgs == expect) ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: rdk_perf produce|consume -b BROKER -t TOPIC [-n COUNT] [-s SIZE] "
                        "[-a ACKS] [-z CODEC] [-P PARTITIONS]\n");
        return 2;
    }
    const char *mode = argv[1], *broker = "127.0.0.1:9092", *topic = "perf", *acks = "1",
               *codec = "none";
    long long n = 1000000;
    int nset = 0;
    size_t size = 100;
    int partitions = 0, opt;
    optind = 2;
    while ((opt = getopt(argc, argv, "b:t:n:s:a:z:P:")) != -1) {
        switch (opt) {
        case 'b':
            broker = optarg;
            break;
        case 't':
            topic = optarg;
            break;
        case 'n':
            n = atoll(optarg);
            nset = 1;
            break;
        case 's':
            size = (size_t)atol(optarg);
            break;
        case 'a':
            acks = optarg;
            break;
        case 'z':
            codec = optarg;
            break;
        case 'P':
            partitions = atoi(optarg);
            break;
        default:
            return 2;
        }
    }
    if (strcmp(mode, "produce") == 0)
        return perf_produce(broker, topic, n, size < 32 ? 32 : size, acks, codec, partitions);
    if (strcmp(mode, "consume") == 0)
        return perf_consume(broker, topic, nset ? n : -1);
    return 2;
}
