#!/usr/bin/env bash
# test_group_static.sh - static membership (group.instance.id) with
# librdkafka: two static members share a topic; one is killed with kill -9
# and restarted at once with the same instance id. The coordinator replaces
# the old member (its id is fenced) without a rebalance: the other member
# is neither revoked nor reassigned, the restarted one gets its partitions
# back, and every message is consumed exactly once.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$KCAT"
[ -x "${RDK_GROUP:-}" ] || fail "RDK_GROUP is not set or not executable (run through ctest)"
T=$ITEST_TMP

start_broker --override offsets.topic.num.partitions=2 --override group.initial.rebalance.delay.ms=1000
create_topic st 4

produce_batch() {
    local p
    for p in 0 1 2 3; do
        seq 1 "$2" | sed "s/^/$1-$p-/" | kcat_b -P -t st -p "$p" || fail "produce to partition $p failed"
    done
}

# await_count PATTERN FILES N TIMEOUT_S: poll until FILES (a glob) hold N lines matching PATTERN.
await_count() {
    local deadline=$(($(now_ms) + $4 * 1000)) n
    while :; do
        n=$(cat $2 2>/dev/null | grep -c -- "$1")
        [ "$n" -ge "$3" ] && return 0
        [ "$(now_ms)" -lt "$deadline" ] || fail "$2: $n lines matching '$1' within ${4}s, expected $3"
        sleep 0.1
    done
}

# await_assigned TIMEOUT_S MEMBER...: poll until the latest event of every
# member is an assignment and together they hold the 4 partitions once.
await_assigned() {
    local deadline=$(($(now_ms) + $1 * 1000)) i last parts
    shift
    while :; do
        parts=""
        for i in "$@"; do
            last=$(grep 'assigned\|revoked' "$T/$i.err" 2>/dev/null | tail -n 1)
            case $last in *assigned*) parts="$parts,${last#*assigned }" ;; *) parts="" && break ;; esac
        done
        if [ -n "$parts" ]; then
            parts=$(printf '%s' "$parts" | tr ',' '\n' | grep . | LC_ALL=C sort | tr '\n' ' ')
            [ "$parts" = "st[0] st[1] st[2] st[3] " ] && return 0
        fi
        [ "$(now_ms)" -lt "$deadline" ] || fail "members $* did not settle on one assignment within ${1}s"
        sleep 0.1
    done
}

start_member() { # NAME INSTANCE
    "$RDK_GROUP" -b "$BROKER_ADDR" -g sgrp -t st -s 10000 -I "$2" -c "$2" --sync-commit -T 120000 \
        >"$T/$1.out" 2>"$T/$1.err" &
    eval "PID_$1=$!"
    track_pid "$!"
}

start_member ma inst-a
start_member mb inst-b
await_assigned 60 ma mb
produce_batch a 10
await_count ' a-' "$T/m*.out" 40 60
b_events=$(grep -c 'assigned\|revoked' "$T/mb.err")
a_assigned=$(grep 'assigned' "$T/ma.err" | tail -n 1)
[ -n "$a_assigned" ] || fail "member a has no partitions"

kill -KILL "$PID_ma"
wait "$PID_ma" 2>/dev/null
start_member ma2 inst-a
await_assigned 30 ma2 mb
a2_assigned=$(grep 'assigned' "$T/ma2.err")
[ "${a2_assigned}" = "${a_assigned}" ] || fail "restarted member got '$a2_assigned', had '$a_assigned'"
produce_batch b 10
await_count ' b-' "$T/m*.out" 40 60
cat "$T"/m*.out | cut -d ' ' -f 3 | LC_ALL=C sort >"$T/values"
dups=$(LC_ALL=C uniq -d "$T/values" | head -n 3)
[ -z "$dups" ] || fail "consumed more than once: $dups"
[ "$(wc -l <"$T/values")" -eq 80 ] || fail "$(wc -l <"$T/values") messages consumed, expected 80"
[ "$(grep -c 'assigned\|revoked' "$T/mb.err")" -eq "$b_events" ] ||
    fail "member b saw a rebalance after the static member came back: $(cat "$T/mb.err")"
log "static member replaced without a rebalance; 80 messages consumed once"
kill -TERM "$PID_ma2" "$PID_mb"
wait_pid_deadline "$PID_ma2" 60 || fail "member a did not exit"
wait_pid_deadline "$PID_mb" 60 || fail "member b did not exit"
stop_broker
log "PASS"
