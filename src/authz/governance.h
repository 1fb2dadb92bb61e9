// governance.h — token governance around the authorization server's endpoints,
// in one object the service consults (model: Envoy's filter config holding
// the pieces, each piece in its own file):
//   client authentication (client_auth.h) with lockout and throttling
//   (throttle.h), revocation (revocation.h), introspection (introspection.h),
//   the revocations feed and the admin credential (admin_token.h), and the
//   audit trail that is durable before a response is sent (audit.h).
//
// How the service uses it (service.cc):
//   - `handler(service)` is what the server runs: it calls service.handle()
//     inside a DurabilityScope and sends the response only once the audit
//     records the request wrote are committed (503 if they could not be).
//   - token endpoint: `admit` (per-address limit) first, then
//     `authenticate(..., Endpoint::kToken)` which also applies the lockout and,
//     on success, the per-client tier rate; its failure is a ready OAuth answer.
//   - `token_issued` / `scope_denied` record the outcome.
//   - `route` serves POST /oauth2/revoke, POST /oauth2/introspect and
//     GET /oauth2/revocations; nullopt for any other path.
//   - `add_metadata` adds this side's members to the discovery document.
// Other grants (authorization code, CIBA, JWT bearer, refresh) use the same
// calls: `authenticate` for their endpoint and `token_issued` for what they issue.
//
// OAuth answers made here:
//   invalid_request (400)  the request's shape (two auth methods, form errors...)
//   invalid_client (401)   every failed client authentication, whatever the reason
//   temporarily_unavailable (429 + Retry-After)  rate limit or lockout
//   temporarily_unavailable (503 + Retry-After: 1)  a store or the audit failed
// The precise reason is in the audit record ("reason", "detail") and the log.
//
// Thread safety: every member may be called from any thread. A background
// thread re-scans the signing keys every kKeyScanInterval; it stops with the
// object. Expired revocations are pruned by the sweeper (authz/purge.h).
#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "authz/admin_token.h"
#include "authz/audit.h"
#include "authz/client_auth.h"
#include "authz/config.h"
#include "authz/keys.h"
#include "authz/revocation.h"
#include "authz/throttle.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/scope.h"
#include "http/form.h"
#include "http/server.h"
#include "store/clients.h"
#include "store/sqlite.h"

namespace tollgate::authz {

class AuthzService;

enum class Endpoint { kToken, kRevoke, kIntrospect, kBackchannel };

// What a grant issued, for the audit trail.
struct Issuance {
  std::string jti;
  std::string client_id;
  std::string partner;
  std::string grant;                    // grant_type as received
  core::ScopeSet granted;
  std::vector<std::string> refused;     // requested but not granted (empty when all granted)
  std::string purpose;                  // "dpv:..." for 3-legged tokens
  std::string subject;                  // sub as issued (a pseudonym for 3-legged tokens)
  std::vector<std::string> audiences;
  std::int64_t lifetime = 0;            // seconds
  std::string kid;                      // signing key
  std::string token_type = "access_token";  // or "refresh_token", "id_token"
};

struct GovernanceDeps {
  AuthzConfig config;
  std::filesystem::path data_dir;
  std::shared_ptr<const catalog::Catalog> catalog;
  std::shared_ptr<store::ClientStore> clients;
  // Replay cache and revocations; null: <data_dir>/tollgate.db. The audit opens its own connection.
  std::shared_ptr<store::Database> db;
  KeyManager keys;
  const core::Clock* clock = &core::SystemClock::instance();
  ClientKeys::Fetcher jwks_fetcher;     // empty: http::fetch
  std::optional<AdminCredential> admin; // empty: AdminCredential::load(config.admin_token_file, data_dir)
};

class Governance {
 public:
  static constexpr std::chrono::seconds kKeyScanInterval{2};
  // The token endpoint's per-client bucket holds this many seconds of the tier's rate.
  static constexpr double kTokenBurstSeconds = 10;
  static constexpr double kMinTokenBurst = 10;

  // Start-up only; throws std::runtime_error (a store or the admin credential cannot be opened).
  static std::shared_ptr<Governance> open(GovernanceDeps deps);
  ~Governance();
  Governance(const Governance&) = delete;
  Governance& operator=(const Governance&) = delete;

  // The server's handler: `service.handle` with durable audit before the answer.
  // REQUIRES: `service` outlives the handler.
  http::Handler handler(AuthzService& service);

  // Per-source-address limit; a response means "refuse with this".
  std::optional<http::Response> admit(const http::Request& req, const http::ConnectionInfo& info);
  // Client authentication with lockout, audit and (token endpoint) the tier rate.
  std::expected<AuthenticatedClient, http::Response> authenticate(const http::Request& req, const http::Form& form,
                                                                  const http::ConnectionInfo& info, Endpoint endpoint);
  void token_issued(const Issuance& issuance);
  void scope_denied(const store::ClientRecord& client, const core::ScopeSet& requested,
                    const std::vector<std::string>& refused, std::string_view grant);

  // POST /oauth2/revoke, POST /oauth2/introspect, GET /oauth2/revocations.
  std::optional<http::Response> route(const http::Request& req, const http::ConnectionInfo& info);
  void add_metadata(boost::json::object& doc) const;

  AuditLog& audit() { return *audit_; }
  Revocations& revocations() { return *revocations_; }
  const AdminCredential& admin() const { return admin_; }
  KeyManager& keys() { return keys_; }

  // One pass of the background work (key re-scan and rotation); tests call it directly.
  void housekeeping();

 private:
  explicit Governance(GovernanceDeps deps);
  http::Response revoke(const http::Request& req, const http::ConnectionInfo& info);
  http::Response introspect(const http::Request& req, const http::ConnectionInfo& info);
  http::Response revocations_feed(const http::Request& req);
  // Parses the form body of a governance endpoint; a response on error.
  std::expected<http::Form, http::Response> read_form(const http::Request& req) const;
  std::vector<std::string> audiences(Endpoint endpoint) const;
  Limit token_limit(const store::ClientRecord& client) const;
  void background();

  const AuthzConfig config_;
  const std::filesystem::path data_dir_;
  const std::shared_ptr<const catalog::Catalog> catalog_;
  const std::shared_ptr<store::ClientStore> clients_;
  const core::Clock& clock_;
  KeyManager keys_;
  AdminCredential admin_;
  std::shared_ptr<AuditLog> audit_;
  std::unique_ptr<ClientAuthenticator> authenticator_;
  std::unique_ptr<Revocations> revocations_;
  RateLimiter address_limits_;
  RateLimiter client_limits_;
  Lockout lockout_;

  std::mutex bg_mutex_;
  std::condition_variable bg_wake_;
  bool bg_stop_ = false;  // GUARDED_BY(bg_mutex_)
  std::thread bg_;
};

}  // namespace tollgate::authz
