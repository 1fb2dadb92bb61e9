#include "gateway/rate_limiter.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <filesystem>

#include "gateway/test_util.h"

namespace tollgate::gateway {
namespace {

using namespace std::chrono_literals;

// Local buckets: burst first, then one token per 1/rate seconds; Retry-After rounds up.
TEST(RateLimiter, LocalBucketRefills) {
  core::ManualClock clock{testing::kNow};
  auto l = RateLimiter::create(clock);
  const RateLimit limit{2.0, 3.0};  // 2/s, burst 3
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(l->admit("c1", "p", limit).allowed);
  auto refused = l->admit("c1", "p", limit);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 1s);
  clock.advance(500ms);  // one token back
  EXPECT_TRUE(l->admit("c1", "p", limit).allowed);
  EXPECT_FALSE(l->admit("c1", "p", limit).allowed);
  // Another client, or the same client on another product, has its own bucket.
  EXPECT_TRUE(l->admit("c2", "p", limit).allowed);
  EXPECT_TRUE(l->admit("c1", "q", limit).allowed);
  const auto st = l->stats();
  EXPECT_EQ(st.allowed, 6u);
  EXPECT_EQ(st.limited, 2u);
  EXPECT_EQ(st.buckets, 3u);
  // A slow tier: Retry-After is the time until one whole token, rounded up.
  const RateLimit slow{0.1, 1.0};  // one per 10 s
  EXPECT_TRUE(l->admit("c3", "p", slow).allowed);
  EXPECT_EQ(l->admit("c3", "p", slow).retry_after, 10s);
  // No tier: never limited.
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(l->admit("c4", "p", RateLimit{}).allowed);
}

// Idle, refilled buckets are pruned; busy ones stay.
TEST(RateLimiter, PruneIdleBuckets) {
  core::ManualClock clock{testing::kNow};
  auto l = RateLimiter::create(clock);
  l->admit("old", "p", {1, 1});
  clock.advance(kIdleBucketTtl + 1s);
  l->admit("new", "p", {1, 1});
  l->prune();
  EXPECT_EQ(l->stats().buckets, 1u);
}

// A real redis-server on a free loopback port in a temporary directory, stopped by pid.
class RedisServer {
 public:
  RedisServer() {
    if (::access("/usr/bin/redis-server", X_OK) != 0) return;
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor probe(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port_ = probe.local_endpoint().port();
    probe.close();
    dir_ = std::filesystem::temp_directory_path() / ("tg-redis-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string port = std::to_string(port_);
      ::execl("/usr/bin/redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1",
              "--dir", dir_.c_str(), "--save", "", "--appendonly", "no", "--daemonize", "no",
              "--logfile", "", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 100 && !ready(); ++i) std::this_thread::sleep_for(50ms);
  }
  ~RedisServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  bool ready() const {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket s(ioc);
    boost::system::error_code ec;
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    return !ec;
  }
  bool started() const { return pid_ > 0 && ready(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void kill_now() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::filesystem::path dir_;
};

// Two gateways sharing Redis converge on one bucket per (client, product): once A has spent
// the burst and both have synced, B refuses too — and the fleet never admits more than the
// burst plus what each gateway spent from its last view.
TEST(RateLimiterFleet, TwoGatewaysShareOneBucket) {
  RedisServer redis;
  ASSERT_TRUE(redis.started()) << "redis-server is missing (scripts/install-deps.sh test installs it)";
  core::ManualClock clock{testing::kNow};
  auto a = RateLimiter::create(clock, redis.address());
  auto b = RateLimiter::create(clock, redis.address());
  const RateLimit limit{0.001, 5};  // practically no refill during the test
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(a->admit("client", "sim-swap", limit).allowed);
  ASSERT_TRUE(a->sync());                                     // fleet: 5 - 5 = 0
  EXPECT_TRUE(b->admit("client", "sim-swap", limit).allowed);  // B's first view is its own burst
  ASSERT_TRUE(b->sync());                                     // fleet: -1; B learns it
  EXPECT_FALSE(b->admit("client", "sim-swap", limit).allowed);
  ASSERT_TRUE(a->sync());  // A learns the fleet is spent
  EXPECT_FALSE(a->admit("client", "sim-swap", limit).allowed);
  EXPECT_TRUE(a->stats().fleet_connected);
  // Another product is another bucket.
  EXPECT_TRUE(b->admit("client", "qod", limit).allowed);
}

// Redis going away never stops traffic: buckets keep limiting locally, failures are counted,
// and unreported spending stays pending for the next successful sync.
TEST(RateLimiterFleet, RedisDownFallsBackToLocal) {
  RedisServer redis;
  ASSERT_TRUE(redis.started()) << "redis-server is missing (scripts/install-deps.sh test installs it)";
  core::ManualClock clock{testing::kNow};
  auto a = RateLimiter::create(clock, redis.address());
  const RateLimit limit{0.001, 2};
  ASSERT_TRUE(a->admit("c", "p", limit).allowed);
  ASSERT_TRUE(a->sync());
  redis.kill_now();
  ASSERT_TRUE(a->admit("c", "p", limit).allowed);
  EXPECT_FALSE(a->sync());
  EXPECT_FALSE(a->admit("c", "p", limit).allowed);  // the local bucket still limits
  EXPECT_GE(a->stats().fleet_failures, 1u);
  EXPECT_FALSE(a->stats().fleet_connected);
}

}  // namespace
}  // namespace tollgate::gateway
