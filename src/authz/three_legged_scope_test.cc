#include "authz/three_legged_scope.h"

#include <gtest/gtest.h>

#include "catalog/yaml_util.h"

namespace tollgate::authz {
namespace {

std::shared_ptr<const catalog::Catalog> cat() {
  return catalog::Catalog::from_yaml(catalog::load_string(R"(
products:
  sim-swap: { scopes: [sim-swap, sim-swap:check, sim-swap:retrieve-date], audience: https://a/sim-swap, token_lifetime: 15m }
  location: { scopes: [location-verification:verify], audience: https://a/loc, token_lifetime: 5m }
tiers: { gold: { rate: 10/s } }
partners: { acme: { tier: gold, products: [sim-swap] } }
purposes:
  dpv:FraudPreventionAndDetection: { legal_basis: legitimate_interest }
  dpv:RequestedServiceProvision: { legal_basis: consent }
)"));
}

store::ClientRecord client() {
  store::ClientRecord c;
  c.client_id = "tg_a";
  c.partner = "acme";
  c.scopes = core::ScopeSet::of(
      {"sim-swap:check", "sim-swap:retrieve-date", "location-verification:verify"});
  return c;
}

// One purpose, openid, offline_access and API scopes are separated; the token scope is purpose +
// API scopes.
TEST(ThreeLeggedScope, SeparatesPurposeOpenidOfflineAndApiScopes) {
  auto c = cat();
  auto d = decide_three_legged(
      *c, client(), "openid dpv:FraudPreventionAndDetection sim-swap:check offline_access");
  ASSERT_TRUE(d) << d.error().description;
  EXPECT_EQ(d->purpose->name, "dpv:FraudPreventionAndDetection");
  EXPECT_TRUE(d->openid);
  EXPECT_TRUE(d->offline_access);
  EXPECT_EQ(d->api.granted.to_string(), "sim-swap:check");
  EXPECT_EQ(d->token_scope(), "dpv:FraudPreventionAndDetection sim-swap:check");
  EXPECT_EQ(d->granted_scope(false), "dpv:FraudPreventionAndDetection openid sim-swap:check");
  EXPECT_EQ(d->granted_scope(true),
            "dpv:FraudPreventionAndDetection offline_access openid sim-swap:check");
  EXPECT_EQ(d->api.lifetime, std::chrono::seconds(900));
}

// Each way a 3-legged scope can be wrong has its own problem code.
TEST(ThreeLeggedScope, EachProblemHasItsCode) {
  auto c = cat();
  auto problem = [&](std::string_view s) {
    return decide_three_legged(*c, client(), s).error().problem;
  };
  EXPECT_EQ(problem("sim-swap:check"), ScopeProblem::kNoPurpose);
  EXPECT_EQ(problem("dpv:FraudPreventionAndDetection dpv:RequestedServiceProvision sim-swap:check"),
            ScopeProblem::kSeveralPurposes);
  EXPECT_EQ(problem("dpv:Marketing sim-swap:check"), ScopeProblem::kUnknownPurpose);
  EXPECT_EQ(problem("openid dpv:FraudPreventionAndDetection"), ScopeProblem::kNoApiScope);
  EXPECT_EQ(problem("dpv:FraudPreventionAndDetection location-verification:verify"),
            ScopeProblem::kRefused);
  EXPECT_EQ(problem("dpv:FraudPreventionAndDetection sim-swap"),
            ScopeProblem::kRefused);  // not registered
  EXPECT_EQ(problem("dpv:FraudPreventionAndDetection  sim-swap:check"), ScopeProblem::kMalformed);
  EXPECT_EQ(problem(""), ScopeProblem::kMalformed);
  EXPECT_EQ(to_string(ScopeProblem::kSeveralPurposes), "several_purposes");
}

}  // namespace
}  // namespace tollgate::authz
