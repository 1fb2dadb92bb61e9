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
#include <mutex>
#include <unordered_map>
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
  // A number that changes with every change to any client row, by any process
  // (database triggers bump it in the writer's own transaction). A cache that
  // tags each entry with the version read before the row (CachedClientStore)
  // never serves a row older than the registry.
  virtual StoreResult<std::int64_t> registry_version() = 0;
};

class SqliteClientStore final : public ClientStore {
 public:
  // Applies the "clients" migrations to `db` (idempotent) and returns the store.
  static StoreResult<std::shared_ptr<SqliteClientStore>> open(std::shared_ptr<Database> db);

  StoreResult<void> create(const ClientRecord& client) override;
  StoreResult<std::optional<ClientRecord>> find(std::string_view client_id) override;
  StoreResult<std::vector<ClientRecord>> list() override;
  StoreResult<void> disable(std::string_view client_id) override;
  StoreResult<std::int64_t> registry_version() override;

 private:
  explicit SqliteClientStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  std::shared_ptr<Database> db_;
};

// The registry as the token endpoint reads it: `find` answers from memory while
// the registry version (one indexed single-row read) is the one the entry was
// read under, and reads through otherwise. Every write, here or in another
// process (`tollgate client create` next to a running server, a second authz
// instance on PostgreSQL), changes the version and so retires every entry: a
// disabled client is refused on the very next request. Unknown ids are not
// cached (a flood of random ids cannot grow the cache); at `capacity` entries
// the cache is emptied. Thread-safe.
class CachedClientStore final : public ClientStore {
 public:
  explicit CachedClientStore(std::shared_ptr<ClientStore> inner, std::size_t capacity = 4096);

  StoreResult<void> create(const ClientRecord& client) override { return inner_->create(client); }
  StoreResult<std::optional<ClientRecord>> find(std::string_view client_id) override;
  StoreResult<std::vector<ClientRecord>> list() override { return inner_->list(); }
  StoreResult<void> disable(std::string_view client_id) override { return inner_->disable(client_id); }
  StoreResult<std::int64_t> registry_version() override { return inner_->registry_version(); }

  struct Stats {
    std::uint64_t hits = 0, misses = 0;
  };
  Stats stats() const;

 private:
  struct Entry {
    std::int64_t version;  // the registry version read before the row
    ClientRecord record;
  };
  const std::shared_ptr<ClientStore> inner_;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mutex_)
  Stats stats_;                                     // GUARDED_BY(mutex_)
};

}  // namespace tollgate::store
