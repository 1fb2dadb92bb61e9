// consent_withdrawal.h — withdrawing a subscriber's consent, and revoking what
// rests on it. One function shared by the subscriber's self-care page
// (GET/POST /consents, three_legged.h), `tollgate consent withdraw` and the
// admin API (POST /admin/v1/consents/{id}/withdraw).
//
// What a withdrawal does, in this order (each step idempotent, so a retry after
// a failure completes the work):
//   1. the consent is marked withdrawn (store::ConsentStore::withdraw): the
//      JWT bearer grant, CIBA without prompt and the authorization code flow no
//      longer find it (find_covering), and the authorization_code / refresh
//      grants refuse tokens resting on it (invalid_grant);
//   2. a consent revocation is recorded (store::RevocationStore, kind consent):
//      gateways learn it from GET /oauth2/revocations ({"consent_id": ...}) and
//      refuse every access token carrying that consent_id claim for
//      subscriber-data products (401, reason consent_revoked); introspection
//      answers inactive;
//   3. every refresh token of the consent is revoked;
//   4. audited: "consent_withdrawn" {consent_id, partner, client_id, purpose,
//      revocation_seq, by} — never the subscriber's number.
//
// Errors: kNotFound (unknown id) or kStore (a store failed; message says which).
// Thread safety: as safe as the stores (the SQLite ones: any thread).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "store/audit.h"
#include "store/consents.h"
#include "store/refresh_tokens.h"
#include "store/revocations.h"

namespace tollgate::authz {

struct ConsentWithdrawalStores {
  store::ConsentStore& consents;
  store::RevocationStore& revocations;
  store::RefreshTokenStore& refresh_tokens;
};

// Writes one audit record; an error string when it could not be written.
using AuditSink =
    std::function<std::expected<void, std::string>(std::string_view event, boost::json::object)>;

// A sink that appends each record straight to the hash-chained trail, in its own
// transaction: for the CLI, which has no audit writer thread (AuditLog).
AuditSink direct_audit_sink(std::shared_ptr<store::AuditStore> audit,
                            const core::Clock& clock = core::SystemClock::instance());

struct WithdrawnConsent {
  store::ConsentRecord consent;  // as stored after the withdrawal
  bool newly_withdrawn = false;  // false: it was withdrawn before
  std::int64_t revocation_seq = 0;
};

struct WithdrawError {
  enum Code { kNotFound, kStore } code = kStore;
  std::string message;
};

std::expected<WithdrawnConsent, WithdrawError> withdraw_consent(
    const ConsentWithdrawalStores& stores, std::string_view consent_id, std::string_view by,
    const AuditSink& audit, const core::Clock& clock = core::SystemClock::instance());

// {consent_id, partner, client_id, subscriber, purpose, scope, created_at, expires_at,
// withdrawn_at (null when in force), active}
boost::json::object consent_to_json(const store::ConsentRecord& consent, std::int64_t now);

}  // namespace tollgate::authz
