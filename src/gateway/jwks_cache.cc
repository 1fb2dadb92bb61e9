#include "gateway/jwks_cache.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "core/status.h"
#include "core/strf.h"
#include "http/log.h"

namespace tollgate::gateway {
namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;

std::string read_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw catalog::ConfigError(core::strf("{}: cannot read '{}'", what, path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<core::Jwk> load_static_keys(const IssuerConfig& c) {
  std::vector<core::Jwk> keys;
  for (const auto& pk : c.pem_keys) {
    const auto what = core::strf("issuer '{}', pem key '{}'", c.issuer, pk.kid);
    auto jwk = core::Jwk::from_pem(read_file(pk.path, what), pk.kid);
    if (!jwk)
      throw catalog::ConfigError(core::strf("{}: '{}' is not a usable public key ({})", what,
                                            pk.path, core::to_string(jwk.error())));
    if (jwk->is_private())
      throw catalog::ConfigError(core::strf(
          "{}: '{}' holds a private key; give the gateway the public key only", what, pk.path));
    if (pk.alg) {
      if (!jwk->fits(*pk.alg))
        throw catalog::ConfigError(core::strf("{}: the key in '{}' cannot verify {}", what, pk.path,
                                              core::alg_name(*pk.alg)));
      jwk->set_alg(pk.alg);
    }
    keys.push_back(std::move(*jwk));
  }
  if (c.jwks_file) {
    const auto what = core::strf("issuer '{}', jwks_file", c.issuer);
    auto jwks = core::Jwks::from_json(read_file(*c.jwks_file, what));
    if (!jwks)
      throw catalog::ConfigError(core::strf("{}: '{}' is not a JWKS ({})", what, *c.jwks_file,
                                            core::to_string(jwks.error())));
    for (const auto& k : jwks->keys()) {
      if (k.is_private())
        throw catalog::ConfigError(
            core::strf("{}: '{}' holds private key material", what, *c.jwks_file));
      keys.push_back(k);
    }
  }
  return keys;
}

struct IssuerState {
  IssuerConfig config;
  std::vector<core::Jwk> static_keys;
  bool remote = false;  // has a jwks_uri or discovery
  std::atomic<std::shared_ptr<const core::Jwks>> snapshot;

  // Hot path (request_refresh): lock-free rate limit.
  std::atomic<std::int64_t> last_demand_us{std::numeric_limits<std::int64_t>::min()};
  std::atomic<bool> demanded{false};

  // Only touched by poll(), which runs on one thread at a time (poll_mutex_).
  std::optional<std::string> resolved_jwks_uri;
  core::TimePoint next_refresh{};

  std::atomic<std::uint64_t> fetch_ok{0}, fetch_failed{0}, refresh_requested{0},
      refresh_rate_limited{0};
  std::atomic<std::int64_t> last_success_unix{0};
};

class JwksCacheImpl final : public JwksCache {
 public:
  JwksCacheImpl(const std::vector<IssuerConfig>& issuers, std::shared_ptr<JwksFetcher> fetcher,
                const core::Clock& clock)
      : fetcher_(std::move(fetcher)), clock_(clock) {
    for (const auto& c : issuers) {
      auto s = std::make_unique<IssuerState>();
      s->config = c;
      s->static_keys = load_static_keys(c);
      s->remote = c.jwks_uri.has_value() || c.discovery;
      s->resolved_jwks_uri = c.jwks_uri;
      s->snapshot.store(std::make_shared<const core::Jwks>(s->static_keys));
      issuers_.push_back(std::move(s));
    }
  }
  ~JwksCacheImpl() override { stop(); }

  std::shared_ptr<const core::Jwks> keys(std::size_t issuer) const override {
    return issuers_.at(issuer)->snapshot.load(std::memory_order_acquire);
  }

  bool request_refresh(std::size_t issuer) override {
    IssuerState& s = *issuers_.at(issuer);
    if (!s.remote) return false;
    const std::int64_t now = clock_.now().time_since_epoch().count();
    const std::int64_t interval = duration_cast<microseconds>(kUnknownKidRefreshInterval).count();
    std::int64_t last = s.last_demand_us.load(std::memory_order_relaxed);
    do {
      if (last != std::numeric_limits<std::int64_t>::min() && now - last < interval) {
        s.refresh_rate_limited.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
    } while (!s.last_demand_us.compare_exchange_weak(last, now, std::memory_order_relaxed));
    s.refresh_requested.fetch_add(1, std::memory_order_relaxed);
    s.demanded.store(true, std::memory_order_release);
    {
      std::lock_guard lock(thread_mutex_);
      wake_ = true;
    }
    cv_.notify_one();
    return true;
  }

  void poll() override {
    std::lock_guard poll_lock(poll_mutex_);
    for (auto& sp : issuers_) {
      IssuerState& s = *sp;
      if (!s.remote) continue;
      const auto now = clock_.now();
      const bool demanded = s.demanded.exchange(false, std::memory_order_acq_rel);
      if (!demanded && now < s.next_refresh) continue;
      refresh(s, now);
    }
  }

  void start() override {
    poll();
    std::lock_guard lock(thread_mutex_);
    if (thread_.joinable() || !has_remote()) return;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
  }

  void stop() override {
    {
      std::lock_guard lock(thread_mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

  std::uint64_t key_removals() const override {
    return key_removals_.load(std::memory_order_acquire);
  }

  JwksStats stats(std::size_t issuer) const override {
    const IssuerState& s = *issuers_.at(issuer);
    JwksStats st;
    st.fetch_ok = s.fetch_ok.load();
    st.fetch_failed = s.fetch_failed.load();
    st.refresh_requested = s.refresh_requested.load();
    st.refresh_rate_limited = s.refresh_rate_limited.load();
    st.last_success_unix = s.last_success_unix.load();
    st.keys = s.snapshot.load()->keys().size();
    st.have_keys = !s.static_keys.empty() || st.fetch_ok > 0;
    return st;
  }

 private:
  bool has_remote() const {
    return std::any_of(issuers_.begin(), issuers_.end(), [](const auto& s) { return s->remote; });
  }

  void run() {
    std::unique_lock lock(thread_mutex_);
    while (!stopping_) {
      cv_.wait_for(lock, kPollInterval, [this] { return stopping_ || wake_; });
      if (stopping_) break;
      wake_ = false;
      lock.unlock();
      poll();
      lock.lock();
    }
  }

  void refresh(IssuerState& s, core::TimePoint now) {
    std::string error;
    if (!s.resolved_jwks_uri) {
      auto uri = fetcher_->discover_jwks_uri(s.config.issuer);
      if (uri)
        s.resolved_jwks_uri = *uri;
      else
        error = "discovery: " + uri.error();
    }
    if (s.resolved_jwks_uri) {
      auto jwks = fetcher_->fetch_jwks(*s.resolved_jwks_uri);
      if (jwks) {
        std::vector<core::Jwk> merged = s.static_keys;
        merged.insert(merged.end(), jwks->keys().begin(), jwks->keys().end());
        const auto count = merged.size();
        auto next = std::make_shared<const core::Jwks>(std::move(merged));
        const bool removed = drops_a_key(*s.snapshot.load(std::memory_order_acquire), *next);
        s.snapshot.store(std::move(next), std::memory_order_release);
        if (removed) {
          key_removals_.fetch_add(1, std::memory_order_release);
          http::log_json("app", {{"msg", "jwks: a key was withdrawn; token caches cleared"},
                                 {"issuer", s.config.issuer}});
        }
        s.fetch_ok.fetch_add(1, std::memory_order_relaxed);
        s.last_success_unix.store(
            std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
        s.next_refresh = now + s.config.jwks_refresh;
        http::log_json("app",
                       {{"msg", "jwks refreshed"},
                        {"issuer", s.config.issuer},
                        {"jwks_uri", *s.resolved_jwks_uri},
                        {"keys", count}},
                       http::LogLevel::kDebug);
        return;
      }
      error = jwks.error();
      // The issuer may have moved its keys: discover again next time.
      if (s.config.discovery) s.resolved_jwks_uri.reset();
    }
    s.fetch_failed.fetch_add(1, std::memory_order_relaxed);
    // Bounded grace: fetched keys do not outlive jwks_max_stale without a successful fetch.
    const std::int64_t last = s.last_success_unix.load();
    const std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (last != 0 && now_s - last > s.config.jwks_max_stale.count() &&
        s.snapshot.load()->keys().size() > s.static_keys.size()) {
      s.snapshot.store(std::make_shared<const core::Jwks>(s.static_keys), std::memory_order_release);
      key_removals_.fetch_add(1, std::memory_order_release);
      http::log_json("app",
                     {{"msg", "jwks: the issuer has been unreachable beyond jwks_max_stale; its fetched keys are dropped"},
                      {"reason", "jwks_stale_beyond_grace"},
                      {"issuer", s.config.issuer}},
                     http::LogLevel::kError);
    }
    s.next_refresh =
        now + std::min<std::chrono::seconds>(s.config.jwks_refresh, kRetryAfterFailure);
    http::log_json("app",
                   {{"msg", "jwks fetch failed; keeping the previous keys"},
                    {"reason", "jwks_fetch_failed"},
                    {"issuer", s.config.issuer},
                    {"error", error},
                    {"keys_kept", s.snapshot.load()->keys().size()}},
                   http::LogLevel::kWarn);
  }

  // True when `before` holds a key (kid + thumbprint) that `after` does not.
  static bool drops_a_key(const core::Jwks& before, const core::Jwks& after) {
    for (const auto& old : before.keys()) {
      bool kept = false;
      for (const auto& k : after.keys())
        if (k.kid() == old.kid() && k.thumbprint() == old.thumbprint()) {
          kept = true;
          break;
        }
      if (!kept) return true;
    }
    return false;
  }

  std::shared_ptr<JwksFetcher> fetcher_;
  const core::Clock& clock_;
  std::atomic<std::uint64_t> key_removals_{0};
  std::vector<std::unique_ptr<IssuerState>> issuers_;

  std::mutex poll_mutex_;  // one poll() at a time
  std::mutex thread_mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by thread_mutex_
  bool wake_ = false;      // guarded by thread_mutex_
  std::thread thread_;
};

}  // namespace

std::shared_ptr<JwksCache> JwksCache::create(const std::vector<IssuerConfig>& issuers,
                                             std::shared_ptr<JwksFetcher> fetcher,
                                             const core::Clock& clock) {
  return std::make_shared<JwksCacheImpl>(issuers, std::move(fetcher), clock);
}

}  // namespace tollgate::gateway
