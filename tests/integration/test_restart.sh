#!/usr/bin/env bash
# test_restart.sh - topics, partition counts and data survive a clean
# restart: SIGTERM -> exit 0 -> start on the same data dir (new port) ->
# metadata shows every topic with its partition count, the data reads back
# identical, and new writes continue at the next offsets.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$RDK_CLIENT"
require_tool "$KCAT"
T=$ITEST_TMP

start_broker
create_topic rs-three 3
create_topic rs-one 1
rdk produce -t rs-three -n 3000 -P 3 -s 5 -a 1 -o "$T/a3" || fail "produce rs-three"
rdk produce -t rs-one -n 500 -P 1 -s 6 -a 1 -z lz4 -o "$T/a1" || fail "produce rs-one"
stop_broker

restart_broker
for tp in rs-three:3 rs-one:1; do
    t=${tp%:*}
    n=${tp#*:}
    got=$(rdk partitions -t "$t" -T 30000) || fail "metadata for $t after restart failed"
    [ "$got" = "$n" ] || fail "$t has $got partitions after restart, expected $n"
done
timeout 60 "$KCAT" -b "$BROKER_ADDR" -q -L >"$T/meta" || fail "kcat -L failed"
grep -q 'topic "rs-three" with 3 partitions' "$T/meta" || fail "kcat -L: $(cat "$T/meta")"
grep -q 'topic "rs-one" with 1 partitions' "$T/meta" || fail "kcat -L: $(cat "$T/meta")"

for t in rs-three:a3 rs-one:a1; do
    sort_canon "$T/${t#*:}" | cut -d ' ' -f 1-5 >"$T/${t%:*}.exp"
    rdk consume -t "${t%:*}" -o "$T/${t%:*}.got" -T 120000 || fail "consume ${t%:*}"
    sort_canon "$T/${t%:*}.got" >"$T/${t%:*}.got.sorted"
    same_file "$T/${t%:*}.exp" "$T/${t%:*}.got.sorted" "${t%:*} after restart"
done

# Appends continue after the restored end: offsets 1000.. in each partition.
rdk produce -t rs-three -n 300 -P 3 -s 5 --start 3000 -a 1 -o "$T/a3b" || fail "produce after restart"
awk '{ if ($2 < 1000) { print "offset " $2 " reused in partition " $1; exit 1 } }' "$T/a3b" ||
    fail "new messages overwrote old offsets"
cat "$T/a3" "$T/a3b" >"$T/a3all"
sort_canon "$T/a3all" | cut -d ' ' -f 1-5 >"$T/rs-three.exp2"
rdk consume -t rs-three -o "$T/rs-three.got2" -T 120000 || fail "consume rs-three again"
sort_canon "$T/rs-three.got2" >"$T/rs-three.got2.sorted"
same_file "$T/rs-three.exp2" "$T/rs-three.got2.sorted" "rs-three after appending past the restart"
stop_broker
log PASS
