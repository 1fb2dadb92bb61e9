#include "authz/client_auth.h"

#include "core/crypto.h"

namespace tollgate::authz {

std::string_view to_string(AuthMethod method) {
  switch (method) {
    case AuthMethod::kNone:
      return "none";
    case AuthMethod::kClientSecretBasic:
      return store::kAuthClientSecretBasic;
    case AuthMethod::kClientSecretPost:
      return store::kAuthClientSecretPost;
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
    case ClientAuthError::kStoreUnavailable:
      return "store_unavailable";
  }
  return "unknown";
}

ClientAuthenticator::ClientAuthenticator(std::shared_ptr<store::ClientStore> clients)
    : clients_(std::move(clients)), dummy_hash_(core::hash_secret(core::random_token(32))) {}

std::expected<AuthenticatedClient, ClientAuthFailure> ClientAuthenticator::authenticate(
    const http::Request& request, const http::Form& form) const {
  namespace bhttp = boost::beast::http;
  auto failure = [](ClientAuthError e, AuthMethod m, std::string id = {}, std::string detail = {}) {
    return std::unexpected(ClientAuthFailure{e, m, std::move(id), std::move(detail)});
  };

  const auto n_auth = request.count(bhttp::field::authorization);
  const auto form_id = form.find("client_id");
  const auto form_secret = form.find("client_secret");
  std::string client_id, secret;
  AuthMethod method = AuthMethod::kNone;

  if (n_auth > 1)
    return failure(ClientAuthError::kRepeatedAuthorization, AuthMethod::kClientSecretBasic);
  if (n_auth == 1) {
    method = AuthMethod::kClientSecretBasic;
    if (form_secret != form.end()) return failure(ClientAuthError::kMultipleMethods, method);
    auto basic = http::parse_basic_auth(request[bhttp::field::authorization]);
    if (!basic) return failure(ClientAuthError::kMalformedBasic, method);
    client_id = std::move(basic->user);
    secret = std::move(basic->password);
    if (form_id != form.end() && form_id->second != client_id)
      return failure(ClientAuthError::kClientIdMismatch, method, client_id);
  } else if (form_secret != form.end()) {
    method = AuthMethod::kClientSecretPost;
    if (form_id == form.end()) return failure(ClientAuthError::kSecretWithoutClientId, method);
    client_id = form_id->second;
    secret = form_secret->second;
  } else {
    return failure(ClientAuthError::kNoCredentials, AuthMethod::kNone,
                   form_id != form.end() ? form_id->second : std::string());
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
  return AuthenticatedClient{std::move(client), method};
}

}  // namespace tollgate::authz
