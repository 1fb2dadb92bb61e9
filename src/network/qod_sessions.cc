#include "network/qod_sessions.h"

#include <algorithm>

#include "core/crypto.h"

namespace tollgate::network::qod {

std::string_view to_string(QosStatus s) {
  switch (s) {
    case QosStatus::kRequested:
      return "REQUESTED";
    case QosStatus::kAvailable:
      return "AVAILABLE";
    case QosStatus::kUnavailable:
      return "UNAVAILABLE";
  }
  return "UNAVAILABLE";
}

std::string_view to_string(StatusInfo s) {
  switch (s) {
    case StatusInfo::kDurationExpired:
      return "DURATION_EXPIRED";
    case StatusInfo::kNetworkTerminated:
      return "NETWORK_TERMINATED";
    case StatusInfo::kDeleteRequested:
      return "DELETE_REQUESTED";
    case StatusInfo::kNone:
      break;
  }
  return "";
}

SessionStore::SessionStore(const core::Clock& clock, std::shared_ptr<StatusListener> listener,
                           SessionLimits limits)
    : clock_(clock), listener_(std::move(listener)), limits_(limits) {}

bool SessionStore::visible(const Session& s, const Owner& who) const {
  if (who.client_id.empty() || s.client_id != who.client_id) return false;
  return !who.subscriber || *who.subscriber == s.msisdn;
}

void SessionStore::set_deadline_locked(Entry& e, core::TimePoint when) {
  deadlines_.erase({e.deadline, e.session.id});
  e.deadline = when;
  deadlines_.insert({when, e.session.id});
}

void SessionStore::erase_locked(std::unordered_map<std::string, Entry>::iterator it) {
  const Session& s = it->second.session;
  deadlines_.erase({it->second.deadline, s.id});
  if (auto live = live_by_device_.find(s.msisdn);
      live != live_by_device_.end() && live->second == s.id)
    live_by_device_.erase(live);
  if (auto c = per_client_.find(s.client_id); c != per_client_.end() && --c->second == 0)
    per_client_.erase(c);
  sessions_.erase(it);
}

void SessionStore::expire_locked(Entry& e, std::vector<StatusChange>& out) {
  Session& s = e.session;
  s.status = QosStatus::kUnavailable;
  s.status_info = StatusInfo::kDurationExpired;
  // The session ran its whole granted duration; expiresAt is its end.
  if (auto live = live_by_device_.find(s.msisdn);
      live != live_by_device_.end() && live->second == s.id)
    live_by_device_.erase(live);
  set_deadline_locked(e, s.expires_at + limits_.retention);
  if (s.sink) out.push_back({s.id, s.status, s.status_info, s.expires_at, *s.sink, s.credential});
}

void SessionStore::settle_locked(const std::string& id, core::TimePoint now,
                                 std::vector<StatusChange>& out) {
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.deadline > now) return;
  if (it->second.session.status == QosStatus::kUnavailable) {
    erase_locked(it);
  } else {
    expire_locked(it->second, out);
    if (it->second.deadline <= now) erase_locked(it);  // past retention already
  }
}

void SessionStore::notify(std::vector<StatusChange> changes) {
  if (!listener_) return;
  for (auto& c : changes) listener_->on_status_change(std::move(c));
}

std::expected<Session, SessionStore::CreateError> SessionStore::create(Session s) {
  std::vector<StatusChange> changes;
  std::expected<Session, CreateError> result;
  {
    std::lock_guard lock(mu_);
    const core::TimePoint now = clock_.now();
    if (auto live = live_by_device_.find(s.msisdn); live != live_by_device_.end()) {
      settle_locked(std::string(live->second), now, changes);  // may expire it right now
    }
    if (live_by_device_.contains(s.msisdn)) {
      result = std::unexpected(CreateError::kConflict);
    } else if (sessions_.size() >= limits_.max_sessions ||
               (per_client_.contains(s.client_id) &&
                per_client_[s.client_id] >= limits_.max_per_client)) {
      result = std::unexpected(CreateError::kQuota);
    } else {
      s.id = core::random_uuid();
      s.status = QosStatus::kAvailable;
      s.status_info = StatusInfo::kNone;
      s.started_at = now;
      s.expires_at = now + std::chrono::seconds(s.duration_s);
      Entry e{s, {}};
      e.deadline = s.expires_at;
      deadlines_.insert({e.deadline, s.id});
      live_by_device_[s.msisdn] = s.id;
      ++per_client_[s.client_id];
      if (s.sink) changes.push_back({s.id, s.status, s.status_info, now, *s.sink, s.credential});
      sessions_.emplace(s.id, std::move(e));
      result = std::move(s);
    }
  }
  notify(std::move(changes));
  return result;
}

std::optional<Session> SessionStore::get(std::string_view id, const Owner& who) {
  std::vector<StatusChange> changes;
  std::optional<Session> out;
  {
    std::lock_guard lock(mu_);
    const std::string key(id);
    settle_locked(key, clock_.now(), changes);
    if (auto it = sessions_.find(key); it != sessions_.end() && visible(it->second.session, who))
      out = it->second.session;
  }
  notify(std::move(changes));
  return out;
}

bool SessionStore::remove(std::string_view id, const Owner& who) {
  std::vector<StatusChange> changes;
  bool removed = false;
  {
    std::lock_guard lock(mu_);
    const std::string key(id);
    const core::TimePoint now = clock_.now();
    settle_locked(key, now, changes);
    auto it = sessions_.find(key);
    if (it != sessions_.end() && visible(it->second.session, who)) {
      const Session& s = it->second.session;
      if (s.status == QosStatus::kAvailable && s.sink)
        changes.push_back({s.id, QosStatus::kUnavailable, StatusInfo::kDeleteRequested, now,
                           *s.sink, s.credential});
      erase_locked(it);
      removed = true;
    }
  }
  notify(std::move(changes));
  return removed;
}

std::expected<Session, std::pair<SessionStore::ExtendError, QosStatus>> SessionStore::extend(
    std::string_view id, const Owner& who, std::int64_t additional_s, MaxDuration max_duration) {
  std::vector<StatusChange> changes;
  std::expected<Session, std::pair<ExtendError, QosStatus>> out;
  {
    std::lock_guard lock(mu_);
    const std::string key(id);
    settle_locked(key, clock_.now(), changes);
    auto it = sessions_.find(key);
    if (it == sessions_.end() || !visible(it->second.session, who)) {
      out = std::unexpected(std::pair{ExtendError::kNotFound, QosStatus::kUnavailable});
    } else if (Session& s = it->second.session; s.status != QosStatus::kAvailable) {
      out = std::unexpected(std::pair{ExtendError::kNotAvailable, s.status});
    } else {
      // Both operands are bounded (int32 durations), so the sum cannot overflow.
      const std::int64_t cap = std::max(max_duration(s.qos_profile), s.duration_s);
      s.duration_s = std::min(s.duration_s + additional_s, cap);
      s.expires_at = s.started_at + std::chrono::seconds(s.duration_s);
      set_deadline_locked(it->second, s.expires_at);
      out = s;
    }
  }
  notify(std::move(changes));
  return out;
}

std::vector<Session> SessionStore::for_device(const Owner& who, std::string_view msisdn) {
  std::vector<StatusChange> changes;
  std::vector<Session> out;
  {
    std::lock_guard lock(mu_);
    const core::TimePoint now = clock_.now();
    std::vector<std::string> ids;
    for (const auto& [id, e] : sessions_)
      if (e.session.msisdn == msisdn && visible(e.session, who)) ids.push_back(id);
    for (const auto& id : ids) {
      settle_locked(id, now, changes);
      if (auto it = sessions_.find(id); it != sessions_.end()) out.push_back(it->second.session);
    }
  }
  std::sort(out.begin(), out.end(), [](const Session& a, const Session& b) {
    return a.started_at != b.started_at ? a.started_at < b.started_at : a.id < b.id;
  });
  notify(std::move(changes));
  return out;
}

std::size_t SessionStore::sweep() {
  std::vector<StatusChange> changes;
  std::size_t expired = 0;
  {
    std::lock_guard lock(mu_);
    const core::TimePoint now = clock_.now();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      const std::string id = deadlines_.begin()->second;
      auto it = sessions_.find(id);
      if (it == sessions_.end()) {  // cannot happen (invariant), but never loop forever
        deadlines_.erase(deadlines_.begin());
        continue;
      }
      expired += it->second.session.status == QosStatus::kAvailable;
      settle_locked(id, now, changes);
    }
  }
  notify(std::move(changes));
  return expired;
}

std::size_t SessionStore::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

}  // namespace tollgate::network::qod
