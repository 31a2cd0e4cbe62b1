#!/usr/bin/env bash
# test_producer_restart.sh - kill -9 the broker while libstrand's producer is
# in the middle of a run, restart it on the same port and data directory,
# and let the producer finish. Every message must get exactly one delivery
# report; every message reported delivered must be in the log exactly at the
# partition and offset reported; no message may be stored twice; each
# partition holds the messages in send order. Messages reported failed may
# or may not be in the log (a request written just before the kill has an
# unknown outcome), but never twice and never out of order. Then the same
# with a broker that stops answering (SIGSTOP) past request.timeout.ms and
# stores the timed-out requests when it resumes.
#
# All producers here run with enable.idempotence=false: this is the test of
# the non-idempotent path (producer/verify.c, which looks unknown outcomes up
# in the log). test_producer_idempotence.sh does the same with idempotence.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$RDK_CLIENT"
require_tool "$PRODUCER_CLIENT"
T=$ITEST_TMP
P=3
N=${ITEST_PRODUCER_RESTART_N:-400000}

start_broker
create_topic rs "$P"

start_process prod "$PRODUCER_CLIENT" -b "$BROKER_ADDR" -t rs -n "$N" -s 31 --no-nulls \
    -o "$T/acked" -E "$T/failed" --notify-after 20000 \
    -X enable.idempotence=false -X linger.ms=2 -X batch.size=16384 -X delivery.timeout.ms=90000 -X retry.backoff.ms=50 \
    -X reconnect.backoff.max.ms=500
await_line "$prod_FD" 'acked *' 120 "$T/prod.out" ||
    fail "producer did not get 20000 acknowledgements: $(tail -n 3 "$T/prod.err")"
kill9_broker
# Keep the broker down for a moment so requests fail and reconnects back off
# (a window to fail in, not a synchronisation).
sleep 1
# Same port: the producer only knows the bootstrap address.
start_broker "${BROKER_ARGS[@]}"
drain_fd "$prod_FD" "$T/prod.out"
wait_pid_deadline "$prod_PID" 200 || fail "producer did not finish within 200 s"
case $WAIT_STATUS in
0 | 3) ;; # 3: some messages were reported failed
*) fail "producer failed with status $WAIT_STATUS: $(tail -n 3 "$T/prod.err")" ;;
esac
acked=$(wc -l <"$T/acked")
failed=$(wc -l <"$T/failed")
log "producer: $acked acknowledged, $failed reported failed"
[ $((acked + failed)) -eq "$N" ] || fail "acknowledged + failed = $((acked + failed)), expected $N"
[ "$acked" -gt 20000 ] || fail "nothing was delivered after the restart"

# The log: no duplicates, send order per partition (values carry the
# sequence number), and every acknowledged message where it was reported.
rdk consume -t rs -o "$T/got" --check-seq -e "$acked" -T 60000 ||
    fail "reading back found duplicates or reordering (see above)"
sort_canon "$T/acked" >"$T/acked.sorted"
sort_canon "$T/got" >"$T/got.sorted"
missing=$(LC_ALL=C comm -23 "$T/acked.sorted" "$T/got.sorted" | head -n 3)
[ -z "$missing" ] || fail "acknowledged messages missing from the log (or at another offset):
$(echo "$missing" | cut -c1-120)"
stored=$(wc -l <"$T/got")
log "log holds $stored messages; $acked acknowledged all present; $((stored - acked)) reported failed but stored"

# 2. The broker stops answering (SIGSTOP) longer than request.timeout.ms:
# requests already written time out with an unknown outcome, and the
# broker stores them when it resumes (SIGCONT). Resending them blindly would
# store them twice; the producer must find them in the log instead.
create_topic vs "$P"
start_process prod2 "$PRODUCER_CLIENT" -b "$BROKER_ADDR" -t vs -n 100000 -s 32 --no-nulls \
    -o "$T/acked2" -E "$T/failed2" --notify-after 5000 \
    -X enable.idempotence=false -X linger.ms=2 -X batch.size=16384 -X request.timeout.ms=1000 -X delivery.timeout.ms=90000 \
    -X retry.backoff.ms=50 -X reconnect.backoff.max.ms=500 -X socket.connection.setup.timeout.ms=1000
await_line "$prod2_FD" 'acked *' 120 "$T/prod2.out" ||
    fail "producer did not get 5000 acknowledgements: $(tail -n 3 "$T/prod2.err")"
kill -STOP "$BROKER_PID"
# Longer than request.timeout.ms (a window, not a synchronisation).
sleep 2.5
kill -CONT "$BROKER_PID"
drain_fd "$prod2_FD" "$T/prod2.out"
wait_pid_deadline "$prod2_PID" 200 || fail "producer did not finish within 200 s"
case $WAIT_STATUS in
0 | 3) ;;
*) fail "producer failed with status $WAIT_STATUS: $(tail -n 3 "$T/prod2.err")" ;;
esac
grep -q 'request lost with its connection' "$T/prod2.err" ||
    fail "no request timed out while the broker was stopped (the test proved nothing)"
grep 'request lost with its connection' "$T/prod2.err" | head -n 3 >&2
acked=$(wc -l <"$T/acked2")
failed=$(wc -l <"$T/failed2")
[ $((acked + failed)) -eq 100000 ] || fail "vs: acknowledged + failed = $((acked + failed))"
rdk consume -t vs -o "$T/got2" --check-seq -e "$acked" -T 60000 ||
    fail "vs: reading back found duplicates or reordering (see above)"
sort_canon "$T/acked2" >"$T/acked2.sorted"
sort_canon "$T/got2" >"$T/got2.sorted"
missing=$(LC_ALL=C comm -23 "$T/acked2.sorted" "$T/got2.sorted" | head -n 3)
[ -z "$missing" ] || fail "vs: acknowledged messages missing from the log:
$(echo "$missing" | cut -c1-120)"
log "vs: $acked acknowledged, $failed reported failed, log holds $(wc -l <"$T/got2")"

# 3. The same before any acknowledgement on most partitions: sequence 0 is
# acknowledged on partition 0 only, then the broker stops and the rest is
# sent. Partitions 1 and 2 have no earlier offset to look at: the producer
# asks for the log end and finds its batches there.
create_topic vf "$P"
mkfifo "$T/go"
start_process prod3 "$PRODUCER_CLIENT" -b "$BROKER_ADDR" -t vf -n 3000 -s 33 --no-nulls \
    -o "$T/acked3" -E "$T/failed3" --first-partition 0 --go-fifo "$T/go" \
    -X enable.idempotence=false -X linger.ms=50 -X request.timeout.ms=1000 -X delivery.timeout.ms=90000 \
    -X retry.backoff.ms=50 -X reconnect.backoff.max.ms=500 -X socket.connection.setup.timeout.ms=1000
await_line "$prod3_FD" 'ready' 60 "$T/prod3.out" || fail "producer did not get ready: $(tail -n 3 "$T/prod3.err")"
kill -STOP "$BROKER_PID"
echo go >"$T/go"
sleep 2.5
kill -CONT "$BROKER_PID"
drain_fd "$prod3_FD" "$T/prod3.out"
wait_pid_deadline "$prod3_PID" 200 || fail "producer did not finish within 200 s"
case $WAIT_STATUS in
0 | 3) ;;
*) fail "producer failed with status $WAIT_STATUS: $(tail -n 3 "$T/prod3.err")" ;;
esac
grep 'request lost with its connection' "$T/prod3.err" | head -n 3 >&2
grep -Eq 'vf \[[12]\]: request lost with its connection' "$T/prod3.err" ||
    fail "vf: no first request timed out on partition 1 or 2 (the test proved nothing)"
acked=$(wc -l <"$T/acked3")
failed=$(wc -l <"$T/failed3")
[ $((acked + failed)) -eq 3000 ] || fail "vf: acknowledged + failed = $((acked + failed))"
rdk consume -t vf -o "$T/got3" --check-seq -e "$acked" -T 60000 ||
    fail "vf: reading back found duplicates or reordering (see above)"
sort_canon "$T/acked3" >"$T/acked3.sorted"
sort_canon "$T/got3" >"$T/got3.sorted"
missing=$(LC_ALL=C comm -23 "$T/acked3.sorted" "$T/got3.sorted" | head -n 3)
[ -z "$missing" ] || fail "vf: acknowledged messages missing from the log"
log "vf: $acked acknowledged, $failed reported failed, log holds $(wc -l <"$T/got3")"

stop_broker
log "PASS"
