// client_keys.h — the public keys a client signs its private_key_jwt assertions
// with: registered inline as a JWKS at onboarding (`--jwks FILE`) or fetched
// from the client's `jwks_uri` (`--jwks-uri URL`).
//
// Contract
// - Inline JWKS: parsed once per (client, JWKS text) and cached; a changed
//   registration is noticed because the cached text no longer matches.
// - jwks_uri: fetched with the injected Fetcher (http::fetch in production),
//   used for `ttl`, then refetched. A fetch failure keeps the last good keys
//   (stale-if-error) and is reported only when there are none. `refresh = true`
//   (an assertion names a kid we do not hold: the client rotated) refetches at
//   most once per kMinRefetchInterval per client, so a flood of made-up kids
//   cannot turn us into a request amplifier against the client's server.
// - The fetch runs on the calling thread (a request thread) with a 2 s timeout;
//   no lock is held while fetching.
// - Thread safety: all members may be called from any thread.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/jwk.h"
#include "store/clients.h"

namespace tollgate::authz {

class ClientKeys {
 public:
  // Returns the response body of a GET of `url`, or a one-line reason.
  using Fetcher = std::function<std::expected<std::string, std::string>(const std::string& url)>;

  static constexpr std::chrono::seconds kMinRefetchInterval{30};
  static constexpr std::chrono::milliseconds kFetchTimeout{2000};
  static constexpr std::size_t kMaxJwksBytes = 64 * 1024;
  static constexpr std::size_t kMaxCachedClients = 10'000;  // beyond: the cache starts over

  ClientKeys(std::chrono::seconds ttl, const core::Clock& clock, Fetcher fetcher = {});

  // The client's keys, or why there are none usable.
  std::expected<std::shared_ptr<const core::Jwks>, std::string> keys(const store::ClientRecord& client,
                                                                     bool refresh = false);

 private:
  struct Entry {
    std::string source;  // the inline JWKS text, or the jwks_uri
    std::shared_ptr<const core::Jwks> jwks;
    std::int64_t fetched_at = 0;
    std::int64_t last_attempt = 0;
  };
  std::expected<std::shared_ptr<const core::Jwks>, std::string> from_uri(const store::ClientRecord& client,
                                                                         bool refresh);

  const std::chrono::seconds ttl_;
  const core::Clock& clock_;
  Fetcher fetcher_;
  std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> cache_;  // GUARDED_BY(mutex_)
};

// The default Fetcher: http::fetch with kFetchTimeout and kMaxJwksBytes; only status 200 counts.
ClientKeys::Fetcher http_fetcher();

}  // namespace tollgate::authz
