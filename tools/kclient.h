/*
 * kclient.h - a small blocking Kafka client connection for the command-line
 * tools: connect with a timeout, negotiate versions with ApiVersions, send a
 * request and read its response.
 *
 * One kclient is one TCP connection to one broker, used by one thread. Each
 * call blocks for at most the timeout given to kclient_connect(). Requests
 * are sent one at a time; the correlation id of every response is checked
 * against the request's, and response frames larger than `max_frame` are
 * refused (the connection is then closed), so a confused peer cannot make
 * the tool allocate without bound.
 *
 * Errors: functions return 0 or -1; on -1 `err` holds a sentence for the
 * user that already says what to do next (e.g. "is the broker running?").
 */
#ifndef STRAND_TOOLS_KCLIENT_H
#define STRAND_TOOLS_KCLIENT_H

#include <stddef.h>
#include <stdint.h>

#define KCLIENT_API_MAX 80 /* API keys this table can hold */
#define KCLIENT_DEFAULT_MAX_FRAME (64u << 20)

typedef struct kclient_api_range {
    int16_t min;
    int16_t max; /* -1: the broker does not offer this API */
} kclient_api_range;

typedef struct kclient {
    int fd;
    char addr[300]; /* "host:port" as given, for messages */
    int timeout_ms;
    size_t max_frame;
    int32_t next_correlation;
    const char *client_id;
    kclient_api_range apis[KCLIENT_API_MAX];
    char err[600];
} kclient;

/* Parse "host:port" ("[v6addr]:port" too) into host (NUL-terminated, at most
 * host_cap bytes) and port. Returns 0, or -1 for a malformed address. */
int kclient_addr_parse(const char *hostport, char *host, size_t host_cap, int *port);

/* Connect to `hostport` within timeout_ms and ask the broker for its API
 * version table (ApiVersions v0). On failure the client is closed and
 * c->err says why. */
int kclient_connect(kclient *c, const char *hostport, int timeout_ms);

/* Close the connection (safe to call twice). */
void kclient_close(kclient *c);

/* The highest version in [lo, hi] that the codecs of wire/protocol.h
 * implement and the broker offers, or -1 if there is none (c->err then
 * names the API and both ranges). */
int kclient_pick_version(kclient *c, int16_t api_key, int16_t lo, int16_t hi);

/*
 * Send one request (header v1 or v2 as the API version requires, client id
 * c->client_id; built with wire/protocol.h) with `body` as its body, and
 * read the response. On success *resp (malloc'ed, the caller frees it)
 * holds the response body after the response header, *resp_len its size.
 * Any failure closes the connection.
 */
int kclient_call(kclient *c, int16_t api_key, int16_t version, const uint8_t *body, size_t body_len,
                 uint8_t **resp, size_t *resp_len);

#endif
