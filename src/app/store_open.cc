#include "app/store_open.h"

#include <stdexcept>

namespace tollgate::app {

std::shared_ptr<store::Database> open_database(const std::filesystem::path& data_dir) {
  const auto path = data_dir / "tollgate.db";
  auto db = store::Database::open(path);
  if (!db) throw std::runtime_error("cannot open " + path.string() + ": " + db.error().message);
  return *db;
}

std::shared_ptr<store::ClientStore> open_client_store(const std::filesystem::path& data_dir) {
  auto clients = store::SqliteClientStore::open(open_database(data_dir));
  if (!clients) throw std::runtime_error("cannot open the client registry: " + clients.error().message);
  return *clients;
}

}  // namespace tollgate::app
