#!/usr/bin/env bash
# Install the Debian packages Strand needs to build and test, only those
# that are missing. Runs `apt-get update` at most once, and only when
# something has to be installed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libuv1-dev liblz4-dev libzstd-dev zlib1g-dev libsnappy-dev
  libcmocka-dev librdkafka-dev kcat
  libzookeeper-mt-dev # cluster mode: the ZooKeeper C client (broker/zk.c)
  zookeeper           # cluster tests: the ZooKeeper server (pulls a JRE)
)

# node and npm run the kafkajs interoperability test. They are checked as
# commands, not packages: a node from another source (e.g. NodeSource's
# nodejs, which bundles npm) must not be replaced by Debian's.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing missing packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
