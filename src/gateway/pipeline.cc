#include "gateway/pipeline.h"

#include <cstring>

#include "core/crypto.h"
#include "core/json.h"
#include "gateway/scope_check.h"
#include "gateway/subject.h"
#include "gateway/token_extractor.h"
#include "http/camara.h"

namespace tollgate::gateway {
namespace {

// A version 4 UUID from a per-thread generator seeded once from the CSPRNG.
// Correlators name requests in logs; they are not secrets, so the hot path
// does not pay for a CSPRNG draw (and its fork check) on every request.
std::string fresh_correlator() {
  struct Gen {
    std::uint64_t s[4];
    Gen() {
      const std::string seed = core::random_bytes(sizeof s);
      std::memcpy(s, seed.data(), sizeof s);
      if ((s[0] | s[1] | s[2] | s[3]) == 0) s[0] = 1;
    }
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t next() {  // xoshiro256**
      const std::uint64_t result = rotl(s[1] * 5, 7) * 9;
      const std::uint64_t t = s[1] << 17;
      s[2] ^= s[0];
      s[3] ^= s[1];
      s[1] ^= s[2];
      s[0] ^= s[3];
      s[2] ^= t;
      s[3] = rotl(s[3], 45);
      return result;
    }
  };
  thread_local Gen gen;
  std::uint64_t hi = gen.next(), lo = gen.next();
  hi = (hi & ~0xF000ull) | 0x4000ull;                          // version 4
  lo = (lo & ~0xC000000000000000ull) | 0x8000000000000000ull;  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  std::size_t pos = 0;
  for (int i = 0; i < 32; ++i) {
    if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
    const std::uint64_t word = i < 16 ? hi : lo;
    const int shift = 60 - 4 * (i % 16);
    out[pos++] = kHex[(word >> shift) & 0xF];
  }
  return out;
}

// The partner's x-correlator: nullopt when invalid (or sent twice); a fresh UUID when absent or
// empty.
std::optional<std::string> correlator_of(const http::Request& req) {
  const auto range = req.equal_range(http::kCorrelatorHeader);
  if (range.first == range.second) return fresh_correlator();
  if (std::next(range.first) != range.second) return std::nullopt;
  const std::string_view v = range.first->value();
  if (!http::valid_correlator(v)) return std::nullopt;
  if (v.empty()) return fresh_correlator();
  return std::string(v);
}

Decision refuse(Decision d, Refusal refusal, std::string_view reason, std::string_view allow = {},
                std::string_view scope = {}, unsigned retry_after = 0) {
  http::Response res = refusal_response(refusal, {.correlator = d.correlator,
                                                  .allow = allow,
                                                  .scope = scope,
                                                  .retry_after = retry_after,
                                                  .version = d.version,
                                                  .keep_alive = d.keep_alive});
  d.record.status = res.result_int();
  d.record.reason = std::string(reason);
  d.action = std::move(res);
  return d;
}

// The caller's identity from a verified token; nullopt when a value could inject a header.
std::optional<Identity> identity_of(const core::VerifiedJwt& jwt) {
  Identity id;
  id.client_id = jwt.client_id;
  if (id.client_id.empty())  // generic IdPs name the client in "azp" (OIDC) instead of "client_id"
                             // (RFC 9068)
    id.client_id = std::string(core::get_string(jwt.claims, "azp").value_or(""));
  id.partner = std::string(core::get_string(jwt.claims, "partner").value_or(""));
  id.scope = jwt.scope.to_string();
  id.jti = jwt.jti;
  for (const auto* v : {&id.client_id, &id.partner, &id.scope, &id.jti})
    if (!header_safe(*v)) return std::nullopt;
  return id;
}

}  // namespace

Decision decide(http::Request&& request, const PipelineContext& ctx) {
  Decision d;
  d.version = request.version();
  d.keep_alive = request.keep_alive();
  d.record.method = std::string(request.method_string());
  d.record.path = std::string(RouteMatcher::path_of(request.target()));

  // 1. x-correlator: checked first, so that every later answer can echo it.
  auto correlator = correlator_of(request);
  if (!correlator) {
    d.correlator = fresh_correlator();  // the invalid value is never echoed
    d.record.correlator = d.correlator;
    return refuse(std::move(d), Refusal::kBadCorrelator, kReasonCorrelatorInvalid);
  }
  d.correlator = std::move(*correlator);
  d.record.correlator = d.correlator;

  // 2. Route: which product's policy governs this request.
  auto route = ctx.routes.match(request.method_string(), request.target());
  if (!route) {
    const auto& e = route.error();
    const Refusal r = e.miss == RouteMiss::kMethodNotAllowed ? Refusal::kMethodNotAllowed
                      : e.miss == RouteMiss::kBadPath        ? Refusal::kBadPath
                                                             : Refusal::kNotFound;
    return refuse(std::move(d), r, to_string(e.miss), e.allow);
  }
  const catalog::Product& product = *route->product;
  const catalog::Route& rule = *route->route;
  d.record.product = product.name;

  // 3. Bearer token, from the Authorization header only.
  auto token = extract_bearer(request);
  if (!token) {
    const Refusal r = token.error() == ExtractError::kDuplicate   ? Refusal::kDuplicateAuthorization
                      : token.error() == ExtractError::kMalformed ? Refusal::kInvalidToken
                                                                  : Refusal::kNoCredentials;
    return refuse(std::move(d), r, to_string(token.error()));
  }

  // 4. Signature and claims for this product (audience, issuer, lifetime, typ),
  //    unless this thread verified the same token for the same product and it
  //    is still inside its validity window (token_cache.h).
  const core::TimePoint now = ctx.verifier.now();
  const TokenCache::Entry* entry = ctx.cache ? ctx.cache->find(*token, &product, now) : nullptr;
  std::optional<TokenCache::Entry> fresh;
  if (entry == nullptr) {
    auto verified = ctx.verifier.verify(*token, product);
    if (!verified)
      return refuse(std::move(d), Refusal::kInvalidToken, core::to_string(verified.error()));
    d.record.jti = verified->jwt.jti;
    auto identity = identity_of(verified->jwt);
    if (!identity) return refuse(std::move(d), Refusal::kInvalidToken, kReasonClaimUnsafe);
    if (identity->client_id.empty())
      return refuse(std::move(d), Refusal::kInvalidToken, kReasonClientMissing);
    if (!resolve_subject(verified->jwt, *identity))
      return refuse(std::move(d), Refusal::kInvalidToken, kReasonSubjectUnsealable);
    fresh.emplace(TokenCache::Entry{std::move(*verified), std::move(*identity)});
    if (ctx.cache) entry = ctx.cache->insert(*token, &product, std::move(*fresh), now);
    if (entry == nullptr) entry = &*fresh;  // not cached (disabled, or expiring this instant)
  }
  const core::VerifiedJwt& jwt = entry->token.jwt;
  d.record.jti = jwt.jti;
  d.record.client_id = entry->identity.client_id;

  // 5. The route's scope rule on the token's granted scopes.
  if (!scope_allows(rule, jwt.scope))
    return refuse(std::move(d), Refusal::kInsufficientScope, kReasonScopeInsufficient, {},
                  required_scope(rule));

  // 6. A blocked client is refused whatever its token.
  const Identity& identity = entry->identity;
  if (ctx.policy && ctx.policy->blocked(identity.client_id))
    return refuse(std::move(d), Refusal::kClientBlocked, kReasonClientBlocked);

  // 7. Subscriber data: the token, its client and its consent must not be revoked.
  bool introspect = false;
  if (product.subscriber_data) {
    const std::string_view consent = core::get_string(jwt.claims, "consent_id").value_or("");
    const RevocationVerdict v = ctx.revocations
                                    ? ctx.revocations->check(jwt.jti, identity.client_id, consent)
                                    : RevocationVerdict::kStale;
    if (v == RevocationVerdict::kStale) {
      const bool wants = ctx.policy && ctx.policy->product(product.name).on_stale_revocations ==
                                           OnStaleRevocations::kIntrospect;
      if (!wants || !ctx.can_introspect)
        return refuse(std::move(d), Refusal::kRevocationUnavailable, to_string(v), {}, {},
                      kRevocationRetryAfter);
      introspect = true;
    } else if (v != RevocationVerdict::kClear) {
      return refuse(std::move(d), Refusal::kInvalidToken, to_string(v));
    }
  }

  // 8. Rate limit for (client, product), sized by the partner's tier.
  if (ctx.limiter && ctx.policy) {
    const RateLimit limit = ctx.policy->limit_for(identity.partner);
    const RateDecision r = ctx.limiter->admit(identity.client_id, product.name, limit);
    if (!r.allowed)
      return refuse(std::move(d), Refusal::kRateLimited, kReasonRateLimited, {}, {},
                    static_cast<unsigned>(r.retry_after.count()));
  }

  // 9. Forward: the token stays here; the upstream gets the verified identity.
  Forward fwd;
  fwd.introspect = introspect;
  if (introspect) fwd.token = std::string(*token);
  fwd.upstream = product.upstream;
  fwd.head = request.method() == http::bhttp::verb::head;
  if (ctx.scratch) fwd.wire.swap(*ctx.scratch);
  std::string_view host = product.upstream;
  if (ctx.upstream_hosts) {
    if (const auto it = ctx.upstream_hosts->find(product.upstream); it != ctx.upstream_hosts->end())
      host = it->second;
  }
  write_upstream_request(request, identity, d.correlator, host, fwd.wire, ctx.upstream_key);
  d.action = std::move(fwd);
  return d;
}

}  // namespace tollgate::gateway
