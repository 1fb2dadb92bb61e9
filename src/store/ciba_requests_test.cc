#include "store/ciba_requests.h"

#include "store/grant_stores_test.h"

namespace tollgate::store {
namespace {

class CibaStoreTest : public testing::TempDatabase {
 protected:
  void SetUp() override {
    TempDatabase::SetUp();
    auto s = SqliteCibaRequestStore::open(db_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = *s;
    rec_.auth_req_hash = "req";
    rec_.approval_hash = "appr";
    rec_.grant = {.client_id = "tg_a",
                  .partner = "acme",
                  .scope = "dpv:X sim-swap:check",
                  .purpose = "dpv:X",
                  .subscriber = "+34600000001",
                  .amr = {"handset"}};
    rec_.created_at = 1000;
    rec_.expires_at = 1120;
    rec_.interval = 2;
  }
  std::shared_ptr<SqliteCibaRequestStore> store_;
  CibaRequestRecord rec_;
};

// Pending polls at the interval stay pending; a poll sooner is slow_down and raises the interval by
// 5 s for good.
TEST_P(CibaStoreTest, SlowDownRaisesTheInterval) {
  ASSERT_TRUE(store_->create(rec_));
  EXPECT_EQ(store_->poll("req", "tg_a", 1001)->outcome, PollOutcome::kPending);
  EXPECT_EQ(store_->poll("req", "tg_a", 1003)->outcome, PollOutcome::kPending);
  auto slow = store_->poll("req", "tg_a", 1004);
  EXPECT_EQ(slow->outcome, PollOutcome::kSlowDown);
  EXPECT_EQ(slow->record->interval, 7);
  EXPECT_EQ(store_->poll("req", "tg_a", 1010)->outcome, PollOutcome::kSlowDown);  // 6 s < 7 s
  auto later = store_->poll("req", "tg_a", 1030);
  EXPECT_EQ(later->outcome, PollOutcome::kPending);
  EXPECT_EQ(later->record->interval, 12);
}

// Approval carries the consent id; the first poll after it consumes the request, the next one is
// kConsumed.
TEST_P(CibaStoreTest, ApproveThenConsumeOnce) {
  ASSERT_TRUE(store_->create(rec_));
  auto d = store_->decide("appr", true, "cns_9", 1005);
  ASSERT_EQ(d->outcome, DecideOutcome::kDecided);
  EXPECT_EQ(store_->decide("appr", false, "", 1006)->outcome, DecideOutcome::kAlreadyDecided);
  auto p = store_->poll("req", "tg_a", 1007);
  ASSERT_EQ(p->outcome, PollOutcome::kApproved);
  EXPECT_EQ(p->record->grant.consent_id, "cns_9");
  EXPECT_EQ(store_->poll("req", "tg_a", 1020)->outcome, PollOutcome::kConsumed);
}

// Another client polling a stolen auth_req_id learns nothing and changes nothing; denial and expiry
// are reported.
TEST_P(CibaStoreTest, OtherClientDenialAndExpiry) {
  ASSERT_TRUE(store_->create(rec_));
  EXPECT_EQ(store_->poll("req", "tg_other", 1001)->outcome, PollOutcome::kUnknown);
  EXPECT_EQ(store_->poll("req", "tg_a", 1001)->outcome,
            PollOutcome::kPending);  // not slow_down: first real poll
  ASSERT_EQ(store_->decide("appr", false, "", 1002)->outcome, DecideOutcome::kDecided);
  EXPECT_EQ(store_->poll("req", "tg_a", 1010)->outcome, PollOutcome::kDenied);
  EXPECT_EQ(store_->poll("req", "tg_a", 1120)->outcome, PollOutcome::kExpired);
  EXPECT_EQ(store_->decide("", true, "", 1002)->outcome, DecideOutcome::kUnknown);
  EXPECT_EQ(store_->decide("nope", true, "", 1002)->outcome, DecideOutcome::kUnknown);
}

// Requests expired before the cut-off are purged, whatever their state; later ones stay.
TEST_P(CibaStoreTest, PurgeExpired) {
  ASSERT_TRUE(store_->create(rec_));  // expires 1120
  auto later = rec_;
  later.auth_req_hash = "later";
  later.approval_hash = "appr-later";
  later.expires_at = 1500;
  ASSERT_TRUE(store_->create(later));
  EXPECT_EQ(*store_->purge_expired(1120), 0);  // expires_at < before only
  EXPECT_EQ(*store_->purge_expired(1121), 1);
  EXPECT_EQ(store_->poll("req", "tg_a", 1121)->outcome, PollOutcome::kUnknown);
  EXPECT_EQ(store_->poll("later", "tg_a", 1121)->outcome, PollOutcome::kPending);
}

TOLLGATE_STORE_BACKENDS(CibaStoreTest);

}  // namespace
}  // namespace tollgate::store
