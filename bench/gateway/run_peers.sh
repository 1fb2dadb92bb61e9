#!/usr/bin/env bash
# run_peers.sh — the shared gateway peers benchmark with our gateway added:
# HAProxy 2.6 jwt_verify, HAProxy and nginx plain proxying, and tollgate on
# 127.0.0.1:18090, same nginx upstream, same tokens, same pinning.
# Env: TOLLGATE_BIN (default <repo>/build/tollgate), GW_THREADS (default 1),
# PEERS (default <repo>/../shared/bench/peers), plus the peers' knobs
# (DURATION, REPEAT, CONNS, ...). Prints the peers' table.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/bench/peers}
export TOLLGATE_BIN=${TOLLGATE_BIN:-$ROOT/build/tollgate}
[ -x "$TOLLGATE_BIN" ] || { echo "run_peers.sh: build first (make build): $TOLLGATE_BIN is missing" >&2; exit 1; }
export OWN_GW_CMD="bash $HERE/own_gw.sh"
export OWN_GW_NAME=${OWN_GW_NAME:-tollgate}
export OWN_GW_URL=${OWN_GW_URL:-http://127.0.0.1:18090/sim-swap/v0/check}
exec bash "$PEERS/gateway_peers.sh" "$@"
