# cli_lib.sh - helpers for the `strand` CLI integration tests (sourced).
#
# Provides: a scratch directory removed on exit, starting a real
# strand-broker on a free port (it picks the port: --listen 127.0.0.1:0
# --port-file; readiness is read from its log through a FIFO) and stopping
# it by PID, and small assertions that print what
# was expected and what came out. Needs STRAND_BIN_DIR (set by ctest, see
# cli.cmake) pointing at the directory holding `strand` and `strand-broker`.

set -u

: "${STRAND_BIN_DIR:?set STRAND_BIN_DIR to the bin directory of a build}"
STRAND="$STRAND_BIN_DIR/strand"
BROKER_BIN="$STRAND_BIN_DIR/strand-broker"

CLI_TMP=$(mktemp -d "${TMPDIR:-/tmp}/strand-cli-test.XXXXXX")
BROKER_PID=""
BROKER_PORT=""
DRAIN_PID=""
FAILED=0

CLI_MAIN_PID=$BASHPID

# wait_pid PID SECONDS: wait for a child at most SECONDS, then SIGKILL it.
# The exit status is left in STOP_STATUS ("" when it had to be killed;
# returns 1 then). `wait PID` is used, never `wait -n`: bash 5.2's `wait -n`
# can miss a child that was reaped while the shell forked something else,
# and then blocks until the watchdog fires. The watchdog is a subshell
# blocked in `read -t SECONDS` on a FIFO: closing our end wakes it at once
# (no signal races, no orphaned sleep); only a timeout makes it kill PID.
STOP_STATUS=""
WAIT_SEQ=0
wait_pid() {
    local pid=$1 timeout=$2 dog st dst w fifo="$CLI_TMP/wait.$((WAIT_SEQ += 1)).fifo"
    rm -f "$fifo"
    mkfifo "$fifo" || return 2
    (
        trap - EXIT
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
        STOP_STATUS=""
        return 1
    fi
    STOP_STATUS=$st
    return 0
}

# stop_pid PID SECONDS: SIGTERM, then wait_pid.
stop_pid() {
    kill -TERM "$1" 2>/dev/null
    wait_pid "$@"
}

cli_cleanup() {
    local rc=$?
    # Only the test's own shell cleans up: bash has been seen running an
    # EXIT trap in a $(...) subshell, which then removed $CLI_TMP (and
    # stopped the broker) under the running test.
    [ "$BASHPID" = "$CLI_MAIN_PID" ] || return "$rc"
    trap - EXIT
    if [ -n "$BROKER_PID" ]; then
        stop_pid "$BROKER_PID" 20
    fi
    if [ -n "$DRAIN_PID" ]; then
        stop_pid "$DRAIN_PID" 20
    fi
    rm -rf "$CLI_TMP"
    exit "$rc"
}
trap cli_cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    FAILED=1
}

# need_bin PATH: fail the test when a binary it needs is not there. A
# missing part is a failure, never a skip: a skipped test proves nothing.
need_bin() {
    if [ ! -x "$1" ]; then
        echo "FAIL: $1 is missing (build it, or install it with scripts/install-deps.sh)" >&2
        exit 1
    fi
}

# run_cli NAME ARGS...: run strand, keep stdout/stderr in $CLI_TMP/NAME.out/.err
# and the exit code in $RC.
run_cli() {
    local name=$1
    shift
    "$STRAND" "$@" >"$CLI_TMP/$name.out" 2>"$CLI_TMP/$name.err"
    RC=$?
}

# expect_rc NAME WANT: the last run_cli exited with WANT.
expect_rc() {
    if [ "$RC" -ne "$2" ]; then
        fail "$1: exit code $RC, expected $2"
        sed 's/^/    stdout: /' "$CLI_TMP/$1.out" >&2
        sed 's/^/    stderr: /' "$CLI_TMP/$1.err" >&2
    fi
}

# expect_in NAME out|err REGEX: the output of run NAME matches REGEX.
expect_in() {
    if ! grep -Eq -- "$3" "$CLI_TMP/$1.$2"; then
        fail "$1: std$2 does not match /$3/"
        sed "s/^/    std$2: /" "$CLI_TMP/$1.$2" >&2
    fi
}

# expect_not_in NAME out|err REGEX
expect_not_in() {
    if grep -Eq -- "$3" "$CLI_TMP/$1.$2"; then
        fail "$1: std$2 unexpectedly matches /$3/"
        sed "s/^/    std$2: /" "$CLI_TMP/$1.$2" >&2
    fi
}

# broker_start DATA_DIR: start a broker on a free port (--listen
# 127.0.0.1:0); sets BROKER_PID and BROKER_PORT and exports STRAND_BROKERS.
# Readiness is an event: the broker's log (stderr) goes through a FIFO and
# we read it, with a deadline, until its "listening on" line; it writes the
# port file (atomically) just before that line. If the broker exits first,
# the FIFO reaches end-of-file and we stop waiting at once.
broker_start() {
    local data=$1 pf="$CLI_TMP/broker.port" fifo="$CLI_TMP/broker.fifo" line ready=0 left fd
    mkdir -p "$data"
    rm -f "$pf" "$fifo"
    mkfifo "$fifo"
    "$BROKER_BIN" --listen 127.0.0.1:0 --data-dir "$data" --port-file "$pf" \
        >>"$CLI_TMP/broker.log" 2>"$fifo" &
    BROKER_PID=$!
    exec {fd}<"$fifo"
    local deadline=$((SECONDS + 60)) # generous: ASan build, loaded machine
    while left=$((deadline - SECONDS)) && [ "$left" -gt 0 ] &&
        IFS= read -r -t "$left" -u "$fd" line; do
        printf '%s\n' "$line" >>"$CLI_TMP/broker.log"
        case $line in *"listening on "*)
            ready=1
            break
            ;;
        esac
    done
    # keep draining the log so the broker never blocks on a full pipe
    cat <&"$fd" >>"$CLI_TMP/broker.log" &
    DRAIN_PID=$!
    exec {fd}<&-
    if [ "$ready" -ne 1 ] || [ ! -s "$pf" ]; then
        echo "broker did not start (no 'listening on' line within 60 s); its log:" >&2
        cat "$CLI_TMP/broker.log" >&2
        return 1
    fi
    BROKER_PORT=$(tr -dc '0-9' <"$pf")
    export STRAND_BROKERS="127.0.0.1:$BROKER_PORT"
}

# broker_stop: SIGTERM and wait (at most 30 s), so that everything it wrote
# is on disk. A broker that does not exit, or exits with a non-zero status,
# fails the test.
broker_stop() {
    if [ -n "$BROKER_PID" ]; then
        if ! stop_pid "$BROKER_PID" 30; then
            fail "broker (pid $BROKER_PID) did not exit within 30 s of SIGTERM"
        elif [ "$STOP_STATUS" -ne 0 ]; then
            fail "broker (pid $BROKER_PID) exited with status $STOP_STATUS after SIGTERM"
        fi
        BROKER_PID=""
    fi
    if [ -n "$DRAIN_PID" ]; then
        # ends at the broker's end-of-file
        wait_pid "$DRAIN_PID" 30 || fail "log drain did not end after the broker exited"
        DRAIN_PID=""
    fi
}

# finish: exit 0 if every check passed, 1 otherwise.
finish() {
    if [ "$FAILED" -ne 0 ]; then
        echo "some checks failed; broker log:" >&2
        [ -f "$CLI_TMP/broker.log" ] && tail -n 50 "$CLI_TMP/broker.log" >&2
        exit 1
    fi
    echo "all checks passed"
    exit 0
}
