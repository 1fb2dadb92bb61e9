// client_auth.h — client authentication at the token, revocation, introspection
// (and backchannel) endpoints:
//   client_secret_basic  RFC 6749 §2.3.1: id and secret form-urlencoded inside Basic
//   client_secret_post   client_id and client_secret form parameters
//   private_key_jwt      RFC 7523 §2.2 with the CAMARA ICM profile: client_assertion_type
//                        urn:ietf:params:oauth:client-assertion-type:jwt-bearer and a
//                        client_assertion JWT signed with one of the client's registered keys
//
// Contract
// - Exactly one method per request: a Basic header, a client_secret parameter and
//   a client_assertion are mutually exclusive (invalid_request), as are two
//   Authorization headers. A client_id parameter must name the same client as
//   the Basic user or the assertion's iss. A credential parameter sent with an
//   empty value counts as omitted (RFC 6749 §3.2), so `client_secret=` next to
//   Basic is no second method and `client_id=` no mismatch.
// - Secrets are compared with core::verify_secret (constant time); an unknown
//   client is checked against a dummy hash so that its timing matches a wrong
//   secret. The secret is checked before "disabled" and "method registered", so
//   only a caller holding the secret can learn why a right secret was refused
//   (and even then only from the audit log: every failure maps to the same
//   invalid_client answer).
// - private_key_jwt, in this order: the assertion parses (strict JWS, no
//   embedded keys, no HS*/none); client = the client_id parameter or the
//   assertion's iss; the client is registered for private_key_jwt; its keys
//   (inline JWKS or jwks_uri, see client_keys.h; an unknown kid refetches once);
//   core::verify_jwt with iss = client_id, aud ∈ {issuer, token endpoint, the
//   URL of the endpoint called}, exp/nbf/iat with the configured skew, jti and
//   sub required; sub = client_id; exp at most kMaxAssertionLifetime after
//   receipt and exp - iat at most kMaxAssertionLifetime (both exact, no skew:
//   CAMARA "SHALL be rejected"); the client not disabled; and last the jti
//   accepted once per client (store::ReplayCache, kept until exp + skew), so
//   that a refused assertion never burns its jti.
// - The precise reason (ClientAuthError, plus `detail` for a JOSE reason) goes
//   to the audit log; governance.cc maps it to the OAuth answer in one place.
// - Thread safety: `authenticate` may run on any number of threads.
#pragma once

#include <chrono>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "authz/client_keys.h"
#include "core/clock.h"
#include "http/form.h"
#include "http/server.h"
#include "store/clients.h"
#include "store/replay.h"

namespace tollgate::authz {

inline constexpr std::string_view kJwtBearerAssertionType =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
// CAMARA ICM: assertions live at most 300 s (exp - receipt, and exp - iat).
inline constexpr std::chrono::seconds kMaxAssertionLifetime{300};
inline constexpr std::size_t kMaxJtiLength = 256;

enum class AuthMethod { kNone, kClientSecretBasic, kClientSecretPost, kPrivateKeyJwt };
std::string_view to_string(AuthMethod method);  // "none", "client_secret_basic", ...

enum class ClientAuthError {
  // The request is malformed: invalid_request (400).
  kMultipleMethods,        // two of Basic, client_secret, client_assertion together
  kRepeatedAuthorization,  // two Authorization headers
  kClientIdMismatch,       // client_id parameter differs from the Basic user or the assertion's iss
  kSecretWithoutClientId,  // client_secret parameter without client_id
  kAssertionIncomplete,    // client_assertion without client_assertion_type, or the reverse
  // Authentication failed: invalid_client (401).
  kNoCredentials,   // no method was used
  kMalformedBasic,  // an Authorization header that is not a well-formed Basic credential
  kUnknownClient,
  kWrongSecret,
  kClientDisabled,
  kMethodNotRegistered,       // the client is not registered for the method it used
  kAssertionTypeUnsupported,  // client_assertion_type is not the jwt-bearer URN
  kAssertionMalformed,        // not a JWS we accept (detail: the JOSE reason)
  kClientKeysUnavailable,     // no usable registered JWKS, or jwks_uri unreachable (detail)
  kAssertionInvalid,          // signature, iss, aud, exp, nbf, iat, sub/jti presence (detail)
  kAssertionSubjectMismatch,  // sub is not the client_id
  kAssertionIsRequestObject,  // carries authorization-request members (response_type, ...):
                              // a signed request object, never a client credential
  kAssertionExpTooFar,        // exp more than 300 s after receipt
  kAssertionLifetimeTooLong,  // exp - iat more than 300 s
  kAssertionJtiTooLong,
  kAssertionReplayed,  // this jti was already used by this client
  // The registry or replay cache could not be used: temporarily_unavailable (503).
  kStoreUnavailable,
};
// Stable reason code for logs and audit, e.g. "wrong_secret", "assertion_replayed".
std::string_view to_string(ClientAuthError error);

struct AuthenticatedClient {
  store::ClientRecord record;
  AuthMethod method = AuthMethod::kNone;
  std::string kid;            // private_key_jwt: the key that verified the assertion
  std::string assertion_jti;  // private_key_jwt: the assertion's jti
};

struct ClientAuthFailure {
  ClientAuthError error;
  AuthMethod method = AuthMethod::kNone;  // the method the caller tried
  std::string client_id;                  // as presented (may be empty); never the secret
  std::string detail;                     // a JOSE reason code or store error text; never a secret
  std::string kid;                        // private_key_jwt: the kid the assertion named, if any
};

// The client id a request claims to be (Basic user, client_id parameter, or the
// unverified iss of a client_assertion); "" when none. For lockout bookkeeping
// before any credential is checked — never a proof of identity.
std::string presented_client_id(const http::Request& request, const http::Form& form);

class ClientAuthenticator {
 public:
  ClientAuthenticator(std::shared_ptr<store::ClientStore> clients,
                      std::shared_ptr<store::ReplayCache> replay, std::shared_ptr<ClientKeys> keys,
                      std::string issuer, std::chrono::seconds clock_skew,
                      const core::Clock& clock);

  // `audiences`: what an assertion's aud may name for this endpoint (the
  // issuer, the token endpoint and the endpoint's own URL).
  std::expected<AuthenticatedClient, ClientAuthFailure> authenticate(
      const http::Request& request, const http::Form& form,
      std::span<const std::string> audiences) const;

 private:
  std::expected<AuthenticatedClient, ClientAuthFailure> with_assertion(
      const http::Form& form, std::span<const std::string> audiences) const;

  std::shared_ptr<store::ClientStore> clients_;
  std::shared_ptr<store::ReplayCache> replay_;
  std::shared_ptr<ClientKeys> keys_;
  std::string issuer_;
  std::chrono::seconds skew_;
  const core::Clock& clock_;
  std::string dummy_hash_;  // verified against for unknown clients (timing)
};

}  // namespace tollgate::authz
