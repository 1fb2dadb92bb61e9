// grant_stores_test.h — a fresh SQLite database in a temp folder per test (test-only).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>

#include "store/sqlite.h"

namespace tollgate::store::testing {

class TempDatabase : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("tollgate_grants_test_" + std::to_string(rd()) + std::to_string(rd()));
    auto db = Database::open(dir_ / "tollgate.db");
    ASSERT_TRUE(db) << db.error().message;
    db_ = *db;
  }
  void TearDown() override {
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::filesystem::path dir_;
  std::shared_ptr<Database> db_;
};

}  // namespace tollgate::store::testing
