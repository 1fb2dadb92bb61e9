// rate_limiter.h — per (client, product) token buckets sized by the partner's
// tier (catalog `tiers`: rate per second and burst).
//
// Local mode (default): one bucket per (client, product) in this process,
// shared by every gateway thread (16 mutex-striped shards; a request takes one
// uncontended lock). A bucket starts full (burst) and refills at `rate`; a
// request takes one token or is refused with the time until one is back
// (Retry-After, whole seconds, at least 1).
//
// Fleet mode (rate_limits.redis = "host:port"): the same local buckets, and a
// background thread that every kFleetSyncInterval reports each recently used
// bucket's consumption to Redis 7 (one EVAL of a bucket script per key, using
// Redis' clock) and takes the fleet's remaining tokens as the local count. So
// every gateway converges on one shared bucket per (client, product); between
// syncs a gateway spends from its last view, which bounds the fleet's overshoot
// by (gateways - 1) x (burst + rate x kFleetSyncInterval) for a new key and
// (gateways - 1) x rate x kFleetSyncInterval afterwards. When Redis cannot be
// reached the buckets keep working locally (logged, counted) and the sync
// reconnects: rate limits are fairness, never the only guard.
//
// Memory: buckets unused for kIdleBucketTtl (and full again) are pruned by
// prune(), which the gateway's sweep calls.
//
// Thread-safety: admit(), prune() and stats() from any thread; sync() from one
// thread at a time (the fleet thread or a test). Time: the injected Clock.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "core/clock.h"

namespace tollgate::gateway {

inline constexpr std::chrono::milliseconds kFleetSyncInterval{100};
// A bucket is reported to Redis while it was used within this window.
inline constexpr std::chrono::seconds kFleetKeyWindow{10};
inline constexpr std::chrono::seconds kIdleBucketTtl{300};

struct RateLimit {
  double rate = 0;   // tokens per second (> 0)
  double burst = 0;  // bucket size (>= 1)
};

struct RateDecision {
  bool allowed = true;
  std::chrono::seconds retry_after{0};  // when refused: whole seconds until a token is back (>= 1)
};

struct RateLimiterStats {
  std::uint64_t allowed = 0;
  std::uint64_t limited = 0;
  std::size_t buckets = 0;
  std::uint64_t fleet_syncs = 0;
  std::uint64_t fleet_failures = 0;
  bool fleet = false;
  bool fleet_connected = false;
};

class RateLimiter {
 public:
  // `redis`: "host:port" for fleet mode; nullopt = local only.
  static std::shared_ptr<RateLimiter> create(const core::Clock& clock,
                                             std::optional<std::string> redis = std::nullopt);
  ~RateLimiter();

  RateDecision admit(std::string_view client, std::string_view product, const RateLimit& limit);
  void prune();
  RateLimiterStats stats() const;

  // Fleet mode: one sync round now (blocking; tests), and the background thread.
  bool sync();
  void start();
  void stop();

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t last_us = 0;     // last refill
    std::int64_t touched_us = 0;  // last use
    std::uint32_t pending = 0;    // consumed since the last fleet sync
    RateLimit limit;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket, Hash, std::equal_to<>> buckets;  // guarded by mu
  };
  static constexpr std::size_t kShards = 16;

  RateLimiter(const core::Clock& clock, std::optional<std::string> redis);
  Shard& shard_for(std::string_view key);
  void run();

  const core::Clock& clock_;
  std::optional<std::string> redis_;
  mutable std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> allowed_{0}, limited_{0}, syncs_{0}, sync_failures_{0};
  std::atomic<bool> connected_{false};

  struct Redis;                   // hiredis connection, owned by the sync thread
  std::unique_ptr<Redis> conn_;   // used under sync_mutex_
  std::mutex sync_mutex_;
  std::mutex thread_mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by thread_mutex_
  std::thread thread_;
};

// "client\x1fproduct": the bucket key (and the Redis key's suffix).
std::string rate_key(std::string_view client, std::string_view product);

}  // namespace tollgate::gateway
