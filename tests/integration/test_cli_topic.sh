#!/usr/bin/env bash
# test_cli_topic.sh - `strand topic create|list|describe|delete` against a
# real strand-broker: a round trip with configs and partitions, offsets
# (log start, high watermark, log end; text and --json) that move after kcat
# produces, and the error cases (exists, unknown,
# invalid name, delete twice).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cli_lib.sh"
need_bin "$STRAND"
need_bin "$BROKER_BIN"

broker_start "$CLI_TMP/data" || exit 1
B="127.0.0.1:$BROKER_PORT"

# create with partitions and configs
run_cli create -b "$B" topic create orders --partitions 3 --config retention.ms=60000 \
    --config cleanup.policy=delete
expect_rc create 0
expect_in create out "created topic 'orders'"

run_cli create_default topic create plain
expect_rc create_default 0

# the same name again
run_cli exists -b "$B" topic create orders
expect_rc exists 1
expect_in exists err "topic 'orders' already exists \(TOPIC_ALREADY_EXISTS\)"

# an invalid name
run_cli badname topic create 'no/slashes here'
expect_rc badname 1
expect_in badname err "INVALID_TOPIC_EXCEPTION"

# list (sorted, one a line); -b comes from STRAND_BROKERS here
run_cli list topic list
expect_rc list 0
expect_in list out '^orders$'
expect_in list out '^plain$'
[ "$(grep -n '^orders$' "$CLI_TMP/list.out" | cut -d: -f1)" -lt \
    "$(grep -n '^plain$' "$CLI_TMP/list.out" | cut -d: -f1)" ] || fail "list: not sorted"

# describe: three partitions, empty logs, the configs we set
run_cli describe topic describe orders
expect_rc describe 0
expect_in describe out '^topic orders  partitions 3  replication-factor 1'
for pidx in 0 1 2; do
    expect_in describe out "^  partition $pidx  leader [0-9]+  epoch 0  replicas \[[0-9]+\]  isr \[[0-9]+\]  log-start 0  high-watermark 0  log-end 0$"
done
expect_in describe out '^    retention.ms = 60000  \(topic'
expect_in describe out '^    cleanup.policy = delete'
expect_not_in describe out '^topic plain'

# produce with kcat, then the log end offset of partition 1 moves
if command -v kcat >/dev/null; then
    printf 'a\nb\nc\n' | kcat -b "$B" -P -t orders -p 1 2>"$CLI_TMP/kcat.err" ||
        fail "kcat produce failed: $(cat "$CLI_TMP/kcat.err")"
    run_cli describe2 topic describe orders
    expect_rc describe2 0
    expect_in describe2 out '^  partition 1  .*  log-start 0  high-watermark 3  log-end 3$'
    expect_in describe2 out '^  partition 0  .*  log-end 0$'
    # --json: one object per topic and line, the same numbers
    run_cli describe_json topic describe orders --json
    expect_rc describe_json 0
    [ "$(wc -l <"$CLI_TMP/describe_json.out")" -eq 1 ] || fail "describe --json: not one line"
    expect_in describe_json out '^\{"topic":"orders","internal":false,"replication_factor":1,"partitions":\['
    expect_in describe_json out '\{"partition":1,"leader":[0-9]+,"leader_epoch":0,"replicas":\[[0-9]+\],"isr":\[[0-9]+\],"log_start_offset":0,"high_watermark":3,"log_end_offset":3,"error":null,"offsets_error":null\}'
    expect_in describe_json out '"configs":\[.*\{"name":"retention.ms","value":"60000","source":"topic","read_only":false,"sensitive":false\}'
    if command -v node >/dev/null; then
        got=$(node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
                       console.log(d.partitions.map(p => p.high_watermark).join(","))' \
            "$CLI_TMP/describe_json.out" 2>&1) || fail "describe --json is not JSON: $got"
        [ "$got" = "0,3,0" ] || fail "describe --json high watermarks: '$got', expected 0,3,0"
    fi
fi

# describe with no names covers every topic
run_cli describe_all topic describe
expect_rc describe_all 0
expect_in describe_all out '^topic orders '
expect_in describe_all out '^topic plain '

# unknown topics fail, known ones are still shown
run_cli describe_unknown topic describe nosuch orders
expect_rc describe_unknown 1
expect_in describe_unknown err "topic 'nosuch' does not exist \(UNKNOWN_TOPIC_OR_PARTITION\)"
expect_in describe_unknown out '^topic orders '
run_cli list_after topic list
expect_not_in list_after out '^nosuch$'

# delete, then it is gone, and deleting again is an error
run_cli delete topic delete orders plain
expect_rc delete 0
expect_in delete out "deleted topic 'orders'"
expect_in delete out "deleted topic 'plain'"
run_cli list_gone topic list
expect_rc list_gone 0
expect_not_in list_gone out '^orders$'
run_cli delete_again topic delete orders
expect_rc delete_again 1
expect_in delete_again err "topic 'orders' does not exist"

finish
