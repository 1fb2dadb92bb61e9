// test_support.h — a fresh SQLite file in a temporary folder for the store tests
// (not part of the library).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "store/sqlite.h"

namespace tollgate::store::testing {

class TempDb {
 public:
  TempDb() {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("tollgate_store_test_" + std::to_string(rd()) + std::to_string(rd()));
    path_ = dir_ / "tollgate.db";
  }
  ~TempDb() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempDb(const TempDb&) = delete;
  TempDb& operator=(const TempDb&) = delete;

  // A new connection to the same file (a second process, or after a restart).
  std::shared_ptr<Database> open() const {
    auto db = Database::open(path_);
    if (!db) throw std::runtime_error(db.error().message);
    return *db;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path dir_;
  std::filesystem::path path_;
};

}  // namespace tollgate::store::testing
