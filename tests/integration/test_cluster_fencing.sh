#!/usr/bin/env bash
# test_cluster_fencing.sh - a leader whose ZooKeeper session expires while
# it is paused (SIGSTOP past the session timeout) is fenced: the others
# elect a new leader; resumed, the old leader refuses a Produce at once
# (NOT_LEADER_OR_FOLLOWER) instead of accepting it as a stale leader, then
# rejoins as a follower with a log identical to the new leader's.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${ITEST_LIB:-$0}")/zk_lib.sh"
itest_init
require_tool "$RDK_CLIENT"
require_tool "$RDK_RAW"
require_tool "$STRAND_CLI"
T=$ITEST_TMP
OPTS="--override replica.lag.time.max.ms=2000"

start_zookeeper
for id in 1 2 3; do start_cluster_broker "$id" /fence $OPTS; done
await_cluster 3
"$STRAND_CLI" topic create fence --partitions 1 --replication-factor 3 -b "${CB_ADDR[1]}" >/dev/null ||
    fail "create fence failed"
# leader_seen_by ID: partition 0's leader as broker ID reports it.
leader_seen_by() {
    "$STRAND_CLI" topic describe fence -b "${CB_ADDR[$1]}" --timeout 5000 2>/dev/null |
        awk '$1 == "partition" && $2 == 0 { print $4 }'
}
LEADER=""
has_leader() { LEADER=$(leader_seen_by "$1") && [ -n "$LEADER" ] && [ "$LEADER" != -1 ]; }
wait_for 30 "fence has a leader" has_leader 1
old=$LEADER
other=$((old % 3 + 1))
"$RDK_CLIENT" produce -b "${CB_ADDR[$other]}" -t fence -n 500 -P 1 -s 5 -a -1 -o "$T/acked" ||
    fail "produce before the pause failed"

kill -STOP "${CB_PID[$old]}"
moved() { has_leader "$other" && [ "$LEADER" != "$old" ]; }
wait_for 60 "a new leader while broker $old is paused" moved
new=$LEADER
log "broker $old paused; broker $new leads now"
kill -CONT "${CB_PID[$old]}"
out=$("$RDK_RAW" "${CB_ADDR[$old]}" goodcrc fence) || fail "rdk_raw against the resumed broker failed"
[[ $out == *"partition=0 partition_error=6 "* ]] ||
    fail "the resumed stale leader $old did not refuse the produce: $out"

# It rejoins as a follower; every replica ends up the same.
isr_full() {
    local d
    d=$("$STRAND_CLI" topic describe fence -b "${CB_ADDR[$new]}" --timeout 5000 2>/dev/null) || return 1
    [[ $d == *"isr ["?,?,?"]"* ]]
}
wait_for 60 "broker $old back in the ISR" isr_full
dump() { "$STRAND_CLI" log dump --records "${CB_DATA[$1]}/fence-0" 2>/dev/null | grep -v "${CB_DATA[$1]}"; }
same() { [ "$(dump "$old")" = "$(dump "$new")" ] && [ "$(dump "$other")" = "$(dump "$new")" ]; }
wait_for 30 "identical logs" same
n=$(dump "$new" | grep -c "^baseOffset")
[ "$n" -ge 1 ] || fail "no batches in the new leader's log"
"$RDK_CLIENT" consume -b "${CB_ADDR[$new]}" -t fence -e 500 -o "$T/got" -T 30000 || fail "consume failed"
sort_canon "$T/acked" | cut -d ' ' -f 1-5 >"$T/expected"
sort_canon "$T/got" >"$T/got.sorted"
same_file "$T/expected" "$T/got.sorted" "acknowledged messages after the fencing"

for id in 1 2 3; do stop_cluster_broker "$id"; done
stop_zookeeper
log PASS
