#include "catalog/catalog.h"

#include <gtest/gtest.h>

namespace tollgate::catalog {
namespace {

std::shared_ptr<const Catalog> load(const std::string& yaml) { return Catalog::from_yaml(load_string(yaml)); }

std::string error_of(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

const char* kGood = R"(
products:
  sim-swap:
    scopes: [sim-swap, sim-swap:check]
    audience: https://api.example/sim-swap
    token_lifetime: 15m
    subscriber_data: true
    routes:
      - { method: post, path: /sim-swap/v2/check, any_of: [sim-swap:check, sim-swap] }
tiers:
  gold: { rate: 500/s, burst: 1000, token_rate: 20/s }
partners:
  acme: { tier: gold, products: [sim-swap] }
)";

// The example catalog shipped in examples/ loads.
TEST(Catalog, ShippedExampleLoads) {
  const char* dir = std::getenv("TOLLGATE_SOURCE_DIR");
  ASSERT_NE(dir, nullptr);
  auto c = Catalog::load_file(std::string(dir) + "/examples/catalog.yaml");
  ASSERT_NE(c->product("sim-swap"), nullptr);
  EXPECT_EQ(c->product_for_scope("sim-swap:check")->name, "sim-swap");
}

// A well-formed catalog gives products, routes, tiers and partners as written.
TEST(Catalog, ParsesProductsRoutesTiersPartners) {
  auto c = load(kGood);
  const Product* p = c->product("sim-swap");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->token_lifetime, std::chrono::seconds(900));
  EXPECT_TRUE(p->subscriber_data);
  ASSERT_EQ(p->routes.size(), 1u);
  EXPECT_EQ(p->routes[0].method, "POST");
  EXPECT_EQ(p->routes[0].rule, ScopeRuleKind::kAnyOf);
  EXPECT_EQ(c->tier("gold")->rate, 500);
  EXPECT_EQ(c->partner("acme")->tier, "gold");
  EXPECT_EQ(c->product_for_scope("sim-swap:check-extra"), nullptr);
  EXPECT_EQ(c->content_hash().size(), 64u);
}

// The content hash changes with the content and only with it.
TEST(Catalog, HashFollowsContent) {
  auto a = load(kGood), b = load(kGood);
  EXPECT_EQ(a->content_hash(), b->content_hash());
  std::string changed = kGood;
  changed.replace(changed.find("15m"), 3, "10m");
  EXPECT_NE(load(changed)->content_hash(), a->content_hash());
}

// Misconfigurations are refused with the line and the reason.
TEST(Catalog, RefusesMisconfigurations) {
  std::string s = kGood;
  EXPECT_NE(error_of(std::string(kGood) + "bogus: 1\n").find("unknown key 'bogus'"), std::string::npos);
  s = kGood;
  s.replace(s.find("15m"), 3, "2h");
  EXPECT_NE(error_of(s).find("between 60s and 3600s"), std::string::npos);
  s = kGood;
  s.replace(s.find("any_of: [sim-swap:check, sim-swap]"), 34, "any_of: [sim-swap:other]");
  EXPECT_NE(error_of(s).find("does not define"), std::string::npos);
  s = kGood;
  s.replace(s.find(", any_of: [sim-swap:check, sim-swap]"), 36, "");
  EXPECT_NE(error_of(s).find("a route without a scope is refused"), std::string::npos);
  s = kGood;
  s.replace(s.find("tier: gold"), 10, "tier: platinum");
  EXPECT_NE(error_of(s).find("unknown tier 'platinum'"), std::string::npos);
  EXPECT_NE(error_of("products: [1, 2").find("line"), std::string::npos);
  EXPECT_NE(error_of(s).find("line 13"), std::string::npos);
}

// A scope may belong to one product only, so a token's audience is unambiguous.
TEST(Catalog, RefusesScopeInTwoProducts) {
  const std::string yaml = std::string(kGood) + R"(
  other:
    scopes: [sim-swap]
    audience: x
)";
  // Appending under 'partners' would be wrong; build a products map explicitly instead.
  const char* two = R"(
products:
  a: { scopes: [x:read], audience: a }
  b: { scopes: [x:read], audience: b }
)";
  EXPECT_NE(error_of(two).find("defined by two products"), std::string::npos);
  (void)yaml;
}

const char* kPurposes = R"(
purposes:
  dpv:FraudPreventionAndDetection: { legal_basis: legitimate_interest, description: to prevent fraud }
  dpv:RequestedServiceProvision: { legal_basis: consent }
)";

// Purposes load with their legal basis and plain-words description; lookups are exact.
TEST(CatalogPurposes, LoadWithLegalBasis) {
  auto c = load(std::string(kGood) + kPurposes);
  ASSERT_NE(c->purpose("dpv:FraudPreventionAndDetection"), nullptr);
  EXPECT_EQ(c->purpose("dpv:FraudPreventionAndDetection")->legal_basis, LegalBasis::kLegitimateInterest);
  EXPECT_EQ(c->purpose("dpv:FraudPreventionAndDetection")->description, "to prevent fraud");
  EXPECT_EQ(c->purpose("dpv:RequestedServiceProvision")->legal_basis, LegalBasis::kConsent);
  EXPECT_EQ(c->purpose("dpv:fraudpreventionanddetection"), nullptr);
  EXPECT_EQ(c->purposes().size(), 2u);
  EXPECT_EQ(to_string(LegalBasis::kLegitimateInterest), "legitimate_interest");
}

// A purpose that is not "dpv:<Name>", an unknown legal basis, a missing basis
// and an unknown key are each refused at load with the reason.
TEST(CatalogPurposes, BadPurposesAreRefused) {
  EXPECT_NE(error_of(std::string(kGood) + "purposes:\n  FraudPrevention: { legal_basis: consent }\n")
                .find("bad purpose 'FraudPrevention'"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kGood) + "purposes:\n  dpv:fraud: { legal_basis: consent }\n").find("bad purpose"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kGood) + "purposes:\n  dpv:Fraud: { legal_basis: because }\n")
                .find("unknown legal_basis 'because'"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kGood) + "purposes:\n  dpv:Fraud: { description: x }\n").find("legal_basis"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kGood) + "purposes:\n  dpv:Fraud: { legal_basis: consent, ttl: 1 }\n")
                .find("unknown key 'ttl'"),
            std::string::npos);
}

// Changing a purpose's legal basis changes the catalog's content hash (gateways and authz see a new version).
TEST(CatalogPurposes, LegalBasisIsPartOfTheContentHash) {
  auto a = load(std::string(kGood) + kPurposes);
  std::string changed = kPurposes;
  changed.replace(changed.find("legal_basis: consent"), 20, "legal_basis: contract");
  auto b = load(std::string(kGood) + changed);
  EXPECT_NE(a->content_hash(), b->content_hash());
  EXPECT_EQ(b->purpose("dpv:RequestedServiceProvision")->legal_basis, LegalBasis::kContract);
}

// The shipped catalog declares a legitimate-interest and a consent purpose (the e2e tests use both).
TEST(CatalogPurposes, ShippedExampleHasBothKinds) {
  const char* dir = std::getenv("TOLLGATE_SOURCE_DIR");
  ASSERT_NE(dir, nullptr);
  auto c = Catalog::load_file(std::string(dir) + "/examples/catalog.yaml");
  ASSERT_NE(c->purpose("dpv:FraudPreventionAndDetection"), nullptr);
  EXPECT_EQ(c->purpose("dpv:FraudPreventionAndDetection")->legal_basis, LegalBasis::kLegitimateInterest);
  ASSERT_NE(c->purpose("dpv:RequestedServiceProvision"), nullptr);
  EXPECT_EQ(c->purpose("dpv:RequestedServiceProvision")->legal_basis, LegalBasis::kConsent);
}

// `authentication`: default any; `network` parsed and part of the content hash; any other
// value refused with its line. The shipped catalog marks Number Verification (only) network.
TEST(CatalogAuthentication, NetworkFlag) {
  auto plain = load(kGood);
  EXPECT_EQ(plain->product("sim-swap")->authentication, Authentication::kAny);
  std::string s = kGood;
  s.replace(s.find("    subscriber_data: true"), 0, "    authentication: network\n");
  auto network = load(s);
  EXPECT_EQ(network->product("sim-swap")->authentication, Authentication::kNetwork);
  EXPECT_NE(network->content_hash(), plain->content_hash());
  std::string any = kGood;
  any.replace(any.find("    subscriber_data: true"), 0, "    authentication: any\n");
  EXPECT_EQ(load(any)->content_hash(), plain->content_hash());
  s.replace(s.find("authentication: network"), 23, "authentication: sms");
  const std::string error = error_of(s);
  EXPECT_NE(error.find("unknown authentication 'sms' (any, network)"), std::string::npos) << error;
  EXPECT_NE(error.find("line 7"), std::string::npos) << error;

  const char* dir = std::getenv("TOLLGATE_SOURCE_DIR");
  ASSERT_NE(dir, nullptr);
  auto c = Catalog::load_file(std::string(dir) + "/examples/catalog.yaml");
  for (const auto& [name, p] : c->products())
    EXPECT_EQ(p.authentication,
              name == "number-verification" ? Authentication::kNetwork : Authentication::kAny)
        << name;
}

}  // namespace
}  // namespace tollgate::catalog
