#!/usr/bin/env bash
# test_apiversions.sh - an ApiVersions request in a version the broker does
# not support (v4, v5) gets an UNSUPPORTED_VERSION (35) answer with the
# request's correlation id in a v0 header and the ApiVersions range 0-3 in a
# v0 body (KIP-511), not a closed connection; v0-v3 succeed.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$RDK_RAW"

start_broker
corr=$((0x1234))
for v in 0 1 2 3 4 5; do
    out=$("$RDK_RAW" "$BROKER_ADDR" apiversions "$v") || fail "rdk_raw could not run"
    printf '%s\n' "$out" | sed "s/^/[v$v] /" >&2
    grep -qx 'result=response' <<<"$out" || fail "ApiVersions v$v: no response ($(grep result= <<<"$out"))"
    grep -qx "corr=$corr" <<<"$out" || fail "ApiVersions v$v: wrong correlation id"
    expect=0
    [ "$v" -ge 4 ] && expect=35
    grep -qx "error_code=$expect" <<<"$out" ||
        fail "ApiVersions v$v: expected error_code=$expect, got $(grep error_code <<<"$out")"
    # Every answer, the error one included (KIP-511), lists ApiVersions'
    # own range; clients retry with min(sent - 1, max), so max must be 3.
    grep -qx 'api_versions_range=0-3' <<<"$out" ||
        fail "ApiVersions v$v: the answer does not list ApiVersions 0-3 ($(grep api_versions_range <<<"$out"))"
done
broker_alive
stop_broker
log PASS
