// crypto_test.cc — CSPRNG, SHA-256, constant-time compare, secret hashing.
#include "core/crypto.h"

#include <gtest/gtest.h>

#include <set>

#include "core/base64url.h"

namespace tollgate::core {
namespace {

// SHA-256 matches the FIPS 180-2 "abc" and empty-string vectors.
TEST(Crypto, Sha256Vectors) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256("abc").size(), 32u);
}

// random_bytes returns the requested length and different values each call.
TEST(Crypto, RandomBytes) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  EXPECT_EQ(random_bytes(33).size(), 33u);
  EXPECT_NE(random_bytes(32), random_bytes(32));
  const std::string t = random_token(32);
  EXPECT_EQ(t.size(), 43u);
  EXPECT_TRUE(is_base64url_alphabet(t));
}

// random_uuid produces distinct RFC 4122 version-4 UUIDs.
TEST(Crypto, RandomUuid) {
  // xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx, lowercase hex
  auto well_formed = [](const std::string& u) {
    if (u.size() != 36) return false;
    for (std::size_t i = 0; i < u.size(); ++i) {
      const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash != (u[i] == '-')) return false;
      if (!dash && !((u[i] >= '0' && u[i] <= '9') || (u[i] >= 'a' && u[i] <= 'f'))) return false;
    }
    return u[14] == '4' && (u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b');
  };
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string u = random_uuid();
    EXPECT_TRUE(well_formed(u)) << u;
    EXPECT_TRUE(seen.insert(u).second);
  }
}

// constant_time_equal compares content and length.
TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

// A hashed secret verifies with the right secret only, and each hash is salted.
TEST(Crypto, HashSecretRoundTrip) {
  const std::string secret = random_token(32);
  const std::string h1 = hash_secret(secret);
  const std::string h2 = hash_secret(secret);
  EXPECT_EQ(h1.rfind("sha256$", 0), 0u);
  EXPECT_NE(h1, h2);
  EXPECT_TRUE(verify_secret(secret, h1));
  EXPECT_TRUE(verify_secret(secret, h2));
  EXPECT_FALSE(verify_secret(secret + "x", h1));
  EXPECT_FALSE(verify_secret("", h1));
}

// Malformed or foreign hash encodings never verify.
TEST(Crypto, VerifySecretRefusesMalformed) {
  const std::string h = hash_secret("s");
  EXPECT_FALSE(verify_secret("s", ""));
  EXPECT_FALSE(verify_secret("s", "sha256$"));
  EXPECT_FALSE(verify_secret("s", "sha512" + h.substr(6)));
  EXPECT_FALSE(verify_secret("s", h.substr(0, h.size() - 1)));
  EXPECT_FALSE(verify_secret("s", h + "="));
  EXPECT_FALSE(verify_secret("s", "sha256$$" + h.substr(h.rfind('$') + 1)));
}

}  // namespace
}  // namespace tollgate::core
