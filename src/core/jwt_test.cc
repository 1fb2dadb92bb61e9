// jwt_test.cc — JWT access-token verification: key selection, typ, registered claims, scope.
#include "core/jwt.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/json.h"
#include "core/test_support.h"

namespace tollgate::core {
namespace {

using testing::public_of;
using testing::test_key;

namespace json = boost::json;

constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::string_view kIssuer = "https://as.tollgate.example";
constexpr std::string_view kAudience = "https://api.tollgate.example";

TimePoint at(std::int64_t seconds, std::int64_t micros = 0) {
  return TimePoint(std::chrono::microseconds(seconds * 1'000'000 + micros));
}

json::object good_claims() {
  json::object c;
  c["iss"] = kIssuer;
  c["sub"] = "client-42";
  c["aud"] = kAudience;
  c["exp"] = kNow + 300;
  c["iat"] = kNow - 10;
  c["jti"] = "7c1b7a1e-0000-4000-8000-000000000001";
  c["client_id"] = "client-42";
  c["scope"] = "sim-swap:check openid";
  return c;
}

class JwtTest : public ::testing::Test {
 protected:
  JwtTest() {
    policy.allowed_algs = AlgSet{Alg::kRS256, Alg::kPS256, Alg::kES256, Alg::kEdDSA};
    policy.issuer = std::string(kIssuer);
    policy.audiences = {std::string(kAudience)};
    std::vector<Jwk> pubs;
    for (Alg a : kAllAlgs) pubs.push_back(public_of(test_key(a)));
    keys = Jwks(std::move(pubs));
  }

  std::string token(const json::object& claims, Alg alg = Alg::kES256,
                    std::optional<std::string_view> typ = "at+jwt") const {
    auto t = sign_compact(test_key(alg), alg, json::serialize(claims), typ);
    if (!t) throw std::runtime_error("sign failed");
    return *t;
  }

  JoseStatus verify(std::string_view tok, TimePoint now = at(kNow)) const {
    auto r = verify_jwt(tok, keys, policy, now);
    return r ? JoseStatus::kOk : r.error();
  }

  // Status of a token carrying `claims` (ES256, typ at+jwt).
  JoseStatus claims_status(const json::object& claims, TimePoint now = at(kNow)) const {
    return verify(token(claims), now);
  }

  VerifyPolicy policy;
  Jwks keys;
};

// A good access token verifies with every alg and VerifiedJwt carries its claims.
TEST_F(JwtTest, RoundTripEveryAlg) {
  for (Alg alg : kAllAlgs) {
    auto r = verify_jwt(token(good_claims(), alg), keys, policy, at(kNow));
    ASSERT_TRUE(r.has_value()) << alg_name(alg) << ": " << to_string(r.error());
    EXPECT_EQ(r->alg, alg);
    EXPECT_EQ(r->kid, test_key(alg).kid());
    EXPECT_EQ(r->iss, kIssuer);
    EXPECT_EQ(r->sub, "client-42");
    EXPECT_EQ(r->aud, std::vector<std::string>{std::string(kAudience)});
    EXPECT_EQ(r->exp, kNow + 300);
    EXPECT_EQ(r->iat, kNow - 10);
    EXPECT_EQ(r->nbf, std::nullopt);
    EXPECT_EQ(r->jti, "7c1b7a1e-0000-4000-8000-000000000001");
    EXPECT_EQ(r->client_id, "client-42");
    EXPECT_EQ(r->scope.to_string(), "openid sim-swap:check");
    EXPECT_EQ(r->claims.at("client_id").as_string(), "client-42");
  }
}

// A tampered signature fails verify_jwt with kSignatureInvalid.
TEST_F(JwtTest, TamperedSignature) {
  std::string t = token(good_claims());
  t[t.size() - 5] = t[t.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verify(t), JoseStatus::kSignatureInvalid);
}

// Parse failures surface unchanged from verify_jwt (e.g. alg none, alg outside the policy).
TEST_F(JwtTest, ParseFailuresSurface) {
  EXPECT_EQ(verify(""), JoseStatus::kTokenEmpty);
  EXPECT_EQ(verify(testing::b64(R"({"alg":"none"})") + "." + testing::b64("{}") + "."), JoseStatus::kAlgNone);
  policy.allowed_algs = AlgSet{Alg::kES256};
  EXPECT_EQ(verify(token(good_claims(), Alg::kRS256)), JoseStatus::kAlgNotAllowed);
}

// A kid that no key in the JWKS has is kKidUnknown.
TEST_F(JwtTest, KidUnknown) {
  auto stranger = Jwk::generate(Alg::kES256, "stranger");
  ASSERT_TRUE(stranger);
  auto t = sign_compact(*stranger, Alg::kES256, json::serialize(good_claims()), "at+jwt");
  ASSERT_TRUE(t);
  EXPECT_EQ(verify(*t), JoseStatus::kKidUnknown);
}

// A token whose kid names an RSA key but whose alg is ES256 is kKeyAlgMismatch.
TEST_F(JwtTest, RsaKeyWithEs256Token) {
  // Sign ES256 with a key that claims the RSA key's kid.
  const json::object priv = testing::private_jwk_json(test_key(Alg::kES256));
  json::object renamed = priv;
  renamed["kid"] = test_key(Alg::kRS256).kid();
  auto impostor = Jwk::from_json(renamed, true);
  ASSERT_TRUE(impostor) << to_string(impostor.error());
  auto t = sign_compact(*impostor, Alg::kES256, json::serialize(good_claims()), "at+jwt");
  ASSERT_TRUE(t);
  EXPECT_EQ(verify(*t), JoseStatus::kKeyAlgMismatch);
}

// An RSA key whose JWK "alg" is RS256 does not verify a PS256 token: kKeyAlgMismatch.
TEST_F(JwtTest, KeyAlgMemberMismatch) {
  auto t = sign_compact(test_key(Alg::kRS256), Alg::kPS256, json::serialize(good_claims()), "at+jwt");
  ASSERT_FALSE(t.has_value());  // the signer honours the key's alg too
  json::object o = testing::private_jwk_json(test_key(Alg::kRS256));
  o.erase("alg");
  auto unrestricted = Jwk::from_json(o, true);
  ASSERT_TRUE(unrestricted);
  auto ps = sign_compact(*unrestricted, Alg::kPS256, json::serialize(good_claims()), "at+jwt");
  ASSERT_TRUE(ps);
  EXPECT_EQ(verify(*ps), JoseStatus::kKeyAlgMismatch);  // the JWKS copy says RS256
}

// Without a kid, the single key that fits the alg is used; with two candidates it is kKidUnknown.
TEST_F(JwtTest, NoKidSelection) {
  json::object o = testing::private_jwk_json(test_key(Alg::kES256));
  o.erase("kid");
  auto nameless = Jwk::from_json(o, true);
  ASSERT_TRUE(nameless);
  auto t = sign_compact(*nameless, Alg::kES256, json::serialize(good_claims()), "at+jwt");
  ASSERT_TRUE(t);
  ASSERT_EQ(t->find("kid"), std::string::npos);
  auto r = verify_jwt(*t, keys, policy, at(kNow));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kid, test_key(Alg::kES256).kid());  // the selected key's kid

  auto second = Jwk::generate(Alg::kES256, "second");
  ASSERT_TRUE(second);
  std::vector<Jwk> two = keys.keys();
  two.push_back(public_of(*second));
  keys = Jwks(std::move(two));
  EXPECT_EQ(verify(*t), JoseStatus::kKidUnknown);
}

// ---- typ ---------------------------------------------------------------------------------

// A missing typ is kTypInvalid when a typ is required.
TEST_F(JwtTest, TypMissing) {
  EXPECT_EQ(verify(token(good_claims(), Alg::kES256, std::nullopt)), JoseStatus::kTypInvalid);
}

// Another typ ("JWT") is kTypInvalid.
TEST_F(JwtTest, TypMismatch) {
  EXPECT_EQ(verify(token(good_claims(), Alg::kES256, "JWT")), JoseStatus::kTypInvalid);
  EXPECT_EQ(verify(token(good_claims(), Alg::kES256, "at+jwt2")), JoseStatus::kTypInvalid);
  EXPECT_EQ(verify(token(good_claims(), Alg::kES256, "application/jwt")), JoseStatus::kTypInvalid);
  EXPECT_EQ(verify(token(good_claims(), Alg::kES256, "xapplication/at+jwt")), JoseStatus::kTypInvalid);
}

// "application/at+jwt" and other casings are accepted (RFC 9068 §4).
TEST_F(JwtTest, TypVariantsAccepted) {
  EXPECT_EQ(verify(token(good_claims(), Alg::kES256, "application/at+jwt")), JoseStatus::kOk);
  EXPECT_EQ(verify(token(good_claims(), Alg::kES256, "AT+JWT")), JoseStatus::kOk);
  EXPECT_EQ(verify(token(good_claims(), Alg::kES256, "Application/At+Jwt")), JoseStatus::kOk);
}

// With an empty required_typ, typ is not checked.
TEST_F(JwtTest, TypNotRequired) {
  policy.required_typ.clear();
  EXPECT_EQ(verify(token(good_claims(), Alg::kES256, std::nullopt)), JoseStatus::kOk);
  EXPECT_EQ(verify(token(good_claims(), Alg::kES256, "JWT")), JoseStatus::kOk);
}

// typ is checked after the signature: a forged token with a bad typ still reports the signature.
TEST_F(JwtTest, SignatureBeforeTyp) {
  std::string t = token(good_claims(), Alg::kES256, "JWT");
  t[t.size() - 5] = t[t.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verify(t), JoseStatus::kSignatureInvalid);
}

// ---- iss ---------------------------------------------------------------------------------

// A missing iss is kIssMissing, another issuer kIssMismatch, a non-string kClaimWrongType.
TEST_F(JwtTest, Issuer) {
  json::object c = good_claims();
  c.erase("iss");
  EXPECT_EQ(claims_status(c), JoseStatus::kIssMissing);
  c["iss"] = "https://evil.example";
  EXPECT_EQ(claims_status(c), JoseStatus::kIssMismatch);
  c["iss"] = std::string(kIssuer) + "/";
  EXPECT_EQ(claims_status(c), JoseStatus::kIssMismatch);
  c["iss"] = 7;
  EXPECT_EQ(claims_status(c), JoseStatus::kClaimWrongType);
  c["iss"] = "https://evil.example";
  policy.issuer.clear();
  EXPECT_EQ(claims_status(c), JoseStatus::kOk);
}

// ---- aud ---------------------------------------------------------------------------------

// aud as a string must equal one of our audiences.
TEST_F(JwtTest, AudString) {
  json::object c = good_claims();
  EXPECT_EQ(claims_status(c), JoseStatus::kOk);
  c["aud"] = "https://other.example";
  EXPECT_EQ(claims_status(c), JoseStatus::kAudMismatch);
}

// aud as an array must contain one of our audiences.
TEST_F(JwtTest, AudArray) {
  json::object c = good_claims();
  c["aud"] = json::array{"https://other.example", kAudience};
  EXPECT_EQ(claims_status(c), JoseStatus::kOk);
  auto r = verify_jwt(token(c), keys, policy, at(kNow));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->aud, (std::vector<std::string>{"https://other.example", std::string(kAudience)}));
  c["aud"] = json::array{"https://other.example", "https://third.example"};
  EXPECT_EQ(claims_status(c), JoseStatus::kAudMismatch);
  c["aud"] = json::array{};
  EXPECT_EQ(claims_status(c), JoseStatus::kAudMissing);
}

// Any of several configured audiences is accepted.
TEST_F(JwtTest, AudAnyOfPolicy) {
  policy.audiences = {"https://a.example", std::string(kAudience)};
  EXPECT_EQ(claims_status(good_claims()), JoseStatus::kOk);
  policy.audiences.clear();  // any audience
  json::object c = good_claims();
  c["aud"] = "https://whatever.example";
  EXPECT_EQ(claims_status(c), JoseStatus::kOk);
}

// A missing aud is kAudMissing; non-string shapes are kClaimWrongType.
TEST_F(JwtTest, AudMissingOrWrongType) {
  json::object c = good_claims();
  c.erase("aud");
  EXPECT_EQ(claims_status(c), JoseStatus::kAudMissing);
  c["aud"] = 5;
  EXPECT_EQ(claims_status(c), JoseStatus::kClaimWrongType);
  c["aud"] = json::array{kAudience, 5};
  EXPECT_EQ(claims_status(c), JoseStatus::kClaimWrongType);
  c["aud"] = json::object{{"aud", kAudience}};
  EXPECT_EQ(claims_status(c), JoseStatus::kClaimWrongType);
}

// ---- exp -----------------------------------------------------------------------------------

// With 30 s skew a token whose exp = now - 30 is expired and exp = now - 29 is still valid.
TEST_F(JwtTest, ExpBoundaryWithSkew) {
  json::object c = good_claims();
  c["iat"] = kNow - 100;
  c["exp"] = kNow - 30;
  EXPECT_EQ(claims_status(c), JoseStatus::kExpired);
  c["exp"] = kNow - 29;
  EXPECT_EQ(claims_status(c), JoseStatus::kOk);
}

// Without skew, exp is the first invalid second: exp = now is expired, exp = now + 1 valid.
TEST_F(JwtTest, ExpBoundaryNoSkew) {
  policy.clock_skew = std::chrono::seconds(0);
  json::object c = good_claims();
  c["exp"] = kNow;
  EXPECT_EQ(claims_status(c), JoseStatus::kExpired);
  c["exp"] = kNow + 1;
  EXPECT_EQ(claims_status(c), JoseStatus::kOk);
}

// Time is compared in whole seconds (floor of now): 0.999999 s into a second is still that second.
TEST_F(JwtTest, ExpUsesFloorOfNow) {
  json::object c = good_claims();
  c["exp"] = kNow - 29;
  EXPECT_EQ(claims_status(c, at(kNow, 999'999)), JoseStatus::kOk);
  EXPECT_EQ(claims_status(c, at(kNow + 1)), JoseStatus::kExpired);
}

// A missing exp is kExpMissing; a string or fractional exp is kClaimWrongType; 1e9-style integral doubles pass.
TEST_F(JwtTest, ExpMissingOrWrongType) {
  json::object c = good_claims();
  c.erase("exp");
  EXPECT_EQ(claims_status(c), JoseStatus::kExpMissing);
  c["exp"] = "soon";
  EXPECT_EQ(claims_status(c), JoseStatus::kClaimWrongType);
  c["exp"] = static_cast<double>(kNow) + 300.5;
  EXPECT_EQ(claims_status(c), JoseStatus::kClaimWrongType);
  c["exp"] = true;
  EXPECT_EQ(claims_status(c), JoseStatus::kClaimWrongType);
  c["exp"] = nullptr;
  EXPECT_EQ(claims_status(c), JoseStatus::kClaimWrongType);
  c["exp"] = static_cast<double>(kNow + 300);
  EXPECT_EQ(claims_status(c), JoseStatus::kOk);
}

// Extreme exp values neither overflow nor wrap: INT64_MAX is valid, INT64_MIN expired.
TEST_F(JwtTest, ExpExtremes) {
  json::object c = good_claims();
  c["exp"] = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(claims_status(c), JoseStatus::kOk);
  c["exp"] = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(claims_status(c), JoseStatus::kExpired);
  c["exp"] = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(claims_status(c), JoseStatus::kClaimWrongType);
}

// ---- nbf -----------------------------------------------------------------------------------

// With 30 s skew nbf = now + 30 is valid and nbf = now + 31 not yet valid.
TEST_F(JwtTest, NbfBoundaryWithSkew) {
  json::object c = good_claims();
  c["nbf"] = kNow + 30;
  EXPECT_EQ(claims_status(c), JoseStatus::kOk);
  c["nbf"] = kNow + 31;
  EXPECT_EQ(claims_status(c), JoseStatus::kNotYetValid);
  c["nbf"] = "later";
  EXPECT_EQ(claims_status(c), JoseStatus::kClaimWrongType);
  c["nbf"] = kNow - 1000;
  auto r = verify_jwt(token(c), keys, policy, at(kNow));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->nbf, kNow - 1000);
}

// ---- iat and max age -------------------------------------------------------------------------

// With 30 s skew iat = now + 30 is accepted and iat = now + 31 is in the future.
TEST_F(JwtTest, IatBoundaryWithSkew) {
  json::object c = good_claims();
  c["iat"] = kNow + 30;
  EXPECT_EQ(claims_status(c), JoseStatus::kOk);
  c["iat"] = kNow + 31;
  EXPECT_EQ(claims_status(c), JoseStatus::kIatInFuture);
  c["iat"] = "now";
  EXPECT_EQ(claims_status(c), JoseStatus::kClaimWrongType);
}

// A missing iat is kIatMissing when required, accepted otherwise.
TEST_F(JwtTest, IatMissing) {
  json::object c = good_claims();
  c.erase("iat");
  EXPECT_EQ(claims_status(c), JoseStatus::kIatMissing);
  policy.require_iat = false;
  EXPECT_EQ(claims_status(c), JoseStatus::kOk);
  policy.max_age = std::chrono::seconds(300);  // a max age needs iat
  EXPECT_EQ(claims_status(c), JoseStatus::kIatMissing);
}

// With max_age 300 and skew 30, iat = now - 330 is accepted and iat = now - 331 too old.
TEST_F(JwtTest, MaxAgeBoundary) {
  policy.max_age = std::chrono::seconds(300);
  json::object c = good_claims();
  c["iat"] = kNow - 330;
  EXPECT_EQ(claims_status(c), JoseStatus::kOk);
  c["iat"] = kNow - 331;
  EXPECT_EQ(claims_status(c), JoseStatus::kTokenTooOld);
  policy.max_age.reset();
  EXPECT_EQ(claims_status(c), JoseStatus::kOk);
}

// ---- sub, jti, client_id ------------------------------------------------------------------------

// sub and jti are enforced only when the policy requires them.
TEST_F(JwtTest, SubAndJtiRequired) {
  json::object c = good_claims();
  c.erase("sub");
  c.erase("jti");
  EXPECT_EQ(claims_status(c), JoseStatus::kOk);
  policy.require_sub = true;
  EXPECT_EQ(claims_status(c), JoseStatus::kSubMissing);
  c["sub"] = "alice";
  EXPECT_EQ(claims_status(c), JoseStatus::kOk);
  policy.require_jti = true;
  EXPECT_EQ(claims_status(c), JoseStatus::kJtiMissing);
  c["jti"] = "j-1";
  EXPECT_EQ(claims_status(c), JoseStatus::kOk);
  c["sub"] = 5;
  EXPECT_EQ(claims_status(c), JoseStatus::kClaimWrongType);
}

// client_id is optional but must be a string when present.
TEST_F(JwtTest, ClientIdType) {
  json::object c = good_claims();
  c.erase("client_id");
  auto r = verify_jwt(token(c), keys, policy, at(kNow));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->client_id, "");
  c["client_id"] = 42;
  EXPECT_EQ(claims_status(c), JoseStatus::kClaimWrongType);
}

// ---- scope --------------------------------------------------------------------------------------

// The scope claim is parsed exactly; malformed scope strings are kScopeInvalid.
TEST_F(JwtTest, Scope) {
  json::object c = good_claims();
  c["scope"] = "sim-swap:check-extra device-location:verify";
  auto r = verify_jwt(token(c), keys, policy, at(kNow));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->scope.contains("sim-swap:check"));
  EXPECT_TRUE(r->scope.contains("sim-swap:check-extra"));
  EXPECT_TRUE(r->scope.contains("device-location:verify"));
  c["scope"] = "a  b";
  EXPECT_EQ(claims_status(c), JoseStatus::kScopeInvalid);
  c["scope"] = "a\"b";
  EXPECT_EQ(claims_status(c), JoseStatus::kScopeInvalid);
  c["scope"] = json::array{"a", "b"};
  EXPECT_EQ(claims_status(c), JoseStatus::kScopeInvalid);
  c.erase("scope");
  auto none = verify_jwt(token(c), keys, policy, at(kNow));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->scope.empty());
}

// ---- order -----------------------------------------------------------------------------------

// Claims are checked in the documented order: iss, aud, exp, nbf, iat, max age, sub/jti.
TEST_F(JwtTest, ClaimOrder) {
  policy.require_sub = true;
  policy.max_age = std::chrono::seconds(10);
  json::object c;
  c["iss"] = "https://evil.example";
  c["aud"] = "https://other.example";
  c["exp"] = kNow - 100;
  c["nbf"] = kNow + 100;
  c["iat"] = kNow + 100;
  EXPECT_EQ(check_claims(c, policy, at(kNow)), JoseStatus::kIssMismatch);
  c["iss"] = kIssuer;
  EXPECT_EQ(check_claims(c, policy, at(kNow)), JoseStatus::kAudMismatch);
  c["aud"] = kAudience;
  EXPECT_EQ(check_claims(c, policy, at(kNow)), JoseStatus::kExpired);
  c["exp"] = kNow + 100;
  EXPECT_EQ(check_claims(c, policy, at(kNow)), JoseStatus::kNotYetValid);
  c["nbf"] = kNow;
  EXPECT_EQ(check_claims(c, policy, at(kNow)), JoseStatus::kIatInFuture);
  c["iat"] = kNow - 100;
  EXPECT_EQ(check_claims(c, policy, at(kNow)), JoseStatus::kTokenTooOld);
  c["iat"] = kNow;
  EXPECT_EQ(check_claims(c, policy, at(kNow)), JoseStatus::kSubMissing);
  c["sub"] = "x";
  EXPECT_EQ(check_claims(c, policy, at(kNow)), JoseStatus::kOk);
}

// Claim checks run only after the signature: an expired, forged token reports the signature.
TEST_F(JwtTest, SignatureBeforeClaims) {
  json::object c = good_claims();
  c["exp"] = kNow - 1000;
  std::string t = token(c);
  EXPECT_EQ(verify(t), JoseStatus::kExpired);
  t[t.size() - 5] = t[t.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verify(t), JoseStatus::kSignatureInvalid);
}

// One shared Jwks verifies tokens of every alg from several threads at once.
TEST_F(JwtTest, ConcurrentVerification) {
  std::vector<std::string> tokens;
  for (Alg alg : kAllAlgs) tokens.push_back(token(good_claims(), alg));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string& tok = tokens[static_cast<std::size_t>(t + i) % tokens.size()];
        if (!verify_jwt(tok, keys, policy, at(kNow))) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace tollgate::core
