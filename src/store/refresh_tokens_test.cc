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

TOLLGATE_STORE_BACKENDS(RefreshTokenStoreTest);

}  // namespace
}  // namespace tollgate::store
