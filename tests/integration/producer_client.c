/*
 * producer_client.c - the libstrand producer behind the producer's
 * integration tests.
 *
 * Produces `count` messages that are a pure function of (seed, sequence):
 * keys (some null, some binary), values (some null or empty, unless
 * --no-nulls), 0-3 headers (some with null values). With --no-nulls every
 * value starts with "<seq>:" so that a reader can check order and
 * uniqueness; with --printable header values are text kcat can print. Every delivery report is
 * written down:
 *
 *   -o FILE  one canonical line per acknowledged message, the format of
 *            rdk_client (PARTITION OFFSET KEY VALUE HEADERS), so the tests
 *            compare what libstrand says it stored with what librdkafka or
 *            kcat read back;
 *   -E FILE  one line "SEQ ERROR-NAME" per message reported failed;
 *   --notify-after N  prints "acked N" on stdout once N are acknowledged
 *            (the restart test kills the broker then);
 *   --threads N  N threads send (sequences interleaved) and serve reports
 *            concurrently;
 *   --first-partition N  sequence 0 goes alone to partition N and is
 *            flushed, then "ready" is printed and (with --go-fifo F) one line
 *            is read from the FIFO F before the rest is sent.
 *
 * Exit status: 0 every message acknowledged, 3 some reported failed, 1 a
 * message got no report or two, 2 usage.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strand/strand.h"

typedef struct gen_msg {
    int key_null, value_null;
    size_t key_len, value_len;
    unsigned char key[40];
    unsigned char value[260];
    int header_count;
    char header_name[3][8];
    int header_null[3];
    size_t header_len[3];
    unsigned char header_value[3][16];
} gen_msg;

static uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* printable: header values are 1-15 characters [a-z0-9], which kcat's %h
 * output can carry (it has no escaping). */
static void gen(uint64_t seed, long long seq, int no_nulls, int printable, gen_msg *m) {
    uint64_t r = mix(seed * 1000003u + (uint64_t)seq);
    uint64_t s = mix(r);
    memset(m, 0, sizeof *m);
    m->key_null = r % 7 == 0;
    if (!m->key_null) {
        if (r % 5 == 0) { /* binary key */
            m->key_len = 1 + (r >> 8) % 16;
            for (size_t i = 0; i < m->key_len; i++)
                m->key[i] = (unsigned char)(mix(s + i) & 0xff);
        } else {
            m->key_len = (size_t)snprintf((char *)m->key, sizeof m->key, "key-%lld", seq % 997);
        }
    }
    m->value_null = !no_nulls && r % 11 == 0;
    if (!m->value_null) {
        size_t n = 0;
        if (no_nulls)
            n = (size_t)snprintf((char *)m->value, sizeof m->value, "%lld:", seq);
        size_t extra = (r >> 16) % 200;
        for (size_t i = 0; i < extra; i++)
            m->value[n + i] = (unsigned char)(mix(s ^ (i * 31)) & 0xff);
        m->value_len = n + extra;
    }
    m->header_count = (int)((r >> 32) % 4);
    for (int h = 0; h < m->header_count; h++) {
        m->header_name[h][0] = 'h';
        m->header_name[h][1] = (char)('0' + h);
        m->header_name[h][2] = '\0';
        m->header_null[h] = (r >> (40 + h)) % 9 == 0;
        if (!m->header_null[h]) {
            m->header_len[h] = (r >> (44 + 4 * h)) % 16;
            if (printable && m->header_len[h] == 0)
                m->header_len[h] = 1;
            for (size_t i = 0; i < m->header_len[h]; i++) {
                uint64_t x = mix(s + 100 + i);
                m->header_value[h][i] =
                    printable ? (unsigned char)"abcdefghijklmnopqrstuvwxyz0123456789"[x % 36]
                              : (unsigned char)(x & 0xff);
            }
        }
    }
}

static void put_bytes(FILE *f, const void *p, size_t len, int is_null) {
    if (is_null) {
        fputc('N', f);
        return;
    }
    fputc('x', f);
    const unsigned char *b = p;
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%02x", b[i]);
}

typedef struct run {
    uint64_t seed;
    int no_nulls, printable;
    FILE *acked, *failed;
    unsigned char *reports; /* per sequence: reports seen */
    long long count, ok, err, twice;
    long long notify_after; /* print "acked N" on stdout once N are acknowledged */
    int rate;               /* --rate: messages per second (all threads), 0 = no limit */
    pthread_mutex_t mu;     /* reports may be served by several threads */
} run;

static void on_delivery_locked(run *rn, const strand_delivery *d, long long seq);

static void on_delivery(strand_producer *p, const strand_delivery *d, void *opaque) {
    (void)p;
    run *rn = opaque;
    long long seq = (long long)(intptr_t)d->opaque;
    if (seq < 0 || seq >= rn->count)
        return;
    pthread_mutex_lock(&rn->mu);
    on_delivery_locked(rn, d, seq);
    pthread_mutex_unlock(&rn->mu);
}

static void on_delivery_locked(run *rn, const strand_delivery *d, long long seq) {
    if (rn->reports[seq]++)
        rn->twice++;
    gen_msg m;
    gen(rn->seed, seq, rn->no_nulls, rn->printable, &m);
    if (d->err != STRAND_OK) {
        rn->err++;
        if (rn->failed)
            fprintf(rn->failed, "%lld %s\n", seq, strand_err_str(d->err));
        return;
    }
    rn->ok++;
    if (rn->notify_after > 0 && rn->ok == rn->notify_after) {
        printf("acked %lld\n", rn->ok);
        fflush(stdout);
    }
    /* The report must hand back the key and value as sent. */
    if ((d->key == NULL) != m.key_null || (d->value == NULL) != m.value_null ||
        d->key_len != m.key_len || d->value_len != m.value_len ||
        (d->key_len && memcmp(d->key, m.key, m.key_len)) ||
        (d->value_len && memcmp(d->value, m.value, m.value_len))) {
        fprintf(stderr, "producer_client: report of %lld has other key/value than sent\n", seq);
        rn->twice++;
    }
    if (!rn->acked)
        return;
    fprintf(rn->acked, "%" PRId32 " %" PRId64 " ", d->partition, d->offset);
    put_bytes(rn->acked, m.key, m.key_len, m.key_null);
    fputc(' ', rn->acked);
    put_bytes(rn->acked, m.value, m.value_len, m.value_null);
    fputc(' ', rn->acked);
    if (m.header_count == 0)
        fputc('-', rn->acked);
    for (int h = 0; h < m.header_count; h++) {
        fprintf(rn->acked, "%s%s=", h ? "," : "", m.header_name[h]);
        put_bytes(rn->acked, m.header_value[h], m.header_len[h], m.header_null[h]);
    }
    fputc('\n', rn->acked);
    fflush(rn->acked); /* tests follow the progress (and survive a kill) */
}

static void on_log(void *opaque, strand_log_level level, const char *message) {
    (void)opaque;
    if (level <= STRAND_LOG_INFO || getenv("PRODUCER_CLIENT_DEBUG"))
        fprintf(stderr, "producer_client: log %d: %s\n", (int)level, message);
}

/* One sending thread: sequences tid, tid + n, tid + 2n, ... */
typedef struct sender {
    run *rn;
    strand_producer *p;
    const char *topic;
    int partition, tid, n, failed;
    long long from; /* first sequence */
} sender;

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *send_range(void *arg) {
    sender *sd = arg;
    run *rn = sd->rn;
    strand_producer *p = sd->p;
    int64_t t0 = mono_ms();
    for (long long seq = sd->from + sd->tid; seq < rn->count; seq += sd->n) {
        /* --rate: sequence seq goes out no earlier than t0 + seq / rate. */
        for (int64_t due = rn->rate > 0 ? t0 + (seq - sd->from) * 1000 / rn->rate : 0;
             due > mono_ms();)
            strand_producer_poll(p, (int)(due - mono_ms()));
        gen_msg m;
        gen(rn->seed, seq, rn->no_nulls, rn->printable, &m);
        strand_header hs[3];
        for (int h = 0; h < m.header_count; h++) {
            hs[h].key = m.header_name[h];
            hs[h].value = m.header_null[h] ? NULL : (const void *)m.header_value[h];
            hs[h].value_len = m.header_len[h];
        }
        strand_record r = {
            .topic = sd->topic,
            .partition = sd->partition,
            .key = m.key_null ? NULL : m.key,
            .key_len = m.key_len,
            .value = m.value_null ? NULL : m.value,
            .value_len = m.value_len,
            .headers = hs,
            .header_count = (size_t)m.header_count,
            .opaque = (void *)(intptr_t)seq,
        };
        strand_err e;
        while ((e = strand_producer_send(p, &r)) == STRAND_ERR_QUEUE_FULL)
            strand_producer_poll(p, 100);
        if (e != STRAND_OK) {
            fprintf(stderr, "producer_client: send %lld: %s\n", seq, strand_err_str(e));
            sd->failed = 1;
            return NULL;
        }
        strand_producer_poll(p, 0);
    }
    return NULL;
}

static int usage(void) {
    fprintf(stderr,
            "usage: producer_client -b BROKERS -t TOPIC -n COUNT [-p PARTITION] [-s SEED]\n"
            "         [-o ACKED] [-E FAILED] [--no-nulls] [--printable]\n"
            "         [--notify-after N] [--threads N] [--first-partition N [--go-fifo F]]\n"
            "         [--rate MSGS_PER_S]\n"
            "         [-X key=value]...\n");
    return 2;
}

int main(int argc, char **argv) {
    const char *brokers = NULL, *topic = NULL, *acked = NULL, *failed = NULL;
    long long count = 0;
    int partition = STRAND_PARTITION_ANY, threads = 1, first_partition = -1;
    const char *go_fifo = NULL;
    run rn = {.seed = 1, .mu = PTHREAD_MUTEX_INITIALIZER};
    char err[512];
    strand_conf *conf = strand_conf_new();
    if (!conf)
        return 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--no-nulls") == 0) {
            rn.no_nulls = 1;
            continue;
        }
        if (strcmp(a, "--printable") == 0) {
            rn.printable = 1;
            continue;
        }
        if (!v)
            return usage();
        i++;
        if (strcmp(a, "-b") == 0)
            brokers = v;
        else if (strcmp(a, "-t") == 0)
            topic = v;
        else if (strcmp(a, "-n") == 0)
            count = atoll(v);
        else if (strcmp(a, "-p") == 0)
            partition = atoi(v);
        else if (strcmp(a, "-s") == 0)
            rn.seed = strtoull(v, NULL, 10);
        else if (strcmp(a, "-o") == 0)
            acked = v;
        else if (strcmp(a, "-E") == 0)
            failed = v;
        else if (strcmp(a, "--first-partition") == 0)
            first_partition = atoi(v);
        else if (strcmp(a, "--go-fifo") == 0)
            go_fifo = v;
        else if (strcmp(a, "--threads") == 0)
            threads = atoi(v);
        else if (strcmp(a, "--notify-after") == 0)
            rn.notify_after = atoll(v);
        else if (strcmp(a, "--rate") == 0)
            rn.rate = atoi(v);
        else if (strcmp(a, "-X") == 0) {
            char kv[512];
            snprintf(kv, sizeof kv, "%s", v);
            char *eq = strchr(kv, '=');
            if (!eq)
                return usage();
            *eq = '\0';
            if (strand_conf_set(conf, kv, eq + 1, err, sizeof err) != STRAND_OK) {
                fprintf(stderr, "producer_client: %s\n", err);
                return 2;
            }
        } else
            return usage();
    }
    if (!brokers || !topic || count <= 0 || threads < 1 || threads > 16)
        return usage();
    if (strand_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) != STRAND_OK) {
        fprintf(stderr, "producer_client: %s\n", err);
        return 2;
    }
    rn.count = count;
    rn.reports = calloc((size_t)count, 1);
    rn.acked = acked ? fopen(acked, "w") : NULL;
    rn.failed = failed ? fopen(failed, "w") : NULL;
    if (!rn.reports || (acked && !rn.acked) || (failed && !rn.failed)) {
        perror("producer_client");
        return 1;
    }
    strand_conf_set_delivery_cb(conf, on_delivery, &rn);
    strand_conf_set_log_cb(conf, on_log, NULL);
    strand_producer *p = strand_producer_new(conf, err, sizeof err);
    if (!p) {
        fprintf(stderr, "producer_client: %s\n", err);
        return 1;
    }
    long long from = 0;
    if (first_partition >= 0) {
        /* Sequence 0 alone to one partition, acknowledged before the rest:
         * the other partitions then have no acknowledgement yet. */
        sender one = {&rn, p, topic, first_partition, 0, 1, 0, 0};
        long long saved = rn.count;
        rn.count = 1;
        send_range(&one);
        rn.count = saved;
        if (one.failed || strand_producer_flush(p, 30000) != STRAND_OK)
            return 1;
        from = 1;
        printf("ready\n");
        fflush(stdout);
        if (go_fifo) { /* wait until the test opens it for writing */
            FILE *g = fopen(go_fifo, "r");
            char line[16];
            if (!g || !fgets(line, sizeof line, g))
                return 1;
            fclose(g);
        }
    }
    sender ss[16];
    pthread_t th[16];
    for (int i = 0; i < threads; i++) {
        ss[i] = (sender){&rn, p, topic, partition, i, threads, 0, from};
        if (threads > 1 && pthread_create(&th[i], NULL, send_range, &ss[i]) != 0)
            return 1;
    }
    if (threads == 1)
        send_range(&ss[0]);
    for (int i = 0; i < threads; i++) {
        if (threads > 1)
            pthread_join(th[i], NULL);
        if (ss[i].failed)
            return 1;
    }
    strand_err fe = strand_producer_flush(p, -1);
    strand_producer_close(p);
    if (rn.acked)
        fclose(rn.acked);
    if (rn.failed)
        fclose(rn.failed);
    long long missing = 0;
    for (long long i = 0; i < count; i++)
        missing += rn.reports[i] == 0;
    fprintf(stderr, "producer_client: %lld acknowledged, %lld failed, %lld unreported, %lld bad\n",
            rn.ok, rn.err, missing, rn.twice);
    free(rn.reports);
    if (fe != STRAND_OK || missing || rn.twice)
        return 1;
    return rn.err ? 3 : 0;
}
