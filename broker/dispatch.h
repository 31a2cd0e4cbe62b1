/*
 * dispatch.h - from a request frame to a handler: request header decoding,
 * the API table (what we advertise in ApiVersions is exactly this table),
 * ApiVersions itself including the v0 UNSUPPORTED_VERSION fallback.
 */
#ifndef STRAND_BROKER_DISPATCH_H
#define STRAND_BROKER_DISPATCH_H

#include "broker/broker.h"

/* Decode the header of `frame`, write the response header to req->out and
 * run the handler. req->b/conn/slot/peer/out are set by the caller.
 * Returns 0, or -1 when the connection must be closed (already logged:
 * undecodable request, or an API/version we do not implement other than
 * ApiVersions, which gets the fallback answer instead, as Kafka does).
 * `frame` is modified in place by Produce (offsets stamped). */
int dispatch_request(broker_request *req, uint8_t *frame, size_t len);

#endif
