// request_object.h — signed authentication requests (OIDC Core §6.1, RFC 9101,
// CIBA Core §7.1.1, CAMARA ICM "Signed Authentication Requests"): the `request`
// parameter of /oauth2/authorize and /oauth2/bc-authorize, a JWS signed with one
// of the client's registered keys (the same JWKS or jwks_uri as private_key_jwt).
//
// Checks, in order (the first failure is the refusal; its reason code is stable):
//   the JWS parses and its alg is one of kRequestObjectAlgs (`none` and HS* are
//   refused by the parser); the signature verifies with the client's keys (an
//   unknown kid refetches them once); iss = the client; aud present and EVERY
//   audience one of the caller's (the endpoint URL or the issuer; anything else
//   refused: an object for another endpoint or tenant is never accepted); exp,
//   iat and jti present (and nbf when the caller requires it: CIBA); exp not past,
//   iat not later than now + skew, nbf (when present) reached; exp - iat <= kMaxRequestObjectSeconds; no `request` or
//   `request_uri` member inside; the authorization-request members we read are
//   strings; client_id, when present, is the client; and last the jti, accepted
//   once per client (the private_key_jwt replay table, so that a refused object
//   never burns its jti and one JWT cannot serve as both an assertion and a
//   request object).
//
// Result: the object's members as request parameters (strings only; registered
// JWT claims and non-string members are dropped), for the endpoint to use INSTEAD
// of the plain parameters.
//
// Errors: kInvalid → invalid_request_object; kUnavailable (replay store or keys
// endpoint down) → temporarily_unavailable. `reason` is a stable snake_case code
// for the audit log, `description` safe to show to the client.
//
// Thread safety: a pure function of its arguments; the hooks must be thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>

#include "authz/three_legged.h"
#include "core/clock.h"
#include "core/jwa.h"
#include "http/form.h"
#include "store/clients.h"

namespace tollgate::authz {

// CAMARA ICM: exp - iat at most 300 s.
inline constexpr std::int64_t kMaxRequestObjectSeconds = 300;
// Bounds what we parse (the JWS parser has its own cap too).
inline constexpr std::size_t kMaxRequestObjectBytes = 8 * 1024;
inline constexpr std::size_t kMaxRequestObjectJtiBytes = 256;
inline constexpr core::Alg kRequestObjectAlgs[] = {core::Alg::kES256, core::Alg::kRS256,
                                                   core::Alg::kPS256, core::Alg::kEdDSA};

struct RequestObjectError {
  enum class Kind { kInvalid, kUnavailable };
  Kind kind = Kind::kInvalid;
  std::string reason;       // e.g. "request_object_aud_mismatch"
  std::string description;  // for error_description
};

struct RequestObjectCheck {
  const store::ClientRecord& client;
  std::span<const std::string> audiences;  // acceptable aud values
  std::chrono::seconds clock_skew{30};
  // CIBA Core §7.1.1: a signed authentication request MUST hold nbf (OIDC and
  // RFC 9101 objects need not); refused as request_object_nbf_missing.
  bool require_nbf = false;
};

std::expected<http::Form, RequestObjectError> verify_request_object(std::string_view jwt,
                                                                    const RequestObjectCheck& check,
                                                                    const ClientHooks& hooks,
                                                                    const core::Clock& clock);

// The members a discovery document names for request objects (the algorithms).
boost::json::array request_object_alg_names();

}  // namespace tollgate::authz
