// governance_cli.h — the token-governance commands of `tollgate`:
//   client create   --jwks FILE | --jwks-uri URL, --client-id ID --secret-file FILE (imports, benchmarks)
//   client disable ID            disable, revoke what rests on it, audit
//   audit verify                 prove the hash chain; name the first broken record (exit 1)
//   audit export [--since T]     JSON Lines of the records since T (unix seconds or RFC 3339 UTC)
//   key rotate [--in DURATION]   a new signing key (at once, or publish now and sign after DURATION)
//   key list                     the signing keys and their status
// Every command works while `tollgate run` holds the same data folder (SQLite
// WAL; the server re-scans the keys folder every 2 s). Machine output is JSON;
// `--json` is accepted everywhere and forces it where a human text is the default
// (audit verify, key list). Exit codes: 0 ok, 1 failure, 2 usage or refusal.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "app/config.h"
#include "authz/admin.h"

namespace tollgate::app {

class GovernanceCommands {
 public:
  using Resolve = std::function<ProcessConfig()>;
  // Options of `client create` for keys and imports.
  void add_create_options(CLI::App* create);
  // Fill the request from those options; an error message for the user, or nullopt.
  std::optional<std::string> fill(authz::CreateClientRequest& request) const;
  // `client disable` under `client` (using its common options), `audit ...` and `key ...` on `app`.
  void add(CLI::App& app, CLI::App* client, Resolve client_config);
  // The exit code when one of these commands was chosen.
  std::optional<int> run();

 private:
  struct Common {
    std::optional<std::string> config, data_dir, catalog, store_url;
  };
  static void add_common(CLI::App* cmd, Common& o);
  static ProcessConfig resolve(const Common& o);

  // client create
  std::optional<std::string> jwks_file_, jwks_uri_, client_id_, secret_file_;
  // client disable
  CLI::App* disable_ = nullptr;
  std::string disable_id_;
  Resolve client_config_;
  // audit
  CLI::App* audit_verify_ = nullptr;
  CLI::App* audit_export_ = nullptr;
  Common audit_o_;
  std::optional<std::string> since_;
  // key
  CLI::App* key_rotate_ = nullptr;
  CLI::App* key_list_ = nullptr;
  Common key_o_;
  std::optional<std::string> rotate_in_;
  bool json_ = false;
};

}  // namespace tollgate::app
