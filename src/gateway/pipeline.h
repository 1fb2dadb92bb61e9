// pipeline.h — the gateway's decision for one request, as a plain function of
// (request, context): no sockets, no threads, testable with an in-memory JWKS.
//
//   x-correlator check (invalid -> 400; absent -> a fresh UUID; echoed on every
//   response, errors included) -> route match (404 / 405 / 400) -> bearer token
//   from the Authorization header (401 / 400) -> signature and claims for the
//   route's product, a jti and a client (client_id or azp) included (401) ->
//   the route's scope rule (403) -> forward.
//
// The result is either a refusal (a complete response) or a forward decision
// (the upstream name and the request already rewritten for it), plus the
// access-log record filled so far. Refusals are rendered by responses.cc; the
// precise reason goes only to record.reason.
//
// Thread-safety: decide() only reads the immutable parts of the context; the
// token cache belongs to the calling thread.
#pragma once

#include <map>
#include <string>
#include <variant>

#include "gateway/access_log.h"
#include "gateway/policy.h"
#include "gateway/proxy.h"
#include "gateway/rate_limiter.h"
#include "gateway/revocations.h"
#include "gateway/route_matcher.h"
#include "gateway/token_cache.h"
#include "gateway/verifier.h"
#include "http/server.h"

namespace tollgate::gateway {

struct PipelineContext {
  const RouteMatcher& routes;
  const Verifier& verifier;
  TokenCache* cache = nullptr;  // this thread's verified-token cache; null = verify every time
  // Host header value per upstream name; null or absent = the upstream's name (tests).
  const std::map<std::string, std::string, std::less<>>* upstream_hosts = nullptr;
  // A buffer whose capacity the forward bytes reuse (swapped into Forward::wire).
  std::string* scratch = nullptr;
  // Block list, per-product decisions and tiers; null = none of those checks (unit tests).
  const Policy* policy = nullptr;
  // Revocation state; null = none (subscriber-data products then get the stale decision).
  const Revocations* revocations = nullptr;
  RateLimiter* limiter = nullptr;  // null = no rate limits
  bool can_introspect = false;     // an introspection endpoint and admin token are configured
  // Sent to every upstream as x-tollgate-gateway-key (GatewayConfig::upstream_key_file); empty =
  // none.
  std::string_view upstream_key;
};

struct Forward {
  std::string upstream;  // upstream name from the product
  std::string wire;      // the request rewritten for the upstream, as bytes (proxy.h)
  bool head = false;     // a HEAD request: the answer has no body
  // Stale revocation state and the product introspects: ask the authorization
  // server about `token` first; forward only if it answers active (introspection.h).
  bool introspect = false;
  std::string token;
};

struct Decision {
  std::variant<http::Response, Forward> action;  // a refusal, or where to forward
  AccessRecord record;     // status set for refusals; reason "ok" when forwarded
  std::string correlator;  // the value echoed to the partner
  unsigned version = 11;   // the partner's HTTP version
  bool keep_alive = true;  // the partner's keep-alive wish

  bool forwards() const { return std::holds_alternative<Forward>(action); }
};

Decision decide(http::Request&& request, const PipelineContext& context);

// Reason codes produced by the pipeline itself (besides core::to_string(JoseStatus),
// to_string(RouteMiss) and to_string(ExtractError)).
inline constexpr std::string_view kReasonCorrelatorInvalid = "correlator_invalid";
inline constexpr std::string_view kReasonScopeInsufficient = "scope_insufficient";
inline constexpr std::string_view kReasonClaimUnsafe = "claim_unsafe_for_header";
// A token that names no client (neither client_id, RFC 9068 §2.2, nor azp): the
// block list, the client revocations, the rate limit and the network's resource
// ownership all key on the client, so such a token is refused (401 invalid_token).
inline constexpr std::string_view kReasonClientMissing = "client_id_missing";
inline constexpr std::string_view kReasonClientBlocked = "client_blocked";
inline constexpr std::string_view kReasonRateLimited = "rate_limited";
// Retry-After when no fresh revocation state is available: about one poll of the feed.
inline constexpr unsigned kRevocationRetryAfter = 5;

}  // namespace tollgate::gateway
