// route_matcher.h — (method, request target) → the catalog route and product
// that govern it.
//
// Templates are literal segments and `{param}` segments; a `{param}` matches
// exactly one non-empty segment. The query string is ignored. When several
// templates match, the most specific wins: at the first segment where they
// differ, a literal beats a parameter.
//
// Security invariant: the path is matched as sent, byte for byte, and the same
// bytes are forwarded. So that the upstream cannot resolve a path to another
// route than the one whose scope rule we enforced, targets that an upstream
// might normalise differently are refused as kBadPath: not origin-form, dot
// segments ("." / ".."), empty segments, a backslash, and percent-encoded
// '/', '\', '.' or '%' (%2F %5C %2E %25).
//
// Immutable after create(); thread-safe. Keeps the catalog alive.
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"

namespace tollgate::gateway {

struct RouteMatch {
  const catalog::Product* product = nullptr;
  const catalog::Route* route = nullptr;
};

enum class RouteMiss {
  kNotFound,          // no template matches the path              -> 404 NOT_FOUND
  kMethodNotAllowed,  // the path exists for other methods         -> 405 METHOD_NOT_ALLOWED + Allow
  kBadPath,           // not a canonical origin-form path (above)  -> 400 INVALID_ARGUMENT
};
std::string_view to_string(
    RouteMiss miss);  // "route_not_found", "method_not_allowed", "path_invalid"

struct RouteError {
  RouteMiss miss;
  std::string allow;  // for kMethodNotAllowed: "GET, POST" (sorted, unique)
};

class RouteMatcher {
 public:
  // Throws catalog::ConfigError when two products declare the same method and template.
  static std::shared_ptr<const RouteMatcher> create(
      std::shared_ptr<const catalog::Catalog> catalog);

  std::expected<RouteMatch, RouteError> match(std::string_view method,
                                              std::string_view target) const;

  // The path part of a request target (everything before '?').
  static std::string_view path_of(std::string_view target);

 private:
  struct Entry {
    RouteMatch match;
    std::vector<std::string> segments;  // "{x}" segments are parameters
    std::vector<bool> is_param;
  };
  explicit RouteMatcher(std::shared_ptr<const catalog::Catalog> catalog)
      : catalog_(std::move(catalog)) {}
  static bool segments_match(const Entry& e, const std::vector<std::string_view>& path);

  std::shared_ptr<const catalog::Catalog> catalog_;
  std::vector<Entry> entries_;  // most specific first
};

}  // namespace tollgate::gateway
