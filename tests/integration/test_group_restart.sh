#!/usr/bin/env bash
# test_group_restart.sh - committed offsets survive a broker kill -9: a
# group member consumes and synchronously commits part of a topic and
# leaves; the broker is killed with SIGKILL and restarted on the same data
# directory (it loads __consumer_offsets before listening); a new member of
# the same group resumes exactly after the last committed message of every
# partition: together the two runs saw every message once. Also checks
# that __consumer_offsets is internal (Produce refused, DeleteTopics
# refused) and that the load is logged.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$KCAT"
[ -x "${RDK_GROUP:-}" ] || fail "RDK_GROUP is not set or not executable (run through ctest)"
T=$ITEST_TMP

start_broker --override offsets.topic.num.partitions=3 --override group.initial.rebalance.delay.ms=0
create_topic rt 2
for p in 0 1; do
    seq 1 100 | sed "s/^/m-$p-/" | kcat_b -P -t rt -p "$p" || fail "produce to partition $p failed"
done

"$RDK_GROUP" -b "$BROKER_ADDR" -g rgrp -t rt -n 77 --sync-commit -T 120000 >"$T/first.out" \
    2>"$T/first.err" || fail "first consumer failed: $(tail -n 3 "$T/first.err")"
[ "$(wc -l <"$T/first.out")" -eq 77 ] || fail "first consumer printed $(wc -l <"$T/first.out") lines, expected 77"

# Clients may not write or delete the internal topic.
out=$(echo x | "$KCAT" -b "$BROKER_ADDR" -P -t __consumer_offsets -p 0 2>&1)
case $out in *"nvalid topic"* | *INVALID_TOPIC*) ;; *) fail "produce to __consumer_offsets was not refused: $out" ;; esac

kill9_broker
restart_broker
loaded=$(grep 'loaded __consumer_offsets' "$BROKER_OUT")
case $loaded in *"1 group(s), "[12]" committed offset(s)"*) ;; *) fail "unexpected load line: $loaded" ;; esac

"$RDK_GROUP" -b "$BROKER_ADDR" -g rgrp -t rt -i 3000 --sync-commit -T 120000 >"$T/second.out" \
    2>"$T/second.err" || fail "second consumer failed: $(tail -n 3 "$T/second.err")"
[ "$(wc -l <"$T/second.out")" -eq 123 ] ||
    fail "second consumer printed $(wc -l <"$T/second.out") lines, expected the 123 not committed"
cat "$T/first.out" "$T/second.out" | cut -d ' ' -f 3 | LC_ALL=C sort >"$T/all"
for p in 0 1; do seq 1 100 | sed "s/^/m-$p-/"; done | LC_ALL=C sort >"$T/want"
same_file "$T/want" "$T/all" "messages of both runs"
# per partition, the second run starts right after the first run's last offset
for p in 0 1; do
    last=$(awk -v p="$p" '$1 == p { o = $2 } END { print (o == "" ? -1 : o) }' "$T/first.out")
    next=$(awk -v p="$p" '$1 == p { print $2; exit }' "$T/second.out")
    [ "$next" -eq $((last + 1)) ] || fail "partition $p: resumed at $next, last committed message was $last"
done
stop_broker
log "PASS"
