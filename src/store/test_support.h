// test_support.h — a fresh, empty store database for the store tests (not part
// of the library), on either backend: a SQLite file in a temporary folder, or a
// new schema in the private PostgreSQL test cluster (store/pg_test_support.h).
// The store suites are value-parameterized over Backend, so the SAME tests run
// against both: TEST_P + TOLLGATE_STORE_BACKENDS(Suite).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include "store/pg_test_support.h"
#include "store/sqlite.h"

namespace tollgate::store::testing {

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

#define TOLLGATE_STORE_BACKENDS(Suite)                                               \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite,                                          \
                           ::testing::Values(::tollgate::store::Backend::kSqlite,    \
                                             ::tollgate::store::Backend::kPostgres), \
                           ::tollgate::store::testing::backend_name)

class TempDb {
 public:
  explicit TempDb(Backend backend = Backend::kSqlite) : backend_(backend) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("tollgate_store_test_" + std::to_string(rd()) + std::to_string(rd()));
    path_ = dir_ / "tollgate.db";
    if (backend_ == Backend::kPostgres) url_ = PgTestCluster::instance().fresh_schema_url();
  }
  ~TempDb() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempDb(const TempDb&) = delete;
  TempDb& operator=(const TempDb&) = delete;

  // A new connection to the same database (a second process, or after a restart).
  std::shared_ptr<Database> open(OpenOptions options = {}) const {
    auto db = backend_ == Backend::kPostgres ? Database::open_url(url_, options)
                                             : Database::open(path_, options);
    if (!db) throw std::runtime_error(db.error().message);
    return *db;
  }
  Backend backend() const { return backend_; }
  bool postgres() const { return backend_ == Backend::kPostgres; }
  // The SQLite file (meaningless on PostgreSQL); location() suits both.
  const std::filesystem::path& path() const { return path_; }
  std::string location() const { return postgres() ? url_ : path_.string(); }

 private:
  Backend backend_;
  std::filesystem::path dir_;
  std::filesystem::path path_;
  std::string url_;
};

}  // namespace tollgate::store::testing
