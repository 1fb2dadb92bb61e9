// refresh_tokens.h — refresh tokens with rotation and reuse detection
// (RFC 9700 §4.14.2; CAMARA ICM "Offline Access").
//
// Contract
// - Stored only as SHA-256 (hex). Every token belongs to a family: the chain of
//   rotations that started at one authorization code or CIBA request.
// - `use` is the rotation gate, atomic: an active token (not used, not revoked,
//   not expired at `now`) is marked used and returned as kActive; a token
//   already used is the signature of theft — the whole family is revoked and
//   kReused returned; a revoked one kRevoked; an expired one kExpired; else kUnknown.
// - `revoke_family` revokes every token of a family (code reuse, consent
//   withdrawal, RFC 7009 revocation). Idempotent. Each row also records the
//   access token issued with it (`access_jti`, `access_exp`), and
//   `family_access_tokens` lists the family's unexpired ones, so that the caller
//   can revoke those too (they are JWTs: revoking them is the revocation store's).
// - Thread safety: any thread (the Database serializes).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/grant_context.h"
#include "store/sqlite.h"

namespace tollgate::store {

struct RefreshTokenRecord {
  std::string token_hash;  // sha256 hex
  std::string family_id;
  std::string grant_type;  // the grant that started the family (authorization_code or CIBA)
  GrantContext grant;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> used_at;  // set once rotated (read-only: `use` sets it)
  bool revoked = false;                 // read-only: `revoke_*` set it
  // The access token issued in the same response (empty/0 when none was recorded).
  std::string access_jti;
  std::int64_t access_exp = 0;
};

// An access token issued together with one of a family's refresh tokens.
struct FamilyAccessToken {
  std::string jti;
  std::string client_id;
  std::int64_t exp = 0;
};

enum class RefreshOutcome { kActive, kReused, kRevoked, kExpired, kUnknown };

struct RefreshUse {
  RefreshOutcome outcome = RefreshOutcome::kUnknown;
  std::optional<RefreshTokenRecord> record;  // all but kUnknown
};

class RefreshTokenStore {
 public:
  virtual ~RefreshTokenStore() = default;
  virtual StoreResult<void> create(const RefreshTokenRecord& token) = 0;
  virtual StoreResult<RefreshUse> use(std::string_view token_hash, std::int64_t now) = 0;
  virtual StoreResult<void> revoke_family(std::string_view family_id) = 0;
  // Revoke every refresh token of a client (the client was disabled). Idempotent.
  virtual StoreResult<void> revoke_client(std::string_view client_id) = 0;
  // Revoke every refresh token resting on a consent (the consent was withdrawn). Idempotent.
  virtual StoreResult<void> revoke_consent(std::string_view consent_id) = 0;
  // The token without using it (RFC 7009/7662 helpers); nullopt when unknown.
  virtual StoreResult<std::optional<RefreshTokenRecord>> find(std::string_view token_hash) = 0;
  // The access tokens issued with the family's refresh tokens that are still unexpired at
  // `now` (exp > now), oldest first: what revoking the family must also revoke.
  virtual StoreResult<std::vector<FamilyAccessToken>> family_access_tokens(
      std::string_view family_id, std::int64_t now) = 0;
  // Delete tokens whose family expired before `before` (housekeeping: past its absolute
  // expiry a family is dead and so are the access tokens issued from it); returns how many.
  virtual StoreResult<std::int64_t> purge_expired(std::int64_t before) = 0;
};

class SqliteRefreshTokenStore final : public RefreshTokenStore {
 public:
  static StoreResult<std::shared_ptr<SqliteRefreshTokenStore>> open(std::shared_ptr<Database> db);
  StoreResult<void> create(const RefreshTokenRecord& token) override;
  StoreResult<RefreshUse> use(std::string_view token_hash, std::int64_t now) override;
  StoreResult<void> revoke_family(std::string_view family_id) override;
  StoreResult<void> revoke_client(std::string_view client_id) override;
  StoreResult<void> revoke_consent(std::string_view consent_id) override;
  StoreResult<std::optional<RefreshTokenRecord>> find(std::string_view token_hash) override;
  StoreResult<std::vector<FamilyAccessToken>> family_access_tokens(std::string_view family_id,
                                                                   std::int64_t now) override;
  StoreResult<std::int64_t> purge_expired(std::int64_t before) override;

 private:
  explicit SqliteRefreshTokenStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  std::shared_ptr<Database> db_;
};

}  // namespace tollgate::store
