#!/usr/bin/env bash
# test_cluster_new_partition.sh - followers take up a new partition at once
# (real ZooKeeper, three brokers, replica.fetch.wait.max.ms=20000):
#   - after a first topic, every follower's fetch sits parked at its leader
#     for up to 20 s; a topic created then still gets its acks=all records
#     acknowledged within a 6 s delivery timeout (the leader wakes the
#     parked follower fetches when a view gives them partitions to add);
#   - the same holds after a leader change (the new leader's followers);
#   - replica.fetch.wait.max.ms not below replica.lag.time.max.ms is refused
#     at start, naming both keys.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${ITEST_LIB:-$0}")/zk_lib.sh"
itest_init
require_tool "$RDK_CLIENT"
require_tool "$STRAND_CLI"
T=$ITEST_TMP

# The refusal needs no cluster.
if out=$("$STRAND_BROKER" --listen 127.0.0.1:0 --data-dir "$T/refused" \
    --override replica.fetch.wait.max.ms=5000 --override replica.lag.time.max.ms=5000 2>&1); then
    fail "a broker with replica.fetch.wait.max.ms=replica.lag.time.max.ms started"
fi
[[ $out == *replica.fetch.wait.max.ms*replica.lag.time.max.ms* ]] ||
    fail "the refusal does not name both keys: $out"

start_zookeeper
OPTS="--override replica.fetch.wait.max.ms=20000 --override replica.lag.time.max.ms=60000"
# shellcheck disable=SC2086 # OPTS is a word list
for id in 1 2 3; do start_cluster_broker "$id" /newp $OPTS; done
await_cluster 3

isr_full() {
    local d
    d=$("$STRAND_CLI" topic describe "$1" -b "${CB_ADDR[1]}" --timeout 5000 2>/dev/null) ||
        return 1
    [ "$(grep -c 'isr \[[0-9]*,[0-9]*,[0-9]*\]' <<<"$d")" -eq "$2" ]
}
# produce_all TOPIC SEED: 30 records, acks=all, 6 s delivery timeout.
produce_all() {
    "$RDK_CLIENT" produce -b "${CB_ADDR[1]}" -t "$1" -n 30 -P 3 -s "$2" -a -1 -T 6000 \
        -o "$T/$1.acked" || fail "acks=all produce to $1 did not complete within 6 s"
    [ "$(wc -l <"$T/$1.acked")" -eq 30 ] || fail "$1: $(wc -l <"$T/$1.acked") of 30 acknowledged"
}

"$STRAND_CLI" topic create first --partitions 3 --replication-factor 3 -b "${CB_ADDR[1]}" \
    >/dev/null || fail "create first failed"
wait_for 30 "first has full ISRs" isr_full first 3
# The followers are fetching `first`; each has caught up, so its next fetch
# is parked at the leader for up to 20 s.
"$RDK_CLIENT" produce -b "${CB_ADDR[1]}" -t first -n 30 -P 3 -s 1 -a -1 -T 60000 \
    -o "$T/first.acked" || fail "produce to first failed"

"$STRAND_CLI" topic create second --partitions 3 --replication-factor 3 -b "${CB_ADDR[1]}" \
    >/dev/null || fail "create second failed"
produce_all second 2

# A leader change: the partition's new leader has followers that were not
# fetching it from there before.
L=$("$STRAND_CLI" topic describe second -b "${CB_ADDR[1]}" | awk '$1 == "partition" && $2 == 0 { print $4 }')
[ -n "$L" ] && [ "$L" -ge 1 ] || fail "no leader for second-0: '$L'"
stop_cluster_broker "$L"
start_cluster_broker "$L"
await_cluster 3
wait_for 30 "second has full ISRs after broker $L returned" isr_full second 3
produce_all second 3

"$RDK_CLIENT" consume -b "${CB_ADDR[1]}" -t second -e 60 -o "$T/second.got" -T 30000 ||
    fail "consume of second failed"
[ "$(wc -l <"$T/second.got")" -eq 60 ] || fail "second holds $(wc -l <"$T/second.got") of 60"

for id in 1 2 3; do stop_cluster_broker "$id"; done
stop_zookeeper
log PASS
