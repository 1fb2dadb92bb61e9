#include "store/audit.h"

#include <algorithm>
#include <limits>

#include "core/crypto.h"
#include "core/json.h"
#include "core/strf.h"

namespace tollgate::store {

using core::strf;
namespace {

constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE audit ("
     " seq INTEGER PRIMARY KEY,"
     " ts INTEGER NOT NULL,"
     " event TEXT NOT NULL,"
     " record TEXT NOT NULL,"
     " hash TEXT NOT NULL"
     ") STRICT;"
     "CREATE INDEX audit_by_ts ON audit(ts);"
     "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
     " BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;"
     "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
     " BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;",
     // PostgreSQL: the same two triggers (same names), and TRUNCATE, which
     // skips row triggers, refused as well.
     "CREATE TABLE audit ("
     " seq BIGINT PRIMARY KEY,"
     " ts BIGINT NOT NULL,"
     " event TEXT NOT NULL,"
     " record TEXT NOT NULL,"
     " hash TEXT NOT NULL"
     ");"
     "CREATE INDEX audit_by_ts ON audit(ts);"
     "CREATE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS"
     " $$ BEGIN RAISE EXCEPTION 'audit records are append-only'; END $$;"
     "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
     " FOR EACH ROW EXECUTE FUNCTION audit_refuse();"
     "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
     " FOR EACH ROW EXECUTE FUNCTION audit_refuse();"
     "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit"
     " FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse();"},
};

// Rows per INSERT statement in append (chunks; the last one may be shorter).
constexpr std::size_t kRowsPerInsert = 16;

template <class T>
std::unexpected<StoreError> forward(StoreResult<T>& r) {
  return std::unexpected(std::move(r.error()));
}

void canonical_into(const boost::json::value& v, std::string& out) {
  switch (v.kind()) {
    case boost::json::kind::object: {
      const auto& o = v.get_object();
      std::vector<const boost::json::key_value_pair*> members;
      members.reserve(o.size());
      for (const auto& kv : o) members.push_back(&kv);
      std::ranges::sort(members, [](auto* a, auto* b) { return a->key() < b->key(); });
      out += '{';
      bool first = true;
      for (const auto* kv : members) {
        if (!first) out += ',';
        first = false;
        out += boost::json::serialize(boost::json::string_view(kv->key()));
        out += ':';
        canonical_into(kv->value(), out);
      }
      out += '}';
      return;
    }
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        canonical_into(e, out);
      }
      out += ']';
      return;
    }
    default:
      out += boost::json::serialize(v);
  }
}

}  // namespace

std::string canonical_json(const boost::json::value& v) {
  std::string out;
  canonical_into(v, out);
  return out;
}

StoreResult<std::shared_ptr<AuditStore>> AuditStore::open(std::shared_ptr<Database> db) {
  if (!db)
    return std::unexpected(StoreError{StoreErrorCode::kInternal, "AuditStore::open: no database"});
  auto r = db->run([](Connection& c) { return migrate(c, "audit", kMigrations); });
  if (!r) return forward(r);
  return std::shared_ptr<AuditStore>(new AuditStore(std::move(db)));
}

StoreResult<std::vector<std::int64_t>> AuditStore::append(std::span<const AuditInput> inputs) {
  return db_->run([&](Connection& c) -> StoreResult<std::vector<std::int64_t>> {
    std::vector<std::int64_t> seqs;
    if (inputs.empty()) return seqs;
    auto tx = c.transaction();
    if (!tx) return forward(tx);
    std::int64_t seq = 0;
    std::string prev(kAuditGenesis);
    {
      auto head = c.prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
      if (!head) return forward(head);
      auto row = head->step();
      if (!row) return forward(row);
      if (*row) {
        seq = head->column_int64(0);
        prev = head->column_text(1);
      }
    }
    struct Row {
      std::int64_t seq;
      std::string text, hash;
    };
    std::vector<Row> rows;
    rows.reserve(inputs.size());
    seqs.reserve(inputs.size());
    for (const AuditInput& in : inputs) {
      ++seq;
      boost::json::object o = in.fields;
      o["seq"] = seq;
      o["ts"] = in.ts_ms;
      o["event"] = in.event;
      o["prev"] = prev;
      std::string text = canonical_json(o);
      std::string hash = core::sha256_hex(text);
      prev = hash;
      rows.push_back(Row{seq, std::move(text), std::move(hash)});
      seqs.push_back(seq);
    }
    // Several rows per INSERT: one round trip per chunk on PostgreSQL (a batch
    // of one statement per record spent most of its time waiting on the
    // network). At most kRowsPerInsert distinct statement texts get cached.
    for (std::size_t first = 0; first < rows.size(); first += kRowsPerInsert) {
      const std::size_t n = std::min(kRowsPerInsert, rows.size() - first);
      std::string sql = "INSERT INTO audit(seq, ts, event, record, hash) VALUES";
      for (std::size_t i = 0; i < n; ++i) sql += i == 0 ? "(?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?)";
      auto ins = c.prepare(sql);
      if (!ins) return forward(ins);
      int param = 0;
      for (std::size_t i = first; i < first + n; ++i) {
        const AuditInput& in = inputs[i];
        StoreResult<void> b = ins->bind(++param, rows[i].seq);
        if (b) b = ins->bind(++param, in.ts_ms);
        if (b) b = ins->bind(++param, std::string_view(in.event));
        if (b) b = ins->bind(++param, std::string_view(rows[i].text));
        if (b) b = ins->bind(++param, std::string_view(rows[i].hash));
        if (!b) return forward(b);
      }
      if (auto r = ins->run(); !r) return forward(r);
    }
    if (auto r = tx->commit(); !r) return forward(r);
    return seqs;
  });
}

StoreResult<void> AuditStore::scan(std::int64_t after_seq, std::int64_t since_ms,
                                   const std::function<bool(const AuditRecord&)>& fn) {
  return db_->run([&](Connection& c) -> StoreResult<void> {
    auto st = c.prepare(
        "SELECT seq, ts, event, record, hash FROM audit WHERE seq > ?1 AND ts >= ?2 ORDER BY seq");
    if (!st) return forward(st);
    if (auto b = st->bind_all(after_seq, since_ms); !b) return forward(b);
    for (;;) {
      auto row = st->step();
      if (!row) return forward(row);
      if (!*row) return {};
      AuditRecord r{st->column_int64(0), st->column_int64(1), st->column_text(2),
                    st->column_text(3), st->column_text(4)};
      if (!fn(r)) return {};
    }
  });
}

StoreResult<AuditVerifyReport> AuditStore::verify() {
  AuditVerifyReport report;
  std::string running(kAuditGenesis);
  std::int64_t expected = 1;
  auto broken = [&](std::int64_t seq, std::string why) {
    report.ok = false;
    report.first_broken = seq;
    report.reason = std::move(why);
    return false;
  };
  auto r = scan(0, std::numeric_limits<std::int64_t>::min(), [&](const AuditRecord& rec) {
    if (rec.seq != expected)
      return broken(expected,
                    strf("record {} is missing (the next stored record is {})", expected, rec.seq));
    auto parsed = core::parse_strict_object(rec.text);
    if (!parsed) return broken(rec.seq, "the record is not a JSON object");
    if (canonical_json(*parsed) != rec.text)
      return broken(rec.seq, "the record is not in canonical form");
    const auto seq = core::get_int(*parsed, "seq");
    const auto ts = core::get_int(*parsed, "ts");
    const auto event = core::get_string(*parsed, "event");
    const auto prev = core::get_string(*parsed, "prev");
    if (!seq || *seq != rec.seq || !ts || *ts != rec.ts_ms || !event || *event != rec.event)
      return broken(rec.seq, "the seq, ts or event columns differ from the record");
    if (!prev || *prev != running)
      return broken(rec.seq, rec.seq == 1 ? std::string("the first record does not start the chain")
                                          : strf("its prev does not match the hash of record {}",
                                                 rec.seq - 1));
    std::string hash = core::sha256_hex(rec.text);
    if (hash != rec.hash) return broken(rec.seq, "its content does not match its stored hash");
    running = std::move(hash);
    report.records = rec.seq;
    report.head_hash = running;
    ++expected;
    return true;
  });
  if (!r) return std::unexpected(std::move(r.error()));
  return report;
}

}  // namespace tollgate::store
