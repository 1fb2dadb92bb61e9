// ciba_requests.h — CIBA backchannel authentication requests in poll mode
// (OpenID CIBA Core §7-11, CAMARA profile).
//
// Contract
// - `auth_req_id` (known to the client) and the approval token (delivered only
//   to the subscriber's handset) are stored as SHA-256 hex; neither can be
//   recovered from the database.
// - States: pending → approved | denied (by the subscriber, once) → consumed
//   (tokens issued, once). A request created approved needs no prompt
//   (legitimate interest, or an existing consent).
// - `poll` is atomic and only for the client that made the request (another
//   client's poll changes nothing and gets kUnknown): expired → kExpired;
//   pending and polled sooner than `interval` after the previous poll →
//   kSlowDown, with the interval raised by kSlowDownStep for this and every later
//   poll; pending → kPending; denied → kDenied; approved → kApproved and the
//   request becomes consumed; consumed → kConsumed.
// - `decide` records the subscriber's answer: kDecided, or kUnknown / kExpired /
//   kAlreadyDecided without change.
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

// CIBA Core §11: slow_down raises the interval "by at least 5 seconds".
inline constexpr std::int64_t kSlowDownStep = 5;

enum class CibaStatus { kPending, kApproved, kDenied, kConsumed };
std::string_view to_string(CibaStatus s);

struct CibaRequestRecord {
  std::string auth_req_hash;  // sha256 hex of auth_req_id
  std::string
      approval_hash;  // sha256 hex of the handset's approval token; empty when none was sent
  GrantContext grant;
  CibaStatus status = CibaStatus::kPending;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::int64_t interval = 0;      // seconds between polls, as told to the client
  std::int64_t last_poll_at = 0;  // 0: never polled
};

enum class PollOutcome { kUnknown, kExpired, kSlowDown, kPending, kDenied, kApproved, kConsumed };
enum class DecideOutcome { kDecided, kUnknown, kExpired, kAlreadyDecided };

struct PollResult {
  PollOutcome outcome = PollOutcome::kUnknown;
  std::optional<CibaRequestRecord> record;  // all but kUnknown (interval updated for kSlowDown)
};

struct DecideResult {
  DecideOutcome outcome = DecideOutcome::kUnknown;
  std::optional<CibaRequestRecord> record;
};

class CibaRequestStore {
 public:
  virtual ~CibaRequestStore() = default;
  virtual StoreResult<void> create(const CibaRequestRecord& request) = 0;
  virtual StoreResult<PollResult> poll(std::string_view auth_req_hash, std::string_view client_id,
                                       std::int64_t now) = 0;
  // `consent_id` is stored with an approval (empty for a denial).
  virtual StoreResult<DecideResult> decide(std::string_view approval_hash, bool approve,
                                           std::string_view consent_id, std::int64_t now) = 0;
  // The request an approval token belongs to (for the handset page), or nullopt.
  virtual StoreResult<std::optional<CibaRequestRecord>> find_by_approval(
      std::string_view approval_hash) = 0;
  // Delete requests that expired before `before` (housekeeping); returns how many.
  virtual StoreResult<std::int64_t> purge_expired(std::int64_t before) = 0;
};

class SqliteCibaRequestStore final : public CibaRequestStore {
 public:
  static StoreResult<std::shared_ptr<SqliteCibaRequestStore>> open(std::shared_ptr<Database> db);
  StoreResult<void> create(const CibaRequestRecord& request) override;
  StoreResult<PollResult> poll(std::string_view auth_req_hash, std::string_view client_id,
                               std::int64_t now) override;
  StoreResult<DecideResult> decide(std::string_view approval_hash, bool approve,
                                   std::string_view consent_id, std::int64_t now) override;
  StoreResult<std::optional<CibaRequestRecord>> find_by_approval(
      std::string_view approval_hash) override;
  StoreResult<std::int64_t> purge_expired(std::int64_t before) override;

 private:
  explicit SqliteCibaRequestStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  std::shared_ptr<Database> db_;
};

}  // namespace tollgate::store
