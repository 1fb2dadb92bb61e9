#!/usr/bin/env bash
# Installs exactly the Debian 12 packages Tollgate needs to build, test and run.
# Idempotent: packages already installed are skipped; apt-get runs only when
# something is missing. Needs root (or sudo) on a fresh machine.
set -euo pipefail

BUILD_PKGS="g++ make cmake pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev libyaml-cpp-dev libcli11-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev libhiredis-dev libpq-dev
  openssl sqlite3 curl ca-certificates"
TEST_PKGS="python3 python3-pytest python3-requests python3-jwt python3-cryptography python3-jsonschema python3-yaml
  chromium redis-server postgresql haproxy"

want="$BUILD_PKGS"
case "${1:-build}" in
  build) ;;
  test) want="$want $TEST_PKGS" ;;
  bench) want="$want $TEST_PKGS wrk util-linux procps jq" ;;
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# The browser test runs npm (playwright-core): Debian's nodejs + npm unless a
# node that ships its own npm is already installed.
case "${1:-build}" in
  test|bench) command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm" ;;
esac
[ -z "$missing" ] && exit 0

echo "installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
