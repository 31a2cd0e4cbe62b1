#!/usr/bin/env bash
# test_malformed.sh - hostile input on one connection must cost that
# connection at most: garbage bytes, a truncated frame, a 2 GiB size prefix,
# a negative size and a Produce whose batch has a bad CRC each get an error
# response or a closed connection (never a hang), while a second client is
# served meanwhile, the broker process stays alive and the bad batch is not
# stored.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$RDK_RAW"
require_tool "$KCAT"
T=$ITEST_TMP

start_broker
create_topic mal 1

# raw CASE [ARG]: run rdk_raw, keep its report in RAW_OUT.
RAW_OUT=""
raw() {
    RAW_OUT=$("$RDK_RAW" "$BROKER_ADDR" "$@") || fail "rdk_raw $* could not run"
    printf '%s\n' "$RAW_OUT" | sed "s/^/[$1] /" >&2
    grep -qx 'second_client=ok' <<<"$RAW_OUT" ||
        fail "$1: a second client was not served while connection A was in this state"
    broker_alive
}

for kase in garbage truncated; do
    raw "$kase"
    grep -qxE 'result=(closed|response)' <<<"$RAW_OUT" ||
        fail "$kase: neither an error response nor a closed connection within 20 s"
done
# A frame size the broker can never accept must close the connection.
for kase in huge negative; do
    raw "$kase"
    grep -qx 'result=closed' <<<"$RAW_OUT" || fail "$kase size prefix: connection not closed"
done

# The same hand-built Produce with a correct CRC is accepted (so the frame
# itself is right), with a bad CRC it is refused.
raw goodcrc mal
grep -qx 'result=response' <<<"$RAW_OUT" || fail "valid hand-built Produce got no response"
grep -q '^partition=0 partition_error=0 ' <<<"$RAW_OUT" ||
    fail "valid hand-built Produce was refused"
raw badcrc mal
if grep -qx 'result=response' <<<"$RAW_OUT"; then
    grep -q '^partition=0 partition_error=2 ' <<<"$RAW_OUT" ||
        fail "bad-CRC Produce: expected CORRUPT_MESSAGE (2)"
else
    grep -qx 'result=closed' <<<"$RAW_OUT" || fail "bad-CRC Produce: no answer within 20 s"
fi

# Normal service after all that: metadata, produce, and the log holds only
# the valid record plus the new one.
timeout 60 "$KCAT" -b "$BROKER_ADDR" -q -L -t mal >"$T/meta" || fail "kcat -L failed afterwards"
grep -q 'topic "mal" with 1 partitions' "$T/meta" || fail "kcat -L does not show topic mal: $(cat "$T/meta")"
printf 'after\n' | timeout 60 "$KCAT" -b "$BROKER_ADDR" -q -P -t mal -p 0 ||
    fail "kcat -P failed afterwards"
timeout 60 "$KCAT" -b "$BROKER_ADDR" -q -C -t mal -o beginning -e -f '%o:%s\n' >"$T/data" ||
    fail "kcat -C failed afterwards"
printf '0:x\n1:after\n' >"$T/data.exp"
same_file "$T/data.exp" "$T/data" "topic mal after the malformed requests"
broker_alive
stop_broker
log PASS
