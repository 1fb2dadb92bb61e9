// The sweeper (purge.h) on a manual clock over real SQLite stores.
#include "authz/purge.h"

#include <gtest/gtest.h>

#include <thread>
#include <tuple>

#include "authz/test_support.h"

namespace tollgate::authz {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

class PurgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = *store::Database::open(tmp_.path() / "tollgate.db");
    stores_.codes = *store::SqliteAuthCodeStore::open(db_);
    stores_.sessions = *store::SqliteAuthorizeSessionStore::open(db_);
    stores_.ciba = *store::SqliteCibaRequestStore::open(db_);
    stores_.refresh_tokens = *store::SqliteRefreshTokenStore::open(db_);
    stores_.replay = *store::SqliteReplayCache::open(db_);
    revocations_ = *store::SqliteRevocationStore::open(db_);
    stores_.revocations = revocations_;
  }
  void code(std::string hash, std::int64_t expires_at) {
    store::AuthCodeRecord c;
    c.code_hash = std::move(hash);
    c.grant.client_id = "tg_a";
    c.created_at = expires_at - 60;
    c.expires_at = expires_at;
    ASSERT_TRUE(stores_.codes->create(c));
  }
  void ciba(std::string hash, std::int64_t expires_at) {
    store::CibaRequestRecord r;
    r.auth_req_hash = std::move(hash);
    r.grant.client_id = "tg_a";
    r.status = store::CibaStatus::kApproved;
    r.created_at = expires_at - 120;
    r.expires_at = expires_at;
    r.interval = 2;
    ASSERT_TRUE(stores_.ciba->create(r));
  }
  std::int64_t rows(std::string_view table) {
    return *db_->run([&](store::Connection& c) -> store::StoreResult<std::int64_t> {
      auto st = c.prepare("SELECT count(*) FROM " + std::string(table));
      if (!st) return std::unexpected(st.error());
      if (auto r = st->step(); !r) return std::unexpected(r.error());
      return st->column_int64(0);
    });
  }

  testing::TempDir tmp_;
  core::ManualClock clock_{kNow};
  std::shared_ptr<store::Database> db_;
  std::shared_ptr<store::SqliteRevocationStore> revocations_;
  PurgeStores stores_;
};

// Each table loses exactly its dead rows; live ones keep working.
TEST_F(PurgeTest, SweepDeletesOnlyWhatNoRequestCanNeed) {
  code("expired", kNow - 1);
  code("live", kNow + 60);
  code("redeemed", kNow - 1);  // redeemed, its access token still valid: kept for reuse detection
  ASSERT_TRUE(stores_.codes->record_issued("redeemed", "at-1", kNow + 900, ""));
  ASSERT_TRUE(stores_.sessions->create({.session_hash = "old", .expires_at = kNow - 1}));
  ASSERT_TRUE(stores_.sessions->create({.session_hash = "new", .expires_at = kNow + 600}));
  ciba("long-gone", kNow - Sweeper::kCibaGrace.count() - 1);
  ciba("just-expired", kNow - 5);  // still answered expired_token for a while
  ciba("pending", kNow + 100);
  // (in this order: use_once's own opportunistic prune must not take "old-jti" first)
  ASSERT_TRUE(*stores_.replay->use_once("tg_a", "live-jti", kNow + 200, kNow));
  ASSERT_TRUE(*stores_.replay->use_once("tg_a", "old-jti", kNow - 1, kNow - 300));
  ASSERT_TRUE(revocations_->revoke_token(
      "gone", "tg_a", kNow - Sweeper::kRevocationGrace.count() - 1, kNow - 1000, "test"));
  ASSERT_TRUE(revocations_->revoke_token("recent", "tg_a", kNow - 1, kNow - 1000, "test"));
  ASSERT_TRUE(revocations_->revoke_token("live", "tg_a", kNow + 900, kNow - 1000, "test"));
  ASSERT_TRUE(revocations_->revoke_client("tg_dead", kNow - 1000, "client_disabled"));
  for (auto [hash, expires_at, access_exp] : {std::tuple{"dead", kNow - 1, kNow - 100},
                                              {"dead-but-its-token-lives", kNow - 1, kNow + 300},
                                              {"live", kNow + 1000, kNow + 900}}) {
    store::RefreshTokenRecord r;
    r.token_hash = hash;
    r.family_id = hash;
    r.grant.client_id = "tg_a";
    r.created_at = kNow - 1000;
    r.expires_at = expires_at;
    r.access_jti = std::string("at-") + hash;
    r.access_exp = access_exp;
    ASSERT_TRUE(stores_.refresh_tokens->create(r));
  }

  Sweeper sweeper(stores_, clock_);
  const PurgeCounts c = sweeper.sweep();
  EXPECT_EQ(c.codes, 1);
  EXPECT_EQ(c.sessions, 1);
  EXPECT_EQ(c.ciba, 1);
  EXPECT_EQ(c.refresh_tokens, 1);
  EXPECT_EQ(c.replay, 1);
  EXPECT_EQ(c.revocations, 1);
  EXPECT_EQ(c.failures, 0);
  EXPECT_EQ(c.total(), 6);
  EXPECT_EQ(stores_.refresh_tokens->family_access_tokens("dead-but-its-token-lives", kNow)->size(),
            1u);

  EXPECT_EQ(rows("auth_codes"), 2);
  EXPECT_EQ(stores_.codes->redeem("live", kNow)->outcome, store::RedeemOutcome::kRedeemed);
  EXPECT_EQ(stores_.codes->redeem("redeemed", kNow)->outcome, store::RedeemOutcome::kExpired);
  EXPECT_TRUE(*stores_.sessions->find("new"));
  EXPECT_EQ(stores_.ciba->poll("just-expired", "tg_a", kNow)->outcome,
            store::PollOutcome::kExpired);
  EXPECT_EQ(stores_.ciba->poll("long-gone", "tg_a", kNow)->outcome, store::PollOutcome::kUnknown);
  EXPECT_FALSE(*stores_.replay->use_once("tg_a", "live-jti", kNow + 200, kNow));
  EXPECT_TRUE(*revocations_->token_revoked("recent"));
  EXPECT_TRUE(*revocations_->client_revoked("tg_dead"));  // client entries are kept for ever

  // A second sweep at the same time finds nothing; later, the rest goes.
  EXPECT_EQ(sweeper.sweep().total(), 0);
  clock_.advance(std::chrono::hours(1));
  const PurgeCounts later = sweeper.sweep();
  EXPECT_EQ(later.codes,
            2);  // "live" (redeemed above, expired now) and "redeemed" (its token expired)
  EXPECT_EQ(later.sessions, 1);
  EXPECT_EQ(later.ciba, 2);
  EXPECT_EQ(later.refresh_tokens, 2);
  EXPECT_EQ(later.replay, 1);
  EXPECT_EQ(later.revocations, 2);
  EXPECT_EQ(rows("revocations"), 1);
}

// Pruning never disturbs the feed: seqs keep their values, last_seq never goes down, a new entry
// gets a higher seq than any pruned one, and a cursor taken before the sweep reads on correctly.
TEST_F(PurgeTest, RevocationFeedPagingSurvivesTheSweep) {
  const std::int64_t old_exp = kNow - Sweeper::kRevocationGrace.count() - 10;
  ASSERT_TRUE(revocations_->revoke_token("a", "tg_a", old_exp, kNow - 900, "t"));     // seq 1
  ASSERT_TRUE(revocations_->revoke_token("b", "tg_a", kNow + 900, kNow - 900, "t"));  // seq 2
  ASSERT_TRUE(revocations_->revoke_token("c", "tg_a", old_exp, kNow - 900, "t"));     // seq 3
  const std::int64_t before = *revocations_->last_seq();
  ASSERT_EQ(before, 3);
  auto page = revocations_->since(0, 100, kNow);
  ASSERT_EQ(page->size(), 1u);  // the feed already hides a and c
  EXPECT_EQ((*page)[0].seq, 2);

  Sweeper sweeper(stores_, clock_);
  EXPECT_EQ(sweeper.sweep().revocations, 2);
  EXPECT_EQ(*revocations_->last_seq(), before);  // c was the last row: the high-water stays
  auto after = revocations_->since(0, 100, kNow);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].seq, 2);
  EXPECT_TRUE(revocations_->since(2, 100, kNow)->empty());
  auto fresh = revocations_->revoke_token("d", "tg_a", kNow + 900, kNow, "t");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->entry.seq, 4);  // never a pruned seq again
  auto next = revocations_->since(3, 100, kNow);
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].jti, "d");
}

// start() sweeps periodically on its own thread; stop() joins it; null stores are skipped.
TEST_F(PurgeTest, PeriodicThreadSweepsUntilStopped) {
  ASSERT_TRUE(stores_.sessions->create({.session_hash = "old", .expires_at = kNow - 1}));
  Sweeper sweeper({.sessions = stores_.sessions}, clock_, std::chrono::milliseconds(10));
  sweeper.start();
  for (int i = 0; i < 500 && sweeper.sweeps() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  sweeper.stop();
  EXPECT_GE(sweeper.sweeps(), 3u);
  EXPECT_EQ(rows("authorize_sessions"), 0);
  const auto done = sweeper.sweeps();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(sweeper.sweeps(), done);
}

}  // namespace
}  // namespace tollgate::authz
