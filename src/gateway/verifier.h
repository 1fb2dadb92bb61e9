// verifier.h — is this bearer token a valid access token for this product?
//
// One core::VerifyPolicy per (issuer, product), built once: the issuer's
// algorithms (narrowed by the product's gateway policy when it names some), typ,
// clock skew (the product's when it sets one) and the product's maximum token
// age; audiences = the product's audience plus the issuer's extra audiences.
//
// Every verified token comes with its validity window for that policy
// (valid_from <= now < valid_until, from exp, nbf, iat, max age and skew): the
// token cache serves it only inside that window, so a cached answer is always
// the answer a fresh verification would give at that instant.
//
// Choosing the issuer: with one trusted issuer it is simply that one. With
// several, the token's *unverified* "iss" only picks which issuer's keys and
// policy to try; core::verify_jwt then checks the signature with those keys and
// that "iss" equals that issuer exactly, so a forged "iss" gains nothing. A
// token naming an issuer we do not trust is refused (iss_mismatch) before any
// signature work.
//
// An unknown kid asks the JwksCache for a (rate-limited) refresh; the request
// itself fails with kid_unknown.
//
// Immutable after create(); thread-safe; never throws on the request path.
#pragma once

#include <expected>
#include <map>
#include <memory>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/jwt.h"
#include "core/status.h"
#include "gateway/config.h"
#include "gateway/jwks_cache.h"

namespace tollgate::gateway {

// A token that passed every check for one product, and how long that stays true.
struct VerifiedToken {
  core::VerifiedJwt jwt;
  std::size_t issuer = 0;       // index into GatewayConfig::issuers
  core::TimePoint valid_from;   // now < valid_from: nbf or iat still in the future (with skew)
  core::TimePoint valid_until;  // now >= valid_until: expired or too old (with skew)
};

class Verifier {
 public:
  virtual ~Verifier() = default;
  // `products`: the gateway's per-product policies (may name products absent from the catalog;
  // the gateway refuses such a configuration before it gets here).
  static std::shared_ptr<const Verifier> create(
      const std::vector<IssuerConfig>& issuers, std::shared_ptr<const catalog::Catalog> catalog,
      std::shared_ptr<JwksCache> keys, const core::Clock& clock,
      const std::map<std::string, ProductPolicy>& products = {});

  // The verified token, or the precise reason it is not acceptable for `product`.
  virtual std::expected<VerifiedToken, core::JoseStatus> verify(
      std::string_view token, const catalog::Product& product) const = 0;

  // The injected clock's time (the token cache uses the same instant).
  virtual core::TimePoint now() const = 0;
};

// The policy used for (issuer, product): exposed for tests and for `tollgate lint`.
// A jti is always required (RFC 9068 §2.2; revocation is by jti).
core::VerifyPolicy make_policy(const IssuerConfig& issuer, const catalog::Product& product,
                               const ProductPolicy* product_policy = nullptr);

// The instants between which `jwt` passes check_claims under `policy` (see VerifiedToken).
// Saturates instead of overflowing for absurd claim values.
std::pair<core::TimePoint, core::TimePoint> validity_window(const core::VerifiedJwt& jwt,
                                                            const core::VerifyPolicy& policy);

}  // namespace tollgate::gateway
