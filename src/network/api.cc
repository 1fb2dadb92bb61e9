#include "network/api.h"

#include "core/json.h"

namespace tollgate::network {

namespace errors {
// Messages are the examples of sim-swap.yaml and CAMARA_common.yaml (Commonalities 0.6).
ApiError invalid_argument() {
  return {400, "INVALID_ARGUMENT",
          "Client specified an invalid argument, request body or query param."};
}
ApiError out_of_range() { return {400, "OUT_OF_RANGE", "Client specified an invalid range."}; }
ApiError permission_denied() {
  return {403, "PERMISSION_DENIED",
          "Client does not have sufficient permissions to perform this action."};
}
ApiError not_found() { return {404, "NOT_FOUND", "The specified resource is not found."}; }
ApiError identifier_not_found() {
  return {404, "IDENTIFIER_NOT_FOUND", "Device identifier not found."};
}
ApiError method_not_allowed() {
  return {405, "METHOD_NOT_ALLOWED",
          "The requested method is not allowed/supported on the target resource."};
}
ApiError unsupported_media_type() {
  return {415, "UNSUPPORTED_MEDIA_TYPE",
          "The server refuses to accept the request because the payload format is in an "
          "unsupported format."};
}
ApiError missing_identifier() {
  return {422, "MISSING_IDENTIFIER", "The device cannot be identified."};
}
ApiError unnecessary_identifier() {
  return {422, "UNNECESSARY_IDENTIFIER", "The device is already identified by the access token."};
}
}  // namespace errors

std::expected<boost::json::object, ApiError> parse_body(std::string_view body) {
  auto parsed = core::parse_strict_object(body);
  if (!parsed) return std::unexpected(errors::invalid_argument());
  return std::move(*parsed);
}

std::expected<std::optional<std::string_view>, ApiError> optional_phone_number(
    const boost::json::object& body) {
  const auto* v = body.if_contains("phoneNumber");
  if (v == nullptr) return std::nullopt;
  const auto* s = v->if_string();
  if (s == nullptr || !valid_phone_number(*s)) return std::unexpected(errors::invalid_argument());
  return std::string_view(*s);
}

std::expected<const Subscriber*, ApiError> identify_by_phone_number(
    std::optional<std::string_view> body_phone, const ApiRequest& request) {
  std::string_view msisdn;
  if (request.identity.token_type == TokenType::kThreeLegged) {
    // Checked first: even a 3-legged token we cannot resolve must not be
    // combined with a body identifier.
    if (body_phone) return std::unexpected(errors::unnecessary_identifier());
    if (!request.identity.subscriber) return std::unexpected(errors::missing_identifier());
    msisdn = *request.identity.subscriber;
  } else {
    if (!body_phone) return std::unexpected(errors::missing_identifier());
    msisdn = *body_phone;
  }
  const Subscriber* s = request.subscribers.find_by_msisdn(msisdn);
  if (s == nullptr) return std::unexpected(errors::identifier_not_found());
  return s;
}

}  // namespace tollgate::network
