#include "network/sim_swap.h"

#include <cmath>

#include "network/rfc3339.h"

namespace tollgate::network::sim_swap {
namespace {

// maxAge in hours, or the error for it (see sim_swap.h for the rules).
std::expected<std::int64_t, ApiError> max_age_hours(const boost::json::object& body) {
  const auto* v = body.if_contains("maxAge");
  if (v == nullptr) return kDefaultMaxAgeHours;
  const auto in_range = [](auto h) { return h >= kMinMaxAgeHours && h <= kMaxMaxAgeHours; };
  if (const auto* i = v->if_int64()) {
    if (!in_range(*i)) return std::unexpected(errors::out_of_range());
    return *i;
  }
  if (v->is_uint64()) return std::unexpected(errors::out_of_range());  // > INT64_MAX
  if (const auto* d = v->if_double()) {
    // Boost.JSON yields a double for a fraction, an exponent, or an integer
    // literal too large for 64 bits. Out-of-range whole values are a range
    // error whatever their spelling; anything else is not a draft-4 integer.
    const bool whole = std::isfinite(*d) && std::trunc(*d) == *d;
    if (whole &&
        !(*d >= static_cast<double>(kMinMaxAgeHours) && *d <= static_cast<double>(kMaxMaxAgeHours)))
      return std::unexpected(errors::out_of_range());
  }
  return std::unexpected(errors::invalid_argument());
}

}  // namespace

ApiResult check(const ApiRequest& request) {
  auto body = parse_body(request.body);
  if (!body) return std::unexpected(body.error());
  auto phone = optional_phone_number(*body);
  if (!phone) return std::unexpected(phone.error());
  auto max_age = max_age_hours(*body);
  if (!max_age) return std::unexpected(max_age.error());
  auto subscriber = identify_by_phone_number(*phone, request, Api::kSimSwap);
  if (!subscriber) return std::unexpected(subscriber.error());

  const auto age = request.clock.now() - (*subscriber)->latest_sim_change();
  const bool swapped = age <= std::chrono::hours(*max_age);
  return ApiReply{200, boost::json::object{{"swapped", swapped}}};
}

ApiResult retrieve_date(const ApiRequest& request) {
  auto body = parse_body(request.body);
  if (!body) return std::unexpected(body.error());
  auto phone = optional_phone_number(*body);
  if (!phone) return std::unexpected(phone.error());
  auto subscriber = identify_by_phone_number(*phone, request, Api::kSimSwap);
  if (!subscriber) return std::unexpected(subscriber.error());

  return ApiReply{200, boost::json::object{{"latestSimChange",
                                            format_rfc3339((*subscriber)->latest_sim_change())}}};
}

}  // namespace tollgate::network::sim_swap
