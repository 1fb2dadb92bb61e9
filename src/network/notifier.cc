#include "network/notifier.h"

#include <boost/url.hpp>

#include "core/crypto.h"
#include "http/log.h"
#include "network/rfc3339.h"

namespace tollgate::network {
namespace {

std::string host_of(std::string_view url) {
  auto u = boost::urls::parse_absolute_uri(url);
  return u ? std::string(u->encoded_host_and_port()) : std::string("?");
}

bool retryable(unsigned status) { return status >= 500 || status == 408 || status == 429; }

}  // namespace

boost::json::object cloud_event(const qod::StatusChange& change, std::string_view source_root) {
  boost::json::object data{{"sessionId", change.session_id},
                           {"qosStatus", qod::to_string(change.status)}};
  if (change.info != qod::StatusInfo::kNone) data["statusInfo"] = qod::to_string(change.info);
  return {
      {"id", core::random_uuid()},
      {"source", std::string(source_root) + "/quality-on-demand/v1/sessions/" + change.session_id},
      {"type", "org.camaraproject.quality-on-demand.v1.qos-status-changed"},
      {"specversion", "1.0"},
      {"datacontenttype", "application/json"},
      {"time", format_rfc3339(change.at)},
      {"data", std::move(data)}};
}

HttpNotifier::HttpNotifier(const core::Clock& clock, NotifierConfig config, PostFn post)
    : clock_(clock), config_(std::move(config)), post_(std::move(post)) {
  if (!post_) post_ = &http::post_json;
  if (config_.max_attempts < 1) config_.max_attempts = 1;
  worker_ = std::thread([this] { run(); });
}

HttpNotifier::~HttpNotifier() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void HttpNotifier::on_status_change(qod::StatusChange change) {
  Job job{change.session_id, change.sink,
          boost::json::serialize(cloud_event(change, config_.event_source_root)), change.credential,
          0};
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= config_.max_queued) {
      ++stats_.dropped;
      http::log_json("notify",
                     {{"session", job.session_id},
                      {"sink", host_of(job.sink)},
                      {"outcome", "dropped"},
                      {"reason", "queue_full"}},
                     http::LogLevel::kWarn);
      return;
    }
    queue_.emplace(std::chrono::steady_clock::now(), std::move(job));
  }
  cv_.notify_all();
}

void HttpNotifier::run() {
  std::unique_lock lock(mu_);
  while (true) {
    if (stopping_) return;
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const auto due = queue_.begin()->first;
    if (due > std::chrono::steady_clock::now()) {
      cv_.wait_until(lock, due);
      continue;
    }
    Job job = std::move(queue_.begin()->second);
    queue_.erase(queue_.begin());
    ++in_flight_;
    lock.unlock();
    attempt(std::move(job));
    lock.lock();
    --in_flight_;
    cv_.notify_all();
  }
}

void HttpNotifier::attempt(Job job) {
  ++job.attempt;
  boost::json::object log{
      {"session", job.session_id}, {"sink", host_of(job.sink)}, {"attempt", job.attempt}};
  http::PostOptions o;
  o.content_type = "application/cloudevents+json";
  o.timeout = config_.timeout;
  o.ca_file = config_.ca_file;
  o.headers.emplace_back("x-correlator", core::random_uuid());
  if (!config_.allow_private_sinks) o.allow_address = &http::is_public_address;
  if (job.credential) {
    if (clock_.now() >= job.credential->expires) {
      // The spec: "If the token expires ... the client will stop receiving notifications."
      log["outcome"] = "dropped";
      log["reason"] = "sink_credential_expired";
      http::log_json("notify", std::move(log), http::LogLevel::kWarn);
      std::lock_guard lock(mu_);
      ++stats_.dropped;
      return;
    }
    o.headers.emplace_back("Authorization", "Bearer " + job.credential->access_token);
  }

  auto r = post_(job.sink, job.body, o);
  bool retry = false;
  if (r) {
    log["status"] = r->status;
    if (r->status >= 200 && r->status < 300) {
      log["outcome"] = "delivered";
      http::log_json("notify", std::move(log));
      std::lock_guard lock(mu_);
      ++stats_.attempts;
      ++stats_.delivered;
      return;
    }
    retry = retryable(r->status);
  } else {
    log["error"] = r.error();
    // A refused address or a bad URL will not get better.
    retry = r.error().rfind("address not allowed", 0) != 0 && r.error().rfind("bad ", 0) != 0;
  }
  std::lock_guard lock(mu_);
  ++stats_.attempts;
  if (retry && job.attempt < config_.max_attempts && !stopping_) {
    const auto delay = config_.first_retry * (1 << (job.attempt - 1));
    log["outcome"] = "retry";
    log["retry_in_ms"] = delay.count();
    http::log_json("notify", std::move(log), http::LogLevel::kWarn);
    queue_.emplace(std::chrono::steady_clock::now() + delay, std::move(job));
    return;
  }
  ++stats_.failed;
  log["outcome"] = "failed";
  http::log_json("notify", std::move(log), http::LogLevel::kWarn);
}

bool HttpNotifier::drain(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return queue_.empty() && in_flight_ == 0; });
}

HttpNotifier::Stats HttpNotifier::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace tollgate::network
