#include "gateway/responses.h"

#include "core/strf.h"
#include "http/camara.h"

namespace tollgate::gateway {
namespace {

struct Canonical {
  unsigned status;
  std::string_view code;
  std::string_view message;
};

// CAMARA_common.yaml messages (the 401 one shortened as in our design).
Canonical canonical(Refusal r) {
  switch (r) {
    case Refusal::kBadCorrelator:
    case Refusal::kBadPath:
    case Refusal::kDuplicateAuthorization:
      return {400, "INVALID_ARGUMENT",
              "Client specified an invalid argument, request body or query param."};
    case Refusal::kNoCredentials:
    case Refusal::kInvalidToken:
      return {401, "UNAUTHENTICATED", kUnauthenticatedMessage};
    case Refusal::kInsufficientScope:
    case Refusal::kClientBlocked:
      return {403, "PERMISSION_DENIED",
              "Client does not have sufficient permissions to perform this action."};
    case Refusal::kNotFound:
      return {404, "NOT_FOUND", "The specified resource is not found."};
    case Refusal::kMethodNotAllowed:
      return {405, "METHOD_NOT_ALLOWED",
              "The requested method is not allowed/supported on the target resource."};
    case Refusal::kInternal:
      return {500, "INTERNAL", "Unknown server error. Typically a server bug."};
    case Refusal::kUpstreamUnreachable:
      return {502, "BAD_GATEWAY", "An upstream internal service cannot be reached."};
    case Refusal::kUpstreamOverloaded:
    case Refusal::kRevocationUnavailable:
      return {503, "UNAVAILABLE", "Service Unavailable."};
    case Refusal::kRateLimited:
      return {429, "TOO_MANY_REQUESTS", "Rate limit reached."};
    case Refusal::kUpstreamTimeout:
      return {504, "TIMEOUT", "Request timeout exceeded."};
  }
  return {500, "INTERNAL", "Unknown server error. Typically a server bug."};
}

}  // namespace

http::Response refusal_response(Refusal refusal, const RefusalContext& ctx) {
  const Canonical c = canonical(refusal);
  http::Response res =
      http::camara_error(c.status, c.code, c.message, ctx.correlator, ctx.version, ctx.keep_alive);
  if (!ctx.correlator.empty()) res.set(http::kCorrelatorHeader, ctx.correlator);
  switch (refusal) {
    case Refusal::kNoCredentials:
      // RFC 6750 §3.1: no error attribute when the request carried no bearer credentials.
      res.set(http::bhttp::field::www_authenticate, core::strf("Bearer realm=\"{}\"", kRealm));
      break;
    case Refusal::kInvalidToken:
      res.set(http::bhttp::field::www_authenticate,
              core::strf("Bearer realm=\"{}\", error=\"invalid_token\"", kRealm));
      break;
    case Refusal::kDuplicateAuthorization:
      res.set(http::bhttp::field::www_authenticate,
              core::strf("Bearer realm=\"{}\", error=\"invalid_request\"", kRealm));
      break;
    case Refusal::kInsufficientScope:
      res.set(http::bhttp::field::www_authenticate,
              core::strf("Bearer realm=\"{}\", error=\"insufficient_scope\", scope=\"{}\"", kRealm,
                         ctx.scope));
      break;
    case Refusal::kMethodNotAllowed:
      res.set(http::bhttp::field::allow, ctx.allow);
      break;
    case Refusal::kRateLimited:
    case Refusal::kRevocationUnavailable:
      res.set(http::bhttp::field::retry_after, std::to_string(ctx.retry_after == 0 ? 1 : ctx.retry_after));
      break;
    default:
      break;
  }
  return res;
}

}  // namespace tollgate::gateway
