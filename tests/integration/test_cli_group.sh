#!/usr/bin/env bash
# test_cli_group.sh - `strand group list|describe|reset-offsets|delete`
# against a real strand-broker, with kcat's balanced consumer (-G, i.e.
# librdkafka's group member, which commits on close) making a group with
# committed offsets: list and describe (offsets and lag match what was
# produced and consumed; members and assignment while kcat runs, Stable;
# Empty after it left), reset-offsets dry run changes nothing, --execute for
# every target (checked with describe and by consuming from the group
# again), refusals while a member is active, a static member's instance
# id, delete, and the error cases.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cli_lib.sh"
need_bin "$STRAND"
need_bin "$BROKER_BIN"
KCAT=$(command -v kcat) || {
    echo "FAIL: kcat is missing (scripts/install-deps.sh installs it)" >&2
    exit 1
}
NODE=$(command -v node) || {
    echo "FAIL: node is missing (scripts/install-deps.sh installs it)" >&2
    exit 1
}

# json_eval FILE EXPR: parse FILE as one JSON document (failing on invalid
# JSON) and print the JavaScript expression EXPR over it (named d).
json_eval() {
    "$NODE" -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
                console.log(eval(process.argv[2]))' "$1" "$2" 2>&1
}

broker_start "$CLI_TMP/data" || exit 1
B="127.0.0.1:$BROKER_PORT"
KCAT_PID=""
STATIC_PID=""
# stop kcat members still running, then the usual cleanup (which exits
# with the status the test had)
status_is() { return "$1"; }
group_cleanup() {
    local rc=$?
    if [ "$BASHPID" = "$CLI_MAIN_PID" ]; then
        [ -z "$KCAT_PID" ] || stop_pid "$KCAT_PID" 20
        [ -z "$STATIC_PID" ] || stop_pid "$STATIC_PID" 20
    fi
    status_is "$rc"
    cli_cleanup
}
trap group_cleanup EXIT

now_ms() { date +%s%3N; }

# produce_to PARTITION FIRST LAST: the numbers FIRST..LAST as messages
produce_to() {
    seq "$2" "$3" | "$KCAT" -b "$B" -P -t orders -p "$1" 2>"$CLI_TMP/kcat_p.err" ||
        fail "kcat produce to partition $1 failed: $(cat "$CLI_TMP/kcat_p.err")"
}

# group_drain GROUP NAME: consume `orders` as member of GROUP from its
# committed offsets (earliest without) to the end of every partition; kcat
# commits on close. Lines "partition offset" go to $CLI_TMP/NAME.out.
group_drain() {
    "$KCAT" -b "$B" -G "$1" -X auto.offset.reset=earliest -X session.timeout.ms=6000 \
        -e -q -f '%p %o\n' orders >"$CLI_TMP/$2.out" 2>"$CLI_TMP/$2.err" &
    local pid=$!
    if ! wait_pid "$pid" 60; then
        fail "$2: kcat -G $1 did not reach the end within 60 s"
    elif [ "$STOP_STATUS" -ne 0 ]; then
        fail "$2: kcat -G $1 exited with $STOP_STATUS: $(cat "$CLI_TMP/$2.err")"
    fi
}

# await_describe NAME GROUP REGEX SECONDS: describe GROUP until its stdout
# matches REGEX (polled, bounded).
await_describe() {
    local name=$1 group=$2 re=$3 deadline=$((SECONDS + $4))
    while :; do
        run_cli "$name" group describe "$group"
        if grep -Eq -- "$re" "$CLI_TMP/$name.out"; then
            return 0
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            fail "$name: describe $group did not show /$re/ within $4 s"
            sed 's/^/    stdout: /' "$CLI_TMP/$name.out" >&2
            sed 's/^/    stderr: /' "$CLI_TMP/$name.err" >&2
            return 1
        fi
        sleep 0.2
    done
}

# expect_row NAME TOPIC PARTITION COLUMNS...: a table row of run NAME
expect_row() {
    local name=$1 re="^$2 +$3"
    shift 3
    for c in "$@"; do
        re="$re +$c"
    done
    expect_in "$name" out "$re\$"
}

run_cli create topic create orders --partitions 3
expect_rc create 0

# 10 messages in every partition, then a moment T1 before anything later
for p in 0 1 2; do
    produce_to "$p" 1 10
done
T1=$(now_ms)
while [ "$(now_ms)" -le "$T1" ]; do :; done

# group g1 reads all 30 and commits 10/10/10 on close
group_drain g1 drain1
n=$(wc -l <"$CLI_TMP/drain1.out")
[ "$n" -eq 30 ] || fail "drain1: kcat -G g1 read $n messages, expected 30"
# kcat commits, then leaves: once the group is Empty its commits are in
await_describe drained1 g1 '^STATE +Empty$' 30

# 5 more in partition 0, after T1: lag 5 there
produce_to 0 11 15

# --- list and describe of an empty group -------------------------------------
run_cli list group list
expect_rc list 0
expect_in list out '^GROUP +STATE +PROTOCOL-TYPE +COORDINATOR$'
expect_in list out '^g1 +Empty +consumer +[0-9]+$'

run_cli list_json group list --json
expect_rc list_json 0
st=$(json_eval "$CLI_TMP/list_json.out" \
    'd.groups.filter(g => g.group === "g1").map(g => g.state + " " + g.protocol_type).join()')
[ "$st" = "Empty consumer" ] || fail "list --json: g1 is '$st', expected 'Empty consumer'"

run_cli empty group describe g1
expect_rc empty 0
expect_in empty out '^GROUP +g1$'
expect_in empty out '^STATE +Empty$'
expect_in empty out '^PROTOCOL +consumer'
expect_in empty out '^MEMBERS +0$'
expect_in empty out '^\(no active members\)$'
expect_in empty out '^TOPIC +PARTITION +COMMITTED +LOG-END +LAG +MEMBER-ID$'
expect_row empty orders 0 10 15 5 -
expect_row empty orders 1 10 10 0 -
expect_row empty orders 2 10 10 0 -

run_cli empty_json group describe g1 --json
expect_rc empty_json 0
got=$(json_eval "$CLI_TMP/empty_json.out" '[d.state, d.members.length,
    d.offsets.reduce((s, o) => s + o.lag, 0),
    d.offsets.map(o => o.partition + ":" + o.committed + ":" + o.log_end).join()].join(" ")')
[ "$got" = "Empty 0 5 0:10:15,1:10:10,2:10:10" ] ||
    fail "describe --json: got '$got', expected 'Empty 0 5 0:10:15,1:10:10,2:10:10'"

# --- reset-offsets -------------------------------------------------------------
# the default is a dry run: a plan, nothing committed
run_cli dry group reset-offsets g1 --topic orders --to-earliest
expect_rc dry 0
expect_in dry out '^TOPIC +PARTITION +CURRENT +NEW +LOG-START +LOG-END +NOTE$'
expect_row dry orders 0 10 0 0 15 -
expect_row dry orders 2 10 0 0 10 -
expect_in dry out '^dry run: nothing was changed'
run_cli after_dry group describe g1
expect_row after_dry orders 0 10 15 5 -
expect_row after_dry orders 1 10 10 0 -

# --to-earliest
run_cli earliest group reset-offsets g1 --topic orders --to-earliest --execute
expect_rc earliest 0
expect_in earliest out "^committed new offsets for 3 partitions of group 'g1'$"
run_cli d_earliest group describe g1
expect_row d_earliest orders 0 0 15 15 -
expect_row d_earliest orders 1 0 10 10 -
expect_row d_earliest orders 2 0 10 10 -

# --to-latest
run_cli latest group reset-offsets g1 --all-topics --to-latest --execute
expect_rc latest 0
run_cli d_latest group describe g1
expect_row d_latest orders 0 15 15 0 -
expect_row d_latest orders 1 10 10 0 -
expect_row d_latest orders 2 10 10 0 -

# --to-offset on a partition list, clamped to the log end where needed
run_cli offset group reset-offsets g1 --topic orders:0,1 --to-offset 12 --execute
expect_rc offset 0
expect_row offset orders 0 15 12 0 15 -
expect_row offset orders 1 10 10 0 10 'clamped to the log end \(wanted 12\)'
expect_not_in offset out '^orders +2 '
run_cli d_offset group describe g1
expect_row d_offset orders 0 12 15 3 -
expect_row d_offset orders 1 10 10 0 -
expect_row d_offset orders 2 10 10 0 -

# --to-datetime: T1+1 ms is after the first 10 of each partition, so
# partition 0 goes to 10 and the others (nothing that late) to their end
run_cli back group reset-offsets g1 --all-topics --to-earliest --execute
expect_rc back 0
T=$((T1 + 1))
ISO=$(date -u -d "@$((T / 1000)).$(printf '%03d' $((T % 1000)))" +%Y-%m-%dT%H:%M:%S.%3NZ)
ISO_OFF=$(TZ=Etc/GMT-1 date -d "@$((T / 1000)).$(printf '%03d' $((T % 1000)))" \
    +%Y-%m-%dT%H:%M:%S.%3N%:z)
for form in "$T" "$ISO_OFF"; do
    run_cli dt_dry group reset-offsets g1 --topic orders --to-datetime "$form"
    expect_rc dt_dry 0
    expect_row dt_dry orders 0 0 10 0 15 -
    expect_row dt_dry orders 1 0 10 0 10 'no message at or after that time: log end'
done
run_cli datetime group reset-offsets g1 --topic orders --to-datetime "$ISO" --execute
expect_rc datetime 0
run_cli d_datetime group describe g1
expect_row d_datetime orders 0 10 15 5 -
expect_row d_datetime orders 1 10 10 0 -
expect_row d_datetime orders 2 10 10 0 -

# --shift-by, then the group really resumes there: 8 + 3 + 3 messages
run_cli shift group reset-offsets g1 --all-topics --shift-by -3 --execute
expect_rc shift 0
expect_row shift orders 0 10 7 0 15 -
group_drain g1 drain2
n=$(wc -l <"$CLI_TMP/drain2.out")
[ "$n" -eq 14 ] || fail "drain2: read $n messages after --shift-by -3, expected 14"
first0=$(grep -m1 '^0 ' "$CLI_TMP/drain2.out")
[ "$first0" = "0 7" ] || fail "drain2: first message of partition 0 is '$first0', expected '0 7'"
await_describe drained2 g1 '^STATE +Empty$' 30
run_cli d_drain2 group describe g1
expect_row d_drain2 orders 0 15 15 0 -

# offsets for a group that does not exist yet (state Dead) can be set...
run_cli preset group reset-offsets g2 --topic orders:1 --to-offset 4 --execute
expect_rc preset 0
run_cli d_preset group describe g2
expect_rc d_preset 0
expect_row d_preset orders 1 4 10 6 -
# ...but not shifted: nothing is committed there
run_cli noshift group reset-offsets g2 --topic orders --shift-by 1 --execute
expect_rc noshift 1
expect_in noshift err 'cannot shift 2 partitions'
expect_in noshift out 'no committed offset to shift'
run_cli d_noshift group describe g2
expect_not_in d_noshift out '^orders +0 '

# --- an active member ------------------------------------------------------------
"$KCAT" -b "$B" -G g1 -X session.timeout.ms=6000 -q -f '%p %o\n' orders \
    >"$CLI_TMP/member.out" 2>"$CLI_TMP/member.err" &
KCAT_PID=$!
# and a static member (group.instance.id) of another group, joining meanwhile
"$KCAT" -b "$B" -G gs -X group.instance.id=static-1 -X session.timeout.ms=6000 -q \
    -f '%p %o\n' orders >"$CLI_TMP/static.out" 2>"$CLI_TMP/static.err" &
STATIC_PID=$!
await_describe active g1 '^STATE +Stable$' 30
await_describe active g1 ' orders:0,1,2$' 30
expect_in active out '^MEMBERS +1$'
expect_in active out '^MEMBER-ID +INSTANCE-ID +CLIENT-ID +HOST +ASSIGNMENT$'
expect_in active out '^[^ ]+ +- +[^ ]+ +[^ ]+ +orders:0,1,2$'
member=$(awk '/^MEMBER-ID/ {getline; print $1}' "$CLI_TMP/active.out")
[ -n "$member" ] || fail "active: no member id"
expect_row active orders 0 15 15 0 "$member"
expect_row active orders 2 10 10 0 "$member"

run_cli active_json group describe g1 --json
got=$(json_eval "$CLI_TMP/active_json.out" \
    'd.members.map(m => m.assignment.map(a => a.topic + ":" + a.partitions.join()).join(" ")).join()')
[ "$got" = "orders:0,1,2" ] || fail "describe --json: assignment '$got', expected orders:0,1,2"

run_cli list_active group list
expect_in list_active out '^g1 +Stable +consumer '

await_describe static gs ' orders:0,1,2$' 30
expect_in static out '^[^ ]+ +static-1 +[^ ]+ +[^ ]+ +orders:0,1,2$'
run_cli static_json group describe gs --json
got=$(json_eval "$CLI_TMP/static_json.out" 'd.members.map(m => m.group_instance_id).join()')
[ "$got" = "static-1" ] || fail "describe --json: group_instance_id '$got', expected static-1"
# a static member does not leave on close (its session timeout removes it)
stop_pid "$STATIC_PID" 20 || fail "kcat -G gs did not exit within 20 s of SIGTERM"
STATIC_PID=""

run_cli refuse group reset-offsets g1 --topic orders --to-earliest --execute
expect_rc refuse 1
expect_in refuse err "cannot reset the offsets of group 'g1': it is Stable with 1 member"
run_cli refuse_dry group reset-offsets g1 --topic orders --to-earliest
expect_rc refuse_dry 1

run_cli del_busy group delete g1
expect_rc del_busy 1
expect_in del_busy err "cannot delete group 'g1': it is Stable with 1 member \(NON_EMPTY_GROUP"

# the member leaves: Empty again, and then it can go
stop_pid "$KCAT_PID" 20 || fail "kcat -G did not exit within 20 s of SIGTERM"
KCAT_PID=""
await_describe left g1 '^STATE +Empty$' 30
expect_in left out '^MEMBERS +0$'
expect_row left orders 0 15 15 0 -

run_cli del group delete g1 g2
expect_rc del 0
expect_in del out "^deleted group 'g1'$"
expect_in del out "^deleted group 'g2'$"
run_cli list_gone group list
expect_rc list_gone 0
expect_not_in list_gone out '^g1 '
run_cli gone group describe g1
expect_rc gone 1
expect_in gone err "group 'g1' does not exist"

# --- errors ----------------------------------------------------------------------
run_cli nosuch group describe nosuch
expect_rc nosuch 1
expect_in nosuch err "group 'nosuch' does not exist"
run_cli del_nosuch group delete nosuch
expect_rc del_nosuch 1
expect_in del_nosuch err "nosuch"
run_cli unknown_topic group reset-offsets g3 --topic nope --to-earliest
expect_rc unknown_topic 1
expect_in unknown_topic err "topic 'nope' does not exist"
run_cli bad_part group reset-offsets g3 --topic orders:7 --to-earliest
expect_rc bad_part 1
expect_in bad_part err "topic 'orders' has no partition 7"
run_cli no_commits group reset-offsets g3 --all-topics --to-earliest
expect_rc no_commits 1
expect_in no_commits err "has no committed offsets"
run_cli down group describe g1 -b 127.0.0.1:1 --timeout 2000
expect_rc down 1
expect_in down err 'cannot connect to 127.0.0.1:1'
run_cli no_target group reset-offsets g1 --topic orders
expect_rc no_target 2
run_cli two_targets group reset-offsets g1 --topic orders --to-earliest --to-latest
expect_rc two_targets 2
run_cli bad_date group reset-offsets g1 --topic orders --to-datetime 2026-02-30T00:00:00Z
expect_rc bad_date 2
expect_in bad_date err 'to-datetime needs an ISO 8601 time'
run_cli bad_spec group reset-offsets g1 --topic orders:x --to-earliest
expect_rc bad_spec 2
run_cli no_group group describe
expect_rc no_group 2
run_cli help group reset-offsets --help
expect_rc help 0
for f in --topic --all-topics --to-earliest --to-latest --to-offset --to-datetime --shift-by \
    --execute --dry-run; do
    expect_in help out -- "$f"
done

finish
