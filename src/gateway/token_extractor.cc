#include "gateway/token_extractor.h"

#include <array>
#include <cctype>

namespace tollgate::gateway {
namespace {

// RFC 7235 token68 characters, as a table: this runs over every byte of every
// token on the hot path (std::isalnum is a locale-aware call per byte).
constexpr std::array<bool, 256> make_token68() {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (char c : {'-', '.', '_', '~', '+', '/'}) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr auto kToken68 = make_token68();

bool token68_char(char c) { return kToken68[static_cast<unsigned char>(c)]; }

bool is_token68(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && token68_char(s[i])) ++i;
  if (i == 0) return false;
  while (i < s.size() && s[i] == '=') ++i;
  return i == s.size();
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

}  // namespace

std::string_view to_string(ExtractError e) {
  switch (e) {
    case ExtractError::kMissing:
      return "token_missing";
    case ExtractError::kNotBearer:
      return "auth_scheme_not_bearer";
    case ExtractError::kDuplicate:
      return "authorization_duplicated";
    case ExtractError::kMalformed:
      return "bearer_malformed";
  }
  return "token_missing";
}

std::expected<std::string_view, ExtractError> parse_bearer(std::string_view v) {
  // Optional whitespace around a field value is not part of it (RFC 9110 §5.5).
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  const auto sp = v.find(' ');
  const auto scheme = v.substr(0, sp);
  if (!iequals(scheme, "bearer")) {
    // "Bearer\t<token>" or "Bearer" glued to something is still an attempt at a bearer token.
    if (scheme.size() > 6 && iequals(scheme.substr(0, 6), "bearer"))
      return std::unexpected(ExtractError::kMalformed);
    return std::unexpected(v.empty() ? ExtractError::kMissing : ExtractError::kNotBearer);
  }
  if (sp == std::string_view::npos) return std::unexpected(ExtractError::kMalformed);
  auto token = v.substr(sp);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (!is_token68(token)) return std::unexpected(ExtractError::kMalformed);
  return token;
}

std::expected<std::string_view, ExtractError> extract_bearer(const http::Request& request) {
  const auto range = request.equal_range(http::bhttp::field::authorization);
  if (range.first == range.second) return std::unexpected(ExtractError::kMissing);
  if (std::next(range.first) != range.second) return std::unexpected(ExtractError::kDuplicate);
  return parse_bearer(range.first->value());
}

}  // namespace tollgate::gateway
