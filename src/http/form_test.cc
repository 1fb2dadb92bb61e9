#include "http/form.h"

#include <gtest/gtest.h>

namespace tollgate::http {
namespace {

std::string b64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (in.size() - i == 1) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (in.size() - i == 2) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// A typical token request body parses into its parameters.
TEST(ParseForm, TokenRequest) {
  auto f = parse_form("grant_type=client_credentials&scope=a%20b+c&client_id=my%2Dapp");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->size(), 3u);
  EXPECT_EQ(f->at("grant_type"), "client_credentials");
  EXPECT_EQ(f->at("scope"), "a b c");
  EXPECT_EQ(f->at("client_id"), "my-app");
}

// '+' is a space and %2B is a literal plus.
TEST(ParseForm, PlusIsSpace) {
  auto f = parse_form("a=1+2&b=1%2B2");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->at("a"), "1 2");
  EXPECT_EQ(f->at("b"), "1+2");
}

// Empty body, empty values and keys without '=' are kept as "".
TEST(ParseForm, EmptyParts) {
  auto empty = parse_form("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  auto f = parse_form("a=&b&&c=3&");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->size(), 3u);
  EXPECT_EQ(f->at("a"), "");
  EXPECT_EQ(f->at("b"), "");
  EXPECT_EQ(f->at("c"), "3");
}

// Only the first '=' splits key from value.
TEST(ParseForm, EqualsInValue) {
  auto f = parse_form("assertion=abc==");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->at("assertion"), "abc==");
}

// A repeated parameter is refused (RFC 6749 §3.1), also when spelt differently.
TEST(ParseForm, DuplicatesRefused) {
  EXPECT_EQ(parse_form("scope=a&scope=b").error(), FormError::kDuplicateParam);
  EXPECT_EQ(parse_form("scope=a&sc%6Fpe=a").error(), FormError::kDuplicateParam);
  EXPECT_EQ(parse_form("a&a").error(), FormError::kDuplicateParam);
}

// Bad %-escapes and control bytes are refused.
TEST(ParseForm, BadEncodingRefused) {
  for (const char* bad : {"a=%", "a=%4", "a=%zz", "a=%4g", "a%=1", "a=%0A", "a=%00", "a=%7F", "a=x\ry", "a=\t",
                          "%0D%0A=1"}) {
    auto f = parse_form(bad);
    ASSERT_FALSE(f) << bad;
    EXPECT_EQ(f.error(), FormError::kBadEncoding) << bad;
  }
}

// 64 parameters are accepted, 65 refused.
TEST(ParseForm, ParameterCountLimit) {
  std::string body;
  for (int i = 0; i < 64; ++i) body += (i ? "&p" : "p") + std::to_string(i) + "=v";
  EXPECT_TRUE(parse_form(body));
  body += "&p64=v";
  EXPECT_EQ(parse_form(body).error(), FormError::kTooManyParams);
}

// UTF-8 escapes decode to their bytes.
TEST(UrlDecode, Utf8) {
  EXPECT_EQ(url_decode("caf%C3%A9"), "caf\xC3\xA9");
  EXPECT_EQ(url_decode(""), "");
  EXPECT_FALSE(url_decode("%"));
}

// url_encode keeps unreserved characters and round-trips through url_decode.
TEST(UrlEncode, RoundTrip) {
  EXPECT_EQ(url_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(url_encode("a b+c:d/é"), "a%20b%2Bc%3Ad%2F%C3%A9");
  const std::string all = [] {
    std::string s;
    for (int c = 0x20; c < 0x7f; ++c) s.push_back(static_cast<char>(c));
    return s;
  }();
  EXPECT_EQ(url_decode(url_encode(all)), all);
}

// RFC 6749 §2.3.1: id and secret are form-urlencoded before base64; a ':' in the secret arrives as %3A.
TEST(BasicAuth, Rfc6749EncodedSecret) {
  const auto header = "Basic " + b64(url_encode("s6BhdRkqt3") + ":" + url_encode("7Fjfp0ZBr1KtDRbnfVdmIw:+x y"));
  auto c = parse_basic_auth(header);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "s6BhdRkqt3");
  EXPECT_EQ(c->password, "7Fjfp0ZBr1KtDRbnfVdmIw:+x y");
}

// The split is at the first ':'; a raw ':' in the secret stays in the password.
TEST(BasicAuth, SplitsAtFirstColon) {
  auto c = parse_basic_auth("Basic " + b64("client:se:cret"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "client");
  EXPECT_EQ(c->password, "se:cret");
}

// The scheme is case-insensitive and the password may be empty.
TEST(BasicAuth, SchemeCaseAndEmptyPassword) {
  auto c = parse_basic_auth("bAsIc " + b64("public:"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "public");
  EXPECT_EQ(c->password, "");
}

// Malformed credentials are refused.
TEST(BasicAuth, Refusals) {
  const std::string ok = b64("a:b");
  for (const std::string& bad : {
           std::string(""), std::string("Basic"), std::string("Basic "), "Bearer " + ok, "Basic  " + ok,
           "Basic\t" + ok, "Basic " + ok + " ", "Basic " + b64("nocolon"), "Basic " + b64(":secret"),
           "Basic " + b64("a%zz:b"), "Basic " + b64("a:b%0a"), "Basic " + b64("a\n:b"),
       }) {
    EXPECT_FALSE(parse_basic_auth(bad)) << bad;
  }
  EXPECT_TRUE(parse_basic_auth("Basic YTpi"));         // "a:b"
  EXPECT_FALSE(parse_basic_auth("Basic YTpiYw"));      // missing padding
  EXPECT_FALSE(parse_basic_auth("Basic YTpiYw="));     // wrong padding
  EXPECT_TRUE(parse_basic_auth("Basic YTpiYw=="));     // "a:bc"
  EXPECT_FALSE(parse_basic_auth("Basic YTpiYx=="));    // non-canonical trailing bits
  EXPECT_FALSE(parse_basic_auth("Basic YT=iYw=="));    // padding in the middle
  EXPECT_FALSE(parse_basic_auth("Basic YTpi-_=="));    // base64url alphabet
}

}  // namespace
}  // namespace tollgate::http
