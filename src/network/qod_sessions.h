// qod_sessions.h — the Quality on Demand sessions the network role holds: creation
// with the one-session-per-device rule, ownership, expiry on an injected clock, and the
// status changes that must be notified.
//
// Lifecycle (the simulated network grants QoS at once, so REQUESTED is never used):
//   create → AVAILABLE, startedAt = now, expiresAt = now + duration   [notify AVAILABLE]
//   extend → duration and expiresAt grow (capped by the caller)       [no notification]
//   now >= expiresAt → UNAVAILABLE / DURATION_EXPIRED; expiresAt stays the termination
//     time; the session stays readable for kRetention, then is purged [notify UNAVAILABLE]
//   delete → removed at once; if it was AVAILABLE                     [notify UNAVAILABLE /
//                                                                       DELETE_REQUESTED]
// Expiry is applied lazily by every access to a due session and by sweep(), which the
// network role calls periodically (service.h); tests call it with a ManualClock.
//
// Ownership (Design Guide §6.7): a session is visible — get, delete, extend, listing —
// only to the client that created it, and with a 3-legged token only when the token's
// subscriber is the session's. Anything else is "not found" (no existence oracle).
//
// Conflict: a device has at most one session that is not UNAVAILABLE, across clients
// (the network cannot apply two QoS profiles to one device).
//
// Thread-safe: one mutex; the listener is called after it is released, never under it.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <expected>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"

namespace tollgate::network::qod {

enum class QosStatus { kRequested, kAvailable, kUnavailable };
enum class StatusInfo { kNone, kDurationExpired, kNetworkTerminated, kDeleteRequested };
std::string_view to_string(QosStatus s);
std::string_view to_string(StatusInfo s);

struct SinkCredential {
  std::string access_token;  // sent as "Authorization: Bearer <token>"
  core::TimePoint expires;   // accessTokenExpiresUtc: no notification is sent after it
};

struct Session {
  std::string id;         // UUID v4
  std::string client_id;  // owner
  std::string msisdn;     // the device's subscriber
  std::string qos_profile;
  boost::json::object request;  // members echoed in SessionInfo (device, applicationServer, ...)
  std::optional<std::string> sink;
  std::optional<SinkCredential> credential;
  std::int64_t duration_s = 0;  // granted overall duration; when UNAVAILABLE, the effective one
  core::TimePoint started_at{};
  core::TimePoint expires_at{};  // scheduled end; when UNAVAILABLE, the termination time
  QosStatus status = QosStatus::kAvailable;
  StatusInfo status_info = StatusInfo::kNone;
};

// A status change to tell the session's sink about (a qos-status-changed CloudEvent).
struct StatusChange {
  std::string session_id;
  QosStatus status;
  StatusInfo info;
  core::TimePoint at;
  std::string sink;
  std::optional<SinkCredential> credential;
};

class StatusListener {
 public:
  virtual ~StatusListener() = default;
  // Called once per change, in order per session, outside the store's lock.
  virtual void on_status_change(StatusChange change) = 0;
};

// Who asks: the token's client, and its subscriber for a 3-legged token.
struct Owner {
  std::string client_id;
  std::optional<std::string> subscriber;
};

struct SessionLimits {
  std::size_t max_sessions = 100'000;   // all clients; bounds memory (~2 KB a session)
  std::size_t max_per_client = 10'000;  // one partner cannot starve the others
  // How long an expired session stays readable (the spec's "at earliest 360 seconds"
  // for network-terminated sessions, applied to every termination).
  std::chrono::seconds retention{360};
};

class SessionStore {
 public:
  // `clock` must outlive the store; `listener` may be null (no notifications).
  SessionStore(const core::Clock& clock, std::shared_ptr<StatusListener> listener,
               SessionLimits limits = {});

  enum class CreateError { kConflict, kQuota };
  // Stores `s` with a fresh id, status AVAILABLE, started now, expiring after
  // s.duration_s (> 0). Returns the stored session.
  std::expected<Session, CreateError> create(Session s);

  std::optional<Session> get(std::string_view id, const Owner& who);
  // Removes the session; false when it is not visible to `who`.
  bool remove(std::string_view id, const Owner& who);

  enum class ExtendError { kNotFound, kNotAvailable };
  // Adds `additional_s` to the duration, capped so that the overall duration is at most
  // max_duration(session's profile) seconds. Only AVAILABLE sessions can be extended; the
  // error carries the status that forbade it.
  using MaxDuration = std::int64_t (*)(std::string_view qos_profile);
  std::expected<Session, std::pair<ExtendError, QosStatus>> extend(std::string_view id,
                                                                   const Owner& who,
                                                                   std::int64_t additional_s,
                                                                   MaxDuration max_duration);

  // The sessions of `who` for the device `msisdn`, oldest first.
  std::vector<Session> for_device(const Owner& who, std::string_view msisdn);

  // Expires due sessions and purges those past retention. Returns how many expired.
  std::size_t sweep();

  std::size_t size() const;

 private:
  using Deadline = std::pair<core::TimePoint, std::string>;  // (when, session id)
  struct Entry {
    Session session;
    core::TimePoint deadline;  // expiry when AVAILABLE, purge time when UNAVAILABLE
  };
  bool visible(const Session& s, const Owner& who) const;
  // REQUIRES: mu_ held. Applies expiry/purge due at `now` to one entry; may erase it.
  void settle_locked(const std::string& id, core::TimePoint now, std::vector<StatusChange>& out);
  void expire_locked(Entry& e, std::vector<StatusChange>& out);
  void erase_locked(std::unordered_map<std::string, Entry>::iterator it);
  void set_deadline_locked(Entry& e, core::TimePoint when);
  void notify(std::vector<StatusChange> changes);

  const core::Clock& clock_;
  std::shared_ptr<StatusListener> listener_;
  SessionLimits limits_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> sessions_;              // GUARDED_BY(mu_)
  std::set<Deadline> deadlines_;                                 // GUARDED_BY(mu_)
  std::unordered_map<std::string, std::string> live_by_device_;  // msisdn → id; GUARDED_BY(mu_)
  std::unordered_map<std::string, std::size_t> per_client_;      // GUARDED_BY(mu_)
};

}  // namespace tollgate::network::qod
