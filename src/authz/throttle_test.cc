#include "authz/throttle.h"

#include <gtest/gtest.h>

namespace tollgate::authz {
namespace {

using std::chrono::seconds;

core::TimePoint at(double s) {
  return core::TimePoint(std::chrono::microseconds(static_cast<std::int64_t>(s * 1e6)));
}

// A bucket allows `burst` requests at once, then one per 1/rate seconds, and says how long to wait.
TEST(RateLimiter, BurstThenRate) {
  RateLimiter rl;
  const Limit l{2, 3};  // 2/s, burst 3
  for (int i = 0; i < 3; ++i) EXPECT_EQ(rl.take("k", l, at(100)), seconds{0}) << i;
  EXPECT_EQ(rl.take("k", l, at(100)), seconds{1});  // 0.5 s rounded up to 1 s
  EXPECT_EQ(rl.take("k", l, at(100.5)), seconds{0});
  EXPECT_EQ(rl.take("k", l, at(100.5)), seconds{1});
  EXPECT_EQ(rl.take("other", l, at(100.5)), seconds{0});  // keys are independent
}

// A slow rate gives a Retry-After of the whole wait, rounded up.
TEST(RateLimiter, RetryAfterCoversTheWait) {
  RateLimiter rl;
  const Limit l{0.1, 1};  // one per 10 s
  EXPECT_EQ(rl.take("k", l, at(0)), seconds{0});
  EXPECT_EQ(rl.take("k", l, at(0)), seconds{10});
  EXPECT_EQ(rl.take("k", l, at(7.5)), seconds{3});
  EXPECT_EQ(rl.take("k", l, at(10)), seconds{0});
}

// A clock that goes backwards never mints tokens.
TEST(RateLimiter, ClockGoingBackIsHarmless) {
  RateLimiter rl;
  const Limit l{1, 1};
  EXPECT_EQ(rl.take("k", l, at(50)), seconds{0});
  EXPECT_GT(rl.take("k", l, at(10)).count(), 0);
  EXPECT_GT(rl.take("k", l, at(50.5)).count(), 0);
  EXPECT_EQ(rl.take("k", l, at(51)), seconds{0});
}

// Memory is bounded: a flood of distinct keys does not grow the table without end.
TEST(RateLimiter, ManyKeysStayBounded) {
  RateLimiter rl;
  const Limit l{1, 1};
  for (int i = 0; i < 250'000; ++i) rl.take("addr-" + std::to_string(i), l, at(0));
  // The newest key still has its own bucket and is limited.
  EXPECT_GT(rl.take("addr-249999", l, at(0)).count(), 0);
}

// After `threshold` failures in a row an id is locked for base, then 2x base, capped at max.
TEST(Lockout, LocksWithGrowingIntervals) {
  Lockout lo(3, seconds{30}, seconds{100});
  EXPECT_FALSE(lo.failed("c", at(0)));
  EXPECT_FALSE(lo.failed("c", at(1)));
  auto first = lo.failed("c", at(2));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->level, 1);
  EXPECT_EQ(first->duration, seconds{30});
  EXPECT_EQ(first->failures, 3);
  EXPECT_EQ(lo.locked("c", at(2)), seconds{30});
  EXPECT_EQ(lo.locked("c", at(31.5)), seconds{1});
  EXPECT_FALSE(lo.locked("c", at(32)));
  EXPECT_FALSE(lo.failed("c", at(10)));  // failures during the lock are not counted
  lo.failed("c", at(40));
  lo.failed("c", at(41));
  auto second = lo.failed("c", at(42));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->duration, seconds{60});
  for (double t : {110.0, 111.0, 112.0}) lo.failed("c", at(t));
  EXPECT_EQ(lo.locked("c", at(112)), seconds{100});  // 120 s capped at 100 s
}

// A success clears both the failure count and the lockout level.
TEST(Lockout, SuccessResets) {
  Lockout lo(2, seconds{30}, seconds{3600});
  lo.failed("c", at(0));
  ASSERT_TRUE(lo.failed("c", at(1)));
  lo.succeeded("c");
  EXPECT_FALSE(lo.locked("c", at(2)));
  lo.failed("c", at(3));
  auto again = lo.failed("c", at(4));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->level, 1);
  EXPECT_EQ(again->duration, seconds{30});
  EXPECT_FALSE(lo.locked("d", at(4)));  // ids are independent
}

}  // namespace
}  // namespace tollgate::authz
