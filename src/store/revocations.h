// revocations.h — what has been revoked, in the order it was revoked, so that
// gateways can learn it incrementally (GET /oauth2/revocations?since=N).
//
// Contract
// - Three kinds of entry: an access token by `jti` (kept until the token's own
//   `exp`: past it the token is refused as expired anyway, so the row is
//   pruned), a whole client (kept for ever: every token that rests on the
//   client is revoked, including ones issued later by mistake), and a
//   subscriber's consent by `consent_id` (withdrawn: every token carrying that
//   `consent_id` claim is revoked; kept for ever, like a client).
// - Every entry gets a `seq` from an AUTOINCREMENT column: strictly increasing
//   and never reused, even after pruning, so "since=N" never misses or repeats
//   an entry. Revoking the same token or client twice keeps the first entry
//   (idempotent, RFC 7009 §2.2) and reports `created = false`.
// - Thread safety: safe from any thread (serialized on the Database mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.h"

namespace tollgate::store {

enum class RevocationKind { kToken, kClient, kConsent };
std::string_view to_string(RevocationKind kind);  // "token", "client", "consent"

struct Revocation {
  std::int64_t seq = 0;
  RevocationKind kind = RevocationKind::kToken;
  std::string jti;        // kToken only
  std::string client_id;  // the token's client, or the revoked client, or the consent's client
  std::string consent_id; // kConsent only
  std::int64_t exp = 0;   // kToken: the token's exp (unix seconds); kClient: 0
  std::int64_t revoked_at = 0;
  std::string reason;     // e.g. "revocation_endpoint", "client_disabled"
};

struct RevokeResult {
  Revocation entry;  // the stored entry (the earlier one when already revoked)
  bool created = false;
};

class RevocationStore {
 public:
  virtual ~RevocationStore() = default;
  virtual StoreResult<RevokeResult> revoke_token(std::string_view jti, std::string_view client_id,
                                                 std::int64_t exp, std::int64_t now,
                                                 std::string_view reason) = 0;
  virtual StoreResult<RevokeResult> revoke_client(std::string_view client_id, std::int64_t now,
                                                  std::string_view reason) = 0;
  // `client_id`: the client through which the consent was given (for the record).
  virtual StoreResult<RevokeResult> revoke_consent(std::string_view consent_id,
                                                   std::string_view client_id, std::int64_t now,
                                                   std::string_view reason) = 0;
  virtual StoreResult<bool> token_revoked(std::string_view jti) = 0;
  virtual StoreResult<bool> client_revoked(std::string_view client_id) = 0;
  virtual StoreResult<bool> consent_revoked(std::string_view consent_id) = 0;
  // Entries with seq > since, in seq order, at most `limit`; token entries
  // already past their exp at `now` are left out.
  virtual StoreResult<std::vector<Revocation>> since(std::int64_t since, std::size_t limit,
                                                     std::int64_t now) = 0;
  // The highest seq ever assigned (0 when none).
  virtual StoreResult<std::int64_t> last_seq() = 0;
  // Delete token entries whose exp is before `now`; returns how many.
  virtual StoreResult<std::int64_t> prune(std::int64_t now) = 0;
};

class SqliteRevocationStore final : public RevocationStore {
 public:
  static StoreResult<std::shared_ptr<SqliteRevocationStore>> open(std::shared_ptr<Database> db);

  StoreResult<RevokeResult> revoke_token(std::string_view jti, std::string_view client_id,
                                         std::int64_t exp, std::int64_t now,
                                         std::string_view reason) override;
  StoreResult<RevokeResult> revoke_client(std::string_view client_id, std::int64_t now,
                                          std::string_view reason) override;
  StoreResult<RevokeResult> revoke_consent(std::string_view consent_id, std::string_view client_id,
                                           std::int64_t now, std::string_view reason) override;
  StoreResult<bool> token_revoked(std::string_view jti) override;
  StoreResult<bool> client_revoked(std::string_view client_id) override;
  StoreResult<bool> consent_revoked(std::string_view consent_id) override;
  StoreResult<std::vector<Revocation>> since(std::int64_t since, std::size_t limit,
                                             std::int64_t now) override;
  StoreResult<std::int64_t> last_seq() override;
  StoreResult<std::int64_t> prune(std::int64_t now) override;

 private:
  explicit SqliteRevocationStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  std::shared_ptr<Database> db_;
};

}  // namespace tollgate::store
