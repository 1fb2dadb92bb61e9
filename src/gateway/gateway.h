// gateway.h — the gateway role: listens for partner requests, decides each one
// with the pipeline (pipeline.h) and forwards the allowed ones to their
// upstream over keep-alive connections.
//
// Executor model (chosen for this first cut; issue 4 will measure it against
// one shared io_context with strands and record the figures here):
//   * N threads (GatewayConfig::threads, 0 = hardware cores), each running its
//     own io_context; nothing on the request path is shared between threads
//     except immutable snapshots (routes, verifier policies) and the JWKS
//     snapshots read with one atomic load;
//   * one http::Server per io_context, all bound to the same port with
//     SO_REUSEPORT so the kernel spreads connections across threads (with
//     listen port 0, the first server's port is read and the others bind to it);
//   * one Proxy (one http::UpstreamPool per upstream) per io_context, so
//     upstream keep-alive connections are per-thread and need no locking;
//   * one background thread in the JwksCache for key fetches (blocking I/O
//     never runs on an io_context thread).
// Why: a connection's whole life (read, verify, forward, answer) stays on one
// core with no cross-thread hand-off, which is what HAProxy and nginx do.
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
