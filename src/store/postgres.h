// postgres.h — the PostgreSQL 15 backend behind store::Database (libpq). Not a
// public API: stores use Database/Connection/Statement from store/sqlite.h,
// which forward here when the Database was opened with Database::open_url.
//
// Contract
// - One PgConnection is one libpq connection, used only under its Database's
//   mutex (sqlite.h: Database::run), so nothing here locks.
// - SQL dialect: the stores write SQL both engines accept. `?N` and `?`
//   placeholders (SQLite style) become `$N` outside string literals, quoted
//   identifiers and comments; parameters travel as text (PG infers their types
//   from the statement), results come back as text and are parsed on read.
//   Statements are prepared on the server once per connection and SQL text
//   (kMaxPrepared texts; beyond that they run unnamed).
// - Transactions: BEGIN plus pg_advisory_xact_lock(kWriteLockKey) — one lock for
//   every transaction of every process on the database, the same guarantee as
//   SQLite's BEGIN IMMEDIATE (writers that read-modify-write are serialized:
//   the audit chain head, the revocation sequence, single-use codes). Plain
//   reads and single-statement writes outside a transaction do not take it.
// - Failures: unique/check/foreign-key violations and the audit table's
//   refusal triggers (SQLSTATE class 23, P0001) -> kConflict; lock_timeout,
//   statement_timeout, serialization failure, deadlock -> kBusy; a lost or
//   refused connection -> kUnavailable, and the next call reconnects (never
//   inside a transaction: a transaction whose connection broke fails until it
//   is rolled back). Bad SQL -> kInternal. Error messages carry PostgreSQL's
//   primary message only (its DETAIL can quote row values) and never the URL's
//   password; connect_timeout, statement_timeout and lock_timeout bound every
//   wait, so a database that is down gives errors (503 at the edge), not a hang.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/sqlite.h"

struct pg_conn;
struct pg_result;

namespace tollgate::store {

// The URL with any password replaced by "***" (userinfo and ?password=), for logs.
std::string redact_database_url(std::string_view url);

// True for "postgresql://..." and "postgres://..." (what Database::open_url takes).
bool is_postgres_url(std::string_view url);

namespace detail {

// SQLite placeholders to PostgreSQL ones; `count` gets the highest index used.
std::string translate_placeholders(std::string_view sql, int& count);

class PgConnection {
 public:
  // Connects now; the URL's own parameters win over our defaults
  // (connect_timeout from options, application_name=tollgate).
  static StoreResult<std::unique_ptr<PgConnection>> connect(std::string_view url,
                                                            const OpenOptions& options);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  StoreResult<void> exec(std::string_view sql);  // one or more statements, no parameters
  // A statement ready for binding; `name` empty: run unnamed.
  struct Prepared {
    std::string name;
    std::string sql;  // translated
    int params = 0;
    std::uint64_t session = 0;  // the connection's session the name belongs to
  };
  StoreResult<Prepared> prepare(std::string_view sql);
  // Execute a prepared statement with text parameters (nullopt = NULL).
  StoreResult<pg_result*> execute(const Prepared& p,
                                  const std::vector<std::optional<std::string>>& params);
  StoreResult<void> begin();
  StoreResult<void> commit();
  void rollback();
  std::int64_t changes() const { return changes_; }
  const std::string& url() const { return redacted_; }  // password removed

  // Key of the advisory lock every transaction takes (ASCII "tollgate").
  static constexpr std::int64_t kWriteLockKey = 0x746f6c6c67617465;
  static constexpr std::size_t kMaxPrepared = 256;

 private:
  PgConnection(pg_conn* conn, std::string redacted, OpenOptions options)
      : conn_(conn), redacted_(std::move(redacted)), options_(options) {}
  StoreResult<void> setup();   // session settings after (re)connecting
  StoreResult<void> ensure();  // reconnect a broken connection (outside transactions)
  StoreError error(pg_result* res, std::string_view what) const;
  void note_changes(pg_result* res);
  pg_conn* conn_;
  std::string redacted_;
  OpenOptions options_;
  bool in_tx_ = false;
  std::int64_t changes_ = 0;
  std::uint64_t next_name_ = 0;
  std::uint64_t session_ = 0;                           // +1 on every (re)connect
  std::unordered_map<std::string, Prepared> prepared_;  // by original SQL text
};

// One execution of a prepared statement: bindings, then rows.
class PgStatement {
 public:
  PgStatement(PgConnection* conn, PgConnection::Prepared p)
      : conn_(conn), p_(std::move(p)), params_(static_cast<std::size_t>(p_.params)) {}
  ~PgStatement();
  PgStatement(const PgStatement&) = delete;
  PgStatement& operator=(const PgStatement&) = delete;

  StoreResult<void> bind(int index, std::optional<std::string> value);
  StoreResult<bool> step();
  void reset();
  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  std::string text(int column) const;

 private:
  void clear_result();
  PgConnection* conn_;
  PgConnection::Prepared p_;
  std::vector<std::optional<std::string>> params_;
  pg_result* res_ = nullptr;
  int row_ = -1;
  int rows_ = 0;
};

}  // namespace detail
}  // namespace tollgate::store
