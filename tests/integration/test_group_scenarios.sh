#!/usr/bin/env bash
# test_group_scenarios.sh - libstrand consumer groups alone (group_itest
# scenarios): rebalance callbacks see revoke then assign as a second member
# joins and leaves, sync and async commits read back with committed(), a
# moved partition starts at the offset committed in the revoke callback, a
# regex subscription picks up a topic created later, not polling beyond the
# session timeout keeps the membership (heartbeats on the I/O thread), and
# not polling beyond max.poll.interval.ms is reported and followed by a
# rejoin; a static member (group.instance.id) that closes and comes back
# within the session timeout gets its partition again without a rebalance;
# a subscribed topic grown with CreatePartitions is rebalanced with its new
# partitions.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$RDK_CLIENT"
[ -x "${GROUP_ITEST:-}" ] || fail "GROUP_ITEST not set or not built (group_itest target)"
T=$ITEST_TMP

start_broker --override offsets.topic.num.partitions=5 \
    --override group.initial.rebalance.delay.ms=300 --override group.min.session.timeout.ms=1000
create_topic gi-two 2
create_topic gire-first 1
create_topic gi-grow 1
rdk produce -t gi-two -n 100 -P 2 -s 5 -a all -o "$T/acked" || fail "produce failed"
"$GROUP_ITEST" scenarios -b "$BROKER_ADDR" -t gi-two -t gi-grow -n 100 --regex gire >"$T/out" 2>"$T/err" &
pid=$!
track_pid "$pid"
wait_pid_deadline "$pid" 240 || fail "the scenarios did not finish within 240 s: $(tail -5 "$T/err")"
[ "$WAIT_STATUS" -eq 0 ] || fail "scenarios failed (status $WAIT_STATUS): $(tail -5 "$T/err")"
out=$(cat "$T/out")
for s in rebalance regex slow static grow; do
    case "$out" in
    *"$s: ok"*) ;;
    *) fail "scenario $s did not report ok: $out" ;;
    esac
done
broker_alive
stop_broker
log "PASS: $out"
