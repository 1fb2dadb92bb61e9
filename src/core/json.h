// json.h — strict JSON parsing for security-relevant documents (JOSE headers,
// JWT payloads, JWKS, request bodies).
//
// Unlike boost::json::parse, `parse_strict_object` refuses duplicate member names
// at any depth (RFC 7515 §5.2 lets us; an attacker uses them to make two parsers
// disagree), invalid UTF-8, and nesting deeper than kMaxJsonDepth. Thread-safe.
#pragma once

#include <boost/json.hpp>
#include <expected>
#include <optional>
#include <string_view>

namespace tollgate::core {

// Deep enough for any JOSE or CAMARA document; shallow enough to bound recursion.
inline constexpr int kMaxJsonDepth = 32;

enum class JsonError {
  kSyntax,           // not valid JSON, trailing bytes, or invalid UTF-8
  kNotObject,        // valid JSON but the top level is not an object
  kDuplicateMember,  // an object repeats a member name
  kTooDeep,          // nesting beyond kMaxJsonDepth
};

std::expected<boost::json::object, JsonError> parse_strict_object(std::string_view text);

// Typed member access that never throws: nullopt when absent or of another type.
std::optional<std::string_view> get_string(const boost::json::object& obj, std::string_view key);
// An integral JSON number (int64, uint64 that fits, or a double with no fraction).
std::optional<std::int64_t> get_int(const boost::json::object& obj, std::string_view key);

}  // namespace tollgate::core
