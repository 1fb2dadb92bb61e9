#include "store/postgres.h"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>

#include "core/strf.h"

namespace tollgate::store {

using core::strf;

bool is_postgres_url(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

std::string redact_database_url(std::string_view url) {
  std::string out(url);
  // userinfo: scheme://user:password@host
  if (const auto scheme = out.find("://"); scheme != std::string::npos) {
    const auto start = scheme + 3;
    const auto end = out.find_first_of("/?#", start);
    const auto at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at > start) {
      const auto colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // query parameter: ...?password=...&...
  for (std::size_t pos = out.find('?'); pos != std::string::npos; pos = out.find('&', pos + 1)) {
    constexpr std::string_view kKey = "password=";
    if (out.compare(pos + 1, kKey.size(), kKey) == 0) {
      const auto value = pos + 1 + kKey.size();
      const auto end = out.find('&', value);
      out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
    }
  }
  return out;
}

namespace detail {
namespace {

StoreErrorCode code_for_state(std::string_view state) {
  if (state.starts_with("23") || state == "P0001") return StoreErrorCode::kConflict;
  if (state == "40001" || state == "40P01" || state == "55P03" || state == "57014")
    return StoreErrorCode::kBusy;
  if (state.starts_with("08") || state.starts_with("53") || state.starts_with("57P") ||
      state == "25006")  // read_only_sql_transaction, like SQLITE_READONLY
    return StoreErrorCode::kUnavailable;
  if (state == "XX001" || state == "XX002") return StoreErrorCode::kCorrupt;
  return StoreErrorCode::kInternal;
}

std::string trimmed(const char* s) {
  std::string out = s ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

void quiet_notices(void*, const char*) {}  // "relation already exists, skipping" etc.

}  // namespace

std::string translate_placeholders(std::string_view sql, int& count) {
  std::string out;
  out.reserve(sql.size() + 8);
  count = 0;
  for (std::size_t i = 0; i < sql.size();) {
    const char ch = sql[i];
    if (ch == '\'' || ch == '"') {  // literal or quoted identifier; doubled quote escapes
      std::size_t j = i + 1;
      for (; j < sql.size(); ++j) {
        if (sql[j] == ch) {
          if (j + 1 < sql.size() && sql[j + 1] == ch) {
            ++j;
            continue;
          }
          break;
        }
      }
      const std::size_t end = j < sql.size() ? j + 1 : sql.size();
      out.append(sql.substr(i, end - i));
      i = end;
    } else if (ch == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const std::size_t end = sql.find('\n', i);
      const std::size_t stop = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, stop - i));
      i = stop;
    } else if (ch == '?') {
      std::size_t j = i + 1;
      int n = 0;
      while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9' && n < 100000)
        n = n * 10 + (sql[j++] - '0');
      if (j == i + 1) n = count + 1;  // bare '?': the next index after the largest so far
      if (n > count) count = n;
      out += '$';
      out += std::to_string(n);
      i = j;
    } else {
      out += ch;
      ++i;
    }
  }
  return out;
}

// --- PgConnection -----------------------------------------------------------

StoreResult<std::unique_ptr<PgConnection>> PgConnection::connect(std::string_view url,
                                                                 const OpenOptions& options) {
  const std::string redacted = redact_database_url(url);
  if (!is_postgres_url(url))
    return std::unexpected(
        StoreError{StoreErrorCode::kUnavailable, strf("not a postgresql:// URL: '{}'", redacted)});
  const std::string dbname(url);
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(options.connect_timeout);
  const std::string timeout = std::to_string(std::max<std::int64_t>(2, seconds.count()));
  // A server that vanishes without closing the socket (host down, partition):
  // unacknowledged data fails the connection after tcp_user_timeout, an idle
  // one after the keepalive probes — never an endless wait.
  const std::string user_timeout = std::to_string(options.statement_timeout.count() + 5000);
  // Our defaults first: with expand_dbname the URL's own settings override them.
  const char* keys[] = {"connect_timeout",
                        "application_name",
                        "keepalives",
                        "keepalives_idle",
                        "keepalives_interval",
                        "keepalives_count",
                        "tcp_user_timeout",
                        "dbname",
                        nullptr};
  const char* values[] = {timeout.c_str(),      "tollgate",     "1",    "10", "3", "3",
                          user_timeout.c_str(), dbname.c_str(), nullptr};
  pg_conn* conn = PQconnectdbParams(keys, values, 1);
  if (!conn)
    return std::unexpected(StoreError{StoreErrorCode::kUnavailable, "libpq: out of memory"});
  if (PQstatus(conn) != CONNECTION_OK) {
    StoreError e{StoreErrorCode::kUnavailable,
                 strf("cannot connect to '{}': {}", redacted, trimmed(PQerrorMessage(conn)))};
    PQfinish(conn);
    return std::unexpected(std::move(e));
  }
  PQsetNoticeProcessor(conn, quiet_notices, nullptr);
  std::unique_ptr<PgConnection> pg(new PgConnection(conn, redacted, options));
  if (auto r = pg->setup(); !r) return std::unexpected(std::move(r.error()));
  return pg;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

StoreResult<void> PgConnection::setup() {
  prepared_.clear();  // server-side statements die with the session
  ++session_;
  in_tx_ = false;
  const auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()); };
  std::string sql = strf(
      "SET statement_timeout = {}; SET lock_timeout = {}; "
      "SET idle_in_transaction_session_timeout = {}; SET client_min_messages = warning",
      ms(options_.statement_timeout), ms(options_.busy_timeout), ms(options_.statement_timeout));
  if (options_.read_only) sql += "; SET default_transaction_read_only = on";
  return exec(sql);
}

StoreResult<void> PgConnection::ensure() {
  if (PQstatus(conn_) == CONNECTION_OK) return {};
  if (in_tx_)
    return std::unexpected(
        StoreError{StoreErrorCode::kUnavailable,
                   strf("connection to '{}' lost inside a transaction", redacted_)});
  PQreset(conn_);  // blocking, bounded by connect_timeout
  if (PQstatus(conn_) != CONNECTION_OK)
    return std::unexpected(StoreError{
        StoreErrorCode::kUnavailable,
        strf("cannot reconnect to '{}': {}", redacted_, trimmed(PQerrorMessage(conn_)))});
  PQsetNoticeProcessor(conn_, quiet_notices, nullptr);
  return setup();
}

StoreError PgConnection::error(pg_result* res, std::string_view what) const {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  if (PQstatus(conn_) != CONNECTION_OK || !state)
    return StoreError{
        StoreErrorCode::kUnavailable,
        strf("{}: connection to '{}' failed: {}", what, redacted_, trimmed(PQerrorMessage(conn_)))};
  const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
  return StoreError{code_for_state(state),
                    strf("{}: {} (postgres {})", what, trimmed(primary), state)};
}

void PgConnection::note_changes(pg_result* res) {
  const std::string_view status = PQcmdStatus(res);
  if (status.starts_with("INSERT") || status.starts_with("UPDATE") ||
      status.starts_with("DELETE") || status.starts_with("MERGE")) {
    const std::string_view n = PQcmdTuples(res);
    std::int64_t v = 0;
    std::from_chars(n.data(), n.data() + n.size(), v);
    changes_ = v;
  }
}

StoreResult<void> PgConnection::exec(std::string_view sql) {
  if (auto r = ensure(); !r) return r;
  const std::string text(sql);
  pg_result* res = PQexec(conn_, text.c_str());
  const auto status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    StoreError e = error(res, "exec");
    PQclear(res);
    return std::unexpected(std::move(e));
  }
  note_changes(res);
  PQclear(res);
  return {};
}

StoreResult<PgConnection::Prepared> PgConnection::prepare(std::string_view sql) {
  if (auto r = ensure(); !r) return std::unexpected(std::move(r.error()));
  if (auto it = prepared_.find(std::string(sql)); it != prepared_.end()) return it->second;
  Prepared p;
  p.sql = translate_placeholders(sql, p.params);
  if (prepared_.size() < kMaxPrepared) p.name = strf("tg{}", ++next_name_);
  p.session = session_;
  // Prepared on the server even when unnamed: bad SQL fails here, as with SQLite.
  pg_result* res = PQprepare(conn_, p.name.c_str(), p.sql.c_str(), p.params, nullptr);
  if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
    StoreError e = error(res, "prepare");
    PQclear(res);
    return std::unexpected(std::move(e));
  }
  PQclear(res);
  if (!p.name.empty()) prepared_.emplace(std::string(sql), p);
  return p;
}

StoreResult<pg_result*> PgConnection::execute(
    const Prepared& p, const std::vector<std::optional<std::string>>& params) {
  if (auto r = ensure(); !r) return std::unexpected(std::move(r.error()));
  std::vector<const char*> values(params.size());
  for (std::size_t i = 0; i < params.size(); ++i)
    values[i] = params[i] ? params[i]->c_str() : nullptr;
  pg_result* res;
  // A name from before a reconnect no longer exists on the server: run the text.
  if (!p.name.empty() && p.session == session_) {
    res = PQexecPrepared(conn_, p.name.c_str(), p.params, values.data(), nullptr, nullptr, 0);
  } else {
    res = PQexecParams(conn_, p.sql.c_str(), p.params, nullptr, values.data(), nullptr, nullptr, 0);
  }
  const auto status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    StoreError e = error(res, "step");
    PQclear(res);
    return std::unexpected(std::move(e));
  }
  note_changes(res);
  return res;
}

StoreResult<void> PgConnection::begin() {
  if (in_tx_)
    return std::unexpected(
        StoreError{StoreErrorCode::kInternal, "a transaction is already open on this connection"});
  // One round trip: the lock is taken before any statement of the transaction
  // reads, so a read-modify-write sees every earlier writer's commit.
  if (auto r = exec(strf("BEGIN; SELECT pg_advisory_xact_lock({})", kWriteLockKey)); !r) {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) (void)exec("ROLLBACK");
    return r;
  }
  in_tx_ = true;
  return {};
}

StoreResult<void> PgConnection::commit() {
  in_tx_ = false;  // whatever COMMIT answers, the transaction is over
  if (PQstatus(conn_) != CONNECTION_OK)
    return std::unexpected(StoreError{StoreErrorCode::kUnavailable,
                                      strf("commit: connection to '{}' lost", redacted_)});
  pg_result* res = PQexec(conn_, "COMMIT");
  const bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
  // COMMIT of a transaction that had failed answers "ROLLBACK" without an error.
  const bool committed = ok && std::strcmp(PQcmdStatus(res), "COMMIT") == 0;
  StoreError e;
  if (!ok) e = error(res, "commit");
  PQclear(res);
  if (!ok) return std::unexpected(std::move(e));
  if (!committed)
    return std::unexpected(
        StoreError{StoreErrorCode::kInternal, "commit: the transaction had failed, rolled back"});
  return {};
}

void PgConnection::rollback() {
  if (PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) != PQTRANS_IDLE)
    PQclear(PQexec(conn_, "ROLLBACK"));
  in_tx_ = false;  // a broken connection rolled back on the server by itself
}

// --- PgStatement -------------------------------------------------------------

PgStatement::~PgStatement() { clear_result(); }

void PgStatement::clear_result() {
  if (res_) PQclear(res_);
  res_ = nullptr;
  row_ = -1;
  rows_ = 0;
}

StoreResult<void> PgStatement::bind(int index, std::optional<std::string> value) {
  if (index < 1 || index > p_.params)
    return std::unexpected(
        StoreError{StoreErrorCode::kInternal, strf("bind: index {} out of range", index)});
  params_[static_cast<std::size_t>(index - 1)] = std::move(value);
  return {};
}

StoreResult<bool> PgStatement::step() {
  if (row_ < 0) {
    auto res = conn_->execute(p_, params_);
    if (!res) return std::unexpected(std::move(res.error()));
    res_ = *res;
    rows_ = PQntuples(res_);
    row_ = 0;
  } else if (row_ < rows_) {
    ++row_;
  }
  return row_ < rows_;
}

void PgStatement::reset() {
  clear_result();
  for (auto& p : params_) p.reset();
}

bool PgStatement::is_null(int column) const {
  if (!res_ || row_ < 0 || row_ >= rows_ || column < 0 || column >= PQnfields(res_)) return true;
  return PQgetisnull(res_, row_, column) != 0;
}

std::int64_t PgStatement::int64(int column) const {
  if (is_null(column)) return 0;
  const char* v = PQgetvalue(res_, row_, column);
  const std::size_t n = static_cast<std::size_t>(PQgetlength(res_, row_, column));
  std::int64_t out = 0;
  std::from_chars(v, v + n, out);
  return out;
}

std::string PgStatement::text(int column) const {
  if (is_null(column)) return {};
  return std::string(PQgetvalue(res_, row_, column),
                     static_cast<std::size_t>(PQgetlength(res_, row_, column)));
}

}  // namespace detail
}  // namespace tollgate::store
