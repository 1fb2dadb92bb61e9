// subscribers.h — the simulated operator's subscriber register: one record per
// MSISDN with what the CAMARA APIs answer from (SIM dates, location, roaming,
// reachability, handset IP for network-based authentication, KYC attributes).
//
// A SubscriberStore is built once (demo set, YAML seed file, or a vector) and is
// immutable afterwards: share it as std::shared_ptr<const SubscriberStore>; reads
// from any number of threads need no lock. Pointers it returns live as long as
// the store.
//
// Construction validates and throws catalog::ConfigError (start-up only): bad or
// duplicate MSISDN, duplicate handset IP, coordinates out of range, unknown keys.
//
// ## The demo set (public; every test and document uses it), relative to `now`
//   +34600000001  activated 730 days ago, SIM swapped 48 h ago; at 40.4168, -3.7038
//                 (Madrid, 100 m); not roaming; reachable by DATA and SMS; handset 127.0.0.1
//   +34600000002  activated 400 days ago, never swapped; at 41.3874, 2.1686 (Barcelona,
//                 100 m); not roaming; reachable by SMS only; handset 127.0.0.2
//   +34600000003  activated 1000 days ago, SIM swapped 30 days ago; at 48.8566, 2.3522
//                 (Paris, 1000 m); roaming in France (MCC 208, ["FR"]); not reachable;
//                 handset 127.0.0.3
//   +34600000999  not a subscriber (404 IDENTIFIER_NOT_FOUND)
// +34600000003's swap 30 days (720 h) ago is our choice: it gives SIM swap `maxAge` a
// middle case (false at the default 240 h, true from 720 h up to 2400 h).
//
// ## Seed file format (examples/subscribers.yaml is the demo set)
//   subscribers:
//     - msisdn: "+34600000001"             # required, ^\+[1-9][0-9]{4,14}$, unique
//       sim_activated: 730d ago            # required; a time (below)
//       sim_changed: 48h ago               # optional: the latest SIM swap
//       location: { latitude: 40.4168, longitude: -3.7038, accuracy_m: 100 }   # required
//       roaming: { mcc: 208, country_names: [FR] }   # optional; absent = at home
//       reachable: [DATA, SMS]             # optional; absent or [] = not reachable
//       handset_ip: 127.0.0.1              # required, unique
//       kyc: { givenName: Ana, familyName: García }  # optional; CAMARA KYC Match field names
// A time is "now", "<N><unit> ago" (unit s, m, h or d; "48h ago", "730d ago"),
// relative to the clock at load, or an absolute RFC 3339 date-time
// ("2024-09-18T07:37:53Z", "2024-09-18T09:37:53+02:00"). Unknown keys are refused.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"

namespace tollgate::network {

struct Location {
  double latitude = 0;    // degrees, -90..90
  double longitude = 0;   // degrees, -180..180
  double accuracy_m = 0;  // radius of the uncertainty circle, meters, > 0
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
  Location location;
  std::optional<Roaming> roaming;  // nullopt: at home
  bool reachable_data = false;
  bool reachable_sms = false;
  std::string handset_ip;                  // canonical text form (IPv4 dotted, IPv6 compressed)
  std::map<std::string, std::string> kyc;  // CAMARA KYC Match request field name → value

  // The latest time this MSISDN was bound to a new SIM: the latest swap, else the
  // activation ("New subscription is considered as a SIM swap as well", sim-swap.yaml).
  core::TimePoint latest_sim_change() const { return sim_changed.value_or(sim_activated); }
  bool operator==(const Subscriber&) const = default;
};

// ^\+[1-9][0-9]{4,14}$ (CAMARA PhoneNumber).
bool valid_phone_number(std::string_view s);

class SubscriberStore {
 public:
  // Validates every record (see the file comment); throws catalog::ConfigError.
  explicit SubscriberStore(std::vector<Subscriber> subscribers);
  // The indexes point into subscribers_: a store never moves or copies.
  SubscriberStore(const SubscriberStore&) = delete;
  SubscriberStore& operator=(const SubscriberStore&) = delete;

  // The documented demo set, with times relative to clock.now().
  static std::shared_ptr<const SubscriberStore> demo(const core::Clock& clock);
  // A seed file in the format above; relative times are taken from clock.now().
  static std::shared_ptr<const SubscriberStore> from_yaml_file(const std::string& path,
                                                               const core::Clock& clock);
  static std::shared_ptr<const SubscriberStore> from_yaml_string(const std::string& text,
                                                                 const core::Clock& clock);

  // nullptr when unknown. `msisdn` is compared exactly (+E.164).
  const Subscriber* find_by_msisdn(std::string_view msisdn) const;
  // `ip` in any textual form (IPv4-mapped IPv6 counts as the IPv4 address);
  // nullptr when unknown or not an IP address.
  const Subscriber* find_by_ip(std::string_view ip) const;

  const std::vector<Subscriber>& all() const { return subscribers_; }
  std::size_t size() const { return subscribers_.size(); }

 private:
  std::vector<Subscriber> subscribers_;
  std::unordered_map<std::string_view, std::size_t> by_msisdn_;  // views into subscribers_
  std::unordered_map<std::string_view, std::size_t> by_ip_;
};

// "127.0.0.1", "::ffff:127.0.0.1" → "127.0.0.1"; nullopt when not an IP address.
std::optional<std::string> canonical_ip(std::string_view ip);

}  // namespace tollgate::network
