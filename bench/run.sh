#!/usr/bin/env bash
# bench/run.sh BUILD_DIR - Strand's benchmarks (`make bench`).
#
#   1. the partition log alone (bench_log_append) next to raw write()+fsync
#      of the same bytes on the same disk, in the same run;
#   2. end to end: a broker started here, librdkafka (rdk_perf) producing
#      1,000,000 100-byte messages with acks=1, uncompressed and lz4, then
#      consuming them back;
#   4. libstrand against librdkafka on that same broker in the same run:
#      `strand perf produce` / `strand perf consume` next to rdk_perf with
#      the same settings, for BENCH_CLIENT_COUNTS messages (default 1M and
#      10M), none and lz4; msgs/s, MB/s, p99 latency and the ratio
#      libstrand / librdkafka;
#   5. consumer groups (group_bench): a 3-member group with auto-commit on
#      a 6-partition topic of BENCH_GROUP_MSGS (default 1000000) 100-byte
#      records, libstrand and librdkafka's high-level consumer alternating,
#      BENCH_GROUP_RUNS (default 3) runs each: join time, msgs/s and the
#      rebalance cost when a 4th member joins; medians and ratios.
# Prints the machine, the exact commands and the figures; also saved to
# BUILD_DIR/bench-results.txt. Knobs: BENCH_LOG_MB (default 1024),
# BENCH_MSGS (default 1000000), BENCH_PARTITIONS (default 4),
# BENCH_CLIENT_COUNTS (default "1000000 10000000"; "" skips section 4),
# BENCH_CLUSTER_MSGS (default 2000000), BENCH_SECTIONS (default
# "1 2 4 5 6").
set -uo pipefail
BUILD=${1:-build}
BUILD=$(cd "$BUILD" && pwd) || { echo "bench: no build dir $1" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
export STRAND_BROKER=$BUILD/bin/strand-broker
LOG_MB=${BENCH_LOG_MB:-1024}
MSGS=${BENCH_MSGS:-1000000}
PARTS=${BENCH_PARTITIONS:-4}
CLIENT_COUNTS=${BENCH_CLIENT_COUNTS-1000000 10000000}
SECTIONS=${BENCH_SECTIONS:-1 2 4 5 6}
CLUSTER_MSGS=${BENCH_CLUSTER_MSGS:-2000000}
GROUP_MSGS=${BENCH_GROUP_MSGS:-1000000}
GROUP_RUNS=${BENCH_GROUP_RUNS:-3}
has_section() { case " $SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }
OUT=$BUILD/bench-results.txt

ITEST_NAME=bench
. "$HERE/../tests/integration/lib.sh"
for b in "$BUILD/bin/bench_log_append" "$BUILD/bin/rdk_perf" "$BUILD/bin/strand" "$BUILD/bin/group_bench"; do
    [ -x "$b" ] || { echo "bench: $b is missing (cmake --build $BUILD)" >&2; exit 2; }
done
# The scratch data lives in the build dir, on the disk the broker would use.
export TMPDIR=$BUILD
itest_init

: >"$OUT"
say() { printf '%s\n' "$*" | tee -a "$OUT"; }
run() {
    say "\$ $*"
    "$@" 2>>"$ITEST_TMP/bench.err" | tee -a "$OUT"
    local rc=${PIPESTATUS[0]}
    [ "$rc" -eq 0 ] || { say "(exit status $rc)"; tail -n 5 "$ITEST_TMP/bench.err" >&2; }
    return "$rc"
}

say "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
say "commit: $(git -C "$HERE/.." rev-parse --short HEAD 2>/dev/null || echo unknown)"
say "cpu: $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
say "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
dev=$(df --output=source "$BUILD" | tail -n 1)
say "disk: $dev, filesystem $(df --output=fstype "$BUILD" | tail -n 1) ($(lsblk -dno NAME,MODEL,ROTA,SIZE "$dev" 2>/dev/null | tr -s ' ' || echo 'no lsblk info'))"
say "kernel: $(uname -r)"
say ""

if has_section 1; then
say "## 1. log append vs raw disk ($LOG_MB MB of 100-byte records in 16 KiB batches)"
run "$BUILD/bin/bench_log_append" -d "$ITEST_TMP" -m "$LOG_MB" -r 100 -b 16384
say ""
fi

start_broker
say "broker: $STRAND_BROKER --listen $BROKER_ADDR --data-dir <tmp>"
if has_section 2; then
say "## 2. end to end, librdkafka $(pkg-config --modversion rdkafka 2>/dev/null), $MSGS x 100 B, acks=1, $PARTS partitions"
for codec in none lz4; do
    run "$BUILD/bin/rdk_perf" produce -b "$BROKER_ADDR" -t "perf-$codec" -n "$MSGS" -s 100 -a 1 \
        -z "$codec" -P "$PARTS"
    run "$BUILD/bin/rdk_perf" consume -b "$BROKER_ADDR" -t "perf-$codec" -n "$MSGS"
done
say "data on disk: $(du -sh "$BROKER_DATA" | cut -f1)"
say ""
fi

# 4. libstrand vs librdkafka, same broker, same settings: acks=1,
# linger.ms=5, a 1,000,000-message queue, 100-byte text-like values (the
# same filler in both), PARTS partitions round robin, consumers from the
# beginning to the end of every partition with fetch.max.wait.ms=100, both
# reading the same topic (the one librdkafka wrote, so the batches are
# byte-identical for both consumers). The
# clients alternate so that background load hits both alike. Each topic is
# deleted after it was read back, to bound disk use (10M x 100 B = 1 GB).
if has_section 4 && [ -n "$CLIENT_COUNTS" ]; then
say "## 4. libstrand vs librdkafka, $PARTS partitions, 100 B values, acks=1"
for n in $CLIENT_COUNTS; do
    for codec in none lz4; do
        rt="rdk-$codec-$n" st="strand-$codec-$n"
        run "$BUILD/bin/strand" -b "$BROKER_ADDR" topic create "$st" --partitions "$PARTS" >/dev/null
        run "$BUILD/bin/rdk_perf" produce -b "$BROKER_ADDR" -t "$rt" -n "$n" -s 100 -a 1 \
            -z "$codec" -P "$PARTS"
        run "$BUILD/bin/strand" -b "$BROKER_ADDR" perf produce --topic "$st" --num-records "$n" \
            --record-size 100 --acks 1 --compression "$codec" --linger-ms 5 --partitions "$PARTS" \
            -X queue.buffering.max.messages=1000000
        run "$BUILD/bin/rdk_perf" consume -b "$BROKER_ADDR" -t "$rt" -n "$n"
        run "$BUILD/bin/strand" -b "$BROKER_ADDR" perf consume --topic "$rt" --fetch-max-wait-ms 100
        "$BUILD/bin/strand" -b "$BROKER_ADDR" topic delete "$rt" "$st" >/dev/null 2>&1
    done
done
say ""
say "## 4b. ratios libstrand / librdkafka (higher is better for libstrand; latency: lower)"
awk '
/^\$ / { key = "" } # only the commands of this section (topics rdk-* / strand-*) count
/^\$ .*rdk_perf produce .* -t rdk-/ { split($0, a, " -t "); split(a[2], b, " "); key = b[1]; sub(/^rdk-/, "", key); side = "rp" }
/^\$ .*strand .*perf produce.* --topic strand-/ { split($0, a, " --topic "); split(a[2], b, " "); key = b[1]; sub(/^strand-/, "", key); side = "sp" }
/^\$ .*rdk_perf consume .* -t (rdk|strand)-/ { split($0, a, " -t "); split(a[2], b, " "); key = b[1]; sub(/^(rdk|strand)-/, "", key); side = "rc" }
/^\$ .*strand .*perf consume.* --topic (rdk|strand)-/ { split($0, a, " --topic "); split(a[2], b, " "); key = b[1]; sub(/^(rdk|strand)-/, "", key); side = "sc" }
key == "" { next }
/^produce msgs=/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "msgs_per_s") rate[key, "rp"] = kv[2]; if (kv[1] == "lat_p99_ms") p99[key, "rp"] = kv[2] } keys[key] = 1 }
/^consume msgs=/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "msgs_per_s") rate[key, "rc"] = kv[2] } }
/ records sent, / { rate[key, "sp"] = $8 }
/^latency ms:/ { p = $8; sub(",", "", p); p99[key, "sp"] = p }
/ records consumed, / { rate[key, "sc"] = $6 }
END {
    printf "%-22s %14s %14s %7s %12s %12s %14s %14s %7s\n", "messages-codec", "rdk prod/s", "strand prod/s", "ratio", "rdk p99 ms", "strand p99", "rdk cons/s", "strand cons/s", "ratio"
    for (k in keys) {
        pr = (rate[k, "rp"] > 0) ? rate[k, "sp"] / rate[k, "rp"] : 0
        cr = (rate[k, "rc"] > 0) ? rate[k, "sc"] / rate[k, "rc"] : 0
        printf "%-22s %14s %14s %7.2f %12s %12s %14s %14s %7.2f\n", k, rate[k, "rp"], rate[k, "sp"], pr, p99[k, "rp"], p99[k, "sp"], rate[k, "rc"], rate[k, "sc"], cr
    }
}' "$OUT" | tee -a "$OUT.ratios4"
cat "$OUT.ratios4" >>"$OUT"
rm -f "$OUT.ratios4"
say ""
fi

# 5. Consumer groups: the same 6-partition topic read by a fresh 3-member
# group per run (auto-commit on, session 10 s, heartbeat 1 s), the two
# clients alternating; then a 4th member joins and the time until every
# member runs the new assignment is the rebalance cost.
if has_section 5 && [ -x "$BUILD/bin/group_bench" ]; then
say "## 5. consumer groups: 3 members, 6 partitions, $GROUP_MSGS x 100 B, auto-commit"
run "$BUILD/bin/rdk_perf" produce -b "$BROKER_ADDR" -t bench-group -n "$GROUP_MSGS" -s 100 -a 1 \
    -z none -P 6 >/dev/null
for i in $(seq 1 "$GROUP_RUNS"); do
    for client in strand rdk; do
        run "$BUILD/bin/group_bench" -b "$BROKER_ADDR" -t bench-group -n "$GROUP_MSGS" -P 6 \
            -m 3 -c "$client"
    done
done
say ""
say "## 5b. medians and ratios libstrand / librdkafka (msgs/s: higher is better; seconds: lower)"
awk '
/^client=/ { c = $1; sub("client=", "", c); for (i = 2; i <= NF; i++) { split($i, kv, "="); v[c, kv[1], ++n[c, kv[1]]] = kv[2] } }
function med(c, k,    m, i, j, t, a) {
    m = n[c, k]; for (i = 1; i <= m; i++) a[i] = v[c, k, i] + 0
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return m ? a[int((m + 1) / 2)] : 0
}
END {
    split("msgs_per_s join_s rebalance_s", ks, " ")
    printf "%-12s %14s %14s %7s\n", "median", "librdkafka", "libstrand", "ratio"
    for (i = 1; i <= 3; i++) {
        r = med("librdkafka", ks[i]); s = med("libstrand", ks[i])
        printf "%-12s %14.3f %14.3f %7.2f\n", ks[i], r, s, (r > 0 ? s / r : 0)
    }
}' "$OUT" | tee -a "$OUT.ratios5"
cat "$OUT.ratios5" >>"$OUT"
rm -f "$OUT.ratios5"
say ""
fi

# 6. Replication factor 3 against standalone, both clients, acks=1 and
# acks=all: first on the standalone broker above, then on three cluster
# brokers (one ZooKeeper) sharing the same cores. Topic names carry the
# case (c6-MODE-CLIENT-ACKS) for the table below.
c6_produce() { # MODE ADDR CLIENT ACKS
    local t="c6-$1-$3-$4" rf=1 x
    [ "$1" = sa ] || rf=3
    for x in "$t" "$t-paced"; do
        [ "$x" = "$t" ] || [ "$3" = strand ] || continue
        run "$BUILD/bin/strand" -b "$2" topic create "$x" --partitions 3 --replication-factor "$rf" \
            >/dev/null || return 1
        # Warm-up: one acks=all record per partition returns once every
        # follower fetches the new partitions, so the figures below are the
        # steady state, not the first fetch round (see docs/BENCHMARKS.md §5).
        "$BUILD/bin/rdk_perf" produce -b "$2" -t "$x" -n 3 -s 100 -a all -z none -P 3 \
            >/dev/null 2>&1 || return 1
    done
    if [ "$3" = rdk ]; then
        run "$BUILD/bin/rdk_perf" produce -b "$2" -t "$t" -n "$CLUSTER_MSGS" -s 100 -a "$4" -z none -P 3
    else
        run "$BUILD/bin/strand" -b "$2" perf produce --topic "$t" --num-records "$CLUSTER_MSGS" \
            --record-size 100 --acks "$4" --partitions 3
        run "$BUILD/bin/strand" -b "$2" perf produce --topic "$t-paced" --num-records 100000 \
            --record-size 100 --acks "$4" --partitions 3 --throughput 20000
    fi
    "$BUILD/bin/strand" -b "$2" topic delete "$t" "$t-paced" >/dev/null 2>&1
}
if has_section 6; then
say "## 6. replication factor 3 vs standalone: $CLUSTER_MSGS x 100 B, 3 partitions, no compression"
for acks in 1 all; do
    for client in strand rdk; do c6_produce sa "$BROKER_ADDR" "$client" "$acks"; done
done
fi
stop_broker
if has_section 6; then
. "$HERE/../tests/integration/zk_lib.sh"
start_zookeeper
for id in 1 2 3; do start_cluster_broker "$id" /bench; done
say "cluster: ZooKeeper $ZK_ADDR, brokers ${CB_ADDR[1]} ${CB_ADDR[2]} ${CB_ADDR[3]} (--zookeeper $ZK_ADDR/bench)"
for acks in 1 all; do
    for client in strand rdk; do c6_produce rf3 "${CB_ADDR[1]}" "$client" "$acks"; done
done
for id in 1 2 3; do stop_cluster_broker "$id"; done
stop_zookeeper
say ""
say "## 6b. RF=3 / standalone (records/s: higher is better; latency ms: lower)"
awk '
/^\$ .*(rdk_perf|perf) produce/ { key = $0; sub(/.* (-t|--topic) c6-/, "", key); sub(/ .*/, "", key) }
/^produce msgs=/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "msgs_per_s") r[key] = kv[2]; if (kv[1] == "lat_p50_ms") p50[key] = kv[2]; if (kv[1] == "lat_p99_ms") p99[key] = kv[2] } }
/ records sent, / { r[key] = $8 }
/^latency ms:/ { a = $4; b = $8; sub(",", "", a); sub(",", "", b); p50[key] = a; p99[key] = b }
END {
    printf "%-18s %12s %12s %7s %14s %14s\n", "client acks", "standalone/s", "RF=3/s", "ratio", "sa p50/p99", "RF=3 p50/p99"
    split("strand-1 strand-all rdk-1 rdk-all strand-1-paced strand-all-paced", cases, " ")
    for (i = 1; i <= 6; i++) {
        c = cases[i]; s = "sa-" c; f = "rf3-" c
        printf "%-18s %12s %12s %7.2f %14s %14s\n", c, r[s], r[f], (r[s] > 0 ? r[f] / r[s] : 0), p50[s] "/" p99[s], p50[f] "/" p99[f]
    }
}' "$OUT" | tee -a "$OUT.ratios6"
cat "$OUT.ratios6" >>"$OUT"
rm -f "$OUT.ratios6"
say ""
fi

# Ratios to the reference measured above: the disk's raw sequential write
# speed (without fsync, as the broker's default flush policy leaves data to
# the OS; and with fsync), from the same run.
if has_section 1 && has_section 2; then
say "## 3. ratios to the raw disk write speed of this run"
awk '
/^raw_write/       { raw = $3; rawf = $6 }
/^log_append/      { logw = $3; logf = $6 }
/^\$ / { nxt = "" } # only section 2 (topics perf-none / perf-lz4) counts
/^\$ .*rdk_perf produce .* -t perf-none / { nxt = "pn" } /^\$ .*rdk_perf consume .* -t perf-none / { nxt = "cn" }
/^\$ .*rdk_perf produce .* -t perf-lz4 /  { nxt = "pl" } /^\$ .*rdk_perf consume .* -t perf-lz4 /  { nxt = "cl" }
nxt != "" && /^(produce|consume) msgs=/ { for (i = 2; i <= NF; i++) if ($i ~ /^MB_per_s=/) { sub("MB_per_s=", "", $i); v[nxt] = $i } }
END {
    if (raw == 0) exit
    printf "log append          %8.1f MB/s  = %.2f x raw write, %.2f x raw write+fsync (with fsync: %.1f MB/s)\n", logw, logw / raw, logf / rawf, logf
    split("pn:produce none,cn:consume none,pl:produce lz4,cl:consume lz4", names, ",")
    for (k = 1; k <= 4; k++) {
        split(names[k], kv, ":")
        if (kv[1] in v) printf "%-19s %8.1f MB/s  = %.2f x raw write (payload bytes)\n", kv[2], v[kv[1]], v[kv[1]] / raw
    }
}' "$OUT" | tee -a "$OUT.ratios"
cat "$OUT.ratios" >>"$OUT"
rm -f "$OUT.ratios"
say ""
fi
say "saved to $OUT"
