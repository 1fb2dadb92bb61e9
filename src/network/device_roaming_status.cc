#include "network/device_roaming_status.h"

#include "network/device.h"
#include "network/rfc3339.h"

namespace tollgate::network::device_roaming_status {

ApiResult retrieve(const ApiRequest& request) {
  auto body = parse_body(request.body);
  if (!body) return std::unexpected(body.error());
  auto device = parse_device(*body, RangeCode::kInvalidArgument);
  if (!device) return std::unexpected(device.error());
  auto id = identify_device(*device, request, Api::kDeviceRoamingStatus);
  if (!id) return std::unexpected(id.error());

  const Subscriber& s = *id->subscriber;
  boost::json::object out;
  if (id->device) out["device"] = std::move(*id->device);
  out["lastStatusTime"] = format_rfc3339(request.clock.now());
  out["roaming"] = s.roaming.has_value();
  if (s.roaming) {
    out["countryCode"] = s.roaming->mcc;
    boost::json::array names;
    for (const auto& n : s.roaming->country_names) names.emplace_back(n);
    out["countryName"] = std::move(names);
  }
  return ApiReply{200, std::move(out)};
}

}  // namespace tollgate::network::device_roaming_status
