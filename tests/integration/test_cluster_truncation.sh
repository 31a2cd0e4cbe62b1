#!/usr/bin/env bash
# test_cluster_truncation.sh - a follower's log after leadership changes
# (KIP-101 truncation by OffsetForLeaderEpoch) and replication of a
# compacted topic, three brokers, RF=3, a real ZooKeeper:
#   (a) divergent suffix: both followers of a partition paused (SIGSTOP,
#       replica.lag.time.max.ms large so they stay in the ISR), acks=1
#       records written to the leader only, the leader killed (-9), the
#       followers resumed: one becomes leader and takes acks=all records;
#       the old leader restarted cuts exactly its divergent suffix (its log
#       line says from where to where) and all three logs end up identical,
#       with every acknowledged acks=all record and none of the lost acks=1
#       ones;
#   (b) two leader changes in a row: acks=all records acknowledged, the
#       leader killed, the new leader takes more acks=all records and is
#       killed as soon as it leads; both restarted, every acknowledged
#       record is on every replica (the case that cutting to the high
#       watermark lost), and every replica checkpoints the high watermark;
#   (c) a compacted topic (offset gaps) replicates to a follower that was
#       down while the leader compacted: every replica has the same
#       key -> latest value map as the leader. (acks=1 there: the stopped
#       follower stays in the ISR for replica.lag.time.max.ms, 60 s here.)
#   (d) a follower whose log ends before its leader's log start (retention
#       deleted the leader's first segments while it was down) restarts its
#       log at the leader's log start and then holds the leader's records.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${ITEST_LIB:-$0}")/zk_lib.sh"
itest_init
require_tool "$RDK_CLIENT"
require_tool "$STRAND_CLI"
T=$ITEST_TMP
OPTS="--override replica.lag.time.max.ms=60000 --override log.cleaner.backoff.ms=100
      --override log.retention.check.interval.ms=300"

start_zookeeper
for id in 1 2 3; do start_cluster_broker "$id" /trunc $OPTS; done
await_cluster 3

describe() { "$STRAND_CLI" topic describe "$1" -b "${CB_ADDR[$2]}" --timeout 5000 2>/dev/null; }
# field TOPIC ID NAME: a field of partition 0 ("leader", "isr": [1,2,3]) as broker ID reports it.
field() {
    describe "$1" "$2" | awk -v f="$3" '$1 == "partition" && $2 == 0 {
        for (i = 1; i < NF; i++) if ($i == f && v == "") v = $(i + 1) } END { print v }'
}
isr_is() { [ "$(field "$1" "$2" isr | tr -d '[]' | tr ',' '\n' | sort | tr '\n' ' ')" = "$3" ]; }
# led_by_other TOPIC ID NOT...: broker ID reports a leader that is none of NOT.
led_by_other() {
    local topic=$1 id=$2 l
    shift 2
    l=$(field "$topic" "$id" leader)
    [[ $l =~ ^[0-9]+$ ]] || return 1
    for n in "$@"; do [ "$l" != "$n" ] || return 1; done
    NEW_LEADER=$l
}
dump() { "$STRAND_CLI" log dump --records "${CB_DATA[$2]}/$1-0" 2>/dev/null | grep -v "${CB_DATA[$2]}"; }
same_logs() {
    local topic=$1 ref id
    ref=$(dump "$topic" 1) || return 1
    [ -n "$ref" ] || return 1
    for id in 2 3; do [ "$(dump "$topic" "$id")" = "$ref" ] || return 1; done
}
create() {
    await_cluster 3
    "$STRAND_CLI" topic create "$1" --partitions 1 --replication-factor 3 "${@:2}" \
        -b "${CB_ADDR[1]}" >/dev/null || fail "create $1 (RF 3) failed"
    wait_for 30 "$1: ISR full" isr_is "$1" 1 "1 2 3 "
}
consume_check() {
    local topic=$1 expected=$2 n
    n=$(wc -l <"$expected")
    "$RDK_CLIENT" consume -b "${CB_ADDR[$3]}" -t "$topic" -o "$T/$topic.got" -e "$n" -T 60000 ||
        fail "$topic: consuming $n records failed"
    sort_canon "$T/$topic.got" >"$T/$topic.got.sorted"
    sort_canon "$expected" | cut -d ' ' -f 1-5 >"$T/$topic.exp.sorted"
    same_file "$T/$topic.exp.sorted" "$T/$topic.got.sorted" "$topic: acknowledged records"
}

# ---- (a) divergent suffix ----
create div
"$RDK_CLIENT" produce -b "${CB_ADDR[1]}" -t div -n 100 -P 1 -s 41 -a -1 -o "$T/div.acked1" ||
    fail "div: first acks=all produce failed"
wait_for 30 "div: replicas identical" same_logs div
L=$(field div 1 leader)
FOLLOWERS=()
for id in 1 2 3; do [ "$id" = "$L" ] || FOLLOWERS+=("$id"); done
log "div: leader $L, followers ${FOLLOWERS[*]}"
for id in "${FOLLOWERS[@]}"; do kill -STOP "${CB_PID[$id]}"; done
# The followers may have a Fetch waiting at the leader: a first record
# answers it (it lands in their socket buffers and counts as replicated);
# the next 20 reach the leader only.
"$RDK_CLIENT" produce -b "${CB_ADDR[$L]}" -t div -n 1 -P 1 -s 42 --start 100 -a 1 \
    -o "$T/div.first" -T 10000
rc=$?
[ "$rc" -ne 0 ] || "$RDK_CLIENT" produce -b "${CB_ADDR[$L]}" -t div -n 20 -P 1 -s 42 \
    --start 101 -a 1 -o "$T/div.lost" -T 10000 || rc=$?
kill9_cluster_broker "$L"
for id in "${FOLLOWERS[@]}"; do kill -CONT "${CB_PID[$id]}"; done
[ "$rc" -eq 0 ] || fail "div: acks=1 produce to the leader alone failed (status $rc)"
[ "$(wc -l <"$T/div.lost")" = 20 ] || fail "div: the 20 acks=1 records were not all acknowledged"
wait_for 60 "div: a new leader" led_by_other div "${FOLLOWERS[0]}" "$L"
log "div: new leader $NEW_LEADER"
"$RDK_CLIENT" produce -b "${CB_ADDR[$NEW_LEADER]}" -t div -n 50 -P 1 -s 43 --start 200 -a -1 \
    -o "$T/div.acked2" -T 30000 || fail "div: acks=all produce to the new leader failed"
start_cluster_broker "$L"
await_text() { grep -q "$2" "${CB_OUT[$1]}"; }
# The old leader's log ends at 121; the new leader's epoch starts at 100 or
# 101 (whether the first record reached the followers): cut there.
wait_for 30 "div: broker $L cuts its divergent suffix" await_text "$L" \
    "partition div-0: .*log truncated from 121 to 10[01] (end of the last common epoch)"
cut_at=$(sed -n 's/.*partition div-0: .*log truncated from 121 to \(10[01]\) .*/\1/p' \
    "${CB_OUT[$L]}")
cut_at=${cut_at%%$'\n'*}
log "div: broker $L truncated to $cut_at"
wait_for 60 "div: ISR full again" isr_is div "${FOLLOWERS[0]}" "1 2 3 "
wait_for 30 "div: replicas identical after the old leader returned" same_logs div
# Everything acknowledged with acks=all, the acks=1 record if it was
# replicated, none of the 20 that reached only the old leader.
{
    cat "$T/div.acked1" "$T/div.acked2"
    [ "$cut_at" = 100 ] || cat "$T/div.first"
} >"$T/div.expected"
consume_check div "$T/div.expected" "${FOLLOWERS[0]}"

# ---- (b) two leader changes in a row ----
create two
"$RDK_CLIENT" produce -b "${CB_ADDR[1]}" -t two -n 300 -P 1 -s 51 -a -1 -o "$T/two.acked1" ||
    fail "two: first acks=all produce failed"
A=$(field two 1 leader)
kill9_cluster_broker "$A"
OTHERS=()
for id in 1 2 3; do [ "$id" = "$A" ] || OTHERS+=("$id"); done
wait_for 60 "two: a leader after broker $A" led_by_other two "${OTHERS[0]}" "$A"
B=$NEW_LEADER
C=${OTHERS[0]}
[ "$C" != "$B" ] || C=${OTHERS[1]}
"$RDK_CLIENT" produce -b "${CB_ADDR[$B]}" -t two -n 100 -P 1 -s 52 --start 300 -a -1 \
    -o "$T/two.acked2" -T 30000 || fail "two: acks=all produce to broker $B failed"
kill9_cluster_broker "$B"
wait_for 60 "two: broker $C leads" led_by_other two "$C" "$A" "$B"
[ "$NEW_LEADER" = "$C" ] || fail "two: expected broker $C to lead, got $NEW_LEADER"
start_cluster_broker "$A"
start_cluster_broker "$B"
wait_for 60 "two: ISR full again" isr_is two "$C" "1 2 3 "
wait_for 30 "two: replicas identical" same_logs two
cat "$T/two.acked1" "$T/two.acked2" >"$T/two.expected"
consume_check two "$T/two.expected" "$C"
# Every replica checkpoints the high watermark while running (the log
# manager's replication-offset-checkpoint, within a second of a move).
hw_saved() { grep -qx "two 0 400" "${CB_DATA[$1]}/replication-offset-checkpoint" 2>/dev/null; }
for id in 1 2 3; do wait_for 20 "two: broker $id checkpointed high watermark 400" hw_saved "$id"; done

# ---- (c) a compacted topic ----
create cmp --config cleanup.policy=compact --config segment.bytes=2048 \
    --config min.cleanable.dirty.ratio=0.01
LC=$(field cmp 1 leader)
DOWN=1
[ "$DOWN" != "$LC" ] || DOWN=2
stop_cluster_broker "$DOWN"
# 15 rounds of the same 20 keys, one produce per round (so the leader's
# segments of 2 KiB roll between requests and compaction has something
# to clean).
for r in $(seq 1 15); do
    for k in $(seq 0 19); do printf 'k%s:value-%s-%s-padding-padding-padding\n' "$k" "$r" "$k"; done |
        "$STRAND_CLI" produce cmp -k : --acks 1 -b "${CB_ADDR[$LC]}" >/dev/null 2>&1 ||
        fail "cmp: keyed produce (round $r) failed"
done
wait_for 60 "cmp: the leader compacted" \
    await_text "$LC" "topic=cmp partition=0: compacted .* cleaned up to offset [1-9][0-9][0-9]$"
start_cluster_broker "$DOWN"
wait_for 60 "cmp: ISR full again" isr_is cmp "$LC" "1 2 3 "
# key -> latest value, from each replica's files.
kv() {
    dump cmp "$1" | awk '$1 == "|" && $6 == "key:" { latest[$7] = $9 }
        END { for (k in latest) print k, latest[k] }' | sort
}
kv "$LC" >"$T/cmp.leader"
[ "$(wc -l <"$T/cmp.leader")" = 20 ] || fail "cmp: leader has $(wc -l <"$T/cmp.leader") keys, not 20"
grep -q '^k7 value-15-7-' "$T/cmp.leader" || fail "cmp: leader lost k7's latest value"
same_kv() { for id in 1 2 3; do [ "$(kv "$id")" = "$(cat "$T/cmp.leader")" ] || return 1; done; }
wait_for 30 "cmp: every replica has the leader's latest values" same_kv
# The returning follower copied the compacted batches with their gaps.
"$STRAND_CLI" log dump "${CB_DATA[$DOWN]}/cmp-0" >"$T/cmp.down" 2>&1
grep -q "compacted: \|^gap: " "$T/cmp.down" || fail "cmp: broker $DOWN's log shows no compacted batch"
grep -q "cmp-0.*append .*failed" "${CB_OUT[$DOWN]}" &&
    fail "cmp: broker $DOWN refused the leader's batches"

# ---- (d) behind the leader's log start ----
create ret --config segment.bytes=2048 --config retention.bytes=4096
LR=$(field ret 1 leader)
DOWN=1
[ "$DOWN" != "$LR" ] || DOWN=2
stop_cluster_broker "$DOWN"
for r in $(seq 1 10); do
    for k in $(seq 0 19); do printf 'r%s-%s-padding-padding-padding-padding\n' "$r" "$k"; done |
        "$STRAND_CLI" produce ret --acks 1 -p 0 -b "${CB_ADDR[$LR]}" >/dev/null 2>&1 ||
        fail "ret: produce (round $r) failed"
done
log_start() { field ret "$LR" log-start; }
start_moved() { [ "$(log_start)" -gt 0 ] 2>/dev/null; }
wait_for 30 "ret: retention moved the leader's log start" start_moved
start_cluster_broker "$DOWN"
wait_for 30 "ret: broker $DOWN restarts its log at the leader's log start" await_text "$DOWN" \
    "partition ret-0: the log end 0 is below leader $LR's log start [1-9][0-9]*; log restarted there: ok"
wait_for 60 "ret: ISR full again" isr_is ret "$LR" "1 2 3 "
# The records both still hold are the same (each applies retention on its
# own segments, so compare from the later log start).
recs() { dump ret "$1" | awk -v from="$2" '$1 == "|" && $3 >= from { print $3, $7, $9 }'; }
first() { dump ret "$1" | awk '$1 == "|" && f == "" { f = $3 } END { print f }'; }
same_recs() {
    local a b from
    a=$(first "$LR") && b=$(first "$DOWN") || return 1
    [ -n "$a" ] && [ -n "$b" ] || return 1
    from=$((a > b ? a : b))
    [ "$(recs "$LR" "$from")" = "$(recs "$DOWN" "$from")" ] &&
        [ "$(recs "$LR" "$from" | tail -1 | cut -d ' ' -f 1)" = 199 ]
}
wait_for 30 "ret: broker $DOWN holds the leader's records" same_recs

for id in 1 2 3; do stop_cluster_broker "$id"; done
stop_zookeeper
log PASS
