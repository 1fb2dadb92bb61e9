// Device Reachability Status v1 and Device Roaming Status v1 (device_*_status.h).
#include "network/device_reachability_status.h"
#include "network/device_roaming_status.h"
#include "network/test_support.h"

namespace tollgate::network {
namespace {

using namespace testing;

class DeviceStatusTest : public NetworkOpTest {
 protected:
  std::string reach(std::string_view body) {
    return run(&device_reachability_status::retrieve, body, two_legged_);
  }
  std::string roam(std::string_view body) {
    return run(&device_roaming_status::retrieve, body, two_legged_);
  }
};

// +34600000001 is reachable by DATA and SMS, status as of now, device echoed.
TEST_F(DeviceStatusTest, ReachableByDataAndSms) {
  EXPECT_EQ(
      reach(R"({"device":{"phoneNumber":"+34600000001"}})"),
      R"(200 {"device":{"phoneNumber":"+34600000001"},"lastStatusTime":"2027-01-15T08:00:00Z","reachable":true,"connectivity":["DATA","SMS"]})");
}

// +34600000002 is reachable by SMS only.
TEST_F(DeviceStatusTest, ReachableBySmsOnly) {
  EXPECT_EQ(
      run(&device_reachability_status::retrieve, "{}", three_legged("+34600000002")),
      R"(200 {"lastStatusTime":"2027-01-15T08:00:00Z","reachable":true,"connectivity":["SMS"]})");
}

// +34600000003 is not reachable: no connectivity member.
TEST_F(DeviceStatusTest, NotReachable) {
  EXPECT_EQ(
      reach(R"({"device":{"phoneNumber":"+34600000003"}})"),
      R"(200 {"device":{"phoneNumber":"+34600000003"},"lastStatusTime":"2027-01-15T08:00:00Z","reachable":false})");
}

// +34600000003 roams in France: countryCode 208 (the MCC), countryName ["FR"].
TEST_F(DeviceStatusTest, Roaming) {
  EXPECT_EQ(
      roam(R"({"device":{"phoneNumber":"+34600000003"}})"),
      R"(200 {"device":{"phoneNumber":"+34600000003"},"lastStatusTime":"2027-01-15T08:00:00Z","roaming":true,"countryCode":208,"countryName":["FR"]})");
}

// A subscriber at home: roaming false, no country members.
TEST_F(DeviceStatusTest, NotRoaming) {
  EXPECT_EQ(run(&device_roaming_status::retrieve, "{}", three_legged("+34600000001")),
            R"(200 {"lastStatusTime":"2027-01-15T08:00:00Z","roaming":false})");
}

// lastStatusTime follows the clock.
TEST_F(DeviceStatusTest, StatusTimeIsNow) {
  clock_.advance(1500ms);
  EXPECT_EQ(json_of(&device_roaming_status::retrieve, "{}", three_legged("+34600000001"))
                .at("lastStatusTime"),
            "2027-01-15T08:00:01.500000Z");
}

// Both operations refuse a body that is not a JSON object, and apply the identification codes.
TEST_F(DeviceStatusTest, ErrorsOfBothOperations) {
  for (auto op : {&device_reachability_status::retrieve, &device_roaming_status::retrieve}) {
    EXPECT_EQ(run(op, "", two_legged_), kInvalidArgument);
    EXPECT_EQ(run(op, "[]", two_legged_), kInvalidArgument);
    EXPECT_EQ(run(op, R"({"device":{}})", two_legged_), kInvalidArgument);
    EXPECT_EQ(run(op, "{}", two_legged_), kMissingIdentifier);
    EXPECT_EQ(run(op, R"({"device":{"networkAccessIdentifier":"a@b.example"}})", two_legged_),
              kUnsupportedIdentifier);
    EXPECT_EQ(run(op, R"({"device":{"phoneNumber":"+34600000999"}})", two_legged_),
              kIdentifierNotFound);
    EXPECT_EQ(run(op, R"({"device":{"phoneNumber":"+34600000001"}})", three_legged("+34600000001")),
              kUnnecessaryIdentifier);
  }
  auto s = make_subscriber("+34600000022", "10.0.0.22");
  s.not_applicable.insert(Api::kDeviceRoamingStatus);
  add_subscribers({s});
  EXPECT_EQ(roam(R"({"device":{"phoneNumber":"+34600000022"}})"), kServiceNotApplicable);
  EXPECT_EQ(reach(R"({"device":{"phoneNumber":"+34600000022"}})").substr(0, 3), "200");
}

// Unknown members are allowed (the request schema sets no additionalProperties).
TEST_F(DeviceStatusTest, UnknownMembersIgnored) {
  EXPECT_EQ(reach(R"({"device":{"phoneNumber":"+34600000003"},"extra":1})").substr(0, 3), "200");
}

}  // namespace
}  // namespace tollgate::network
