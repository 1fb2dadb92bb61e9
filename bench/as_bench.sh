#!/usr/bin/env bash
# as_bench.sh — client_credentials tokens per second: our authorization server
# next to node oidc-provider, measured by ../shared/bench/peers/as_peer.sh in the
# same run (same wrk script, same keys, same pinning: server on CPU 0, wrk on CPU 1).
# Env: TOLLGATE_BIN (default <repo>/build/tollgate), PEERS (default
# <repo>/../shared/bench/peers), AUDIT_GROUP_COMMIT (true), plus the peers' knobs
# (ALGS, DURATION, REPEAT, CONNS, ...). Prints the peers' table.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/bench/peers}
export TOLLGATE_BIN=${TOLLGATE_BIN:-$ROOT/build/tollgate}
[ -x "$TOLLGATE_BIN" ] || { echo "as_bench.sh: build first (make build): $TOLLGATE_BIN is missing" >&2; exit 1; }
export OWN_AS_CMD="bash $HERE/authz/own_as.sh"
export OWN_AS_NAME=${OWN_AS_NAME:-tollgate}
export OWN_AS_URL=${OWN_AS_URL:-http://127.0.0.1:18110}
exec bash "$PEERS/as_peer.sh" "$@"
