/*
 * zk.h - an asynchronous ZooKeeper client on the broker's libuv loop.
 *
 * Wraps the C client's multi-threaded library (libzookeeper_mt). That
 * library runs its own I/O and completion threads: every completion and
 * every watch event is copied there into a heap entry, pushed on a locked
 * queue and handed to the loop with uv_async_send. All callbacks of this
 * module therefore run on the loop thread; the rest of the broker stays
 * single-threaded.
 *
 * Chroot: the connect string may end in "/chroot" (Kafka's form,
 * "host:port,host:port/chroot"). Paths given to this module are relative to
 * it; zk_open creates the chroot's components when they are missing (so
 * several clusters can share one ensemble), then the session is used.
 *
 * Watches: operations with watch=1 leave a one-shot ZooKeeper watch; when it
 * fires, the module's event callback receives (type, path). Session state
 * changes come through the same callback with type ZOO_SESSION_EVENT. An
 * expired session stays expired: the owner calls zk_reconnect.
 *
 * Memory: result buffers passed to callbacks are valid during the callback
 * only. Pending callbacks of a closed handle are called with ZCLOSING (or the
 * library's error) so their arguments can be freed. Single owner, loop thread.
 */
#ifndef STRAND_BROKER_ZK_H
#define STRAND_BROKER_ZK_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct zk zk;

/* What an operation returns to its callback. */
typedef struct zk_result {
    int rc;           /* ZOK, ZNONODE, ZNODEEXISTS, ZBADVERSION, ... */
    const char *data; /* get: node data (NUL-terminated copy) */
    int data_len;     /* get: -1 for a node without data */
    int32_t version;  /* get/exists/set: the node's data version */
    int64_t owner;    /* get/exists: ephemeral owner session (0: persistent) */
    int child_count;  /* children */
    char **children;  /* children: names */
    const char *path; /* create: the created path (relative to the chroot) */
} zk_result;

typedef void (*zk_cb)(void *arg, const zk_result *r);
/* Watch events and session events (type ZOO_SESSION_EVENT, state). */
typedef void (*zk_event_fn)(void *arg, int type, int state, const char *path);

/* Parse "host:port[,host:port][/chroot]" into hosts and chroot ("" when
 * none). 0, or -1 when malformed. */
int zk_parse_connect(const char *connect, char *hosts, size_t hostlen, char *chroot,
                     size_t chrootlen);

/* Start a session. Returns at once; on_event gets ZOO_CONNECTED_STATE once
 * the session is up (and the chroot exists). NULL with err filled. */
zk *zk_open(uv_loop_t *loop, const char *connect, int session_timeout_ms, zk_event_fn on_event,
            void *arg, char *err, size_t errlen);
/* Close the session (ephemeral nodes go at once); pending callbacks are
 * called before this returns. */
void zk_close(zk *z);
/* After an expiry: drop the old handle, start a new session. 0 or -1. */
int zk_reconnect(zk *z);

/* ZOO_CONNECTED_STATE and friends. */
int zk_state(const zk *z);
/* Current session id (0 before the first connection). */
int64_t zk_session_id(const zk *z);
/* Negotiated session timeout in ms. */
int zk_session_timeout(const zk *z);
/* "host:port,..." and "/chroot" as configured. */
const char *zk_hosts(const zk *z);
const char *zk_chroot(const zk *z);

/* Asynchronous operations. Each returns 0 (cb will be called exactly once)
 * or a ZooKeeper error code (cb is not called). */
enum { ZK_PERSISTENT = 0, ZK_EPHEMERAL = 1 };
int zk_get(zk *z, const char *path, int watch, zk_cb cb, void *arg);
int zk_exists(zk *z, const char *path, int watch, zk_cb cb, void *arg);
int zk_children(zk *z, const char *path, int watch, zk_cb cb, void *arg);
int zk_create(zk *z, const char *path, const char *data, int len, int mode, zk_cb cb, void *arg);
int zk_set(zk *z, const char *path, const char *data, int len, int32_t version, zk_cb cb,
           void *arg);
int zk_delete(zk *z, const char *path, int32_t version, zk_cb cb, void *arg);

/* A transaction (ZooKeeper multi): all operations or none. */
typedef enum { ZK_OP_CHECK, ZK_OP_CREATE, ZK_OP_SET, ZK_OP_DELETE } zk_op_type;
typedef struct zk_op {
    zk_op_type type;
    const char *path;
    const char *data; /* create/set */
    int len;
    int32_t version; /* check/set/delete (-1: any for set/delete) */
} zk_op;
#define ZK_MULTI_MAX 8
/* r->rc is the first failing operation's error (ZOK when all succeeded). */
int zk_multi(zk *z, const zk_op *ops, int count, zk_cb cb, void *arg);

/* zerror() text for a code. */
const char *zk_strerror(int rc);

#endif
