// Quality on Demand v1 (quality_on_demand.h) over a real qod::SessionStore
// (qod_sessions.h) with a manual clock and a recording status listener.
#include "network/quality_on_demand.h"

#include <mutex>

#include "network/qod_sessions.h"
#include "network/test_support.h"

namespace tollgate::network {
namespace {

using namespace testing;

class Recorder : public qod::StatusListener {
 public:
  void on_status_change(qod::StatusChange c) override {
    std::lock_guard lock(mu_);
    changes_.push_back(std::move(c));
  }
  // "AVAILABLE", "UNAVAILABLE/DURATION_EXPIRED", ... in order.
  std::vector<std::string> log() {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& c : changes_) {
      std::string e(qod::to_string(c.status));
      if (c.info != qod::StatusInfo::kNone) e += "/" + std::string(qod::to_string(c.info));
      out.push_back(e);
    }
    return out;
  }
  std::vector<qod::StatusChange> changes() {
    std::lock_guard lock(mu_);
    return changes_;
  }

 private:
  std::mutex mu_;
  std::vector<qod::StatusChange> changes_;
};

const std::string kBody =
    R"({"device":{"phoneNumber":"+34600000001"},"applicationServer":{"ipv4Address":"198.51.100.0/24"},)"
    R"("qosProfile":"QOS_E","duration":600,"sink":"https://partner.example/notify",)"
    R"("sinkCredential":{"credentialType":"ACCESSTOKEN","accessToken":"tok-123",)"
    R"("accessTokenExpiresUtc":"2027-01-16T00:00:00Z","accessTokenType":"bearer"}})";

class QodTest : public NetworkOpTest {
 protected:
  std::shared_ptr<Recorder> recorder_ = std::make_shared<Recorder>();
  std::unique_ptr<qod::SessionStore> sessions_ =
      std::make_unique<qod::SessionStore>(clock_, recorder_, qod::SessionLimits{});
  Identity client_b_{TokenType::kTwoLegged, std::nullopt, "client-b", {}};

  std::string op(ApiResult (*f)(const ApiRequest&), std::string_view body, const Identity& id,
                 std::string_view param = {}) {
    return run(f, body, id, param, sessions_.get());
  }
  std::string create(std::string_view body, const Identity& id) {
    return op(&quality_on_demand::create_session, body, id);
  }
  std::string create(std::string_view body) { return create(body, two_legged_); }
  // Creates and returns the SessionInfo.
  boost::json::object created(std::string_view body, const Identity& id) {
    auto v = json_of(&quality_on_demand::create_session, body, id, {}, sessions_.get());
    return v.is_object() ? v.as_object() : boost::json::object{};
  }
  boost::json::object created(std::string_view body) { return created(body, two_legged_); }
  std::string get(std::string_view id, const Identity& who) {
    return op(&quality_on_demand::get_session, "", who, id);
  }
  std::string del(std::string_view id, const Identity& who) {
    return op(&quality_on_demand::delete_session, "", who, id);
  }
  std::string extend(std::string_view id, std::string_view body, const Identity& who) {
    return op(&quality_on_demand::extend_session, body, who, id);
  }
  std::string list(std::string_view body, const Identity& who) {
    return op(&quality_on_demand::retrieve_sessions, body, who);
  }
  static std::string body_for(const std::string& msisdn, const std::string& profile = "QOS_E",
                              int duration = 600) {
    return R"({"device":{"phoneNumber":")" + msisdn +
           R"("},"applicationServer":{"ipv4Address":"198.51.100.7"},"qosProfile":")" + profile +
           R"(","duration":)" + std::to_string(duration) + "}";
  }
};

// A 2-legged create answers 201 with the SessionInfo: the device used, the flow as sent,
// AVAILABLE from now for the duration — never the sink credential — and notifies AVAILABLE.
TEST_F(QodTest, CreateAnswers201WithSessionInfo) {
  auto info = created(kBody);
  const std::string id(info.at("sessionId").as_string());
  EXPECT_TRUE(is_uuid(id));
  info.erase("sessionId");
  EXPECT_EQ(info, boost::json::parse(R"({"device":{"phoneNumber":"+34600000001"},
      "applicationServer":{"ipv4Address":"198.51.100.0/24"},"qosProfile":"QOS_E",
      "sink":"https://partner.example/notify","duration":600,"startedAt":"2027-01-15T08:00:00Z",
      "expiresAt":"2027-01-15T08:10:00Z","qosStatus":"AVAILABLE"})"));
  EXPECT_EQ(recorder_->log(), std::vector<std::string>{"AVAILABLE"});
  const auto c = recorder_->changes().at(0);
  EXPECT_EQ(c.session_id, id);
  EXPECT_EQ(c.sink, "https://partner.example/notify");
  ASSERT_TRUE(c.credential);
  EXPECT_EQ(c.credential->access_token, "tok-123");
  EXPECT_EQ(get(id, two_legged_).substr(0, 4), "200 ");
}

// 3-legged: the token's subscriber, no device echoed; no sink, no notification.
TEST_F(QodTest, CreateThreeLegged) {
  const auto info = created(
      R"({"applicationServer":{"ipv6Address":"2001:db8::/64"},"qosProfile":"QOS_S",)"
      R"("duration":60,"devicePorts":{"ports":[5060]},"applicationServerPorts":{"ranges":[{"from":5010,"to":5020}]}})",
      three_legged("+34600000002"));
  EXPECT_FALSE(info.contains("device"));
  EXPECT_EQ(info.at("devicePorts"), boost::json::parse(R"({"ports":[5060]})"));
  EXPECT_EQ(info.at("applicationServerPorts"),
            boost::json::parse(R"({"ranges":[{"from":5010,"to":5020}]})"));
  EXPECT_TRUE(recorder_->log().empty());
  EXPECT_EQ(
      create(
          R"({"device":{"phoneNumber":"+34600000002"},"applicationServer":{"ipv4Address":"1.2.3.4"},)"
          R"("qosProfile":"QOS_S","duration":60})",
          three_legged("+34600000002")),
      kUnnecessaryIdentifier);
}

// One live session per device, whichever client and identifier: 409 CONFLICT; after a
// delete the device is free again.
TEST_F(QodTest, ConflictForTheSameDevice) {
  const std::string id(created(body_for("+34600000001")).at("sessionId").as_string());
  const std::string conflict =
      "409 CONFLICT Conflict with an existing session for the same device.";
  EXPECT_EQ(create(body_for("+34600000001")), conflict);
  EXPECT_EQ(create(body_for("+34600000001"), client_b_), conflict);
  EXPECT_EQ(
      create(
          R"({"device":{"ipv4Address":{"publicAddress":"127.0.0.1","publicPort":4000}},)"
          R"("applicationServer":{"ipv4Address":"198.51.100.7"},"qosProfile":"QOS_M","duration":60})"),
      conflict);
  EXPECT_EQ(create(body_for("+34600000002")).substr(0, 4), "201 ");
  EXPECT_EQ(del(id, two_legged_), "204");
  EXPECT_EQ(create(body_for("+34600000001"), client_b_).substr(0, 4), "201 ");
}

// A session expires at startedAt + duration: UNAVAILABLE / DURATION_EXPIRED with
// expiresAt the termination time, notified once whether found lazily or by the sweep;
// readable for 360 s, then gone; the device is free as soon as it expired.
TEST_F(QodTest, ExpiresOnTheClock) {
  auto info = created(
      R"({"device":{"phoneNumber":"+34600000001"},"applicationServer":{"ipv4Address":"1.2.3.4"},)"
      R"("qosProfile":"QOS_E","duration":30,"sink":"https://partner.example/n"})");
  const std::string id(info.at("sessionId").as_string());
  clock_.advance(29s);
  EXPECT_EQ(sessions_->sweep(), 0u);
  EXPECT_NE(get(id, two_legged_).find(R"("qosStatus":"AVAILABLE")"), std::string::npos);
  clock_.advance(1s);
  auto now_info = json_of(&quality_on_demand::get_session, "", two_legged_, id, sessions_.get());
  EXPECT_EQ(now_info.at("qosStatus"), "UNAVAILABLE");
  EXPECT_EQ(now_info.at("statusInfo"), "DURATION_EXPIRED");
  EXPECT_EQ(now_info.at("expiresAt"), "2027-01-15T08:00:30Z");
  EXPECT_EQ(now_info.at("duration"), 30);
  EXPECT_EQ(sessions_->sweep(), 0u);  // already expired by the access
  EXPECT_EQ(recorder_->log(),
            (std::vector<std::string>{"AVAILABLE", "UNAVAILABLE/DURATION_EXPIRED"}));
  EXPECT_EQ(recorder_->changes().back().at, clock_.now());
  EXPECT_EQ(create(body_for("+34600000001")).substr(0, 4), "201 ");
  clock_.advance(359s);
  EXPECT_EQ(get(id, two_legged_).substr(0, 4), "200 ");
  clock_.advance(1s);
  sessions_->sweep();
  EXPECT_EQ(get(id, two_legged_), kNotFound);
}

// The sweep alone finds and notifies an expiry nobody asked about.
TEST_F(QodTest, SweepExpiresWithoutAccess) {
  created(
      R"({"device":{"phoneNumber":"+34600000002"},"applicationServer":{"ipv4Address":"1.2.3.4"},)"
      R"("qosProfile":"QOS_S","duration":5,"sink":"https://partner.example/n"})");
  clock_.advance(10s);
  EXPECT_EQ(sessions_->sweep(), 1u);
  EXPECT_EQ(recorder_->log(),
            (std::vector<std::string>{"AVAILABLE", "UNAVAILABLE/DURATION_EXPIRED"}));
  EXPECT_EQ(recorder_->changes().back().at,
            clock_.now() - 5s);  // the occurrence time, not the sweep's
}

// Sessions are visible only to their client, and with a 3-legged token only to their subscriber.
TEST_F(QodTest, Ownership) {
  const std::string id(created(body_for("+34600000001")).at("sessionId").as_string());
  EXPECT_EQ(get(id, client_b_), kNotFound);
  EXPECT_EQ(del(id, client_b_), kNotFound);
  EXPECT_EQ(extend(id, R"({"requestedAdditionalDuration":10})", client_b_), kNotFound);
  EXPECT_EQ(list(R"({"device":{"phoneNumber":"+34600000001"}})", client_b_), "200 []");
  EXPECT_EQ(get(id, three_legged("+34600000002")), kNotFound);
  EXPECT_EQ(get(id, three_legged("+34600000001", "client-b")), kNotFound);
  EXPECT_EQ(get(id, three_legged("+34600000001")).substr(0, 4), "200 ");
  Identity unresolved{TokenType::kThreeLegged, std::nullopt, "client-a", {}};
  EXPECT_EQ(get(id, unresolved), kNotFound);
  EXPECT_EQ(get(id, two_legged_).substr(0, 4), "200 ");
}

// Without a client id nothing is served: 403.
TEST_F(QodTest, NeedsAClientId) {
  Identity anonymous{TokenType::kTwoLegged, std::nullopt, "", {}};
  const std::string denied =
      "403 PERMISSION_DENIED Client does not have sufficient permissions to perform this action.";
  EXPECT_EQ(create(body_for("+34600000001"), anonymous), denied);
  EXPECT_EQ(get("3fa85f64-5717-4562-b3fc-2c963f66afa6", anonymous), denied);
  EXPECT_EQ(list(R"({"device":{"phoneNumber":"+34600000001"}})", anonymous), denied);
}

// DELETE: 204 and DELETE_REQUESTED for an AVAILABLE session; an expired one is removed
// without a notification; a second delete is 404.
TEST_F(QodTest, Delete) {
  const std::string a(
      created(
          R"({"device":{"phoneNumber":"+34600000001"},"applicationServer":{"ipv4Address":"1.2.3.4"},)"
          R"("qosProfile":"QOS_E","duration":60,"sink":"https://partner.example/n"})")
          .at("sessionId")
          .as_string());
  EXPECT_EQ(del(a, two_legged_), "204");
  EXPECT_EQ(del(a, two_legged_), kNotFound);
  EXPECT_EQ(recorder_->log(),
            (std::vector<std::string>{"AVAILABLE", "UNAVAILABLE/DELETE_REQUESTED"}));
  const std::string b(
      created(
          R"({"device":{"phoneNumber":"+34600000002"},"applicationServer":{"ipv4Address":"1.2.3.4"},)"
          R"("qosProfile":"QOS_S","duration":60,"sink":"https://partner.example/n"})")
          .at("sessionId")
          .as_string());
  clock_.advance(61s);
  sessions_->sweep();
  EXPECT_EQ(del(b, two_legged_), "204");
  EXPECT_EQ(recorder_->log(),
            (std::vector<std::string>{"AVAILABLE", "UNAVAILABLE/DELETE_REQUESTED", "AVAILABLE",
                                      "UNAVAILABLE/DURATION_EXPIRED"}));
}

// Extend adds to the duration and moves expiresAt, capped at the profile's maxDuration
// (QOS_M: 3600 s); an expired session cannot be extended (409).
TEST_F(QodTest, Extend) {
  const std::string id(
      created(body_for("+34600000001", "QOS_M", 3000)).at("sessionId").as_string());
  clock_.advance(100s);
  auto v = json_of(&quality_on_demand::extend_session, R"({"requestedAdditionalDuration":300})",
                   two_legged_, id, sessions_.get());
  EXPECT_EQ(v.at("duration"), 3300);
  EXPECT_EQ(v.at("expiresAt"), "2027-01-15T08:55:00Z");
  v = json_of(&quality_on_demand::extend_session, R"({"requestedAdditionalDuration":1000})",
              two_legged_, id, sessions_.get());
  EXPECT_EQ(v.at("duration"), 3600);
  EXPECT_EQ(v.at("expiresAt"), "2027-01-15T09:00:00Z");
  clock_.advance(3500s);  // now 09:00:00: expired
  EXPECT_EQ(extend(id, R"({"requestedAdditionalDuration":10})", two_legged_),
            "409 QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED Extending the session duration is "
            "not allowed in "
            "the current state (UNAVAILABLE). The session must be in the AVAILABLE state.");
}

// Extend and get validate the id and the body.
TEST_F(QodTest, ExtendAndGetValidation) {
  const std::string id(created(body_for("+34600000001")).at("sessionId").as_string());
  EXPECT_EQ(extend(id, R"({"requestedAdditionalDuration":0})", two_legged_), kOutOfRange);
  EXPECT_EQ(extend(id, R"({"requestedAdditionalDuration":2147483648})", two_legged_), kOutOfRange);
  EXPECT_EQ(extend(id, R"({"requestedAdditionalDuration":"10"})", two_legged_), kInvalidArgument);
  EXPECT_EQ(extend(id, "{}", two_legged_), kInvalidArgument);
  EXPECT_EQ(extend("not-a-uuid", R"({"requestedAdditionalDuration":10})", two_legged_),
            kInvalidArgument);
  EXPECT_EQ(get("3fa85f64-5717-4562-b3fc-2c963f66afa", two_legged_), kInvalidArgument);
  EXPECT_EQ(del("3fa85f64x5717-4562-b3fc-2c963f66afa6", two_legged_), kInvalidArgument);
  EXPECT_EQ(get("3fa85f64-5717-4562-b3fc-2c963f66afa6", two_legged_), kNotFound);
}

// retrieve-sessions: the caller's sessions of the device, [] when none, identification codes.
TEST_F(QodTest, RetrieveSessions) {
  const std::string id(created(body_for("+34600000001")).at("sessionId").as_string());
  const auto v =
      json_of(&quality_on_demand::retrieve_sessions, R"({"device":{"phoneNumber":"+34600000001"}})",
              two_legged_, {}, sessions_.get());
  ASSERT_EQ(v.as_array().size(), 1u);
  EXPECT_EQ(v.as_array()[0].at("sessionId").as_string(), id);
  EXPECT_EQ(list(R"({"device":{"phoneNumber":"+34600000002"}})", two_legged_), "200 []");
  EXPECT_EQ(list("{}", three_legged("+34600000001")).substr(0, 4), "200 ");
  EXPECT_EQ(list("{}", two_legged_), kMissingIdentifier);
  EXPECT_EQ(list(R"({"device":{"phoneNumber":"+34600000999"}})", two_legged_), kIdentifierNotFound);
  EXPECT_EQ(list(R"({"device":{"phoneNumber":"+34600000001"}})", three_legged("+34600000001")),
            kUnnecessaryIdentifier);
}

// Profiles that cannot start a session: 422 QOS_PROFILE_NOT_APPLICABLE (deprecated,
// inactive, not offered where the device roams).
TEST_F(QodTest, ProfileNotApplicable) {
  const std::string expected =
      "422 QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE The requested QoS Profile is currently not "
      "available for "
      "session creation.";
  EXPECT_EQ(create(body_for("+34600000001", "QOS_LEGACY")), expected);
  EXPECT_EQ(create(body_for("+34600000001", "QOS_PREMIUM")), expected);
  EXPECT_EQ(create(body_for("+34600000003", "QOS_S")), expected);
  EXPECT_EQ(create(body_for("+34600000003", "QOS_E")).substr(0, 4), "201 ");
}

// Every documented 400 code of createSession, and identification after validation.
TEST_F(QodTest, CreateValidation) {
  const std::string dev = R"("device":{"phoneNumber":"+34600000001"})";
  const std::string as = R"("applicationServer":{"ipv4Address":"1.2.3.4"})";
  const std::string base = dev + "," + as + R"(,"qosProfile":"QOS_E","duration":60)";
  const std::string duration_range =
      "400 QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE The requested duration is out of the allowed "
      "range for the "
      "specific QoS profile";
  const std::string invalid_sink = "400 INVALID_SINK sink not valid for the specified protocol";
  auto cred = [](const std::string& inner) {
    return R"(,"sink":"https://p.example/n","sinkCredential":{)" + inner + "}}";
  };
  const std::string good_cred_tail =
      R"("accessToken":"t","accessTokenExpiresUtc":"2027-01-16T00:00:00Z")";
  for (
      const auto& [body, expected] : std::vector<std::pair<std::string, std::string>>{
          {"{}", kInvalidArgument},
          {"{" + dev + R"(,"qosProfile":"QOS_E","duration":60})", kInvalidArgument},
          {"{" + dev + R"(,"applicationServer":{},"qosProfile":"QOS_E","duration":60})",
           kInvalidArgument},
          {"{" + dev +
               R"(,"applicationServer":{"ipv4Address":"1.2.3.4/33"},"qosProfile":"QOS_E","duration":60})",
           kInvalidArgument},
          {"{" + dev +
               R"(,"applicationServer":{"ipv4Address":"1.2.3"},"qosProfile":"QOS_E","duration":60})",
           kInvalidArgument},
          {"{" + dev +
               R"(,"applicationServer":{"ipv6Address":"2001:db8::/129"},"qosProfile":"QOS_E","duration":60})",
           kInvalidArgument},
          {"{" + dev + "," + as + R"(,"duration":60})", kInvalidArgument},
          {"{" + dev + "," + as + R"(,"qosProfile":"Q","duration":60})", kInvalidArgument},
          {"{" + dev + "," + as + R"(,"qosProfile":"QOS_XL","duration":60})", kInvalidArgument},
          {"{" + dev + "," + as + R"(,"qosProfile":"QOS_E"})", kInvalidArgument},
          {"{" + dev + "," + as + R"(,"qosProfile":"QOS_E","duration":"60"})", kInvalidArgument},
          {"{" + dev + "," + as + R"(,"qosProfile":"QOS_E","duration":0})", kOutOfRange},
          {"{" + dev + "," + as + R"(,"qosProfile":"QOS_E","duration":2147483648})", kOutOfRange},
          {"{" + dev + "," + as + R"(,"qosProfile":"QOS_E","duration":86401})", duration_range},
          {"{" + dev + "," + as + R"(,"qosProfile":"QOS_L","duration":9})", duration_range},
          {"{" + base + R"(,"devicePorts":{}})", kInvalidArgument},
          {"{" + base + R"(,"devicePorts":{"ports":[]}})", kInvalidArgument},
          {"{" + base + R"(,"devicePorts":{"ports":[65536]}})", kOutOfRange},
          {"{" + base + R"(,"applicationServerPorts":{"ranges":[{"from":10,"to":5}]}})",
           kInvalidArgument},
          {"{" + base + R"(,"applicationServerPorts":{"ranges":[{"from":-1,"to":5}]}})",
           kOutOfRange},
          {"{" + base + R"(,"applicationServerPorts":{"ranges":[{"from":1}]}})", kInvalidArgument},
          {"{" + base + R"(,"sink":"http://p.example/n"})", invalid_sink},
          {"{" + base + R"(,"sink":"https://"})", invalid_sink},
          {"{" + base + R"(,"sink":"https://user:pw@p.example/"})", invalid_sink},
          {"{" + base + R"(,"sink":42})", kInvalidArgument},
          {"{" + base + cred(R"("credentialType":"PLAIN","identifier":"a","secret":"b")"),
           "400 INVALID_CREDENTIAL Only Access token is supported"},
          {"{" + base + cred(R"("credentialType":"REFRESHTOKEN")"),
           "400 INVALID_CREDENTIAL Only Access token is supported"},
          {"{" + base +
               cred(R"("credentialType":"ACCESSTOKEN",)" + good_cred_tail +
                    R"(,"accessTokenType":"mac")"),
           "400 INVALID_TOKEN Only bearer token is supported"},
          {"{" + base + cred(R"("credentialType":"OTHER")"), kInvalidArgument},
          {"{" + base + cred(R"("credentialType":"ACCESSTOKEN","accessTokenType":"bearer")"),
           kInvalidArgument},
          {"{" + base +
               cred(
                   R"("credentialType":"ACCESSTOKEN","accessToken":"a\r\nX: y","accessTokenExpiresUtc":"2027-01-16T00:00:00Z","accessTokenType":"bearer")"),
           kInvalidArgument},
          {"{" + base +
               cred(
                   R"("credentialType":"ACCESSTOKEN","accessToken":"t","accessTokenExpiresUtc":"tomorrow","accessTokenType":"bearer")"),
           kInvalidArgument},
          {"{" + base + R"(,"sinkCredential":"x"})", kInvalidArgument},
          {R"({"device":{"phoneNumber":"+34600000999"},)" + as +
               R"(,"qosProfile":"QOS_E","duration":60})",
           kIdentifierNotFound},
          {"{" + as + R"(,"qosProfile":"QOS_E","duration":60})", kMissingIdentifier},
      }) {
    EXPECT_EQ(create(body), expected) << body;
  }
  EXPECT_EQ(sessions_->size(), 0u);
  EXPECT_EQ(create("{" + base +
                   cred(R"("credentialType":"ACCESSTOKEN",)" + good_cred_tail +
                        R"(,"accessTokenType":"Bearer")"))
                .substr(0, 4),
            "201 ");
}

// A subscription not eligible for QoD: 422 SERVICE_NOT_APPLICABLE.
TEST_F(QodTest, NotApplicable) {
  auto s = make_subscriber("+34600000070", "10.0.0.70");
  s.not_applicable.insert(Api::kQualityOnDemand);
  add_subscribers({s});
  EXPECT_EQ(create(body_for("+34600000070")), kServiceNotApplicable);
}

// The per-client quota: 429 QUOTA_EXCEEDED beyond it; other clients unaffected.
TEST_F(QodTest, Quota) {
  sessions_ =
      std::make_unique<qod::SessionStore>(clock_, recorder_, qod::SessionLimits{100, 2, 360s});
  EXPECT_EQ(create(body_for("+34600000001")).substr(0, 4), "201 ");
  EXPECT_EQ(create(body_for("+34600000002")).substr(0, 4), "201 ");
  EXPECT_EQ(create(body_for("+34600000003")), "429 QUOTA_EXCEEDED Out of resource quota.");
  EXPECT_EQ(create(body_for("+34600000003"), client_b_).substr(0, 4), "201 ");
}

// Without a session store (a network role built without QoD) the operations answer 503.
TEST_F(QodTest, NoStoreIsUnavailable) {
  EXPECT_EQ(run(&quality_on_demand::create_session, kBody, two_legged_),
            "503 UNAVAILABLE Service Unavailable.");
}

}  // namespace
}  // namespace tollgate::network
