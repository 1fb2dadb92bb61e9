// sim_swap.h — CAMARA SIM Swap v2.1.0 (../shared/camara/specs/sim-swap.yaml),
// base path /sim-swap/v2. Plain functions from the request to the result; the
// gateway has already checked the scope (sim-swap:check / sim-swap:retrieve-date,
// or the API-wide `sim-swap`).
//
// Validation follows the request schemas exactly. CreateCheckSimSwap and
// CreateSimSwapDate do not set `additionalProperties`, so unknown members are
// allowed and ignored. Order: body syntax and schema (400), then subject
// identification (422), then lookup (404).
//
// This operator keeps SIM history without limit: `latestSimChange` is never null
// and `monitoredPeriod` is never sent, and every maxAge in 1..2400 is served.
#pragma once

#include "network/api.h"

namespace tollgate::network::sim_swap {

// CreateCheckSimSwap.maxAge (hours): minimum 1, maximum 2400, default 240.
inline constexpr std::int64_t kMinMaxAgeHours = 1;
inline constexpr std::int64_t kMaxMaxAgeHours = 2400;
inline constexpr std::int64_t kDefaultMaxAgeHours = 240;

// POST /check {phoneNumber?, maxAge?} → 200 {"swapped": bool}: true when the
// latest SIM change (swap, or activation when never swapped) happened at most
// maxAge hours before now — inclusive, so a swap exactly maxAge hours old counts.
// maxAge is a JSON Schema `integer` as OpenAPI 3.0 defines it (JSON Schema draft
// wright-00, like draft 4: a number without fraction or exponent part, so 120.0 is
// not one). A value outside 1..2400 → 400 OUT_OF_RANGE (as CAMARA's own
// test plan, sim-swap-checkSimSwap.feature @check_sim_swap_400.3, expects for
// 100000), whatever its spelling (0, -5, 2401, 1e9); a fraction, an in-range
// 120.0, a string, a boolean or null → 400 INVALID_ARGUMENT.
ApiResult check(const ApiRequest& request);

// POST /retrieve-date {phoneNumber?} → 200 {"latestSimChange": "<RFC 3339, UTC, Z>"}:
// the latest SIM swap, or the SIM activation when never swapped.
ApiResult retrieve_date(const ApiRequest& request);

}  // namespace tollgate::network::sim_swap
