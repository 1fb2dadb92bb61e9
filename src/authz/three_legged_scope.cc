#include "authz/three_legged_scope.h"

namespace tollgate::authz {

std::string ThreeLeggedScope::token_scope() const {
  core::ScopeSet s = api.granted;
  s.add(purpose->name);
  return s.to_string();
}

std::string ThreeLeggedScope::granted_scope(bool with_offline_access) const {
  core::ScopeSet s = api.granted;
  s.add(purpose->name);
  if (openid) s.add(kScopeOpenId);
  if (with_offline_access) s.add(kScopeOfflineAccess);
  return s.to_string();
}

std::string_view to_string(ScopeProblem p) {
  switch (p) {
    case ScopeProblem::kMalformed:
      return "scope_malformed";
    case ScopeProblem::kNoPurpose:
      return "no_purpose";
    case ScopeProblem::kSeveralPurposes:
      return "several_purposes";
    case ScopeProblem::kUnknownPurpose:
      return "unknown_purpose";
    case ScopeProblem::kNoApiScope:
      return "no_api_scope";
    case ScopeProblem::kRefused:
      return "scope_refused";
  }
  return "scope_refused";
}

std::expected<ThreeLeggedScope, ScopeFailure> decide_three_legged(const catalog::Catalog& catalog,
                                                                  const store::ClientRecord& client,
                                                                  std::string_view requested) {
  auto set = core::ScopeSet::parse(requested);
  if (!set || set->empty())
    return std::unexpected(ScopeFailure{ScopeProblem::kMalformed, "scope is malformed"});
  ThreeLeggedScope out;
  core::ScopeSet api;
  std::string purpose_name;
  for (const std::string& s : set->items()) {
    if (s.starts_with(kPurposePrefix)) {
      if (!purpose_name.empty())
        return std::unexpected(
            ScopeFailure{ScopeProblem::kSeveralPurposes, "exactly one dpv: purpose is allowed"});
      purpose_name = s;
    } else if (s == kScopeOpenId) {
      out.openid = true;
    } else if (s == kScopeOfflineAccess) {
      out.offline_access = true;
    } else {
      api.add(s);
    }
  }
  if (purpose_name.empty())
    return std::unexpected(
        ScopeFailure{ScopeProblem::kNoPurpose, "a dpv: purpose scope is required"});
  out.purpose = catalog.purpose(purpose_name);
  if (!out.purpose)
    return std::unexpected(
        ScopeFailure{ScopeProblem::kUnknownPurpose, "unknown purpose: " + purpose_name});
  if (api.empty())
    return std::unexpected(ScopeFailure{ScopeProblem::kNoApiScope, "no API scope requested"});
  auto decision = decide_scopes(catalog, client, api);
  if (!decision)
    return std::unexpected(ScopeFailure{ScopeProblem::kRefused, decision.error().description()});
  out.api = std::move(*decision);
  for (const std::string& s : out.api.granted.items())
    if (const catalog::Product* p = catalog.product_for_scope(s);
        p && p->authentication == catalog::Authentication::kNetwork)
      out.network_only = true;
  return out;
}

}  // namespace tollgate::authz
