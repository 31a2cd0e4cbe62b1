/*
 * client/conf.h - the parsed form of a strand_conf, for the library's own
 * modules (the public API in strand/conf.h only sees keys and strings).
 *
 * strand_conf_set() validates a value and stores it twice: as canonical
 * text (what strand_conf_get returns) and as the typed field below, which the
 * client core, the producer and the consumer read directly. A client takes
 * ownership of its conf at creation and never changes it afterwards, so the
 * fields may be read from any thread without locking once the client exists.
 */
#ifndef STRAND_CLIENT_CONF_H
#define STRAND_CLIENT_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "strand/conf.h"

enum client_partitioner {
    CLIENT_PARTITIONER_MURMUR2_RANDOM = 0, /* Java default */
    CLIENT_PARTITIONER_MURMUR2,
    CLIENT_PARTITIONER_CONSISTENT_RANDOM, /* librdkafka default */
    CLIENT_PARTITIONER_CONSISTENT,
    CLIENT_PARTITIONER_RANDOM,
};

enum client_offset_reset {
    CLIENT_OFFSET_RESET_LATEST = 0,
    CLIENT_OFFSET_RESET_EARLIEST,
    CLIENT_OFFSET_RESET_NONE, /* report STRAND_ERR_OFFSET_OUT_OF_RANGE */
};

#define CLIENT_CONF_KEY_MAX 40 /* room for the key table (see conf.c) */

struct strand_conf {
    /* common */
    char *bootstrap_servers; /* "" until set */
    char *client_id;
    int32_t request_timeout_ms;
    int32_t socket_connection_setup_timeout_ms;
    int32_t reconnect_backoff_ms;
    int32_t reconnect_backoff_max_ms;
    int32_t metadata_max_age_ms;
    int allow_auto_create_topics;
    int32_t message_max_bytes;

    /* producer */
    int16_t acks; /* -1 (all), 0 or 1 */
    int32_t linger_ms;
    int32_t batch_size;
    int compression; /* enum batch_codec (wire/batch.h) */
    int32_t retries;
    int32_t retry_backoff_ms;
    int32_t delivery_timeout_ms;
    int32_t max_in_flight;
    int partitioner; /* enum client_partitioner */
    int32_t queue_max_messages;
    int64_t queue_max_bytes; /* queue.buffering.max.kbytes * 1024 */
    int enable_idempotence;

    /* consumer */
    int32_t fetch_min_bytes;
    int32_t fetch_max_wait_ms;
    int32_t fetch_max_bytes;
    int32_t max_partition_fetch_bytes;
    int64_t queued_max_bytes; /* queued.max.messages.kbytes * 1024 */
    int auto_offset_reset;    /* enum client_offset_reset */
    int check_crcs;
    int enable_partition_eof;

    /* consumer groups */
    char *group_id;          /* "" = no group */
    char *group_instance_id; /* "" = dynamic membership */
    int32_t session_timeout_ms;
    int32_t heartbeat_interval_ms;
    int32_t max_poll_interval_ms;
    char *assignment_strategy; /* validated list of assignor names */
    int enable_auto_commit;
    int32_t auto_commit_interval_ms;
    int32_t topic_metadata_refresh_interval_ms;

    /* callbacks */
    strand_delivery_cb delivery_cb;
    void *delivery_opaque;
    strand_log_cb log_cb;
    void *log_opaque;
    strand_rebalance_cb rebalance_cb;
    void *rebalance_opaque;
    strand_offset_commit_cb offset_commit_cb;
    void *offset_commit_opaque;

    /* canonical text per key, indexed like the key table; NULL = default */
    char *text[CLIENT_CONF_KEY_MAX];
};

/* Checks across keys that only make sense once all are set (e.g.
 * reconnect.backoff.max.ms >= reconnect.backoff.ms, a non-empty and
 * parsable bootstrap.servers). STRAND_OK or STRAND_ERR_CONFIG with a message
 * naming the key(s) in errbuf. Client constructors call it. */
strand_err client_conf_check(const strand_conf *conf, char *errbuf, size_t errlen);

/* 1 if `key` was given a value with strand_conf_set (even its default),
 * 0 if it still has its default or is unknown. Pure; any thread. */
int client_conf_is_set(const strand_conf *conf, const char *key);

/* A bootstrap server: host (NUL-terminated) and port. */
typedef struct client_addr {
    char host[256];
    int port;
} client_addr;

/* Parse a comma-separated "host:port" list ("[v6addr]:port" too; spaces
 * around entries are ignored) into at most `cap` entries. Returns the
 * number of entries (>= 1) or -1 for an empty list, a malformed entry or
 * more than `cap` entries. Pure; any thread. */
int client_addr_list_parse(const char *list, client_addr *out, int cap);

#endif
