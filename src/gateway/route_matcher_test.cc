#include "gateway/route_matcher.h"

#include <gtest/gtest.h>

#include "gateway/test_util.h"

namespace tollgate::gateway {
namespace {

using testing::test_catalog;

class RouteMatcherTest : public ::testing::Test {
 protected:
  std::shared_ptr<const RouteMatcher> m_ = RouteMatcher::create(test_catalog());

  std::string route_of(std::string_view method, std::string_view target) {
    auto r = m_->match(method, target);
    if (!r) return std::string(to_string(r.error().miss));
    return r->product->name + " " + r->route->method + " " + r->route->path;
  }
};

// A literal template matches its exact path and names its product.
TEST_F(RouteMatcherTest, LiteralPathMatches) {
  EXPECT_EQ(route_of("POST", "/sim-swap/v2/check"), "sim-swap POST /sim-swap/v2/check");
  EXPECT_EQ(route_of("POST", "/sim-swap/v2/retrieve-date"),
            "sim-swap POST /sim-swap/v2/retrieve-date");
}

// The query string plays no part in matching.
TEST_F(RouteMatcherTest, QueryStringIgnored) {
  EXPECT_EQ(route_of("POST", "/sim-swap/v2/check?debug=1&x=/y"),
            "sim-swap POST /sim-swap/v2/check");
}

// A {param} segment matches exactly one non-empty segment.
TEST_F(RouteMatcherTest, TemplateParamMatchesOneSegment) {
  EXPECT_EQ(route_of("GET", "/quality-on-demand/v1/sessions/3fa85f64-5717"),
            "quality-on-demand GET /quality-on-demand/v1/sessions/{sessionId}");
  EXPECT_EQ(route_of("POST", "/quality-on-demand/v1/sessions/abc/extend"),
            "quality-on-demand POST /quality-on-demand/v1/sessions/{sessionId}/extend");
  EXPECT_EQ(route_of("GET", "/quality-on-demand/v1/sessions/a/b"), "route_not_found");
  EXPECT_EQ(route_of("GET", "/quality-on-demand/v1/sessions/"), "route_not_found");
}

// Unknown paths are 404 material; a trailing slash or a prefix is a different path.
TEST_F(RouteMatcherTest, UnknownPathIsNotFound) {
  EXPECT_EQ(route_of("POST", "/sim-swap/v2/check/"), "route_not_found");
  EXPECT_EQ(route_of("POST", "/sim-swap/v2"), "route_not_found");
  EXPECT_EQ(route_of("POST", "/sim-swap/v2/checkx"), "route_not_found");
  EXPECT_EQ(route_of("POST", "/"), "route_not_found");
  EXPECT_EQ(route_of("POST", "/SIM-SWAP/v2/check"), "route_not_found");
}

// A path that exists for other methods gives 405 with every allowed method, sorted.
TEST_F(RouteMatcherTest, OtherMethodIsMethodNotAllowedWithAllow) {
  auto r = m_->match("GET", "/sim-swap/v2/check");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().miss, RouteMiss::kMethodNotAllowed);
  EXPECT_EQ(r.error().allow, "POST");
  auto q = m_->match("PUT", "/quality-on-demand/v1/sessions/abc");
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().miss, RouteMiss::kMethodNotAllowed);
  EXPECT_EQ(q.error().allow, "DELETE, GET, HEAD");
  // HEAD is served where GET is (RFC 9110 §9.3.2), and only there.
  auto h = m_->match("HEAD", "/quality-on-demand/v1/sessions/abc");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->route->method, "GET");
  EXPECT_EQ(route_of("HEAD", "/sim-swap/v2/check"), "method_not_allowed");
  // Methods are case-sensitive (RFC 9110 §9.1).
  EXPECT_EQ(route_of("post", "/sim-swap/v2/check"), "method_not_allowed");
}

// Targets an upstream might normalise onto another route are refused outright.
TEST_F(RouteMatcherTest, NonCanonicalPathsAreBadPath) {
  for (auto t :
       {"/sim-swap/v2/../v2/check", "/sim-swap/./v2/check", "/sim-swap//v2/check",
        "/quality-on-demand/v1/sessions/a%2Fb", "/quality-on-demand/v1/sessions/a%2fb/extend",
        "/quality-on-demand/v1/sessions/%2E%2E", "/quality-on-demand/v1/sessions/a%5Cb",
        "/quality-on-demand/v1/sessions/a%252F", "/sim-swap\\v2/check", "sim-swap/v2/check",
        "http://evil/sim-swap/v2/check", "*", ""}) {
    EXPECT_EQ(route_of("POST", t), "path_invalid") << t;
  }
  // Other escapes inside a parameter are fine.
  EXPECT_EQ(route_of("GET", "/quality-on-demand/v1/sessions/a%20b"),
            "quality-on-demand GET /quality-on-demand/v1/sessions/{sessionId}");
}

// A literal segment beats a parameter wherever they first differ.
TEST(RouteMatcher, LiteralBeatsParameter) {
  auto c = catalog::Catalog::from_yaml(catalog::load_string(R"(
products:
  a:
    scopes: [a:read, a:me]
    audience: aud-a
    routes:
      - { method: GET, path: "/a/v1/users/{id}", any_of: [a:read] }
      - { method: GET, path: "/a/v1/users/me",   any_of: [a:me] }
      - { method: GET, path: "/a/v1/{x}/me",     any_of: [a:read] }
)"));
  auto m = RouteMatcher::create(c);
  EXPECT_EQ(m->match("GET", "/a/v1/users/me")->route->path, "/a/v1/users/me");
  EXPECT_EQ(m->match("GET", "/a/v1/users/42")->route->path, "/a/v1/users/{id}");
  EXPECT_EQ(m->match("GET", "/a/v1/groups/me")->route->path, "/a/v1/{x}/me");
}

// Two products declaring the same method and template are refused at start.
TEST(RouteMatcher, DuplicateRouteAcrossProductsRefused) {
  auto c = catalog::Catalog::from_yaml(catalog::load_string(R"(
products:
  a: { scopes: [a:x], audience: aud-a, routes: [{ method: GET, path: /x, any_of: [a:x] }] }
  b: { scopes: [b:x], audience: aud-b, routes: [{ method: GET, path: /x, any_of: [b:x] }] }
)"));
  try {
    RouteMatcher::create(c);
    FAIL() << "no error";
  } catch (const catalog::ConfigError& e) {
    EXPECT_STREQ(e.what(), "route GET /x is declared by products 'a' and 'b'");
  }
}

}  // namespace
}  // namespace tollgate::gateway
