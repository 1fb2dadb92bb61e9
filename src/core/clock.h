// clock.h — injected time. Everything that depends on "now" (exp/nbf checks,
// JWKS TTLs, rate-limit windows, SIM swap maxAge, consent expiry) takes a Clock
// so tests can use ManualClock. Implementations are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace tollgate::core {

using Seconds = std::chrono::seconds;
using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  std::int64_t unix_seconds() const {
    return std::chrono::duration_cast<Seconds>(now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override {
    return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  }
  static const SystemClock& instance() {
    static const SystemClock clock;
    return clock;
  }
};

// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t unix_seconds = 1'800'000'000) : us_(unix_seconds * 1'000'000) {}
  TimePoint now() const override { return TimePoint(std::chrono::microseconds(us_.load())); }
  void set_unix_seconds(std::int64_t s) { us_.store(s * 1'000'000); }
  void advance(std::chrono::microseconds d) { us_.fetch_add(d.count()); }

 private:
  std::atomic<std::int64_t> us_;
};

}  // namespace tollgate::core
