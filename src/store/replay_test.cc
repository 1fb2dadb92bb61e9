#include "store/replay.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/test_support.h"

namespace tollgate::store {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

class ReplayCacheTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { cache_ = SqliteReplayCache::open(tmp_.open()).value(); }
  testing::TempDb tmp_{GetParam()};
  std::shared_ptr<SqliteReplayCache> cache_;
};

// The first use of a jti is accepted and the second refused.
TEST_P(ReplayCacheTest, SecondUseIsRefused) {
  EXPECT_TRUE(cache_->use_once("client-a", "jti-1", kNow + 300, kNow).value());
  EXPECT_FALSE(cache_->use_once("client-a", "jti-1", kNow + 300, kNow + 1).value());
}

// The same jti from another client is a different assertion (jti is unique per issuer).
TEST_P(ReplayCacheTest, JtiIsScopedToTheClient) {
  EXPECT_TRUE(cache_->use_once("client-a", "jti-1", kNow + 300, kNow).value());
  EXPECT_TRUE(cache_->use_once("client-b", "jti-1", kNow + 300, kNow).value());
}

// A replay is still refused after the database is closed and reopened (a restart).
TEST_P(ReplayCacheTest, SurvivesRestart) {
  EXPECT_TRUE(cache_->use_once("client-a", "jti-r", kNow + 300, kNow).value());
  cache_.reset();
  auto again = SqliteReplayCache::open(tmp_.open()).value();
  EXPECT_FALSE(again->use_once("client-a", "jti-r", kNow + 300, kNow + 10).value());
}

// Rows past keep_until are pruned, and a pair whose earlier use has expired counts as new.
TEST_P(ReplayCacheTest, ExpiredRowsArePrunedAndReusable) {
  EXPECT_TRUE(cache_->use_once("c", "old", kNow + 10, kNow).value());
  EXPECT_TRUE(cache_->use_once("c", "live", kNow + 1000, kNow).value());
  EXPECT_EQ(cache_->size().value(), 2);
  const std::int64_t later = kNow + SqliteReplayCache::kPruneInterval + 20;
  EXPECT_TRUE(cache_->use_once("c", "old", later + 300, later).value());
  EXPECT_FALSE(cache_->use_once("c", "live", later + 300, later).value());
  EXPECT_EQ(cache_->size().value(), 2);
}

// purge_expired deletes the pairs past keep_until at once (no prune interval) and counts them.
TEST_P(ReplayCacheTest, PurgeExpiredOnDemand) {
  EXPECT_TRUE(cache_->use_once("c", "a", kNow + 10, kNow).value());
  EXPECT_TRUE(cache_->use_once("c", "b", kNow + 20, kNow).value());
  EXPECT_TRUE(cache_->use_once("c", "c", kNow + 300, kNow).value());
  EXPECT_EQ(cache_->purge_expired(kNow + 10).value(), 0);
  EXPECT_EQ(cache_->purge_expired(kNow + 21).value(), 2);
  EXPECT_EQ(cache_->size().value(), 1);
  EXPECT_FALSE(cache_->use_once("c", "c", kNow + 300, kNow + 21).value());
}

// Two threads racing with the same jti: exactly one wins.
TEST_P(ReplayCacheTest, ConcurrentUsesHaveOneWinner) {
  for (int round = 0; round < 20; ++round) {
    const std::string jti = "race-" + std::to_string(round);
    std::atomic<int> wins{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t)
      ts.emplace_back([&] {
        if (cache_->use_once("c", jti, kNow + 300, kNow).value()) ++wins;
      });
    for (auto& t : ts) t.join();
    EXPECT_EQ(wins.load(), 1) << jti;
  }
}

TOLLGATE_STORE_BACKENDS(ReplayCacheTest);

}  // namespace
}  // namespace tollgate::store
