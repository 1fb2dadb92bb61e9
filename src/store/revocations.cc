#include "store/revocations.h"

#include <optional>

#include "core/strf.h"

namespace tollgate::store {

using core::strf;
namespace {

// Partial unique indexes make "revoke twice" a no-op per token and per client.
constexpr Migration kMigrations[] = {
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

constexpr std::string_view kColumns = "seq, kind, jti, client_id, exp, revoked_at, reason";

template <class T>
std::unexpected<StoreError> forward(StoreResult<T>& r) {
  return std::unexpected(std::move(r.error()));
}

StoreResult<Revocation> read_row(const Statement& st) {
  Revocation r;
  r.seq = st.column_int64(0);
  const std::string kind = st.column_text(1);
  if (kind == "token") {
    r.kind = RevocationKind::kToken;
  } else if (kind == "client") {
    r.kind = RevocationKind::kClient;
  } else {
    return std::unexpected(StoreError{StoreErrorCode::kCorrupt, strf("revocation {}: kind '{}'", r.seq, kind)});
  }
  if (!st.column_is_null(2)) r.jti = st.column_text(2);
  r.client_id = st.column_text(3);
  r.exp = st.column_int64(4);
  r.revoked_at = st.column_int64(5);
  r.reason = st.column_text(6);
  return r;
}

// Look the entry up by its unique key; insert it only when absent (inside one
// write transaction, so two revocations of the same token cannot both insert
// and AUTOINCREMENT numbers are not spent on duplicates).
StoreResult<RevokeResult> insert_or_find(Connection& c, RevocationKind kind, std::string_view jti,
                                         std::string_view client_id, std::int64_t exp, std::int64_t now,
                                         std::string_view reason) {
  auto tx = c.transaction();
  if (!tx) return forward(tx);
  auto find = [&]() -> StoreResult<std::optional<Revocation>> {
    auto sel = c.prepare(kind == RevocationKind::kToken
                             ? strf("SELECT {} FROM revocations WHERE kind = 'token' AND jti = ?1", kColumns)
                             : strf("SELECT {} FROM revocations WHERE kind = 'client' AND client_id = ?1",
                                    kColumns));
    if (!sel) return forward(sel);
    if (auto b = sel->bind(1, kind == RevocationKind::kToken ? jti : client_id); !b) return forward(b);
    auto row = sel->step();
    if (!row) return forward(row);
    if (!*row) return std::optional<Revocation>{};
    auto entry = read_row(*sel);
    if (!entry) return forward(entry);
    return std::optional<Revocation>(std::move(*entry));
  };
  auto existing = find();
  if (!existing) return forward(existing);
  if (*existing) return RevokeResult{std::move(**existing), false};  // the transaction rolls back: nothing written
  {
    auto ins = c.prepare(
        "INSERT INTO revocations(kind, jti, client_id, exp, revoked_at, reason) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
    if (!ins) return forward(ins);
    StoreResult<void> b = ins->bind(1, to_string(kind));
    if (b) b = kind == RevocationKind::kToken ? ins->bind(2, jti) : ins->bind(2, nullptr);
    if (b) b = ins->bind(3, client_id);
    if (b) b = ins->bind(4, exp);
    if (b) b = ins->bind(5, now);
    if (b) b = ins->bind(6, reason);
    if (!b) return forward(b);
    if (auto r = ins->run(); !r) return forward(r);
  }
  auto inserted = find();
  if (!inserted) return forward(inserted);
  if (!*inserted) return std::unexpected(StoreError{StoreErrorCode::kInternal, "revocation vanished after insert"});
  if (auto cm = tx->commit(); !cm) return forward(cm);
  return RevokeResult{std::move(**inserted), true};
}

StoreResult<bool> exists(Connection& c, std::string_view sql, std::string_view key) {
  auto st = c.prepare(sql);
  if (!st) return forward(st);
  if (auto b = st->bind(1, key); !b) return forward(b);
  auto row = st->step();
  if (!row) return forward(row);
  return *row;
}

}  // namespace

std::string_view to_string(RevocationKind kind) {
  return kind == RevocationKind::kToken ? "token" : "client";
}

StoreResult<std::shared_ptr<SqliteRevocationStore>> SqliteRevocationStore::open(std::shared_ptr<Database> db) {
  if (!db) return std::unexpected(StoreError{StoreErrorCode::kInternal, "SqliteRevocationStore::open: no database"});
  auto r = db->run([](Connection& c) { return migrate(c, "revocations", kMigrations); });
  if (!r) return forward(r);
  return std::shared_ptr<SqliteRevocationStore>(new SqliteRevocationStore(std::move(db)));
}

StoreResult<RevokeResult> SqliteRevocationStore::revoke_token(std::string_view jti, std::string_view client_id,
                                                              std::int64_t exp, std::int64_t now,
                                                              std::string_view reason) {
  if (jti.empty()) return std::unexpected(StoreError{StoreErrorCode::kInternal, "revoke_token: empty jti"});
  return db_->run([&](Connection& c) {
    return insert_or_find(c, RevocationKind::kToken, jti, client_id, exp, now, reason);
  });
}

StoreResult<RevokeResult> SqliteRevocationStore::revoke_client(std::string_view client_id, std::int64_t now,
                                                               std::string_view reason) {
  if (client_id.empty())
    return std::unexpected(StoreError{StoreErrorCode::kInternal, "revoke_client: empty client_id"});
  return db_->run([&](Connection& c) {
    return insert_or_find(c, RevocationKind::kClient, {}, client_id, 0, now, reason);
  });
}

StoreResult<bool> SqliteRevocationStore::token_revoked(std::string_view jti) {
  return db_->run([&](Connection& c) {
    return exists(c, "SELECT 1 FROM revocations WHERE kind = 'token' AND jti = ?1", jti);
  });
}

StoreResult<bool> SqliteRevocationStore::client_revoked(std::string_view client_id) {
  return db_->run([&](Connection& c) {
    return exists(c, "SELECT 1 FROM revocations WHERE kind = 'client' AND client_id = ?1", client_id);
  });
}

StoreResult<std::vector<Revocation>> SqliteRevocationStore::since(std::int64_t since, std::size_t limit,
                                                                  std::int64_t now) {
  return db_->run([&](Connection& c) -> StoreResult<std::vector<Revocation>> {
    auto st = c.prepare(strf(
        "SELECT {} FROM revocations WHERE seq > ?1 AND (kind = 'client' OR exp >= ?2) ORDER BY seq LIMIT ?3",
        kColumns));
    if (!st) return forward(st);
    if (auto b = st->bind_all(since, now, static_cast<std::int64_t>(limit)); !b) return forward(b);
    std::vector<Revocation> out;
    for (;;) {
      auto row = st->step();
      if (!row) return forward(row);
      if (!*row) break;
      auto r = read_row(*st);
      if (!r) return forward(r);
      out.push_back(std::move(*r));
    }
    return out;
  });
}

StoreResult<std::int64_t> SqliteRevocationStore::last_seq() {
  return db_->run([&](Connection& c) -> StoreResult<std::int64_t> {
    // sqlite_sequence remembers the highest AUTOINCREMENT value even after deletes.
    auto st = c.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'revocations'");
    if (!st) return forward(st);
    auto row = st->step();
    if (!row) return forward(row);
    return *row ? st->column_int64(0) : 0;
  });
}

StoreResult<std::int64_t> SqliteRevocationStore::prune(std::int64_t now) {
  return db_->run([&](Connection& c) -> StoreResult<std::int64_t> {
    auto st = c.prepare("DELETE FROM revocations WHERE kind = 'token' AND exp < ?1");
    if (!st) return forward(st);
    if (auto b = st->bind(1, now); !b) return forward(b);
    if (auto r = st->run(); !r) return forward(r);
    return c.changes();
  });
}

}  // namespace tollgate::store
