#!/usr/bin/env bash
# test_producer_roundtrip.sh - libstrand's producer writes 100,000 messages
# (keys, binary keys, null keys and values, headers with null values, 4
# partitions) per codec (none, lz4, zstd, gzip, snappy); librdkafka and kcat
# read them back, and what they read must equal, byte for byte, what the
# producer's delivery reports said was stored where (partition, offset), with
# offsets contiguous from 0. Also: a topic that does not exist yet (records
# wait for metadata while the broker auto-creates it), an explicit partition,
# partitioners agreeing with librdkafka's for the same keys, acks=0, send
# order == offset order per partition, four sending threads,
# raw batches, and
# reports for every record when there is no broker.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$KCAT"
require_tool "$RDK_CLIENT"
require_tool "$PRODUCER_CLIENT"

N=${ITEST_PRODUCER_N:-100000}
P=4
T=$ITEST_TMP
KCAT_FMT='%p\t%o\t%K\t%k\t%S\t%s\t%h\n'

start_broker

check_offsets() {
    awk '{ if ($2 != next_off[$1] + 0) { printf "partition %s: offset %s, expected %d\n", $1, $2, next_off[$1] + 0; exit 1 } next_off[$1] = $2 + 1 }' "$1" ||
        fail "$1: acknowledged offsets are not contiguous from 0"
}

# produce TOPIC COUNT ARGS...: run producer_client, require every report OK.
produce() {
    local topic=$1 n=$2
    shift 2
    "$PRODUCER_CLIENT" -b "$BROKER_ADDR" -t "$topic" -n "$n" -o "$T/$topic.acked" \
        -E "$T/$topic.failed" "$@" || fail "producer_client on $topic failed (status $?): $(head -3 "$T/$topic.failed")"
    [ "$(wc -l <"$T/$topic.acked")" -eq "$n" ] || fail "$topic: $(wc -l <"$T/$topic.acked") of $n acknowledged"
    sort_canon "$T/$topic.acked" >"$T/$topic.exp"
    check_offsets "$T/$topic.exp"
}

# read_back TOPIC [kcat]: librdkafka (and kcat) read exactly the acked lines.
read_back() {
    local topic=$1 exp=$T/$1.exp
    rdk consume -t "$topic" -o "$T/$topic.rdk" -e "$(wc -l <"$exp")" -T 60000 ||
        fail "rdk_client could not read back $topic"
    sort_canon "$T/$topic.rdk" >"$T/$topic.rdk.sorted"
    same_file "$exp" "$T/$topic.rdk.sorted" "$topic read by librdkafka"
    if [ "${2:-}" = kcat ]; then
        timeout 60 "$KCAT" -b "$BROKER_ADDR" -q -C -t "$topic" -o beginning -e -f "$KCAT_FMT" \
            >"$T/$topic.kcat" || fail "kcat -C could not read back $topic"
        "$RDK_CLIENT" kcat-canon <"$T/$topic.kcat" >"$T/$topic.kcat.canon" ||
            fail "kcat output for $topic is not in the expected format"
        sort_canon "$T/$topic.kcat.canon" >"$T/$topic.kcat.sorted"
        same_file "$exp" "$T/$topic.kcat.sorted" "$topic read by kcat"
    fi
    log "$topic: $(wc -l <"$exp") messages read back identically"
}

for codec in none lz4 zstd gzip snappy; do
    topic=pr-$codec
    create_topic "$topic" "$P"
    n=$N
    case $codec in gzip | snappy) n=$((N / 4)) ;; esac
    printable=
    case $codec in none | lz4) printable=--printable ;; esac
    produce "$topic" "$n" -s 21 $printable -X compression.type=$codec -X linger.ms=5
    grep -q ' N ' "$T/$topic.exp" || fail "generator produced no null key/value (test is too weak)"
    if [ "$codec" = none ] || [ "$codec" = lz4 ]; then
        read_back "$topic" kcat
    else
        read_back "$topic"
    fi
done

# Partitioners agree with librdkafka's (kcat) for the same keys:
# murmur2_random (Java's) and consistent_random (CRC-32).
# key_partitions ACKED: "key partition" for every text key "key-N".
key_partitions() {
    awk 'BEGIN { for (i = 32; i < 127; i++) chr[sprintf("%02x", i)] = sprintf("%c", i) }
         $3 ~ /^x6b65792d/ { k = ""; for (i = 2; i < length($3); i += 2) k = k chr[substr($3, i, 2)]; print k, $1 }' \
        "$1" | LC_ALL=C sort -u
}
seq 0 996 | sed 's/^/key-/; s/$/\tv/' >"$T/keys.in"
for part in murmur2_random consistent_random; do
    create_topic "pk-strand-$part" 7
    create_topic "pk-kcat-$part" 7
    produce "pk-strand-$part" 3000 -s 29 -X partitioner=$part
    timeout 60 "$KCAT" -b "$BROKER_ADDR" -q -P -t "pk-kcat-$part" -K '\t' -X partitioner=$part \
        <"$T/keys.in" || fail "kcat -P with $part failed"
    timeout 60 "$KCAT" -b "$BROKER_ADDR" -q -C -t "pk-kcat-$part" -o beginning -e -f '%k %p\n' |
        LC_ALL=C sort -u >"$T/pk-kcat-$part.map" || fail "kcat -C of pk-kcat-$part failed"
    key_partitions "$T/pk-strand-$part.acked" >"$T/pk-strand-$part.map"
    [ "$(wc -l <"$T/pk-strand-$part.map")" -gt 100 ] || fail "$part: too few text keys to compare"
    LC_ALL=C join "$T/pk-strand-$part.map" "$T/pk-kcat-$part.map" >"$T/pk-$part.joined"
    [ "$(wc -l <"$T/pk-$part.joined")" -eq "$(wc -l <"$T/pk-strand-$part.map")" ] ||
        fail "$part: keys missing from kcat's topic"
    awk '$2 != $3 { print; bad = 1 } END { exit bad }' "$T/pk-$part.joined" ||
        fail "$part: libstrand and librdkafka put a key on different partitions"
    log "$part: $(wc -l <"$T/pk-$part.joined") keys on the same partition as librdkafka's $part"
done

# A topic nobody created: records wait for metadata, the broker creates it.
produce pr-auto 5000 -s 22
read_back pr-auto

# An explicit partition, with batches of a few records (batch.size small).
create_topic pr-part "$P"
produce pr-part 3000 -s 23 -p 2 -X batch.size=2000 -X linger.ms=0
awk '$1 != 2 { exit 1 }' "$T/pr-part.exp" || fail "pr-part: records outside partition 2"
read_back pr-part

# Send order is offset order in every partition (values carry "<seq>:").
create_topic pr-order "$P"
produce pr-order 20000 -s 24 --no-nulls -X batch.size=5000 -X linger.ms=1
rdk consume -t pr-order -o "$T/pr-order.rdk" -e 20000 -T 60000 --check-seq ||
    fail "pr-order: librdkafka found a duplicate or out-of-order sequence"

# Four threads send and serve reports at once through one producer.
create_topic pr-threads "$P"
produce pr-threads 40000 -s 27 --threads 4
read_back pr-threads

# acks=0: every record reported without an offset, and all of them stored.
create_topic pr-acks0 1
"$PRODUCER_CLIENT" -b "$BROKER_ADDR" -t pr-acks0 -n 2000 -s 25 -X acks=0 -E "$T/acks0.failed" ||
    fail "acks=0 producer failed"
rdk consume -t pr-acks0 -o "$T/pr-acks0.rdk" -e 2000 -T 30000 || fail "acks=0 records not all stored"

# A topic that does not exist and may not be created: every record is
# reported with "unknown topic" once delivery.timeout.ms has passed.
"$PRODUCER_CLIENT" -b "$BROKER_ADDR" -t pr-nosuch -n 300 -s 28 -E "$T/nosuch.failed" \
    -X allow.auto.create.topics=false -X delivery.timeout.ms=1500
st=$?
[ "$st" -eq 3 ] || fail "producing to a missing topic: status $st, expected 3"
[ "$(grep -c ' unknown topic$' "$T/nosuch.failed")" -eq 300 ] ||
    fail "missing topic: not every record reported as unknown topic: $(head -n 2 "$T/nosuch.failed")"

# Raw batches (send_batches): two pre-built batches per call, lz4, after
# records already stored; the reports' offsets match what librdkafka reads.
require_tool "$PRODUCER_RAW"
create_topic pr-raw 2
"$PRODUCER_RAW" -b "$BROKER_ADDR" -t pr-raw -p 1 -n 200 -z lz4 -o "$T/pr-raw.acked" ||
    fail "producer_raw failed"
sort_canon "$T/pr-raw.acked" >"$T/pr-raw.exp"
check_offsets "$T/pr-raw.exp"
read_back pr-raw

stop_broker

# No broker at all: every record still gets a report (an error) once
# delivery.timeout.ms has passed; nothing is dropped silently.
"$PRODUCER_CLIENT" -b "$BROKER_ADDR" -t gone -n 500 -s 26 -E "$T/gone.failed" \
    -X delivery.timeout.ms=1500 -X reconnect.backoff.max.ms=200
st=$?
[ "$st" -eq 3 ] || fail "producing without a broker: status $st, expected 3 (all reported failed)"
[ "$(wc -l <"$T/gone.failed")" -eq 500 ] || fail "without a broker: $(wc -l <"$T/gone.failed") of 500 reported"
log "PASS"
