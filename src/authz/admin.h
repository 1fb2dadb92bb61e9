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
//   {client_secret_basic, client_secret_post}; grant_types within
//   {client_credentials} (more grants arrive with issue 3).
// - client_to_json never includes secret_hash; it includes client_secret only
//   when one is passed (right after creation).
// - Thread safety: as safe as the ClientStore (SqliteClientStore: any thread).
#pragma once

#include <boost/json.hpp>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/scope.h"
#include "store/clients.h"

namespace tollgate::authz {

struct CreateClientRequest {
  std::string partner;
  core::ScopeSet scopes;
  std::vector<std::string> auth_methods{std::string(store::kAuthClientSecretBasic),
                                        std::string(store::kAuthClientSecretPost)};
  std::vector<std::string> grant_types{std::string(store::kGrantClientCredentials)};
};

struct CreatedClient {
  store::ClientRecord record;
  std::string secret;  // plain secret: show once, never log, never store
};

std::expected<CreatedClient, std::string> create_client(
    store::ClientStore& clients, const catalog::Catalog& catalog,
    const CreateClientRequest& request, const core::Clock& clock = core::SystemClock::instance());

// {client_id, partner, scope, grant_types, auth_methods, redirect_uris, created_at, disabled[,
// client_secret]}
boost::json::object client_to_json(const store::ClientRecord& client,
                                   std::optional<std::string> secret);

}  // namespace tollgate::authz
