#!/usr/bin/env bash
# test_consumer_roundtrip.sh - what kcat (every codec: none, gzip, snappy,
# lz4, zstd) and librdkafka (null keys and values, headers, 4 partitions)
# wrote, the libstrand consumer reads back byte-identical and in offset
# order, through poll (messages) and through poll_batches (raw batches,
# decoded by the test; the batches must carry the codec kcat used), from a
# start offset in the middle of a batch, and by four threads polling one
# consumer while partitions are paused and resumed.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$KCAT"
require_tool "$RDK_CLIENT"
[ -x "${CONSUMER_ITEST:-}" ] || fail "CONSUMER_ITEST not set or not built (consumer_itest target)"

N=${ITEST_CONSUMER_N:-3000} # per partition for kcat
P=2
T=$ITEST_TMP

ci() { "$CONSUMER_ITEST" "$1" -b "$BROKER_ADDR" "${@:2}"; }

start_broker

for codec in none gzip snappy lz4 zstd; do
    topic=cons-kcat-$codec
    create_topic "$topic" "$P"
    : >"$T/$topic.exp.unsorted"
    for ((p = 0; p < P; p++)); do
        "$RDK_CLIENT" kcat-input -n "$N" -p "$p" -s 21 --start $((p * N)) \
            -H "src=x$(printf kcat | od -An -tx1 | tr -d ' \n')" -o "$T/$topic.exp.$p" \
            >"$T/$topic.in.$p" || fail "kcat-input"
        timeout 60 "$KCAT" -b "$BROKER_ADDR" -q -P -t "$topic" -p "$p" -K '\t' -Z -H src=kcat \
            -z "$codec" -X acks=all -X linger.ms=20 <"$T/$topic.in.$p" ||
            fail "kcat -P to $topic [$p] failed"
        cat "$T/$topic.exp.$p" >>"$T/$topic.exp.unsorted"
    done
    sort_canon "$T/$topic.exp.unsorted" >"$T/$topic.exp"
    total=$(wc -l <"$T/$topic.exp")

    ci read -t "$topic" -P "$P" -e "$total" -T 60000 -o "$T/$topic.got" ||
        fail "consumer could not read $topic"
    sort_canon "$T/$topic.got" >"$T/$topic.got.sorted"
    same_file "$T/$topic.exp" "$T/$topic.got.sorted" "$topic read by the libstrand consumer"

    ci read -t "$topic" -P "$P" -e "$total" -T 60000 --raw --expect-codec "$codec" \
        -o "$T/$topic.raw" || fail "raw read of $topic failed"
    sort_canon "$T/$topic.raw" >"$T/$topic.raw.sorted"
    same_file "$T/$topic.exp" "$T/$topic.raw.sorted" "$topic read as raw batches"

    # From offset 1234 of every partition (inside a batch): exactly the tail.
    awk '$2 >= 1234' "$T/$topic.exp" >"$T/$topic.tail.exp"
    ci read -t "$topic" -P "$P" -s 1234 -e "$(wc -l <"$T/$topic.tail.exp")" -T 60000 \
        -o "$T/$topic.tail" || fail "read of $topic from 1234 failed"
    sort_canon "$T/$topic.tail" >"$T/$topic.tail.sorted"
    same_file "$T/$topic.tail.exp" "$T/$topic.tail.sorted" "$topic read from offset 1234"
    log "$topic: $total records read back identically (messages, raw batches, from an offset)"
done

# librdkafka: null keys/values, binary data, several headers, 4 partitions.
topic=cons-rdk
create_topic "$topic" 4
rdk produce -t "$topic" -n 20000 -P 4 -s 22 -z lz4 -a all -o "$T/$topic.acked" ||
    fail "rdk_client produce to $topic failed"
sort_canon "$T/$topic.acked" | cut -d ' ' -f 1-5 >"$T/$topic.exp"
grep -q ' N ' "$T/$topic.exp" || fail "generator produced no null key/value (test is too weak)"
# A small prefetch budget and fetch sizes force many fetches per partition.
ci read -t "$topic" -P 4 -e 20000 -T 60000 -o "$T/$topic.got" \
    -X queued.max.messages.kbytes=64 -X max.partition.fetch.bytes=8192 ||
    fail "consumer could not read $topic"
sort_canon "$T/$topic.got" >"$T/$topic.got.sorted"
same_file "$T/$topic.exp" "$T/$topic.got.sorted" "$topic (librdkafka) read by the libstrand consumer"
# Four threads polling one consumer while a fifth pauses and resumes
# partitions: still every record exactly once.
ci read -t "$topic" -P 4 -e 20000 -T 60000 -o "$T/$topic.thr" --threads 4 \
    -X queued.max.messages.kbytes=64 -X max.partition.fetch.bytes=8192 ||
    fail "threaded read of $topic failed"
sort_canon "$T/$topic.thr" >"$T/$topic.thr.sorted"
same_file "$T/$topic.exp" "$T/$topic.thr.sorted" "$topic read by 4 polling threads"
log "$topic: 20000 librdkafka records read back identically (1 and 4 polling threads)"

stop_broker
log "PASS"
