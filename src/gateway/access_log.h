// access_log.h — one JSON line per gateway request on the "access" log channel.
//
// Fields: method, path (never the query string: it may carry personal data),
// status, reason (the precise refusal reason, or "ok"), client_id, jti,
// product, upstream_ms (absent when not forwarded), total_ms, correlator.
// Security invariant: no token, no Authorization header, no body ever reaches
// this record. Thread-safe (http::log_json writes each line atomically).
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

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

boost::json::object to_json(const AccessRecord& record);
void write_access_log(const AccessRecord& record);

}  // namespace tollgate::gateway
