#include "gateway/pipeline.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include "gateway/test_util.h"
#include "http/camara.h"

namespace tollgate::gateway {
namespace {

using namespace testing;
namespace bhttp = http::bhttp;

constexpr std::string_view k401Body =
    R"({"status":401,"code":"UNAUTHENTICATED","message":"Request not authenticated due to missing, invalid, or expired credentials."})";
constexpr std::string_view k403Body =
    R"({"status":403,"code":"PERMISSION_DENIED","message":"Client does not have sufficient permissions to perform this action."})";
constexpr std::string_view k400Body =
    R"({"status":400,"code":"INVALID_ARGUMENT","message":"Client specified an invalid argument, request body or query param."})";
constexpr std::string_view kInvalidToken = R"(Bearer realm="tollgate", error="invalid_token")";

class PipelineTest : public ::testing::Test {
 protected:
  core::ManualClock clock_{kNow};
  std::shared_ptr<FakeJwksCache> jwks_ = std::make_shared<FakeJwksCache>(public_jwks());
  std::shared_ptr<const RouteMatcher> routes_ = RouteMatcher::create(test_catalog());
  std::shared_ptr<const Verifier> verifier_ = make_verifier(test_issuer());

  std::shared_ptr<const Verifier> make_verifier(IssuerConfig issuer) {
    return Verifier::create({std::move(issuer)}, test_catalog(), jwks_, clock_);
  }

  static http::Request request(std::optional<std::string> token,
                               std::string_view target = "/sim-swap/v2/check",
                               bhttp::verb verb = bhttp::verb::post) {
    http::Request r{verb, target, 11};
    r.set(bhttp::field::host, "gw.example");
    r.set(bhttp::field::content_type, "application/json");
    r.set(bhttp::field::accept, "application/json");
    if (token) r.set(bhttp::field::authorization, "Bearer " + *token);
    r.body() = R"({"phoneNumber":"+34600000001","maxAge":240})";
    r.prepare_payload();
    return r;
  }

  Decision run(http::Request r) { return decide(std::move(r), {*routes_, *verifier_}); }
  Decision run_token(const std::string& token) { return run(request(token)); }

  // A refusal with the exact 401 answer; returns the logged reason.
  static std::string expect_401(const Decision& d) {
    EXPECT_FALSE(d.forwards());
    if (d.forwards()) return "forwarded";
    const auto& res = std::get<http::Response>(d.action);
    EXPECT_EQ(res.result_int(), 401u);
    EXPECT_EQ(res[bhttp::field::www_authenticate], kInvalidToken);
    EXPECT_EQ(res.body(), k401Body);
    EXPECT_EQ(res[bhttp::field::content_type], "application/json");
    EXPECT_EQ(res[http::kCorrelatorHeader], d.correlator);
    EXPECT_EQ(d.record.status, 401u);
    return d.record.reason;
  }

  static const http::Response& refusal(const Decision& d) {
    return std::get<http::Response>(d.action);
  }
  // The bytes the gateway would send upstream, parsed back.
  static http::Request forwarded(const Decision& d) {
    return parse_request(std::get<Forward>(d.action).wire);
  }
};

// A valid token for the route's product is forwarded with the verified identity and without the
// token.
TEST_F(PipelineTest, ValidTokenForwardsWithIdentityHeaders) {
  auto r = request(mint(good_claims()), "/sim-swap/v2/check?trace=1");
  r.set(http::kCorrelatorHeader, "abc-123");
  const Decision d = run(std::move(r));
  ASSERT_TRUE(d.forwards()) << d.record.reason;
  EXPECT_EQ(std::get<Forward>(d.action).upstream, "network");
  const auto& up = forwarded(d);
  EXPECT_EQ(up.method(), bhttp::verb::post);
  EXPECT_EQ(up.target(), "/sim-swap/v2/check?trace=1");
  EXPECT_EQ(up.body(), R"({"phoneNumber":"+34600000001","maxAge":240})");
  EXPECT_EQ(up[bhttp::field::content_type], "application/json");
  EXPECT_EQ(up[bhttp::field::accept], "application/json");
  EXPECT_EQ(up.count(bhttp::field::authorization), 0u);
  EXPECT_EQ(up["x-tollgate-client-id"], "client-42");
  EXPECT_EQ(up["x-tollgate-partner"], "acme-fraud");
  EXPECT_EQ(up["x-tollgate-scope"], "sim-swap:check");
  EXPECT_EQ(up["x-tollgate-token-jti"], "jti-0001");
  EXPECT_EQ(up["x-tollgate-token-type"], "2-legged");
  EXPECT_EQ(up[http::kCorrelatorHeader], "abc-123");
  EXPECT_EQ(d.correlator, "abc-123");
  EXPECT_EQ(d.record.reason, "ok");
  EXPECT_EQ(d.record.client_id, "client-42");
  EXPECT_EQ(d.record.jti, "jti-0001");
  EXPECT_EQ(d.record.product, "sim-swap");
  EXPECT_EQ(d.record.path, "/sim-swap/v2/check");  // no query string in the log
}

// RS256 keys from the same issuer work as well as ES256 ones.
TEST_F(PipelineTest, Rs256TokenForwards) {
  EXPECT_TRUE(run_token(mint(good_claims(), keys().rsa, core::Alg::kRS256)).forwards());
}

// RFC 9068 §2.2 claims the gateway relies on: a token without a jti cannot be
// revoked on its own, one without a client (client_id, or azp from a generic IdP)
// escapes the block list, the client revocations, the per-client rate limit and
// the network's resource ownership; both are refused. azp alone names the client.
TEST_F(PipelineTest, TokenWithoutJtiOrClientIs401) {
  auto no_jti = good_claims();
  no_jti.erase("jti");
  EXPECT_EQ(expect_401(run_token(mint(no_jti))), "jti_missing");
  auto empty_jti = good_claims();
  empty_jti["jti"] = "";
  EXPECT_EQ(expect_401(run_token(mint(empty_jti))), "jti_missing");

  auto no_client = good_claims();
  no_client.erase("client_id");
  EXPECT_EQ(expect_401(run_token(mint(no_client))), "client_id_missing");
  auto empty_client = good_claims();
  empty_client["client_id"] = "";
  EXPECT_EQ(expect_401(run_token(mint(empty_client))), "client_id_missing");

  auto azp = no_client;
  azp["azp"] = "idp-app-7";
  const Decision d = run_token(mint(azp));
  ASSERT_TRUE(d.forwards()) << d.record.reason;
  EXPECT_EQ(forwarded(d)["x-tollgate-client-id"], "idp-app-7");
}

// exp is enforced with the issuer's clock skew: 29 s past is fine, 30 s past is expired.
TEST_F(PipelineTest, ExpiredTokenIs401) {
  auto c = good_claims();
  c["exp"] = kNow - 29;
  EXPECT_TRUE(run_token(mint(c)).forwards());
  c["exp"] = kNow - 30;
  EXPECT_EQ(expect_401(run_token(mint(c))), "token_expired");
  clock_.advance(std::chrono::hours(1));
  EXPECT_EQ(expect_401(run_token(mint(good_claims()))), "token_expired");
}

// A token for another product's audience does not open this product.
TEST_F(PipelineTest, WrongAudienceIs401) {
  EXPECT_EQ(expect_401(run_token(mint(good_claims(kQodAudience)))), "aud_mismatch");
}

// The issuer's extra audiences are accepted besides the product's own.
TEST_F(PipelineTest, IssuerExtraAudienceAccepted) {
  auto issuer = test_issuer();
  issuer.audiences = {"telco-api"};
  verifier_ = make_verifier(issuer);
  EXPECT_TRUE(run_token(mint(good_claims("telco-api"))).forwards());
  auto c = good_claims();
  c["aud"] = boost::json::array{"other", "telco-api"};
  EXPECT_TRUE(run_token(mint(c)).forwards());
  EXPECT_EQ(expect_401(run_token(mint(good_claims("other-api")))), "aud_mismatch");
}

// A token from an issuer we do not trust is refused even when signed by a key we hold.
TEST_F(PipelineTest, WrongIssuerIs401) {
  auto c = good_claims();
  c["iss"] = "https://evil.example";
  EXPECT_EQ(expect_401(run_token(mint(c))), "iss_mismatch");
  c["iss"] = std::string(kIssuer) + "/";
  EXPECT_EQ(expect_401(run_token(mint(c))), "iss_mismatch");
}

// alg "none" (any casing) is refused.
TEST_F(PipelineTest, AlgNoneIs401) {
  const auto payload = b64(boost::json::serialize(good_claims()));
  EXPECT_EQ(expect_401(run_token(b64(R"({"alg":"none","typ":"at+jwt"})") + "." + payload + ".")),
            "alg_none");
  EXPECT_EQ(expect_401(run_token(b64(R"({"alg":"nOnE","typ":"at+jwt"})") + "." + payload + ".")),
            "alg_none");
}

// HS256 signed with the RSA public key as the HMAC secret (alg confusion) is refused.
TEST_F(PipelineTest, HmacAlgConfusionIs401) {
  const std::string pem = keys().rsa.to_public_pem();
  const std::string input = b64(R"({"alg":"HS256","typ":"at+jwt","kid":"rsa-1"})") + "." +
                            b64(boost::json::serialize(good_claims()));
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), pem.data(), static_cast<int>(pem.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  const std::string token =
      input + "." + b64(std::string_view(reinterpret_cast<const char*>(mac), len));
  EXPECT_EQ(expect_401(run_token(token)), "alg_hmac_refused");
}

// An unknown kid fails the request and asks the JWKS cache for a refresh.
TEST_F(PipelineTest, UnknownKidIs401AndRequestsRefresh) {
  EXPECT_EQ(expect_401(run_token(mint(good_claims(), keys().ec_rotated))), "kid_unknown");
  EXPECT_EQ(jwks_->refreshes.load(), 1);
  // Once the cache holds the new key, the same token passes.
  jwks_->set(core::Jwks({public_of(keys().ec), public_of(keys().ec_rotated)}));
  EXPECT_TRUE(run_token(mint(good_claims(), keys().ec_rotated)).forwards());
}

// A tampered signature or payload, or another key using our kid, is refused.
TEST_F(PipelineTest, TamperedSignatureIs401) {
  const std::string token = mint(good_claims());
  const auto dot = token.rfind('.');
  std::string flipped = token;
  flipped[dot + 10] = flipped[dot + 10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(expect_401(run_token(flipped)), "signature_invalid");

  // Elevated scope in the payload, original signature kept.
  const auto first = token.find('.');
  const std::string elevated =
      token.substr(0, first + 1) +
      b64(boost::json::serialize(good_claims(kSimSwapAudience, "sim-swap"))) + token.substr(dot);
  EXPECT_EQ(expect_401(run_token(elevated)), "signature_invalid");

  EXPECT_EQ(expect_401(run_token(mint(good_claims(), keys().ec_other))), "signature_invalid");
  EXPECT_EQ(expect_401(run_token(token.substr(0, dot + 21))), "signature_malformed");
}

// Garbage shaped as a bearer credential is the same generic 401.
TEST_F(PipelineTest, GarbageTokenIs401) {
  EXPECT_EQ(expect_401(run_token("not-a-jwt")), "token_malformed");
  EXPECT_EQ(expect_401(run(request(std::string("a b")))), "bearer_malformed");
}

// The typ header must be at+jwt unless the issuer is configured not to check it.
TEST_F(PipelineTest, TypCheckedPerIssuer) {
  EXPECT_EQ(expect_401(run_token(mint(good_claims(), keys().ec, core::Alg::kES256, "JWT"))),
            "typ_invalid");
  auto issuer = test_issuer();
  issuer.required_typ = "";
  verifier_ = make_verifier(issuer);
  EXPECT_TRUE(run_token(mint(good_claims(), keys().ec, core::Alg::kES256, "JWT")).forwards());
}

// An algorithm outside the issuer's allow-list is refused even with a good signature.
TEST_F(PipelineTest, AlgorithmOutsideIssuerListIs401) {
  auto issuer = test_issuer();
  issuer.algorithms = core::AlgSet{core::Alg::kES256};
  verifier_ = make_verifier(issuer);
  EXPECT_EQ(expect_401(run_token(mint(good_claims(), keys().rsa, core::Alg::kRS256))),
            "alg_not_allowed");
}

// No Authorization header: 401 with a bare Bearer challenge (RFC 6750 §3.1) and the generic body.
TEST_F(PipelineTest, MissingTokenIs401WithoutErrorAttribute) {
  const Decision d = run(request(std::nullopt));
  ASSERT_FALSE(d.forwards());
  const auto& res = refusal(d);
  EXPECT_EQ(res.result_int(), 401u);
  EXPECT_EQ(res[bhttp::field::www_authenticate], R"(Bearer realm="tollgate")");
  EXPECT_EQ(res.body(), k401Body);
  EXPECT_EQ(d.record.reason, "token_missing");
}

// Two Authorization headers are a 400 invalid_request.
TEST_F(PipelineTest, TwoAuthorizationHeadersIs400) {
  auto r = request(mint(good_claims()));
  r.insert(bhttp::field::authorization, "Bearer " + mint(good_claims()));
  const Decision d = run(std::move(r));
  ASSERT_FALSE(d.forwards());
  EXPECT_EQ(refusal(d).result_int(), 400u);
  EXPECT_EQ(refusal(d)[bhttp::field::www_authenticate],
            R"(Bearer realm="tollgate", error="invalid_request")");
  EXPECT_EQ(refusal(d).body(), k400Body);
  EXPECT_EQ(d.record.reason, "authorization_duplicated");
}

// A token without the route's scope gets 403 naming the scopes the route accepts.
TEST_F(PipelineTest, MissingScopeIs403) {
  const Decision d = run_token(mint(good_claims(kSimSwapAudience, "sim-swap:retrieve-date")));
  ASSERT_FALSE(d.forwards());
  const auto& res = refusal(d);
  EXPECT_EQ(res.result_int(), 403u);
  EXPECT_EQ(
      res[bhttp::field::www_authenticate],
      R"(Bearer realm="tollgate", error="insufficient_scope", scope="sim-swap:check sim-swap")");
  EXPECT_EQ(res.body(), k403Body);
  EXPECT_EQ(res[http::kCorrelatorHeader], d.correlator);
  EXPECT_EQ(d.record.reason, "scope_insufficient");
  EXPECT_EQ(d.record.client_id, "client-42");
}

// A scope that merely starts with the required one does not satisfy it.
TEST_F(PipelineTest, ScopeSuperstringIs403) {
  const Decision d =
      run_token(mint(good_claims(kSimSwapAudience, "sim-swap:check-extra sim-swap:checkx")));
  ASSERT_FALSE(d.forwards());
  EXPECT_EQ(refusal(d).result_int(), 403u);
  EXPECT_EQ(d.record.reason, "scope_insufficient");
}

// any_of: either the operation scope or the API-level scope opens the route.
TEST_F(PipelineTest, AnyOfAcceptsEitherScope) {
  EXPECT_TRUE(run_token(mint(good_claims(kSimSwapAudience, "sim-swap:check"))).forwards());
  EXPECT_TRUE(run_token(mint(good_claims(kSimSwapAudience, "sim-swap"))).forwards());
  EXPECT_TRUE(run_token(mint(good_claims(kSimSwapAudience, "openid sim-swap device-location:read")))
                  .forwards());
}

// all_of: every listed scope is needed.
TEST_F(PipelineTest, AllOfNeedsEveryScope) {
  auto one = run(request(mint(good_claims(kQodAudience, "quality-on-demand:sessions:create")),
                         "/quality-on-demand/v1/sessions"));
  ASSERT_FALSE(one.forwards());
  EXPECT_EQ(
      refusal(one)[bhttp::field::www_authenticate],
      R"(Bearer realm="tollgate", error="insufficient_scope", scope="quality-on-demand:sessions:create qod:audit")");
  EXPECT_TRUE(
      run(request(mint(good_claims(kQodAudience, "qod:audit quality-on-demand:sessions:create")),
                  "/quality-on-demand/v1/sessions"))
          .forwards());
}

// Identity headers sent by the caller never reach the upstream; ours replace them.
TEST_F(PipelineTest, IncomingTollgateHeadersStripped) {
  auto r = request(mint(good_claims()));
  r.set("X-Tollgate-Client-Id", "admin");
  r.set("x-tollgate-partner", "someone-else");
  r.set("X-TOLLGATE-ROLE", "root");
  r.set(bhttp::field::connection, "keep-alive, x-secret-hop");
  r.set("x-secret-hop", "1");
  r.set(bhttp::field::proxy_authorization, "Basic eA==");
  const Decision d = run(std::move(r));
  ASSERT_TRUE(d.forwards());
  const auto& up = forwarded(d);
  EXPECT_EQ(up.count("x-tollgate-client-id"), 1u);
  EXPECT_EQ(up["x-tollgate-client-id"], "client-42");
  EXPECT_EQ(up["x-tollgate-partner"], "acme-fraud");
  EXPECT_EQ(up.count("x-tollgate-role"), 0u);
  EXPECT_EQ(up.count("x-secret-hop"), 0u);
  EXPECT_EQ(up.count(bhttp::field::proxy_authorization), 0u);
}

// A claim that would inject a header line is refused rather than forwarded.
TEST_F(PipelineTest, UnsafeClaimIs401) {
  auto c = good_claims();
  c["partner"] = "acme\r\nx-tollgate-client-id: admin";
  EXPECT_EQ(expect_401(run_token(mint(c))), "claim_unsafe_for_header");
}

// An invalid x-correlator is 400 INVALID_ARGUMENT, answered with a fresh correlator instead.
TEST_F(PipelineTest, BadCorrelatorIs400) {
  for (std::string bad :
       {std::string("has space"), std::string("semi;colon!"), std::string(257, 'a')}) {
    auto r = request(mint(good_claims()));
    r.set(http::kCorrelatorHeader, bad);
    const Decision d = run(std::move(r));
    ASSERT_FALSE(d.forwards());
    const auto& res = refusal(d);
    EXPECT_EQ(res.result_int(), 400u);
    EXPECT_EQ(res.body(), k400Body);
    EXPECT_EQ(res[http::kCorrelatorHeader].size(), 36u);
    EXPECT_NE(res[http::kCorrelatorHeader], bad);
    EXPECT_EQ(d.record.reason, "correlator_invalid");
  }
}

// A valid correlator is echoed on refusals too; an absent one is generated (UUID) and forwarded.
TEST_F(PipelineTest, CorrelatorEchoedOrGenerated) {
  auto r = request(std::nullopt);
  r.set(http::kCorrelatorHeader, "a-Z_0:9;./<>{}");
  const Decision refused = run(std::move(r));
  EXPECT_EQ(refusal(refused)[http::kCorrelatorHeader], "a-Z_0:9;./<>{}");
  EXPECT_EQ(refused.record.correlator, "a-Z_0:9;./<>{}");

  const Decision d = run_token(mint(good_claims()));
  ASSERT_TRUE(d.forwards());
  EXPECT_EQ(d.correlator.size(), 36u);
  EXPECT_EQ(forwarded(d)[http::kCorrelatorHeader], d.correlator);
}

// Unknown paths are 404 and wrong methods 405 with Allow, both before any token work.
TEST_F(PipelineTest, NotFoundAndMethodNotAllowed) {
  const Decision nf = run(request(std::nullopt, "/sim-swap/v2/nope"));
  EXPECT_EQ(refusal(nf).result_int(), 404u);
  EXPECT_EQ(
      refusal(nf).body(),
      R"({"status":404,"code":"NOT_FOUND","message":"The specified resource is not found."})");
  EXPECT_EQ(nf.record.reason, "route_not_found");

  const Decision na = run(request(std::nullopt, "/sim-swap/v2/check", bhttp::verb::get));
  EXPECT_EQ(refusal(na).result_int(), 405u);
  EXPECT_EQ(refusal(na)[bhttp::field::allow], "POST");
  EXPECT_EQ(
      refusal(na).body(),
      R"({"status":405,"code":"METHOD_NOT_ALLOWED","message":"The requested method is not allowed/supported on the target resource."})");
  EXPECT_EQ(na.record.reason, "method_not_allowed");

  const Decision bp = run(request(std::nullopt, "/sim-swap/v2/../v2/check"));
  EXPECT_EQ(refusal(bp).result_int(), 400u);
  EXPECT_EQ(bp.record.reason, "path_invalid");
}

// The access-log record of a refusal names the reason and never the token.
TEST_F(PipelineTest, AccessRecordCarriesNoToken) {
  auto c = good_claims();
  c["exp"] = kNow - 3600;
  const std::string token = mint(c);
  const Decision d = run_token(token);
  const std::string line = boost::json::serialize(to_json(d.record));
  EXPECT_EQ(line.find(token.substr(0, 20)), std::string::npos);
  EXPECT_NE(line.find(R"("reason":"token_expired")"), std::string::npos);
  EXPECT_NE(line.find(R"("status":401)"), std::string::npos);
  EXPECT_NE(line.find(R"("product":"sim-swap")"), std::string::npos);
}

}  // namespace
}  // namespace tollgate::gateway
