#!/usr/bin/env bash
# test_group_mixed.sh - one consumer group mixing libstrand members
# (group_itest member) and librdkafka high-level consumers (rdk_group) on a
# 6-partition topic. Whoever is elected leader computes the assignment with
# the same range algorithm, so all members agree. Members join and leave
# while messages flow: two start, two more join while a batch is produced, a
# libstrand member leaves cleanly, a librdkafka member is killed with
# kill -9 (replaced after its session timeout). Every member commits only
# after writing a record out, so at the end every produced record was
# processed (none skipped; a record may be processed twice around a kill),
# both kinds of member got partitions, and the group's committed offsets
# are at the log end.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$KCAT"
[ -x "${GROUP_ITEST:-}" ] || fail "GROUP_ITEST not set or not built (group_itest target)"
[ -x "${RDK_GROUP:-}" ] || fail "RDK_GROUP not set or not built (rdk_group target)"
[ -x "${STRAND_CLI:-}" ] || fail "STRAND_CLI not set or not built (strand target)"
T=$ITEST_TMP
G=gmix
PER=200 # records per partition per batch

start_broker --override offsets.topic.num.partitions=5 \
    --override group.initial.rebalance.delay.ms=300 --override group.min.session.timeout.ms=1000
create_topic gm 6

# produce_batch TAG: PER records "TAG-p-i" into each of the 6 partitions
# (BATCHES counts them; a batch run in the background is counted by hand).
BATCHES=0
produce_batch() {
    local p
    for p in 0 1 2 3 4 5; do
        seq 1 "$PER" | sed "s/^/$1-$p-/" | kcat_b -P -t gm -p "$p" ||
            fail "kcat could not produce batch $1 to partition $p"
    done
    BATCHES=$((BATCHES + 1))
}

start_strand() { # NAME
    "$GROUP_ITEST" member -b "$BROKER_ADDR" -g "$G" -t gm -o "$T/$1.out" --commit sync \
        -X session.timeout.ms=3000 -X heartbeat.interval.ms=300 -X fetch.max.wait.ms=100 \
        >"$T/$1.events" 2>"$T/$1.err" &
    eval "PID_$1=$!"
    track_pid "$!"
}
start_rdk() { # NAME
    "$RDK_GROUP" -b "$BROKER_ADDR" -g "$G" -t gm -s 3000 -c "$1" --sync-commit -T 240000 \
        -X heartbeat.interval.ms=300 >"$T/$1.out" 2>"$T/$1.events" &
    eval "PID_$1=$!"
    track_pid "$!"
}
stop_member() { # NAME
    local pid
    eval "pid=\$PID_$1"
    kill -TERM "$pid"
    wait_pid_deadline "$pid" 60 || fail "$1 did not exit after SIGTERM"
    [ "$WAIT_STATUS" -eq 0 ] || fail "$1 exited with status $WAIT_STATUS: $(tail -n 3 "$T/$1.err" 2>/dev/null)"
}

# processed: "PARTITION OFFSET" of every record any member wrote out, unique.
processed() {
    {
        cat "$T"/s*.out 2>/dev/null | awk '$1 == "gm" { print $2, $3 }'
        cat "$T"/r*.out 2>/dev/null | awk '{ print $1, $2 }'
    } | LC_ALL=C sort -u -k1,1n -k2,2n
}
expected() {
    local p
    for p in 0 1 2 3 4 5; do seq 0 $((BATCHES * PER - 1)) | sed "s/^/$p /"; done |
        LC_ALL=C sort -k1,1n -k2,2n
}
await_all() { # TIMEOUT_S WHAT
    expected >"$T/exp"
    local deadline=$(($(now_ms) + $1 * 1000))
    while :; do
        processed >"$T/got"
        cmp -s "$T/exp" "$T/got" && return 0
        [ "$(now_ms)" -lt "$deadline" ] || same_file "$T/exp" "$T/got" "$2"
        sleep 0.2
    done
}
# await_event FILE PATTERN TIMEOUT_S WHAT: until a line of FILE matches.
await_event() {
    local deadline=$(($(now_ms) + $3 * 1000)) text
    while :; do
        text=$(cat "$1" 2>/dev/null)
        case "$text" in *$2*) return 0 ;; esac
        [ "$(now_ms)" -lt "$deadline" ] || fail "$4 (events: $(tail -n 3 "$1" 2>/dev/null))"
        sleep 0.1
    done
}

produce_batch a
start_strand s1
start_rdk r1
await_event "$T/s1.events" "ASSIGNED" 60 "libstrand member s1 was never assigned"
await_event "$T/r1.events" "assigned gm[" 60 "librdkafka member r1 was never assigned"
await_all 60 "batch a read by s1 and r1"
log "s1 (libstrand) and r1 (librdkafka) read batch a"

# Two more members join while a batch is produced.
start_strand s2
start_rdk r2
produce_batch b
await_all 90 "batch b read while s2 and r2 joined"
log "s2 and r2 joined; batch b read"

# A libstrand member leaves cleanly while messages flow.
produce_batch c &
prod=$!
stop_member s1
wait "$prod" || fail "producing batch c failed"
BATCHES=$((BATCHES + 1)) # counted here: the batch ran in a subshell
await_all 90 "batch c read after s1 left"
log "s1 left cleanly; batch c read"

# A librdkafka member is killed: its partitions move after the session
# timeout (3 s) and the records produced meanwhile are read by the others.
kill -KILL "$PID_r1"
wait "$PID_r1" 2>/dev/null
produce_batch d
await_all 90 "batch d read after r1 was killed"
log "r1 killed with SIGKILL; batch d read by the survivors"

# Both kinds of member held partitions in the final group.
s2_parts=$(grep '^ASSIGNED' "$T/s2.events" | tail -n 1 | awk '{print $2}')
r2_last=$(grep 'rdk_group: assigned' "$T/r2.events" | tail -n 1)
[ "${s2_parts:-0}" -gt 0 ] || fail "s2 holds no partitions: $(tail -n 3 "$T/s2.events")"
case "$r2_last" in *"gm["*) ;; *) fail "r2 holds no partitions: $r2_last" ;; esac
[ -s "$T/s2.out" ] || fail "s2 processed nothing"
[ -s "$T/r2.out" ] || fail "r2 processed nothing"
stop_member s2
stop_member r2

# Every member committed after processing: the group is at the log end.
json=$("$STRAND_CLI" -b "$BROKER_ADDR" group describe "$G" --json) ||
    fail "strand group describe failed: $json"
lags=$(printf '%s\n' "$json" | grep -o '"lag":[0-9-]*' | cut -d: -f2 | LC_ALL=C sort -u | tr '\n' ' ')
[ "$lags" = "0 " ] || fail "committed offsets are not at the log end (lags: $lags): $json"
broker_alive
stop_broker
log "PASS: $((BATCHES * PER * 6)) records processed by a mixed group; committed at the log end"
