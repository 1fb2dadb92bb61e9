// refresh.cc — the refresh_token grant with rotation (RFC 6749 §6, RFC 9700
// §4.14.2, CAMARA ICM "Refresh Token Usage"): each use returns a new refresh
// token of the same family and retires the old one; presenting a retired
// token revokes the whole family (store::RefreshTokenStore::use). No new token
// when the consent was withdrawn or the client's access changed (invalid_grant).
// A `scope` parameter may narrow the API scopes, never widen them; a narrowed
// scope must still be a valid 3-legged scope (a purpose, an API scope), else
// invalid_scope.
#include "authz/three_legged_impl.h"
#include "core/crypto.h"
#include "http/log.h"

namespace tollgate::authz::detail {

http::Response ThreeLeggedImpl::token_refresh(const http::Request& req, const http::Form& form,
                                              const store::ClientRecord& client) {
  auto refuse = [&](std::string_view error, std::string description, std::string_view reason) {
    audit("token_refused",
          {{"client_id", client.client_id},
           {"grant", grants::kRefreshToken},
           {"error", error},
           {"reason", reason}},
          true);
    return oauth_error(req, {400, std::string(error), std::move(description)});
  };
  const std::string token = form_value(form, "refresh_token");
  if (token.empty())
    return refuse("invalid_request", "refresh_token is required", "refresh_token_missing");
  const std::string hash = core::sha256_hex(token);
  auto found = stores_.refresh_tokens->find(hash);
  if (!found) return oauth_error(req, {503, "temporarily_unavailable", "retry later"});
  // Another client's token: refused without touching it (it is not this caller's to burn).
  if (!*found || (*found)->grant.client_id != client.client_id)
    return refuse("invalid_grant", "the refresh token is invalid or was issued to another client",
                  "refresh_unknown");
  const store::RefreshTokenRecord& rec = **found;

  std::string scope_text = rec.grant.scope;
  if (has(form, "scope")) {
    auto asked = core::ScopeSet::parse(form_value(form, "scope"));
    auto original = core::ScopeSet::parse(rec.grant.scope);
    if (!asked || asked->empty() || !original || !original->contains_all(asked->items()))
      return refuse("invalid_scope", "scope may only narrow the original grant", "scope_widened");
    scope_text = asked->to_string();
  }
  auto scope = decide_three_legged(*catalog_, client, scope_text);
  if (!scope) {
    // A narrowed scope that lost its purpose or every API scope is the request's
    // fault (RFC 6749 §5.2 invalid_scope); a refused API scope or purpose means
    // the client's registration or the catalog changed since the grant.
    const ScopeProblem p = scope.error().problem;
    if (has(form, "scope") && p != ScopeProblem::kRefused && p != ScopeProblem::kUnknownPurpose)
      return refuse("invalid_scope", scope.error().description, "scope_narrowed_invalid");
    return refuse("invalid_grant", "the client may no longer be granted this scope",
                  "scope_no_longer_allowed");
  }

  auto in_force = consent_in_force(rec.grant);
  if (!in_force) return oauth_error(req, in_force.error());
  if (!*in_force) {
    stores_.refresh_tokens->revoke_family(rec.family_id);
    return refuse("invalid_grant", "the consent was withdrawn", "consent_withdrawn");
  }
  auto used = stores_.refresh_tokens->use(hash, now());
  if (!used) return oauth_error(req, {503, "temporarily_unavailable", "retry later"});
  switch (used->outcome) {
    case store::RefreshOutcome::kReused: {
      // The store revoked the family's refresh tokens; the access tokens issued from
      // them are revoked too (RFC 9700 §4.14.2: one of the two holders is an attacker).
      const std::size_t revoked = revoke_refresh_family(rec.family_id, "refresh_reused");
      audit("refresh_reuse",
            {{"client_id", client.client_id},
             {"refresh_family", rec.family_id},
             {"revoked_access_tokens", revoked}},
            true);
      return refuse("invalid_grant", "the refresh token was already used; its family is revoked",
                    "refresh_reused");
    }
    case store::RefreshOutcome::kRevoked:
      return refuse("invalid_grant", "the refresh token was revoked", "refresh_revoked");
    case store::RefreshOutcome::kExpired:
      return refuse("invalid_grant", "the refresh token has expired", "refresh_expired");
    case store::RefreshOutcome::kUnknown:
      return refuse("invalid_grant", "the refresh token is invalid", "refresh_unknown");
    case store::RefreshOutcome::kActive:
      break;
  }
  // The new token keeps the family and its absolute expiry; offline_access
  // stays granted as long as the original grant had it.
  ThreeLeggedScope next = *scope;
  next.offline_access = true;
  auto issued = issue(client, next, rec.grant, grants::kRefreshToken, rec.grant_type, std::nullopt,
                      rec.family_id, rec.expires_at);
  if (!issued) return oauth_error(req, issued.error());
  return oauth_json(req, 200, issued->body);
}

std::size_t ThreeLeggedImpl::revoke_refresh_family(std::string_view family_id,
                                                   std::string_view reason) {
  if (family_id.empty()) return 0;
  if (auto r = stores_.refresh_tokens->revoke_family(family_id); !r)
    http::log_error("could not revoke a refresh family: " + r.error().message);
  auto tokens = stores_.refresh_tokens->family_access_tokens(family_id, now());
  if (!tokens) {
    http::log_error("could not list a refresh family's access tokens: " + tokens.error().message);
    return 0;
  }
  if (!hooks_.revoke_access_token) {
    if (!tokens->empty())
      http::log_warn("access tokens of a revoked refresh family stay valid: no revocation hook");
    return 0;
  }
  for (const auto& t : *tokens) hooks_.revoke_access_token(t.jti, t.client_id, t.exp, reason);
  return tokens->size();
}

}  // namespace tollgate::authz::detail
