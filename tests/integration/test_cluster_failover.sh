#!/usr/bin/env bash
# test_cluster_failover.sh - kill the leader, again and again (issue 5): a
# real ZooKeeper, three brokers, a topic with one partition, RF=3,
# min.insync.replicas=2. A producer sends a numbered sequence with acks=all
# (paced, so that it spans the kills) while the test kill -9s the partition's
# CURRENT leader, waits for the event "another broker leads" (Metadata via
# `strand topic describe`), restarts the dead one and waits for the full ISR
# before the next kill. Two runs, one topic each: the libstrand producer
# (producer_client) and librdkafka (rdk_client). Afterwards, with every
# broker back in the ISR and the high watermark at the log end:
#   - the three replicas' logs are identical (`strand log dump --records`);
#   - a consumer reads the whole log, and every acknowledged message is at
#     the offset its acknowledgement named (so it is present, and in order);
#   - the numbers appear in increasing order of first appearance;
#   - libstrand: no number twice (its producer settles an unknown outcome by
#     reading the log instead of resending blindly). librdkafka: with the
#     idempotent producer (used when the broker advertises InitProducerId)
#     no number twice either; without it a retried batch may legitimately be
#     stored twice, so there duplicates are only allowed as resends close to
#     their first copy (max.in.flight 1 keeps the order).
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
CLUSTER_SESSION_MS=${CLUSTER_SESSION_MS:-3000}
. "$(dirname "${ITEST_LIB:-$0}")/zk_lib.sh"
itest_init
require_tool "$RDK_CLIENT"
require_tool "$RDK_RAW"
require_tool "$STRAND_CLI"
require_tool "${PRODUCER_CLIENT:-producer_client}"
T=$ITEST_TMP
OPTS="--override min.insync.replicas=2 --override replica.lag.time.max.ms=3000"
N=${FAILOVER_N:-3000}         # messages per run
RATE=${FAILOVER_RATE:-100}    # per second: the run lasts about N / RATE s
KILLS=${FAILOVER_KILLS:-3}    # leader kills per run
DUP_WINDOW=1000               # librdkafka without idempotence: resend distance

start_zookeeper
for id in 1 2 3; do start_cluster_broker "$id" /fo $OPTS; done
await_cluster 3

# part0 TOPIC ID: partition 0's describe line as broker ID reports it.
part0() {
    "$STRAND_CLI" topic describe "$1" -b "${CB_ADDR[$2]}" --timeout 5000 2>/dev/null |
        grep '^  partition 0 '
}
# field LINE NAME: the word after NAME in a describe line.
field() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' <<<"$1"; }
alive() { [ -n "${CB_PID[$1]}" ]; }
LINE="" LEADER=""
# led TOPIC: some live broker reports a leader (in LEADER).
led() {
    local id
    for id in 1 2 3; do
        alive "$id" || continue
        LINE=$(part0 "$1" "$id") || continue
        LEADER=$(field "$LINE" leader)
        [ -n "$LEADER" ] && [ "$LEADER" != -1 ] && alive "$LEADER" && return 0
    done
    return 1
}
isr_full() { led "$1" && [[ $(field "$LINE" isr) == \[?,?,?\] ]]; }
# settled TOPIC: full ISR and the leader's high watermark at its log end.
settled() {
    isr_full "$1" && LINE=$(part0 "$1" "$LEADER") &&
        [ "$(field "$LINE" high-watermark)" = "$(field "$LINE" log-end)" ]
}
moved_from() { led "$1" && [ "$LEADER" != "$2" ]; }
dump() { "$STRAND_CLI" log dump --records "${CB_DATA[$1]}/$2-0" 2>/dev/null | grep -v "${CB_DATA[$1]}"; }
same_logs() {
    local ref
    ref=$(dump 1 "$1") || return 1
    [ -n "$ref" ] && [ "$(dump 2 "$1")" = "$ref" ] && [ "$(dump 3 "$1")" = "$ref" ]
}
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
progressed() { [ "$(lines "$1")" -ge "$2" ] || ! kill -0 "$PROD_PID" 2>/dev/null; }

# The sequence number in a canonical VALUE field: x<hex of "SEQ:...">.
SEQ_AWK='function seq(v,   i, c, s) {
    s = ""
    for (i = 2; i + 1 <= length(v); i += 2) {
        c = substr(v, i, 2)
        if (c == "3a") return s
        s = s substr(c, 2, 1)
    }
    return -1
}'

# run_failover TOPIC DUPS PRODUCER_CMD...: the kill loop around one producer
# whose acknowledged messages go to $T/TOPIC.acked (canonical lines). DUPS:
# "none" or "adjacent" (what the final check allows).
run_failover() {
    local topic=$1 dups=$2 k kills=0
    shift 2
    await_cluster 3
    "$STRAND_CLI" topic create "$topic" --partitions 1 --replication-factor 3 \
        -b "${CB_ADDR[1]}" >/dev/null || fail "create $topic failed"
    wait_for 30 "$topic led with a full ISR" isr_full "$topic"
    start_process prod "$@"
    PROD_PID=$prod_PID
    drain_fd "$prod_FD" "$T/$topic.prod.out"
    for k in $(seq 1 "$KILLS"); do
        wait_for 60 "$topic: acknowledgements before kill $k" \
            progressed "$T/$topic.acked" $((k * N / (KILLS + 2)))
        kill -0 "$PROD_PID" 2>/dev/null || break
        wait_for 60 "$topic: full ISR before kill $k" isr_full "$topic"
        local old=$LEADER
        log "$topic: kill $k of the leader, broker $old ($(lines "$T/$topic.acked") acknowledged)"
        kill9_cluster_broker "$old"
        kills=$((kills + 1))
        wait_for 60 "$topic: a new leader after broker $old was killed" moved_from "$topic" "$old"
        log "$topic: broker $LEADER leads now, epoch $(field "$LINE" epoch)"
        start_cluster_broker "$old"
    done
    [ "$kills" = "$KILLS" ] ||
        fail "$topic: the producer ended after $kills kills ($(tail -n 3 "$T/prod.err"))"
    wait_pid_deadline "$PROD_PID" 120 || fail "$topic: the producer did not finish"
    local status=$WAIT_STATUS
    log "$topic: producer exit status $status, $(lines "$T/$topic.acked") of $N acknowledged"
    # 0: all acknowledged; 3: some reported failed (not acknowledged, allowed).
    [ "$status" = 0 ] || [ "$status" = 3 ] || fail "$topic: producer failed ($status): $(tail -n 5 "$T/prod.err")"
    [ "$(lines "$T/$topic.acked")" -ge $((N / 2)) ] ||
        fail "$topic: only $(lines "$T/$topic.acked") of $N acknowledged"

    wait_for 90 "$topic: every broker in the ISR, HW at the log end" settled "$topic"
    local end
    end=$(field "$LINE" log-end)
    wait_for 60 "$topic: identical replicas" same_logs "$topic"
    "$RDK_CLIENT" consume -b "${CB_ADDR[$LEADER]}" -t "$topic" -o "$T/$topic.got" -e "$end" \
        -T 60000 || fail "$topic: consuming the $end records failed"
    [ "$(lines "$T/$topic.got")" = "$end" ] ||
        fail "$topic: read $(lines "$T/$topic.got") records, the log holds $end"

    # Every acknowledged message at its offset, as sent.
    local bad
    bad=$(awk 'NR == FNR { at[$2] = $1 " " $2 " " $3 " " $4 " " $5; next }
               { line = $1 " " $2 " " $3 " " $4 " " $5
                 if (at[$2] != line) { print "offset " $2 ": acknowledged " line " but read " at[$2]; n++ } }
               END { exit n > 0 }' "$T/$topic.got" "$T/$topic.acked" | head -n 5) ||
        fail "$topic: acknowledged messages missing or moved: $bad"
    # Order of first appearance, and duplicates.
    bad=$(sort_canon "$T/$topic.got" | awk -v dups="$dups" -v win="$DUP_WINDOW" "$SEQ_AWK"'
        { s = seq($4) + 0
          if (s < 0) { print "offset " $2 ": no sequence number"; bad++; next }
          if (!(s in first)) {
              if (s < max) { print "offset " $2 ": " s " after " max; bad++ }
              first[s] = NR; max = s; next
          }
          ndup++
          if (dups == "none") { print "offset " $2 ": " s " again (first at line " first[s] ")"; bad++ }
          else if (NR - first[s] > win) { print "offset " $2 ": " s " resent far from its first copy"; bad++ } }
        END { printf "%d duplicates\n", ndup; exit bad > 0 }') ||
        fail "$topic: $(head -n 5 <<<"$bad")"
    log "$topic: $end records, every acknowledged one in place, $(tail -n 1 <<<"$bad")"
}

run_failover strandfo none "${PRODUCER_CLIENT:-producer_client}" -b "${CB_ADDR[1]},${CB_ADDR[2]},${CB_ADDR[3]}" \
    -t strandfo -n "$N" -p 0 -s 41 --no-nulls --rate "$RATE" -o "$T/strandfo.acked"

# librdkafka: idempotent when the broker offers InitProducerId (API 22).
api=$("$RDK_RAW" "${CB_ADDR[1]}" apiversions 2) || fail "rdk_raw apiversions failed"
if [[ $api == *"api=22 range="* ]]; then
    rdk_dups=none
    rdk_opts=(-X enable.idempotence=true)
else
    # No idempotent producer: a batch whose answer was lost with its leader
    # is resent and may be stored twice; one request in flight keeps order.
    rdk_dups=adjacent
    rdk_opts=(-X max.in.flight.requests.per.connection=1)
fi
log "librdkafka run: duplicates allowed: $rdk_dups (${rdk_opts[*]})"
run_failover rdkfo "$rdk_dups" "$RDK_CLIENT" produce -b "${CB_ADDR[1]},${CB_ADDR[2]},${CB_ADDR[3]}" \
    -t rdkfo -n "$N" -P 1 -s 42 --no-nulls -a all -T 60000 --rate "$RATE" "${rdk_opts[@]}" \
    -o "$T/rdkfo.acked"

for id in 1 2 3; do stop_cluster_broker "$id"; done
stop_zookeeper
log PASS
