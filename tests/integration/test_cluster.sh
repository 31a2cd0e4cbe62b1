#!/usr/bin/env bash
# test_cluster.sh - cluster mode with a real ZooKeeper and three brokers:
#   - every broker registers; `strand cluster` from each shows the same
#     three brokers, controller, cluster id and ZooKeeper chroot;
#   - a 6-partition topic created through one broker gets its leaders spread
#     two per broker, and every broker reports the same leaders;
#   - a replication factor above the number of brokers is refused and
#     leaves no topic behind;
#   - librdkafka produces (acks=all) through one broker and consumes through
#     another: every acknowledged message comes back;
#   - a Produce sent to a broker that does not lead the partition gets
#     NOT_LEADER_OR_FOLLOWER, the leader accepts it;
#   - the controller killed with SIGKILL: once its session expires the
#     others elect a new controller, drop it from their metadata and report
#     its partitions without leader (LEADER_NOT_AVAILABLE); restarted, it
#     rejoins, leads its partitions again and the data is all there;
#   - SIGTERM stops every broker with status 0.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${ITEST_LIB:-$0}")/zk_lib.sh"
itest_init
require_tool "$RDK_CLIENT"
require_tool "$RDK_RAW"
require_tool "$STRAND_CLI"
T=$ITEST_TMP

start_zookeeper
for id in 1 2 3; do start_cluster_broker "$id" /strand-a; done
await_cluster 3

cluster_view() { "$STRAND_CLI" cluster -b "${CB_ADDR[$1]}" --timeout 5000 2>/dev/null; }

# agree "IDS " BROKER...: each named broker lists exactly IDS and the same
# controller, which is one of them. Leaves it in CONTROLLER.
CONTROLLER=""
agree() {
    local want=$1 id out brokers ctl first=""
    shift
    for id in "$@"; do
        out=$(cluster_view "$id") || return 1
        brokers=$(awk '$1 == "broker" { printf "%s ", $2 }' <<<"$out")
        ctl=$(awk '$1 == "controller" { print $2 }' <<<"$out")
        [ "$brokers" = "$want" ] || return 1
        case " $want" in *" $ctl "*) ;; *) return 1 ;; esac
        [ -z "$first" ] || [ "$first" = "$ctl" ] || return 1
        first=$ctl
    done
    CONTROLLER=$first
}
wait_for 30 "all three brokers list brokers 1 2 3 and one controller" agree "1 2 3 " 1 2 3
log "controller is broker $CONTROLLER"
ids=""
for id in 1 2 3; do
    out=$(cluster_view "$id") || fail "strand cluster against broker $id failed"
    [[ $out == *"zookeeper $ZK_ADDR/strand-a"* ]] || fail "broker $id: zookeeper line wrong: $out"
    ids+="$(awk '$1 == "cluster" { print $3 }' <<<"$out") "
done
read -r a b c <<<"$ids"
[ -n "$a" ] && [ "$a" = "$b" ] && [ "$b" = "$c" ] || fail "cluster ids differ: $ids"

# leaders TOPIC ID: "partition:leader" pairs as broker ID describes them.
leaders() {
    "$STRAND_CLI" topic describe "$1" -b "${CB_ADDR[$2]}" --timeout 5000 2>/dev/null |
        awk '$1 == "partition" { printf "%s:%s ", $2, $4 }'
}
# all_led TOPIC ID...: every partition has a leader and the brokers agree.
LEADERS=""
all_led() {
    local topic=$1 id l first=""
    shift
    for id in "$@"; do
        l=$(leaders "$topic" "$id") || return 1
        [ -n "$l" ] && [[ $l != *":-1 "* ]] || return 1
        [ -z "$first" ] || [ "$first" = "$l" ] || return 1
        first=$l
    done
    LEADERS=$first
}

"$STRAND_CLI" topic create spread --partitions 6 -b "${CB_ADDR[2]}" >/dev/null ||
    fail "strand topic create spread failed"
wait_for 30 "all partitions of spread have leaders, the same from every broker" all_led spread 1 2 3
SPREAD=$LEADERS
for id in 1 2 3; do
    n=$(tr ' ' '\n' <<<"$LEADERS" | grep -c ":$id\$")
    [ "$n" -eq 2 ] || fail "broker $id leads $n partitions of spread, expected 2 ($LEADERS)"
done

if out=$("$STRAND_CLI" topic create rf4 --replication-factor 4 -b "${CB_ADDR[1]}" 2>&1); then
    fail "replication factor 4 with 3 brokers was accepted: $out"
fi
[[ $out == *INVALID_REPLICATION_FACTOR*"3 live broker"* ]] ||
    fail "replication factor 4 refused with the wrong reason: $out"
list=$("$STRAND_CLI" topic list -b "${CB_ADDR[3]}") || fail "topic list failed"
[[ $'\n'$list$'\n' != *$'\nrf4\n'* ]] || fail "the refused topic rf4 exists: $list"

"$RDK_CLIENT" produce -b "${CB_ADDR[3]}" -t spread -n 3000 -P 6 -s 11 -a -1 -o "$T/acked" ||
    fail "librdkafka produce through broker 3 failed"
sort_canon "$T/acked" | cut -d ' ' -f 1-5 >"$T/expected"
"$RDK_CLIENT" consume -b "${CB_ADDR[1]}" -t spread -e 3000 -o "$T/got" -T 60000 ||
    fail "librdkafka consume through broker 1 failed"
sort_canon "$T/got" >"$T/got.sorted"
same_file "$T/expected" "$T/got.sorted" "consumed through broker 1"
desc=$("$STRAND_CLI" topic describe spread -b "${CB_ADDR[2]}") || fail "describe spread failed"
ends=$(awk '$1 == "partition" { for (i = 1; i < NF; i++) if ($i == "log-end") s += $(i + 1) } END { print s + 0 }' <<<"$desc")
[ "$ends" -eq 3000 ] || fail "log ends of spread add up to $ends, expected 3000: $desc"

"$STRAND_CLI" topic create single --partitions 1 -b "${CB_ADDR[1]}" >/dev/null ||
    fail "create single failed"
wait_for 30 "single has a leader" all_led single 1 2 3
leader=${LEADERS#0:}
leader=${leader% }
other=$((leader % 3 + 1))
out=$("$RDK_RAW" "${CB_ADDR[$other]}" goodcrc single) || fail "rdk_raw against broker $other failed"
[[ $out == *"partition=0 partition_error=6 "* ]] ||
    fail "produce to non-leader broker $other: expected NOT_LEADER_OR_FOLLOWER (6): $out"
out=$("$RDK_RAW" "${CB_ADDR[$leader]}" goodcrc single) || fail "rdk_raw against broker $leader failed"
[[ $out == *"partition=0 partition_error=0 "* ]] || fail "produce to leader $leader refused: $out"

# The controller dies.
dead=$CONTROLLER
survivors=()
for id in 1 2 3; do [ "$id" = "$dead" ] || survivors+=("$id"); done
kill9_cluster_broker "$dead"
wait_for 30 "a new controller among ${survivors[*]} and broker $dead gone" \
    agree "${survivors[0]} ${survivors[1]} " "${survivors[@]}"
[ "$CONTROLLER" != "$dead" ] || fail "controller is still the dead broker $dead"
log "broker $CONTROLLER took over as controller"
orphaned() { # every partition broker $dead led shows no leader, and only those
    local l want_dead=0 p
    l=$(leaders spread "${survivors[0]}") || return 1
    for p in $SPREAD; do
        if [ "${p#*:}" = "$dead" ]; then
            [[ " $l" == *" ${p%:*}:-1 "* ]] || return 1
            want_dead=$((want_dead + 1))
        else
            [[ " $l" == *" $p "* ]] || return 1
        fi
    done
    [ "$want_dead" -eq 2 ]
}
wait_for 30 "broker $dead's partitions without leader" orphaned
desc=$("$STRAND_CLI" topic describe spread -b "${CB_ADDR[${survivors[1]}]}")
[[ $desc == *"error LEADER_NOT_AVAILABLE"* ]] || fail "no LEADER_NOT_AVAILABLE in: $desc"

start_cluster_broker "$dead"
wait_for 30 "broker $dead back in everyone's view" agree "1 2 3 " 1 2 3
wait_for 30 "every partition led again" all_led spread 1 2 3
"$RDK_CLIENT" consume -b "${CB_ADDR[$dead]}" -t spread -e 3000 -o "$T/got2" -T 60000 ||
    fail "consume after the restart failed"
sort_canon "$T/got2" >"$T/got2.sorted"
same_file "$T/expected" "$T/got2.sorted" "consumed after broker $dead came back"

for id in 1 2 3; do stop_cluster_broker "$id"; done
stop_zookeeper
log PASS
