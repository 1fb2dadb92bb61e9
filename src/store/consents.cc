#include "store/consents.h"

#include "core/strf.h"
#include "store/result_util.h"

namespace tollgate::store {
namespace {

using detail::forward;

constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE consents ("
     " consent_id TEXT PRIMARY KEY NOT NULL,"
     " partner TEXT NOT NULL,"
     " client_id TEXT NOT NULL,"
     " subscriber TEXT NOT NULL,"
     " purpose TEXT NOT NULL,"
     " scopes TEXT NOT NULL,"
     " created_at INTEGER NOT NULL,"
     " expires_at INTEGER NOT NULL,"
     " withdrawn_at INTEGER"
     ") STRICT;"
     "CREATE INDEX consents_lookup ON consents(partner, subscriber, purpose);"
     "CREATE INDEX consents_by_subscriber ON consents(subscriber);",
     "CREATE TABLE consents ("
     " consent_id TEXT PRIMARY KEY NOT NULL,"
     " partner TEXT NOT NULL,"
     " client_id TEXT NOT NULL,"
     " subscriber TEXT NOT NULL,"
     " purpose TEXT NOT NULL,"
     " scopes TEXT NOT NULL,"
     " created_at BIGINT NOT NULL,"
     " expires_at BIGINT NOT NULL,"
     " withdrawn_at BIGINT"
     ");"
     "CREATE INDEX consents_lookup ON consents(partner, subscriber, purpose);"
     "CREATE INDEX consents_by_subscriber ON consents(subscriber);"},
};

constexpr std::string_view kColumns =
    "consent_id, partner, client_id, subscriber, purpose, scopes, created_at, expires_at, "
    "withdrawn_at";

StoreResult<ConsentRecord> read_row(const Statement& st) {
  ConsentRecord r;
  r.consent_id = st.column_text(0);
  r.partner = st.column_text(1);
  r.client_id = st.column_text(2);
  r.subscriber = st.column_text(3);
  r.purpose = st.column_text(4);
  auto scopes = core::ScopeSet::parse(st.column_text(5));
  if (!scopes) return std::unexpected(detail::corrupt("consent " + r.consent_id + ": bad scopes"));
  r.scopes = std::move(*scopes);
  r.created_at = st.column_int64(6);
  r.expires_at = st.column_int64(7);
  if (!st.column_is_null(8)) r.withdrawn_at = st.column_int64(8);
  return r;
}

template <class... Args>
StoreResult<std::vector<ConsentRecord>> query(Connection& c, std::string_view sql,
                                              const Args&... args) {
  auto st = c.prepare(sql);
  if (!st) return forward(st);
  if (auto b = st->bind_all(args...); !b) return forward(b);
  std::vector<ConsentRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row) return forward(row);
    if (!*row) break;
    auto rec = read_row(*st);
    if (!rec) return forward(rec);
    out.push_back(std::move(*rec));
  }
  return out;
}

}  // namespace

StoreResult<std::shared_ptr<SqliteConsentStore>> SqliteConsentStore::open(
    std::shared_ptr<Database> db) {
  if (!db)
    return std::unexpected(
        StoreError{StoreErrorCode::kInternal, "SqliteConsentStore: no database"});
  auto r = db->run([](Connection& c) { return migrate(c, "consents", kMigrations); });
  if (!r) return forward(r);
  return std::shared_ptr<SqliteConsentStore>(new SqliteConsentStore(std::move(db)));
}

StoreResult<void> SqliteConsentStore::create(const ConsentRecord& r) {
  return db_->run([&](Connection& c) {
    return detail::exec_bound(
        c,
        core::strf("INSERT INTO consents({}) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", kColumns),
        r.consent_id, r.partner, r.client_id, r.subscriber, r.purpose, r.scopes.to_string(),
        r.created_at, r.expires_at, nullptr);
  });
}

StoreResult<std::optional<ConsentRecord>> SqliteConsentStore::find(std::string_view consent_id) {
  return db_->run([&](Connection& c) -> StoreResult<std::optional<ConsentRecord>> {
    auto rows =
        query(c, core::strf("SELECT {} FROM consents WHERE consent_id = ?1", kColumns), consent_id);
    if (!rows) return forward(rows);
    if (rows->empty()) return std::nullopt;
    return std::move(rows->front());
  });
}

StoreResult<std::optional<ConsentRecord>> SqliteConsentStore::find_covering(
    std::string_view partner, std::string_view subscriber, std::string_view purpose,
    const core::ScopeSet& scopes, std::int64_t now) {
  return db_->run([&](Connection& c) -> StoreResult<std::optional<ConsentRecord>> {
    auto rows =
        query(c,
              core::strf("SELECT {} FROM consents WHERE partner = ?1 AND subscriber = ?2 AND "
                         "purpose = ?3 AND withdrawn_at IS NULL AND expires_at > ?4 "
                         "ORDER BY created_at DESC, consent_id",
                         kColumns),
              partner, subscriber, purpose, now);
    if (!rows) return forward(rows);
    for (auto& r : *rows)
      if (r.scopes.contains_all(scopes.items())) return std::move(r);
    return std::nullopt;
  });
}

StoreResult<std::vector<ConsentRecord>> SqliteConsentStore::list_for_subscriber(
    std::string_view subscriber) {
  return db_->run([&](Connection& c) {
    return query(
        c,
        core::strf(
            "SELECT {} FROM consents WHERE subscriber = ?1 ORDER BY created_at DESC, consent_id",
            kColumns),
        subscriber);
  });
}

StoreResult<std::vector<ConsentRecord>> SqliteConsentStore::list(std::string_view subscriber,
                                                                 std::string_view partner,
                                                                 std::size_t limit) {
  return db_->run([&](Connection& c) {
    return query(
        c,
        core::strf("SELECT {} FROM consents WHERE (?1 = '' OR subscriber = ?1) AND "
                   "(?2 = '' OR partner = ?2) ORDER BY created_at DESC, consent_id LIMIT ?3",
                   kColumns),
        subscriber, partner, static_cast<std::int64_t>(limit));
  });
}

StoreResult<void> SqliteConsentStore::withdraw(std::string_view consent_id, std::int64_t now) {
  return db_->run([&](Connection& c) -> StoreResult<void> {
    if (auto r = detail::exec_bound(
            c,
            "UPDATE consents SET withdrawn_at = coalesce(withdrawn_at, ?2) WHERE consent_id = ?1",
            consent_id, now);
        !r)
      return r;
    if (c.changes() == 0)
      return std::unexpected(
          StoreError{StoreErrorCode::kNotFound, core::strf("no consent '{}'", consent_id)});
    return {};
  });
}

}  // namespace tollgate::store
