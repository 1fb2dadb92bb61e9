#include "gateway/token_cache.h"

#include <gtest/gtest.h>

#include "gateway/pipeline.h"
#include "gateway/test_util.h"

namespace tollgate::gateway {
namespace {

using namespace testing;
using namespace std::chrono_literals;

core::TimePoint at(std::int64_t unix_seconds) {
  return core::TimePoint(std::chrono::seconds(unix_seconds));
}

// A verified token with the given window, for cache-only tests.
TokenCache::Entry entry(std::int64_t from, std::int64_t until, std::string jti = "j1") {
  TokenCache::Entry e;
  e.token.valid_from = at(from);
  e.token.valid_until = at(until);
  e.token.jwt.jti = std::move(jti);
  e.identity.jti = e.token.jwt.jti;
  return e;
}

class TokenCacheTest : public ::testing::Test {
 protected:
  const catalog::Product* sim_swap_ = test_catalog()->product("sim-swap");
  const catalog::Product* qod_ = test_catalog()->product("quality-on-demand");
};

// A stored token is found again for the same product, and counted as a hit.
TEST_F(TokenCacheTest, HitForSameTokenAndProduct) {
  TokenCache c(8);
  EXPECT_EQ(c.find("tok", sim_swap_, at(kNow)), nullptr);
  ASSERT_NE(c.insert("tok", sim_swap_, entry(kNow - 10, kNow + 100), at(kNow)), nullptr);
  const auto* e = c.find("tok", sim_swap_, at(kNow + 1));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->token.jwt.jti, "j1");
  EXPECT_EQ(c.stats().hits, 1u);
  EXPECT_EQ(c.stats().misses, 1u);
}

// A token verified for one product proves nothing for another (audience differs).
TEST_F(TokenCacheTest, OtherProductMisses) {
  TokenCache c(8);
  c.insert("tok", sim_swap_, entry(kNow - 10, kNow + 100), at(kNow));
  EXPECT_EQ(c.find("tok", qod_, at(kNow)), nullptr);
}

// A token differing by one byte is another key (the digest covers every byte).
TEST_F(TokenCacheTest, OneByteDifferenceMisses) {
  TokenCache c(8);
  c.insert("abcdef", sim_swap_, entry(kNow - 10, kNow + 100), at(kNow));
  EXPECT_EQ(c.find("abcdeg", sim_swap_, at(kNow)), nullptr);
  EXPECT_EQ(c.find("abcde", sim_swap_, at(kNow)), nullptr);
}

// The upper bound is exclusive: at valid_until the entry is gone, one microsecond before it
// is served.
TEST_F(TokenCacheTest, NeverServedAtOrAfterValidUntil) {
  TokenCache c(8);
  c.insert("tok", sim_swap_, entry(kNow - 10, kNow + 100), at(kNow));
  EXPECT_NE(c.find("tok", sim_swap_, at(kNow + 100) - 1us), nullptr);
  EXPECT_EQ(c.find("tok", sim_swap_, at(kNow + 100)), nullptr);
  EXPECT_EQ(c.size(), 0u);  // erased on sight
}

// A clock that steps back before valid_from (nbf / iat in the future) gets no cached answer.
TEST_F(TokenCacheTest, NotServedBeforeValidFrom) {
  TokenCache c(8);
  c.insert("tok", sim_swap_, entry(kNow - 10, kNow + 100), at(kNow));
  EXPECT_EQ(c.find("tok", sim_swap_, at(kNow - 11)), nullptr);
}

// An entry that is not valid at insertion time is not stored, and the caller keeps it.
TEST_F(TokenCacheTest, InsertOutsideWindowStoresNothing) {
  TokenCache c(8);
  auto e = entry(kNow - 10, kNow);
  EXPECT_EQ(c.insert("tok", sim_swap_, std::move(e), at(kNow)), nullptr);
  EXPECT_EQ(e.token.jwt.jti, "j1");  // not moved from
  EXPECT_EQ(c.size(), 0u);
}

// A full cache drops expired entries first, then the least recently used one.
TEST_F(TokenCacheTest, BoundedBySizeWithLru) {
  TokenCache c(2);
  c.insert("a", sim_swap_, entry(kNow - 1, kNow + 100, "a"), at(kNow));
  c.insert("b", sim_swap_, entry(kNow - 1, kNow + 100, "b"), at(kNow));
  ASSERT_NE(c.find("a", sim_swap_, at(kNow)), nullptr);  // a is now the most recent
  c.insert("c", sim_swap_, entry(kNow - 1, kNow + 100, "c"), at(kNow));
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(c.find("b", sim_swap_, at(kNow)), nullptr);
  EXPECT_NE(c.find("a", sim_swap_, at(kNow)), nullptr);
  EXPECT_NE(c.find("c", sim_swap_, at(kNow)), nullptr);
  EXPECT_EQ(c.stats().evictions, 1u);

  TokenCache d(2);
  d.insert("old", sim_swap_, entry(kNow - 1, kNow + 5, "old"), at(kNow));
  d.insert("x", sim_swap_, entry(kNow - 1, kNow + 100, "x"), at(kNow));
  // At kNow + 10 "old" has expired: it makes room, the live "x" stays.
  d.insert("y", sim_swap_, entry(kNow - 1, kNow + 100, "y"), at(kNow + 10));
  EXPECT_NE(d.find("x", sim_swap_, at(kNow + 10)), nullptr);
  EXPECT_NE(d.find("y", sim_swap_, at(kNow + 10)), nullptr);
  EXPECT_EQ(d.stats().evictions, 0u);
}

// A new invalidation epoch (key removal, revocation, block, reload) clears every entry.
TEST_F(TokenCacheTest, EpochChangeClears) {
  TokenCache c(8);
  c.sync(1);
  c.insert("tok", sim_swap_, entry(kNow - 10, kNow + 100), at(kNow));
  c.sync(1);
  EXPECT_NE(c.find("tok", sim_swap_, at(kNow)), nullptr);
  c.sync(2);
  EXPECT_EQ(c.find("tok", sim_swap_, at(kNow)), nullptr);
  EXPECT_EQ(c.stats().clears, 1u);
}

// validity_window mirrors check_claims second by second: exp with skew, nbf, iat, max age.
TEST(ValidityWindow, MatchesClaimChecks) {
  core::VerifyPolicy p;
  p.clock_skew = 30s;
  core::VerifiedJwt j;
  j.exp = kNow + 600;
  j.iat = kNow - 10;
  auto [from, until] = validity_window(j, p);
  EXPECT_EQ(until, at(kNow + 630));
  EXPECT_EQ(from, at(kNow - 40));
  j.nbf = kNow + 5;
  std::tie(from, until) = validity_window(j, p);
  EXPECT_EQ(from, at(kNow - 25));
  p.max_age = 60s;  // too old once now_s - iat > 90, i.e. from kNow + 81
  std::tie(from, until) = validity_window(j, p);
  EXPECT_EQ(until, at(kNow + 81));
  j.exp = std::numeric_limits<std::int64_t>::max();  // absurd exp: no overflow
  j.iat.reset();
  p.max_age.reset();
  std::tie(from, until) = validity_window(j, p);
  EXPECT_GT(until, at(kNow + 1'000'000'000));
}

// Through the pipeline with a manual clock: the second request is a cache hit, and an expired
// token is refused at exactly the instant a fresh verification would refuse it.
class CachedPipelineTest : public ::testing::Test {
 protected:
  core::ManualClock clock_{kNow};
  std::shared_ptr<FakeJwksCache> jwks_ = std::make_shared<FakeJwksCache>(public_jwks());
  std::shared_ptr<const RouteMatcher> routes_ = RouteMatcher::create(test_catalog());
  std::shared_ptr<const Verifier> verifier_ =
      Verifier::create({test_issuer()}, test_catalog(), jwks_, clock_);
  TokenCache cache_{16};

  Decision run(const std::string& token) {
    http::Request r{http::bhttp::verb::post, "/sim-swap/v2/check", 11};
    r.set(http::bhttp::field::authorization, "Bearer " + token);
    return decide(std::move(r), {*routes_, *verifier_, &cache_});
  }
};

TEST_F(CachedPipelineTest, RepeatTokenHitsAndExpiresOnTime) {
  auto claims = good_claims();
  claims["exp"] = kNow + 100;  // skew 30 s: refused from kNow + 130 on
  const auto token = mint(claims);
  ASSERT_TRUE(run(token).forwards());
  ASSERT_TRUE(run(token).forwards());
  EXPECT_EQ(cache_.stats().hits, 1u);
  clock_.set_unix_seconds(kNow + 129);
  EXPECT_TRUE(run(token).forwards());
  EXPECT_EQ(cache_.stats().hits, 2u);
  clock_.set_unix_seconds(kNow + 130);
  const Decision d = run(token);
  ASSERT_FALSE(d.forwards());
  EXPECT_EQ(d.record.status, 401u);
  EXPECT_EQ(d.record.reason, "token_expired");
}

// A cached token whose signing key is withdrawn is verified again (and refused) after sync().
TEST_F(CachedPipelineTest, KeyRemovalEpochForcesReverification) {
  const auto token = mint(good_claims());
  cache_.sync(0);
  ASSERT_TRUE(run(token).forwards());
  jwks_->set(core::Jwks({public_of(keys().rsa)}));  // ec-1 withdrawn
  EXPECT_TRUE(run(token).forwards());               // same epoch: the cache still answers
  cache_.sync(1);                                   // what Gateway does on key_removals()
  const Decision d = run(token);
  ASSERT_FALSE(d.forwards());
  EXPECT_EQ(d.record.reason, "kid_unknown");
}

// A token refused once is refused again: failures are never cached.
TEST_F(CachedPipelineTest, FailuresAreNotCached) {
  auto c = good_claims("https://api.test.example/qod");  // wrong audience for sim-swap
  const auto token = mint(c);
  EXPECT_EQ(run(token).record.reason, "aud_mismatch");
  EXPECT_EQ(run(token).record.reason, "aud_mismatch");
  EXPECT_EQ(cache_.size(), 0u);
}

}  // namespace
}  // namespace tollgate::gateway
