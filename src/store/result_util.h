// result_util.h — small helpers the SQLite stores share (not a public API).
#pragma once

#include <boost/json.hpp>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite.h"

namespace tollgate::store::detail {

// Pass a failed StoreResult's error on, whatever its value type.
template <class T>
std::unexpected<StoreError> forward(StoreResult<T>& r) {
  return std::unexpected(std::move(r.error()));
}

inline StoreError corrupt(std::string what) { return {StoreErrorCode::kCorrupt, std::move(what)}; }

inline std::string json_list(const std::vector<std::string>& items) {
  boost::json::array a;
  for (const auto& s : items) a.emplace_back(s);
  return boost::json::serialize(a);
}

inline std::optional<std::vector<std::string>> parse_json_list(const std::string& text) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& e : v.as_array()) {
    if (!e.is_string()) return std::nullopt;
    out.emplace_back(e.as_string());
  }
  return out;
}

// Run a prepared statement with `args` bound; expects no rows.
template <class... Args>
StoreResult<void> exec_bound(Connection& c, std::string_view sql, const Args&... args) {
  auto st = c.prepare(sql);
  if (!st) return forward(st);
  if (auto b = st->bind_all(args...); !b) return b;
  return st->run();
}

}  // namespace tollgate::store::detail
