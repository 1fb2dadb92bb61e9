// token_service.h — what a client may be granted, and the RFC 9068 access
// token that says so. No HTTP here: service.cc parses the request and maps
// the outcomes below to OAuth errors in one place.
//
// Scope decision (CAMARA profile, ARCHITECTURE.md "requested ∩ contracted"):
// every requested scope must (1) be defined by a catalog product, (2) be in the
// client's registered scopes, and (3) when the client's partner is listed in
// the catalog, belong to a product that partner has contracted. If any
// requested scope fails, the whole request is refused and the refused scopes
// are named; we never silently issue a narrower token than asked for
// (RFC 6749 §3.3 allows either; explicit refusal is simpler to reason about
// and to audit). A partner absent from the catalog is bounded by its clients'
// registered scopes only, and its tokens carry no "tier".
//
// Token: header {alg, kid, typ:"at+jwt"}; claims iss, sub (= client_id for a
// 2-legged token), aud (a string for one audience, an array for several), exp,
// iat, jti (128 random bits), client_id, scope, partner, tier (when known).
// Lifetime: the shortest token_lifetime among the products of the granted scopes.
//
// Thread safety: TokenService is immutable after construction; `issue` may run
// on any number of threads. The Clock must outlive the service.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "authz/keys.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/scope.h"
#include "core/status.h"
#include "store/clients.h"

namespace tollgate::authz {

struct ScopeDecision {
  core::ScopeSet granted;
  std::vector<std::string> audiences;  // distinct, ordered by product name
  std::chrono::seconds lifetime{0};
};

struct ScopeRefusal {
  std::vector<std::string> unknown;  // no catalog product defines them
  std::vector<std::string>
      not_allowed;  // defined, but not registered for / contracted by this client
  // "unknown scope(s): a, b; scope(s) not allowed for this client: c"
  std::string description() const;
};

// REQUIRES: `requested` is not empty.
std::expected<ScopeDecision, ScopeRefusal> decide_scopes(const catalog::Catalog& catalog,
                                                         const store::ClientRecord& client,
                                                         const core::ScopeSet& requested);

struct IssuedToken {
  std::string access_token;
  std::string jti;
  std::int64_t expires_in = 0;  // seconds
  std::int64_t issued_at = 0;   // unix seconds
  std::string kid;              // the key that signed it
};

class TokenService {
 public:
  TokenService(std::string issuer, KeyManager keys, const core::Clock& clock)
      : issuer_(std::move(issuer)), keys_(std::move(keys)), clock_(clock) {}

  // Sign an access token for `client` carrying `decision`. Fails only when
  // signing fails (a server fault, never the client's).
  std::expected<IssuedToken, core::JoseStatus> issue(const catalog::Catalog& catalog,
                                                     const store::ClientRecord& client,
                                                     const ScopeDecision& decision) const;

  const KeyManager& keys() const { return keys_; }

 private:
  std::string issuer_;
  KeyManager keys_;
  const core::Clock& clock_;
};

}  // namespace tollgate::authz
