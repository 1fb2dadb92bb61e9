#include "store/refresh_tokens.h"

#include "core/strf.h"
#include "store/result_util.h"

namespace tollgate::store {
namespace {

using detail::forward;

constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE refresh_tokens ("
     " token_hash TEXT PRIMARY KEY NOT NULL, family_id TEXT NOT NULL, grant_type TEXT NOT NULL,"
     " client_id TEXT NOT NULL, partner TEXT NOT NULL, scope TEXT NOT NULL, purpose TEXT NOT NULL,"
     " subscriber TEXT NOT NULL, amr TEXT NOT NULL, consent_id TEXT NOT NULL, auth_time INTEGER "
     "NOT NULL,"
     " nonce TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
     " used_at INTEGER,"
     " revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))"
     ") STRICT;"
     "CREATE INDEX refresh_tokens_by_family ON refresh_tokens(family_id);"
     "CREATE INDEX refresh_tokens_by_consent ON refresh_tokens(consent_id);",
     "CREATE TABLE refresh_tokens ("
     " token_hash TEXT PRIMARY KEY NOT NULL, family_id TEXT NOT NULL, grant_type TEXT NOT NULL,"
     " client_id TEXT NOT NULL, partner TEXT NOT NULL, scope TEXT NOT NULL, purpose TEXT NOT NULL,"
     " subscriber TEXT NOT NULL, amr TEXT NOT NULL, consent_id TEXT NOT NULL,"
     " auth_time BIGINT NOT NULL,"
     " nonce TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
     " used_at BIGINT,"
     " revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))"
     ");"
     "CREATE INDEX refresh_tokens_by_family ON refresh_tokens(family_id);"
     "CREATE INDEX refresh_tokens_by_consent ON refresh_tokens(consent_id);"},
    // The access token issued together with each refresh token, so that a reused
    // refresh token (or code) can revoke every access token of its family.
    {2,
     "ALTER TABLE refresh_tokens ADD COLUMN access_jti TEXT NOT NULL DEFAULT '';"
     "ALTER TABLE refresh_tokens ADD COLUMN access_exp INTEGER NOT NULL DEFAULT 0;",
     "ALTER TABLE refresh_tokens ADD COLUMN access_jti TEXT NOT NULL DEFAULT '';"
     "ALTER TABLE refresh_tokens ADD COLUMN access_exp BIGINT NOT NULL DEFAULT 0;"},
};

constexpr std::string_view kColumns =
    "token_hash, family_id, grant_type, client_id, partner, scope, purpose, subscriber, amr, "
    "consent_id, "
    "auth_time, nonce, created_at, expires_at, used_at, revoked, access_jti, access_exp";

StoreResult<RefreshTokenRecord> read_row(const Statement& st) {
  RefreshTokenRecord r;
  r.token_hash = st.column_text(0);
  r.family_id = st.column_text(1);
  r.grant_type = st.column_text(2);
  GrantContext& g = r.grant;
  g.client_id = st.column_text(3);
  g.partner = st.column_text(4);
  g.scope = st.column_text(5);
  g.purpose = st.column_text(6);
  g.subscriber = st.column_text(7);
  auto amr = detail::parse_json_list(st.column_text(8));
  if (!amr) return std::unexpected(detail::corrupt("refresh token: bad amr"));
  g.amr = std::move(*amr);
  g.consent_id = st.column_text(9);
  g.auth_time = st.column_int64(10);
  g.nonce = st.column_text(11);
  r.created_at = st.column_int64(12);
  r.expires_at = st.column_int64(13);
  if (!st.column_is_null(14)) r.used_at = st.column_int64(14);
  r.revoked = st.column_int64(15) != 0;
  r.access_jti = st.column_text(16);
  r.access_exp = st.column_int64(17);
  return r;
}

}  // namespace

StoreResult<std::shared_ptr<SqliteRefreshTokenStore>> SqliteRefreshTokenStore::open(
    std::shared_ptr<Database> db) {
  if (!db)
    return std::unexpected(
        StoreError{StoreErrorCode::kInternal, "SqliteRefreshTokenStore: no database"});
  auto r = db->run([](Connection& c) { return migrate(c, "refresh_tokens", kMigrations); });
  if (!r) return forward(r);
  return std::shared_ptr<SqliteRefreshTokenStore>(new SqliteRefreshTokenStore(std::move(db)));
}

StoreResult<void> SqliteRefreshTokenStore::create(const RefreshTokenRecord& r) {
  const GrantContext& g = r.grant;
  return db_->run([&](Connection& c) {
    return detail::exec_bound(
        c,
        core::strf("INSERT INTO refresh_tokens({}) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                   "?10, ?11, ?12, ?13, ?14, NULL, 0, ?15, ?16)",
                   kColumns),
        r.token_hash, r.family_id, r.grant_type, g.client_id, g.partner, g.scope, g.purpose,
        g.subscriber, detail::json_list(g.amr), g.consent_id, g.auth_time, g.nonce, r.created_at,
        r.expires_at, r.access_jti, r.access_exp);
  });
}

StoreResult<RefreshUse> SqliteRefreshTokenStore::use(std::string_view token_hash,
                                                     std::int64_t now) {
  return db_->run([&](Connection& c) -> StoreResult<RefreshUse> {
    auto tx = c.transaction();
    if (!tx) return forward(tx);
    auto st =
        c.prepare(core::strf("SELECT {} FROM refresh_tokens WHERE token_hash = ?1", kColumns));
    if (!st) return forward(st);
    if (auto b = st->bind(1, token_hash); !b) return forward(b);
    auto row = st->step();
    if (!row) return forward(row);
    RefreshUse out;
    if (!*row) return out;
    auto rec = read_row(*st);
    if (!rec) return forward(rec);
    const bool used = !st->column_is_null(14);
    const bool revoked = st->column_int64(15) != 0;
    st = Statement{};
    out.record = std::move(*rec);
    if (used) {
      // Reuse of a rotated token: one of the two holders is an attacker; end the family.
      if (auto r =
              detail::exec_bound(c, "UPDATE refresh_tokens SET revoked = 1 WHERE family_id = ?1",
                                 out.record->family_id);
          !r)
        return forward(r);
      if (auto r = tx->commit(); !r) return forward(r);
      out.outcome = RefreshOutcome::kReused;
      return out;
    }
    if (revoked) {
      out.outcome = RefreshOutcome::kRevoked;
      return out;
    }
    if (now >= out.record->expires_at) {
      out.outcome = RefreshOutcome::kExpired;
      return out;
    }
    if (auto r = detail::exec_bound(
            c, "UPDATE refresh_tokens SET used_at = ?2 WHERE token_hash = ?1", token_hash, now);
        !r)
      return forward(r);
    if (auto r = tx->commit(); !r) return forward(r);
    out.outcome = RefreshOutcome::kActive;
    return out;
  });
}

StoreResult<void> SqliteRefreshTokenStore::revoke_family(std::string_view family_id) {
  return db_->run([&](Connection& c) {
    return detail::exec_bound(c, "UPDATE refresh_tokens SET revoked = 1 WHERE family_id = ?1",
                              family_id);
  });
}

StoreResult<void> SqliteRefreshTokenStore::revoke_client(std::string_view client_id) {
  return db_->run([&](Connection& c) {
    return detail::exec_bound(c, "UPDATE refresh_tokens SET revoked = 1 WHERE client_id = ?1",
                              client_id);
  });
}

StoreResult<void> SqliteRefreshTokenStore::revoke_consent(std::string_view consent_id) {
  if (consent_id.empty()) return {};  // tokens without a consent rest on none
  return db_->run([&](Connection& c) {
    return detail::exec_bound(c, "UPDATE refresh_tokens SET revoked = 1 WHERE consent_id = ?1",
                              consent_id);
  });
}

StoreResult<std::optional<RefreshTokenRecord>> SqliteRefreshTokenStore::find(
    std::string_view token_hash) {
  return db_->run([&](Connection& c) -> StoreResult<std::optional<RefreshTokenRecord>> {
    auto st =
        c.prepare(core::strf("SELECT {} FROM refresh_tokens WHERE token_hash = ?1", kColumns));
    if (!st) return forward(st);
    if (auto b = st->bind(1, token_hash); !b) return forward(b);
    auto row = st->step();
    if (!row) return forward(row);
    if (!*row) return std::nullopt;
    auto rec = read_row(*st);
    if (!rec) return forward(rec);
    return std::optional<RefreshTokenRecord>(std::move(*rec));
  });
}

StoreResult<std::vector<FamilyAccessToken>> SqliteRefreshTokenStore::family_access_tokens(
    std::string_view family_id, std::int64_t now) {
  return db_->run([&](Connection& c) -> StoreResult<std::vector<FamilyAccessToken>> {
    auto st = c.prepare(
        "SELECT access_jti, client_id, access_exp FROM refresh_tokens"
        " WHERE family_id = ?1 AND access_jti <> '' AND access_exp > ?2 ORDER BY created_at");
    if (!st) return forward(st);
    if (auto b = st->bind_all(family_id, now); !b) return forward(b);
    std::vector<FamilyAccessToken> out;
    for (;;) {
      auto row = st->step();
      if (!row) return forward(row);
      if (!*row) break;
      out.push_back({st->column_text(0), st->column_text(1), st->column_int64(2)});
    }
    return out;
  });
}

StoreResult<std::int64_t> SqliteRefreshTokenStore::purge_expired(std::int64_t before) {
  return db_->run([&](Connection& c) -> StoreResult<std::int64_t> {
    // Every token of a family carries the family's absolute expiry; a row whose access
    // token outlives the family stays until that token expired, so nothing that
    // family_access_tokens could still report is lost.
    if (auto r = detail::exec_bound(
            c, "DELETE FROM refresh_tokens WHERE expires_at < ?1 AND access_exp < ?1", before);
        !r)
      return forward(r);
    return c.changes();
  });
}

}  // namespace tollgate::store
