#include "catalog/yaml_util.h"

#include <charconv>
#include "core/strf.h"

namespace tollgate::catalog {
using core::strf;
namespace {

std::string where_of(const YAML::Mark& mark) {
  if (mark.line < 0) return {};
  return strf("line {}, column {}: ", mark.line + 1, mark.column + 1);
}

std::string join(std::initializer_list<std::string_view> items) {
  std::string out;
  for (auto i : items) {
    if (!out.empty()) out += ", ";
    out += i;
  }
  return out;
}

}  // namespace

void fail(const YAML::Node& node, std::string_view what) {
  throw ConfigError(where_of(node.Mark()) + std::string(what));
}

YAML::Node load_file(const std::string& path) {
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw ConfigError(path + ": cannot open file");
  } catch (const YAML::Exception& e) {
    throw ConfigError(path + ": " + where_of(e.mark) + e.msg);
  }
}

YAML::Node load_string(const std::string& text) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(where_of(e.mark) + e.msg);
  }
}

void require_map(const YAML::Node& node, std::string_view where) {
  if (!node.IsMap()) fail(node, strf("{} must be a mapping", where));
}

void check_keys(const YAML::Node& node, std::initializer_list<std::string_view> allowed, std::string_view where) {
  require_map(node, where);
  for (const auto& kv : node) {
    const auto key = kv.first.as<std::string>();
    bool ok = false;
    for (auto a : allowed) ok = ok || a == key;
    if (!ok) fail(kv.first, strf("unknown key '{}' in {}; allowed: {}", key, where, join(allowed)));
  }
}

std::string get_string(const YAML::Node& map, std::string_view key, std::string_view def) {
  auto v = get_optional_string(map, key);
  return v ? *v : std::string(def);
}

std::optional<std::string> get_optional_string(const YAML::Node& map, std::string_view key) {
  const YAML::Node n = map[std::string(key)];
  if (!n || n.IsNull()) return std::nullopt;
  if (!n.IsScalar()) fail(n, strf("'{}' must be a string", key));
  return n.as<std::string>();
}

std::string require_string(const YAML::Node& map, std::string_view key, std::string_view where) {
  auto v = get_optional_string(map, key);
  if (!v || v->empty()) fail(map, strf("'{}' is required in {}", key, where));
  return *v;
}

bool get_bool(const YAML::Node& map, std::string_view key, bool def) {
  const YAML::Node n = map[std::string(key)];
  if (!n || n.IsNull()) return def;
  bool out = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, out))
    fail(n, strf("'{}' must be true or false", key));
  return out;
}

std::int64_t get_int(const YAML::Node& map, std::string_view key, std::int64_t def, std::int64_t min,
                     std::int64_t max) {
  const YAML::Node n = map[std::string(key)];
  if (!n || n.IsNull()) return def;
  std::int64_t v = 0;
  const std::string s = n.IsScalar() ? n.Scalar() : std::string();
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size())
    fail(n, strf("'{}' must be an integer", key));
  if (v < min || v > max) fail(n, strf("'{}' must be between {} and {}", key, min, max));
  return v;
}

std::vector<std::string> get_string_list(const YAML::Node& map, std::string_view key) {
  const YAML::Node n = map[std::string(key)];
  std::vector<std::string> out;
  if (!n || n.IsNull()) return out;
  if (n.IsScalar()) {  // a single value is accepted as a one-element list
    out.push_back(n.Scalar());
    return out;
  }
  if (!n.IsSequence()) fail(n, strf("'{}' must be a list of strings", key));
  for (const auto& item : n) {
    if (!item.IsScalar()) fail(item, strf("'{}' must be a list of strings", key));
    out.push_back(item.Scalar());
  }
  return out;
}

std::chrono::seconds parse_duration(const YAML::Node& node, std::chrono::seconds min, std::chrono::seconds max) {
  if (!node.IsScalar()) fail(node, "a duration must be a scalar like 30s, 15m, 1h");
  const std::string& s = node.Scalar();
  std::int64_t value = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || p == s.data() || value < 0) fail(node, strf("bad duration '{}'", s));
  const std::string_view unit(p, s.data() + s.size() - p);
  std::int64_t mult = 0;
  if (unit.empty() || unit == "s") mult = 1;
  else if (unit == "m") mult = 60;
  else if (unit == "h") mult = 3600;
  else if (unit == "d") mult = 86400;
  else fail(node, strf("bad duration unit in '{}' (use s, m, h or d)", s));
  const std::chrono::seconds d(value * mult);
  if (d < min || d > max)
    fail(node, strf("duration '{}' must be between {}s and {}s", s, min.count(), max.count()));
  return d;
}

std::chrono::seconds get_duration(const YAML::Node& map, std::string_view key, std::chrono::seconds def,
                                  std::chrono::seconds min, std::chrono::seconds max) {
  const YAML::Node n = map[std::string(key)];
  if (!n || n.IsNull()) return def;
  return parse_duration(n, min, max);
}

double parse_rate(const YAML::Node& node) {
  if (!node.IsScalar()) fail(node, "a rate must look like 10/s, 600/m or 5/h");
  const std::string& s = node.Scalar();
  const auto slash = s.find('/');
  double count = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + (slash == std::string::npos ? s.size() : slash), count);
  if (ec != std::errc() || count <= 0) fail(node, strf("bad rate '{}'", s));
  const std::string_view unit = slash == std::string::npos ? "s" : std::string_view(s).substr(slash + 1);
  if (unit == "s") return count;
  if (unit == "m") return count / 60.0;
  if (unit == "h") return count / 3600.0;
  fail(node, strf("bad rate unit in '{}' (use /s, /m or /h)", s));
}

}  // namespace tollgate::catalog
