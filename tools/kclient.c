/*
 * kclient.c - the blocking Kafka connection used by the `strand` tool.
 *
 * The tool does one thing at a time, so a plain blocking socket is the
 * simplest correct client: every read and write waits with poll() against a
 * deadline, which gives a clear "timed out" error instead of a hang. The
 * version table from ApiVersions is kept so that each command can pick the
 * highest version both sides implement.
 */
#include "tools/kclient.h"

#include <errno.h>
#include <fcntl.h>
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
#include "wire/kafka.h"
#include "wire/protocol.h"

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int kclient_addr_parse(const char *hostport, char *host, size_t host_cap, int *port) {
    const char *colon;
    const char *h = hostport;
    size_t hlen;
    if (!hostport || !*hostport)
        return -1;
    if (hostport[0] == '[') {
        const char *end = strchr(hostport, ']');
        if (!end || end[1] != ':')
            return -1;
        h = hostport + 1;
        hlen = (size_t)(end - h);
        colon = end + 1;
    } else {
        colon = strrchr(hostport, ':');
        if (!colon)
            return -1;
        hlen = (size_t)(colon - hostport);
    }
    if (hlen == 0 || hlen >= host_cap)
        return -1;
    char *endp;
    errno = 0;
    long p = strtol(colon + 1, &endp, 10);
    if (errno || *endp || endp == colon + 1 || p <= 0 || p > 65535)
        return -1;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (int)p;
    return 0;
}

void kclient_close(kclient *c) {
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

static void set_connect_error(kclient *c, int e) {
    const char *why = e == ECONNREFUSED ? "connection refused" : strerror(e);
    if (e == ETIMEDOUT)
        why = "timed out";
    snprintf(c->err, sizeof c->err,
             "cannot connect to %s: %s - is the broker running? start one with `make run`, "
             "or point -b (or STRAND_BROKERS) at a running broker",
             c->addr, why);
}

/* Non-blocking connect to one address, waiting until the deadline. Returns
 * the connected fd or -1 with errno set. */
static int connect_one(const struct addrinfo *ai, int64_t deadline) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return -1;
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        if (errno != EINPROGRESS) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int left = (int)(deadline - now_ms());
        int n = left > 0 ? poll(&pfd, 1, left) : 0;
        if (n <= 0) {
            close(fd);
            errno = n == 0 ? ETIMEDOUT : errno;
            return -1;
        }
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        if (soerr) {
            close(fd);
            errno = soerr;
            return -1;
        }
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Wait until fd is ready for `events` or the deadline passes. */
static int wait_fd(kclient *c, short events, int64_t deadline, const char *what) {
    for (;;) {
        int left = (int)(deadline - now_ms());
        if (left <= 0) {
            snprintf(c->err, sizeof c->err,
                     "%s: timed out after %d ms waiting to %s - the broker is not answering; "
                     "check it is healthy or raise --timeout",
                     c->addr, c->timeout_ms, what);
            return -1;
        }
        struct pollfd pfd = {.fd = c->fd, .events = events};
        int n = poll(&pfd, 1, left);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR) {
            snprintf(c->err, sizeof c->err, "%s: poll: %s", c->addr, strerror(errno));
            return -1;
        }
    }
}

static int send_all(kclient *c, const uint8_t *p, size_t len, int64_t deadline) {
    while (len > 0) {
        if (wait_fd(c, POLLOUT, deadline, "send") < 0)
            return -1;
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            snprintf(c->err, sizeof c->err,
                     "%s: send failed: %s - the broker closed the connection", c->addr,
                     strerror(errno));
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int recv_all(kclient *c, uint8_t *p, size_t len, int64_t deadline) {
    while (len > 0) {
        if (wait_fd(c, POLLIN, deadline, "receive a response") < 0)
            return -1;
        ssize_t n = recv(c->fd, p, len, 0);
        if (n == 0) {
            snprintf(c->err, sizeof c->err,
                     "%s: the broker closed the connection (it may not support this request "
                     "version; see the broker's log)",
                     c->addr);
            return -1;
        }
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            snprintf(c->err, sizeof c->err, "%s: receive failed: %s", c->addr, strerror(errno));
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int kclient_call(kclient *c, int16_t api_key, int16_t version, const uint8_t *body, size_t body_len,
                 uint8_t **resp, size_t *resp_len) {
    if (c->fd < 0) {
        snprintf(c->err, sizeof c->err, "%s: not connected", c->addr);
        return -1;
    }
    int64_t deadline = now_ms() + c->timeout_ms;
    int32_t corr = c->next_correlation++;
    wire_writer w;
    wire_writer_init(&w);
    size_t start = proto_frame_begin(&w);
    proto_req_header hdr = {api_key, version, corr, wire_str_from(c->client_id)};
    proto_req_header_encode(&w, &hdr);
    wire_write_raw(&w, body, body_len);
    proto_frame_end(&w, start);
    if (w.err) {
        wire_writer_free(&w);
        snprintf(c->err, sizeof c->err, "out of memory building a request");
        return -1;
    }
    int rc = send_all(c, w.p, w.len, deadline);
    wire_writer_free(&w);
    if (rc < 0) {
        kclient_close(c);
        return -1;
    }

    uint8_t szb[4];
    if (recv_all(c, szb, 4, deadline) < 0) {
        kclient_close(c);
        return -1;
    }
    uint32_t size = wire_be32(szb);
    if (size < 4 || size > c->max_frame) {
        snprintf(c->err, sizeof c->err,
                 "%s: response frame of %u bytes is outside [4, %zu] - is this a Kafka broker?",
                 c->addr, size, c->max_frame);
        kclient_close(c);
        return -1;
    }
    uint8_t *frame = malloc(size);
    if (!frame) {
        snprintf(c->err, sizeof c->err, "out of memory for a %u-byte response", size);
        kclient_close(c);
        return -1;
    }
    if (recv_all(c, frame, size, deadline) < 0) {
        free(frame);
        kclient_close(c);
        return -1;
    }
    wire_reader r;
    wire_reader_init(&r, frame, size);
    int32_t got = -1;
    if (proto_resp_header_decode(&r, api_key, version, &got) != 0 || got != corr) {
        snprintf(c->err, sizeof c->err,
                 "%s: response correlation id %d does not match request %d (%s v%d)", c->addr, got,
                 corr, kafka_api_name(api_key) ? kafka_api_name(api_key) : "?", version);
        free(frame);
        kclient_close(c);
        return -1;
    }
    size_t off = r.pos;
    memmove(frame, frame + off, size - off);
    *resp = frame;
    *resp_len = size - off;
    return 0;
}

/* ApiVersions v0 (every broker answers it): fills c->apis. */
static int fetch_versions(kclient *c) {
    wire_writer w;
    wire_writer_init(&w);
    proto_api_versions_req req = {WIRE_STR_NULL, WIRE_STR_NULL};
    proto_api_versions_req_encode(&w, 0, &req);
    uint8_t *resp;
    size_t len;
    int rc = w.err ? -1 : kclient_call(c, KAFKA_API_API_VERSIONS, 0, w.p, w.len, &resp, &len);
    wire_writer_free(&w);
    if (rc < 0)
        return -1;
    wire_reader r;
    wire_reader_init(&r, resp, len);
    wire_arena a;
    wire_arena_init(&a);
    proto_api_versions_resp out;
    int drc = proto_api_versions_resp_decode(&r, 0, &a, &out);
    for (int32_t i = 0; drc == 0 && i < out.api_count; i++) {
        const proto_api_range *e = &out.apis[i];
        if (e->api_key >= 0 && e->api_key < KCLIENT_API_MAX && e->min_version <= e->max_version) {
            c->apis[e->api_key].min = e->min_version;
            c->apis[e->api_key].max = e->max_version;
        }
    }
    wire_arena_free(&a);
    free(resp);
    if (drc != 0 || out.error_code != KAFKA_NONE) {
        snprintf(c->err, sizeof c->err, "%s: ApiVersions failed: %s - is this a Kafka broker?",
                 c->addr, drc != 0 ? "malformed response" : kafka_error_name(out.error_code));
        kclient_close(c);
        return -1;
    }
    return 0;
}

int kclient_connect(kclient *c, const char *hostport, int timeout_ms) {
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
    c->max_frame = KCLIENT_DEFAULT_MAX_FRAME;
    c->next_correlation = 1;
    c->client_id = "strand-cli";
    for (int i = 0; i < KCLIENT_API_MAX; i++)
        c->apis[i].min = c->apis[i].max = -1;
    snprintf(c->addr, sizeof c->addr, "%s", hostport ? hostport : "");

    char host[256];
    int port;
    if (kclient_addr_parse(hostport, host, sizeof host, &port) < 0) {
        snprintf(c->err, sizeof c->err,
                 "bad broker address '%s': expected HOST:PORT, e.g. 127.0.0.1:9092", c->addr);
        return -1;
    }
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, portstr, &hints, &res);
    if (gai != 0) {
        snprintf(c->err, sizeof c->err, "cannot resolve broker host '%s': %s", host,
                 gai_strerror(gai));
        return -1;
    }
    int64_t deadline = now_ms() + c->timeout_ms;
    int last_errno = ECONNREFUSED;
    for (struct addrinfo *ai = res; ai && c->fd < 0; ai = ai->ai_next) {
        c->fd = connect_one(ai, deadline);
        if (c->fd < 0)
            last_errno = errno;
    }
    freeaddrinfo(res);
    if (c->fd < 0) {
        set_connect_error(c, last_errno);
        return -1;
    }
    return fetch_versions(c);
}

int kclient_pick_version(kclient *c, int16_t api_key, int16_t lo, int16_t hi) {
    const char *name = kafka_api_name(api_key) ? kafka_api_name(api_key) : "?";
    if (api_key < 0 || api_key >= KCLIENT_API_MAX || c->apis[api_key].max < 0) {
        snprintf(c->err, sizeof c->err,
                 "the broker at %s does not support %s (API key %d); this command needs it",
                 c->addr, name, api_key);
        return -1;
    }
    int16_t blo = c->apis[api_key].min, bhi = c->apis[api_key].max;
    /* the codecs of wire/protocol.h bound what this side can speak */
    int16_t v = proto_api_version_pick(api_key, blo, bhi);
    if (v > hi)
        v = hi;
    if (v < lo || v < blo) {
        snprintf(c->err, sizeof c->err,
                 "no common %s version: the broker offers v%d-v%d, this tool speaks v%d-v%d", name,
                 blo, bhi, lo, hi);
        return -1;
    }
    return v;
}
