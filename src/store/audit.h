// audit.h — the append-only, hash-chained audit table.
//
// Record format (what is hashed and what `audit export` prints): the canonical
// JSON text of one object holding the caller's fields plus
//   seq   1, 2, 3, ... (no gaps)
//   ts    milliseconds since the Unix epoch when the event happened
//   event the event name ("client_auth", "token_issued", ...)
//   prev  SHA-256 hex of the previous record's canonical text (64 zeros for seq 1)
// Canonical JSON: object members sorted by name (byte order) at every depth,
// no whitespace, strings escaped as Boost.JSON serializes them. The `hash`
// column holds SHA-256 hex of the record's own text, for quick linking.
//
// Contract
// - `append` writes a batch in ONE transaction (one fsync when the connection
//   uses synchronous=FULL: the group commit of authz::AuditLog). It reads the
//   chain's head inside the write transaction, so several writers (the server
//   and a CLI command) still form one chain.
// - Triggers refuse UPDATE and DELETE on the table: tampering needs a deliberate
//   DROP TRIGGER, and `verify` then names the first record that does not hold.
// - `verify` checks, record by record: no gap in seq, strict JSON in canonical
//   form, columns equal to the record's members, prev equal to the hash of the
//   previous record's text, and the stored hash. A truncated tail cannot be
//   seen from inside the table: compare `head_hash` with one kept elsewhere.
// - Thread safety: safe from any thread (serialized on the Database mutex).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "store/sqlite.h"

namespace tollgate::store {

inline constexpr std::string_view kAuditGenesis =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct AuditInput {
  std::int64_t ts_ms = 0;
  std::string event;
  boost::json::object fields;  // must not hold seq, ts, event or prev (they are overwritten)
};

struct AuditRecord {
  std::int64_t seq = 0;
  std::int64_t ts_ms = 0;
  std::string event;
  std::string text;  // canonical JSON
  std::string hash;  // SHA-256 hex of text
};

struct AuditVerifyReport {
  bool ok = true;
  std::int64_t records = 0;        // records checked
  std::string head_hash{kAuditGenesis};  // hash of the last record checked
  std::int64_t first_broken = 0;   // seq of the first record that does not hold (0 when ok)
  std::string reason;              // why it does not hold
};

// Canonical JSON text of `v` (sorted members, no whitespace).
std::string canonical_json(const boost::json::value& v);

class AuditStore {
 public:
  static StoreResult<std::shared_ptr<AuditStore>> open(std::shared_ptr<Database> db);

  // Append in one transaction; returns the seq given to each input, in order.
  StoreResult<std::vector<std::int64_t>> append(std::span<const AuditInput> inputs);
  // Records with seq > after_seq and ts >= since_ms, in seq order; `fn` returns false to stop.
  StoreResult<void> scan(std::int64_t after_seq, std::int64_t since_ms,
                         const std::function<bool(const AuditRecord&)>& fn);
  StoreResult<AuditVerifyReport> verify();

 private:
  explicit AuditStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  std::shared_ptr<Database> db_;
};

}  // namespace tollgate::store
