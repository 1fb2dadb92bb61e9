// QoS Profiles v1 (qos_profiles.h).
#include "network/qos_profiles.h"

#include "network/test_support.h"

namespace tollgate::network {
namespace {

using namespace testing;

class QosProfilesTest : public NetworkOpTest {
 protected:
  // The names in a successful retrieve answer, comma-separated.
  std::string names(std::string_view body, const Identity& id) {
    const auto v = json_of(&qos_profiles::retrieve, body, id);
    std::string out;
    if (!v.is_array()) return "not an array";
    for (const auto& p : v.as_array())
      out += (out.empty() ? "" : ",") + std::string(p.at("name").as_string());
    return out;
  }
  std::string names(std::string_view body) { return names(body, two_legged_); }
  std::string get(std::string_view name, const Identity& id) {
    return run(&qos_profiles::get, "", id, name);
  }
};

// Without filters every profile is listed, with its full description.
TEST_F(QosProfilesTest, ListsAll) {
  EXPECT_EQ(names("{}"), "QOS_E,QOS_S,QOS_M,QOS_L,QOS_LEGACY,QOS_PREMIUM");
  const auto v = json_of(&qos_profiles::retrieve, R"({"name":"QOS_M"})", two_legged_);
  EXPECT_EQ(v,
            boost::json::parse(
                R"([{"name":"QOS_M","description":"Medium: live broadcast uplink","status":"ACTIVE",
    "countryAvailability":[{"countryName":"ES"}],"targetMinUpstreamRate":{"value":5,"unit":"Mbps"},
    "maxUpstreamRate":{"value":50,"unit":"Mbps"},"targetMinDownstreamRate":{"value":5,"unit":"Mbps"},
    "maxDownstreamRate":{"value":50,"unit":"Mbps"},"minDuration":{"value":1,"unit":"Seconds"},
    "maxDuration":{"value":3600,"unit":"Seconds"},"priority":30,"packetDelayBudget":{"value":100,"unit":"Milliseconds"},
    "jitter":{"value":20,"unit":"Milliseconds"},"packetErrorLossRate":4,"l4sQueueType":"mixed-queue",
    "serviceClass":"broadcast_video"}])"));
}

// name and status filter; no match is an empty array.
TEST_F(QosProfilesTest, Filters) {
  EXPECT_EQ(names(R"({"status":"ACTIVE"})"), "QOS_E,QOS_S,QOS_M,QOS_L");
  EXPECT_EQ(names(R"({"status":"DEPRECATED"})"), "QOS_LEGACY");
  EXPECT_EQ(names(R"({"status":"INACTIVE","name":"QOS_PREMIUM"})"), "QOS_PREMIUM");
  EXPECT_EQ(names(R"({"status":"ACTIVE","name":"QOS_PREMIUM"})"), "");
  EXPECT_EQ(names(R"({"name":"QOS_XL"})"), "");
}

// A device filter keeps the profiles offered where the device is: at home all, roaming
// in France only QOS_E; the 3-legged subscriber is the filter; an ineligible device gets [].
TEST_F(QosProfilesTest, DeviceFilter) {
  EXPECT_EQ(names(R"({"device":{"phoneNumber":"+34600000001"},"status":"ACTIVE"})"),
            "QOS_E,QOS_S,QOS_M,QOS_L");
  EXPECT_EQ(names(R"({"device":{"phoneNumber":"+34600000003"}})"), "QOS_E");
  EXPECT_EQ(names("{}", three_legged("+34600000003")), "QOS_E");
  auto s = make_subscriber("+34600000060", "10.0.0.60");
  s.not_applicable.insert(Api::kQualityOnDemand);
  auto t = make_subscriber("+34600000061", "10.0.0.61");
  t.not_applicable.insert(Api::kQosProfiles);
  add_subscribers({s, t});
  EXPECT_EQ(
      run(&qos_profiles::retrieve, R"({"device":{"phoneNumber":"+34600000060"}})", two_legged_),
      "200 []");
  EXPECT_EQ(
      run(&qos_profiles::retrieve, R"({"device":{"phoneNumber":"+34600000061"}})", two_legged_),
      "200 []");
}

// Device identification errors and schema errors.
TEST_F(QosProfilesTest, RetrieveErrors) {
  auto r = [&](std::string_view body, const Identity& id) {
    return run(&qos_profiles::retrieve, body, id);
  };
  EXPECT_EQ(r(R"({"device":{"phoneNumber":"+34600000999"}})", two_legged_), kIdentifierNotFound);
  EXPECT_EQ(r(R"({"device":{"networkAccessIdentifier":"a@b.example"}})", two_legged_),
            kUnsupportedIdentifier);
  EXPECT_EQ(r(R"({"device":{"phoneNumber":"+34600000001"}})", three_legged("+34600000001")),
            kUnnecessaryIdentifier);
  for (const char* body : {R"({"status":"active"})", R"({"status":1})", R"({"name":"QO"})",
                           R"({"name":"QOS E"})", R"({"name":5})", R"({"device":{}})", "[]"}) {
    EXPECT_EQ(r(body, two_legged_), kInvalidArgument) << body;
  }
  EXPECT_EQ(r(R"({"device":{"ipv4Address":{"publicAddress":"127.0.0.1","publicPort":99999}}})",
              two_legged_),
            kOutOfRange);
}

// GET by name: found; unknown 404; malformed 400; 3-legged only when available to the subscriber.
TEST_F(QosProfilesTest, GetByName) {
  EXPECT_EQ(json_of(&qos_profiles::get, "", two_legged_, "QOS_LEGACY").at("status"), "DEPRECATED");
  EXPECT_EQ(get("QOS_XL", two_legged_), kNotFound);
  for (const char* bad : {"Q", "QOS%20E", "QOS E", ""})
    EXPECT_EQ(get(bad, two_legged_), kInvalidArgument) << bad;
  EXPECT_EQ(get(std::string(257, 'Q'), two_legged_), kInvalidArgument);
  EXPECT_EQ(get(std::string(256, 'Q'), two_legged_), kNotFound);
  EXPECT_EQ(json_of(&qos_profiles::get, "", three_legged("+34600000003"), "QOS_E").at("name"),
            "QOS_E");
  EXPECT_EQ(get("QOS_S", three_legged("+34600000003")), kNotFound);
  EXPECT_EQ(get("QOS_S", three_legged("+34600000999")), kNotFound);
}

}  // namespace
}  // namespace tollgate::network
