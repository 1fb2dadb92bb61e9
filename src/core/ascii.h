// ascii.h — ASCII-only case folding for protocol tokens (JOSE "alg" and "typ"
// values, media types): no locale, bytes >= 0x80 compare as themselves. Pure.
#pragma once

#include <cstddef>
#include <string_view>

namespace tollgate::core {

// True when a and b are equal once 'A'-'Z' are folded to 'a'-'z'.
inline bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace tollgate::core
