# lib.sh - shared harness for Strand's shell integration tests.
#
# Source it from a test script (bash):
#   . "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
#   itest_init                 # temp dir, cleanup trap, tool checks
#   start_broker               # sets BROKER_PID BROKER_PORT BROKER_ADDR BROKER_DATA
#   ... clients against "$BROKER_ADDR" ...
#   stop_broker                # SIGTERM, wait, require exit status 0
#
# Readiness is an event, not a sleep: the broker's output (stdout and
# stderr, merged into $BROKER_OUT) goes through a FIFO and start_broker reads
# it with a deadline until the "listening on" line, then takes the port from
# --port-file. Every process started through
# this file is remembered by PID and killed by the EXIT trap, which also
# removes the temp dir (set ITEST_KEEP=1 to keep it for a post-mortem).
#
# Environment (set by ctest, see integration.cmake; defaults for manual runs):
#   STRAND_BROKER  path of the strand-broker binary
#   RDK_CLIENT     path of rdk_client, RDK_RAW path of rdk_raw
#   KCAT           kcat binary (default: kcat on PATH)
#   ITEST_START_TIMEOUT  seconds to wait for "listening on" (default 60)
#   ITEST_STOP_TIMEOUT   seconds to wait for exit after SIGTERM (default 60)
# The defaults are generous on purpose: the suite must pass under ASan on a
# loaded 2-core machine, where a broker's final fsync can take seconds.

ITEST_NAME=${ITEST_NAME:-$(basename "${0%.sh}")}
ITEST_PIDS=()
ITEST_TMP=""
ITEST_MAIN_PID=""
BROKER_PID=""
BROKER_PORT=""
BROKER_ADDR=""
BROKER_DATA=""
BROKER_OUT=""
BROKER_ERR=""
BROKER_ARGS=()
ITEST_START_TIMEOUT=${ITEST_START_TIMEOUT:-60}
ITEST_STOP_TIMEOUT=${ITEST_STOP_TIMEOUT:-60}
KCAT=${KCAT:-kcat}

log() { printf '[%s %s] %s\n' "$ITEST_NAME" "$(date +%H:%M:%S.%3N)" "$*" >&2; }

# Print the broker's recent output (for a failure report).
broker_tail() {
    local f
    for f in "$BROKER_OUT" "$BROKER_ERR"; do
        [ -n "$f" ] && [ -s "$f" ] || continue
        printf -- '--- last lines of %s ---\n' "$f" >&2
        tail -n 30 "$f" >&2
    done
}

# fail MESSAGE...: report, show the broker's output, exit 1 (the trap cleans up).
fail() {
    printf 'FAIL [%s]: %s\n' "$ITEST_NAME" "$*" >&2
    broker_tail
    exit 1
}

# Remember a background process so the cleanup trap kills it.
track_pid() { ITEST_PIDS+=("$1"); }

itest_cleanup() {
    local rc=$? pid
    # Only the test's own shell cleans up. Seen in practice: bash ran this
    # EXIT trap in a $(...) subshell, which then removed the temp dir under
    # the running test.
    [ "$BASHPID" = "$ITEST_MAIN_PID" ] || return "$rc"
    trap - EXIT INT TERM
    for pid in "${ITEST_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
        fi
    done
    if [ -n "$ITEST_TMP" ] && [ -d "$ITEST_TMP" ]; then
        if [ "${ITEST_KEEP:-0}" = 1 ] || { [ "$rc" -ne 0 ] && [ "${ITEST_KEEP:-0}" = fail ]; }; then
            log "kept $ITEST_TMP"
        else
            rm -rf "$ITEST_TMP"
        fi
    fi
    exit "$rc"
}

# itest_init: temp dir, trap, and checks that the binaries we need exist.
itest_init() {
    ITEST_MAIN_PID=$BASHPID
    ITEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/strand-itest-$ITEST_NAME.XXXXXX") ||
        { echo "FAIL: mktemp" >&2; exit 1; }
    trap itest_cleanup EXIT
    trap 'exit 130' INT TERM
    [ -n "${STRAND_BROKER:-}" ] || fail "STRAND_BROKER is not set (run through ctest)"
    [ -x "$STRAND_BROKER" ] ||
        fail "broker binary not found: $STRAND_BROKER (build the strand-broker target)"
}

# require_tool PATH-OR-NAME: fail unless it is executable.
require_tool() {
    command -v "$1" >/dev/null 2>&1 || fail "required tool not found: $1"
}

# now_ms: wall clock in milliseconds.
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# wait_for TIMEOUT_S WHAT CMD...: run CMD until it succeeds, polling every
# 0.2 s, or fail after the deadline saying WHAT was not reached.
wait_for() {
    local timeout=$1 what=$2
    shift 2
    local deadline=$(($(now_ms) + timeout * 1000))
    while :; do
        "$@" && return 0
        [ "$(now_ms)" -lt "$deadline" ] || fail "timed out after ${timeout}s waiting for: $what"
        sleep 0.2
    done
}

# start_process NAME CMD...: run CMD in the background with stdout into a
# FIFO whose read end is returned in the variable NAME_FD (and the PID in
# NAME_PID); stderr goes to $ITEST_TMP/NAME.err, or into the same FIFO when
# START_MERGE_STDERR=1. Use await_line on the fd,
# then drain_fd to keep the pipe flowing into $ITEST_TMP/NAME.out.
start_process() {
    local name=$1
    shift
    local fifo="$ITEST_TMP/$name.fifo"
    rm -f "$fifo"
    mkfifo "$fifo" || fail "mkfifo $fifo"
    if [ "${START_MERGE_STDERR:-0}" = 1 ]; then
        "$@" >"$fifo" 2>&1 &
    else
        "$@" >"$fifo" 2>>"$ITEST_TMP/$name.err" &
    fi
    local pid=$!
    track_pid "$pid"
    local fd
    exec {fd}<"$fifo" # returns once the child has opened its end
    rm -f "$fifo"
    printf -v "${name}_PID" '%s' "$pid"
    printf -v "${name}_FD" '%s' "$fd"
}

# await_line FD PATTERN TIMEOUT_S [COPY_FILE]: read lines from FD until one
# matches the glob PATTERN; the line is left in AWAIT_LINE. Every line read
# is appended to COPY_FILE when given. Fails on EOF or when the deadline passes.
AWAIT_LINE=""
await_line() {
    local fd=$1 pattern=$2 timeout=$3 copy=${4:-/dev/null}
    local deadline=$(($(now_ms) + timeout * 1000)) left line
    while :; do
        left=$((deadline - $(now_ms)))
        [ "$left" -gt 0 ] || return 2
        if IFS= read -r -t "$((left / 1000)).$(printf '%03d' $((left % 1000)))" -u "$fd" line; then
            printf '%s\n' "$line" >>"$copy"
            case "$line" in
            $pattern)
                AWAIT_LINE=$line
                return 0
                ;;
            esac
        elif [ $? -gt 128 ]; then
            return 2 # timeout
        else
            return 1 # EOF: the writer exited
        fi
    done
}

# drain_fd FD FILE: copy the rest of FD into FILE in the background and
# close FD in this shell.
drain_fd() {
    local fd=$1
    cat <&"$fd" >>"$2" 2>/dev/null &
    track_pid $!
    exec {fd}<&-
}

# start_broker [EXTRA_ARGS...]: start a broker on a fresh data dir and a free
# port (or reuse BROKER_DATA / BROKER_PORT when they are already set;
# restart_broker reuses BROKER_DATA). Waits for readiness.
start_broker() {
    [ -n "$BROKER_PID" ] && kill -0 "$BROKER_PID" 2>/dev/null && fail "start_broker: already running"
    [ -n "$BROKER_DATA" ] || BROKER_DATA=$(mktemp -d "$ITEST_TMP/data.XXXXXX")
    BROKER_ARGS=("$@")
    local listen="127.0.0.1:${BROKER_PORT:-0}"
    local portfile="$ITEST_TMP/broker.port"
    rm -f "$portfile"
    BROKER_OUT="$ITEST_TMP/broker.out"
    BROKER_ERR="$ITEST_TMP/broker.err"
    printf -- '--- start %s (listen %s, data %s) ---\n' "$(date +%T)" "$listen" "$BROKER_DATA" \
        >>"$BROKER_OUT"
    # stdout and stderr share the FIFO: the "listening on" line counts on
    # either stream, and the log keeps the broker's lines in order.
    START_MERGE_STDERR=1 start_process broker "$STRAND_BROKER" --listen "$listen" --data-dir "$BROKER_DATA" \
        --port-file "$portfile" "$@"
    BROKER_PID=$broker_PID
    local fd=$broker_FD rc=0
    await_line "$fd" '*listening on*' "$ITEST_START_TIMEOUT" "$BROKER_OUT" || rc=$?
    if [ "$rc" -ne 0 ]; then
        exec {fd}<&-
        if [ "$rc" -eq 1 ]; then
            wait "$BROKER_PID"
            fail "broker exited before listening (status $?): $STRAND_BROKER ${*:-}"
        fi
        fail "broker did not print 'listening on' within ${ITEST_START_TIMEOUT}s"
    fi
    drain_fd "$fd" "$BROKER_OUT"
    [ -s "$portfile" ] || fail "broker is listening but wrote no port file ($portfile)"
    local port
    port=$(cat "$portfile")
    port=${port//[!0-9]/}
    [ -n "$port" ] && [ "$port" -gt 0 ] || fail "bad port file content: $(cat "$portfile")"
    [ -z "$BROKER_PORT" ] || [ "$BROKER_PORT" = "$port" ] ||
        fail "broker came up on port $port, expected $BROKER_PORT"
    BROKER_PORT=$port
    BROKER_ADDR="127.0.0.1:$port"
    log "broker pid $BROKER_PID listening on $BROKER_ADDR"
}

# Wait for a child with a deadline; the status is left in WAIT_STATUS.
# Returns 1 if it had to be killed. `wait PID` is used, never `wait -n`:
# bash 5.2's `wait -n` can miss a child that was reaped while the shell
# forked something else (drain_fd's cat, the watchdog) and then blocks until
# the watchdog fires. The watchdog is a subshell blocked in `read -t` on a
# FIFO: closing our end wakes it at once (no signal races, no orphaned
# sleep); only the deadline passing makes it kill PID.
WAIT_STATUS=""
ITEST_WAIT_SEQ=0
wait_pid_deadline() {
    local pid=$1 timeout=$2 dog st dst w fifo="$ITEST_TMP/wait.$((ITEST_WAIT_SEQ += 1)).fifo"
    rm -f "$fifo"
    mkfifo "$fifo" || fail "mkfifo $fifo"
    (
        trap - EXIT INT TERM
        exec >/dev/null 2>&1
        read -r -t "$timeout" _
        [ $? -gt 128 ] || exit 0 # our end was closed: no timeout
        kill -KILL "$pid"
        exit 7
    ) <"$fifo" &
    dog=$!
    exec {w}>"$fifo" # returns once the watchdog has opened its end
    rm -f "$fifo"
    wait "$pid"
    st=$?
    exec {w}>&-
    wait "$dog"
    dst=$?
    if [ "$dst" -eq 7 ]; then
        WAIT_STATUS=""
        return 1
    fi
    WAIT_STATUS=$st
    return 0
}

# stop_broker: SIGTERM, wait (with deadline), require exit status 0.
stop_broker() {
    [ -n "$BROKER_PID" ] || fail "stop_broker: no broker"
    kill -0 "$BROKER_PID" 2>/dev/null || fail "stop_broker: broker (pid $BROKER_PID) is not running"
    kill -TERM "$BROKER_PID"
    wait_pid_deadline "$BROKER_PID" "$ITEST_STOP_TIMEOUT" ||
        fail "broker did not exit within ${ITEST_STOP_TIMEOUT}s of SIGTERM"
    [ "$WAIT_STATUS" -eq 0 ] || fail "broker exited with status $WAIT_STATUS after SIGTERM (expected 0)"
    log "broker stopped cleanly"
    BROKER_PID=""
}

# kill9_broker: SIGKILL, reap.
kill9_broker() {
    [ -n "$BROKER_PID" ] || fail "kill9_broker: no broker"
    kill -KILL "$BROKER_PID" 2>/dev/null
    wait "$BROKER_PID" 2>/dev/null
    log "broker killed with SIGKILL"
    BROKER_PID=""
}

# restart_broker: start again on the same data dir with the same arguments,
# on a fresh port chosen by the kernel. Not the old port: once it is free,
# any process on this machine (another test's broker, or a client's
# ephemeral source port) may take it before we bind it again, and the
# restart would fail for a reason that has nothing to do with the broker.
restart_broker() {
    [ -z "$BROKER_PID" ] || fail "restart_broker: stop or kill the broker first"
    BROKER_PORT=""
    start_broker "${BROKER_ARGS[@]}"
}

# broker_alive: fail unless the broker process still runs.
broker_alive() {
    kill -0 "$BROKER_PID" 2>/dev/null || {
        wait "$BROKER_PID"
        fail "broker process died (status $?)"
    }
}

# kcat_b ARGS...: kcat against the current broker, quiet.
kcat_b() { "$KCAT" -b "$BROKER_ADDR" -q "$@"; }

# rdk ARGS...: rdk_client (mode first) against the current broker.
rdk() {
    local mode=$1
    shift
    "$RDK_CLIENT" "$mode" -b "$BROKER_ADDR" "$@"
}

# create_topic NAME PARTITIONS
create_topic() {
    rdk create -t "$1" -P "$2" -T 30000 || fail "could not create topic $1 with $2 partitions"
}

# sort_canon FILE: canonical lines ordered by partition then offset.
sort_canon() { LC_ALL=C sort -s -t ' ' -k1,1n -k2,2n "$1"; }

# same_file EXPECTED ACTUAL WHAT: fail with the first difference.
same_file() {
    cmp -s "$1" "$2" && return 0
    local e a
    e=$(wc -l <"$1")
    a=$(wc -l <"$2")
    fail "$3: $2 differs from $1 ($a vs $e lines); first difference:
$(diff "$1" "$2" | head -n 6 | cut -c1-200)"
}
