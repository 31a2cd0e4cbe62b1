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

# fake_start MODE: start the fake broker; BROKER_PID / BROKER_PORT are set
# so that cli_lib's broker_stop and the exit trap clean it up.
fake_start() {
    local pf="$CLI_TMP/fake-$1.port" i
    "$FAKE" "$1" "$pf" 2>>"$CLI_TMP/fake.log" &
    BROKER_PID=$!
    for i in $(seq 1 200); do # bounded wait for the port file: 10 s
        [ -s "$pf" ] && break
        kill -0 "$BROKER_PID" 2>/dev/null || break
        sleep 0.05
    done
    BROKER_PORT=$(tr -dc '0-9' <"$pf" 2>/dev/null)
    [ -n "$BROKER_PORT" ] || {
        fail "fake broker ($1) did not start"
        finish
    }
}

# case_for MODE REGEX: `topic list` against the fake must fail with REGEX.
case_for() {
    fake_start "$1"
    local start=$SECONDS
    run_cli "$1" --timeout 700 -b "127.0.0.1:$BROKER_PORT" topic list
    expect_rc "$1" 1
    expect_in "$1" err "$2"
    [ $((SECONDS - start)) -lt 8 ] || fail "$1: took $((SECONDS - start)) s with --timeout 700"
    broker_stop
}

case_for silent "127\.0\.0\.1:[0-9]+: timed out after 700 ms waiting to receive a response"
case_for huge "response frame of 2147483647 bytes is outside \[4, [0-9]+\]"
case_for badcorr "response correlation id [0-9]+ does not match request [0-9]+ \(ApiVersions v0\)"
case_for close "the broker closed the connection"

finish
