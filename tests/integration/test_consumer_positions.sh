#!/usr/bin/env bash
# test_consumer_positions.sh - start positions and fetch behaviour of the
# libstrand consumer against a real broker (consumer_itest scenarios):
# absolute offset, seek, timestamp (exact, between records, after the last),
# end; a consumer parked at the log end gets a record produced later well
# within fetch.max.wait.ms (latency measured, printed); pause/resume;
# OFFSET_OUT_OF_RANGE with auto.offset.reset earliest, latest and none;
# partition EOF reported once.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$RDK_CLIENT"
[ -x "${CONSUMER_ITEST:-}" ] || fail "CONSUMER_ITEST not set or not built (consumer_itest target)"

start_broker
create_topic cons-pos 1
out=$("$CONSUMER_ITEST" scenarios -b "$BROKER_ADDR" -t cons-pos -w 5000 2>"$ITEST_TMP/scen.err")
rc=$?
cat "$ITEST_TMP/scen.err" >&2
[ "$rc" -eq 0 ] || fail "consumer scenarios failed (exit $rc)"
printf '%s\n' "$out" >&2
grep -q '^longpoll_latency_ms ' <<<"$out" || fail "no long-poll latency reported"
stop_broker
log "PASS"
