#include "gateway/scope_check.h"

namespace tollgate::gateway {

bool scope_allows(const catalog::Route& route, const core::ScopeSet& granted) {
  if (route.scopes.empty())
    return false;  // a route without a scope is refused at load; never open by accident
  return route.rule == catalog::ScopeRuleKind::kAllOf ? granted.contains_all(route.scopes)
                                                      : granted.contains_any(route.scopes);
}

std::string required_scope(const catalog::Route& route) {
  std::string out;
  for (const auto& s : route.scopes) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

}  // namespace tollgate::gateway
