// HttpNotifier (notifier.h) with an injected transport: the CloudEvent, headers,
// retries, the credential's expiry and the queue bound.
#include "network/notifier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "network/api.h"

namespace tollgate::network {
namespace {

using namespace std::chrono_literals;

struct Call {
  std::string url, body;
  http::PostOptions options;
};

// A transport that answers from a script of statuses ("" = transport error) and records calls.
class FakeTransport {
 public:
  explicit FakeTransport(std::vector<int> script) : script_(std::move(script)) {}
  HttpNotifier::PostFn fn() {
    return [this](std::string_view url, std::string body,
                  const http::PostOptions& o) -> std::expected<http::PostResult, std::string> {
      std::lock_guard lock(mu_);
      calls_.push_back({std::string(url), std::move(body), o});
      const int status = calls_.size() <= script_.size() ? script_[calls_.size() - 1] : 204;
      if (status == 0) return std::unexpected(std::string("connect: Connection refused"));
      if (status < 0) return std::unexpected(std::string("address not allowed: 10.0.0.1"));
      return http::PostResult{static_cast<unsigned>(status), ""};
    };
  }
  std::vector<Call> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::vector<int> script_;
  std::mutex mu_;
  std::vector<Call> calls_;
};

qod::StatusChange change(std::optional<qod::SinkCredential> cred = std::nullopt) {
  return {
      "3fa85f64-5717-4562-b3fc-2c963f66afa6", qod::QosStatus::kUnavailable,
      qod::StatusInfo::kDurationExpired,      core::TimePoint(std::chrono::seconds(1'800'000'000)),
      "https://partner.example/notify",       std::move(cred)};
}

NotifierConfig fast() {
  NotifierConfig c;
  c.first_retry = 5ms;
  return c;
}

// The event is a CloudEvent 1.0 of the qos-status-changed type about the session.
TEST(Notifier, CloudEventShape) {
  auto e = cloud_event(change(), "https://api.tollgate.example");
  EXPECT_TRUE(is_uuid(e.at("id").as_string()));
  e.erase("id");
  EXPECT_EQ(
      e,
      boost::json::parse(
          R"({"source":"https://api.tollgate.example/quality-on-demand/v1/sessions/3fa85f64-5717-4562-b3fc-2c963f66afa6",
      "type":"org.camaraproject.quality-on-demand.v1.qos-status-changed","specversion":"1.0",
      "datacontenttype":"application/json","time":"2027-01-15T08:00:00Z",
      "data":{"sessionId":"3fa85f64-5717-4562-b3fc-2c963f66afa6","qosStatus":"UNAVAILABLE","statusInfo":"DURATION_EXPIRED"}})"));
  auto available = change();
  available.status = qod::QosStatus::kAvailable;
  available.info = qod::StatusInfo::kNone;
  EXPECT_FALSE(cloud_event(available, "x").at("data").as_object().contains("statusInfo"));
}

// One POST to the sink: cloudevents content type, the bearer credential, a fresh
// x-correlator, the public-address guard on by default.
TEST(Notifier, DeliversWithCredential) {
  core::ManualClock clock;
  FakeTransport t({204});
  HttpNotifier n(clock, fast(), t.fn());
  n.on_status_change(change(qod::SinkCredential{"tok", clock.now() + 1h}));
  ASSERT_TRUE(n.drain(5s));
  const auto calls = t.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].url, "https://partner.example/notify");
  EXPECT_EQ(calls[0].options.content_type, "application/cloudevents+json");
  std::map<std::string, std::string> headers(calls[0].options.headers.begin(),
                                             calls[0].options.headers.end());
  EXPECT_EQ(headers.at("Authorization"), "Bearer tok");
  EXPECT_TRUE(is_uuid(headers.at("x-correlator")));
  ASSERT_TRUE(calls[0].options.allow_address);
  EXPECT_FALSE(calls[0].options.allow_address(boost::asio::ip::make_address("127.0.0.1")));
  EXPECT_EQ(boost::json::parse(calls[0].body).at("data").at("qosStatus"), "UNAVAILABLE");
  EXPECT_EQ(n.stats().delivered, 1u);
}

// Without a credential no Authorization is sent; allow_private_sinks lifts the guard.
TEST(Notifier, NoCredentialAndPrivateSinks) {
  core::ManualClock clock;
  FakeTransport t({200});
  auto c = fast();
  c.allow_private_sinks = true;
  HttpNotifier n(clock, c, t.fn());
  n.on_status_change(change());
  ASSERT_TRUE(n.drain(5s));
  const auto calls = t.calls();
  ASSERT_EQ(calls.size(), 1u);
  for (const auto& [k, v] : calls[0].options.headers) EXPECT_NE(k, "Authorization");
  EXPECT_FALSE(calls[0].options.allow_address);
}

// 503, a transport error and 429 are retried; the fourth attempt succeeds.
TEST(Notifier, RetriesTransientFailures) {
  core::ManualClock clock;
  FakeTransport t({503, 0, 429, 204});
  HttpNotifier n(clock, fast(), t.fn());
  n.on_status_change(change());
  ASSERT_TRUE(n.drain(5s));
  EXPECT_EQ(t.calls().size(), 4u);
  EXPECT_EQ(n.stats().delivered, 1u);
  EXPECT_EQ(n.stats().attempts, 4u);
}

// Retries are bounded: max_attempts in all, then the delivery fails.
TEST(Notifier, GivesUpAfterMaxAttempts) {
  core::ManualClock clock;
  FakeTransport t({500, 500, 500, 500, 500, 500});
  HttpNotifier n(clock, fast(), t.fn());
  n.on_status_change(change());
  ASSERT_TRUE(n.drain(5s));
  EXPECT_EQ(t.calls().size(), 4u);
  EXPECT_EQ(n.stats().failed, 1u);
}

// A final answer (400, 410 GONE) or a refused address is not retried.
TEST(Notifier, FinalFailuresAreNotRetried) {
  for (int status : {400, 410, -1}) {
    core::ManualClock clock;
    FakeTransport t({status});
    HttpNotifier n(clock, fast(), t.fn());
    n.on_status_change(change());
    ASSERT_TRUE(n.drain(5s));
    EXPECT_EQ(t.calls().size(), 1u) << status;
    EXPECT_EQ(n.stats().failed, 1u) << status;
  }
}

// Past accessTokenExpiresUtc the event is dropped, never sent without the credential.
TEST(Notifier, ExpiredCredentialDropsTheEvent) {
  core::ManualClock clock;
  FakeTransport t({204});
  HttpNotifier n(clock, fast(), t.fn());
  n.on_status_change(change(qod::SinkCredential{"tok", clock.now()}));
  ASSERT_TRUE(n.drain(5s));
  EXPECT_TRUE(t.calls().empty());
  EXPECT_EQ(n.stats().dropped, 1u);
}

// Beyond max_queued pending deliveries, new events are dropped.
TEST(Notifier, QueueIsBounded) {
  core::ManualClock clock;
  std::atomic<bool> release{false};
  std::atomic<int> posts{0};
  auto c = fast();
  c.max_queued = 2;
  HttpNotifier n(clock, c,
                 [&](std::string_view, std::string,
                     const http::PostOptions&) -> std::expected<http::PostResult, std::string> {
                   ++posts;
                   while (!release) std::this_thread::sleep_for(1ms);
                   return http::PostResult{204, ""};
                 });
  n.on_status_change(change());  // taken by the worker, blocks
  while (posts == 0) std::this_thread::sleep_for(1ms);
  n.on_status_change(change());
  n.on_status_change(change());
  n.on_status_change(change());  // third pending: dropped
  EXPECT_EQ(n.stats().dropped, 1u);
  release = true;
  ASSERT_TRUE(n.drain(5s));
  EXPECT_EQ(n.stats().delivered, 3u);
}

}  // namespace
}  // namespace tollgate::network
