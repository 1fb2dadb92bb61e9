#include "store/authorize_sessions.h"

#include "store/grant_stores_test.h"

namespace tollgate::store {
namespace {

class AuthorizeSessionStoreTest : public testing::TempDatabase {
 protected:
  void SetUp() override {
    TempDatabase::SetUp();
    auto s = SqliteAuthorizeSessionStore::open(db_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = *s;
  }
  std::shared_ptr<SqliteAuthorizeSessionStore> store_;
};

// A session round-trips, updates its subscriber and OTP state, and finishes exactly once.
TEST_P(AuthorizeSessionStoreTest, RoundTripUpdateFinishOnce) {
  AuthorizeSession s{.session_hash = "s1",
                     .binding_hash = "b1",
                     .csrf = "c1",
                     .request_json = "{}",
                     .created_at = 10,
                     .expires_at = 610};
  ASSERT_TRUE(store_->create(s));
  s.subscriber = "+34600000002";
  s.amr = {"otp"};
  s.otp_attempts = 2;
  ASSERT_TRUE(store_->update(s));
  auto got = store_->find("s1");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->subscriber, "+34600000002");
  EXPECT_EQ((*got)->amr, std::vector<std::string>{"otp"});
  EXPECT_EQ((*got)->otp_attempts, 2);
  EXPECT_EQ((*got)->csrf, "c1");
  EXPECT_TRUE(*store_->finish("s1"));
  EXPECT_FALSE(*store_->finish("s1"));
  EXPECT_EQ(store_->update(s).error().code, StoreErrorCode::kNotFound);
  EXPECT_FALSE(*store_->find("s1"));
}

// Expired sessions are purged; live ones stay.
TEST_P(AuthorizeSessionStoreTest, PurgeExpired) {
  ASSERT_TRUE(store_->create({.session_hash = "old", .expires_at = 100}));
  ASSERT_TRUE(store_->create({.session_hash = "new", .expires_at = 900}));
  EXPECT_EQ(*store_->purge_expired(500), 1);
  EXPECT_TRUE(*store_->find("new"));
}

TOLLGATE_STORE_BACKENDS(AuthorizeSessionStoreTest);

}  // namespace
}  // namespace tollgate::store
