#include "gateway/token_extractor.h"

#include <gtest/gtest.h>

namespace tollgate::gateway {
namespace {

http::Request with_auth(std::initializer_list<std::string_view> values) {
  http::Request r{http::bhttp::verb::post, "/sim-swap/v2/check", 11};
  for (auto v : values) r.insert(http::bhttp::field::authorization, v);
  return r;
}

std::string outcome(const http::Request& r) {
  auto t = extract_bearer(r);
  return t ? "token:" + std::string(*t) : std::string(to_string(t.error()));
}

// The token after "Bearer " is returned as is.
TEST(TokenExtractor, BearerTokenReturned) {
  EXPECT_EQ(outcome(with_auth({"Bearer abc.def.ghi"})), "token:abc.def.ghi");
}

// No Authorization header at all is "missing" (401 without an error attribute).
TEST(TokenExtractor, MissingHeader) { EXPECT_EQ(outcome(with_auth({})), "token_missing"); }

// Two Authorization headers are refused, even when both carry the same token.
TEST(TokenExtractor, TwoHeadersRefused) {
  EXPECT_EQ(outcome(with_auth({"Bearer abc", "Bearer abc"})), "authorization_duplicated");
  EXPECT_EQ(outcome(with_auth({"Bearer abc", "Basic Zm9vOmJhcg=="})), "authorization_duplicated");
}

// The scheme is case-insensitive and may be followed by several spaces (RFC 7235 §2.1).
TEST(TokenExtractor, SchemeCaseInsensitiveAndSpaces) {
  EXPECT_EQ(outcome(with_auth({"bearer abc"})), "token:abc");
  EXPECT_EQ(outcome(with_auth({"BEARER abc"})), "token:abc");
  EXPECT_EQ(outcome(with_auth({"BeArEr    abc"})), "token:abc");
}

// token68 allows its full alphabet and trailing '=' padding only.
TEST(TokenExtractor, Token68Alphabet) {
  EXPECT_EQ(outcome(with_auth({"Bearer aZ09-._~+/=="})), "token:aZ09-._~+/==");
  EXPECT_EQ(parse_bearer("Bearer a=b").error(), ExtractError::kMalformed);
  EXPECT_EQ(parse_bearer("Bearer =").error(), ExtractError::kMalformed);
}

// Another scheme means "no bearer credentials", not an invalid token (RFC 6750 §3.1).
TEST(TokenExtractor, OtherSchemeIsNotBearer) {
  EXPECT_EQ(outcome(with_auth({"Basic Zm9vOmJhcg=="})), "auth_scheme_not_bearer");
  EXPECT_EQ(outcome(with_auth({"Bear abc"})), "auth_scheme_not_bearer");
  EXPECT_EQ(outcome(with_auth({"abc.def.ghi"})), "auth_scheme_not_bearer");
}

// Garbage after "Bearer" is a malformed bearer credential (401 invalid_token).
TEST(TokenExtractor, GarbageIsMalformed) {
  for (auto v : {"Bearer", "Bearer ", "Bearer a b", "Bearer a,b", "Bearer\tabc", "Bearerabc",
                 "Bearer a\"b", "Bearer a;b", "Bearer \xc3\xa9", "Bearer a\x01"}) {
    EXPECT_EQ(parse_bearer(v).error(), ExtractError::kMalformed) << v;
  }
}

// An empty header value carries no credentials.
TEST(TokenExtractor, EmptyValueIsMissing) {
  EXPECT_EQ(parse_bearer("").error(), ExtractError::kMissing);
}

}  // namespace
}  // namespace tollgate::gateway
