#include "store/consents.h"

#include "store/grant_stores_test.h"

namespace tollgate::store {
namespace {

class ConsentStoreTest : public testing::TempDatabase {
 protected:
  void SetUp() override {
    TempDatabase::SetUp();
    auto s = SqliteConsentStore::open(db_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = *s;
  }
  ConsentRecord consent(std::string id, std::string scopes, std::int64_t created = 1000,
                        std::int64_t expires = 5000) {
    return {.consent_id = std::move(id),
            .partner = "acme",
            .client_id = "tg_a",
            .subscriber = "+34600000001",
            .purpose = "dpv:RequestedServiceProvision",
            .scopes = *core::ScopeSet::parse(scopes),
            .created_at = created,
            .expires_at = expires};
  }
  std::shared_ptr<SqliteConsentStore> store_;
};

// A consent covers a request for a subset of its scopes, for the same partner, subscriber and
// purpose only.
TEST_P(ConsentStoreTest, CoversSubsetOfScopesForSamePartnerSubscriberPurpose) {
  ASSERT_TRUE(store_->create(consent("cns_1", "sim-swap:check sim-swap:retrieve-date")));
  const auto check = core::ScopeSet::of({"sim-swap:check"});
  auto hit =
      store_->find_covering("acme", "+34600000001", "dpv:RequestedServiceProvision", check, 2000);
  ASSERT_TRUE(hit);
  ASSERT_TRUE(*hit);
  EXPECT_EQ((*hit)->consent_id, "cns_1");
  EXPECT_FALSE(*store_->find_covering("other", "+34600000001", "dpv:RequestedServiceProvision",
                                      check, 2000));
  EXPECT_FALSE(
      *store_->find_covering("acme", "+34600000002", "dpv:RequestedServiceProvision", check, 2000));
  EXPECT_FALSE(*store_->find_covering("acme", "+34600000001", "dpv:FraudPreventionAndDetection",
                                      check, 2000));
  EXPECT_FALSE(*store_->find_covering("acme", "+34600000001", "dpv:RequestedServiceProvision",
                                      core::ScopeSet::of({"sim-swap:check", "sim-swap"}), 2000));
}

// An expired consent (at exactly expires_at) and a withdrawn one cover nothing; withdrawal is
// idempotent.
TEST_P(ConsentStoreTest, ExpiredAndWithdrawnConsentsCoverNothing) {
  ASSERT_TRUE(store_->create(consent("cns_1", "sim-swap:check")));
  const auto check = core::ScopeSet::of({"sim-swap:check"});
  EXPECT_TRUE(
      *store_->find_covering("acme", "+34600000001", "dpv:RequestedServiceProvision", check, 4999));
  EXPECT_FALSE(
      *store_->find_covering("acme", "+34600000001", "dpv:RequestedServiceProvision", check, 5000));
  ASSERT_TRUE(store_->withdraw("cns_1", 3000));
  ASSERT_TRUE(store_->withdraw("cns_1", 3500));
  EXPECT_FALSE(
      *store_->find_covering("acme", "+34600000001", "dpv:RequestedServiceProvision", check, 3600));
  EXPECT_EQ((*store_->find("cns_1"))->withdrawn_at, 3000);
  EXPECT_EQ(store_->withdraw("cns_nope", 1).error().code, StoreErrorCode::kNotFound);
}

// The newest covering consent wins, and a subscriber's list is newest first, withdrawn ones
// included.
TEST_P(ConsentStoreTest, NewestFirst) {
  ASSERT_TRUE(store_->create(consent("cns_old", "sim-swap:check", 1000)));
  ASSERT_TRUE(store_->create(consent("cns_new", "sim-swap:check", 2000)));
  auto hit = store_->find_covering("acme", "+34600000001", "dpv:RequestedServiceProvision",
                                   core::ScopeSet::of({"sim-swap:check"}), 2500);
  EXPECT_EQ((*hit)->consent_id, "cns_new");
  ASSERT_TRUE(store_->withdraw("cns_new", 2600));
  auto list = store_->list_for_subscriber("+34600000001");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].consent_id, "cns_new");
  EXPECT_TRUE((*list)[0].withdrawn_at.has_value());
  EXPECT_EQ(store_->create(consent("cns_old", "sim-swap:check")).error().code,
            StoreErrorCode::kConflict);
}

TOLLGATE_STORE_BACKENDS(ConsentStoreTest);

}  // namespace
}  // namespace tollgate::store
