#include "gateway/gateway.h"

#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/strf.h"
#include "gateway/frontend.h"
#include "gateway/pipeline.h"
#include "gateway/proxy.h"
#include "gateway/upstream.h"
#include "gateway/route_matcher.h"
#include "gateway/verifier.h"

namespace tollgate::gateway {
namespace {


double ms_since(Steady::time_point t) {
  return std::chrono::duration<double, std::milli>(Steady::now() - t).count();
}

void validate(const GatewayConfig& config, const catalog::Catalog& catalog) {
  for (const auto& i : config.issuers)
    if (i.issuer.empty()) throw catalog::ConfigError("gateway: an issuer has an empty 'issuer'");
  for (const auto& [name, policy] : config.products)
    if (!catalog.product(name))
      throw catalog::ConfigError(core::strf(
          "gateway: 'products' sets a policy for '{}', which the catalog does not define", name));
  for (const auto& [name, product] : catalog.products()) {
    if (product.routes.empty()) continue;
    if (!config.upstreams.contains(product.upstream))
      throw catalog::ConfigError(
          core::strf("gateway: product '{}' forwards to upstream '{}', which the gateway's "
                     "'upstreams' does not define",
                     name, product.upstream));
  }
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

}  // namespace

struct Gateway::Impl {
  // One per thread: its own io_context, listener, upstream pools, token cache
  // and access-log buffer; nothing here is shared with another thread.
  struct Worker final : RequestSink {
    explicit Worker(Impl& impl) : g(impl), flush_timer(ioc) {}

    Impl& g;
    asio::io_context ioc{1};
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
    std::shared_ptr<Frontend> frontend;
    std::map<std::string, std::shared_ptr<Upstream>, std::less<>> upstreams;
    std::map<std::string, std::string, std::less<>> upstream_hosts;
    std::unique_ptr<TokenCache> cache;  // null when config.token_cache.enabled is false
    std::unique_ptr<AccessLog> log;     // null when config.access_log is false
    asio::steady_timer flush_timer;
    std::string scratch;  // forward bytes, capacity reused
    std::thread thread;

    void finish(RequestState& st) {
      st.record.total_ms = ms_since(st.t0);
      if (log) log->append(st.record, std::chrono::system_clock::now());
    }

    void on_request(const std::shared_ptr<ClientConnection>& conn,
                    http::Request&& request) override {
      RequestState& st = conn->state();
      st.t0 = Steady::now();
      st.record.upstream_ms.reset();
      PipelineContext ctx = g.context(cache.get());
      ctx.upstream_hosts = &upstream_hosts;
      ctx.scratch = &scratch;
      Decision d = decide(std::move(request), ctx);
      st.record = std::move(d.record);
      st.correlator = std::move(d.correlator);
      if (!d.forwards()) {
        g.metrics.denied(st.record.reason);
        finish(st);
        conn->respond(std::get<http::Response>(d.action));
        return;
      }
      auto& fwd = std::get<Forward>(d.action);
      const auto it = upstreams.find(fwd.upstream);
      st.t_upstream = Steady::now();
      if (it == upstreams.end()) {  // validated at create(); never on a sane configuration
        on_upstream(conn, std::unexpected(http::UpstreamError::kConnectFailed));
        return;
      }
      it->second->send(fwd.wire, fwd.head, conn);
      scratch.swap(fwd.wire);  // keep the returned buffer's capacity for the next request
    }

    void on_upstream(const std::shared_ptr<ClientConnection>& conn,
                     std::expected<http::Response, http::UpstreamError>&& result) override {
      RequestState& st = conn->state();
      st.record.upstream_ms = ms_since(st.t_upstream);
      if (result) {
        g.metrics.allowed();
        st.record.status = result->result_int();
        finish(st);
        conn->respond(*result);
        return;
      }
      const auto error = result.error();
      st.record.reason = std::string(reason_for(error));
      const http::Response res = refusal_response(
          refusal_for(error),
          {.correlator = st.correlator, .version = st.version, .keep_alive = st.keep_alive});
      g.metrics.upstream_error(st.record.reason);
      st.record.status = res.result_int();
      finish(st);
      conn->respond(res);
    }

    void arm_flush() {
      flush_timer.expires_after(kAccessLogFlushInterval);
      flush_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        if (log) log->flush();
        arm_flush();
      });
    }
  };

  GatewayConfig config;
  std::shared_ptr<const catalog::Catalog> catalog;
  std::shared_ptr<JwksCache> jwks;
  std::shared_ptr<const RouteMatcher> routes;
  std::shared_ptr<const Verifier> verifier;
  Metrics metrics;
  std::uint16_t port = 0;
  std::size_t thread_count = 0;
  // Declared after the snapshots, so destroyed before them: the workers' handlers point into this
  // Impl.
  std::vector<std::unique_ptr<Worker>> workers;

  std::mutex state_mutex;
  bool started = false;  // guarded by state_mutex
  bool stopped = false;  // guarded by state_mutex

  PipelineContext context(TokenCache* cache) const {
    if (cache) cache->sync(jwks->key_removals());
    return {*routes, *verifier, cache};
  }
};

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Gateway::~Gateway() { stop(); }

std::unique_ptr<Gateway> Gateway::create(GatewayConfig config,
                                         std::shared_ptr<const catalog::Catalog> catalog,
                                         const core::Clock& clock) {
  const auto timeout = config.limits.jwks_fetch_timeout;
  return create(std::move(config), std::move(catalog), clock, JwksFetcher::create(timeout));
}

std::unique_ptr<Gateway> Gateway::create(GatewayConfig config,
                                         std::shared_ptr<const catalog::Catalog> catalog,
                                         const core::Clock& clock,
                                         std::shared_ptr<JwksFetcher> fetcher) {
  validate(config, *catalog);
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  impl->catalog = catalog;
  impl->jwks = JwksCache::create(impl->config.issuers, std::move(fetcher), clock);
  impl->routes = RouteMatcher::create(catalog);
  impl->verifier =
      Verifier::create(impl->config.issuers, catalog, impl->jwks, clock, impl->config.products);

  std::size_t n = impl->config.threads > 0 ? static_cast<std::size_t>(impl->config.threads)
                                           : std::max(1u, std::thread::hardware_concurrency());
  auto endpoint = http::parse_endpoint(impl->config.listen);
  const auto flimits = frontend_limits(impl->config.limits);
  const auto ulimits = upstream_limits(impl->config.limits);
  for (std::size_t i = 0; i < n; ++i) {
    auto w = std::make_unique<Impl::Worker>(*impl);
    for (const auto& [name, url] : impl->config.upstreams) {
      const auto origin = parse_http_origin(url);  // validated by the config loader
      if (!origin)
        throw catalog::ConfigError(
            core::strf("gateway: upstream '{}': '{}' is not an http://host:port URL", name, url));
      auto up = Upstream::create(w->ioc, *origin, ulimits);
      w->upstream_hosts.emplace(name, up->host_header());
      w->upstreams.emplace(name, std::move(up));
    }
    if (impl->config.token_cache.enabled)
      w->cache = std::make_unique<TokenCache>(impl->config.token_cache.max_entries);
    if (impl->config.access_log) w->log = std::make_unique<AccessLog>(STDERR_FILENO);
    // Every listener binds with SO_REUSEPORT; with port 0 the first one picks the port for all.
    w->frontend = Frontend::create(w->ioc, endpoint, *w, flimits, /*reuse_port=*/true);
    for (auto& [name, up] : w->upstreams)
      w->frontend->add_sweeper([u = up.get()](Steady::time_point now) { u->sweep(now); });
    if (i == 0) {
      endpoint.port(w->frontend->local_endpoint().port());
      impl->port = endpoint.port();
    }
    impl->workers.push_back(std::move(w));
  }
  impl->thread_count = n;
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

void Gateway::start() {
  Impl& g = *impl_;
  {
    std::lock_guard lock(g.state_mutex);
    if (g.started || g.stopped) return;
    g.started = true;
  }
  g.jwks->start();
  for (auto& w : g.workers) {
    w->guard.emplace(w->ioc.get_executor());
    w->frontend->start();
    if (w->log) w->arm_flush();
    w->thread = std::thread([&ioc = w->ioc] { ioc.run(); });
  }
}

void Gateway::stop() {
  if (!impl_) return;
  Impl& g = *impl_;
  {
    std::lock_guard lock(g.state_mutex);
    if (g.stopped) return;
    g.stopped = true;
  }
  // Halt every loop first, then tear down with no thread running: no completion
  // handler runs after its connection has been closed. (Closing sessions with
  // Server::stop() while the loops still run lets a queued write completion
  // touch a response the close already freed.) In-flight requests are dropped;
  // draining them is for the production gateway.
  for (auto& w : g.workers) {
    w->guard.reset();
    w->ioc.stop();
  }
  for (auto& w : g.workers)
    if (w->thread.joinable()) w->thread.join();
  for (auto& w : g.workers) {
    w->frontend->stop();
    for (auto& [name, up] : w->upstreams) up->close();
    if (w->log) w->log->flush();
  }
  // Destroying the io_contexts destroys the pending handlers, which closes every
  // listening socket, partner connection and upstream connection.
  g.workers.clear();
  g.jwks->stop();
}

std::uint16_t Gateway::port() const { return impl_->port; }
std::size_t Gateway::threads() const { return impl_->thread_count; }
const Metrics& Gateway::metrics() const { return impl_->metrics; }
JwksCache& Gateway::jwks() { return *impl_->jwks; }

}  // namespace tollgate::gateway
