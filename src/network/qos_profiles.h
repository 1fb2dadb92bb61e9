// qos_profiles.h — CAMARA QoS Profiles v1.1.0 (../shared/camara/specs/qos-profiles.yaml),
// base path /qos-profiles/v1, scope qos-profiles:read, and the profile table that
// Quality on Demand (quality_on_demand.h) creates sessions from.
//
// The profiles (kProfiles): QOS_E, QOS_S, QOS_M, QOS_L are ACTIVE; QOS_LEGACY is
// DEPRECATED and QOS_PREMIUM INACTIVE (both exist but cannot start a session). Each is
// available in the countries of its countryAvailability; a device can use a profile when
// the country it is in (its roaming countries, else kHomeCountry) is one of them.
//
// POST /retrieve-qos-profiles {device?, name?, status?} → 200 [QosProfile...]: the
//   profiles matching every filter given. `device` filters by availability (2-legged;
//   with a 3-legged token the token's subscriber is the filter and a `device` is 422
//   UNNECESSARY_IDENTIFIER); a device that is not eligible for QoD gets [] (CAMARA's
//   test plan). No match is an empty array, not an error.
// GET /qos-profiles/{name} → 200 QosProfile; a name outside the QosProfileName schema
//   (3..256 of [a-zA-Z0-9_.-]) → 400 INVALID_ARGUMENT; unknown, or (3-legged) not
//   available to the token's subscriber → 404 NOT_FOUND.
#pragma once

#include <span>

#include "network/api.h"

namespace tollgate::network::qos_profiles {

// This operator's home country (ISO 3166-1 alpha-2).
inline constexpr std::string_view kHomeCountry = "ES";

enum class Status { kActive, kInactive, kDeprecated };
std::string_view to_string(Status s);

struct Rate {
  int value = 0;          // 0..1024
  std::string_view unit;  // bps, kbps, Mbps, Gbps, Tbps
};

struct Duration {
  int value = 0;          // >= 1
  std::string_view unit;  // Days .. Nanoseconds (TimeUnitEnum)
};

struct Profile {
  std::string_view name;
  std::string_view description;
  Status status;
  std::span<const std::string_view> countries;  // countryAvailability
  Rate target_min_upstream, max_upstream, target_min_downstream, max_downstream;
  Duration min_duration, max_duration;  // in Seconds or Hours (whole seconds)
  int priority;                         // 1..100, lower is more important
  Duration packet_delay_budget, jitter;
  int packet_error_loss_rate;  // 1..10: loss rate 10^-n
  std::string_view l4s_queue_type, service_class;

  std::int64_t min_duration_s() const;
  std::int64_t max_duration_s() const;
  // Whether a device in `countries` (its roaming countries, or {kHomeCountry}) may use it.
  bool available_in(std::span<const std::string> device_countries) const;
};

std::span<const Profile> all();
const Profile* find(std::string_view name);
// The countries a subscriber is in: the visited network's, or the home country.
std::vector<std::string> countries_of(const Subscriber& s);
// ^[a-zA-Z0-9_.-]+$, 3..256 characters (QosProfileName).
bool valid_name(std::string_view name);
boost::json::object to_json(const Profile& p);

ApiResult retrieve(const ApiRequest& request);  // POST /retrieve-qos-profiles
ApiResult get(const ApiRequest& request);       // GET /qos-profiles/{name}

}  // namespace tollgate::network::qos_profiles
