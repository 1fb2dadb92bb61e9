// grant_stores_test.h — a fresh database per test, on the backend the test is
// instantiated for (TEST_P + TOLLGATE_STORE_BACKENDS in store/test_support.h),
// SQLite for a plain TEST_F (test-only).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "store/sqlite.h"
#include "store/test_support.h"

namespace tollgate::store::testing {

class TempDatabase : public ::testing::TestWithParam<Backend> {
 protected:
  // TEST_P + TOLLGATE_STORE_BACKENDS runs on both backends; a plain TEST_F
  // (no parameter) on SQLite.
  Backend backend() const {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return info && info->value_param() ? GetParam() : Backend::kSqlite;
  }
  void SetUp() override {
    tmp_.emplace(backend());
    db_ = tmp_->open();
  }
  void TearDown() override {
    db_.reset();
    tmp_.reset();
  }
  std::optional<TempDb> tmp_;
  std::shared_ptr<Database> db_;
};

}  // namespace tollgate::store::testing
