#include "app/cli.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/admin_cli.h"
#include "app/config.h"
#include "app/governance_cli.h"
#include "app/roles.h"
#include "app/store_open.h"
#include "authz/admin.h"
#include "catalog/yaml_util.h"
#include "core/scope.h"

namespace tollgate::app {
namespace {

struct CommonOptions {
  std::optional<std::string> config;
  std::optional<std::string> data_dir;
  std::optional<std::string> catalog;
  std::optional<std::string> store_url;
};

void add_common(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("-c,--config", o.config, "process configuration file (YAML)");
  cmd->add_option("-d,--data-dir", o.data_dir, "data folder: SQLite database and keys/ (default ./data)");
  cmd->add_option("--catalog", o.catalog, "catalog file (default: the built-in examples/catalog.yaml)");
  cmd->add_option("--store-url", o.store_url, kStoreUrlHelp);
}

ProcessConfig resolve(const CommonOptions& o) {
  ProcessConfig cfg = ProcessConfig::load(o.config);
  if (o.data_dir) cfg.data_dir = *o.data_dir;
  if (o.catalog) cfg.catalog_file = *o.catalog;
  use_store_url(cfg, o.store_url);
  return cfg;
}

int client_create(const ProcessConfig& cfg, const std::string& partner, const std::string& scope,
                  const std::vector<std::string>& auth, const std::vector<std::string>& grants,
                  const std::vector<std::string>& redirect_uris, const GovernanceCommands& gov) {
  auto catalog = load_catalog(cfg);
  auto store = open_client_store(cfg.data_dir);
  authz::CreateClientRequest req;
  req.partner = partner;
  auto scopes = core::ScopeSet::parse(scope);
  if (!scopes || scopes->empty()) {
    std::cerr << "tollgate: --scope must be a space-separated list of scopes\n";
    return 2;
  }
  req.scopes = *scopes;
  if (!auth.empty()) req.auth_methods = auth;
  if (!grants.empty()) req.grant_types = grants;
  req.redirect_uris = redirect_uris;
  if (auto e = gov.fill(req)) {
    std::cerr << "tollgate: " << *e << "\n";
    return 2;
  }
  auto created = authz::create_client(*store, *catalog, req);
  if (!created) {
    std::cerr << "tollgate: " << created.error() << "\n";
    return 2;
  }
  std::cout << boost::json::serialize(authz::client_to_json(
                   created->record, created->secret.empty() ? std::nullopt : std::optional(created->secret)))
            << "\n";
  return 0;
}

int client_list(const ProcessConfig& cfg) {
  auto store = open_client_store(cfg.data_dir);
  auto clients = store->list();
  if (!clients) {
    std::cerr << "tollgate: " << clients.error().message << "\n";
    return 1;
  }
  boost::json::array out;
  for (const auto& c : *clients) out.push_back(authz::client_to_json(c, std::nullopt));
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Tollgate: OAuth 2.0 authorization server and JWT gateway for CAMARA network APIs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("tollgate ") + TOLLGATE_VERSION);

  CommonOptions run_o, authz_o, gw_o, net_o, client_o;
  auto* run = app.add_subcommand("run", "start authz, gateway and network in one process (demo defaults)");
  add_common(run, run_o);
  auto* authz_cmd = app.add_subcommand("authz", "start the authorization server only");
  add_common(authz_cmd, authz_o);
  auto* gw_cmd = app.add_subcommand("gateway", "start the API gateway only");
  add_common(gw_cmd, gw_o);
  auto* net_cmd = app.add_subcommand("network", "start the simulated operator network only");
  add_common(net_cmd, net_o);

  auto* client = app.add_subcommand("client", "manage OAuth clients");
  client->require_subcommand(1);
  add_common(client, client_o);
  std::string partner, scope;
  std::vector<std::string> auth, grants, redirect_uris;
  bool json_flag = true;
  auto* create = client->add_subcommand("create", "register a client; prints it with its one-time secret as JSON");
  create->add_option("--partner", partner, "partner name (from the catalog)")->required();
  create->add_option("--scope", scope, "allowed scopes, space-separated")->required();
  create->add_option("--auth", auth,
                     "client authentication method (repeatable): client_secret_basic, client_secret_post, "
                     "private_key_jwt (default: both secret methods, or private_key_jwt with --jwks/--jwks-uri)");
  GovernanceCommands gov;
  gov.add_create_options(create);
  create->add_option("--grant", grants, "grant type (repeatable; default client_credentials)");
  create->add_option("--redirect-uri", redirect_uris, "redirect URI for the authorization code flow (repeatable)");
  create->add_flag("--json", json_flag, "print JSON (the default)");
  create->fallthrough();  // --data-dir/--config/--catalog may follow the leaf command
  auto* list = client->add_subcommand("list", "list clients as JSON (never secrets)");
  list->fallthrough();
  list->add_flag("--json", json_flag, "print JSON (the default)");
  gov.add(app, client, [&] { return resolve(client_o); });  // client disable, audit, key
  AdminCommands admin;  // client show, partner, consent, token (app/admin_cli.h)
  admin.add(
      app,
      [&](CLI::App* cmd) -> AdminCommands::Resolve {
        auto o = std::make_shared<CommonOptions>();
        add_common(cmd, *o);
        return [o] { return resolve(*o); };
      },
      client, [&] { return resolve(client_o); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, version or the usage error
    return code == 0 ? 0 : 2;
  }

  try {
    if (*run) return run_roles(resolve(run_o), RunOptions{});
    if (*authz_cmd) return run_roles(resolve(authz_o), RunOptions{true, false, false, false});
    if (*gw_cmd) return run_roles(resolve(gw_o), RunOptions{false, true, false, false});
    if (*net_cmd) return run_roles(resolve(net_o), RunOptions{false, false, true, false});
    if (auto code = gov.run()) return *code;
    if (auto code = admin.run()) return *code;
    if (*client) {
      const auto cfg = resolve(client_o);
      if (*create) return client_create(cfg, partner, scope, auth, grants, redirect_uris, gov);
      if (*list) return client_list(cfg);
    }
  } catch (const catalog::ConfigError& e) {
    std::cerr << "tollgate: configuration error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "tollgate: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace tollgate::app
