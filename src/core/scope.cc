// scope.cc — OAuth 2.0 scope sets (see scope.h).
#include "core/scope.h"

#include <algorithm>

namespace tollgate::core {

bool ScopeSet::valid_token(std::string_view scope) {
  if (scope.empty()) return false;
  for (unsigned char c : scope) {
    // scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    const bool ok = c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
    if (!ok) return false;
  }
  return true;
}

std::optional<ScopeSet> ScopeSet::parse(std::string_view text) {
  ScopeSet set;
  if (text.empty()) return set;  // no scope tokens at all
  std::size_t start = 0;
  while (true) {
    const std::size_t sp = text.find(' ', start);
    const std::string_view token =
        text.substr(start, sp == std::string_view::npos ? std::string_view::npos : sp - start);
    if (!valid_token(token)) return std::nullopt;  // also catches empty tokens from extra spaces
    set.scopes_.emplace_back(token);
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  std::sort(set.scopes_.begin(), set.scopes_.end());
  set.scopes_.erase(std::unique(set.scopes_.begin(), set.scopes_.end()), set.scopes_.end());
  return set;
}

ScopeSet ScopeSet::of(std::initializer_list<std::string_view> scopes) {
  ScopeSet set;
  for (std::string_view s : scopes) set.add(s);
  return set;
}

bool ScopeSet::contains(std::string_view scope) const {
  return std::binary_search(scopes_.begin(), scopes_.end(), scope,
                            [](std::string_view a, std::string_view b) { return a < b; });
}

bool ScopeSet::contains_all(const std::vector<std::string>& scopes) const {
  return std::all_of(scopes.begin(), scopes.end(), [this](const std::string& s) { return contains(s); });
}

bool ScopeSet::contains_any(const std::vector<std::string>& scopes) const {
  return std::any_of(scopes.begin(), scopes.end(), [this](const std::string& s) { return contains(s); });
}

ScopeSet ScopeSet::intersect(const ScopeSet& other) const {
  ScopeSet out;
  std::set_intersection(scopes_.begin(), scopes_.end(), other.scopes_.begin(), other.scopes_.end(),
                        std::back_inserter(out.scopes_));
  return out;
}

// Keeps the invariant that every item is a valid scope token: invalid input is ignored.
void ScopeSet::add(std::string_view scope) {
  if (!valid_token(scope)) return;
  auto it = std::lower_bound(scopes_.begin(), scopes_.end(), scope,
                             [](const std::string& a, std::string_view b) { return a < b; });
  if (it != scopes_.end() && *it == scope) return;
  scopes_.emplace(it, scope);
}

std::string ScopeSet::to_string() const {
  std::string out;
  for (const std::string& s : scopes_) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

}  // namespace tollgate::core
