#include "network/number_verification.h"

#include <algorithm>

#include "core/crypto.h"

namespace tollgate::network::number_verification {
namespace {

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The subscriber the 3-legged, network-authenticated token stands for.
std::expected<const Subscriber*, ApiError> authenticated_subscriber(const ApiRequest& request) {
  const Identity& id = request.identity;
  if (id.token_type != TokenType::kThreeLegged || !id.subscriber) {
    return std::unexpected(ApiError{
        403, "PERMISSION_DENIED",
        "This API requires a 3-legged access token obtained with network-based authentication."});
  }
  const bool network_auth = std::any_of(id.amr.begin(), id.amr.end(), [](const std::string& m) {
    return std::find(kNetworkAmr.begin(), kNetworkAmr.end(), m) != kNetworkAmr.end();
  });
  if (!network_auth) {
    return std::unexpected(
        ApiError{403, "NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK",
                 "Client must authenticate via the mobile network to use this service"});
  }
  const Subscriber* s = request.subscribers.find_by_msisdn(*id.subscriber);
  if (s == nullptr) return std::unexpected(errors::identifier_not_found());
  if (s->not_applicable.contains(Api::kNumberVerification))
    return std::unexpected(errors::service_not_applicable());
  return s;
}

}  // namespace

ApiResult verify(const ApiRequest& request) {
  auto body = parse_body(request.body);
  if (!body) return std::unexpected(body.error());
  if (body->size() != 1) return std::unexpected(errors::invalid_argument());
  std::optional<std::string_view> plain, hashed;
  if (const auto* v = body->if_contains("phoneNumber")) {
    if (!v->is_string() || !valid_phone_number(v->get_string()))
      return std::unexpected(errors::invalid_argument());
    plain = v->get_string();
  } else if (const auto* h = body->if_contains("hashedPhoneNumber")) {
    if (!h->is_string() || !is_sha256_hex(h->get_string()))
      return std::unexpected(errors::invalid_argument());
    hashed = h->get_string();
  } else {
    return std::unexpected(errors::invalid_argument());
  }
  auto subscriber = authenticated_subscriber(request);
  if (!subscriber) return std::unexpected(subscriber.error());

  const std::string& msisdn = (*subscriber)->msisdn;
  const bool verified = plain ? *plain == msisdn
                              : core::constant_time_equal(lower(*hashed), core::sha256_hex(msisdn));
  return ApiReply{200, boost::json::object{{"devicePhoneNumberVerified", verified}}};
}

ApiResult device_phone_number(const ApiRequest& request) {
  auto subscriber = authenticated_subscriber(request);
  if (!subscriber) return std::unexpected(subscriber.error());
  return ApiReply{200, boost::json::object{{"devicePhoneNumber", (*subscriber)->msisdn}}};
}

}  // namespace tollgate::network::number_verification
