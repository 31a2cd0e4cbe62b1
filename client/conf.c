/*
 * conf.c - strand_conf: the key table, validation and the parsed fields.
 *
 * Every key the library knows is one row of `keys` below: its name, its
 * kind (string, integer with a range, boolean, or one of a list of words),
 * its default as text and where the parsed value lives in struct
 * strand_conf (client/conf.h). strand_conf_set() parses into a temporary,
 * and only on success stores both the typed value and the canonical text,
 * so a refused value leaves the conf as it was. Error messages name the key
 * and what it accepts, since they usually end up in front of a user who typed
 * the value on a command line.
 */
#include "client/conf.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/batch.h"

enum conf_kind {
    CONF_STR,    /* char * */
    CONF_I32,    /* int32_t in [min, max] */
    CONF_KBYTES, /* int64_t = value * 1024, value in [min, max] */
    CONF_BOOL,   /* int 0/1 */
    CONF_ENUM,   /* int from the word list */
    CONF_ENUM16, /* int16_t from the word list */
};

typedef struct conf_word {
    const char *word;
    int value;
    const char *canonical; /* text stored for get(); NULL: the word itself */
} conf_word;

typedef struct conf_key {
    const char *name;
    enum conf_kind kind;
    size_t offset;
    const char *def;
    int64_t min, max;
    const conf_word *words; /* CONF_ENUM*, terminated by a NULL word */
    const char *accepted;   /* for messages */
} conf_key;

#define OFF(f) offsetof(struct strand_conf, f)

static const conf_word acks_words[] = {
    {"all", -1, NULL}, {"-1", -1, "all"}, {"0", 0, NULL}, {"1", 1, NULL}, {NULL, 0, NULL}};
static const conf_word codec_words[] = {
    {"none", BATCH_CODEC_NONE, NULL},     {"gzip", BATCH_CODEC_GZIP, NULL},
    {"snappy", BATCH_CODEC_SNAPPY, NULL}, {"lz4", BATCH_CODEC_LZ4, NULL},
    {"zstd", BATCH_CODEC_ZSTD, NULL},     {NULL, 0, NULL}};
static const conf_word partitioner_words[] = {
    {"murmur2_random", CLIENT_PARTITIONER_MURMUR2_RANDOM, NULL},
    {"murmur2", CLIENT_PARTITIONER_MURMUR2, NULL},
    {"consistent_random", CLIENT_PARTITIONER_CONSISTENT_RANDOM, NULL},
    {"consistent", CLIENT_PARTITIONER_CONSISTENT, NULL},
    {"random", CLIENT_PARTITIONER_RANDOM, NULL},
    {NULL, 0, NULL}};
static const conf_word reset_words[] = {{"latest", CLIENT_OFFSET_RESET_LATEST, NULL},
                                        {"earliest", CLIENT_OFFSET_RESET_EARLIEST, NULL},
                                        {"none", CLIENT_OFFSET_RESET_NONE, NULL},
                                        {"largest", CLIENT_OFFSET_RESET_LATEST, "latest"},
                                        {"end", CLIENT_OFFSET_RESET_LATEST, "latest"},
                                        {"smallest", CLIENT_OFFSET_RESET_EARLIEST, "earliest"},
                                        {"beginning", CLIENT_OFFSET_RESET_EARLIEST, "earliest"},
                                        {"error", CLIENT_OFFSET_RESET_NONE, "none"},
                                        {NULL, 0, NULL}};

static const conf_key keys[] = {
    /* common */
    {"bootstrap.servers", CONF_STR, OFF(bootstrap_servers), "", 0, 0, NULL,
     "a list of host:port separated by commas"},
    {"client.id", CONF_STR, OFF(client_id), "strand", 0, 0, NULL, "any string"},
    {"request.timeout.ms", CONF_I32, OFF(request_timeout_ms), "30000", 1, INT32_MAX, NULL, NULL},
    {"socket.connection.setup.timeout.ms", CONF_I32, OFF(socket_connection_setup_timeout_ms),
     "10000", 1, INT32_MAX, NULL, NULL},
    {"reconnect.backoff.ms", CONF_I32, OFF(reconnect_backoff_ms), "100", 0, 3600000, NULL, NULL},
    {"reconnect.backoff.max.ms", CONF_I32, OFF(reconnect_backoff_max_ms), "10000", 0, 3600000, NULL,
     NULL},
    {"metadata.max.age.ms", CONF_I32, OFF(metadata_max_age_ms), "300000", 1, INT32_MAX, NULL, NULL},
    {"allow.auto.create.topics", CONF_BOOL, OFF(allow_auto_create_topics), "true", 0, 1, NULL,
     NULL},
    {"message.max.bytes", CONF_I32, OFF(message_max_bytes), "1000000", 1000, 1000000000, NULL,
     NULL},
    /* producer */
    {"acks", CONF_ENUM16, OFF(acks), "all", 0, 0, acks_words, "all, -1, 0, 1"},
    {"linger.ms", CONF_I32, OFF(linger_ms), "5", 0, 900000, NULL, NULL},
    {"batch.size", CONF_I32, OFF(batch_size), "1000000", 1, INT32_MAX, NULL, NULL},
    {"compression.type", CONF_ENUM, OFF(compression), "none", 0, 0, codec_words,
     "none, gzip, snappy, lz4, zstd"},
    {"retries", CONF_I32, OFF(retries), "2147483647", 0, INT32_MAX, NULL, NULL},
    {"retry.backoff.ms", CONF_I32, OFF(retry_backoff_ms), "100", 1, 300000, NULL, NULL},
    {"delivery.timeout.ms", CONF_I32, OFF(delivery_timeout_ms), "120000", 1, INT32_MAX, NULL, NULL},
    {"max.in.flight.requests.per.connection", CONF_I32, OFF(max_in_flight), "5", 1, 1000000, NULL,
     NULL},
    {"partitioner", CONF_ENUM, OFF(partitioner), "murmur2_random", 0, 0, partitioner_words,
     "murmur2_random, murmur2, consistent_random, consistent, random"},
    {"queue.buffering.max.messages", CONF_I32, OFF(queue_max_messages), "100000", 1, INT32_MAX,
     NULL, NULL},
    {"queue.buffering.max.kbytes", CONF_KBYTES, OFF(queue_max_bytes), "1048576", 1, INT32_MAX, NULL,
     NULL},
    {"enable.idempotence", CONF_BOOL, OFF(enable_idempotence), "true", 0, 1, NULL, NULL},
    /* consumer */
    {"fetch.min.bytes", CONF_I32, OFF(fetch_min_bytes), "1", 1, 100000000, NULL, NULL},
    {"fetch.max.wait.ms", CONF_I32, OFF(fetch_max_wait_ms), "500", 0, 300000, NULL, NULL},
    {"fetch.max.bytes", CONF_I32, OFF(fetch_max_bytes), "52428800", 1, INT32_MAX, NULL, NULL},
    {"max.partition.fetch.bytes", CONF_I32, OFF(max_partition_fetch_bytes), "1048576", 1, INT32_MAX,
     NULL, NULL},
    {"queued.max.messages.kbytes", CONF_KBYTES, OFF(queued_max_bytes), "65536", 1, 2097151, NULL,
     NULL},
    {"auto.offset.reset", CONF_ENUM, OFF(auto_offset_reset), "latest", 0, 0, reset_words,
     "earliest, latest, none (or smallest, beginning, largest, end, error)"},
    {"check.crcs", CONF_BOOL, OFF(check_crcs), "true", 0, 1, NULL, NULL},
    {"enable.partition.eof", CONF_BOOL, OFF(enable_partition_eof), "false", 0, 1, NULL, NULL},
    /* consumer groups */
    {"group.id", CONF_STR, OFF(group_id), "", 0, 0, NULL, "any string"},
    {"group.instance.id", CONF_STR, OFF(group_instance_id), "", 0, 0, NULL, "any string"},
    {"session.timeout.ms", CONF_I32, OFF(session_timeout_ms), "45000", 1, 3600000, NULL, NULL},
    {"heartbeat.interval.ms", CONF_I32, OFF(heartbeat_interval_ms), "3000", 1, 3600000, NULL, NULL},
    {"max.poll.interval.ms", CONF_I32, OFF(max_poll_interval_ms), "300000", 1, 86400000, NULL,
     NULL},
    {"partition.assignment.strategy", CONF_STR, OFF(assignment_strategy), "range,roundrobin", 0, 0,
     NULL, "a list of range, roundrobin separated by commas"},
    {"enable.auto.commit", CONF_BOOL, OFF(enable_auto_commit), "true", 0, 1, NULL, NULL},
    {"auto.commit.interval.ms", CONF_I32, OFF(auto_commit_interval_ms), "5000", 1, 86400000, NULL,
     NULL},
    {"topic.metadata.refresh.interval.ms", CONF_I32, OFF(topic_metadata_refresh_interval_ms),
     "300000", 100, 3600000, NULL, NULL},
};

#define KEY_COUNT (sizeof keys / sizeof keys[0])

_Static_assert(sizeof keys / sizeof keys[0] <= CLIENT_CONF_KEY_MAX, "raise CLIENT_CONF_KEY_MAX");

static void conf_errf(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void conf_errf(char *errbuf, size_t errlen, const char *fmt, ...) {
    if (!errbuf || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
}

static const conf_key *conf_key_find(const char *name) {
    for (size_t i = 0; i < KEY_COUNT; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* Strict decimal: optional '-', digits only, no spaces, fits int64. */
static int conf_parse_int(const char *s, int64_t *out) {
    if (!*s)
        return -1;
    const char *p = s[0] == '-' ? s + 1 : s;
    if (!*p)
        return -1;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int conf_parse_bool(const char *s, int *out) {
    if (!strcmp(s, "true") || !strcmp(s, "1")) {
        *out = 1;
        return 0;
    }
    if (!strcmp(s, "false") || !strcmp(s, "0")) {
        *out = 0;
        return 0;
    }
    return -1;
}

/* A non-empty comma-separated list of assignor names known to the consumer
 * ("range", "roundrobin"), spaces around names allowed, no duplicates. */
static int strategy_list_ok(const char *v) {
    static const char *const known[] = {"range", "roundrobin"};
    int seen[2] = {0, 0}, count = 0;
    const char *p = v;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        int hit = -1;
        for (int i = 0; i < 2; i++)
            if (strlen(known[i]) == n && strncmp(p, known[i], n) == 0)
                hit = i;
        if (hit < 0 || seen[hit])
            return 0;
        seen[hit] = 1;
        count++;
        if (!e)
            break;
        p = e + 1;
    }
    return count > 0;
}

/* Parse `value` for `k` and store it into conf (typed field and text). */
static strand_err conf_apply(strand_conf *conf, const conf_key *k, const char *value, char *errbuf,
                             size_t errlen) {
    char *field = (char *)conf + k->offset;
    const char *canon = value;
    char numbuf[32];
    int64_t iv = 0;
    int bv = 0;
    const conf_word *w = NULL;

    switch (k->kind) {
    case CONF_STR:
        if (k->offset == OFF(assignment_strategy) && !strategy_list_ok(value)) {
            conf_errf(errbuf, errlen, "configuration \"%s\": bad value \"%s\" (expected %s)",
                      k->name, value, k->accepted);
            return STRAND_ERR_CONFIG;
        }
        if (k->offset == OFF(bootstrap_servers)) {
            client_addr tmp[64];
            if (client_addr_list_parse(value, tmp, 64) < 1) {
                conf_errf(errbuf, errlen,
                          "configuration \"%s\": bad value \"%s\" (expected %s, at most 64, e.g. "
                          "127.0.0.1:9092)",
                          k->name, value, k->accepted);
                return STRAND_ERR_CONFIG;
            }
        }
        break;
    case CONF_I32:
    case CONF_KBYTES:
        if (conf_parse_int(value, &iv) || iv < k->min || iv > k->max) {
            conf_errf(errbuf, errlen,
                      "configuration \"%s\": bad value \"%s\" (expected an integer from %lld to "
                      "%lld%s)",
                      k->name, value, (long long)k->min, (long long)k->max,
                      k->kind == CONF_KBYTES ? ", in KiB" : "");
            return STRAND_ERR_CONFIG;
        }
        snprintf(numbuf, sizeof numbuf, "%lld", (long long)iv);
        canon = numbuf;
        break;
    case CONF_BOOL:
        if (conf_parse_bool(value, &bv)) {
            conf_errf(errbuf, errlen,
                      "configuration \"%s\": bad value \"%s\" (expected true or false)", k->name,
                      value);
            return STRAND_ERR_CONFIG;
        }
        canon = bv ? "true" : "false";
        break;
    case CONF_ENUM:
    case CONF_ENUM16:
        for (const conf_word *x = k->words; x->word; x++)
            if (!strcmp(x->word, value)) {
                w = x;
                break;
            }
        if (!w) {
            conf_errf(errbuf, errlen,
                      "configuration \"%s\": bad value \"%s\" (expected one of: %s)", k->name,
                      value, k->accepted);
            return STRAND_ERR_CONFIG;
        }
        canon = w->canonical ? w->canonical : w->word;
        break;
    }

    size_t idx = (size_t)(k - keys);
    char *text = strdup(canon);
    char *str = NULL;
    if (!text)
        return STRAND_ERR_NOMEM;
    if (k->kind == CONF_STR) {
        str = strdup(value);
        if (!str) {
            free(text);
            return STRAND_ERR_NOMEM;
        }
    }
    switch (k->kind) {
    case CONF_STR: {
        char **slot = (char **)(void *)field;
        free(*slot);
        *slot = str;
        break;
    }
    case CONF_I32: {
        int32_t v = (int32_t)iv;
        memcpy(field, &v, sizeof v);
        break;
    }
    case CONF_KBYTES: {
        int64_t v = iv * 1024;
        memcpy(field, &v, sizeof v);
        break;
    }
    case CONF_BOOL:
        memcpy(field, &bv, sizeof bv);
        break;
    case CONF_ENUM:
        memcpy(field, &w->value, sizeof w->value);
        break;
    case CONF_ENUM16: {
        int16_t v = (int16_t)w->value;
        memcpy(field, &v, sizeof v);
        break;
    }
    }
    free(conf->text[idx]);
    conf->text[idx] = text;
    return STRAND_OK;
}

void strand_conf_free(strand_conf *conf) {
    if (!conf)
        return;
    free(conf->bootstrap_servers);
    free(conf->client_id);
    free(conf->group_id);
    free(conf->group_instance_id);
    free(conf->assignment_strategy);
    for (size_t i = 0; i < CLIENT_CONF_KEY_MAX; i++)
        free(conf->text[i]);
    free(conf);
}

strand_conf *strand_conf_new(void) {
    strand_conf *conf = calloc(1, sizeof *conf);
    if (!conf)
        return NULL;
    for (size_t i = 0; i < KEY_COUNT; i++) {
        if (keys[i].kind == CONF_STR && !keys[i].def[0]) {
            /* bootstrap.servers (checked at client creation), group.id,
             * group.instance.id: empty until set */
            char **slot = (char **)(void *)((char *)conf + keys[i].offset);
            *slot = strdup("");
            if (!*slot)
                goto fail;
            continue;
        }
        if (conf_apply(conf, &keys[i], keys[i].def, NULL, 0) != STRAND_OK)
            goto fail;
        /* defaults read back from the table, so no text is kept */
        free(conf->text[i]);
        conf->text[i] = NULL;
    }
    return conf;
fail:
    strand_conf_free(conf);
    return NULL;
}

strand_err strand_conf_set(strand_conf *conf, const char *key, const char *value, char *errbuf,
                           size_t errlen) {
    if (!conf || !key || !value) {
        conf_errf(errbuf, errlen, "configuration: NULL %s",
                  !conf  ? "conf"
                  : !key ? "key"
                         : "value");
        return STRAND_ERR_INVALID_ARG;
    }
    const conf_key *k = conf_key_find(key);
    if (!k) {
        conf_errf(errbuf, errlen, "configuration \"%s\": unknown key", key);
        return STRAND_ERR_CONFIG;
    }
    return conf_apply(conf, k, value, errbuf, errlen);
}

const char *strand_conf_get(const strand_conf *conf, const char *key) {
    if (!conf || !key)
        return NULL;
    const conf_key *k = conf_key_find(key);
    if (!k)
        return NULL;
    const char *t = conf->text[k - keys];
    return t ? t : k->def;
}

int client_conf_is_set(const strand_conf *conf, const char *key) {
    const conf_key *k = conf ? conf_key_find(key) : NULL;
    return k && conf->text[k - keys] != NULL;
}

strand_conf *strand_conf_dup(const strand_conf *conf) {
    if (!conf)
        return NULL;
    strand_conf *d = malloc(sizeof *d);
    if (!d)
        return NULL;
    *d = *conf;
    d->bootstrap_servers = NULL;
    d->client_id = NULL;
    d->group_id = NULL;
    d->group_instance_id = NULL;
    d->assignment_strategy = NULL;
    memset(d->text, 0, sizeof d->text);
    int ok = 1;
    d->bootstrap_servers = strdup(conf->bootstrap_servers);
    d->client_id = strdup(conf->client_id);
    d->group_id = strdup(conf->group_id);
    d->group_instance_id = strdup(conf->group_instance_id);
    d->assignment_strategy = strdup(conf->assignment_strategy);
    ok = d->bootstrap_servers && d->client_id && d->group_id && d->group_instance_id &&
         d->assignment_strategy;
    for (size_t i = 0; ok && i < CLIENT_CONF_KEY_MAX; i++)
        if (conf->text[i] && !(d->text[i] = strdup(conf->text[i])))
            ok = 0;
    if (!ok) {
        strand_conf_free(d);
        return NULL;
    }
    return d;
}

void strand_conf_set_delivery_cb(strand_conf *conf, strand_delivery_cb cb, void *opaque) {
    if (!conf)
        return;
    conf->delivery_cb = cb;
    conf->delivery_opaque = opaque;
}

void strand_conf_set_log_cb(strand_conf *conf, strand_log_cb cb, void *opaque) {
    if (!conf)
        return;
    conf->log_cb = cb;
    conf->log_opaque = opaque;
}

void strand_conf_set_rebalance_cb(strand_conf *conf, strand_rebalance_cb cb, void *opaque) {
    if (!conf)
        return;
    conf->rebalance_cb = cb;
    conf->rebalance_opaque = opaque;
}

void strand_conf_set_offset_commit_cb(strand_conf *conf, strand_offset_commit_cb cb, void *opaque) {
    if (!conf)
        return;
    conf->offset_commit_cb = cb;
    conf->offset_commit_opaque = opaque;
}

strand_err client_conf_check(const strand_conf *conf, char *errbuf, size_t errlen) {
    client_addr tmp[64];
    if (!conf) {
        conf_errf(errbuf, errlen, "configuration: NULL conf");
        return STRAND_ERR_INVALID_ARG;
    }
    if (!conf->bootstrap_servers[0]) {
        conf_errf(errbuf, errlen,
                  "configuration \"bootstrap.servers\" is required (a list of host:port, e.g. "
                  "127.0.0.1:9092)");
        return STRAND_ERR_CONFIG;
    }
    if (client_addr_list_parse(conf->bootstrap_servers, tmp, 64) < 1) {
        conf_errf(errbuf, errlen,
                  "configuration \"bootstrap.servers\": bad value \"%s\" (at most 64 host:port "
                  "entries separated by commas)",
                  conf->bootstrap_servers);
        return STRAND_ERR_CONFIG;
    }
    if (conf->reconnect_backoff_max_ms < conf->reconnect_backoff_ms) {
        conf_errf(errbuf, errlen,
                  "configuration \"reconnect.backoff.max.ms\" (%d) must be at least "
                  "\"reconnect.backoff.ms\" (%d)",
                  (int)conf->reconnect_backoff_max_ms, (int)conf->reconnect_backoff_ms);
        return STRAND_ERR_CONFIG;
    }
    if (conf->heartbeat_interval_ms >= conf->session_timeout_ms) {
        conf_errf(errbuf, errlen,
                  "configuration \"heartbeat.interval.ms\" (%d) must be below "
                  "\"session.timeout.ms\" (%d)",
                  (int)conf->heartbeat_interval_ms, (int)conf->session_timeout_ms);
        return STRAND_ERR_CONFIG;
    }
    return STRAND_OK;
}

/* One "host:port" or "[v6]:port" entry, trimmed of spaces. */
static int addr_parse_one(const char *s, size_t n, client_addr *out) {
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0)
        return -1;
    const char *host;
    size_t hlen;
    const char *rest;
    if (s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close || close + 1 >= s + n || close[1] != ':')
            return -1;
        host = s + 1;
        hlen = (size_t)(close - host);
        rest = close + 2;
    } else {
        const char *colon = NULL;
        for (size_t i = 0; i < n; i++)
            if (s[i] == ':') {
                if (colon)
                    return -1; /* bare IPv6 needs brackets */
                colon = s + i;
            }
        if (!colon)
            return -1;
        host = s;
        hlen = (size_t)(colon - s);
        rest = colon + 1;
    }
    size_t plen = (size_t)(s + n - rest);
    if (hlen == 0 || hlen >= sizeof out->host || plen == 0 || plen > 5)
        return -1;
    int port = 0;
    for (size_t i = 0; i < plen; i++) {
        if (rest[i] < '0' || rest[i] > '9')
            return -1;
        port = port * 10 + (rest[i] - '0');
    }
    if (port < 1 || port > 65535)
        return -1;
    for (size_t i = 0; i < hlen; i++)
        if (host[i] == ' ' || host[i] == ',' || host[i] == '/')
            return -1;
    memcpy(out->host, host, hlen);
    out->host[hlen] = 0;
    out->port = port;
    return 0;
}

int client_addr_list_parse(const char *list, client_addr *out, int cap) {
    if (!list || cap < 1)
        return -1;
    int count = 0;
    const char *p = list;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (count == cap)
            return -1;
        if (addr_parse_one(p, n, &out[count]))
            return -1;
        count++;
        if (!e)
            break;
        p = e + 1;
    }
    return count;
}
