#!/usr/bin/env bash
# test_cli_offline.sh - the parts of `strand` that need no broker: --help,
# --version, usage errors (exit 2), connection errors (exit 1) and
# `log dump` on a hand-laid partition directory (3 batches, one gzip, with
# a header, a binary key, a newline and UTF-8 in values) and on corrupted
# copies of it (flipped byte, truncated tail, bad index, offsets going back).
# The fixture's CRCs were computed by an independent implementation.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cli_lib.sh"
need_bin "$STRAND"

# --- help and version --------------------------------------------------------
run_cli help --help
expect_rc help 0
for c in "log dump" "topic create" "topic list" "topic describe" "topic delete"; do
    expect_in help out "$c"
done
expect_in help out "STRAND_BROKERS"
run_cli version --version
expect_rc version 0
expect_in version out '^strand [0-9]+\.[0-9]+\.[0-9]+$'
run_cli create_help topic create --help
expect_rc create_help 0
for f in --partitions --replication-factor --config --bootstrap --timeout; do
    expect_in create_help out -- "$f"
done
run_cli dump_help log dump --help
expect_rc dump_help 0
expect_in dump_help out -- --records
expect_in dump_help out -- --verify
for c in list describe delete; do
    run_cli "${c}_help" topic "$c" --help
    expect_rc "${c}_help" 0
    expect_in "${c}_help" out "usage: strand .*topic $c"
done
run_cli group_help topic --help
expect_rc group_help 0
expect_in group_help out "create"

# --- usage errors exit 2 -----------------------------------------------------
run_cli noargs
expect_rc noargs 2
run_cli unknown frobnicate
expect_rc unknown 2
expect_in unknown err "unknown command 'frobnicate'"
run_cli unknown_sub topic frob
expect_rc unknown_sub 2
run_cli noname topic create
expect_rc noname 2
expect_in noname err "missing topic NAME"
run_cli badparts topic create t --partitions abc
expect_rc badparts 2
expect_in badparts err -- "--partitions needs a number"
run_cli zeroparts topic create t --partitions 0
expect_rc zeroparts 2
run_cli badcfg topic create t --config retention.ms
expect_rc badcfg 2
expect_in badcfg err "KEY=VALUE"
run_cli badopt topic list --frob
expect_rc badopt 2
run_cli badtimeout --timeout soon topic list
expect_rc badtimeout 2
run_cli nodelete topic delete
expect_rc nodelete 2
run_cli nopath log dump
expect_rc nopath 2

# --- connection errors exit 1 and say what to do -----------------------------
run_cli refused -b 127.0.0.1:1 topic list
expect_rc refused 1
expect_in refused err "cannot connect to 127.0.0.1:1: connection refused"
expect_in refused err "make run"
STRAND_BROKERS=127.0.0.1:1 run_cli env_brokers topic describe
expect_rc env_brokers 1
expect_in env_brokers err "127.0.0.1:1"
run_cli flag_after -b 127.0.0.1:2 topic list -b 127.0.0.1:1
expect_rc flag_after 1
expect_in flag_after err "127.0.0.1:1:"
run_cli badaddr -b nocolon topic list
expect_rc badaddr 1
expect_in badaddr err "bad broker address 'nocolon'"

# --- log dump on the fixture -------------------------------------------------
p="$CLI_TMP/demo-0"
mkdir -p "$p"
seg=00000000000000000000
base64 -d >"$p/$seg.log" <<'EOF'
AAAAAAAAAAAAAABPAAAAAAJF6i7KAAAAAAABAAABi8/laAAAAAGLz+VoAf//////////////////
AAAAAhoAAAAEazAKaGVsbG8AHgACAgEKd29ybGQCAmgCdgAAAAAAAAACAAAAZwAAAAACFNj/4AAB
AAAAAQAAAYvP5WgAAAABi8/laAH//////////////////wAAAAIfiwgALjIEawL/k2BgYGDkSa/S
zc9LZdBgYGLiYGD8/08kJzMvlSupKDUxmwEA7wt/ECIAAAAAAAAAAAAABAAAAD0AAAAAAlBEMm0A
AAAAAAAAAAGLz+VoAAAAAYvP5WgA//////////////////8AAAABFgAAAAEKY2Fmw6kA
EOF
echo AAAAAwAAAFsAAAAAAAAAAAAAAAAAAAAA | base64 -d >"$p/$seg.index"
echo AAABi8/laAEAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA | base64 -d >"$p/$seg.timeindex"

run_cli dump log dump "$p"
expect_rc dump 0
[ "$(grep -c '^baseOffset:' "$CLI_TMP/dump.out")" -eq 3 ] || fail "dump: expected 3 batch lines"
expect_in dump out '^baseOffset: 0 lastOffset: 1 count: 2 size: 91 codec: none .* crc: ok position: 0$'
expect_in dump out '^baseOffset: 2 lastOffset: 3 count: 2 size: 115 codec: gzip baseTimestamp: 1700000000000 maxTimestamp: 1700000000001 leaderEpoch: 0 crc: ok position: 91$'
expect_in dump out '^baseOffset: 4 lastOffset: 4 .* position: 206$'
expect_in dump out 'index .*\.index: 1 entries, consistent with the log'
expect_in dump out 'timeindex .*\.timeindex: 1 entries, consistent with the log'
expect_not_in dump out '\| offset'

run_cli records log dump --records "$p/$seg.log"
expect_rc records 0
expect_in records out '\| offset: 0 timestamp: 1700000000000 key: k0 value: hello$'
expect_in records out '\| offset: 1 .* value: world headers: h=v$'
expect_in records out '\| offset: 2 .* value: gz-one$'
expect_in records out '\| offset: 3 .* key: 0x0001fffe value: line\\nbreak$'
expect_in records out '\| offset: 4 .* value: café$'
expect_in records out 'summary: 3 batches, 5 records, offsets 0..4, 0 problems'

run_cli verify log dump --verify "$p"
expect_rc verify 0
expect_in verify out '^verify: ok$'

# a flipped byte inside the gzip batch (position 91..205)
c="$CLI_TMP/flip-0"
cp -r "$p" "$c"
printf 'A' | dd of="$c/$seg.log" bs=1 seek=150 conv=notrunc status=none
run_cli flip log dump --verify "$c"
expect_rc flip 1
expect_in flip out 'crc: BAD position: 91$'
expect_in flip err "$seg\.log: position 91: CRC mismatch"
run_cli flip_noverify log dump "$c"
expect_rc flip_noverify 0

# a torn tail: the last batch (206..278) cut short
t="$CLI_TMP/torn-0"
cp -r "$p" "$t"
truncate -s 250 "$t/$seg.log"
run_cli torn log dump --verify "$t"
expect_rc torn 1
expect_in torn err "$seg\.log: position 206: torn tail"

# an index entry that points into the middle of a batch
i="$CLI_TMP/idx-0"
cp -r "$p" "$i"
printf '\x00\x00\x00\x03\x00\x00\x00\x32' >"$i/$seg.index"
run_cli badidx log dump --verify "$i"
expect_rc badidx 1
expect_in badidx err "$seg\.index: position 0: entry 0 \(offset 3 -> position 50\): no batch starts"
expect_in badidx out "INCONSISTENT"

# batches out of order: offsets 4 then 0
o="$CLI_TMP/order-0"
mkdir -p "$o"
{ tail -c +207 "$p/$seg.log"; head -c 91 "$p/$seg.log"; } >"$o/$seg.log"
run_cli order log dump --verify "$o"
expect_rc order 1
expect_in order err "position 73: offsets go backwards"
expect_in order out "timeindex .*: missing"

# naming an index file dumps its segment and checks that index
run_cli byindex log dump --verify "$i/$seg.index"
expect_rc byindex 1
expect_in byindex out "^segment .*$seg\.log: 279 bytes$"
expect_in byindex err "no batch starts"

run_cli missing log dump --verify "$CLI_TMP/nonexistent"
expect_rc missing 1
expect_in missing err "cannot open"

finish
