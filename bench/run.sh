#!/usr/bin/env bash
# make bench: our figures next to the peers', measured in the same run.
#   1. core_bench (Google Benchmark): JOSE sign/verify per alg, pinned to CPU 0,
#      then `openssl speed` on the same core (../shared/bench/peers/crypto_limit.sh).
#   2. the gateway under wrk against the same nginx upstream, with the same
#      tokens, as HAProxy jwt_verify and plain nginx/HAProxy proxying
#      (../shared/bench/peers/gateway_peers.sh with OWN_GW_CMD).
#   3. the authorization server's client_credentials tokens/s next to node
#      oidc-provider (../shared/bench/peers/as_peer.sh with OWN_AS_CMD, bench/authz/).
# Results: bench/results/*_latest.txt. Knobs: BENCH_PARTS="core gateway authz", plus
# the peers' scripts' own (DURATION, REPEAT, ...).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/bench/peers}
BUILD=${BUILD_DIR:-$ROOT/build}
RES=$ROOT/bench/results
PARTS=${BENCH_PARTS:-"core gateway authz network"}
mkdir -p "$RES"
STAMP=$(date +%Y%m%d-%H%M%S)

for part in $PARTS; do
  case $part in
    core)
      echo "== core: JOSE sign/verify (Google Benchmark, CPU 0) =="
      taskset -c 0 "$BUILD/core_bench" --benchmark_min_time=1 --benchmark_repetitions=3 \
        --benchmark_report_aggregates_only=true | tee "$RES/core_bench_$STAMP.txt"
      cp "$RES/core_bench_$STAMP.txt" "$RES/core_bench_latest.txt"
      if [ -x "$PEERS/crypto_limit.sh" ] || [ -f "$PEERS/crypto_limit.sh" ]; then
        echo "== peer: openssl speed on the same core =="
        bash "$PEERS/crypto_limit.sh" | tee "$RES/openssl_speed_$STAMP.txt"
        cp "$RES/openssl_speed_$STAMP.txt" "$RES/openssl_speed_latest.txt"
      fi
      ;;
    authz)
      echo "== authz: client_credentials tokens/s, ours next to node oidc-provider (wrk, loopback) =="
      TOLLGATE_BIN="$BUILD/tollgate" bash "$ROOT/bench/as_bench.sh" | tee "$RES/authz_$STAMP.txt"
      cp "$RES/authz_$STAMP.txt" "$RES/authz_latest.txt"
      ;;
    gateway)
      echo "== gateway: ours next to HAProxy jwt_verify and nginx (wrk, loopback) =="
      OWN_GW_CMD="bash $ROOT/bench/gateway/own_gw.sh" OWN_GW_NAME=tollgate \
        TOLLGATE_BIN="$BUILD/tollgate" bash "$PEERS/gateway_peers.sh" | tee "$RES/gateway_$STAMP.txt"
      cp "$RES/gateway_$STAMP.txt" "$RES/gateway_latest.txt"
      ;;
    network)
      echo "== network: requests/s through gateway + network, and memory per subscriber count =="
      BUILD_DIR="$BUILD" bash "$ROOT/bench/network_bench.sh" | tee "$RES/network_$STAMP.txt"
      cp "$RES/network_$STAMP.txt" "$RES/network_latest.txt"
      ;;
    *) echo "unknown part $part" >&2; exit 2 ;;
  esac
done
