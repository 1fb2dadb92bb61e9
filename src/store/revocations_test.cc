#include "store/revocations.h"

#include <gtest/gtest.h>

#include "store/test_support.h"

namespace tollgate::store {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

class RevocationStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = tmp_.open();
    store_ = SqliteRevocationStore::open(db_).value();
  }
  testing::TempDb tmp_{GetParam()};
  std::shared_ptr<Database> db_;
  std::shared_ptr<SqliteRevocationStore> store_;
};

// A revoked token is reported revoked, with its client, exp and reason kept.
TEST_P(RevocationStoreTest, RevokedTokenIsRevoked) {
  auto r =
      store_->revoke_token("jti-1", "client-a", kNow + 900, kNow, "revocation_endpoint").value();
  EXPECT_TRUE(r.created);
  EXPECT_EQ(r.entry.seq, 1);
  EXPECT_EQ(r.entry.kind, RevocationKind::kToken);
  EXPECT_EQ(r.entry.client_id, "client-a");
  EXPECT_EQ(r.entry.exp, kNow + 900);
  EXPECT_EQ(r.entry.reason, "revocation_endpoint");
  EXPECT_TRUE(store_->token_revoked("jti-1").value());
  EXPECT_FALSE(store_->token_revoked("jti-2").value());
}

// Revoking twice keeps the first entry and says it was not created again (RFC 7009 idempotence).
TEST_P(RevocationStoreTest, RevokingTwiceIsIdempotent) {
  ASSERT_TRUE(store_->revoke_token("jti-1", "a", kNow + 900, kNow, "first"));
  auto again = store_->revoke_token("jti-1", "a", kNow + 900, kNow + 5, "second").value();
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.entry.seq, 1);
  EXPECT_EQ(again.entry.reason, "first");
  auto c1 = store_->revoke_client("a", kNow, "client_disabled").value();
  auto c2 = store_->revoke_client("a", kNow + 1, "client_disabled").value();
  EXPECT_TRUE(c1.created);
  EXPECT_FALSE(c2.created);
  EXPECT_EQ(c1.entry.seq, c2.entry.seq);
  EXPECT_EQ(store_->last_seq().value(), 2);
}

// since(N) lists later entries in order, leaves out expired tokens, and honours the limit.
TEST_P(RevocationStoreTest, SinceListsInOrder) {
  ASSERT_TRUE(store_->revoke_token("t1", "a", kNow + 900, kNow, "x"));
  ASSERT_TRUE(store_->revoke_client("b", kNow, "x"));
  ASSERT_TRUE(store_->revoke_token("t2", "a", kNow - 1, kNow, "x"));  // already expired
  ASSERT_TRUE(store_->revoke_token("t3", "a", kNow + 900, kNow, "x"));
  auto all = store_->since(0, 100, kNow).value();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].jti, "t1");
  EXPECT_EQ(all[1].kind, RevocationKind::kClient);
  EXPECT_EQ(all[1].client_id, "b");
  EXPECT_EQ(all[2].jti, "t3");
  EXPECT_EQ(all[2].seq, 4);
  auto after = store_->since(2, 100, kNow).value();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].jti, "t3");
  EXPECT_EQ(store_->since(0, 1, kNow).value().size(), 1u);
}

// Pruning deletes only expired token entries, and seq numbers are never reused afterwards.
TEST_P(RevocationStoreTest, PruneKeepsSequenceMonotonic) {
  ASSERT_TRUE(store_->revoke_token("old", "a", kNow + 10, kNow, "x"));
  ASSERT_TRUE(store_->revoke_client("c", kNow, "x"));
  EXPECT_EQ(store_->prune(kNow + 11).value(), 1);
  EXPECT_FALSE(store_->token_revoked("old").value());
  EXPECT_TRUE(store_->client_revoked("c").value());
  auto next = store_->revoke_token("new", "a", kNow + 900, kNow + 11, "x").value();
  EXPECT_EQ(next.entry.seq, 3);
  EXPECT_EQ(store_->last_seq().value(), 3);
}

// Entries survive a restart.
TEST_P(RevocationStoreTest, SurvivesReopen) {
  ASSERT_TRUE(store_->revoke_token("t", "a", kNow + 900, kNow, "x"));
  store_.reset();
  db_.reset();
  auto again = SqliteRevocationStore::open(tmp_.open()).value();
  EXPECT_TRUE(again->token_revoked("t").value());
}

TOLLGATE_STORE_BACKENDS(RevocationStoreTest);

}  // namespace
}  // namespace tollgate::store
