// store_open.h — opening the stores the same way for `run` and for the CLI.
// SQLite (default): <data_dir>/tollgate.db; the CLI may run while `tollgate
// run` holds the same file (WAL mode lets both work). PostgreSQL: the URL
// chosen by use_store_url (config `store.url`, --store-url, TOLLGATE_STORE_URL),
// shared by several authorization servers.
//
// Signing keys stay files (<data_dir>/keys, authz/keys.h), also on PostgreSQL:
// servers that share a database share the keys folder (the same data_dir on a
// shared volume, mode 0700). We chose this over a signing_keys table so that
// private keys never enter the database — its dumps, replicas and the people
// who administer it — and rotation keeps its one tested code path.
//
// Throws std::runtime_error with a clear message (never the URL's password).
// Thread safety: use_store_url is start-up only (before any open_*).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "app/config.h"
#include "store/clients.h"
#include "store/sqlite.h"

namespace tollgate::app {

inline constexpr const char* kStoreUrlHelp =
    "stores on PostgreSQL: postgresql://user@host:port/db (default: SQLite in the data folder; "
    "TOLLGATE_STORE_URL keeps a password off the command line)";

// Sets cfg.store_url (flag > TOLLGATE_STORE_URL > config file) and makes it the
// database every open_* below uses. Throws catalog::ConfigError for a URL that
// is not postgresql://.
void use_store_url(ProcessConfig& cfg, const std::optional<std::string>& flag);

std::shared_ptr<store::Database> open_database(const std::filesystem::path& data_dir);
std::shared_ptr<store::ClientStore> open_client_store(const std::filesystem::path& data_dir);

// Where the stores are, for banners and logs: the SQLite path or the redacted URL.
std::string describe_store(const std::filesystem::path& data_dir);

}  // namespace tollgate::app
