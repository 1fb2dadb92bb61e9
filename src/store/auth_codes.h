// auth_codes.h — OAuth authorization codes (RFC 6749 §4.1, PKCE RFC 7636).
//
// Contract
// - Codes are stored only as their SHA-256 (hex): a database leak does not hand
//   out redeemable codes.
// - `redeem` is the single-use gate: it atomically marks an unused, unexpired
//   code used and returns it (kRedeemed). A code already redeemed returns
//   kReused with the record, so that the caller revokes what was issued from it
//   (RFC 6749 §4.1.2 / RFC 9700 §4.5.3.1); an unknown code kUnknown; an expired
//   one kExpired. Expiry is checked with the caller's clock (`now`).
// - `record_issued` links the tokens issued from a code (access token jti and its
//   expiry, refresh family) so a later reuse can revoke them.
// - Thread safety: any thread (the Database serializes).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/grant_context.h"
#include "store/sqlite.h"

namespace tollgate::store {

struct AuthCodeRecord {
  std::string code_hash;  // sha256 hex of the code
  GrantContext grant;
  std::string redirect_uri;
  std::string code_challenge;  // S256 challenge (base64url)
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  // Filled once tokens were issued from it.
  std::string access_jti;
  std::int64_t access_exp = 0;
  std::string refresh_family;
};

enum class RedeemOutcome { kRedeemed, kReused, kUnknown, kExpired };

struct RedeemResult {
  RedeemOutcome outcome = RedeemOutcome::kUnknown;
  std::optional<AuthCodeRecord> record;  // set for kRedeemed, kReused and kExpired
};

class AuthCodeStore {
 public:
  virtual ~AuthCodeStore() = default;
  virtual StoreResult<void> create(const AuthCodeRecord& code) = 0;
  virtual StoreResult<RedeemResult> redeem(std::string_view code_hash, std::int64_t now) = 0;
  virtual StoreResult<void> record_issued(std::string_view code_hash, std::string_view access_jti,
                                          std::int64_t access_exp,
                                          std::string_view refresh_family) = 0;
  // Delete codes that expired before `before` (housekeeping); returns how many.
  virtual StoreResult<std::int64_t> purge_expired(std::int64_t before) = 0;
};

class SqliteAuthCodeStore final : public AuthCodeStore {
 public:
  static StoreResult<std::shared_ptr<SqliteAuthCodeStore>> open(std::shared_ptr<Database> db);
  StoreResult<void> create(const AuthCodeRecord& code) override;
  StoreResult<RedeemResult> redeem(std::string_view code_hash, std::int64_t now) override;
  StoreResult<void> record_issued(std::string_view code_hash, std::string_view access_jti,
                                  std::int64_t access_exp,
                                  std::string_view refresh_family) override;
  StoreResult<std::int64_t> purge_expired(std::int64_t before) override;

 private:
  explicit SqliteAuthCodeStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  std::shared_ptr<Database> db_;
};

}  // namespace tollgate::store
