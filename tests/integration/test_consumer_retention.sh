#!/usr/bin/env bash
# test_consumer_retention.sh - OFFSET_OUT_OF_RANGE below the log start:
# a topic with 1 KiB segments and 2 KiB retention on a broker that applies
# retention every 100 ms; once the log start has moved, a consumer starting
# at offset 0 resets to the new log start (auto.offset.reset=earliest) or to
# the end (latest).
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
[ -x "${CONSUMER_ITEST:-}" ] || fail "CONSUMER_ITEST not set or not built (consumer_itest target)"
[ -x "${STRAND_CLI:-}" ] || fail "STRAND_CLI not set or not built (strand target)"

start_broker --override log.retention.check.interval.ms=100
"$STRAND_CLI" -b "$BROKER_ADDR" topic create cons-ret -p 1 -c segment.bytes=1024 \
    -c retention.bytes=2048 >&2 || fail "could not create topic cons-ret"
"$CONSUMER_ITEST" retention -b "$BROKER_ADDR" -t cons-ret || fail "retention scenario failed"
stop_broker
log "PASS"
