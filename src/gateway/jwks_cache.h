// jwks_cache.h — the public keys of every trusted issuer, as immutable
// snapshots that request threads read without locking.
//
// Per issuer (indexed as in GatewayConfig::issuers):
//  * keys from pem_keys / jwks_file are loaded once by create() (a bad file is a
//    ConfigError at start) and are part of every snapshot;
//  * keys from the jwks_uri (configured, or found by discovery) are fetched by a
//    background thread every jwks_refresh and merged after the static keys;
//  * a request that meets an unknown kid calls request_refresh(): the
//    background thread refetches at once, at most once per
//    kUnknownKidRefreshInterval per issuer, so a flood of random kids costs one
//    fetch per interval. The request itself still fails (kid_unknown);
//  * a failed fetch keeps the previous keys (stale-if-error), is logged, and is
//    retried after kRetryAfterFailure — for at most IssuerConfig::jwks_max_stale
//    after the last successful fetch; past it the fetched keys are dropped
//    (static keys stay), which counts as a key removal.
//
// Thread-safety: keys() and request_refresh() are safe from any thread and
// never block on I/O (keys() is one atomic shared_ptr load). poll() does the
// blocking fetches; only the background thread (or a test) calls it.
// Time: due-ness and rate limits follow the injected Clock; the background
// thread wakes every kPollInterval of real time, or at once on request_refresh().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/clock.h"
#include "core/jwk.h"
#include "gateway/config.h"
#include "gateway/jwks_fetcher.h"

namespace tollgate::gateway {

// One on-demand refetch per issuer per 30 s: enough to pick up a rotated key
// within a request or two of its first use, while a flood of made-up kids cannot
// turn the gateway into a load generator against the authorization server.
inline constexpr std::chrono::seconds kUnknownKidRefreshInterval{30};
// After a failed fetch, try again this soon (or at the refresh period if shorter),
// so fresh keys arrive shortly after the issuer comes back.
inline constexpr std::chrono::seconds kRetryAfterFailure{5};
// How often the background thread looks at the (injected) clock.
inline constexpr std::chrono::milliseconds kPollInterval{1000};

struct JwksStats {
  std::uint64_t fetch_ok = 0;
  std::uint64_t fetch_failed = 0;
  std::uint64_t refresh_requested = 0;     // on-demand refreshes granted
  std::uint64_t refresh_rate_limited = 0;  // on-demand refreshes refused by the rate limit
  std::int64_t last_success_unix = 0;      // 0 = never
  std::size_t keys = 0;                    // keys in the current snapshot
  bool have_keys = false;                  // static keys, or at least one successful fetch
};

class JwksCache {
 public:
  virtual ~JwksCache() = default;

  // Loads static keys (throws catalog::ConfigError naming the issuer and file).
  // No network I/O until start() or poll().
  static std::shared_ptr<JwksCache> create(const std::vector<IssuerConfig>& issuers,
                                           std::shared_ptr<JwksFetcher> fetcher,
                                           const core::Clock& clock);

  // The current keys of issuer `issuer`; never null (possibly empty).
  virtual std::shared_ptr<const core::Jwks> keys(std::size_t issuer) const = 0;

  // A token named a kid we do not hold: ask for a refetch. True when granted,
  // false when rate-limited or the issuer has no remote key source.
  virtual bool request_refresh(std::size_t issuer) = 0;

  // Fetch every issuer whose refresh is due or was requested. Blocking.
  virtual void poll() = 0;

  // start(): one synchronous poll() (so keys are there before traffic), then the
  // background thread. stop(): ends and joins it; idempotent.
  virtual void start() = 0;
  virtual void stop() = 0;

  virtual JwksStats stats(std::size_t issuer) const = 0;

  // Counts refreshes (any issuer) whose new key set dropped a key the previous
  // one held (same kid and thumbprint). Token caches clear themselves when it
  // moves, so no token signed by a withdrawn key stays accepted. Any thread.
  virtual std::uint64_t key_removals() const { return 0; }
};

}  // namespace tollgate::gateway
