// str_cat.h — concatenate strings and integers into one std::string.
//
// g++ 12's libstdc++ has no <format> (it arrives with GCC 13), so store/ and
// authz/ build their messages with this instead. Pure; thread-safe.
#pragma once

#include <concepts>
#include <string>
#include <string_view>

namespace tollgate::store {

namespace detail {
inline void append(std::string& out, std::string_view s) { out += s; }
inline void append(std::string& out, char c) { out += c; }
template <std::integral T>
  requires(!std::same_as<T, char> && !std::same_as<T, bool>)
void append(std::string& out, T v) {
  out += std::to_string(v);
}
}  // namespace detail

template <class... Args>
std::string str_cat(const Args&... args) {
  std::string out;
  (detail::append(out, args), ...);
  return out;
}

}  // namespace tollgate::store
