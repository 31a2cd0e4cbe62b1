#!/usr/bin/env bash
# test_cluster_chroot.sh - two clusters share one ZooKeeper ensemble under
# different chroots (one nested two levels deep, created by the broker) and
# do not see each other: their own brokers only (both have a broker 1),
# their own cluster ids, controllers and topics; a broker of one leaving
# does not change the other.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${ITEST_LIB:-$0}")/zk_lib.sh"
itest_init
require_tool "$RDK_CLIENT"
require_tool "$STRAND_CLI"
T=$ITEST_TMP

start_zookeeper
start_cluster_broker 1 /strand-a
start_cluster_broker 2 /strand-a
# Slot 11 is cluster B's broker 1 (the later --broker-id wins).
start_cluster_broker 11 /strand-b/nested --broker-id 1

view() { "$STRAND_CLI" cluster -b "${CB_ADDR[$1]}" --timeout 5000 2>/dev/null; }
brokers_are() { # SLOT "IDS ": the broker ids SLOT's cluster lists
    local out
    out=$(view "$1") || return 1
    [ "$(awk '$1 == "broker" { printf "%s ", $2 }' <<<"$out")" = "$2" ]
}
wait_for 30 "cluster A lists brokers 1 and 2" brokers_are 1 "1 2 "
wait_for 30 "cluster A (from broker 2) lists brokers 1 and 2" brokers_are 2 "1 2 "
wait_for 30 "cluster B lists its broker 1 only" brokers_are 11 "1 "
a=$(view 1) || fail "strand cluster A"
b=$(view 11) || fail "strand cluster B"
[[ $a == *"zookeeper $ZK_ADDR/strand-a"* ]] || fail "cluster A zookeeper line: $a"
[[ $b == *"zookeeper $ZK_ADDR/strand-b/nested"* ]] || fail "cluster B zookeeper line: $b"
ida=$(awk '$1 == "cluster" { print $3 }' <<<"$a")
idb=$(awk '$1 == "cluster" { print $3 }' <<<"$b")
[ -n "$ida" ] && [ -n "$idb" ] && [ "$ida" != "$idb" ] || fail "cluster ids: A '$ida' B '$idb'"

"$STRAND_CLI" topic create only-a --partitions 2 -b "${CB_ADDR[2]}" >/dev/null || fail "create only-a"
"$STRAND_CLI" topic create only-b --partitions 1 -b "${CB_ADDR[11]}" >/dev/null || fail "create only-b"
la=$("$STRAND_CLI" topic list -b "${CB_ADDR[1]}") || fail "topic list A"
lb=$("$STRAND_CLI" topic list -b "${CB_ADDR[11]}") || fail "topic list B"
[ "$la" = "only-a" ] || fail "cluster A topics: '$la' (expected only-a)"
[ "$lb" = "only-b" ] || fail "cluster B topics: '$lb' (expected only-b)"

"$RDK_CLIENT" produce -b "${CB_ADDR[11]}" -t only-b -n 200 -P 1 -s 3 -a -1 -o "$T/acked" ||
    fail "produce to cluster B"
sort_canon "$T/acked" | cut -d ' ' -f 1-5 >"$T/expected"
"$RDK_CLIENT" consume -b "${CB_ADDR[11]}" -t only-b -e 200 -o "$T/got" -T 30000 ||
    fail "consume from cluster B"
sort_canon "$T/got" >"$T/got.sorted"
same_file "$T/expected" "$T/got.sorted" "cluster B's topic"

# Cluster B's broker leaves: cluster A still has both of its brokers.
stop_cluster_broker 11
brokers_are 1 "1 2 " || fail "cluster A changed when cluster B's broker left: $(view 1)"
stop_cluster_broker 1
wait_for 30 "cluster A down to broker 2" brokers_are 2 "2 "
stop_cluster_broker 2
stop_zookeeper
log PASS
