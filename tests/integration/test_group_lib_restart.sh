#!/usr/bin/env bash
# test_group_lib_restart.sh - libstrand group members across restarts:
#  1. a member that read a topic, committed and closed cleanly is started
#     again in the same group: it resumes at its committed offsets, so the
#     two runs together read every record exactly once;
#  2. of two members, one is killed with kill -9 (no LeaveGroup): after the
#     session timeout the survivor gets every partition, and every record
#     (also those produced afterwards) is processed at least once.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$RDK_CLIENT"
[ -x "${GROUP_ITEST:-}" ] || fail "GROUP_ITEST not set or not built (group_itest target)"
T=$ITEST_TMP
MEMBER_X=(-X session.timeout.ms=3000 -X heartbeat.interval.ms=300 -X fetch.max.wait.ms=100)

# lines FILE: number of lines (0 when missing).
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

# await_lines FILE N TIMEOUT_S WHAT: until FILE has at least N lines.
await_lines() {
    local deadline=$(($(now_ms) + $3 * 1000))
    while [ "$(lines "$1")" -lt "$2" ]; do
        [ "$(now_ms)" -lt "$deadline" ] || fail "$4: $(lines "$1") of $2 records after $3 s"
        sleep 0.1
    done
}

# canon_acked FILE...: "PARTITION OFFSET" of acked records, sorted.
canon_acked() { cat "$@" | awk '{print $1, $2}' | LC_ALL=C sort -k1,1n -k2,2n; }
# canon_member TOPIC FILE...: "PARTITION OFFSET" of what members processed.
canon_member() {
    local t=$1
    shift
    cat "$@" | awk -v t="$t" '$1 == t {print $2, $3}' | LC_ALL=C sort -k1,1n -k2,2n
}

start_broker --override offsets.topic.num.partitions=5 \
    --override group.initial.rebalance.delay.ms=300 --override group.min.session.timeout.ms=1000

# --- 1. resume at the committed offset after a clean close -------------
create_topic gr-resume 3
rdk produce -t gr-resume -n 300 -P 3 -s 11 -a all -o "$T/acked.1" || fail "produce 1 failed"
start_process a1 "$GROUP_ITEST" member -b "$BROKER_ADDR" -g gr-resume-g -t gr-resume \
    -o "$T/a1.out" --commit sync "${MEMBER_X[@]}"
await_line "$a1_FD" 'ASSIGNED 3 *' 60 "$T/a1.stdout" || fail "member 1 got no assignment"
drain_fd "$a1_FD" "$T/a1.stdout"
await_lines "$T/a1.out" 300 60 "first run"
kill -TERM "$a1_PID"
wait_pid_deadline "$a1_PID" 60 || fail "member 1 did not exit after SIGTERM"
[ "$WAIT_STATUS" -eq 0 ] || fail "member 1 exited with $WAIT_STATUS: $(cat "$T/a1.err")"
rdk produce -t gr-resume -n 300 -P 3 -s 11 --start 300 -a all -o "$T/acked.2" ||
    fail "produce 2 failed"
start_process a2 "$GROUP_ITEST" member -b "$BROKER_ADDR" -g gr-resume-g -t gr-resume \
    -o "$T/a2.out" --commit sync "${MEMBER_X[@]}"
drain_fd "$a2_FD" "$T/a2.stdout"
await_lines "$T/a2.out" 300 60 "second run"
kill -TERM "$a2_PID"
wait_pid_deadline "$a2_PID" 60 || fail "member 2 did not exit after SIGTERM"
[ "$WAIT_STATUS" -eq 0 ] || fail "member 2 exited with $WAIT_STATUS: $(cat "$T/a2.err")"
canon_acked "$T/acked.1" "$T/acked.2" >"$T/exp.1"
canon_member gr-resume "$T/a1.out" "$T/a2.out" >"$T/got.1"
same_file "$T/exp.1" "$T/got.1" "two runs of one member (resumed at the committed offsets)"
canon_acked "$T/acked.2" >"$T/exp.2"
canon_member gr-resume "$T/a2.out" >"$T/got.2"
same_file "$T/exp.2" "$T/got.2" "the second run read exactly the new records"
log "restart: the second run resumed at the committed offsets"

# --- 2. kill -9: the survivor takes over after the session timeout -------
create_topic gr-kill 4
rdk produce -t gr-kill -n 400 -P 4 -s 12 -a all -o "$T/acked.k1" || fail "produce k1 failed"
start_process b "$GROUP_ITEST" member -b "$BROKER_ADDR" -g gr-kill-g -t gr-kill \
    -o "$T/b.out" --commit sync "${MEMBER_X[@]}"
await_line "$b_FD" 'ASSIGNED 4 *' 60 "$T/b.stdout" || fail "member b got no assignment"
start_process c "$GROUP_ITEST" member -b "$BROKER_ADDR" -g gr-kill-g -t gr-kill \
    -o "$T/c.out" --commit sync "${MEMBER_X[@]}"
await_line "$c_FD" 'ASSIGNED 2 *' 60 "$T/c.stdout" || fail "member c got no partitions"
await_line "$b_FD" 'ASSIGNED 2 *' 60 "$T/b.stdout" || fail "member b was not rebalanced to 2"
drain_fd "$b_FD" "$T/b.stdout"
kill -KILL "$b_PID"
wait "$b_PID" 2>/dev/null
t0=$(now_ms)
log "member b killed with SIGKILL"
await_line "$c_FD" 'ASSIGNED 4 *' 60 "$T/c.stdout" ||
    fail "the survivor did not get all 4 partitions within 60 s of the kill"
took=$(($(now_ms) - t0))
drain_fd "$c_FD" "$T/c.stdout"
log "survivor took over after $took ms (session.timeout.ms=3000)"
rdk produce -t gr-kill -n 200 -P 4 -s 12 --start 400 -a all -o "$T/acked.k2" ||
    fail "produce k2 failed"
canon_acked "$T/acked.k1" "$T/acked.k2" >"$T/exp.k"
deadline=$(($(now_ms) + 60000))
while :; do
    canon_member gr-kill "$T/b.out" "$T/c.out" | uniq >"$T/got.k"
    cmp -s "$T/exp.k" "$T/got.k" && break
    [ "$(now_ms)" -lt "$deadline" ] || same_file "$T/exp.k" "$T/got.k" "records after the kill"
    sleep 0.2
done
kill -TERM "$c_PID"
wait_pid_deadline "$c_PID" 60 || fail "member c did not exit after SIGTERM"
[ "$WAIT_STATUS" -eq 0 ] || fail "member c exited with $WAIT_STATUS: $(cat "$T/c.err")"
broker_alive
stop_broker
log "PASS: resume at committed offsets; kill -9 replaced after $took ms; nothing skipped"
