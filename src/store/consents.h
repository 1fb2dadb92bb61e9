// consents.h — subscribers' consents: which partner may process which
// subscriber's data, for which purpose and scopes, until when (CAMARA ICM
// "Consent"). The authorization server writes one when a subscriber presses
// Allow (auth code consent page, CIBA handset prompt) and reads them before
// issuing a 3-legged token whose purpose has the `consent` legal basis — the
// JWT bearer grant only ever reads them.
//
// Contract
// - A consent belongs to a partner (not to one client): every client of the
//   partner may rely on it, as the ICM documents describe consent given "to the
//   API consumer".
// - `find_covering` returns a consent that is not withdrawn, not expired at
//   `now`, and whose scopes include every scope asked for; the most recent one
//   when several do.
// - Withdrawal is permanent and idempotent; a withdrawn consent is kept (audit).
// - The subscriber is stored as +E.164: this is the operator's own database, the
//   one place where the MSISDN legitimately lives.
// - Thread safety: any thread (the Database serializes).
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

struct ConsentRecord {
  std::string consent_id;  // "cns_" + random
  std::string partner;
  std::string client_id;   // the client through which it was given (for the record)
  std::string subscriber;  // +E.164
  std::string purpose;     // "dpv:..."
  core::ScopeSet scopes;   // API scopes consented to (never openid / offline_access / dpv:)
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> withdrawn_at;
};

class ConsentStore {
 public:
  virtual ~ConsentStore() = default;
  // kConflict when the id exists.
  virtual StoreResult<void> create(const ConsentRecord& consent) = 0;
  virtual StoreResult<std::optional<ConsentRecord>> find(std::string_view consent_id) = 0;
  virtual StoreResult<std::optional<ConsentRecord>> find_covering(std::string_view partner,
                                                                  std::string_view subscriber,
                                                                  std::string_view purpose,
                                                                  const core::ScopeSet& scopes,
                                                                  std::int64_t now) = 0;
  // Every consent of a subscriber (withdrawn ones included), newest first.
  virtual StoreResult<std::vector<ConsentRecord>> list_for_subscriber(
      std::string_view subscriber) = 0;
  // Consents filtered by subscriber and/or partner (an empty filter matches all),
  // withdrawn ones included, newest first, at most `limit`.
  virtual StoreResult<std::vector<ConsentRecord>> list(std::string_view subscriber,
                                                       std::string_view partner,
                                                       std::size_t limit) = 0;
  // kNotFound for an unknown id; a second withdrawal keeps the first time.
  virtual StoreResult<void> withdraw(std::string_view consent_id, std::int64_t now) = 0;
};

class SqliteConsentStore final : public ConsentStore {
 public:
  // Applies the "consents" migrations (idempotent).
  static StoreResult<std::shared_ptr<SqliteConsentStore>> open(std::shared_ptr<Database> db);

  StoreResult<void> create(const ConsentRecord& consent) override;
  StoreResult<std::optional<ConsentRecord>> find(std::string_view consent_id) override;
  StoreResult<std::optional<ConsentRecord>> find_covering(std::string_view partner,
                                                          std::string_view subscriber,
                                                          std::string_view purpose,
                                                          const core::ScopeSet& scopes,
                                                          std::int64_t now) override;
  StoreResult<std::vector<ConsentRecord>> list_for_subscriber(std::string_view subscriber) override;
  StoreResult<std::vector<ConsentRecord>> list(std::string_view subscriber,
                                               std::string_view partner,
                                               std::size_t limit) override;
  StoreResult<void> withdraw(std::string_view consent_id, std::int64_t now) override;

 private:
  explicit SqliteConsentStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  std::shared_ptr<Database> db_;
};

}  // namespace tollgate::store
