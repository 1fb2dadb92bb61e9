// device_roaming_status.h — CAMARA Device Roaming Status v1.1.0
// (../shared/camara/specs/device-roaming-status.yaml), base path
// /device-roaming-status/v1, scope device-roaming-status:read.
//
// POST /retrieve {device?} → 200 {device?, lastStatusTime, roaming, countryCode?,
// countryName?}: when roaming, countryCode is the visited network's MCC and countryName
// the ISO 3166 alpha-2 codes mapped to it; both are omitted at home. lastStatusTime is
// now (the simulated network knows the status live).
// Errors: as device_reachability_status.h.
#pragma once

#include "network/api.h"

namespace tollgate::network::device_roaming_status {

ApiResult retrieve(const ApiRequest& request);

}  // namespace tollgate::network::device_roaming_status
