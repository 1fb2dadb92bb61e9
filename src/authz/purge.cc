// purge.cc — see purge.h for the contract.
#include "authz/purge.h"

#include <boost/json.hpp>
#include <exception>

#include "http/log.h"

namespace tollgate::authz {
namespace {

// Run one table's purge; a failure is logged and counted, never thrown.
template <class Fn>
void purge_one(std::string_view table, Fn&& fn, std::int64_t& count, int& failures) {
  auto r = fn();
  if (r) {
    count = *r;
    return;
  }
  ++failures;
  http::log_json("purge", {{"msg", "purge failed"}, {"table", table}, {"error", r.error().message}},
                 http::LogLevel::kWarn);
}

}  // namespace

Sweeper::Sweeper(PurgeStores stores, const core::Clock& clock, std::chrono::milliseconds interval)
    : stores_(std::move(stores)), clock_(clock), interval_(interval) {}

Sweeper::~Sweeper() { stop(); }

PurgeCounts Sweeper::sweep() {
  const std::int64_t now = clock_.unix_seconds();
  PurgeCounts c;
  if (stores_.codes)
    purge_one(
        "auth_codes", [&] { return stores_.codes->purge_expired(now); }, c.codes, c.failures);
  if (stores_.sessions)
    purge_one(
        "authorize_sessions", [&] { return stores_.sessions->purge_expired(now); }, c.sessions,
        c.failures);
  if (stores_.ciba)
    purge_one(
        "ciba_requests", [&] { return stores_.ciba->purge_expired(now - kCibaGrace.count()); },
        c.ciba, c.failures);
  if (stores_.refresh_tokens)
    purge_one(
        "refresh_tokens", [&] { return stores_.refresh_tokens->purge_expired(now); },
        c.refresh_tokens, c.failures);
  if (stores_.replay)
    purge_one(
        "assertion_jti", [&] { return stores_.replay->purge_expired(now); }, c.replay, c.failures);
  if (stores_.revocations)
    purge_one(
        "revocations", [&] { return stores_.revocations->prune(now - kRevocationGrace.count()); },
        c.revocations, c.failures);
  http::log_json("purge",
                 {{"msg", "sweep"},
                  {"auth_codes", c.codes},
                  {"authorize_sessions", c.sessions},
                  {"ciba_requests", c.ciba},
                  {"refresh_tokens", c.refresh_tokens},
                  {"assertion_jti", c.replay},
                  {"revocations", c.revocations},
                  {"removed", c.total()},
                  {"failures", c.failures}},
                 c.failures ? http::LogLevel::kWarn : http::LogLevel::kInfo);
  return c;
}

void Sweeper::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void Sweeper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::uint64_t Sweeper::sweeps() const {
  std::lock_guard lock(mutex_);
  return sweeps_;
}

void Sweeper::run() {
  for (bool first = true;; first = false) {
    if (!first) {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, interval_, [&] { return stopping_; })) return;
    }
    try {
      sweep();
    } catch (const std::exception& e) {  // a bug; the next sweep tries again
      http::log_error(std::string("purge sweep failed: ") + e.what());
    }
    std::lock_guard lock(mutex_);
    ++sweeps_;
  }
}

}  // namespace tollgate::authz
