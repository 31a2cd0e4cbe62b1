#!/usr/bin/env bash
# test_config.sh - a --config file with an unknown key makes the broker warn
# (naming the key) and still start; the known keys in the same file apply
# (num.partitions=3 shows up on an auto-created topic).
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$RDK_CLIENT"
require_tool "$KCAT"
T=$ITEST_TMP

cat >"$T/broker.properties" <<'PROPS'
# a comment
num.partitions=3
strand.no.such.key=42
PROPS
start_broker --config "$T/broker.properties"
grep -q 'strand.no.such.key' "$BROKER_OUT" "$BROKER_ERR" ||
    fail "no warning naming the unknown key strand.no.such.key"
grep 'strand.no.such.key' "$BROKER_OUT" "$BROKER_ERR" | head -n 2 >&2

printf 'hello\n' | timeout 60 "$KCAT" -b "$BROKER_ADDR" -q -P -t cfg-auto -p 0 ||
    fail "produce to an auto-created topic failed"
n=$(rdk partitions -t cfg-auto -T 30000) || fail "metadata for cfg-auto failed"
[ "$n" = 3 ] || fail "auto-created topic has $n partitions; num.partitions=3 from --config was not applied"
stop_broker
log PASS
