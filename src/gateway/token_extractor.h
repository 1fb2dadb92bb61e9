// token_extractor.h — the bearer token of a request, from the Authorization
// header only (RFC 6750 §2.1). Query-string and form-body tokens are never
// read: they leak into logs and caches.
//
// Accepted: exactly one Authorization header whose value is the scheme
// "Bearer" in any casing, one or more spaces, then a token68
// (1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=").
//
// How each outcome maps to HTTP (decided in responses.cc, listed here so the
// choice is written where the cases are defined):
//   kMissing / kNotBearer  -> 401, WWW-Authenticate without an error attribute
//                             (RFC 6750 §3.1: no credentials, or another auth scheme)
//   kDuplicate             -> 400 INVALID_ARGUMENT, error="invalid_request": two
//                             Authorization headers are an ambiguous request, and
//                             refusing it keeps two parsers from disagreeing
//   kMalformed             -> 401 error="invalid_token": it looks like a bearer
//                             credential but is not a valid one. RFC 6750 would
//                             allow 400 invalid_request; CAMARA wants 401
//                             UNAUTHENTICATED for every invalid token, so we pick 401.
// Pure; thread-safe. The returned view points into the request.
#pragma once

#include <expected>
#include <string_view>

#include "http/server.h"

namespace tollgate::gateway {

enum class ExtractError {
  kMissing,    // no Authorization header
  kNotBearer,  // another scheme (Basic, Digest, ...)
  kDuplicate,  // more than one Authorization header
  kMalformed,  // "Bearer" without a token, with a second word, or bytes outside token68
};
// "token_missing", "auth_scheme_not_bearer", "authorization_duplicated", "bearer_malformed".
std::string_view to_string(ExtractError e);

std::expected<std::string_view, ExtractError> extract_bearer(const http::Request& request);

// The same rules applied to one header value (for tests and other callers).
std::expected<std::string_view, ExtractError> parse_bearer(std::string_view authorization_value);

}  // namespace tollgate::gateway
