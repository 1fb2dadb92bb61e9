#!/usr/bin/env bash
# own_cases.sh — the gateway variants the peers' table does not have, measured
# the same way (wrk -t1 -c50 on CPU 1 with the nginx upstream, server under test
# on CPU 0, REPEAT runs per case, median req/s reported), next to HAProxy
# jwt_verify ES256 and HAProxy plain proxying started in the same run:
#
#   tollgate ES256 / RS256, token cache on (production) and off (a signature check per request)
#   tollgate ES256 with the JSON access log on (to a file) — the logging cost
#   tollgate ES256 bad signature -> 401
#
# Ports 18180 (upstream), 18181 (haproxy jwt), 18182 (haproxy plain), 18190
# (tollgate) so that it never collides with gateway_peers.sh. Tokens and keys
# from the peers' mint_jwt.py. Env: TOLLGATE_BIN, DURATION (10s), REPEAT (3),
# CONNS (50), CASES (default: all), GW_THREADS (1), QUIET_PCT (8), QUIET_WAIT (120).
# Output: a table on stdout and bench/results/gateway_cases_<stamp>.txt.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/bench/peers}
BIN=${TOLLGATE_BIN:-$ROOT/build/tollgate}
DURATION=${DURATION:-10s}; REPEAT=${REPEAT:-3}; CONNS=${CONNS:-50}; GW_THREADS=${GW_THREADS:-1}
QUIET_PCT=${QUIET_PCT:-8}; QUIET_WAIT=${QUIET_WAIT:-120}
CASES=${CASES:-"haproxy_plain haproxy_jwt_es256 es256 es256_nocache rs256 rs256_nocache es256_log badsig_es256"}
RUN=${RUN_DIR:-/tmp/tollgate-gw-cases}
RES=$ROOT/bench/results
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=$RES/gateway_cases_$STAMP.txt
mkdir -p "$RUN" "$RES"
[ -x "$BIN" ] || { echo "own_cases.sh: $BIN is not built" >&2; exit 1; }

PIDS=()
stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() { for pid in "${PIDS[@]}"; do stop_pid "$pid"; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
wait_port() {
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done
  echo "port $1 did not come up" >&2; exit 1
}

# ---- keys and tokens (the peers' minting script)
cd "$RUN"
for k in rsa rsa_other; do
  [ -s ${k}_priv.pem ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ${k}_priv.pem 2>/dev/null
  openssl pkey -in ${k}_priv.pem -pubout -out ${k}_pub.pem
done
for k in ec ec_other; do
  [ -s ${k}_priv.pem ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ${k}_priv.pem
  openssl pkey -in ${k}_priv.pem -pubout -out ${k}_pub.pem
done
/usr/bin/python3 "$PEERS/gateway/mint_jwt.py" "$RUN" "$RUN/tokens" >/dev/null
tok() { cat "$RUN/tokens/$1.jwt"; }

# ---- upstream (nginx) and the HAProxy peers on our ports
mkdir -p "$RUN/up" "$RUN/hp"
sed -e 's/18080/18180/' "$PEERS/gateway/upstream_nginx.conf" >"$RUN/up/nginx.conf"
taskset -c 1 nginx -p "$RUN/up/" -e "$RUN/up/error.log" -c "$RUN/up/nginx.conf" -g 'daemon off;' \
  >"$RUN/up/out.log" 2>&1 &
PIDS+=($!)
wait_port 18180
export GW_RUN=$RUN HAPROXY_NBTHREAD=1
sed -e 's/18081/18181/; s/18080/18180/; s#haproxy_jwt.pid#hp_jwt.pid#' "$PEERS/gateway/haproxy_jwt.cfg" >"$RUN/hp/jwt.cfg"
sed -e 's/18082/18182/; s/18080/18180/; s#haproxy_nojwt.pid#hp_nojwt.pid#' "$PEERS/gateway/haproxy_nojwt.cfg" >"$RUN/hp/nojwt.cfg"

gw_config() {  # gw_config <cache true|false> <access_log true|false>
  cat >"$RUN/gw.yaml" <<EOF
authz: ~
network: ~
gateway:
  listen: 127.0.0.1:18190
  admin_listen: ""
  threads: $GW_THREADS
  access_log: $2
  token_cache: { enabled: $1 }
  issuers:
    - issuer: https://as.bench.local
      pem_keys:
        - { kid: rsa-1, path: "$RUN/rsa_pub.pem", alg: RS256 }
        - { kid: ec-1,  path: "$RUN/ec_pub.pem",  alg: ES256 }
      algorithms: [RS256, ES256]
      required_typ: ""
  upstreams:
    nginx: http://127.0.0.1:18180
EOF
}

SERVER_PID=""
start_server() {  # start_server <case>
  case $1 in
    haproxy_plain) taskset -c 0 haproxy -db -f "$RUN/hp/nojwt.cfg" >"$RUN/hp/nojwt.log" 2>&1 & SERVER_PID=$!; PORT=18182 ;;
    haproxy_jwt_*) taskset -c 0 haproxy -db -f "$RUN/hp/jwt.cfg" >"$RUN/hp/jwt.log" 2>&1 & SERVER_PID=$!; PORT=18181 ;;
    *)
      case $1 in
        *_nocache) gw_config false false ;;
        *_log) gw_config true true ;;
        *) gw_config true false ;;
      esac
      # The API list does not include the admin listener, so it is left off ("").
      taskset -c 0 "$BIN" gateway --config "$RUN/gw.yaml" --catalog "$HERE/catalog.yaml" \
        >"$RUN/gw.out" 2>"$RUN/gw_$1.log" & SERVER_PID=$!; PORT=18190 ;;
  esac
  PIDS+=("$SERVER_PID")
  wait_port "$PORT"
}
token_for() {
  case $1 in
    *rs256*) echo valid_rs256 ;;
    badsig_es256) echo badsig_es256 ;;
    *) echo valid_es256 ;;
  esac
}

busy_pct_1s() { local a b; a=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat); sleep 1
  b=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
  echo "$a $b" | awk '{d=$4-$2; printf "%d", (d>0?100*($3-$1)/d:0)}'; }
wait_quiet() { local waited=0 p; NOISY=""
  while p=$(busy_pct_1s); [ "$p" -gt "$QUIET_PCT" ]; do
    waited=$((waited + 3)); sleep 2
    if [ $waited -ge "$QUIET_WAIT" ]; then NOISY=" NOISY(${p}%)"; return 0; fi
  done; }
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f", v}'; }

{
  echo "# gateway_cases $STAMP nproc=$(nproc) cpu='$(lscpu | sed -n 's/^Model name: *//p')' $(openssl version | cut -d' ' -f1-2)"
  echo "# wrk -t1 -c$CONNS -d$DURATION --latency GET /sim-swap/v0/check; server on CPU 0, wrk + nginx upstream on CPU 1; $REPEAT runs, median req/s"
  echo "# tollgate threads=$GW_THREADS; HAProxy 2.6 nbthread 1 with the peers' configs"
  printf "%-22s %8s %17s %8s %8s %14s %s\n" case req/s range p50_ms p99_ms non2xx/total flags
} | tee "$OUT"
URL_PATH=/sim-swap/v0/check
for c in $CASES; do
  start_server "$c"
  hdr="Authorization: Bearer $(tok "$(token_for "$c")")"
  taskset -c 1 wrk -t1 -c"$CONNS" -d2s -H "$hdr" "http://127.0.0.1:$PORT$URL_PATH" >/dev/null
  : >"$RUN/$c.runs"; flags=""
  for r in $(seq "$REPEAT"); do
    wait_quiet; flags="$flags$NOISY"
    taskset -c 1 wrk -t1 -c"$CONNS" -d"$DURATION" --latency -H "$hdr" "http://127.0.0.1:$PORT$URL_PATH" >"$RUN/$c.$r.txt"
    rps=$(awk '/^Requests\/sec/{printf "%.0f", $2}' "$RUN/$c.$r.txt")
    p50=$(awk '$1=="50%"{print $2}' "$RUN/$c.$r.txt" | to_ms); p99=$(awk '$1=="99%"{print $2}' "$RUN/$c.$r.txt" | to_ms)
    n2=$(awk '/Non-2xx/{print $NF}' "$RUN/$c.$r.txt"); total=$(awk '/requests in/{print $1}' "$RUN/$c.$r.txt")
    echo "$rps $p50 $p99 ${n2:-0}/$total" >>"$RUN/$c.runs"
  done
  med=$(sort -n -k1,1 "$RUN/$c.runs" | awk -v n="$REPEAT" 'NR==int((n+1)/2)')
  lo=$(sort -n -k1,1 "$RUN/$c.runs" | head -1 | cut -d' ' -f1); hi=$(sort -n -k1,1 "$RUN/$c.runs" | tail -1 | cut -d' ' -f1)
  set -- $med
  printf "%-22s %8s %17s %8s %8s %14s %s\n" "$c" "$1" "$lo-$hi" "$2" "$3" "$4" "${flags:+NOISY}" | tee -a "$OUT"
  stop_pid "$SERVER_PID"
done
cp "$OUT" "$RES/gateway_cases_latest.txt"
echo "results: $OUT"
