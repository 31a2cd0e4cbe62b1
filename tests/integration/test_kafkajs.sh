#!/usr/bin/env bash
# test_kafkajs.sh - kafkajs 2.2.4 (the npm client) against the real broker.
#
# kafkajs/interop.js creates topics with the kafkajs admin client (and
# checks listTopics, describeCluster, fetchTopicMetadata, fetchTopicOffsets,
# fetchTopicOffsetsByTimestamp, describeConfigs, createPartitions,
# deleteTopics) and produces 2 x N messages with keys (binary, repeated, null), values
# (binary, empty, null), headers and explicit timestamps: kj-plain
# uncompressed with acks -1 through an idempotent producer (it must have
# asked the broker for a producer id), kj-gzip gzip-compressed with acks 1. kcat then
# reads both topics back: every message must be there byte-identical
# (timestamps included), at the offset kafkajs was told, in offset order per
# partition; kafkajs's own Fetch request and decoder must read the same. Finally kcat produces every distinct key with
# partitioner=murmur2_random to kc-keys: each key must land in the
# partition kafkajs's DefaultPartitioner (Java murmur2) chose.
#
# The kafkajs consumer (a consumer group: JoinGroup, SyncGroup, Heartbeat,
# OffsetCommit, LeaveGroup) reads kj-gzip as well: the same messages, and
# afterwards its committed offsets are the high watermarks and the group is
# Empty (interop.js group).
#
# Environment (set by ctest, see kafkajs.cmake): STRAND_BROKER, KCAT, NODE,
# KAFKAJS_NODE_PATH (node_modules that holds kafkajs, installed by the
# integration_kafkajs_npm_ci fixture into the build directory).
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$KCAT"
NODE=${NODE:-node}
require_tool "$NODE"
[ -n "${KAFKAJS_NODE_PATH:-}" ] && [ -f "$KAFKAJS_NODE_PATH/kafkajs/package.json" ] ||
    fail "kafkajs is not installed in '${KAFKAJS_NODE_PATH:-}' (run through ctest: the integration_kafkajs_npm_ci fixture installs it)"

INTEROP=$(dirname "$0")/kafkajs/interop.js
N=${ITEST_KAFKAJS_N:-5000}
KCAT_FMT='%p\t%o\t%T\t%K\t%k\t%S\t%s\t%h\n'
T=$ITEST_TMP

start_broker --override group.initial.rebalance.delay.ms=100

NODE_PATH=$KAFKAJS_NODE_PATH timeout 60 "$NODE" "$INTEROP" produce "$BROKER_ADDR" "$T" "$N" ||
    fail "kafkajs admin/producer run failed (see above)"
broker_alive
# The idempotent producer got its id from the broker (the first
# InitProducerId reserves the first block and logs it).
# The broker's output reaches $BROKER_OUT through a copying process: poll.
deadline=$(($(now_ms) + 10000))
until grep -q 'producer ids 0\.\.999 reserved' "$BROKER_OUT"; do
    [ "$(now_ms)" -lt "$deadline" ] || fail "kafkajs's idempotent producer sent no InitProducerId"
    sleep 0.1
done

# read_back TOPIC: kcat reads TOPIC; the result must equal $T/TOPIC.exp.
read_back() {
    local topic=$1
    timeout 60 "$KCAT" -b "$BROKER_ADDR" -q -C -t "$topic" -o beginning -e -f "$KCAT_FMT" \
        >"$T/$topic.kcat" || fail "kcat -C could not read back $topic"
    "$NODE" "$INTEROP" canon <"$T/$topic.kcat" >"$T/$topic.canon" ||
        fail "kcat output for $topic is not in the expected format"
    # kcat interleaves partitions; within one, offsets must come in order.
    awk '{ if (($1 in last) && $2 <= last[$1]) { print "partition " $1 ": offset " $2 " after " last[$1]; exit 1 } last[$1] = $2 }' \
        "$T/$topic.canon" || fail "kcat read $topic out of order"
    sort_canon "$T/$topic.canon" >"$T/$topic.sorted"
    same_file "$T/$topic.exp" "$T/$topic.sorted" "$topic (kafkajs) read by kcat"
    log "$topic: $(wc -l <"$T/$topic.exp") messages produced by kafkajs read back identically by kcat"
}

for topic in kj-plain kj-gzip; do
    [ "$(wc -l <"$T/$topic.exp")" -eq "$N" ] || fail "$topic: interop.js expected $(wc -l <"$T/$topic.exp") messages, not $N"
    # The generator must have made the cases this test claims to cover.
    awk '$4 == "N" { k = 1 } $5 == "N" { v = 1 } $5 == "x" { e = 1 } $6 ~ /,/ { h = 1 } END { exit !(k && v && e && h) }' \
        "$T/$topic.exp" || fail "$topic: no null key, null value, empty value or multi-header message (test is too weak)"
    read_back "$topic"
done

# kafkajs's own Fetch v11 and decoder (its consumer needs groups) must read
# the same thing, in offset order.
NODE_PATH=$KAFKAJS_NODE_PATH timeout 60 "$NODE" "$INTEROP" fetch "$BROKER_ADDR" "$T" kj-plain kj-gzip ||
    fail "kafkajs Fetch of kj-plain/kj-gzip failed (see above)"
for topic in kj-plain kj-gzip; do
    same_file "$T/$topic.exp" "$T/$topic.kjfetch" "$topic read by kafkajs Fetch"
done
log "kafkajs Fetch read both topics back identically"

NODE_PATH=$KAFKAJS_NODE_PATH timeout 90 "$NODE" "$INTEROP" group "$BROKER_ADDR" "$T" kj-gzip "$N" ||
    fail "kafkajs consumer group run failed (see above)"
same_file "$T/kj-gzip.exp" "$T/kj-gzip.kjgroup" "kj-gzip read by a kafkajs consumer group"
log "a kafkajs consumer group read kj-gzip identically and committed its offsets"

# Partitioner: kcat's murmur2_random must agree with kafkajs's
# DefaultPartitioner for every key kafkajs sent (null keys are random in both).
timeout 60 "$KCAT" -b "$BROKER_ADDR" -q -P -t kc-keys -K '\t' -X partitioner=murmur2_random \
    -X acks=all <"$T/keys.in" || fail "kcat -P to kc-keys failed"
read_keys() {
    timeout 60 "$KCAT" -b "$BROKER_ADDR" -q -C -t kc-keys -o beginning -e -f "$KCAT_FMT" \
        >"$T/kc-keys.kcat" || fail "kcat -C could not read back kc-keys"
    "$NODE" "$INTEROP" canon <"$T/kc-keys.kcat" >"$T/kc-keys.canon" ||
        fail "kcat output for kc-keys is not in the expected format"
}
read_keys
[ "$(wc -l <"$T/kc-keys.canon")" -eq "$(wc -l <"$T/keys.in")" ] ||
    fail "kc-keys holds $(wc -l <"$T/kc-keys.canon") messages, kcat sent $(wc -l <"$T/keys.in")"
awk '{ print $4, $1 }' "$T/kc-keys.canon" | LC_ALL=C sort -u >"$T/pairs.kcat"
cat "$T/kj-plain.sorted" "$T/kj-gzip.sorted" | awk '$4 != "N" { print $4, $1 }' | LC_ALL=C sort -u >"$T/pairs.kafkajs"
[ "$(cut -d ' ' -f 2 "$T/pairs.kafkajs" | sort -u | wc -l)" -eq 3 ] ||
    fail "kafkajs put its keys in fewer than 3 partitions (test is too weak)"
same_file "$T/pairs.kafkajs" "$T/pairs.kcat" "key -> partition, kafkajs DefaultPartitioner vs kcat murmur2_random"
log "$(wc -l <"$T/pairs.kcat") distinct keys: kafkajs and kcat (murmur2) chose the same partition"

stop_broker
log "PASS"
