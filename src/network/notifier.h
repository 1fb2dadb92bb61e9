// notifier.h — delivers QoD status changes to the partners' sinks as CloudEvents 1.0
// (`application/cloudevents+json`, type org.camaraproject.quality-on-demand.v1.
// qos-status-changed; quality-on-demand.yaml, callbacks.notifications), with bounded
// retries, off the request path.
//
// Delivery: POST to the session's sink with `Authorization: Bearer <accessToken>` when a
// sinkCredential was given (and only until its accessTokenExpiresUtc: an expired
// credential means the event is dropped, as the spec says notifications stop), and a
// fresh x-correlator. A 2xx answer is success. 5xx, 408, 429 and transport errors are
// retried up to `max_attempts` in all, after `first_retry`, doubling; any other status
// (410 GONE included) is final. Each outcome is logged (channel "notify": session id,
// sink host, attempt, status or error — never the token).
//
// SSRF: sinks are partner-controlled URLs. Unless `allow_private_sinks`, only globally
// routable addresses are contacted (http::is_public_address), checked on the resolved
// address itself.
//
// Bounded: at most `max_queued` pending deliveries; beyond, new events are dropped and
// logged. One worker thread; the destructor stops it (pending deliveries are dropped).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <expected>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "http/post.h"
#include "network/qod_sessions.h"

namespace tollgate::network {

struct NotifierConfig {
  std::string event_source_root = "https://api.tollgate.example";  // CloudEvent `source` prefix
  int max_attempts = 4;
  std::chrono::milliseconds first_retry{1000};
  std::chrono::milliseconds timeout{5000};  // per attempt
  std::size_t max_queued = 10'000;
  bool allow_private_sinks = false;  // loopback / private sinks (tests, demos)
  std::string ca_file;               // extra trust anchors for https sinks
};

// The CloudEvent for `change` (id: a fresh UUID).
boost::json::object cloud_event(const qod::StatusChange& change, std::string_view source_root);

class HttpNotifier final : public qod::StatusListener {
 public:
  using PostFn = std::function<std::expected<http::PostResult, std::string>(
      std::string_view url, std::string body, const http::PostOptions& options)>;

  // `clock` (credential expiry, event time) must outlive the notifier. `post` is the
  // transport (tests inject one); default http::post_json.
  HttpNotifier(const core::Clock& clock, NotifierConfig config, PostFn post = {});
  ~HttpNotifier() override;
  HttpNotifier(const HttpNotifier&) = delete;
  HttpNotifier& operator=(const HttpNotifier&) = delete;

  void on_status_change(qod::StatusChange change) override;

  // Blocks until nothing is queued or in flight, or `timeout` passes. For tests and shutdown.
  bool drain(std::chrono::milliseconds timeout);

  struct Stats {
    std::size_t delivered = 0, failed = 0, dropped = 0, attempts = 0;
  };
  Stats stats() const;

 private:
  struct Job {
    std::string session_id;
    std::string sink;
    std::string body;
    std::optional<qod::SinkCredential> credential;
    int attempt = 0;
  };
  void run();
  void attempt(Job job);

  const core::Clock& clock_;
  NotifierConfig config_;
  PostFn post_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<std::chrono::steady_clock::time_point, Job> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                                            // GUARDED_BY(mu_)
  int in_flight_ = 0;                                                // GUARDED_BY(mu_)
  Stats stats_;                                                      // GUARDED_BY(mu_)
  std::thread worker_;
};

}  // namespace tollgate::network
