#!/usr/bin/env bash
# test_cluster_admin.sh - CreatePartitions and DeleteTopics in cluster mode
# (real ZooKeeper, three brokers):
#   - `strand topic alter --partitions` grows a replicated topic: every
#     broker reports the new partitions with leaders and the topic's
#     replication factor; librdkafka produces to all of them and reads
#     everything back; shrinking and unknown topics are refused;
#   - `strand topic delete` through one broker: the topic is gone from every
#     broker's metadata, no broker keeps a log directory of it, and a new
#     topic of the same name starts empty;
#   - a replica broker down during a deletion holds it: the delete reports
#     REQUEST_TIMED_OUT, the topic is no longer served, and once the broker
#     returns it drops its copy and the deletion completes.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${ITEST_LIB:-$0}")/zk_lib.sh"
itest_init
require_tool "$RDK_CLIENT"
require_tool "$STRAND_CLI"
T=$ITEST_TMP

start_zookeeper
for id in 1 2 3; do start_cluster_broker "$id" /admin; done
await_cluster 3

# parts TOPIC ID: "partition:leader:replicas" as broker ID describes them.
parts() {
    "$STRAND_CLI" topic describe "$1" -b "${CB_ADDR[$2]}" --timeout 5000 2>/dev/null |
        awk '$1 == "partition" { r = ""; for (i = 1; i < NF; i++) if ($i == "replicas") r = $(i + 1); printf "%s:%s:%s ", $2, $4, r }'
}
# all_led TOPIC N: every broker reports N partitions of TOPIC, all with a
# leader, and they agree. Leaves the description in PARTS.
PARTS=""
all_led() {
    local id p first=""
    for id in 1 2 3; do
        p=$(parts "$1" "$id") || return 1
        [ "$(wc -w <<<"$p")" -eq "$2" ] && [[ $p != *":-1:"* ]] || return 1
        [ -z "$first" ] || [ "$first" = "$p" ] || return 1
        first=$p
    done
    PARTS=$first
}
listed_nowhere() {
    local id list
    for id in "$@"; do
        list=$("$STRAND_CLI" topic list -b "${CB_ADDR[$id]}" --timeout 5000 2>/dev/null) || return 1
        [[ $'\n'$list$'\n' != *$'\n'"$TOPIC"$'\n'* ]] || return 1
    done
}
no_dirs() {
    local id
    for id in 1 2 3; do
        compgen -G "${CB_DATA[$id]}/$TOPIC-*" >/dev/null && return 1
    done
    return 0
}

# ---- adding partitions ----
"$STRAND_CLI" topic create grow --partitions 2 --replication-factor 2 -b "${CB_ADDR[1]}" \
    >/dev/null || fail "create grow failed"
wait_for 30 "grow has 2 led partitions on every broker" all_led grow 2
"$RDK_CLIENT" produce -b "${CB_ADDR[1]}" -t grow -n 200 -P 2 -s 21 -a -1 -o "$T/acked1" ||
    fail "produce to grow (2 partitions) failed"

out=$("$STRAND_CLI" topic alter grow --partitions 5 -b "${CB_ADDR[2]}" 2>&1) ||
    fail "topic alter grow --partitions 5 failed: $out"
[[ $out == *"now has 5 partitions"* ]] || fail "alter printed: $out"
wait_for 30 "grow has 5 led partitions on every broker" all_led grow 5
log "grow: $PARTS"
for p in $PARTS; do
    reps=${p##*:}
    n=$(tr -d '[]' <<<"$reps" | tr ',' '\n' | sort -u | wc -l)
    [ "$n" -eq 2 ] || fail "partition ${p%%:*} of grow has replicas '$reps', expected 2 distinct"
done
if out=$("$STRAND_CLI" topic alter grow --partitions 4 -b "${CB_ADDR[3]}" 2>&1); then
    fail "shrinking grow to 4 partitions was accepted: $out"
fi
[[ $out == *INVALID_PARTITIONS* ]] || fail "shrinking refused with the wrong reason: $out"
if out=$("$STRAND_CLI" topic alter nosuch --partitions 4 -b "${CB_ADDR[3]}" 2>&1); then
    fail "altering an unknown topic was accepted: $out"
fi
[[ $out == *UNKNOWN_TOPIC_OR_PARTITION* ]] || fail "unknown topic refused wrongly: $out"

"$RDK_CLIENT" produce -b "${CB_ADDR[3]}" -t grow -n 500 -P 5 -s 22 -a -1 -o "$T/acked2" ||
    fail "produce to grow (5 partitions) failed"
cat "$T/acked1" "$T/acked2" | sort_canon /dev/stdin | cut -d ' ' -f 1-5 >"$T/expected"
"$RDK_CLIENT" consume -b "${CB_ADDR[2]}" -t grow -e 700 -o "$T/got" -T 60000 ||
    fail "consume of grow failed"
sort_canon "$T/got" >"$T/got.sorted"
same_file "$T/expected" "$T/got.sorted" "grow read back after adding partitions"
for p in 2 3 4; do
    grep -q "^$p " "$T/got.sorted" || fail "nothing was stored in new partition $p"
done

# ---- deleting ----
TOPIC=grow
out=$("$STRAND_CLI" topic delete grow -b "${CB_ADDR[3]}" --timeout 20000 2>&1) ||
    fail "topic delete grow failed: $out"
wait_for 30 "grow is listed by no broker" listed_nowhere 1 2 3
wait_for 30 "no broker has a log directory of grow" no_dirs
"$STRAND_CLI" topic create grow --partitions 1 --replication-factor 3 -b "${CB_ADDR[1]}" \
    >/dev/null || fail "creating grow again failed"
wait_for 30 "the new grow is led" all_led grow 1
"$RDK_CLIENT" produce -b "${CB_ADDR[2]}" -t grow -n 1 -P 1 -s 23 -a -1 -o "$T/acked3" ||
    fail "produce to the new grow failed"
"$RDK_CLIENT" consume -b "${CB_ADDR[1]}" -t grow -e 1 -o "$T/got3" -T 30000 ||
    fail "consume of the new grow failed"
same_file <(cut -d ' ' -f 1-5 "$T/acked3") "$T/got3" "the new grow holds only its own record"
desc=$("$STRAND_CLI" topic describe grow -b "${CB_ADDR[1]}") || fail "describe grow failed"
[[ $desc == *"log-end 1"* ]] || fail "the new grow does not end at offset 1: $desc"

# ---- a replica broker down holds a deletion ----
TOPIC=held
"$STRAND_CLI" topic create held --partitions 2 --replication-factor 3 -b "${CB_ADDR[1]}" \
    >/dev/null || fail "create held failed"
wait_for 30 "held is led" all_led held 2
"$RDK_CLIENT" produce -b "${CB_ADDR[1]}" -t held -n 50 -P 2 -s 24 -a -1 -o "$T/acked4" ||
    fail "produce to held failed"
kill9_cluster_broker 3
if out=$("$STRAND_CLI" topic delete held -b "${CB_ADDR[1]}" --timeout 2000 2>&1); then
    fail "deleting held with a replica broker down finished: $out"
fi
[[ $out == *REQUEST_TIMED_OUT* ]] || fail "delete held with broker 3 down: $out"
wait_for 30 "held is listed by neither live broker" listed_nowhere 1 2
[ -d "${CB_DATA[3]}/held-0" ] || fail "broker 3's copy of held vanished while it was down"
start_cluster_broker 3
wait_for 60 "no broker has a log directory of held" no_dirs
deleted() { grep -q "controller: topic held deleted" "$T"/cb*.out; }
wait_for 30 "the controller finished deleting held" deleted
wait_for 30 "held is listed by no broker" listed_nowhere 1 2 3

for id in 1 2 3; do stop_cluster_broker "$id"; done
stop_zookeeper
log "ok"
