// store_open.h — opening the data folder's stores the same way for `run` and
// for the CLI (which may run while `tollgate run` holds the same SQLite file:
// WAL mode lets both work). Throws std::runtime_error with a clear message.
#pragma once

#include <filesystem>
#include <memory>

#include "store/clients.h"
#include "store/sqlite.h"

namespace tollgate::app {

std::shared_ptr<store::Database> open_database(const std::filesystem::path& data_dir);
std::shared_ptr<store::ClientStore> open_client_store(const std::filesystem::path& data_dir);

}  // namespace tollgate::app
