// throttle.h — abuse limits at the authorization server's client-facing
// endpoints (token, revoke, introspect):
//   - per source address: a token bucket (`address_rate`, `address_burst`),
//     checked before the request body is even parsed;
//   - per client at the token endpoint: a token bucket at the partner tier's
//     `token_rate` (catalog), bucket size kTokenBurstSeconds × rate (at least
//     kMinTokenBurst), or `default_token_rate` for a partner without a tier;
//   - lockout: after `lockout_threshold` failed authentications in a row for a
//     client_id, that id is locked for lockout_base, then 2×, 4×, ... up to
//     lockout_max for each further lockout; a success resets both counters.
//     Ids are tracked whether or not the client exists, so a lockout (429)
//     never tells an attacker which client ids are registered.
//
// Contract
// - Pure in-memory state with an injected clock; nothing is persisted (a
//   restart forgets lockouts, which only ever favours the legitimate client).
// - Memory is bounded: each table keeps at most kMaxEntries keys; when full,
//   idle entries (a full bucket, no failure, no lock) are dropped first, and
//   if that is not enough the oldest half of the table is forgotten.
// - Thread safety: every member may be called from any thread (sharded mutexes).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"

namespace tollgate::authz {

struct Limit {
  double rate = 0;   // tokens per second (> 0)
  double burst = 0;  // bucket size (>= 1)
};

// A table of token buckets keyed by string.
class RateLimiter {
 public:
  static constexpr std::size_t kMaxEntries = 100'000;
  // 0 when allowed; otherwise how long until one request would be allowed (>= 1 s, rounded up).
  std::chrono::seconds take(std::string_view key, Limit limit, core::TimePoint now);

 private:
  struct Bucket {
    double tokens = 0;
    core::TimePoint updated;
    double burst = 0;
    double rate = 0;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;  // GUARDED_BY(mutex)
  };
  static constexpr std::size_t kShards = 16;
  std::array<Shard, kShards> shards_;
};

struct LockoutStarted {
  int level = 0;                        // 1 for the first lockout in a row, 2 for the next...
  std::chrono::seconds duration{0};
  int failures = 0;                     // failures that led to it
};

class Lockout {
 public:
  static constexpr std::size_t kMaxEntries = 100'000;
  Lockout(int threshold, std::chrono::seconds base, std::chrono::seconds max)
      : threshold_(threshold), base_(base), max_(max) {}
  // Remaining lock time for `id` (nullopt: not locked).
  std::optional<std::chrono::seconds> locked(std::string_view id, core::TimePoint now);
  // A failed authentication; returns the lockout it starts, if any.
  std::optional<LockoutStarted> failed(std::string_view id, core::TimePoint now);
  void succeeded(std::string_view id);

 private:
  struct State {
    int failures = 0;
    int level = 0;  // lockouts so far in a row
    core::TimePoint locked_until{};
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, State> states;  // GUARDED_BY(mutex)
  };
  static constexpr std::size_t kShards = 16;
  Shard& shard(std::string_view id);
  const int threshold_;
  const std::chrono::seconds base_, max_;
  std::array<Shard, kShards> shards_;
};

}  // namespace tollgate::authz
