#include "store/clients.h"

#include <algorithm>
#include <boost/json.hpp>
#include <stdexcept>

#include "core/strf.h"

namespace tollgate::store {

using core::strf;
namespace {

// Lists are stored as JSON arrays of strings (redirect URIs may hold any byte a
// URI allows); scopes as the canonical space-joined OAuth scope string.
constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE clients ("
     " client_id TEXT PRIMARY KEY NOT NULL,"
     " partner TEXT NOT NULL,"
     " secret_hash TEXT NOT NULL,"
     " scopes TEXT NOT NULL,"
     " grant_types TEXT NOT NULL,"
     " auth_methods TEXT NOT NULL,"
     " redirect_uris TEXT NOT NULL,"
     " created_at INTEGER NOT NULL,"
     " disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))"
     ") STRICT;"
     "CREATE INDEX clients_by_partner ON clients(partner);",
     "CREATE TABLE clients ("
     " client_id TEXT PRIMARY KEY NOT NULL,"
     " partner TEXT NOT NULL,"
     " secret_hash TEXT NOT NULL,"
     " scopes TEXT NOT NULL,"
     " grant_types TEXT NOT NULL,"
     " auth_methods TEXT NOT NULL,"
     " redirect_uris TEXT NOT NULL,"
     " created_at BIGINT NOT NULL,"
     " disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))"
     ");"
     "CREATE INDEX clients_by_partner ON clients(partner);"},
    // private_key_jwt (RFC 7523): the client's public keys, inline or by URL.
    {2,
     "ALTER TABLE clients ADD COLUMN jwks TEXT NOT NULL DEFAULT '';"
     "ALTER TABLE clients ADD COLUMN jwks_uri TEXT NOT NULL DEFAULT '';"},
    // The registry version (registry_version()): bumped by triggers in the
    // writer's transaction, whichever process or code path writes.
    {3,
     "CREATE TABLE clients_version ("
     " one INTEGER PRIMARY KEY NOT NULL CHECK (one = 1),"
     " version INTEGER NOT NULL"
     ") STRICT;"
     "INSERT INTO clients_version VALUES (1, 1);"
     "CREATE TRIGGER clients_version_insert AFTER INSERT ON clients"
     " BEGIN UPDATE clients_version SET version = version + 1; END;"
     "CREATE TRIGGER clients_version_update AFTER UPDATE ON clients"
     " BEGIN UPDATE clients_version SET version = version + 1; END;"
     "CREATE TRIGGER clients_version_delete AFTER DELETE ON clients"
     " BEGIN UPDATE clients_version SET version = version + 1; END;",
     "CREATE TABLE clients_version ("
     " one INTEGER PRIMARY KEY NOT NULL CHECK (one = 1),"
     " version BIGINT NOT NULL"
     ");"
     "INSERT INTO clients_version VALUES (1, 1);"
     "CREATE FUNCTION clients_version_bump() RETURNS trigger LANGUAGE plpgsql AS"
     " $$ BEGIN UPDATE clients_version SET version = version + 1; RETURN NULL; END $$;"
     "CREATE TRIGGER clients_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clients"
     " FOR EACH STATEMENT EXECUTE FUNCTION clients_version_bump();"},
};

constexpr std::string_view kColumns =
    "client_id, partner, secret_hash, scopes, grant_types, auth_methods, redirect_uris, "
    "created_at, disabled, jwks, jwks_uri";

std::string to_json_list(const std::vector<std::string>& items) {
  boost::json::array a;
  for (const auto& s : items) a.emplace_back(s);
  return boost::json::serialize(a);
}

std::optional<std::vector<std::string>> from_json_list(const std::string& text) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& e : v.as_array()) {
    if (!e.is_string()) return std::nullopt;
    out.emplace_back(e.as_string());
  }
  return out;
}

StoreResult<ClientRecord> read_row(const Statement& st) {
  ClientRecord c;
  c.client_id = st.column_text(0);
  c.partner = st.column_text(1);
  c.secret_hash = st.column_text(2);
  const std::string scopes = st.column_text(3);
  auto grants = from_json_list(st.column_text(4));
  auto methods = from_json_list(st.column_text(5));
  auto uris = from_json_list(st.column_text(6));
  std::optional<core::ScopeSet> parsed =
      scopes.empty() ? core::ScopeSet{} : core::ScopeSet::parse(scopes);
  if (!parsed || !grants || !methods || !uris)
    return std::unexpected(StoreError{StoreErrorCode::kCorrupt,
                                      strf("client '{}': undecodable stored row", c.client_id)});
  c.scopes = std::move(*parsed);
  c.grant_types = std::move(*grants);
  c.auth_methods = std::move(*methods);
  c.redirect_uris = std::move(*uris);
  c.created_at = st.column_int64(7);
  c.disabled = st.column_int64(8) != 0;
  c.jwks = st.column_text(9);
  c.jwks_uri = st.column_text(10);
  return c;
}

template <class T>
std::unexpected<StoreError> forward(StoreResult<T>& r) {
  return std::unexpected(std::move(r.error()));
}

}  // namespace

bool ClientRecord::allows_grant(std::string_view grant) const {
  return std::ranges::find(grant_types, grant) != grant_types.end();
}

bool ClientRecord::allows_auth_method(std::string_view method) const {
  return std::ranges::find(auth_methods, method) != auth_methods.end();
}

StoreResult<std::shared_ptr<SqliteClientStore>> SqliteClientStore::open(
    std::shared_ptr<Database> db) {
  if (!db)
    return std::unexpected(
        StoreError{StoreErrorCode::kInternal, "SqliteClientStore::open: no database"});
  auto r = db->run([](Connection& c) { return migrate(c, "clients", kMigrations); });
  if (!r) return forward(r);
  return std::shared_ptr<SqliteClientStore>(new SqliteClientStore(std::move(db)));
}

StoreResult<void> SqliteClientStore::create(const ClientRecord& client) {
  if (client.client_id.empty())
    return std::unexpected(StoreError{StoreErrorCode::kInternal, "a client needs a client_id"});
  return db_->run([&](Connection& c) -> StoreResult<void> {
    auto st = c.prepare(strf(
        "INSERT INTO clients({}) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", kColumns));
    if (!st) return forward(st);
    if (auto b = st->bind_all(client.client_id, client.partner, client.secret_hash,
                              client.scopes.to_string(), to_json_list(client.grant_types),
                              to_json_list(client.auth_methods), to_json_list(client.redirect_uris),
                              client.created_at, static_cast<std::int64_t>(client.disabled ? 1 : 0),
                              client.jwks, client.jwks_uri);
        !b)
      return forward(b);
    auto r = st->run();
    if (!r && r.error().code == StoreErrorCode::kConflict)
      r.error().message = strf("client '{}' already exists", client.client_id);
    return r;
  });
}

StoreResult<std::optional<ClientRecord>> SqliteClientStore::find(std::string_view client_id) {
  return db_->run([&](Connection& c) -> StoreResult<std::optional<ClientRecord>> {
    auto st = c.prepare(strf("SELECT {} FROM clients WHERE client_id = ?1", kColumns));
    if (!st) return forward(st);
    if (auto b = st->bind(1, client_id); !b) return forward(b);
    auto row = st->step();
    if (!row) return forward(row);
    if (!*row) return std::optional<ClientRecord>{};
    auto rec = read_row(*st);
    if (!rec) return forward(rec);
    return std::optional<ClientRecord>(std::move(*rec));
  });
}

StoreResult<std::vector<ClientRecord>> SqliteClientStore::list() {
  return db_->run([&](Connection& c) -> StoreResult<std::vector<ClientRecord>> {
    auto st = c.prepare(strf("SELECT {} FROM clients ORDER BY client_id", kColumns));
    if (!st) return forward(st);
    std::vector<ClientRecord> out;
    for (;;) {
      auto row = st->step();
      if (!row) return forward(row);
      if (!*row) break;
      auto rec = read_row(*st);
      if (!rec) return forward(rec);
      out.push_back(std::move(*rec));
    }
    return out;
  });
}

StoreResult<void> SqliteClientStore::disable(std::string_view client_id) {
  return db_->run([&](Connection& c) -> StoreResult<void> {
    auto st = c.prepare("UPDATE clients SET disabled = 1 WHERE client_id = ?1");
    if (!st) return forward(st);
    if (auto b = st->bind(1, client_id); !b) return forward(b);
    if (auto r = st->run(); !r) return r;
    if (c.changes() == 0)
      return std::unexpected(
          StoreError{StoreErrorCode::kNotFound, strf("no client '{}'", client_id)});
    return {};
  });
}

StoreResult<std::int64_t> SqliteClientStore::registry_version() {
  return db_->run([&](Connection& c) -> StoreResult<std::int64_t> {
    auto st = c.prepare("SELECT version FROM clients_version WHERE one = 1");
    if (!st) return forward(st);
    auto row = st->step();
    if (!row) return forward(row);
    if (!*row)
      return std::unexpected(StoreError{StoreErrorCode::kCorrupt, "the client registry version row is missing"});
    return st->column_int64(0);
  });
}

CachedClientStore::CachedClientStore(std::shared_ptr<ClientStore> inner, std::size_t capacity)
    : inner_(std::move(inner)), capacity_(std::max<std::size_t>(capacity, 1)) {
  if (!inner_) throw std::invalid_argument("CachedClientStore: no inner store");
}

StoreResult<std::optional<ClientRecord>> CachedClientStore::find(std::string_view client_id) {
  auto version = inner_->registry_version();
  if (!version) return forward(version);
  {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(std::string(client_id)); it != entries_.end()) {
      if (it->second.version == *version) {
        ++stats_.hits;
        return std::optional<ClientRecord>(it->second.record);
      }
      entries_.erase(it);
    }
    ++stats_.misses;
  }
  // Read after the version: the row is at least as new as `*version`, so
  // tagging it with that version can only make it retire early, never late.
  auto found = inner_->find(client_id);
  if (!found || !*found) return found;
  std::lock_guard lock(mutex_);
  if (entries_.size() >= capacity_) entries_.clear();
  entries_.insert_or_assign(std::string(client_id), Entry{*version, **found});
  return found;
}

CachedClientStore::Stats CachedClientStore::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace tollgate::store
