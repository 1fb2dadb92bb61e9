#include "gateway/route_matcher.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "core/strf.h"

namespace tollgate::gateway {
namespace {

// A path longer than this has no business reaching a CAMARA route.
constexpr std::size_t kMaxSegments = 32;

std::vector<std::string_view> split(std::string_view path) {
  // REQUIRES: path starts with '/'.
  std::vector<std::string_view> out;
  std::size_t i = 1;
  while (true) {
    const auto end = path.find('/', i);
    out.push_back(path.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
    if (end == std::string_view::npos) break;
    i = end + 1;
  }
  return out;
}

bool has_encoded(std::string_view seg) {
  for (std::size_t i = 0; i + 2 < seg.size(); ++i) {
    if (seg[i] != '%') continue;
    const char a = seg[i + 1];
    const char b = static_cast<char>(std::toupper(static_cast<unsigned char>(seg[i + 2])));
    if ((a == '2' && (b == 'F' || b == 'E' || b == '5')) || (a == '5' && b == 'C')) return true;
  }
  return false;
}

// Canonical path check (see the header's security invariant).
bool canonical(const std::vector<std::string_view>& segs) {
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const auto s = segs[i];
    // An empty segment is only allowed as the last one (a trailing '/'), which matches no template
    // but ours.
    if (s.empty() && i + 1 != segs.size()) return false;
    if (s == "." || s == "..") return false;
    if (s.find('\\') != std::string_view::npos) return false;
    if (has_encoded(s)) return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(RouteMiss miss) {
  switch (miss) {
    case RouteMiss::kNotFound:
      return "route_not_found";
    case RouteMiss::kMethodNotAllowed:
      return "method_not_allowed";
    case RouteMiss::kBadPath:
      return "path_invalid";
  }
  return "route_not_found";
}

std::string_view RouteMatcher::path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::shared_ptr<const RouteMatcher> RouteMatcher::create(
    std::shared_ptr<const catalog::Catalog> catalog) {
  std::shared_ptr<RouteMatcher> m(new RouteMatcher(catalog));
  std::map<std::pair<std::string, std::string>, std::string> seen;  // (method, template) -> product
  for (const auto& [name, product] : catalog->products()) {
    for (const auto& route : product.routes) {
      auto [it, fresh] = seen.emplace(std::pair{route.method, route.path}, name);
      if (!fresh)
        throw catalog::ConfigError(core::strf("route {} {} is declared by products '{}' and '{}'",
                                              route.method, route.path, it->second, name));
      Entry e;
      e.match = {&product, &route};
      for (auto seg : split(route.path)) {
        e.is_param.push_back(seg.size() >= 2 && seg.front() == '{' && seg.back() == '}');
        e.segments.emplace_back(seg);
      }
      m->entries_.push_back(std::move(e));
    }
  }
  // Most specific first: at the first differing position a literal (false) sorts before a parameter
  // (true).
  std::stable_sort(m->entries_.begin(), m->entries_.end(),
                   [](const Entry& a, const Entry& b) { return a.is_param < b.is_param; });
  return m;
}

bool RouteMatcher::segments_match(const Entry& e, const std::vector<std::string_view>& path) {
  if (e.segments.size() != path.size()) return false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (e.is_param[i]) {
      if (path[i].empty()) return false;
    } else if (e.segments[i] != path[i]) {
      return false;
    }
  }
  return true;
}

std::expected<RouteMatch, RouteError> RouteMatcher::match(std::string_view method,
                                                          std::string_view target) const {
  const auto path = path_of(target);
  if (path.empty() || path.front() != '/')
    return std::unexpected(RouteError{RouteMiss::kBadPath, {}});
  const auto segs = split(path);
  if (segs.size() > kMaxSegments || !canonical(segs))
    return std::unexpected(RouteError{RouteMiss::kBadPath, {}});
  // RFC 9110 §9.3.2: HEAD is served wherever GET is (the answer carries no body).
  const bool head = method == "HEAD";
  std::set<std::string_view> allow;
  for (const auto& e : entries_) {
    if (!segments_match(e, segs)) continue;
    if (e.match.route->method == method) return e.match;
    if (head && e.match.route->method == "GET") return e.match;
    allow.insert(e.match.route->method);
    if (e.match.route->method == "GET") allow.insert("HEAD");
  }
  if (allow.empty()) return std::unexpected(RouteError{RouteMiss::kNotFound, {}});
  std::string a;
  for (auto m : allow) {
    if (!a.empty()) a += ", ";
    a += m;
  }
  return std::unexpected(RouteError{RouteMiss::kMethodNotAllowed, std::move(a)});
}

}  // namespace tollgate::gateway
