#include "store/clients.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

#include "core/crypto.h"
#include "store/test_support.h"

namespace tollgate::store {
namespace {

namespace fs = std::filesystem;

class ClientStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { reopen(); }
  void TearDown() override {
    store_.reset();
    db_.reset();
  }
  void reopen() {
    store_.reset();
    db_.reset();
    db_ = tmp_.open();
    auto store = SqliteClientStore::open(db_);
    ASSERT_TRUE(store) << store.error().message;
    store_ = *store;
  }
  static ClientRecord sample(std::string id, std::string_view secret = "s3cret-value") {
    ClientRecord c;
    c.client_id = std::move(id);
    c.partner = "demo-partner";
    c.secret_hash = core::hash_secret(secret);
    c.scopes = core::ScopeSet::of({"sim-swap:check", "sim-swap:retrieve-date"});
    c.grant_types = {"client_credentials"};
    c.auth_methods = {"client_secret_basic", "client_secret_post"};
    c.redirect_uris = {"https://app.example/cb?x=\"y\""};
    c.created_at = 1'800'000'000;
    return c;
  }

  testing::TempDb tmp_{GetParam()};
  std::shared_ptr<Database> db_;
  std::shared_ptr<SqliteClientStore> store_;
};

// A created client is found again with every field intact.
TEST_P(ClientStoreTest, CreateThenFindRoundTrips) {
  const ClientRecord c = sample("tg_one");
  ASSERT_TRUE(store_->create(c));
  auto found = store_->find("tg_one");
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_TRUE(found->has_value());
  const ClientRecord& f = **found;
  EXPECT_EQ(f.client_id, "tg_one");
  EXPECT_EQ(f.partner, "demo-partner");
  EXPECT_EQ(f.secret_hash, c.secret_hash);
  EXPECT_EQ(f.scopes.to_string(), "sim-swap:check sim-swap:retrieve-date");
  EXPECT_EQ(f.grant_types, c.grant_types);
  EXPECT_EQ(f.auth_methods, c.auth_methods);
  EXPECT_EQ(f.redirect_uris, c.redirect_uris);
  EXPECT_EQ(f.created_at, 1'800'000'000);
  EXPECT_FALSE(f.disabled);
  EXPECT_TRUE(f.allows_grant("client_credentials"));
  EXPECT_FALSE(f.allows_grant("authorization_code"));
  EXPECT_TRUE(f.allows_auth_method("client_secret_post"));
}

// An unknown client id is not an error: find returns nullopt.
TEST_P(ClientStoreTest, UnknownClientIsNullopt) {
  auto found = store_->find("nobody");
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
}

// Creating a client whose id exists is a kConflict and leaves the first one untouched.
TEST_P(ClientStoreTest, DuplicateIdIsConflict) {
  ASSERT_TRUE(store_->create(sample("tg_dup")));
  ClientRecord again = sample("tg_dup");
  again.partner = "someone-else";
  auto r = store_->create(again);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StoreErrorCode::kConflict);
  EXPECT_EQ(store_->find("tg_dup").value()->partner, "demo-partner");
}

// Disabling marks the client disabled, is idempotent, and an unknown id is kNotFound.
TEST_P(ClientStoreTest, DisableMarksClient) {
  ASSERT_TRUE(store_->create(sample("tg_dis")));
  ASSERT_TRUE(store_->disable("tg_dis"));
  EXPECT_TRUE(store_->find("tg_dis").value()->disabled);
  EXPECT_TRUE(store_->disable("tg_dis"));
  auto r = store_->disable("nobody");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StoreErrorCode::kNotFound);
}

// list returns every client ordered by id.
TEST_P(ClientStoreTest, ListIsOrderedById) {
  ASSERT_TRUE(store_->create(sample("tg_b")));
  ASSERT_TRUE(store_->create(sample("tg_a")));
  auto all = store_->list();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].client_id, "tg_a");
  EXPECT_EQ((*all)[1].client_id, "tg_b");
}

// Clients survive closing and reopening the database file (and migrations rerun harmlessly).
TEST_P(ClientStoreTest, SurvivesReopen) {
  ASSERT_TRUE(store_->create(sample("tg_keep")));
  ASSERT_TRUE(store_->disable("tg_keep"));
  reopen();
  auto found = store_->find("tg_keep");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_TRUE((*found)->disabled);
  EXPECT_TRUE(core::verify_secret("s3cret-value", (*found)->secret_hash));
}

// The plain secret appears in no column of the stored row; only a hash that verifies.
TEST_P(ClientStoreTest, SecretIsNeverStoredInClear) {
  const std::string secret = "Zm9vYmFyYmF6cXV4LXRoaXMtaXMtYS1zZWNyZXQ";
  ASSERT_TRUE(store_->create(sample("tg_sec", secret)));
  db_->run([&](Connection& c) {
    auto st = c.prepare("SELECT * FROM clients WHERE client_id = 'tg_sec'");
    ASSERT_TRUE(st);
    ASSERT_TRUE(st->step().value_or(false));
    for (int col = 0; col < 9; ++col)
      EXPECT_EQ(st->column_text(col).find(secret), std::string::npos) << col;
    const std::string stored_hash = st->column_text(2);
    EXPECT_TRUE(stored_hash.starts_with("sha256$")) << stored_hash;
    EXPECT_TRUE(core::verify_secret(secret, stored_hash));
  });
}

// A row whose stored lists cannot be decoded is reported as kCorrupt, not a crash.
TEST_P(ClientStoreTest, UndecodableRowIsCorrupt) {
  ASSERT_TRUE(store_->create(sample("tg_bad")));
  ASSERT_TRUE(db_->run([](Connection& c) {
    return c.exec("UPDATE clients SET grant_types = 'not json' WHERE client_id = 'tg_bad'");
  }));
  auto found = store_->find("tg_bad");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, StoreErrorCode::kCorrupt);
  auto all = store_->list();
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error().code, StoreErrorCode::kCorrupt);
}

// A store whose table has gone (database replaced under us) gives a clean error, not a crash.
TEST_P(ClientStoreTest, MissingTableGivesCleanError) {
  ASSERT_TRUE(db_->run([](Connection& c) { return c.exec("DROP TABLE clients"); }));
  auto found = store_->find("x");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, StoreErrorCode::kInternal);
}

// Several threads may use one store at once; every write lands.
TEST_P(ClientStoreTest, ConcurrentUseIsSerialized) {
  constexpr int kThreads = 4, kEach = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = "tg_" + std::to_string(t) + "_" + std::to_string(i);
        EXPECT_TRUE(store_->create(sample(id)));
        EXPECT_TRUE(store_->find(id).value().has_value());
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(store_->list().value().size(), static_cast<std::size_t>(kThreads * kEach));
}

// The private_key_jwt key material (inline JWKS or jwks_uri) round-trips.
TEST_P(ClientStoreTest, JwksFieldsRoundTrip) {
  ClientRecord c = sample("tg_jwks");
  c.auth_methods = {"private_key_jwt"};
  c.jwks = R"({"keys":[{"kty":"EC"}]})";
  ASSERT_TRUE(store_->create(c));
  ClientRecord u = sample("tg_uri");
  u.jwks_uri = "http://keys.partner.example/jwks.json";
  ASSERT_TRUE(store_->create(u));
  reopen();
  EXPECT_EQ(store_->find("tg_jwks").value()->jwks, c.jwks);
  EXPECT_EQ(store_->find("tg_jwks").value()->jwks_uri, "");
  EXPECT_EQ(store_->find("tg_uri").value()->jwks_uri, u.jwks_uri);
}

// A database created before the JWKS columns existed is migrated and its clients keep working.
TEST_P(ClientStoreTest, MigratesVersionOneDatabase) {
  store_.reset();
  db_.reset();
  testing::TempDb fresh(GetParam());
  {
    // The version-1 schema as each backend's migration 1 wrote it.
    const std::string v1 =
        fresh.postgres()
            ? "CREATE TABLE schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL,"
              " applied_at BIGINT NOT NULL DEFAULT (extract(epoch from now())::bigint));"
              "INSERT INTO schema_version(component, version) VALUES('clients', 1);"
              "CREATE TABLE clients (client_id TEXT PRIMARY KEY NOT NULL, partner TEXT NOT NULL,"
              " secret_hash TEXT NOT NULL, scopes TEXT NOT NULL, grant_types TEXT NOT NULL,"
              " auth_methods TEXT NOT NULL, redirect_uris TEXT NOT NULL, created_at BIGINT NOT "
              "NULL,"
              " disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)));"
            : "CREATE TABLE schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL,"
              " applied_at INTEGER NOT NULL DEFAULT (unixepoch()));"
              "INSERT INTO schema_version(component, version) VALUES('clients', 1);"
              "CREATE TABLE clients (client_id TEXT PRIMARY KEY NOT NULL, partner TEXT NOT NULL,"
              " secret_hash TEXT NOT NULL, scopes TEXT NOT NULL, grant_types TEXT NOT NULL,"
              " auth_methods TEXT NOT NULL, redirect_uris TEXT NOT NULL, created_at INTEGER NOT "
              "NULL,"
              " disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))) STRICT;";
    auto db = fresh.open();
    ASSERT_TRUE(db->run([&](Connection& c) {
      return c.exec(v1 +
                    "INSERT INTO clients VALUES('tg_old', 'demo-partner', 'h', 'sim-swap:check',"
                    " '[\"client_credentials\"]', '[\"client_secret_basic\"]', '[]', 1, 0);");
    }));
  }
  db_ = fresh.open();
  store_ = SqliteClientStore::open(db_).value();
  auto found = store_->find("tg_old");
  ASSERT_TRUE(found && found->has_value()) << (found ? "" : found.error().message);
  EXPECT_EQ((*found)->jwks, "");
  EXPECT_EQ((*found)->jwks_uri, "");
  EXPECT_EQ(db_->run([](Connection& c) { return schema_version(c, "clients"); }).value(), 3);
  EXPECT_TRUE(store_->registry_version());
}

// Every write to the registry changes its version, whoever writes: through the store, or
// straight into the table (as another process or an operator's SQL would).
TEST_P(ClientStoreTest, EveryWriteChangesTheRegistryVersion) {
  const std::int64_t v0 = store_->registry_version().value();
  ASSERT_TRUE(store_->create(sample("tg_v")));
  const std::int64_t v1 = store_->registry_version().value();
  EXPECT_NE(v1, v0);
  ASSERT_TRUE(store_->disable("tg_v"));
  const std::int64_t v2 = store_->registry_version().value();
  EXPECT_NE(v2, v1);
  ASSERT_TRUE(db_->run([](Connection& c) {
    return c.exec("UPDATE clients SET partner = 'other' WHERE client_id = 'tg_v'");
  }));
  const std::int64_t v3 = store_->registry_version().value();
  EXPECT_NE(v3, v2);
  ASSERT_TRUE(db_->run([](Connection& c) { return c.exec("DELETE FROM clients"); }));
  EXPECT_NE(store_->registry_version().value(), v3);
  EXPECT_TRUE(store_->find("tg_a").value() == std::nullopt);  // reads are not writes
  const std::int64_t v4 = store_->registry_version().value();
  EXPECT_EQ(store_->registry_version().value(), v4);
}

// The cache answers repeat lookups from memory and never serves a row older than the registry:
// a change by another connection (another process) is seen on the next lookup.
TEST_P(ClientStoreTest, CacheNeverServesAStaleClient) {
  ASSERT_TRUE(store_->create(sample("tg_c")));
  CachedClientStore cache(store_);
  EXPECT_FALSE(cache.find("tg_c").value()->disabled);
  EXPECT_FALSE(cache.find("tg_c").value()->disabled);
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().misses, 1u);

  // Another process disables the client: a second Database on the same file or cluster.
  auto other_db = tmp_.open();
  auto other = SqliteClientStore::open(other_db).value();
  ASSERT_TRUE(other->disable("tg_c"));
  EXPECT_TRUE(cache.find("tg_c").value()->disabled);
  EXPECT_EQ(cache.stats().misses, 2u);

  // A raw write (no store call) retires the entry the same way.
  ASSERT_TRUE(other_db->run([](Connection& c) {
    return c.exec("UPDATE clients SET scopes = 'sim-swap:check' WHERE client_id = 'tg_c'");
  }));
  EXPECT_EQ(cache.find("tg_c").value()->scopes.to_string(), "sim-swap:check");

  // Unknown ids are looked up every time and never cached.
  EXPECT_FALSE(cache.find("tg_nobody").value().has_value());
  ASSERT_TRUE(other->create(sample("tg_nobody")));
  EXPECT_TRUE(cache.find("tg_nobody").value().has_value());
}

// A full cache starts over instead of growing; answers stay right.
TEST_P(ClientStoreTest, CacheIsBounded) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store_->create(sample("tg_" + std::to_string(i))));
  CachedClientStore cache(store_, 2);
  for (int round = 0; round < 2; ++round)
    for (int i = 0; i < 5; ++i)
      EXPECT_EQ(cache.find("tg_" + std::to_string(i)).value()->client_id, "tg_" + std::to_string(i));
  EXPECT_LE(cache.stats().hits, 5u);
}

// A registry that cannot be read is an error from the cache too, never a cached answer.
TEST_P(ClientStoreTest, CacheForwardsStoreErrors) {
  ASSERT_TRUE(store_->create(sample("tg_e")));
  CachedClientStore cache(store_);
  ASSERT_TRUE(cache.find("tg_e").value().has_value());
  ASSERT_TRUE(db_->run([](Connection& c) { return c.exec("DROP TABLE clients_version"); }));
  EXPECT_FALSE(cache.find("tg_e"));
}

TOLLGATE_STORE_BACKENDS(ClientStoreTest);

}  // namespace
}  // namespace tollgate::store
