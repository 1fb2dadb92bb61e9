// camara.h — the CAMARA error vocabulary and x-correlator rules shared by the
// gateway and the network role (Commonalities 0.6, design guide §3).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/server.h"

namespace tollgate::http {

inline constexpr std::string_view kCorrelatorHeader = "x-correlator";
inline constexpr std::size_t kMaxCorrelatorLength = 256;

// ^[a-zA-Z0-9-_:;.\/<>{}]{0,256}$
bool valid_correlator(std::string_view value);

// {"status":N,"code":"...","message":"..."} with Content-Type application/json,
// Cache-Control no-store and, when given, x-correlator.
Response camara_error(unsigned status, std::string_view code, std::string_view message,
                      std::string_view correlator = {}, unsigned version = 11, bool keep_alive = true);

// A JSON response (status, body already serialized).
Response json_response(unsigned status, std::string body, unsigned version = 11, bool keep_alive = true);

}  // namespace tollgate::http
