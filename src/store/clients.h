// clients.h — the OAuth client registry: who may ask for tokens, how it
// authenticates, which grants and scopes it may use.
//
// Contract
// - ClientStore is the interface the authorization server and the CLI use;
//   SqliteClientStore is the single-machine implementation (a PostgreSQL one will
//   sit behind the same interface for several authz instances).
// - Secrets are never stored: `secret_hash` holds core::hash_secret(secret) and
//   nothing in this layer ever sees the plain secret.
// - Thread safety: implementations are safe to call from any number of threads.
//   SqliteClientStore serializes on its Database's mutex (see sqlite.h).
// - Errors: every call returns StoreResult; an unknown client is not an error
//   for `find` (it returns nullopt), only for `disable` (kNotFound).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/scope.h"
#include "store/sqlite.h"

namespace tollgate::store {

// Token endpoint authentication methods (RFC 7591 names).
inline constexpr std::string_view kAuthClientSecretBasic = "client_secret_basic";
inline constexpr std::string_view kAuthClientSecretPost = "client_secret_post";
inline constexpr std::string_view kAuthPrivateKeyJwt = "private_key_jwt";  // RFC 7523 §2.2
// Grant types (RFC 6749, OpenID CIBA and RFC 7523 names).
inline constexpr std::string_view kGrantClientCredentials = "client_credentials";
inline constexpr std::string_view kGrantAuthorizationCode = "authorization_code";
inline constexpr std::string_view kGrantRefreshToken = "refresh_token";
inline constexpr std::string_view kGrantCiba = "urn:openid:params:grant-type:ciba";
inline constexpr std::string_view kGrantJwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";

struct ClientRecord {
  std::string client_id;
  std::string partner;      // the catalog partner this client acts for
  std::string secret_hash;  // core::hash_secret output; empty for clients without a secret
  core::ScopeSet scopes;    // the most this client may ever be granted
  std::vector<std::string> grant_types;
  std::vector<std::string> auth_methods;
  std::vector<std::string> redirect_uris;
  // private_key_jwt: the client's public keys, either registered inline as JWKS
  // JSON text or fetched from jwks_uri (at most one of the two is set).
  std::string jwks;
  std::string jwks_uri;
  std::int64_t created_at = 0;  // unix seconds
  bool disabled = false;

  bool allows_grant(std::string_view grant) const;
  bool allows_auth_method(std::string_view method) const;
};

class ClientStore {
 public:
  virtual ~ClientStore() = default;
  // Insert a new client. kConflict when the client_id already exists.
  virtual StoreResult<void> create(const ClientRecord& client) = 0;
  // The client, or nullopt when no client has this id.
  virtual StoreResult<std::optional<ClientRecord>> find(std::string_view client_id) = 0;
  // Every client, ordered by client_id.
  virtual StoreResult<std::vector<ClientRecord>> list() = 0;
  // Mark a client disabled (it can no longer authenticate). kNotFound when unknown.
  // Idempotent for an already disabled client.
  virtual StoreResult<void> disable(std::string_view client_id) = 0;
};

class SqliteClientStore final : public ClientStore {
 public:
  // Applies the "clients" migrations to `db` (idempotent) and returns the store.
  static StoreResult<std::shared_ptr<SqliteClientStore>> open(std::shared_ptr<Database> db);

  StoreResult<void> create(const ClientRecord& client) override;
  StoreResult<std::optional<ClientRecord>> find(std::string_view client_id) override;
  StoreResult<std::vector<ClientRecord>> list() override;
  StoreResult<void> disable(std::string_view client_id) override;

 private:
  explicit SqliteClientStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  std::shared_ptr<Database> db_;
};

}  // namespace tollgate::store
