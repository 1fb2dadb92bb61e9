#include "store/authorize_sessions.h"

#include "core/strf.h"
#include "store/result_util.h"

namespace tollgate::store {
namespace {

using detail::forward;

constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE authorize_sessions ("
     " session_hash TEXT PRIMARY KEY NOT NULL, binding_hash TEXT NOT NULL, csrf TEXT NOT NULL,"
     " request_json TEXT NOT NULL, subscriber TEXT NOT NULL, amr TEXT NOT NULL, auth_time INTEGER "
     "NOT NULL,"
     " otp_subscriber TEXT NOT NULL, otp_hash TEXT NOT NULL, otp_expires_at INTEGER NOT NULL,"
     " otp_attempts INTEGER NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL"
     ") STRICT;",
     "CREATE TABLE authorize_sessions ("
     " session_hash TEXT PRIMARY KEY NOT NULL, binding_hash TEXT NOT NULL, csrf TEXT NOT NULL,"
     " request_json TEXT NOT NULL, subscriber TEXT NOT NULL, amr TEXT NOT NULL,"
     " auth_time BIGINT NOT NULL,"
     " otp_subscriber TEXT NOT NULL, otp_hash TEXT NOT NULL, otp_expires_at BIGINT NOT NULL,"
     " otp_attempts BIGINT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL"
     ");"},
};

constexpr std::string_view kColumns =
    "session_hash, binding_hash, csrf, request_json, subscriber, amr, auth_time, otp_subscriber, "
    "otp_hash, "
    "otp_expires_at, otp_attempts, created_at, expires_at";

}  // namespace

StoreResult<std::shared_ptr<SqliteAuthorizeSessionStore>> SqliteAuthorizeSessionStore::open(
    std::shared_ptr<Database> db) {
  if (!db)
    return std::unexpected(
        StoreError{StoreErrorCode::kInternal, "SqliteAuthorizeSessionStore: no database"});
  auto r = db->run([](Connection& c) { return migrate(c, "authorize_sessions", kMigrations); });
  if (!r) return forward(r);
  return std::shared_ptr<SqliteAuthorizeSessionStore>(
      new SqliteAuthorizeSessionStore(std::move(db)));
}

StoreResult<void> SqliteAuthorizeSessionStore::create(const AuthorizeSession& s) {
  return db_->run([&](Connection& c) {
    return detail::exec_bound(
        c,
        core::strf("INSERT INTO authorize_sessions({}) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                   "?9, ?10, ?11, ?12, ?13)",
                   kColumns),
        s.session_hash, s.binding_hash, s.csrf, s.request_json, s.subscriber,
        detail::json_list(s.amr), s.auth_time, s.otp_subscriber, s.otp_hash, s.otp_expires_at,
        s.otp_attempts, s.created_at, s.expires_at);
  });
}

StoreResult<std::optional<AuthorizeSession>> SqliteAuthorizeSessionStore::find(
    std::string_view session_hash) {
  return db_->run([&](Connection& c) -> StoreResult<std::optional<AuthorizeSession>> {
    auto st = c.prepare(
        core::strf("SELECT {} FROM authorize_sessions WHERE session_hash = ?1", kColumns));
    if (!st) return forward(st);
    if (auto b = st->bind(1, session_hash); !b) return forward(b);
    auto row = st->step();
    if (!row) return forward(row);
    if (!*row) return std::nullopt;
    AuthorizeSession s;
    s.session_hash = st->column_text(0);
    s.binding_hash = st->column_text(1);
    s.csrf = st->column_text(2);
    s.request_json = st->column_text(3);
    s.subscriber = st->column_text(4);
    auto amr = detail::parse_json_list(st->column_text(5));
    if (!amr) return std::unexpected(detail::corrupt("authorize session: bad amr"));
    s.amr = std::move(*amr);
    s.auth_time = st->column_int64(6);
    s.otp_subscriber = st->column_text(7);
    s.otp_hash = st->column_text(8);
    s.otp_expires_at = st->column_int64(9);
    s.otp_attempts = st->column_int64(10);
    s.created_at = st->column_int64(11);
    s.expires_at = st->column_int64(12);
    return std::optional<AuthorizeSession>(std::move(s));
  });
}

StoreResult<void> SqliteAuthorizeSessionStore::update(const AuthorizeSession& s) {
  return db_->run([&](Connection& c) -> StoreResult<void> {
    if (auto r = detail::exec_bound(
            c,
            "UPDATE authorize_sessions SET subscriber = ?2, amr = ?3, auth_time = ?4, "
            "otp_subscriber = ?5, otp_hash = ?6, otp_expires_at = ?7, otp_attempts = ?8 "
            "WHERE session_hash = ?1",
            s.session_hash, s.subscriber, detail::json_list(s.amr), s.auth_time, s.otp_subscriber,
            s.otp_hash, s.otp_expires_at, s.otp_attempts);
        !r)
      return r;
    if (c.changes() == 0)
      return std::unexpected(StoreError{StoreErrorCode::kNotFound, "authorize session ended"});
    return {};
  });
}

StoreResult<bool> SqliteAuthorizeSessionStore::finish(std::string_view session_hash) {
  return db_->run([&](Connection& c) -> StoreResult<bool> {
    if (auto r = detail::exec_bound(c, "DELETE FROM authorize_sessions WHERE session_hash = ?1",
                                    session_hash);
        !r)
      return forward(r);
    return c.changes() == 1;
  });
}

StoreResult<std::int64_t> SqliteAuthorizeSessionStore::purge_expired(std::int64_t before) {
  return db_->run([&](Connection& c) -> StoreResult<std::int64_t> {
    if (auto r =
            detail::exec_bound(c, "DELETE FROM authorize_sessions WHERE expires_at < ?1", before);
        !r)
      return forward(r);
    return c.changes();
  });
}

}  // namespace tollgate::store
