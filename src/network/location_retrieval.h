// location_retrieval.h — CAMARA Location Retrieval v0.5.0
// (../shared/camara/specs/location-retrieval.yaml), base path
// /location-retrieval/v0.5, scope location-retrieval:read.
//
// POST /retrieve {device?, maxAge?, maxSurface?} → 200 {lastLocationTime, area, device?}:
// `area` is the network's estimate of the device's position, as the subscriber's record
// says it is reported (subscribers.h): a CIRCLE {center, radius = accuracy}, or a
// POLYGON whose boundary is the regular hexagon circumscribing that circle (6 points).
//
// Validation (400 INVALID_ARGUMENT — this spec lists no OUT_OF_RANGE): maxAge an integer
// >= 0 (seconds; 0 asks for a fresh location), maxSurface an integer >= 1 (m²).
// Then: the identification codes of device.h; no known location → 422
// LOCATION_RETRIEVAL.UNABLE_TO_LOCATE; a location older than maxAge → 422
// LOCATION_RETRIEVAL.UNABLE_TO_FULFILL_MAX_AGE; an area larger than maxSurface (circle
// π·r², hexagon 2·√3·r²) → 422 LOCATION_RETRIEVAL.UNABLE_TO_FULFILL_MAX_SURFACE (when
// both fail, the spec lets us answer either: maxAge is checked first).
#pragma once

#include "network/api.h"

namespace tollgate::network::location_retrieval {

ApiResult retrieve(const ApiRequest& request);

}  // namespace tollgate::network::location_retrieval
