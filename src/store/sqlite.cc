#include "store/sqlite.h"

#include <sqlite3.h>

#include <system_error>

#include "core/strf.h"
#include "store/postgres.h"

namespace tollgate::store {

using core::strf;
namespace {

StoreErrorCode code_for(int rc) {
  switch (rc & 0xff) {  // primary result code
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return StoreErrorCode::kBusy;
    case SQLITE_CONSTRAINT:
      return StoreErrorCode::kConflict;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return StoreErrorCode::kCorrupt;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
      return StoreErrorCode::kUnavailable;
    default:
      return StoreErrorCode::kInternal;
  }
}

StoreError error_from(sqlite3* db, int rc, std::string_view what) {
  const char* detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return StoreError{code_for(rc), strf("{}: {} (sqlite {})", what, detail, rc)};
}

std::unexpected<StoreError> fail(sqlite3* db, int rc, std::string_view what) {
  return std::unexpected(error_from(db, rc, what));
}

}  // namespace

std::string_view to_string(StoreErrorCode code) {
  switch (code) {
    case StoreErrorCode::kUnavailable:
      return "unavailable";
    case StoreErrorCode::kBusy:
      return "busy";
    case StoreErrorCode::kConflict:
      return "conflict";
    case StoreErrorCode::kNotFound:
      return "not_found";
    case StoreErrorCode::kCorrupt:
      return "corrupt";
    case StoreErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

// --- Statement -------------------------------------------------------------

void Statement::release() {
  delete std::exchange(pg_, nullptr);
  if (!stmt_) return;
  if (slot_ && *slot_ == nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *slot_ = stmt_;  // back in the cache
  } else {
    sqlite3_finalize(stmt_);
  }
  stmt_ = nullptr;
  slot_ = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    release();
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    slot_ = std::exchange(other.slot_, nullptr);
    pg_ = std::exchange(other.pg_, nullptr);
  }
  return *this;
}

Statement::~Statement() { release(); }

StoreResult<void> Statement::check_bind(int rc) {
  if (rc != SQLITE_OK) return fail(db_, rc, "bind");
  return {};
}

StoreResult<void> Statement::bind(int index, std::string_view text) {
  if (pg_) return pg_->bind(index, std::string(text));
  if (!stmt_)
    return std::unexpected(StoreError{StoreErrorCode::kInternal, "bind on an empty statement"});
  // An empty view may have a null data(): SQLite would bind NULL, not "".
  const char* data = text.data() ? text.data() : "";
  return check_bind(
      sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

StoreResult<void> Statement::bind(int index, std::int64_t value) {
  if (pg_) return pg_->bind(index, std::to_string(value));
  if (!stmt_)
    return std::unexpected(StoreError{StoreErrorCode::kInternal, "bind on an empty statement"});
  return check_bind(sqlite3_bind_int64(stmt_, index, value));
}

StoreResult<void> Statement::bind(int index, std::nullptr_t) {
  if (pg_) return pg_->bind(index, std::nullopt);
  if (!stmt_)
    return std::unexpected(StoreError{StoreErrorCode::kInternal, "bind on an empty statement"});
  return check_bind(sqlite3_bind_null(stmt_, index));
}

StoreResult<bool> Statement::step() {
  if (pg_) return pg_->step();
  if (!stmt_)
    return std::unexpected(StoreError{StoreErrorCode::kInternal, "step on an empty statement"});
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Leave the statement reusable after an error (e.g. kBusy, then retry).
  sqlite3_reset(stmt_);
  return fail(db_, rc, "step");
}

StoreResult<void> Statement::run() {
  auto r = step();
  if (!r) return std::unexpected(std::move(r.error()));
  if (*r) return std::unexpected(StoreError{StoreErrorCode::kInternal, "statement returned rows"});
  return {};
}

StoreResult<void> Statement::reset() {
  if (pg_) {
    pg_->reset();
    return {};
  }
  if (!stmt_)
    return std::unexpected(StoreError{StoreErrorCode::kInternal, "reset on an empty statement"});
  sqlite3_reset(stmt_);  // returns the last step's error, already reported
  sqlite3_clear_bindings(stmt_);
  return {};
}

bool Statement::column_is_null(int column) const {
  if (pg_) return pg_->is_null(column);
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::column_int64(int column) const {
  if (pg_) return pg_->int64(column);
  return sqlite3_column_int64(stmt_, column);
}

std::string Statement::column_text(int column) const {
  if (pg_) return pg_->text(column);
  const auto* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

// --- Transaction -------------------------------------------------------------

Transaction::~Transaction() {
  if (!conn_) return;
  if (conn_->pg_)
    conn_->pg_->rollback();
  else
    (void)conn_->exec_cached("ROLLBACK");
}

StoreResult<void> Transaction::commit() {
  if (!conn_)
    return std::unexpected(
        StoreError{StoreErrorCode::kInternal, "commit of a finished transaction"});
  auto r = conn_->pg_ ? conn_->pg_->commit() : conn_->exec_cached("COMMIT");
  if (r || conn_->pg_)
    conn_ = nullptr;  // PostgreSQL ends the transaction either way  // on failure the destructor
                      // rolls back
  return r;
}

// --- Connection --------------------------------------------------------------

StoreResult<void> Connection::exec(std::string_view sql) {
  if (pg_) return pg_->exec(sql);
  const std::string text(sql);  // sqlite3_exec needs a NUL-terminated string
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return std::unexpected(StoreError{code_for(rc), strf("exec: {} (sqlite {})", msg, rc)});
  }
  return {};
}

StoreResult<Statement> Connection::prepare(std::string_view sql) {
  if (pg_) {
    auto p = pg_->prepare(sql);
    if (!p) return std::unexpected(std::move(p.error()));
    return Statement(new detail::PgStatement(pg_, std::move(*p)));
  }
  auto it = cache_.find(sql);
  if (it != cache_.end() && it->second != nullptr)
    return Statement(db_, std::exchange(it->second, nullptr), &it->second);  // handed out
  // Cache it when the text is new and there is room; a text whose statement is
  // in use right now gets a private one.
  const bool cache = it == cache_.end() && cache_.size() < kMaxCachedStatements;
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    cache ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, &tail);
  if (rc != SQLITE_OK) {
    if (stmt) sqlite3_finalize(stmt);
    return fail(db_, rc, "prepare");
  }
  if (!stmt)
    return std::unexpected(StoreError{StoreErrorCode::kInternal, "prepare: empty statement"});
  if (!cache) return Statement(db_, stmt, nullptr);
  auto [slot, inserted] = cache_.emplace(std::string(sql), nullptr);  // handed out
  (void)inserted;
  return Statement(db_, stmt, &slot->second);
}

void Connection::finalize_cache() {
  for (auto& [text, stmt] : cache_)
    if (stmt) sqlite3_finalize(stmt);
  cache_.clear();
}

StoreResult<void> Connection::exec_cached(std::string_view sql) {
  auto st = prepare(sql);
  if (!st) return std::unexpected(std::move(st.error()));
  return st->run();
}

StoreResult<Transaction> Connection::transaction() {
  if (pg_) {
    if (auto r = pg_->begin(); !r) return std::unexpected(std::move(r.error()));
    return Transaction(this);
  }
  // IMMEDIATE takes the write lock now, so a read-then-write inside the
  // transaction cannot fail half-way with SQLITE_BUSY on lock upgrade.
  if (auto r = exec_cached("BEGIN IMMEDIATE"); !r) return std::unexpected(std::move(r.error()));
  return Transaction(this);
}

std::int64_t Connection::changes() const { return pg_ ? pg_->changes() : sqlite3_changes64(db_); }

// --- Database ----------------------------------------------------------------

StoreResult<std::shared_ptr<Database>> Database::open(const std::filesystem::path& path,
                                                      OpenOptions options) {
  namespace fs = std::filesystem;
  if (path.empty())
    return std::unexpected(StoreError{StoreErrorCode::kUnavailable, "empty database path"});
  if (!options.read_only && path.has_parent_path()) {
    std::error_code ec;
    const fs::path parent = path.parent_path();
    if (!fs::is_directory(parent, ec)) {
      fs::create_directories(parent, ec);
      if (ec)
        return std::unexpected(StoreError{
            StoreErrorCode::kUnavailable,
            strf("cannot create folder '{}' for the database: {}", parent.string(), ec.message())});
      // The data folder holds secret hashes and keys: owner only.
      fs::permissions(parent, fs::perms::owner_all, fs::perm_options::replace, ec);
    }
  }
  sqlite3* db = nullptr;
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    StoreError e = error_from(db, rc, strf("cannot open database '{}'", path.string()));
    sqlite3_close_v2(db);  // a handle is returned even on failure
    if (e.code == StoreErrorCode::kInternal) e.code = StoreErrorCode::kUnavailable;
    return std::unexpected(std::move(e));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  std::shared_ptr<Database> database(new Database(db, path));
  // journal_mode=WAL is the first statement that reads the file: a file that is
  // not a database fails here with SQLITE_NOTADB (kCorrupt).
  const std::string_view pragmas =
      options.read_only
          ? "PRAGMA foreign_keys=ON;"
          : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";
  auto r = database->run([&](Connection& c) { return c.exec(pragmas); });
  if (!r) {
    r.error().message = strf("database '{}': {}", path.string(), r.error().message);
    return std::unexpected(std::move(r.error()));
  }
  return database;
}

StoreResult<std::shared_ptr<Database>> Database::open_url(std::string_view url,
                                                          OpenOptions options) {
  auto pg = detail::PgConnection::connect(url, options);
  if (!pg) return std::unexpected(std::move(pg.error()));
  std::string redacted = (*pg)->url();
  return std::shared_ptr<Database>(
      new Database(pg->release(), std::move(redacted), std::string(url)));
}

StoreResult<std::shared_ptr<Database>> Database::open_any(std::string_view path_or_url,
                                                          OpenOptions options) {
  if (is_postgres_url(path_or_url)) return open_url(path_or_url, options);
  return open(std::filesystem::path(path_or_url), options);
}

Database::~Database() {
  if (conn_.pg_) {
    delete conn_.pg_;
    return;
  }
  conn_.finalize_cache();
  sqlite3_close_v2(conn_.db_);
}

// --- Migrations --------------------------------------------------------------

namespace {
constexpr std::string_view kSchemaTable =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " component TEXT PRIMARY KEY,"
    " version INTEGER NOT NULL,"
    " applied_at INTEGER NOT NULL DEFAULT (unixepoch()))";
constexpr std::string_view kPgSchemaTable =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " component TEXT PRIMARY KEY,"
    " version INTEGER NOT NULL,"
    " applied_at BIGINT NOT NULL DEFAULT (extract(epoch from now())::bigint))";

// PostgreSQL: CREATE TABLE IF NOT EXISTS races with another process doing the
// same (a unique violation in the catalog), so it runs under the transaction lock.
StoreResult<void> ensure_schema_table(Connection& conn) {
  if (conn.backend() == Backend::kSqlite) return conn.exec(kSchemaTable);
  auto tx = conn.transaction();
  if (!tx) return std::unexpected(std::move(tx.error()));
  if (auto r = conn.exec(kPgSchemaTable); !r) return r;
  return tx->commit();
}
}  // namespace

StoreResult<int> schema_version(Connection& conn, std::string_view component) {
  if (conn.backend() == Backend::kPostgres) {
    // No DDL here: this runs inside migrate's transaction, and from tools.
    auto exists = conn.prepare("SELECT to_regclass('schema_version') IS NOT NULL");
    if (!exists) return std::unexpected(std::move(exists.error()));
    auto row = exists->step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (exists->column_text(0) != "t") return 0;
  } else if (auto r = conn.exec(kSchemaTable); !r) {
    return std::unexpected(std::move(r.error()));
  }
  auto st = conn.prepare("SELECT version FROM schema_version WHERE component = ?1");
  if (!st) return std::unexpected(std::move(st.error()));
  if (auto b = st->bind(1, component); !b) return std::unexpected(std::move(b.error()));
  auto row = st->step();
  if (!row) return std::unexpected(std::move(row.error()));
  return *row ? static_cast<int>(st->column_int64(0)) : 0;
}

StoreResult<void> migrate(Connection& conn, std::string_view component,
                          std::span<const Migration> migrations) {
  for (std::size_t i = 0; i < migrations.size(); ++i)
    if (migrations[i].version != static_cast<int>(i) + 1)
      return std::unexpected(StoreError{
          StoreErrorCode::kInternal, strf("{}: migrations must be numbered 1, 2, ...", component)});
  if (auto r = ensure_schema_table(conn); !r) return std::unexpected(std::move(r.error()));
  const bool pg = conn.backend() == Backend::kPostgres;
  for (const Migration& m : migrations) {
    auto tx = conn.transaction();
    if (!tx) return std::unexpected(std::move(tx.error()));
    // Re-read inside the write transaction: another process may have migrated meanwhile.
    auto current = schema_version(conn, component);
    if (!current) return std::unexpected(std::move(current.error()));
    if (*current > static_cast<int>(migrations.size()))
      return std::unexpected(StoreError{
          StoreErrorCode::kCorrupt,
          strf("{} schema version {} is newer than this build knows ({}): refusing to use it",
               component, *current, migrations.size())});
    if (*current >= m.version) continue;  // already applied; the transaction rolls back (no-op)
    if (auto r = conn.exec(pg && !m.pg_sql.empty() ? m.pg_sql : m.sql); !r) {
      r.error().message = strf("{} migration {}: {}", component, m.version, r.error().message);
      return std::unexpected(std::move(r.error()));
    }
    auto st = conn.prepare(
        pg ? "INSERT INTO schema_version(component, version) VALUES(?1, ?2)"
             " ON CONFLICT(component) DO UPDATE SET version = excluded.version, applied_at = "
             "extract(epoch from now())::bigint"
           : "INSERT INTO schema_version(component, version) VALUES(?1, ?2)"
             " ON CONFLICT(component) DO UPDATE SET version = excluded.version, applied_at = "
             "unixepoch()");
    if (!st) return std::unexpected(std::move(st.error()));
    if (auto b = st->bind_all(component, static_cast<std::int64_t>(m.version)); !b)
      return std::unexpected(std::move(b.error()));
    if (auto r = st->run(); !r) return std::unexpected(std::move(r.error()));
    if (auto r = tx->commit(); !r) return std::unexpected(std::move(r.error()));
  }
  return {};
}

}  // namespace tollgate::store
