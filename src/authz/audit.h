// audit.h — the authorization server's audit trail: what happened, durable
// before the response that describes it is sent, at full token rate.
//
// Records go to store::AuditStore (append-only, hash-chained; see store/audit.h)
// through ONE writer thread with a queue. The writer takes everything queued
// (up to kMaxBatch records) and commits it in one transaction — one fsync for
// all the concurrent requests it covers (group commit) — on its own SQLite
// connection with synchronous=FULL, so "committed" means "on disk".
//
// A request opts in to "durable before the response" with a DurabilityScope:
// every record queued on that thread while the scope is open joins it, and
// `finish(done)` calls done(true) once all of them are committed, or
// done(false) if a commit failed (the caller then sends 503 instead of an
// answer whose record was lost). The request thread never blocks: `done` runs
// on the writer thread (or at once when the scope holds no record).
// Records queued outside a scope (background tasks) are committed the same way
// without anyone waiting; `record_sync` waits (CLI commands, tests).
//
// Each committed record is also written to the "audit" log channel (stderr)
// when `log_lines` is on — from the writer thread, never a secret or a token.
//
// Thread safety: every member may be called from any thread. Lifetime: `stop`
// (or the destructor) commits what is queued, then joins the writer.
#pragma once

#include <boost/json.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "core/clock.h"
#include "store/audit.h"

namespace tollgate::authz {

struct AuditOptions {
  bool group_commit = true;  // false: one transaction per record (measurement only)
  bool log_lines = true;     // mirror committed records to the "audit" log channel
};

class AuditLog {
 public:
  // Enough to cover every connection of a busy server in one fsync, small
  // enough that one transaction stays short (about a millisecond).
  static constexpr std::size_t kMaxBatch = 2048;

  AuditLog(std::shared_ptr<store::AuditStore> store, AuditOptions options, const core::Clock& clock);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Queue a record (joins the thread's open DurabilityScope, if any).
  void record(std::string_view event, boost::json::object fields);
  // Queue a record and wait until it is committed.
  store::StoreResult<void> record_sync(std::string_view event, boost::json::object fields);
  // Wait until everything queued so far is committed (or failed).
  void flush();
  void stop();

  struct Stats {
    std::uint64_t records = 0;
    std::uint64_t batches = 0;  // transactions
    std::uint64_t failed = 0;   // records whose transaction failed
  };
  Stats stats() const;

 private:
  friend class DurabilityScope;
  struct Join;
  struct Item {
    store::AuditInput input;
    std::shared_ptr<Join> join;                    // the request waiting for it, if any
    std::function<void(bool)> on_done;             // record_sync / flush
  };
  void enqueue(Item item);
  void run();
  // The open DurabilityScope of this thread (nullptr when none).
  static std::shared_ptr<Join>*& current_scope();

  std::shared_ptr<store::AuditStore> store_;
  const AuditOptions options_;
  const core::Clock& clock_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Item> queue_;  // GUARDED_BY(mutex_)
  bool stopping_ = false;   // GUARDED_BY(mutex_)
  Stats stats_;             // GUARDED_BY(mutex_)
  std::thread writer_;
};

// Collects the records queued on this thread while it is open (see above).
// REQUIRES: opened and finished on the same thread; at most one open per thread.
class DurabilityScope {
 public:
  explicit DurabilityScope(AuditLog& log);
  ~DurabilityScope();  // without finish(): the records still commit, nobody waits
  DurabilityScope(const DurabilityScope&) = delete;
  DurabilityScope& operator=(const DurabilityScope&) = delete;
  // Closes the scope; `done(ok)` runs once every record it holds is committed
  // (ok = true) or a commit failed (ok = false); at once when it holds none.
  void finish(std::function<void(bool ok)> done);

 private:
  std::shared_ptr<AuditLog::Join> join_;
  bool open_ = true;
};

}  // namespace tollgate::authz
