// admin_api.h — the operator's REST API on the authorization server, under
// /admin/v1/, guarded by the admin credential (admin_token.h) as a Bearer token
// (SHA-256 digests compared in constant time). Never open: when no credential
// is configured the whole /admin/ tree answers 404 as if it did not exist.
//
// Routes (JSON in and out; a body must be application/json, an object, with
// no member beyond those listed — unknown members are refused):
//   GET  /admin/v1/clients                      {"clients": [client...]}  (never secrets)
//   POST /admin/v1/clients                      {partner, scope, auth_methods?, grant_types?,
//                                                redirect_uris?, jwks?, jwks_uri?}
//                                               → 201 the client with its one-time client_secret
//                                               (the validation of `tollgate client create`)
//   GET  /admin/v1/clients/{id}                 the client
//   POST /admin/v1/clients/{id}/disable         disable, revoke what rests on it
//   GET  /admin/v1/partners                     {"partners": [...]} (admin_ops.h)
//   GET  /admin/v1/consents?subscriber=tel:+E164[&partner=P]   {"consents": [...]}
//   POST /admin/v1/consents/{id}/withdraw       consent_withdrawal.h; the consent after it
//   POST /admin/v1/tokens/revoke                {token} | {jti, exp, client_id?}
//   POST /admin/v1/keys/rotate                  [{activate_in: seconds}] a new signing key,
//                                               published now, signing at once or after
//                                               activate_in (like `tollgate key rotate --in`) → 201
//   GET  /admin/v1/audit/verify                 {ok, records, head[, first_broken, reason]}
//
// Errors: {error, error_description}: 401 invalid_token + WWW-Authenticate:
// Bearer when the credential is missing or wrong; 404 not_found for an unknown
// path or id; 405 with Allow; 400 invalid_request for a bad body or query;
// 503 temporarily_unavailable when a store fails. Never a 5xx for a caller's
// mistake.
//
// Audit: every call is recorded ("admin_call" {action, status, target}) and
// refused credentials too ("admin_auth_failed"); changes add their own
// records (client_created, client_disabled, consent_withdrawn, token_revoked,
// key_generated) with "by": "admin". Records go through the server's AuditLog,
// so they are durable before the response (Governance::handler).
//
// Thread safety: handle() from any number of threads.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "authz/admin_token.h"
#include "authz/audit.h"
#include "authz/config.h"
#include "authz/keys.h"
#include "authz/revocation.h"
#include "authz/service.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "http/server.h"
#include "store/audit.h"
#include "store/clients.h"
#include "store/consents.h"
#include "store/refresh_tokens.h"

namespace tollgate::authz {

struct AdminApiDeps {
  AuthzConfig config;
  std::filesystem::path data_dir;  // keys/ for rotation
  AdminCredential credential;      // not configured: /admin/ is 404
  std::shared_ptr<const catalog::Catalog> catalog;
  std::shared_ptr<store::ClientStore> clients;
  std::shared_ptr<store::ConsentStore> consents;
  std::shared_ptr<store::RefreshTokenStore> refresh_tokens;
  std::shared_ptr<store::AuditStore> audit_store;  // audit/verify
  Revocations* revocations = nullptr;              // the server's (Governance::revocations)
  AuditLog* audit = nullptr;                       // the server's (Governance::audit)
  const core::Clock* clock = &core::SystemClock::instance();
};

class AdminApi {
 public:
  // Throws std::invalid_argument when a dependency is missing (start-up only).
  explicit AdminApi(AdminApiDeps deps);
  // nullopt for a path outside /admin/.
  std::optional<http::Response> handle(const http::Request& req);

 private:
  AdminApiDeps d_;
};

// `inner` with /admin/ served by `api` first (the rest is inner's).
std::unique_ptr<AuthzService> with_admin_api(std::unique_ptr<AuthzService> inner,
                                             std::shared_ptr<AdminApi> api);

}  // namespace tollgate::authz
