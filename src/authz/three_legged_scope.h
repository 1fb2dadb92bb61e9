// three_legged_scope.h — the scope rules of a 3-legged request (CAMARA ICM
// "Purpose as a scope", "Offline Access"): the requested scope string holds
// exactly one `dpv:` purpose known to the catalog, optionally `openid` and
// `offline_access`, and at least one API scope; the API scopes are decided by
// the same rule as client credentials (decide_scopes: defined by a product,
// registered for the client, contracted by its partner). A pure function of
// (catalog, client, requested); it also tells whether the API scopes demand
// network-based authentication without user interaction (network_only).
#pragma once

#include <expected>
#include <string>

#include "authz/token_service.h"
#include "catalog/catalog.h"
#include "core/scope.h"
#include "store/clients.h"

namespace tollgate::authz {

inline constexpr std::string_view kScopeOpenId = "openid";
inline constexpr std::string_view kScopeOfflineAccess = "offline_access";
inline constexpr std::string_view kPurposePrefix = "dpv:";

struct ThreeLeggedScope {
  const catalog::Purpose* purpose = nullptr;  // points into the catalog
  ScopeDecision api;                          // API scopes, audiences, lifetime
  bool openid = false;
  bool offline_access = false;  // asked for (whether a refresh token follows is the grant's rule)
  // A granted API scope belongs to a product with `authentication: network`
  // (catalog.h): network-based authentication only, no user interaction.
  bool network_only = false;

  // purpose + API scopes: the access token's "scope" claim.
  std::string token_scope() const;
  // What the client was granted, as the response's "scope" (openid / offline_access when granted).
  std::string granted_scope(bool with_offline_access) const;
};

enum class ScopeProblem {
  kMalformed,        // not a valid scope string
  kNoPurpose,        // no dpv: scope
  kSeveralPurposes,  // more than one dpv: scope
  kUnknownPurpose,   // a dpv: scope the catalog does not declare
  kNoApiScope,       // only openid / offline_access / the purpose
  kRefused,          // an API scope unknown or not allowed (detail names them)
};

struct ScopeFailure {
  ScopeProblem problem;
  std::string description;  // for error_description and the audit log
};
std::string_view to_string(ScopeProblem p);  // "no_purpose", ...

std::expected<ThreeLeggedScope, ScopeFailure> decide_three_legged(const catalog::Catalog& catalog,
                                                                  const store::ClientRecord& client,
                                                                  std::string_view requested);

}  // namespace tollgate::authz
