// access_log.h — one JSON line per gateway request on the "access" log channel.
//
// Fields, in this order: ts (RFC 3339 UTC, milliseconds), log ("access"),
// method, path (never the query string: it may carry personal data), status,
// reason (the precise refusal reason, or "ok"), client_id, jti, product
// (the last three only when known), upstream_ms (only when forwarded),
// total_ms, correlator.
// Security invariants: no token, no Authorization header, no body ever reaches
// this record; every string is JSON-escaped with bytes outside printable ASCII
// written as \u00XX, so a path or claim can neither break the line nor forge
// another one.
//
// AccessLog is the hot-path writer (measured: bench/gateway/own_cases.sh
// es256 vs es256_log): each gateway thread formats lines by hand into its own
// buffer and hands the whole buffer on when kAccessLogFlushBytes have gathered
// or when flush() is called. The gateway posts a flush when a line lands in an
// empty buffer, so lines leave as soon as the handlers that are ready have run:
// at once on an idle gateway, once per batch under load. With an
// AccessLogWriter the buffer goes to that writer's thread, so a slow disk
// never stalls a request; the writer keeps at most kAccessLogMaxQueued bytes
// and drops (and counts) what would exceed it. Not thread-safe: one AccessLog
// per thread; the writer is thread-safe.
#pragma once

#include <boost/json.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::gateway {

struct AccessRecord {
  std::string method;
  std::string path;  // without the query string
  unsigned status = 0;
  std::string reason = "ok";
  std::string client_id;
  std::string jti;
  std::string product;
  std::optional<double> upstream_ms;
  double total_ms = 0;
  std::string correlator;
};

// The record as a JSON object (tests, tools); the same members as the line.
boost::json::object to_json(const AccessRecord& record);

// The whole line (with the trailing newline) for `record` at `now`.
std::string format_access_line(const AccessRecord& record,
                               std::chrono::system_clock::time_point now);

// Lines gathered beyond this are written at once (a few hundred lines; well
// under a pipe's capacity, so a reader never stalls us for long).
inline constexpr std::size_t kAccessLogFlushBytes = 32 * 1024;

// Bytes waiting for the disk beyond which new lines are dropped (counted).
inline constexpr std::size_t kAccessLogMaxQueued = 64 * 1024 * 1024;

// One thread writing what the gateway threads hand over, in order per thread.
class AccessLogWriter {
 public:
  explicit AccessLogWriter(int fd);
  ~AccessLogWriter();  // writes what is queued, then joins
  AccessLogWriter(const AccessLogWriter&) = delete;
  AccessLogWriter& operator=(const AccessLogWriter&) = delete;
  void submit(std::string&& lines);
  std::uint64_t dropped_bytes() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  void run();
  int fd_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // guarded by mu_
  std::size_t queued_ = 0;         // guarded by mu_
  bool stopping_ = false;          // guarded by mu_
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

class AccessLog {
 public:
  // Direct: write(2) to `fd` on flush (tests, tools).
  explicit AccessLog(int fd);
  // Through `writer`'s thread (the gateway).
  explicit AccessLog(std::shared_ptr<AccessLogWriter> writer);
  ~AccessLog();                // flushes
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void append(const AccessRecord& record, std::chrono::system_clock::time_point now);
  void flush();
  std::size_t buffered() const { return buffer_.size(); }

 private:
  int fd_ = -1;
  std::shared_ptr<AccessLogWriter> writer_;
  std::string buffer_;
  std::int64_t cached_second_ = -1;  // the second whose text is in ts_prefix_
  char ts_prefix_[24] = {};          // "2026-01-02T03:04:05"
};

// Unbuffered: one line now (used where no per-thread writer exists).
void write_access_log(const AccessRecord& record);

}  // namespace tollgate::gateway
