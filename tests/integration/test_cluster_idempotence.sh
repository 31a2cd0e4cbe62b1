#!/usr/bin/env bash
# test_cluster_idempotence.sh - idempotent producers in a three-broker
# cluster (RF=3, min.insync.replicas=2):
#   - InitProducerId on two brokers gives ids from different blocks of
#     /latest_producer_id_block (the first answer may be the retriable
#     COORDINATOR_LOAD_IN_PROGRESS while the block is reserved);
#   - a batch stored by the leader and replicated, whose answer the producer
#     "lost", is retried against the NEW leader after the old one is killed
#     with SIGKILL: the new leader answers with the original offset and does
#     not store it again (followers keep the producer state too);
#   - librdkafka with enable.idempotence=true and acks=all produces through
#     the cluster and everything reads back once.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${ITEST_LIB:-$0}")/zk_lib.sh"
itest_init
require_tool "$RDK_CLIENT"
require_tool "$RDK_RAW"
require_tool "$STRAND_CLI"
T=$ITEST_TMP

start_zookeeper
for id in 1 2 3; do start_cluster_broker "$id" /idem --override min.insync.replicas=2; done
await_cluster 3
"$STRAND_CLI" topic create idc --partitions 1 --replication-factor 3 -b "${CB_ADDR[1]}" >/dev/null ||
    fail "create idc (RF 3) failed"

# leader_of ID: the leader of idc-0 as broker ID describes it (-1: none).
leader_of() {
    "$STRAND_CLI" topic describe idc -b "${CB_ADDR[$1]}" --timeout 5000 2>/dev/null |
        awk '$1 == "partition" && $2 == "0" { print $4 }'
}
LEADER=""
has_leader() {
    LEADER=$(leader_of "$1")
    [ -n "$LEADER" ] && [ "$LEADER" != -1 ] && [ "$LEADER" != "${2:-}" ]
}
wait_for 30 "idc-0 has a leader" has_leader 1

# got_pid ID: InitProducerId v4 on broker ID succeeded; the id in PID.
PID=""
got_pid() {
    local out
    out=$("$RDK_RAW" "${CB_ADDR[$1]}" initpid 4) || return 1
    [[ $out =~ error_code=0\ producer_id=([0-9]+)\ producer_epoch=0 ]] || return 1
    PID=${BASH_REMATCH[1]}
}
wait_for 30 "a producer id from broker 1" got_pid 1
P1=$PID
wait_for 30 "a producer id from broker 2" got_pid 2
P2=$PID
[ $((P1 / 1000)) != $((P2 / 1000)) ] || fail "brokers 1 and 2 share a producer id block ($P1, $P2)"

# produce ID PID SEQ COUNT WANT: one idempotent batch (acks=1) to broker ID.
produce() {
    local out
    out=$("$RDK_RAW" "${CB_ADDR[$1]}" idem idc "$2" 0 "$3" "$4") || fail "rdk_raw idem failed"
    grep -qxF -- "$5" <<<"$out" || fail "produce to broker $1 pid=$2 seq=$3: want '$5', got: $out"
}
ok() { echo "partition=0 partition_error=0 base_offset=$1"; }
old=$LEADER
produce "$old" "$P1" 0 3 "$(ok 0)"
produce "$old" "$P1" 3 2 "$(ok 3)"
produce "$old" "$P1" 3 2 "$(ok 3)"
# Every replica has all 5 records before the leader dies.
ends() {
    local id
    for id in 1 2 3; do
        "$STRAND_CLI" log dump "${CB_DATA[$id]}/idc-0" 2>/dev/null | grep -q 'lastOffset: 4\b' || return 1
    done
}
wait_for 30 "idc-0 replicated to every broker" ends

kill9_cluster_broker "$old"
survivor=1
[ "$old" != 1 ] || survivor=2
wait_for 60 "a new leader for idc-0" has_leader "$survivor" "$old"
new=$LEADER
produce "$new" "$P1" 3 2 "$(ok 3)" # the retry: original offset, not stored again
produce "$new" "$P1" 5 1 "$(ok 5)"
out=$("$KCAT" -b "${CB_ADDR[$new]}" -q -C -t idc -p 0 -o beginning -e -f '%o %s\n') ||
    fail "kcat read of idc failed"
[ "$out" = $'0 v0\n1 v1\n2 v2\n3 v3\n4 v4\n5 v5' ] ||
    fail "idc-0 should hold each batch once after the failover: $out"
start_cluster_broker "$old"
await_cluster 3

# librdkafka, idempotent, acks=all, through the cluster.
"$STRAND_CLI" topic create idrdk --partitions 3 --replication-factor 3 -b "${CB_ADDR[$new]}" \
    >/dev/null || fail "create idrdk (RF 3) failed"
"$RDK_CLIENT" produce -b "${CB_ADDR[$new]}" -t idrdk -n 2000 -P 3 -s 9 -a -1 --idempotence \
    -o "$T/acked" -T 60000 || fail "idempotent librdkafka produce failed"
sort_canon "$T/acked" | cut -d ' ' -f 1-5 >"$T/exp"
"$RDK_CLIENT" consume -b "${CB_ADDR[$new]}" -t idrdk -o "$T/got" -e 2000 -T 60000 ||
    fail "consume idrdk failed"
sort_canon "$T/got" >"$T/got.sorted"
same_file "$T/exp" "$T/got.sorted" "idempotent librdkafka data in the cluster"

for id in 1 2 3; do stop_cluster_broker "$id"; done
stop_zookeeper
log PASS
