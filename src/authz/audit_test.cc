#include "authz/audit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "authz/test_support.h"

namespace tollgate::authz {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = store::Database::open(tmp_.path() / "tollgate.db").value();
    store_ = store::AuditStore::open(db_).value();
  }
  std::unique_ptr<AuditLog> make(bool group) {
    return std::make_unique<AuditLog>(store_, AuditOptions{group, false}, clock_);
  }
  testing::TempDir tmp_;
  core::ManualClock clock_{1'800'000'000};
  std::shared_ptr<store::Database> db_;
  std::shared_ptr<store::AuditStore> store_;
};

// A scope's `done` runs only after its records are committed, and they are then in the table.
TEST_F(AuditLogTest, ScopeCompletesAfterCommit) {
  auto log = make(true);
  std::promise<bool> p;
  {
    DurabilityScope scope(*log);
    log->record("client_auth", {{"client_id", "a"}});
    log->record("token_issued", {{"jti", "j1"}});
    scope.finish([&](bool ok) {
      // Both records are readable by another connection when we are told.
      auto other = store::AuditStore::open(store::Database::open(tmp_.path() / "tollgate.db").value()).value();
      EXPECT_EQ(other->verify().value().records, 2);
      p.set_value(ok);
    });
  }
  EXPECT_TRUE(p.get_future().get());
}

// A scope with no record completes at once, on the calling thread.
TEST_F(AuditLogTest, EmptyScopeCompletesImmediately) {
  auto log = make(true);
  bool called = false;
  DurabilityScope scope(*log);
  scope.finish([&](bool ok) {
    called = ok;
  });
  EXPECT_TRUE(called);
}

// Group commit: many concurrent requests share transactions (fewer batches than records), chain intact.
TEST_F(AuditLogTest, ConcurrentRequestsShareCommits) {
  auto log = make(true);
  constexpr int kThreads = 8, kEach = 200;
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        std::promise<bool> p;
        DurabilityScope scope(*log);
        log->record("token_issued", {{"i", i}});
        scope.finish([&](bool r) { p.set_value(r); });
        if (p.get_future().get()) ++ok;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  const auto s = log->stats();
  EXPECT_EQ(s.records, static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_LT(s.batches, s.records);
  EXPECT_TRUE(store_->verify().value().ok);
}

// Without group commit every record is its own transaction.
TEST_F(AuditLogTest, PerRecordModeCommitsEachRecord) {
  auto log = make(false);
  for (int i = 0; i < 20; ++i) log->record("e", {{"i", i}});
  log->flush();
  EXPECT_EQ(log->stats().batches, 20u);
  EXPECT_EQ(store_->verify().value().records, 20);
}

// A failed commit is reported to the waiting request (which then must not claim success).
TEST_F(AuditLogTest, FailedCommitIsReported) {
  auto log = make(true);
  ASSERT_TRUE(db_->run([](store::Connection& c) { return c.exec("DROP TABLE audit"); }));
  std::promise<bool> p;
  {
    DurabilityScope scope(*log);
    log->record("client_auth", {{"client_id", "a"}});
    scope.finish([&](bool r) { p.set_value(r); });
  }
  EXPECT_FALSE(p.get_future().get());
  EXPECT_EQ(log->stats().failed, 1u);
  EXPECT_FALSE(log->record_sync("e", {}));
}

// Records queued before stop() are committed; after it, record_sync fails instead of hanging.
TEST_F(AuditLogTest, StopDrainsQueue) {
  auto log = make(true);
  for (int i = 0; i < 50; ++i) log->record("e", {{"i", i}});
  log->stop();
  EXPECT_EQ(store_->verify().value().records, 50);
  EXPECT_FALSE(log->record_sync("late", {}));
}

}  // namespace
}  // namespace tollgate::authz
