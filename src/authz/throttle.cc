#include "authz/throttle.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace tollgate::authz {
namespace {

std::size_t shard_of(std::string_view key, std::size_t n) { return std::hash<std::string_view>{}(key) % n; }

double seconds_between(core::TimePoint a, core::TimePoint b) {
  return std::chrono::duration<double>(b - a).count();
}

// Drop entries for which `idle` holds; if the map is still too big, drop half of it.
template <class Map, class Pred>
void make_room(Map& map, std::size_t max, Pred idle) {
  if (map.size() < max) return;
  std::erase_if(map, [&](const auto& kv) { return idle(kv.second); });
  if (map.size() < max) return;
  std::size_t drop = map.size() / 2;
  for (auto it = map.begin(); it != map.end() && drop > 0; --drop) it = map.erase(it);
}

}  // namespace

std::chrono::seconds RateLimiter::take(std::string_view key, Limit limit, core::TimePoint now) {
  Shard& s = shards_[shard_of(key, kShards)];
  std::lock_guard lock(s.mutex);
  auto it = s.buckets.find(std::string(key));
  if (it == s.buckets.end()) {
    make_room(s.buckets, kMaxEntries / kShards, [&](const Bucket& b) {
      return b.tokens + seconds_between(b.updated, now) * b.rate >= b.burst;
    });
    it = s.buckets.emplace(std::string(key), Bucket{limit.burst, now, limit.burst, limit.rate}).first;
  }
  Bucket& b = it->second;
  b.burst = limit.burst;  // the tier may have changed
  b.rate = limit.rate;
  if (now > b.updated) b.tokens = std::min(b.burst, b.tokens + seconds_between(b.updated, now) * b.rate);
  b.updated = std::max(b.updated, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::chrono::seconds{0};
  }
  const double wait = (1.0 - b.tokens) / b.rate;
  return std::chrono::seconds{std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait)))};
}

Lockout::Shard& Lockout::shard(std::string_view id) { return shards_[shard_of(id, kShards)]; }

std::optional<std::chrono::seconds> Lockout::locked(std::string_view id, core::TimePoint now) {
  Shard& s = shard(id);
  std::lock_guard lock(s.mutex);
  auto it = s.states.find(std::string(id));
  if (it == s.states.end() || it->second.locked_until <= now) return std::nullopt;
  return std::max(std::chrono::seconds{1}, std::chrono::ceil<std::chrono::seconds>(it->second.locked_until - now));
}

std::optional<LockoutStarted> Lockout::failed(std::string_view id, core::TimePoint now) {
  Shard& s = shard(id);
  std::lock_guard lock(s.mutex);
  auto it = s.states.find(std::string(id));
  if (it == s.states.end()) {
    make_room(s.states, kMaxEntries / kShards,
              [&](const State& st) { return st.failures == 0 && st.locked_until <= now; });
    it = s.states.emplace(std::string(id), State{}).first;
  }
  State& st = it->second;
  if (st.locked_until > now) return std::nullopt;  // already locked: not counted again
  if (++st.failures < threshold_) return std::nullopt;
  const int failures = st.failures;
  st.failures = 0;
  ++st.level;
  // base × 2^(level-1), capped; the shift is bounded so it cannot overflow.
  const int shift = std::min(st.level - 1, 30);
  const std::chrono::seconds duration = std::min(max_, base_ * (std::int64_t{1} << shift));
  st.locked_until = now + duration;
  return LockoutStarted{st.level, duration, failures};
}

void Lockout::succeeded(std::string_view id) {
  Shard& s = shard(id);
  std::lock_guard lock(s.mutex);
  s.states.erase(std::string(id));
}

}  // namespace tollgate::authz
