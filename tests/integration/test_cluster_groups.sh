#!/usr/bin/env bash
# test_cluster_groups.sh - consumer groups in cluster mode: a real
# ZooKeeper, three brokers, __consumer_offsets with 3 partitions and
# offsets.topic.replication.factor=3, min.insync.replicas=2.
#   - FindCoordinator (through `strand group describe`) names the leader of
#     the group's __consumer_offsets partition; the other brokers answer
#     group requests with NOT_COORDINATOR (group_raw --ask: OffsetFetch and
#     Heartbeat, error 16);
#   - a librdkafka group member consumes and commits synchronously; the
#     coordinator's broker is killed with SIGKILL while it runs; the member
#     finds the new coordinator and goes on: every message is consumed, and
#     nothing is reprocessed but the one in flight per partition at most;
#   - the committed offsets seen on the new coordinator are those of the
#     old one (nothing acknowledged is lost), equal to the log end offsets
#     once the member is done;
#   - the killed broker restarts and rejoins; `strand group list` (every
#     broker) and `strand group describe` (the coordinator) still agree;
#   - the coordinator paused past its session: it drops the group and
#     answers NOT_COORDINATOR; the next coordinator has the same commits
#     (the last written as one batch of three records by reset-offsets);
#   - a second member of the group resumes exactly at the commits;
#   - min.insync.replicas=2 with two brokers stopped: a commit is refused
#     with COORDINATOR_NOT_AVAILABLE, the earlier commits stay.
# Also: with 2 of 3 brokers alive the topic is not created
# (COORDINATOR_NOT_AVAILABLE) until the third arrives.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${ITEST_LIB:-$0}")/zk_lib.sh"
itest_init
require_tool "$KCAT"
require_tool "$GROUP_RAW"
require_tool "$STRAND_CLI"
[ -x "${RDK_GROUP:-}" ] || fail "RDK_GROUP is not set or not executable (run through ctest)"
T=$ITEST_TMP
OPTS="--override offsets.topic.num.partitions=3 --override offsets.topic.replication.factor=3
      --override min.insync.replicas=2 --override replica.lag.time.max.ms=3000
      --override group.initial.rebalance.delay.ms=0 --override group.min.session.timeout.ms=1000"

start_zookeeper
for id in 1 2; do
    # shellcheck disable=SC2086 # OPTS is a word list
    start_cluster_broker "$id" /grp $OPTS
done
await_cluster 2 # the coordinator's refusal below names the live brokers it sees
# Two brokers alive, replication factor 3: the topic is not created, no
# coordinator (COORDINATOR_NOT_AVAILABLE, 15), group requests refused.
out=$("$GROUP_RAW" "${CB_ADDR[1]}" --ask cgrp) || fail "group_raw --ask failed: $out"
[ "$out" = "find=15 node=-1 offset_fetch=16 heartbeat=16" ] ||
    fail "with 2 of 3 brokers: '$out', expected find=15 (COORDINATOR_NOT_AVAILABLE)"
# The broker's log reaches its file through the harness's reader: wait for it.
says_why() { grep -q "__consumer_offsets is not created while 2 broker(s) are alive" "${CB_OUT[1]}"; }
wait_for 10 "broker 1 saying why __consumer_offsets is not created" says_why
# shellcheck disable=SC2086
start_cluster_broker 3 /grp $OPTS
await_cluster 3
"$STRAND_CLI" topic create cg --partitions 3 --replication-factor 3 -b "${CB_ADDR[1]}" >/dev/null ||
    fail "create cg (RF 3) failed"
# produce ID FIRST LAST: messages m-P-N (N in FIRST..LAST) to each partition
# P, acks=all, through broker ID; their values are appended to $T/want.
produce() {
    local p
    for p in 0 1 2; do
        seq "$2" "$3" | sed "s/^/m-$p-/" >"$T/batch"
        "$KCAT" -b "${CB_ADDR[$1]}" -P -t cg -p "$p" -X acks=all -X message.timeout.ms=30000 \
            <"$T/batch" 2>"$T/kcat.err" || fail "produce to partition $p failed: $(cat "$T/kcat.err")"
        cat "$T/batch" >>"$T/want"
    done
}
produce 1 1 100

isr_sizes() {
    local out
    out=$("$STRAND_CLI" topic describe __consumer_offsets -b "${CB_ADDR[$1]}" --timeout 5000 2>/dev/null) || return 1
    awk '$1 == "partition" { for (i = 1; i < NF; i++) if ($i == "isr") { n = split($(i + 1), a, ","); printf "%d ", n } }' <<<"$out"
}
# describe ID: `strand group describe cgrp` asked through broker ID.
describe() {
    "$STRAND_CLI" group describe cgrp -b "${CB_ADDR[$1]}" --timeout 5000 >"$T/describe.out" \
        2>"$T/describe.err"
}
# coordinator ID: the coordinator's id as broker ID's FindCoordinator names it.
coordinator() {
    describe "$1" || return 1
    awk '$1 == "COORDINATOR" { print $2 }' "$T/describe.out"
}
# committed ID: "P:OFFSET ..." of topic cg, from the coordinator.
committed() {
    describe "$1" || return 1
    awk '$1 == "cg" { printf "%s:%s ", $2, $3 }' "$T/describe.out"
}

# A member that commits every message synchronously; it runs through the
# failover until it has seen every message (then SIGTERM: a clean close).
"$RDK_GROUP" -b "${CB_ADDR[1]},${CB_ADDR[2]},${CB_ADDR[3]}" -g cgrp -t cg -s 6000 \
    --sync-commit -T 200000 -X fetch.wait.max.ms=100 >"$T/first.out" 2>"$T/first.err" &
member=$!
track_pid "$member"
lines() { wc -l <"$1"; }
at_least() { [ "$(lines "$1")" -ge "$2" ]; }
wait_for 60 "the member consumed the first 300 messages" at_least "$T/first.out" 300

co=$(coordinator 1) || fail "describe through broker 1 failed: $(cat "$T/describe.err")"
case $co in 1 | 2 | 3) ;; *) fail "no coordinator in: $(cat "$T/describe.out")" ;; esac
for id in 2 3; do
    other=$(coordinator "$id") || fail "describe through broker $id failed: $(cat "$T/describe.err")"
    [ "$other" = "$co" ] || fail "broker $id names coordinator $other, broker 1 names $co"
done
log "coordinator of cgrp: broker $co"
all_committed() { [ "$(committed "$co")" = "0:100 1:100 2:100 " ]; }
wait_for 30 "offsets 100 100 100 committed on broker $co" all_committed
before=$(committed "$co")

# Raw answers: every broker names the coordinator; the others refuse the
# group with NOT_COORDINATOR (16); the coordinator knows it (a heartbeat of
# an unknown member: UNKNOWN_MEMBER_ID, 25).
for id in 1 2 3; do
    out=$("$GROUP_RAW" "${CB_ADDR[$id]}" --ask cgrp) || fail "group_raw --ask on broker $id failed: $out"
    want="find=0 node=$co offset_fetch=16 heartbeat=16"
    [ "$id" = "$co" ] && want="find=0 node=$co offset_fetch=0 heartbeat=25"
    [ "$out" = "$want" ] || fail "broker $id answers '$out', expected '$want'"
done

# The coordinator dies.
kill9_cluster_broker "$co"
survivor=1
[ "$co" = 1 ] && survivor=2
moved() {
    local c
    c=$(coordinator "$survivor") || return 1
    [ -n "$c" ] && [ "$c" != "$co" ]
}
wait_for 60 "a new coordinator for cgrp" moved
newco=$(coordinator "$survivor")
log "new coordinator of cgrp: broker $newco"
after=$(committed "$survivor") || fail "describe on the new coordinator failed"
[ "$after" = "$before" ] || fail "committed offsets after the failover: '$after', before: '$before'"

# More messages: the member (still running) reads and commits them through
# the new coordinator and the partitions' new leaders.
produce "$survivor" 101 150
distinct() { [ "$(awk '{ print $3 }' "$T/first.out" | LC_ALL=C sort -u | wc -l)" -ge 450 ]; }
wait_for 120 "the member consumed all 450 messages through the new leaders" distinct
kill -TERM "$member"
wait_pid_deadline "$member" 60 || fail "the member did not finish: $(tail -n 5 "$T/first.err")"
[ "$WAIT_STATUS" -eq 0 ] || fail "the member failed ($WAIT_STATUS): $(tail -n 5 "$T/first.err")"
grep -q "assigned" "$T/first.err" || fail "the member was never assigned partitions"

# Everything consumed; duplicates only from a commit lost in the failover
# (at most one message per partition).
canon() { awk '{ print $3 }' "$@" | LC_ALL=C sort -u; }
LC_ALL=C sort -u "$T/want" >"$T/want.sorted"
canon "$T/first.out" >"$T/got"
same_file "$T/want.sorted" "$T/got" "messages consumed through the failover"
dups=$(($(lines "$T/first.out") - $(lines "$T/got")))
[ "$dups" -le 3 ] || fail "$dups messages were consumed twice (at most one per partition expected)"
final() { [ "$(committed "$survivor")" = "0:150 1:150 2:150 " ]; }
wait_for 30 "offsets 150 150 150 committed on the new coordinator" final

# The killed broker comes back and rejoins; the coordinator answers the same.
start_cluster_broker "$co"
isr_full() { [ "$(isr_sizes "$co")" = "3 3 3 " ]; }
wait_for 60 "broker $co back in every __consumer_offsets ISR" isr_full
for id in 1 2 3; do
    [ "$(committed "$id")" = "0:150 1:150 2:150 " ] ||
        fail "describe through broker $id after the restart: $(cat "$T/describe.out" "$T/describe.err")"
done
# The coordinator pauses past its ZooKeeper session: its partitions move
# on; when it resumes it drops the groups it no longer coordinates and
# answers NOT_COORDINATOR, and the next coordinator has the same commits.
# One OffsetCommit of all three partitions (one batch of three records).
reset() {
    "$STRAND_CLI" group reset-offsets cgrp --topic cg "$@" --execute -b "${CB_ADDR[1]}" \
        --timeout 10000 >"$T/reset.out" 2>&1 || fail "reset-offsets $*: $(cat "$T/reset.out")"
}
reset --to-earliest
[ "$(committed "$newco")" = "0:0 1:0 2:0 " ] || fail "after reset-offsets: $(cat "$T/describe.out")"
other=$((newco % 3 + 1))
kill -STOP "${CB_PID[$newco]}"
moved_again() {
    local c
    c=$(coordinator "$other") || return 1
    [ -n "$c" ] && [ "$c" != "$newco" ]
}
wait_for 60 "a coordinator other than the paused broker $newco" moved_again
third=$(coordinator "$other")
kill -CONT "${CB_PID[$newco]}"
log "broker $newco paused and resumed; broker $third coordinates cgrp"
dropped() { grep -q "no longer leads it; dropped its 1 group(s)" "${CB_OUT[$newco]}"; }
wait_for 60 "broker $newco dropped the group it no longer coordinates" dropped
refuses() { [ "$("$GROUP_RAW" "${CB_ADDR[$newco]}" --ask cgrp)" = "find=0 node=$third offset_fetch=16 heartbeat=16" ]; }
wait_for 30 "broker $newco answers NOT_COORDINATOR for cgrp" refuses
[ "$(committed "$newco")" = "0:0 1:0 2:0 " ] ||
    fail "commits on coordinator $third after the pause: $(cat "$T/describe.out" "$T/describe.err")"
reset --to-latest
[ "$(committed "$newco")" = "0:150 1:150 2:150 " ] || fail "after reset-offsets: $(cat "$T/describe.out")"

listed() {
    "$STRAND_CLI" group list -b "${CB_ADDR[$1]}" --timeout 5000 >"$T/list.out" 2>"$T/list.err" || return 1
    grep -Eq '^cgrp +Empty +consumer +[123]$' "$T/list.out"
}
wait_for 30 "group list shows cgrp" listed "$co"
[ "$(grep -c '^cgrp ' "$T/list.out")" -eq 1 ] || fail "cgrp listed more than once: $(cat "$T/list.out")"

# A new member resumes at the commits: the 60 new messages only.
: >"$T/want"
produce "$co" 151 170
"$RDK_GROUP" -b "${CB_ADDR[$co]}" -g cgrp -t cg -s 6000 -i 3000 --sync-commit -T 60000 \
    >"$T/second.out" 2>"$T/second.err" || fail "second member failed: $(tail -n 3 "$T/second.err")"
LC_ALL=C sort -u "$T/want" >"$T/want3"
canon "$T/second.out" >"$T/got3"
same_file "$T/want3" "$T/got3" "the second member's messages"
[ "$(lines "$T/second.out")" -eq 60 ] || fail "the second member read $(lines "$T/second.out") messages, expected 60"

# min.insync.replicas=2: with the two other brokers stopped, the
# coordinator refuses a commit (COORDINATOR_NOT_AVAILABLE) rather than keep
# it on one replica; the commits made before are all still there.
co3=$(coordinator 1) || fail "describe failed: $(cat "$T/describe.err")"
for id in 1 2 3; do [ "$id" = "$co3" ] || stop_cluster_broker "$id"; done
alone() { [ "$(isr_sizes "$co3")" = "1 1 1 " ]; }
wait_for 30 "broker $co3 alone in the __consumer_offsets ISRs" alone
out=$("$STRAND_CLI" group reset-offsets cgrp --topic cg --to-earliest --execute \
    -b "${CB_ADDR[$co3]}" --timeout 5000 2>&1) && fail "a commit with one in-sync replica succeeded: $out"
[[ $out == *COORDINATOR_NOT_AVAILABLE* ]] ||
    fail "a commit with one in-sync replica: expected COORDINATOR_NOT_AVAILABLE: $out"
[ "$(committed "$co3")" = "0:170 1:170 2:170 " ] ||
    fail "commits after the refused one: $(cat "$T/describe.out" "$T/describe.err")"

stop_cluster_broker "$co3"
stop_zookeeper
log PASS
