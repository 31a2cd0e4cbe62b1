/*
 * zk.c - the asynchronous ZooKeeper client on the libuv loop (zk.h).
 *
 * libzookeeper_mt calls completions and watchers on its own threads. Each
 * call here allocates a zk_msg that travels as the completion's context:
 * the ZooKeeper thread copies the result into it, pushes it on the locked
 * queue and wakes the loop (uv_async_send); the loop thread pops the queue
 * and calls the owner's callback. Watch and session events travel the same
 * way. The chroot is handled here by prefixing paths (and stripping it from
 * event paths), which lets zk_open create the chroot on the same session.
 */
#include "broker/zk.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#include "broker/logging.h"

#define ZK_PATH_MAX 1024

typedef struct zk_msg {
    struct zk_msg *next;
    struct zk_msg *o_prev, *o_next; /* operations: the loop's list of submitted ones */
    zk *z;
    int is_event;
    uint64_t gen; /* handle generation the message belongs to */
    zk_cb cb;
    void *arg;
    /* completion */
    int rc;
    char *data;
    int data_len;
    int32_t version;
    int64_t owner;
    int child_count;
    char **children;
    char *path;
    zoo_op_result_t results[ZK_MULTI_MAX];
    int result_count;
    /* event */
    int type, state;
} zk_msg;

struct zk {
    uv_loop_t *loop;
    uv_async_t async;
    pthread_mutex_t lock;
    zk_msg *head, *tail; /* guarded by lock */
    zk_msg *outstanding; /* submitted operations not delivered yet (loop only) */
    zhandle_t *zh;
    uint64_t gen;
    char hosts[ZK_PATH_MAX];
    char chroot[ZK_PATH_MAX];
    int session_timeout_ms;
    zk_event_fn on_event;
    void *arg;
    int root_ready;   /* the chroot exists (or there is none) */
    int root_pending; /* creating its components */
    size_t root_len;  /* length of the chroot prefix created so far */
    int closed;
};

const char *zk_strerror(int rc) {
    return zerror(rc);
}

int zk_parse_connect(const char *connect, char *hosts, size_t hostlen, char *chroot,
                     size_t chrootlen) {
    const char *slash = strchr(connect, '/');
    size_t hl = slash ? (size_t)(slash - connect) : strlen(connect);
    if (hl == 0 || hl >= hostlen)
        return -1;
    memcpy(hosts, connect, hl);
    hosts[hl] = '\0';
    chroot[0] = '\0';
    if (slash) {
        size_t cl = strlen(slash);
        while (cl > 1 && slash[cl - 1] == '/')
            cl--;
        if (cl >= chrootlen || strstr(slash, "//"))
            return -1;
        if (cl > 1) {
            memcpy(chroot, slash, cl);
            chroot[cl] = '\0';
        }
    }
    for (const char *p = hosts; *p; p++)
        if (*p == ' ' || *p == '\t')
            return -1;
    return strchr(hosts, ':') ? 0 : -1;
}

/* ---- the ZooKeeper threads' side ---- */

static void zk_push(zk *z, zk_msg *m) {
    pthread_mutex_lock(&z->lock);
    m->next = NULL;
    if (z->tail)
        z->tail->next = m;
    else
        z->head = m;
    z->tail = m;
    pthread_mutex_unlock(&z->lock);
    uv_async_send(&z->async);
}

static char *dup_path_stripped(const zk *z, const char *path) {
    if (!path)
        return NULL;
    size_t cl = strlen(z->chroot);
    if (cl && strncmp(path, z->chroot, cl) == 0) {
        path += cl;
        if (!*path)
            path = "/";
    }
    return strdup(path);
}

static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    (void)zh;
    zk *z = ctx;
    zk_msg *m = calloc(1, sizeof *m);
    if (!m)
        return; /* the owner resynchronises on the next event */
    m->z = z;
    m->is_event = 1;
    m->gen = __atomic_load_n(&z->gen, __ATOMIC_ACQUIRE);
    m->type = type;
    m->state = state;
    m->path = dup_path_stripped(z, path);
    zk_push(z, m);
}

static void fill_stat(zk_msg *m, const struct Stat *st) {
    if (st) {
        m->version = st->version;
        m->owner = st->ephemeralOwner;
    }
}

static void done_data(int rc, const char *value, int len, const struct Stat *st, const void *d) {
    zk_msg *m = (zk_msg *)d;
    m->rc = rc;
    m->data_len = -1;
    if (rc == ZOK && value && len >= 0) {
        m->data = malloc((size_t)len + 1);
        if (m->data) {
            memcpy(m->data, value, (size_t)len);
            m->data[len] = '\0';
            m->data_len = len;
        } else {
            m->rc = ZSYSTEMERROR;
        }
    }
    if (rc == ZOK)
        fill_stat(m, st);
    zk_push(m->z, m);
}

static void done_stat(int rc, const struct Stat *st, const void *d) {
    zk_msg *m = (zk_msg *)d;
    m->rc = rc;
    if (rc == ZOK)
        fill_stat(m, st);
    zk_push(m->z, m);
}

static void done_strings(int rc, const struct String_vector *sv, const void *d) {
    zk_msg *m = (zk_msg *)d;
    m->rc = rc;
    if (rc == ZOK && sv && sv->count > 0) {
        m->children = calloc((size_t)sv->count, sizeof *m->children);
        if (!m->children) {
            m->rc = ZSYSTEMERROR;
        } else {
            for (int i = 0; i < sv->count; i++) {
                m->children[i] = strdup(sv->data[i]);
                if (!m->children[i]) {
                    m->rc = ZSYSTEMERROR;
                    break;
                }
                m->child_count = i + 1;
            }
        }
    }
    zk_push(m->z, m);
}

static void done_string(int rc, const char *value, const void *d) {
    zk_msg *m = (zk_msg *)d;
    m->rc = rc;
    if (rc == ZOK)
        m->path = dup_path_stripped(m->z, value);
    zk_push(m->z, m);
}

static void done_void(int rc, const void *d) {
    zk_msg *m = (zk_msg *)d;
    m->rc = rc;
    if (rc != ZOK) /* a failed multi: name the first failing operation's error */
        for (int i = 0; i < m->result_count; i++)
            if (m->results[i].err != ZOK && m->results[i].err != ZRUNTIMEINCONSISTENCY) {
                m->rc = m->results[i].err;
                break;
            }
    zk_push(m->z, m);
}

/* ---- the loop's side ---- */

static void msg_free(zk_msg *m) {
    for (int i = 0; i < m->child_count; i++)
        free(m->children[i]);
    free(m->children);
    free(m->data);
    free(m->path);
    free(m);
}

static void root_step(zk *z, const zk_result *r);

static void outstanding_add(zk *z, zk_msg *m) {
    m->o_prev = NULL;
    m->o_next = z->outstanding;
    if (z->outstanding)
        z->outstanding->o_prev = m;
    z->outstanding = m;
}

static void outstanding_remove(zk *z, zk_msg *m) {
    if (m->o_prev)
        m->o_prev->o_next = m->o_next;
    else if (z->outstanding == m)
        z->outstanding = m->o_next;
    if (m->o_next)
        m->o_next->o_prev = m->o_prev;
    m->o_prev = m->o_next = NULL;
}

static void deliver(zk_msg *m) {
    zk *z = m->z;
    if (!m->is_event)
        outstanding_remove(z, m);
    if (m->is_event) {
        if (m->gen != z->gen || z->closed)
            return;
        if (m->type == ZOO_SESSION_EVENT && m->state == ZOO_CONNECTED_STATE && !z->root_ready) {
            if (!z->root_pending)
                root_step(z, NULL);
            return;
        }
        if (z->on_event)
            z->on_event(z->arg, m->type, m->state, m->path);
        return;
    }
    zk_result r = {m->rc,    m->data,        m->data_len, m->version,
                   m->owner, m->child_count, m->children, m->path};
    if (m->cb)
        m->cb(m->arg, &r);
}

static void drain(zk *z) {
    for (;;) {
        pthread_mutex_lock(&z->lock);
        zk_msg *m = z->head;
        if (m) {
            z->head = m->next;
            if (!z->head)
                z->tail = NULL;
        }
        pthread_mutex_unlock(&z->lock);
        if (!m)
            return;
        deliver(m);
        msg_free(m);
    }
}

static void async_cb(uv_async_t *h) {
    drain(h->data);
}

/* After zookeeper_close and a drain: operations the library never completed
 * are answered with ZCLOSING here, so every callback runs exactly once and
 * its context is freed. libzookeeper_mt's close queues ZCLOSING answers for
 * pending requests, but its completion thread may already have made its
 * last pass, and the multi-threaded build never processes that queue
 * afterwards. zookeeper_close has joined the library's threads by the time
 * it returns, so nothing else touches these messages. */
static void fail_outstanding(zk *z) {
    while (z->outstanding) {
        zk_msg *m = z->outstanding;
        m->rc = ZCLOSING;
        deliver(m); /* unlinks m */
        msg_free(m);
    }
}

/* Create the chroot's components one by one (an existing one is fine),
 * then tell the owner the session is up. */
static void root_done(void *arg, const zk_result *r) {
    root_step(arg, r);
}

static void root_step(zk *z, const zk_result *r) {
    if (!r) {
        z->root_len = 0;
        z->root_pending = 1;
    } else if (r->rc != ZOK && r->rc != ZNODEEXISTS) {
        z->root_pending = 0;
        BLOG_E("zookeeper: cannot create the chroot %s: %s", z->chroot, zerror(r->rc));
        if (z->on_event) /* reported as a lost connection: the owner retries */
            z->on_event(z->arg, ZOO_SESSION_EVENT, ZOO_CONNECTING_STATE, NULL);
        return;
    }
    size_t cl = strlen(z->chroot);
    if (z->root_len >= cl) {
        z->root_pending = 0;
        z->root_ready = 1;
        if (z->on_event)
            z->on_event(z->arg, ZOO_SESSION_EVENT, ZOO_CONNECTED_STATE, NULL);
        return;
    }
    const char *next = strchr(z->chroot + z->root_len + 1, '/');
    z->root_len = next ? (size_t)(next - z->chroot) : cl;
    char part[ZK_PATH_MAX];
    snprintf(part, sizeof part, "%.*s", (int)z->root_len, z->chroot);
    zk_msg *m = calloc(1, sizeof *m);
    if (!m)
        return;
    m->z = z;
    m->cb = root_done;
    m->arg = z;
    int rc = zoo_acreate(z->zh, part, "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, done_string, m);
    if (rc != ZOK) {
        free(m);
        z->root_pending = 0;
        BLOG_E("zookeeper: cannot create the chroot %s: %s", z->chroot, zerror(rc));
    }
}

static int zk_start_handle(zk *z) {
    __atomic_add_fetch(&z->gen, 1, __ATOMIC_RELEASE);
    z->root_ready = z->chroot[0] == '\0';
    z->root_pending = 0;
    z->zh = zookeeper_init(z->hosts, watcher, z->session_timeout_ms, NULL, z, 0);
    return z->zh ? 0 : -1;
}

zk *zk_open(uv_loop_t *loop, const char *connect, int session_timeout_ms, zk_event_fn on_event,
            void *arg, char *err, size_t errlen) {
    zk *z = calloc(1, sizeof *z);
    if (!z) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (zk_parse_connect(connect, z->hosts, sizeof z->hosts, z->chroot, sizeof z->chroot) != 0) {
        snprintf(err, errlen,
                 "zookeeper.connect '%s' is malformed: expected HOST:PORT[,HOST:PORT][/chroot]",
                 connect);
        free(z);
        return NULL;
    }
    z->loop = loop;
    z->session_timeout_ms = session_timeout_ms;
    z->on_event = on_event;
    z->arg = arg;
    pthread_mutex_init(&z->lock, NULL);
    uv_async_init(loop, &z->async, async_cb);
    z->async.data = z;
    static int quiet;
    if (!quiet) {
        zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
        quiet = 1;
    }
    if (zk_start_handle(z) != 0) {
        snprintf(err, errlen, "cannot start a ZooKeeper session with %s: %s", z->hosts,
                 strerror(errno));
        z->closed = 1;
        uv_close((uv_handle_t *)&z->async, (uv_close_cb)free);
        return NULL;
    }
    return z;
}

int zk_reconnect(zk *z) {
    if (z->zh)
        zookeeper_close(z->zh);
    z->zh = NULL;
    drain(z); /* the old handle's completions fail now, with their contexts freed */
    fail_outstanding(z);
    return zk_start_handle(z);
}

static void async_closed(uv_handle_t *h) {
    zk *z = h->data;
    pthread_mutex_destroy(&z->lock);
    free(z);
}

void zk_close(zk *z) {
    if (!z)
        return;
    if (z->zh)
        zookeeper_close(z->zh);
    z->zh = NULL;
    drain(z);
    fail_outstanding(z);
    z->closed = 1;
    uv_close((uv_handle_t *)&z->async, async_closed);
}

int zk_state(const zk *z) {
    if (!z->zh)
        return ZOO_EXPIRED_SESSION_STATE;
    int st = zoo_state(z->zh);
    if (st == ZOO_CONNECTED_STATE && !z->root_ready)
        return ZOO_CONNECTING_STATE;
    return st;
}

int64_t zk_session_id(const zk *z) {
    const clientid_t *id = z->zh ? zoo_client_id(z->zh) : NULL;
    return id ? id->client_id : 0;
}

int zk_session_timeout(const zk *z) {
    return z->zh ? zoo_recv_timeout(z->zh) : z->session_timeout_ms;
}

const char *zk_hosts(const zk *z) {
    return z->hosts;
}

const char *zk_chroot(const zk *z) {
    return z->chroot;
}

/* ---- operations ---- */

static zk_msg *op_new(zk *z, zk_cb cb, void *arg) {
    if (!z->zh || z->closed)
        return NULL;
    zk_msg *m = calloc(1, sizeof *m);
    if (m) {
        m->z = z;
        m->cb = cb;
        m->arg = arg;
        m->data_len = -1;
    }
    return m;
}

static int full_path(const zk *z, const char *path, char *out) {
    int n = snprintf(out, ZK_PATH_MAX, "%s%s", z->chroot,
                     strcmp(path, "/") || !z->chroot[0] ? path : "");
    return n > 0 && n < ZK_PATH_MAX ? 0 : ZBADARGUMENTS;
}

/* Common tail: a failed submission frees the message. */
static int submitted(zk_msg *m, int rc) {
    if (rc != ZOK)
        free(m);
    else
        outstanding_add(m->z, m);
    return rc;
}

#define OP_PROLOGUE                                                                                \
    char p[ZK_PATH_MAX];                                                                           \
    if (full_path(z, path, p) != 0)                                                                \
        return ZBADARGUMENTS;                                                                      \
    zk_msg *m = op_new(z, cb, arg);                                                                \
    if (!m)                                                                                        \
        return z->zh ? ZSYSTEMERROR : ZINVALIDSTATE;

int zk_get(zk *z, const char *path, int watch, zk_cb cb, void *arg) {
    OP_PROLOGUE
    return submitted(m, zoo_aget(z->zh, p, watch, done_data, m));
}

int zk_exists(zk *z, const char *path, int watch, zk_cb cb, void *arg) {
    OP_PROLOGUE
    return submitted(m, zoo_aexists(z->zh, p, watch, done_stat, m));
}

int zk_children(zk *z, const char *path, int watch, zk_cb cb, void *arg) {
    OP_PROLOGUE
    return submitted(m, zoo_aget_children(z->zh, p, watch, done_strings, m));
}

int zk_create(zk *z, const char *path, const char *data, int len, int mode, zk_cb cb, void *arg) {
    OP_PROLOGUE
    int flags = mode == ZK_EPHEMERAL ? ZOO_EPHEMERAL : 0;
    return submitted(m,
                     zoo_acreate(z->zh, p, data, len, &ZOO_OPEN_ACL_UNSAFE, flags, done_string, m));
}

int zk_set(zk *z, const char *path, const char *data, int len, int32_t version, zk_cb cb,
           void *arg) {
    OP_PROLOGUE
    return submitted(m, zoo_aset(z->zh, p, data, len, version, done_stat, m));
}

int zk_delete(zk *z, const char *path, int32_t version, zk_cb cb, void *arg) {
    OP_PROLOGUE
    return submitted(m, zoo_adelete(z->zh, p, version, done_void, m));
}

int zk_multi(zk *z, const zk_op *ops, int count, zk_cb cb, void *arg) {
    if (count < 1 || count > ZK_MULTI_MAX)
        return ZBADARGUMENTS;
    zk_msg *m = op_new(z, cb, arg);
    if (!m)
        return z->zh ? ZSYSTEMERROR : ZINVALIDSTATE;
    zoo_op_t zo[ZK_MULTI_MAX];
    char paths[ZK_MULTI_MAX][ZK_PATH_MAX];
    for (int i = 0; i < count; i++) {
        if (full_path(z, ops[i].path, paths[i]) != 0) {
            free(m);
            return ZBADARGUMENTS;
        }
        switch (ops[i].type) {
        case ZK_OP_CHECK:
            zoo_check_op_init(&zo[i], paths[i], ops[i].version);
            break;
        case ZK_OP_CREATE:
            zoo_create_op_init(&zo[i], paths[i], ops[i].data, ops[i].len, &ZOO_OPEN_ACL_UNSAFE, 0,
                               NULL, 0);
            break;
        case ZK_OP_SET:
            zoo_set_op_init(&zo[i], paths[i], ops[i].data, ops[i].len, ops[i].version, NULL);
            break;
        case ZK_OP_DELETE:
            zoo_delete_op_init(&zo[i], paths[i], ops[i].version);
            break;
        }
    }
    m->result_count = count;
    /* The request is serialised here; only the results array must outlive it. */
    return submitted(m, zoo_amulti(z->zh, count, zo, m->results, done_void, m));
}
