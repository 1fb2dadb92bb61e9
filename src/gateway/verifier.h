// verifier.h — is this bearer token a valid access token for this product?
//
// One core::VerifyPolicy per (issuer, product), built once: the issuer's
// algorithms, typ and clock skew; audiences = the product's audience plus the
// issuer's extra audiences.
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

class Verifier {
 public:
  virtual ~Verifier() = default;
  static std::shared_ptr<const Verifier> create(const std::vector<IssuerConfig>& issuers,
                                                std::shared_ptr<const catalog::Catalog> catalog,
                                                std::shared_ptr<JwksCache> keys,
                                                const core::Clock& clock);

  // The verified token, or the precise reason it is not acceptable for `product`.
  virtual std::expected<core::VerifiedJwt, core::JoseStatus> verify(
      std::string_view token, const catalog::Product& product) const = 0;
};

// The policy used for (issuer, product): exposed for tests and for `tollgate lint`.
core::VerifyPolicy make_policy(const IssuerConfig& issuer, const catalog::Product& product);

}  // namespace tollgate::gateway
