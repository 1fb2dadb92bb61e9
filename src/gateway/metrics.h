// metrics.h — the gateway's counters, declared once (STYLE.md §11):
//   requests_allowed            forwarded and answered by the upstream
//   requests_denied{reason}     refused by the gateway (reason = the access-log reason)
//   upstream_errors{reason}     forwarded but the upstream failed (502/503/504)
// Exposition (Prometheus /metrics on an admin listener) comes with the
// production gateway; snapshot() is what it will read.
// Thread-safe: the allowed counter is one relaxed atomic; the labelled
// counters take a mutex, which only refusals and failures pay.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace tollgate::gateway {

struct MetricsSnapshot {
  std::uint64_t allowed = 0;
  std::map<std::string, std::uint64_t> denied;           // reason -> count
  std::map<std::string, std::uint64_t> upstream_errors;  // reason -> count
};

class Metrics {
 public:
  void allowed() { allowed_.fetch_add(1, std::memory_order_relaxed); }
  void denied(std::string_view reason);
  void upstream_error(std::string_view reason);
  MetricsSnapshot snapshot() const;

 private:
  std::atomic<std::uint64_t> allowed_{0};
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t, std::less<>> denied_;           // guarded by mutex_
  std::map<std::string, std::uint64_t, std::less<>> upstream_errors_;  // guarded by mutex_
};

}  // namespace tollgate::gateway
