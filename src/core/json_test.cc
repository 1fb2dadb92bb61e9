// json_test.cc — strict JSON object parsing.
#include "core/json.h"

#include <gtest/gtest.h>

namespace tollgate::core {
namespace {

std::optional<JsonError> error_of(std::string_view text) {
  auto r = parse_strict_object(text);
  if (r) return std::nullopt;
  return r.error();
}

std::string nested_objects(int depth) {
  std::string s;
  for (int i = 1; i < depth; ++i) s += "{\"a\":";
  s += "{}";
  for (int i = 1; i < depth; ++i) s += "}";
  return s;
}

// A plain object parses with every JSON type intact.
TEST(StrictJson, ParsesObject) {
  auto r = parse_strict_object(R"({"s":"x","i":-3,"u":18446744073709551615,"d":1.5,"b":true,"n":null,"a":[1,{"k":2}],"o":{}})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->at("s").as_string(), "x");
  EXPECT_EQ(r->at("i").as_int64(), -3);
  EXPECT_EQ(r->at("u").as_uint64(), 18446744073709551615ull);
  EXPECT_EQ(r->at("d").as_double(), 1.5);
  EXPECT_TRUE(r->at("b").as_bool());
  EXPECT_TRUE(r->at("n").is_null());
  EXPECT_EQ(r->at("a").as_array().size(), 2u);
  EXPECT_EQ(r->at("a").as_array()[1].as_object().at("k").as_int64(), 2);
  EXPECT_TRUE(r->at("o").as_object().empty());
}

// Escapes in keys and strings are decoded.
TEST(StrictJson, DecodesEscapes) {
  auto r = parse_strict_object(R"({"k\"ey":"va\\lue\u00e9\n"})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->at("k\"ey").as_string(), "va\\lue\xc3\xa9\n");
}

// A repeated member name at the top level is refused.
TEST(StrictJson, DuplicateTopLevelRefused) {
  EXPECT_EQ(error_of(R"({"a":1,"a":2})"), JsonError::kDuplicateMember);
  EXPECT_EQ(error_of(R"({"a":1,"b":2,"a":1})"), JsonError::kDuplicateMember);
}

// A repeated member name in a nested object (also inside an array) is refused.
TEST(StrictJson, DuplicateNestedRefused) {
  EXPECT_EQ(error_of(R"({"x":{"a":1,"a":2}})"), JsonError::kDuplicateMember);
  EXPECT_EQ(error_of(R"({"x":[{"a":1},{"b":1,"b":1}]})"), JsonError::kDuplicateMember);
  EXPECT_EQ(error_of(R"({"x":{"y":{"z":{"q":1,"q":{}}}}})"), JsonError::kDuplicateMember);
}

// Two spellings of the same name (one escaped) are still duplicates.
TEST(StrictJson, DuplicateThroughEscapeRefused) {
  EXPECT_EQ(error_of(R"({"alg":"ES256","\u0061lg":"none"})"), JsonError::kDuplicateMember);
}

// The same name in sibling objects is not a duplicate.
TEST(StrictJson, SameNameInDifferentObjectsAccepted) {
  EXPECT_TRUE(parse_strict_object(R"({"a":{"a":1},"b":{"a":2},"c":[{"a":1},{"a":2}]})").has_value());
}

// Invalid UTF-8 in a string or a key is refused as a syntax error.
TEST(StrictJson, InvalidUtf8Refused) {
  EXPECT_EQ(error_of("{\"a\":\"\xff\"}"), JsonError::kSyntax);
  EXPECT_EQ(error_of("{\"\xc3\":1}"), JsonError::kSyntax);
  EXPECT_EQ(error_of("{\"a\":\"\xc0\xaf\"}"), JsonError::kSyntax);        // overlong '/'
  EXPECT_EQ(error_of("{\"a\":\"\xed\xa0\x80\"}"), JsonError::kSyntax);    // UTF-16 surrogate
  EXPECT_TRUE(parse_strict_object("{\"a\":\"\xc3\xa9\xe2\x82\xac\"}").has_value());
}

// Nesting up to kMaxJsonDepth parses; one level more is refused as too deep.
TEST(StrictJson, TooDeepRefused) {
  EXPECT_TRUE(parse_strict_object(nested_objects(kMaxJsonDepth)).has_value());
  EXPECT_EQ(error_of(nested_objects(kMaxJsonDepth + 1)), JsonError::kTooDeep);
  std::string arrays = "{\"a\":";
  for (int i = 0; i < kMaxJsonDepth; ++i) arrays += "[";
  for (int i = 0; i < kMaxJsonDepth; ++i) arrays += "]";
  arrays += "}";
  EXPECT_EQ(error_of(arrays), JsonError::kTooDeep);
  EXPECT_EQ(error_of(nested_objects(10000)), JsonError::kTooDeep);
}

// Valid JSON whose top level is not an object is refused as kNotObject.
TEST(StrictJson, NonObjectRefused) {
  EXPECT_EQ(error_of("[]"), JsonError::kNotObject);
  EXPECT_EQ(error_of("[{\"a\":1}]"), JsonError::kNotObject);
  EXPECT_EQ(error_of("1"), JsonError::kNotObject);
  EXPECT_EQ(error_of("\"s\""), JsonError::kNotObject);
  EXPECT_EQ(error_of("null"), JsonError::kNotObject);
  EXPECT_EQ(error_of("true"), JsonError::kNotObject);
}

// Malformed text, trailing bytes, comments and trailing commas are syntax errors.
TEST(StrictJson, SyntaxErrors) {
  EXPECT_EQ(error_of(""), JsonError::kSyntax);
  EXPECT_EQ(error_of("{"), JsonError::kSyntax);
  EXPECT_EQ(error_of("{} x"), JsonError::kSyntax);
  EXPECT_EQ(error_of("{}{}"), JsonError::kSyntax);
  EXPECT_EQ(error_of("{/*c*/}"), JsonError::kSyntax);
  EXPECT_EQ(error_of(R"({"a":1,})"), JsonError::kSyntax);
  EXPECT_EQ(error_of(R"({'a':1})"), JsonError::kSyntax);
  EXPECT_EQ(error_of(R"({"a":NaN})"), JsonError::kSyntax);
  EXPECT_EQ(error_of(std::string_view("{}\0", 3)), JsonError::kSyntax);
  EXPECT_TRUE(parse_strict_object(" {} \n").has_value());
}

// get_string returns strings only.
TEST(StrictJson, GetString) {
  auto r = parse_strict_object(R"({"s":"x","n":1})");
  ASSERT_TRUE(r);
  EXPECT_EQ(get_string(*r, "s"), std::optional<std::string_view>("x"));
  EXPECT_EQ(get_string(*r, "n"), std::nullopt);
  EXPECT_EQ(get_string(*r, "missing"), std::nullopt);
}

// get_int accepts integral numbers in int64 range, including 1.0-style doubles.
TEST(StrictJson, GetInt) {
  auto r = parse_strict_object(
      R"({"i":42,"neg":-7,"d":1800000000.0,"e":1e3,"frac":1.5,"big":9223372036854775808,"huge":1e300,"s":"1","b":true})");
  ASSERT_TRUE(r);
  EXPECT_EQ(get_int(*r, "i"), 42);
  EXPECT_EQ(get_int(*r, "neg"), -7);
  EXPECT_EQ(get_int(*r, "d"), 1800000000);
  EXPECT_EQ(get_int(*r, "e"), 1000);
  EXPECT_EQ(get_int(*r, "frac"), std::nullopt);
  EXPECT_EQ(get_int(*r, "big"), std::nullopt);
  EXPECT_EQ(get_int(*r, "huge"), std::nullopt);
  EXPECT_EQ(get_int(*r, "s"), std::nullopt);
  EXPECT_EQ(get_int(*r, "b"), std::nullopt);
  EXPECT_EQ(get_int(*r, "missing"), std::nullopt);
}

}  // namespace
}  // namespace tollgate::core
