#!/usr/bin/env bash
# test_cli_client.sh - the client side of `strand` against peers that
# misbehave (tests/integration/cli_fake_broker.c): no answer (timeout), an
# absurd frame size (refused), a wrong correlation id, a hang-up. Each must
# end promptly with exit 1 and a message that says what happened.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cli_lib.sh"
need_bin "$STRAND"
FAKE="$STRAND_BIN_DIR/cli_fake_broker"
need_bin "$FAKE"

# fake_start MODE: start the fake broker and wait (at most 20 s) for its
# "listening on" line on stdout, read through a FIFO: an event, no polling.
# BROKER_PID / BROKER_PORT are set so that the exit trap cleans it up.
fake_start() {
    local pf="$CLI_TMP/fake-$1.port" fifo="$CLI_TMP/fake-$1.fifo" fd line=""
    rm -f "$fifo"
    mkfifo "$fifo" || {
        fail "mkfifo $fifo"
        finish
    }
    "$FAKE" "$1" "$pf" >"$fifo" 2>>"$CLI_TMP/fake.log" &
    BROKER_PID=$!
    exec {fd}<"$fifo" # returns once the fake has opened its end
    rm -f "$fifo"
    IFS= read -r -t 20 -u "$fd" line
    exec {fd}<&- # it writes nothing else to stdout
    case $line in "listening on "*) ;; *)
        fail "fake broker ($1) did not start within 20 s: $(cat "$CLI_TMP/fake.log")"
        finish
        ;;
    esac
    BROKER_PORT=$(tr -dc '0-9' <"$pf" 2>/dev/null)
    [ -n "$BROKER_PORT" ] || {
        fail "fake broker ($1) said '$line' but wrote no port file"
        finish
    }
}

# fake_stop: SIGTERM, and it must be gone within 30 s (its status is of no
# interest: SIGTERM ends it).
fake_stop() {
    stop_pid "$BROKER_PID" 30 || fail "fake broker (pid $BROKER_PID) did not exit after SIGTERM"
    BROKER_PID=""
}

# case_for MODE REGEX: `topic list` against the fake must fail with REGEX.
case_for() {
    fake_start "$1"
    local start=$SECONDS
    run_cli "$1" --timeout 700 -b "127.0.0.1:$BROKER_PORT" topic list
    expect_rc "$1" 1
    expect_in "$1" err "$2"
    # Generous for a loaded machine and ASan, far below the fake's 30 s
    # give-up: a client that ignored --timeout would be caught.
    [ $((SECONDS - start)) -lt 15 ] || fail "$1: took $((SECONDS - start)) s with --timeout 700"
    fake_stop
}

case_for silent "127\.0\.0\.1:[0-9]+: timed out after 700 ms waiting to receive a response"
case_for huge "response frame of 2147483647 bytes is outside \[4, [0-9]+\]"
case_for badcorr "response correlation id [0-9]+ does not match request [0-9]+ \(ApiVersions v0\)"
case_for close "the broker closed the connection"

finish
