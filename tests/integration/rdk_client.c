/*
 * rdk_client.c - the librdkafka program behind the integration tests.
 *
 * The tests need to know, byte for byte, what a real client sent and what a
 * real client read back. This program produces messages that are a pure
 * function of (seed, sequence number), so any run can be regenerated and
 * compared, and writes every message it produced (on acknowledgement) or
 * consumed in one canonical text form:
 *
 *   PARTITION OFFSET KEY VALUE HEADERS
 *
 * KEY and VALUE are `N` for null or `x` followed by the bytes in hex (so an
 * empty value is `x`); HEADERS is `-` when there are none, else
 * `name=x<hex>` or `name=N` joined by commas. Two files in this form are
 * compared with cmp(1) after sorting by partition and offset.
 *
 * Modes (see usage()): create, produce, consume, kcat-input, kcat-canon,
 * waitone, partitions. Exit status: 0 success, 1 failure, 2 usage error,
 * 3 (produce) some messages were not acknowledged.
 */
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RC_MAX_KEY 40
#define RC_MAX_VALUE 220
#define RC_MAX_HEADERS 3

typedef struct rc_opts {
    const char *broker;
    const char *topic;
    const char *out;   /* produce: acked file; consume: canonical output */
    const char *codec; /* none | lz4 */
    const char *acks;
    long long count;
    long long start; /* first sequence number */
    long long notify_after;
    long long expect;
    uint64_t seed;
    int partitions;
    int partition;   /* kcat-input / waitone */
    int no_nulls;    /* no null values; each value starts with "<seq>:" */
    int check_seq;   /* consume: values carry "<seq>:"; check order and uniqueness */
    int idempotence; /* produce: enable.idempotence=true (--idempotence) */
    int printable;   /* kcat-compatible content */
    int timeout_ms;
    int fetch_wait_ms;
    int rate;           /* produce: messages per second, 0 = as fast as possible */
    const char *xs[16]; /* produce: -X key=value settings, applied last */
    int n_xs;
} rc_opts;

/* One generated message; buffers are inside the struct. */
typedef struct rc_msg {
    int32_t partition;
    int key_null, value_null;
    size_t key_len, value_len;
    unsigned char key[RC_MAX_KEY];
    unsigned char value[RC_MAX_VALUE];
    int header_count;
    char header_name[RC_MAX_HEADERS][8];
    int header_null[RC_MAX_HEADERS];
    size_t header_len[RC_MAX_HEADERS];
    unsigned char header_value[RC_MAX_HEADERS][16];
} rc_msg;

static int64_t rc_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t rc_mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Printable alphabet without the characters kcat uses as delimiters
 * (tab, newline, comma, '=') and without upper case ("NULL"). */
static const char rc_alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789-_.:/;+*#@!?";

static unsigned char rc_byte(uint64_t *st, int printable) {
    *st = rc_mix(*st);
    if (printable)
        return (unsigned char)rc_alpha[*st % (sizeof(rc_alpha) - 1)];
    return (unsigned char)(*st >> 24);
}

/* The message with sequence number `seq`: deterministic in (seed, seq). */
static void rc_msg_gen(const rc_opts *o, long long seq, rc_msg *m) {
    uint64_t st = rc_mix(o->seed * 0x100000001b3ull + (uint64_t)seq);
    uint64_t r = rc_mix(st ^ 0x5555);
    memset(m, 0, sizeof(*m));
    m->partition = o->partitions > 0 ? (int32_t)(seq % o->partitions) : o->partition;
    /* kcat -Z turns an empty key or value into null, so in printable mode
     * "empty" is never generated: null only. */
    m->key_null = (r % 10) == 0;
    if (!m->key_null) {
        m->key_len = (r >> 8) % (RC_MAX_KEY + 1);
        if (o->printable && m->key_len == 0)
            m->key_len = 1;
        for (size_t i = 0; i < m->key_len; i++)
            m->key[i] = rc_byte(&st, o->printable);
    }
    m->value_null = !o->no_nulls && ((r >> 16) % 13) == 0;
    if (!m->value_null) {
        m->value_len = (r >> 20) % (RC_MAX_VALUE + 1);
        if (o->printable && m->value_len == 0)
            m->value_len = 1;
        for (size_t i = 0; i < m->value_len; i++)
            m->value[i] = rc_byte(&st, o->printable);
    }
    if (o->no_nulls) {
        /* "<seq>:" leads the value so that consume --check-seq can prove
         * order and uniqueness without the producer's records. */
        char tag[24];
        int n = snprintf(tag, sizeof(tag), "%lld:", seq);
        if (m->value_len < (size_t)n)
            m->value_len = (size_t)n;
        memcpy(m->value, tag, (size_t)n);
    }
    if (!o->printable) { /* kcat sets headers per run with -H instead */
        m->header_count = (int)((r >> 32) % (RC_MAX_HEADERS + 1));
        for (int h = 0; h < m->header_count; h++) {
            snprintf(m->header_name[h], sizeof(m->header_name[h]), "h%d", h);
            m->header_null[h] = ((r >> (40 + h)) & 7) == 0;
            if (!m->header_null[h]) {
                m->header_len[h] = (r >> (44 + 4 * h)) % 16;
                for (size_t i = 0; i < m->header_len[h]; i++)
                    m->header_value[h][i] = rc_byte(&st, 1);
            }
        }
    }
}

static void rc_put_bytes(FILE *f, const void *p, size_t len, int is_null) {
    if (is_null) {
        fputc('N', f);
        return;
    }
    fputc('x', f);
    const unsigned char *b = p;
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%02x", b[i]);
}

/* Canonical line without the trailing newline. */
static void rc_msg_write(FILE *f, int32_t partition, int64_t offset, const rc_msg *m) {
    fprintf(f, "%" PRId32 " %" PRId64 " ", partition, offset);
    rc_put_bytes(f, m->key, m->key_len, m->key_null);
    fputc(' ', f);
    rc_put_bytes(f, m->value, m->value_len, m->value_null);
    fputc(' ', f);
    if (m->header_count == 0)
        fputc('-', f);
    for (int h = 0; h < m->header_count; h++) {
        fprintf(f, "%s%s=", h ? "," : "", m->header_name[h]);
        rc_put_bytes(f, m->header_value[h], m->header_len[h], m->header_null[h]);
    }
}

static volatile sig_atomic_t rc_stop;
static void rc_on_signal(int sig) {
    (void)sig;
    rc_stop = 1;
}

static rd_kafka_conf_t *rc_conf_new(const rc_opts *o) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char err[512];
    if (rd_kafka_conf_set(conf, "bootstrap.servers", o->broker, err, sizeof(err)) !=
        RD_KAFKA_CONF_OK) {
        fprintf(stderr, "rdk_client: %s\n", err);
        exit(2);
    }
    rd_kafka_conf_set(conf, "client.id", "rdk_client", err, sizeof(err));
    return conf;
}

static void rc_conf_must(rd_kafka_conf_t *conf, const char *k, const char *v) {
    char err[512];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "rdk_client: %s=%s: %s\n", k, v, err);
        exit(2);
    }
}

/* ---- create ---------------------------------------------------------- */

static int rc_create(const rc_opts *o) {
    char err[512];
    rd_kafka_conf_t *conf = rc_conf_new(o);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "rdk_client: %s\n", err);
        return 1;
    }
    rd_kafka_NewTopic_t *nt =
        rd_kafka_NewTopic_new(o->topic, o->partitions > 0 ? o->partitions : 1, 1, err, sizeof(err));
    if (!nt) {
        fprintf(stderr, "rdk_client: %s\n", err);
        return 1;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(ao, o->timeout_ms, err, sizeof(err));
    rd_kafka_CreateTopics(rk, &nt, 1, ao, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, o->timeout_ms + 1000);
    int rc = 1;
    if (!ev) {
        fprintf(stderr, "rdk_client: CreateTopics: no answer\n");
    } else if (rd_kafka_event_error(ev)) {
        fprintf(stderr, "rdk_client: CreateTopics: %s\n", rd_kafka_event_error_string(ev));
    } else {
        size_t n = 0;
        const rd_kafka_topic_result_t **res =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
        rc = 0;
        for (size_t i = 0; i < n; i++) {
            rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
            if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
                fprintf(stderr, "rdk_client: CreateTopics %s: %s (%s)\n",
                        rd_kafka_topic_result_name(res[i]), rd_kafka_err2name(e),
                        rd_kafka_topic_result_error_string(res[i])
                            ? rd_kafka_topic_result_error_string(res[i])
                            : "");
                rc = 1;
            }
        }
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return rc;
}

/* ---- partitions ------------------------------------------------------ */

/* Partition count of the topic from Metadata, or -1. */
static int rc_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms) {
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    int n = -1;
    if (rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
            n = md->topics[0].partition_cnt;
        else if (md->topic_cnt == 1)
            fprintf(stderr, "rdk_client: metadata for %s: %s\n", topic,
                    rd_kafka_err2name(md->topics[0].err));
        rd_kafka_metadata_destroy(md);
    }
    rd_kafka_topic_destroy(rkt);
    return n;
}

static int rc_partitions(const rc_opts *o) {
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, rc_conf_new(o), err, sizeof(err));
    if (!rk)
        return 1;
    int n = rc_partition_count(rk, o->topic, o->timeout_ms);
    rd_kafka_destroy(rk);
    if (n < 0)
        return 1;
    printf("%d\n", n);
    return 0;
}

/* ---- produce --------------------------------------------------------- */

typedef struct rc_produce_state {
    const rc_opts *o;
    FILE *acked;
    long long acked_count, failed_count;
    rd_kafka_resp_err_t first_err;
} rc_produce_state;

static void rc_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    rc_produce_state *s = opaque;
    long long seq = (long long)(intptr_t)m->_private;
    if (m->err) {
        if (!s->failed_count)
            s->first_err = m->err;
        s->failed_count++;
        return;
    }
    rc_msg msg;
    rc_msg_gen(s->o, seq, &msg);
    if (s->acked) {
        rc_msg_write(s->acked, m->partition, m->offset, &msg);
        fprintf(s->acked, " %lld\n", seq);
        fflush(s->acked); /* survive our own kill: every line is complete */
    }
    s->acked_count++;
    if (s->o->notify_after > 0 && s->acked_count == s->o->notify_after) {
        printf("acked %lld\n", s->acked_count);
        fflush(stdout);
    }
}

static int rc_produce(const rc_opts *o) {
    char err[512];
    rc_produce_state st = {.o = o};
    if (o->out && !(st.acked = fopen(o->out, "w"))) {
        fprintf(stderr, "rdk_client: %s: %s\n", o->out, strerror(errno));
        return 1;
    }
    rd_kafka_conf_t *conf = rc_conf_new(o);
    rc_conf_must(conf, "acks", o->acks);
    rc_conf_must(conf, "compression.codec", o->codec);
    rc_conf_must(conf, "linger.ms", "5");
    rc_conf_must(conf, "queue.buffering.max.messages", "100000");
    rc_conf_must(conf, "enable.idempotence", o->idempotence ? "true" : "false");
    char tmo[32];
    snprintf(tmo, sizeof(tmo), "%d", o->timeout_ms);
    rc_conf_must(conf, "message.timeout.ms", tmo);
    for (int i = 0; i < o->n_xs; i++) {
        char kv[512];
        snprintf(kv, sizeof(kv), "%s", o->xs[i]);
        char *eq = strchr(kv, '=');
        if (!eq) {
            fprintf(stderr, "rdk_client: -X %s: want key=value\n", o->xs[i]);
            return 2;
        }
        *eq = '\0';
        rc_conf_must(conf, kv, eq + 1);
    }
    rd_kafka_conf_set_dr_msg_cb(conf, rc_on_delivery);
    rd_kafka_conf_set_opaque(conf, &st);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "rdk_client: %s\n", err);
        return 1;
    }
    /* Stop enqueuing at the first failed delivery: the rest would only
     * queue up to fail the same way (e.g. the broker was killed). */
    int64_t t0 = rc_now_ms();
    for (long long seq = o->start; seq < o->start + o->count && !rc_stop && !st.failed_count;
         seq++) {
        /* --rate: message i goes out no earlier than t0 + i / rate. */
        for (int64_t due = o->rate > 0 ? t0 + (seq - o->start) * 1000 / o->rate : 0;
             due > rc_now_ms() && !rc_stop;)
            rd_kafka_poll(rk, (int)(due - rc_now_ms()));
        rc_msg m;
        rc_msg_gen(o, seq, &m);
        rd_kafka_headers_t *hdrs = NULL;
        if (m.header_count > 0) {
            hdrs = rd_kafka_headers_new((size_t)m.header_count);
            for (int h = 0; h < m.header_count; h++)
                rd_kafka_header_add(hdrs, m.header_name[h], -1,
                                    m.header_null[h] ? NULL : m.header_value[h],
                                    m.header_null[h] ? 0 : (ssize_t)m.header_len[h]);
        }
        rd_kafka_resp_err_t e;
        for (;;) {
            if (hdrs)
                e = rd_kafka_producev(
                    rk, RD_KAFKA_V_TOPIC(o->topic), RD_KAFKA_V_PARTITION(m.partition),
                    RD_KAFKA_V_KEY(m.key_null ? NULL : m.key, m.key_null ? 0 : m.key_len),
                    RD_KAFKA_V_VALUE(m.value_null ? NULL : m.value, m.value_null ? 0 : m.value_len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_OPAQUE((void *)(intptr_t)seq), RD_KAFKA_V_HEADERS(hdrs),
                    RD_KAFKA_V_END);
            else
                e = rd_kafka_producev(
                    rk, RD_KAFKA_V_TOPIC(o->topic), RD_KAFKA_V_PARTITION(m.partition),
                    RD_KAFKA_V_KEY(m.key_null ? NULL : m.key, m.key_null ? 0 : m.key_len),
                    RD_KAFKA_V_VALUE(m.value_null ? NULL : m.value, m.value_null ? 0 : m.value_len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_OPAQUE((void *)(intptr_t)seq), RD_KAFKA_V_END);
            if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                break;
            rd_kafka_poll(rk, 100);
        }
        if (e) {
            fprintf(stderr, "rdk_client: produce seq %lld: %s\n", seq, rd_kafka_err2str(e));
            if (hdrs)
                rd_kafka_headers_destroy(hdrs);
            st.failed_count++;
            break;
        }
        rd_kafka_poll(rk, 0);
    }
    while (rd_kafka_outq_len(rk) > 0 && !rc_stop)
        rd_kafka_poll(rk, 100);
    rd_kafka_destroy(rk);
    if (st.acked)
        fclose(st.acked);
    fprintf(stderr, "rdk_client: produced %lld acked, %lld failed%s%s\n", st.acked_count,
            st.failed_count, st.failed_count ? ", first error: " : "",
            st.failed_count ? rd_kafka_err2name(st.first_err) : "");
    if (st.acked_count + st.failed_count < o->count || st.failed_count)
        return 3;
    return 0;
}

/* ---- consume --------------------------------------------------------- */

static void rc_msg_from_kafka(const rd_kafka_message_t *km, rc_msg *m, int *truncated) {
    memset(m, 0, sizeof(*m));
    m->key_null = km->key == NULL;
    m->value_null = km->payload == NULL;
    /* Larger than anything we generate: keep the first bytes, flag it. */
    m->key_len = km->key_len > RC_MAX_KEY ? RC_MAX_KEY : km->key_len;
    m->value_len = km->len > RC_MAX_VALUE ? RC_MAX_VALUE : km->len;
    *truncated = km->key_len > RC_MAX_KEY || km->len > RC_MAX_VALUE;
    if (km->key)
        memcpy(m->key, km->key, m->key_len);
    if (km->payload)
        memcpy(m->value, km->payload, m->value_len);
    rd_kafka_headers_t *hdrs = NULL;
    if (rd_kafka_message_headers(km, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char *name;
        const void *val;
        size_t size;
        for (size_t i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &val, &size); i++) {
            if (m->header_count == RC_MAX_HEADERS || strlen(name) >= 8 || size > 16) {
                *truncated = 1;
                break;
            }
            int h = m->header_count++;
            snprintf(m->header_name[h], sizeof(m->header_name[h]), "%s", name);
            m->header_null[h] = val == NULL;
            m->header_len[h] = size;
            if (val)
                memcpy(m->header_value[h], val, size);
        }
    }
}

/* Sequence numbers seen, for --check-seq: a growable bitmap. */
typedef struct rc_seqset {
    unsigned char *bits;
    size_t cap; /* bytes */
} rc_seqset;

/* 1 if seq was new (and is now recorded), 0 if seen before, -1 on ENOMEM. */
static int rc_seqset_add(rc_seqset *s, long long seq) {
    size_t byte = (size_t)seq / 8;
    if (byte >= s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap <= byte)
            cap *= 2;
        unsigned char *b = realloc(s->bits, cap);
        if (!b)
            return -1;
        memset(b + s->cap, 0, cap - s->cap);
        s->bits = b;
        s->cap = cap;
    }
    unsigned char bit = (unsigned char)(1u << (seq % 8));
    if (s->bits[byte] & bit)
        return 0;
    s->bits[byte] |= bit;
    return 1;
}

/* The "<seq>:" prefix of a value, or -1. */
static long long rc_value_seq(const rd_kafka_message_t *km) {
    const char *p = km->payload;
    long long seq = 0;
    size_t i = 0;
    if (!p)
        return -1;
    for (; i < km->len && i < 19 && p[i] >= '0' && p[i] <= '9'; i++)
        seq = seq * 10 + (p[i] - '0');
    return i > 0 && i < km->len && p[i] == ':' ? seq : -1;
}

static int rc_consume(const rc_opts *o) {
    char err[512];
    FILE *out = o->out ? fopen(o->out, "w") : stdout;
    if (!out) {
        fprintf(stderr, "rdk_client: %s: %s\n", o->out, strerror(errno));
        return 1;
    }
    rd_kafka_conf_t *conf = rc_conf_new(o);
    rc_conf_must(conf, "enable.partition.eof", "true");
    rc_conf_must(conf, "fetch.wait.max.ms", "100");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "rdk_client: %s\n", err);
        return 1;
    }
    int np = rc_partition_count(rk, o->topic, o->timeout_ms);
    if (np <= 0) {
        fprintf(stderr, "rdk_client: topic %s: no partitions in metadata\n", o->topic);
        rd_kafka_destroy(rk);
        return 1;
    }
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o->topic, NULL);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    int64_t *next = calloc((size_t)np, sizeof(*next));
    int *eof = calloc((size_t)np, sizeof(*eof));
    for (int p = 0; p < np; p++) {
        next[p] = -1;
        rd_kafka_consume_start_queue(rkt, p, RD_KAFKA_OFFSET_BEGINNING, q);
    }
    int eofs = 0, rc = 0;
    long long total = 0;
    rc_seqset seen = {0};
    long long *last_seq = calloc((size_t)np, sizeof(*last_seq));
    for (int p = 0; p < np; p++)
        last_seq[p] = -1;
    int64_t deadline = rc_now_ms() + o->timeout_ms;
    while (eofs < np && !rc_stop) {
        if (rc_now_ms() > deadline) {
            fprintf(stderr,
                    "rdk_client: consume timed out: %d of %d partitions at end, %lld "
                    "messages\n",
                    eofs, np, total);
            rc = 1;
            break;
        }
        rd_kafka_message_t *km = rd_kafka_consume_queue(q, 200);
        if (!km)
            continue;
        int p = km->partition;
        if (km->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (p >= 0 && p < np && !eof[p]) {
                eof[p] = 1;
                eofs++;
            }
        } else if (km->err) {
            fprintf(stderr, "rdk_client: consume error on partition %d: %s\n", p,
                    rd_kafka_message_errstr(km));
            rc = 1;
            rd_kafka_message_destroy(km);
            break;
        } else if (p >= 0 && p < np) {
            /* Offsets must grow within a partition: no duplicates, no reordering. */
            if (next[p] >= 0 && km->offset < next[p]) {
                fprintf(stderr, "rdk_client: partition %d: offset %" PRId64 " after %" PRId64 "\n",
                        p, km->offset, next[p] - 1);
                rc = 1;
            }
            next[p] = km->offset + 1;
            if (o->check_seq) {
                long long seq = rc_value_seq(km);
                int fresh = seq >= 0 ? rc_seqset_add(&seen, seq) : -1;
                if (seq < 0 || fresh <= 0 || seq <= last_seq[p]) {
                    fprintf(stderr,
                            "rdk_client: partition %d offset %" PRId64 ": sequence %lld is %s\n", p,
                            km->offset, seq,
                            seq < 0      ? "missing"
                            : fresh == 0 ? "a duplicate"
                            : fresh < 0  ? "not recorded (no memory)"
                                         : "out of order");
                    rc = 1;
                }
                if (seq > last_seq[p])
                    last_seq[p] = seq;
            }
            rc_msg m;
            int truncated = 0;
            rc_msg_from_kafka(km, &m, &truncated);
            rc_msg_write(out, p, km->offset, &m);
            fputs(truncated ? " TRUNCATED\n" : "\n", out);
            total++;
        }
        rd_kafka_message_destroy(km);
    }
    for (int p = 0; p < np; p++)
        rd_kafka_consume_stop(rkt, p);
    free(next);
    free(eof);
    free(last_seq);
    free(seen.bits);
    rd_kafka_queue_destroy(q);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    if (out != stdout)
        fclose(out);
    fprintf(stderr, "rdk_client: consumed %lld messages from %d partitions\n", total, np);
    if (o->expect >= 0 && total != o->expect) {
        fprintf(stderr, "rdk_client: expected %lld messages, got %lld\n", o->expect, total);
        rc = 1;
    }
    return rc;
}

/* ---- kcat helpers ---------------------------------------------------- */

/* Input for `kcat -P -K '\t' -Z -p PARTITION`, and on --out the canonical
 * lines (offsets 0..count-1) kcat's produce is expected to yield. */
static int rc_kcat_input(const rc_opts *o, const char *headers_canon) {
    FILE *exp = o->out ? fopen(o->out, "w") : NULL;
    if (o->out && !exp)
        return 1;
    rc_opts po = *o;
    po.printable = 1;
    po.partitions = 0;
    for (long long i = 0; i < o->count; i++) {
        rc_msg m;
        rc_msg_gen(&po, o->start + i, &m);
        fwrite(m.key, 1, m.key_len, stdout);
        fputc('\t', stdout);
        fwrite(m.value, 1, m.value_len, stdout);
        fputc('\n', stdout);
        if (exp) {
            rc_msg_write(exp, o->partition, i, &m);
            fseek(exp, -1, SEEK_CUR); /* replace the "-" of no headers */
            fprintf(exp, "%s\n", headers_canon);
        }
    }
    if (exp)
        fclose(exp);
    return 0;
}

static int rc_read_until(FILE *in, int delim, char *buf, size_t cap) {
    size_t n = 0;
    int c;
    while ((c = fgetc(in)) != EOF && c != delim) {
        if (n + 1 >= cap)
            return -1;
        buf[n++] = (char)c;
    }
    buf[n] = 0;
    return c == EOF ? (n ? -1 : 0) : 1;
}

/* Convert kcat output in the format
 *   -f '%p\t%o\t%K\t%k\t%S\t%s\t%h\n'
 * to canonical lines. Lengths make keys and values binary-safe; header
 * values must not contain ',' or '\n' and "NULL" means null (kcat's print). */
static int rc_kcat_canon(void) {
    char num[64], hdrs[4096];
    long long lines = 0;
    for (;;) {
        int r = rc_read_until(stdin, '\t', num, sizeof(num));
        if (r == 0)
            break;
        if (r < 0)
            goto bad;
        long part = strtol(num, NULL, 10);
        if (rc_read_until(stdin, '\t', num, sizeof(num)) != 1)
            goto bad;
        long long off = strtoll(num, NULL, 10);
        rc_msg m;
        memset(&m, 0, sizeof(m));
        unsigned char *kv[2] = {m.key, m.value};
        size_t caps[2] = {RC_MAX_KEY, RC_MAX_VALUE};
        size_t *lens[2] = {&m.key_len, &m.value_len};
        int *nulls[2] = {&m.key_null, &m.value_null};
        for (int f = 0; f < 2; f++) {
            if (rc_read_until(stdin, '\t', num, sizeof(num)) != 1)
                goto bad;
            long len = strtol(num, NULL, 10);
            *nulls[f] = len < 0;
            if (len > (long)caps[f])
                goto bad;
            *lens[f] = len > 0 ? (size_t)len : 0;
            if (fread(kv[f], 1, *lens[f], stdin) != *lens[f] || fgetc(stdin) != '\t')
                goto bad;
        }
        if (rc_read_until(stdin, '\n', hdrs, sizeof(hdrs)) != 1)
            goto bad;
        for (char *save = NULL, *h = strtok_r(hdrs, ",", &save);
             h && m.header_count < RC_MAX_HEADERS; h = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(h, '=');
            if (!eq || (size_t)(eq - h) >= 8)
                goto bad;
            int i = m.header_count++;
            memcpy(m.header_name[i], h, (size_t)(eq - h));
            m.header_null[i] = strcmp(eq + 1, "NULL") == 0;
            m.header_len[i] = m.header_null[i] ? 0 : strlen(eq + 1);
            if (m.header_len[i] > 16)
                goto bad;
            memcpy(m.header_value[i], eq + 1, m.header_len[i]);
        }
        rc_msg_write(stdout, (int32_t)part, off, &m);
        fputc('\n', stdout);
        lines++;
    }
    return 0;
bad:
    fprintf(stderr, "rdk_client: kcat-canon: unexpected input after %lld lines\n", lines);
    return 1;
}

/* ---- waitone: long-poll latency -------------------------------------- */

/* Consume `partition` from the log end with fetch.wait.max.ms = the given
 * wait. After the first end-of-partition event (the consumer is now parked
 * in a long poll) produce one message with a second client and report how
 * long it took to arrive: "latency_ms N". */
static int rc_waitone(const rc_opts *o) {
    char err[512], wait[32];
    snprintf(wait, sizeof(wait), "%d", o->fetch_wait_ms);
    rd_kafka_conf_t *cconf = rc_conf_new(o);
    rc_conf_must(cconf, "enable.partition.eof", "true");
    rc_conf_must(cconf, "fetch.wait.max.ms", wait);
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, err, sizeof(err));
    rd_kafka_conf_t *pconf = rc_conf_new(o);
    rc_conf_must(pconf, "linger.ms", "0");
    rc_conf_must(pconf, "acks", "1");
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof(err));
    if (!c || !p) {
        fprintf(stderr, "rdk_client: %s\n", err);
        return 1;
    }
    /* Warm the producer (connection, metadata) before the clock starts. */
    if (rc_partition_count(p, o->topic, o->timeout_ms) <= o->partition) {
        fprintf(stderr, "rdk_client: topic %s has no partition %d\n", o->topic, o->partition);
        return 1;
    }
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(c, o->topic, NULL);
    int64_t t_start = rc_now_ms();
    rd_kafka_consume_start(rkt, o->partition, RD_KAFKA_OFFSET_END);
    int64_t deadline = t_start + o->timeout_ms, t_sent = -1;
    int rc = 1;
    while (!rc_stop && rc_now_ms() < deadline) {
        rd_kafka_message_t *km = rd_kafka_consume(rkt, o->partition, 100);
        rd_kafka_poll(p, 0);
        if (!km)
            continue;
        if (km->err == RD_KAFKA_RESP_ERR__PARTITION_EOF && t_sent < 0) {
            printf("eof_after_ms %lld\n", (long long)(rc_now_ms() - t_start));
            fflush(stdout);
            t_sent = rc_now_ms();
            rd_kafka_resp_err_t e =
                rd_kafka_producev(p, RD_KAFKA_V_TOPIC(o->topic), RD_KAFKA_V_PARTITION(o->partition),
                                  RD_KAFKA_V_VALUE("wake-up", 7),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
            if (e) {
                fprintf(stderr, "rdk_client: produce: %s\n", rd_kafka_err2str(e));
                rd_kafka_message_destroy(km);
                break;
            }
            rd_kafka_poll(p, 0);
        } else if (!km->err && t_sent >= 0) {
            printf("latency_ms %lld\n", (long long)(rc_now_ms() - t_sent));
            rc = km->len == 7 && memcmp(km->payload, "wake-up", 7) == 0 ? 0 : 1;
            rd_kafka_message_destroy(km);
            break;
        } else if (km->err && km->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            fprintf(stderr, "rdk_client: consume: %s\n", rd_kafka_message_errstr(km));
        }
        rd_kafka_message_destroy(km);
    }
    if (rc)
        fprintf(stderr, "rdk_client: waitone: no message within %d ms (sent: %s)\n", o->timeout_ms,
                t_sent >= 0 ? "yes" : "no, never reached the end");
    rd_kafka_consume_stop(rkt, o->partition);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_flush(p, 2000);
    rd_kafka_destroy(p);
    rd_kafka_destroy(c);
    return rc;
}

static int usage(void) {
    fprintf(
        stderr,
        "usage: rdk_client MODE [options]\n"
        "  create     -b BROKER -t TOPIC -P PARTITIONS\n"
        "  partitions -b BROKER -t TOPIC            print the partition count\n"
        "  produce    -b BROKER -t TOPIC -n COUNT [-P PARTITIONS] [-s SEED] [--start SEQ]\n"
        "             [-z none|lz4] [-a ACKS] [-o ACKED_FILE] [--notify-after N]\n"
        "             [--no-nulls] [--idempotence] [-T MESSAGE_TIMEOUT_MS] [--rate MSGS_PER_S]\n"
        "             [-X KEY=VALUE]... (librdkafka settings, applied last)\n"
        "  consume    -b BROKER -t TOPIC [-o OUT] [-e EXPECTED] [-T TIMEOUT_MS] [--check-seq]\n"
        "  kcat-input -n COUNT -p PARTITION [-s SEED] [--start SEQ] [-o EXPECTED_FILE]\n"
        "             [-H CANONICAL_HEADERS]       (kcat input on stdout)\n"
        "  kcat-canon                               (kcat -f output on stdin)\n"
        "  waitone    -b BROKER -t TOPIC -p PARTITION [-w FETCH_WAIT_MS] [-T TIMEOUT_MS]\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return usage();
    const char *mode = argv[1];
    rc_opts o = {.broker = "127.0.0.1:9092",
                 .codec = "none",
                 .acks = "1",
                 .count = 0,
                 .expect = -1,
                 .seed = 1,
                 .timeout_ms = 30000,
                 .fetch_wait_ms = 10000};
    const char *headers_canon = "-";
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (strcmp(a, name) == 0 && v && (i++, 1))
        if (OPT("-b"))
            o.broker = v;
        else if (OPT("-t"))
            o.topic = v;
        else if (OPT("-n"))
            o.count = atoll(v);
        else if (OPT("-P"))
            o.partitions = atoi(v);
        else if (OPT("-p"))
            o.partition = atoi(v);
        else if (OPT("-s"))
            o.seed = strtoull(v, NULL, 10);
        else if (OPT("--start"))
            o.start = atoll(v);
        else if (OPT("-z"))
            o.codec = v;
        else if (OPT("-a"))
            o.acks = v;
        else if (OPT("-o"))
            o.out = v;
        else if (OPT("-e"))
            o.expect = atoll(v);
        else if (OPT("-T"))
            o.timeout_ms = atoi(v);
        else if (OPT("-w"))
            o.fetch_wait_ms = atoi(v);
        else if (OPT("-H"))
            headers_canon = v;
        else if (OPT("--notify-after"))
            o.notify_after = atoll(v);
        else if (OPT("--rate"))
            o.rate = atoi(v);
        else if (o.n_xs < 16 && OPT("-X"))
            o.xs[o.n_xs++] = v;
        else if (strcmp(a, "--no-nulls") == 0)
            o.no_nulls = 1;
        else if (strcmp(a, "--check-seq") == 0)
            o.check_seq = 1;
        else if (strcmp(a, "--idempotence") == 0)
            o.idempotence = 1;
        else
            return usage();
#undef OPT
    }
    signal(SIGINT, rc_on_signal);
    signal(SIGTERM, rc_on_signal);
    signal(SIGPIPE, SIG_IGN);
    int needs_topic = strcmp(mode, "kcat-input") != 0 && strcmp(mode, "kcat-canon") != 0;
    if (needs_topic && !o.topic)
        return usage();
    if (strcmp(mode, "create") == 0)
        return rc_create(&o);
    if (strcmp(mode, "partitions") == 0)
        return rc_partitions(&o);
    if (strcmp(mode, "produce") == 0)
        return o.count > 0 && o.partitions > 0 ? rc_produce(&o) : usage();
    if (strcmp(mode, "consume") == 0)
        return rc_consume(&o);
    if (strcmp(mode, "kcat-input") == 0)
        return o.count > 0 ? rc_kcat_input(&o, headers_canon) : usage();
    if (strcmp(mode, "kcat-canon") == 0)
        return rc_kcat_canon();
    if (strcmp(mode, "waitone") == 0)
        return rc_waitone(&o);
    return usage();
}
