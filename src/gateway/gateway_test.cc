#include "gateway/gateway.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "gateway/test_util.h"
#include "http/camara.h"
#include "http/test_support.h"

namespace tollgate::gateway {
namespace {

using namespace testing;
using namespace std::chrono_literals;
namespace bhttp = http::bhttp;

// The upstream: answers 200 with what it received, so the test can see what the gateway forwarded.
http::Response echo(const http::Request& req, const http::ConnectionInfo&) {
  boost::json::object o;
  o["method"] = std::string(req.method_string());
  o["target"] = std::string(req.target());
  o["body"] = req.body();
  o["client_id"] = std::string(req["x-tollgate-client-id"]);
  o["correlator"] = std::string(req["x-correlator"]);
  o["authorization"] = req.count(bhttp::field::authorization);
  http::Response res{bhttp::status::ok, 11};
  res.set(bhttp::field::content_type, "application/json");
  res.body() = boost::json::serialize(o);
  res.prepare_payload();
  return res;
}

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_ = http::Server::create(upstream_io_.ioc(), http::testing::loopback0(),
                                     http::make_sync_handler(echo));
    upstream_->start();

    dir_ =
        std::filesystem::temp_directory_path() / ("tollgate-gw-e2e-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    const auto jwks_path = (dir_ / "jwks.json").string();
    std::ofstream(jwks_path) << core::Jwks({public_of(keys().ec)}).to_public_json();

    GatewayConfig config;
    config.listen = "127.0.0.1:0";
    config.threads = 2;
    IssuerConfig issuer;
    issuer.issuer = std::string(kIssuer);
    issuer.jwks_file = jwks_path;
    config.issuers = {issuer};
    config.upstreams["network"] =
        "http://127.0.0.1:" + std::to_string(upstream_->local_endpoint().port());
    gateway_ = Gateway::create(config, test_catalog(), clock_);
    gateway_->start();
  }

  void TearDown() override {
    gateway_->stop();
    stop_upstream();
    std::filesystem::remove_all(dir_);
  }

  void stop_upstream() {
    if (!upstream_) return;
    // Let queued write completions run before the close (see gateway.cc on Server::stop races).
    upstream_io_.run([] {});
    upstream_io_.run([] {});
    upstream_->stop();
    upstream_io_.run([] {});
    upstream_io_.shutdown();
    upstream_.reset();
  }

  std::optional<http::Response> call(http::testing::RawClient& c, std::optional<std::string> token,
                                     std::string_view correlator = "e2e-1") {
    std::string req =
        "POST /sim-swap/v2/check?src=test HTTP/1.1\r\nHost: gw\r\nContent-Type: "
        "application/json\r\n";
    if (token) req += "Authorization: Bearer " + *token + "\r\n";
    req += "x-correlator: " + std::string(correlator) + "\r\n";
    const std::string body = R"({"phoneNumber":"+34600000001"})";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    if (!c.send(req)) return std::nullopt;
    return c.read_response(5000ms);
  }

  core::ManualClock clock_{kNow};
  http::testing::IoThread upstream_io_;
  std::shared_ptr<http::Server> upstream_;
  std::filesystem::path dir_;
  std::unique_ptr<Gateway> gateway_;
};

http::testing::RawClient connect(std::uint16_t port) {
  return http::testing::RawClient({boost::asio::ip::make_address_v4("127.0.0.1"), port});
}

// Through real sockets: a valid token reaches the upstream (without the token) and its 200 comes
// back.
TEST_F(GatewayTest, ValidTokenIsProxiedEndToEnd) {
  ASSERT_NE(gateway_->port(), 0);
  EXPECT_EQ(gateway_->threads(), 2u);
  auto c = connect(gateway_->port());
  ASSERT_TRUE(c.connected());
  auto res = call(c, mint(good_claims()));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ((*res)[http::kCorrelatorHeader], "e2e-1");
  const auto o = boost::json::parse(res->body()).as_object();
  EXPECT_EQ(o.at("method").as_string(), "POST");
  EXPECT_EQ(o.at("target").as_string(), "/sim-swap/v2/check?src=test");
  EXPECT_EQ(o.at("body").as_string(), R"({"phoneNumber":"+34600000001"})");
  EXPECT_EQ(o.at("client_id").as_string(), "client-42");
  EXPECT_EQ(o.at("correlator").as_string(), "e2e-1");
  EXPECT_EQ(o.at("authorization").as_int64(), 0);
  // The same keep-alive connection serves a second request.
  auto again = call(c, mint(good_claims()), "e2e-2");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->result_int(), 200u);
  EXPECT_EQ((*again)[http::kCorrelatorHeader], "e2e-2");
  EXPECT_EQ(gateway_->metrics().snapshot().allowed, 2u);
}

// Through real sockets: a bad token gets the exact 401 and never reaches the upstream.
TEST_F(GatewayTest, InvalidTokenIs401EndToEnd) {
  auto c = connect(gateway_->port());
  auto c2 = good_claims();
  c2["exp"] = kNow - 100;
  auto res = call(c, mint(c2));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 401u);
  EXPECT_EQ((*res)[bhttp::field::www_authenticate],
            R"(Bearer realm="tollgate", error="invalid_token")");
  EXPECT_EQ(
      res->body(),
      R"({"status":401,"code":"UNAUTHENTICATED","message":"Request not authenticated due to missing, invalid, or expired credentials."})");
  EXPECT_EQ((*res)[http::kCorrelatorHeader], "e2e-1");
  auto none = call(c, std::nullopt);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->result_int(), 401u);
  EXPECT_EQ((*none)[bhttp::field::www_authenticate], R"(Bearer realm="tollgate")");
  const auto m = gateway_->metrics().snapshot();
  EXPECT_EQ(m.allowed, 0u);
  EXPECT_EQ(m.denied.at("token_expired"), 1u);
  EXPECT_EQ(m.denied.at("token_missing"), 1u);
}

// With the upstream down, an allowed request gets 502 BAD_GATEWAY in CAMARA form.
TEST_F(GatewayTest, UpstreamDownIs502) {
  stop_upstream();
  auto c = connect(gateway_->port());
  auto res = call(c, mint(good_claims()));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 502u);
  EXPECT_EQ(
      res->body(),
      R"({"status":502,"code":"BAD_GATEWAY","message":"An upstream internal service cannot be reached."})");
  EXPECT_EQ((*res)[http::kCorrelatorHeader], "e2e-1");
}

// A product naming an upstream the gateway does not know is refused at create.
TEST(GatewayCreate, UnknownUpstreamRefused) {
  core::ManualClock clock;
  GatewayConfig config;
  config.listen = "127.0.0.1:0";
  try {
    Gateway::create(config, test_catalog(), clock);
    FAIL() << "no error";
  } catch (const catalog::ConfigError& e) {
    EXPECT_STREQ(
        e.what(),
        "gateway: product 'quality-on-demand' forwards to upstream 'network', which the gateway's "
        "'upstreams' does not define");
  }
}

}  // namespace
}  // namespace tollgate::gateway
