#include "authz/subject_tokens.h"

#include <boost/json.hpp>
#include <stdexcept>

#include "core/crypto.h"
#include "core/jws.h"

namespace tollgate::authz {
namespace {

constexpr std::size_t kJtiBytes = 16;  // RFC 9068 §2.2: unique; 128 random bits

boost::json::array to_array(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

SubjectTokenIssuer::SubjectTokenIssuer(std::string issuer, KeyManager keys,
                                       std::shared_ptr<const PairwiseSubjects> pairwise,
                                       std::shared_ptr<const SubjectSealer> sealer,
                                       const core::Clock& clock)
    : issuer_(std::move(issuer)),
      keys_(std::move(keys)),
      pairwise_(std::move(pairwise)),
      sealer_(std::move(sealer)),
      clock_(clock) {
  if (!pairwise_ || !sealer_)
    throw std::invalid_argument("SubjectTokenIssuer needs pairwise and sealing keys");
}

std::expected<SubjectAccessToken, core::JoseStatus> SubjectTokenIssuer::access_token(
    const catalog::Catalog& catalog, const store::ClientRecord& client,
    const ThreeLeggedScope& scope, const store::GrantContext& grant,
    std::optional<std::chrono::seconds> max_lifetime) const {
  SubjectAccessToken t;
  const std::int64_t now = clock_.unix_seconds();
  auto lifetime = scope.api.lifetime;
  if (max_lifetime && *max_lifetime < lifetime) lifetime = *max_lifetime;
  t.expires_in = lifetime.count();
  t.exp = now + t.expires_in;
  t.jti = core::random_token(kJtiBytes);
  t.sub = pairwise_->subject(client.partner, grant.subscriber);

  const std::string sealed = sealer_->seal(grant.subscriber, t.jti);
  if (sealed.empty()) return std::unexpected(core::JoseStatus::kCryptoFailure);

  boost::json::object claims;
  claims["iss"] = issuer_;
  claims["sub"] = t.sub;
  if (scope.api.audiences.size() == 1)
    claims["aud"] = scope.api.audiences.front();
  else
    claims["aud"] = to_array(scope.api.audiences);
  claims["exp"] = t.exp;
  claims["iat"] = now;
  claims["jti"] = t.jti;
  claims["client_id"] = client.client_id;
  claims["scope"] = scope.token_scope();
  claims["partner"] = client.partner;
  if (const catalog::Partner* p = catalog.partner(client.partner)) claims["tier"] = p->tier;
  claims["purpose"] = scope.purpose->name;
  if (!grant.consent_id.empty()) claims["consent_id"] = grant.consent_id;
  claims["amr"] = to_array(grant.amr);
  if (grant.auth_time > 0) claims["auth_time"] = grant.auth_time;
  claims[kSealedSubjectClaim] = sealed;

  auto token =
      core::sign_compact(keys_.current(), keys_.alg(), claims, "at+jwt");
  if (!token) return std::unexpected(token.error());
  t.token = std::move(*token);
  return t;
}

std::expected<std::string, core::JoseStatus> SubjectTokenIssuer::id_token(
    const store::ClientRecord& client, const store::GrantContext& grant) const {
  const std::int64_t now = clock_.unix_seconds();
  boost::json::object claims;
  claims["iss"] = issuer_;
  claims["sub"] = pairwise_->subject(client.partner, grant.subscriber);
  claims["aud"] = client.client_id;
  claims["azp"] = client.client_id;
  claims["exp"] = now + kIdTokenLifetime.count();
  claims["iat"] = now;
  if (grant.auth_time > 0) claims["auth_time"] = grant.auth_time;
  claims["amr"] = to_array(grant.amr);
  if (!grant.nonce.empty()) claims["nonce"] = grant.nonce;
  return core::sign_compact(keys_.current(), keys_.alg(), claims, "JWT");
}

}  // namespace tollgate::authz
