#!/usr/bin/env bash
# test_epoch.sh - leader epochs end to end on a standalone broker: every
# partition directory gets Kafka's leader-epoch-checkpoint ("0", 1, "0 0":
# the standalone broker stamps epoch 0), OffsetForLeaderEpoch (raw v3
# requests) answers from it (epoch 0 ends at the log end, a higher epoch is
# unknown, a newer current_leader_epoch gets UNKNOWN_LEADER_EPOCH), and
# across a restart with one file deleted and the other damaged the files are
# rebuilt from the batch headers, the answers are the same and librdkafka
# (with OffsetForLeaderEpoch advertised) reads back exactly what it wrote
# before and after the restart. Fetch and ListOffsets fence
# current_leader_epoch like OffsetForLeaderEpoch and ListOffsets answers
# carry epoch 0.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$RDK_CLIENT"
require_tool "$RDK_RAW"
T=$ITEST_TMP

# end_of FILE PARTITION: 1 + the largest offset of PARTITION in a canonical file.
end_of() { awk -v p="$2" 'BEGIN { m = -1 } $1 == p && $2 > m { m = $2 } END { print m + 1 }' "$1"; }

# expect_epoch PARTITION EPOCH CURRENT WANT: one raw request, its answer line.
expect_epoch() {
    local out
    out=$("$RDK_RAW" "$BROKER_ADDR" epoch ep "$1" "$2" "$3") || fail "rdk_raw epoch failed"
    grep -qxF -- "$4" <<<"$out" ||
        fail "OffsetForLeaderEpoch p=$1 epoch=$2 current=$3: want the line '$4', got: $out"
}

expect_file() {
    local got
    got=$(cat "$BROKER_DATA/ep-$1/leader-epoch-checkpoint" 2>&1)
    [ "$got" = $'0\n1\n0 0' ] || fail "ep-$1/leader-epoch-checkpoint $2: '$got'"
}

start_broker
create_topic ep 2
rdk produce -t ep -n 600 -P 2 -s 11 -a 1 -o "$T/a" || fail "produce"
e0=$(end_of "$T/a" 0)
e1=$(end_of "$T/a" 1)
[ "$e0" -gt 0 ] && [ "$e1" -gt 0 ] || fail "both partitions should hold data ($e0, $e1)"
expect_file 0 "after produce"
expect_file 1 "after produce"
expect_epoch 0 0 -1 "partition=0 partition_error=0 leader_epoch=0 end_offset=$e0"
expect_epoch 1 0 0 "partition=1 partition_error=0 leader_epoch=0 end_offset=$e1"
expect_epoch 0 1 -1 "partition=0 partition_error=0 leader_epoch=-1 end_offset=-1"
expect_epoch 0 0 1 "partition=0 partition_error=75 leader_epoch=-1 end_offset=-1"
expect_epoch 2 0 -1 "partition=2 partition_error=3 leader_epoch=-1 end_offset=-1"

# Fetch v11 and ListOffsets v5 fence current_leader_epoch the same way
# (standalone: epoch 0), and ListOffsets answers carry epoch 0.
expect_raw() {
    local out
    out=$("$RDK_RAW" "$BROKER_ADDR" "$@") || fail "rdk_raw $* failed"
    [[ $out == *"$RAW_WANT"* ]] || fail "rdk_raw $*: want '$RAW_WANT', got: $out"
}
RAW_WANT="partition=0 partition_error=0 high_watermark=$e0 last_stable_offset=$e0 log_start_offset=0 records_bytes="
expect_raw fetch ep 0 0 -1
expect_raw fetch ep 0 0 0
RAW_WANT="partition=0 partition_error=75 high_watermark=-1" expect_raw fetch ep 0 0 1
RAW_WANT="partition=0 partition_error=0 timestamp=-1 offset=$e0 leader_epoch=0"
expect_raw listoffsets ep 0 -1 -1 -1
expect_raw listoffsets ep 0 -1 0 -2 # the debugging replica id: log end = HW here
RAW_WANT="partition=0 partition_error=0 timestamp=-1 offset=0 leader_epoch=0" expect_raw listoffsets ep 0 -2 0 -1
RAW_WANT="partition=0 partition_error=75 timestamp=-1 offset=-1 leader_epoch=-1" expect_raw listoffsets ep 0 -1 1 -1
stop_broker

rm -f "$BROKER_DATA/ep-0/leader-epoch-checkpoint"
printf '0\n2\n7 0\n' >"$BROKER_DATA/ep-1/leader-epoch-checkpoint"
restart_broker
expect_file 0 "rebuilt after it was deleted"
expect_file 1 "rebuilt after it was damaged"
expect_epoch 0 0 -1 "partition=0 partition_error=0 leader_epoch=0 end_offset=$e0"
expect_epoch 1 0 -1 "partition=1 partition_error=0 leader_epoch=0 end_offset=$e1"

rdk produce -t ep -n 200 -P 2 -s 11 --start 600 -a 1 -o "$T/b" || fail "produce after restart"
cat "$T/a" "$T/b" >"$T/all"
sort_canon "$T/all" | cut -d ' ' -f 1-5 >"$T/exp"
rdk consume -t ep -o "$T/got" -T 120000 || fail "consume after restart"
sort_canon "$T/got" >"$T/got.sorted"
same_file "$T/exp" "$T/got.sorted" "ep read back across the restart"
expect_epoch 0 0 -1 "partition=0 partition_error=0 leader_epoch=0 end_offset=$(end_of "$T/all" 0)"
stop_broker
log PASS
