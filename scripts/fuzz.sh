#!/usr/bin/env bash
# make fuzz: builds every src/<role>/*_fuzz.cc as a libFuzzer target with clang 16
# (AddressSanitizer + UndefinedBehaviorSanitizer) in build-fuzz/, and runs each for
# FUZZ_SECONDS (default 60) on a corpus kept in build-fuzz/corpus/<target>/.
# A crash leaves its input in build-fuzz/ and fails the run.
#
# clang 16 is installed here (not by make test). libstdc++ 12's <expected> asks
# for __cpp_concepts >= 202002L, which clang 16 implements but does not
# announce; the define below tells it so.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${JOBS:-2}

bash "$ROOT/scripts/install-deps.sh" build
missing=""
for p in clang-16 libclang-rt-16-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
fi

FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -U__cpp_concepts -D__cpp_concepts=202002L"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-16 -DCMAKE_CXX_COMPILER=clang++-16 \
  -DCMAKE_CXX_FLAGS="$FLAGS" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DTOLLGATE_FUZZ=ON -DTOLLGATE_BENCH=OFF -DTOLLGATE_WERROR=OFF >/dev/null
targets=$(cd "$ROOT/src" && for f in */*_fuzz.cc; do r=${f%%/*}; n=$(basename "$f" .cc); echo "${r}_${n}"; done)
# shellcheck disable=SC2086
cmake --build "$BUILD" -j"$JOBS" --target $targets

# Seeds, so that the fuzzers start from the shapes they must understand.
seed() {  # seed <target> <name> <bytes>
  mkdir -p "$BUILD/corpus/$1"
  [ -e "$BUILD/corpus/$1/seed-$2" ] || printf '%b' "$3" >"$BUILD/corpus/$1/seed-$2"
}
HDR=$(printf '{"alg":"ES256","kid":"ec-1","typ":"at+jwt"}' | base64 -w0 | tr '+/' '-_' | tr -d '=')
PAY=$(printf '{"iss":"https://as.test.example","aud":"https://api.test.example/sim-swap","scope":"sim-swap:check","exp":1800000600,"iat":1799999990,"jti":"j","client_id":"c"}' | base64 -w0 | tr '+/' '-_' | tr -d '=')
SIG=$(head -c 64 /dev/zero | tr '\0' 'A' | base64 -w0 | tr '+/' '-_' | tr -d '=')
seed gateway_token_fuzz jws "$HDR.$PAY.$SIG"
seed gateway_token_fuzz feed '{"next":3,"revoked":[{"jti":"a","exp":9},{"client_id":"c"},{"consent_id":"k"}]}'
seed gateway_http_fuzz post 'POST /sim-swap/v2/check HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'
seed gateway_http_fuzz get 'GET /quality-on-demand/v1/sessions/abc?x=1 HTTP/1.1\r\nHost: gw\r\nConnection: keep-alive, x-hop\r\nx-hop: 1\r\nx-tollgate-client-id: forged\r\nx-correlator: c-1\r\n\r\n'
seed gateway_http_fuzz chunked 'POST /sim-swap/v2/check HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n'

status=0
for t in $targets; do
  corpus=$BUILD/corpus/$t
  mkdir -p "$corpus"
  echo "== $t: ${SECONDS_EACH}s"
  if ! (cd "$BUILD" && ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "./$t" -max_total_time="$SECONDS_EACH" -max_len=16384 -timeout=10 -print_final_stats=1 "$corpus" \
        2>&1 | tail -25); then
    status=1
  fi
  ls "$BUILD"/crash-* "$BUILD"/timeout-* "$BUILD"/leak-* 2>/dev/null && status=1 || true
done
exit $status
