#!/usr/bin/env bash
# test_consumer_restart.sh - a consumer keeps going across a broker restart:
# it reads the first half of a topic, the broker is stopped while the
# consumer waits in a long poll and started again on the same port and data,
# the second half is produced, and the consumer delivers every record
# exactly once and in order (compared with what librdkafka had acked).
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$RDK_CLIENT"
[ -x "${CONSUMER_ITEST:-}" ] || fail "CONSUMER_ITEST not set or not built (consumer_itest target)"
T=$ITEST_TMP
HALF=5000

start_broker
create_topic cons-rs 2
rdk produce -t cons-rs -n "$HALF" -P 2 -s 31 -a all -o "$T/acked.1" || fail "first produce failed"
start_process reader "$CONSUMER_ITEST" read -b "$BROKER_ADDR" -t cons-rs -P 2 \
    -e $((2 * HALF)) -T 90000 -o "$T/got" --notify "$HALF" -X fetch.max.wait.ms=2000 \
    -X reconnect.backoff.ms=50 -X reconnect.backoff.max.ms=500
await_line "$reader_FD" 'READ *' 60 "$T/reader.out" ||
    fail "the consumer did not read the first $HALF records ($(cat "$T/reader.err" 2>/dev/null))"
drain_fd "$reader_FD" "$T/reader.out"
log "consumer read the first half; restarting the broker on port $BROKER_PORT"
stop_broker
start_broker # same BROKER_PORT and BROKER_DATA
rdk produce -t cons-rs -n "$HALF" -P 2 -s 31 --start "$HALF" -a all -o "$T/acked.2" ||
    fail "second produce failed"
wait_pid_deadline "$reader_PID" 90 || fail "the consumer did not finish within 90 s"
[ "$WAIT_STATUS" -eq 0 ] ||
    fail "the consumer failed (status $WAIT_STATUS): $(cat "$T/reader.err" 2>/dev/null)"
cat "$T/acked.1" "$T/acked.2" >"$T/acked"
sort_canon "$T/acked" | cut -d ' ' -f 1-5 >"$T/exp"
sort_canon "$T/got" >"$T/got.sorted"
same_file "$T/exp" "$T/got.sorted" "records read across the restart"
stop_broker
log "PASS: $((2 * HALF)) records exactly once across a broker restart"
