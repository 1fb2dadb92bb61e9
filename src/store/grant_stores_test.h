// grant_stores_test.h — a fresh database per test, on the backend the test is
// instantiated for (TOLLGATE_STORE_BACKENDS in store/test_support.h; test-only).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "store/sqlite.h"
#include "store/test_support.h"

namespace tollgate::store::testing {

class TempDatabase : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    tmp_.emplace(GetParam());
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
