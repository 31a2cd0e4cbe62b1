# zk_lib.sh - harness for cluster tests: a real ZooKeeper server and several
# strand-broker processes in cluster mode, on loopback.
#
# Source it after lib.sh:
#   . "${ITEST_LIB:-$(dirname "$0")/lib.sh}"
#   . "$(dirname "${ITEST_LIB:-$0}")/zk_lib.sh"
#   itest_init
#   start_zookeeper                 # sets ZK_PID ZK_PORT ZK_ADDR
#   start_cluster_broker 1 /chroot  # sets CB_PID[1] CB_ADDR[1] CB_PORT[1]
#   ...
#   await_cluster 3                 # every running broker lists 3 live brokers
#   stop_cluster_broker 1           # SIGTERM, exit status 0 required
#   kill9_cluster_broker 1          # SIGKILL (its ZooKeeper session expires later)
#   stop_zookeeper
#
# ZooKeeper is Debian's `zookeeper` package (a JRE): its server class is run
# directly with java on a generated zoo.cfg (temp dataDir, 127.0.0.1 and a
# free port, 4lw `ruok`/`srvr` allowed, admin server off, short ticks so
# session timeouts of a few seconds are allowed). Readiness is `ruok` ->
# `imok` polled with a deadline; a port taken between the check and the bind
# makes the server exit, and another port is tried. Every process is tracked
# by PID (lib.sh's cleanup kills it). Brokers are ready when they print that
# they registered in ZooKeeper.
#
# Environment: ZK_JAR (default /usr/share/java/zookeeper.jar), ZK_CONF_DIR
# (log4j config on the classpath, default /etc/zookeeper/conf),
# CLUSTER_SESSION_MS (brokers' zookeeper.session.timeout.ms, default 4000).

ZK_JAR=${ZK_JAR:-/usr/share/java/zookeeper.jar}
ZK_CONF_DIR=${ZK_CONF_DIR:-/etc/zookeeper/conf}
CLUSTER_SESSION_MS=${CLUSTER_SESSION_MS:-4000}
ZK_PID=""
ZK_PORT=""
ZK_ADDR=""
ZK_DIR=""
declare -A CB_PID CB_PORT CB_ADDR CB_DATA CB_ARGS CB_OUT

# Every broker's and ZooKeeper's recent output, for failure reports.
broker_tail() {
    local f
    for f in "$ITEST_TMP"/cb*.out "$ITEST_TMP"/zk.out; do
        [ -s "$f" ] || continue
        printf -- '--- last lines of %s ---\n' "$f" >&2
        tail -n 25 "$f" >&2
    done
}

# zk_cmd WORD: send a four-letter command, print the answer.
zk_cmd() {
    local fd ans=""
    exec {fd}<>"/dev/tcp/127.0.0.1/$ZK_PORT" 2>/dev/null || return 1
    printf '%s' "$1" >&"$fd"
    IFS= read -r -t 2 -u "$fd" ans
    exec {fd}>&-
    printf '%s\n' "$ans"
}

# A port nobody listens on now (the server may still lose a race for it).
zk_pick_port() {
    local p fd
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 40000))
        if exec {fd}<>"/dev/tcp/127.0.0.1/$p" 2>/dev/null; then
            exec {fd}>&-
            continue
        fi
        echo "$p"
        return 0
    done
    return 1
}

# start_zookeeper: a fresh server; ZK_ADDR=127.0.0.1:PORT.
start_zookeeper() {
    command -v java >/dev/null 2>&1 ||
        fail "java not found: install the zookeeper package (scripts/install-deps.sh)"
    [ -r "$ZK_JAR" ] || fail "ZooKeeper not found at $ZK_JAR: install the zookeeper package (scripts/install-deps.sh)"
    local attempt
    for attempt in 1 2 3 4 5; do
        ZK_DIR="$ITEST_TMP/zk"
        rm -rf "$ZK_DIR"
        mkdir -p "$ZK_DIR/data" || fail "mkdir $ZK_DIR"
        ZK_PORT=$(zk_pick_port) || fail "no free port for ZooKeeper"
        cat >"$ZK_DIR/zoo.cfg" <<EOF
tickTime=250
initLimit=10
syncLimit=5
dataDir=$ZK_DIR/data
clientPort=$ZK_PORT
clientPortAddress=127.0.0.1
minSessionTimeout=1000
maxSessionTimeout=60000
4lw.commands.whitelist=ruok,srvr,stat,mntr
admin.enableServer=false
maxClientCnxns=0
EOF
        java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
            -Dzookeeper.log.dir="$ZK_DIR" -Dzookeeper.root.logger=INFO,CONSOLE \
            -cp "$ZK_CONF_DIR:$ZK_JAR" org.apache.zookeeper.server.ZooKeeperServerMain \
            "$ZK_DIR/zoo.cfg" >>"$ITEST_TMP/zk.out" 2>&1 &
        ZK_PID=$!
        track_pid "$ZK_PID"
        local deadline=$(($(now_ms) + 60000)) ans
        while [ "$(now_ms)" -lt "$deadline" ]; do
            kill -0 "$ZK_PID" 2>/dev/null || break
            ans=$(zk_cmd ruok 2>/dev/null) || ans=""
            if [ "$ans" = imok ]; then
                ZK_ADDR="127.0.0.1:$ZK_PORT"
                log "zookeeper pid $ZK_PID on $ZK_ADDR"
                return 0
            fi
            sleep 0.1
        done
        if kill -0 "$ZK_PID" 2>/dev/null; then
            fail "ZooKeeper did not answer ruok within 60 s"
        fi
        wait "$ZK_PID" 2>/dev/null
        log "ZooKeeper exited at start (port $ZK_PORT taken?), attempt $attempt"
    done
    fail "ZooKeeper did not start (see $ITEST_TMP/zk.out)"
}

stop_zookeeper() {
    [ -n "$ZK_PID" ] || return 0
    kill -TERM "$ZK_PID" 2>/dev/null
    wait_pid_deadline "$ZK_PID" 30 || log "ZooKeeper had to be killed"
    ZK_PID=""
}

# start_cluster_broker ID CHROOT [EXTRA_ARGS...]: a broker of the cluster at
# $ZK_ADDR$CHROOT with its own data dir (kept across restarts), on a fresh
# port; waits until it has registered in ZooKeeper. A restart reuses the
# arguments of the first start when only ID is given.
start_cluster_broker() {
    local id=$1
    shift
    if [ $# -gt 0 ]; then
        local chroot=$1
        shift
        CB_ARGS[$id]="--zookeeper $ZK_ADDR$chroot --override zookeeper.session.timeout.ms=$CLUSTER_SESSION_MS $*"
    fi
    [ -n "${CB_DATA[$id]:-}" ] || CB_DATA[$id]="$ITEST_TMP/cb$id.data"
    CB_OUT[$id]="$ITEST_TMP/cb$id.out"
    local portfile="$ITEST_TMP/cb$id.port"
    rm -f "$portfile"
    printf -- '--- start %s ---\n' "$(date +%T)" >>"${CB_OUT[$id]}"
    # shellcheck disable=SC2086 # CB_ARGS is a word list on purpose
    START_MERGE_STDERR=1 start_process cbproc "$STRAND_BROKER" --broker-id "$id" \
        --listen 127.0.0.1:0 --data-dir "${CB_DATA[$id]}" --port-file "$portfile" ${CB_ARGS[$id]}
    CB_PID[$id]=$cbproc_PID
    local fd=$cbproc_FD rc=0
    await_line "$fd" '*registered in ZooKeeper as broker*' "$ITEST_START_TIMEOUT" "${CB_OUT[$id]}" ||
        rc=$?
    if [ "$rc" -ne 0 ]; then
        exec {fd}<&-
        fail "broker $id did not register in ZooKeeper (await status $rc)"
    fi
    drain_fd "$fd" "${CB_OUT[$id]}"
    CB_PORT[$id]=$(cat "$portfile")
    CB_ADDR[$id]="127.0.0.1:${CB_PORT[$id]}"
    log "broker $id pid ${CB_PID[$id]} on ${CB_ADDR[$id]}"
}

stop_cluster_broker() {
    local id=$1
    kill -TERM "${CB_PID[$id]}" 2>/dev/null || fail "broker $id is not running"
    wait_pid_deadline "${CB_PID[$id]}" "$ITEST_STOP_TIMEOUT" ||
        fail "broker $id did not exit within ${ITEST_STOP_TIMEOUT}s of SIGTERM"
    [ "$WAIT_STATUS" -eq 0 ] || fail "broker $id exited with status $WAIT_STATUS after SIGTERM"
    CB_PID[$id]=""
    log "broker $id stopped cleanly"
}

kill9_cluster_broker() {
    local id=$1
    kill -KILL "${CB_PID[$id]}" 2>/dev/null
    wait "${CB_PID[$id]}" 2>/dev/null
    CB_PID[$id]=""
    log "broker $id killed with SIGKILL"
}

# cluster_sees ID N: broker ID's Metadata lists N live brokers.
cluster_sees() {
    local out
    out=$("$STRAND_CLI" cluster -b "${CB_ADDR[$1]}" --timeout 5000 2>/dev/null) || return 1
    [[ $out == *$'\nbrokers '"$2"$'\n'* ]]
}

# await_cluster N [ID...]: wait until each broker ID (default: every running
# one) lists N live brokers. A broker learns of another through a watch on
# /brokers/ids, a little after that one registered; a topic created through
# it with replication factor N needs N brokers in its view.
await_cluster() {
    local n=$1 id
    shift
    local ids=("$@")
    if [ ${#ids[@]} -eq 0 ]; then
        for id in "${!CB_PID[@]}"; do [ -z "${CB_PID[$id]}" ] || ids+=("$id"); done
    fi
    for id in "${ids[@]}"; do
        wait_for 30 "broker $id lists $n live brokers" cluster_sees "$id" "$n"
    done
}

