#!/usr/bin/env bash
# test_cluster_offsets.sh - high watermark against log end, and leader-epoch
# fencing on Fetch and ListOffsets, in a three-broker cluster (RF=3):
#   - with both followers paused (SIGSTOP, shorter than the ZooKeeper
#     session) acks=1 appends move the leader's log end but not its high
#     watermark: ListOffsets latest answers the HW to a consumer (replica
#     -1) and the log end to replica -2 (also from a follower, its own log
#     end); Fetch reports high_watermark = last_stable_offset = HW and the
#     log start offset, and gives no record past the HW; `strand topic
#     describe` (text and --json) shows both; resumed, the HW reaches the end;
#   - current_leader_epoch (Fetch v11, ListOffsets v5): the epoch Metadata
#     gives is served, one below FENCED_LEADER_EPOCH (74), one above
#     UNKNOWN_LEADER_EPOCH (75); ListOffsets answers carry the leader epoch;
#     after the leader is killed the new leader's epoch is higher and the
#     old one is fenced; a follower answers NOT_LEADER_OR_FOLLOWER (6).
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
CLUSTER_SESSION_MS=${CLUSTER_SESSION_MS:-10000}
. "$(dirname "${ITEST_LIB:-$0}")/zk_lib.sh"
itest_init
require_tool "$RDK_RAW"
require_tool "$STRAND_CLI"
T=$ITEST_TMP

start_zookeeper
for id in 1 2 3; do start_cluster_broker "$id" /offs; done
await_cluster 3
"$STRAND_CLI" topic create offs --partitions 1 --replication-factor 3 -b "${CB_ADDR[1]}" >/dev/null ||
    fail "create offs (RF 3) failed"

# part0 ID: partition 0's describe line as broker ID reports it.
part0() {
    "$STRAND_CLI" topic describe offs -b "${CB_ADDR[$1]}" --timeout 5000 2>/dev/null |
        grep '^  partition 0 '
}
# field LINE NAME: the word after NAME in a describe line.
field() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' <<<"$1"; }
LINE=""
# settled ID: a leader, a full ISR and HW = log end, as broker ID sees it.
settled() {
    LINE=$(part0 "$1") || return 1
    local l
    l=$(field "$LINE" leader)
    [ -n "$l" ] && [ "$l" != -1 ] && [[ $(field "$LINE" isr) == \[?,?,?\] ]] &&
        [ "$(field "$LINE" high-watermark)" = "$(field "$LINE" log-end)" ]
}
wait_for 30 "offs led with a full ISR" settled 1
L=$(field "$LINE" leader)
E=$(field "$LINE" epoch)
log "leader $L, epoch $E"
followers=()
for id in 1 2 3; do [ "$id" = "$L" ] || followers+=("$id"); done

# raw ID WANT ARGS...: one rdk_raw request to broker ID whose output must
# contain WANT.
raw() {
    local id=$1 want=$2 out
    shift 2
    out=$("$RDK_RAW" "${CB_ADDR[$id]}" "$@") || fail "rdk_raw $* failed"
    [[ $out == *"$want"* ]] || fail "broker $id, rdk_raw $*: want '$want', got: $out"
}

# Some committed data first.
for _ in 1 2 3; do raw "$L" "partition_error=0" allacks offs; done
wait_for 30 "HW at the log end after acks=all" settled "$L"
H=$(field "$LINE" high-watermark)
[ "$H" = 3 ] || fail "after three acks=all records the HW should be 3: $LINE"

# Followers paused: acks=1 appends stay above the HW.
kill -STOP "${CB_PID[${followers[0]}]}" "${CB_PID[${followers[1]}]}"
for _ in 1 2; do raw "$L" "partition_error=0" goodcrc offs; done
raw "$L" "partition=0 partition_error=0 timestamp=-1 offset=$H leader_epoch=$E" \
    listoffsets offs 0 -1 "$E" -1
raw "$L" "partition=0 partition_error=0 timestamp=-1 offset=$((H + 2)) leader_epoch=$E" \
    listoffsets offs 0 -1 -1 -2
raw "$L" "partition=0 partition_error=0 timestamp=-1 offset=0 leader_epoch=$E" \
    listoffsets offs 0 -2 -1 -1
raw "$L" "partition=0 partition_error=0 high_watermark=$H last_stable_offset=$H log_start_offset=0 records_bytes=" \
    fetch offs 0 0 "$E"
raw "$L" "partition=0 partition_error=0 high_watermark=$H last_stable_offset=$H log_start_offset=0 records_bytes=0" \
    fetch offs 0 "$H" -1
d=$(part0 "$L") || fail "describe during the pause failed"
[ "$(field "$d" high-watermark)" = "$H" ] && [ "$(field "$d" log-end)" = $((H + 2)) ] ||
    fail "describe during the pause: want high-watermark $H and log-end $((H + 2)): $d"
"$STRAND_CLI" topic describe offs --json -b "${CB_ADDR[$L]}" >"$T/desc.json" ||
    fail "describe --json failed"
grep -q "\"leader\":$L,\"leader_epoch\":$E,.*\"high_watermark\":$H,\"log_end_offset\":$((H + 2)),\"error\":null" \
    "$T/desc.json" || fail "describe --json during the pause: $(cat "$T/desc.json")"
kill -CONT "${CB_PID[${followers[0]}]}" "${CB_PID[${followers[1]}]}"
wait_for 30 "HW at the log end after the followers resumed" settled "$L"
[ "$(field "$LINE" high-watermark)" = $((H + 2)) ] || fail "HW after the resume: $LINE"

# Fencing on the leader.
raw "$L" "partition=0 partition_error=75 " fetch offs 0 0 $((E + 1))
raw "$L" "partition=0 partition_error=75 " listoffsets offs 0 -1 $((E + 1)) -1
if [ "$E" -gt 0 ]; then
    raw "$L" "partition=0 partition_error=74 " fetch offs 0 0 $((E - 1))
    raw "$L" "partition=0 partition_error=74 " listoffsets offs 0 -1 $((E - 1)) -1
fi
f=${followers[0]}
raw "$f" "partition=0 partition_error=6 " fetch offs 0 0 "$E"
raw "$f" "partition=0 partition_error=6 " listoffsets offs 0 -1 "$E" -1
raw "$f" "partition=0 partition_error=0 timestamp=-1 offset=$((H + 2)) leader_epoch=" \
    listoffsets offs 0 -1 -1 -2

# A new leader with a higher epoch fences the old one.
kill9_cluster_broker "$L"
moved() { settled_leader "$f" && [ "$NL" != "$L" ]; }
settled_leader() {
    LINE=$(part0 "$1") || return 1
    NL=$(field "$LINE" leader)
    [ -n "$NL" ] && [ "$NL" != -1 ]
}
wait_for 60 "a new leader after broker $L was killed" moved
E2=$(field "$LINE" epoch)
[ "$E2" -gt "$E" ] || fail "the new leader's epoch $E2 is not above $E"
log "broker $NL leads now, epoch $E2"
raw "$NL" "partition=0 partition_error=74 " fetch offs 0 0 "$E"
raw "$NL" "partition=0 partition_error=74 " listoffsets offs 0 -1 "$E" -1
raw "$NL" "partition=0 partition_error=0 high_watermark=" fetch offs 0 0 "$E2"
raw "$NL" "partition=0 partition_error=0 timestamp=-1 offset=0 leader_epoch=$E" \
    listoffsets offs 0 -2 "$E2" -1
start_cluster_broker "$L"
wait_for 60 "broker $L back in the ISR, HW at the log end" settled "$NL"
[ "$(field "$LINE" high-watermark)" = $((H + 2)) ] || fail "HW after the failover: $LINE"

for id in 1 2 3; do stop_cluster_broker "$id"; done
stop_zookeeper
log PASS
