#!/usr/bin/env bash
# test_producer_restart.sh - kill -9 the broker while libstrand's producer is
# in the middle of a run, restart it on the same port and data directory,
# and let the producer finish. Every message must get exactly one delivery
# report; every message reported delivered must be in the log exactly at the
# partition and offset reported; no message may be stored twice; each
# partition holds the messages in send order. Messages reported failed may
# or may not be in the log (a request written just before the kill has an
# unknown outcome), but never twice and never out of order.
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
    -X linger.ms=2 -X batch.size=16384 -X delivery.timeout.ms=90000 -X retry.backoff.ms=50 \
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

stop_broker
log "PASS"
