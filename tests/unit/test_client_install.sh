#!/usr/bin/env bash
# test_client_install.sh BUILD_DIR C_COMPILER SANITIZE(ON|OFF)
#
# Installs the built project into a temporary prefix and builds a small
# program against the installed libstrand four ways: pkg-config shared,
# pkg-config static, find_package(Strand) with Strand::strand (shared) and
# Strand::strand_static. Each program creates a consumer and closes it, so
# the library's thread start and stop run from the installed copy.
set -euo pipefail

build=$1
cc=$2
sanitize=${3:-OFF}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/strand-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

for lib in libstrand.so libstrand.a; do
    [ -e "$build/lib/$lib" ] || fail "$build/lib/$lib is not built (build the strand_shared and strand_static targets)"
done

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "cmake --install"; }

[ -f "$prefix/include/strand/strand.h" ] || fail "strand/strand.h not installed"
pc=$(find "$prefix" -name strand.pc | head -1)
[ -n "$pc" ] || fail "strand.pc not installed"
cfg=$(find "$prefix" -name StrandConfig.cmake | head -1)
[ -n "$cfg" ] || fail "StrandConfig.cmake not installed"
libdir=$(dirname "$(dirname "$pc")")

# the shared library exports the public API only
leaked=$(nm -D --defined-only "$libdir/libstrand.so" | awk '$3 !~ /^(strand_|STRAND_0)/ {print $3}')
[ -z "$leaked" ] || fail "libstrand.so exports non-API symbols: $(echo $leaked | head -c 300)"
exported=$(nm -D --defined-only "$libdir/libstrand.so")
for sym in strand_conf_new strand_producer_send strand_consumer_poll strand_err_str; do
    [[ $exported == *" $sym@"* ]] || fail "libstrand.so lacks $sym"
done

extra=()
if [ "$sanitize" = ON ]; then
    extra=(-fsanitize=address,undefined)
fi

mkdir -p "$tmp/src"
cat >"$tmp/src/example.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <strand/strand.h>

int main(void) {
    char err[256];
    strand_conf *conf = strand_conf_new();
    if (strand_conf_set(conf, "bootstrap.servers", "127.0.0.1:1", err, sizeof err) != STRAND_OK)
        return 1;
    if (strand_conf_set(conf, "no.such.key", "1", err, sizeof err) != STRAND_ERR_CONFIG)
        return 2;
    strand_consumer *c = strand_consumer_new(conf, err, sizeof err);
    if (!c) {
        fprintf(stderr, "consumer: %s\n", err);
        return 3;
    }
    strand_consumer_close(c);
    printf("libstrand %s: %s\n", strand_version_str(), strand_err_str(STRAND_ERR_KAFKA(6)));
    return strcmp(strand_version_str(), "@VERSION@") != 0;
}
C
version=$(sed -n 's/^Version: //p' "$pc")
sed -i "s/@VERSION@/$version/" "$tmp/src/example.c"

# uses_shared BIN: 0 when BIN loads libstrand.so. ldd's output is captured
# first: `ldd | grep -q` under pipefail fails whenever grep exits before ldd
# has written everything (SIGPIPE), which made this check flaky.
uses_shared() {
    local deps
    deps=$(ldd "$1") || fail "ldd $1"
    [[ $deps == *libstrand.so* ]]
}

check_output() {
    local out
    out=$("$@") || fail "$1 exited with $?"
    [ "$out" = "libstrand $version: NOT_LEADER_OR_FOLLOWER" ] || fail "$1 printed: $out"
}

export PKG_CONFIG_PATH="$libdir/pkgconfig"

# pkg-config, shared
# shellcheck disable=SC2046
"$cc" "${extra[@]}" -o "$tmp/pc_shared" "$tmp/src/example.c" $(pkg-config --cflags --libs strand)
uses_shared "$tmp/pc_shared" || fail "pc_shared does not use libstrand.so"
LD_LIBRARY_PATH="$libdir" check_output "$tmp/pc_shared"

# pkg-config, static
# shellcheck disable=SC2046
"$cc" "${extra[@]}" -o "$tmp/pc_static" "$tmp/src/example.c" $(pkg-config --cflags strand) \
    -Wl,-Bstatic -lstrand -Wl,-Bdynamic -L"$libdir" \
    $(pkg-config --static --libs strand | sed 's/-lstrand\b//')
if uses_shared "$tmp/pc_static"; then fail "pc_static uses libstrand.so"; fi
check_output "$tmp/pc_static"

# find_package(Strand)
cat >"$tmp/src/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(strand_example C)
find_package(Strand 0.1 REQUIRED)
add_executable(cm_shared example.c)
target_link_libraries(cm_shared PRIVATE Strand::strand)
add_executable(cm_static example.c)
target_link_libraries(cm_static PRIVATE Strand::strand_static)
CM
flags="${extra[*]:-}"
cmake -S "$tmp/src" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >"$tmp/cm.log" 2>&1 ||
    { cat "$tmp/cm.log" >&2; fail "configure against find_package(Strand)"; }
cmake --build "$tmp/cm" >>"$tmp/cm.log" 2>&1 || { cat "$tmp/cm.log" >&2; fail "build against find_package(Strand)"; }
uses_shared "$tmp/cm/cm_shared" || fail "cm_shared does not use libstrand.so"
if uses_shared "$tmp/cm/cm_static"; then fail "cm_static uses libstrand.so"; fi
check_output "$tmp/cm/cm_shared"
check_output "$tmp/cm/cm_static"
echo "PASS: installed libstrand $version builds and runs via pkg-config and find_package, shared and static"
