#!/usr/bin/env bash
# test_compaction.sh - a topic with cleanup.policy=compact, compacted by the
# broker's cleaner while it runs: afterwards every remaining record is one
# that was produced, at its original offset; the latest value of every key is
# still there; superseded values in the cleaned segments are gone; a
# tombstoned key keeps no older value; the partition passes
# `strand log dump --verify` and kcat reads it from the beginning; a record
# without a key is refused.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$KCAT"
STRAND_CLI=${STRAND_CLI:-$(dirname "$STRAND_BROKER")/strand}
require_tool "$STRAND_CLI"
T=$ITEST_TMP

start_broker --override log.cleaner.backoff.ms=100
"$STRAND_CLI" -b "$BROKER_ADDR" topic create cmp --partitions 1 \
    --config cleanup.policy=compact --config segment.bytes=2048 \
    --config min.cleanable.dirty.ratio=0.01 --config delete.retention.ms=0 \
    >"$T/create.out" 2>&1 || fail "topic create: $(cat "$T/create.out")"

# 20 keys, 15 rounds; round r writes value r-k for key k. Key k0 is
# tombstoned (-Z: empty value = null) in a middle round and then written
# again; key k1 is tombstoned in the last round.
: >"$T/in"
for r in $(seq 1 15); do
    for k in $(seq 0 19); do
        if { [ "$k" = 0 ] && [ "$r" = 8 ]; } || { [ "$k" = 1 ] && [ "$r" = 15 ]; }; then
            printf 'k%s:\n' "$k" >>"$T/in"
        else
            printf 'k%s:value-%s-%s-padding-padding-padding\n' "$k" "$r" "$k" >>"$T/in"
        fi
    done
done
timeout 60 "$KCAT" -b "$BROKER_ADDR" -q -P -t cmp -K: -Z -X linger.ms=0 -X batch.num.messages=5 \
    <"$T/in" || fail "kcat produce"

# What was produced, with offsets: one producer, one partition, so line i of
# the input got offset i (kcat's own consume below confirms it for whatever
# the cleaner has not touched). Same format as kcat -f '%o %k %S %s'.
awk -F: '{ v = substr($0, length($1) + 2); if (v == "") print NR - 1, $1, -1, "";
           else print NR - 1, $1, length(v), v }' "$T/in" >"$T/before"

# Wait for the cleaner's report of a pass that got past offset 200 (the
# broker logs each completed pass; earlier passes may have run while kcat
# was still producing).
timeout 60 grep -m1 -qE 'topic=cmp partition=0: compacted .* cleaned up to offset [2-9][0-9][0-9]$' \
    <(tail -n +1 -f "$BROKER_OUT") ||
    fail "the cleaner did not compact topic cmp past offset 200 within 60 s"

timeout 60 "$KCAT" -b "$BROKER_ADDR" -q -C -t cmp -e -o beginning -f '%o %k %S %s\n' \
    >"$T/after" || fail "kcat consume after"
# The log end is still 300: the last record is in the active segment.
[ "$(tail -1 "$T/after" | cut -d' ' -f1)" = 299 ] || fail "last offset is not 299: $(tail -1 "$T/after")"
n_after=$(wc -l <"$T/after")
log "records before 300, after $n_after"
[ "$n_after" -lt 300 ] || fail "compaction removed nothing ($n_after records remain)"

# Every remaining record was produced, at the same offset, unchanged.
awk 'NR == FNR { seen[$0] = 1; next } !($0 in seen) { print "not produced: " $0; bad = 1 }
     END { exit bad }' "$T/before" "$T/after" || fail "compaction changed or invented records"
# Offsets still increase.
awk '$1 <= last && NR > 1 { print "offset " $1 " after " last; bad = 1 } { last = $1 }
     END { exit bad }' "$T/after" || fail "offsets out of order after compaction"
# The latest record of every key survives (a tombstone may be gone only if
# delete.retention.ms passed, which is 0 here, so check live values only).
awk '{ latest[$2] = $0 } END { for (k in latest) print latest[k] }' "$T/before" |
    awk '$3 != -1' | sort >"$T/latest"
sort "$T/after" >"$T/after.sorted"
comm -23 "$T/latest" "$T/after.sorted" >"$T/lost"
[ ! -s "$T/lost" ] || fail "latest values lost by compaction: $(head -5 "$T/lost")"
# Compaction really dropped superseded values: some key has fewer records.
k5_before=$(awk '$2 == "k5"' "$T/before" | wc -l)
k5_after=$(awk '$2 == "k5"' "$T/after" | wc -l)
[ "$k5_after" -lt "$k5_before" ] || fail "key k5 kept all $k5_before values"
# The value of k0 written before its tombstone is gone wherever the
# tombstone's segment was cleaned: no k0 value older than the tombstone may
# remain below the cleaner's progress, so at most those in the active tail.
tomb0=$(awk '$2 == "k0" && $3 == -1 { print $1; exit }' "$T/before")
old0=$(awk -v t="$tomb0" '$2 == "k0" && $1 < t' "$T/after" | wc -l)
[ "$old0" -eq 0 ] || fail "k0 kept $old0 value(s) older than its tombstone at offset $tomb0"

# A record without a key cannot be compacted: the broker refuses it
# (INVALID_RECORD, which librdkafka words "Broker failed to validate
# record") and the log end stays at 300.
if printf 'no-key\n' | timeout 60 "$KCAT" -b "$BROKER_ADDR" -P -t cmp -X linger.ms=0 \
    -X message.send.max.retries=0 >"$T/nokey.out" 2>&1; then
    fail "a keyless record on a compacted topic was accepted: $(cat "$T/nokey.out")"
fi
nokey=$(cat "$T/nokey.out")
[[ "$nokey" == *"failed to validate record"* ]] ||
    fail "keyless record refused without INVALID_RECORD: $nokey"
end=$(timeout 60 "$KCAT" -b "$BROKER_ADDR" -q -C -t cmp -o -1 -e -f '%o\n') || fail "kcat end"
[ "$end" = 299 ] || fail "the refused record moved the log end: last offset $end"

# Offline checks once the broker (and so its cleaner) has stopped.
stop_broker
"$STRAND_CLI" log dump "$BROKER_DATA/cmp-0" --verify >"$T/dump.out" 2>&1 ||
    fail "strand log dump --verify after compaction: $(tail -5 "$T/dump.out")"
# The dump shows where compaction left offsets without records, and the
# offsets with and without a record add up to the 300 produced (the dump
# starts at the first segment, offset 0, and ends at 299).
grep -qE '^gap: offsets [0-9]+\.\.[0-9]+ hold no batch|compacted: [0-9]+ of [0-9]+ offsets' \
    "$T/dump.out" || fail "log dump shows no compacted gaps: $(head -5 "$T/dump.out")"
summary=$(grep '^summary:' "$T/dump.out")
records=$(sed -nE 's/^summary: [0-9]+ batches, ([0-9]+) records.*/\1/p' <<<"$summary")
absent=$(sed -nE 's/.* \(([0-9]+) without a record: compacted\).*/\1/p' <<<"$summary")
[ -n "$records" ] && [ -n "$absent" ] && [ "$((records + absent))" -eq 300 ] ||
    fail "log dump: records ${records:-?} + absent ${absent:-?} != 300 ($summary)"
log "ok"
