#include "authz/token_service.h"

#include <algorithm>
#include <boost/json.hpp>

#include "core/crypto.h"
#include "core/jws.h"

namespace tollgate::authz {
namespace {

// RFC 9068 §2.2: jti must be unique; 128 random bits make collisions negligible.
constexpr std::size_t kJtiBytes = 16;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

}  // namespace

std::string ScopeRefusal::description() const {
  std::string out;
  if (!unknown.empty())
    out += (unknown.size() == 1 ? "unknown scope: " : "unknown scopes: ") + join(unknown);
  if (!not_allowed.empty()) {
    if (!out.empty()) out += "; ";
    out += (not_allowed.size() == 1 ? "scope not allowed for this client: "
                                    : "scopes not allowed for this client: ") +
           join(not_allowed);
  }
  return out;
}

std::expected<ScopeDecision, ScopeRefusal> decide_scopes(const catalog::Catalog& catalog,
                                                         const store::ClientRecord& client,
                                                         const core::ScopeSet& requested) {
  const catalog::Partner* partner = catalog.partner(client.partner);
  ScopeRefusal refusal;
  std::vector<const catalog::Product*> products;
  for (const std::string& scope : requested.items()) {
    const catalog::Product* product = catalog.product_for_scope(scope);
    if (!product) {
      refusal.unknown.push_back(scope);
      continue;
    }
    const bool registered = client.scopes.contains(scope);
    const bool contracted =
        !partner || std::ranges::find(partner->products, product->name) != partner->products.end();
    if (!registered || !contracted) {
      refusal.not_allowed.push_back(scope);
      continue;
    }
    if (std::ranges::find(products, product) == products.end()) products.push_back(product);
  }
  if (!refusal.unknown.empty() || !refusal.not_allowed.empty())
    return std::unexpected(std::move(refusal));

  std::ranges::sort(products, {}, &catalog::Product::name);
  ScopeDecision d;
  d.granted = requested;
  for (const catalog::Product* p : products) {
    if (std::ranges::find(d.audiences, p->audience) == d.audiences.end())
      d.audiences.push_back(p->audience);
    if (d.lifetime.count() == 0 || p->token_lifetime < d.lifetime) d.lifetime = p->token_lifetime;
  }
  return d;
}

std::expected<IssuedToken, core::JoseStatus> TokenService::issue(
    const catalog::Catalog& catalog, const store::ClientRecord& client,
    const ScopeDecision& decision) const {
  IssuedToken t;
  t.issued_at = clock_.unix_seconds();
  t.expires_in = decision.lifetime.count();
  t.jti = core::random_token(kJtiBytes);

  boost::json::object claims;
  claims["iss"] = issuer_;
  claims["sub"] = client.client_id;  // 2-legged: the token stands for the client (partner)
  if (decision.audiences.size() == 1) {
    claims["aud"] = decision.audiences.front();
  } else {
    boost::json::array aud;
    for (const auto& a : decision.audiences) aud.emplace_back(a);
    claims["aud"] = std::move(aud);
  }
  claims["exp"] = t.issued_at + t.expires_in;
  claims["iat"] = t.issued_at;
  claims["jti"] = t.jti;
  claims["client_id"] = client.client_id;
  claims["scope"] = decision.granted.to_string();
  claims["partner"] = client.partner;
  if (const catalog::Partner* p = catalog.partner(client.partner)) claims["tier"] = p->tier;

  const core::Jwk key = keys_.current();
  auto token = core::sign_compact(key, keys_.alg(), claims, "at+jwt");
  if (!token) return std::unexpected(token.error());
  t.access_token = std::move(*token);
  t.kid = key.kid();
  return t;
}

}  // namespace tollgate::authz
