#!/usr/bin/env bash
# test_group_compaction.sh - __consumer_offsets is compacted by the log
# cleaner and still loads right: a member commits 150 times (one record
# each, small segments), the cleaner compacts the partition (its log line is
# awaited), the broker is killed with kill -9 and restarted, loads one group
# with one committed offset, and a new member resumes exactly after the
# last committed message.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$KCAT"
[ -x "${RDK_GROUP:-}" ] || fail "RDK_GROUP is not set or not executable (run through ctest)"
T=$ITEST_TMP

start_broker --override offsets.topic.num.partitions=1 --override offsets.topic.segment.bytes=4096 \
    --override log.cleaner.backoff.ms=100 --override group.initial.rebalance.delay.ms=0
create_topic ct 1
seq 1 300 | sed 's/^/c-/' | kcat_b -P -t ct -p 0 || fail "produce failed"

"$RDK_GROUP" -b "$BROKER_ADDR" -g cgrp -t ct -n 150 --sync-commit -T 120000 >"$T/first.out" \
    2>"$T/first.err" || fail "first consumer failed: $(tail -n 3 "$T/first.err")"
[ "$(wc -l <"$T/first.out")" -eq 150 ] || fail "first consumer printed $(wc -l <"$T/first.out") lines"

deadline=$(($(now_ms) + 60000))
until grep -q 'topic=__consumer_offsets partition=0: compacted' "$BROKER_OUT"; do
    [ "$(now_ms)" -lt "$deadline" ] || fail "__consumer_offsets-0 was not compacted within 60s"
    sleep 0.1
done
log "$(grep 'topic=__consumer_offsets partition=0: compacted' "$BROKER_OUT" | tail -n 1)"

kill9_broker
restart_broker
loaded=$(grep 'loaded __consumer_offsets' "$BROKER_OUT")
case $loaded in *"1 group(s), 1 committed offset(s)"*) ;; *) fail "unexpected load line: $loaded" ;; esac

"$RDK_GROUP" -b "$BROKER_ADDR" -g cgrp -t ct -i 3000 --sync-commit -T 120000 >"$T/second.out" \
    2>"$T/second.err" || fail "second consumer failed: $(tail -n 3 "$T/second.err")"
first=$(head -n 1 "$T/second.out")
[ "$first" = "0 150 c-151" ] || fail "resumed at '$first', expected '0 150 c-151'"
[ "$(wc -l <"$T/second.out")" -eq 150 ] || fail "second consumer printed $(wc -l <"$T/second.out") lines, expected 150"
stop_broker
log "PASS"
