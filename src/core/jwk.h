// jwk.h — JSON Web Keys (RFC 7517) for RSA, EC P-256 and Ed25519 over OpenSSL 3.
//
// A Jwk owns an EVP_PKEY through a shared, immutable handle: copying a Jwk is
// cheap and a Jwks snapshot can be shared across threads (EVP_PKEY is safe for
// concurrent verify once built). Import refuses: unknown kty/crv, EC points not
// on the curve, RSA moduli under 2048 bits, private members in a public-only
// context when `allow_private` is false, and "oct" (symmetric) keys.
#pragma once

#include <boost/json.hpp>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/jwa.h"
#include "core/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace tollgate::core {

enum class KeyType { kRsa, kEcP256, kEd25519 };

// RAII owner for EVP_PKEY, shared between copies of a Jwk.
struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
using EvpPkeyPtr = std::shared_ptr<EVP_PKEY>;

class Jwk {
 public:
  // Import from a JWK JSON object. `allow_private`: keep "d" (and RSA CRT members) when present.
  static std::expected<Jwk, JoseStatus> from_json(const boost::json::object& jwk, bool allow_private);
  // Import a PEM (SPKI public key, or PKCS#8 / traditional private key).
  static std::expected<Jwk, JoseStatus> from_pem(std::string_view pem, std::string kid);
  // Generate a new private key for `alg` (RS256/PS256: RSA 2048; ES256: P-256; EdDSA: Ed25519).
  static std::expected<Jwk, JoseStatus> generate(Alg alg, std::string kid);

  KeyType type() const { return type_; }
  const std::string& kid() const { return kid_; }
  // The "alg" member if the JWK names one (restricts which alg may use this key).
  std::optional<Alg> alg() const { return alg_; }
  void set_alg(std::optional<Alg> a) { alg_ = a; }
  bool is_private() const { return private_; }
  // True when this key may verify/sign `a`: key type fits and the JWK's own "alg", if any, equals `a`.
  bool fits(Alg a) const;
  EVP_PKEY* pkey() const { return pkey_.get(); }

  // Public JWK JSON (never private members), with kid, use "sig" and alg when known.
  boost::json::object to_public_json() const;
  // PEM of the private key (PKCS#8) — only for private keys — or of the public key (SPKI).
  std::expected<std::string, JoseStatus> to_private_pem() const;
  std::string to_public_pem() const;
  // RFC 7638 JWK thumbprint (SHA-256, base64url), handy as a default kid.
  std::string thumbprint() const;

 private:
  Jwk() = default;
  KeyType type_ = KeyType::kEcP256;
  std::string kid_;
  std::optional<Alg> alg_;
  bool private_ = false;
  EvpPkeyPtr pkey_;
};

// An immutable set of keys, looked up by kid.
class Jwks {
 public:
  Jwks() = default;
  explicit Jwks(std::vector<Jwk> keys) : keys_(std::move(keys)) {}
  // Parse {"keys":[...]}; members that are not usable signature keys (use "enc",
  // unsupported kty) are skipped, a malformed document is refused.
  static std::expected<Jwks, JoseStatus> from_json(std::string_view json);

  const std::vector<Jwk>& keys() const { return keys_; }
  const Jwk* find(std::string_view kid) const;
  // Key selection for a token: by kid when given; without a kid, the single key that fits `alg`.
  const Jwk* select(std::optional<std::string_view> kid, Alg alg) const;
  std::string to_public_json() const;  // {"keys":[...]} with public members only

 private:
  std::vector<Jwk> keys_;
};

}  // namespace tollgate::core
