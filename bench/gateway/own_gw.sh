#!/usr/bin/env bash
# own_gw.sh — start our gateway in the foreground for ../shared/bench/peers/gateway_peers.sh
# (its OWN_GW_CMD). The peers' script exports GW_RUN (the directory with
# rsa_pub.pem and ec_pub.pem); this writes the process config with those paths
# and execs `tollgate gateway`. Env: TOLLGATE_BIN (default <repo>/build/tollgate),
# GW_THREADS (default 1).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${TOLLGATE_BIN:-$ROOT/build/tollgate}
: "${GW_RUN:?GW_RUN must name the directory holding rsa_pub.pem and ec_pub.pem}"
for f in rsa_pub.pem ec_pub.pem; do
  [ -s "$GW_RUN/$f" ] || { echo "own_gw.sh: $GW_RUN/$f is missing" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "own_gw.sh: $BIN is not built (make build)" >&2; exit 1; }
case "$GW_RUN" in *'#'* | *$'\n'*) echo "own_gw.sh: unusable GW_RUN path" >&2; exit 1 ;; esac

# The config goes next to the keys (the peers' runtime directory) when it is
# writable, else into a fresh temporary directory.
CONF_DIR=$GW_RUN
[ -w "$CONF_DIR" ] || CONF_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-gw-bench.XXXXXX")
CONF=$CONF_DIR/tollgate_gateway.yaml
sed -e "s#@GW_RUN@#$GW_RUN#g" -e "s#@THREADS@#${GW_THREADS:-1}#g" "$HERE/gateway_bench.yaml" >"$CONF"
exec "$BIN" gateway --config "$CONF" --catalog "$HERE/catalog.yaml"
