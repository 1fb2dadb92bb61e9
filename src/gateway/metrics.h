// metrics.h — the gateway's counters, declared once (STYLE.md §11):
//   requests_allowed                         forwarded and answered by the upstream
//   requests_denied{reason}                  refused by the gateway (reason = the access-log reason)
//   upstream_errors{reason}                  forwarded but the upstream failed (502/503/504)
//   requests{product,status,reason}          every answered request
//   request_duration_ms (histogram)          gateway latency, first byte handled to answer queued
// The admin listener (admin.h) renders them for Prometheus together with the
// JWKS, token-cache, revocation and rate-limit figures their owners keep.
//
// Thread-safety: the allowed counter is one relaxed atomic; requests{} and the
// histogram are sharded per gateway thread (a thread locks only its own shard,
// uncontended but for scrapes); the reason maps take a mutex only refusals and
// failures pay.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace tollgate::gateway {

// Upper bounds of the latency histogram, milliseconds (+Inf is implicit).
inline constexpr std::array<double, 15> kLatencyBucketsMs = {
    0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000};

struct MetricsSnapshot {
  std::uint64_t allowed = 0;
  std::map<std::string, std::uint64_t> denied;           // reason -> count
  std::map<std::string, std::uint64_t> upstream_errors;  // reason -> count
  // (product, status, reason) -> count
  std::map<std::tuple<std::string, unsigned, std::string>, std::uint64_t> requests;
  std::array<std::uint64_t, kLatencyBucketsMs.size() + 1> latency_buckets{};  // non-cumulative
  double latency_sum_ms = 0;
  std::uint64_t latency_count = 0;
};

class Metrics {
 public:
  explicit Metrics(std::size_t shards = 1);
  void allowed() { allowed_.fetch_add(1, std::memory_order_relaxed); }
  void denied(std::string_view reason);
  void upstream_error(std::string_view reason);
  // One answered request, from gateway thread `shard`.
  void record(std::size_t shard, std::string_view product, unsigned status, std::string_view reason,
              double latency_ms);
  MetricsSnapshot snapshot() const;

 private:
  struct Shard {
    std::mutex mu;
    std::map<std::tuple<std::string, unsigned, std::string>, std::uint64_t, std::less<>> requests;
    std::array<std::uint64_t, kLatencyBucketsMs.size() + 1> buckets{};
    double sum_ms = 0;
    std::uint64_t count = 0;
  };
  std::atomic<std::uint64_t> allowed_{0};
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t, std::less<>> denied_;           // guarded by mutex_
  std::map<std::string, std::uint64_t, std::less<>> upstream_errors_;  // guarded by mutex_
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace tollgate::gateway
