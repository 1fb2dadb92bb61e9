// admin_cli.h — the operator's commands of `tollgate` beyond client creation
// and key/audit management (governance_cli.h):
//   client show ID                                the client as JSON (never its secret)
//   partner list                                  catalog partners with their clients
//   partner show NAME                             one partner, its clients in full
//   consent list [--subscriber tel:+E164] [--partner P] [--limit N]
//   consent withdraw ID                           withdraw and revoke what rests on it
//                                                 (authz/consent_withdrawal.h)
//   token revoke TOKEN | --jti JTI --exp UNIX [--client-id ID]
//                                                 record an access-token revocation
//   token introspect TOKEN                        verify locally with the authz keys:
//                                                 claims, active, and why not
// Output is JSON (one line); `--json` is accepted everywhere. Every command
// works while `tollgate run` holds the same data folder (SQLite WAL); changes
// are audited in the same hash-chained trail ("by": "cli").
// Exit codes: 0 ok, 1 failure (a store), 2 usage or refusal (unknown id...).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "app/config.h"

namespace tollgate::app {

class AdminCommands {
 public:
  using Resolve = std::function<ProcessConfig()>;
  // Adds the shared options (--config, --data-dir, --catalog...) to a command group and
  // returns how to resolve them once parsed.
  using AddCommon = std::function<Resolve(CLI::App*)>;

  // `client show` under `client` (resolved with `client_config`), and the
  // `partner`, `consent` and `token` groups on `app`.
  void add(CLI::App& app, const AddCommon& add_common, CLI::App* client, Resolve client_config);
  // The exit code when one of these commands was chosen.
  std::optional<int> run();

 private:
  Resolve client_cfg_, partner_cfg_, consent_cfg_, token_cfg_;
  CLI::App *client_show_ = nullptr, *partner_list_ = nullptr, *partner_show_ = nullptr;
  CLI::App *consent_list_ = nullptr, *consent_withdraw_ = nullptr;
  CLI::App *token_revoke_ = nullptr, *token_introspect_ = nullptr;
  std::string id_, subscriber_, partner_, token_, jti_, token_client_;
  std::int64_t exp_ = 0;
  std::size_t limit_ = 1000;
  bool json_ = true;
};

}  // namespace tollgate::app
