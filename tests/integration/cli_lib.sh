# cli_lib.sh - helpers for the `strand` CLI integration tests (sourced).
#
# Provides: a scratch directory removed on exit, starting a real
# strand-broker on a free port (it picks the port: --listen 127.0.0.1:0
# --port-file) and stopping it by PID, and small assertions that print what
# was expected and what came out. Needs STRAND_BIN_DIR (set by ctest, see
# cli.cmake) pointing at the directory holding `strand` and `strand-broker`.

set -u

: "${STRAND_BIN_DIR:?set STRAND_BIN_DIR to the bin directory of a build}"
STRAND="$STRAND_BIN_DIR/strand"
BROKER_BIN="$STRAND_BIN_DIR/strand-broker"
SKIP=77 # ctest SKIP_RETURN_CODE

CLI_TMP=$(mktemp -d "${TMPDIR:-/tmp}/strand-cli-test.XXXXXX")
BROKER_PID=""
BROKER_PORT=""
FAILED=0

cli_cleanup() {
    if [ -n "$BROKER_PID" ]; then
        kill "$BROKER_PID" 2>/dev/null
        wait "$BROKER_PID" 2>/dev/null
    fi
    rm -rf "$CLI_TMP"
}
trap cli_cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    FAILED=1
}

# need_bin PATH: skip the test (exit 77) when a binary is not built yet.
need_bin() {
    if [ ! -x "$1" ]; then
        echo "SKIP: $1 is not built" >&2
        exit "$SKIP"
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

# broker_start DATA_DIR: start a broker on a free port; sets BROKER_PID and
# BROKER_PORT. The broker writes its port to the port file once it listens;
# we wait for that event with a deadline, and give up early if it exits.
broker_start() {
    local data=$1 pf="$CLI_TMP/broker.port" i port=""
    mkdir -p "$data"
    rm -f "$pf"
    "$BROKER_BIN" --listen 127.0.0.1:0 --data-dir "$data" --port-file "$pf" \
        >>"$CLI_TMP/broker.log" 2>&1 &
    BROKER_PID=$!
    for i in $(seq 1 300); do # 300 x 0.05 s = 15 s deadline
        if [ -s "$pf" ]; then
            port=$(tr -dc '0-9:' <"$pf")
            port=${port##*:}
            [ -n "$port" ] && break
        fi
        if ! kill -0 "$BROKER_PID" 2>/dev/null; then
            echo "broker exited during start-up; its log:" >&2
            cat "$CLI_TMP/broker.log" >&2
            BROKER_PID=""
            return 1
        fi
        sleep 0.05
    done
    if [ -z "$port" ]; then
        echo "broker did not write its port file within 15 s; its log:" >&2
        cat "$CLI_TMP/broker.log" >&2
        return 1
    fi
    BROKER_PORT=$port
    export STRAND_BROKERS="127.0.0.1:$BROKER_PORT"
}

# broker_stop: SIGTERM and wait, so that everything it wrote is on disk.
broker_stop() {
    if [ -n "$BROKER_PID" ]; then
        kill -TERM "$BROKER_PID" 2>/dev/null
        wait "$BROKER_PID" 2>/dev/null
        BROKER_PID=""
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
