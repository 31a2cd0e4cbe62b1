/*
 * client.c - the client's lifetime and its I/O thread.
 *
 * Each client owns one thread running one uv_loop. Other threads never touch
 * the loop: they append a function to a mutex-protected post queue and wake
 * the loop with uv_async_send; the async callback drains the queue in order.
 * client_call() is client_post() plus a condition variable to wait for the
 * function to have run. Shutdown is a flag under the same lock: the async
 * callback sees it, fails every request (conn.c) and metadata waiter
 * (metadata.c) with STRAND_ERR_CLOSED, closes every handle, and uv_run then
 * returns on its own, after which the creating thread joins and frees.
 */
#include "client/client_impl.h"

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wire/protocol.h"

int64_t client_now_ms(void) {
    return (int64_t)(uv_hrtime() / 1000000u);
}

int64_t client_wallclock_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void client_log(client *c, strand_log_level level, const char *fmt, ...) {
    if (!c || !c->conf->log_cb)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->conf->log_cb(c->conf->log_opaque, level, msg);
}

const strand_conf *client_conf(const client *c) {
    return c->conf;
}

uv_loop_t *client_loop(client *c) {
    return &c->loop;
}

int client_on_loop(const client *c) {
    uv_thread_t self = uv_thread_self();
    return uv_thread_equal(&self, &c->loop_tid);
}

static void client_handle_closed(uv_handle_t *h) {
    (void)h;
}

/* Loop side of shutdown: runs once, from the async callback. */
static void client_shutdown_on_loop(client *c) {
    c->stopping = 1;
    conn_shutdown(c);
    md_shutdown(c);
    conn_defer_run(c);
    uv_idle_stop(&c->defer_idle);
    uv_close((uv_handle_t *)&c->defer_idle, client_handle_closed);
    uv_timer_stop(&c->sweep);
    uv_close((uv_handle_t *)&c->sweep, client_handle_closed);
    uv_close((uv_handle_t *)&c->wake, client_handle_closed);
}

static void client_post_run(client *c, client_post_item *items) {
    while (items) {
        client_post_item *next = items->next;
        items->fn(c, items->arg);
        free(items);
        items = next;
    }
}

static void client_wake_cb(uv_async_t *h) {
    client *c = h->data;
    if (c->stopping)
        return;
    for (;;) {
        uv_mutex_lock(&c->lock);
        client_post_item *items = c->post_head;
        c->post_head = c->post_tail = NULL;
        int stop = c->stop_requested;
        if (!items && stop)
            c->closing = 1; /* from now on client_post refuses */
        uv_mutex_unlock(&c->lock);
        if (items) {
            client_post_run(c, items);
            continue;
        }
        if (stop)
            client_shutdown_on_loop(c);
        return;
    }
}

static void client_thread_main(void *arg) {
    client *c = arg;
    /* The I/O thread takes no asynchronous signals: the application's
     * handlers run on its own threads, and a write to a socket the broker
     * closed returns EPIPE here instead of killing the process with SIGPIPE
     * (libuv writes with write(2), and a library must not change the
     * process-wide disposition). */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    c->loop_tid = uv_thread_self();
    uv_sem_post(&c->started);
    uv_run(&c->loop, UV_RUN_DEFAULT);
}

strand_err client_post(client *c, client_fn fn, void *arg) {
    if (!c || !fn)
        return STRAND_ERR_INVALID_ARG;
    client_post_item *it = malloc(sizeof *it);
    if (!it)
        return STRAND_ERR_NOMEM;
    it->fn = fn;
    it->arg = arg;
    it->next = NULL;
    uv_mutex_lock(&c->lock);
    if (c->closing) {
        uv_mutex_unlock(&c->lock);
        free(it);
        return STRAND_ERR_CLOSED;
    }
    if (c->post_tail)
        c->post_tail->next = it;
    else
        c->post_head = it;
    c->post_tail = it;
    /* under the lock: the loop closes `wake` only after setting closing */
    uv_async_send(&c->wake);
    uv_mutex_unlock(&c->lock);
    return STRAND_OK;
}

typedef struct client_call_ctx {
    client_fn fn;
    void *arg;
    int done;
} client_call_ctx;

static void client_call_run(client *c, void *arg) {
    client_call_ctx *x = arg;
    x->fn(c, x->arg);
    uv_mutex_lock(&c->lock);
    x->done = 1;
    uv_cond_broadcast(&c->cond);
    uv_mutex_unlock(&c->lock);
}

strand_err client_call(client *c, client_fn fn, void *arg) {
    if (!c || !fn)
        return STRAND_ERR_INVALID_ARG;
    if (client_on_loop(c))
        return STRAND_ERR_STATE;
    client_call_ctx x = {fn, arg, 0};
    strand_err err = client_post(c, client_call_run, &x);
    if (err)
        return err;
    uv_mutex_lock(&c->lock);
    while (!x.done)
        uv_cond_wait(&c->cond, &c->lock);
    uv_mutex_unlock(&c->lock);
    return STRAND_OK;
}

static void client_init_on_loop(client *c, void *arg) {
    strand_err *err = arg;
    *err = conn_init(c);
    if (*err == STRAND_OK)
        *err = md_init(c);
}

client *client_new(strand_conf *conf, enum client_role role, char *errbuf, size_t errlen) {
    if (errbuf && errlen)
        errbuf[0] = 0;
    if (!conf) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "no configuration given");
        return NULL;
    }
    if (client_conf_check(conf, errbuf, errlen) != STRAND_OK) {
        strand_conf_free(conf);
        return NULL;
    }
    client *c = calloc(1, sizeof *c);
    if (!c) {
        strand_conf_free(conf);
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }
    c->conf = conf;
    c->role = role;
    /* A response may be a whole fetch (which may pass fetch.max.bytes by one
     * batch) or carry a record batch of message.max.bytes. */
    int64_t big = conf->fetch_max_bytes > conf->message_max_bytes ? conf->fetch_max_bytes
                                                                  : conf->message_max_bytes;
    int64_t max_frame = big * 2 + (64 << 20);
    c->max_frame = (size_t)(max_frame > INT32_MAX ? INT32_MAX : max_frame);

    int stage = 0;
    if (uv_loop_init(&c->loop))
        goto fail;
    stage = 1;
    if (uv_mutex_init(&c->lock))
        goto fail;
    stage = 2;
    if (uv_cond_init(&c->cond))
        goto fail;
    stage = 3;
    if (uv_sem_init(&c->started, 0))
        goto fail;
    stage = 4;
    uv_async_init(&c->loop, &c->wake, client_wake_cb);
    c->wake.data = c;
    uv_idle_init(&c->loop, &c->defer_idle);
    c->defer_idle.data = c;
    uv_timer_init(&c->loop, &c->sweep);
    c->sweep.data = c;
    if (uv_thread_create(&c->thread, client_thread_main, c))
        goto fail;
    stage = 5;
    uv_sem_wait(&c->started);

    strand_err err = STRAND_OK;
    strand_err perr = client_call(c, client_init_on_loop, &err);
    if (perr != STRAND_OK || err != STRAND_OK) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "client start failed: %s", strand_err_str(perr ? perr : err));
        client_destroy(c);
        return NULL;
    }
    return c;

fail:
    if (errbuf && errlen)
        snprintf(errbuf, errlen, "client start failed: cannot create the I/O thread or loop");
    if (stage >= 4) {
        /* handles exist but no thread: close them on this thread */
        uv_close((uv_handle_t *)&c->wake, NULL);
        uv_close((uv_handle_t *)&c->defer_idle, NULL);
        uv_close((uv_handle_t *)&c->sweep, NULL);
        uv_run(&c->loop, UV_RUN_DEFAULT);
        uv_sem_destroy(&c->started);
    }
    if (stage >= 3)
        uv_cond_destroy(&c->cond);
    if (stage >= 2)
        uv_mutex_destroy(&c->lock);
    if (stage >= 1)
        uv_loop_close(&c->loop);
    strand_conf_free(conf);
    free(c);
    return NULL;
}

void client_destroy(client *c) {
    if (!c)
        return;
    uv_mutex_lock(&c->lock);
    c->stop_requested = 1;
    if (!c->closing)
        uv_async_send(&c->wake);
    uv_mutex_unlock(&c->lock);
    uv_thread_join(&c->thread);

    /* posts that raced with the shutdown: refuse new ones, drop queued ones
     * (their callers got STRAND_OK but the loop is gone; the contract says
     * client_destroy comes after the owner's last post). */
    uv_mutex_lock(&c->lock);
    c->closing = 1;
    client_post_item *it = c->post_head;
    c->post_head = c->post_tail = NULL;
    uv_mutex_unlock(&c->lock);
    while (it) {
        client_post_item *next = it->next;
        free(it);
        it = next;
    }
    conn_free_all(c);
    md_free_all(c);
    uv_loop_close(&c->loop);
    uv_sem_destroy(&c->started);
    uv_cond_destroy(&c->cond);
    uv_mutex_destroy(&c->lock);
    strand_conf_free(c->conf);
    free(c);
}
