// policy.h — the reloadable part of the gateway, as one immutable snapshot:
// the catalog (products, routes, tiers, partners), the verifier built for it
// (per issuer x product policies), the per-product gateway policies, the
// client block list and the rate-limit tiers.
//
// Built off the request path by Policy::build() — at start and on SIGHUP — and
// swapped atomically by the Gateway; a request holds the snapshot it started
// with, so a reload never changes the rules under a request in flight and no
// connection is dropped. build() throws catalog::ConfigError naming what is
// wrong, and the running snapshot stays (Gateway::reload).
//
// Version: catalog_hash is the catalog's content hash (catalog.h);
// policy_hash is the SHA-256 of the gateway-side policy in a canonical text;
// version() joins short prefixes of both, which /policy and the logs report.
//
// Immutable after build(); thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

#include "catalog/catalog.h"
#include "core/clock.h"
#include "gateway/config.h"
#include "gateway/jwks_cache.h"
#include "gateway/rate_limiter.h"
#include "gateway/route_matcher.h"
#include "gateway/verifier.h"

namespace tollgate::gateway {

class Policy {
 public:
  static std::shared_ptr<const Policy> build(const GatewayConfig& config,
                                             std::shared_ptr<const catalog::Catalog> catalog,
                                             std::shared_ptr<JwksCache> keys,
                                             const core::Clock& clock, std::uint64_t generation);

  const catalog::Catalog& catalog() const { return *catalog_; }
  const RouteMatcher& routes() const { return *routes_; }
  const Verifier& verifier() const { return *verifier_; }

  // The gateway policy for a product (defaults when the config names none).
  const ProductPolicy& product(std::string_view name) const;
  bool blocked(std::string_view client_id) const;
  // The bucket for a partner: its catalog tier, else the default tier; {0,0} = no limit.
  RateLimit limit_for(std::string_view partner) const;
  bool rate_limits_enabled() const { return rate_limits_enabled_; }

  const std::string& catalog_hash() const { return catalog_hash_; }
  const std::string& policy_hash() const { return policy_hash_; }
  std::string version() const;
  std::uint64_t generation() const { return generation_; }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  Policy() = default;

  std::shared_ptr<const catalog::Catalog> catalog_;
  std::shared_ptr<const RouteMatcher> routes_;
  std::shared_ptr<const Verifier> verifier_;
  std::map<std::string, ProductPolicy, std::less<>> products_;
  ProductPolicy default_product_;
  std::unordered_set<std::string, Hash, std::equal_to<>> blocked_;
  std::map<std::string, RateLimit, std::less<>> partner_limits_;
  RateLimit default_limit_;
  bool rate_limits_enabled_ = true;
  std::string catalog_hash_;
  std::string policy_hash_;
  std::uint64_t generation_ = 0;
};

}  // namespace tollgate::gateway
