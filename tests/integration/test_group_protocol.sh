#!/usr/bin/env bash
# test_group_protocol.sh - the group coordinator's answers request by
# request (group_raw: MEMBER_ID_REQUIRED, UNKNOWN_MEMBER_ID,
# ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS, INVALID_SESSION_TIMEOUT,
# INCONSISTENT_GROUP_PROTOCOL, UNKNOWN_TOPIC_OR_PARTITION for commits,
# OFFSET_METADATA_TOO_LARGE, NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, session
# expiry after a connection closed during JoinGroup, Describe/List/Delete
# groups, the internal topic); then that Fetch reads __consumer_offsets
# (kcat sees the group's records) and that the broker stops cleanly.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$KCAT"
[ -x "${GROUP_RAW:-}" ] || fail "GROUP_RAW is not set or not executable (run through ctest)"
T=$ITEST_TMP

start_broker --override offsets.topic.num.partitions=2 --override group.initial.rebalance.delay.ms=0 \
    --override group.min.session.timeout.ms=1000
create_topic praw 2
"$GROUP_RAW" "$BROKER_ADDR" praw >"$T/raw.out" 2>&1
rc=$?
cat "$T/raw.out" >&2
[ "$rc" -eq 0 ] || fail "group_raw failed (status $rc): $(grep FAIL "$T/raw.out")"
out=$(cat "$T/raw.out")
case $out in *PASS*) ;; *) fail "group_raw did not finish" ;; esac
checks=$(grep -c '^ok ' "$T/raw.out")
[ "$checks" -ge 30 ] || fail "only $checks checks ran"

# Fetch serves the internal topic: the group's key (version 2 + "graw") is there.
keys=$("$KCAT" -b "$BROKER_ADDR" -C -t __consumer_offsets -o beginning -e -q -f '%k\n' 2>&1)
case $keys in *graw*) ;; *) fail "the group's records are not readable from __consumer_offsets: $keys" ;; esac
broker_alive
stop_broker
log "PASS: $checks checks"
