#include "app/store_open.h"

#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include "catalog/yaml_util.h"
#include "store/postgres.h"

namespace tollgate::app {
namespace {

std::mutex url_mutex;
std::optional<std::string> configured_url;  // GUARDED_BY(url_mutex)

std::optional<std::string> current_url() {
  std::lock_guard lock(url_mutex);
  return configured_url;
}

}  // namespace

void use_store_url(ProcessConfig& cfg, const std::optional<std::string>& flag) {
  if (flag) {
    cfg.store_url = *flag;
  } else if (const char* env = std::getenv("TOLLGATE_STORE_URL"); env && *env) {
    cfg.store_url = env;
  }
  if (cfg.store_url && !store::is_postgres_url(*cfg.store_url))
    throw catalog::ConfigError("the store URL must start with postgresql:// or postgres:// (got '" +
                               store::redact_database_url(*cfg.store_url) + "')");
  std::lock_guard lock(url_mutex);
  configured_url = cfg.store_url;
}

std::shared_ptr<store::Database> open_database(const std::filesystem::path& data_dir) {
  if (const auto url = current_url()) {
    auto db = store::Database::open_url(*url);
    if (!db) throw std::runtime_error("cannot open the store database: " + db.error().message);
    return *db;
  }
  const auto path = data_dir / "tollgate.db";
  auto db = store::Database::open(path);
  if (!db) throw std::runtime_error("cannot open " + path.string() + ": " + db.error().message);
  return *db;
}

std::shared_ptr<store::ClientStore> open_client_store(const std::filesystem::path& data_dir) {
  auto clients = store::SqliteClientStore::open(open_database(data_dir));
  if (!clients)
    throw std::runtime_error("cannot open the client registry: " + clients.error().message);
  return *clients;
}

std::string describe_store(const std::filesystem::path& data_dir) {
  if (const auto url = current_url()) return store::redact_database_url(*url);
  return (data_dir / "tollgate.db").string();
}

}  // namespace tollgate::app
