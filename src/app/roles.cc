#include "app/roles.h"

#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fstream>
#include <functional>
#include <iostream>

#include "app/admin_api_setup.h"
#include "app/server_group.h"
#include "app/store_open.h"
#include "app/three_legged_setup.h"
#include "authz/admin.h"
#include "authz/config.h"
#include "authz/governance.h"
#include "authz/keys.h"
#include "authz/oauth_response.h"
#include "authz/service.h"
#include "core/clock.h"
#include "core/strf.h"
#include "gateway/config.h"
#include "gateway/gateway.h"
#include "http/log.h"
#include "http/secret_file.h"
#include "network/service.h"
#include "store/clients.h"

namespace tollgate::app {
namespace {

constexpr std::string_view kDemoPartner = "demo-partner";
constexpr std::string_view kDemoScopes = "sim-swap:check sim-swap:retrieve-date";

struct DemoClient {
  std::string client_id;
  std::string client_secret;
};

// The demo client is created once, on the first start with an empty data folder,
// and its secret kept in data/demo-client.json (mode 0600) so that the "try it"
// commands keep working across restarts. It is demo data, like the demo subscribers.
std::optional<DemoClient> ensure_demo_client(const std::filesystem::path& data_dir,
                                             store::ClientStore& clients,
                                             const catalog::Catalog& catalog) {
  const auto file = data_dir / "demo-client.json";
  if (std::filesystem::exists(file)) {
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (!ec && v.is_object() && v.as_object().contains("client_id") &&
        v.as_object().contains("client_secret"))
      return DemoClient{std::string(v.at("client_id").as_string()),
                        std::string(v.at("client_secret").as_string())};
    http::log_warn("ignoring unreadable " + file.string());
    return std::nullopt;
  }
  if (!catalog.partner(kDemoPartner))
    return std::nullopt;  // a custom catalog without the demo partner
  authz::CreateClientRequest req;
  req.partner = std::string(kDemoPartner);
  req.scopes = *core::ScopeSet::parse(kDemoScopes);
  auto created = authz::create_client(clients, catalog, req);
  if (!created) {
    http::log_warn("demo client not created: " + created.error());
    return std::nullopt;
  }
  auto json = authz::client_to_json(created->record, created->secret);
  const std::string tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << boost::json::serialize(json) << "\n";
  }
  ::chmod(tmp.c_str(), 0600);
  std::filesystem::rename(tmp, file);
  return DemoClient{created->record.client_id, created->secret};
}

void print_banner(const ProcessConfig& cfg, const authz::AuthzConfig& a, std::uint16_t authz_port,
                  std::uint16_t gw_port, std::uint16_t net_port,
                  const std::optional<DemoClient>& demo) {
  const std::string authz_url = core::strf("http://127.0.0.1:{}", authz_port);
  const std::string gw_url = core::strf("http://127.0.0.1:{}", gw_port);
  std::string out;
  out += core::strf("Tollgate {} is running (data in {}, stores in {})\n", TOLLGATE_VERSION,
                    cfg.data_dir.string(), describe_store(cfg.data_dir));
  out += core::strf("  authorization server  {}   issuer {}\n", authz_url, a.issuer);
  out += core::strf("  gateway               {}\n", gw_url);
  out += core::strf(
      "  network (CAMARA APIs) http://127.0.0.1:{}  (reached through the gateway)\n\n", net_port);
  if (demo) {
    out += core::strf("Demo client (partner {}, scopes {}), also in {}:\n", kDemoPartner,
                      kDemoScopes, (cfg.data_dir / "demo-client.json").string());
    out += core::strf("  client_id     {}\n  client_secret {}\n\n", demo->client_id,
                      demo->client_secret);
    out += "Try:\n";
    out += core::strf(
        "  TOKEN=$(curl -s -u '{}:{}' -d grant_type=client_credentials -d 'scope={}' "
        "{}/oauth2/token"
        " | sed -n 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/p')\n",
        demo->client_id, demo->client_secret, kDemoScopes, authz_url);
    out += core::strf(
        "  curl -s -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' "
        "-d '{\"phoneNumber\":\"+34600000001\",\"maxAge\":240}' {}/sim-swap/v2/check\n",
        gw_url);
    out += core::strf(
        "  curl -s -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' "
        "-d '{\"phoneNumber\":\"+34600000002\"}' {}/sim-swap/v2/retrieve-date\n\n",
        gw_url);
  }
  out += "Press Ctrl-C to stop.\n";
  std::cout << out << std::flush;
}

}  // namespace

int run_roles(const ProcessConfig& cfg, const RunOptions& options) {
  const core::Clock& clock = core::SystemClock::instance();
  // Parse and validate everything before starting anything: a bad file never
  // leaves a half-started process behind.
  auto catalog = load_catalog(cfg);
  auto acfg = with_source(cfg, [&] { return authz::AuthzConfig::from_yaml(cfg.authz); });
  auto gcfg = with_source(cfg, [&] { return gateway::GatewayConfig::from_yaml(cfg.gateway); });
  auto ncfg = with_source(cfg, [&] { return network::NetworkConfig::from_yaml(cfg.network); });

  if (options.gateway) {
    // Embedded defaults: the products' "network" upstream is our network role, and
    // our own authorization server is a trusted issuer. Its keys are fetched over
    // HTTP exactly as a separate gateway fleet would, from the listen address.
    if (!gcfg.upstreams.contains("network")) gcfg.upstreams["network"] = "http://" + ncfg.listen;
    const bool have_ours = std::any_of(gcfg.issuers.begin(), gcfg.issuers.end(),
                                       [&](const auto& i) { return i.issuer == acfg.issuer; });
    if (!have_ours && (options.authz || gcfg.issuers.empty())) {
      gateway::IssuerConfig ours;
      ours.issuer = acfg.issuer;
      ours.jwks_uri = "http://" + acfg.listen + "/jwks.json";
      ours.algorithms = core::AlgSet{acfg.signing_alg};
      gcfg.issuers.push_back(std::move(ours));
    }
    // Embedded: subscriber-data products learn revocations from our authorization
    // server's feed, with its admin token, and may introspect there instead.
    // Embedded with the network role: the gateway proves itself to it with a key
    // (x-tollgate-gateway-key), so no other local process can pose as the gateway
    // and set the identity headers. One key per data folder, made on first start.
    if (options.network) {
      if (gcfg.upstream_key_file.empty() && ncfg.gateway_key_file.empty()) {
        const auto key_file = cfg.data_dir / "gateway-key";
        (void)http::load_or_create_secret(key_file, /*create=*/true);
        gcfg.upstream_key_file = ncfg.gateway_key_file = key_file.string();
      } else if (gcfg.upstream_key_file.empty()) {
        gcfg.upstream_key_file = ncfg.gateway_key_file;
      } else if (ncfg.gateway_key_file.empty()) {
        ncfg.gateway_key_file = gcfg.upstream_key_file;
      }
    }
    if (options.authz && !gcfg.revocations.url) {
      gcfg.revocations.url = "http://" + acfg.listen + "/oauth2/revocations";
      gcfg.revocations.introspection_url = "http://" + acfg.listen + "/oauth2/introspect";
      gcfg.revocations.admin_token_file =
          acfg.admin_token_file ? *acfg.admin_token_file : (cfg.data_dir / "admin-token").string();
    }
  }

  // Catch SIGINT/SIGTERM (stop) and SIGHUP (reload the gateway's policy) before
  // any thread starts, so that no signal can hit a thread with the default
  // (terminating) disposition.
  boost::asio::io_context signals_ctx;
  boost::asio::signal_set signals(signals_ctx, SIGINT, SIGTERM, SIGHUP);
  int received = 0;

  std::unique_ptr<ServerGroup> network_server, authz_server;
  std::unique_ptr<network::NetworkService> network_service;
  std::unique_ptr<authz::AuthzService> authz_service;
  std::shared_ptr<authz::Governance> governance;  // declared after the server: destroyed before it
  std::unique_ptr<authz::Sweeper> sweeper;
  std::unique_ptr<gateway::Gateway> gw;
  std::optional<DemoClient> demo;

  // One subscriber store for the process: the network role serves it and the
  // authorization server's network directory (handset IPs, operator tokens) reads it.
  std::shared_ptr<const network::SubscriberStore> subscribers;
  if (options.network || options.authz) subscribers = network::load_subscribers(ncfg, clock);

  if (options.network) {
    network_service = network::NetworkService::create(ncfg, clock, subscribers);
    network_server = std::make_unique<ServerGroup>(
        "network", ncfg.listen,
        http::make_sync_handler(
            [s = network_service.get()](const http::Request& r, const http::ConnectionInfo& i) {
              return s->handle(r, i);
            }),
        1);
    network_server->start();
  }
  if (options.authz) {
    // Every token request looks its client up: served from memory while the
    // registry version is unchanged (store/clients.h CachedClientStore).
    std::shared_ptr<store::ClientStore> clients =
        std::make_shared<store::CachedClientStore>(open_client_store(cfg.data_dir));
    auto keys = authz::KeyManager::open(cfg.data_dir, acfg.signing_alg, clock,
                                        authz::key_options(acfg, *catalog));
    if (options.print_banner) demo = ensure_demo_client(cfg.data_dir, *clients, *catalog);
    governance = authz::Governance::open(
        {.config = acfg,
         .data_dir = cfg.data_dir,
         .catalog = catalog,
         .clients = clients,
         .db = open_database(cfg.data_dir),  // SQLite in data_dir, or the configured PostgreSQL
         .keys = keys,
         .clock = &clock});
    auto three_legged = make_three_legged(acfg, cfg.data_dir, catalog, clients, keys, clock,
                                          governance, subscribers);
    authz_service =
        authz::AuthzService::create(acfg, catalog, clients, keys, clock, governance, three_legged);
    // /admin/v1/ (authz/admin_api.h): guarded by the admin credential, 404 without one.
    authz_service = authz::with_admin_api(
        std::move(authz_service),
        make_admin_api(acfg, cfg.data_dir, catalog, clients, *governance, clock));
    // Responses wait for their audit records to be durable (group commit): see authz/governance.h.
    // Refusals of the HTTP layer (413, 431, 408, 400) in RFC 6749 §5.2 form, not CAMARA's.
    http::ServerLimits authz_limits;
    authz_limits.render_error = authz::oauth_server_error;
    authz_server = std::make_unique<ServerGroup>(
        "authz", acfg.listen, governance->handler(*authz_service), 0, std::move(authz_limits));
    authz_server->start();
    sweeper =
        start_sweeper(cfg.data_dir, clock);  // expired grant rows and revocations (authz/purge.h)
  }
  if (options.gateway) {
    install_gateway_subject_key(cfg.data_dir,
                                /*create=*/options.authz);  // opens 3-legged tokens' sub_sealed
    gw = gateway::Gateway::create(gcfg, catalog, clock);
    gw->start();
  }

  boost::json::object started{{"msg", "started"}, {"catalog", catalog->content_hash()}};
  if (network_server) started["network"] = network_server->port();
  if (authz_server) started["authz"] = authz_server->port();
  if (gw) started["gateway"] = gw->port();
  http::log_json("app", std::move(started));
  if (options.print_banner && authz_server && gw && network_server)
    print_banner(cfg, acfg, authz_server->port(), gw->port(), network_server->port(), demo);

  // SIGHUP: re-read the config file and the catalog; the gateway swaps in the new
  // policy without dropping connections, or refuses a bad file and keeps the old one.
  auto reload_gateway = [&] {
    if (!gw) return;
    try {
      ProcessConfig next = ProcessConfig::load(cfg.source == ProcessConfig{}.source
                                                   ? std::nullopt
                                                   : std::optional<std::string>(cfg.source));
      next.data_dir = cfg.data_dir;
      if (cfg.catalog_file) next.catalog_file = cfg.catalog_file;
      auto next_catalog = load_catalog(next);
      auto next_gcfg =
          with_source(next, [&] { return gateway::GatewayConfig::from_yaml(next.gateway); });
      gw->reload(next_gcfg, next_catalog);
    } catch (const std::exception& e) {
      http::log_json("app",
                     {{"msg", "reload refused; the running policy stays"}, {"error", e.what()}},
                     http::LogLevel::kError);
    }
  };
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        reload_gateway();
        wait_signal();
        return;
      }
      received = sig;
    });
  };
  wait_signal();
  signals_ctx.run();

  http::log_json("app", {{"msg", "stopping"}, {"signal", received}});
  if (gw) gw->stop();
  if (authz_server) authz_server->stop();
  if (network_server) network_server->stop();
  http::log_json("app", {{"msg", "stopped"}});
  return 0;
}

}  // namespace tollgate::app
