// scope_test.cc — OAuth 2.0 scope sets.
#include "core/scope.h"

#include <gtest/gtest.h>

namespace tollgate::core {
namespace {

// A space-delimited string parses into a sorted, de-duplicated set.
TEST(Scope, ParsesSortedUnique) {
  auto s = ScopeSet::parse("sim-swap:check openid sim-swap:check device-location:verify");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->items(), (std::vector<std::string>{"device-location:verify", "openid", "sim-swap:check"}));
  EXPECT_EQ(s->to_string(), "device-location:verify openid sim-swap:check");
  EXPECT_EQ(s->size(), 3u);
}

// Matching is exact per token: a longer or shorter scope never satisfies another.
TEST(Scope, ExactTokenMatching) {
  auto s = ScopeSet::parse("sim-swap:check-extra sim-swap");
  ASSERT_TRUE(s.has_value());
  EXPECT_FALSE(s->contains("sim-swap:check"));
  EXPECT_TRUE(s->contains("sim-swap:check-extra"));
  EXPECT_TRUE(s->contains("sim-swap"));
  EXPECT_FALSE(s->contains("sim"));
  EXPECT_FALSE(s->contains("SIM-SWAP"));
}

// Doubled, leading and trailing spaces are refused (RFC 6749 uses exactly one SP).
TEST(Scope, ExtraSpacesRefused) {
  EXPECT_EQ(ScopeSet::parse("a  b"), std::nullopt);
  EXPECT_EQ(ScopeSet::parse(" a"), std::nullopt);
  EXPECT_EQ(ScopeSet::parse("a "), std::nullopt);
  EXPECT_EQ(ScopeSet::parse(" "), std::nullopt);
}

// Bytes outside %x21 / %x23-5B / %x5D-7E are refused.
TEST(Scope, InvalidBytesRefused) {
  EXPECT_EQ(ScopeSet::parse("a\"b"), std::nullopt);
  EXPECT_EQ(ScopeSet::parse("a\\b"), std::nullopt);
  EXPECT_EQ(ScopeSet::parse("a\tb"), std::nullopt);
  EXPECT_EQ(ScopeSet::parse("a\nb"), std::nullopt);
  EXPECT_EQ(ScopeSet::parse(std::string_view("a\0b", 3)), std::nullopt);
  EXPECT_EQ(ScopeSet::parse("caf\xc3\xa9"), std::nullopt);
  EXPECT_EQ(ScopeSet::parse("a\x7f"), std::nullopt);
  EXPECT_TRUE(ScopeSet::parse("!#[]~:/").has_value());
}

// An empty scope string is an empty set.
TEST(Scope, EmptyStringIsEmptySet) {
  auto s = ScopeSet::parse("");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->empty());
}

// valid_token implements the RFC 6749 scope-token grammar.
TEST(Scope, ValidToken) {
  EXPECT_TRUE(ScopeSet::valid_token("openid"));
  EXPECT_FALSE(ScopeSet::valid_token(""));
  EXPECT_FALSE(ScopeSet::valid_token("a b"));
  EXPECT_FALSE(ScopeSet::valid_token("\""));
}

// contains_all / contains_any / intersect / add behave as set operations.
TEST(Scope, SetOperations) {
  ScopeSet s = ScopeSet::of({"b", "a", "c", "a"});
  EXPECT_EQ(s.to_string(), "a b c");
  EXPECT_TRUE(s.contains_all({"a", "c"}));
  EXPECT_FALSE(s.contains_all({"a", "d"}));
  EXPECT_TRUE(s.contains_all({}));
  EXPECT_TRUE(s.contains_any({"d", "c"}));
  EXPECT_FALSE(s.contains_any({"d", "e"}));
  EXPECT_FALSE(s.contains_any({}));
  EXPECT_EQ(s.intersect(ScopeSet::of({"c", "d", "a"})).to_string(), "a c");
  s.add("d");
  s.add("d");
  s.add("bad token");  // invalid tokens never enter a set
  EXPECT_EQ(s.to_string(), "a b c d");
}

}  // namespace
}  // namespace tollgate::core
