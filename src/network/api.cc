#include "network/api.h"

#include <boost/asio/ip/address.hpp>
#include <cmath>

#include "core/json.h"
#include "network/rfc3339.h"

namespace tollgate::network {

namespace errors {
// Messages are the examples of sim-swap.yaml and CAMARA_common.yaml (Commonalities 0.6).
ApiError invalid_argument() {
  return {400, "INVALID_ARGUMENT",
          "Client specified an invalid argument, request body or query param."};
}
ApiError out_of_range() { return {400, "OUT_OF_RANGE", "Client specified an invalid range."}; }
ApiError unauthenticated() {
  return {401, "UNAUTHENTICATED",
          "Request not authenticated due to missing, invalid, or expired credentials."};
}

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
ApiError unsupported_identifier() {
  return {422, "UNSUPPORTED_IDENTIFIER", "The identifier provided is not supported."};
}
ApiError service_not_applicable() {
  return {422, "SERVICE_NOT_APPLICABLE",
          "The service is not available for the provided identifier."};
}
ApiError conflict(std::string message) { return {409, "CONFLICT", std::move(message)}; }
ApiError invalid_token_context(std::string message) {
  return {403, "INVALID_TOKEN_CONTEXT", std::move(message)};
}
ApiError quota_exceeded() { return {429, "QUOTA_EXCEEDED", "Out of resource quota."}; }
}  // namespace errors

ApiError range_error(RangeCode code) {
  return code == RangeCode::kOutOfRange ? errors::out_of_range() : errors::invalid_argument();
}

std::expected<std::int64_t, ApiError> integer_value(const boost::json::value& v, std::int64_t min,
                                                    std::int64_t max, RangeCode code) {
  if (const auto* i = v.if_int64()) {
    if (*i < min || *i > max) return std::unexpected(range_error(code));
    return *i;
  }
  if (v.is_uint64()) return std::unexpected(range_error(code));  // > INT64_MAX
  if (const auto* d = v.if_double()) {
    // Boost.JSON yields a double for a fraction, an exponent, or an integer literal
    // too large for 64 bits. Out-of-range whole values are a range error whatever
    // their spelling; anything else is not a draft-4 integer.
    const bool whole = std::isfinite(*d) && std::trunc(*d) == *d;
    if (whole && !(*d >= static_cast<double>(min) && *d <= static_cast<double>(max)))
      return std::unexpected(range_error(code));
  }
  return std::unexpected(errors::invalid_argument());
}

std::expected<std::optional<std::int64_t>, ApiError> optional_integer(
    const boost::json::object& obj, std::string_view key, std::int64_t min, std::int64_t max,
    RangeCode code) {
  const auto* v = obj.if_contains(key);
  if (v == nullptr) return std::nullopt;
  auto i = integer_value(*v, min, max, code);
  if (!i) return std::unexpected(i.error());
  return *i;
}

std::expected<double, ApiError> number_value(const boost::json::value& v, double min, double max,
                                             RangeCode code) {
  double d = 0;
  if (const auto* i = v.if_int64()) {
    d = static_cast<double>(*i);
  } else if (const auto* u = v.if_uint64()) {
    d = static_cast<double>(*u);
  } else if (const auto* f = v.if_double()) {
    d = *f;
  } else {
    return std::unexpected(errors::invalid_argument());
  }
  if (!std::isfinite(d) || d < min || d > max) return std::unexpected(range_error(code));
  return d;
}

std::expected<std::optional<std::string_view>, ApiError> optional_string(
    const boost::json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  if (v == nullptr) return std::nullopt;
  const auto* s = v->if_string();
  if (s == nullptr) return std::unexpected(errors::invalid_argument());
  return std::string_view(*s);
}

bool is_ipv4(std::string_view s) {
  int octets = 0;
  std::size_t i = 0;
  while (true) {
    const std::size_t start = i;
    unsigned value = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
      value = value * 10 + static_cast<unsigned>(s[i] - '0');
      ++i;
    }
    const std::size_t len = i - start;
    if (len == 0 || value > 255 || (len > 1 && s[start] == '0')) return false;
    if (++octets == 4) return i == s.size();
    if (i >= s.size() || s[i] != '.') return false;
    ++i;
  }
}

bool is_ipv6(std::string_view s) {
  if (s.find('%') != std::string_view::npos || s.find(':') == std::string_view::npos) return false;
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address_v6(s, ec);
  return !ec;
}

bool is_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int parts[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8}, lens[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (std::size_t k = 0; k < lens[p]; ++k) {
      const char c = s[starts[p] + k];
      if (c < '0' || c > '9') return false;
      parts[p] = parts[p] * 10 + (c - '0');
    }
  }
  const int y = parts[0], m = parts[1], d = parts[2];
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

bool is_date_time(std::string_view s) { return parse_rfc3339(s).has_value(); }

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

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
    std::optional<std::string_view> body_phone, const ApiRequest& request, Api api) {
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
  if (s->not_applicable.contains(api)) return std::unexpected(errors::service_not_applicable());
  return s;
}

}  // namespace tollgate::network
