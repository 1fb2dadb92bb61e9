#include "gateway/metrics.h"

namespace tollgate::gateway {
namespace {

void bump(std::map<std::string, std::uint64_t, std::less<>>& m, std::string_view reason) {
  auto it = m.find(reason);
  if (it == m.end()) it = m.emplace(std::string(reason), 0).first;
  ++it->second;
}

}  // namespace

void Metrics::denied(std::string_view reason) {
  std::lock_guard lock(mutex_);
  bump(denied_, reason);
}

void Metrics::upstream_error(std::string_view reason) {
  std::lock_guard lock(mutex_);
  bump(upstream_errors_, reason);
}

MetricsSnapshot Metrics::snapshot() const {
  MetricsSnapshot s;
  s.allowed = allowed_.load(std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  s.denied.insert(denied_.begin(), denied_.end());
  s.upstream_errors.insert(upstream_errors_.begin(), upstream_errors_.end());
  return s;
}

}  // namespace tollgate::gateway
