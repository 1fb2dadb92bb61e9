#include "gateway/rate_limiter.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "http/log.h"

namespace tollgate::gateway {
namespace {

constexpr std::string_view kRedisPrefix = "tollgate:rl:";
constexpr int kRedisTimeoutMs = 200;

// One shared bucket per key in a Redis hash {t: tokens, ts: last refill ms},
// refilled with Redis' own clock so gateways' clocks need not agree. Returns the
// tokens left after `used` (may be negative: the fleet overspent).
constexpr const char* kBucketScript = R"lua(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local used = tonumber(ARGV[3])
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local t = redis.call('HMGET', KEYS[1], 't', 'ts')
local tokens = tonumber(t[1])
local ts = tonumber(t[2])
if tokens == nil or ts == nil then tokens = burst; ts = now_ms end
tokens = math.min(burst, tokens + math.max(0, now_ms - ts) / 1000 * rate) - used
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(now_ms))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 60000)
return tostring(tokens)
)lua";

std::int64_t micros(core::TimePoint t) { return t.time_since_epoch().count(); }

void refill(double& tokens, std::int64_t& last_us, std::int64_t now_us, const RateLimit& l) {
  if (now_us > last_us) {
    tokens = std::min(l.burst, tokens + static_cast<double>(now_us - last_us) / 1e6 * l.rate);
    last_us = now_us;
  }
}

}  // namespace

std::string rate_key(std::string_view client, std::string_view product) {
  std::string k;
  k.reserve(client.size() + product.size() + 1);
  k.append(client);
  k.push_back('\x1f');
  k.append(product);
  return k;
}

struct RateLimiter::Redis {
  redisContext* ctx = nullptr;
  ~Redis() {
    if (ctx) redisFree(ctx);
  }
};

RateLimiter::RateLimiter(const core::Clock& clock, std::optional<std::string> redis)
    : clock_(clock), redis_(std::move(redis)) {}

RateLimiter::~RateLimiter() { stop(); }

std::shared_ptr<RateLimiter> RateLimiter::create(const core::Clock& clock,
                                                 std::optional<std::string> redis) {
  return std::shared_ptr<RateLimiter>(new RateLimiter(clock, std::move(redis)));
}

RateLimiter::Shard& RateLimiter::shard_for(std::string_view key) {
  return shards_[std::hash<std::string_view>{}(key) % kShards];
}

RateDecision RateLimiter::admit(std::string_view client, std::string_view product,
                                const RateLimit& limit) {
  if (limit.rate <= 0 || limit.burst <= 0) return {};  // no limit configured
  thread_local std::string key;
  key.clear();
  key.append(client);
  key.push_back('\x1f');
  key.append(product);
  const std::int64_t now = micros(clock_.now());
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mu);
  auto it = s.buckets.find(std::string_view(key));
  if (it == s.buckets.end()) {
    Bucket b;
    b.tokens = limit.burst;
    b.last_us = now;
    b.limit = limit;
    it = s.buckets.emplace(key, b).first;
  }
  Bucket& b = it->second;
  b.limit = limit;  // a reload may have changed the tier
  b.touched_us = now;
  refill(b.tokens, b.last_us, now, limit);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    if (redis_) ++b.pending;  // only the fleet sync reads it
    allowed_.fetch_add(1, std::memory_order_relaxed);
    return {};
  }
  limited_.fetch_add(1, std::memory_order_relaxed);
  const double wait_s = (1.0 - b.tokens) / limit.rate;
  return {false, std::chrono::seconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait_s))))};
}

void RateLimiter::prune() {
  const std::int64_t now = micros(clock_.now());
  const std::int64_t ttl = std::chrono::duration_cast<std::chrono::microseconds>(kIdleBucketTtl).count();
  for (auto& s : shards_) {
    std::lock_guard lock(s.mu);
    for (auto it = s.buckets.begin(); it != s.buckets.end();) {
      const bool idle = now - it->second.touched_us > ttl && it->second.pending == 0;
      it = idle ? s.buckets.erase(it) : std::next(it);
    }
  }
}

RateLimiterStats RateLimiter::stats() const {
  RateLimiterStats st;
  st.allowed = allowed_.load(std::memory_order_relaxed);
  st.limited = limited_.load(std::memory_order_relaxed);
  st.fleet_syncs = syncs_.load(std::memory_order_relaxed);
  st.fleet_failures = sync_failures_.load(std::memory_order_relaxed);
  st.fleet = redis_.has_value();
  st.fleet_connected = connected_.load(std::memory_order_relaxed);
  for (auto& s : shards_) {
    std::lock_guard lock(s.mu);
    st.buckets += s.buckets.size();
  }
  return st;
}

bool RateLimiter::sync() {
  if (!redis_) return false;
  std::lock_guard sync_lock(sync_mutex_);
  // What to report: every bucket used within the window, with what it spent since last time.
  struct Item {
    std::string key;
    std::uint32_t used;
    RateLimit limit;
  };
  std::vector<Item> items;
  const std::int64_t now = micros(clock_.now());
  const std::int64_t window = std::chrono::duration_cast<std::chrono::microseconds>(kFleetKeyWindow).count();
  for (auto& s : shards_) {
    std::lock_guard lock(s.mu);
    for (auto& [key, b] : s.buckets) {
      if (now - b.touched_us > window && b.pending == 0) continue;
      items.push_back({key, b.pending, b.limit});
      b.pending = 0;
    }
  }
  if (items.empty()) return true;

  auto give_back = [&](std::size_t from) {  // unreported consumption stays pending
    for (std::size_t i = from; i < items.size(); ++i) {
      Shard& s = shard_for(items[i].key);
      std::lock_guard lock(s.mu);
      if (auto it = s.buckets.find(std::string_view(items[i].key)); it != s.buckets.end())
        it->second.pending += items[i].used;
    }
  };
  if (!conn_ || conn_->ctx == nullptr || conn_->ctx->err) {
    conn_ = std::make_unique<Redis>();
    const auto colon = redis_->rfind(':');
    const std::string host = redis_->substr(0, colon);
    int port = 6379;
    if (colon != std::string::npos) std::from_chars(redis_->data() + colon + 1, redis_->data() + redis_->size(), port);
    timeval tv{0, kRedisTimeoutMs * 1000};
    conn_->ctx = redisConnectWithTimeout(host.c_str(), port, tv);
    if (conn_->ctx == nullptr || conn_->ctx->err) {
      connected_.store(false);
      sync_failures_.fetch_add(1);
      http::log_json("app",
                     {{"msg", "rate limits: Redis unreachable; limiting per gateway"},
                      {"redis", *redis_},
                      {"error", conn_->ctx ? conn_->ctx->errstr : "out of memory"}},
                     http::LogLevel::kWarn);
      give_back(0);
      return false;
    }
    redisSetTimeout(conn_->ctx, tv);
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    const std::string key = std::string(kRedisPrefix) + it.key;
    const std::string rate = std::to_string(it.limit.rate), burst = std::to_string(it.limit.burst),
                      used = std::to_string(it.used);
    auto* reply = static_cast<redisReply*>(
        redisCommand(conn_->ctx, "EVAL %s 1 %b %s %s %s", kBucketScript, key.data(), key.size(),
                     rate.c_str(), burst.c_str(), used.c_str()));
    if (reply == nullptr || reply->type != REDIS_REPLY_STRING) {
      if (reply) {
        http::log_json("app", {{"msg", "rate limits: Redis refused the bucket script"},
                               {"error", reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply"}},
                       http::LogLevel::kWarn);
        freeReplyObject(reply);
      }
      connected_.store(false);
      sync_failures_.fetch_add(1);
      conn_.reset();  // reconnect next round
      give_back(i);
      return false;
    }
    double fleet_tokens = 0;
    const std::string_view text(reply->str, reply->len);
    std::from_chars(text.data(), text.data() + text.size(), fleet_tokens);
    freeReplyObject(reply);
    // The fleet's view replaces ours, minus what we spent while the reply was on its way.
    Shard& s = shard_for(it.key);
    std::lock_guard lock(s.mu);
    if (auto b = s.buckets.find(std::string_view(it.key)); b != s.buckets.end()) {
      b->second.tokens = std::min(b->second.limit.burst, fleet_tokens - b->second.pending);
      b->second.last_us = micros(clock_.now());
    }
  }
  connected_.store(true);
  syncs_.fetch_add(1);
  return true;
}

void RateLimiter::start() {
  if (!redis_) return;
  std::lock_guard lock(thread_mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void RateLimiter::stop() {
  {
    std::lock_guard lock(thread_mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void RateLimiter::run() {
  std::unique_lock lock(thread_mutex_);
  while (!stopping_) {
    cv_.wait_for(lock, kFleetSyncInterval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    sync();
    lock.lock();
  }
}

}  // namespace tollgate::gateway
