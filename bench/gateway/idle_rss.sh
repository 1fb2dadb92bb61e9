#!/usr/bin/env bash
# idle_rss.sh — RSS of our gateway holding N (default 10000) idle keep-alive
# connections, each having made one authorised request (ES256 token, token
# cache on), against the same nginx upstream as own_cases.sh. Target: < 64 MB.
# Env: TOLLGATE_BIN, N (10000), GW_THREADS (1). Prints "key value" lines and
# appends them to bench/results/gateway_idle_rss_<stamp>.txt.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/bench/peers}
BIN=${TOLLGATE_BIN:-$ROOT/build/tollgate}
N=${N:-10000}; GW_THREADS=${GW_THREADS:-1}
RUN=${RUN_DIR:-/tmp/tollgate-gw-idle}
RES=$ROOT/bench/results
STAMP=$(date +%Y%m%d-%H%M%S)
mkdir -p "$RUN" "$RES"
PIDS=()
stop_pid() { kill -0 "$1" 2>/dev/null || return 0; kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; kill -KILL "$1" 2>/dev/null || true; }
cleanup() { for p in "${PIDS[@]}"; do stop_pid "$p"; done; }
trap cleanup EXIT
wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; echo "port $1 down" >&2; exit 1; }
# The gateway and this script each need N+ descriptors.
ulimit -n $(( N + 2048 )) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cd "$RUN"
for k in rsa rsa_other; do [ -s ${k}_priv.pem ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ${k}_priv.pem 2>/dev/null; openssl pkey -in ${k}_priv.pem -pubout -out ${k}_pub.pem; done
for k in ec ec_other; do [ -s ${k}_priv.pem ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ${k}_priv.pem; openssl pkey -in ${k}_priv.pem -pubout -out ${k}_pub.pem; done
/usr/bin/python3 "$PEERS/gateway/mint_jwt.py" "$RUN" "$RUN/tokens" >/dev/null
mkdir -p up
sed -e 's/18080/18280/' "$PEERS/gateway/upstream_nginx.conf" >up/nginx.conf
nginx -p "$RUN/up/" -e "$RUN/up/error.log" -c "$RUN/up/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 & PIDS+=($!)
wait_port 18280
cat >gw.yaml <<YAML
authz: ~
network: ~
gateway:
  listen: 127.0.0.1:18290
  admin_listen: ""
  threads: $GW_THREADS
  access_log: false
  limits: { max_connections: $(( N + 1000 )), idle_timeout: 600s }
  issuers:
    - issuer: https://as.bench.local
      pem_keys:
        - { kid: ec-1, path: "$RUN/ec_pub.pem", alg: ES256 }
      algorithms: [ES256]
      required_typ: ""
  upstreams:
    nginx: http://127.0.0.1:18280
YAML
"$BIN" gateway --config gw.yaml --catalog "$HERE/catalog.yaml" >/dev/null 2>gw.log & GW=$!; PIDS+=($GW)
wait_port 18290
{
  echo "# gateway_idle_rss $STAMP threads=$GW_THREADS $(uname -r)"
  /usr/bin/python3 "$HERE/idle_conns.py" 127.0.0.1 18290 "$GW" "$N" "$RUN/tokens/valid_es256.jwt"
} | tee "$RES/gateway_idle_rss_$STAMP.txt"
cp "$RES/gateway_idle_rss_$STAMP.txt" "$RES/gateway_idle_rss_latest.txt"
