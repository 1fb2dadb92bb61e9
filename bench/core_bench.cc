// core_bench.cc — Google Benchmark of the JOSE hot path through the core API:
// sign_compact and verify_jwt per alg on a realistic access token, the
// signature alone (verify_raw, to compare with `openssl speed`), the parse
// without crypto, and base64url decoding.
#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <map>
#include <string>

#include "core/base64url.h"
#include "core/clock.h"
#include "core/jwk.h"
#include "core/jws.h"
#include "core/jwt.h"

namespace {

using namespace tollgate::core;

constexpr std::int64_t kNow = 1'800'000'000;

// An RFC 9068 access token as the authorization server issues it for a CAMARA API.
std::string access_token_claims() {
  boost::json::object c;
  c["iss"] = "https://auth.tollgate.example";
  c["sub"] = "tel:+34600123456";
  c["aud"] = boost::json::array{"https://api.tollgate.example/sim-swap", "https://api.tollgate.example"};
  c["exp"] = kNow + 3600;
  c["iat"] = kNow - 5;
  c["nbf"] = kNow - 5;
  c["jti"] = "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";
  c["client_id"] = "app-4f9d2c1b";
  c["scope"] = "openid sim-swap:check sim-swap:retrieve-date device-location:verify";
  c["auth_time"] = kNow - 60;
  c["acr"] = "2";
  return boost::json::serialize(c);
}

struct Fixture {
  Jwk key;
  Jwks jwks;
  std::string token;
  VerifyPolicy policy;
};

const Fixture& fixture(Alg alg) {
  static std::map<Alg, Fixture> cache;
  auto it = cache.find(alg);
  if (it != cache.end()) return it->second;
  auto key = Jwk::generate(alg, std::string("bench-") + std::string(alg_name(alg)));
  if (!key) std::abort();
  auto pub = Jwk::from_json(key->to_public_json(), false);
  if (!pub) std::abort();
  auto token = sign_compact(*key, alg, access_token_claims(), "at+jwt");
  if (!token) std::abort();
  VerifyPolicy policy;
  policy.allowed_algs = AlgSet{alg};
  policy.issuer = "https://auth.tollgate.example";
  policy.audiences = {"https://api.tollgate.example/sim-swap"};
  Fixture f{*key, Jwks({*pub}), *token, policy};
  return cache.emplace(alg, std::move(f)).first->second;
}

TimePoint now() { return TimePoint(std::chrono::seconds(kNow)); }

void BM_Sign(benchmark::State& state, Alg alg) {
  const Fixture& f = fixture(alg);
  const std::string claims = access_token_claims();
  for (auto _ : state) {
    auto t = sign_compact(f.key, alg, claims, "at+jwt");
    if (!t) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(t);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_VerifyJwt(benchmark::State& state, Alg alg) {
  const Fixture& f = fixture(alg);
  const TimePoint t = now();
  for (auto _ : state) {
    auto r = verify_jwt(f.token, f.jwks, f.policy, t);
    if (!r) state.SkipWithError(std::string(to_string(r.error())).c_str());
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::to_string(f.token.size()) + " B token");
}

// The signature check alone, to compare with `openssl speed`.
void BM_VerifySignatureOnly(benchmark::State& state, Alg alg) {
  const Fixture& f = fixture(alg);
  auto parsed = parse_compact(f.token, AlgSet{alg});
  if (!parsed) std::abort();
  const Jwk& key = f.jwks.keys().front();
  for (auto _ : state) {
    JoseStatus s = verify_raw(alg, parsed->signing_input, parsed->signature, key);
    if (s != JoseStatus::kOk) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}

// Everything verify_jwt does besides the signature: shape, base64url, JSON, header rules.
void BM_ParseCompact(benchmark::State& state) {
  const Fixture& f = fixture(Alg::kES256);
  for (auto _ : state) {
    auto r = parse_compact(f.token, AlgSet{Alg::kES256});
    if (!r) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Base64UrlDecode(benchmark::State& state) {
  const std::string& token = fixture(Alg::kES256).token;
  const std::string_view payload = std::string_view(token).substr(token.find('.') + 1,
                                                                  token.rfind('.') - token.find('.') - 1);
  for (auto _ : state) {
    auto r = base64url_decode(payload);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
}

void BM_Base64UrlEncode(benchmark::State& state) {
  const std::string claims = access_token_claims();
  for (auto _ : state) {
    auto r = base64url_encode(claims);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * claims.size()));
}

BENCHMARK_CAPTURE(BM_Sign, RS256, Alg::kRS256);
BENCHMARK_CAPTURE(BM_Sign, PS256, Alg::kPS256);
BENCHMARK_CAPTURE(BM_Sign, ES256, Alg::kES256);
BENCHMARK_CAPTURE(BM_Sign, EdDSA, Alg::kEdDSA);
BENCHMARK_CAPTURE(BM_VerifyJwt, RS256, Alg::kRS256);
BENCHMARK_CAPTURE(BM_VerifyJwt, PS256, Alg::kPS256);
BENCHMARK_CAPTURE(BM_VerifyJwt, ES256, Alg::kES256);
BENCHMARK_CAPTURE(BM_VerifyJwt, EdDSA, Alg::kEdDSA);
BENCHMARK_CAPTURE(BM_VerifySignatureOnly, RS256, Alg::kRS256);
BENCHMARK_CAPTURE(BM_VerifySignatureOnly, PS256, Alg::kPS256);
BENCHMARK_CAPTURE(BM_VerifySignatureOnly, ES256, Alg::kES256);
BENCHMARK_CAPTURE(BM_VerifySignatureOnly, EdDSA, Alg::kEdDSA);
BENCHMARK(BM_ParseCompact);
BENCHMARK(BM_Base64UrlDecode);
BENCHMARK(BM_Base64UrlEncode);

}  // namespace

BENCHMARK_MAIN();
