// admin.h — client registration for the CLI (`tollgate client create|list`)
// and, later, the control plane's admin API.
//
// Contract
// - create_client validates against the catalog, generates the credentials and
//   stores the client; errors are one-line messages for a human (exit code 2).
//   client_id: "tg_" + 16 base64url characters (96 random bits: an identifier,
//   not a secret). client_secret: base64url of 32 random bytes (256 bits); only
//   core::hash_secret(secret) is stored, the plain secret exists only in the
//   returned CreatedClient, to be shown once.
// - Validation: partner is a catalog-style name; scopes non-empty, each defined
//   by a catalog product and, when the partner is listed in the catalog, by a
//   product that partner has contracted; auth_methods within
//   {client_secret_basic, client_secret_post, private_key_jwt} — a secret is
//   generated only when a secret method is registered, and private_key_jwt
//   needs exactly one of jwks (a public JWKS with at least one signing key; a
//   private member is refused) or jwks_uri (http(s) URL); grant_types within
//   {client_credentials, authorization_code, refresh_token, CIBA, JWT bearer}.
// - disable_client is THE way a client is disabled (`tollgate client disable` and
//   POST /admin/v1/clients/{id}/disable): it marks the client disabled (it can no
//   longer authenticate), records a client revocation (gateways learn it from the
//   revocations feed; introspection says inactive for its access tokens), revokes
//   every refresh token of the client (the refresh grant answers invalid_grant,
//   RFC 7009 introspection inactive) and audits "client_disabled" {client_id, by}
//   (when newly disabled) and "client_revoked" {client_id, revocation_seq, reason,
//   by} (when newly revoked) through the AuditSink — before it returns. Each step
//   is idempotent: disabling again (or retrying after a store failure) completes
//   the work. Errors: kNotFound (no such client), kStore (message says which).
// - client_to_json never includes secret_hash; it includes client_secret only
//   when one is passed (right after creation).
// - Thread safety: as safe as the ClientStore (SqliteClientStore: any thread).
#pragma once

#include <boost/json.hpp>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "authz/consent_withdrawal.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/scope.h"
#include "store/audit.h"
#include "store/clients.h"
#include "store/refresh_tokens.h"
#include "store/revocations.h"

namespace tollgate::authz {

struct CreateClientRequest {
  std::string partner;
  core::ScopeSet scopes;
  // Empty: both secret methods, or private_key_jwt alone when keys are given.
  std::vector<std::string> auth_methods;
  std::vector<std::string> grant_types{std::string(store::kGrantClientCredentials)};
  // Exact redirect URIs for the authorization code flow: absolute https:// URLs, or
  // http:// on a loopback host (RFC 8252 §7.3); no fragment. Required with that grant.
  std::vector<std::string> redirect_uris;
  // private_key_jwt: the client's public keys, as JWKS JSON text or a URL to fetch them from.
  std::string jwks;
  std::string jwks_uri;
  // Imports and benchmarks only: keep an existing client's id and secret
  // instead of generating them (the secret must still be long: kMinImportedSecret).
  std::optional<std::string> client_id;
  std::optional<std::string> secret;
};

// An imported secret shorter than this is refused (generated ones have 43 characters).
inline constexpr std::size_t kMinImportedSecret = 20;

struct CreatedClient {
  store::ClientRecord record;
  std::string
      secret;  // plain secret: show once, never log, never store; empty without a secret method
};

std::expected<CreatedClient, std::string> create_client(
    store::ClientStore& clients, const catalog::Catalog& catalog,
    const CreateClientRequest& request, const core::Clock& clock = core::SystemClock::instance());

// {client_id, partner, scope, grant_types, auth_methods, redirect_uris, created_at, disabled[,
// client_secret]}
boost::json::object client_to_json(const store::ClientRecord& client,
                                   std::optional<std::string> secret);

struct DisabledClient {
  bool newly_disabled = false;  // false: it was disabled before (idempotent)
  std::int64_t revocation_seq = 0;
};
struct ClientDisableStores {
  store::ClientStore& clients;
  store::RevocationStore& revocations;
  store::RefreshTokenStore& refresh_tokens;
};
struct DisableError {
  enum Code { kNotFound, kStore } code = kStore;
  std::string message;
};
std::expected<DisabledClient, DisableError> disable_client(
    const ClientDisableStores& stores, std::string_view client_id, std::string_view by,
    const AuditSink& audit, const core::Clock& clock = core::SystemClock::instance());

}  // namespace tollgate::authz
