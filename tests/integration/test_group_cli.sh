#!/usr/bin/env bash
# test_group_cli.sh - `strand consume --group`: a member reads every
# partition (-e: to the end of its assignment) and commits as it goes and at
# exit, so a second run in the same group prints exactly the records
# produced since; -p and offsets other than beginning/end are refused with
# --group.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$RDK_CLIENT"
[ -x "${STRAND_CLI:-}" ] || fail "STRAND_CLI not set or not built (strand target)"
T=$ITEST_TMP

start_broker --override offsets.topic.num.partitions=5 \
    --override group.initial.rebalance.delay.ms=300
create_topic gcli 4
rdk produce -t gcli -n 400 -P 4 -s 3 -a all -o "$T/acked.1" || fail "produce 1 failed"

consume() { # OUT: one member of group gc-g to the end of its partitions
    "$STRAND_CLI" -b "$BROKER_ADDR" consume gcli --group gc-g -o beginning -e -f '%p %o\n' \
        -X fetch.max.wait.ms=100 >"$1" 2>"$1.err" &
    local pid=$!
    track_pid "$pid"
    wait_pid_deadline "$pid" 60 || fail "strand consume --group did not finish: $(cat "$1.err")"
    [ "$WAIT_STATUS" -eq 0 ] || fail "strand consume --group failed ($WAIT_STATUS): $(cat "$1.err")"
}
canon() { awk '{print $1, $2}' "$@" | LC_ALL=C sort -k1,1n -k2,2n; }

consume "$T/run1"
canon "$T/acked.1" >"$T/exp1"
canon "$T/run1" >"$T/got1"
same_file "$T/exp1" "$T/got1" "first run of the group member"

rdk produce -t gcli -n 100 -P 4 -s 3 --start 400 -a all -o "$T/acked.2" || fail "produce 2 failed"
consume "$T/run2"
canon "$T/acked.2" >"$T/exp2"
canon "$T/run2" >"$T/got2"
same_file "$T/exp2" "$T/got2" "second run (from the committed offsets)"

for bad in "-p 1" "-o 5" "-o -3"; do
    # shellcheck disable=SC2086
    out=$("$STRAND_CLI" -b "$BROKER_ADDR" consume gcli --group gc-g $bad -e 2>&1)
    rc=$?
    [ "$rc" -eq 2 ] || fail "consume --group $bad: exit status $rc, expected 2 (usage): $out"
done
broker_alive
stop_broker
log "PASS: consume --group read 400, then exactly the 100 new records"
