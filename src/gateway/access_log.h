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
// buffer and hands whole lines to one write(2) when kAccessLogFlushBytes have
// gathered or when flush() is called. The gateway posts a flush when a line
// lands in an empty buffer, so the write happens as soon as the handlers that
// are ready have run: at once on an idle gateway, once per batch of requests
// under load. Not thread-safe: one AccessLog per thread.
#pragma once

#include <boost/json.hpp>
#include <chrono>
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

class AccessLog {
 public:
  explicit AccessLog(int fd);  // usually STDERR_FILENO, where every other log line goes
  ~AccessLog();                // flushes
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void append(const AccessRecord& record, std::chrono::system_clock::time_point now);
  void flush();
  std::size_t buffered() const { return buffer_.size(); }

 private:
  int fd_;
  std::string buffer_;
  std::int64_t cached_second_ = -1;  // the second whose text is in ts_prefix_
  char ts_prefix_[24] = {};          // "2026-01-02T03:04:05"
};

// Unbuffered: one line now (used where no per-thread writer exists).
void write_access_log(const AccessRecord& record);

}  // namespace tollgate::gateway
