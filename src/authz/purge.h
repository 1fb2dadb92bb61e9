// purge.h — the authorization server's periodic sweeper: deletes the rows that
// no request can need any more, so the grant tables stay bounded by recent
// traffic instead of growing for ever.
//
// What one sweep deletes (each store's purge is one DELETE statement):
//   - authorization codes past expires_at, except redeemed codes whose access
//     token is still unexpired (store/auth_codes.h: a late replay of the code
//     must still be recognised and revoke what was issued from it);
//   - authorize sessions (browser state between the pages) past expires_at;
//   - CIBA requests that expired more than kCibaGrace ago (until then a late
//     poll still gets expired_token rather than invalid_grant);
//   - replay-cache pairs (private_key_jwt, JWT bearer and request-object jti)
//     past keep_until (a replay of an expired JWT is refused by its exp);
//   - revocation entries of access tokens that expired more than
//     kRevocationGrace ago. Client and consent entries are kept for ever. The
//     feed (GET /oauth2/revocations?since=N) is unaffected: it already leaves
//     out token entries past their exp, and seq values come from a high-water
//     mark that deletes never lower (store/revocations.h), so a cursor never
//     misses or repeats an entry.
//   - refresh tokens whose family passed its absolute expiry (until then a
//     family's rows are its reuse detector and list its access tokens).
//
// Each sweep logs one line on the "purge" channel with the rows removed per
// table (and a warning per table whose purge failed; the others still run).
//
// Thread safety: sweep() may be called from any thread; start()/stop() from
// one thread (start-up, shutdown). The destructor stops the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "store/auth_codes.h"
#include "store/authorize_sessions.h"
#include "store/ciba_requests.h"
#include "store/refresh_tokens.h"
#include "store/replay.h"
#include "store/revocations.h"

namespace tollgate::authz {

struct PurgeStores {
  // Each may be null: that table is not swept (e.g. no 3-legged grants).
  std::shared_ptr<store::AuthCodeStore> codes;
  std::shared_ptr<store::AuthorizeSessionStore> sessions;
  std::shared_ptr<store::CibaRequestStore> ciba;
  std::shared_ptr<store::RefreshTokenStore> refresh_tokens;
  std::shared_ptr<store::SqliteReplayCache> replay;
  std::shared_ptr<store::RevocationStore> revocations;
};

struct PurgeCounts {
  std::int64_t codes = 0;
  std::int64_t sessions = 0;
  std::int64_t ciba = 0;
  std::int64_t refresh_tokens = 0;
  std::int64_t replay = 0;
  std::int64_t revocations = 0;
  int failures = 0;  // tables whose purge failed this sweep
  std::int64_t total() const {
    return codes + sessions + ciba + refresh_tokens + replay + revocations;
  }
};

class Sweeper {
 public:
  static constexpr std::chrono::seconds kDefaultInterval{60};
  static constexpr std::chrono::seconds kCibaGrace{600};
  // Longer than any verifier's clock skew: an entry outlives its token everywhere.
  static constexpr std::chrono::seconds kRevocationGrace{360};  // > the feed's 300 s past exp

  Sweeper(PurgeStores stores, const core::Clock& clock,
          std::chrono::milliseconds interval = kDefaultInterval);
  ~Sweeper();
  Sweeper(const Sweeper&) = delete;
  Sweeper& operator=(const Sweeper&) = delete;

  // One sweep at the clock's now: deletes, logs, returns the counts.
  PurgeCounts sweep();
  // Sweep at once (what piled up while stopped), then every `interval`, on a thread of its own.
  void start();
  // Stop and join the thread (idempotent).
  void stop();
  // Sweeps completed by the thread (tests, metrics).
  std::uint64_t sweeps() const;

 private:
  void run();

  const PurgeStores stores_;
  const core::Clock& clock_;
  const std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;     // GUARDED_BY(mutex_)
  std::uint64_t sweeps_ = 0;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace tollgate::authz
