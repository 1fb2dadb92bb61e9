// log.h — structured logs: one JSON object per line on stderr, written with a
// single write(2) so concurrent lines never interleave. Thread-safe.
//
// Every line gets "ts" (RFC 3339, UTC, milliseconds) and "log" (the channel:
// "access", "audit", "app", ...). Never put a secret or a whole token in a
// field: log a token's jti or a hash prefix instead.
#pragma once

#include <boost/json.hpp>
#include <string_view>

namespace tollgate::http {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

void log_json(std::string_view channel, boost::json::object fields, LogLevel level = LogLevel::kInfo);
// Convenience for application messages: {"log":"app","level":..,"msg":..}
void log_info(std::string_view msg);
void log_warn(std::string_view msg);
void log_error(std::string_view msg);

// Lines below this level are dropped (default kInfo); TOLLGATE_LOG_LEVEL=debug|info|warn|error.
void set_log_level(LogLevel level);
// Silence a channel entirely (e.g. "access" in benchmarks). Call at start-up only.
void set_channel_enabled(std::string_view channel, bool enabled);

}  // namespace tollgate::http
