#include "authz/revocation.h"

#include <algorithm>

#include "core/json.h"
#include "core/jws.h"
#include "http/log.h"

namespace tollgate::authz {
namespace {

bool looks_like_jwt(std::string_view token) {
  return std::count(token.begin(), token.end(), '.') == 2;
}

}  // namespace

std::string_view to_string(RevokeOutcome outcome) {
  switch (outcome) {
    case RevokeOutcome::kRevoked:
      return "revoked";
    case RevokeOutcome::kAlreadyRevoked:
      return "already_revoked";
    case RevokeOutcome::kNothingToDo:
      return "nothing_to_do";
    case RevokeOutcome::kOtherClient:
      return "other_client";
    case RevokeOutcome::kUnavailable:
      return "unavailable";
  }
  return "unknown";
}

Revocations::Revocations(std::shared_ptr<store::RevocationStore> store,
                         std::shared_ptr<AuditLog> audit, KeyManager keys, std::string issuer,
                         const core::Clock& clock)
    : store_(std::move(store)),
      audit_(std::move(audit)),
      keys_(std::move(keys)),
      issuer_(std::move(issuer)),
      clock_(clock) {}

std::optional<Revocations::OurToken> Revocations::inspect(std::string_view token) const {
  if (!looks_like_jwt(token)) return std::nullopt;
  auto parsed = core::parse_compact(token, core::AlgSet{core::Alg::kES256, core::Alg::kRS256,
                                                        core::Alg::kPS256, core::Alg::kEdDSA});
  if (!parsed) return std::nullopt;
  const auto jwks = keys_.jwks();
  const core::Jwk* key = jwks->select(parsed->kid, parsed->alg);
  if (!key || core::verify_signature(*parsed, *key) != core::JoseStatus::kOk) return std::nullopt;
  // Ours means: our key, our issuer, an RFC 9068 access token with a jti and exp.
  const auto typ = parsed->typ.value_or("");
  if (typ != "at+jwt" && typ != "application/at+jwt") return std::nullopt;
  const auto iss = core::get_string(parsed->payload, "iss");
  const auto jti = core::get_string(parsed->payload, "jti");
  const auto exp = core::get_int(parsed->payload, "exp");
  if (!iss || *iss != issuer_ || !jti || jti->empty() || !exp) return std::nullopt;
  OurToken t;
  t.jti = std::string(*jti);
  t.client_id = std::string(core::get_string(parsed->payload, "client_id").value_or(""));
  t.exp = *exp;
  t.kid = key->kid();
  t.claims = std::move(parsed->payload);
  return t;
}

RevokeOutcome Revocations::revoke_presented(std::string_view token, std::string_view hint,
                                            std::string_view caller) {
  // RFC 7009 §2.1: the hint is only a hint; a JWT is looked at as an access
  // token, anything else as a refresh token.
  (void)hint;
  if (!looks_like_jwt(token)) {
    if (!refresh_) return RevokeOutcome::kNothingToDo;
    switch (refresh_->revoke(token, caller)) {
      case RefreshTokenRevoker::Outcome::kRevoked:
        audit_->record("token_revoked", {{"token_type", "refresh_token"},
                                         {"client_id", caller},
                                         {"by", caller},
                                         {"reason", "revocation_endpoint"}});
        return RevokeOutcome::kRevoked;
      case RefreshTokenRevoker::Outcome::kUnknown:
        return RevokeOutcome::kNothingToDo;
      case RefreshTokenRevoker::Outcome::kOtherClient:
        return RevokeOutcome::kOtherClient;
      case RefreshTokenRevoker::Outcome::kUnavailable:
        return RevokeOutcome::kUnavailable;
    }
    return RevokeOutcome::kUnavailable;
  }
  auto v = inspect(token);
  if (!v) return RevokeOutcome::kNothingToDo;
  if (v->client_id != caller) return RevokeOutcome::kOtherClient;
  if (v->exp <= clock_.unix_seconds())
    return RevokeOutcome::kNothingToDo;  // expired: nothing left to revoke
  auto r = revoke_access_token(v->jti, v->client_id, v->exp, "revocation_endpoint", caller);
  if (!r) {
    http::log_error("revocation store: " + r.error().message);
    return RevokeOutcome::kUnavailable;
  }
  return *r ? RevokeOutcome::kRevoked : RevokeOutcome::kAlreadyRevoked;
}

store::StoreResult<bool> Revocations::revoke_access_token(std::string_view jti,
                                                          std::string_view client_id,
                                                          std::int64_t exp, std::string_view reason,
                                                          std::string_view by) {
  auto r = store_->revoke_token(jti, client_id, exp, clock_.unix_seconds(), reason);
  if (!r) return std::unexpected(std::move(r.error()));
  if (r->created)
    audit_->record("token_revoked", {{"token_type", "access_token"},
                                     {"jti", jti},
                                     {"client_id", client_id},
                                     {"exp", exp},
                                     {"revocation_seq", r->entry.seq},
                                     {"reason", reason},
                                     {"by", by}});
  return r->created;
}

store::StoreResult<boost::json::object> Revocations::feed(std::int64_t since) {
  // Read the last seq first: an entry committed meanwhile has a higher seq and
  // is returned by the next call, never skipped.
  auto last = store_->last_seq();
  if (!last) return std::unexpected(std::move(last.error()));
  // A token entry stays in the feed until exp + the largest clock skew a
  // gateway may allow (gateway::Revocations::kKeepPastExp, 300 s): the token
  // still passes a gateway until then.
  auto entries = store_->since(since, kFeedPage, clock_.unix_seconds() - kFeedKeepsPastExp.count());
  if (!entries) return std::unexpected(std::move(entries.error()));
  boost::json::array revoked;
  std::int64_t next = since;
  for (const store::Revocation& e : *entries) {
    if (e.kind == store::RevocationKind::kToken)
      revoked.push_back(boost::json::object{{"jti", e.jti}, {"exp", e.exp}});
    else if (e.kind == store::RevocationKind::kConsent)
      revoked.push_back(boost::json::object{{"consent_id", e.consent_id}});
    else
      revoked.push_back(boost::json::object{{"client_id", e.client_id}});
    next = e.seq;
  }
  if (entries->size() < kFeedPage) {
    // Nothing more to read: jump past pruned or expired entries so the caller's cursor keeps
    // moving.
    next = std::max(next, *last);
  }
  return boost::json::object{{"next", next}, {"revoked", std::move(revoked)}};
}

}  // namespace tollgate::authz
