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

}  // namespace
}  // namespace tollgate::catalog
