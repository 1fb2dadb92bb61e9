// subject_tokens.h — the tokens of a 3-legged grant: an RFC 9068 access token
// that stands for one subscriber, and the OIDC ID token when `openid` was
// granted. No HTTP and no storage here.
//
// Access token claims: iss, sub (pairwise pseudonym per partner, pairwise.h),
// aud, exp, iat, jti, client_id, scope (purpose + API scopes), partner, tier
// (when the catalog knows the partner), purpose, consent_id (only when the
// purpose's legal basis is consent), amr, auth_time, and sub_sealed: the MSISDN
// sealed for the gateway with the token's jti as context (sealed_subject.h).
// The MSISDN never appears in clear. Lifetime: the API scopes' products (the
// shortest), capped at kJwtBearerMaxLifetime for the JWT bearer grant (CAMARA:
// "SHOULD return short-lived access tokens").
//
// ID token (OIDC Core §2): iss, sub (the same pairwise value), aud = client_id,
// azp, exp = iat + kIdTokenLifetime, iat, auth_time, amr, nonce (when the
// request had one); typ "JWT". Signed with the same key as access tokens.
//
// Thread safety: immutable; any thread. The Clock outlives the issuer.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>

#include "authz/keys.h"
#include "authz/pairwise.h"
#include "authz/sealed_subject.h"
#include "authz/three_legged_scope.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/status.h"
#include "store/clients.h"
#include "store/grant_context.h"

namespace tollgate::authz {

// An ID token is consumed at once by the client; five minutes is ample.
inline constexpr std::chrono::seconds kIdTokenLifetime{300};
// JWT bearer tokens live at most this long (CAMARA's examples use 120 s).
inline constexpr std::chrono::seconds kJwtBearerMaxLifetime{300};

struct SubjectAccessToken {
  std::string token;
  std::string jti;
  std::int64_t expires_in = 0;
  std::int64_t exp = 0;
  std::string sub;  // the pairwise value (for logs: not PII)
};

class SubjectTokenIssuer {
 public:
  SubjectTokenIssuer(std::string issuer, KeyManager keys,
                     std::shared_ptr<const PairwiseSubjects> pairwise,
                     std::shared_ptr<const SubjectSealer> sealer, const core::Clock& clock);

  std::expected<SubjectAccessToken, core::JoseStatus> access_token(
      const catalog::Catalog& catalog, const store::ClientRecord& client,
      const ThreeLeggedScope& scope, const store::GrantContext& grant,
      std::optional<std::chrono::seconds> max_lifetime = std::nullopt) const;

  std::expected<std::string, core::JoseStatus> id_token(const store::ClientRecord& client,
                                                        const store::GrantContext& grant) const;

  std::string pairwise_sub(std::string_view partner, std::string_view msisdn) const {
    return pairwise_->subject(partner, msisdn);
  }
  const KeyManager& keys() const { return keys_; }

 private:
  std::string issuer_;
  KeyManager keys_;
  std::shared_ptr<const PairwiseSubjects> pairwise_;
  std::shared_ptr<const SubjectSealer> sealer_;
  const core::Clock& clock_;
};

}  // namespace tollgate::authz
