#!/usr/bin/env bash
# bench/network_bench.sh — the network role behind the gateway, on loopback:
#   1. requests/s through gateway + network (wrk) for SIM Swap check and for Quality on
#      Demand session create (every request a new device from a generated population,
#      so that none is refused for a conflict);
#   2. how the network role's memory and load time grow with the subscriber count
#      (10k, 100k, 1M generated subscribers; `tollgate network` alone, RSS from /proc).
# Results go to stdout and bench/results/network_latest.txt. Not asserted: a report.
#
# Knobs: BUILD_DIR (default build), DURATION (wrk seconds, 10), CONNECTIONS (32),
# THREADS (wrk threads, 2), GW_THREADS (gateway threads, 2), SIZES ("10000 100000 1000000"),
# PARTS ("rps memory").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
BIN=$BUILD/tollgate
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
GW_THREADS=${GW_THREADS:-2}
SIZES=${SIZES:-"10000 100000 1000000"}
PARTS=${PARTS:-"rps memory"}
RES=$ROOT/bench/results
mkdir -p "$RES"
OUT=$RES/network_$(date +%Y%m%d-%H%M%S).txt
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

[ -x "$BIN" ] || { echo "$BIN not built" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk not installed (scripts/install-deps.sh bench)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {  # url pid
  for _ in $(seq 1 600); do
    curl -s -o /dev/null "$1" && return 0
    kill -0 "$2" 2>/dev/null || { echo "process $2 exited" >&2; return 1; }
    sleep 0.05
  done
  echo "$1 did not come up" >&2; return 1
}
say() { echo "$*" | tee -a "$OUT"; }

rps_part() {
  local dir=$WORK/rps a g n
  mkdir -p "$dir"
  a=$(free_port); g=$(free_port); n=$(free_port)
  cat >"$dir/tollgate.yaml" <<EOF
data_dir: $dir/data
authz:
  listen: 127.0.0.1:$a
gateway:
  listen: 127.0.0.1:$g
  threads: $GW_THREADS
network:
  listen: 127.0.0.1:$n
  population: { size: 1000000, seed: 1 }
  qod: { max_sessions: 10000000, max_sessions_per_client: 10000000 }
EOF
  TOLLGATE_LOG_LEVEL=warn "$BIN" run --config "$dir/tollgate.yaml" >"$dir/out.log" 2>"$dir/err.log" &
  PIDS+=($!)
  local pid=$!
  wait_port "http://127.0.0.1:$n/" "$pid"
  wait_port "http://127.0.0.1:$g/" "$pid"
  local scopes="sim-swap:check quality-on-demand:sessions:create"
  local client id secret token
  client=$("$BIN" client create --partner demo-partner --scope "$scopes" --data-dir "$dir/data")
  id=$(jq -r .client_id <<<"$client"); secret=$(jq -r .client_secret <<<"$client")
  token=$(curl -s -u "$id:$secret" -d grant_type=client_credentials --data-urlencode "scope=$scopes" \
    "http://127.0.0.1:$a/oauth2/token" | jq -r .access_token)
  [ -n "$token" ] && [ "$token" != null ] || { echo "no token" >&2; exit 1; }

  cat >"$dir/simswap.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
wrk.body = '{"phoneNumber":"+34600000001","maxAge":240}'
EOF
  # Each wrk thread takes its own range of generated devices (+34610000000 + i).
  cat >"$dir/qod.lua" <<EOF
-- setup() runs in the main Lua state and sets the global `base` in each thread's state.
local counter = 0
local threads = {}
function setup(thread)
  thread:set("base", #threads * 400000)
  table.insert(threads, thread)
end
function init(args)
  base = base or 0
  statuses = {}
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do total[code] = (total[code] or 0) + n end
  end
  local line = "  statuses:"
  for code, n in pairs(total) do line = line .. string.format(" %d=%d", code, n) end
  print(line)
end
function request()
  counter = counter + 1
  local body = string.format('{"device":{"phoneNumber":"+34%d"},"applicationServer":{"ipv4Address":"198.51.100.7"},"qosProfile":"QOS_E","duration":3600}', 610000000 + base + counter)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer $token"}, body)
end
EOF
  # Sanity: one request each must succeed before measuring.
  curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"phoneNumber":"+34600000001"}' "http://127.0.0.1:$g/sim-swap/v2/check" || { echo "sim swap check failed" >&2; exit 1; }

  # Warm-up (discarded): the gateway's first seconds include fetching keys and the
  # revocation state from the authorization server.
  sleep 2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s "$dir/simswap.lua" "http://127.0.0.1:$g/sim-swap/v2/check" >/dev/null
  say "== requests/s through gateway ($GW_THREADS threads) + network, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, loopback, $(nproc) cores =="
  say "-- SIM Swap check (POST /sim-swap/v2/check, +34600000001)"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$dir/simswap.lua" \
    "http://127.0.0.1:$g/sim-swap/v2/check" | tee -a "$OUT"
  say "-- QoD session create (POST /quality-on-demand/v1/sessions, a new device each time: 201)"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$dir/qod.lua" \
    "http://127.0.0.1:$g/quality-on-demand/v1/sessions" | tee -a "$OUT"
  # Expected non-2xx: 422 QOS_PROFILE_NOT_APPLICABLE for the ~2.25 % of generated devices
  # roaming outside ES/FR, where QOS_E is not offered. Anything else is a setup defect.
  curl -s -o /dev/null -w '(check: one more create answers %{http_code})\n' -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"device":{"phoneNumber":"+34610999999"},"applicationServer":{"ipv4Address":"198.51.100.7"},"qosProfile":"QOS_E","duration":3600}' \
    "http://127.0.0.1:$g/quality-on-demand/v1/sessions" | tee -a "$OUT"
  kill "$pid"; wait "$pid" || true
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

memory_part() {
  say "== network role memory and load time by subscriber count (tollgate network, population generator) =="
  say "$(printf '%-10s %12s %12s %16s %10s' subscribers RSS_MiB delta_MiB bytes_per_sub load_ms)"
  local base_kb=""
  for size in 0 $SIZES; do
    local dir=$WORK/mem$size port pid
    mkdir -p "$dir"
    port=$(free_port)
    cat >"$dir/tollgate.yaml" <<EOF
data_dir: $dir/data
network:
  listen: 127.0.0.1:$port
  population: { size: $size, seed: 1 }
EOF
    "$BIN" network --config "$dir/tollgate.yaml" >"$dir/out.log" 2>"$dir/err.log" &
    pid=$!
    PIDS+=($pid)
    wait_port "http://127.0.0.1:$port/" "$pid"
    sleep 0.5
    local kb load_ms
    kb=$(rss_kb "$pid")
    load_ms=$(grep -o '"load_ms":[0-9]*' "$dir/err.log" | head -1 | cut -d: -f2)
    [ -z "$base_kb" ] && base_kb=$kb
    local delta=$((kb - base_kb))
    local per="-"
    [ "$size" -gt 0 ] && per=$((delta * 1024 / size))
    say "$(awk -v n=$((size + 3)) -v kb="$kb" -v d="$delta" -v per="$per" -v ms="${load_ms:-?}" \
      'BEGIN { printf "%-10s %12.1f %12.1f %16s %10s", n, kb / 1024, d / 1024, per, ms }')"
    kill "$pid"; wait "$pid" || true
  done
  say "(the 3 demo subscribers are always loaded; bytes_per_sub = RSS growth over the demo-only process / size)"
}

for part in $PARTS; do
  case $part in
    rps) rps_part ;;
    memory) memory_part ;;
    *) echo "unknown part $part" >&2; exit 2 ;;
  esac
done
cp "$OUT" "$RES/network_latest.txt"
