// base64url_test.cc — strict unpadded base64url.
#include "core/base64url.h"

#include <gtest/gtest.h>

#include "core/crypto.h"

namespace tollgate::core {
namespace {

// RFC 4648 §10 test vectors encode and decode without padding.
TEST(Base64Url, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},         {"f", "Zg"},         {"fo", "Zm8"},       {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64url_encode(plain), encoded);
    EXPECT_EQ(base64url_decode(encoded), std::optional<std::string>(plain));
  }
}

// The url-safe alphabet maps 62/63 to '-' and '_'.
TEST(Base64Url, UrlAlphabet) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(base64url_encode(bytes), "-_-_");
  EXPECT_EQ(base64url_decode("-_-_"), std::optional<std::string>(bytes));
}

// '=' padding is refused, whether full or partial.
TEST(Base64Url, PaddingRefused) {
  EXPECT_EQ(base64url_decode("Zg=="), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm8="), std::nullopt);
  EXPECT_EQ(base64url_decode("Zg="), std::nullopt);
  EXPECT_EQ(base64url_decode("===="), std::nullopt);
}

// The standard alphabet's '+' and '/' are refused.
TEST(Base64Url, StandardAlphabetRefused) {
  EXPECT_EQ(base64url_decode("+/+/"), std::nullopt);
  EXPECT_EQ(base64url_decode("ab+c"), std::nullopt);
  EXPECT_EQ(base64url_decode("ab/c"), std::nullopt);
}

// Whitespace anywhere is refused.
TEST(Base64Url, WhitespaceRefused) {
  EXPECT_EQ(base64url_decode("Zm9v YmFy"), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm9v\n"), std::nullopt);
  EXPECT_EQ(base64url_decode(" Zg"), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm9v\tYg"), std::nullopt);
}

// A length of 1 mod 4 cannot be a base64 encoding and is refused.
TEST(Base64Url, LengthOneModFourRefused) {
  EXPECT_EQ(base64url_decode("Z"), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm9vY"), std::nullopt);
}

// Non-zero unused low bits in the last character are refused (non-canonical).
TEST(Base64Url, NonCanonicalTrailingBitsRefused) {
  EXPECT_EQ(base64url_decode("Zh"), std::nullopt);    // "Zg" is canonical for "f"
  EXPECT_EQ(base64url_decode("Zm9"), std::nullopt);   // "Zm8" is canonical for "fo"
  EXPECT_EQ(base64url_decode("Zm_"), std::nullopt);
  EXPECT_TRUE(base64url_decode("Zg").has_value());
  EXPECT_TRUE(base64url_decode("Zm8").has_value());
}

// NUL and non-ASCII bytes are refused.
TEST(Base64Url, OtherBytesRefused) {
  EXPECT_EQ(base64url_decode(std::string_view("Zm\0v", 4)), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm\xc3\xa9"), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm.v"), std::nullopt);
}

// Random byte strings of every length up to 200 round-trip exactly.
TEST(Base64Url, RandomRoundTrip) {
  for (std::size_t n = 0; n <= 200; ++n) {
    const std::string bytes = random_bytes(n);
    const std::string enc = base64url_encode(bytes);
    EXPECT_EQ(enc.find('='), std::string::npos);
    EXPECT_TRUE(is_base64url_alphabet(enc));
    EXPECT_EQ(base64url_decode(enc), std::optional<std::string>(bytes)) << "length " << n;
  }
}

// The span overload encodes the same as the string_view one.
TEST(Base64Url, SpanOverload) {
  const std::uint8_t bytes[] = {0x66, 0x6f, 0x6f};
  EXPECT_EQ(base64url_encode(std::span<const std::uint8_t>(bytes)), "Zm9v");
}

// is_base64url_alphabet accepts only the 64 url-safe characters.
TEST(Base64Url, AlphabetPredicate) {
  EXPECT_TRUE(is_base64url_alphabet("AZaz09-_"));
  EXPECT_TRUE(is_base64url_alphabet(""));
  EXPECT_FALSE(is_base64url_alphabet("a+b"));
  EXPECT_FALSE(is_base64url_alphabet("a=b"));
  EXPECT_FALSE(is_base64url_alphabet("a.b"));
}

}  // namespace
}  // namespace tollgate::core
