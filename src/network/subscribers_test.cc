#include "network/subscribers.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "catalog/yaml_util.h"
#include "network/rfc3339.h"

namespace tollgate::network {
namespace {

using catalog::ConfigError;
using namespace std::chrono_literals;

constexpr std::int64_t kNow = 1'800'000'000;  // 2027-01-15T08:00:00Z

std::string examples_file() {
  if (const char* dir = std::getenv("TOLLGATE_SOURCE_DIR")) {
    return (std::filesystem::path(dir) / "examples" / "subscribers.yaml").string();
  }
  return (std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "examples" /
          "subscribers.yaml")
      .string();
}

// A minimal valid record, to which each refusal test adds one fault.
std::string one(const std::string& extra, const std::string& msisdn = "\"+34600000001\"",
                const std::string& ip = "127.0.0.1") {
  return "subscribers:\n"
         "  - msisdn: " +
         msisdn +
         "\n"
         "    sim_activated: 10d ago\n"
         "    location: { latitude: 1, longitude: 2, accuracy_m: 10 }\n"
         "    handset_ip: " +
         ip + "\n" + extra;
}

// The demo set holds exactly the three documented subscribers with the documented data.
TEST(SubscriberStore, DemoSetIsTheDocumentedOne) {
  core::ManualClock clock(kNow);
  auto store = SubscriberStore::demo(clock);
  ASSERT_EQ(store->size(), 3u);

  const Subscriber* a = store->find_by_msisdn("+34600000001");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(format_rfc3339(*a->sim_changed), "2027-01-13T08:00:00Z");
  EXPECT_EQ(format_rfc3339(a->sim_activated), "2025-01-15T08:00:00Z");
  EXPECT_EQ(a->location, (Location{40.4168, -3.7038, 100, AreaShape::kCircle, clock.now()}));
  EXPECT_EQ(a->roaming, std::nullopt);
  EXPECT_TRUE(a->reachable_data);
  EXPECT_TRUE(a->reachable_sms);
  EXPECT_EQ(a->handset_ip, "127.0.0.1");

  const Subscriber* b = store->find_by_msisdn("+34600000002");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->sim_changed, std::nullopt);
  EXPECT_EQ(format_rfc3339(b->sim_activated), "2025-12-11T08:00:00Z");
  EXPECT_EQ(b->location, (Location{41.3874, 2.1686, 100, AreaShape::kCircle, clock.now()}));
  EXPECT_FALSE(b->reachable_data);
  EXPECT_TRUE(b->reachable_sms);
  EXPECT_EQ(b->handset_ip, "127.0.0.2");

  const Subscriber* c = store->find_by_msisdn("+34600000003");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(format_rfc3339(*c->sim_changed), "2026-12-16T08:00:00Z");
  EXPECT_EQ(format_rfc3339(c->sim_activated), "2024-04-20T08:00:00Z");
  EXPECT_EQ(c->roaming, (Roaming{208, {"FR"}}));
  EXPECT_EQ(c->location, (Location{48.8566, 2.3522, 1000, AreaShape::kPolygon, clock.now() - 2h}));
  EXPECT_EQ(c->last_location_time(clock.now()), clock.now() - 2h);
  EXPECT_EQ(a->last_location_time(clock.now()), clock.now());
  EXPECT_FALSE(c->reachable_data);
  EXPECT_FALSE(c->reachable_sms);
  EXPECT_EQ(c->handset_ip, "127.0.0.3");

  EXPECT_EQ(store->find_by_msisdn("+34600000999"), nullptr);
}

// examples/subscribers.yaml describes exactly the built-in demo set.
TEST(SubscriberStore, ExampleFileEqualsDemoSet) {
  core::ManualClock clock(kNow);
  auto from_file = SubscriberStore::from_yaml_file(examples_file(), clock);
  EXPECT_EQ(from_file->all(), SubscriberStore::demo(clock)->all());
}

// The latest SIM change is the swap when there was one, else the activation.
TEST(SubscriberStore, LatestSimChangeFallsBackToActivation) {
  core::ManualClock clock(kNow);
  auto store = SubscriberStore::demo(clock);
  EXPECT_EQ(store->find_by_msisdn("+34600000001")->latest_sim_change(), clock.now() - 48h);
  EXPECT_EQ(store->find_by_msisdn("+34600000002")->latest_sim_change(), clock.now() - 400 * 24h);
}

// Handsets are found by IP in any textual form, IPv4-mapped IPv6 included.
TEST(SubscriberStore, FindsByHandsetIp) {
  core::ManualClock clock(kNow);
  auto store = SubscriberStore::demo(clock);
  EXPECT_EQ(store->find_by_ip("127.0.0.2")->msisdn, "+34600000002");
  EXPECT_EQ(store->find_by_ip("::ffff:127.0.0.3")->msisdn, "+34600000003");
  EXPECT_EQ(store->find_by_ip("127.0.0.9"), nullptr);
  EXPECT_EQ(store->find_by_ip("not-an-ip"), nullptr);
}

// Relative times count back from the clock; RFC 3339 times are absolute.
TEST(SubscriberStore, ParsesRelativeAndAbsoluteTimes) {
  core::ManualClock clock(kNow);
  auto store = SubscriberStore::from_yaml_string(
      "subscribers:\n"
      "  - msisdn: \"+4915112345678\"\n"
      "    sim_activated: 2024-09-18T09:37:53.5+02:00\n"
      "    sim_changed: now\n"
      "    location: { latitude: 52.52, longitude: 13.405, accuracy_m: 50 }\n"
      "    handset_ip: \"2001:db8::1\"\n"
      "  - msisdn: \"+4915112345679\"\n"
      "    sim_activated: 90s ago\n"
      "    sim_changed: 1m ago\n"
      "    location: { latitude: 52.52, longitude: 13.405, accuracy_m: 50 }\n"
      "    handset_ip: 10.0.0.1\n",
      clock);
  const Subscriber* a = store->find_by_msisdn("+4915112345678");
  EXPECT_EQ(format_rfc3339(a->sim_activated), "2024-09-18T07:37:53.500000Z");
  EXPECT_EQ(a->sim_changed, clock.now());
  EXPECT_EQ(a->handset_ip, "2001:db8::1");
  const Subscriber* b = store->find_by_msisdn("+4915112345679");
  EXPECT_EQ(b->sim_activated, clock.now() - 90s);
  EXPECT_EQ(b->sim_changed, clock.now() - 1min);
  EXPECT_TRUE(b->kyc.empty());
}

// Each malformed or ambiguous record is refused with a ConfigError naming the problem.
TEST(SubscriberStore, RefusesBadRecords) {
  core::ManualClock clock(kNow);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {one("    colour: blue\n"), "unknown key 'colour'"},
      {"subscriber:\n  - {}\n", "unknown key 'subscriber'"},
      {"subscribers: {}\n", "subscribers must be a list"},
      {one("", "\"34600000001\""), "is not +E.164"},
      {one("", "\"+0600000001\""), "is not +E.164"},
      {one("    sim_changed: yesterday\n"), "sim_changed must be"},
      {one("    sim_changed: 48x ago\n"), "sim_changed must be"},
      {one("    sim_changed: 20d ago\n"), "sim_changed is before sim_activated"},
      {one("", "\"+34600000001\"", "127.0.0.300"), "is not an IP address"},
      {one("    reachable: [DATA, VOICE]\n"), "reachable must list DATA and/or SMS"},
      {one("    reachable: [SMS, SMS]\n"), "reachable must list DATA and/or SMS"},
      {one("    roaming: { mcc: 2080, country_names: [FR] }\n"), "mcc must be between"},
      {one("    roaming: { mcc: 208 }\n"), "'country_names' is required"},
      {one("    kyc: { givenNmae: Ana }\n"), "unknown KYC field 'givenNmae'"},
      {"subscribers:\n  - msisdn: \"+34600000001\"\n    sim_activated: now\n"
       "    location: { latitude: 91, longitude: 2, accuracy_m: 10 }\n    handset_ip: 127.0.0.1\n",
       "latitude must be between"},
      {one("    not_applicable: [kyc-match, sim-swapp]\n"), "unknown API 'sim-swapp'"},
      {one("    not_applicable: kyc-match\n"), "not_applicable must be a list"},
      {"subscribers:\n  - msisdn: \"+34600000001\"\n    sim_activated: now\n"
       "    location: { latitude: 1, longitude: 2, accuracy_m: 10, shape: SQUARE }\n"
       "    handset_ip: 127.0.0.1\n",
       "shape must be CIRCLE or POLYGON"},
      {"subscribers:\n  - msisdn: \"+34600000001\"\n    sim_activated: now\n"
       "    location: { latitude: 1, longitude: 2, accuracy_m: 10, located: soon }\n"
       "    handset_ip: 127.0.0.1\n",
       "located must be"},
      {"subscribers: [\n", ""},
  };
  for (const auto& [yaml, expected] : cases) {
    try {
      SubscriberStore::from_yaml_string(yaml, clock);
      ADD_FAILURE() << "accepted:\n" << yaml;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  }
}

// Two records may share neither an MSISDN nor a handset IP.
TEST(SubscriberStore, RefusesDuplicates) {
  core::ManualClock clock(kNow);
  const std::string rec2 =
      "  - msisdn: \"+34600000002\"\n    sim_activated: now\n"
      "    location: { latitude: 1, longitude: 2, accuracy_m: 10 }\n    handset_ip: 127.0.0.1\n";
  EXPECT_THROW(SubscriberStore::from_yaml_string(one("") + rec2, clock), ConfigError);
  const std::string rec3 =
      "  - msisdn: \"+34600000001\"\n    sim_activated: now\n"
      "    location: { latitude: 1, longitude: 2, accuracy_m: 10 }\n    handset_ip: 127.0.0.9\n";
  EXPECT_THROW(SubscriberStore::from_yaml_string(one("") + rec3, clock), ConfigError);
}

// Two IPv6 handsets may not share a /64: the network gives each device its own.
TEST(SubscriberStore, RefusesTwoHandsetsInOneIpv6Slash64) {
  core::ManualClock clock(kNow);
  const std::string rec2 =
      "  - msisdn: \"+34600000002\"\n    sim_activated: now\n    handset_ip: \"2001:db8:0:1::2\"\n";
  try {
    SubscriberStore::from_yaml_string(one("", "\"+34600000001\"", "\"2001:db8:0:1::1\"") + rec2,
                                      clock);
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("same /64 as +34600000001"), std::string::npos)
        << e.what();
  }
}

// Location is optional (a device the network cannot locate); shape, located and
// not_applicable are read; a record without location compares equal to its parse.
TEST(SubscriberStore, ReadsLocationShapeAndEligibility) {
  core::ManualClock clock(kNow);
  auto store = SubscriberStore::from_yaml_string(
      "subscribers:\n"
      "  - msisdn: \"+34600000010\"\n"
      "    sim_activated: now\n"
      "    handset_ip: 10.0.0.10\n"
      "    not_applicable: [kyc-match, quality-on-demand]\n"
      "  - msisdn: \"+34600000011\"\n"
      "    sim_activated: now\n"
      "    location: { latitude: 1, longitude: 2, accuracy_m: 10, shape: POLYGON, located: 10m ago "
      "}\n"
      "    handset_ip: 10.0.0.11\n",
      clock);
  const Subscriber* a = store->find_by_msisdn("+34600000010");
  EXPECT_EQ(a->location, std::nullopt);
  EXPECT_TRUE(a->not_applicable.contains(Api::kKycMatch));
  EXPECT_TRUE(a->not_applicable.contains(Api::kQualityOnDemand));
  EXPECT_FALSE(a->not_applicable.contains(Api::kSimSwap));
  const Subscriber* b = store->find_by_msisdn("+34600000011");
  EXPECT_EQ(b->location, (Location{1, 2, 10, AreaShape::kPolygon, clock.now() - 10min}));
  EXPECT_TRUE(b->not_applicable.empty());
}

// An IPv6 address finds the handset by its exact address or by any address of its /64;
// an address with a zone or from another /64 finds nobody.
TEST(SubscriberStore, FindsIpv6HandsetsBySlash64) {
  core::ManualClock clock(kNow);
  auto store = SubscriberStore::from_yaml_string(
      one("", "\"+34600000001\"", "\"2001:db8:85a3:8d3:1319:8a2e:370:7344\""), clock);
  EXPECT_EQ(store->find_by_ip("2001:db8:85a3:8d3:1319:8a2e:370:7344")->msisdn, "+34600000001");
  EXPECT_EQ(store->find_by_ip("2001:db8:85a3:8d3::")->msisdn, "+34600000001");
  EXPECT_EQ(store->find_by_ip("2001:DB8:85A3:8D3:ffff::1")->msisdn, "+34600000001");
  EXPECT_EQ(store->find_by_ip("2001:db8:85a3:8d4::"), nullptr);
  EXPECT_EQ(store->find_by_ip("fe80::1%1"), nullptr);
}

// API names round-trip and unknown names are refused.
TEST(ApiNames, RoundTrip) {
  for (std::size_t i = 0; i < kApiCount; ++i) {
    const auto api = static_cast<Api>(i);
    EXPECT_EQ(api_from_name(api_name(api)), api);
  }
  EXPECT_EQ(api_name(Api::kDeviceRoamingStatus), "device-roaming-status");
  EXPECT_EQ(api_from_name("sim-swap-subscriptions"), std::nullopt);
}

// The generated population is deterministic, indexed, and shaped as documented.
TEST(SubscriberStore, GeneratesADeterministicPopulation) {
  core::ManualClock clock(kNow);
  const auto a = SubscriberStore::generate_population(20000, 7, clock.now());
  const auto b = SubscriberStore::generate_population(20000, 7, clock.now());
  const auto c = SubscriberStore::generate_population(20000, 8, clock.now());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // Record i does not depend on the population size.
  EXPECT_EQ(SubscriberStore::generate_population(10, 7, clock.now())[9], a[9]);
  auto store = SubscriberStore::generate(20000, 7, clock);
  ASSERT_EQ(store->size(), 20000u);
  EXPECT_EQ(store->find_by_msisdn("+34610000000"), &store->all()[0]);
  EXPECT_EQ(store->find_by_msisdn("+34610019999"), &store->all()[19999]);
  EXPECT_EQ(store->find_by_msisdn("+34610020000"), nullptr);
  EXPECT_EQ(store->find_by_ip("10.0.78.31"), &store->all()[78 * 256 + 31]);
  std::size_t swapped = 0, roaming = 0, data = 0, unreachable = 0;
  for (const auto& s : store->all()) {
    ASSERT_TRUE(s.location.has_value());
    EXPECT_GE(s.location->latitude, 36.0);
    EXPECT_LE(s.location->latitude, 43.5);
    EXPECT_GE(s.location->accuracy_m, 50);
    EXPECT_LE(s.location->accuracy_m, 2000);
    EXPECT_GE(s.latest_sim_change(), s.sim_activated);
    EXPECT_LE(s.sim_activated, clock.now() - 30 * 24h);
    swapped += s.sim_changed.has_value();
    roaming += s.roaming.has_value();
    data += s.reachable_data;
    unreachable += !s.reachable();
  }
  // 5 % / 3 % / 85 % / 5 %, within a generous statistical margin.
  EXPECT_NEAR(static_cast<double>(swapped) / 20000, 0.05, 0.01);
  EXPECT_NEAR(static_cast<double>(roaming) / 20000, 0.03, 0.01);
  EXPECT_NEAR(static_cast<double>(data) / 20000, 0.85, 0.02);
  EXPECT_NEAR(static_cast<double>(unreachable) / 20000, 0.05, 0.01);
}

// A generated population beyond the address plan is refused.
TEST(SubscriberStore, RefusesAnOversizedPopulation) {
  core::ManualClock clock(kNow);
  EXPECT_THROW(
      SubscriberStore::generate_population(SubscriberStore::kMaxGenerated + 1, 1, clock.now()),
      ConfigError);
}

// Errors name the line of the offending key.
TEST(SubscriberStore, ErrorsNameTheLine) {
  core::ManualClock clock(kNow);
  try {
    SubscriberStore::from_yaml_string(one("    colour: blue\n"), clock);
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("line 6, column 5: unknown key 'colour'", 0), 0u)
        << e.what();
  }
}

// A missing file is refused with its path.
TEST(SubscriberStore, MissingFileNamesThePath) {
  core::ManualClock clock(kNow);
  try {
    SubscriberStore::from_yaml_file("/nonexistent/subscribers.yaml", clock);
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/subscribers.yaml: cannot open file");
  }
}

// The phone number check is exactly CAMARA's ^\+[1-9][0-9]{4,14}$.
TEST(ValidPhoneNumber, MatchesTheCamaraPattern) {
  EXPECT_TRUE(valid_phone_number("+12345"));
  EXPECT_TRUE(valid_phone_number("+123456789012345"));
  EXPECT_FALSE(valid_phone_number("+1234"));
  EXPECT_FALSE(valid_phone_number("+1234567890123456"));
  EXPECT_FALSE(valid_phone_number("+0234567"));
  EXPECT_FALSE(valid_phone_number("34600000001"));
  EXPECT_FALSE(valid_phone_number("+3460000000a"));
  EXPECT_FALSE(valid_phone_number("+34 600000001"));
  EXPECT_FALSE(valid_phone_number(""));
}

}  // namespace
}  // namespace tollgate::network
