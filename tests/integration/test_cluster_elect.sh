#!/usr/bin/env bash
# test_cluster_elect.sh - preferred-leader election with a real ZooKeeper:
#   cluster A (automatic rebalance off): six partitions, RF 3, each led by
#   its first replica; `strand cluster elect-leaders --all-topics` answers
#   ELECTION_NOT_NEEDED; broker 2 stops (its leadership moves) and comes
#   back into every ISR: two partitions are led by another replica and
#   `strand cluster` shows the imbalance; elect-leaders moves exactly those
#   back (NONE), the controller's view shows every partition led by its
#   first replica as soon as the command returns, and a second run answers
#   ELECTION_NOT_NEEDED everywhere; a missing partition is
#   UNKNOWN_TOPIC_OR_PARTITION and a preferred replica that is down gives
#   PREFERRED_LEADER_NOT_AVAILABLE (exit status 1 for both).
#   cluster B (auto.leader.rebalance.enable, check every second): after a
#   broker's stop and return, leadership goes back to the preferred
#   replicas by itself.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${ITEST_LIB:-$0}")/zk_lib.sh"
itest_init
require_tool "$STRAND_CLI"
T=$ITEST_TMP
OPTS="--override replica.lag.time.max.ms=2000 --override controlled.shutdown.retry.backoff.ms=200"

start_zookeeper
for id in 1 2 3; do start_cluster_broker "$id" /el $OPTS --override auto.leader.rebalance.enable=false; done
await_cluster 3
"$STRAND_CLI" topic create el --partitions 6 --replication-factor 3 -b "${CB_ADDR[1]}" >/dev/null ||
    fail "create el failed"

# state ID TOPIC: "partition:leader:first-replica:isr-size " for each partition.
state() {
    "$STRAND_CLI" topic describe "$2" -b "${CB_ADDR[$1]}" --timeout 5000 2>/dev/null | awk '
        $1 == "partition" {
            l = $4; r = ""; n = 0
            for (i = 1; i < NF; i++) {
                v = $(i + 1)
                gsub(/[][]/, "", v)
                if ($i == "replicas") { split(v, a, ","); r = a[1] }
                if ($i == "isr") n = split(v, b, ",")
            }
            printf "%s:%s:%s:%d ", $2, l, r, n
        }'
}
# preferred_count ID TOPIC: partitions led by their first replica.
preferred_count() { state "$1" "$2" | tr ' ' '\n' | awk -F: 'NF == 4 && $2 == $3 { n++ } END { print n + 0 }'; }
all_isr_full() {
    local s
    s=$(state "$1" "$2") || return 1
    [ -n "$s" ] && [[ " $s" != *":1 "* ]] && [[ " $s" != *":2 "* ]]
}
all_preferred() { [ "$(preferred_count "$1" "$2")" = "$3" ]; }
controller_of() { "$STRAND_CLI" cluster -b "${CB_ADDR[$1]}" --timeout 5000 2>/dev/null | awk '$1 == "controller" { print $2 }'; }
elect() { "$STRAND_CLI" cluster elect-leaders -b "${CB_ADDR[$1]}" --timeout 15000 "${@:2}"; }
# count_result OUTPUT RESULT: lines of OUTPUT with that result.
count_result() { awk -v r="$2" '{ sub(/:$/, "", $3) } $3 == r { n++ } END { print n + 0 }' <<<"$1"; }

wait_for 30 "every ISR full" all_isr_full 1 el
wait_for 30 "every partition led by its first replica" all_preferred 1 el 6
out=$(elect 2 --all-topics) || fail "elect-leaders on a balanced cluster failed: $out"
[ "$(count_result "$out" ELECTION_NOT_NEEDED)" -eq 6 ] ||
    fail "balanced cluster: expected ELECTION_NOT_NEEDED for el's 6 partitions: $out"
[ "$(count_result "$out" NONE)" -eq 0 ] || fail "balanced cluster: something moved: $out"

# A broker that is not the controller stops (controlled shutdown moves its
# leadership away) and returns into every ISR: the two partitions it is the
# first replica of stay led by others (automatic rebalance is off here).
ctl=$(controller_of 1)
bounce=2
[ "$ctl" != 2 ] || bounce=3
stop_cluster_broker "$bounce"
start_cluster_broker "$bounce"
wait_for 60 "broker $bounce back in every ISR" all_isr_full "$ctl" el
before=$(preferred_count "$ctl" el)
[ "$before" -eq 4 ] || fail "after broker $bounce's return: $before of 6 led by their first replica, expected 4: $(state "$ctl" el)"
view=$("$STRAND_CLI" cluster -b "${CB_ADDR[$ctl]}") || fail "strand cluster failed"
[[ $view == *"preferred-leader imbalance 2 of 6 "* ]] || fail "strand cluster imbalance line: $view"
line=$(grep "^  broker $bounce " <<<"$view")
[[ $line == *"leaders 0  preferred 0/2" ]] || fail "strand cluster line of broker $bounce: $line"
json=$("$STRAND_CLI" cluster --json -b "${CB_ADDR[$ctl]}") || fail "strand cluster --json failed"
[[ $json == *'"partitions":6,"not_preferred_leader":2}' ]] || fail "strand cluster --json: $json"

out=$(elect "$ctl" --all-topics) || fail "elect-leaders failed: $out"
log "elect-leaders: $(tr '\n' ';' <<<"$out")"
[ "$(count_result "$out" NONE)" -eq 2 ] || fail "expected 2 partitions moved (NONE): $out"
[ "$(count_result "$out" ELECTION_NOT_NEEDED)" -eq 4 ] || fail "expected 4 not needed: $out"
# The answer comes after the moves: the controller's view shows them now.
all_preferred "$ctl" el 6 || fail "the controller's view right after the answer: $(state "$ctl" el)"
out=$(elect "$bounce" --all-topics --json) || fail "second elect-leaders failed: $out"
[[ $out == '{"results":['* ]] || fail "--json output: $out"
n=$(grep -o '"result":"ELECTION_NOT_NEEDED"' <<<"$out" | wc -l)
[ "$n" -eq 6 ] || fail "second run: expected ELECTION_NOT_NEEDED for every partition: $out"

# One partition; one that does not exist.
out=$(elect 1 --topic el --partition 0) || fail "elect-leaders --topic el --partition 0: $out"
[ "$out" = "el 0 ELECTION_NOT_NEEDED: Leader election not needed for topic partition." ] ||
    fail "single partition: $out"
if out=$(elect 1 --topic el --partition 99); then fail "partition 99 accepted: $out"; fi
[[ $out == "el 99 UNKNOWN_TOPIC_OR_PARTITION"* ]] || fail "partition 99: $out"

# A preferred replica that is down cannot lead.
victim=$bounce
stop_cluster_broker "$victim"
if out=$(elect "$ctl" --topic el); then fail "election with broker $victim down succeeded: $out"; fi
[ "$(count_result "$out" PREFERRED_LEADER_NOT_AVAILABLE)" -eq 2 ] ||
    fail "broker $victim down: expected PREFERRED_LEADER_NOT_AVAILABLE twice: $out"
for id in 1 2 3; do [ "$id" = "$victim" ] || stop_cluster_broker "$id"; done

# Cluster B: the controller rebalances by itself.
AUTO="--override auto.leader.rebalance.enable=true --override leader.imbalance.check.interval.seconds=1"
for id in 11 12 13; do start_cluster_broker "$id" /auto $OPTS $AUTO; done
await_cluster 3 11 12 13
"$STRAND_CLI" topic create au --partitions 3 --replication-factor 3 -b "${CB_ADDR[11]}" >/dev/null ||
    fail "create au failed"
wait_for 30 "cluster B: every ISR full" all_isr_full 11 au
wait_for 30 "cluster B: every partition led by its first replica" all_preferred 11 au 3
actl=$(controller_of 11)
aother=11
[ "$actl" != 11 ] || aother=13
avictim=12
[ "$actl" != 12 ] || avictim=13
[ "$avictim" != "$aother" ] || aother=11
stop_cluster_broker "$avictim"
wait_for 30 "cluster B: broker $avictim's partition led elsewhere" all_preferred "$aother" au 2
start_cluster_broker "$avictim"
wait_for 60 "cluster B: leadership back on the preferred replicas by itself" all_preferred "$aother" au 3
file_text=$(cat "${CB_OUT[$actl]}")
[[ $file_text == *"preferred-leader rebalance"* ]] || fail "controller $actl did not log a rebalance"

for id in 11 12 13; do stop_cluster_broker "$id"; done
stop_zookeeper
