#include "authz/audit.h"

#include <future>

#include "http/log.h"

namespace tollgate::authz {

// The records of one request: `pending` counts its queued records plus one
// hold for the still-open scope; whoever brings it to zero runs `done`.
struct AuditLog::Join {
  std::mutex mutex;
  int pending = 1;                  // GUARDED_BY(mutex)
  bool ok = true;                   // GUARDED_BY(mutex)
  std::function<void(bool)> done;   // GUARDED_BY(mutex)

  void add() {
    std::lock_guard lock(mutex);
    ++pending;
  }
  void complete(bool success, std::function<void(bool)> set_done = {}) {
    std::function<void(bool)> run;
    bool result = false;
    {
      std::lock_guard lock(mutex);
      if (set_done) done = std::move(set_done);
      ok = ok && success;
      if (--pending == 0) {
        run = std::move(done);
        result = ok;
      }
    }
    if (run) run(result);
  }
};

std::shared_ptr<AuditLog::Join>*& AuditLog::current_scope() {
  thread_local std::shared_ptr<Join>* scope = nullptr;
  return scope;
}

AuditLog::AuditLog(std::shared_ptr<store::AuditStore> store, AuditOptions options, const core::Clock& clock)
    : store_(std::move(store)), options_(options), clock_(clock), writer_([this] { run(); }) {}

AuditLog::~AuditLog() { stop(); }

void AuditLog::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !writer_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable() && writer_.get_id() != std::this_thread::get_id()) writer_.join();
}

void AuditLog::enqueue(Item item) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      // Too late to commit: the caller must not claim durability.
      if (item.join) item.join->complete(false);
      if (item.on_done) item.on_done(false);
      return;
    }
    queue_.push_back(std::move(item));
  }
  wake_.notify_one();
}

void AuditLog::record(std::string_view event, boost::json::object fields) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch()).count();
  Item item{store::AuditInput{ms, std::string(event), std::move(fields)}, nullptr, {}};
  if (auto* scope = current_scope(); scope && *scope) {
    item.join = *scope;
    item.join->add();
  }
  enqueue(std::move(item));
}

store::StoreResult<void> AuditLog::record_sync(std::string_view event, boost::json::object fields) {
  auto promise = std::make_shared<std::promise<bool>>();
  auto future = promise->get_future();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch()).count();
  enqueue(Item{store::AuditInput{ms, std::string(event), std::move(fields)}, nullptr,
               [promise](bool ok) { promise->set_value(ok); }});
  if (!future.get())
    return std::unexpected(store::StoreError{store::StoreErrorCode::kUnavailable, "the audit record could not be committed"});
  return {};
}

void AuditLog::flush() {
  auto promise = std::make_shared<std::promise<void>>();
  auto future = promise->get_future();
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty() && stopping_) return;
  }
  // A marker item with no record: it is "done" once everything before it is.
  enqueue(Item{store::AuditInput{}, nullptr, [promise](bool) { promise->set_value(); }});
  future.wait();
}

AuditLog::Stats AuditLog::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void AuditLog::run() {
  std::vector<Item> batch;
  std::vector<store::AuditInput> inputs;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      const std::size_t n = options_.group_commit ? std::min(queue_.size(), kMaxBatch) : 1;
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    inputs.clear();
    for (Item& item : batch)
      if (!item.input.event.empty()) inputs.push_back(std::move(item.input));
    bool ok = true;
    std::vector<std::int64_t> seqs;
    if (!inputs.empty()) {
      auto r = store_->append(inputs);
      ok = r.has_value();
      if (ok) seqs = std::move(*r);
      else http::log_error("audit: commit failed: " + r.error().message);
    }
    {
      std::lock_guard lock(mutex_);
      stats_.records += ok ? inputs.size() : 0;
      stats_.failed += ok ? 0 : inputs.size();
      stats_.batches += inputs.empty() ? 0 : 1;
    }
    // Requests first (latency); then the log lines; then synchronous waiters,
    // so that flush() also means "logged".
    for (Item& item : batch)
      if (item.join) item.join->complete(ok);
    if (ok && options_.log_lines) {
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        boost::json::object line = std::move(inputs[i].fields);
        line["event"] = inputs[i].event;
        line["seq"] = seqs[i];
        const bool failure = line.contains("outcome") && line["outcome"] == "failure";
        http::log_json("audit", std::move(line), failure ? http::LogLevel::kWarn : http::LogLevel::kInfo);
      }
    }
    for (Item& item : batch)
      if (item.on_done) item.on_done(ok);
  }
}

DurabilityScope::DurabilityScope(AuditLog&) : join_(std::make_shared<AuditLog::Join>()) {
  AuditLog::current_scope() = &join_;
}

DurabilityScope::~DurabilityScope() {
  if (open_) {
    AuditLog::current_scope() = nullptr;
    join_->complete(true);  // release the hold; nobody waits
  }
}

void DurabilityScope::finish(std::function<void(bool ok)> done) {
  if (!open_) return;
  open_ = false;
  AuditLog::current_scope() = nullptr;
  join_->complete(true, std::move(done));
}

}  // namespace tollgate::authz
