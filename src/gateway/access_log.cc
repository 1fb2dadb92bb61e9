#include "gateway/access_log.h"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <ctime>

namespace tollgate::gateway {
namespace {

void append_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u == '"' || u == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u >= 0x7f) {
      out.append("\\u00");
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

void append_member(std::string& out, std::string_view name, std::string_view value) {
  out.push_back(',');
  out.push_back('"');
  out.append(name);
  out.append("\":");
  append_escaped(out, value);
}

// "12.345": milliseconds with three decimals, without printf.
void append_millis(std::string& out, std::string_view name, double ms) {
  const auto us = static_cast<std::uint64_t>(ms <= 0 ? 0 : ms * 1000.0 + 0.5);
  char buf[32];
  char* p = std::to_chars(buf, buf + 24, us / 1000).ptr;
  *p++ = '.';
  const auto frac = us % 1000;
  *p++ = static_cast<char>('0' + frac / 100);
  *p++ = static_cast<char>('0' + frac / 10 % 10);
  *p++ = static_cast<char>('0' + frac % 10);
  out.push_back(',');
  out.push_back('"');
  out.append(name);
  out.append("\":");
  out.append(buf, p);
}

void write_all(int fd, const char* p, std::size_t left) {
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n <= 0) return;  // a closed log is no reason to fail a request
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

// Appends one line; `ts_prefix` holds the "YYYY-MM-DDTHH:MM:SS" of `now`'s second.
void append_line(std::string& out, const AccessRecord& r, std::string_view ts_prefix, int millis) {
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03dZ", millis);
  out.append("{\"ts\":\"");
  out.append(ts_prefix);
  out.append(ms);
  out.append("\",\"log\":\"access\"");
  append_member(out, "method", r.method);
  append_member(out, "path", r.path);
  out.append(",\"status\":");
  char st[12];
  out.append(st, std::to_chars(st, st + sizeof st, r.status).ptr);
  append_member(out, "reason", r.reason);
  if (!r.client_id.empty()) append_member(out, "client_id", r.client_id);
  if (!r.jti.empty()) append_member(out, "jti", r.jti);
  if (!r.product.empty()) append_member(out, "product", r.product);
  if (r.upstream_ms) append_millis(out, "upstream_ms", *r.upstream_ms);
  append_millis(out, "total_ms", r.total_ms);
  append_member(out, "correlator", r.correlator);
  out.append("}\n");
}

std::int64_t unix_millis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

void format_second(std::int64_t second, char (&out)[24]) {
  const std::time_t secs = static_cast<std::time_t>(second);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  if (std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S", &tm) == 0) out[0] = '\0';
}

}  // namespace

boost::json::object to_json(const AccessRecord& r) {
  boost::json::object o;
  o["method"] = r.method;
  o["path"] = r.path;
  o["status"] = r.status;
  o["reason"] = r.reason;
  if (!r.client_id.empty()) o["client_id"] = r.client_id;
  if (!r.jti.empty()) o["jti"] = r.jti;
  if (!r.product.empty()) o["product"] = r.product;
  if (r.upstream_ms) o["upstream_ms"] = *r.upstream_ms;
  o["total_ms"] = r.total_ms;
  o["correlator"] = r.correlator;
  return o;
}

std::string format_access_line(const AccessRecord& record,
                               std::chrono::system_clock::time_point now) {
  const auto ms = unix_millis(now);
  char prefix[24];
  format_second(ms / 1000, prefix);
  std::string out;
  append_line(out, record, prefix, static_cast<int>(ms % 1000));
  return out;
}

AccessLogWriter::AccessLogWriter(int fd) : fd_(fd), thread_([this] { run(); }) {}

AccessLogWriter::~AccessLogWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void AccessLogWriter::submit(std::string&& lines) {
  {
    std::lock_guard lock(mu_);
    if (queued_ + lines.size() > kAccessLogMaxQueued) {
      dropped_.fetch_add(lines.size(), std::memory_order_relaxed);
      return;
    }
    queued_ += lines.size();
    queue_.push_back(std::move(lines));
  }
  cv_.notify_one();
}

void AccessLogWriter::run() {
  std::deque<std::string> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
      queued_ = 0;
    }
    for (const auto& b : batch) write_all(fd_, b.data(), b.size());
    batch.clear();
  }
}

AccessLog::AccessLog(int fd) : fd_(fd) { buffer_.reserve(kAccessLogFlushBytes + 1024); }

AccessLog::AccessLog(std::shared_ptr<AccessLogWriter> writer) : writer_(std::move(writer)) {
  buffer_.reserve(kAccessLogFlushBytes + 1024);
}

AccessLog::~AccessLog() { flush(); }

void AccessLog::append(const AccessRecord& record, std::chrono::system_clock::time_point now) {
  const auto ms = unix_millis(now);
  if (ms / 1000 != cached_second_) {
    cached_second_ = ms / 1000;
    format_second(cached_second_, ts_prefix_);
  }
  append_line(buffer_, record, ts_prefix_, static_cast<int>(ms % 1000));
  if (buffer_.size() >= kAccessLogFlushBytes) flush();
}

void AccessLog::flush() {
  if (buffer_.empty()) return;
  if (writer_) {
    std::string next;
    next.reserve(kAccessLogFlushBytes + 1024);
    writer_->submit(std::move(buffer_));
    buffer_ = std::move(next);
    return;
  }
  write_all(fd_, buffer_.data(), buffer_.size());
  buffer_.clear();
}

void write_access_log(const AccessRecord& record) {
  const std::string line = format_access_line(record, std::chrono::system_clock::now());
  write_all(STDERR_FILENO, line.data(), line.size());
}

}  // namespace tollgate::gateway
