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
    {.name = "QOS_E",
     .description =
         "Real-time interactive traffic (voice, video calls, cloud gaming): low latency and jitter",
     .status = Status::kActive,
     .countries = kSpainFrance,
     .target_min_upstream = {2, "Mbps"},
     .max_upstream = {20, "Mbps"},
     .target_min_downstream = {10, "Mbps"},
     .max_downstream = {100, "Mbps"},
     .min_duration = {1, "Seconds"},
     .max_duration = {24, "Hours"},
     .priority = 10,
     .packet_delay_budget = {50, "Milliseconds"},
     .jitter = {10, "Milliseconds"},
     .packet_error_loss_rate = 3,
     .l4s_queue_type = "l4s-queue",
     .service_class = "real_time_interactive"},
    {.name = "QOS_S",
     .description = "Standard video streaming: stable throughput",
     .status = Status::kActive,
     .countries = kSpain,
     .target_min_upstream = {1, "Mbps"},
     .max_upstream = {10, "Mbps"},
     .target_min_downstream = {5, "Mbps"},
     .max_downstream = {50, "Mbps"},
     .min_duration = {1, "Seconds"},
     .max_duration = {24, "Hours"},
     .priority = 40,
     .packet_delay_budget = {150, "Milliseconds"},
     .jitter = {30, "Milliseconds"},
     .packet_error_loss_rate = 4,
     .l4s_queue_type = "mixed-queue",
     .service_class = "multimedia_streaming"},
    {.name = "QOS_M",
     .description = "Medium: live broadcast uplink",
     .status = Status::kActive,
     .countries = kSpain,
     .target_min_upstream = {5, "Mbps"},
     .max_upstream = {50, "Mbps"},
     .target_min_downstream = {5, "Mbps"},
     .max_downstream = {50, "Mbps"},
     .min_duration = {1, "Seconds"},
     .max_duration = {3600, "Seconds"},
     .priority = 30,
     .packet_delay_budget = {100, "Milliseconds"},
     .jitter = {20, "Milliseconds"},
     .packet_error_loss_rate = 4,
     .l4s_queue_type = "mixed-queue",
     .service_class = "broadcast_video"},
    {.name = "QOS_L",
     .description = "Large: high-throughput bulk transfers",
     .status = Status::kActive,
     .countries = kSpain,
     .target_min_upstream = {10, "Mbps"},
     .max_upstream = {100, "Mbps"},
     .target_min_downstream = {25, "Mbps"},
     .max_downstream = {500, "Mbps"},
     .min_duration = {10, "Seconds"},
     .max_duration = {2, "Hours"},
     .priority = 20,
     .packet_delay_budget = {300, "Milliseconds"},
     .jitter = {50, "Milliseconds"},
     .packet_error_loss_rate = 5,
     .l4s_queue_type = "non-l4s-queue",
     .service_class = "high_throughput_data"},
    {.name = "QOS_LEGACY",
     .description = "Superseded by QOS_S; kept for sessions created before",
     .status = Status::kDeprecated,
     .countries = kSpain,
     .target_min_upstream = {1, "Mbps"},
     .max_upstream = {5, "Mbps"},
     .target_min_downstream = {2, "Mbps"},
     .max_downstream = {20, "Mbps"},
     .min_duration = {1, "Seconds"},
     .max_duration = {24, "Hours"},
     .priority = 60,
     .packet_delay_budget = {200, "Milliseconds"},
     .jitter = {40, "Milliseconds"},
     .packet_error_loss_rate = 4,
     .l4s_queue_type = "non-l4s-queue",
     .service_class = "standard"},
    {.name = "QOS_PREMIUM",
     .description = "Premium low latency; not offered at the moment",
     .status = Status::kInactive,
     .countries = kSpain,
     .target_min_upstream = {20, "Mbps"},
     .max_upstream = {100, "Mbps"},
     .target_min_downstream = {50, "Mbps"},
     .max_downstream = {1, "Gbps"},
     .min_duration = {1, "Seconds"},
     .max_duration = {24, "Hours"},
     .priority = 5,
     .packet_delay_budget = {20, "Milliseconds"},
     .jitter = {5, "Milliseconds"},
     .packet_error_loss_rate = 2,
     .l4s_queue_type = "l4s-queue",
     .service_class = "microsoft_voice"},
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
