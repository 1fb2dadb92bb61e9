#include "store/auth_codes.h"

#include <thread>
#include <vector>

#include "store/grant_stores_test.h"

namespace tollgate::store {
namespace {

class AuthCodeStoreTest : public testing::TempDatabase {
 protected:
  void SetUp() override {
    TempDatabase::SetUp();
    auto s = SqliteAuthCodeStore::open(db_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = *s;
    rec_.code_hash = "h1";
    rec_.grant = {.client_id = "tg_a",
                  .partner = "acme",
                  .scope = "openid dpv:X sim-swap:check",
                  .purpose = "dpv:X",
                  .subscriber = "+34600000001",
                  .amr = {"nba"},
                  .consent_id = "cns_1",
                  .auth_time = 990,
                  .nonce = "n-1"};
    rec_.redirect_uri = "https://app.example/cb";
    rec_.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    rec_.created_at = 1000;
    rec_.expires_at = 1060;
  }
  std::shared_ptr<SqliteAuthCodeStore> store_;
  AuthCodeRecord rec_;
};

// A code is redeemed once with every field intact; the second redemption reports reuse with the
// issued tokens.
TEST_P(AuthCodeStoreTest, SingleUseAndReuseReportsIssuedTokens) {
  ASSERT_TRUE(store_->create(rec_));
  auto first = store_->redeem("h1", 1010);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->outcome, RedeemOutcome::kRedeemed);
  EXPECT_EQ(first->record->grant.amr, std::vector<std::string>{"nba"});
  EXPECT_EQ(first->record->grant.nonce, "n-1");
  EXPECT_EQ(first->record->code_challenge, rec_.code_challenge);
  EXPECT_EQ(first->record->redirect_uri, rec_.redirect_uri);
  ASSERT_TRUE(store_->record_issued("h1", "jti-1", 1900, "fam-1"));
  auto second = store_->redeem("h1", 1011);
  ASSERT_EQ(second->outcome, RedeemOutcome::kReused);
  EXPECT_EQ(second->record->access_jti, "jti-1");
  EXPECT_EQ(second->record->access_exp, 1900);
  EXPECT_EQ(second->record->refresh_family, "fam-1");
  EXPECT_EQ(store_->redeem("nope", 1010)->outcome, RedeemOutcome::kUnknown);
}

// A code presented at its expiry second is expired, and burned: it is not redeemable afterwards
// either.
TEST_P(AuthCodeStoreTest, ExpiredAtBoundaryAndBurned) {
  ASSERT_TRUE(store_->create(rec_));
  EXPECT_EQ(store_->redeem("h1", 1060)->outcome, RedeemOutcome::kExpired);
  EXPECT_EQ(store_->redeem("h1", 1000)->outcome, RedeemOutcome::kReused);
}

// Of many threads racing to redeem one code, exactly one succeeds.
TEST_P(AuthCodeStoreTest, ConcurrentRedeemSucceedsOnce) {
  ASSERT_TRUE(store_->create(rec_));
  std::atomic<int> redeemed{0}, reused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      auto r = store_->redeem("h1", 1010);
      if (r && r->outcome == RedeemOutcome::kRedeemed) ++redeemed;
      if (r && r->outcome == RedeemOutcome::kReused) ++reused;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(redeemed.load(), 1);
  EXPECT_EQ(reused.load(), 7);
}

TOLLGATE_STORE_BACKENDS(AuthCodeStoreTest);

}  // namespace
}  // namespace tollgate::store
