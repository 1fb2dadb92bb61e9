#!/usr/bin/env bash
# cpu_per_token.sh — CPU time our token endpoint spends per client_credentials
# token (ES256), the figure to compare builds by on a noisy machine (req/s alone
# swings ±50 % between runs here). Starts own_as.sh pinned to CPU 0, warms up 3 s,
# drives wrk (50 connections, CPU 1) for 8 s and prints req/s, p99 and the
# process's user+system CPU microseconds per token issued.
# Usage: bench/authz/cpu_per_token.sh [TOLLGATE_BIN] [perf]
#   perf: also records 6 s of DWARF call graphs to /tmp/perf.data (perf report -i ...).
# Needs the peers' keys: run bench/as_bench.sh (or ../shared/bench/peers/as_peer.sh) once.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${1:-$ROOT/build/tollgate}; MODE=${2:-}
P=${PEERS:-$ROOT/../shared/bench/peers}
export AS_BASIC; AS_BASIC=$(printf client-bench:bench-secret-0123456789 | base64 -w0)
export AS_SCOPE=sim-swap:check AS_ALG=ES256 KEY_DIR=$P/run/gateway AS_ISSUER=https://as.bench.local
export TOLLGATE_BIN=$BIN AS_PORT_OWN=18110
taskset -c 0 bash "$HERE/own_as.sh" >/tmp/cpu_per_token_as.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; pkill -f "tollgate authz --config /tmp/tollgate-as-bench" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:18110/jwks.json && break; sleep 0.1; done
PID=$(pgrep -f "tollgate authz --config /tmp/tollgate-as-bench" | head -1)
taskset -c 1 wrk -t1 -c50 -d3s -s "$P/oidc-provider/token.lua" http://127.0.0.1:18110 >/dev/null
t0=$(awk '{print $14+$15}' "/proc/$PID/stat")
if [ "$MODE" = perf ]; then
  perf record -F 2000 -g --call-graph dwarf,16384 -p "$PID" -o /tmp/perf.data -- sleep 6 >/dev/null 2>&1 &
fi
taskset -c 1 wrk -t1 -c50 -d8s --latency -s "$P/oidc-provider/token.lua" http://127.0.0.1:18110 >/tmp/cpu_per_token_wrk.txt
t1=$(awk '{print $14+$15}' "/proc/$PID/stat")
[ "$MODE" = perf ] && wait
reqs=$(grep -o '[0-9]* requests' /tmp/cpu_per_token_wrk.txt | cut -d' ' -f1)
hz=$(getconf CLK_TCK)
echo "req/s=$(awk '/Requests\/sec/ {print $2}' /tmp/cpu_per_token_wrk.txt)" \
     "p99=$(awk '$1 == "99%" {print $2}' /tmp/cpu_per_token_wrk.txt)" \
     "cpu_us_per_token=$(( (t1 - t0) * 1000000 / hz / reqs ))"
