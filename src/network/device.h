// device.h — the CAMARA `Device` object (Commonalities 0.6, the same schema in
// every device-based API) and the subject identification rules that go with it.
//
// Schema (request): an object with minProperties 1 and the optional members
//   phoneNumber              string ^\+[1-9][0-9]{4,14}$
//   networkAccessIdentifier  string (in the schema, not yet allowed by CAMARA)
//   ipv4Address              {publicAddress: ipv4, privateAddress?: ipv4, publicPort?: 0..65535}
//                            with publicAddress plus privateAddress and/or publicPort
//   ipv6Address              string, format ipv6
// Other members are allowed by the schema (no additionalProperties) and ignored.
//
// Identification (each API's "Identifying the device from the access token"):
//   3-legged token: a `device` → 422 UNNECESSARY_IDENTIFIER (even when it is the same
//     device); the token's subscriber, or 422 MISSING_IDENTIFIER when the gateway could
//     not resolve one.
//   2-legged token: no `device` → 422 MISSING_IDENTIFIER. This operator supports
//     phoneNumber, ipv4Address (the handset's public address; this network does no
//     NAT, so the public address is the handset's own and privateAddress/publicPort
//     only satisfy the schema) and ipv6Address (any address in the handset's /64).
//     With several, the first of that order is used and echoed, and the others are
//     ignored even if they name another device (the spec forbids failing on that).
//     Only networkAccessIdentifier or only unknown members → 422
//     UNSUPPORTED_IDENTIFIER. Not a subscriber → 404 IDENTIFIER_NOT_FOUND.
//   Either way: the API in the subscriber's not_applicable set → 422
//     SERVICE_NOT_APPLICABLE.
// The response echoes, for 2-legged requests only, a DeviceResponse: exactly the one
// identifier used, with the value as sent.
#pragma once

#include "network/api.h"

namespace tollgate::network {

struct DeviceInput {
  enum class Kind { kPhoneNumber, kIpv4, kIpv6 };
  std::optional<Kind> chosen;  // nullopt: no supported identifier
  std::string lookup_key;      // MSISDN or IP address for the chosen identifier
  boost::json::object echo;    // {"<chosen>": <value as sent>}
};

// The optional `device` member of `body`: absent → nullopt. Not an object, `{}`, or a
// member violating its schema → 400 INVALID_ARGUMENT; publicPort outside 0..65535 →
// range_error(code).
std::expected<std::optional<DeviceInput>, ApiError> parse_device(const boost::json::object& body,
                                                                 RangeCode code);

struct Identified {
  const Subscriber* subscriber = nullptr;
  std::optional<boost::json::object> device;  // the DeviceResponse to echo (2-legged only)
};

// The subject per the rules above.
std::expected<Identified, ApiError> identify_device(const std::optional<DeviceInput>& device,
                                                    const ApiRequest& request, Api api);

}  // namespace tollgate::network
