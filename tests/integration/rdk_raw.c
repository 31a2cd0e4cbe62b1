/*
 * rdk_raw.c - a raw-socket Kafka client for the integration tests.
 *
 * librdkafka and kcat only ever send well-formed requests, so the tests that
 * check how the broker copes with hostile or unsupported input need a client
 * that writes bytes by hand. Each case below builds one request (or one piece
 * of garbage) with the wire/ writer, sends it on connection A, then checks on
 * a second connection B that the broker still answers a normal ApiVersions v0
 * while A is in whatever state the case left it, and finally reports what A
 * got back: a response frame (decoded where the case knows the layout), a
 * closed connection, or nothing within the deadline.
 *
 * Output is one `key=value` per line on stdout, for the shell tests to grep:
 *   second_client=ok|fail
 *   result=response|closed|timeout
 *   corr=N error_code=N ...   (decoded response fields)
 * Exit status: 0 when the run completed (whatever the broker answered), 2 on
 * usage errors, 1 when the broker could not be reached at all.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wire/buf.h"
#include "wire/crc32c.h"
#include "wire/kafka.h"

#define RAW_TIMEOUT_MS 20000
#define RAW_CORR_ID 0x1234

static const char *raw_host;
static const char *raw_port;
static int raw_api_version; /* of the ApiVersions request sent, for decoding */

static int raw_connect(void) {
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(raw_host, raw_port, &hints, &res) != 0 || !res)
        return -1;
    int fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int raw_send_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int64_t raw_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read exactly n bytes before the deadline. Returns 1 when complete, 0 on
 * EOF or reset (the peer closed), -1 on timeout. */
static int raw_recv_exact(int fd, uint8_t *p, size_t n, int64_t deadline) {
    while (n > 0) {
        int left = (int)(deadline - raw_now_ms());
        if (left <= 0)
            return -1;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int pr = poll(&pfd, 1, left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return -1;
        ssize_t r = recv(fd, p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        p += r;
        n -= (size_t)r;
    }
    return 1;
}

/* Read one response frame. Returns 1 with *body (malloc'ed) and *len, 0 when
 * the connection was closed, -1 on timeout or an absurd size. */
static int raw_recv_frame(int fd, uint8_t **body, size_t *len) {
    int64_t deadline = raw_now_ms() + RAW_TIMEOUT_MS;
    uint8_t hdr[4];
    int rc = raw_recv_exact(fd, hdr, 4, deadline);
    if (rc != 1)
        return rc;
    int32_t size = (int32_t)wire_be32(hdr);
    if (size < 4 || size > 64 * 1024 * 1024) {
        printf("bad_response_size=%d\n", size);
        return -1;
    }
    *body = malloc((size_t)size);
    if (!*body)
        return -1;
    rc = raw_recv_exact(fd, *body, (size_t)size, deadline);
    if (rc != 1) {
        free(*body);
        *body = NULL;
        return rc;
    }
    *len = (size_t)size;
    return 1;
}

/* Request header v1 (or v2 with an empty tag section when flexible). */
static void raw_write_header(wire_writer *w, int16_t key, int16_t version, int flexible) {
    wire_write_i16(w, key);
    wire_write_i16(w, version);
    wire_write_i32(w, RAW_CORR_ID);
    wire_write_cstr(w, 0, "rdk_raw"); /* client_id is never compact */
    wire_write_tags_empty(w, flexible);
}

/* Prefix the frame size: the writer starts with 4 placeholder bytes. */
static void raw_frame_begin(wire_writer *w) {
    wire_write_i32(w, 0);
}
static void raw_frame_end(wire_writer *w) {
    wire_patch_i32(w, 0, (int32_t)(w->len - 4));
}

static void raw_build_api_versions(wire_writer *w, int16_t version) {
    int flexible = version >= 3;
    raw_frame_begin(w);
    raw_write_header(w, KAFKA_API_API_VERSIONS, version, flexible);
    if (flexible) {
        wire_write_cstr(w, 1, "rdk-raw");
        wire_write_cstr(w, 1, "1.0");
        wire_write_tags_empty(w, 1);
    }
    raw_frame_end(w);
}

/* One RecordBatch v2 holding one record (null key, value "x"). */
static void raw_write_batch(wire_writer *w, int corrupt_crc) {
    size_t start = w->len;
    wire_write_i64(w, 0);  /* baseOffset */
    wire_write_i32(w, 0);  /* batchLength, patched below */
    wire_write_i32(w, -1); /* partitionLeaderEpoch */
    wire_write_i8(w, 2);   /* magic */
    wire_write_u32(w, 0);  /* crc, patched below */
    wire_write_i16(w, 0);  /* attributes */
    wire_write_i32(w, 0);  /* lastOffsetDelta */
    wire_write_i64(w, 1700000000000LL);
    wire_write_i64(w, 1700000000000LL);
    wire_write_i64(w, -1); /* producerId */
    wire_write_i16(w, -1); /* producerEpoch */
    wire_write_i32(w, -1); /* baseSequence */
    wire_write_i32(w, 1);  /* recordCount */
    /* record: attributes, tsDelta, offsetDelta, key -1, value "x", 0 headers */
    wire_write_varint(w, 7);
    wire_write_i8(w, 0);
    wire_write_varlong(w, 0);
    wire_write_varint(w, 0);
    wire_write_varint(w, -1);
    wire_write_varint(w, 1);
    wire_write_raw(w, "x", 1);
    wire_write_varint(w, 0);
    if (w->err)
        return;
    size_t size = w->len - start;
    wire_put_be32(w->p + start + 8, (uint32_t)(size - 12));
    uint32_t crc = crc32c(w->p + start + 21, size - 21);
    if (corrupt_crc)
        crc ^= 0xdeadbeefu;
    wire_put_be32(w->p + start + 17, crc);
}

static void raw_build_produce(wire_writer *w, const char *topic, int corrupt_crc, int16_t acks) {
    raw_frame_begin(w);
    raw_write_header(w, KAFKA_API_PRODUCE, 3, 0);
    wire_write_str(w, 0, WIRE_STR_NULL); /* transactional_id */
    wire_write_i16(w, acks);             /* acks */
    wire_write_i32(w, 5000);             /* timeout_ms */
    wire_write_array_len(w, 0, 1);
    wire_write_cstr(w, 0, topic);
    wire_write_array_len(w, 0, 1);
    wire_write_i32(w, 0); /* partition */
    size_t len_pos = w->len;
    wire_write_i32(w, 0); /* records length, patched */
    raw_write_batch(w, corrupt_crc);
    wire_patch_i32(w, len_pos, (int32_t)(w->len - len_pos - 4));
    raw_frame_end(w);
}

/* Bytes of a zigzag varint (records' length field needs it up front). */
static int zz_size(int32_t v) {
    uint32_t z = ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
    int n = 1;
    while (z >= 0x80) {
        z >>= 7;
        n++;
    }
    return n;
}

/* One RecordBatch v2 of `count` records (values "v<seq>") from an
 * idempotent producer: producer id, epoch and base sequence as given. */
static void raw_write_idem_batch(wire_writer *w, int64_t pid, int16_t epoch, int32_t seq,
                                 int32_t count) {
    size_t start = w->len;
    wire_write_i64(w, 0);  /* baseOffset */
    wire_write_i32(w, 0);  /* batchLength, patched below */
    wire_write_i32(w, -1); /* partitionLeaderEpoch */
    wire_write_i8(w, 2);   /* magic */
    wire_write_u32(w, 0);  /* crc, patched below */
    wire_write_i16(w, 0);  /* attributes */
    wire_write_i32(w, count - 1);
    /* Now: the broker forgets producers idle for producer.id.expiration.ms. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t ts = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    wire_write_i64(w, ts);
    wire_write_i64(w, ts);
    wire_write_i64(w, pid);
    wire_write_i16(w, epoch);
    wire_write_i32(w, seq);
    wire_write_i32(w, count);
    for (int32_t i = 0; i < count; i++) {
        char v[16];
        int vn = snprintf(v, sizeof v, "v%d", (int)(seq + i));
        /* record: length, attributes, tsDelta, offsetDelta, key -1, value, 0 headers */
        wire_write_varint(w, 1 + 1 + zz_size(i) + 1 + zz_size(vn) + vn + 1);
        wire_write_i8(w, 0);
        wire_write_varlong(w, 0);
        wire_write_varint(w, i);
        wire_write_varint(w, -1);
        wire_write_varint(w, vn);
        wire_write_raw(w, v, (size_t)vn);
        wire_write_varint(w, 0);
    }
    if (w->err)
        return;
    size_t size = w->len - start;
    wire_put_be32(w->p + start + 8, (uint32_t)(size - 12));
    wire_put_be32(w->p + start + 17, crc32c(w->p + start + 21, size - 21));
}

/* Produce v7, acks=1, partition 0: one idempotent batch. */
static void raw_build_idem_produce(wire_writer *w, const char *topic, int64_t pid, int16_t epoch,
                                   int32_t seq, int32_t count) {
    raw_frame_begin(w);
    raw_write_header(w, KAFKA_API_PRODUCE, 7, 0);
    wire_write_str(w, 0, WIRE_STR_NULL); /* transactional_id */
    wire_write_i16(w, 1);                /* acks */
    wire_write_i32(w, 5000);             /* timeout_ms */
    wire_write_array_len(w, 0, 1);
    wire_write_cstr(w, 0, topic);
    wire_write_array_len(w, 0, 1);
    wire_write_i32(w, 0); /* partition */
    size_t len_pos = w->len;
    wire_write_i32(w, 0); /* records length, patched */
    raw_write_idem_batch(w, pid, epoch, seq, count);
    wire_patch_i32(w, len_pos, (int32_t)(w->len - len_pos - 4));
    raw_frame_end(w);
}

/* InitProducerId of a version, transactional id NULL when txn is NULL. */
static void raw_build_init_pid(wire_writer *w, int16_t version, const char *txn) {
    int flexible = version >= 2;
    raw_frame_begin(w);
    raw_write_header(w, KAFKA_API_INIT_PRODUCER_ID, version, flexible);
    wire_write_str(w, flexible, txn ? wire_str_from(txn) : WIRE_STR_NULL);
    wire_write_i32(w, 60000);
    if (version >= 3) {
        wire_write_i64(w, -1);
        wire_write_i16(w, -1);
    }
    wire_write_tags_empty(w, flexible);
    raw_frame_end(w);
}

/* OffsetForLeaderEpoch v3 for one partition (replica -1: a consumer). */
static void raw_build_epoch(wire_writer *w, const char *topic, int32_t partition, int32_t epoch,
                            int32_t current) {
    raw_frame_begin(w);
    raw_write_header(w, KAFKA_API_OFFSET_FOR_LEADER_EPOCH, 3, 0);
    wire_write_i32(w, -1); /* replica_id */
    wire_write_array_len(w, 0, 1);
    wire_write_cstr(w, 0, topic);
    wire_write_array_len(w, 0, 1);
    wire_write_i32(w, partition);
    wire_write_i32(w, current);
    wire_write_i32(w, epoch);
    raw_frame_end(w);
}

/* Fetch v11 for one partition as a consumer (replica -1), answered at once
 * (max wait 0, min bytes 0). */
static void raw_build_fetch(wire_writer *w, const char *topic, int32_t partition, int64_t offset,
                            int32_t current) {
    raw_frame_begin(w);
    raw_write_header(w, KAFKA_API_FETCH, 11, 0);
    wire_write_i32(w, -1);      /* replica_id */
    wire_write_i32(w, 0);       /* max_wait_ms */
    wire_write_i32(w, 0);       /* min_bytes */
    wire_write_i32(w, 1 << 20); /* max_bytes */
    wire_write_i8(w, 0);        /* isolation_level */
    wire_write_i32(w, 0);       /* session_id */
    wire_write_i32(w, -1);      /* session_epoch */
    wire_write_array_len(w, 0, 1);
    wire_write_cstr(w, 0, topic);
    wire_write_array_len(w, 0, 1);
    wire_write_i32(w, partition);
    wire_write_i32(w, current);
    wire_write_i64(w, offset);
    wire_write_i64(w, -1);         /* log_start_offset */
    wire_write_i32(w, 1 << 20);    /* partition_max_bytes */
    wire_write_array_len(w, 0, 0); /* forgotten topics */
    wire_write_cstr(w, 0, "");     /* rack_id */
    raw_frame_end(w);
}

/* ListOffsets v5 for one partition. */
static void raw_build_list_offsets(wire_writer *w, const char *topic, int32_t partition,
                                   int64_t timestamp, int32_t current, int32_t replica) {
    raw_frame_begin(w);
    raw_write_header(w, KAFKA_API_LIST_OFFSETS, 5, 0);
    wire_write_i32(w, replica);
    wire_write_i8(w, 0); /* isolation_level */
    wire_write_array_len(w, 0, 1);
    wire_write_cstr(w, 0, topic);
    wire_write_array_len(w, 0, 1);
    wire_write_i32(w, partition);
    wire_write_i32(w, current);
    wire_write_i64(w, timestamp);
    raw_frame_end(w);
}

/* Decode what we know of a response body (after the size prefix). */
static void raw_print_response(const char *kase, const uint8_t *p, size_t len) {
    wire_reader r;
    wire_reader_init(&r, p, len);
    int32_t corr = wire_read_i32(&r);
    printf("corr=%d\n", corr);
    if (strncmp(kase, "apiversions", 11) == 0) {
        /* Always response header v0; the body is v0-shaped on error 35
         * (KIP-511: it still lists ApiVersions' own range, which clients
         * use to pick the version to retry with). */
        int16_t ec = wire_read_i16(&r);
        printf("error_code=%d\n", ec);
        int flexible = raw_api_version >= 3 && ec != KAFKA_UNSUPPORTED_VERSION;
        int32_t n = wire_read_array_len(&r, flexible);
        for (int32_t i = 0; i < n && !r.err; i++) {
            int16_t key = wire_read_i16(&r);
            int16_t min = wire_read_i16(&r);
            int16_t max = wire_read_i16(&r);
            wire_skip_tags(&r, flexible);
            if (key == KAFKA_API_API_VERSIONS && !r.err)
                printf("api_versions_range=%d-%d\n", min, max);
            if (!r.err)
                printf("api=%d range=%d-%d\n", key, min, max);
        }
    } else if (strcmp(kase, "epoch") == 0) {
        printf("throttle_time_ms=%d\n", wire_read_i32(&r));
        int32_t topics = wire_read_array_len(&r, 0);
        for (int32_t t = 0; t < topics && !r.err; t++) {
            wire_read_str(&r, 0);
            int32_t parts = wire_read_array_len(&r, 0);
            for (int32_t i = 0; i < parts && !r.err; i++) {
                int16_t ec = wire_read_i16(&r);
                int32_t idx = wire_read_i32(&r);
                int32_t epoch = wire_read_i32(&r);
                int64_t end = wire_read_i64(&r);
                if (!r.err)
                    printf("partition=%d partition_error=%d leader_epoch=%d end_offset=%lld\n", idx,
                           ec, epoch, (long long)end);
            }
        }
    } else if (strcmp(kase, "fetch") == 0) {
        printf("throttle_time_ms=%d\n", wire_read_i32(&r));
        printf("error_code=%d\n", wire_read_i16(&r));
        wire_read_i32(&r); /* session_id */
        int32_t topics = wire_read_array_len(&r, 0);
        for (int32_t t = 0; t < topics && !r.err; t++) {
            wire_read_str(&r, 0);
            int32_t parts = wire_read_array_len(&r, 0);
            for (int32_t i = 0; i < parts && !r.err; i++) {
                int32_t idx = wire_read_i32(&r);
                int16_t ec = wire_read_i16(&r);
                int64_t hw = wire_read_i64(&r);
                int64_t lso = wire_read_i64(&r);
                int64_t lstart = wire_read_i64(&r);
                int32_t aborted = wire_read_array_len(&r, 0);
                for (int32_t k = 0; k < aborted && !r.err; k++) {
                    wire_read_i64(&r);
                    wire_read_i64(&r);
                }
                wire_read_i32(&r); /* preferred_read_replica */
                wire_bytes rec = wire_read_bytes(&r, 0);
                if (!r.err)
                    printf("partition=%d partition_error=%d high_watermark=%lld "
                           "last_stable_offset=%lld log_start_offset=%lld records_bytes=%d\n",
                           idx, ec, (long long)hw, (long long)lso, (long long)lstart,
                           rec.len > 0 ? (int)rec.len : 0);
            }
        }
    } else if (strcmp(kase, "listoffsets") == 0) {
        printf("throttle_time_ms=%d\n", wire_read_i32(&r));
        int32_t topics = wire_read_array_len(&r, 0);
        for (int32_t t = 0; t < topics && !r.err; t++) {
            wire_read_str(&r, 0);
            int32_t parts = wire_read_array_len(&r, 0);
            for (int32_t i = 0; i < parts && !r.err; i++) {
                int32_t idx = wire_read_i32(&r);
                int16_t ec = wire_read_i16(&r);
                int64_t ts = wire_read_i64(&r);
                int64_t off = wire_read_i64(&r);
                int32_t epoch = wire_read_i32(&r);
                if (!r.err)
                    printf("partition=%d partition_error=%d timestamp=%lld offset=%lld "
                           "leader_epoch=%d\n",
                           idx, ec, (long long)ts, (long long)off, epoch);
            }
        }
    } else if (strcmp(kase, "initpid") == 0) {
        if (raw_api_version >= 2)
            wire_skip_tags(&r, 1); /* flexible response header */
        wire_read_i32(&r);         /* throttle_time_ms */
        int16_t ec = wire_read_i16(&r);
        int64_t pid = wire_read_i64(&r);
        int16_t epoch = wire_read_i16(&r);
        if (!r.err)
            printf("error_code=%d producer_id=%lld producer_epoch=%d\n", ec, (long long)pid, epoch);
    } else if (strcmp(kase, "badcrc") == 0 || strcmp(kase, "goodcrc") == 0 ||
               strcmp(kase, "allacks") == 0 || strcmp(kase, "idem") == 0) {
        int32_t topics = wire_read_array_len(&r, 0);
        for (int32_t t = 0; t < topics && !r.err; t++) {
            wire_read_str(&r, 0);
            int32_t parts = wire_read_array_len(&r, 0);
            for (int32_t i = 0; i < parts && !r.err; i++) {
                int32_t idx = wire_read_i32(&r);
                int16_t ec = wire_read_i16(&r);
                int64_t base = wire_read_i64(&r);
                wire_read_i64(&r); /* log_append_time_ms */
                if (!r.err)
                    printf("partition=%d partition_error=%d base_offset=%lld\n", idx, ec,
                           (long long)base);
            }
        }
    }
    if (r.err)
        printf("decode_error=%d\n", r.err);
}

/* Connection B: one ApiVersions v0 round trip. */
static int raw_second_client_ok(void) {
    int fd = raw_connect();
    if (fd < 0)
        return 0;
    wire_writer w;
    wire_writer_init(&w);
    raw_build_api_versions(&w, 0);
    uint8_t *body = NULL;
    size_t len = 0;
    int ok = !w.err && raw_send_all(fd, w.p, w.len) == 0 && raw_recv_frame(fd, &body, &len) == 1 &&
             len >= 6 && (int32_t)wire_be32(body) == RAW_CORR_ID && wire_be16(body + 4) == 0;
    free(body);
    wire_writer_free(&w);
    close(fd);
    return ok;
}

static int usage(void) {
    fprintf(stderr,
            "usage: rdk_raw HOST:PORT CASE [ARG]\n"
            "cases: garbage | truncated | huge | negative | apiversions VERSION |\n"
            "       badcrc TOPIC | goodcrc TOPIC | allacks TOPIC |\n"
            "       epoch TOPIC PARTITION LEADER_EPOCH CURRENT_LEADER_EPOCH |\n"
            "       fetch TOPIC PARTITION OFFSET CURRENT_LEADER_EPOCH |\n"
            "       listoffsets TOPIC PARTITION TIMESTAMP CURRENT_LEADER_EPOCH REPLICA_ID |\n"
            "       initpid VERSION [TRANSACTIONAL_ID] |\n"
            "       idem TOPIC PRODUCER_ID EPOCH BASE_SEQUENCE COUNT\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc < 3)
        return usage();
    static char hostbuf[256];
    const char *colon = strrchr(argv[1], ':');
    if (!colon || (size_t)(colon - argv[1]) >= sizeof(hostbuf))
        return usage();
    memcpy(hostbuf, argv[1], (size_t)(colon - argv[1]));
    raw_host = hostbuf;
    raw_port = colon + 1;
    const char *kase = argv[2];

    wire_writer w;
    wire_writer_init(&w);
    int shut_write = 0; /* half-close A after sending (truncated frame) */
    if (strcmp(kase, "garbage") == 0) {
        /* A plausible size, then bytes that are no request header at all. */
        uint64_t x = 0x9e3779b97f4a7c15ull;
        wire_write_i32(&w, 60);
        for (int i = 0; i < 60; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            wire_write_i8(&w, (int8_t)(x >> 24));
        }
        w.p[4] = 0x7f; /* api_key 0x7fxx: no such API */
    } else if (strcmp(kase, "truncated") == 0) {
        /* Announce 100 bytes, send an ApiVersions header worth, then EOF. */
        wire_write_i32(&w, 100);
        raw_write_header(&w, KAFKA_API_API_VERSIONS, 0, 0);
        shut_write = 1;
    } else if (strcmp(kase, "huge") == 0) {
        wire_write_i32(&w, 0x7fffffff);
        raw_write_header(&w, KAFKA_API_API_VERSIONS, 0, 0);
    } else if (strcmp(kase, "negative") == 0) {
        wire_write_i32(&w, -2);
        raw_write_header(&w, KAFKA_API_API_VERSIONS, 0, 0);
    } else if (strcmp(kase, "apiversions") == 0 && argc > 3) {
        raw_api_version = atoi(argv[3]);
        raw_build_api_versions(&w, (int16_t)raw_api_version);
    } else if ((strcmp(kase, "badcrc") == 0 || strcmp(kase, "goodcrc") == 0) && argc > 3) {
        raw_build_produce(&w, argv[3], strcmp(kase, "badcrc") == 0, 1);
    } else if (strcmp(kase, "allacks") == 0 && argc > 3) {
        raw_build_produce(&w, argv[3], 0, -1); /* one record, acks=all, partition 0 */
    } else if (strcmp(kase, "initpid") == 0 && argc > 3) {
        raw_api_version = atoi(argv[3]);
        raw_build_init_pid(&w, (int16_t)raw_api_version, argc > 4 ? argv[4] : NULL);
    } else if (strcmp(kase, "idem") == 0 && argc > 7) {
        raw_build_idem_produce(&w, argv[3], atoll(argv[4]), (int16_t)atoi(argv[5]),
                               (int32_t)atol(argv[6]), (int32_t)atoi(argv[7]));
    } else if (strcmp(kase, "epoch") == 0 && argc > 6) {
        raw_build_epoch(&w, argv[3], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
    } else if (strcmp(kase, "fetch") == 0 && argc > 6) {
        raw_build_fetch(&w, argv[3], atoi(argv[4]), atoll(argv[5]), atoi(argv[6]));
    } else if (strcmp(kase, "listoffsets") == 0 && argc > 7) {
        raw_build_list_offsets(&w, argv[3], atoi(argv[4]), atoll(argv[5]), atoi(argv[6]),
                               atoi(argv[7]));
    } else {
        return usage();
    }
    if (w.err) {
        fprintf(stderr, "rdk_raw: cannot build the request\n");
        return 1;
    }

    int fd = raw_connect();
    if (fd < 0) {
        fprintf(stderr, "rdk_raw: cannot connect to %s\n", argv[1]);
        return 1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (raw_send_all(fd, w.p, w.len) != 0) {
        printf("send=failed\n");
    }
    if (shut_write)
        shutdown(fd, SHUT_WR);

    printf("second_client=%s\n", raw_second_client_ok() ? "ok" : "fail");

    uint8_t *body = NULL;
    size_t len = 0;
    int rc = raw_recv_frame(fd, &body, &len);
    if (rc == 1) {
        printf("result=response\nsize=%zu\n", len);
        raw_print_response(kase, body, len);
        free(body);
    } else {
        printf("result=%s\n", rc == 0 ? "closed" : "timeout");
    }
    close(fd);
    wire_writer_free(&w);
    return 0;
}
