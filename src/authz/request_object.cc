// request_object.cc — see request_object.h for the contract.
#include "authz/request_object.h"

#include <algorithm>

#include "core/jws.h"
#include "core/jwt.h"

namespace tollgate::authz {
namespace {

core::AlgSet allowed_algs() {
  core::AlgSet s;
  for (core::Alg a : kRequestObjectAlgs) s.add(a);
  return s;
}

RequestObjectError invalid(std::string_view reason, std::string description) {
  return {RequestObjectError::Kind::kInvalid, "request_object_" + std::string(reason),
          std::move(description)};
}

// A client-facing description of a JOSE failure (no internals beyond the category).
std::string describe(core::JoseStatus s) {
  using core::JoseStatus;
  switch (s) {
    case JoseStatus::kAlgNone:
    case JoseStatus::kAlgHmacRefused:
    case JoseStatus::kAlgUnsupported:
    case JoseStatus::kAlgNotAllowed:
    case JoseStatus::kAlgMissing:
      return "the request object's alg is not accepted (ES256, RS256, PS256, EdDSA)";
    case JoseStatus::kKidUnknown:
    case JoseStatus::kKeyAlgMismatch:
    case JoseStatus::kSignatureMalformed:
    case JoseStatus::kSignatureInvalid:
      return "the request object is not signed with a key registered for the client";
    case JoseStatus::kIssMissing:
    case JoseStatus::kIssMismatch:
      return "the request object's iss must be the client_id";
    case JoseStatus::kAudMissing:
    case JoseStatus::kAudMismatch:
      return "the request object's aud must name this endpoint or the issuer";
    case JoseStatus::kExpMissing:
    case JoseStatus::kIatMissing:
    case JoseStatus::kJtiMissing:
      return "the request object must hold iss, aud, iat, exp and jti";
    case JoseStatus::kExpired:
      return "the request object has expired";
    case JoseStatus::kIatInFuture:
    case JoseStatus::kNotYetValid:
      return "the request object is not valid yet (iat or nbf in the future)";
    default:
      return "the request object is not a valid signed JWT";
  }
}

// Registered JWT claims: not authorization request parameters.
bool registered_claim(std::string_view name) {
  return name == "iss" || name == "aud" || name == "exp" || name == "iat" || name == "nbf" ||
         name == "jti" || name == "sub";
}

// The members the endpoints read: when present they must be strings.
bool read_member(std::string_view name) {
  static constexpr std::string_view kRead[] = {
      "client_id",     "response_type", "redirect_uri",          "scope",      "state",
      "nonce",         "prompt",        "code_challenge",        "login_hint", "login_hint_token",
      "id_token_hint", "response_mode", "code_challenge_method", "acr_values", "binding_message",
      "user_code",     "claims_locales"};
  return std::find(std::begin(kRead), std::end(kRead), name) != std::end(kRead);
}

}  // namespace

boost::json::array request_object_alg_names() {
  boost::json::array out;
  for (core::Alg a : kRequestObjectAlgs) out.emplace_back(core::alg_name(a));
  return out;
}

std::expected<http::Form, RequestObjectError> verify_request_object(std::string_view jwt,
                                                                    const RequestObjectCheck& check,
                                                                    const ClientHooks& hooks,
                                                                    const core::Clock& clock) {
  const store::ClientRecord& client = check.client;
  if (jwt.empty()) return std::unexpected(invalid("empty", "the request parameter is empty"));
  if (jwt.size() > kMaxRequestObjectBytes)
    return std::unexpected(invalid("too_large", "the request object is too large"));
  // The header first: a refused alg is named precisely before any key is looked up.
  if (auto parsed = core::parse_compact(jwt, allowed_algs()); !parsed)
    return std::unexpected(invalid(core::to_string(parsed.error()), describe(parsed.error())));
  if (!hooks.client_keys || !hooks.accept_jti_once)
    return std::unexpected(RequestObjectError{RequestObjectError::Kind::kUnavailable,
                                              "request_object_no_hooks",
                                              "signed requests are unavailable; retry later"});
  auto keys = hooks.client_keys(client, false);
  if (!keys)
    return std::unexpected(
        invalid("no_client_keys", "the client has no registered keys to verify the request with"));

  core::VerifyPolicy policy;
  policy.allowed_algs = allowed_algs();
  policy.issuer = client.client_id;
  policy.audiences.assign(check.audiences.begin(), check.audiences.end());
  policy.clock_skew = check.clock_skew;
  policy.required_typ = "";  // RFC 9101 recommends oauth-authz-req+jwt; not every client sets it
  policy.require_iat = true;
  policy.require_jti = true;
  auto verified = core::verify_jwt(jwt, **keys, policy, clock.now());
  if (!verified && verified.error() == core::JoseStatus::kKidUnknown) {
    if (auto fresh = hooks.client_keys(client, true))
      verified = core::verify_jwt(jwt, **fresh, policy, clock.now());
  }
  if (!verified)
    return std::unexpected(invalid(core::to_string(verified.error()), describe(verified.error())));

  // Every audience must be ours (verify_jwt accepts an array that merely contains one).
  for (const std::string& a : verified->aud)
    if (std::find(check.audiences.begin(), check.audiences.end(), a) == check.audiences.end())
      return std::unexpected(invalid("aud_mismatch", describe(core::JoseStatus::kAudMismatch)));
  if (check.require_nbf && !verified->nbf)
    return std::unexpected(
        invalid("nbf_missing", "a signed backchannel authentication request must hold nbf"));
  if (verified->exp - *verified->iat > kMaxRequestObjectSeconds)
    return std::unexpected(
        invalid("lifetime_too_long", "the request object lives longer than 300 s (exp - iat)"));
  if (verified->jti.size() > kMaxRequestObjectJtiBytes)
    return std::unexpected(invalid("jti_too_long", "the request object's jti is too long"));

  http::Form params;
  for (const auto& [key, value] : verified->claims) {
    const std::string_view name(key.data(), key.size());
    if (name == "request" || name == "request_uri")
      return std::unexpected(
          invalid("nested", "a request object must not hold request or request_uri"));
    if (registered_claim(name)) continue;
    if (const auto* s = value.if_string()) {
      params.emplace(std::string(name), std::string(s->data(), s->size()));
    } else if (read_member(name)) {
      return std::unexpected(invalid(
          "member_not_string", "the request object's " + std::string(name) + " must be a string"));
    }
  }
  if (auto it = params.find("client_id"); it != params.end() && it->second != client.client_id)
    return std::unexpected(
        invalid("client_id_mismatch", "the request object's client_id is not the client"));

  // Last: the jti, once per client (a refused object never burns its jti).
  auto fresh = hooks.accept_jti_once(client.client_id, verified->jti,
                                     verified->exp + check.clock_skew.count());
  if (!fresh)
    return std::unexpected(RequestObjectError{RequestObjectError::Kind::kUnavailable,
                                              "request_object_replay_store",
                                              "the service is busy; retry later"});
  if (!*fresh) return std::unexpected(invalid("replayed", "the request object was already used"));
  return params;
}

}  // namespace tollgate::authz
