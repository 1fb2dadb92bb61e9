#include "gateway/admin.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <charconv>
#include <thread>

#include "catalog/yaml_util.h"
#include "core/strf.h"
#include "http/server.h"

namespace tollgate::gateway {
namespace {

namespace asio = boost::asio;
namespace bhttp = http::bhttp;

// Prometheus label value escaping: backslash, double quote, newline.
std::string esc(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// The shortest text that reads back as v ("0.00025", not "%.17g"'s
// "0.00025000000000000001"): histogram `le` labels are matched as written by
// selectors such as {le="0.00025"}.
std::string num(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general);
  return std::string(buf, r.ptr);
}

struct Writer {
  std::string out;
  void help(std::string_view name, std::string_view type, std::string_view text) {
    out += core::strf("# HELP {} {}\n# TYPE {} {}\n", name, text, name, type);
  }
  void line(std::string_view name, std::string_view labels, double v) {
    sample(name, labels, num(v));
  }
  void line(std::string_view name, std::string_view labels, std::uint64_t v) {
    sample(name, labels, std::to_string(v));  // a count as an integer, never "1e+06"
  }
  void sample(std::string_view name, std::string_view labels, std::string_view value) {
    out.append(name);
    if (!labels.empty()) {
      out.push_back('{');
      out.append(labels);
      out.push_back('}');
    }
    out.push_back(' ');
    out.append(value);
    out.push_back('\n');
  }
};

bool revoked_reason(std::string_view r) {
  return r == "token_revoked" || r == "client_revoked" || r == "consent_revoked" ||
         r == "token_inactive";
}

http::Response json_response(unsigned status, const boost::json::object& body) {
  http::Response r{static_cast<bhttp::status>(status), 11};
  r.set(bhttp::field::content_type, "application/json");
  r.set(bhttp::field::cache_control, "no-store");
  r.body() = boost::json::serialize(body);
  r.prepare_payload();
  return r;
}

}  // namespace

std::string render_prometheus(const GatewayStats& s) {
  Writer w;
  w.help("tollgate_gateway_requests_total", "counter",
         "Requests answered by the gateway, by product, HTTP status and reason (ok or the refusal reason).");
  std::uint64_t revoked = 0, limited = 0;
  for (const auto& [k, v] : s.requests.requests) {
    const auto& [product, status, reason] = k;
    w.line("tollgate_gateway_requests_total",
           core::strf("product=\"{}\",status=\"{}\",reason=\"{}\"", esc(product), status, esc(reason)),
           v);
    if (revoked_reason(reason)) revoked += v;
    if (reason == "rate_limited") limited += v;
  }
  w.help("tollgate_gateway_request_duration_seconds", "histogram",
         "Time from a complete request to its answer being queued.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kLatencyBucketsMs.size(); ++i) {
    cumulative += s.requests.latency_buckets[i];
    w.line("tollgate_gateway_request_duration_seconds_bucket",
           core::strf("le=\"{}\"", num(kLatencyBucketsMs[i] / 1000.0)), cumulative);
  }
  cumulative += s.requests.latency_buckets.back();
  w.line("tollgate_gateway_request_duration_seconds_bucket", "le=\"+Inf\"", cumulative);
  w.line("tollgate_gateway_request_duration_seconds_sum", "", s.requests.latency_sum_ms / 1000.0);
  w.line("tollgate_gateway_request_duration_seconds_count", "", s.requests.latency_count);

  w.help("tollgate_gateway_revoked_total", "counter",
         "Requests refused because their token, client or consent is revoked.");
  w.line("tollgate_gateway_revoked_total", "", revoked);
  w.help("tollgate_gateway_rate_limited_total", "counter", "Requests refused with 429.");
  w.line("tollgate_gateway_rate_limited_total", "", limited);

  w.help("tollgate_gateway_jwks_fetches_total", "counter", "JWKS fetches per issuer and outcome.");
  for (const auto& i : s.issuers) {
    w.line("tollgate_gateway_jwks_fetches_total", core::strf("issuer=\"{}\",outcome=\"ok\"", esc(i.issuer)),
           i.jwks.fetch_ok);
    w.line("tollgate_gateway_jwks_fetches_total",
           core::strf("issuer=\"{}\",outcome=\"failed\"", esc(i.issuer)), i.jwks.fetch_failed);
  }
  w.help("tollgate_gateway_jwks_refresh_rate_limited_total", "counter",
         "Unknown-kid refetches refused by the per-issuer rate limit.");
  for (const auto& i : s.issuers)
    w.line("tollgate_gateway_jwks_refresh_rate_limited_total", core::strf("issuer=\"{}\"", esc(i.issuer)),
           i.jwks.refresh_rate_limited);
  w.help("tollgate_gateway_jwks_keys", "gauge", "Keys held per issuer.");
  for (const auto& i : s.issuers)
    w.line("tollgate_gateway_jwks_keys", core::strf("issuer=\"{}\"", esc(i.issuer)),
           static_cast<std::uint64_t>(i.jwks.keys));
  w.help("tollgate_gateway_jwks_last_success_timestamp_seconds", "gauge",
         "Unix time of the last successful JWKS fetch (0: never).");
  for (const auto& i : s.issuers)
    w.line("tollgate_gateway_jwks_last_success_timestamp_seconds", core::strf("issuer=\"{}\"", esc(i.issuer)),
           static_cast<double>(i.jwks.last_success_unix));

  w.help("tollgate_gateway_token_cache_hits_total", "counter", "Verified-token cache hits.");
  w.line("tollgate_gateway_token_cache_hits_total", "", s.token_cache.hits);
  w.help("tollgate_gateway_token_cache_misses_total", "counter", "Verified-token cache misses.");
  w.line("tollgate_gateway_token_cache_misses_total", "", s.token_cache.misses);
  w.help("tollgate_gateway_token_cache_evictions_total", "counter", "Entries dropped to make room.");
  w.line("tollgate_gateway_token_cache_evictions_total", "", s.token_cache.evictions);
  w.help("tollgate_gateway_token_cache_clears_total", "counter",
         "Whole-cache invalidations (key removal, revocation, reload).");
  w.line("tollgate_gateway_token_cache_clears_total", "", s.token_cache.clears);
  w.help("tollgate_gateway_token_cache_entries", "gauge", "Entries held, all threads.");
  w.line("tollgate_gateway_token_cache_entries", "", static_cast<std::uint64_t>(s.token_cache_entries));
  const std::uint64_t lookups = s.token_cache.hits + s.token_cache.misses;
  w.help("tollgate_gateway_token_cache_hit_ratio", "gauge", "hits / (hits + misses) since start.");
  w.line("tollgate_gateway_token_cache_hit_ratio", "",
         lookups == 0 ? 0.0 : static_cast<double>(s.token_cache.hits) / static_cast<double>(lookups));

  w.help("tollgate_gateway_revocation_entries", "gauge", "Revocation set size by kind.");
  w.line("tollgate_gateway_revocation_entries", "kind=\"token\"", static_cast<std::uint64_t>(s.revocations.tokens));
  w.line("tollgate_gateway_revocation_entries", "kind=\"client\"", static_cast<std::uint64_t>(s.revocations.clients));
  w.line("tollgate_gateway_revocation_entries", "kind=\"consent\"", static_cast<std::uint64_t>(s.revocations.consents));
  w.help("tollgate_gateway_revocation_feed_polls_total", "counter", "Revocation feed polls by outcome.");
  w.line("tollgate_gateway_revocation_feed_polls_total", "outcome=\"ok\"", s.revocations.polls_ok);
  w.line("tollgate_gateway_revocation_feed_polls_total", "outcome=\"failed\"", s.revocations.polls_failed);
  w.help("tollgate_gateway_revocation_fresh", "gauge", "1 while the revocation state is within its staleness bound.");
  w.line("tollgate_gateway_revocation_fresh", "", s.revocations_fresh ? 1.0 : 0.0);

  w.help("tollgate_gateway_rate_limit_buckets", "gauge", "Token buckets held.");
  w.line("tollgate_gateway_rate_limit_buckets", "", static_cast<std::uint64_t>(s.rate_limits.buckets));
  w.help("tollgate_gateway_rate_limit_fleet_syncs_total", "counter", "Redis sync rounds by outcome.");
  w.line("tollgate_gateway_rate_limit_fleet_syncs_total", "outcome=\"ok\"", s.rate_limits.fleet_syncs);
  w.line("tollgate_gateway_rate_limit_fleet_syncs_total", "outcome=\"failed\"", s.rate_limits.fleet_failures);

  w.help("tollgate_gateway_connections", "gauge", "Open partner connections.");
  w.line("tollgate_gateway_connections", "", static_cast<std::uint64_t>(s.connections));
  w.help("tollgate_gateway_policy_info", "gauge", "The running policy (value always 1).");
  w.line("tollgate_gateway_policy_info",
         core::strf("version=\"{}\",catalog_hash=\"{}\",policy_hash=\"{}\"", esc(s.policy_version),
                    esc(s.catalog_hash), esc(s.policy_hash)),
         1.0);
  w.help("tollgate_gateway_policy_generation", "gauge", "The running policy snapshot (1 at start, +1 per reload).");
  w.line("tollgate_gateway_policy_generation", "", s.policy_generation);
  return std::move(w.out);
}

bool is_ready(const GatewayStats& s, boost::json::object& checks) {
  bool ready = !s.policy_version.empty();
  checks["policy"] = s.policy_version.empty() ? "missing" : "loaded";
  boost::json::object issuers;
  for (const auto& i : s.issuers) {
    issuers[i.issuer] = i.jwks.have_keys ? "keys" : "no keys yet";
    ready = ready && i.jwks.have_keys;
  }
  checks["issuers"] = std::move(issuers);
  checks["revocation_feed"] = !s.revocations.configured ? "not configured"
                              : s.revocations_fresh     ? "fresh"
                                                        : "stale";
  return ready;
}

struct AdminServer::Impl {
  asio::io_context ioc{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::shared_ptr<http::Server> server;
  std::thread thread;
  StatsFn stats;

  http::Response handle(const http::Request& req) {
    const std::string_view path = req.target().substr(0, req.target().find('?'));
    if (path != "/metrics" && path != "/healthz" && path != "/readyz" && path != "/policy")
      return json_response(404, {{"status", 404}, {"code", "NOT_FOUND"}, {"message", "The specified resource is not found."}});
    if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
      auto r = json_response(405, {{"status", 405}, {"code", "METHOD_NOT_ALLOWED"},
                                   {"message", "The requested method is not allowed/supported on the target resource."}});
      r.set(bhttp::field::allow, "GET, HEAD");
      return r;
    }
    if (path == "/healthz") return json_response(200, {{"status", "ok"}});
    const GatewayStats s = stats();
    if (path == "/metrics") {
      http::Response r{bhttp::status::ok, 11};
      r.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      r.set(bhttp::field::cache_control, "no-store");
      r.body() = render_prometheus(s);
      r.prepare_payload();
      return r;
    }
    if (path == "/readyz") {
      boost::json::object checks;
      const bool ready = is_ready(s, checks);
      return json_response(ready ? 200 : 503, {{"ready", ready}, {"checks", std::move(checks)}});
    }
    return json_response(200, {{"version", s.policy_version},
                               {"catalog_hash", s.catalog_hash},
                               {"policy_hash", s.policy_hash},
                               {"generation", s.policy_generation},
                               {"loaded_at", s.policy_loaded_unix}});
  }
};

AdminServer::AdminServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AdminServer::~AdminServer() { stop(); }

std::unique_ptr<AdminServer> AdminServer::create(const std::string& listen, StatsFn stats) {
  asio::ip::tcp::endpoint ep;
  try {
    ep = http::parse_endpoint(listen);
  } catch (const std::exception& e) {
    throw catalog::ConfigError(core::strf("gateway: admin_listen '{}': {}", listen, e.what()));
  }
  if (!ep.address().is_loopback())
    throw catalog::ConfigError(core::strf(
        "gateway: admin_listen '{}' is not a loopback address; the admin listener is for the "
        "operator's host only",
        listen));
  auto impl = std::make_unique<Impl>();
  impl->stats = std::move(stats);
  Impl* raw = impl.get();
  impl->server = http::Server::create(
      impl->ioc, ep,
      http::make_sync_handler([raw](const http::Request& r, const http::ConnectionInfo&) { return raw->handle(r); }));
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(impl)));
}

std::uint16_t AdminServer::port() const { return impl_->server->local_endpoint().port(); }

void AdminServer::start() {
  if (impl_->thread.joinable()) return;
  impl_->guard.emplace(impl_->ioc.get_executor());
  impl_->server->start();
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

void AdminServer::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->guard.reset();
  impl_->ioc.stop();
  impl_->thread.join();
}

}  // namespace tollgate::gateway
