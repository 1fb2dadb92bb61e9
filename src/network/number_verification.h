// number_verification.h — CAMARA Number Verification v2.1.0
// (../shared/camara/specs/number-verification.yaml), base path /number-verification/v2.
// 3-legged only: the phone number always comes from the access token.
//
// POST /verify {phoneNumber | hashedPhoneNumber} (scope number-verification:verify)
//   → 200 {devicePhoneNumberVerified}: whether the number sent (plain +E.164, or the
//   SHA-256 hex of the +E.164 text, either case) is the token's subscriber's.
// GET /device-phone-number (scope number-verification:device-phone-number:read)
//   → 200 {devicePhoneNumber}.
//
// Validation first (400 INVALID_ARGUMENT): the body has exactly one member (the schema's
// minProperties/maxProperties 1), and it is phoneNumber (^\+[1-9][0-9]{4,14}$) or
// hashedPhoneNumber (^[a-fA-F0-9]{64}$); CAMARA's test plan refuses a lone unknown member.
// Then the token:
//   2-legged, or 3-legged without a resolvable subscriber → 403 PERMISSION_DENIED (this
//     API stands for one authenticated subscriber; a client-credentials token has none);
//   3-legged whose `amr` (x-tollgate-amr) holds no network-based method (kNetworkAmr),
//     absent amr included → 403 NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK;
//   a subscriber we do not know → 404 IDENTIFIER_NOT_FOUND; not eligible → 422
//     SERVICE_NOT_APPLICABLE (both from CAMARA_common: the spec's list is not exhaustive).
#pragma once

#include <array>

#include "network/api.h"

namespace tollgate::network::number_verification {

// RFC 8176-style `amr` values that mean the operator authenticated the subscriber by
// the mobile network itself (CAMARA ICM: "amr=nba/mnba"): network-based authentication
// and mobile network-based authentication.
inline constexpr std::array<std::string_view, 2> kNetworkAmr = {"nba", "mnba"};

ApiResult verify(const ApiRequest& request);
ApiResult device_phone_number(const ApiRequest& request);

}  // namespace tollgate::network::number_verification
