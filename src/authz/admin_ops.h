// admin_ops.h — the operator's read and revoke operations shared by the CLI
// (`tollgate partner|consent|token ...`, app/admin_cli.h) and the admin REST
// API (authz/admin_api.h): one JSON shape for each object, one code path for
// each change.
//
// Contract
// - partner_to_json: {name, tier, products, clients: [client_id...]}; partners
//   come from the catalog; `clients` are the registered clients of that partner.
// - inspect_token: local verification of OUR access token with the given keys
//   (signature, issuer, typ at+jwt — Revocations::inspect); the report says
//   whether it is active and, if not, why (expired, token/client/consent revoked,
//   client disabled). Never prints the token itself.
// - revoke_token_by_jti: records the access-token revocation (gateways learn it
//   from the feed) and audits "token_revoked" {jti, client_id, exp, by}.
// Thread safety: as safe as the stores passed in.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "authz/consent_withdrawal.h"
#include "authz/revocation.h"
#include "catalog/catalog.h"
#include "store/clients.h"
#include "store/revocations.h"

namespace tollgate::authz {

boost::json::object partner_to_json(const catalog::Partner& partner,
                                    const std::vector<store::ClientRecord>& all_clients);

// {"active": bool, "reason": "ok"|"expired"|"token_revoked"|"client_revoked"|"consent_revoked"|
//  "client_disabled"|"client_unknown", "jti", "client_id", "exp", "claims": {...}};
// nullopt: not our token (malformed, foreign key or issuer, not an access token).
store::StoreResult<std::optional<boost::json::object>> inspect_token(
    const Revocations& verifier, store::RevocationStore& revocations, store::ClientStore& clients,
    std::string_view token, std::int64_t now);

struct RevokedToken {
  bool newly_revoked = false;
  std::int64_t revocation_seq = 0;
};
std::expected<RevokedToken, std::string> revoke_token_by_jti(
    store::RevocationStore& revocations, std::string_view jti, std::string_view client_id,
    std::int64_t exp, std::string_view by, const AuditSink& audit, std::int64_t now);

}  // namespace tollgate::authz
