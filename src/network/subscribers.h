// subscribers.h — the simulated operator's subscriber register: one record per
// MSISDN with what the CAMARA APIs answer from (SIM dates, location, roaming,
// reachability, handset IP for network-based authentication, KYC attributes,
// the APIs a subscription is not eligible for).
//
// A SubscriberStore is built once (demo set, YAML seed file, generated
// population, or a vector) and is immutable afterwards: share it as
// std::shared_ptr<const SubscriberStore>; reads from any number of threads need
// no lock. Pointers it returns live as long as the store.
//
// Construction validates and throws catalog::ConfigError (start-up only): bad or
// duplicate MSISDN, duplicate handset IP (or two IPv6 handsets in one /64),
// coordinates out of range, unknown keys.
//
// ## The demo set (public; every test and document uses it), relative to `now`
//   +34600000001  activated 730 days ago, SIM swapped 48 h ago; at 40.4168, -3.7038
//                 (Madrid, 100 m); not roaming; reachable by DATA and SMS; handset 127.0.0.1
//   +34600000002  activated 400 days ago, never swapped; at 41.3874, 2.1686 (Barcelona,
//                 100 m); not roaming; reachable by SMS only; handset 127.0.0.2
//   +34600000003  activated 1000 days ago, SIM swapped 30 days ago; last located 2 h ago
//                 at 48.8566, 2.3522 (Paris, 1000 m, reported as a polygon by the visited
//                 network); roaming in France (MCC 208, ["FR"]); not reachable;
//                 handset 127.0.0.3
//   +34600000999  not a subscriber (404 IDENTIFIER_NOT_FOUND)
// +34600000003's swap 30 days (720 h) ago is our choice: it gives SIM swap `maxAge` a
// middle case (false at the default 240 h, true from 720 h up to 2400 h). Its location
// 2 h old (a device that is not reachable cannot be located afresh) gives the location
// APIs' `maxAge` a case that cannot be fulfilled.
//
// ## Location model
// A reachable device (DATA or SMS) is located on request: its last location time is
// "now". A device that is not reachable reports the position it had when last located
// (`located`). A subscriber without `location` cannot be located at all.
//
// ## Seed file format (examples/subscribers.yaml is the demo set)
//   subscribers:
//     - msisdn: "+34600000001"             # required, ^\+[1-9][0-9]{4,14}$, unique
//       sim_activated: 730d ago            # required; a time (below)
//       sim_changed: 48h ago               # optional: the latest SIM swap
//       location:                          # optional; absent = cannot be located
//         { latitude: 40.4168, longitude: -3.7038, accuracy_m: 100,
//           shape: CIRCLE,                 # optional, CIRCLE (default) or POLYGON
//           located: 2h ago }              # optional time, default: the load time
//       roaming: { mcc: 208, country_names: [FR] }   # optional; absent = at home
//       reachable: [DATA, SMS]             # optional; absent or [] = not reachable
//       handset_ip: 127.0.0.1              # required, unique (IPv6: unique /64)
//       kyc: { givenName: Ana, familyName: García }  # optional; CAMARA KYC Match field names
//       not_applicable: [kyc-match]        # optional: CAMARA API names this subscription
//                                          # is not eligible for (422 SERVICE_NOT_APPLICABLE)
// A time is "now", "<N><unit> ago" (unit s, m, h or d; "48h ago", "730d ago"),
// relative to the clock at load, or an absolute RFC 3339 date-time
// ("2024-09-18T07:37:53Z", "2024-09-18T09:37:53+02:00"). Unknown keys are refused.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"

namespace tollgate::network {

// The CAMARA APIs the network role serves (names are the APIs' base-path names).
enum class Api : std::uint8_t {
  kNumberVerification,
  kSimSwap,
  kLocationVerification,
  kLocationRetrieval,
  kQualityOnDemand,
  kQosProfiles,
  kDeviceReachabilityStatus,
  kDeviceRoamingStatus,
  kKycMatch,
};
inline constexpr std::size_t kApiCount = 9;
std::string_view api_name(Api api);  // "number-verification", "sim-swap", ...
std::optional<Api> api_from_name(std::string_view name);

// A set of APIs as a bit mask (bit i = Api value i).
class ApiSet {
 public:
  constexpr ApiSet() = default;
  constexpr bool contains(Api a) const { return (bits_ >> static_cast<unsigned>(a)) & 1u; }
  constexpr void insert(Api a) {
    bits_ = static_cast<std::uint16_t>(bits_ | (1u << static_cast<unsigned>(a)));
  }
  constexpr bool empty() const { return bits_ == 0; }
  bool operator==(const ApiSet&) const = default;

 private:
  std::uint16_t bits_ = 0;
};

enum class AreaShape : std::uint8_t {
  kCircle,   // Location Retrieval answers a CIRCLE (center, radius = accuracy)
  kPolygon,  // ... a POLYGON: the regular hexagon circumscribing the accuracy circle
};

struct Location {
  double latitude = 0;    // degrees, -90..90
  double longitude = 0;   // degrees, -180..180
  double accuracy_m = 0;  // radius of the uncertainty circle, meters, >= 1
  AreaShape shape = AreaShape::kCircle;
  core::TimePoint located_at{};  // when last located (matters only when not reachable)
  bool operator==(const Location&) const = default;
};

struct Roaming {
  int mcc = 0;  // visited network's Mobile Country Code (CAMARA countryCode)
  std::vector<std::string> country_names;  // ISO 3166-1 alpha-2 (CAMARA countryName)
  bool operator==(const Roaming&) const = default;
};

struct Subscriber {
  std::string msisdn;  // +E.164
  core::TimePoint sim_activated;
  std::optional<core::TimePoint> sim_changed;  // latest SIM swap, if any
  std::optional<Location> location;            // nullopt: the network cannot locate it
  std::optional<Roaming> roaming;              // nullopt: at home
  bool reachable_data = false;
  bool reachable_sms = false;
  ApiSet not_applicable;                   // APIs this subscription is not eligible for
  std::string handset_ip;                  // canonical text form (IPv4 dotted, IPv6 compressed)
  std::map<std::string, std::string> kyc;  // CAMARA KYC Match request field name → value

  // The latest time this MSISDN was bound to a new SIM: the latest swap, else the
  // activation ("New subscription is considered as a SIM swap as well", sim-swap.yaml).
  core::TimePoint latest_sim_change() const { return sim_changed.value_or(sim_activated); }
  bool reachable() const { return reachable_data || reachable_sms; }
  // When the network last located it: now for a reachable device (located on
  // request), else location->located_at. REQUIRES: location.
  core::TimePoint last_location_time(core::TimePoint now) const {
    return reachable() ? now : location->located_at;
  }
  bool operator==(const Subscriber&) const = default;
};

// ^\+[1-9][0-9]{4,14}$ (CAMARA PhoneNumber).
bool valid_phone_number(std::string_view s);

class SubscriberStore {
 public:
  // The largest store: indexes are 32-bit.
  static constexpr std::size_t kMaxSubscribers = 100'000'000;
  // The largest generated population: MSISDNs +34610000000.. and handset IPs 10.0.0.0/8.
  static constexpr std::size_t kMaxGenerated = 16'000'000;

  // Validates every record (see the file comment); throws catalog::ConfigError.
  explicit SubscriberStore(std::vector<Subscriber> subscribers);
  // The indexes refer to subscribers_ by position: a store never moves or copies.
  SubscriberStore(const SubscriberStore&) = delete;
  SubscriberStore& operator=(const SubscriberStore&) = delete;

  // The documented demo set, with times relative to clock.now().
  static std::shared_ptr<const SubscriberStore> demo(const core::Clock& clock);
  static std::vector<Subscriber> demo_subscribers(core::TimePoint now);
  // A seed file in the format above; relative times are taken from clock.now().
  static std::shared_ptr<const SubscriberStore> from_yaml_file(const std::string& path,
                                                               const core::Clock& clock);
  static std::shared_ptr<const SubscriberStore> from_yaml_string(const std::string& text,
                                                                 const core::Clock& clock);
  static std::vector<Subscriber> parse_yaml_file(const std::string& path, core::TimePoint now);

  // A deterministic synthetic population for load tests: subscriber i (0 <= i < n) is
  // +34 610000000+i with handset 10.x.y.z (x.y.z = i in base 256) and attributes drawn
  // from a PRNG seeded with (seed, i): the same (n, seed, now) always gives the same
  // records. Activated 30..1825 days ago; 5 % swapped within the last 30 days; located
  // in mainland Spain with 50..2000 m accuracy (1 in 10 reported as a polygon); 85 %
  // reachable by DATA and SMS, 10 % by SMS only, 5 % not reachable; 3 % roaming in
  // FR/DE/IT/GB. No KYC data (it would dominate the memory). REQUIRES: n <= kMaxGenerated.
  static std::vector<Subscriber> generate_population(std::size_t n, std::uint64_t seed,
                                                     core::TimePoint now);
  static std::shared_ptr<const SubscriberStore> generate(std::size_t n, std::uint64_t seed,
                                                         const core::Clock& clock);

  // nullptr when unknown. `msisdn` is compared exactly (+E.164).
  const Subscriber* find_by_msisdn(std::string_view msisdn) const;
  // `ip` in any textual form (IPv4-mapped IPv6 counts as the IPv4 address); an IPv6
  // address also finds the handset whose address is in the same /64 (CAMARA: "any
  // single IPv6 address from within the subnet allocated to the device"). nullptr when
  // unknown or not an IP address.
  const Subscriber* find_by_ip(std::string_view ip) const;

  const std::vector<Subscriber>& all() const { return subscribers_; }
  std::size_t size() const { return subscribers_.size(); }

 private:
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;
  // Open addressing with linear probing over positions in subscribers_: 4 bytes a
  // slot at a load factor <= 1/2, i.e. 8 bytes per subscriber per index, where an
  // unordered_map would spend ~56 (node + bucket). Matters at a million subscribers.
  using Table = std::vector<std::uint32_t>;
  template <class KeyOf>
  static bool table_insert(Table& table, std::string_view key, std::uint32_t pos, KeyOf key_of);
  template <class KeyOf>
  static std::uint32_t table_find(const Table& table, std::string_view key, KeyOf key_of);

  std::vector<Subscriber> subscribers_;
  Table by_msisdn_;
  Table by_ip_;
  std::unordered_map<std::uint64_t, std::uint32_t> by_ipv6_prefix_;  // /64 → position
};

// "127.0.0.1", "::ffff:127.0.0.1" → "127.0.0.1"; nullopt when not an IP address.
std::optional<std::string> canonical_ip(std::string_view ip);

}  // namespace tollgate::network
