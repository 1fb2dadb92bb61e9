#include "gateway/metrics.h"

#include <algorithm>

namespace tollgate::gateway {
namespace {

void bump(std::map<std::string, std::uint64_t, std::less<>>& m, std::string_view reason) {
  auto it = m.find(reason);
  if (it == m.end()) it = m.emplace(std::string(reason), 0).first;
  ++it->second;
}

}  // namespace

Metrics::Metrics(std::size_t shards) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, shards); ++i)
    shards_.push_back(std::make_unique<Shard>());
}

void Metrics::denied(std::string_view reason) {
  std::lock_guard lock(mutex_);
  bump(denied_, reason);
}

void Metrics::upstream_error(std::string_view reason) {
  std::lock_guard lock(mutex_);
  bump(upstream_errors_, reason);
}

void Metrics::record(std::size_t shard, std::string_view product, unsigned status,
                     std::string_view reason, double latency_ms) {
  Shard& s = *shards_[shard % shards_.size()];
  std::size_t b = 0;
  while (b < kLatencyBucketsMs.size() && latency_ms > kLatencyBucketsMs[b]) ++b;
  std::lock_guard lock(s.mu);
  // Find without allocating: tuples of strings compare with tuples of views.
  const auto key = std::tuple<std::string_view, unsigned, std::string_view>(product, status, reason);
  auto it = s.requests.find(key);
  if (it == s.requests.end())
    it = s.requests.emplace(std::tuple<std::string, unsigned, std::string>(product, status, reason), 0).first;
  ++it->second;
  ++s.buckets[b];
  s.sum_ms += latency_ms;
  ++s.count;
}

MetricsSnapshot Metrics::snapshot() const {
  MetricsSnapshot out;
  out.allowed = allowed_.load(std::memory_order_relaxed);
  {
    std::lock_guard lock(mutex_);
    out.denied.insert(denied_.begin(), denied_.end());
    out.upstream_errors.insert(upstream_errors_.begin(), upstream_errors_.end());
  }
  for (const auto& sp : shards_) {
    std::lock_guard lock(sp->mu);
    for (const auto& [k, v] : sp->requests) out.requests[k] += v;
    for (std::size_t i = 0; i < sp->buckets.size(); ++i) out.latency_buckets[i] += sp->buckets[i];
    out.latency_sum_ms += sp->sum_ms;
    out.latency_count += sp->count;
  }
  return out;
}

}  // namespace tollgate::gateway
