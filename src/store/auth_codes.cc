#include "store/auth_codes.h"

#include "core/strf.h"
#include "store/result_util.h"

namespace tollgate::store {
namespace {

using detail::forward;

constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE auth_codes ("
     " code_hash TEXT PRIMARY KEY NOT NULL,"
     " client_id TEXT NOT NULL, partner TEXT NOT NULL, scope TEXT NOT NULL, purpose TEXT NOT NULL,"
     " subscriber TEXT NOT NULL, amr TEXT NOT NULL, consent_id TEXT NOT NULL, auth_time INTEGER "
     "NOT NULL,"
     " nonce TEXT NOT NULL, redirect_uri TEXT NOT NULL, code_challenge TEXT NOT NULL,"
     " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
     " used INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),"
     " access_jti TEXT NOT NULL DEFAULT '', access_exp INTEGER NOT NULL DEFAULT 0,"
     " refresh_family TEXT NOT NULL DEFAULT ''"
     ") STRICT;",
     "CREATE TABLE auth_codes ("
     " code_hash TEXT PRIMARY KEY NOT NULL,"
     " client_id TEXT NOT NULL, partner TEXT NOT NULL, scope TEXT NOT NULL, purpose TEXT NOT NULL,"
     " subscriber TEXT NOT NULL, amr TEXT NOT NULL, consent_id TEXT NOT NULL,"
     " auth_time BIGINT NOT NULL,"
     " nonce TEXT NOT NULL, redirect_uri TEXT NOT NULL, code_challenge TEXT NOT NULL,"
     " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
     " used INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),"
     " access_jti TEXT NOT NULL DEFAULT '', access_exp BIGINT NOT NULL DEFAULT 0,"
     " refresh_family TEXT NOT NULL DEFAULT ''"
     ");"},
};

constexpr std::string_view kColumns =
    "code_hash, client_id, partner, scope, purpose, subscriber, amr, consent_id, auth_time, nonce, "
    "redirect_uri, code_challenge, created_at, expires_at, used, access_jti, access_exp, "
    "refresh_family";

StoreResult<AuthCodeRecord> read_row(const Statement& st) {
  AuthCodeRecord r;
  r.code_hash = st.column_text(0);
  GrantContext& g = r.grant;
  g.client_id = st.column_text(1);
  g.partner = st.column_text(2);
  g.scope = st.column_text(3);
  g.purpose = st.column_text(4);
  g.subscriber = st.column_text(5);
  auto amr = detail::parse_json_list(st.column_text(6));
  if (!amr) return std::unexpected(detail::corrupt("auth code: bad amr"));
  g.amr = std::move(*amr);
  g.consent_id = st.column_text(7);
  g.auth_time = st.column_int64(8);
  g.nonce = st.column_text(9);
  r.redirect_uri = st.column_text(10);
  r.code_challenge = st.column_text(11);
  r.created_at = st.column_int64(12);
  r.expires_at = st.column_int64(13);
  r.access_jti = st.column_text(15);
  r.access_exp = st.column_int64(16);
  r.refresh_family = st.column_text(17);
  return r;
}

}  // namespace

StoreResult<std::shared_ptr<SqliteAuthCodeStore>> SqliteAuthCodeStore::open(
    std::shared_ptr<Database> db) {
  if (!db)
    return std::unexpected(
        StoreError{StoreErrorCode::kInternal, "SqliteAuthCodeStore: no database"});
  auto r = db->run([](Connection& c) { return migrate(c, "auth_codes", kMigrations); });
  if (!r) return forward(r);
  return std::shared_ptr<SqliteAuthCodeStore>(new SqliteAuthCodeStore(std::move(db)));
}

StoreResult<void> SqliteAuthCodeStore::create(const AuthCodeRecord& r) {
  const GrantContext& g = r.grant;
  return db_->run([&](Connection& c) {
    return detail::exec_bound(
        c,
        core::strf("INSERT INTO auth_codes({}) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                   "?10, ?11, ?12, ?13, ?14, 0, '', 0, '')",
                   kColumns),
        r.code_hash, g.client_id, g.partner, g.scope, g.purpose, g.subscriber,
        detail::json_list(g.amr), g.consent_id, g.auth_time, g.nonce, r.redirect_uri,
        r.code_challenge, r.created_at, r.expires_at);
  });
}

StoreResult<RedeemResult> SqliteAuthCodeStore::redeem(std::string_view code_hash,
                                                      std::int64_t now) {
  return db_->run([&](Connection& c) -> StoreResult<RedeemResult> {
    auto tx = c.transaction();
    if (!tx) return forward(tx);
    auto st = c.prepare(core::strf("SELECT {} FROM auth_codes WHERE code_hash = ?1", kColumns));
    if (!st) return forward(st);
    if (auto b = st->bind(1, code_hash); !b) return forward(b);
    auto row = st->step();
    if (!row) return forward(row);
    RedeemResult out;
    if (!*row) return out;  // kUnknown
    auto rec = read_row(*st);
    if (!rec) return forward(rec);
    const bool used = st->column_int64(14) != 0;
    st = Statement{};
    out.record = std::move(*rec);
    if (used) {
      out.outcome = RedeemOutcome::kReused;
      return out;
    }
    // An expired code is burned too: it can never be redeemed later by a skewed clock.
    if (auto r =
            detail::exec_bound(c, "UPDATE auth_codes SET used = 1 WHERE code_hash = ?1", code_hash);
        !r)
      return forward(r);
    if (auto r = tx->commit(); !r) return forward(r);
    out.outcome =
        now >= out.record->expires_at ? RedeemOutcome::kExpired : RedeemOutcome::kRedeemed;
    return out;
  });
}

StoreResult<void> SqliteAuthCodeStore::record_issued(std::string_view code_hash,
                                                     std::string_view access_jti,
                                                     std::int64_t access_exp,
                                                     std::string_view refresh_family) {
  return db_->run([&](Connection& c) {
    return detail::exec_bound(c,
                              "UPDATE auth_codes SET access_jti = ?2, access_exp = ?3, "
                              "refresh_family = ?4 WHERE code_hash = ?1",
                              code_hash, access_jti, access_exp, refresh_family);
  });
}

StoreResult<std::int64_t> SqliteAuthCodeStore::purge_expired(std::int64_t before) {
  return db_->run([&](Connection& c) -> StoreResult<std::int64_t> {
    // Keep redeemed codes until their tokens expired: a late replay must still be recognised.
    if (auto r = detail::exec_bound(
            c, "DELETE FROM auth_codes WHERE expires_at < ?1 AND access_exp < ?1", before);
        !r)
      return forward(r);
    return c.changes();
  });
}

}  // namespace tollgate::store
