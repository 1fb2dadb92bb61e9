// form.h — application/x-www-form-urlencoded bodies and HTTP Basic credentials,
// as the OAuth token, revocation and introspection endpoints receive them.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::http {

enum class FormError {
  kBadEncoding,     // a bad %-escape, or a control byte
  kDuplicateParam,  // RFC 6749 §3.1/3.2: request parameters MUST NOT be included more than once
  kTooManyParams,
};

using Form = std::map<std::string, std::string, std::less<>>;

// Parse a form body. '+' is a space; %XX decoded; empty values are kept as "".
std::expected<Form, FormError> parse_form(std::string_view body);

std::string url_encode(std::string_view text);          // for form values and query strings
std::optional<std::string> url_decode(std::string_view text);  // strict, '+' as space

struct BasicCredentials {
  std::string user;
  std::string password;
};
// "Basic <base64(urlencode(id):urlencode(secret))>" per RFC 6749 §2.3.1.
// nullopt when the header is not a well-formed Basic credential.
std::optional<BasicCredentials> parse_basic_auth(std::string_view authorization_header);

}  // namespace tollgate::http
