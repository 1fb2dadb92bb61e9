#include "network/device_reachability_status.h"

#include "network/device.h"
#include "network/rfc3339.h"

namespace tollgate::network::device_reachability_status {

ApiResult retrieve(const ApiRequest& request) {
  auto body = parse_body(request.body);
  if (!body) return std::unexpected(body.error());
  auto device = parse_device(*body, RangeCode::kInvalidArgument);
  if (!device) return std::unexpected(device.error());
  auto id = identify_device(*device, request, Api::kDeviceReachabilityStatus);
  if (!id) return std::unexpected(id.error());

  const Subscriber& s = *id->subscriber;
  boost::json::object out;
  if (id->device) out["device"] = std::move(*id->device);
  out["lastStatusTime"] = format_rfc3339(request.clock.now());
  out["reachable"] = s.reachable();
  if (s.reachable()) {
    boost::json::array connectivity;
    if (s.reachable_data) connectivity.emplace_back("DATA");
    if (s.reachable_sms) connectivity.emplace_back("SMS");
    out["connectivity"] = std::move(connectivity);
  }
  return ApiReply{200, std::move(out)};
}

}  // namespace tollgate::network::device_reachability_status
