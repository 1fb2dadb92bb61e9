// scope.h — OAuth 2.0 scope sets (RFC 6749 §3.3).
//
// A scope string is space-delimited tokens of %x21 / %x23-5B / %x5D-7E. Matching
// is exact per token: "sim-swap:check-extra" never satisfies "sim-swap:check",
// and "sim-swap" does not imply "sim-swap:check" unless a rule lists it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::core {

class ScopeSet {
 public:
  ScopeSet() = default;
  // nullopt if any token has a forbidden byte (or the string has empty tokens
  // from doubled/leading/trailing spaces — RFC 6749 uses exactly one SP).
  static std::optional<ScopeSet> parse(std::string_view text);
  static ScopeSet of(std::initializer_list<std::string_view> scopes);

  bool contains(std::string_view scope) const;
  bool contains_all(const std::vector<std::string>& scopes) const;
  bool contains_any(const std::vector<std::string>& scopes) const;
  ScopeSet intersect(const ScopeSet& other) const;
  void add(std::string_view scope);
  bool empty() const { return scopes_.empty(); }
  std::size_t size() const { return scopes_.size(); }
  const std::vector<std::string>& items() const { return scopes_; }  // sorted, unique
  std::string to_string() const;  // space-joined, sorted

  static bool valid_token(std::string_view scope);

 private:
  std::vector<std::string> scopes_;  // sorted, unique
};

}  // namespace tollgate::core
