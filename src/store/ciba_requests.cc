#include "store/ciba_requests.h"

#include "core/strf.h"
#include "store/result_util.h"

namespace tollgate::store {
namespace {

using detail::forward;

constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE ciba_requests ("
     " auth_req_hash TEXT PRIMARY KEY NOT NULL, approval_hash TEXT NOT NULL,"
     " client_id TEXT NOT NULL, partner TEXT NOT NULL, scope TEXT NOT NULL, purpose TEXT NOT NULL,"
     " subscriber TEXT NOT NULL, amr TEXT NOT NULL, consent_id TEXT NOT NULL, auth_time INTEGER "
     "NOT NULL,"
     " nonce TEXT NOT NULL,"
     " status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),"
     " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, interval INTEGER NOT NULL,"
     " last_poll_at INTEGER NOT NULL DEFAULT 0"
     ") STRICT;"
     "CREATE INDEX ciba_by_approval ON ciba_requests(approval_hash);",
     "CREATE TABLE ciba_requests ("
     " auth_req_hash TEXT PRIMARY KEY NOT NULL, approval_hash TEXT NOT NULL,"
     " client_id TEXT NOT NULL, partner TEXT NOT NULL, scope TEXT NOT NULL, purpose TEXT NOT NULL,"
     " subscriber TEXT NOT NULL, amr TEXT NOT NULL, consent_id TEXT NOT NULL,"
     " auth_time BIGINT NOT NULL,"
     " nonce TEXT NOT NULL,"
     " status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),"
     " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, interval BIGINT NOT NULL,"
     " last_poll_at BIGINT NOT NULL DEFAULT 0"
     ");"
     "CREATE INDEX ciba_by_approval ON ciba_requests(approval_hash);"},
};

constexpr std::string_view kColumns =
    "auth_req_hash, approval_hash, client_id, partner, scope, purpose, subscriber, amr, "
    "consent_id, auth_time, "
    "nonce, status, created_at, expires_at, interval, last_poll_at";

std::optional<CibaStatus> status_from(std::string_view s) {
  for (CibaStatus v :
       {CibaStatus::kPending, CibaStatus::kApproved, CibaStatus::kDenied, CibaStatus::kConsumed})
    if (to_string(v) == s) return v;
  return std::nullopt;
}

StoreResult<CibaRequestRecord> read_row(const Statement& st) {
  CibaRequestRecord r;
  r.auth_req_hash = st.column_text(0);
  r.approval_hash = st.column_text(1);
  GrantContext& g = r.grant;
  g.client_id = st.column_text(2);
  g.partner = st.column_text(3);
  g.scope = st.column_text(4);
  g.purpose = st.column_text(5);
  g.subscriber = st.column_text(6);
  auto amr = detail::parse_json_list(st.column_text(7));
  auto status = status_from(st.column_text(11));
  if (!amr || !status) return std::unexpected(detail::corrupt("ciba request: undecodable row"));
  g.amr = std::move(*amr);
  g.consent_id = st.column_text(8);
  g.auth_time = st.column_int64(9);
  g.nonce = st.column_text(10);
  r.status = *status;
  r.created_at = st.column_int64(12);
  r.expires_at = st.column_int64(13);
  r.interval = st.column_int64(14);
  r.last_poll_at = st.column_int64(15);
  return r;
}

template <class... Args>
StoreResult<std::optional<CibaRequestRecord>> select_one(Connection& c, std::string_view where,
                                                         const Args&... args) {
  auto st = c.prepare(core::strf("SELECT {} FROM ciba_requests WHERE {}", kColumns, where));
  if (!st) return forward(st);
  if (auto b = st->bind_all(args...); !b) return forward(b);
  auto row = st->step();
  if (!row) return forward(row);
  if (!*row) return std::nullopt;
  auto rec = read_row(*st);
  if (!rec) return forward(rec);
  return std::optional<CibaRequestRecord>(std::move(*rec));
}

}  // namespace

std::string_view to_string(CibaStatus s) {
  switch (s) {
    case CibaStatus::kPending:
      return "pending";
    case CibaStatus::kApproved:
      return "approved";
    case CibaStatus::kDenied:
      return "denied";
    case CibaStatus::kConsumed:
      return "consumed";
  }
  return "pending";
}

StoreResult<std::shared_ptr<SqliteCibaRequestStore>> SqliteCibaRequestStore::open(
    std::shared_ptr<Database> db) {
  if (!db)
    return std::unexpected(
        StoreError{StoreErrorCode::kInternal, "SqliteCibaRequestStore: no database"});
  auto r = db->run([](Connection& c) { return migrate(c, "ciba_requests", kMigrations); });
  if (!r) return forward(r);
  return std::shared_ptr<SqliteCibaRequestStore>(new SqliteCibaRequestStore(std::move(db)));
}

StoreResult<void> SqliteCibaRequestStore::create(const CibaRequestRecord& r) {
  const GrantContext& g = r.grant;
  return db_->run([&](Connection& c) {
    return detail::exec_bound(
        c,
        core::strf("INSERT INTO ciba_requests({}) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                   "?10, ?11, ?12, ?13, ?14, ?15, 0)",
                   kColumns),
        r.auth_req_hash, r.approval_hash, g.client_id, g.partner, g.scope, g.purpose, g.subscriber,
        detail::json_list(g.amr), g.consent_id, g.auth_time, g.nonce, to_string(r.status),
        r.created_at, r.expires_at, r.interval);
  });
}

StoreResult<PollResult> SqliteCibaRequestStore::poll(std::string_view auth_req_hash,
                                                     std::string_view client_id, std::int64_t now) {
  return db_->run([&](Connection& c) -> StoreResult<PollResult> {
    auto tx = c.transaction();
    if (!tx) return forward(tx);
    auto found = select_one(c, "auth_req_hash = ?1 AND client_id = ?2", auth_req_hash, client_id);
    if (!found) return forward(found);
    PollResult out;
    if (!*found) return out;
    CibaRequestRecord& r = **found;
    const std::int64_t previous = r.last_poll_at;
    if (now >= r.expires_at) {
      out.outcome = PollOutcome::kExpired;
    } else if (r.status == CibaStatus::kApproved) {
      out.outcome = PollOutcome::kApproved;
      r.status = CibaStatus::kConsumed;
    } else if (r.status == CibaStatus::kDenied) {
      out.outcome = PollOutcome::kDenied;
    } else if (r.status == CibaStatus::kConsumed) {
      out.outcome = PollOutcome::kConsumed;
    } else if (previous != 0 && now - previous < r.interval) {
      out.outcome = PollOutcome::kSlowDown;
      r.interval += kSlowDownStep;
    } else {
      out.outcome = PollOutcome::kPending;
    }
    r.last_poll_at = now;
    if (auto u = detail::exec_bound(c,
                                    "UPDATE ciba_requests SET status = ?2, interval = ?3, "
                                    "last_poll_at = ?4 WHERE auth_req_hash = ?1",
                                    auth_req_hash, to_string(r.status), r.interval, r.last_poll_at);
        !u)
      return forward(u);
    if (auto cm = tx->commit(); !cm) return forward(cm);
    out.record = std::move(r);
    return out;
  });
}

StoreResult<DecideResult> SqliteCibaRequestStore::decide(std::string_view approval_hash,
                                                         bool approve, std::string_view consent_id,
                                                         std::int64_t now) {
  return db_->run([&](Connection& c) -> StoreResult<DecideResult> {
    DecideResult out;
    if (approval_hash.empty()) return out;
    auto tx = c.transaction();
    if (!tx) return forward(tx);
    auto found = select_one(c, "approval_hash = ?1", approval_hash);
    if (!found) return forward(found);
    if (!*found) return out;
    CibaRequestRecord& r = **found;
    if (now >= r.expires_at) {
      out.outcome = DecideOutcome::kExpired;
    } else if (r.status != CibaStatus::kPending) {
      out.outcome = DecideOutcome::kAlreadyDecided;
    } else {
      r.status = approve ? CibaStatus::kApproved : CibaStatus::kDenied;
      if (approve) r.grant.consent_id = std::string(consent_id);
      if (auto u = detail::exec_bound(
              c, "UPDATE ciba_requests SET status = ?2, consent_id = ?3 WHERE approval_hash = ?1",
              approval_hash, to_string(r.status), r.grant.consent_id);
          !u)
        return forward(u);
      if (auto cm = tx->commit(); !cm) return forward(cm);
      out.outcome = DecideOutcome::kDecided;
    }
    out.record = std::move(r);
    return out;
  });
}

StoreResult<std::optional<CibaRequestRecord>> SqliteCibaRequestStore::find_by_approval(
    std::string_view approval_hash) {
  if (approval_hash.empty()) return std::optional<CibaRequestRecord>{};
  return db_->run(
      [&](Connection& c) { return select_one(c, "approval_hash = ?1", approval_hash); });
}

StoreResult<std::int64_t> SqliteCibaRequestStore::purge_expired(std::int64_t before) {
  return db_->run([&](Connection& c) -> StoreResult<std::int64_t> {
    if (auto r = detail::exec_bound(c, "DELETE FROM ciba_requests WHERE expires_at < ?1", before);
        !r)
      return forward(r);
    return c.changes();
  });
}

}  // namespace tollgate::store
