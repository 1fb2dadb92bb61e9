// rfc3339.h — RFC 3339 date-times for the network role: CAMARA responses
// (`latestSimChange`, `lastStatusTime`, ...) and the subscriber seed file.
// Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace tollgate::network {

// UTC with a `Z` offset: "2027-01-15T08:00:00Z" when the time is a whole second,
// otherwise with microseconds: "2027-01-15T08:00:00.250000Z".
std::string format_rfc3339(core::TimePoint t);

// RFC 3339 §5.6 `date-time`: "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)"; `T`/`Z`
// may be lower case. Fractions beyond microseconds are truncated. Leap seconds
// (:60), impossible dates and years outside 1970..9999 give nullopt.
std::optional<core::TimePoint> parse_rfc3339(std::string_view text);

}  // namespace tollgate::network
