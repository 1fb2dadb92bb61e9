#include "network/device.h"

namespace tollgate::network {
namespace {

// DeviceIpv4Addr: publicAddress required with privateAddress and/or publicPort.
std::expected<std::string, ApiError> parse_ipv4_address(const boost::json::value& v,
                                                        RangeCode code) {
  const auto* obj = v.if_object();
  if (obj == nullptr) return std::unexpected(errors::invalid_argument());
  auto pub = optional_string(*obj, "publicAddress");
  if (!pub) return std::unexpected(pub.error());
  auto priv = optional_string(*obj, "privateAddress");
  if (!priv) return std::unexpected(priv.error());
  auto port = optional_integer(*obj, "publicPort", 0, 65535, code);
  if (!port) return std::unexpected(port.error());
  if (!*pub || !is_ipv4(**pub)) return std::unexpected(errors::invalid_argument());
  if (*priv && !is_ipv4(**priv)) return std::unexpected(errors::invalid_argument());
  if (!*priv && !*port) return std::unexpected(errors::invalid_argument());
  return std::string(**pub);
}

}  // namespace

std::expected<std::optional<DeviceInput>, ApiError> parse_device(const boost::json::object& body,
                                                                 RangeCode code) {
  const auto* v = body.if_contains("device");
  if (v == nullptr) return std::nullopt;
  const auto* obj = v->if_object();
  if (obj == nullptr || obj->empty()) return std::unexpected(errors::invalid_argument());

  // Every identifier is validated, used or not: a malformed one is a schema error.
  auto phone = optional_string(*obj, "phoneNumber");
  if (!phone) return std::unexpected(phone.error());
  if (*phone && !valid_phone_number(**phone)) return std::unexpected(errors::invalid_argument());
  auto nai = optional_string(*obj, "networkAccessIdentifier");
  if (!nai) return std::unexpected(nai.error());
  std::optional<std::string> ipv4;
  if (const auto* a = obj->if_contains("ipv4Address")) {
    auto parsed = parse_ipv4_address(*a, code);
    if (!parsed) return std::unexpected(parsed.error());
    ipv4 = std::move(*parsed);
  }
  auto ipv6 = optional_string(*obj, "ipv6Address");
  if (!ipv6) return std::unexpected(ipv6.error());
  if (*ipv6 && !is_ipv6(**ipv6)) return std::unexpected(errors::invalid_argument());

  DeviceInput d;
  if (*phone) {
    d.chosen = DeviceInput::Kind::kPhoneNumber;
    d.lookup_key = std::string(**phone);
    d.echo["phoneNumber"] = obj->at("phoneNumber");
  } else if (ipv4) {
    d.chosen = DeviceInput::Kind::kIpv4;
    d.lookup_key = std::move(*ipv4);
    d.echo["ipv4Address"] = obj->at("ipv4Address");
  } else if (*ipv6) {
    d.chosen = DeviceInput::Kind::kIpv6;
    d.lookup_key = std::string(**ipv6);
    d.echo["ipv6Address"] = obj->at("ipv6Address");
  }
  return d;
}

std::expected<Identified, ApiError> identify_device(const std::optional<DeviceInput>& device,
                                                    const ApiRequest& request, Api api) {
  Identified out;
  if (request.identity.token_type == TokenType::kThreeLegged) {
    if (device) return std::unexpected(errors::unnecessary_identifier());
    if (!request.identity.subscriber) return std::unexpected(errors::missing_identifier());
    out.subscriber = request.subscribers.find_by_msisdn(*request.identity.subscriber);
  } else {
    if (!device) return std::unexpected(errors::missing_identifier());
    if (!device->chosen) return std::unexpected(errors::unsupported_identifier());
    out.subscriber = *device->chosen == DeviceInput::Kind::kPhoneNumber
                         ? request.subscribers.find_by_msisdn(device->lookup_key)
                         : request.subscribers.find_by_ip(device->lookup_key);
    out.device = device->echo;
  }
  if (out.subscriber == nullptr) return std::unexpected(errors::identifier_not_found());
  if (out.subscriber->not_applicable.contains(api))
    return std::unexpected(errors::service_not_applicable());
  return out;
}

}  // namespace tollgate::network
