// crypto.cc — CSPRNG, SHA-256, constant-time comparison, secret hashing (see crypto.h).
#include "core/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstdlib>

#include "core/base64url.h"

namespace tollgate::core {
namespace {

constexpr std::string_view kSecretScheme = "sha256";
constexpr std::size_t kSaltBytes = 16;

// Algorithms fetched once per process: the implicit fetch behind EVP_sha256()
// and EVP_Q_mac costs a provider lookup (locks, string compares) on every call,
// which showed in the token endpoint's profile (audit hashes, secret checks).
const EVP_MD* sha256_md() {
  static EVP_MD* md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (!m) std::abort();  // SHA-256 is always available; failure means a broken library.
    return m;
  }();
  return md;
}

EVP_MAC* hmac_mac() {
  static EVP_MAC* mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (!m) std::abort();
    return m;
  }();
  return mac;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  std::size_t len = 0;
  // A key of length zero still needs a non-null pointer.
  static const unsigned char kEmpty = 0;
  const auto* k = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(hmac_mac());
  const bool ok =
      ctx && EVP_MAC_init(ctx, k, key.size(), params) == 1 &&
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
      EVP_MAC_final(ctx, reinterpret_cast<unsigned char*>(out.data()), &len, out.size()) == 1;
  EVP_MAC_CTX_free(ctx);
  if (!ok) std::abort();  // HMAC-SHA256 is always available; failure means a broken library.
  out.resize(len);
  return out;
}

}  // namespace

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (n == 0) return out;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    std::abort();
  }
  return out;
}

std::string random_token(std::size_t n) { return base64url_encode(random_bytes(n)); }

std::string random_uuid() {
  std::string b = random_bytes(16);
  b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    const auto c = static_cast<unsigned char>(b[static_cast<std::size_t>(i)]);
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0x0F]);
  }
  return out;
}

std::string sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                 sha256_md(), nullptr) != 1 ||
      len != 32) {
    std::abort();
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::string digest = sha256(data);
  std::string out;
  out.reserve(64);
  for (unsigned char c : digest) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0x0F]);
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;  // lengths are not secret
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string hash_secret(std::string_view secret) {
  const std::string salt = random_bytes(kSaltBytes);
  std::string out(kSecretScheme);
  out += '$';
  out += base64url_encode(salt);
  out += '$';
  out += base64url_encode(hmac_sha256(salt, secret));
  return out;
}

bool verify_secret(std::string_view secret, std::string_view encoded_hash) {
  // "sha256$<salt>$<mac>"
  const std::size_t d1 = encoded_hash.find('$');
  if (d1 == std::string_view::npos || encoded_hash.substr(0, d1) != kSecretScheme) return false;
  const std::size_t d2 = encoded_hash.find('$', d1 + 1);
  if (d2 == std::string_view::npos) return false;
  const auto salt = base64url_decode(encoded_hash.substr(d1 + 1, d2 - d1 - 1));
  const auto mac = base64url_decode(encoded_hash.substr(d2 + 1));
  if (!salt || !mac || salt->empty() || mac->size() != 32) return false;
  return constant_time_equal(hmac_sha256(*salt, secret), *mac);
}

}  // namespace tollgate::core
