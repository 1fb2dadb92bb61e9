#include "gateway/jwks_fetcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

#include "gateway/jwks_cache.h"
#include "gateway/test_util.h"
#include "http/test_support.h"

namespace tollgate::gateway {
namespace {

using namespace testing;
using namespace std::chrono_literals;
namespace bhttp = http::bhttp;

// A local authorization server stand-in: serves whatever documents the test sets, counts requests.
class KeyServer {
 public:
  KeyServer() {
    server_ = http::Server::create(
        io_.ioc(), http::testing::loopback0(),
        http::make_sync_handler([this](const http::Request& req, const http::ConnectionInfo&) {
          std::lock_guard lock(mu_);
          ++hits_[std::string(req.target())];
          http::Response res{bhttp::status::not_found, 11};
          if (auto it = docs_.find(std::string(req.target())); it != docs_.end()) {
            res.result(it->second.first);
            res.set(bhttp::field::content_type, "application/json");
            res.body() = it->second.second;
          }
          res.prepare_payload();
          return res;
        }));
    server_->start();
  }
  ~KeyServer() { stop(); }

  void stop() {
    if (!server_) return;
    // Let queued write completions run before the close (see gateway.cc on Server::stop races).
    io_.run([] {});
    io_.run([] {});
    server_->stop();
    io_.run([] {});
    io_.shutdown();
    server_.reset();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port()); }
  std::uint16_t port() const { return server_->local_endpoint().port(); }
  void serve(const std::string& target, std::string body, unsigned status = 200) {
    std::lock_guard lock(mu_);
    docs_[target] = {status, std::move(body)};
  }
  int hits(const std::string& target) {
    std::lock_guard lock(mu_);
    return hits_[target];
  }

 private:
  http::testing::IoThread io_;
  std::shared_ptr<http::Server> server_;
  std::mutex mu_;
  std::map<std::string, std::pair<unsigned, std::string>> docs_;
  std::map<std::string, int> hits_;
};

std::string jwks_json(std::initializer_list<const core::Jwk*> ks) {
  std::vector<core::Jwk> pub;
  for (auto* k : ks) pub.push_back(public_of(*k));
  return core::Jwks(std::move(pub)).to_public_json();
}

// The fetcher GETs the configured jwks_uri and parses the document.
TEST(JwksFetcher, FetchesAndParsesJwks) {
  KeyServer as;
  as.serve("/jwks.json", jwks_json({&keys().ec, &keys().rsa}));
  auto f = JwksFetcher::create(2000ms);
  auto jwks = f->fetch_jwks(as.base() + "/jwks.json");
  ASSERT_TRUE(jwks) << jwks.error();
  EXPECT_NE(jwks->find("ec-1"), nullptr);
  EXPECT_NE(jwks->find("rsa-1"), nullptr);
}

// Errors are reported for the log: HTTP status, bad documents, refused connections.
TEST(JwksFetcher, ReportsFailures) {
  KeyServer as;
  as.serve("/broken", "oops", 500);
  as.serve("/notjwks", R"({"keys":"no"})");
  auto f = JwksFetcher::create(2000ms);
  EXPECT_EQ(f->fetch_jwks(as.base() + "/broken").error(), "HTTP 500");
  EXPECT_EQ(f->fetch_jwks(as.base() + "/notjwks").error(), "jwks_invalid");
  const auto url = as.base() + "/jwks.json";
  as.stop();
  EXPECT_FALSE(f->fetch_jwks(url));
}

// Discovery reads the RFC 8414 document, falling back to OpenID configuration, and checks its
// issuer.
TEST(JwksFetcher, DiscoveryFindsJwksUriAndChecksIssuer) {
  KeyServer as;
  const std::string issuer = as.base();
  auto f = JwksFetcher::create(2000ms);
  as.serve("/.well-known/openid-configuration",
           R"({"issuer":")" + issuer + R"(","jwks_uri":")" + issuer + R"(/oidc/jwks"})");
  EXPECT_EQ(f->discover_jwks_uri(issuer).value(), issuer + "/oidc/jwks");
  as.serve("/.well-known/oauth-authorization-server",
           R"({"issuer":")" + issuer + R"(","jwks_uri":")" + issuer + R"(/jwks.json"})");
  EXPECT_EQ(f->discover_jwks_uri(issuer).value(), issuer + "/jwks.json");
  // A metadata document for another issuer cannot redirect us to its keys.
  as.serve("/.well-known/oauth-authorization-server",
           R"({"issuer":"http://evil.example","jwks_uri":"http://evil.example/jwks"})");
  as.serve("/.well-known/openid-configuration", "{}", 404);
  auto bad = f->discover_jwks_uri(issuer);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("metadata names issuer 'http://evil.example'"), std::string::npos);
}

// Well-known URLs follow RFC 8414 §3 (path after the well-known segment) and OIDC Discovery
// (appended).
TEST(JwksFetcher, WellKnownUrls) {
  EXPECT_EQ(oauth_metadata_url("https://as.example"),
            "https://as.example/.well-known/oauth-authorization-server");
  EXPECT_EQ(oauth_metadata_url("https://as.example/tenant1/"),
            "https://as.example/.well-known/oauth-authorization-server/tenant1");
  EXPECT_EQ(openid_configuration_url("https://as.example/tenant1"),
            "https://as.example/tenant1/.well-known/openid-configuration");
}

// Against a live key server: an unknown kid refetches (once per 30 s), and stopped servers leave
// the keys in place.
class JwksCacheOverHttpTest : public ::testing::Test {
 protected:
  core::ManualClock clock_{kNow};
  KeyServer as_;
  std::shared_ptr<JwksCache> cache_;

  void SetUp() override {
    as_.serve("/jwks.json", jwks_json({&keys().ec}));
    IssuerConfig i = test_issuer();
    i.jwks_uri = as_.base() + "/jwks.json";
    cache_ = JwksCache::create({i}, JwksFetcher::create(2000ms), clock_);
    cache_->poll();
  }
  bool has(std::string_view kid) { return cache_->keys(0)->find(kid) != nullptr; }
};

// A key published after our last fetch is picked up by the refresh an unknown kid triggers.
TEST_F(JwksCacheOverHttpTest, UnknownKidRefetches) {
  EXPECT_EQ(as_.hits("/jwks.json"), 1);
  EXPECT_FALSE(has("ec-2"));
  as_.serve("/jwks.json", jwks_json({&keys().ec, &keys().ec_rotated}));
  ASSERT_TRUE(cache_->request_refresh(0));
  cache_->poll();
  EXPECT_EQ(as_.hits("/jwks.json"), 2);
  EXPECT_TRUE(has("ec-2"));
}

// A flood of unknown kids costs one fetch per 30 s.
TEST_F(JwksCacheOverHttpTest, RefetchRateLimited) {
  for (int i = 0; i < 50; ++i) {
    cache_->request_refresh(0);
    cache_->poll();
  }
  EXPECT_EQ(as_.hits("/jwks.json"), 2);
  clock_.advance(30s);
  cache_->request_refresh(0);
  cache_->poll();
  EXPECT_EQ(as_.hits("/jwks.json"), 3);
}

// With the key server gone, the keys we had stay in use (stale-if-error) and the failure is
// counted.
TEST_F(JwksCacheOverHttpTest, StaleIfErrorWhenServerStopped) {
  ASSERT_TRUE(has("ec-1"));
  as_.stop();
  clock_.advance(300s);
  cache_->poll();
  EXPECT_TRUE(has("ec-1"));
  EXPECT_EQ(cache_->stats(0).fetch_failed, 1u);
  EXPECT_EQ(cache_->stats(0).fetch_ok, 1u);
  EXPECT_TRUE(cache_->request_refresh(0));
  cache_->poll();
  EXPECT_TRUE(has("ec-1"));
  EXPECT_EQ(cache_->stats(0).fetch_failed, 2u);
}

}  // namespace
}  // namespace tollgate::gateway
