// token_fuzz.cc — libFuzzer target for the token parser (`make fuzz`).
//
// Each input is tried as: a bearer header value (parse_bearer), a compact JWS
// (core::parse_compact with every algorithm allowed), a JWT verified against a
// fixed JWKS (core::verify_jwt), the credential of a request through the whole
// gateway decision (pipeline.h, with the token cache on), and a revocation feed
// page. Nothing may crash, trip a sanitizer, throw, or forward a token that is
// not one the harness itself signed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/jws.h"
#include "core/jwt.h"
#include "gateway/pipeline.h"
#include "gateway/revocations.h"
#include "gateway/test_util.h"
#include "gateway/token_extractor.h"

namespace {

using namespace tollgate;
using namespace tollgate::gateway;

struct Harness {
  core::ManualClock clock{testing::kNow};
  std::shared_ptr<testing::FakeJwksCache> jwks =
      std::make_shared<testing::FakeJwksCache>(testing::public_jwks());
  std::shared_ptr<const RouteMatcher> routes = RouteMatcher::create(testing::test_catalog());
  std::shared_ptr<const Verifier> verifier =
      Verifier::create({testing::test_issuer()}, testing::test_catalog(), jwks, clock);
  core::Jwks keys = testing::public_jwks();
  TokenCache cache{64};
  std::string valid = testing::mint(testing::good_claims());
};

Harness& harness() {
  static Harness h;
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Harness& h = harness();
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  (void)parse_bearer(input);

  core::AlgSet all;
  for (core::Alg a : core::kAllAlgs) all.add(a);
  if (auto parsed = core::parse_compact(input, all)) {
    for (const auto& k : h.keys.keys()) (void)core::verify_signature(*parsed, k);
  }
  core::VerifyPolicy policy;
  policy.allowed_algs = all;
  policy.issuer = std::string(testing::kIssuer);
  (void)core::verify_jwt(input, h.keys, policy, h.clock.now());

  // Through the gateway: only bytes a header can carry reach decide().
  if (input.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos && size < 16 * 1024) {
    http::Request r{http::bhttp::verb::post, "/sim-swap/v2/check", 11};
    r.set(http::bhttp::field::authorization, "Bearer " + std::string(input));
    const Decision d = decide(std::move(r), {*h.routes, *h.verifier, &h.cache});
    const std::string header = "Bearer " + std::string(input);
    const auto token = parse_bearer(header);
    if (d.forwards() && !(token && *token == h.valid)) __builtin_trap();  // only our own token passes
  }

  (void)parse_feed_page(input);
  return 0;
}
