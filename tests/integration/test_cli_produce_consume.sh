#!/usr/bin/env bash
# test_cli_produce_consume.sh - `strand produce` / `strand consume` against a
# real strand-broker, with kcat (librdkafka) on the other side both ways:
#   - strand produce (keys, headers, lz4, explicit partition) -> kcat reads
#     the same keys, values and headers byte for byte;
#   - kcat produces with every codec, keys, headers and null keys (-Z) ->
#     strand consume -e -f prints what kcat's own consumer prints;
#   - --json output parses (node) and carries binary values as base64;
#   - -o N, -o -N, -o @timestamp, -c, -p, and the error paths (unknown
#     topic, bad -X key named, bad format directive).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cli_lib.sh"
need_bin "$STRAND"
need_bin "$BROKER_BIN"
need_bin "$(command -v kcat || echo /usr/bin/kcat)"
need_bin "$(command -v node || echo /usr/bin/node)"

# Every strand run is bounded: a consume that waits for data that never
# comes fails the test instead of hanging it.
run_cli() {
    local name=$1
    shift
    timeout 60 "$STRAND" "$@" >"$CLI_TMP/$name.out" 2>"$CLI_TMP/$name.err"
    RC=$?
}
S() { timeout 60 "$STRAND" "$@"; }

broker_start "$CLI_TMP/data" || exit 1
B="127.0.0.1:$BROKER_PORT"
KCAT=(kcat -b "$B" -X api.version.request=true)

# ---- strand produce -> kcat
run_cli mk1 topic create sp --partitions 2
expect_rc mk1 0
awk 'BEGIN { for (i = 1; i <= 300; i++) printf "key%d:value %d with: a colon\n", i % 7, i }' \
    >"$CLI_TMP/in1"
S produce sp -k : -p 1 --compression lz4 --acks all --headers h1=v1,h2=x=y \
    --linger-ms 20 --batch-size 4096 -X retries=5 <"$CLI_TMP/in1" >"$CLI_TMP/p1.out" 2>"$CLI_TMP/p1.err"
RC=$?
expect_rc p1 0
expect_in p1 err 'produced 300 messages .* 0 errors'
"${KCAT[@]}" -C -t sp -p 1 -o beginning -e -q -f '%k:%s|%h\n' >"$CLI_TMP/k1.out" 2>"$CLI_TMP/k1.err" ||
    fail "kcat consume of sp failed: $(cat "$CLI_TMP/k1.err")"
sed 's/$/|h1=v1,h2=x=y/' "$CLI_TMP/in1" >"$CLI_TMP/k1.want"
cmp -s "$CLI_TMP/k1.want" "$CLI_TMP/k1.out" || {
    fail "kcat does not read back what strand produce sent"
    diff "$CLI_TMP/k1.want" "$CLI_TMP/k1.out" | head -5 >&2
}
# nothing went to partition 0
"${KCAT[@]}" -C -t sp -p 0 -o beginning -e -q >"$CLI_TMP/k1p0.out" 2>/dev/null
[ -s "$CLI_TMP/k1p0.out" ] && fail "strand produce -p 1 wrote to partition 0"

# a line without the delimiter: null key; empty lines are empty values
printf 'nokey\n\nk:\n' | S produce sp -k : -p 0 >/dev/null 2>"$CLI_TMP/p2.err" ||
    fail "produce of keyless lines failed: $(cat "$CLI_TMP/p2.err")"
# (kcat -Z shows empty values as NULL, so the values are checked with --json)
"${KCAT[@]}" -C -t sp -p 0 -o beginning -e -q -Z -f '[%k]\n' >"$CLI_TMP/k2.out" 2>/dev/null
printf '[NULL]\n[NULL]\n[k]\n' | cmp -s - "$CLI_TMP/k2.out" || fail "null keys: got $(cat "$CLI_TMP/k2.out")"
run_cli j2 consume sp -p 0 -o beginning -e --json
expect_rc j2 0
expect_in j2 out '"offset":0,.*"key":null,"value":"nokey"'
expect_in j2 out '"offset":1,.*"key":null,"value":""'
expect_in j2 out '"offset":2,.*"key":"k","value":""'

# ---- kcat -> strand consume, every codec
for z in none gzip snappy lz4 zstd; do
    t="kc-$z"
    run_cli "mk-$z" topic create "$t" --partitions 3
    awk -v z="$z" 'BEGIN { for (i = 1; i <= 200; i++) {
        pad = ""; for (j = 0; j < i % 40; j++) pad = pad "x"
        printf "k%d\tpayload-%s-%d-%s\n", i % 5, z, i, pad } }' >"$CLI_TMP/in-$z"
    "${KCAT[@]}" -P -t "$t" -z "$z" -K $'\t' -H src=kcat -H codec="$z" <"$CLI_TMP/in-$z" \
        2>"$CLI_TMP/kp-$z.err" || fail "kcat produce -z $z failed: $(cat "$CLI_TMP/kp-$z.err")"
    # null keys (-Z: an empty key is sent as null) into partition 2
    printf '\tnull-key-%s\n' "$z" | "${KCAT[@]}" -P -t "$t" -p 2 -z "$z" -K $'\t' -Z 2>/dev/null
    "${KCAT[@]}" -C -t "$t" -o beginning -e -q -f '%p %o %k=%s %K %S [%h]\n' 2>/dev/null | sort >"$CLI_TMP/kc-$z.want"
    S consume "$t" -o beginning -e -f '%p %o %k=%v %K %S [%h]\n' >"$CLI_TMP/sc-$z.raw" 2>"$CLI_TMP/sc-$z.err" ||
        fail "strand consume $t failed: $(cat "$CLI_TMP/sc-$z.err")"
    sort "$CLI_TMP/sc-$z.raw" >"$CLI_TMP/sc-$z.out"
    [ "$(wc -l <"$CLI_TMP/kc-$z.want")" -eq 201 ] || fail "kcat read $(wc -l <"$CLI_TMP/kc-$z.want") of 201 ($z)"
    cmp -s "$CLI_TMP/kc-$z.want" "$CLI_TMP/sc-$z.out" || {
        fail "strand consume differs from kcat for -z $z"
        diff "$CLI_TMP/kc-$z.want" "$CLI_TMP/sc-$z.out" | head -5 >&2
    }
    grep -q ' -1 [0-9]* \[\]$' "$CLI_TMP/sc-$z.out" || fail "no null key (%K -1) seen for $z"
done

# ---- --json: parses, binary as base64, null key as null
printf 'bin\001\377\376\n' >"$CLI_TMP/bin.val"
"${KCAT[@]}" -P -t js -p 0 -k 'ké"y' -H 'hk=h"v' "$CLI_TMP/bin.val" 2>/dev/null
printf 'text "quoted"\ttab\n' | "${KCAT[@]}" -P -t js -p 0 2>/dev/null
run_cli json consume js -o beginning -c 2 --json
expect_rc json 0
node -e '
const fs = require("fs");
const lines = fs.readFileSync(process.argv[1], "utf8").trim().split("\n");
if (lines.length !== 2) throw new Error("want 2 lines, got " + lines.length);
const a = JSON.parse(lines[0]), b = JSON.parse(lines[1]);
const want = Buffer.concat([Buffer.from("bin"), Buffer.from([1, 0xff, 0xfe, 0x0a])]);
if (a.topic !== "js" || a.partition !== 0 || a.offset !== 0) throw new Error("coords " + lines[0]);
if (a.key !== "ké\"y") throw new Error("key " + a.key);
if (!Buffer.from(a.value_b64, "base64").equals(want)) throw new Error("value_b64 " + a.value_b64);
if (a.headers.length !== 1 || a.headers[0].key !== "hk" || a.headers[0].value !== "h\"v")
  throw new Error("headers " + JSON.stringify(a.headers));
if (b.key !== null || b.value !== "text \"quoted\"\ttab" || b.offset !== 1) throw new Error("second " + lines[1]);
if (typeof a.timestamp !== "number" || a.timestamp < 1e12) throw new Error("timestamp " + a.timestamp);
' "$CLI_TMP/json.out" 2>"$CLI_TMP/node.err" || fail "--json output: $(cat "$CLI_TMP/node.err")"

# ---- start positions: partition 1 of a 2-partition topic, 12 messages
run_cli mkpos topic create pos --partitions 2
seq 100 111 | "${KCAT[@]}" -P -t pos -p 1 2>/dev/null
"${KCAT[@]}" -C -t pos -p 1 -o beginning -e -q -f '%o %T %s\n' >"$CLI_TMP/p0.all" 2>/dev/null
n0=$(wc -l <"$CLI_TMP/p0.all")
[ "$n0" -eq 12 ] || fail "partition 1 of pos has $n0 messages, not 12"
run_cli o5 consume pos -p 1 -o 5 -e -f '%o %T %v\n'
expect_rc o5 0
tail -n +6 "$CLI_TMP/p0.all" | cmp -s - "$CLI_TMP/o5.out" || fail "-o 5 did not start at offset 5"
run_cli om3 consume pos -p 1 -o -3 -e -f '%o %T %v\n'
tail -n 3 "$CLI_TMP/p0.all" | cmp -s - "$CLI_TMP/om3.out" || fail "-o -3: $(cat "$CLI_TMP/om3.out")"
run_cli c4 consume pos -p 1 -o beginning -c 4 -f '%o\n'
printf '0\n1\n2\n3\n' | cmp -s - "$CLI_TMP/c4.out" || fail "-c 4: $(cat "$CLI_TMP/c4.out")"
# @timestamp: messages produced after a known time
printf 'early\n' | S produce ts -p 0 2>/dev/null
sleep_until_ms=$(($(date +%s%3N) + 5))
while [ "$(date +%s%3N)" -lt "$sleep_until_ms" ]; do :; done # busy wait a few ms, not a sync
mark=$(date +%s%3N)
printf 'late1\nlate2\n' | S produce ts -p 0 2>/dev/null
run_cli ots consume ts -o "@$mark" -e -f '%v\n'
expect_rc ots 0
printf 'late1\nlate2\n' | cmp -s - "$CLI_TMP/ots.out" || fail "-o @$mark: $(cat "$CLI_TMP/ots.out")"

# ---- errors
run_cli unknown consume no-such-topic -e
expect_rc unknown 1
expect_in unknown err "topic 'no-such-topic' does not exist"
run_cli badx produce sp -X no.such.key=1 </dev/null
expect_rc badx 2
expect_in badx err 'no.such.key'
run_cli badv produce sp --acks 7 </dev/null
expect_rc badv 2
expect_in badv err 'acks'
run_cli badf consume sp -f '%q'
expect_rc badf 2
expect_in badf err "%q"
# delivery failures: reported per line, counted, exit status 1
printf 'a\nb\n' >"$CLI_TMP/two"
run_cli dfail produce sp -p 9 -X delivery.timeout.ms=3000 <"$CLI_TMP/two"
expect_rc dfail 1
expect_in dfail err 'delivery failed: line 2 to sp \[9\]'
expect_in dfail err 'produced 0 messages .* 2 errors'
run_cli nobroker produce sp -b 127.0.0.1:1 -X delivery.timeout.ms=1500 <"$CLI_TMP/two"
expect_rc nobroker 1
expect_in nobroker err '2 errors'
run_cli badp consume sp -p 9 -e
expect_rc badp 1
expect_in badp err 'no partition 9'

broker_stop
finish
