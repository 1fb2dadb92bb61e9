#!/usr/bin/env bash
# own_as.sh — start our authorization server in the foreground for
# ../shared/bench/peers/as_peer.sh (its OWN_AS_CMD). The peers' script exports
# AS_ALG (ES256|RS256), KEY_DIR (ec_priv.pem, rsa_priv.pem) and AS_ISSUER, and
# expects client client-bench / bench-secret-0123456789 at 127.0.0.1:18110.
# This copies the PEM key (0600: tollgate refuses a key others can read), writes
# the process config, imports the benchmark client, and execs `tollgate authz`.
# Env: TOLLGATE_BIN (default <repo>/build/tollgate), AS_PORT_OWN (18110),
# AUDIT_GROUP_COMMIT (true; false = one transaction per record, for comparison).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${TOLLGATE_BIN:-$ROOT/build/tollgate}
: "${AS_ALG:?}" "${KEY_DIR:?}" "${AS_ISSUER:?}"
[ -x "$BIN" ] || { echo "own_as.sh: $BIN is not built (make build)" >&2; exit 1; }
case $AS_ALG in
  ES256) key=ec_priv.pem ;;
  RS256 | PS256) key=rsa_priv.pem ;;
  *) echo "own_as.sh: unsupported AS_ALG $AS_ALG" >&2; exit 1 ;;
esac
[ -s "$KEY_DIR/$key" ] || { echo "own_as.sh: $KEY_DIR/$key is missing" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-as-bench.XXXXXX")
install -m 600 "$KEY_DIR/$key" "$WORK/signing.pem"
printf '%s' 'bench-secret-0123456789' >"$WORK/secret"
chmod 600 "$WORK/secret"
sed -e "s#@DATA@#$WORK/data#" -e "s#@PORT@#${AS_PORT_OWN:-18110}#" -e "s#@ISSUER@#$AS_ISSUER#" \
    -e "s#@ALG@#$AS_ALG#" -e "s#@KEY@#$WORK/signing.pem#" -e "s#@GROUP@#${AUDIT_GROUP_COMMIT:-true}#" \
    "$HERE/as_bench.yaml" >"$WORK/tollgate.yaml"
"$BIN" client create --partner bench-partner --scope sim-swap:check --client-id client-bench \
  --secret-file "$WORK/secret" --auth client_secret_basic \
  --config "$WORK/tollgate.yaml" --catalog "$HERE/catalog.yaml" >/dev/null
exec "$BIN" authz --config "$WORK/tollgate.yaml" --catalog "$HERE/catalog.yaml"
