// The Device object and the identification rules (device.h), exercised through
// Device Reachability Status, the simplest device-based operation.
#include "network/device.h"

#include "network/device_reachability_status.h"
#include "network/test_support.h"

namespace tollgate::network {
namespace {

using namespace testing;

class DeviceTest : public NetworkOpTest {
 protected:
  std::string retrieve(std::string_view body, const Identity& id) {
    return run(&device_reachability_status::retrieve, body, id);
  }
  std::string retrieve(std::string_view body) { return retrieve(body, two_legged_); }
  // The echoed `device` of a successful 2-legged call.
  boost::json::value echoed(std::string_view body) {
    auto v = json_of(&device_reachability_status::retrieve, body, two_legged_);
    return v.is_object() && v.as_object().contains("device") ? v.at("device") : nullptr;
  }
};

// Each supported identifier finds the demo handset and is echoed as sent.
TEST_F(DeviceTest, EachSupportedIdentifierFindsTheHandset) {
  EXPECT_EQ(echoed(R"({"device":{"phoneNumber":"+34600000001"}})"),
            boost::json::parse(R"({"phoneNumber":"+34600000001"})"));
  EXPECT_EQ(
      echoed(R"({"device":{"ipv4Address":{"publicAddress":"127.0.0.2","publicPort":5000}}})"),
      boost::json::parse(R"({"ipv4Address":{"publicAddress":"127.0.0.2","publicPort":5000}})"));
  EXPECT_EQ(
      echoed(
          R"({"device":{"ipv4Address":{"publicAddress":"127.0.0.3","privateAddress":"127.0.0.3"}}})"),
      boost::json::parse(
          R"({"ipv4Address":{"publicAddress":"127.0.0.3","privateAddress":"127.0.0.3"}})"));
  add_subscribers({make_subscriber("+34600000020", "2001:db8:0:20::1")});
  EXPECT_EQ(echoed(R"({"device":{"ipv6Address":"2001:db8:0:20::abcd"}})"),
            boost::json::parse(R"({"ipv6Address":"2001:db8:0:20::abcd"})"));
}

// With several identifiers, phoneNumber wins over ipv4Address over ipv6Address, only the
// one used is echoed, and disagreeing identifiers are not an error.
TEST_F(DeviceTest, SeveralIdentifiersPickOneAndEchoIt) {
  const auto v = json_of(&device_reachability_status::retrieve,
                         R"({"device":{"ipv6Address":"2001:db8::1","phoneNumber":"+34600000002",
                             "ipv4Address":{"publicAddress":"127.0.0.1","publicPort":1}}})",
                         two_legged_);
  EXPECT_EQ(v.at("device"), boost::json::parse(R"({"phoneNumber":"+34600000002"})"));
  EXPECT_EQ(v.at("connectivity"), boost::json::parse(R"(["SMS"])"));  // +34600000002's, not .1's
  EXPECT_EQ(
      echoed(
          R"({"device":{"networkAccessIdentifier":"a@b.example","ipv4Address":{"publicAddress":"127.0.0.1","publicPort":1}}})"),
      boost::json::parse(R"({"ipv4Address":{"publicAddress":"127.0.0.1","publicPort":1}})"));
}

// 2-legged without a device: 422 MISSING_IDENTIFIER.
TEST_F(DeviceTest, TwoLeggedWithoutDevice) { EXPECT_EQ(retrieve("{}"), kMissingIdentifier); }

// 3-legged: the token's subscriber, never echoed; a device too is 422
// UNNECESSARY_IDENTIFIER even when it is the same; no resolvable subscriber is 422
// MISSING_IDENTIFIER.
TEST_F(DeviceTest, ThreeLegged) {
  const auto v = json_of(&device_reachability_status::retrieve, "{}", three_legged("+34600000002"));
  EXPECT_FALSE(v.as_object().contains("device"));
  EXPECT_EQ(v.at("connectivity"), boost::json::parse(R"(["SMS"])"));
  EXPECT_EQ(retrieve(R"({"device":{"phoneNumber":"+34600000002"}})", three_legged("+34600000002")),
            kUnnecessaryIdentifier);
  Identity unresolved{TokenType::kThreeLegged, std::nullopt, "client-a", {}};
  EXPECT_EQ(retrieve("{}", unresolved), kMissingIdentifier);
  EXPECT_EQ(retrieve(R"({"device":{"phoneNumber":"+34600000002"}})", unresolved),
            kUnnecessaryIdentifier);
}

// Only networkAccessIdentifier, or only members the schema does not name: 422
// UNSUPPORTED_IDENTIFIER.
TEST_F(DeviceTest, UnsupportedIdentifiers) {
  EXPECT_EQ(retrieve(R"({"device":{"networkAccessIdentifier":"123456789@domain.com"}})"),
            kUnsupportedIdentifier);
  EXPECT_EQ(retrieve(R"({"device":{"imei":"490154203237518"}})"), kUnsupportedIdentifier);
}

// Identifiers of no subscriber: 404 IDENTIFIER_NOT_FOUND.
TEST_F(DeviceTest, UnknownDevice) {
  EXPECT_EQ(retrieve(R"({"device":{"phoneNumber":"+34600000999"}})"), kIdentifierNotFound);
  EXPECT_EQ(retrieve(R"({"device":{"ipv4Address":{"publicAddress":"127.0.0.9","publicPort":1}}})"),
            kIdentifierNotFound);
  EXPECT_EQ(retrieve(R"({"device":{"ipv6Address":"2001:db8::1"}})"), kIdentifierNotFound);
}

// A subscription not eligible for the API: 422 SERVICE_NOT_APPLICABLE, for 2- and 3-legged.
TEST_F(DeviceTest, NotApplicable) {
  auto s = make_subscriber("+34600000021", "10.0.0.21");
  s.not_applicable.insert(Api::kDeviceReachabilityStatus);
  add_subscribers({s});
  EXPECT_EQ(retrieve(R"({"device":{"phoneNumber":"+34600000021"}})"), kServiceNotApplicable);
  EXPECT_EQ(retrieve("{}", three_legged("+34600000021")), kServiceNotApplicable);
}

// Every schema violation of the device object is 400 INVALID_ARGUMENT, even in an
// identifier that would not be used.
TEST_F(DeviceTest, SchemaViolations) {
  for (const char* device : {
           R"("+34600000001")",
           "[]",
           "null",
           "{}",
           R"({"phoneNumber":"34600000001"})",
           R"({"phoneNumber":"+3460"})",
           R"({"phoneNumber":34600000001})",
           R"({"phoneNumber":"+34600000001","networkAccessIdentifier":7})",
           R"({"phoneNumber":"+34600000001","ipv6Address":"127.0.0.1"})",
           R"({"phoneNumber":"+34600000001","ipv6Address":"fe80::1%eth0"})",
           R"({"ipv4Address":{"publicAddress":"127.0.0.1"}})",
           R"({"ipv4Address":{"privateAddress":"127.0.0.1","publicPort":1}})",
           R"({"ipv4Address":{"publicAddress":"127.0.0.01","publicPort":1}})",
           R"({"ipv4Address":{"publicAddress":"127.0.0.256","publicPort":1}})",
           R"({"ipv4Address":{"publicAddress":"127.0.0.1/32","publicPort":1}})",
           R"({"ipv4Address":{"publicAddress":"127.0.0.1","privateAddress":"x"}})",
           R"({"ipv4Address":{"publicAddress":"127.0.0.1","publicPort":"1"}})",
           R"({"ipv4Address":{"publicAddress":"127.0.0.1","publicPort":1.5}})",
           R"({"ipv4Address":"127.0.0.1"})",
       }) {
    EXPECT_EQ(retrieve(std::string(R"({"device":)") + device + "}"), kInvalidArgument) << device;
  }
}

// A publicPort outside 0..65535 is the API's range error: INVALID_ARGUMENT here (this
// spec lists no OUT_OF_RANGE), OUT_OF_RANGE where the spec lists it.
TEST_F(DeviceTest, PortOutOfRange) {
  EXPECT_EQ(
      retrieve(R"({"device":{"ipv4Address":{"publicAddress":"127.0.0.1","publicPort":65536}}})"),
      kInvalidArgument);
  auto body = boost::json::parse(
      R"({"device":{"ipv4Address":{"publicAddress":"127.0.0.1","publicPort":-1}}})");
  auto parsed = parse_device(body.as_object(), RangeCode::kOutOfRange);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, "OUT_OF_RANGE");
  auto edge = boost::json::parse(
      R"({"device":{"ipv4Address":{"publicAddress":"127.0.0.1","publicPort":65535}}})");
  EXPECT_TRUE(parse_device(edge.as_object(), RangeCode::kOutOfRange));
}

}  // namespace
}  // namespace tollgate::network
