#!/usr/bin/env bash
# executor_models.sh — one io_context per core (SO_REUSEPORT) against one shared
# io_context with strands, measured with gateway_executor_bench (a fixed 200,
# no upstream, no token: only the executor and connection machinery differ).
# Two cases per model: 1 server thread pinned to CPU 0 with wrk on CPU 1, and
# THREADS (2) server threads with wrk, all unpinned on this 2-core box.
# Env: BENCH_BIN (build/gateway_executor_bench), DURATION (10s), REPEAT (3), CONNS (50).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${BENCH_BIN:-$ROOT/build/gateway_executor_bench}
DURATION=${DURATION:-10s}; REPEAT=${REPEAT:-3}; CONNS=${CONNS:-50}; THREADS=${THREADS:-2}
PORT=18390
RES=$ROOT/bench/results; mkdir -p "$RES"
OUT=$RES/gateway_executor_$(date +%Y%m%d-%H%M%S).txt
[ -x "$BIN" ] || { echo "build gateway_executor_bench first" >&2; exit 1; }
PID=""
stop() { [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true; PID=""; }
trap stop EXIT
median() { sort -n | awk -v n="$REPEAT" 'NR==int((n+1)/2)'; }
{
  echo "# executor models $(date +%Y%m%d-%H%M%S) nproc=$(nproc): fixed 200, wrk -c$CONNS -d$DURATION, median of $REPEAT"
  printf "%-10s %-22s %8s %8s\n" model threads req/s p99_ms
} | tee "$OUT"
for model in per-core shared frontend; do
  for case in pinned1 unpinned$THREADS; do
    if [ "$case" = pinned1 ]; then
      taskset -c 0 "$BIN" "$model" 1 $PORT & PID=$!; WRK="taskset -c 1 wrk -t1"
    else
      "$BIN" "$model" "$THREADS" $PORT & PID=$!; WRK="wrk -t2"
    fi
    for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:$PORT/ && break; sleep 0.1; done
    $WRK -c"$CONNS" -d2s http://127.0.0.1:$PORT/ >/dev/null
    : >/tmp/exec_runs
    for _ in $(seq "$REPEAT"); do
      $WRK -c"$CONNS" -d"$DURATION" --latency http://127.0.0.1:$PORT/ >/tmp/exec_wrk
      rps=$(awk '/^Requests\/sec/{printf "%.0f", $2}' /tmp/exec_wrk)
      p99=$(awk '$1=="99%"{print $2}' /tmp/exec_wrk)
      echo "$rps $p99" >>/tmp/exec_runs
    done
    set -- $(median </tmp/exec_runs)
    printf "%-10s %-22s %8s %8s\n" "$model" "$case" "$1" "$2" | tee -a "$OUT"
    stop
  done
done
cp "$OUT" "$RES/gateway_executor_latest.txt"
