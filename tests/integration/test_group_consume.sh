#!/usr/bin/env bash
# test_group_consume.sh - librdkafka consumer groups against the broker's
# group coordinator: three rdk_group members share a 6-partition topic and
# consume every produced message exactly once (each commits synchronously
# after printing); one member leaves cleanly and the other two take over its
# partitions; one is killed with kill -9 and, after its session timeout, the
# last member consumes its partitions too. Exactly once holds throughout:
# each member commits before it reads on.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$KCAT"
[ -x "${RDK_GROUP:-}" ] || fail "RDK_GROUP is not set or not executable (run through ctest)"
T=$ITEST_TMP

start_broker --override offsets.topic.num.partitions=5 \
    --override group.initial.rebalance.delay.ms=300 --override group.min.session.timeout.ms=1000
create_topic gt 6

# produce_batch TAG N: N messages "TAG-p-i" into each of the 6 partitions.
produce_batch() {
    local p
    for p in 0 1 2 3 4 5; do
        seq 1 "$2" | sed "s/^/$1-$p-/" | kcat_b -P -t gt -p "$p" ||
            fail "kcat could not produce batch $1 to partition $p"
    done
}

# total_lines: messages printed by all members so far.
total_lines() { cat "$T"/c*.out 2>/dev/null | wc -l; }

# await_total N TIMEOUT_S: poll until the members printed N messages.
await_total() {
    local deadline=$(($(now_ms) + $2 * 1000)) n
    while :; do
        n=$(total_lines)
        [ "$n" -ge "$1" ] && return 0
        [ "$(now_ms)" -lt "$deadline" ] || fail "members printed $n of $1 messages within ${2}s"
        sleep 0.1
    done
}

# check_exactly_once N: every value printed once, N in all.
check_exactly_once() {
    cat "$T"/c*.out | cut -d ' ' -f 3 | LC_ALL=C sort >"$T/values"
    local n dups
    n=$(wc -l <"$T/values")
    dups=$(LC_ALL=C uniq -d "$T/values" | head -n 3)
    [ -z "$dups" ] || fail "messages consumed more than once, e.g.: $dups"
    [ "$n" -eq "$1" ] || fail "$n messages consumed, expected $1"
    # and each line's partition matches the partition in its value
    local bad
    bad=$(cat "$T"/c*.out | awk '{ split($3, a, "-"); if (a[2] != $1) { print; exit } }')
    [ -z "$bad" ] || fail "message printed with the wrong partition: $bad"
}

# await_assigned TIMEOUT_S MEMBER...: poll until the latest event of every
# member is an assignment and together they hold the 6 partitions once
# (one generation, all members in it).
await_assigned() {
    local deadline=$(($(now_ms) + $1 * 1000)) i last parts
    shift
    while :; do
        parts=""
        for i in "$@"; do
            last=$(grep 'assigned\|revoked' "$T/c$i.err" 2>/dev/null | tail -n 1)
            case $last in *assigned*) parts="$parts,${last#*assigned }" ;; *) parts="" && break ;; esac
        done
        if [ -n "$parts" ]; then
            parts=$(printf '%s' "$parts" | tr ',' '\n' | grep . | LC_ALL=C sort | tr '\n' ' ')
            [ "$parts" = "gt[0] gt[1] gt[2] gt[3] gt[4] gt[5] " ] && return 0
        fi
        [ "$(now_ms)" -lt "$deadline" ] || fail "members $* did not settle on one assignment within ${1}s"
        sleep 0.1
    done
}

start_member() {
    "$RDK_GROUP" -b "$BROKER_ADDR" -g grp -t gt -s 3000 -c "member$1" --sync-commit -T 240000 \
        >"$T/c$1.out" 2>"$T/c$1.err" &
    eval "M$1=$!"
    track_pid "$!"
}

start_member 1
start_member 2
start_member 3
await_assigned 120 1 2 3
produce_batch a 100
await_total 600 120
check_exactly_once 600
# every member got partitions in the final generation
for i in 1 2 3; do
    err=$(cat "$T/c$i.err")
    case $err in *"assigned gt["*) ;; *) fail "member $i was never assigned a partition: $err" ;; esac
    [ -s "$T/c$i.out" ] || fail "member $i consumed nothing"
done
log "3 members consumed 600 messages exactly once"

# A member leaves cleanly (LeaveGroup); the others take over its partitions.
kill -TERM "$M1"
wait_pid_deadline "$M1" 60 || fail "member 1 did not exit after SIGTERM"
[ "$WAIT_STATUS" -eq 0 ] || fail "member 1 exited with status $WAIT_STATUS: $(tail -n 3 "$T/c1.err")"
before1=$(wc -l <"$T/c1.out")
produce_batch b 50
await_total 900 120
check_exactly_once 900
[ "$(wc -l <"$T/c1.out")" -eq "$before1" ] || fail "member 1 consumed after leaving"
log "after member 1 left, members 2 and 3 consumed the next 300 messages"

# A member dies (kill -9): after its session timeout its partitions move.
kill -KILL "$M2"
wait "$M2" 2>/dev/null
before2=$(wc -l <"$T/c2.out")
produce_batch c 50
await_total 1200 120
check_exactly_once 1200
[ "$(wc -l <"$T/c2.out")" -eq "$before2" ] || fail "member 2 printed after kill -9"
got_c=$(grep -c ' c-' "$T/c3.out")
[ "$got_c" -eq 300 ] || fail "member 3 consumed $got_c of the 300 messages after the kill"
log "after kill -9 of member 2, member 3 consumed all 300 new messages"

kill -TERM "$M3"
wait_pid_deadline "$M3" 60 || fail "member 3 did not exit after SIGTERM"
[ "$WAIT_STATUS" -eq 0 ] || fail "member 3 exited with status $WAIT_STATUS"
broker_alive
stop_broker
log "PASS"
