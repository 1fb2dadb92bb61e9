// jwt_bearer.cc — the JWT bearer grant (RFC 7523 §2.1, RFC 7521 §4.1, CAMARA
// ICM "JWT Bearer Flow"): a client asserts, in a JWT signed with one of its
// registered keys, which subscriber it acts for (sub tel:+E164 or
// operatortoken:<TS.43 token>) and for which purpose and scopes (the `scope`
// claim; the scope form parameter is refused). No user interaction: when the
// purpose's legal basis is consent, a stored consent must cover the request,
// else invalid_grant. Short-lived access tokens (kJwtBearerMaxLifetime), never
// a refresh token.
//
// Checks, in order (each refusal is audited with its reason): the assertion
// parses; its iss names a registered, enabled client allowed this grant; when
// the request also carries client authentication, it authenticates that same
// client; the signature verifies with the client's registered keys (an unknown
// kid refetches once); aud is the token endpoint or the issuer; exp, iat, jti
// and sub present; exp at most 300 s after receipt and exp - iat at most 300 s;
// the jti is used once; the subject is one of our subscribers; the scope (scopes of
// a product with `authentication: network` refuse a tel: subject); the consent.
#include "authz/client_auth.h"
#include "authz/three_legged_impl.h"
#include "core/json.h"
#include "core/jws.h"
#include "core/jwt.h"

namespace tollgate::authz::detail {
namespace {

// CAMARA ICM: reject exp more than 300 s after receipt, or exp - iat above 300 s.
constexpr std::int64_t kMaxAssertionSeconds = 300;

core::AlgSet asymmetric_algs() {
  core::AlgSet s;
  for (core::Alg a : core::kAllAlgs) s.add(a);
  return s;
}

bool carries_client_auth(const http::Request& req, const http::Form& form) {
  return req.find(bhttp::field::authorization) != req.end() || has(form, "client_secret") ||
         has(form, "client_assertion");
}

}  // namespace

http::Response ThreeLeggedImpl::jwt_bearer(const http::Request& req, const http::Form& form,
                                           const http::ConnectionInfo& info) {
  std::string client_id;
  auto refuse = [&](std::string_view error, std::string description, std::string_view reason) {
    audit("token_refused",
          {{"client_id", client_id.substr(0, 128)},
           {"grant", grants::kJwtBearer},
           {"error", error},
           {"reason", reason}},
          true);
    return oauth_error(req, {400, std::string(error), std::move(description)});
  };
  const std::string assertion = form_value(form, "assertion");
  if (assertion.empty())
    return refuse("invalid_request", "assertion is required", "assertion_missing");
  if (has(form, "scope"))
    return refuse("invalid_request",
                  "the scope parameter must not be sent; use the assertion's scope claim",
                  "scope_parameter");
  auto parsed = core::parse_compact(assertion, asymmetric_algs());
  if (!parsed)
    return refuse("invalid_grant", "the assertion is not a valid JWT",
                  core::to_string(parsed.error()));
  client_id = std::string(core::get_string(parsed->payload, "iss").value_or(""));
  if (client_id.empty()) return refuse("invalid_grant", "the assertion has no iss", "iss_missing");

  store::ClientRecord client;
  if (carries_client_auth(req, form)) {
    if (!hooks_.authenticate)
      return refuse("invalid_grant", "client authentication is not available", "no_auth_hook");
    auto authenticated = hooks_.authenticate(req, form, config_.token_endpoint(), info);
    if (!authenticated) return std::move(authenticated.error());
    if (authenticated->client_id != client_id)
      return refuse("invalid_grant", "the assertion's iss is not the authenticated client",
                    "iss_client_mismatch");
    client = std::move(*authenticated);
  } else {
    auto found = clients_->find(client_id);
    if (!found) return oauth_error(req, {503, "temporarily_unavailable", "retry later"});
    if (!*found || (*found)->disabled)
      return refuse("invalid_grant", "the assertion's issuer is not a known client",
                    "unknown_client");
    client = std::move(**found);
  }
  if (!client.allows_grant(grants::kJwtBearer)) {
    audit("token_refused",
          {{"client_id", client_id},
           {"grant", grants::kJwtBearer},
           {"reason", "grant_not_registered"}},
          true);
    return oauth_error(
        req, {400, "unauthorized_client", "this client may not use the JWT bearer grant"});
  }
  if (!hooks_.client_keys)
    return refuse("invalid_grant", "no client keys are available", "no_key_hook");
  auto keys = hooks_.client_keys(client, false);
  if (!keys)
    return refuse("invalid_grant", "the client has no usable registered keys",
                  "client_keys_unavailable");

  core::VerifyPolicy policy;
  policy.allowed_algs = asymmetric_algs();
  policy.issuer = client.client_id;
  policy.audiences = {config_.token_endpoint(), config_.issuer};
  policy.clock_skew = config_.clock_skew;
  policy.required_typ = "";
  policy.require_iat = true;
  policy.require_sub = true;
  policy.require_jti = true;
  auto verified = core::verify_jwt(assertion, **keys, policy, clock_.now());
  if (!verified && verified.error() == core::JoseStatus::kKidUnknown) {
    if (auto fresh = hooks_.client_keys(client, true))
      verified = core::verify_jwt(assertion, **fresh, policy, clock_.now());
  }
  if (!verified)
    return refuse("invalid_grant", "the assertion is not valid", core::to_string(verified.error()));
  const std::int64_t t = now();
  if (verified->exp - t > kMaxAssertionSeconds)
    return refuse("invalid_grant", "the assertion expires more than 300 s from now",
                  "assertion_exp_too_far");
  if (verified->iat && verified->exp - *verified->iat > kMaxAssertionSeconds)
    return refuse("invalid_grant", "the assertion lives longer than 300 s",
                  "assertion_lifetime_too_long");
  if (verified->jti.size() > 256)
    return refuse("invalid_grant", "the assertion's jti is too long", "jti_too_long");

  // The subject.
  std::string msisdn;
  std::vector<std::string> amr;
  const std::string& sub = verified->sub;
  if (sub.starts_with("tel:")) {
    if (is_e164(std::string_view(sub).substr(4)) &&
        directory_->knows(std::string_view(sub).substr(4)))
      msisdn = sub.substr(4);
    amr = {"tel"};
  } else if (sub.starts_with("operatortoken:") && sub.size() > 14) {
    msisdn = directory_->resolve_operator_token(std::string_view(sub).substr(14)).value_or("");
    amr = {"nba"};
  } else {
    return refuse("invalid_grant", "sub must be tel:+E164 or operatortoken:<token>",
                  "sub_malformed");
  }
  if (msisdn.empty())
    return refuse("invalid_grant", "the subject is not a subscriber of ours", "unknown_subject");

  const auto scope_claim = core::get_string(verified->claims, "scope");
  if (!scope_claim)
    return refuse("invalid_scope", "the assertion needs a scope claim", "scope_claim_missing");
  auto scope = decide_three_legged(*catalog_, client, *scope_claim);
  if (!scope)
    return refuse("invalid_scope", scope.error().description, to_string(scope.error().problem));
  // Scopes of a product with `authentication: network` (catalog.h): a tel: subject is
  // the client's assertion, not network-based authentication.
  if (scope->network_only && sub.starts_with("tel:"))
    return refuse("invalid_grant",
                  "these scopes need network-based authentication: the subject must be "
                  "operatortoken:<token>, not tel:",
                  "tel_subject_needs_network_authentication");

  // Replay: the jti once per client (checked after every other test, so that a
  // refused assertion never burns its jti).
  if (!hooks_.accept_jti_once)
    return refuse("invalid_grant", "replay protection is not available", "no_replay_hook");
  auto fresh = hooks_.accept_jti_once(client.client_id, verified->jti,
                                      verified->exp + config_.clock_skew.count());
  if (!fresh) return oauth_error(req, {503, "temporarily_unavailable", "retry later"});
  if (!*fresh)
    return refuse("invalid_grant", "the assertion was already used", "assertion_replayed");

  store::GrantContext grant{.client_id = client.client_id,
                            .partner = client.partner,
                            .scope = scope->granted_scope(false),
                            .purpose = scope->purpose->name,
                            .subscriber = msisdn,
                            .amr = amr,
                            .auth_time = 0};
  if (scope->purpose->legal_basis == catalog::LegalBasis::kConsent) {
    auto consent = covering_consent(client.partner, msisdn, *scope);
    if (!consent) return oauth_error(req, consent.error());
    if (!*consent)
      return refuse("invalid_grant", "the subscriber has not consented to this purpose and scope",
                    "consent_missing");
    grant.consent_id = (*consent)->consent_id;
  }
  auto issued =
      issue(client, *scope, grant, grants::kJwtBearer, std::nullopt, kJwtBearerMaxLifetime);
  if (!issued) return oauth_error(req, issued.error());
  return oauth_json(req, 200, issued->body);
}

}  // namespace tollgate::authz::detail
