// The database layer on both backends (migrations, statements, transactions
// across connections), and what only PostgreSQL has: placeholder translation,
// error mapping, a server that is down or drops the connection, URL redaction.
#include "store/postgres.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "store/test_support.h"

namespace tollgate::store {
namespace {

using namespace std::chrono_literals;

std::int64_t query_int(Database& db, std::string_view sql) {
  return db.run([&](Connection& c) -> std::int64_t {
    auto st = c.prepare(sql);
    EXPECT_TRUE(st.has_value()) << st.error().message;
    if (!st) return -1;
    auto row = st->step();
    EXPECT_TRUE(row.has_value() && *row) << (row ? "" : row.error().message);
    return st->column_int64(0);
  });
}

class BothBackends : public ::testing::TestWithParam<Backend> {
 protected:
  testing::TempDb tmp_{GetParam()};
};

constexpr Migration kTwoSteps[] = {
    {1, "CREATE TABLE one(x INTEGER);"},
    {2, "CREATE TABLE two(y INTEGER); INSERT INTO one VALUES(42);"},
};

// Migrations apply once, in order, per component; a second run is a no-op.
TEST_P(BothBackends, MigrationsApplyOnceAndUpgrade) {
  auto db = tmp_.open();
  ASSERT_TRUE(
      db->run([](Connection& c) { return migrate(c, "demo", std::span(kTwoSteps).first(1)); }));
  EXPECT_EQ(db->run([](Connection& c) { return schema_version(c, "demo"); }).value(), 1);
  for (int run = 0; run < 3; ++run) {
    auto r = db->run([](Connection& c) { return migrate(c, "demo", kTwoSteps); });
    ASSERT_TRUE(r) << r.error().message;
  }
  EXPECT_EQ(query_int(*db, "SELECT count(*) FROM one"), 1);
  EXPECT_EQ(db->run([](Connection& c) { return schema_version(c, "demo"); }).value(), 2);
  EXPECT_EQ(db->run([](Connection& c) { return schema_version(c, "other"); }).value(), 0);
  // A newer database than the code knows is refused.
  auto r = db->run([](Connection& c) { return migrate(c, "demo", std::span(kTwoSteps).first(1)); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StoreErrorCode::kCorrupt);
}

// A failing step leaves neither its tables nor a version bump behind.
TEST_P(BothBackends, FailedMigrationStepIsAtomic) {
  auto db = tmp_.open();
  constexpr Migration kBad[] = {{1, "CREATE TABLE ok(x INTEGER); CREATE TABLE ok(y INTEGER);"}};
  ASSERT_FALSE(db->run([&](Connection& c) { return migrate(c, "bad", kBad); }));
  EXPECT_EQ(db->run([](Connection& c) { return schema_version(c, "bad"); }).value(), 0);
  EXPECT_FALSE(db->run([](Connection& c) { return c.prepare("SELECT * FROM ok"); }));
}

// A migration's PostgreSQL text is used on PostgreSQL, its SQLite text on SQLite.
TEST_P(BothBackends, MigrationPicksTheDialect) {
  auto db = tmp_.open();
  constexpr Migration kDialect[] = {{1,
                                     "CREATE TABLE d(x INTEGER) STRICT; INSERT INTO d VALUES(1);",
                                     "CREATE TABLE d(x BIGINT); INSERT INTO d VALUES(2);"}};
  ASSERT_TRUE(db->run([&](Connection& c) { return migrate(c, "dialect", kDialect); }));
  EXPECT_EQ(query_int(*db, "SELECT x FROM d"), tmp_.postgres() ? 2 : 1);
}

// Two processes migrating at once: each step runs once, neither fails.
TEST_P(BothBackends, ConcurrentMigrationsFromTwoConnections) {
  auto a = tmp_.open();
  auto b = tmp_.open();
  std::atomic<int> failures{0};
  std::thread t1([&] {
    if (!a->run([](Connection& c) { return migrate(c, "demo", kTwoSteps); })) ++failures;
  });
  std::thread t2([&] {
    if (!b->run([](Connection& c) { return migrate(c, "demo", kTwoSteps); })) ++failures;
  });
  t1.join();
  t2.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(query_int(*a, "SELECT count(*) FROM one"), 1);
}

// Statements: ?N and bare ? bind; rows iterate; NULL reads as null; changes() counts.
TEST_P(BothBackends, StatementsBindIterateAndCount) {
  auto db = tmp_.open();
  db->run([](Connection& c) {
    ASSERT_TRUE(c.exec("CREATE TABLE t(k TEXT PRIMARY KEY, v BIGINT, w TEXT)"));
    for (std::int64_t i = 0; i < 3; ++i) {
      auto ins = c.prepare("INSERT INTO t(k, v, w) VALUES(?, ?, ?)");
      ASSERT_TRUE(ins) << ins.error().message;
      ASSERT_TRUE(ins->bind_all(std::string("k") + std::to_string(i), i * 4'000'000'000));
      ASSERT_TRUE(ins->bind(3, nullptr));
      ASSERT_TRUE(ins->run());
    }
    auto st = c.prepare("SELECT k, v, w FROM t WHERE v >= ?1 AND k <> '?1' ORDER BY k");
    ASSERT_TRUE(st) << st.error().message;
    ASSERT_TRUE(st->bind(1, std::int64_t{4'000'000'000}));
    std::vector<std::int64_t> seen;
    for (;;) {
      auto row = st->step();
      ASSERT_TRUE(row);
      if (!*row) break;
      seen.push_back(st->column_int64(1));
      EXPECT_TRUE(st->column_is_null(2));
    }
    EXPECT_EQ(seen, (std::vector<std::int64_t>{4'000'000'000, 8'000'000'000}));
    auto upd = c.prepare("UPDATE t SET w = 'x' WHERE v > ?1");
    ASSERT_TRUE(upd->bind(1, std::int64_t{0}));
    ASSERT_TRUE(upd->run());
    EXPECT_EQ(c.changes(), 2);
    auto dup = c.prepare("INSERT INTO t(k, v) VALUES(?1, ?2)");
    ASSERT_TRUE(dup->bind_all(std::string("k1"), std::int64_t{1}));
    auto r = dup->run();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, StoreErrorCode::kConflict);
    // A failed statement can be reset and run again with other values.
    ASSERT_TRUE(dup->reset());
    ASSERT_TRUE(dup->bind_all(std::string("k7"), std::int64_t{7}));
    EXPECT_TRUE(dup->run());
  });
}

// Transactions of two connections (two processes) never interleave: a
// read-then-write counter loses no increment.
TEST_P(BothBackends, TransactionsSerializeAcrossConnections) {
  auto a = tmp_.open();
  auto b = tmp_.open();
  ASSERT_TRUE(a->run([](Connection& c) {
    return c.exec("CREATE TABLE counter(n BIGINT NOT NULL); INSERT INTO counter VALUES(0)");
  }));
  constexpr int kEach = 50;
  auto bump = [&](Database& db) {
    for (int i = 0; i < kEach; ++i) {
      auto r = db.run([](Connection& c) -> StoreResult<void> {
        auto tx = c.transaction();
        if (!tx) return std::unexpected(tx.error());
        auto sel = c.prepare("SELECT n FROM counter");
        if (!sel) return std::unexpected(sel.error());
        if (auto row = sel->step(); !row || !*row) return std::unexpected(StoreError{});
        const std::int64_t n = sel->column_int64(0);
        sel = Statement{};
        std::this_thread::yield();
        auto upd = c.prepare("UPDATE counter SET n = ?1");
        if (!upd) return std::unexpected(upd.error());
        if (auto bd = upd->bind(1, n + 1); !bd) return bd;
        if (auto r = upd->run(); !r) return r;
        return tx->commit();
      });
      EXPECT_TRUE(r) << r.error().message;
    }
  };
  std::thread t1([&] { bump(*a); });
  std::thread t2([&] { bump(*b); });
  t1.join();
  t2.join();
  EXPECT_EQ(query_int(*a, "SELECT n FROM counter"), 2 * kEach);
}

// A transaction left uncommitted is rolled back.
TEST_P(BothBackends, UncommittedTransactionRollsBack) {
  auto db = tmp_.open();
  ASSERT_TRUE(db->run([](Connection& c) { return c.exec("CREATE TABLE t(x BIGINT)"); }));
  db->run([](Connection& c) {
    auto tx = c.transaction();
    ASSERT_TRUE(tx);
    ASSERT_TRUE(c.exec("INSERT INTO t VALUES(1)"));
  });
  EXPECT_EQ(query_int(*db, "SELECT count(*) FROM t"), 0);
}

TOLLGATE_STORE_BACKENDS(BothBackends);

// --- PostgreSQL only -----------------------------------------------------------

TEST(PgPlaceholders, TranslatedOutsideLiteralsAndComments) {
  int n = 0;
  EXPECT_EQ(detail::translate_placeholders("SELECT ?1, ?2, ?1", n), "SELECT $1, $2, $1");
  EXPECT_EQ(n, 2);
  EXPECT_EQ(detail::translate_placeholders("VALUES(?, ?, ?)", n), "VALUES($1, $2, $3)");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(detail::translate_placeholders("SELECT '?1', 'it''s ?', \"?\" FROM t WHERE a = ?3", n),
            "SELECT '?1', 'it''s ?', \"?\" FROM t WHERE a = $3");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(detail::translate_placeholders("SELECT 1 -- why?\nWHERE x = ?", n),
            "SELECT 1 -- why?\nWHERE x = $1");
  EXPECT_EQ(n, 1);
}

TEST(PgUrl, PasswordIsRedacted) {
  EXPECT_EQ(redact_database_url("postgresql://tg:s3cr%40t@db:5432/tollgate"),
            "postgresql://tg:***@db:5432/tollgate");
  EXPECT_EQ(redact_database_url("postgres://db/tollgate?sslmode=require&password=hunter2&x=1"),
            "postgres://db/tollgate?sslmode=require&password=***&x=1");
  EXPECT_EQ(redact_database_url("postgresql://tg@db/tollgate"), "postgresql://tg@db/tollgate");
  EXPECT_TRUE(is_postgres_url("postgres://x"));
  EXPECT_FALSE(is_postgres_url("/var/lib/tollgate/tollgate.db"));
}

// A server that is not there: kUnavailable within the connect timeout, and the
// message names the server but not the password.
TEST(PgConnection, DownServerIsUnavailableWithoutThePassword) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);  // a port nobody listens on
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string url =
      "postgresql://tg:topsecret@127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/tollgate";
  const auto start = std::chrono::steady_clock::now();
  auto db = Database::open_url(url);
  ::close(fd);
  ASSERT_FALSE(db);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 6s);
  EXPECT_EQ(db.error().code, StoreErrorCode::kUnavailable);
  EXPECT_EQ(db.error().message.find("topsecret"), std::string::npos) << db.error().message;
  EXPECT_NE(db.error().message.find("tg:***@127.0.0.1"), std::string::npos) << db.error().message;
}

// A connection the server dropped: the call that finds out is kUnavailable,
// the next one reconnects and works (prepared statements are prepared again).
TEST(PgConnection, DroppedConnectionReconnects) {
  testing::TempDb tmp(Backend::kPostgres);
  auto db = tmp.open();
  auto admin = tmp.open();
  ASSERT_TRUE(db->run([](Connection& c) { return c.exec("CREATE TABLE t(x BIGINT)"); }));
  EXPECT_EQ(query_int(*db, "SELECT count(*) FROM t"), 0);
  const std::int64_t pid = query_int(*db, "SELECT pg_backend_pid()");
  EXPECT_EQ(
      query_int(*admin, "SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(pid)),
      1);
  ASSERT_TRUE(admin->run([&](Connection& c) {
    return c.exec("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
  }));
  std::this_thread::sleep_for(100ms);
  auto lost = db->run([](Connection& c) { return c.prepare("SELECT count(*) FROM t"); });
  auto first = db->run([](Connection& c) -> StoreResult<bool> {
    auto st = c.prepare("SELECT count(*) FROM t");
    if (!st) return std::unexpected(st.error());
    return st->step();
  });
  // The cached statement needs no round trip: the failure shows at execution.
  EXPECT_TRUE(lost);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, StoreErrorCode::kUnavailable);
  EXPECT_EQ(query_int(*db, "SELECT count(*) FROM t"), 0);
  EXPECT_NE(query_int(*db, "SELECT pg_backend_pid()"), pid);
}

// A lock held past busy_timeout (lock_timeout) is kBusy, not a hang.
TEST(PgConnection, LockHeldTooLongIsBusy) {
  testing::TempDb tmp(Backend::kPostgres);
  auto holder = tmp.open();
  auto waiter = tmp.open(OpenOptions{.busy_timeout = 200ms});
  std::atomic<bool> locked{false}, done{false};
  std::thread t([&] {
    holder->run([&](Connection& c) {
      auto tx = c.transaction();
      ASSERT_TRUE(tx);
      locked = true;
      while (!done) std::this_thread::sleep_for(10ms);
    });
  });
  while (!locked) std::this_thread::sleep_for(5ms);
  const auto start = std::chrono::steady_clock::now();
  auto try_lock = [](Connection& c) -> StoreResult<void> {
    auto tx = c.transaction();
    if (!tx) return std::unexpected(tx.error());
    return {};
  };
  auto r = waiter->run(try_lock);
  const auto waited = std::chrono::steady_clock::now() - start;
  done = true;
  t.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StoreErrorCode::kBusy) << r.error().message;
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 3s);
  // The waiter is usable again afterwards.
  EXPECT_TRUE(waiter->run(try_lock));
}

// Errors carry PostgreSQL's primary message, not its DETAIL (which quotes values).
TEST(PgConnection, ConflictMessageHoldsNoRowValues) {
  testing::TempDb tmp(Backend::kPostgres);
  auto db = tmp.open();
  auto r = db->run([](Connection& c) -> StoreResult<void> {
    if (auto e = c.exec("CREATE TABLE s(k TEXT PRIMARY KEY)"); !e) return e;
    if (auto e = c.exec("INSERT INTO s VALUES('secret-value-1')"); !e) return e;
    auto st = c.prepare("INSERT INTO s VALUES(?1)");
    if (!st) return std::unexpected(st.error());
    if (auto b = st->bind(1, "secret-value-1"); !b) return b;
    return st->run();
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StoreErrorCode::kConflict);
  EXPECT_EQ(r.error().message.find("secret-value-1"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("23505"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace tollgate::store
