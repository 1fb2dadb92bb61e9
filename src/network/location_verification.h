// location_verification.h — CAMARA Location Verification v3.0.0
// (../shared/camara/specs/location-verification.yaml), base path
// /location-verification/v3, scope location-verification:verify.
//
// POST /verify {device?, area: {areaType: "CIRCLE", center: {latitude, longitude},
// radius}, maxAge?} → 200 {verificationResult, lastLocationTime, matchRate?, device?}.
//
// The network's estimate of the device's position is its accuracy circle (subscribers.h).
// Against the requested circle:
//   TRUE     the accuracy circle lies entirely inside the requested one;
//   FALSE    the two do not overlap at all (touching counts as not overlapping);
//   PARTIAL  otherwise (partial overlap, or the accuracy circle contains the requested
//            one), with matchRate = the share of the accuracy circle's area inside the
//            requested circle (the probability that the device is in the area, for a
//            position uniformly distributed in its accuracy circle), in percent,
//            rounded and clamped to 1..99.
//
// Validation (400): area is required; areaType must be "CIRCLE" (the only value of this
// version's AreaType enum); latitude/longitude/radius are JSON numbers (a string or
// null is INVALID_ARGUMENT); latitude outside -90..90, longitude outside -180..180 or
// radius below 1 → OUT_OF_RANGE; maxAge is an integer (seconds) and, being an age,
// not negative (OUT_OF_RANGE). Unknown members are allowed (no additionalProperties).
//
// Then, in this order: the identification codes of device.h; 422
// LOCATION_VERIFICATION.INVALID_AREA when the radius is below kMinRadiusM (this
// operator's privacy floor); 422 LOCATION_VERIFICATION.AREA_NOT_COVERED when the
// circle's center is outside the coverage box (kCoverage*); no known location → 422
// LOCATION_VERIFICATION.UNABLE_TO_FULFILL_MAX_AGE when maxAge was given ("older than
// maxAge or not known at all"), else 422 LOCATION_VERIFICATION.UNABLE_TO_LOCATE; a
// location older than maxAge seconds → 422 LOCATION_VERIFICATION.UNABLE_TO_FULFILL_MAX_AGE
// (maxAge 0 asks for a fresh location: only reachable devices have one).
#pragma once

#include "network/api.h"

namespace tollgate::network::location_verification {

// Smaller circles would let a partner pin a device down to a building.
inline constexpr double kMinRadiusM = 100;
// Where this operator (and its roaming partners) can locate devices: Europe, from the
// Canary Islands and the Azores to the Urals' foothills, as a latitude/longitude box.
inline constexpr double kCoverageMinLatitude = 27.0;
inline constexpr double kCoverageMaxLatitude = 72.0;
inline constexpr double kCoverageMinLongitude = -32.0;
inline constexpr double kCoverageMaxLongitude = 45.0;

ApiResult verify(const ApiRequest& request);

// maxAge seconds as a duration; ages beyond a century count as a century ("any age").
std::chrono::microseconds max_age_limit(std::int64_t max_age_s);

}  // namespace tollgate::network::location_verification
