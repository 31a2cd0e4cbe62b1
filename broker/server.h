/*
 * server.h - the network side: libuv listener, connections, framing
 * (int32 size + body), the per-connection in-order response queue,
 * signals, periodic tasks and graceful shutdown.
 *
 * Every received frame gets a slot in its connection's queue at once;
 * responses leave strictly in slot order, so a fast request pipelined behind
 * a long-polling Fetch waits for it. A frame whose size prefix is negative or
 * above socket.request.max.bytes, or that fails to decode, closes that
 * connection only. Single thread (the loop of broker->loop).
 */
#ifndef STRAND_BROKER_SERVER_H
#define STRAND_BROKER_SERVER_H

#include "broker/broker.h"

/* Bind and listen on cfg.listen_host:listen_port, install SIGINT/SIGTERM
 * handlers and the periodic timers, write the bound port to port_file (may
 * be NULL) and log "listening on HOST:PORT". 0, or -1 with err filled (the
 * message says what to do next). Then run uv_run(b->loop). */
int server_start(broker *b, const char *port_file, char *err, size_t errlen);

/* A deferred response is complete: its body is in the slot's writer. */
void server_response_complete(server_conn *c, server_slot *s);
/* The writer a deferred handler writes the body to. */
wire_writer *server_slot_writer(server_slot *s);
/* Called if the connection closes before the deferred response completes;
 * `arg` then belongs to `cancel`. */
void server_slot_on_cancel(server_slot *s, void (*cancel)(void *arg), void *arg);

/* Begin the graceful stop (also what SIGINT/SIGTERM do). */
void server_stop(broker *b);
/* Release the server after uv_run returned. */
void server_free(broker *b);

#endif
