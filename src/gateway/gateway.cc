#include "gateway/gateway.h"

#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/strf.h"
#include "gateway/pipeline.h"
#include "gateway/proxy.h"
#include "gateway/route_matcher.h"
#include "gateway/verifier.h"

namespace tollgate::gateway {
namespace {

namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;

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

http::ServerLimits server_limits(const GatewayLimits& l) {
  http::ServerLimits s;
  s.max_header_bytes = l.max_header_bytes;
  s.max_body_bytes = l.max_body_bytes;
  s.request_timeout = l.request_timeout;
  s.idle_timeout = l.idle_timeout;
  s.max_connections = l.max_connections;
  return s;
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
  struct Worker {
    asio::io_context ioc{1};
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
    std::unique_ptr<Proxy> proxy;
    std::unique_ptr<TokenCache> cache;  // null when config.token_cache.enabled is false
    std::shared_ptr<http::Server> server;
    std::thread thread;
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

  void finish(AccessRecord& record, Steady::time_point t0) {
    record.total_ms = ms_since(t0);
    if (config.access_log) write_access_log(record);
  }

  void handle(Worker& worker, http::Request&& request, http::Respond respond) {
    Proxy& proxy = *worker.proxy;
    const auto t0 = Steady::now();
    Decision d = decide(std::move(request), context(worker.cache.get()));
    if (!d.forwards()) {
      metrics.denied(d.record.reason);
      finish(d.record, t0);
      respond(std::get<http::Response>(std::move(d.action)));
      return;
    }
    auto& fwd = std::get<Forward>(d.action);
    const auto t_up = Steady::now();
    proxy.forward(
        fwd.upstream, std::move(fwd.request),
        [this, record = std::move(d.record), correlator = std::move(d.correlator),
         version = d.version, keep_alive = d.keep_alive, t0, t_up, respond = std::move(respond)](
            std::expected<http::Response, http::UpstreamError> result) mutable {
          record.upstream_ms = ms_since(t_up);
          std::optional<http::Response> answer;
          if (result) {
            try {
              answer =
                  make_downstream_response(std::move(*result), correlator, version, keep_alive);
            } catch (const std::exception&) {
              // Beast refuses to frame some upstream answers (e.g. a 204 with a body):
              // a protocol error, never an exception escaping into the io_context.
            }
          }
          http::Response res;
          if (answer) {
            res = std::move(*answer);
            metrics.allowed();
          } else {
            const auto error = result ? http::UpstreamError::kProtocol : result.error();
            record.reason = std::string(reason_for(error));
            res = refusal_response(
                refusal_for(error),
                {.correlator = correlator, .version = version, .keep_alive = keep_alive});
            metrics.upstream_error(record.reason);
          }
          record.status = res.result_int();
          finish(record, t0);
          respond(std::move(res));
        });
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
  const auto slimits = server_limits(impl->config.limits);
  const auto ulimits = upstream_limits(impl->config.limits);
  Impl* raw = impl.get();
  for (std::size_t i = 0; i < n; ++i) {
    auto w = std::make_unique<Impl::Worker>();
    w->proxy = Proxy::create(w->ioc, raw->config.upstreams, ulimits);
    if (raw->config.token_cache.enabled)
      w->cache = std::make_unique<TokenCache>(raw->config.token_cache.max_entries);
    Impl::Worker* worker = w.get();
    http::Handler handler = [raw, worker](http::Request&& request, const http::ConnectionInfo&,
                                          http::Respond respond) {
      raw->handle(*worker, std::move(request), std::move(respond));
    };
    // Every server binds with SO_REUSEPORT; with port 0 the first one picks the port for all.
    w->server =
        http::Server::create(w->ioc, endpoint, std::move(handler), slimits, /*reuse_port=*/true);
    if (i == 0) {
      endpoint.port(w->server->local_endpoint().port());
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
    w->server->start();
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
  for (auto& w : g.workers) w->proxy->close();
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
