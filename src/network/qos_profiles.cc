#include "network/qos_profiles.h"

#include <algorithm>
#include <array>

#include "network/device.h"

namespace tollgate::network::qos_profiles {
namespace {

constexpr std::array<std::string_view, 2> kSpainFrance = {"ES", "FR"};
constexpr std::array<std::string_view, 1> kSpain = {"ES"};

// The operator's profiles. Durations: QOS_L needs at least 10 s and QOS_M allows at most
// an hour, so the duration rules have cases on both sides.
const std::array<Profile, 6> kProfiles = {{
    {"QOS_E", "Real-time interactive traffic (voice, video calls, cloud gaming): low latency and jitter",
     Status::kActive, kSpainFrance, {2, "Mbps"}, {20, "Mbps"}, {10, "Mbps"}, {100, "Mbps"},
     {1, "Seconds"}, {24, "Hours"}, 10, {50, "Milliseconds"}, {10, "Milliseconds"}, 3,
     "l4s-queue", "real_time_interactive"},
    {"QOS_S", "Standard video streaming: stable throughput",
     Status::kActive, kSpain, {1, "Mbps"}, {10, "Mbps"}, {5, "Mbps"}, {50, "Mbps"},
     {1, "Seconds"}, {24, "Hours"}, 40, {150, "Milliseconds"}, {30, "Milliseconds"}, 4,
     "mixed-queue", "multimedia_streaming"},
    {"QOS_M", "Medium: live broadcast uplink",
     Status::kActive, kSpain, {5, "Mbps"}, {50, "Mbps"}, {5, "Mbps"}, {50, "Mbps"},
     {1, "Seconds"}, {3600, "Seconds"}, 30, {100, "Milliseconds"}, {20, "Milliseconds"}, 4,
     "mixed-queue", "broadcast_video"},
    {"QOS_L", "Large: high-throughput bulk transfers",
     Status::kActive, kSpain, {10, "Mbps"}, {100, "Mbps"}, {25, "Mbps"}, {500, "Mbps"},
     {10, "Seconds"}, {2, "Hours"}, 20, {300, "Milliseconds"}, {50, "Milliseconds"}, 5,
     "non-l4s-queue", "high_throughput_data"},
    {"QOS_LEGACY", "Superseded by QOS_S; kept for sessions created before",
     Status::kDeprecated, kSpain, {1, "Mbps"}, {5, "Mbps"}, {2, "Mbps"}, {20, "Mbps"},
     {1, "Seconds"}, {24, "Hours"}, 60, {200, "Milliseconds"}, {40, "Milliseconds"}, 4,
     "non-l4s-queue", "standard"},
    {"QOS_PREMIUM", "Premium low latency; not offered at the moment",
     Status::kInactive, kSpain, {20, "Mbps"}, {100, "Mbps"}, {50, "Mbps"}, {1, "Gbps"},
     {1, "Seconds"}, {24, "Hours"}, 5, {20, "Milliseconds"}, {5, "Milliseconds"}, 2,
     "l4s-queue", "microsoft_voice"},
}};

std::int64_t seconds_of(const Duration& d) {
  if (d.unit == "Hours") return static_cast<std::int64_t>(d.value) * 3600;
  if (d.unit == "Minutes") return static_cast<std::int64_t>(d.value) * 60;
  if (d.unit == "Days") return static_cast<std::int64_t>(d.value) * 86400;
  return d.value;  // Seconds (the table uses no smaller unit for session durations)
}

boost::json::object json_of(const Rate& r) { return {{"value", r.value}, {"unit", r.unit}}; }
boost::json::object json_of(const Duration& d) { return {{"value", d.value}, {"unit", d.unit}}; }

std::optional<Status> status_from(std::string_view s) {
  if (s == "ACTIVE") return Status::kActive;
  if (s == "INACTIVE") return Status::kInactive;
  if (s == "DEPRECATED") return Status::kDeprecated;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Status s) {
  switch (s) {
    case Status::kActive:
      return "ACTIVE";
    case Status::kInactive:
      return "INACTIVE";
    case Status::kDeprecated:
      return "DEPRECATED";
  }
  return "INACTIVE";
}

std::int64_t Profile::min_duration_s() const { return seconds_of(min_duration); }
std::int64_t Profile::max_duration_s() const { return seconds_of(max_duration); }

bool Profile::available_in(std::span<const std::string> device_countries) const {
  return std::any_of(device_countries.begin(), device_countries.end(), [&](const std::string& c) {
    return std::find(countries.begin(), countries.end(), c) != countries.end();
  });
}

std::span<const Profile> all() { return kProfiles; }

const Profile* find(std::string_view name) {
  for (const auto& p : kProfiles)
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<std::string> countries_of(const Subscriber& s) {
  if (s.roaming) return s.roaming->country_names;
  return {std::string(kHomeCountry)};
}

bool valid_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 256) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

boost::json::object to_json(const Profile& p) {
  boost::json::array countries;
  for (auto c : p.countries) countries.push_back(boost::json::object{{"countryName", c}});
  return {{"name", p.name},
          {"description", p.description},
          {"status", to_string(p.status)},
          {"countryAvailability", std::move(countries)},
          {"targetMinUpstreamRate", json_of(p.target_min_upstream)},
          {"maxUpstreamRate", json_of(p.max_upstream)},
          {"targetMinDownstreamRate", json_of(p.target_min_downstream)},
          {"maxDownstreamRate", json_of(p.max_downstream)},
          {"minDuration", json_of(p.min_duration)},
          {"maxDuration", json_of(p.max_duration)},
          {"priority", p.priority},
          {"packetDelayBudget", json_of(p.packet_delay_budget)},
          {"jitter", json_of(p.jitter)},
          {"packetErrorLossRate", p.packet_error_loss_rate},
          {"l4sQueueType", p.l4s_queue_type},
          {"serviceClass", p.service_class}};
}

ApiResult retrieve(const ApiRequest& request) {
  auto body = parse_body(request.body);
  if (!body) return std::unexpected(body.error());
  auto device = parse_device(*body, RangeCode::kOutOfRange);
  if (!device) return std::unexpected(device.error());
  auto name = optional_string(*body, "name");
  if (!name) return std::unexpected(name.error());
  if (*name && !valid_name(**name)) return std::unexpected(errors::invalid_argument());
  auto status_text = optional_string(*body, "status");
  if (!status_text) return std::unexpected(status_text.error());
  std::optional<Status> status;
  if (*status_text) {
    status = status_from(**status_text);
    if (!status) return std::unexpected(errors::invalid_argument());
  }

  // The device filter: optional with a 2-legged token, the token's subscriber otherwise.
  std::optional<std::vector<std::string>> countries;
  if (request.identity.token_type == TokenType::kThreeLegged || *device) {
    auto id = identify_device(*device, request, Api::kQosProfiles);
    if (!id) {
      if (id.error().code == "SERVICE_NOT_APPLICABLE") return ApiReply{200, boost::json::array{}};
      return std::unexpected(id.error());
    }
    if (id->subscriber->not_applicable.contains(Api::kQualityOnDemand))
      return ApiReply{200, boost::json::array{}};
    countries = countries_of(*id->subscriber);
  }

  boost::json::array out;
  for (const Profile& p : kProfiles) {
    if (*name && p.name != **name) continue;
    if (status && p.status != *status) continue;
    if (countries && !p.available_in(*countries)) continue;
    out.push_back(to_json(p));
  }
  return ApiReply{200, std::move(out)};
}

ApiResult get(const ApiRequest& request) {
  if (!valid_name(request.path_param)) return std::unexpected(errors::invalid_argument());
  const Profile* p = find(request.path_param);
  if (p == nullptr) return std::unexpected(errors::not_found());
  if (request.identity.token_type == TokenType::kThreeLegged) {
    // "a QoS Profile is only returned if available to all subjects associated with the token"
    const Subscriber* s = request.identity.subscriber
                              ? request.subscribers.find_by_msisdn(*request.identity.subscriber)
                              : nullptr;
    if (s == nullptr || s->not_applicable.contains(Api::kQosProfiles) ||
        s->not_applicable.contains(Api::kQualityOnDemand) || !p->available_in(countries_of(*s)))
      return std::unexpected(errors::not_found());
  }
  return ApiReply{200, to_json(*p)};
}

}  // namespace tollgate::network::qos_profiles
