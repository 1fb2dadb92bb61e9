#include "http/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <set>
#include <string>

namespace tollgate::http {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_channels_mutex;
std::set<std::string, std::less<>> g_disabled;  // guarded by g_channels_mutex
std::atomic<bool> g_any_disabled{false};

std::string_view level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

struct EnvLevel {
  EnvLevel() {
    if (const char* v = std::getenv("TOLLGATE_LOG_LEVEL")) {
      const std::string_view s(v);
      if (s == "debug") g_level = static_cast<int>(LogLevel::kDebug);
      else if (s == "warn") g_level = static_cast<int>(LogLevel::kWarn);
      else if (s == "error") g_level = static_cast<int>(LogLevel::kError);
    }
  }
} const g_env_level;

// RFC 3339 UTC with milliseconds, e.g. 2026-01-02T03:04:05.678Z
// (libstdc++ 12 has no <format>).
std::string rfc3339_millis(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace

void set_log_level(LogLevel level) { g_level = static_cast<int>(level); }

void set_channel_enabled(std::string_view channel, bool enabled) {
  std::lock_guard lock(g_channels_mutex);
  if (enabled) g_disabled.erase(std::string(channel));
  else g_disabled.emplace(channel);
  g_any_disabled = !g_disabled.empty();
}

void log_json(std::string_view channel, boost::json::object fields, LogLevel level) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  if (g_any_disabled.load(std::memory_order_relaxed)) {
    std::lock_guard lock(g_channels_mutex);
    if (g_disabled.contains(channel)) return;
  }
  boost::json::object line;
  line.reserve(fields.size() + 3);
  line["ts"] = rfc3339_millis(std::chrono::system_clock::now());
  line["log"] = channel;
  if (level != LogLevel::kInfo || channel == "app") line["level"] = level_name(level);
  for (auto& kv : fields) line[kv.key()] = std::move(kv.value());
  std::string text = boost::json::serialize(line);
  text.push_back('\n');
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {  // one write for lines under PIPE_BUF; loop only on partial writes
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void log_info(std::string_view msg) { log_json("app", {{"msg", msg}}, LogLevel::kInfo); }
void log_warn(std::string_view msg) { log_json("app", {{"msg", msg}}, LogLevel::kWarn); }
void log_error(std::string_view msg) { log_json("app", {{"msg", msg}}, LogLevel::kError); }

}  // namespace tollgate::http
