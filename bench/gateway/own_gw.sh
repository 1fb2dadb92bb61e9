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
# The same public keys are also listed under their RFC 7638 thumbprints: an
# authorization server that publishes them in a JWKS (oidc-provider, ours)
# names them that way in its tokens' kid, and HAProxy ignores kid altogether.
thumbprint() {
  /usr/bin/python3 - "$1" <<'PY'
import sys, json, hashlib, base64
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
k = serialization.load_pem_public_key(open(sys.argv[1], 'rb').read())
b = lambda n, l: base64.urlsafe_b64encode(n.to_bytes(l, 'big')).rstrip(b'=').decode()
if isinstance(k, rsa.RSAPublicKey):
    n = k.public_numbers(); m = {"e": b(n.e, (n.e.bit_length() + 7) // 8), "kty": "RSA", "n": b(n.n, (n.n.bit_length() + 7) // 8)}
else:
    n = k.public_numbers(); m = {"crv": "P-256", "kty": "EC", "x": b(n.x, 32), "y": b(n.y, 32)}
d = hashlib.sha256(json.dumps(m, separators=(',', ':'), sort_keys=True).encode()).digest()
print(base64.urlsafe_b64encode(d).rstrip(b'=').decode())
PY
}
RSA_TP=$(thumbprint "$GW_RUN/rsa_pub.pem")
EC_TP=$(thumbprint "$GW_RUN/ec_pub.pem")
sed -e "s#@GW_RUN@#$GW_RUN#g" -e "s#@THREADS@#${GW_THREADS:-1}#g" \
    -e "s#@RSA_TP@#$RSA_TP#g" -e "s#@EC_TP@#$EC_TP#g" \
    -e "s#@TOKEN_CACHE@#${TOKEN_CACHE:-true}#g" -e "s#@ACCESS_LOG@#${ACCESS_LOG:-false}#g" \
    "$HERE/gateway_bench.yaml" >"$CONF"
exec "$BIN" gateway --config "$CONF" --catalog "$HERE/catalog.yaml"
