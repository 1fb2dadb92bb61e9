// Location Verification v3 and Location Retrieval v0.5 (location_*.h), and geo.h.
#include "network/geo.h"
#include "network/location_retrieval.h"
#include "network/location_verification.h"
#include "network/test_support.h"

namespace tollgate::network {
namespace {

using namespace testing;

const geo::Point kMadrid{40.4168, -3.7038};
const geo::Point kParis{48.8566, 2.3522};

std::string circle(geo::Point c, double radius) {
  return boost::json::serialize(
      boost::json::object{{"areaType", "CIRCLE"},
                          {"center", {{"latitude", c.latitude}, {"longitude", c.longitude}}},
                          {"radius", radius}});
}

class LocationTest : public NetworkOpTest {
 protected:
  std::string verify(std::string_view body, const Identity& id) {
    return run(&location_verification::verify, body, id);
  }
  std::string verify(std::string_view body) { return verify(body, two_legged_); }
  std::string verify_at(const std::string& msisdn, geo::Point c, double radius,
                        std::string extra = "") {
    return verify(R"({"device":{"phoneNumber":")" + msisdn + R"("},"area":)" + circle(c, radius) +
                  extra + "}");
  }
  std::string retrieve(std::string_view body) {
    return run(&location_retrieval::retrieve, body, two_legged_);
  }
};

const std::string kMaxAge422 =
    "422 LOCATION_VERIFICATION.UNABLE_TO_FULFILL_MAX_AGE Unable to provide expected freshness for "
    "location";

// --- geometry --------------------------------------------------------------------

// Madrid–Barcelona is ~505 km; a point moved 1000 m is 1000 m away.
TEST(Geo, Distances) {
  EXPECT_NEAR(geo::distance_m(kMadrid, {41.3874, 2.1686}), 505'000, 2'000);
  EXPECT_NEAR(geo::distance_m(kMadrid, geo::destination(kMadrid, 77, 1000)), 1000, 1e-6);
  EXPECT_DOUBLE_EQ(geo::distance_m(kParis, kParis), 0);
}

// Overlap areas: disjoint 0, nested the smaller circle, equal circles one radius apart
// 2r²·π/3 − (r/2)·√3·r.
TEST(Geo, CircleOverlap) {
  EXPECT_DOUBLE_EQ(geo::circle_overlap_area(100, 100, 200), 0);
  EXPECT_DOUBLE_EQ(geo::circle_overlap_area(100, 1000, 500), geo::circle_area(100));
  const double expected = 2 * 100.0 * 100 * geo::kPi / 3 - 50 * std::sqrt(3.0) * 100;
  EXPECT_NEAR(geo::circle_overlap_area(100, 100, 100), expected, 1e-6);
}

// The circumscribed hexagon: 6 vertices at r/cos 30° from the center, area 2√3·r².
TEST(Geo, CircumscribedHexagon) {
  const auto hex = geo::circumscribed_hexagon(kParis, 1000);
  for (const auto& p : hex)
    EXPECT_NEAR(geo::distance_m(kParis, p), 1000 / std::cos(geo::kPi / 6), 1e-3);
  EXPECT_NEAR(geo::circumscribed_hexagon_area(1000), 3'464'101.6, 0.1);
  // Longitudes wrap into [-180, 180].
  for (const auto& p : geo::circumscribed_hexagon({0, 179.999}, 1000)) {
    EXPECT_GE(p.longitude, -180);
    EXPECT_LE(p.longitude, 180);
  }
}

// --- verify ----------------------------------------------------------------------

// The 100 m accuracy circle inside a 1 km circle at the same center: TRUE, located now.
TEST_F(LocationTest, VerifyTrue) {
  EXPECT_EQ(
      verify_at("+34600000001", kMadrid, 1000),
      R"(200 {"verificationResult":"TRUE","lastLocationTime":"2027-01-15T08:00:00Z","device":{"phoneNumber":"+34600000001"}})");
}

// Barcelona is not in a 1 km circle around Madrid: FALSE.
TEST_F(LocationTest, VerifyFalse) {
  EXPECT_EQ(
      verify_at("+34600000002", kMadrid, 1000),
      R"(200 {"verificationResult":"FALSE","lastLocationTime":"2027-01-15T08:00:00Z","device":{"phoneNumber":"+34600000002"}})");
}

// Equal 100 m circles 100 m apart share 39 % of the accuracy circle: PARTIAL, matchRate 39.
TEST_F(LocationTest, VerifyPartialWithMatchRate) {
  EXPECT_EQ(
      verify_at("+34600000001", geo::destination(kMadrid, 0, 100), 100),
      R"(200 {"verificationResult":"PARTIAL","matchRate":39,"lastLocationTime":"2027-01-15T08:00:00Z","device":{"phoneNumber":"+34600000001"}})");
}

// An accuracy circle (1000 m) containing the requested one (100 m): PARTIAL with the area
// ratio, 1 %; the device is not reachable, so the location is the one of 2 h ago.
TEST_F(LocationTest, VerifyAccuracyCircleContainsArea) {
  EXPECT_EQ(
      verify_at("+34600000003", kParis, 100),
      R"(200 {"verificationResult":"PARTIAL","matchRate":1,"lastLocationTime":"2027-01-15T06:00:00Z","device":{"phoneNumber":"+34600000003"}})");
}

// Boundaries: inner tangency is TRUE, outer tangency FALSE, and an almost-inside circle
// is PARTIAL 99, never 100.
TEST_F(LocationTest, VerifyBoundaries) {
  auto result = [&](geo::Point c, double radius) {
    return json_of(&location_verification::verify,
                   R"({"device":{"phoneNumber":"+34600000001"},"area":)" + circle(c, radius) + "}",
                   two_legged_);
  };
  EXPECT_EQ(result(geo::destination(kMadrid, 90, 899.999), 1000).at("verificationResult"), "TRUE");
  EXPECT_EQ(result(geo::destination(kMadrid, 90, 1100.001), 1000).at("verificationResult"),
            "FALSE");
  const auto almost = result(geo::destination(kMadrid, 90, 901), 1000);
  EXPECT_EQ(almost.at("verificationResult"), "PARTIAL");
  EXPECT_EQ(almost.at("matchRate"), 99);
  const auto sliver = result(geo::destination(kMadrid, 90, 1099), 1000);
  EXPECT_EQ(sliver.at("matchRate"), 1);
}

// 3-legged: the token's subscriber, no device echoed.
TEST_F(LocationTest, VerifyThreeLegged) {
  EXPECT_EQ(verify(R"({"area":)" + circle(kMadrid, 1000) + "}", three_legged("+34600000001")),
            R"(200 {"verificationResult":"TRUE","lastLocationTime":"2027-01-15T08:00:00Z"})");
  EXPECT_EQ(
      verify(R"({"device":{"phoneNumber":"+34600000001"},"area":)" + circle(kMadrid, 1000) + "}",
             three_legged("+34600000001")),
      kUnnecessaryIdentifier);
}

// maxAge: a fresh location (0) is available for a reachable device; +34600000003's
// 2 h old location satisfies maxAge 7200 but not 7199.
TEST_F(LocationTest, VerifyMaxAge) {
  EXPECT_EQ(verify_at("+34600000001", kMadrid, 1000, R"(,"maxAge":0)").substr(0, 3), "200");
  EXPECT_EQ(verify_at("+34600000003", kParis, 5000, R"(,"maxAge":7200)").substr(0, 3), "200");
  EXPECT_EQ(verify_at("+34600000003", kParis, 5000, R"(,"maxAge":7199)"), kMaxAge422);
  EXPECT_EQ(verify_at("+34600000003", kParis, 5000, R"(,"maxAge":0)"), kMaxAge422);
  EXPECT_EQ(
      verify_at("+34600000003", kParis, 5000, R"(,"maxAge":9223372036854775807)").substr(0, 3),
      "200");
}

// A device the network cannot locate: UNABLE_TO_LOCATE, or UNABLE_TO_FULFILL_MAX_AGE when
// a maxAge was asked ("older than maxAge or not known at all").
TEST_F(LocationTest, VerifyUnableToLocate) {
  auto s = make_subscriber("+34600000030", "10.0.0.30");
  s.location.reset();
  add_subscribers({s});
  EXPECT_EQ(
      verify_at("+34600000030", kMadrid, 1000),
      "422 LOCATION_VERIFICATION.UNABLE_TO_LOCATE The network is unable to locate the device");
  EXPECT_EQ(verify_at("+34600000030", kMadrid, 1000, R"(,"maxAge":60)"), kMaxAge422);
}

// A radius below this operator's 100 m floor: INVALID_AREA; a center outside the
// coverage (Sydney): AREA_NOT_COVERED.
TEST_F(LocationTest, VerifyAreaPolicy) {
  EXPECT_EQ(verify_at("+34600000001", kMadrid, 99.5),
            "422 LOCATION_VERIFICATION.INVALID_AREA The requested area is too small");
  EXPECT_EQ(verify_at("+34600000001", kMadrid, 100).substr(0, 3), "200");
  EXPECT_EQ(verify_at("+34600000001", {-33.8688, 151.2093}, 5000),
            "422 LOCATION_VERIFICATION.AREA_NOT_COVERED Unable to cover the requested area");
}

// Schema violations: 400 INVALID_ARGUMENT for types and shapes, OUT_OF_RANGE for ranges.
TEST_F(LocationTest, VerifySchema) {
  const std::string dev = R"("device":{"phoneNumber":"+34600000001"})";
  for (const char* area :
       {R"(null)", R"("CIRCLE")", R"({"center":{"latitude":1,"longitude":1},"radius":1000})",
        R"({"areaType":"POLYGON","center":{"latitude":1,"longitude":1},"radius":1000})",
        R"({"areaType":"circle","center":{"latitude":1,"longitude":1},"radius":1000})",
        R"({"areaType":"CIRCLE","radius":1000})",
        R"({"areaType":"CIRCLE","center":{"latitude":1},"radius":1000})",
        R"({"areaType":"CIRCLE","center":{"latitude":"40","longitude":1},"radius":1000})",
        R"({"areaType":"CIRCLE","center":{"latitude":40,"longitude":1}})",
        R"({"areaType":"CIRCLE","center":{"latitude":40,"longitude":1},"radius":"1000"})"}) {
    EXPECT_EQ(verify("{" + dev + R"(,"area":)" + area + "}"), kInvalidArgument) << area;
  }
  EXPECT_EQ(verify("{" + dev + "}"), kInvalidArgument);
  for (const char* area :
       {R"({"areaType":"CIRCLE","center":{"latitude":90.5,"longitude":1},"radius":1000})",
        R"({"areaType":"CIRCLE","center":{"latitude":40,"longitude":-180.1},"radius":1000})",
        R"({"areaType":"CIRCLE","center":{"latitude":40,"longitude":1},"radius":0.5})"}) {
    EXPECT_EQ(verify("{" + dev + R"(,"area":)" + area + "}"), kOutOfRange) << area;
  }
  EXPECT_EQ(verify_at("+34600000001", kMadrid, 1000, R"(,"maxAge":-1)"), kOutOfRange);
  EXPECT_EQ(verify_at("+34600000001", kMadrid, 1000, R"(,"maxAge":1.5)"), kInvalidArgument);
  EXPECT_EQ(verify_at("+34600000001", kMadrid, 1000, R"(,"maxAge":"60")"), kInvalidArgument);
  // 400 comes before identification.
  EXPECT_EQ(verify(R"({"area":{"areaType":"CIRCLE"}})", three_legged("+34600000999")),
            kInvalidArgument);
  EXPECT_EQ(verify_at("+34600000999", kMadrid, 1000), kIdentifierNotFound);
}

// --- retrieve --------------------------------------------------------------------

// A CIRCLE: the subscriber's position and accuracy, located now.
TEST_F(LocationTest, RetrieveCircle) {
  EXPECT_EQ(
      retrieve(R"({"device":{"phoneNumber":"+34600000001"}})"),
      R"(200 {"lastLocationTime":"2027-01-15T08:00:00Z","area":{"areaType":"CIRCLE","center":{"latitude":4.04168E1,"longitude":-3.7038E0},"radius":1E2},"device":{"phoneNumber":"+34600000001"}})");
}

// A POLYGON: 6 points around +34600000003's 1000 m circle, last located 2 h ago.
TEST_F(LocationTest, RetrievePolygon) {
  const auto v = json_of(&location_retrieval::retrieve, "{}", three_legged("+34600000003"));
  EXPECT_EQ(v.at("lastLocationTime"), "2027-01-15T06:00:00Z");
  EXPECT_FALSE(v.as_object().contains("device"));
  const auto& area = v.at("area").as_object();
  EXPECT_EQ(area.at("areaType"), "POLYGON");
  ASSERT_EQ(area.at("boundary").as_array().size(), 6u);
  for (const auto& p : area.at("boundary").as_array()) {
    const geo::Point pt{p.at("latitude").as_double(), p.at("longitude").as_double()};
    EXPECT_NEAR(geo::distance_m(kParis, pt), 1154.7, 0.1);
  }
}

// maxAge and maxSurface: boundaries on both sides, and maxAge reported first.
TEST_F(LocationTest, RetrieveMaxAgeAndMaxSurface) {
  const std::string d3 = R"("device":{"phoneNumber":"+34600000003"})";
  EXPECT_EQ(retrieve("{" + d3 + R"(,"maxAge":7200})").substr(0, 3), "200");
  EXPECT_EQ(retrieve("{" + d3 + R"(,"maxAge":7199})"),
            "422 LOCATION_RETRIEVAL.UNABLE_TO_FULFILL_MAX_AGE Unable to provide expected freshness "
            "for location");
  // The hexagon around a 1000 m circle covers 3 464 101.6 m².
  EXPECT_EQ(retrieve("{" + d3 + R"(,"maxSurface":3464102})").substr(0, 3), "200");
  EXPECT_EQ(retrieve("{" + d3 + R"(,"maxSurface":3464101})"),
            "422 LOCATION_RETRIEVAL.UNABLE_TO_FULFILL_MAX_SURFACE Unable to provide accurate "
            "acceptable surface for location");
  EXPECT_EQ(retrieve("{" + d3 + R"(,"maxSurface":1,"maxAge":0})"),
            "422 LOCATION_RETRIEVAL.UNABLE_TO_FULFILL_MAX_AGE Unable to provide expected freshness "
            "for location");
  // A 100 m circle covers 31 415.9 m².
  const std::string d1 = R"("device":{"phoneNumber":"+34600000001"})";
  EXPECT_EQ(retrieve("{" + d1 + R"(,"maxSurface":31416,"maxAge":0})").substr(0, 3), "200");
  EXPECT_EQ(retrieve("{" + d1 + R"(,"maxSurface":31415})"),
            "422 LOCATION_RETRIEVAL.UNABLE_TO_FULFILL_MAX_SURFACE Unable to provide accurate "
            "acceptable surface for location");
}

// A device the network cannot locate: UNABLE_TO_LOCATE, whatever maxAge says.
TEST_F(LocationTest, RetrieveUnableToLocate) {
  auto s = make_subscriber("+34600000031", "10.0.0.31");
  s.location.reset();
  add_subscribers({s});
  for (const char* extra : {"", R"(,"maxAge":60)"}) {
    EXPECT_EQ(retrieve(std::string(R"({"device":{"phoneNumber":"+34600000031"})") + extra + "}"),
              "422 LOCATION_RETRIEVAL.UNABLE_TO_LOCATE The network is unable to locate the device");
  }
}

// Schema: maxAge and maxSurface are integers, maxAge >= 0, maxSurface >= 1; every
// violation is INVALID_ARGUMENT (this spec lists no OUT_OF_RANGE); identification follows.
TEST_F(LocationTest, RetrieveSchemaAndIdentification) {
  const std::string d = R"("device":{"phoneNumber":"+34600000001"})";
  for (const char* extra : {R"("maxAge":-1)", R"("maxAge":1.5)", R"("maxAge":null)",
                            R"("maxSurface":0)", R"("maxSurface":"100")", R"("maxSurface":1e3)"}) {
    EXPECT_EQ(retrieve("{" + d + "," + extra + "}"), kInvalidArgument) << extra;
  }
  EXPECT_EQ(
      retrieve(R"({"device":{"ipv4Address":{"publicAddress":"127.0.0.1","publicPort":70000}}})"),
      kInvalidArgument);
  EXPECT_EQ(retrieve("{}"), kMissingIdentifier);
  EXPECT_EQ(retrieve(R"({"device":{"phoneNumber":"+34600000999"}})"), kIdentifierNotFound);
  EXPECT_EQ(retrieve(R"({"device":{"networkAccessIdentifier":"x@y.example"}})"),
            kUnsupportedIdentifier);
  EXPECT_EQ(run(&location_retrieval::retrieve, "{" + d + "}", three_legged("+34600000001")),
            kUnnecessaryIdentifier);
  auto s = make_subscriber("+34600000032", "10.0.0.32");
  s.not_applicable.insert(Api::kLocationRetrieval);
  add_subscribers({s});
  EXPECT_EQ(retrieve(R"({"device":{"phoneNumber":"+34600000032"}})"), kServiceNotApplicable);
  EXPECT_EQ(verify_at("+34600000032", kMadrid, 1000).substr(0, 3), "200");
}

}  // namespace
}  // namespace tollgate::network
