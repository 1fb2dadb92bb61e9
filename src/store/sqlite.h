// sqlite.h — the stores' database layer: a thin RAII layer over SQLite 3
// (default: one file in the data folder, WAL) or PostgreSQL 15 (libpq, for
// several authorization servers on one database). The stores are written once
// against Database/Connection/Statement/Transaction/migrate and do not know
// the backend: their SQL is the dialect both accept (ON CONFLICT, RETURNING,
// ?N placeholders, 64-bit integers); where DDL differs a Migration carries a
// PostgreSQL text too. The PostgreSQL specifics (placeholder translation,
// error mapping, reconnecting, the transaction lock) are in store/postgres.h.
//
// Why one class with two backends rather than an interface per store: the
// stores' logic (audit chain, single-use codes, revocation sequence) is the
// part worth testing, and it stays one implementation that the same test
// suites run against both engines (store/test_support.h).
//
// Contract
// - Errors never throw: every fallible call returns StoreResult<T>, so a database
//   that is missing, read-only, locked or corrupt gives the request path a clean
//   StoreError that the edge maps to 503 (never a crash).
// - Thread safety: a Database is ONE SQLite connection guarded by its own mutex.
//   The only way to reach the connection is `Database::run(fn)`, which calls
//   `fn(Connection&)` with the mutex held, so statements and transactions of two
//   threads never interleave. Keep `fn` short (a few statements): it serializes
//   every user of this Database. A Connection, Statement or Transaction must not
//   escape the `run` call that produced it.
// - Lifetime: share a Database as std::shared_ptr; stores keep a reference.
// - PostgreSQL (Database::open_url): one libpq connection per Database, under
//   the same mutex. Transaction = BEGIN + a database-wide advisory lock, so
//   transactions of all processes on the database are serialized exactly like
//   SQLite's BEGIN IMMEDIATE. A lost connection is kUnavailable and the next
//   call reconnects; connect_timeout, statement_timeout and lock_timeout (=
//   busy_timeout, past it kBusy) bound every wait. Errors never hold the URL's
//   password.
// - Durability: WAL journal, synchronous=NORMAL (a power cut may lose the last
//   transactions but never corrupts the file), foreign keys on, busy_timeout
//   (default 5 s) so that a second process holding the write lock delays us
//   instead of failing at once; past the timeout the call fails with kBusy.
// - Schema: `migrate` applies numbered migrations per component, recorded in
//   the `schema_version` table; it is idempotent and each step is atomic.
// - Prepared statements are cached per connection, keyed by their SQL text:
//   `prepare` of a text seen before hands out the cached statement (reset,
//   bindings cleared when it comes back), so the hot paths (client lookup,
//   audit append) never re-parse SQL. A text whose cached statement is in use
//   is prepared afresh and finalized after use; the cache holds at most
//   kMaxCachedStatements texts (statements beyond it are not cached).
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

struct sqlite3;
struct sqlite3_stmt;

namespace tollgate::store {

enum class Backend { kSqlite, kPostgres };

namespace detail {
class PgConnection;
class PgStatement;
}  // namespace detail

// Canonical store error codes; the precise text is in StoreError::message.
enum class StoreErrorCode {
  kUnavailable,  // cannot open/create the file or its folder, I/O error, disk full, read-only
  kBusy,         // another connection held a lock past busy_timeout
  kConflict,     // a uniqueness or other constraint refused the write (e.g. duplicate id)
  kNotFound,     // the row an update names does not exist
  kCorrupt,      // the file is not a database, or a stored value cannot be decoded
  kInternal,     // misuse of the API or an SQL error in our own statements (a bug)
};

std::string_view to_string(StoreErrorCode code);  // "unavailable", "busy", ...

struct StoreError {
  StoreErrorCode code = StoreErrorCode::kInternal;
  std::string message;  // for logs: never contains secrets (we never bind them into messages)
};

template <class T>
using StoreResult = std::expected<T, StoreError>;

// A prepared statement, move-only. Bind indexes are 1-based; column indexes 0-based.
class Connection;

class Statement {
 public:
  Statement() = default;
  Statement(Statement&& other) noexcept
      : db_(other.db_),
        stmt_(std::exchange(other.stmt_, nullptr)),
        slot_(std::exchange(other.slot_, nullptr)),
        pg_(std::exchange(other.pg_, nullptr)) {}
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  StoreResult<void> bind(int index, std::string_view text);
  StoreResult<void> bind(int index, std::int64_t value);
  StoreResult<void> bind(int index, std::nullptr_t);
  // Bind every argument in order, starting at index 1.
  template <class... Args>
  StoreResult<void> bind_all(const Args&... args) {
    StoreResult<void> r;
    int i = 0;
    ((r = r ? bind(++i, args) : r), ...);
    return r;
  }

  // true: a row is available; false: the statement is done.
  StoreResult<bool> step();
  // Step to completion, expecting no rows (INSERT/UPDATE/DELETE).
  StoreResult<void> run();
  // Reset for another execution with new bindings.
  StoreResult<void> reset();

  bool column_is_null(int column) const;
  std::int64_t column_int64(int column) const;
  std::string column_text(int column) const;

 private:
  friend class Connection;
  Statement(sqlite3* db, sqlite3_stmt* stmt, sqlite3_stmt** slot)
      : db_(db), stmt_(stmt), slot_(slot) {}
  explicit Statement(detail::PgStatement* pg) : pg_(pg) {}
  StoreResult<void> check_bind(int rc);
  void release();  // back to the owner's cache, or finalized
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  // Non-null: stmt_ belongs to this slot of its connection's cache (a map node:
  // stable until the Database closes).
  sqlite3_stmt** slot_ = nullptr;
  detail::PgStatement* pg_ = nullptr;  // owned; set instead of stmt_ on PostgreSQL
};

// RAII transaction (BEGIN IMMEDIATE): rolled back on destruction unless committed.
class Transaction {
 public:
  Transaction(Transaction&& other) noexcept : conn_(std::exchange(other.conn_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();
  StoreResult<void> commit();

 private:
  friend class Connection;
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;
};

// Access to the connection, only handed out by Database::run under its mutex.
class Connection {
 public:
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Run one or more SQL statements that return no rows we need.
  StoreResult<void> exec(std::string_view sql);
  StoreResult<Statement> prepare(std::string_view sql);
  StoreResult<Transaction> transaction();
  std::int64_t changes() const;  // rows modified by the last INSERT/UPDATE/DELETE
  Backend backend() const { return pg_ ? Backend::kPostgres : Backend::kSqlite; }

  static constexpr std::size_t kMaxCachedStatements = 256;

 private:
  friend class Database;
  friend class Transaction;
  explicit Connection(sqlite3* db) : db_(db) {}
  explicit Connection(detail::PgConnection* pg) : db_(nullptr), pg_(pg) {}
  // One statement without rows through the cache (BEGIN, COMMIT, ROLLBACK).
  StoreResult<void> exec_cached(std::string_view sql);
  void finalize_cache();
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_;
  detail::PgConnection* pg_ = nullptr;  // owned by the Database
  // SQL text -> its cached statement; nullptr while the statement is handed out.
  std::unordered_map<std::string, sqlite3_stmt*, TextHash, std::equal_to<>> cache_;
};

struct OpenOptions {
  // How long a statement waits for another connection's lock before kBusy.
  std::chrono::milliseconds busy_timeout{5000};
  bool read_only = false;  // open an existing file read-only (tools); never creates
  // PostgreSQL only: how long connecting may take, and any one statement.
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds statement_timeout{15000};
};

class Database {
 public:
  // Open (creating the file and, with mode 0700, any missing parent folders) and
  // apply the connection pragmas. Fails cleanly: kUnavailable when the folder or
  // file cannot be created/opened, kCorrupt when the file is not a database.
  static StoreResult<std::shared_ptr<Database>> open(const std::filesystem::path& path,
                                                     OpenOptions options = {});
  // Connect to PostgreSQL: "postgresql://user:password@host:port/dbname?..."
  // (or postgres://). kUnavailable when the server cannot be reached; the
  // message holds the URL without its password.
  static StoreResult<std::shared_ptr<Database>> open_url(std::string_view url,
                                                         OpenOptions options = {});
  // A path (SQLite) or a postgresql:// URL: the one place that picks the backend.
  static StoreResult<std::shared_ptr<Database>> open_any(std::string_view path_or_url,
                                                         OpenOptions options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // The SQLite file, or the PostgreSQL URL with its password redacted.
  const std::filesystem::path& path() const { return path_; }
  Backend backend() const { return conn_.backend(); }
  // What to pass to open_any for another connection to the same database
  // (the full URL, password included, on PostgreSQL: never log it; log path()).
  const std::string& location() const { return location_; }

  // Call fn(Connection&) with the database mutex held; returns what fn returns.
  template <class F>
  auto run(F&& fn) {
    std::lock_guard lock(mutex_);
    return std::forward<F>(fn)(conn_);
  }

 private:
  Database(sqlite3* db, std::filesystem::path path)
      : conn_(db), path_(std::move(path)), location_(path_.string()) {}
  Database(detail::PgConnection* pg, std::string redacted, std::string url)
      : conn_(pg), path_(std::move(redacted)), location_(std::move(url)) {}
  std::mutex mutex_;
  Connection conn_;  // GUARDED_BY(mutex_)
  std::filesystem::path path_;
  std::string location_;
};

// One schema step of a component; versions start at 1 and increase by 1.
struct Migration {
  int version;
  std::string_view sql;     // may hold several statements
  std::string_view pg_sql;  // PostgreSQL's text where the dialects differ; empty: `sql`
};

// Bring `component`'s schema up to the last migration. Each step runs in its own
// transaction together with its schema_version update, so a crash never leaves a
// half-applied step. A database newer than the code (a version above the last
// migration) is refused with kCorrupt rather than silently used.
StoreResult<void> migrate(Connection& conn, std::string_view component,
                          std::span<const Migration> migrations);

// The schema version recorded for `component` (0 when none).
StoreResult<int> schema_version(Connection& conn, std::string_view component);

}  // namespace tollgate::store
