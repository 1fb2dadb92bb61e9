#include "store/replay.h"

namespace tollgate::store {
namespace {

constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE assertion_jti ("
     " client_id TEXT NOT NULL,"
     " jti TEXT NOT NULL,"
     " keep_until INTEGER NOT NULL,"
     " PRIMARY KEY (client_id, jti)"
     ") STRICT, WITHOUT ROWID;"
     "CREATE INDEX assertion_jti_by_expiry ON assertion_jti(keep_until);",
     "CREATE TABLE assertion_jti ("
     " client_id TEXT NOT NULL,"
     " jti TEXT NOT NULL,"
     " keep_until BIGINT NOT NULL,"
     " PRIMARY KEY (client_id, jti)"
     ");"
     "CREATE INDEX assertion_jti_by_expiry ON assertion_jti(keep_until);"},
};

template <class T>
std::unexpected<StoreError> forward(StoreResult<T>& r) {
  return std::unexpected(std::move(r.error()));
}

}  // namespace

StoreResult<std::shared_ptr<SqliteReplayCache>> SqliteReplayCache::open(
    std::shared_ptr<Database> db) {
  if (!db)
    return std::unexpected(
        StoreError{StoreErrorCode::kInternal, "SqliteReplayCache::open: no database"});
  auto r = db->run([](Connection& c) { return migrate(c, "replay", kMigrations); });
  if (!r) return forward(r);
  return std::shared_ptr<SqliteReplayCache>(new SqliteReplayCache(std::move(db)));
}

StoreResult<bool> SqliteReplayCache::use_once(std::string_view client_id, std::string_view jti,
                                              std::int64_t keep_until, std::int64_t now) {
  return db_->run([&](Connection& c) -> StoreResult<bool> {
    if (now - last_prune_ >= kPruneInterval) {
      auto del = c.prepare("DELETE FROM assertion_jti WHERE keep_until < ?1");
      if (!del) return forward(del);
      if (auto b = del->bind(1, now); !b) return forward(b);
      if (auto r = del->run(); !r) return forward(r);
      last_prune_ = now;
    }
    // Inserted, or an expired row taken over: one change. A live row: none.
    auto st = c.prepare(
        "INSERT INTO assertion_jti(client_id, jti, keep_until) VALUES(?1, ?2, ?3) "
        "ON CONFLICT(client_id, jti) DO UPDATE SET keep_until = excluded.keep_until "
        "WHERE assertion_jti.keep_until < ?4");
    if (!st) return forward(st);
    if (auto b = st->bind_all(client_id, jti, keep_until, now); !b) return forward(b);
    if (auto r = st->run(); !r) return forward(r);
    return c.changes() == 1;
  });
}

StoreResult<std::int64_t> SqliteReplayCache::size() {
  return db_->run([&](Connection& c) -> StoreResult<std::int64_t> {
    auto st = c.prepare("SELECT count(*) FROM assertion_jti");
    if (!st) return forward(st);
    auto row = st->step();
    if (!row) return forward(row);
    return st->column_int64(0);
  });
}

StoreResult<std::int64_t> SqliteReplayCache::purge_expired(std::int64_t now) {
  return db_->run([&](Connection& c) -> StoreResult<std::int64_t> {
    auto del = c.prepare("DELETE FROM assertion_jti WHERE keep_until < ?1");
    if (!del) return forward(del);
    if (auto b = del->bind(1, now); !b) return forward(b);
    if (auto r = del->run(); !r) return forward(r);
    return c.changes();
  });
}

}  // namespace tollgate::store
