#!/usr/bin/env bash
# test_cli_log_dump.sh - `strand log dump` on partitions written by a real
# strand-broker from kcat produces (uncompressed and lz4): batch lines,
# --records showing the produced values, --verify passing, and --verify
# failing on copies with a flipped byte and with a truncated tail.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cli_lib.sh"
need_bin "$STRAND"
need_bin "$BROKER_BIN"
need_bin "$(command -v kcat || echo kcat)"

data="$CLI_TMP/data"
broker_start "$data" || exit 1
B="127.0.0.1:$BROKER_PORT"

for t in plain packed; do
    run_cli "create_$t" -b "$B" topic create "$t" --partitions 1
    expect_rc "create_$t" 0
done
# small segments and dense indexes, so that there is more than one segment
# and the .index files have entries to check
run_cli create_rolled topic create rolled --partitions 1 --config segment.bytes=1500 \
    --config index.interval.bytes=100
expect_rc create_rolled 0
for i in 1 2 3 4 5 6 7 8; do
    seq -f "rolled-$i-%g" 1 20 | kcat -b "$B" -P -t rolled -p 0 2>>"$CLI_TMP/kcat3.err" ||
        fail "kcat produce (rolled) failed: $(cat "$CLI_TMP/kcat3.err")"
done
# linger so that the 50 lines travel as few batches (a batch of one tiny
# record is sent uncompressed: lz4 would only make it larger)
seq -f 'plain-value-%g' 1 50 | kcat -b "$B" -P -t plain -p 0 -X linger.ms=200 \
    2>"$CLI_TMP/kcat1.err" || fail "kcat produce (none) failed: $(cat "$CLI_TMP/kcat1.err")"
seq -f 'packed-value-%g' 1 50 | kcat -b "$B" -P -t packed -p 0 -z lz4 -X linger.ms=200 \
    2>"$CLI_TMP/kcat2.err" ||
    fail "kcat produce (lz4) failed: $(cat "$CLI_TMP/kcat2.err")"
# everything the broker wrote is on disk once it has exited
broker_stop

plain=$(find "$data" -type d -name plain-0 | head -n 1)
packed=$(find "$data" -type d -name packed-0 | head -n 1)
rolled=$(find "$data" -type d -name rolled-0 | head -n 1)
[ -n "$plain" ] && [ -n "$packed" ] && [ -n "$rolled" ] || {
    fail "no plain-0 / packed-0 partition directory under $data"
    finish
}

# batch lines add up to the 50 records, all CRCs good
for t in plain packed; do
    dir=$plain
    codec=none
    [ $t = packed ] && dir=$packed && codec=lz4
    run_cli "dump_$t" log dump "$dir"
    expect_rc "dump_$t" 0
    if [ $t = packed ] && ! grep -q 'codec: lz4' "$CLI_TMP/dump_$t.out"; then
        # librdkafka 2.0.2 compresses only when the broker's advertised
        # Produce range overlaps v0 (rdkafka_msgset_writer.c, compr_req);
        # a broker advertising Produce 3+ gets uncompressed batches.
        echo "note: kcat -z lz4 wrote uncompressed batches; does the broker advertise Produce v0?" >&2
    fi
    expect_in "dump_$t" out "^baseOffset: 0 lastOffset: [0-9]+ count: [0-9]+ size: [0-9]+ codec: [a-z0-9]+ .* crc: ok position: 0$"
    expect_in "dump_$t" out "^baseOffset: [0-9]+ lastOffset: [0-9]+ count: [0-9]+ size: [0-9]+ codec: $codec .* crc: ok position: [0-9]+$"
    expect_not_in "dump_$t" out "crc: BAD"
    sum=$(sed -n 's/^baseOffset: .* count: \([0-9]*\) .*/\1/p' "$CLI_TMP/dump_$t.out" |
        awk '{s += $1} END {print s + 0}')
    [ "$sum" -eq 50 ] || fail "dump_$t: batch record counts add up to $sum, expected 50"
    expect_in "dump_$t" out "summary: [0-9]+ batches, 50 records, offsets 0..49, 0 problems"

    run_cli "records_$t" log dump --records "$dir"
    expect_rc "records_$t" 0
    for n in 1 17 50; do
        expect_in "records_$t" out "^  \| offset: $((n - 1)) timestamp: [0-9]+ key: null value: $t-value-$n$"
    done
    [ "$(grep -c '^  | offset:' "$CLI_TMP/records_$t.out")" -eq 50 ] ||
        fail "records_$t: expected 50 record lines"

    run_cli "verify_$t" log dump --verify "$dir"
    expect_rc "verify_$t" 0
    expect_in "verify_$t" out "^verify: ok$"
done

# several segments: walked in offset order, indexes checked, all verified
run_cli rolled log dump --verify "$rolled"
expect_rc rolled 0
nseg=$(grep -c '^segment ' "$CLI_TMP/rolled.out")
[ "$nseg" -ge 2 ] || fail "rolled: expected several segments, got $nseg"
expect_in rolled out "summary: [0-9]+ batches, 160 records, offsets 0..159, 0 problems"
expect_in rolled out "index .*\.index: [1-9][0-9]* entries, consistent with the log"
sed -n 's/^baseOffset: \([0-9]*\) .*/\1/p' "$CLI_TMP/rolled.out" | sort -n -c ||
    fail "rolled: batches not printed in offset order"

# an index entry moved into the middle of a batch
idx=$(grep -l . $(ls "$rolled"/*.index) 2>/dev/null | head -n 1)
if [ -n "$idx" ]; then
    bad="$CLI_TMP/badidx/rolled-0"
    mkdir -p "$bad"
    cp "$rolled"/* "$bad"/
    bidx="$bad/$(basename "$idx")"
    # entry 0 = relative offset (4 bytes) + position (4 bytes, big-endian):
    # position + 1 as a whole number (adding 1 to the low byte alone would
    # wrap 255 to 0 and could land on a real batch start)
    pos=$(od -An -tu4 --endian=big -j 4 -N 4 "$bidx" | tr -d ' ')
    npos=$((pos + 1))
    printf "$(printf '\\%03o' $((npos >> 24 & 255)) $((npos >> 16 & 255)) $((npos >> 8 & 255)) $((npos & 255)))" |
        dd of="$bidx" bs=1 seek=4 conv=notrunc status=none
    [ "$(od -An -tu4 --endian=big -j 4 -N 4 "$bidx" | tr -d ' ')" -eq "$npos" ] ||
        fail "badidx: could not rewrite entry 0 of $bidx"
    run_cli badidx log dump --verify "$bad"
    expect_rc badidx 1
    expect_in badidx err "$(basename "$idx"): position 0: entry 0 .*no batch starts at that position"
else
    fail "rolled: no .index file has entries (index.interval.bytes=100 ignored?)"
fi

# a stale copy of the first segment under a later name: offsets go backwards
dup="$CLI_TMP/dup/rolled-0"
mkdir -p "$dup"
cp "$rolled"/* "$dup"/
first=$(ls "$rolled"/*.log | head -n 1)
cp "$first" "$dup/00000000000000099999.log"
run_cli dup log dump --verify "$dup"
expect_rc dup 1
expect_in dup err "00000000000000099999\.log: position 0: first batch starts at offset 0, below the segment's base 99999"
expect_in dup err "00000000000000099999\.log: position 0: offsets go backwards: batch at offset 0 follows offset 159"

# a single segment file works too
seg=$(ls "$plain"/*.log | head -n 1)
run_cli segment log dump --verify "$seg"
expect_rc segment 0

# a copy with one byte flipped inside the first batch (after the CRC field)
flip="$CLI_TMP/flip/plain-0"
mkdir -p "$flip"
cp "$plain"/* "$flip"/
fseg="$flip/$(basename "$seg")"
orig=$(od -An -tu1 -j 70 -N 1 "$fseg" | tr -d ' ')
printf "\\$(printf '%03o' $(((orig + 1) % 256)))" | dd of="$fseg" bs=1 seek=70 conv=notrunc status=none
run_cli flip log dump --verify "$flip"
expect_rc flip 1
expect_in flip err "$(basename "$seg"): position 0: CRC mismatch"
expect_in flip out "crc: BAD position: 0$"

# a copy with the tail cut off in the middle of the last batch
torn="$CLI_TMP/torn/plain-0"
mkdir -p "$torn"
cp "$plain"/* "$torn"/
tseg="$torn/$(basename "$seg")"
size=$(stat -c %s "$tseg")
truncate -s $((size - 5)) "$tseg"
run_cli torn log dump --verify "$torn"
expect_rc torn 1
expect_in torn err "$(basename "$seg"): position [0-9]+: torn tail"

finish
