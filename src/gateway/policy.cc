#include "gateway/policy.h"

#include <algorithm>

#include "core/crypto.h"
#include "core/strf.h"

namespace tollgate::gateway {
namespace {

std::string algs_text(const core::AlgSet& s) {
  std::string out;
  for (core::Alg a : core::kAllAlgs)
    if (s.contains(a)) {
      if (!out.empty()) out += ',';
      out += core::alg_name(a);
    }
  return out;
}

// Canonical text of the gateway-side policy (std::map orders every part).
std::string canonical(const GatewayConfig& c, const std::vector<std::string>& blocked) {
  std::string t = "products\n";
  for (const auto& [name, p] : c.products) {
    t += core::strf("{} max_age={} algs={} skew={} on_stale={}\n", name,
                    p.max_token_age ? p.max_token_age->count() : -1,
                    p.algorithms ? algs_text(*p.algorithms) : std::string("-"),
                    p.clock_skew ? p.clock_skew->count() : -1,
                    p.on_stale_revocations == OnStaleRevocations::kIntrospect ? "introspect" : "refuse");
  }
  t += "blocked\n";
  for (const auto& b : blocked) t += b + "\n";
  t += core::strf("rate_limits enabled={} default_tier={}\n", c.rate_limits.enabled,
                  c.rate_limits.default_tier);
  return t;
}

}  // namespace

std::shared_ptr<const Policy> Policy::build(const GatewayConfig& config,
                                            std::shared_ptr<const catalog::Catalog> catalog,
                                            std::shared_ptr<JwksCache> keys,
                                            const core::Clock& clock, std::uint64_t generation) {
  for (const auto& [name, p] : config.products)
    if (!catalog->product(name))
      throw catalog::ConfigError(core::strf(
          "gateway: 'products' sets a policy for '{}', which the catalog does not define", name));
  for (const auto& [name, product] : catalog->products()) {
    if (product.routes.empty()) continue;
    if (!config.upstreams.contains(product.upstream))
      throw catalog::ConfigError(
          core::strf("gateway: product '{}' forwards to upstream '{}', which the gateway's "
                     "'upstreams' does not define",
                     name, product.upstream));
  }
  std::shared_ptr<Policy> p(new Policy());
  p->catalog_ = catalog;
  p->routes_ = RouteMatcher::create(catalog);
  p->verifier_ = Verifier::create(config.issuers, catalog, std::move(keys), clock, config.products);
  for (const auto& [name, pp] : config.products) p->products_.emplace(name, pp);
  for (const auto& b : config.blocked_clients) p->blocked_.insert(b);

  p->rate_limits_enabled_ = config.rate_limits.enabled;
  const auto& tiers = catalog->tiers();
  if (!config.rate_limits.default_tier.empty()) {
    const auto* t = catalog->tier(config.rate_limits.default_tier);
    if (!t)
      throw catalog::ConfigError(core::strf(
          "gateway: rate_limits.default_tier '{}' is not a catalog tier",
          config.rate_limits.default_tier));
    p->default_limit_ = {t->rate, t->burst};
  } else if (!tiers.empty()) {
    // Unknown partners get the most restrictive tier.
    const auto lowest = std::min_element(tiers.begin(), tiers.end(), [](const auto& a, const auto& b) {
      return a.second.rate < b.second.rate;
    });
    p->default_limit_ = {lowest->second.rate, lowest->second.burst};
  }
  for (const auto& [name, partner] : catalog->partners())
    if (const auto* t = catalog->tier(partner.tier)) p->partner_limits_.emplace(name, RateLimit{t->rate, t->burst});

  p->catalog_hash_ = catalog->content_hash();
  std::vector<std::string> blocked(config.blocked_clients.begin(), config.blocked_clients.end());
  std::sort(blocked.begin(), blocked.end());
  p->policy_hash_ = core::sha256_hex(canonical(config, blocked));
  p->generation_ = generation;
  return p;
}

const ProductPolicy& Policy::product(std::string_view name) const {
  const auto it = products_.find(name);
  return it == products_.end() ? default_product_ : it->second;
}

bool Policy::blocked(std::string_view client_id) const {
  return !blocked_.empty() && blocked_.contains(client_id);
}

RateLimit Policy::limit_for(std::string_view partner) const {
  if (!rate_limits_enabled_) return {};
  if (!partner.empty()) {
    const auto it = partner_limits_.find(partner);
    if (it != partner_limits_.end()) return it->second;
  }
  return default_limit_;
}

std::string Policy::version() const {
  return catalog_hash_.substr(0, 12) + "-" + policy_hash_.substr(0, 12);
}

}  // namespace tollgate::gateway
