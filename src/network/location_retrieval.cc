#include "network/location_retrieval.h"

#include <limits>

#include "network/device.h"
#include "network/geo.h"
#include "network/location_verification.h"
#include "network/rfc3339.h"

namespace tollgate::network::location_retrieval {
namespace {

ApiError unprocessable(std::string_view code, std::string message) {
  return {422, code, std::move(message)};
}

boost::json::object point(geo::Point p) {
  return {{"latitude", p.latitude}, {"longitude", p.longitude}};
}

}  // namespace

ApiResult retrieve(const ApiRequest& request) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  auto body = parse_body(request.body);
  if (!body) return std::unexpected(body.error());
  auto device = parse_device(*body, RangeCode::kInvalidArgument);
  if (!device) return std::unexpected(device.error());
  auto max_age = optional_integer(*body, "maxAge", 0, kMax, RangeCode::kInvalidArgument);
  if (!max_age) return std::unexpected(max_age.error());
  auto max_surface = optional_integer(*body, "maxSurface", 1, kMax, RangeCode::kInvalidArgument);
  if (!max_surface) return std::unexpected(max_surface.error());
  auto id = identify_device(*device, request, Api::kLocationRetrieval);
  if (!id) return std::unexpected(id.error());

  const Subscriber& s = *id->subscriber;
  if (!s.location)
    return std::unexpected(unprocessable("LOCATION_RETRIEVAL.UNABLE_TO_LOCATE",
                                         "The network is unable to locate the device"));
  const core::TimePoint now = request.clock.now();
  const core::TimePoint located = s.last_location_time(now);
  if (*max_age && now - located > location_verification::max_age_limit(**max_age))
    return std::unexpected(unprocessable("LOCATION_RETRIEVAL.UNABLE_TO_FULFILL_MAX_AGE",
                                         "Unable to provide expected freshness for location"));

  const Location& l = *s.location;
  const bool polygon = l.shape == AreaShape::kPolygon;
  const double surface =
      polygon ? geo::circumscribed_hexagon_area(l.accuracy_m) : geo::circle_area(l.accuracy_m);
  if (*max_surface && surface > static_cast<double>(**max_surface))
    return std::unexpected(
        unprocessable("LOCATION_RETRIEVAL.UNABLE_TO_FULFILL_MAX_SURFACE",
                      "Unable to provide accurate acceptable surface for location"));

  boost::json::object area;
  const geo::Point center{l.latitude, l.longitude};
  if (polygon) {
    area["areaType"] = "POLYGON";
    boost::json::array boundary;
    for (const auto& p : geo::circumscribed_hexagon(center, l.accuracy_m))
      boundary.push_back(point(p));
    area["boundary"] = std::move(boundary);
  } else {
    area["areaType"] = "CIRCLE";
    area["center"] = point(center);
    area["radius"] = l.accuracy_m;
  }
  boost::json::object out;
  out["lastLocationTime"] = format_rfc3339(located);
  out["area"] = std::move(area);
  if (id->device) out["device"] = std::move(*id->device);
  return ApiReply{200, std::move(out)};
}

}  // namespace tollgate::network::location_retrieval
