// responses.h — the one place where the gateway turns a refusal into what the
// partner sees: HTTP status, CAMARA error body, RFC 6750 WWW-Authenticate.
//
// Two tiers of errors (STYLE.md): the pipeline carries a precise reason code
// (core::to_string(JoseStatus), "route_not_found", "scope_insufficient", ...)
// for the access log and metrics; partners only ever see the canonical
// answers below. Every 401 has the same body whatever the reason, so a caller
// cannot probe which check failed.
//
//   kBadCorrelator          400 INVALID_ARGUMENT
//   kBadPath                400 INVALID_ARGUMENT
//   kDuplicateAuthorization 400 INVALID_ARGUMENT, WWW-Authenticate ... error="invalid_request"
//   kNoCredentials          401 UNAUTHENTICATED,  WWW-Authenticate: Bearer realm="tollgate"
//   kInvalidToken           401 UNAUTHENTICATED,  WWW-Authenticate ... error="invalid_token"
//   kInsufficientScope      403 PERMISSION_DENIED, WWW-Authenticate ... error="insufficient_scope", scope="..."
//   kClientBlocked          403 PERMISSION_DENIED (no challenge: a new token would not help)
//   kNotFound               404 NOT_FOUND
//   kMethodNotAllowed       405 METHOD_NOT_ALLOWED, Allow: ...
//   kRateLimited            429 TOO_MANY_REQUESTS, Retry-After: <seconds>
//   kInternal               500 INTERNAL
//   kUpstreamUnreachable    502 BAD_GATEWAY
//   kUpstreamOverloaded     503 UNAVAILABLE
//   kRevocationUnavailable  503 UNAVAILABLE, Retry-After: <seconds> (no fresh revocation state
//                           for a subscriber-data product, and no introspection)
//   kUpstreamTimeout        504 TIMEOUT
// Every response carries x-correlator. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "http/server.h"

namespace tollgate::gateway {

inline constexpr std::string_view kRealm = "tollgate";
inline constexpr std::string_view kUnauthenticatedMessage =
    "Request not authenticated due to missing, invalid, or expired credentials.";

enum class Refusal {
  kBadCorrelator,
  kBadPath,
  kDuplicateAuthorization,
  kNoCredentials,
  kInvalidToken,
  kInsufficientScope,
  kNotFound,
  kMethodNotAllowed,
  kInternal,
  kUpstreamUnreachable,
  kUpstreamOverloaded,
  kUpstreamTimeout,
  kClientBlocked,
  kRateLimited,
  kRevocationUnavailable,
};

struct RefusalContext {
  std::string_view correlator;  // echoed in x-correlator (always set by the pipeline)
  std::string_view allow;       // kMethodNotAllowed: the Allow header value
  std::string_view scope;       // kInsufficientScope: the route's scopes, space-separated
  unsigned retry_after = 0;     // kRateLimited / kRevocationUnavailable: Retry-After seconds
  unsigned version = 11;        // the request's HTTP version
  bool keep_alive = true;       // the request's keep-alive wish
};

http::Response refusal_response(Refusal refusal, const RefusalContext& context);

}  // namespace tollgate::gateway
