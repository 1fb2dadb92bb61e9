#include "gateway/scope_check.h"

#include <gtest/gtest.h>

namespace tollgate::gateway {
namespace {

catalog::Route route(catalog::ScopeRuleKind rule, std::vector<std::string> scopes) {
  catalog::Route r;
  r.method = "POST";
  r.path = "/x";
  r.rule = rule;
  r.scopes = std::move(scopes);
  return r;
}

core::ScopeSet granted(std::string_view s) { return *core::ScopeSet::parse(s); }

// any_of is satisfied by any one listed scope, and only by an exact token.
TEST(ScopeCheck, AnyOfExactTokens) {
  const auto r = route(catalog::ScopeRuleKind::kAnyOf, {"sim-swap:check", "sim-swap"});
  EXPECT_TRUE(scope_allows(r, granted("sim-swap:check")));
  EXPECT_TRUE(scope_allows(r, granted("openid sim-swap")));
  EXPECT_FALSE(scope_allows(r, granted("sim-swap:check-extra")));
  EXPECT_FALSE(scope_allows(r, granted("sim-swap:checK")));
  EXPECT_FALSE(scope_allows(r, granted("sim-swap:retrieve-date")));
  EXPECT_FALSE(scope_allows(r, core::ScopeSet()));
  EXPECT_EQ(required_scope(r), "sim-swap:check sim-swap");
}

// all_of needs every listed scope.
TEST(ScopeCheck, AllOfNeedsEvery) {
  const auto r = route(catalog::ScopeRuleKind::kAllOf, {"a:x", "a:y"});
  EXPECT_TRUE(scope_allows(r, granted("a:y a:x b:z")));
  EXPECT_FALSE(scope_allows(r, granted("a:x")));
  EXPECT_FALSE(scope_allows(r, granted("a:x a:yy")));
}

// A route with no scopes never allows anything (the catalog refuses such routes anyway).
TEST(ScopeCheck, EmptyRuleAllowsNothing) {
  EXPECT_FALSE(scope_allows(route(catalog::ScopeRuleKind::kAllOf, {}), granted("a:x")));
  EXPECT_FALSE(scope_allows(route(catalog::ScopeRuleKind::kAnyOf, {}), granted("a:x")));
}

}  // namespace
}  // namespace tollgate::gateway
