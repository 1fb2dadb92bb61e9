// introspection_test.cc — a subscriber-data product whose revocation state is
// stale and whose policy says "introspect": through real sockets, the gateway
// asks a live RFC 7662 endpoint (with the admin token) before forwarding.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "gateway/gateway.h"
#include "gateway/test_util.h"
#include "http/form.h"
#include "http/test_support.h"

namespace tollgate::gateway {
namespace {

using namespace testing;
using namespace std::chrono_literals;
namespace bhttp = http::bhttp;

constexpr const char* kSubscriberCatalog = R"(
products:
  sim-swap:
    scopes: [sim-swap:check]
    audience: https://api.test.example/sim-swap
    upstream: network
    subscriber_data: true
    routes:
      - { method: POST, path: /sim-swap/v2/check, any_of: [sim-swap:check] }
)";
constexpr std::string_view kAdminToken = "admin-token-for-introspection-0123456789";

http::Response ok_upstream(const http::Request&, const http::ConnectionInfo&) {
  http::Response r{bhttp::status::ok, 11};
  r.body() = R"({"swapped":false})";
  r.prepare_payload();
  return r;
}

class IntrospectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    introspect_ = http::Server::create(
        introspect_io_.ioc(), http::testing::loopback0(),
        http::make_sync_handler([this](const http::Request& req, const http::ConnectionInfo&) {
          ++calls_;
          http::Response r{bhttp::status::ok, 11};
          r.set(bhttp::field::content_type, "application/json");
          const bool admin = req[bhttp::field::authorization] == "Bearer " + std::string(kAdminToken);
          const auto form = http::parse_form(req.body());
          // The token's payload tells whether it is the active one.
          std::string payload;
          if (form && form->count("token")) {
            const auto& t = form->at("token");
            const auto d1 = t.find('.'), d2 = t.rfind('.');
            payload = core::base64url_decode(t.substr(d1 + 1, d2 - d1 - 1)).value_or("");
          }
          r.body() = admin && payload.find(R"("jti":"jti-active")") != std::string::npos
                         ? R"({"active":true,"scope":"sim-swap:check"})"
                         : R"({"active":false})";
          if (!admin) r.result(bhttp::status::unauthorized);
          r.prepare_payload();
          return r;
        }));
    introspect_->start();
    upstream_ = http::Server::create(up_io_.ioc(), http::testing::loopback0(),
                                     http::make_sync_handler(ok_upstream));
    upstream_->start();
    token_file_ = std::filesystem::temp_directory_path() / ("tg-introspect-" + std::to_string(::getpid()));
    std::ofstream(token_file_) << kAdminToken << "\n";

    GatewayConfig config;
    config.listen = "127.0.0.1:0";
    config.threads = 1;
    config.admin_listen = "";
    config.issuers = {test_issuer()};
    config.upstreams["network"] = "http://127.0.0.1:" + std::to_string(upstream_->local_endpoint().port());
    config.revocations.introspection_url =
        "http://127.0.0.1:" + std::to_string(introspect_->local_endpoint().port()) + "/oauth2/introspect";
    config.revocations.admin_token_file = token_file_.string();
    ProductPolicy p;
    p.on_stale_revocations = OnStaleRevocations::kIntrospect;
    config.products["sim-swap"] = p;
    catalog_ = catalog::Catalog::from_yaml(catalog::load_string(kSubscriberCatalog));
    auto fetcher = std::make_shared<FakeFetcher>();
    fetcher->set(public_jwks(), false);
    gateway_ = Gateway::create(config, catalog_, clock_, fetcher);
    gateway_->start();
  }

  void TearDown() override {
    gateway_->stop();
    if (introspect_) {
      introspect_io_.run([] {});
      introspect_->stop();
      introspect_io_.run([] {});
    }
    up_io_.run([] {});
    upstream_->stop();
    up_io_.run([] {});
    std::filesystem::remove(token_file_);
  }

  std::optional<http::Response> call(std::string_view jti) {
    auto c = good_claims();
    c["jti"] = jti;
    http::testing::RawClient client({boost::asio::ip::make_address_v4("127.0.0.1"), gateway_->port()});
    const std::string req = "POST /sim-swap/v2/check HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer " +
                            mint(c) + "\r\nContent-Length: 2\r\n\r\n{}";
    if (!client.send(req)) return std::nullopt;
    return client.read_response(5000ms);
  }

  core::ManualClock clock_{kNow};
  http::testing::IoThread introspect_io_, up_io_;
  std::shared_ptr<http::Server> introspect_, upstream_;
  std::atomic<int> calls_{0};
  std::filesystem::path token_file_;
  std::shared_ptr<const catalog::Catalog> catalog_;
  std::unique_ptr<Gateway> gateway_;
};

// Active at the authorization server: forwarded; inactive: 401 invalid_token (token_inactive).
// Each request asks (no revocation state to rely on).
TEST_F(IntrospectionTest, ActiveForwardsInactiveRefused) {
  auto ok = call("jti-active");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->result_int(), 200u);
  EXPECT_EQ(ok->body(), R"({"swapped":false})");
  auto no = call("jti-revoked");
  ASSERT_TRUE(no);
  EXPECT_EQ(no->result_int(), 401u);
  EXPECT_EQ((*no)[bhttp::field::www_authenticate], R"(Bearer realm="tollgate", error="invalid_token")");
  EXPECT_EQ(calls_.load(), 2);
  EXPECT_EQ(gateway_->metrics().snapshot().denied.at("token_inactive"), 1u);
}

// The introspection endpoint is down: 503 UNAVAILABLE with Retry-After, never a forward.
TEST_F(IntrospectionTest, EndpointDownIs503) {
  introspect_io_.run([] {});
  introspect_->stop();
  introspect_io_.run([] {});
  introspect_io_.shutdown();
  introspect_.reset();
  auto r = call("jti-active");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 503u);
  EXPECT_EQ((*r)[bhttp::field::retry_after], "5");
  EXPECT_EQ(gateway_->metrics().snapshot().allowed, 0u);
}

}  // namespace
}  // namespace tollgate::gateway
