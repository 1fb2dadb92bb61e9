#include "network/location_verification.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "network/device.h"
#include "network/geo.h"
#include "network/rfc3339.h"

namespace tollgate::network::location_verification {
namespace {

ApiError area_error(std::string_view code, std::string message) {
  return {422, code, std::move(message)};
}

struct Circle {
  geo::Point center;
  double radius = 0;
};

// Area (Circle): {areaType: "CIRCLE", center: Point, radius >= 1}.
std::expected<Circle, ApiError> parse_area(const boost::json::object& body) {
  const auto* v = body.if_contains("area");
  if (v == nullptr || !v->is_object()) return std::unexpected(errors::invalid_argument());
  const auto& area = v->get_object();
  const auto* type = area.if_contains("areaType");
  if (type == nullptr || !type->is_string() || type->get_string() != "CIRCLE")
    return std::unexpected(errors::invalid_argument());
  const auto* center = area.if_contains("center");
  const auto* radius = area.if_contains("radius");
  if (center == nullptr || !center->is_object() || radius == nullptr)
    return std::unexpected(errors::invalid_argument());
  const auto* lat = center->get_object().if_contains("latitude");
  const auto* lon = center->get_object().if_contains("longitude");
  if (lat == nullptr || lon == nullptr) return std::unexpected(errors::invalid_argument());
  Circle c;
  auto la = number_value(*lat, -90, 90, RangeCode::kOutOfRange);
  if (!la) return std::unexpected(la.error());
  auto lo = number_value(*lon, -180, 180, RangeCode::kOutOfRange);
  if (!lo) return std::unexpected(lo.error());
  auto r = number_value(*radius, 1, std::numeric_limits<double>::max(), RangeCode::kOutOfRange);
  if (!r) return std::unexpected(r.error());
  c.center = {*la, *lo};
  c.radius = *r;
  return c;
}

}  // namespace

std::chrono::microseconds max_age_limit(std::int64_t max_age_s) {
  // Ages beyond a century are "any age"; the cap keeps the microsecond arithmetic exact.
  constexpr std::int64_t kCentury = 100LL * 366 * 86400;
  return std::chrono::seconds(std::min(max_age_s, kCentury));
}

ApiResult verify(const ApiRequest& request) {
  auto body = parse_body(request.body);
  if (!body) return std::unexpected(body.error());
  auto device = parse_device(*body, RangeCode::kOutOfRange);
  if (!device) return std::unexpected(device.error());
  auto area = parse_area(*body);
  if (!area) return std::unexpected(area.error());
  auto max_age = optional_integer(*body, "maxAge", 0, std::numeric_limits<std::int64_t>::max(),
                                  RangeCode::kOutOfRange);
  if (!max_age) return std::unexpected(max_age.error());
  auto id = identify_device(*device, request, Api::kLocationVerification);
  if (!id) return std::unexpected(id.error());

  if (area->radius < kMinRadiusM)
    return std::unexpected(
        area_error("LOCATION_VERIFICATION.INVALID_AREA", "The requested area is too small"));
  const geo::Point c = area->center;
  if (c.latitude < kCoverageMinLatitude || c.latitude > kCoverageMaxLatitude ||
      c.longitude < kCoverageMinLongitude || c.longitude > kCoverageMaxLongitude)
    return std::unexpected(
        area_error("LOCATION_VERIFICATION.AREA_NOT_COVERED", "Unable to cover the requested area"));

  const Subscriber& s = *id->subscriber;
  if (!s.location) {
    if (*max_age)
      return std::unexpected(area_error("LOCATION_VERIFICATION.UNABLE_TO_FULFILL_MAX_AGE",
                                        "Unable to provide expected freshness for location"));
    return std::unexpected(area_error("LOCATION_VERIFICATION.UNABLE_TO_LOCATE",
                                      "The network is unable to locate the device"));
  }
  const core::TimePoint now = request.clock.now();
  const core::TimePoint located = s.last_location_time(now);
  if (*max_age && now - located > max_age_limit(**max_age))
    return std::unexpected(area_error("LOCATION_VERIFICATION.UNABLE_TO_FULFILL_MAX_AGE",
                                      "Unable to provide expected freshness for location"));

  const geo::Point at{s.location->latitude, s.location->longitude};
  const double r = s.location->accuracy_m, big_r = area->radius;
  const double d = geo::distance_m(at, c);
  boost::json::object out;
  if (d + r <= big_r) {
    out["verificationResult"] = "TRUE";
  } else if (d >= r + big_r) {
    out["verificationResult"] = "FALSE";
  } else {
    const double share = geo::circle_overlap_area(r, big_r, d) / geo::circle_area(r);
    const double rate = std::clamp(std::round(100 * share), 1.0, 99.0);
    out["verificationResult"] = "PARTIAL";
    out["matchRate"] = static_cast<std::int64_t>(rate);
  }
  out["lastLocationTime"] = format_rfc3339(located);
  if (id->device) out["device"] = std::move(*id->device);
  return ApiReply{200, std::move(out)};
}

}  // namespace tollgate::network::location_verification
