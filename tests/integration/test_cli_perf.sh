#!/usr/bin/env bash
# test_cli_perf.sh - `strand perf produce` and `strand perf consume`: small
# runs against a real strand-broker print their summaries with the requested
# record count and plausible figures, and the data is really in the log
# (kcat counts it).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cli_lib.sh"
need_bin "$STRAND"
need_bin "$BROKER_BIN"
need_bin "$(command -v kcat || echo /usr/bin/kcat)"

broker_start "$CLI_TMP/data" || exit 1
B="127.0.0.1:$BROKER_PORT"
N=20000

run_cli mk topic create perf --partitions 3
expect_rc mk 0
run_cli pp perf produce --topic perf --num-records $N --record-size 100 --acks 1 \
    --compression lz4 --partitions 3 --linger-ms 5
expect_rc pp 0
expect_in pp out "^$N records sent, $N delivered, 0 failed, [0-9]+ records/s \([0-9.]+ MB/s\), [0-9.]+ ms avg latency, [0-9.]+ ms max latency$"
expect_in pp out '^latency ms: p50 [0-9.]+, p95 [0-9.]+, p99 [0-9.]+, p99.9 [0-9.]+, max [0-9.]+; [0-9.]+ s total$'
# percentiles are ordered and bounded by the max
awk '/^latency ms:/ { gsub(/[,;]/, ""); if (!($4 <= $6 && $6 <= $8 && $8 <= $10 && $10 <= $12 + 0.0001 && $12 > 0)) exit 1 }' \
    "$CLI_TMP/pp.out" || fail "latency percentiles out of order: $(cat "$CLI_TMP/pp.out")"
# records/s * seconds ~ records
awk -v n=$N '/records sent/ { r = $8 } /^latency ms:/ { s = $(NF-2) } END { if (r <= 0 || s <= 0 || r * s < n * 0.5 || r * s > n * 2) exit 1 }' \
    "$CLI_TMP/pp.out" || fail "rate and time disagree: $(cat "$CLI_TMP/pp.out")"

# the records are in the log: kcat counts them
got=$(kcat -b "$B" -C -t perf -o beginning -e -q -f '.\n' 2>/dev/null | wc -l)
[ "$got" -eq $N ] || fail "kcat reads $got records, expected $N"

# throughput limit: 2000 records at 4000/s take >= 0.45 s
run_cli ppl perf produce --topic perf --num-records 2000 --throughput 4000 --acks 1
expect_rc ppl 0
awk '/^latency ms:/ { if ($(NF-2) < 0.45) exit 1 }' "$CLI_TMP/ppl.out" ||
    fail "--throughput 4000 not applied: $(cat "$CLI_TMP/ppl.out")"
T=$((N + 2000))

# consume to the end, and with --num-records
run_cli pc perf consume --topic perf --fetch-max-bytes 1048576
expect_rc pc 0
expect_in pc out "^$T records consumed, $((T * 100)) bytes, [0-9]+ records/s \([0-9.]+ MB/s\), [0-9.]+ s total$"
run_cli pcn perf consume --topic perf --num-records 5000 --max-partition-fetch-bytes 65536
expect_rc pcn 0
expect_in pcn out '^5000 records consumed, 500000 bytes'

# usage errors
run_cli noarg perf produce --topic perf
expect_rc noarg 2
run_cli badx perf produce --topic perf --num-records 1 -X bogus.key=1
expect_rc badx 2
expect_in badx err 'bogus.key'

broker_stop
finish
