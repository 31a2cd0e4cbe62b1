#!/usr/bin/env bash
# test_cluster_replication.sh - replication with three brokers, RF=3,
# min.insync.replicas=2, replica.lag.time.max.ms=2000:
#   - acks=all produce (librdkafka); every replica's log is the same as the
#     leader's (strand log dump) and a consumer reads everything;
#   - a follower stopped (SIGSTOP) leaves the ISR of the partitions it
#     follows, acks=all goes on with two; resumed, it catches up and is back
#     in every ISR with identical logs;
#   - two of three brokers down: acks=all is refused with
#     NOT_ENOUGH_REPLICAS (19); acks=1 still works; nothing acknowledged is
#     lost when they return.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${ITEST_LIB:-$0}")/zk_lib.sh"
itest_init
require_tool "$RDK_CLIENT"
require_tool "$RDK_RAW"
require_tool "$STRAND_CLI"
T=$ITEST_TMP
OPTS="--override replica.lag.time.max.ms=2000 --override min.insync.replicas=2"

start_zookeeper
for id in 1 2 3; do start_cluster_broker "$id" /rep $OPTS; done
await_cluster 3
"$STRAND_CLI" topic create rep --partitions 3 --replication-factor 3 -b "${CB_ADDR[1]}" >/dev/null ||
    fail "create rep (RF 3) failed"

describe() { "$STRAND_CLI" topic describe rep -b "${CB_ADDR[$1]}" --timeout 5000 2>/dev/null; }
# isr_sizes ID: the ISR sizes of partitions 0..2 as broker ID reports them.
isr_sizes() {
    describe "$1" | awk '$1 == "partition" { for (i = 1; i < NF; i++) if ($i == "isr") { n = split($(i + 1), a, ","); printf "%d ", n } }'
}
isr_is() { [ "$(isr_sizes "$1")" = "$2" ]; }
wait_for 30 "all ISRs full" isr_is 1 "3 3 3 "

# same_logs ID...: partition logs identical (records and offsets) on each.
dump() { "$STRAND_CLI" log dump --records "${CB_DATA[$1]}/rep-$2" 2>/dev/null | grep -v "${CB_DATA[$1]}"; }
same_logs() {
    local p id ref
    for p in 0 1 2; do
        ref=$(dump "$1" "$p") || return 1
        for id in "$@"; do [ "$(dump "$id" "$p")" = "$ref" ] || return 1; done
    done
}

"$RDK_CLIENT" produce -b "${CB_ADDR[2]}" -t rep -n 3000 -P 3 -s 21 -a -1 -o "$T/acked1" ||
    fail "acks=all produce with three in-sync replicas failed"
wait_for 30 "replicas identical after the first produce" same_logs 1 2 3

# A follower pauses: it leaves the ISRs, writes go on with two.
kill -STOP "${CB_PID[3]}"
wait_for 30 "broker 3 out of the ISRs" isr_is 1 "2 2 2 "
"$RDK_CLIENT" produce -b "${CB_ADDR[1]}" -t rep -n 3000 -P 3 -s 22 --start 3000 -a -1 \
    -o "$T/acked2" -T 60000 || fail "acks=all produce with broker 3 paused failed"
kill -CONT "${CB_PID[3]}"
wait_for 60 "broker 3 back in every ISR" isr_is 1 "3 3 3 "
wait_for 30 "replicas identical after broker 3 caught up" same_logs 1 2 3

# Two of three down: acks=all refused, acks=1 accepted by the survivor.
stop_cluster_broker 2
stop_cluster_broker 3
wait_for 30 "only broker 1 in the ISRs" isr_is 1 "1 1 1 "
out=$("$RDK_RAW" "${CB_ADDR[1]}" allacks rep) || fail "rdk_raw allacks failed"
[[ $out == *"partition=0 partition_error=19 "* ]] ||
    fail "acks=all with one in-sync replica: expected NOT_ENOUGH_REPLICAS (19): $out"
out=$("$RDK_RAW" "${CB_ADDR[1]}" goodcrc rep) || fail "rdk_raw goodcrc failed"
[[ $out == *"partition=0 partition_error=0 "* ]] || fail "acks=1 with one replica refused: $out"

start_cluster_broker 2
start_cluster_broker 3
wait_for 60 "every ISR full again" isr_is 1 "3 3 3 "
wait_for 30 "replicas identical after the restart" same_logs 1 2 3
cat "$T/acked1" "$T/acked2" | sort_canon /dev/stdin | cut -d ' ' -f 1-5 >"$T/expected"
"$RDK_CLIENT" consume -b "${CB_ADDR[3]}" -t rep -o "$T/got" -e 6001 -T 60000 ||
    fail "consume everything failed"
# The acks=1 record from rdk_raw is in partition 0 too: compare the rest.
sort_canon "$T/got" | grep -v " x78 -\$" >"$T/got.sorted"
same_file "$T/expected" "$T/got.sorted" "acknowledged messages after the failures"

for id in 1 2 3; do stop_cluster_broker "$id"; done
stop_zookeeper
log PASS
