#include "gateway/gateway.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "gateway/admin.h"
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
    config.admin_listen = "127.0.0.1:0";  // an ephemeral port: tests run side by side
    config.admin_listen_explicit = true;
    config_ = config;
    gateway_ = Gateway::create(config, test_catalog(), clock_);
    gateway_->start();
  }

  // GET on the admin listener.
  std::optional<http::Response> admin(std::string_view path) {
    http::testing::RawClient c({boost::asio::ip::make_address_v4("127.0.0.1"), gateway_->admin_port()});
    if (!c.send("GET " + std::string(path) + " HTTP/1.1\r\nHost: admin\r\n\r\n")) return std::nullopt;
    return c.read_response(5000ms);
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
  GatewayConfig config_;
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

// Over the wire: a 64 KiB bearer token is 431 from the HTTP layer, a NUL byte in a header is
// 400, two Authorization headers are 400 invalid_request; none reaches the upstream, none hangs.
TEST_F(GatewayTest, WireLevelAttacks) {
  {
    auto c = connect(gateway_->port());
    ASSERT_TRUE(c.send("POST /sim-swap/v2/check HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer " +
                       std::string(64 * 1024, 'A') + "\r\nContent-Length: 0\r\n\r\n"));
    auto r = c.read_response(5000ms);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 431u);
  }
  {
    auto c = connect(gateway_->port());
    ASSERT_TRUE(c.send(std::string("POST /sim-swap/v2/check HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer a") +
                       std::string(1, '\0') + "b\r\nContent-Length: 0\r\n\r\n"));
    auto r = c.read_response(5000ms);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 400u);
  }
  {
    auto c = connect(gateway_->port());
    const auto t = mint(good_claims());
    ASSERT_TRUE(c.send("POST /sim-swap/v2/check HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer " + t +
                       "\r\nAuthorization: Bearer " + t + "\r\nContent-Length: 0\r\n\r\n"));
    auto r = c.read_response(5000ms);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 400u);
    EXPECT_EQ((*r)[bhttp::field::www_authenticate], R"(Bearer realm="tollgate", error="invalid_request")");
  }
  EXPECT_EQ(gateway_->metrics().snapshot().allowed, 0u);
}

// A flood of tokens with made-up kids costs the JWKS server one fetch beyond the start-up one,
// counted at a real JWKS endpoint; every flood request is 401.
TEST(GatewayJwks, UnknownKidFloodCostsOneFetchAtTheServer) {
  std::atomic<int> fetches{0};
  http::testing::IoThread jwks_io;
  auto jwks_server = http::Server::create(
      jwks_io.ioc(), http::testing::loopback0(),
      http::make_sync_handler([&](const http::Request&, const http::ConnectionInfo&) {
        ++fetches;
        http::Response r{bhttp::status::ok, 11};
        r.set(bhttp::field::content_type, "application/json");
        r.body() = public_jwks().to_public_json();
        r.prepare_payload();
        return r;
      }));
  jwks_server->start();
  http::testing::IoThread up_io;
  auto upstream = http::Server::create(up_io.ioc(), http::testing::loopback0(),
                                       http::make_sync_handler(echo));
  upstream->start();
  core::ManualClock clock{kNow};
  GatewayConfig config;
  config.listen = "127.0.0.1:0";
  config.threads = 1;
  IssuerConfig issuer = test_issuer();
  issuer.jwks_uri = "http://127.0.0.1:" + std::to_string(jwks_server->local_endpoint().port()) + "/jwks.json";
  config.issuers = {issuer};
  config.upstreams["network"] = "http://127.0.0.1:" + std::to_string(upstream->local_endpoint().port());
  auto gw = Gateway::create(config, test_catalog(), clock);
  gw->start();
  EXPECT_EQ(fetches.load(), 1);
  auto c = connect(gw->port());
  for (int i = 0; i < 200; ++i) {
    auto k = must(core::Jwk::generate(core::Alg::kES256, "flood-" + std::to_string(i)));
    const std::string req = "POST /sim-swap/v2/check HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer " +
                            mint(good_claims(), k) + "\r\nContent-Length: 0\r\n\r\n";
    ASSERT_TRUE(c.send(req));
    auto r = c.read_response(5000ms);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->result_int(), 401u);
  }
  std::this_thread::sleep_for(1500ms);  // the background thread's poll period
  EXPECT_EQ(fetches.load(), 2);
  EXPECT_EQ(gw->metrics().snapshot().denied.at("kid_unknown"), 200u);
  gw->stop();
  jwks_io.run([] {});
  jwks_server->stop();
  jwks_io.run([] {});
  up_io.run([] {});
  upstream->stop();
  up_io.run([] {});
}

// The admin listener: Prometheus counters by product, status and reason, the latency
// histogram, token-cache and JWKS figures, readiness and the running policy version.
TEST_F(GatewayTest, AdminEndpoints) {
  ASSERT_NE(gateway_->admin_port(), 0);
  auto c = connect(gateway_->port());
  ASSERT_EQ(call(c, mint(good_claims()))->result_int(), 200u);
  ASSERT_EQ(call(c, mint(good_claims()))->result_int(), 200u);  // a new token: another cache miss
  ASSERT_EQ(call(c, std::nullopt)->result_int(), 401u);
  auto m = admin("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->result_int(), 200u);
  EXPECT_EQ((*m)[bhttp::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  const std::string& t = m->body();
  for (const char* line :
       {"tollgate_gateway_requests_total{product=\"sim-swap\",status=\"200\",reason=\"ok\"} 2\n",
        "tollgate_gateway_requests_total{product=\"sim-swap\",status=\"401\",reason=\"token_missing\"} 1\n",
        "tollgate_gateway_request_duration_seconds_count 3\n",
        "tollgate_gateway_request_duration_seconds_bucket{le=\"+Inf\"} 3\n",
        "tollgate_gateway_token_cache_misses_total 2\n",
        "tollgate_gateway_jwks_keys{issuer=\"https://as.test.example\"} 1\n",
        "# TYPE tollgate_gateway_policy_generation gauge\n",  // a version, not a _total counter
        "tollgate_gateway_policy_generation 1\n", "tollgate_gateway_rate_limited_total 0\n"})
    EXPECT_NE(t.find(line), std::string::npos) << line << "\n" << t;
  auto ready = admin("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->result_int(), 200u);
  EXPECT_EQ(ready->body(),
            R"({"ready":true,"checks":{"policy":"loaded","issuers":{"https://as.test.example":"keys"},"revocation_feed":"not configured"}})");
  auto p = admin("/policy");
  ASSERT_TRUE(p);
  const auto doc = boost::json::parse(p->body()).as_object();
  EXPECT_EQ(doc.at("version").as_string(), gateway_->policy_version());
  EXPECT_EQ(doc.at("catalog_hash").as_string(), test_catalog()->content_hash());
  EXPECT_EQ(doc.at("generation").as_int64(), 1);
  EXPECT_EQ(admin("/healthz")->body(), R"({"status":"ok"})");
  EXPECT_EQ(admin("/nope")->result_int(), 404u);
}

// Numbers in the Prometheus text are the shortest that read back exactly: the
// histogram's `le` labels as written in the bucket table ({le="0.00025"}, as a
// selector would name them, not %.17g's "0.00025000000000000001"), counts as
// integers (never "1e+06").
TEST(GatewayMetricsText, ShortestNumbersAndIntegerCounts) {
  GatewayStats s;
  s.requests.latency_buckets[0] = 1'000'000;
  s.requests.latency_count = 1'000'000;
  s.requests.latency_sum_ms = 25;
  const std::string t = render_prometheus(s);
  for (const char* line :
       {"tollgate_gateway_request_duration_seconds_bucket{le=\"0.0001\"} 1000000\n",
        "tollgate_gateway_request_duration_seconds_bucket{le=\"0.00025\"} 1000000\n",
        "tollgate_gateway_request_duration_seconds_bucket{le=\"0.0025\"} 1000000\n",
        "tollgate_gateway_request_duration_seconds_bucket{le=\"10\"} 1000000\n",
        "tollgate_gateway_request_duration_seconds_bucket{le=\"+Inf\"} 1000000\n",
        "tollgate_gateway_request_duration_seconds_sum 0.025\n",
        "tollgate_gateway_request_duration_seconds_count 1000000\n"})
    EXPECT_NE(t.find(line), std::string::npos) << line << "\n" << t;
  EXPECT_EQ(t.find("00000000001"), std::string::npos) << t;
  EXPECT_EQ(t.find("e+"), std::string::npos) << t;
}

// A reload swaps the policy while a keep-alive connection stays open: the next request on it
// meets the new block list; a bad file is refused with its error and the old policy stays.
TEST_F(GatewayTest, ReloadKeepsConnectionsAndRefusesBadPolicy) {
  auto c = connect(gateway_->port());
  const auto token = mint(good_claims());
  ASSERT_EQ(call(c, token)->result_int(), 200u);
  const auto v1 = gateway_->policy_version();
  GatewayConfig next = config_;
  next.blocked_clients = {"client-42"};
  gateway_->reload(next, test_catalog());
  EXPECT_NE(gateway_->policy_version(), v1);
  auto blocked = call(c, token);  // same connection, same (cached) token
  ASSERT_TRUE(blocked);
  EXPECT_EQ(blocked->result_int(), 403u);
  EXPECT_EQ(gateway_->metrics().snapshot().denied.at("client_blocked"), 1u);
  const auto v2 = gateway_->policy_version();
  GatewayConfig bad = next;
  bad.products["nope"] = ProductPolicy{};
  try {
    gateway_->reload(bad, test_catalog());
    FAIL() << "bad policy accepted";
  } catch (const catalog::ConfigError& e) {
    EXPECT_STREQ(e.what(), "gateway: 'products' sets a policy for 'nope', which the catalog does not define");
  }
  EXPECT_EQ(gateway_->policy_version(), v2);
  EXPECT_EQ(call(c, token)->result_int(), 403u);  // still the reloaded policy, same connection
  gateway_->reload(config_, test_catalog());      // unblock
  EXPECT_EQ(call(c, token)->result_int(), 200u);
  EXPECT_EQ(admin("/policy") ? boost::json::parse(admin("/policy")->body()).as_object().at("generation").as_int64() : 0, 3);
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
