// yaml_util.h — strict reading of YAML configuration (process config, catalog,
// subscriber seeds). Every function throws ConfigError naming the line, column
// and reason, so that a bad file is refused at start with a clear message and
// never half-applied. Only used while loading configuration: never on a request path.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::catalog {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "line 12, column 3: <what>" (line/column 1-based) when the node has a mark.
[[noreturn]] void fail(const YAML::Node& node, std::string_view what);

// Load a YAML file; a syntax error becomes "<path>: line L, column C: <reason>".
YAML::Node load_file(const std::string& path);
YAML::Node load_string(const std::string& text);

// Refuse any key of the map `node` not in `allowed` ("unknown key 'x' in <where>; allowed: a, b").
void check_keys(const YAML::Node& node, std::initializer_list<std::string_view> allowed, std::string_view where);
void require_map(const YAML::Node& node, std::string_view where);

std::string get_string(const YAML::Node& map, std::string_view key, std::string_view def);
std::optional<std::string> get_optional_string(const YAML::Node& map, std::string_view key);
std::string require_string(const YAML::Node& map, std::string_view key, std::string_view where);
bool get_bool(const YAML::Node& map, std::string_view key, bool def);
std::int64_t get_int(const YAML::Node& map, std::string_view key, std::int64_t def, std::int64_t min,
                     std::int64_t max);
std::vector<std::string> get_string_list(const YAML::Node& map, std::string_view key);

// "90" (seconds), "30s", "15m", "1h", "2d"; must be within [min, max].
std::chrono::seconds parse_duration(const YAML::Node& node, std::chrono::seconds min, std::chrono::seconds max);
std::chrono::seconds get_duration(const YAML::Node& map, std::string_view key, std::chrono::seconds def,
                                  std::chrono::seconds min, std::chrono::seconds max);

// "10/s", "600/m", "5/h" → events per second (> 0).
double parse_rate(const YAML::Node& node);

}  // namespace tollgate::catalog
