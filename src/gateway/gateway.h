// gateway.h — the gateway role: listens for partner requests, decides each one
// with the pipeline (pipeline.h) and forwards the allowed ones to their
// upstream over keep-alive connections.
//
// Executor model — one io_context per core, chosen by measurement:
//   * N threads (GatewayConfig::threads, 0 = hardware cores), each running its
//     own io_context with its own listener (frontend.h, all on one port with
//     SO_REUSEPORT so the kernel spreads connections), upstream pools
//     (upstream.h), token cache and access-log buffer: a connection's whole
//     life (read, verify, forward, answer) stays on one core with no
//     cross-thread hand-off and no lock on the request path, which is what
//     HAProxy and nginx do;
//   * shared between threads only: the immutable policy snapshot (one atomic
//     generation check per request), the JWKS snapshots, the revocation set
//     (one atomic load), the rate-limit buckets (16 striped mutexes), metrics
//     shards (one per thread);
//   * background threads: JWKS fetches, the revocation feed, the Redis sync of
//     fleet rate limits, the access-log writer, and the admin listener.
// Figures (bench/gateway/executor_models.sh, 2-core AMD EPYC VM, a fixed 200
// answer, no upstream, wrk -c50, median of 3 x 10 s, 2026-11-28):
//   model                                      1 thread (CPU 0)   2 threads (unpinned)
//   http::Server, one io_context per core         97.7k req/s        111.7k req/s
//   http::Server, one io_context + strands       106.8k req/s         98.0k req/s
//   gateway Frontend, one io_context per core    167.1k req/s        164.5k req/s
// One shared context with strands loses 12% at two threads (strand and
// scheduler locking, handlers hopping threads) and cannot keep per-thread
// caches; per core wins, and the gateway's own listener (no strands, no
// per-request timer, hand serialization) is +71% over Beast's server on a core.
// (At 2 threads wrk shares the two cores, so those columns are bounded by it.)
//
// Lifetime and threads: create() validates and binds (throws
// catalog::ConfigError or std::system_error at start-up only); start() fetches
// keys once, then runs the threads; stop() halts the threads, then closes
// every socket (in-flight requests are dropped; draining comes with the
// production gateway). stop() is idempotent and thread-safe but must not be
// called from a gateway thread; the destructor calls it. The Clock must
// outlive the Gateway.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "core/clock.h"
#include "gateway/admin.h"
#include "gateway/config.h"
#include "gateway/jwks_cache.h"
#include "gateway/jwks_fetcher.h"
#include "gateway/metrics.h"
#include "gateway/policy.h"
#include "gateway/rate_limiter.h"
#include "gateway/revocations.h"

namespace tollgate::gateway {

// Seams for tests; null members get the production implementations.
struct GatewayDeps {
  std::shared_ptr<JwksFetcher> fetcher;
  std::shared_ptr<FeedSource> feed;
};

class Gateway {
 public:
  static std::unique_ptr<Gateway> create(GatewayConfig config,
                                         std::shared_ptr<const catalog::Catalog> catalog,
                                         const core::Clock& clock);
  // Same, with the JWKS fetcher injected (tests).
  static std::unique_ptr<Gateway> create(GatewayConfig config,
                                         std::shared_ptr<const catalog::Catalog> catalog,
                                         const core::Clock& clock,
                                         std::shared_ptr<JwksFetcher> fetcher);
  static std::unique_ptr<Gateway> create(GatewayConfig config,
                                         std::shared_ptr<const catalog::Catalog> catalog,
                                         const core::Clock& clock, GatewayDeps deps);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  void start();
  void stop();

  // SIGHUP: a new policy snapshot from `config` (products, blocked_clients,
  // rate_limits) and `catalog`, swapped atomically while connections stay open.
  // Settings that need a restart (listen, threads, issuers, upstreams, ...) are
  // logged and kept. Throws catalog::ConfigError when the new policy is bad;
  // the running one stays. Thread-safe; any thread but a gateway thread.
  void reload(const GatewayConfig& config, std::shared_ptr<const catalog::Catalog> catalog);

  std::uint16_t port() const;
  std::uint16_t admin_port() const;  // 0 = no admin listener
  std::size_t threads() const;
  std::string policy_version() const;

  const Metrics& metrics() const;
  GatewayStats stats() const;
  JwksCache& jwks();
  Revocations& revocations();
  RateLimiter& rate_limiter();

 private:
  struct Impl;
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::gateway
