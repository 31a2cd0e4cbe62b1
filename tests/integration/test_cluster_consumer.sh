#!/usr/bin/env bash
# test_cluster_consumer.sh - libstrand's consumer follows a leader change:
# three brokers (real ZooKeeper), a one-partition topic with replication
# factor 3; `strand consume` (libstrand) reads while librdkafka produces
# with acks=all; the partition's leader is killed with SIGKILL in the
# middle; the consumer finds the new leader and reads every acknowledged
# record exactly once, in order.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${ITEST_LIB:-$0}")/zk_lib.sh"
itest_init
require_tool "$RDK_CLIENT"
require_tool "$STRAND_CLI"
T=$ITEST_TMP

start_zookeeper
for id in 1 2 3; do start_cluster_broker "$id" /cons --override min.insync.replicas=2; done
await_cluster 3
"$STRAND_CLI" topic create follow --partitions 1 --replication-factor 3 -b "${CB_ADDR[1]}" \
    >/dev/null || fail "create follow failed"

# leader ID: partition 0's leader as broker ID reports it (-1: none).
leader() {
    "$STRAND_CLI" topic describe follow -b "${CB_ADDR[$1]}" --timeout 5000 2>/dev/null |
        awk '$1 == "partition" && $2 == 0 { print $4 }'
}
isr_full() {
    local d
    d=$("$STRAND_CLI" topic describe follow -b "${CB_ADDR[$1]}" --timeout 5000 2>/dev/null) ||
        return 1
    [[ $d == *"isr "*,*,* ]]
}
wait_for 30 "follow has a full ISR" isr_full 1
L=$(leader 1)
[ -n "$L" ] && [ "$L" -ge 1 ] || fail "no leader for follow: '$L'"
log "leader of follow is broker $L"
others=()
for id in 1 2 3; do [ "$id" = "$L" ] || others+=("$id"); done

# The consumer bootstraps from every broker, so losing the leader does not
# leave it without one it knows.
START_MERGE_STDERR=0 start_process cons "$STRAND_CLI" \
    -b "${CB_ADDR[1]},${CB_ADDR[2]},${CB_ADDR[3]}" consume follow -o beginning -c 400 \
    -f '%o\n'
drain_fd "$cons_FD" "$T/consumed"

"$RDK_CLIENT" produce -b "${CB_ADDR[${others[0]}]}" -t follow -n 200 -P 1 -s 31 -a -1 \
    -o "$T/acked1" || fail "first produce failed"
got() { [ "$(wc -l <"$T/consumed")" -ge "$1" ]; }
wait_for 30 "the consumer read the first 200" got 200

kill9_cluster_broker "$L"
new_leader() {
    local l
    l=$(leader "${others[0]}") || return 1
    [ -n "$l" ] && [ "$l" != "-1" ] && [ "$l" != "$L" ]
}
wait_for 30 "a new leader for follow" new_leader
"$RDK_CLIENT" produce -b "${CB_ADDR[${others[0]}]}" -t follow -n 200 -P 1 -s 32 -a -1 \
    -o "$T/acked2" || fail "second produce failed"
wait_for 60 "the consumer read all 400 after the leader change" got 400
wait_pid_deadline "$cons_PID" 30 || fail "strand consume did not exit after 400 messages"
[ "$WAIT_STATUS" -eq 0 ] || fail "strand consume exited with status $WAIT_STATUS"

# Every acknowledged record once, in offset order.
cat "$T/acked1" "$T/acked2" | awk '{ print $2 }' | sort -n >"$T/acked.offsets"
awk '{ print $1 }' "$T/consumed" >"$T/consumed.offsets"
sort -n -c "$T/consumed.offsets" || fail "libstrand delivered offsets out of order"
same_file "$T/acked.offsets" "$T/consumed.offsets" "offsets read by libstrand vs acknowledged"


start_cluster_broker "$L"
for id in 1 2 3; do stop_cluster_broker "$id"; done
stop_zookeeper
log "ok"
