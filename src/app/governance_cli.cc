#include "app/governance_cli.h"

#include <sys/stat.h>

#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/store_open.h"
#include "authz/config.h"
#include "authz/keys.h"
#include "catalog/yaml_util.h"
#include "core/clock.h"
#include "core/strf.h"
#include "store/audit.h"
#include "store/refresh_tokens.h"
#include "store/revocations.h"

namespace tollgate::app {

using core::strf;
namespace {

std::optional<std::string> read_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = strf("cannot read '{}'", path);
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() > 256 * 1024) {
    error = strf("'{}' is too large", path);
    return std::nullopt;
  }
  return ss.str();
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// Unix seconds, or RFC 3339 UTC "YYYY-MM-DDTHH:MM:SS[.frac]Z"; milliseconds since the epoch.
std::optional<std::int64_t> parse_since_ms(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() <= 12)
    return std::stoll(s) * 1000;
  std::tm tm{};
  const char* end = ::strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) return std::nullopt;
  std::string rest(end);
  if (!rest.empty() && rest.front() == '.') {
    const auto z = rest.find_first_not_of("0123456789", 1);
    if (z == 1) return std::nullopt;
    rest = z == std::string::npos ? "" : rest.substr(z);
  }
  if (rest != "Z") return std::nullopt;
  return static_cast<std::int64_t>(::timegm(&tm)) * 1000;
}

boost::json::object key_json(const authz::KeyInfo& k) {
  boost::json::object o{{"kid", k.kid},
                        {"alg", core::alg_name(k.alg)},
                        {"status", k.status},
                        {"published", k.published},
                        {"created_at", k.created_at},
                        {"activate_at", k.activate_at}};
  if (k.retire_at) o["retire_at"] = k.retire_at;
  return o;
}

std::shared_ptr<store::AuditStore> open_audit(const std::filesystem::path& data_dir) {
  auto audit = store::AuditStore::open(open_database(data_dir));
  if (!audit) throw std::runtime_error("cannot open the audit trail: " + audit.error().message);
  return *audit;
}

}  // namespace

void GovernanceCommands::add_common(CLI::App* cmd, Common& o) {
  cmd->add_option("-c,--config", o.config, "process configuration file (YAML)");
  cmd->add_option("-d,--data-dir", o.data_dir,
                  "data folder: SQLite database and keys/ (default ./data)");
  cmd->add_option("--catalog", o.catalog,
                  "catalog file (default: the built-in examples/catalog.yaml)");
  cmd->add_option("--store-url", o.store_url, kStoreUrlHelp);
}

ProcessConfig GovernanceCommands::resolve(const Common& o) {
  ProcessConfig cfg = ProcessConfig::load(o.config);
  if (o.data_dir) cfg.data_dir = *o.data_dir;
  if (o.catalog) cfg.catalog_file = *o.catalog;
  use_store_url(cfg, o.store_url);
  return cfg;
}

void GovernanceCommands::add_create_options(CLI::App* create) {
  create->add_option("--jwks", jwks_file_,
                     "private_key_jwt: a file with the client's public keys (JWKS)");
  create->add_option("--jwks-uri", jwks_uri_,
                     "private_key_jwt: where to fetch the client's public keys");
  create->add_option("--client-id", client_id_, "imports and benchmarks only: use this client id");
  create->add_option(
      "--secret-file", secret_file_,
      "imports and benchmarks only: use the secret in this file (never on the command line)");
}

std::optional<std::string> GovernanceCommands::fill(authz::CreateClientRequest& request) const {
  std::string error;
  if (jwks_file_) {
    auto text = read_file(*jwks_file_, error);
    if (!text) return error;
    request.jwks = *text;
  }
  if (jwks_uri_) request.jwks_uri = *jwks_uri_;
  if (client_id_ && !secret_file_ && request.auth_methods.empty())
    return std::string(
        "--client-id imports a client: give its --secret-file too (or --auth private_key_jwt)");
  if (client_id_) request.client_id = *client_id_;
  if (secret_file_) {
    auto text = read_file(*secret_file_, error);
    if (!text) return error;
    request.secret = trim(*text);
    std::cerr << "tollgate: warning: importing a secret chosen outside tollgate (for imports and "
                 "benchmarks)\n";
  }
  return std::nullopt;
}

void GovernanceCommands::add(CLI::App& app, CLI::App* client, Resolve client_config) {
  client_config_ = std::move(client_config);
  disable_ =
      client->add_subcommand("disable", "disable a client and revoke every token that rests on it");
  disable_->add_option("client_id", disable_id_, "the client to disable")->required();
  disable_->add_flag("--json", json_, "print JSON (the default)");
  disable_->fallthrough();

  auto* audit = app.add_subcommand("audit", "the hash-chained audit trail");
  audit->require_subcommand(1);
  add_common(audit, audit_o_);
  audit_verify_ =
      audit->add_subcommand("verify", "prove the chain; name the first broken record (exit 1)");
  audit_verify_->add_flag("--json", json_, "print JSON");
  audit_verify_->fallthrough();
  audit_export_ = audit->add_subcommand("export", "write the records as JSON Lines");
  audit_export_->add_option("--since", since_,
                            "only records at or after this time (unix seconds or RFC 3339 UTC)");
  audit_export_->add_flag("--json", json_, "JSON Lines (the default)");
  audit_export_->fallthrough();

  auto* key = app.add_subcommand("key", "signing keys");
  key->require_subcommand(1);
  add_common(key, key_o_);
  key_rotate_ = key->add_subcommand(
      "rotate", "generate a new signing key (a running server uses it within seconds)");
  key_rotate_->add_option("--in", rotate_in_,
                          "publish now, sign from this long from now (e.g. 1h); default: at once");
  key_rotate_->add_flag("--json", json_, "print JSON (the default)");
  key_rotate_->fallthrough();
  key_list_ = key->add_subcommand("list", "list the signing keys and their status");
  key_list_->add_flag("--json", json_, "print JSON");
  key_list_->fallthrough();
}

std::optional<int> GovernanceCommands::run() {
  const core::Clock& clock = core::SystemClock::instance();
  if (disable_ && *disable_) {
    const ProcessConfig cfg = client_config_();
    auto db = open_database(cfg.data_dir);
    auto clients = store::SqliteClientStore::open(db);
    auto revocations = store::SqliteRevocationStore::open(db);
    auto refresh = store::SqliteRefreshTokenStore::open(db);
    auto audit = store::AuditStore::open(db);
    if (!clients || !revocations || !refresh || !audit) {
      std::cerr << "tollgate: cannot open the stores in " << cfg.data_dir.string() << "\n";
      return 1;
    }
    const authz::AuditSink sink = authz::direct_audit_sink(*audit, clock);
    auto r = authz::disable_client({**clients, **revocations, **refresh}, disable_id_, "cli", sink,
                                   clock);
    if (!r) {
      std::cerr << "tollgate: " << r.error().message << "\n";
      return r.error().code == authz::DisableError::kNotFound ? 2 : 1;
    }
    std::cout << boost::json::serialize(boost::json::object{{"client_id", disable_id_},
                                                            {"disabled", true},
                                                            {"newly_disabled", r->newly_disabled},
                                                            {"revocation_seq", r->revocation_seq}})
              << "\n";
    return 0;
  }
  if (audit_verify_ && *audit_verify_) {
    const ProcessConfig cfg = resolve(audit_o_);
    auto report = open_audit(cfg.data_dir)->verify();
    if (!report) {
      std::cerr << "tollgate: " << report.error().message << "\n";
      return 1;
    }
    if (json_) {
      boost::json::object o{
          {"ok", report->ok}, {"records", report->records}, {"head", report->head_hash}};
      if (!report->ok) {
        o["first_broken"] = report->first_broken;
        o["reason"] = report->reason;
      }
      std::cout << boost::json::serialize(o) << "\n";
    } else if (report->ok) {
      std::cout << strf("audit chain ok: {} records, head {}\n", report->records,
                        report->head_hash);
    } else {
      std::cout << strf("audit chain BROKEN at record {}: {} ({} records verified before it)\n",
                        report->first_broken, report->reason, report->records);
    }
    return report->ok ? 0 : 1;
  }
  if (audit_export_ && *audit_export_) {
    const ProcessConfig cfg = resolve(audit_o_);
    std::int64_t since = std::numeric_limits<std::int64_t>::min();
    if (since_) {
      auto ms = parse_since_ms(*since_);
      if (!ms) {
        std::cerr << "tollgate: --since must be unix seconds or an RFC 3339 UTC time like "
                     "2026-11-28T10:00:00Z\n";
        return 2;
      }
      since = *ms;
    }
    auto r = open_audit(cfg.data_dir)->scan(0, since, [](const store::AuditRecord& rec) {
      std::cout << rec.text << "\n";
      return true;
    });
    std::cout.flush();
    if (!r) {
      std::cerr << "tollgate: " << r.error().message << "\n";
      return 1;
    }
    return 0;
  }
  if ((key_rotate_ && *key_rotate_) || (key_list_ && *key_list_)) {
    const ProcessConfig cfg = resolve(key_o_);
    const auto acfg = with_source(cfg, [&] { return authz::AuthzConfig::from_yaml(cfg.authz); });
    if (acfg.signing_key_file) {
      std::cerr << "tollgate: authz.signing_key_file is set: that file is the one key; rotate it "
                   "where it is managed\n";
      return 2;
    }
    if (*key_list_) {
      auto catalog = load_catalog(cfg);
      const auto keys = authz::KeyManager::scan(cfg.data_dir, acfg.signing_alg, clock,
                                                authz::key_options(acfg, *catalog));
      if (json_) {
        boost::json::array a;
        for (const auto& k : keys) a.push_back(key_json(k));
        std::cout << boost::json::serialize(a) << "\n";
      } else {
        for (const auto& k : keys)
          std::cout << strf("{}  {}  {}  activate_at {}{}\n", k.kid, core::alg_name(k.alg),
                            k.status, k.activate_at,
                            k.retire_at ? strf("  retire_at {}", k.retire_at) : std::string());
      }
      return 0;
    }
    std::int64_t activate_at = clock.unix_seconds();
    if (rotate_in_) {
      YAML::Node n(*rotate_in_);
      try {
        activate_at +=
            catalog::parse_duration(n, std::chrono::seconds{0}, std::chrono::seconds{365 * 86400})
                .count();
      } catch (const catalog::ConfigError&) {
        std::cerr << "tollgate: --in must be a duration like 30s, 15m, 1h or 2d\n";
        return 2;
      }
    }
    const authz::KeyInfo k =
        authz::KeyManager::add_key(cfg.data_dir, acfg.signing_alg, activate_at, clock);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
            .count();
    std::vector<store::AuditInput> rec{
        {ms,
         "key_generated",
         {{"kid", k.kid}, {"alg", core::alg_name(k.alg)}, {"at", activate_at}, {"by", "cli"}}}};
    if (auto a = open_audit(cfg.data_dir)->append(rec); !a) {
      std::cerr << "tollgate: the key was written but its audit record failed: "
                << a.error().message << "\n";
      return 1;
    }
    std::cout << boost::json::serialize(key_json(k)) << "\n";
    return 0;
  }
  return std::nullopt;
}

}  // namespace tollgate::app
