#!/usr/bin/env bash
# test_idempotence.sh - the idempotent producer on a standalone broker.
# Raw requests (rdk_raw): InitProducerId hands out distinct ids (v0 and the
# flexible v4) and refuses a transactional id; a Produce that repeats one of
# the producer's last batches gets the ORIGINAL base offset and is not stored
# again; a sequence gap, a new epoch not starting at 0 and an old epoch are
# refused. After kill -9 the state is rebuilt from the log: a retry of the
# last batch is still recognised, the old epoch is still fenced, and ids
# handed out after the restart come from a new block. Then librdkafka with
# enable.idempotence=true produces (acks=all) and the data reads back
# exactly, with producer ids in the stored batch headers.
set -uo pipefail
. "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
itest_init
require_tool "$RDK_CLIENT"
require_tool "$RDK_RAW"
require_tool "$STRAND_CLI"
T=$ITEST_TMP

# raw_ok CASE ARGS... : one rdk_raw run; its output in RAW_OUT.
raw() { RAW_OUT=$("$RDK_RAW" "$BROKER_ADDR" "$@") || fail "rdk_raw $* failed: $RAW_OUT"; }

# init_pid VERSION [TXN]: InitProducerId; sets PID_ERR, PID.
init_pid() {
    raw initpid "$@"
    local line
    line=$(grep -E '^error_code=' <<<"$RAW_OUT") || fail "initpid $*: no answer: $RAW_OUT"
    PID_ERR=$(sed -E 's/^error_code=(-?[0-9]+) .*/\1/' <<<"$line")
    PID=$(sed -E 's/.* producer_id=(-?[0-9]+) .*/\1/' <<<"$line")
    PID_EPOCH=$(sed -E 's/.* producer_epoch=(-?[0-9]+)$/\1/' <<<"$line")
}

# produce PID EPOCH SEQ COUNT WANT: one idempotent batch to idem-0 whose
# answer must be the line WANT.
produce() {
    raw idem idem "$1" "$2" "$3" "$4"
    grep -qxF -- "$5" <<<"$RAW_OUT" ||
        fail "produce pid=$1 epoch=$2 seq=$3 count=$4: want '$5', got: $RAW_OUT"
}

# stored: "offset value" of every record of idem-0.
stored() { kcat_b -C -t idem -p 0 -o beginning -e -f '%o %s\n'; }

start_broker
create_topic idem 1

init_pid 0
[ "$PID_ERR" = 0 ] && [ "$PID" -ge 0 ] && [ "$PID_EPOCH" = 0 ] ||
    fail "InitProducerId v0: error $PID_ERR id $PID epoch $PID_EPOCH"
P=$PID
init_pid 4
[ "$PID_ERR" = 0 ] && [ "$PID" -ge 0 ] && [ "$PID" != "$P" ] ||
    fail "InitProducerId v4: error $PID_ERR id $PID (first id $P)"
P2=$PID
init_pid 2 my-txn
[ "$PID_ERR" = 53 ] && [ "$PID" = -1 ] ||
    fail "a transactional id should get TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53), got $PID_ERR"
[ -s "$BROKER_DATA/producer-id-block" ] || fail "producer-id-block was not written"

ok() { echo "partition=0 partition_error=0 base_offset=$1"; }
err() { echo "partition=0 partition_error=$1 base_offset=-1"; }
produce "$P" 0 0 3 "$(ok 0)"
produce "$P" 0 0 3 "$(ok 0)" # retry: the original offset
produce "$P" 0 3 2 "$(ok 3)"
produce "$P" 0 0 3 "$(ok 0)" # still one of the last 5
produce "$P" 0 7 1 "$(err 45)"
produce "$P" 0 3 2 "$(ok 3)"
produce "$P" 1 5 1 "$(err 45)" # a new epoch starts at 0
produce "$P" 1 0 1 "$(ok 5)"
produce "$P" 0 5 1 "$(err 47)" # the old epoch is fenced
produce "$P2" 0 0 1 "$(ok 6)"  # another producer is independent
want=$'0 v0\n1 v1\n2 v2\n3 v3\n4 v4\n5 v0\n6 v0'
got=$(stored) || fail "kcat could not read idem"
[ "$got" = "$want" ] || fail "idem-0 should hold each batch once: got
$got"

kill9_broker
restart_broker
produce "$P" 1 0 1 "$(ok 5)" # rebuilt from the log: still a duplicate
produce "$P2" 0 0 1 "$(ok 6)"
produce "$P" 0 5 1 "$(err 47)"
produce "$P" 1 2 1 "$(err 45)"
produce "$P" 1 1 2 "$(ok 7)"
got=$(stored) || fail "kcat could not read idem after the restart"
[ "$got" = "$want"$'\n7 v1\n8 v2' ] || fail "idem-0 after kill -9 and retries: got
$got"
init_pid 3
[ "$PID_ERR" = 0 ] && [ "$PID" -ge 1000 ] ||
    fail "after a restart ids must come from a new block (>= 1000), got $PID (error $PID_ERR)"

# librdkafka with enable.idempotence=true, acks=all.
create_topic idemrdk 3
rdk produce -t idemrdk -n 3000 -P 3 -s 5 -a all --idempotence -o "$T/acked" ||
    fail "idempotent librdkafka produce failed"
sort_canon "$T/acked" | cut -d ' ' -f 1-5 >"$T/exp"
rdk consume -t idemrdk -o "$T/got" -T 120000 || fail "consume idemrdk"
sort_canon "$T/got" >"$T/got.sorted"
same_file "$T/exp" "$T/got.sorted" "idempotent librdkafka data read back"
dump=$("$STRAND_CLI" log dump "$BROKER_DATA/idemrdk-0") || fail "strand log dump idemrdk-0"
grep -q 'producerId: [0-9]' <<<"$dump" ||
    fail "librdkafka's batches should carry a producer id: $(head -n 3 <<<"$dump")"
stop_broker
log PASS
