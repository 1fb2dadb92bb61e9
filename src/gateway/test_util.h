// test_util.h — shared fixtures for the gateway tests (not part of the
// library): signing keys generated once per process, a token minter, the test
// catalog, and a fake JwksCache / JwksFetcher.
#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/catalog.h"
#include "core/base64url.h"
#include "core/clock.h"
#include "core/jwk.h"
#include "core/jws.h"
#include "gateway/config.h"
#include "gateway/jwks_cache.h"
#include "gateway/jwks_fetcher.h"
#include "http/server.h"

namespace tollgate::gateway::testing {

inline constexpr std::string_view kIssuer = "https://as.test.example";
inline constexpr std::string_view kSimSwapAudience = "https://api.test.example/sim-swap";
inline constexpr std::string_view kQodAudience = "https://api.test.example/qod";
inline constexpr std::int64_t kNow = 1'800'000'000;  // ManualClock's default

inline const char* kCatalogYaml = R"(
products:
  sim-swap:
    scopes: [sim-swap, sim-swap:check, sim-swap:retrieve-date]
    audience: https://api.test.example/sim-swap
    upstream: network
    routes:
      - { method: POST, path: /sim-swap/v2/check,         any_of: [sim-swap:check, sim-swap] }
      - { method: POST, path: /sim-swap/v2/retrieve-date, any_of: [sim-swap:retrieve-date, sim-swap] }
  quality-on-demand:
    scopes: [quality-on-demand:sessions:create, quality-on-demand:sessions:read,
             quality-on-demand:sessions:delete, quality-on-demand:sessions:update, qod:audit]
    audience: https://api.test.example/qod
    upstream: network
    routes:
      - { method: POST,   path: /quality-on-demand/v1/sessions, all_of: [quality-on-demand:sessions:create, qod:audit] }
      - { method: GET,    path: "/quality-on-demand/v1/sessions/{sessionId}", any_of: [quality-on-demand:sessions:read] }
      - { method: DELETE, path: "/quality-on-demand/v1/sessions/{sessionId}", any_of: [quality-on-demand:sessions:delete] }
      - { method: POST,   path: "/quality-on-demand/v1/sessions/{sessionId}/extend", any_of: [quality-on-demand:sessions:update] }
)";

inline std::shared_ptr<const catalog::Catalog> test_catalog() {
  static const auto c = catalog::Catalog::from_yaml(catalog::load_string(kCatalogYaml));
  return c;
}

struct TestKeys {
  core::Jwk ec;          // kid "ec-1"
  core::Jwk rsa;         // kid "rsa-1"
  core::Jwk ec_other;    // kid "ec-1" too: a different key claiming the same kid
  core::Jwk ec_rotated;  // kid "ec-2": not in the public JWKS at first
};

inline core::Jwk must(std::expected<core::Jwk, core::JoseStatus> k) {
  if (!k) throw std::runtime_error("key generation failed");
  return std::move(*k);
}

// Generated once per process: RSA key generation is slow.
inline const TestKeys& keys() {
  static const TestKeys k{must(core::Jwk::generate(core::Alg::kES256, "ec-1")),
                          must(core::Jwk::generate(core::Alg::kRS256, "rsa-1")),
                          must(core::Jwk::generate(core::Alg::kES256, "ec-1")),
                          must(core::Jwk::generate(core::Alg::kES256, "ec-2"))};
  return k;
}

inline core::Jwk public_of(const core::Jwk& k) {
  return must(core::Jwk::from_json(k.to_public_json(), /*allow_private=*/false));
}

// {"keys":[ec-1, rsa-1]} public.
inline core::Jwks public_jwks() {
  return core::Jwks({public_of(keys().ec), public_of(keys().rsa)});
}

inline boost::json::object good_claims(std::string_view audience = kSimSwapAudience,
                                       std::string_view scope = "sim-swap:check") {
  return boost::json::object{
      {"iss", kIssuer},           {"sub", "client-42"},      {"aud", audience},
      {"client_id", "client-42"}, {"partner", "acme-fraud"}, {"scope", scope},
      {"iat", kNow - 10},         {"exp", kNow + 600},       {"jti", "jti-0001"}};
}

inline std::string mint(const boost::json::object& claims, const core::Jwk& key = keys().ec,
                        core::Alg alg = core::Alg::kES256,
                        std::optional<std::string_view> typ = "at+jwt") {
  auto t = core::sign_compact(key, alg, boost::json::serialize(claims), typ);
  if (!t) throw std::runtime_error("signing failed");
  return *t;
}

inline std::string b64(std::string_view s) { return core::base64url_encode(s); }

// The request that `wire` (bytes the gateway would send upstream) encodes;
// throws when Beast cannot parse exactly one complete request from it.
inline http::Request parse_request(std::string_view wire) {
  http::bhttp::request_parser<http::bhttp::string_body> p;
  p.eager(true);
  boost::system::error_code ec;
  const auto n = p.put(boost::asio::buffer(wire.data(), wire.size()), ec);
  if (ec || !p.is_done() || n != wire.size())
    throw std::runtime_error("not one complete request: " + ec.message());
  return p.release();
}

inline http::Response parse_response(std::string_view wire, bool head = false) {
  http::bhttp::response_parser<http::bhttp::string_body> p;
  p.eager(true);
  if (head) p.skip(true);
  boost::system::error_code ec;
  const auto n = p.put(boost::asio::buffer(wire.data(), wire.size()), ec);
  if (ec == http::bhttp::error::need_more) p.put_eof(ec);
  if (ec || !p.is_done() || n != wire.size())
    throw std::runtime_error("not one complete response: " + ec.message());
  return p.release();
}

inline IssuerConfig test_issuer() {
  IssuerConfig i;
  i.issuer = std::string(kIssuer);
  i.jwks_uri = "http://127.0.0.1:1/jwks.json";  // never fetched through FakeJwksCache
  return i;
}

// A JwksCache holding a fixed snapshot; counts refresh requests.
class FakeJwksCache final : public JwksCache {
 public:
  explicit FakeJwksCache(core::Jwks jwks)
      : jwks_(std::make_shared<const core::Jwks>(std::move(jwks))) {}
  std::shared_ptr<const core::Jwks> keys(std::size_t) const override {
    std::lock_guard lock(mu_);
    return jwks_;
  }
  bool request_refresh(std::size_t) override {
    ++refreshes;
    return true;
  }
  void poll() override {}
  void start() override {}
  void stop() override {}
  JwksStats stats(std::size_t) const override { return {}; }
  void set(core::Jwks jwks) {
    std::lock_guard lock(mu_);
    jwks_ = std::make_shared<const core::Jwks>(std::move(jwks));
  }
  std::atomic<int> refreshes{0};

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const core::Jwks> jwks_;
};

// A JwksFetcher answering from memory; `fail` makes every fetch fail.
class FakeFetcher final : public JwksFetcher {
 public:
  std::expected<core::Jwks, std::string> fetch_jwks(const std::string& uri) override {
    std::lock_guard lock(mu_);
    ++fetches;
    last_uri = uri;
    if (fail) return std::unexpected(std::string("connect: Connection refused"));
    return jwks;
  }
  std::expected<std::string, std::string> discover_jwks_uri(const std::string& issuer) override {
    std::lock_guard lock(mu_);
    ++discoveries;
    if (fail) return std::unexpected(std::string("connect: Connection refused"));
    return issuer + "/jwks.json";
  }
  void set(core::Jwks k, bool failing) {
    std::lock_guard lock(mu_);
    jwks = std::move(k);
    fail = failing;
  }
  int count() {
    std::lock_guard lock(mu_);
    return fetches;
  }

  std::mutex mu_;
  core::Jwks jwks;
  bool fail = false;
  int fetches = 0;
  int discoveries = 0;
  std::string last_uri;
};

}  // namespace tollgate::gateway::testing
