#!/usr/bin/env bash
# test_longpoll.sh - a consumer parked at the log end in a long poll
# (fetch.wait.max.ms=10000) receives a message produced meanwhile at once,
# not when its wait expires: the broker completes waiting fetches on the
# append event. Latency is measured inside rdk_client (produce call to
# message delivered, same clock).
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$RDK_CLIENT"
WAIT_MS=10000
# Woken at once it takes milliseconds; not woken, it takes about WAIT_MS.
# Half the wait tells the two apart and leaves room for a loaded machine
# and the ASan build (a fixed 2000 ms failed there under load).
LIMIT_MS=5000

start_broker
create_topic lp 1
# Some data first, so the consumer starts at a non-zero end offset.
rdk produce -t lp -n 10 -P 1 -a 1 || fail "initial produce failed"
out=$(rdk waitone -t lp -p 0 -w "$WAIT_MS" -T 40000) || fail "waitone failed: $out"
printf '%s\n' "$out" >&2
lat=$(sed -n 's/^latency_ms //p' <<<"$out")
[ -n "$lat" ] || fail "no latency reported"
[ "$lat" -lt "$LIMIT_MS" ] ||
    fail "message took ${lat} ms to reach a waiting consumer (limit ${LIMIT_MS} ms, fetch wait ${WAIT_MS} ms): the fetch was not woken by the append"
eof=$(sed -n 's/^eof_after_ms //p' <<<"$out")
log "PASS: woken after ${lat} ms (first empty fetch returned after ${eof} ms)"
stop_broker
