// scope_check.h — does a token's granted scope satisfy a route's scope rule?
//
// any_of: at least one of the route's scopes is granted; all_of: every one is.
// Matching is exact per scope token (core::ScopeSet): "sim-swap:check-extra"
// never satisfies "sim-swap:check", and no scope implies another unless the
// route lists it (SIM Swap's routes list both "sim-swap:check" and "sim-swap").
// Pure; thread-safe.
#pragma once

#include <string>

#include "catalog/catalog.h"
#include "core/scope.h"

namespace tollgate::gateway {

bool scope_allows(const catalog::Route& route, const core::ScopeSet& granted);

// The route's scopes, space-separated, for WWW-Authenticate's scope attribute
// (RFC 6750 §3: the scope necessary to access the resource).
std::string required_scope(const catalog::Route& route);

}  // namespace tollgate::gateway
