// policy_test.cc — the policy stages of the pipeline (block list, revocation
// state, stale-state decision, rate limits) and Policy::build.
#include "gateway/policy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gateway/pipeline.h"
#include "gateway/test_util.h"
#include "http/camara.h"

namespace tollgate::gateway {
namespace {

using namespace testing;
using namespace std::chrono_literals;
namespace bhttp = http::bhttp;

constexpr const char* kPolicyCatalog = R"(
products:
  sim-swap:
    scopes: [sim-swap, sim-swap:check]
    audience: https://api.test.example/sim-swap
    upstream: network
    subscriber_data: true
    routes:
      - { method: POST, path: /sim-swap/v2/check, any_of: [sim-swap:check, sim-swap] }
  quality-on-demand:
    scopes: [quality-on-demand:sessions:read]
    audience: https://api.test.example/qod
    upstream: network
    routes:
      - { method: GET, path: "/quality-on-demand/v1/sessions/{sessionId}", any_of: [quality-on-demand:sessions:read] }
tiers:
  bronze: { rate: 1/s, burst: 2, token_rate: 1/s }
  gold:   { rate: 100/s, burst: 3, token_rate: 1/s }
partners:
  acme-fraud: { tier: gold, products: [sim-swap, quality-on-demand] }
)";

std::shared_ptr<const catalog::Catalog> policy_catalog() {
  static const auto c = catalog::Catalog::from_yaml(catalog::load_string(kPolicyCatalog));
  return c;
}

class FixedFeed final : public FeedSource {
 public:
  std::expected<FeedResponse, std::string> get(const std::string& url, const std::string& bearer) override {
    urls.push_back(url);
    bearers.push_back(bearer);
    if (fail) return std::unexpected(std::string("connect: Connection refused"));
    if (pages.empty()) return FeedResponse{200, R"({"next":)" + std::to_string(cursor) + R"(,"revoked":[]})"};
    auto p = pages.front();
    pages.erase(pages.begin());
    return FeedResponse{200, p};
  }
  std::vector<std::string> pages, urls, bearers;
  std::int64_t cursor = 0;
  bool fail = false;
};

class PolicyPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    token_file_ = std::filesystem::temp_directory_path() / ("tg-admin-" + std::to_string(::getpid()));
    std::ofstream(token_file_) << "admin-secret-token-0123456789abcdef\n";
    config_.issuers = {test_issuer()};
    config_.upstreams["network"] = "http://127.0.0.1:1";
    config_.revocations.url = "http://127.0.0.1:1/oauth2/revocations";
    config_.revocations.admin_token_file = token_file_.string();
    config_.revocations.max_staleness = 30s;
    rebuild();
    revocations_ = Revocations::create(config_.revocations, clock_, feed_);
  }
  void TearDown() override { std::filesystem::remove(token_file_); }

  void rebuild() { policy_ = Policy::build(config_, policy_catalog(), jwks_, clock_, ++gen_); }

  Decision run(const std::string& token, std::string_view target = "/sim-swap/v2/check",
               bhttp::verb verb = bhttp::verb::post, bool can_introspect = false) {
    http::Request r{verb, target, 11};
    r.set(bhttp::field::authorization, "Bearer " + token);
    PipelineContext ctx{policy_->routes(), policy_->verifier()};
    ctx.policy = policy_.get();
    ctx.revocations = revocations_.get();
    ctx.limiter = limiter_.get();
    ctx.can_introspect = can_introspect;
    return decide(std::move(r), ctx);
  }
  static const http::Response& res(const Decision& d) { return std::get<http::Response>(d.action); }

  std::string claims_token(std::string_view jti = "jti-1", std::string_view consent = "") {
    auto c = good_claims();
    c["jti"] = jti;
    if (!consent.empty()) c["consent_id"] = consent;
    return mint(c);
  }

  core::ManualClock clock_{kNow};
  std::shared_ptr<FakeJwksCache> jwks_ = std::make_shared<FakeJwksCache>(public_jwks());
  std::shared_ptr<FixedFeed> feed_ = std::make_shared<FixedFeed>();
  GatewayConfig config_;
  std::uint64_t gen_ = 0;
  std::shared_ptr<const Policy> policy_;
  std::shared_ptr<Revocations> revocations_;
  std::shared_ptr<RateLimiter> limiter_ = RateLimiter::create(clock_);
  std::filesystem::path token_file_;
};

// Before the first successful poll there is no revocation state: a subscriber-data product
// refuses with 503 UNAVAILABLE and Retry-After; a product without subscriber data is unaffected.
TEST_F(PolicyPipelineTest, NoRevocationStateRefusesSubscriberData) {
  const Decision d = run(claims_token());
  ASSERT_FALSE(d.forwards());
  EXPECT_EQ(res(d).result_int(), 503u);
  EXPECT_EQ(res(d)[bhttp::field::retry_after], "5");
  EXPECT_EQ(res(d).body(), R"({"status":503,"code":"UNAVAILABLE","message":"Service Unavailable."})");
  EXPECT_EQ(d.record.reason, "revocation_state_stale");
  auto qod = good_claims(kQodAudience, "quality-on-demand:sessions:read");
  EXPECT_TRUE(run(mint(qod), "/quality-on-demand/v1/sessions/s1", bhttp::verb::get).forwards());
}

// After a poll: a clean token passes; a revoked jti, client or consent is 401 invalid_token with
// its own reason; the feed was asked with the admin token and the cursor.
TEST_F(PolicyPipelineTest, RevokedTokenClientConsent) {
  feed_->pages = {R"({"next":3,"revoked":[{"jti":"jti-bad","exp":)" + std::to_string(kNow + 600) +
                      R"(},{"client_id":"client-evil"},{"consent_id":"consent-gone"}]})"};
  feed_->cursor = 3;
  ASSERT_TRUE(revocations_->poll());
  EXPECT_EQ(feed_->urls.front(), "http://127.0.0.1:1/oauth2/revocations?since=0");
  EXPECT_EQ(feed_->bearers.front(), "admin-secret-token-0123456789abcdef");
  EXPECT_EQ(feed_->urls.back(), "http://127.0.0.1:1/oauth2/revocations?since=3");
  EXPECT_TRUE(run(claims_token("jti-good")).forwards());
  auto expect = [&](const std::string& token, std::string_view reason) {
    const Decision d = run(token);
    ASSERT_FALSE(d.forwards());
    EXPECT_EQ(res(d).result_int(), 401u);
    EXPECT_EQ(res(d)[bhttp::field::www_authenticate], R"(Bearer realm="tollgate", error="invalid_token")");
    EXPECT_EQ(d.record.reason, reason);
  };
  expect(claims_token("jti-bad"), "token_revoked");
  expect(claims_token("jti-ok", "consent-gone"), "consent_revoked");
  auto c = good_claims();
  c["client_id"] = "client-evil";
  expect(mint(c), "client_revoked");
}

// Past the staleness bound the product decides: refuse (503) by default, or introspect first
// when the product says so and introspection is configured (else still 503).
TEST_F(PolicyPipelineTest, StaleStateFollowsProductPolicy) {
  ASSERT_TRUE(revocations_->poll());
  EXPECT_TRUE(run(claims_token()).forwards());
  clock_.advance(31s);
  EXPECT_EQ(run(claims_token()).record.reason, "revocation_state_stale");
  ProductPolicy introspect;
  introspect.on_stale_revocations = OnStaleRevocations::kIntrospect;
  config_.products["sim-swap"] = introspect;
  rebuild();
  EXPECT_EQ(res(run(claims_token())).result_int(), 503u);  // no introspection endpoint
  const std::string token = claims_token();
  const Decision d = run(token, "/sim-swap/v2/check", bhttp::verb::post, /*can_introspect=*/true);
  ASSERT_TRUE(d.forwards());
  EXPECT_TRUE(std::get<Forward>(d.action).introspect);
  EXPECT_EQ(std::get<Forward>(d.action).token, token);
  // A failed poll does not make the state fresh again.
  feed_->fail = true;
  EXPECT_FALSE(revocations_->poll());
  EXPECT_FALSE(revocations_->fresh());
}

// A blocked client is refused with 403 PERMISSION_DENIED and no challenge, whatever its token.
TEST_F(PolicyPipelineTest, BlockedClient) {
  ASSERT_TRUE(revocations_->poll());
  config_.blocked_clients = {"client-42"};
  rebuild();
  const Decision d = run(claims_token());
  ASSERT_FALSE(d.forwards());
  EXPECT_EQ(res(d).result_int(), 403u);
  EXPECT_EQ(res(d).count(bhttp::field::www_authenticate), 0u);
  EXPECT_EQ(d.record.reason, "client_blocked");
}

// The partner's tier sizes the bucket: gold has burst 3 here, so the 4th call is 429 with
// Retry-After and the CAMARA body; tokens come back with time.
TEST_F(PolicyPipelineTest, RateLimitByTier) {
  ASSERT_TRUE(revocations_->poll());
  const auto token = claims_token();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(run(token).forwards()) << i;
  const Decision d = run(token);
  ASSERT_FALSE(d.forwards());
  EXPECT_EQ(res(d).result_int(), 429u);
  EXPECT_EQ(res(d)[bhttp::field::retry_after], "1");
  EXPECT_EQ(res(d).body(), R"({"status":429,"code":"TOO_MANY_REQUESTS","message":"Rate limit reached."})");
  EXPECT_EQ(d.record.reason, "rate_limited");
  clock_.advance(20ms);  // 100/s: two tokens back
  EXPECT_TRUE(run(token).forwards());
  // A client of an unknown partner gets the most restrictive tier (bronze: burst 2, 1/s).
  auto c = good_claims();
  c["partner"] = "nobody";
  c["client_id"] = "client-x";
  const auto t2 = mint(c);
  EXPECT_TRUE(run(t2).forwards());
  EXPECT_TRUE(run(t2).forwards());
  EXPECT_EQ(run(t2).record.reason, "rate_limited");
}

// Policy::build refuses a policy for an unknown product and an unknown default tier; the
// version changes with the gateway policy and with the catalog.
TEST_F(PolicyPipelineTest, BuildChecksAndVersion) {
  const std::string v1 = policy_->version();
  config_.blocked_clients = {"someone"};
  rebuild();
  EXPECT_NE(policy_->version(), v1);
  EXPECT_EQ(policy_->catalog_hash(), policy_catalog()->content_hash());
  GatewayConfig bad = config_;
  bad.products["no-such-product"] = ProductPolicy{};
  try {
    Policy::build(bad, policy_catalog(), jwks_, clock_, 9);
    FAIL() << "accepted";
  } catch (const catalog::ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "gateway: 'products' sets a policy for 'no-such-product', which the catalog does not define");
  }
  bad = config_;
  bad.rate_limits.default_tier = "platinum";
  EXPECT_THROW(Policy::build(bad, policy_catalog(), jwks_, clock_, 9), catalog::ConfigError);
}

// The feed parser is strict: a page that is not exactly the documented shape is refused whole.
TEST(FeedPage, Strict) {
  auto ok = parse_feed_page(R"({"next":7,"revoked":[{"jti":"a","exp":5},{"client_id":"c"},{"consent_id":"k"}]})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->next, 7);
  EXPECT_EQ(ok->entries(), 3u);
  for (const char* bad : {R"({"next":-1,"revoked":[]})", R"({"revoked":[]})", R"({"next":1})",
                          R"({"next":1,"revoked":[{"jti":"a"}]})", R"({"next":1,"revoked":[{"jti":"","exp":1}]})",
                          R"({"next":1,"revoked":[{"jti":"a","exp":1,"client_id":"c"}]})",
                          R"({"next":1,"revoked":[{}]})", R"({"next":1,"revoked":["a"]})",
                          R"({"next":1,"next":2,"revoked":[]})", "[]", "garbage"})
    EXPECT_FALSE(parse_feed_page(bad)) << bad;
}

// A full feed is read page after page in one poll, each request continuing from the last cursor;
// new entries move the epoch (token caches clear), an empty poll does not.
TEST_F(PolicyPipelineTest, FeedPagesAndEpoch) {
  feed_->pages = {R"({"next":2,"revoked":[{"client_id":"a"},{"client_id":"b"}]})",
                  R"({"next":3,"revoked":[{"client_id":"c"}]})"};
  feed_->cursor = 3;
  const auto e0 = revocations_->epoch();
  ASSERT_TRUE(revocations_->poll());
  EXPECT_EQ(feed_->urls.size(), 3u);
  EXPECT_EQ(feed_->urls[1], "http://127.0.0.1:1/oauth2/revocations?since=2");
  EXPECT_EQ(revocations_->stats().clients, 3u);
  EXPECT_EQ(revocations_->stats().cursor, 3);
  const auto e1 = revocations_->epoch();
  EXPECT_GT(e1, e0);
  ASSERT_TRUE(revocations_->poll());
  EXPECT_EQ(revocations_->epoch(), e1);
}

// A revoked token's entry outlives its exp by the largest clock skew (the token still
// passes until exp + skew), then it is dropped; an entry already past that is not added.
TEST_F(PolicyPipelineTest, RevokedTokenEntryKeptThroughTheSkew) {
  const std::int64_t exp = kNow + 10;
  feed_->pages = {R"({"next":2,"revoked":[{"jti":"j-live","exp":)" + std::to_string(exp) +
                      R"(},{"jti":"j-old","exp":)" + std::to_string(kNow - 301) + "}]}"};
  feed_->cursor = 2;
  ASSERT_TRUE(revocations_->poll());
  EXPECT_EQ(revocations_->stats().tokens, 1u);
  clock_.advance(std::chrono::seconds(10 + 300));  // exp + 300 s: still kept
  EXPECT_EQ(revocations_->check("j-live", "c", ""), RevocationVerdict::kTokenRevoked);
  feed_->pages = {R"({"next":2,"revoked":[]})"};
  ASSERT_TRUE(revocations_->poll());
  EXPECT_EQ(revocations_->stats().tokens, 1u);
  clock_.advance(std::chrono::seconds(2));
  ASSERT_TRUE(revocations_->poll());
  EXPECT_EQ(revocations_->stats().tokens, 0u);
}

}  // namespace
}  // namespace tollgate::gateway
