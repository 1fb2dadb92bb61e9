#include "store/refresh_tokens.h"

#include "store/grant_stores_test.h"

namespace tollgate::store {
namespace {

class RefreshTokenStoreTest : public testing::TempDatabase {
 protected:
  void SetUp() override {
    TempDatabase::SetUp();
    auto s = SqliteRefreshTokenStore::open(db_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = *s;
  }
  RefreshTokenRecord token(std::string hash, std::string family = "fam") {
    RefreshTokenRecord r;
    r.token_hash = std::move(hash);
    r.family_id = std::move(family);
    r.grant_type = "authorization_code";
    r.grant = {.client_id = "tg_a",
               .partner = "acme",
               .scope = "dpv:X sim-swap:check offline_access",
               .purpose = "dpv:X",
               .subscriber = "+34600000001",
               .amr = {"otp"}};
    r.created_at = 1000;
    r.expires_at = 2000;
    return r;
  }
  std::shared_ptr<SqliteRefreshTokenStore> store_;
};

// Rotation: the first use succeeds; using the same token again revokes its whole family, successor
// included.
TEST_P(RefreshTokenStoreTest, ReuseRevokesTheFamily) {
  ASSERT_TRUE(store_->create(token("r1")));
  auto first = store_->use("r1", 1100);
  ASSERT_EQ(first->outcome, RefreshOutcome::kActive);
  EXPECT_EQ(first->record->grant.amr, std::vector<std::string>{"otp"});
  ASSERT_TRUE(store_->create(token("r2")));
  EXPECT_EQ(store_->use("r1", 1200)->outcome, RefreshOutcome::kReused);
  EXPECT_EQ(store_->use("r2", 1200)->outcome, RefreshOutcome::kRevoked);
}

// Other families are untouched by a family's revocation; expiry is at expires_at; unknown hashes
// are unknown.
TEST_P(RefreshTokenStoreTest, ExpiryAndFamilyIsolation) {
  ASSERT_TRUE(store_->create(token("a", "fam-a")));
  ASSERT_TRUE(store_->create(token("b", "fam-b")));
  ASSERT_TRUE(store_->revoke_family("fam-a"));
  EXPECT_EQ(store_->use("a", 1100)->outcome, RefreshOutcome::kRevoked);
  EXPECT_EQ(store_->use("b", 2000)->outcome, RefreshOutcome::kExpired);
  EXPECT_EQ(store_->use("zzz", 1100)->outcome, RefreshOutcome::kUnknown);
  EXPECT_TRUE(*store_->find("b"));
}

// find reports rotation and revocation; revoking a client revokes all of its tokens and no other
// client's.
TEST_P(RefreshTokenStoreTest, FindShowsStateAndClientRevocation) {
  ASSERT_TRUE(store_->create(token("a", "fam-a")));
  auto other = token("o", "fam-o");
  other.grant.client_id = "tg_b";
  ASSERT_TRUE(store_->create(other));
  EXPECT_FALSE((*store_->find("a"))->used_at);
  ASSERT_EQ(store_->use("a", 1100)->outcome, RefreshOutcome::kActive);
  EXPECT_EQ((*store_->find("a"))->used_at, 1100);
  ASSERT_TRUE(store_->revoke_client("tg_a"));
  EXPECT_TRUE((*store_->find("a"))->revoked);
  EXPECT_FALSE((*store_->find("o"))->revoked);
}

// Each row keeps the access token issued with it; the family lists its unexpired ones (oldest
// first), whatever the refresh tokens' own state, and never another family's.
TEST_P(RefreshTokenStoreTest, FamilyAccessTokensAreTheUnexpiredOnes) {
  auto r1 = token("r1");
  r1.access_jti = "at-1";
  r1.access_exp = 1500;
  auto r2 = token("r2");
  r2.created_at = 1100;
  r2.access_jti = "at-2";
  r2.access_exp = 1900;
  auto other = token("o", "fam-o");
  other.access_jti = "at-o";
  other.access_exp = 1900;
  auto none = token("n");
  none.created_at = 1200;  // issued before access tokens were recorded
  for (const auto& r : {r1, r2, other, none}) ASSERT_TRUE(store_->create(r));
  EXPECT_EQ((*store_->find("r2"))->access_jti, "at-2");
  EXPECT_EQ((*store_->find("r2"))->access_exp, 1900);
  ASSERT_EQ(store_->use("r1", 1100)->outcome, RefreshOutcome::kActive);
  ASSERT_EQ(store_->use("r1", 1200)->outcome, RefreshOutcome::kReused);
  auto live = store_->family_access_tokens("fam", 1200);
  ASSERT_TRUE(live) << live.error().message;
  ASSERT_EQ(live->size(), 2u);
  EXPECT_EQ((*live)[0].jti, "at-1");
  EXPECT_EQ((*live)[0].client_id, "tg_a");
  EXPECT_EQ((*live)[0].exp, 1500);
  EXPECT_EQ((*live)[1].jti, "at-2");
  auto later = store_->family_access_tokens("fam", 1500);  // at-1 expired at 1500
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].jti, "at-2");
  EXPECT_TRUE(store_->family_access_tokens("fam", 1900)->empty());
}

// Families past their absolute expiry are purged; live ones (and their reuse detection) stay.
TEST_P(RefreshTokenStoreTest, PurgeExpiredFamilies) {
  ASSERT_TRUE(store_->create(token("dead", "fam-dead")));  // expires 2000
  auto live = token("live", "fam-live");
  live.expires_at = 5000;
  ASSERT_TRUE(store_->create(live));
  ASSERT_EQ(store_->use("live", 1100)->outcome, RefreshOutcome::kActive);
  EXPECT_EQ(*store_->purge_expired(2000), 0);
  EXPECT_EQ(*store_->purge_expired(2001), 1);
  EXPECT_FALSE(*store_->find("dead"));
  EXPECT_EQ(store_->use("live", 2100)->outcome, RefreshOutcome::kReused);
}

TOLLGATE_STORE_BACKENDS(RefreshTokenStoreTest);

}  // namespace
}  // namespace tollgate::store
