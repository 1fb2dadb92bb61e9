// service.h — the authorization server's HTTP surface, as one synchronous
// handler that knows nothing of sockets (the app serves `handle` through
// http::make_sync_handler).
//
// Routes (the query string is ignored for routing):
//   POST /oauth2/token                          client_credentials (RFC 6749 §4.4), RFC 9068 JWT
//   POST /oauth2/revoke, POST /oauth2/introspect, GET /oauth2/revocations   see governance.h
//   /oauth2/authorize[/login|/otp|/consent], POST /oauth2/bc-authorize,
//   POST /oauth2/ciba/decide, and the token endpoint's authorization_code,
//   refresh_token, CIBA and JWT bearer grants       see three_legged.h (when given)
//   GET  /jwks.json                             public signing keys
//   GET  /.well-known/oauth-authorization-server    RFC 8414 metadata
//   GET  /.well-known/openid-configuration          the same document (see below)
//   anything else                               404 {"error":"not_found"}
// HEAD is served wherever GET is (RFC 9110 §9.3.2). A known path with another
// method is 405 with `Allow` and an invalid_request body. unsupported_grant_type
// names the grants of grant_types_supported.
//
// Token endpoint answers: 200 {access_token, token_type:"Bearer", expires_in,
// scope}; every error is the RFC 6749 §5.2 body {error, error_description},
// status 400, or 401 for invalid_client (with WWW-Authenticate: Basic
// realm="tollgate" on every 401, as RFC 9110 §15.5.2 requires of a 401, not only
// when the client used Basic). A registry that cannot be read is 503
// temporarily_unavailable, a signing failure 500 server_error; a client's
// mistake never gets a 5xx. Every answer carries Cache-Control: no-store and
// Pragma: no-cache. Client authentication, throttling (429) and the audit trail
// (durable, hash-chained: every client-authentication failure or success, scope
// refusal and token issued — jti, never the token or secret) are governance.h's.
//
// Discovery: both well-known documents hold issuer, token_endpoint, jwks_uri,
// grant_types_supported, token_endpoint_auth_methods_supported, scopes_supported
// (the catalog's scopes) and response_types_supported: [] — RFC 8414 requires the
// member; an empty list says truthfully that there is no authorization endpoint
// when the service runs without the 3-legged grants. Governance adds the
// private_key_jwt, revocation and introspection members; ThreeLegged adds
// authorization_endpoint, response_types_supported ["code"], the CIBA members,
// code_challenge_methods_supported ["S256"], subject_types_supported
// ["pairwise"], id_token_signing_alg_values_supported and its grant types and scopes.
//
// Thread safety: `handle` may be called concurrently from any number of threads.
// Lifetime: the Clock must outlive the service.
#pragma once

#include <memory>

#include "authz/config.h"
#include "authz/keys.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "http/server.h"
#include "store/clients.h"

namespace tollgate::authz {

class Governance;
class ThreeLegged;

class AuthzService {
 public:
  virtual ~AuthzService() = default;

  // Start-up only: throws std::invalid_argument when catalog, clients or governance is null.
  static std::unique_ptr<AuthzService> create(AuthzConfig config,
                                              std::shared_ptr<const catalog::Catalog> catalog,
                                              std::shared_ptr<store::ClientStore> clients,
                                              KeyManager keys, const core::Clock& clock,
                                              std::shared_ptr<Governance> governance,
                                              // authorization code, CIBA, JWT bearer, refresh (three_legged.h)
                                              std::shared_ptr<ThreeLegged> three_legged = nullptr);

  virtual http::Response handle(const http::Request& request, const http::ConnectionInfo& info) = 0;
};

}  // namespace tollgate::authz
