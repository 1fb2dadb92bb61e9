// oauth_response.h — the OAuth 2.0 JSON answers of the governance endpoints
// (revocation, introspection, the revocations feed, client-authentication
// refusals at the token endpoint): RFC 6749 §5.2 error bodies, no-store
// caching, and the right challenge or retry header for the status. Also the
// authz listener's own refusals (413, 431, 408, 400 before any handler runs).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "http/server.h"

namespace tollgate::authz {

// A JSON response with Cache-Control: no-store and Pragma: no-cache, following
// the request's HTTP version and keep-alive.
http::Response oauth_json(const http::Request& req, unsigned status, std::string body);

// {"error":..,"error_description":..}. 401 gets WWW-Authenticate: Basic
// realm="tollgate" (RFC 9110 §15.5.2), 503 Retry-After: 1, and 429 the given
// Retry-After (at least 1 s).
http::Response oauth_error(const http::Request& req, unsigned status, std::string_view error,
                           std::string_view description,
                           std::chrono::seconds retry_after = std::chrono::seconds{0});

// An http::ErrorRenderer for the authorization server's listener: a request the
// HTTP layer refuses before routing (body or headers too large, too slow,
// malformed) still gets an RFC 6749 §5.2 body — {"error":"invalid_request",
// "error_description":<message>} with the given status and no-store — since
// OAuth clients read "error", not the CAMARA shape of http::default_error.
http::Response oauth_server_error(unsigned status, std::string_view message);

}  // namespace tollgate::authz
