#include "gateway/gateway.h"

#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "core/json.h"
#include "core/strf.h"
#include "gateway/frontend.h"
#include "gateway/pipeline.h"
#include "gateway/proxy.h"
#include "gateway/tls.h"
#include "gateway/upstream.h"
#include "http/cpus.h"
#include "http/log.h"
#include "http/secret_file.h"

namespace tollgate::gateway {
namespace {

double ms_since(Steady::time_point t) {
  return std::chrono::duration<double, std::milli>(Steady::now() - t).count();
}

FrontendLimits frontend_limits(const GatewayLimits& l) {
  FrontendLimits f;
  f.max_header_bytes = l.max_header_bytes;
  f.max_body_bytes = l.max_body_bytes;
  f.request_timeout = l.request_timeout;
  f.idle_timeout = l.idle_timeout;
  f.max_connections = l.max_connections;
  return f;
}

http::UpstreamLimits upstream_limits(const GatewayLimits& l) {
  http::UpstreamLimits u;
  u.connect_timeout = l.upstream_connect_timeout;
  u.response_timeout = l.upstream_timeout;
  u.max_connections = l.upstream_max_connections;
  return u;
}

std::optional<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string t = ss.str();
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  if (t.empty()) return std::nullopt;
  return t;
}

// "http://host:port/path" -> (origin, path)
std::pair<HostPort, std::string> split_url(const std::string& url) {
  const auto path_at = url.find('/', std::string_view("http://").size());
  auto origin = parse_http_origin(url.substr(0, path_at));
  if (!origin) throw catalog::ConfigError("gateway: bad URL '" + url + "'");
  return {*origin, path_at == std::string::npos ? "/" : url.substr(path_at)};
}

// The reloadable settings of `next` on top of the running configuration: a
// reload never changes listeners, threads, issuers or upstreams.
GatewayConfig reloaded(const GatewayConfig& running, const GatewayConfig& next) {
  GatewayConfig c = running;
  c.products = next.products;
  c.blocked_clients = next.blocked_clients;
  c.rate_limits.enabled = next.rate_limits.enabled;
  c.rate_limits.default_tier = next.rate_limits.default_tier;
  return c;
}

std::vector<std::string> restart_only_changes(const GatewayConfig& a, const GatewayConfig& b) {
  std::vector<std::string> out;
  if (a.listen != b.listen) out.push_back("listen");
  if (a.threads != b.threads) out.push_back("threads");
  if (a.upstreams != b.upstreams) out.push_back("upstreams");
  if (a.issuers.size() != b.issuers.size()) {
    out.push_back("issuers");
  } else {
    for (std::size_t i = 0; i < a.issuers.size(); ++i)
      if (a.issuers[i].issuer != b.issuers[i].issuer ||
          a.issuers[i].jwks_uri != b.issuers[i].jwks_uri) {
        out.push_back("issuers");
        break;
      }
  }
  if (a.admin_listen != b.admin_listen) out.push_back("admin_listen");
  if (a.access_log != b.access_log) out.push_back("access_log");
  if (a.token_cache.enabled != b.token_cache.enabled ||
      a.token_cache.max_entries != b.token_cache.max_entries)
    out.push_back("token_cache");
  if (a.revocations.url != b.revocations.url) out.push_back("revocations");
  if (a.rate_limits.redis != b.rate_limits.redis) out.push_back("rate_limits.redis");
  if (a.tls.has_value() != b.tls.has_value() ||
      (a.tls && (a.tls->cert_file != b.tls->cert_file || a.tls->key_file != b.tls->key_file)))
    out.push_back("tls");
  return out;
}

}  // namespace

struct Gateway::Impl {
  // One per thread: its own io_context, listener, upstream pools, token cache
  // and access-log buffer; nothing here is shared with another thread but the
  // immutable policy snapshot and the thread-safe revocation set and limiter.
  struct Worker final : RequestSink {
    Worker(Impl& impl, std::size_t i) : g(impl), index(i) {}

    Impl& g;
    std::size_t index;
    asio::io_context ioc{1};
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
    std::shared_ptr<Frontend> frontend;
    std::map<std::string, std::shared_ptr<Upstream>, std::less<>> upstreams;
    std::map<std::string, std::string, std::less<>> upstream_hosts;
    std::shared_ptr<Upstream> introspection;  // null when not configured
    std::unique_ptr<TokenCache> cache;        // null when config.token_cache.enabled is false
    std::unique_ptr<AccessLog> log;           // null when config.access_log is false
    std::string scratch;                      // forward bytes, capacity reused
    std::shared_ptr<const Policy> policy;     // this thread's copy of the current snapshot
    std::uint64_t seen_generation = 0;
    std::thread thread;

    PipelineContext context() {
      const std::uint64_t gen = g.generation.load(std::memory_order_acquire);
      if (gen != seen_generation || !policy) {
        policy = g.policy.load(std::memory_order_acquire);
        seen_generation = policy->generation();
      }
      if (cache) cache->sync(g.jwks->key_removals() + g.revocations->epoch() + seen_generation);
      PipelineContext ctx{policy->routes(), policy->verifier(), cache.get()};
      ctx.upstream_hosts = &upstream_hosts;
      ctx.scratch = &scratch;
      ctx.policy = policy.get();
      ctx.revocations = g.revocations.get();
      ctx.limiter = g.limiter.get();
      ctx.can_introspect = introspection != nullptr && !g.admin_token.empty();
      ctx.upstream_key = g.upstream_key;
      return ctx;
    }

    void finish(const std::shared_ptr<ClientConnection>& conn, const http::Response& res) {
      RequestState& st = conn->state();
      st.record.total_ms = ms_since(st.t0);
      g.metrics.record(index, st.record.product, st.record.status, st.record.reason,
                       st.record.total_ms);
      if (log) {
        const bool first = log->buffered() == 0;
        log->append(st.record, std::chrono::system_clock::now());
        // Written once the handlers ready now have run: right away when idle, one
        // write per batch of requests under load.
        if (first) asio::post(ioc, [this] { log->flush(); });
      }
      conn->respond(res);
    }

    void refuse(const std::shared_ptr<ClientConnection>& conn, Refusal refusal,
                std::string_view reason) {
      RequestState& st = conn->state();
      st.record.reason = std::string(reason);
      const http::Response res = refusal_response(refusal, {.correlator = st.correlator,
                                                            .retry_after = kRevocationRetryAfter,
                                                            .version = st.version,
                                                            .keep_alive = st.keep_alive});
      st.record.status = res.result_int();
      finish(conn, res);
    }

    void on_request(const std::shared_ptr<ClientConnection>& conn,
                    http::Request&& request) override {
      RequestState& st = conn->state();
      st.t0 = Steady::now();
      st.introspecting = false;
      Decision d = decide(std::move(request), context());
      st.record = std::move(d.record);
      st.record.upstream_ms.reset();
      st.correlator = std::move(d.correlator);
      if (!d.forwards()) {
        g.metrics.denied(st.record.reason);
        finish(conn, std::get<http::Response>(d.action));
        return;
      }
      auto& fwd = std::get<Forward>(d.action);
      st.t_upstream = Steady::now();
      if (fwd.introspect) {
        // No fresh revocation state: ask the authorization server about this token first.
        st.introspecting = true;
        st.upstream = std::move(fwd.upstream);
        st.head = fwd.head;
        st.wire.swap(fwd.wire);
        std::string body = "token=" + fwd.token;  // a JWT is base64url and '.': form-safe as is
        std::string req = core::strf(
            "POST {} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: "
            "application/x-www-form-urlencoded\r\nAccept: application/json\r\nContent-Length: "
            "{}\r\n\r\n{}",
            g.introspection_path, introspection->host_header(), g.admin_token, body.size(), body);
        introspection->send(req, false, conn);
        return;
      }
      send_upstream(conn, fwd.upstream, fwd.wire, fwd.head);
      scratch.swap(fwd.wire);  // keep the returned buffer's capacity for the next request
    }

    void send_upstream(const std::shared_ptr<ClientConnection>& conn, std::string_view name,
                       std::string& wire, bool head) {
      const auto it = upstreams.find(name);
      if (it == upstreams.end()) {  // validated by Policy::build; never on a sane configuration
        on_upstream(conn, std::unexpected(http::UpstreamError::kConnectFailed));
        return;
      }
      it->second->send(wire, head, conn);
    }

    void on_introspection(const std::shared_ptr<ClientConnection>& conn,
                          std::expected<http::Response, http::UpstreamError>&& result) {
      RequestState& st = conn->state();
      st.introspecting = false;
      if (!result || result->result_int() != 200) {
        http::log_json("app",
                       {{"msg", "introspection failed"},
                        {"reason", "introspection_failed"},
                        {"status", result ? result->result_int() : 0},
                        {"correlator", st.correlator}},
                       http::LogLevel::kWarn);
        g.metrics.denied("introspection_failed");
        refuse(conn, Refusal::kRevocationUnavailable, "introspection_failed");
        return;
      }
      auto doc = core::parse_strict_object(result->body());
      const bool active = doc && doc->if_contains("active") && doc->at("active").is_bool() &&
                          doc->at("active").get_bool();
      if (!active) {
        g.metrics.denied("token_inactive");
        refuse(conn, Refusal::kInvalidToken, "token_inactive");
        return;
      }
      st.t_upstream = Steady::now();
      send_upstream(conn, st.upstream, st.wire, st.head);
    }

    void on_upstream(const std::shared_ptr<ClientConnection>& conn,
                     std::expected<http::Response, http::UpstreamError>&& result) override {
      RequestState& st = conn->state();
      if (st.introspecting) {
        on_introspection(conn, std::move(result));
        return;
      }
      st.record.upstream_ms = ms_since(st.t_upstream);
      if (result) {
        g.metrics.allowed();
        st.record.status = result->result_int();
        finish(conn, *result);
        return;
      }
      const auto error = result.error();
      st.record.reason = std::string(reason_for(error));
      const http::Response res = refusal_response(
          refusal_for(error),
          {.correlator = st.correlator, .version = st.version, .keep_alive = st.keep_alive});
      g.metrics.upstream_error(st.record.reason);
      st.record.status = res.result_int();
      finish(conn, res);
    }
  };

  GatewayConfig config;
  const core::Clock* clock = nullptr;
  std::shared_ptr<JwksCache> jwks;
  std::shared_ptr<Revocations> revocations;
  std::shared_ptr<RateLimiter> limiter;
  std::atomic<std::shared_ptr<const Policy>> policy;
  std::atomic<std::uint64_t> generation{0};
  std::atomic<std::int64_t> policy_loaded_unix{0};
  std::mutex reload_mutex;
  std::string admin_token;   // set before the workers start; read-only afterwards
  std::string upstream_key;  // GatewayConfig::upstream_key_file's key; read-only after create
  std::string introspection_path;
  std::unique_ptr<Metrics> metrics_ptr;
  Metrics& metrics;
  std::unique_ptr<AdminServer> admin;
  std::shared_ptr<AccessLogWriter> log_writer;  // one thread writing every worker's access log
  std::atomic<std::shared_ptr<asio::ssl::context>> tls;  // null: plain HTTP (loopback only)
  std::uint16_t port = 0;
  std::size_t thread_count = 0;
  // Declared after the shared state, so destroyed before it: the workers' handlers point into
  // this Impl.
  std::vector<std::unique_ptr<Worker>> workers;

  std::mutex state_mutex;
  bool started = false;  // guarded by state_mutex
  bool stopped = false;  // guarded by state_mutex

  explicit Impl(std::size_t threads)
      : metrics_ptr(std::make_unique<Metrics>(threads)), metrics(*metrics_ptr) {}

  void install(std::shared_ptr<const Policy> p) {
    const auto gen = p->generation();
    policy.store(std::move(p), std::memory_order_release);
    generation.store(gen, std::memory_order_release);
    policy_loaded_unix.store(clock->unix_seconds());
  }

  GatewayStats stats() const {
    GatewayStats s;
    s.requests = metrics.snapshot();
    for (std::size_t i = 0; i < config.issuers.size(); ++i)
      s.issuers.push_back({config.issuers[i].issuer, jwks->stats(i)});
    s.token_cache_enabled = config.token_cache.enabled;
    for (const auto& w : workers) {
      s.connections += w->frontend->connections();
      if (!w->cache) continue;
      const auto c = w->cache->stats();
      s.token_cache.hits += c.hits;
      s.token_cache.misses += c.misses;
      s.token_cache.evictions += c.evictions;
      s.token_cache.clears += c.clears;
      s.token_cache_entries += w->cache->size();
    }
    s.revocations = revocations->stats();
    s.revocations_fresh = revocations->fresh();
    s.rate_limits = limiter->stats();
    s.threads = thread_count;
    const auto p = policy.load(std::memory_order_acquire);
    s.policy_version = p->version();
    s.catalog_hash = p->catalog_hash();
    s.policy_hash = p->policy_hash();
    s.policy_generation = p->generation();
    s.policy_loaded_unix = policy_loaded_unix.load();
    return s;
  }
};

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Gateway::~Gateway() { stop(); }

std::unique_ptr<Gateway> Gateway::create(GatewayConfig config,
                                         std::shared_ptr<const catalog::Catalog> catalog,
                                         const core::Clock& clock) {
  return create(std::move(config), std::move(catalog), clock, GatewayDeps{});
}

std::unique_ptr<Gateway> Gateway::create(GatewayConfig config,
                                         std::shared_ptr<const catalog::Catalog> catalog,
                                         const core::Clock& clock,
                                         std::shared_ptr<JwksFetcher> fetcher) {
  GatewayDeps deps;
  deps.fetcher = std::move(fetcher);
  return create(std::move(config), std::move(catalog), clock, std::move(deps));
}

std::unique_ptr<Gateway> Gateway::create(GatewayConfig config,
                                         std::shared_ptr<const catalog::Catalog> catalog,
                                         const core::Clock& clock, GatewayDeps deps) {
  for (const auto& i : config.issuers)
    if (i.issuer.empty()) throw catalog::ConfigError("gateway: an issuer has an empty 'issuer'");
  if (!config.tls && !is_loopback_listen(config.listen))
    throw catalog::ConfigError(core::strf(
        "gateway: listen '{}' is not a loopback address: plain HTTP is only allowed on loopback; "
        "give it 'tls' (cert_file and key_file) to serve other addresses",
        config.listen));
  const std::size_t n =
      config.threads > 0 ? static_cast<std::size_t>(config.threads) : http::usable_cpus();
  auto impl = std::make_unique<Impl>(n);
  impl->config = std::move(config);
  impl->clock = &clock;
  if (impl->config.tls) impl->tls.store(make_server_tls(*impl->config.tls));
  if (!impl->config.upstream_key_file.empty()) {
    try {
      impl->upstream_key = http::load_or_create_secret(impl->config.upstream_key_file, false);
    } catch (const std::runtime_error& e) {
      throw catalog::ConfigError(core::strf("gateway.upstream_key_file: {}", e.what()));
    }
  }
  const auto fetch_timeout = impl->config.limits.jwks_fetch_timeout;
  impl->jwks = JwksCache::create(
      impl->config.issuers,
      deps.fetcher ? std::move(deps.fetcher)
                   : JwksFetcher::create(fetch_timeout, impl->config.jwks_ca_file),
      clock);
  impl->install(Policy::build(impl->config, std::move(catalog), impl->jwks, clock, 1));
  impl->revocations =
      Revocations::create(impl->config.revocations, clock,
                          deps.feed ? std::move(deps.feed) : make_http_feed_source(fetch_timeout));
  impl->limiter = RateLimiter::create(clock, impl->config.rate_limits.redis);
  std::optional<std::pair<HostPort, std::string>> introspection;
  if (impl->config.revocations.introspection_url) {
    introspection = split_url(*impl->config.revocations.introspection_url);
    impl->introspection_path = introspection->second;
  }

  auto endpoint = http::parse_endpoint(impl->config.listen);
  const auto flimits = frontend_limits(impl->config.limits);
  const auto ulimits = upstream_limits(impl->config.limits);
  for (std::size_t i = 0; i < n; ++i) {
    auto w = std::make_unique<Impl::Worker>(*impl, i);
    for (const auto& [name, url] : impl->config.upstreams) {
      const auto origin = parse_http_origin(url);  // validated by the config loader
      if (!origin)
        throw catalog::ConfigError(
            core::strf("gateway: upstream '{}': '{}' is not an http://host:port URL", name, url));
      auto up = Upstream::create(w->ioc, *origin, ulimits);
      w->upstream_hosts.emplace(name, up->host_header());
      w->upstreams.emplace(name, std::move(up));
    }
    if (introspection) w->introspection = Upstream::create(w->ioc, introspection->first, ulimits);
    if (impl->config.token_cache.enabled)
      w->cache = std::make_unique<TokenCache>(impl->config.token_cache.max_entries);
    if (impl->config.access_log) {
      if (!impl->log_writer) impl->log_writer = std::make_shared<AccessLogWriter>(STDERR_FILENO);
      w->log = std::make_unique<AccessLog>(impl->log_writer);
    }
    // Every listener binds with SO_REUSEPORT; with port 0 the first one picks the port for all.
    w->frontend = Frontend::create(w->ioc, endpoint, *w, flimits, /*reuse_port=*/true,
                                   impl->config.tls ? &impl->tls : nullptr);
    for (auto& [name, up] : w->upstreams)
      w->frontend->add_sweeper([u = up.get()](Steady::time_point now) { u->sweep(now); });
    if (w->introspection)
      w->frontend->add_sweeper(
          [u = w->introspection.get()](Steady::time_point now) { u->sweep(now); });
    if (i == 0) {
      endpoint.port(w->frontend->local_endpoint().port());
      impl->port = endpoint.port();
      // One thread also prunes idle rate-limit buckets.
      w->frontend->add_sweeper(
          [l = impl->limiter.get(), last = Steady::now()](Steady::time_point now) mutable {
            if (now - last < std::chrono::seconds(10)) return;
            last = now;
            l->prune();
          });
    }
    impl->workers.push_back(std::move(w));
  }
  impl->thread_count = n;

  if (!impl->config.admin_listen.empty()) {
    Impl* raw = impl.get();
    try {
      impl->admin = AdminServer::create(impl->config.admin_listen, [raw] { return raw->stats(); });
    } catch (const std::system_error& e) {
      // The default address may be taken by another gateway on this host; an
      // address given explicitly must work.
      if (impl->config.admin_listen_explicit) throw;
      http::log_json("app",
                     {{"msg", "gateway admin listener not started: its default address is taken"},
                      {"admin_listen", impl->config.admin_listen},
                      {"error", e.what()}},
                     http::LogLevel::kWarn);
    }
  }
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

void Gateway::start() {
  Impl& g = *impl_;
  {
    std::lock_guard lock(g.state_mutex);
    if (g.started || g.stopped) return;
    g.started = true;
  }
  if (g.config.revocations.admin_token_file) {
    if (auto t = read_token_file(*g.config.revocations.admin_token_file))
      g.admin_token = *t;
    else
      http::log_json("app",
                     {{"msg", "gateway: admin token file unreadable; no introspection"},
                      {"file", *g.config.revocations.admin_token_file}},
                     http::LogLevel::kWarn);
  }
  g.jwks->start();
  g.revocations->start();
  g.limiter->start();
  for (auto& w : g.workers) {
    w->guard.emplace(w->ioc.get_executor());
    w->frontend->start();
    w->thread = std::thread([&ioc = w->ioc] { ioc.run(); });
  }
  if (g.admin) g.admin->start();
}

void Gateway::reload(const GatewayConfig& next, std::shared_ptr<const catalog::Catalog> catalog) {
  Impl& g = *impl_;
  std::lock_guard lock(g.reload_mutex);
  const GatewayConfig effective = reloaded(g.config, next);
  const auto current = g.policy.load(std::memory_order_acquire);
  // Both throw catalog::ConfigError: the running snapshot and certificate stay.
  auto built =
      Policy::build(effective, std::move(catalog), g.jwks, *g.clock, current->generation() + 1);
  // The certificate and key files named at start are read again (rotated certificates).
  auto tls = g.config.tls ? make_server_tls(*g.config.tls) : nullptr;
  const auto ignored = restart_only_changes(g.config, next);
  if (!ignored.empty()) {
    boost::json::array names;
    for (const auto& n : ignored) names.emplace_back(n);
    http::log_json("app",
                   {{"msg", "gateway reload: these settings take effect only after a restart"},
                    {"settings", std::move(names)}},
                   http::LogLevel::kWarn);
  }
  const std::string version = built->version();
  g.config.products = effective.products;
  g.config.blocked_clients = effective.blocked_clients;
  g.config.rate_limits = effective.rate_limits;
  g.install(std::move(built));
  if (tls) g.tls.store(std::move(tls), std::memory_order_release);
  http::log_json("app", {{"msg", "gateway policy reloaded"},
                         {"version", version},
                         {"generation", g.generation.load()}});
}

void Gateway::stop() {
  if (!impl_) return;
  Impl& g = *impl_;
  {
    std::lock_guard lock(g.state_mutex);
    if (g.stopped) return;
    g.stopped = true;
  }
  if (g.admin) g.admin->stop();
  // Halt every loop first, then tear down with no thread running: no completion
  // handler runs after its connection has been closed. In-flight requests are
  // dropped; draining them is for a later version.
  for (auto& w : g.workers) {
    w->guard.reset();
    w->ioc.stop();
  }
  for (auto& w : g.workers)
    if (w->thread.joinable()) w->thread.join();
  for (auto& w : g.workers) {
    w->frontend->stop();
    for (auto& [name, up] : w->upstreams) up->close();
    if (w->introspection) w->introspection->close();
    if (w->log) w->log->flush();
  }
  // Destroying the io_contexts destroys the pending handlers, which closes every
  // listening socket, partner connection and upstream connection.
  g.workers.clear();
  g.log_writer.reset();  // writes what is queued, then joins
  g.limiter->stop();
  g.revocations->stop();
  g.jwks->stop();
}

std::uint16_t Gateway::port() const { return impl_->port; }
std::uint16_t Gateway::admin_port() const { return impl_->admin ? impl_->admin->port() : 0; }
std::size_t Gateway::threads() const { return impl_->thread_count; }
const Metrics& Gateway::metrics() const { return impl_->metrics; }
JwksCache& Gateway::jwks() { return *impl_->jwks; }
Revocations& Gateway::revocations() { return *impl_->revocations; }
RateLimiter& Gateway::rate_limiter() { return *impl_->limiter; }
GatewayStats Gateway::stats() const { return impl_->stats(); }
std::string Gateway::policy_version() const { return impl_->policy.load()->version(); }

}  // namespace tollgate::gateway
