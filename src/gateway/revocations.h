// revocations.h — what has been revoked (access tokens by jti, whole clients,
// subscriber consents), as the gateway learns it for subscriber-data products.
//
// Source: until the control plane pushes it, the authorization server's feed
//   GET <url>?since=N   Authorization: Bearer <admin token>
//   200 {"next": M, "revoked": [{"jti": "...", "exp": 123}, {"client_id": "..."},
//                                {"consent_id": "..."}]}
// polled every `interval` by a background thread (pages of a full feed are read
// back to back). Entries are kept until exp + kKeepPastExp (tokens) or for ever
// (clients, consents). A malformed page is refused whole and counts as a
// failed poll; the cursor only moves past pages that were applied.
//
// Staleness: the set is "fresh" while the last successful poll is younger than
// max_staleness (RevocationFeedConfig). Past it — or before the first success,
// or with no feed configured — check() answers kStale and the product decides
// (ProductPolicy::on_stale_revocations): refuse (503), or ask the
// authorization server about this one token (RFC 7662 introspection).
// Security first: no revocation state is never read as "nothing revoked".
//
// epoch() moves whenever entries are added: token caches clear themselves.
//
// Thread-safety: check(), epoch(), stats() from any thread (one atomic
// snapshot load); poll() from one thread at a time (the background thread or a
// test). Time comes from the injected Clock.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "gateway/config.h"

namespace tollgate::gateway {

// One page of the feed, parsed.
struct FeedPage {
  std::int64_t next = 0;
  struct Token {
    std::string jti;
    std::int64_t exp = 0;
  };
  std::vector<Token> tokens;
  std::vector<std::string> clients;
  std::vector<std::string> consents;
  std::size_t entries() const { return tokens.size() + clients.size() + consents.size(); }
};
// Strict: an object with an integer "next" >= 0 and an array "revoked" whose
// entries each carry exactly one of jti (with an integer exp), client_id or
// consent_id as non-empty strings. The error names what is wrong (for the log).
std::expected<FeedPage, std::string> parse_feed_page(std::string_view body);

// Blocking HTTP GET/POST with a bearer token (the feed, tests): status and body.
struct FeedResponse {
  unsigned status = 0;
  std::string body;
};
class FeedSource {
 public:
  virtual ~FeedSource() = default;
  virtual std::expected<FeedResponse, std::string> get(const std::string& url,
                                                       const std::string& bearer) = 0;
};
std::shared_ptr<FeedSource> make_http_feed_source(std::chrono::milliseconds timeout);

enum class RevocationVerdict {
  kClear,           // fresh state, nothing of this token revoked
  kTokenRevoked,    // its jti
  kClientRevoked,   // its client
  kConsentRevoked,  // the consent it rests on
  kStale,           // no fresh revocation state: the product decides
};
std::string_view to_string(
    RevocationVerdict v);  // "ok", "token_revoked", ..., "revocation_state_stale"

struct RevocationStats {
  std::uint64_t polls_ok = 0;
  std::uint64_t polls_failed = 0;
  std::int64_t cursor = 0;
  std::int64_t last_success_unix = 0;  // 0 = never
  std::size_t tokens = 0, clients = 0, consents = 0;
  bool configured = false;
};

class Revocations {
 public:
  // Largest page the feed returns (authz kFeedPage): a full page means "read on".
  static constexpr std::size_t kMaxPagesPerPoll = 100;
  // A revoked token's entry is kept this long past its exp: the largest
  // clock_skew an issuer accepts (config.cc), as a token passes until exp + skew.
  static constexpr std::chrono::seconds kKeepPastExp{300};

  static std::shared_ptr<Revocations> create(RevocationFeedConfig config, const core::Clock& clock,
                                             std::shared_ptr<FeedSource> source);
  ~Revocations();

  RevocationVerdict check(std::string_view jti, std::string_view client_id,
                          std::string_view consent_id) const;
  bool fresh() const;
  std::uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }
  RevocationStats stats() const;
  const RevocationFeedConfig& config() const { return config_; }

  // One poll: pages until the feed is drained (or kMaxPagesPerPoll). True on success.
  bool poll();
  // start(): one synchronous poll, then a thread polling every interval. stop(): joins.
  void start();
  void stop();

  // Tests and the control plane: apply entries directly (as a successful poll would).
  void apply(const FeedPage& page);

 private:
  // Heterogeneous lookup: the hot path probes with string_views, no copies.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Set {
    std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>> tokens;  // jti -> exp
    std::unordered_set<std::string, Hash, std::equal_to<>> clients;
    std::unordered_set<std::string, Hash, std::equal_to<>> consents;
  };
  Revocations(RevocationFeedConfig config, const core::Clock& clock,
              std::shared_ptr<FeedSource> source);
  std::expected<std::string, std::string> admin_token();
  void run();

  RevocationFeedConfig config_;
  const core::Clock& clock_;
  std::shared_ptr<FeedSource> source_;
  std::atomic<std::shared_ptr<const Set>> set_;
  std::atomic<std::uint64_t> epoch_{0};
  std::atomic<std::int64_t> last_success_us_{0};  // 0 = never
  std::atomic<std::uint64_t> polls_ok_{0}, polls_failed_{0};
  std::atomic<std::int64_t> cursor_{0};

  std::mutex poll_mutex_;  // one poll()/apply() at a time
  std::mutex thread_mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by thread_mutex_
  std::thread thread_;
};

}  // namespace tollgate::gateway
