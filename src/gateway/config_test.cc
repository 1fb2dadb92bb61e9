#include "gateway/config.h"

#include <gtest/gtest.h>

namespace tollgate::gateway {
namespace {

GatewayConfig load(const std::string& yaml) {
  return GatewayConfig::from_yaml(catalog::load_string(yaml));
}

std::string error_of(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const catalog::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

// A missing `gateway:` section gives the safe defaults.
TEST(GatewayConfig, NullSectionGivesDefaults) {
  const auto c = GatewayConfig::from_yaml(YAML::Node());
  EXPECT_EQ(c.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.threads, 0);
  EXPECT_TRUE(c.issuers.empty());
  EXPECT_TRUE(c.access_log);
  EXPECT_EQ(c.limits.max_header_bytes, 8192u);
}

// Every documented key is read, with durations and algorithm names parsed.
TEST(GatewayConfig, ParsesAFullSection) {
  const auto c = load(R"(
listen: 127.0.0.1:18090
threads: 2
access_log: false
issuers:
  - issuer: https://as.bench.local
    pem_keys:
      - { kid: rsa-1, path: /tmp/rsa_pub.pem, alg: RS256 }
      - { kid: ec-1, path: /tmp/ec_pub.pem }
    audiences: [telco-api]
    algorithms: [ES256, RS256]
    required_typ: ""
    clock_skew: 10s
    jwks_refresh: 1m
  - issuer: http://127.0.0.1:9000
    discovery: true
upstreams:
  network: http://127.0.0.1:18080
limits:
  max_header_bytes: 16384
  upstream_timeout: 3s
)");
  EXPECT_EQ(c.listen, "127.0.0.1:18090");
  EXPECT_EQ(c.threads, 2);
  EXPECT_FALSE(c.access_log);
  ASSERT_EQ(c.issuers.size(), 2u);
  const auto& i = c.issuers[0];
  ASSERT_EQ(i.pem_keys.size(), 2u);
  EXPECT_EQ(i.pem_keys[0].alg, core::Alg::kRS256);
  EXPECT_FALSE(i.pem_keys[1].alg.has_value());
  EXPECT_EQ(i.audiences, std::vector<std::string>{"telco-api"});
  EXPECT_TRUE(i.algorithms.contains(core::Alg::kES256));
  EXPECT_TRUE(i.algorithms.contains(core::Alg::kRS256));
  EXPECT_FALSE(i.algorithms.contains(core::Alg::kPS256));
  EXPECT_EQ(i.required_typ, "");
  EXPECT_EQ(i.clock_skew, std::chrono::seconds(10));
  EXPECT_EQ(i.jwks_refresh, std::chrono::seconds(60));
  EXPECT_TRUE(c.issuers[1].discovery);
  EXPECT_EQ(c.issuers[1].required_typ, "at+jwt");
  EXPECT_TRUE(c.issuers[1].algorithms.contains(core::Alg::kEdDSA));
  EXPECT_EQ(c.upstreams.at("network"), "http://127.0.0.1:18080");
  EXPECT_EQ(c.limits.max_header_bytes, 16384u);
  EXPECT_EQ(c.limits.upstream_timeout, std::chrono::milliseconds(3000));
}

// HMAC and none are refused at load with a message that says why.
TEST(GatewayConfig, RefusesHmacAndNone) {
  const std::string base = "issuers:\n  - issuer: https://as\n    jwks_file: /x\n    algorithms: [";
  EXPECT_NE(error_of(base + "HS256]\n").find("algorithm 'HS256' is refused: HMAC"),
            std::string::npos);
  EXPECT_NE(error_of(base + "none]\n").find("algorithm 'none' is refused"), std::string::npos);
  EXPECT_NE(error_of(base + "NONE]\n").find("algorithm 'NONE' is refused"), std::string::npos);
  EXPECT_NE(error_of(base + "ES512]\n").find("unknown algorithm 'ES512'"), std::string::npos);
}

// Unknown keys, keyless issuers, duplicates and non-http URLs are refused with the line.
TEST(GatewayConfig, RefusesBadSections) {
  EXPECT_EQ(error_of("listen: x\nthreds: 2\n"),
            "line 2, column 1: unknown key 'threds' in the 'gateway' section; allowed: listen, "
            "threads, issuers, upstreams, limits, access_log, token_cache, products, "
            "blocked_clients, revocations, rate_limits, admin_listen, tls, jwks_ca_file, "
            "upstream_key_file");
  EXPECT_EQ(error_of("issuers:\n  - issuer: https://as\n"),
            "line 2, column 5: issuer 'https://as' has no key source: give jwks_uri, discovery: "
            "true, pem_keys or "
            "jwks_file");
  EXPECT_NE(error_of("issuers:\n  - {issuer: https://as, jwks_file: /a}\n  - {issuer: https://as, "
                     "jwks_file: /b}\n")
                .find("issuer 'https://as' is listed twice"),
            std::string::npos);
  EXPECT_EQ(error_of("issuers:\n  - {issuer: https://as, jwks_uri: 'https://as/jwks'}\n"), "no error");
  EXPECT_NE(error_of("issuers:\n  - {issuer: https://as, jwks_uri: 'ftp://as/jwks'}\n")
                .find("must be an https:// or http:// URL"),
            std::string::npos);
  EXPECT_EQ(error_of("issuers:\n  - {issuer: https://as, discovery: true}\n"), "no error");
  EXPECT_NE(error_of("issuers:\n  - {issuer: urn:as, discovery: true}\n")
                .find("discovery needs an https:// or http:// issuer URL"),
            std::string::npos);
  EXPECT_NE(error_of("upstreams:\n  network: http://127.0.0.1:9200/api\n")
                .find("is not an http://host:port URL"),
            std::string::npos);
  EXPECT_NE(error_of("threads: -1\n").find("'threads' must be between 0 and 256"),
            std::string::npos);
  EXPECT_NE(error_of("issuers:\n  - {issuer: https://as, jwks_file: /a, jwks_refresh: 1s}\n")
                .find("duration '1s' must be between 10s and 86400s"),
            std::string::npos);
  EXPECT_NE(error_of("limits:\n  max_body: 1\n").find("unknown key 'max_body'"), std::string::npos);
}

// Upstream origins are host:port with an optional trailing slash, nothing else.
TEST(GatewayConfig, ParsesHttpOrigins) {
  auto a = parse_http_origin("http://127.0.0.1:9200");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9200);
  EXPECT_EQ(parse_http_origin("http://backend/")->port, 80);
  EXPECT_EQ(parse_http_origin("http://[::1]:8080")->host, "::1");
  EXPECT_FALSE(parse_http_origin("https://backend:443"));
  EXPECT_FALSE(parse_http_origin("http://backend:0"));
  EXPECT_FALSE(parse_http_origin("http://backend:99999"));
  EXPECT_FALSE(parse_http_origin("http://user@backend:80"));
  EXPECT_FALSE(parse_http_origin("http://:80"));
  EXPECT_TRUE(is_fetchable_url("http://127.0.0.1:9000/.well-known/jwks.json"));
  EXPECT_FALSE(is_fetchable_url("https://as.example/jwks.json"));
  EXPECT_FALSE(is_fetchable_url("http:///jwks.json"));
}

}  // namespace
}  // namespace tollgate::gateway

namespace tollgate::gateway {
namespace {

GatewayConfig parse(const std::string& yaml) {
  return GatewayConfig::from_yaml(catalog::load_string(yaml));
}

std::string refusal(const std::string& yaml) {
  try {
    parse(yaml);
    return "accepted";
  } catch (const catalog::ConfigError& e) {
    return e.what();
  }
}

// The token cache is on by default and can be switched off (benchmarks) or bounded.
TEST(GatewayConfig, TokenCacheSwitch) {
  EXPECT_TRUE(parse("listen: 127.0.0.1:1\n").token_cache.enabled);
  const auto off = parse("token_cache: { enabled: false }\n");
  EXPECT_FALSE(off.token_cache.enabled);
  EXPECT_EQ(parse("token_cache: { max_entries: 10 }\n").token_cache.max_entries, 10u);
  EXPECT_NE(refusal("token_cache: { max_entries: 0 }\n").find("max_entries"), std::string::npos);
}

// Per-product policies: max token age, algorithms (never HMAC), skew, and the stale-revocation
// decision; anything else is refused with the line.
TEST(GatewayConfig, ProductPolicies) {
  const auto c = parse(
      "products:\n  sim-swap:\n    max_token_age: 10m\n    algorithms: [ES256]\n"
      "    clock_skew: 5s\n    on_stale_revocations: introspect\n");
  const auto& p = c.products.at("sim-swap");
  EXPECT_EQ(p.max_token_age, std::chrono::seconds(600));
  ASSERT_TRUE(p.algorithms);
  EXPECT_TRUE(p.algorithms->contains(core::Alg::kES256));
  EXPECT_FALSE(p.algorithms->contains(core::Alg::kRS256));
  EXPECT_EQ(p.clock_skew, std::chrono::seconds(5));
  EXPECT_EQ(p.on_stale_revocations, OnStaleRevocations::kIntrospect);
  EXPECT_NE(refusal("products:\n  sim-swap:\n    algorithms: [HS256]\n").find("HMAC"),
            std::string::npos);
  EXPECT_NE(refusal("products:\n  sim-swap:\n    on_stale_revocations: maybe\n")
                .find("must be 'refuse' or 'introspect', not 'maybe'"),
            std::string::npos);
  EXPECT_NE(refusal("products:\n  sim-swap:\n    max_age: 1m\n").find("unknown key 'max_age'"),
            std::string::npos);
}

// The revocation feed needs the admin token, and a staleness bound above its poll interval.
TEST(GatewayConfig, RevocationFeed) {
  const auto c = parse(
      "revocations:\n  url: http://127.0.0.1:9000/oauth2/revocations\n"
      "  admin_token_file: /tmp/t\n  interval: 2s\n  max_staleness: 10s\n");
  EXPECT_EQ(c.revocations.url, "http://127.0.0.1:9000/oauth2/revocations");
  EXPECT_EQ(c.revocations.interval, std::chrono::seconds(2));
  EXPECT_EQ(c.revocations.max_staleness, std::chrono::seconds(10));
  EXPECT_NE(refusal("revocations:\n  url: http://127.0.0.1:9000/x\n").find("admin_token_file"),
            std::string::npos);
  EXPECT_NE(refusal("revocations:\n  url: http://a/x\n  admin_token_file: /t\n  interval: 5s\n"
                    "  max_staleness: 5s\n")
                .find("must exceed the poll interval"),
            std::string::npos);
}

}  // namespace
}  // namespace tollgate::gateway
