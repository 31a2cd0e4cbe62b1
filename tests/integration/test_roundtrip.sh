#!/usr/bin/env bash
# test_roundtrip.sh - kcat and librdkafka (rdk_client) each produce 100,000
# messages (keys, headers, null keys and values, 4 partitions), once
# uncompressed and once with lz4, and BOTH tools read every topic back:
# what one client wrote the other must read byte-identical, in offset order
# per partition, with contiguous offsets from 0.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$KCAT"
require_tool "$RDK_CLIENT"

N=${ITEST_ROUNDTRIP_N:-100000}
P=4
KCAT_FMT='%p\t%o\t%K\t%k\t%S\t%s\t%h\n'
T=$ITEST_TMP
# Deadlines: under ASan on a loaded 2-core machine one 100,000-message step
# has taken tens of seconds; every wait below is bounded, and generously.

start_broker

# check_offsets FILE: offsets in each partition are 0,1,2,... (file sorted).
check_offsets() {
    awk '{ if ($2 != next_off[$1] + 0) { printf "partition %s: offset %s, expected %d\n", $1, $2, next_off[$1] + 0; exit 1 } next_off[$1] = $2 + 1 }' "$1" ||
        fail "$1: offsets are not contiguous from 0"
}

# read_back TOPIC EXPECTED: consume with both tools and compare.
read_back() {
    local topic=$1 exp=$2
    rdk consume -t "$topic" -o "$T/$topic.rdk" -e "$(wc -l <"$exp")" -T 240000 ||
        fail "rdk_client could not read back $topic"
    sort_canon "$T/$topic.rdk" >"$T/$topic.rdk.sorted"
    same_file "$exp" "$T/$topic.rdk.sorted" "$topic read by librdkafka"
    timeout 240 "$KCAT" -b "$BROKER_ADDR" -q -C -t "$topic" -o beginning -e -f "$KCAT_FMT" \
        >"$T/$topic.kcat" || fail "kcat -C could not read back $topic"
    "$RDK_CLIENT" kcat-canon <"$T/$topic.kcat" >"$T/$topic.kcat.canon" ||
        fail "kcat output for $topic is not in the expected format"
    # kcat interleaves partitions; within one, offsets must come in order.
    awk '{ if (($1 in last) && $2 <= last[$1]) { print "partition " $1 ": offset " $2 " after " last[$1]; exit 1 } last[$1] = $2 }' \
        "$T/$topic.kcat.canon" || fail "kcat read $topic out of order"
    sort_canon "$T/$topic.kcat.canon" >"$T/$topic.kcat.sorted"
    same_file "$exp" "$T/$topic.kcat.sorted" "$topic read by kcat"
    log "$topic: $(wc -l <"$exp") messages read back identically by librdkafka and kcat"
}

for codec in none lz4; do
    # 1. librdkafka produces; acks=1 for none, acks=all for lz4.
    acks=1
    [ "$codec" = lz4 ] && acks=all
    topic=rt-rdk-$codec
    create_topic "$topic" "$P"
    rdk produce -t "$topic" -n "$N" -P "$P" -s 11 -z "$codec" -a "$acks" \
        -T 240000 -o "$T/$topic.acked" ||
        fail "rdk_client produce to $topic failed"
    [ "$(wc -l <"$T/$topic.acked")" -eq "$N" ] || fail "$topic: not every message was acknowledged"
    sort_canon "$T/$topic.acked" >"$T/$topic.acked.sorted"
    # Within a partition the producer's order (sequence, last column) must
    # be the offset order.
    awk '{ if (($1 in last) && $6 <= last[$1]) { print "partition " $1 " offset " $2 " holds seq " $6 " after seq " last[$1]; exit 1 } last[$1] = $6 }' \
        "$T/$topic.acked.sorted" || fail "$topic: acknowledged offsets are not in produce order"
    cut -d ' ' -f 1-5 "$T/$topic.acked.sorted" >"$T/$topic.exp"
    check_offsets "$T/$topic.exp"
    grep -q ' N ' "$T/$topic.exp" || fail "generator produced no null key/value (test is too weak)"
    read_back "$topic" "$T/$topic.exp"

    # 2. kcat produces, one run per partition so the expected offsets are known.
    topic=rt-kcat-$codec
    create_topic "$topic" "$P"
    : >"$T/$topic.exp.unsorted"
    per=$((N / P))
    for ((p = 0; p < P; p++)); do
        "$RDK_CLIENT" kcat-input -n "$per" -p "$p" -s 12 --start $((p * per)) \
            -H "src=x$(printf kcat | od -An -tx1 | tr -d ' \n')" -o "$T/$topic.exp.$p" \
            >"$T/$topic.in.$p" || fail "kcat-input"
        timeout 240 "$KCAT" -b "$BROKER_ADDR" -q -P -t "$topic" -p "$p" -K '\t' -Z -H src=kcat \
            -z "$codec" -X acks=all <"$T/$topic.in.$p" || fail "kcat -P to $topic [$p] failed"
        cat "$T/$topic.exp.$p" >>"$T/$topic.exp.unsorted"
    done
    sort_canon "$T/$topic.exp.unsorted" >"$T/$topic.exp"
    read_back "$topic" "$T/$topic.exp"
done

stop_broker
log "PASS"
