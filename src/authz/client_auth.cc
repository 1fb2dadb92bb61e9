#include "authz/client_auth.h"

#include "core/crypto.h"
#include "core/json.h"
#include "core/jws.h"
#include "core/jwt.h"

namespace tollgate::authz {

std::string_view to_string(AuthMethod method) {
  switch (method) {
    case AuthMethod::kNone:
      return "none";
    case AuthMethod::kClientSecretBasic:
      return store::kAuthClientSecretBasic;
    case AuthMethod::kClientSecretPost:
      return store::kAuthClientSecretPost;
    case AuthMethod::kPrivateKeyJwt:
      return store::kAuthPrivateKeyJwt;
  }
  return "none";
}

std::string_view to_string(ClientAuthError error) {
  switch (error) {
    case ClientAuthError::kMultipleMethods:
      return "multiple_auth_methods";
    case ClientAuthError::kRepeatedAuthorization:
      return "repeated_authorization_header";
    case ClientAuthError::kClientIdMismatch:
      return "client_id_mismatch";
    case ClientAuthError::kSecretWithoutClientId:
      return "secret_without_client_id";
    case ClientAuthError::kAssertionIncomplete:
      return "assertion_incomplete";
    case ClientAuthError::kNoCredentials:
      return "no_credentials";
    case ClientAuthError::kMalformedBasic:
      return "malformed_basic";
    case ClientAuthError::kUnknownClient:
      return "unknown_client";
    case ClientAuthError::kWrongSecret:
      return "wrong_secret";
    case ClientAuthError::kClientDisabled:
      return "client_disabled";
    case ClientAuthError::kMethodNotRegistered:
      return "auth_method_not_registered";
    case ClientAuthError::kAssertionTypeUnsupported:
      return "assertion_type_unsupported";
    case ClientAuthError::kAssertionMalformed:
      return "assertion_malformed";
    case ClientAuthError::kClientKeysUnavailable:
      return "client_keys_unavailable";
    case ClientAuthError::kAssertionInvalid:
      return "assertion_invalid";
    case ClientAuthError::kAssertionSubjectMismatch:
      return "assertion_sub_mismatch";
    case ClientAuthError::kAssertionIsRequestObject:
      return "assertion_is_request_object";
    case ClientAuthError::kAssertionExpTooFar:
      return "assertion_exp_too_far";
    case ClientAuthError::kAssertionLifetimeTooLong:
      return "assertion_lifetime_too_long";
    case ClientAuthError::kAssertionJtiTooLong:
      return "assertion_jti_too_long";
    case ClientAuthError::kAssertionReplayed:
      return "assertion_replayed";
    case ClientAuthError::kStoreUnavailable:
      return "store_unavailable";
  }
  return "unknown";
}

namespace {

const core::AlgSet kAssertionAlgs{core::Alg::kRS256, core::Alg::kPS256, core::Alg::kES256,
                                  core::Alg::kEdDSA};

// RFC 6749 §3.1/§3.2: "Parameters sent without a value MUST be treated as if they
// were omitted from the request." The value, or null when absent or empty.
const std::string* param(const http::Form& form, std::string_view name) {
  const auto it = form.find(name);
  return it == form.end() || it->second.empty() ? nullptr : &it->second;
}

std::unexpected<ClientAuthFailure> failure(ClientAuthError e, AuthMethod m, std::string id = {},
                                           std::string detail = {}, std::string kid = {}) {
  return std::unexpected(ClientAuthFailure{e, m, std::move(id), std::move(detail), std::move(kid)});
}

}  // namespace

std::string presented_client_id(const http::Request& request, const http::Form& form) {
  namespace bhttp = boost::beast::http;
  if (request.count(bhttp::field::authorization) == 1) {
    if (auto basic = http::parse_basic_auth(request[bhttp::field::authorization]))
      return std::move(basic->user);
  }
  if (const std::string* id = param(form, "client_id")) return *id;
  if (const std::string* jwt = param(form, "client_assertion")) {
    if (auto parsed = core::parse_compact(*jwt, kAssertionAlgs))
      if (auto iss = core::get_string(parsed->payload, "iss")) return std::string(*iss);
  }
  return {};
}

ClientAuthenticator::ClientAuthenticator(std::shared_ptr<store::ClientStore> clients,
                                         std::shared_ptr<store::ReplayCache> replay,
                                         std::shared_ptr<ClientKeys> keys, std::string issuer,
                                         std::chrono::seconds clock_skew, const core::Clock& clock)
    : clients_(std::move(clients)),
      replay_(std::move(replay)),
      keys_(std::move(keys)),
      issuer_(std::move(issuer)),
      skew_(clock_skew),
      clock_(clock),
      dummy_hash_(core::hash_secret(core::random_token(32))) {}

std::expected<AuthenticatedClient, ClientAuthFailure> ClientAuthenticator::authenticate(
    const http::Request& request, const http::Form& form,
    std::span<const std::string> audiences) const {
  namespace bhttp = boost::beast::http;
  const auto n_auth = request.count(bhttp::field::authorization);
  const std::string* form_id = param(form, "client_id");
  const std::string* form_secret = param(form, "client_secret");
  const bool assertion = param(form, "client_assertion") || param(form, "client_assertion_type");
  std::string client_id, secret;
  AuthMethod method = AuthMethod::kNone;

  if (n_auth > 1)
    return failure(ClientAuthError::kRepeatedAuthorization, AuthMethod::kClientSecretBasic);
  if (assertion) {
    if (n_auth == 1 || form_secret)
      return failure(ClientAuthError::kMultipleMethods, AuthMethod::kPrivateKeyJwt);
    return with_assertion(form, audiences);
  }
  if (n_auth == 1) {
    method = AuthMethod::kClientSecretBasic;
    if (form_secret) return failure(ClientAuthError::kMultipleMethods, method);
    auto basic = http::parse_basic_auth(request[bhttp::field::authorization]);
    if (!basic) return failure(ClientAuthError::kMalformedBasic, method);
    client_id = std::move(basic->user);
    secret = std::move(basic->password);
    if (form_id && *form_id != client_id)
      return failure(ClientAuthError::kClientIdMismatch, method, client_id);
  } else if (form_secret) {
    method = AuthMethod::kClientSecretPost;
    if (!form_id) return failure(ClientAuthError::kSecretWithoutClientId, method);
    client_id = *form_id;
    secret = *form_secret;
  } else {
    return failure(ClientAuthError::kNoCredentials, AuthMethod::kNone,
                   form_id ? *form_id : std::string());
  }
  if (client_id.empty()) return failure(ClientAuthError::kUnknownClient, method);

  auto found = clients_->find(client_id);
  if (!found)
    return failure(ClientAuthError::kStoreUnavailable, method, client_id, found.error().message);
  if (!found->has_value()) {
    (void)core::verify_secret(secret, dummy_hash_);  // same work as for a known client
    return failure(ClientAuthError::kUnknownClient, method, client_id);
  }
  store::ClientRecord& client = **found;
  // Security invariant: a client without a stored hash can never authenticate with a secret.
  if (client.secret_hash.empty() || !core::verify_secret(secret, client.secret_hash))
    return failure(ClientAuthError::kWrongSecret, method, client_id);
  if (client.disabled) return failure(ClientAuthError::kClientDisabled, method, client_id);
  if (!client.allows_auth_method(to_string(method)))
    return failure(ClientAuthError::kMethodNotRegistered, method, client_id);
  return AuthenticatedClient{std::move(client), method, {}, {}};
}

std::expected<AuthenticatedClient, ClientAuthFailure> ClientAuthenticator::with_assertion(
    const http::Form& form, std::span<const std::string> audiences) const {
  constexpr AuthMethod m = AuthMethod::kPrivateKeyJwt;
  const std::string* type = param(form, "client_assertion_type");
  const std::string* jwt = param(form, "client_assertion");
  const std::string* form_id = param(form, "client_id");
  std::string presented = form_id ? *form_id : std::string();
  if (!type || !jwt) return failure(ClientAuthError::kAssertionIncomplete, m, presented);
  if (*type != kJwtBearerAssertionType)
    return failure(ClientAuthError::kAssertionTypeUnsupported, m, presented);

  // Parse before any lookup: only the claimed issuer is read here; nothing is
  // trusted until core::verify_jwt has checked the signature.
  auto parsed = core::parse_compact(*jwt, kAssertionAlgs);
  if (!parsed)
    return failure(ClientAuthError::kAssertionMalformed, m, presented,
                   std::string(core::to_string(parsed.error())));
  const std::string kid = parsed->kid.value_or("");
  const auto iss = core::get_string(parsed->payload, "iss");
  if (!iss || iss->empty())
    return failure(ClientAuthError::kAssertionInvalid, m, presented, "iss_missing", kid);
  if (form_id && *form_id != *iss)
    return failure(ClientAuthError::kClientIdMismatch, m, presented, {}, kid);
  const std::string client_id(*iss);

  auto found = clients_->find(client_id);
  if (!found)
    return failure(ClientAuthError::kStoreUnavailable, m, client_id, found.error().message, kid);
  if (!found->has_value()) return failure(ClientAuthError::kUnknownClient, m, client_id, {}, kid);
  store::ClientRecord& client = **found;
  if (!client.allows_auth_method(store::kAuthPrivateKeyJwt))
    return failure(ClientAuthError::kMethodNotRegistered, m, client_id, {}, kid);

  auto keys = keys_->keys(client);
  if (!keys)
    return failure(ClientAuthError::kClientKeysUnavailable, m, client_id, keys.error(), kid);

  core::VerifyPolicy policy;
  policy.allowed_algs = kAssertionAlgs;
  policy.issuer = client_id;
  policy.audiences.assign(audiences.begin(), audiences.end());
  if (policy.audiences.empty()) policy.audiences.push_back(issuer_);  // never "any audience"
  policy.clock_skew = skew_;
  policy.required_typ = "";  // RFC 7523 assertions carry "JWT" or nothing
  policy.require_iat = false;
  policy.require_sub = true;
  policy.require_jti = true;
  const core::TimePoint now = clock_.now();
  auto verified = core::verify_jwt(*jwt, **keys, policy, now);
  if (!verified && verified.error() == core::JoseStatus::kKidUnknown && !client.jwks_uri.empty()) {
    // The client may have rotated its keys: refetch its jwks_uri (rate-limited) and retry once.
    if (auto fresh = keys_->keys(client, /*refresh=*/true); fresh && *fresh != *keys)
      verified = core::verify_jwt(*jwt, **fresh, policy, now);
  }
  if (!verified)
    return failure(ClientAuthError::kAssertionInvalid, m, client_id,
                   std::string(core::to_string(verified.error())), kid);

  const std::int64_t now_s = clock_.unix_seconds();
  if (verified->sub != client_id)
    return failure(ClientAuthError::kAssertionSubjectMismatch, m, client_id, {}, verified->kid);
  // A signed request object (OIDC §6.1, CIBA §7.1.1) is signed with the same
  // keys and may carry sub = client_id and aud = issuer: one seen in a browser
  // URL must not pass as this client's credential (RFC 9101 §10.8).
  for (std::string_view member : {"response_type", "redirect_uri", "login_hint", "login_hint_token",
                                  "id_token_hint", "binding_message", "client_notification_token",
                                  "request", "request_uri", "code_challenge", "state", "nonce"})
    if (verified->claims.contains(member))
      return failure(ClientAuthError::kAssertionIsRequestObject, m, client_id, std::string(member),
                     verified->kid);
  if (verified->exp > now_s + kMaxAssertionLifetime.count())
    return failure(ClientAuthError::kAssertionExpTooFar, m, client_id, {}, verified->kid);
  if (verified->iat && verified->exp - *verified->iat > kMaxAssertionLifetime.count())
    return failure(ClientAuthError::kAssertionLifetimeTooLong, m, client_id, {}, verified->kid);
  if (verified->jti.size() > kMaxJtiLength)
    return failure(ClientAuthError::kAssertionJtiTooLong, m, client_id, {}, verified->kid);
  if (client.disabled)
    return failure(ClientAuthError::kClientDisabled, m, client_id, {}, verified->kid);

  // Last: a refused assertion never burns its jti. Kept until exp + skew, after
  // which the assertion is refused as expired anyway.
  auto first = replay_->use_once(client_id, verified->jti, verified->exp + skew_.count(), now_s);
  if (!first)
    return failure(ClientAuthError::kStoreUnavailable, m, client_id, first.error().message,
                   verified->kid);
  if (!*first) return failure(ClientAuthError::kAssertionReplayed, m, client_id, {}, verified->kid);
  return AuthenticatedClient{std::move(client), m, verified->kid, verified->jti};
}

}  // namespace tollgate::authz
