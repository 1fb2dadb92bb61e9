// Consent withdrawal in the stores: the revocation store's consent kind (and
// its migration from the two-kind table), consent listing, and revoking the
// refresh tokens of a consent.
#include <gtest/gtest.h>

#include "store/consents.h"
#include "store/grant_stores_test.h"
#include "store/refresh_tokens.h"
#include "store/revocations.h"

namespace tollgate::store {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

class ConsentRevocationTest : public testing::TempDatabase {};
class ConsentRevocationUpgradeTest : public testing::TempDatabase {};  // SQLite's schema history

// A consent revocation is its own kind: revoked once (idempotent), looked up by
// consent id, listed in the feed with the other kinds, never pruned.
TEST_P(ConsentRevocationTest, ConsentKindIsRecordedListedAndKept) {
  auto store = SqliteRevocationStore::open(db_).value();
  ASSERT_TRUE(store->revoke_token("t1", "tg_a", kNow + 60, kNow, "x"));
  auto r = store->revoke_consent("cns_1", "tg_a", kNow, "consent_withdrawn").value();
  EXPECT_TRUE(r.created);
  EXPECT_EQ(r.entry.kind, RevocationKind::kConsent);
  EXPECT_EQ(r.entry.consent_id, "cns_1");
  EXPECT_EQ(r.entry.client_id, "tg_a");
  EXPECT_EQ(r.entry.seq, 2);
  auto again = store->revoke_consent("cns_1", "tg_a", kNow + 1, "again").value();
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.entry.seq, 2);
  EXPECT_EQ(again.entry.reason, "consent_withdrawn");
  EXPECT_TRUE(store->consent_revoked("cns_1").value());
  EXPECT_FALSE(store->consent_revoked("cns_2").value());
  // A consent id is not a token id nor a client id.
  EXPECT_FALSE(store->token_revoked("cns_1").value());
  EXPECT_FALSE(store->client_revoked("cns_1").value());
  EXPECT_FALSE(store->client_revoked("tg_a").value());

  // Long after every token expired: the consent entry is still in the feed and survives pruning.
  EXPECT_EQ(store->prune(kNow + 10'000).value(), 1);
  auto feed = store->since(0, 10, kNow + 10'000).value();
  ASSERT_EQ(feed.size(), 1u);
  EXPECT_EQ(feed[0].kind, RevocationKind::kConsent);
  EXPECT_EQ(feed[0].consent_id, "cns_1");
  EXPECT_EQ(to_string(feed[0].kind), "consent");
  EXPECT_FALSE(store->revoke_consent("", "tg_a", kNow, "x"));
}

// A database written by the two-kind schema (migration 1) is upgraded in place:
// entries keep their seq, and a seq handed out before (then pruned) is never
// handed out again.
TEST_F(ConsentRevocationUpgradeTest, UpgradeKeepsEntriesAndSequence) {
  const Migration v1[] = {
      {1,
       "CREATE TABLE revocations ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " kind TEXT NOT NULL CHECK (kind IN ('token', 'client')),"
       " jti TEXT,"
       " client_id TEXT NOT NULL,"
       " exp INTEGER NOT NULL DEFAULT 0,"
       " revoked_at INTEGER NOT NULL,"
       " reason TEXT NOT NULL,"
       " CHECK ((kind = 'token') = (jti IS NOT NULL))"
       ") STRICT;"
       "CREATE UNIQUE INDEX revocations_token ON revocations(jti) WHERE kind = 'token';"
       "CREATE UNIQUE INDEX revocations_client ON revocations(client_id) WHERE kind = 'client';"
       "CREATE INDEX revocations_by_exp ON revocations(exp) WHERE kind = 'token';"},
  };
  ASSERT_TRUE(db_->run([&](Connection& c) -> StoreResult<void> {
    if (auto r = migrate(c, "revocations", v1); !r) return r;
    return c.exec(
        "INSERT INTO revocations(kind, jti, client_id, exp, revoked_at, reason) VALUES"
        " ('client', NULL, 'tg_old', 0, 1, 'client_disabled'),"
        " ('token', 'j2', 'tg_a', 100, 1, 'x'),"
        " ('token', 'j3', 'tg_a', 100, 1, 'x');"
        "DELETE FROM revocations WHERE jti = 'j3';");  // pruned: seq 3 was handed out
  }));
  auto store = SqliteRevocationStore::open(db_);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(db_->run([](Connection& c) { return schema_version(c, "revocations"); }).value(), 2);
  EXPECT_TRUE((*store)->client_revoked("tg_old").value());
  EXPECT_TRUE((*store)->token_revoked("j2").value());
  EXPECT_EQ((*store)->last_seq().value(), 3);
  auto next = (*store)->revoke_consent("cns_1", "tg_a", kNow, "consent_withdrawn").value();
  EXPECT_EQ(next.entry.seq, 4);
  // The uniqueness rules survived the rebuild.
  EXPECT_FALSE((*store)->revoke_client("tg_old", kNow, "again").value().created);
  // Opening again applies nothing more.
  ASSERT_TRUE(SqliteRevocationStore::open(db_));
  EXPECT_EQ((*store)->last_seq().value(), 4);
}

ConsentRecord consent(std::string id, std::string subscriber, std::string partner,
                      std::int64_t created) {
  return {.consent_id = std::move(id),
          .partner = std::move(partner),
          .client_id = "tg_a",
          .subscriber = std::move(subscriber),
          .purpose = "dpv:FraudPreventionAndDetection",
          .scopes = core::ScopeSet::of({"sim-swap:check"}),
          .created_at = created,
          .expires_at = created + 1000};
}

// list() filters by subscriber and/or partner, newest first, withdrawn ones included.
TEST_P(ConsentRevocationTest, ConsentListFilters) {
  auto store = SqliteConsentStore::open(db_).value();
  ASSERT_TRUE(store->create(consent("cns_1", "+34600000001", "acme", 10)));
  ASSERT_TRUE(store->create(consent("cns_2", "+34600000001", "globex", 20)));
  ASSERT_TRUE(store->create(consent("cns_3", "+34600000002", "acme", 30)));
  ASSERT_TRUE(store->withdraw("cns_1", 40));
  auto ids = [](const std::vector<ConsentRecord>& v) {
    std::vector<std::string> out;
    for (const auto& c : v) out.push_back(c.consent_id);
    return out;
  };
  EXPECT_EQ(ids(store->list("", "", 10).value()),
            (std::vector<std::string>{"cns_3", "cns_2", "cns_1"}));
  EXPECT_EQ(ids(store->list("+34600000001", "", 10).value()),
            (std::vector<std::string>{"cns_2", "cns_1"}));
  EXPECT_EQ(ids(store->list("", "acme", 10).value()), (std::vector<std::string>{"cns_3", "cns_1"}));
  EXPECT_EQ(ids(store->list("+34600000001", "acme", 10).value()),
            (std::vector<std::string>{"cns_1"}));
  EXPECT_EQ(ids(store->list("", "", 1).value()), (std::vector<std::string>{"cns_3"}));
  EXPECT_TRUE(store->list("+34600000009", "", 10).value().empty());
  EXPECT_EQ(store->list("", "acme", 10).value().back().withdrawn_at, 40);
}

// revoke_consent revokes the refresh tokens resting on that consent only.
TEST_P(ConsentRevocationTest, RefreshTokensOfTheConsentAreRevoked) {
  auto store = SqliteRefreshTokenStore::open(db_).value();
  auto token = [](std::string hash, std::string family, std::string consent_id) {
    RefreshTokenRecord r;
    r.token_hash = std::move(hash);
    r.family_id = std::move(family);
    r.grant_type = "authorization_code";
    r.grant = {.client_id = "tg_a",
               .partner = "acme",
               .scope = "dpv:X sim-swap:check offline_access",
               .purpose = "dpv:X",
               .subscriber = "+34600000001",
               .amr = {"nba"},
               .consent_id = std::move(consent_id)};
    r.created_at = 1000;
    r.expires_at = 2000;
    return r;
  };
  ASSERT_TRUE(store->create(token("r1", "f1", "cns_1")));
  ASSERT_TRUE(store->create(token("r2", "f2", "cns_1")));
  ASSERT_TRUE(store->create(token("r3", "f3", "cns_2")));
  ASSERT_TRUE(store->create(token("r4", "f4", "")));
  ASSERT_TRUE(store->revoke_consent("cns_1"));
  ASSERT_TRUE(store->revoke_consent(""));  // rests on nothing: revokes nothing
  EXPECT_EQ(store->use("r1", 1100)->outcome, RefreshOutcome::kRevoked);
  EXPECT_EQ(store->use("r2", 1100)->outcome, RefreshOutcome::kRevoked);
  EXPECT_EQ(store->use("r3", 1100)->outcome, RefreshOutcome::kActive);
  EXPECT_EQ(store->use("r4", 1100)->outcome, RefreshOutcome::kActive);
}

TOLLGATE_STORE_BACKENDS(ConsentRevocationTest);

}  // namespace
}  // namespace tollgate::store
