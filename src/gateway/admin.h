// admin.h — the gateway's admin listener, loopback only (`admin_listen`,
// default 127.0.0.1:9901):
//   GET /metrics  Prometheus text format 0.0.4 (render_prometheus below)
//   GET /healthz  200 {"status":"ok"} while the process serves
//   GET /readyz   200 when every issuer has keys and the policy is loaded, else
//                 503; the body lists each check (and the revocation feed's
//                 freshness, which informs but does not gate readiness: stale
//                 state is handled per product, see revocations.h)
//   GET /policy   the running policy: version, catalog and policy hashes,
//                 generation (reloads), when it was loaded
// Anything else is 404; methods other than GET/HEAD are 405.
//
// Security: the listener refuses non-loopback addresses at start (it reveals
// client ids in metric labels only through reasons and products, never tokens,
// but it is an operator surface). It has its own thread and io_context, so a
// slow scraper never touches the request path.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gateway/jwks_cache.h"
#include "gateway/metrics.h"
#include "gateway/rate_limiter.h"
#include "gateway/revocations.h"
#include "gateway/token_cache.h"

namespace tollgate::gateway {

// Everything /metrics shows, gathered by the gateway at scrape time.
struct GatewayStats {
  MetricsSnapshot requests;
  struct Issuer {
    std::string issuer;
    JwksStats jwks;
  };
  std::vector<Issuer> issuers;
  TokenCacheStats token_cache;
  std::size_t token_cache_entries = 0;
  bool token_cache_enabled = true;
  RevocationStats revocations;
  bool revocations_fresh = false;
  RateLimiterStats rate_limits;
  std::size_t connections = 0;
  std::size_t threads = 0;
  std::string policy_version, catalog_hash, policy_hash;
  std::uint64_t policy_generation = 0;
  std::int64_t policy_loaded_unix = 0;
};

std::string render_prometheus(const GatewayStats& stats);

// Ready when every issuer has keys; `why` lists what is missing.
bool is_ready(const GatewayStats& stats, boost::json::object& checks);

class AdminServer {
 public:
  using StatsFn = std::function<GatewayStats()>;
  // Throws catalog::ConfigError for a non-loopback address, std::system_error when it cannot bind.
  static std::unique_ptr<AdminServer> create(const std::string& listen, StatsFn stats);
  ~AdminServer();
  std::uint16_t port() const;
  void start();
  void stop();

 private:
  struct Impl;
  explicit AdminServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::gateway
