#!/usr/bin/env bash
# test_cluster_shutdown.sh - controlled shutdown (SIGTERM in cluster mode):
# three brokers and a real ZooKeeper, topic cs with RF 3, 3 partitions,
# min.insync.replicas=2. A librdkafka producer (acks=all, paced) runs while
#   1. the leader of partition 0 (not the controller) gets SIGTERM;
#   2. the controller gets SIGTERM.
# Each time: the producer sees no failed delivery (librdkafka retries the
# retriable NOT_LEADER_OR_FOLLOWER itself); the stopping broker exits with
# status 0 after its log says the leadership moved away, which comes before
# it leaves the cluster; right after its exit no partition is led by it or
# without a leader (so the moves happened before the exit, not because its
# session closed); it restarts and rejoins every ISR. Finally a consumer
# reads every acknowledged message, and the replicas' logs are identical.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${ITEST_LIB:-$0}")/zk_lib.sh"
itest_init
require_tool "$RDK_CLIENT"
require_tool "$STRAND_CLI"
T=$ITEST_TMP
OPTS="--override replica.lag.time.max.ms=3000 --override min.insync.replicas=2"
OPTS+=" --override controlled.shutdown.retry.backoff.ms=200"
OPTS+=" --override auto.leader.rebalance.enable=false"

start_zookeeper
for id in 1 2 3; do start_cluster_broker "$id" /cs $OPTS; done
await_cluster 3
"$STRAND_CLI" topic create cs --partitions 3 --replication-factor 3 -b "${CB_ADDR[1]}" >/dev/null ||
    fail "create cs (RF 3) failed"

# describe ID: `strand topic describe cs` as broker ID answers.
describe() { "$STRAND_CLI" topic describe cs -b "${CB_ADDR[$1]}" --timeout 5000 2>/dev/null; }
# leaders ID: the leaders of partitions 0..2, space-separated.
leaders() { describe "$1" | awk '$1 == "partition" { printf "%s ", $4 }'; }
isr_sizes() {
    describe "$1" | awk '$1 == "partition" { for (i = 1; i < NF; i++) if ($i == "isr") { n = split($(i + 1), a, ","); printf "%d ", n } }'
}
isr_is() { [ "$(isr_sizes "$1")" = "$2" ]; }
controller_of() { "$STRAND_CLI" cluster -b "${CB_ADDR[$1]}" --timeout 5000 2>/dev/null | awk '$1 == "controller" { print $2 }'; }
wait_for 30 "all ISRs full" isr_is 1 "3 3 3 "

# file_has FILE PATTERN: FILE has a line matching the grep pattern.
file_has() {
    local text
    text=$(cat "$1" 2>/dev/null) || return 1
    [[ $text == *"$2"* ]]
}
line_of() { grep -n -F -- "$2" "$1" | tail -n 1 | cut -d: -f1; }

# round N VICTIM OTHER: paced acks=all producer; SIGTERM VICTIM while it
# runs; checks as described above (OTHER is a broker that stays up).
round() {
    local n=$1 victim=$2 other=$3 start=$(($1 * 100000)) ppid out
    "$RDK_CLIENT" produce -b "${CB_ADDR[$other]}" -t cs -n 6000 -P 3 -s "$n" --start "$start" \
        -a -1 --rate 1500 -o "$T/acked$n" --notify-after 1000 -T 60000 \
        >"$T/prod$n.out" 2>"$T/prod$n.err" &
    ppid=$!
    track_pid "$ppid"
    wait_for 30 "round $n: the producer got 1000 acknowledgements" file_has "$T/prod$n.out" "acked 1000"
    local before
    before=$(leaders "$other")
    [[ " $before" == *" $victim "* ]] || fail "round $n: broker $victim leads nothing ($before)"
    log "round $n: leaders before: $before; SIGTERM to broker $victim"
    stop_cluster_broker "$victim" # SIGTERM; exit status 0 required
    local after
    after=$(leaders "$other")
    log "round $n: leaders right after broker $victim exited: $after"
    [[ " $after" != *" $victim "* ]] || fail "round $n: broker $victim still leads after its exit: $after"
    [[ " $after" != *" -1 "* ]] || fail "round $n: a partition without leader after the exit: $after"
    wait_for 10 "round $n: broker $victim's log is complete" file_has "${CB_OUT[$victim]}" "stopped"
    file_has "${CB_OUT[$victim]}" "controlled shutdown: leadership moved away" ||
        fail "round $n: broker $victim did not report its leadership moved: $(tail -n 20 "${CB_OUT[$victim]}")"
    local moved left
    moved=$(line_of "${CB_OUT[$victim]}" "controlled shutdown: leadership moved away")
    left=$(line_of "${CB_OUT[$victim]}" "left the cluster")
    [ -n "$left" ] && [ "$moved" -lt "$left" ] ||
        fail "round $n: leadership moved (line $moved) not before leaving the cluster (line $left)"
    wait_pid_deadline "$ppid" 120 || fail "round $n: the producer did not finish"
    [ "$WAIT_STATUS" -eq 0 ] || fail "round $n: producer exit $WAIT_STATUS: $(cat "$T/prod$n.err")"
    out=$(cat "$T/prod$n.err")
    [[ $out == *"produced 6000 acked, 0 failed"* ]] || fail "round $n: producer: $out"
    start_cluster_broker "$victim"
    wait_for 60 "round $n: broker $victim back in every ISR" isr_is "$other" "3 3 3 "
}

ctl=$(controller_of 1)
[ -n "$ctl" ] && [ "$ctl" -ge 1 ] || fail "no controller"
# Round 1: a leader that is not the controller (every broker leads one
# partition: leaders are spread), with the producer bootstrapped elsewhere.
victim=""
for id in 1 2 3; do [ "$id" != "$ctl" ] && victim=$id && break; done
other=$ctl
round 1 "$victim" "$other"
# The controller logged the moves as controlled-shutdown writes.
file_has "${CB_OUT[$ctl]}" "(controlled shutdown of broker $victim)" ||
    fail "controller $ctl did not log controlled-shutdown moves"

# Round 2: the controller itself.
ctl=$(controller_of "$victim")
other=$victim
round 2 "$ctl" "$other"
wait_for 30 "a new controller" bash -c "[ \"\$(\"$STRAND_CLI\" cluster -b ${CB_ADDR[$other]} 2>/dev/null | awk '\$1 == \"controller\" { print \$2 }')\" -ge 1 ]"

# Everything acknowledged is there at its acknowledged offset. A message may
# also be there twice (resent after NOT_LEADER_OR_FOLLOWER when its first
# append was never acknowledged): extra lines are allowed, missing ones not.
cat "$T/acked1" "$T/acked2" | cut -d ' ' -f 1-5 | LC_ALL=C sort -u >"$T/expected"
[ "$(wc -l <"$T/expected")" -eq 12000 ] || fail "acknowledged: $(wc -l <"$T/expected") lines"
"$RDK_CLIENT" consume -b "${CB_ADDR[1]}" -t cs -o "$T/got" -T 60000 ||
    fail "consume everything failed"
LC_ALL=C sort -u "$T/got" >"$T/got.sorted"
missing=$(LC_ALL=C comm -23 "$T/expected" "$T/got.sorted" | head -n 3)
[ -z "$missing" ] || fail "acknowledged messages missing after the controlled shutdowns: $missing"

for id in 1 2 3; do stop_cluster_broker "$id"; done
stop_zookeeper
