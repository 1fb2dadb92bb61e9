#include "network/service.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>
#include <tuple>
#include <vector>

#include "catalog/yaml_util.h"
#include "http/camara.h"

namespace tollgate::network {
namespace {

namespace bhttp = http::bhttp;

constexpr std::int64_t kNow = 1'800'000'000;  // 2027-01-15T08:00:00Z

class NetworkServiceTest : public ::testing::Test {
 protected:
  core::ManualClock clock_{kNow};
  NetworkService service_{SubscriberStore::demo(clock_), clock_};

  static http::Request post(std::string target, std::string body) {
    http::Request req(bhttp::verb::post, target, 11);
    req.set(bhttp::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
  }
  http::Response send(const http::Request& req) {
    return service_.handle(req, http::ConnectionInfo{});
  }
};

boost::json::value body_of(const http::Response& res) { return boost::json::parse(res.body()); }

boost::json::value error_body(unsigned status, std::string_view code, std::string_view message) {
  return boost::json::object{{"status", status}, {"code", code}, {"message", message}};
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const char c = s[i];
    if (dash ? c != '-'
             : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
      return false;
  }
  return true;
}

// A 2-legged check for +34600000001 answers 200 {"swapped":true} as JSON.
TEST_F(NetworkServiceTest, CheckThroughTheService) {
  const auto res = send(post("/sim-swap/v2/check", R"({"phoneNumber":"+34600000001"})"));
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
  EXPECT_EQ(body_of(res), boost::json::parse(R"({"swapped":true})"));
}

// With a gateway key, an API request without it (or with a wrong or repeated one) is
// 401 UNAUTHENTICATED before the identity headers are read; with it, served.
TEST_F(NetworkServiceTest, GatewayKeyRequiredWhenConfigured) {
  service_.require_gateway_key("k-0123456789abcdef-0123456789");
  auto req = post("/sim-swap/v2/check", R"({"phoneNumber":"+34600000001"})");
  req.set("x-tollgate-token-type", "2-legged");
  auto refused = send(req);
  EXPECT_EQ(refused.result_int(), 401u);
  EXPECT_EQ(body_of(refused).at("code"), "UNAUTHENTICATED");
  req.set(kGatewayKeyHeader, "k-0123456789abcdef-012345678X");
  EXPECT_EQ(send(req).result_int(), 401u);
  req.set(kGatewayKeyHeader, "k-0123456789abcdef-0123456789");
  EXPECT_EQ(send(req).result_int(), 200u);
  req.insert(kGatewayKeyHeader, "k-0123456789abcdef-0123456789");  // two of them
  EXPECT_EQ(send(req).result_int(), 401u);
}

// retrieve-date answers the swap date of +34600000001.
TEST_F(NetworkServiceTest, RetrieveDateThroughTheService) {
  const auto res = send(post("/sim-swap/v2/retrieve-date", R"({"phoneNumber":"+34600000001"})"));
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(body_of(res), boost::json::parse(R"({"latestSimChange":"2027-01-13T08:00:00Z"})"));
}

// A query string does not change the route.
TEST_F(NetworkServiceTest, QueryStringIgnoredForRouting) {
  const auto res = send(post("/sim-swap/v2/check?x=1", R"({"phoneNumber":"+34600000002"})"));
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(body_of(res), boost::json::parse(R"({"swapped":false})"));
}

// An operation's error reaches the client as the exact CAMARA body.
TEST_F(NetworkServiceTest, OperationErrorBody) {
  const auto res = send(post("/sim-swap/v2/check", R"({"phoneNumber":"+34600000999"})"));
  EXPECT_EQ(res.result_int(), 404u);
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
  EXPECT_EQ(body_of(res), error_body(404, "IDENTIFIER_NOT_FOUND", "Device identifier not found."));
}

// Malformed JSON is 400 INVALID_ARGUMENT.
TEST_F(NetworkServiceTest, MalformedJson) {
  const auto res = send(post("/sim-swap/v2/check", "{"));
  EXPECT_EQ(res.result_int(), 400u);
  EXPECT_EQ(body_of(res),
            error_body(400, "INVALID_ARGUMENT",
                       "Client specified an invalid argument, request body or query param."));
}

// maxAge 0 and 2401 are 400 OUT_OF_RANGE through the service too.
TEST_F(NetworkServiceTest, MaxAgeOutOfRange) {
  for (const char* body : {R"({"phoneNumber":"+34600000001","maxAge":0})",
                           R"({"phoneNumber":"+34600000001","maxAge":2401})"}) {
    const auto res = send(post("/sim-swap/v2/check", body));
    EXPECT_EQ(res.result_int(), 400u);
    EXPECT_EQ(body_of(res), error_body(400, "OUT_OF_RANGE", "Client specified an invalid range."));
  }
}

// An unknown path is 404 NOT_FOUND with a CAMARA body.
TEST_F(NetworkServiceTest, UnknownPath) {
  for (const char* target :
       {"/sim-swap/v2/nope", "/sim-swap/v1/check", "/sim-swap/v2/check/", "/"}) {
    const auto res = send(post(target, "{}"));
    EXPECT_EQ(res.result_int(), 404u) << target;
    EXPECT_EQ(body_of(res), error_body(404, "NOT_FOUND", "The specified resource is not found."))
        << target;
  }
}

// A known path with another method is 405 METHOD_NOT_ALLOWED with Allow: POST.
TEST_F(NetworkServiceTest, WrongMethod) {
  for (auto verb : {bhttp::verb::get, bhttp::verb::put, bhttp::verb::delete_, bhttp::verb::head}) {
    http::Request req(verb, "/sim-swap/v2/retrieve-date", 11);
    const auto res = send(req);
    EXPECT_EQ(res.result_int(), 405u);
    EXPECT_EQ(res[bhttp::field::allow], "POST");
    EXPECT_EQ(body_of(res),
              error_body(405, "METHOD_NOT_ALLOWED",
                         "The requested method is not allowed/supported on the target resource."));
  }
}

// A POST body that is not declared application/json is 415 UNSUPPORTED_MEDIA_TYPE.
TEST_F(NetworkServiceTest, WrongContentType) {
  for (const char* type :
       {"text/plain", "application/x-www-form-urlencoded", "application/jsonx", ""}) {
    auto req = post("/sim-swap/v2/check", R"({"phoneNumber":"+34600000001"})");
    if (*type) {
      req.set(bhttp::field::content_type, type);
    } else {
      req.erase(bhttp::field::content_type);
    }
    const auto res = send(req);
    EXPECT_EQ(res.result_int(), 415u) << type;
    EXPECT_EQ(
        body_of(res),
        error_body(415, "UNSUPPORTED_MEDIA_TYPE",
                   "The server refuses to accept the request because the payload format is in an "
                   "unsupported format."))
        << type;
  }
}

// application/json with parameters or in another case is accepted.
TEST_F(NetworkServiceTest, ContentTypeWithParameters) {
  for (const char* type : {"application/json; charset=utf-8", "Application/JSON"}) {
    auto req = post("/sim-swap/v2/check", R"({"phoneNumber":"+34600000001"})");
    req.set(bhttp::field::content_type, type);
    EXPECT_EQ(send(req).result_int(), 200u) << type;
  }
}

// A valid x-correlator is echoed, on success and on errors.
TEST_F(NetworkServiceTest, CorrelatorEchoed) {
  auto ok = post("/sim-swap/v2/check", R"({"phoneNumber":"+34600000001"})");
  ok.set("x-correlator", "b4333c46-49c0-4f62-80d7-f0ef930f1c46");
  EXPECT_EQ(send(ok)["x-correlator"], "b4333c46-49c0-4f62-80d7-f0ef930f1c46");

  auto bad = post("/sim-swap/v2/check", R"({"phoneNumber":"+34600000999"})");
  bad.set("X-Correlator", "abc:123;{x}<y>/z.");
  const auto res = send(bad);
  EXPECT_EQ(res.result_int(), 404u);
  EXPECT_EQ(res["x-correlator"], "abc:123;{x}<y>/z.");

  http::Request get(bhttp::verb::get, "/nowhere", 11);
  get.set("x-correlator", "c-1");
  EXPECT_EQ(send(get)["x-correlator"], "c-1");
}

// Without an x-correlator (or with an empty one) a fresh UUID is sent, different each time.
TEST_F(NetworkServiceTest, CorrelatorGenerated) {
  const auto a = send(post("/sim-swap/v2/check", R"({"phoneNumber":"+34600000001"})"));
  auto req = post("/sim-swap/v2/check", "{");
  req.set("x-correlator", "");
  const auto b = send(req);
  EXPECT_TRUE(is_uuid(a["x-correlator"])) << a["x-correlator"];
  EXPECT_TRUE(is_uuid(b["x-correlator"])) << b["x-correlator"];
  EXPECT_NE(a["x-correlator"], b["x-correlator"]);
}

// An x-correlator outside the pattern, too long, or sent twice is 400 INVALID_ARGUMENT, with a
// generated one.
TEST_F(NetworkServiceTest, CorrelatorInvalid) {
  const std::string too_long(257, 'a');
  for (const std::string& value :
       {std::string("has space"), std::string("é"), std::string("a,b"), too_long}) {
    auto req = post("/sim-swap/v2/check", R"({"phoneNumber":"+34600000001"})");
    req.set("x-correlator", value);
    const auto res = send(req);
    EXPECT_EQ(res.result_int(), 400u) << value;
    EXPECT_EQ(body_of(res),
              error_body(400, "INVALID_ARGUMENT",
                         "Client specified an invalid argument, request body or query param."));
    EXPECT_TRUE(is_uuid(res["x-correlator"])) << res["x-correlator"];
  }
  auto twice = post("/sim-swap/v2/check", R"({"phoneNumber":"+34600000001"})");
  twice.insert("x-correlator", "one");
  twice.insert("x-correlator", "two");
  EXPECT_EQ(send(twice).result_int(), 400u);
  // 256 characters is still within the pattern.
  auto longest = post("/sim-swap/v2/check", R"({"phoneNumber":"+34600000001"})");
  longest.set("x-correlator", std::string(256, 'a'));
  EXPECT_EQ(send(longest)["x-correlator"], std::string(256, 'a'));
}

// A request without x-tollgate-token-type is 2-legged: the body must name the subscriber.
TEST_F(NetworkServiceTest, NoTokenTypeIsTwoLegged) {
  auto req = post("/sim-swap/v2/check", "{}");
  req.set("x-tollgate-subscriber", "+34600000001");  // ignored for a 2-legged token
  const auto res = send(req);
  EXPECT_EQ(res.result_int(), 422u);
  EXPECT_EQ(body_of(res),
            error_body(422, "MISSING_IDENTIFIER", "The device cannot be identified."));
}

// A 3-legged request takes the subscriber from x-tollgate-subscriber.
TEST_F(NetworkServiceTest, ThreeLeggedFromHeaders) {
  auto req = post("/sim-swap/v2/retrieve-date", "{}");
  req.set("x-tollgate-token-type", "3-legged");
  req.set("x-tollgate-subscriber", "+34600000002");
  const auto res = send(req);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(body_of(res), boost::json::parse(R"({"latestSimChange":"2025-12-11T08:00:00Z"})"));
}

// A 3-legged request that also names a phoneNumber is 422 UNNECESSARY_IDENTIFIER.
TEST_F(NetworkServiceTest, ThreeLeggedWithPhoneNumber) {
  auto req = post("/sim-swap/v2/check", R"({"phoneNumber":"+34600000002"})");
  req.set("x-tollgate-token-type", "3-legged");
  req.set("x-tollgate-subscriber", "+34600000002");
  const auto res = send(req);
  EXPECT_EQ(res.result_int(), 422u);
  EXPECT_EQ(body_of(res), error_body(422, "UNNECESSARY_IDENTIFIER",
                                     "The device is already identified by the access token."));
}

// A 3-legged request whose subscriber header is absent or not +E.164 is 422 MISSING_IDENTIFIER.
TEST_F(NetworkServiceTest, ThreeLeggedWithoutUsableSubscriber) {
  for (const char* sub : {"", "34600000001", "tel:+34600000001"}) {
    auto req = post("/sim-swap/v2/check", "{}");
    req.set("x-tollgate-token-type", "3-legged");
    if (*sub) req.set("x-tollgate-subscriber", sub);
    const auto res = send(req);
    EXPECT_EQ(res.result_int(), 422u) << sub;
    EXPECT_EQ(body_of(res),
              error_body(422, "MISSING_IDENTIFIER", "The device cannot be identified."))
        << sub;
  }
}

// An unrecognised token type fails closed with 403 PERMISSION_DENIED.
TEST_F(NetworkServiceTest, UnknownTokenType) {
  auto req = post("/sim-swap/v2/check", R"({"phoneNumber":"+34600000001"})");
  req.set("x-tollgate-token-type", "4-legged");
  const auto res = send(req);
  EXPECT_EQ(res.result_int(), 403u);
  EXPECT_EQ(body_of(res),
            error_body(403, "PERMISSION_DENIED",
                       "Client does not have sufficient permissions to perform this action."));
}

// HTTP version and keep-alive follow the request.
TEST_F(NetworkServiceTest, FollowsVersionAndKeepAlive) {
  auto req = post("/sim-swap/v2/check", R"({"phoneNumber":"+34600000001"})");
  req.version(10);
  const auto res = send(req);
  EXPECT_EQ(res.version(), 10u);
  EXPECT_FALSE(res.keep_alive());
  auto closing = post("/sim-swap/v2/nope", "{}");
  closing.keep_alive(false);
  EXPECT_FALSE(send(closing).keep_alive());
}

// Every new API's route reaches its operation through the service.
TEST_F(NetworkServiceTest, RoutesEveryDeviceApi) {
  const std::string dev = R"({"device":{"phoneNumber":"+34600000001"})";
  const std::string area =
      R"(,"area":{"areaType":"CIRCLE","center":{"latitude":40.4168,"longitude":-3.7038},"radius":1000}})";
  for (const auto& [target, body, expected_member] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"/device-reachability-status/v1/retrieve", dev + "}", "reachable"},
           {"/device-roaming-status/v1/retrieve", dev + "}", "roaming"},
           {"/location-verification/v3/verify", dev + area, "verificationResult"},
           {"/location-retrieval/v0.5/retrieve", dev + "}", "area"},
           {"/kyc-match/v0.4/match", R"({"phoneNumber":"+34600000002","givenName":"Jordi"})",
            "givenNameMatch"}}) {
    const auto res = send(post(target, body));
    EXPECT_EQ(res.result_int(), 200u) << target << " " << res.body();
    EXPECT_TRUE(body_of(res).as_object().contains(expected_member)) << target;
    EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
  }
}

// GET /device-phone-number needs no body or Content-Type; it reads the 3-legged
// subscriber and x-tollgate-amr (space- or comma-separated).
TEST_F(NetworkServiceTest, NumberVerificationReadsAmr) {
  for (const char* amr : {"nba", "otp, nba", "sms,mnba", " nba "}) {
    http::Request req(bhttp::verb::get, "/number-verification/v2/device-phone-number", 11);
    req.set("x-tollgate-token-type", "3-legged");
    req.set("x-tollgate-subscriber", "+34600000003");
    req.set("x-tollgate-amr", amr);
    const auto res = send(req);
    EXPECT_EQ(res.result_int(), 200u) << amr;
    EXPECT_EQ(body_of(res), boost::json::parse(R"({"devicePhoneNumber":"+34600000003"})"));
  }
  http::Request req(bhttp::verb::get, "/number-verification/v2/device-phone-number", 11);
  req.set("x-tollgate-token-type", "3-legged");
  req.set("x-tollgate-subscriber", "+34600000003");
  req.set("x-tollgate-amr", "otp,sms");
  const auto res = send(req);
  EXPECT_EQ(res.result_int(), 403u);
  EXPECT_EQ(body_of(res).at("code"),
            "NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK");
  // A 2-legged call is refused whatever amr it claims.
  http::Request two(bhttp::verb::get, "/number-verification/v2/device-phone-number", 11);
  two.set("x-tollgate-amr", "nba");
  EXPECT_EQ(send(two).result_int(), 403u);
}

// Allow lists the methods of the matched path; a path parameter never matches an empty
// or extra segment.
TEST_F(NetworkServiceTest, MethodsAndTemplates) {
  const auto res = send(post("/number-verification/v2/device-phone-number", "{}"));
  EXPECT_EQ(res.result_int(), 405u);
  EXPECT_EQ(res[bhttp::field::allow], "GET, HEAD");
  http::Request get(bhttp::verb::get, "/location-verification/v3/verify", 11);
  EXPECT_EQ(send(get)[bhttp::field::allow], "POST");
  http::Request head(bhttp::verb::head, "/location-verification/v3/verify", 11);
  EXPECT_EQ(send(head).result_int(), 405u);  // HEAD only where GET is (RFC 9110 §9.3.2)
  http::Request profile(bhttp::verb::head, "/qos-profiles/v1/qos-profiles/QOS_E", 11);
  EXPECT_EQ(send(profile).result_int(),
            send(http::Request(bhttp::verb::get, "/qos-profiles/v1/qos-profiles/QOS_E", 11))
                .result_int());
  for (const char* target : {"/kyc-match/v0.4/match/x", "/kyc-match/v0.4", "/kyc-match/v0.4/"}) {
    EXPECT_EQ(send(post(target, "{}")).result_int(), 404u) << target;
  }
}

// QoD through the production wiring: create (201) → get → extend → delete (204, no
// Content-Length) → get 404, owned by x-tollgate-client-id; the profile route takes {name}.
TEST(NetworkServiceCreate, QualityOnDemandRoundTrip) {
  core::ManualClock clock(kNow);
  auto service = NetworkService::create(NetworkConfig{}, clock);
  auto request = [&](bhttp::verb verb, std::string target, std::string body, std::string client) {
    http::Request req(verb, target, 11);
    if (!body.empty()) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = std::move(body);
      req.prepare_payload();
    }
    req.set("x-tollgate-client-id", client);
    return service->handle(req, http::ConnectionInfo{});
  };
  auto created = request(
      bhttp::verb::post, "/quality-on-demand/v1/sessions",
      R"({"device":{"phoneNumber":"+34600000001"},"applicationServer":{"ipv4Address":"1.2.3.4"},)"
      R"("qosProfile":"QOS_E","duration":60})",
      "client-a");
  ASSERT_EQ(created.result_int(), 201u) << created.body();
  const std::string id(body_of(created).at("sessionId").as_string());
  const std::string path = "/quality-on-demand/v1/sessions/" + id;
  EXPECT_EQ(request(bhttp::verb::get, path, "", "client-a").result_int(), 200u);
  EXPECT_EQ(request(bhttp::verb::get, path, "", "client-b").result_int(), 404u);
  auto extended = request(bhttp::verb::post, path + "/extend",
                          R"({"requestedAdditionalDuration":60})", "client-a");
  EXPECT_EQ(extended.result_int(), 200u);
  EXPECT_EQ(body_of(extended).at("duration"), 120);
  auto deleted = request(bhttp::verb::delete_, path, "", "client-a");
  EXPECT_EQ(deleted.result_int(), 204u);
  EXPECT_TRUE(deleted.body().empty());
  EXPECT_EQ(deleted.find(bhttp::field::content_length), deleted.end());
  EXPECT_EQ(deleted["x-correlator"].size(), 36u);
  EXPECT_EQ(request(bhttp::verb::get, path, "", "client-a").result_int(), 404u);
  auto put = request(bhttp::verb::put, path, "", "client-a");
  EXPECT_EQ(put.result_int(), 405u);
  EXPECT_EQ(put[bhttp::field::allow], "GET, HEAD, DELETE");
  auto profile = request(bhttp::verb::get, "/qos-profiles/v1/qos-profiles/QOS_L", "", "client-a");
  EXPECT_EQ(profile.result_int(), 200u);
  EXPECT_EQ(body_of(profile).at("name"), "QOS_L");
}

// The sweep thread expires sessions on the service's clock without any request.
TEST(NetworkServiceCreate, SweeperExpiresSessions) {
  core::ManualClock clock(kNow);
  auto service = NetworkService::create(NetworkConfig{}, clock);
  http::Request req(bhttp::verb::post, "/quality-on-demand/v1/sessions", 11);
  req.set(bhttp::field::content_type, "application/json");
  req.set("x-tollgate-client-id", "client-a");
  req.body() =
      R"({"device":{"phoneNumber":"+34600000002"},"applicationServer":{"ipv4Address":"1.2.3.4"},)"
      R"("qosProfile":"QOS_S","duration":5})";
  req.prepare_payload();
  ASSERT_EQ(service->handle(req, {}).result_int(), 201u);
  EXPECT_EQ(service->handle(req, {}).result_int(), 409u);
  clock.advance(std::chrono::seconds(5));
  // Within a few sweep intervals the device is free again (the session expired).
  std::this_thread::sleep_for(3 * NetworkService::kSweepInterval);
  EXPECT_EQ(service->handle(req, {}).result_int(), 201u);
}

// --- configuration -----------------------------------------------------------------

// An absent section gives the defaults: 127.0.0.1:9200 and the demo set.
TEST(NetworkConfig, Defaults) {
  const auto config = NetworkConfig::from_yaml(YAML::Node());
  EXPECT_EQ(config.listen, "127.0.0.1:9200");
  EXPECT_EQ(config.subscribers_file, std::nullopt);
  core::ManualClock clock(kNow);
  EXPECT_EQ(load_subscribers(config, clock)->size(), 3u);
}

// listen and subscribers_file are read from the section.
TEST(NetworkConfig, ReadsSection) {
  const auto config =
      NetworkConfig::from_yaml(YAML::Load("listen: 127.0.0.1:19200\nsubscribers_file: s.yaml\n"));
  EXPECT_EQ(config.listen, "127.0.0.1:19200");
  EXPECT_EQ(config.subscribers_file, "s.yaml");
}

// population and notifications are read.
TEST(NetworkConfig, ReadsPopulationAndNotifications) {
  const auto config = NetworkConfig::from_yaml(
      YAML::Load("population: { size: 1000, seed: 9 }\n"
                 "notifications: { allow_private_sinks: true, ca_file: /tmp/ca.pem, max_attempts: "
                 "2, first_retry_ms: 50 }\n"
                 "qod: { max_sessions: 500, max_sessions_per_client: 20 }\n"));
  EXPECT_EQ(config.qod_limits.max_sessions, 500u);
  EXPECT_EQ(config.qod_limits.max_per_client, 20u);
  EXPECT_EQ(config.population_size, 1000u);
  EXPECT_EQ(config.population_seed, 9u);
  EXPECT_TRUE(config.allow_private_sinks);
  EXPECT_EQ(config.sink_ca_file, "/tmp/ca.pem");
  EXPECT_EQ(config.notify_max_attempts, 2);
  EXPECT_EQ(config.notify_first_retry, std::chrono::milliseconds(50));
  core::ManualClock clock(kNow);
  auto store = load_subscribers(config, clock);
  EXPECT_EQ(store->size(), 1003u);  // the demo set plus the population
  EXPECT_NE(store->find_by_msisdn("+34600000001"), nullptr);
  EXPECT_NE(store->find_by_msisdn("+34610000999"), nullptr);
}

// Unknown keys, bad addresses and empty values are refused.
TEST(NetworkConfig, RefusesBadSection) {
  for (const char* yaml :
       {"lisen: 127.0.0.1:9200\n", "listen: nonsense\n", "listen: \"\"\n",
        "subscribers_file: [a]\n", "- a\n", "population: { seed: 1 }\n",
        "population: { size: -1 }\n", "population: { size: 99999999999 }\n", "population: 5\n",
        "notifications: { allow_private_sinks: yes }\n", "notifications: { max_attempts: 0 }\n",
        "notifications: { retries: 3 }\n", "notifications: { first_retry_ms: 5 }\n",
        "notifications: { ca_file: \"\" }\n", "qod: { max_sessions: 0 }\n",
        "qod: { sessions: 5 }\n"}) {
    EXPECT_THROW(NetworkConfig::from_yaml(YAML::Load(yaml)), catalog::ConfigError) << yaml;
  }
}

}  // namespace
}  // namespace tollgate::network
