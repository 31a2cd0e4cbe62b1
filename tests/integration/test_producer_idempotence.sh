#!/usr/bin/env bash
# test_producer_idempotence.sh - libstrand's idempotent producer (the
# default, enable.idempotence=true with acks=all) while connections break:
#
# 1. the broker is frozen (SIGSTOP) for a moment, so requests are written
#    to it without an answer, then killed with SIGKILL and restarted on the
#    same port and data directory: the requests lost with the connection are
#    resent with their sequences, and the restarted broker (which rebuilds
#    the producer's state from the log) takes the producer's next sequences;
# 2. the broker stops answering (SIGSTOP) longer than request.timeout.ms, so
#    written requests time out with an unknown outcome, and stores them when
#    it resumes: the producer resends them with the same sequences and the
#    broker must recognise the copies.
#
# Both runs must end with every record acknowledged (none reported failed)
# and the log holding each exactly once, in send order, at the offsets the
# reports gave, every batch under one producer id (strand log dump shows
# it). Run 1 also shows pipelining: the producer's debug log names the
# most Produce requests a partition had in flight, which must reach 2 (the
# frozen broker holds them) and never pass 5. Then the configuration rules:
# the default yields to acks=1 (batches without producer id), an explicit
# enable.idempotence=true with acks=1 or with
# max.in.flight.requests.per.connection > 5 is refused at creation, naming
# both keys; the default takes max.in.flight=20 (pipelining capped at 5).
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$RDK_CLIENT"
require_tool "$PRODUCER_CLIENT"
require_tool "$STRAND_CLI"
T=$ITEST_TMP
P=3
N=${ITEST_PRODUCER_IDEM_N:-200000}

# check_log TOPIC TAG COUNT: the producer acknowledged all COUNT records and
# the log holds exactly those, once each, in order, where reported.
check_log() {
    local topic=$1 tag=$2 count=$3
    local acked failed
    acked=$(wc -l <"$T/acked.$tag")
    failed=$(wc -l <"$T/failed.$tag")
    [ "$failed" -eq 0 ] || fail "$topic: $failed record(s) reported failed: $(head -n 3 "$T/failed.$tag")"
    [ "$acked" -eq "$count" ] || fail "$topic: $acked acknowledged, expected $count"
    rdk consume -t "$topic" -o "$T/got.$tag" --check-seq -e "$count" -T 60000 ||
        fail "$topic: the log does not hold each record exactly once, in order (see above)"
    sort_canon "$T/acked.$tag" >"$T/acked.$tag.sorted"
    sort_canon "$T/got.$tag" >"$T/got.$tag.sorted"
    cmp -s "$T/acked.$tag.sorted" "$T/got.$tag.sorted" ||
        fail "$topic: the log differs from the delivery reports (offsets or content):
$(diff "$T/acked.$tag.sorted" "$T/got.$tag.sorted" | head -n 4 | cut -c1-120)"
    log "$topic: $count acknowledged, 0 failed, the log holds each once, in order"
}

# dump_topic TOPIC: `strand log dump` of every partition into $T/dump.TOPIC.
dump_topic() {
    local topic=$1 p
    : >"$T/dump.$topic"
    for ((p = 0; p < P; p++)); do
        "$STRAND_CLI" log dump "$BROKER_DATA/$topic-$p" >>"$T/dump.$topic" 2>"$T/dump.err" ||
            fail "log dump of $topic-$p failed: $(head -n 3 "$T/dump.err")"
    done
    grep -q '^baseOffset:' "$T/dump.$topic" || fail "log dump of $topic shows no batch"
}

# check_one_producer_id TOPIC: every batch carries the same producer id.
check_one_producer_id() {
    local topic=$1 without ids
    dump_topic "$topic"
    without=$(grep '^baseOffset:' "$T/dump.$topic" | grep -vc ' producerId: ')
    [ "$without" -eq 0 ] || fail "$topic: $without batch(es) without a producer id"
    ids=$(sed -n 's/.* producerId: \([0-9]*\) .*/\1/p' "$T/dump.$topic" | sort -u)
    [ "$(echo "$ids" | wc -l)" -eq 1 ] || fail "$topic: several producer ids: $(echo $ids)"
    log "$topic: $(grep -c '^baseOffset:' "$T/dump.$topic") batches, all of producer id $ids"
}

start_broker
create_topic ik "$P"

# 1. SIGSTOP, SIGKILL and restart on the same port (the producer only knows
# it).
start_process prod env PRODUCER_CLIENT_DEBUG=1 "$PRODUCER_CLIENT" -b "$BROKER_ADDR" -t ik -n "$N" -s 41 --no-nulls \
    -o "$T/acked.ik" -E "$T/failed.ik" --notify-after 20000 \
    -X linger.ms=2 -X batch.size=16384 -X delivery.timeout.ms=90000 -X retry.backoff.ms=50 \
    -X reconnect.backoff.max.ms=500
await_line "$prod_FD" 'acked *' 120 "$T/prod.out" ||
    fail "producer did not get 20000 acknowledgements: $(tail -n 3 "$T/prod.err")"
kill -STOP "$BROKER_PID"
# A window for requests to be written to the frozen broker (not a
# synchronisation: the check below proves some were).
sleep 0.5
kill9_broker
# Keep the broker down for a moment so requests fail and reconnects back off
# (a window to fail in, not a synchronisation).
sleep 1
start_broker "${BROKER_ARGS[@]}"
drain_fd "$prod_FD" "$T/prod.out"
wait_pid_deadline "$prod_PID" 200 || fail "producer did not finish within 200 s"
[ "$WAIT_STATUS" -eq 0 ] || fail "producer exited with status $WAIT_STATUS: $(tail -n 3 "$T/prod.err")"
grep 'idempotent producer: producer id' "$T/prod.err" | head -n 1 >&2
grep -q 'idempotent producer: producer id' "$T/prod.err" ||
    fail "the producer did not get a producer id"
grep -q 'request lost with its connection.*resending' "$T/prod.err" ||
    fail "no request was lost with the connection (the test proved nothing)"
grep 'request lost with its connection' "$T/prod.err" | head -n 2 >&2
# Pipelining: the producer logs each new peak of requests in flight per
# partition ("ik [2]: 3 Produce requests in flight").
peak=$(sed -n 's/.*: ik \[[0-9]*\]: \([0-9]*\) Produce requests in flight.*/\1/p' "$T/prod.err" |
    sort -n | tail -n 1)
[ -n "$peak" ] && [ "$peak" -ge 2 ] ||
    fail "no partition had more than one Produce request in flight (no pipelining)"
[ "$peak" -le 5 ] || fail "a partition had $peak Produce requests in flight (more than 5)"
log "pipelining: up to $peak Produce requests in flight per partition"
check_log ik ik "$N"

# 2. SIGSTOP past request.timeout.ms: written requests time out; the broker
# stores them when it resumes, and the resends must be recognised.
create_topic is "$P"
start_process prod2 "$PRODUCER_CLIENT" -b "$BROKER_ADDR" -t is -n 100000 -s 42 --no-nulls \
    -o "$T/acked.is" -E "$T/failed.is" --notify-after 5000 \
    -X linger.ms=2 -X batch.size=16384 -X request.timeout.ms=1000 -X delivery.timeout.ms=90000 \
    -X retry.backoff.ms=50 -X reconnect.backoff.max.ms=500 -X socket.connection.setup.timeout.ms=1000
await_line "$prod2_FD" 'acked *' 120 "$T/prod2.out" ||
    fail "producer did not get 5000 acknowledgements: $(tail -n 3 "$T/prod2.err")"
kill -STOP "$BROKER_PID"
# Longer than request.timeout.ms (a window, not a synchronisation).
sleep 2.5
kill -CONT "$BROKER_PID"
drain_fd "$prod2_FD" "$T/prod2.out"
wait_pid_deadline "$prod2_PID" 200 || fail "producer did not finish within 200 s"
[ "$WAIT_STATUS" -eq 0 ] || fail "producer exited with status $WAIT_STATUS: $(tail -n 3 "$T/prod2.err")"
grep -q 'request lost with its connection.*resending' "$T/prod2.err" ||
    fail "no request timed out while the broker was stopped (the test proved nothing)"
grep 'request lost with its connection' "$T/prod2.err" | head -n 2 >&2
# The broker's log reaches its file through the harness's reader: wait for it.
saw_duplicates() { grep -q 'topic=is .*duplicate batch(es)' "$BROKER_OUT"; }
wait_for 10 "the broker saying it saw a resent copy of a stored batch (else the test proved nothing)" \
    saw_duplicates
grep 'topic=is .*duplicate batch(es)' "$BROKER_OUT" | head -n 2 >&2
grep -q 'found stored\|outcome of a request lost' "$T/prod2.err" &&
    fail "the idempotent producer looked a request up in the log instead of resending it"
check_log is is 100000

# 3. The default yields to acks=1: no producer id. An explicit
# enable.idempotence=true with acks=1 is refused at creation.
create_topic ia "$P"
"$PRODUCER_CLIENT" -b "$BROKER_ADDR" -t ia -n 1000 -s 43 --no-nulls -o "$T/acked.ia" \
    -E "$T/failed.ia" -X acks=1 >"$T/prod3.out" 2>"$T/prod3.err" ||
    fail "acks=1 producer failed: $(tail -n 3 "$T/prod3.err")"
check_log ia ia 1000
"$PRODUCER_CLIENT" -b "$BROKER_ADDR" -t ia -n 10 -s 44 --no-nulls -o "$T/acked.ib" \
    -E "$T/failed.ib" -X acks=1 -X enable.idempotence=true >"$T/prod4.out" 2>"$T/prod4.err" &&
    fail "enable.idempotence=true with acks=1 was accepted"
grep -q 'enable.idempotence=true requires acks=all' "$T/prod4.err" ||
    fail "no clear error for enable.idempotence=true with acks=1: $(cat "$T/prod4.err")"
log "refused: $(head -n 1 "$T/prod4.err")"
"$PRODUCER_CLIENT" -b "$BROKER_ADDR" -t ia -n 10 -s 45 --no-nulls -o "$T/acked.ic" \
    -E "$T/failed.ic" -X enable.idempotence=true -X max.in.flight.requests.per.connection=6 \
    >"$T/prod5.out" 2>"$T/prod5.err" &&
    fail "enable.idempotence=true with max.in.flight.requests.per.connection=6 was accepted"
grep -q 'enable.idempotence=true requires max.in.flight.requests.per.connection <= 5' \
    "$T/prod5.err" ||
    fail "no clear error for enable.idempotence=true with max.in.flight=6: $(cat "$T/prod5.err")"
log "refused: $(head -n 1 "$T/prod5.err")"
create_topic im "$P"
"$PRODUCER_CLIENT" -b "$BROKER_ADDR" -t im -n 20000 -s 46 --no-nulls -o "$T/acked.im" \
    -E "$T/failed.im" -X max.in.flight.requests.per.connection=20 >"$T/prod6.out" \
    2>"$T/prod6.err" || fail "max.in.flight=20 producer failed: $(tail -n 3 "$T/prod6.err")"
check_log im im 20000

stop_broker
check_one_producer_id ik
check_one_producer_id is
check_one_producer_id im
dump_topic ia
if grep -q ' producerId: ' "$T/dump.ia"; then
    fail "ia: acks=1 without enable.idempotence set wrote batches with a producer id"
fi
log "ia: acks=1 batches carry no producer id"
log "PASS"
