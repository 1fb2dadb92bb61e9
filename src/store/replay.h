// replay.h — the private_key_jwt replay cache (RFC 7523 §3 item 7, CAMARA ICM
// profile): each client assertion `jti` is accepted once per client, and the
// cache survives restarts because it lives in the store.
//
// Contract
// - `use_once(client_id, jti, keep_until, now)`: true the first time the pair is
//   seen (the pair is then remembered until `keep_until`), false for a replay.
//   A pair whose previous use is past its keep_until counts as unseen: by then
//   the earlier assertion has expired and is refused by its `exp` anyway.
// - The insert is one atomic statement (INSERT .. ON CONFLICT), so two requests
//   racing with the same jti — in this process or another one sharing the
//   file — cannot both win.
// - Expired rows are pruned opportunistically (at most once per kPruneInterval)
//   so the table stays bounded by the number of assertions of the last few minutes;
//   `purge_expired` does the same on demand (authz/purge.h's sweeper).
// - Thread safety: safe from any thread (serialized on the Database mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "store/sqlite.h"

namespace tollgate::store {

class ReplayCache {
 public:
  virtual ~ReplayCache() = default;
  virtual StoreResult<bool> use_once(std::string_view client_id, std::string_view jti,
                                     std::int64_t keep_until, std::int64_t now) = 0;
};

class SqliteReplayCache final : public ReplayCache {
 public:
  static StoreResult<std::shared_ptr<SqliteReplayCache>> open(std::shared_ptr<Database> db);
  StoreResult<bool> use_once(std::string_view client_id, std::string_view jti,
                             std::int64_t keep_until, std::int64_t now) override;
  // Rows currently stored (tests and metrics).
  StoreResult<std::int64_t> size();
  // Delete the pairs whose keep_until is before `now` (the periodic sweep); returns how many.
  StoreResult<std::int64_t> purge_expired(std::int64_t now);

  // Pruning every minute bounds both the table and the cost of the DELETE.
  static constexpr std::int64_t kPruneInterval = 60;

 private:
  explicit SqliteReplayCache(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  std::shared_ptr<Database> db_;
  std::int64_t last_prune_ = 0;  // GUARDED_BY(db_'s mutex): only touched inside db_->run
};

}  // namespace tollgate::store
