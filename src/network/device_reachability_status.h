// device_reachability_status.h — CAMARA Device Reachability Status v1.1.0
// (../shared/camara/specs/device-reachability-status.yaml), base path
// /device-reachability-status/v1, scope device-reachability-status:read.
//
// POST /retrieve {device?} → 200 {device?, lastStatusTime, reachable, connectivity?}:
// `reachable` is true when the device is attached for DATA or SMS; `connectivity`
// lists those (DATA before SMS) and is omitted when not reachable. The simulated
// network knows the status live, so lastStatusTime is now.
// Errors: 400 INVALID_ARGUMENT (this spec lists no OUT_OF_RANGE, so a publicPort out of
// range is INVALID_ARGUMENT too); the identification codes of device.h. 503 UNAVAILABLE is
// documented but never produced by the simulation.
#pragma once

#include "network/api.h"

namespace tollgate::network::device_reachability_status {

ApiResult retrieve(const ApiRequest& request);

}  // namespace tollgate::network::device_reachability_status
