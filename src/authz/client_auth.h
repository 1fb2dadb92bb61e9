// client_auth.h — token-endpoint client authentication with a shared secret:
// client_secret_basic (RFC 6749 §2.3.1, the id and secret form-urlencoded
// inside the Basic credential) and client_secret_post (client_id and
// client_secret form parameters).
//
// Contract
// - Exactly one method per request: a Basic header and a client_secret
//   parameter together are a request error, as are two Authorization headers.
//   A client_id parameter next to Basic must name the same client.
// - Secrets are compared with core::verify_secret (constant time); an unknown
//   client is checked against a dummy hash so that its timing matches a wrong
//   secret. The secret is checked before "disabled" and "method registered", so
//   only a caller holding the secret can learn why a right secret was refused
//   (and even then only from the audit log: every failure maps to the same
//   invalid_client answer).
// - The precise reason (ClientAuthError) goes to the audit log; service.cc maps
//   it to the OAuth answer in one place.
// - Thread safety: immutable after construction; the ClientStore is thread-safe.
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "http/form.h"
#include "http/server.h"
#include "store/clients.h"

namespace tollgate::authz {

enum class AuthMethod { kNone, kClientSecretBasic, kClientSecretPost };
std::string_view to_string(AuthMethod method);  // "none", "client_secret_basic", ...

enum class ClientAuthError {
  // The request is malformed: invalid_request (400).
  kMultipleMethods,        // Basic header and client_secret parameter together
  kRepeatedAuthorization,  // two Authorization headers
  kClientIdMismatch,       // client_id parameter differs from the Basic user
  kSecretWithoutClientId,  // client_secret parameter without client_id
  // Authentication failed: invalid_client (401).
  kNoCredentials,   // neither method was used
  kMalformedBasic,  // an Authorization header that is not a well-formed Basic credential
  kUnknownClient,
  kWrongSecret,
  kClientDisabled,
  kMethodNotRegistered,  // the client is not registered for the method it used
  // The registry could not be read: temporarily_unavailable (503).
  kStoreUnavailable,
};
// Stable reason code for logs and audit, e.g. "wrong_secret".
std::string_view to_string(ClientAuthError error);

struct AuthenticatedClient {
  store::ClientRecord record;
  AuthMethod method = AuthMethod::kNone;
};

struct ClientAuthFailure {
  ClientAuthError error;
  AuthMethod method = AuthMethod::kNone;  // the method the caller tried (for the challenge)
  std::string client_id;                  // as presented (may be empty); never the secret
  std::string detail;                     // store error text for kStoreUnavailable
};

class ClientAuthenticator {
 public:
  explicit ClientAuthenticator(std::shared_ptr<store::ClientStore> clients);

  std::expected<AuthenticatedClient, ClientAuthFailure> authenticate(const http::Request& request,
                                                                     const http::Form& form) const;

 private:
  std::shared_ptr<store::ClientStore> clients_;
  std::string dummy_hash_;  // verified against for unknown clients (timing)
};

}  // namespace tollgate::authz
