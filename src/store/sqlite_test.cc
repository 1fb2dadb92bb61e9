#include "store/sqlite.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace tollgate::store {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("tollgate_store_test_" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string query_text(Database& db, std::string_view sql) {
  return db.run([&](Connection& c) {
    auto st = c.prepare(sql);
    EXPECT_TRUE(st.has_value()) << st.error().message;
    auto row = st->step();
    EXPECT_TRUE(row.has_value() && *row);
    return st->column_text(0);
  });
}

std::int64_t count_rows(Database& db, std::string_view table) {
  return db.run([&](Connection& c) {
    auto st = c.prepare("SELECT count(*) FROM " + std::string(table));
    EXPECT_TRUE(st.has_value());
    EXPECT_TRUE(st->step().value_or(false));
    return st->column_int64(0);
  });
}

// Opening creates the missing folders and the file, with the documented pragmas applied.
TEST(Database, OpenCreatesFoldersAndAppliesPragmas) {
  TempDir tmp;
  const fs::path path = tmp.path() / "a" / "b" / "tollgate.db";
  auto db = Database::open(path);
  ASSERT_TRUE(db.has_value()) << db.error().message;
  EXPECT_TRUE(fs::exists(path));
  EXPECT_EQ((fs::status(path.parent_path()).permissions() & fs::perms::all), fs::perms::owner_all);
  EXPECT_EQ(query_text(**db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_text(**db, "PRAGMA foreign_keys"), "1");
  EXPECT_EQ(query_text(**db, "PRAGMA synchronous"), "1");  // NORMAL
}

// A database path below a regular file cannot be created: a clean kUnavailable, no throw.
TEST(Database, UncreatableFolderGivesCleanError) {
  TempDir tmp;
  std::ofstream(tmp.path() / "file") << "x";
  auto db = Database::open(tmp.path() / "file" / "sub" / "tollgate.db");
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code, StoreErrorCode::kUnavailable);
  EXPECT_NE(db.error().message.find("cannot create folder"), std::string::npos)
      << db.error().message;
}

// A read-only open of a file that does not exist fails cleanly instead of creating it.
TEST(Database, MissingFileReadOnlyGivesCleanError) {
  TempDir tmp;
  auto db = Database::open(tmp.path() / "missing.db", OpenOptions{.read_only = true});
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code, StoreErrorCode::kUnavailable);
  EXPECT_FALSE(fs::exists(tmp.path() / "missing.db"));
}

// A file that is not an SQLite database is reported as kCorrupt at open.
TEST(Database, NotADatabaseIsCorrupt) {
  TempDir tmp;
  std::ofstream(tmp.path() / "junk.db") << std::string(4096, 'x');
  auto db = Database::open(tmp.path() / "junk.db");
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code, StoreErrorCode::kCorrupt) << db.error().message;
}

// A write lock held by another connection past busy_timeout gives kBusy, not a hang or crash.
TEST(Database, LockedDatabaseGivesBusy) {
  TempDir tmp;
  const fs::path path = tmp.path() / "t.db";
  auto a = Database::open(path);
  auto b = Database::open(path, OpenOptions{.busy_timeout = std::chrono::milliseconds(50)});
  ASSERT_TRUE(a && b);
  ASSERT_TRUE((*a)->run([](Connection& c) { return c.exec("CREATE TABLE t(x INTEGER)"); }));
  ASSERT_TRUE(
      (*a)->run([](Connection& c) { return c.exec("BEGIN EXCLUSIVE; INSERT INTO t VALUES(1)"); }));
  auto r = (*b)->run([](Connection& c) { return c.exec("INSERT INTO t VALUES(2)"); });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, StoreErrorCode::kBusy) << r.error().message;
  ASSERT_TRUE((*a)->run([](Connection& c) { return c.exec("COMMIT"); }));
  EXPECT_TRUE((*b)->run([](Connection& c) { return c.exec("INSERT INTO t VALUES(2)"); }));
}

// A transaction that is not committed is rolled back when it goes out of scope.
TEST(Database, UncommittedTransactionRollsBack) {
  TempDir tmp;
  auto db = Database::open(tmp.path() / "t.db");
  ASSERT_TRUE(db);
  ASSERT_TRUE((*db)->run([](Connection& c) { return c.exec("CREATE TABLE t(x INTEGER)"); }));
  (*db)->run([](Connection& c) {
    auto tx = c.transaction();
    ASSERT_TRUE(tx);
    ASSERT_TRUE(c.exec("INSERT INTO t VALUES(1)"));
  });
  EXPECT_EQ(count_rows(**db, "t"), 0);
  (*db)->run([](Connection& c) {
    auto tx = c.transaction();
    ASSERT_TRUE(tx);
    ASSERT_TRUE(c.exec("INSERT INTO t VALUES(1)"));
    ASSERT_TRUE(tx->commit());
  });
  EXPECT_EQ(count_rows(**db, "t"), 1);
}

// Statements bind text (including empty text, which stays "" and not NULL), integers and NULL.
TEST(Statement, BindsAndReadsColumns) {
  TempDir tmp;
  auto db = Database::open(tmp.path() / "t.db");
  ASSERT_TRUE(db);
  (*db)->run([](Connection& c) {
    ASSERT_TRUE(c.exec("CREATE TABLE t(a TEXT, b INTEGER, c TEXT)"));
    auto ins = c.prepare("INSERT INTO t VALUES(?1, ?2, ?3)");
    ASSERT_TRUE(ins);
    ASSERT_TRUE(ins->bind_all(std::string_view{}, std::int64_t{-7}, nullptr));
    ASSERT_TRUE(ins->run());
    auto sel = c.prepare("SELECT a, b, c, a IS NULL FROM t");
    ASSERT_TRUE(sel);
    ASSERT_TRUE(sel->step().value_or(false));
    EXPECT_EQ(sel->column_text(0), "");
    EXPECT_EQ(sel->column_int64(1), -7);
    EXPECT_TRUE(sel->column_is_null(2));
    EXPECT_EQ(sel->column_int64(3), 0);
    EXPECT_FALSE(sel->step().value_or(true));
  });
}

// A syntax error in SQL is a kInternal error carrying SQLite's message.
TEST(Statement, BadSqlIsInternal) {
  TempDir tmp;
  auto db = Database::open(tmp.path() / "t.db");
  ASSERT_TRUE(db);
  auto st = (*db)->run([](Connection& c) { return c.prepare("SELEKT 1"); });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, StoreErrorCode::kInternal);
  EXPECT_NE(st.error().message.find("syntax error"), std::string::npos) << st.error().message;
}

// The statement cache: a statement given back has its bindings cleared and is
// reset; the same text prepared while its cached statement is in use gets a
// private statement, and both work; a schema change is seen by the cached one.
TEST(Statement, CachedStatementsAreResetAndNestable) {
  TempDir tmp;
  auto db = Database::open(tmp.path() / "t.db");
  ASSERT_TRUE(db);
  (*db)->run([](Connection& c) {
    ASSERT_TRUE(c.exec("CREATE TABLE t(k TEXT PRIMARY KEY, v INTEGER)"));
    for (std::int64_t i = 0; i < 3; ++i) {
      auto ins = c.prepare("INSERT INTO t(k, v) VALUES(?1, ?2)");
      ASSERT_TRUE(ins);
      ASSERT_TRUE(ins->bind_all(std::string("k") + std::to_string(i), i));
      ASSERT_TRUE(ins->run());
    }
    {
      auto first = c.prepare("SELECT v FROM t WHERE k = ?1");
      ASSERT_TRUE(first);
      ASSERT_TRUE(first->bind(1, "k1"));
      ASSERT_TRUE(*first->step());
      auto second = c.prepare("SELECT v FROM t WHERE k = ?1");  // first is still in use
      ASSERT_TRUE(second);
      ASSERT_TRUE(second->bind(1, "k2"));
      ASSERT_TRUE(*second->step());
      EXPECT_EQ(first->column_int64(0), 1);
      EXPECT_EQ(second->column_int64(0), 2);
    }
    auto again = c.prepare("SELECT v FROM t WHERE k = ?1");
    ASSERT_TRUE(again);
    auto row = again->step();  // bindings were cleared: k = NULL matches nothing
    ASSERT_TRUE(row);
    EXPECT_FALSE(*row);
  });
  (*db)->run([](Connection& c) {
    ASSERT_TRUE(c.exec("ALTER TABLE t ADD COLUMN w INTEGER DEFAULT 7"));
    auto st = c.prepare("SELECT v FROM t WHERE k = ?1");
    ASSERT_TRUE(st);
    ASSERT_TRUE(st->bind(1, "k0"));
    ASSERT_TRUE(*st->step());
    EXPECT_EQ(st->column_int64(0), 0);
  });
  // A failed step leaves the cached statement usable.
  (*db)->run([](Connection& c) {
    for (int i = 0; i < 2; ++i) {
      auto ins = c.prepare("INSERT INTO t(k, v) VALUES(?1, ?2)");
      ASSERT_TRUE(ins);
      ASSERT_TRUE(ins->bind_all(std::string("k0"), std::int64_t{9}));
      auto r = ins->run();
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, StoreErrorCode::kConflict);
    }
    auto ins = c.prepare("INSERT INTO t(k, v) VALUES(?1, ?2)");
    ASSERT_TRUE(ins->bind_all(std::string("k9"), std::int64_t{9}));
    EXPECT_TRUE(ins->run());
  });
}

constexpr Migration kTwoSteps[] = {
    {1, "CREATE TABLE one(x INTEGER);"},
    {2, "CREATE TABLE two(y INTEGER); INSERT INTO one VALUES(42);"},
};

// Migrations apply once, in order, are recorded per component, and a second run is a no-op.
TEST(Migrate, AppliesOnceAndIsIdempotent) {
  TempDir tmp;
  auto db = Database::open(tmp.path() / "t.db");
  ASSERT_TRUE(db);
  for (int run = 0; run < 3; ++run) {
    auto r = (*db)->run([](Connection& c) { return migrate(c, "demo", kTwoSteps); });
    ASSERT_TRUE(r) << r.error().message;
  }
  EXPECT_EQ(count_rows(**db, "one"), 1);
  EXPECT_EQ((*db)->run([](Connection& c) { return schema_version(c, "demo"); }).value(), 2);
  EXPECT_EQ((*db)->run([](Connection& c) { return schema_version(c, "other"); }).value(), 0);
}

// Only the missing steps run when a database was created by an older build.
TEST(Migrate, UpgradesFromOlderVersion) {
  TempDir tmp;
  auto db = Database::open(tmp.path() / "t.db");
  ASSERT_TRUE(db);
  ASSERT_TRUE(
      (*db)->run([](Connection& c) { return migrate(c, "demo", std::span(kTwoSteps).first(1)); }));
  EXPECT_EQ((*db)->run([](Connection& c) { return schema_version(c, "demo"); }).value(), 1);
  ASSERT_TRUE((*db)->run([](Connection& c) { return migrate(c, "demo", kTwoSteps); }));
  EXPECT_EQ((*db)->run([](Connection& c) { return schema_version(c, "demo"); }).value(), 2);
  EXPECT_EQ(count_rows(**db, "one"), 1);
}

// A database written by a newer build is refused rather than used with a schema we do not know.
TEST(Migrate, RefusesNewerSchema) {
  TempDir tmp;
  auto db = Database::open(tmp.path() / "t.db");
  ASSERT_TRUE(db);
  ASSERT_TRUE((*db)->run([](Connection& c) { return migrate(c, "demo", kTwoSteps); }));
  auto r =
      (*db)->run([](Connection& c) { return migrate(c, "demo", std::span(kTwoSteps).first(1)); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StoreErrorCode::kCorrupt);
}

// A failing step leaves neither its tables nor a version bump behind.
TEST(Migrate, FailedStepIsAtomic) {
  TempDir tmp;
  auto db = Database::open(tmp.path() / "t.db");
  ASSERT_TRUE(db);
  constexpr Migration kBad[] = {{1, "CREATE TABLE ok(x INTEGER); CREATE TABLE ok(y INTEGER);"}};
  auto r = (*db)->run([&](Connection& c) { return migrate(c, "bad", kBad); });
  ASSERT_FALSE(r);
  EXPECT_EQ((*db)->run([](Connection& c) { return schema_version(c, "bad"); }).value(), 0);
  auto st = (*db)->run([](Connection& c) { return c.prepare("SELECT * FROM ok"); });
  EXPECT_FALSE(st);  // the table was rolled back
}

}  // namespace
}  // namespace tollgate::store
