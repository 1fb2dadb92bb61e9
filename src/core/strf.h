// strf.h — a minimal stand-in for std::format, which g++ 12's libstdc++ lacks
// (it arrives with GCC 13): each "{}" in `pattern` is replaced, in order, by the
// next argument (strings, string views, C strings, integers, doubles). For
// configuration, CLI and log messages. Pure; thread-safe.
#pragma once

#include <array>
#include <concepts>
#include <cstdio>
#include <string>
#include <string_view>

namespace tollgate::core {
namespace strf_detail {

inline std::string text(std::string_view s) { return std::string(s); }
inline std::string text(char c) { return std::string(1, c); }
inline std::string text(const char* s) { return s; }  // beats the bool conversion
template <std::same_as<bool> T>
std::string text(T b) {
  return b ? "true" : "false";
}
template <std::integral T>
  requires(!std::same_as<T, bool> && !std::same_as<T, char>)
std::string text(T v) {
  return std::to_string(v);
}
template <std::floating_point T>
std::string text(T v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

}  // namespace strf_detail

template <class... Args>
std::string strf(std::string_view pattern, const Args&... args) {
  const std::array<std::string, sizeof...(Args)> parts{strf_detail::text(args)...};
  std::string out;
  out.reserve(pattern.size() + 16 * sizeof...(Args));
  std::size_t next = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{' && i + 1 < pattern.size() && pattern[i + 1] == '}' && next < parts.size()) {
      out += parts[next++];
      ++i;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

}  // namespace tollgate::core
