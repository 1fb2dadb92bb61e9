// attacks_test.cc — the JWT attack catalogue of issue 4, each through the whole
// decision (pipeline.h) with the exact status, WWW-Authenticate header, CAMARA
// body and logged reason; plus mutation sweeps that must never forward, never
// answer 5xx and never throw.
#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <random>

#include "core/base64url.h"
#include "gateway/jwks_cache.h"
#include "gateway/pipeline.h"
#include "gateway/test_util.h"
#include "http/camara.h"

namespace tollgate::gateway {
namespace {

using namespace testing;
namespace bhttp = http::bhttp;

constexpr std::string_view k401Body =
    R"({"status":401,"code":"UNAUTHENTICATED","message":"Request not authenticated due to missing, invalid, or expired credentials."})";
constexpr std::string_view kInvalidToken = R"(Bearer realm="tollgate", error="invalid_token")";

std::string raw(const unsigned char* p, std::size_t n) {
  return std::string(reinterpret_cast<const char*>(p), n);
}

class AttackTest : public ::testing::Test {
 protected:
  core::ManualClock clock_{kNow};
  std::shared_ptr<FakeJwksCache> jwks_ = std::make_shared<FakeJwksCache>(public_jwks());
  std::shared_ptr<const RouteMatcher> routes_ = RouteMatcher::create(test_catalog());
  std::shared_ptr<const Verifier> verifier_ =
      Verifier::create({test_issuer()}, test_catalog(), jwks_, clock_);

  Decision run_auth(std::vector<std::string> authorization_values) {
    http::Request r{bhttp::verb::post, "/sim-swap/v2/check", 11};
    r.set(bhttp::field::content_type, "application/json");
    for (auto& v : authorization_values) r.insert(bhttp::field::authorization, v);
    r.body() = R"({"phoneNumber":"+34600000001"})";
    r.prepare_payload();
    return decide(std::move(r), {*routes_, *verifier_});
  }
  Decision run(const std::string& token) { return run_auth({"Bearer " + token}); }

  // The exact 401 every invalid token gets; returns the precise reason that went to the log.
  std::string refused_401(const std::string& token) { return check_401(run(token)); }

  static std::string check_401(const Decision& d) {
    EXPECT_FALSE(d.forwards());
    if (d.forwards()) return "FORWARDED";
    const auto& res = std::get<http::Response>(d.action);
    EXPECT_EQ(res.result_int(), 401u);
    EXPECT_EQ(res[bhttp::field::www_authenticate], kInvalidToken);
    EXPECT_EQ(res.body(), k401Body);
    return d.record.reason;
  }

  static std::string payload() { return b64(boost::json::serialize(good_claims())); }
  // A token with this exact header text, our payload and an ES256-looking signature.
  static std::string with_header(std::string_view header_json, std::string signature = "") {
    if (signature.empty()) signature = b64(std::string(64, '\x11'));
    return b64(header_json) + "." + payload() + "." + signature;
  }
};

// alg none in every casing, with or without a signature segment: never accepted.
TEST_F(AttackTest, AlgNoneAnyCasing) {
  for (const char* alg : {"none", "None", "NONE", "nOnE", "NoNe"}) {
    const std::string h = std::string(R"({"alg":")") + alg + R"(","typ":"at+jwt"})";
    EXPECT_EQ(refused_401(b64(h) + "." + payload() + "."), "alg_none") << alg;
    EXPECT_EQ(refused_401(with_header(h)), "alg_none") << alg;
  }
}

// HS256/384/512 "signed" with our RSA public key (PEM and JWK text) as the HMAC secret.
TEST_F(AttackTest, HmacWithRsaPublicKey) {
  const std::string pem = keys().rsa.to_public_pem();
  const std::string jwk = boost::json::serialize(keys().rsa.to_public_json());
  for (const std::string& secret : {pem, jwk}) {
    for (const char* alg : {"HS256", "HS384", "HS512", "hs256"}) {
      const std::string input =
          b64(std::string(R"({"alg":")") + alg + R"(","kid":"rsa-1","typ":"at+jwt"})") + "." +
          payload();
      unsigned char mac[64];
      unsigned int len = 0;
      HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
      EXPECT_EQ(refused_401(input + "." + b64(raw(mac, len))), "alg_hmac_refused") << alg;
    }
  }
}

// A key embedded in the header (jwk), or pointed to (jku, x5u, x5c), is refused before any key is
// looked at: nothing is fetched and no refresh is requested.
TEST_F(AttackTest, EmbeddedAndRemoteKeysNeverUsed) {
  const auto attacker = must(core::Jwk::generate(core::Alg::kES256, "ec-1"));
  const boost::json::object extras[] = {
      {{"jwk", attacker.to_public_json()}},
      {{"jku", "https://evil.example/jwks.json"}},
      {{"x5u", "https://evil.example/cert.pem"}},
      {{"x5c", boost::json::array{"MIIB"}}},
      {{"jku", "http://127.0.0.1:1/jwks.json"}, {"kid", "ec-1"}},
  };
  for (const auto& extra : extras) {
    auto token = core::sign_compact(attacker, core::Alg::kES256,
                                    boost::json::serialize(good_claims()), "at+jwt", extra);
    ASSERT_TRUE(token);
    EXPECT_EQ(refused_401(*token), "embedded_key_refused") << boost::json::serialize(extra);
  }
  EXPECT_EQ(jwks_->refreshes.load(), 0);
}

// kid values shaped as paths, SQL, URLs or with control bytes only ever name a key in the JWKS:
// unknown ones are kid_unknown, malformed ones kid_invalid.
TEST_F(AttackTest, KidTraversalAndInjection) {
  for (const char* kid : {"../../../../etc/passwd", "/dev/null", "ec-1' OR '1'='1",
                          "ec-1\" , \"alg\":\"none", "file:///etc/shadow", "http://evil/k",
                          "ec-1/../ec-1", "%2e%2e%2f"}) {
    boost::json::object h{{"alg", "ES256"}, {"kid", kid}, {"typ", "at+jwt"}};
    auto token = core::sign_compact(keys().ec, core::Alg::kES256,
                                    boost::json::serialize(good_claims()), "at+jwt",
                                    boost::json::object{});
    ASSERT_TRUE(token);
    const std::string t = b64(boost::json::serialize(h)) + token->substr(token->find('.'));
    EXPECT_EQ(refused_401(t), "kid_unknown") << kid;
  }
  for (const std::string& kid : {std::string("ec-1\n"), std::string("ec\x01"), std::string(""),
                                 std::string(300, 'k'), std::string("caf\xc3\xa9")}) {
    boost::json::object h{{"alg", "ES256"}, {"kid", kid}, {"typ", "at+jwt"}};
    EXPECT_EQ(refused_401(with_header(boost::json::serialize(h))), "kid_invalid");
  }
  EXPECT_EQ(refused_401(with_header(R"({"alg":"ES256","kid":7,"typ":"at+jwt"})")), "kid_invalid");
}

// A flood of made-up kids: each request is refused, and the real JWKS cache grants one refetch
// per interval however many arrive.
TEST_F(AttackTest, UnknownKidFloodCostsOneFetch) {
  auto fetcher = std::make_shared<FakeFetcher>();
  fetcher->set(public_jwks(), false);
  auto cache = JwksCache::create({test_issuer()}, fetcher, clock_);
  cache->poll();
  ASSERT_EQ(fetcher->count(), 1);
  auto v = Verifier::create({test_issuer()}, test_catalog(), cache, clock_);
  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    auto k = must(core::Jwk::generate(core::Alg::kES256, "random-" + std::to_string(rng())));
    if (i % 50 == 0) cache->poll();  // what the background thread does
    http::Request r{bhttp::verb::post, "/sim-swap/v2/check", 11};
    r.set(bhttp::field::authorization, "Bearer " + mint(good_claims(), k));
    const Decision d = decide(std::move(r), {*routes_, *v});
    ASSERT_EQ(check_401(d), "kid_unknown");
  }
  cache->poll();
  EXPECT_EQ(fetcher->count(), 2);  // the start-up fetch and one refetch
  EXPECT_EQ(cache->stats(0).refresh_requested, 1u);
  EXPECT_EQ(cache->stats(0).refresh_rate_limited, 499u);
}

// ECDSA signatures that are not raw r||s of two values in [1, n-1]: zero, DER, n itself.
TEST_F(AttackTest, EcdsaZeroDerAndOutOfRange) {
  const std::string good = mint(good_claims());
  const std::string input = good.substr(0, good.rfind('.'));
  EXPECT_EQ(refused_401(input + "." + b64(std::string(64, '\0'))), "signature_malformed");
  // r = 0 with a valid s, and s = 0 with a valid r.
  const auto sig = *core::base64url_decode(good.substr(good.rfind('.') + 1));
  EXPECT_EQ(refused_401(input + "." + b64(std::string(32, '\0') + sig.substr(32))),
            "signature_malformed");
  EXPECT_EQ(refused_401(input + "." + b64(sig.substr(0, 32) + std::string(32, '\0'))),
            "signature_malformed");
  // The same (valid) signature DER-encoded, as OpenSSL would emit it.
  auto der_int = [](std::string v) {
    std::size_t i = 0;
    while (i + 1 < v.size() && v[i] == '\0') ++i;
    v = v.substr(i);
    if (static_cast<unsigned char>(v[0]) & 0x80) v.insert(v.begin(), '\0');
    return std::string("\x02", 1) + static_cast<char>(v.size()) + v;
  };
  const std::string body = der_int(sig.substr(0, 32)) + der_int(sig.substr(32));
  const std::string der = std::string("\x30", 1) + static_cast<char>(body.size()) + body;
  EXPECT_EQ(refused_401(input + "." + b64(der)), "signature_malformed");
  // r = n (the group order): not below n.
  const std::string n = *core::base64url_decode("_____wAAAAD__________7zm-q2nF56E87nKwvxjJVE");
  EXPECT_EQ(refused_401(input + "." + b64(n + sig.substr(32))), "signature_malformed");
}

// Every truncation of the signature and every single-bit flip in it is refused.
TEST_F(AttackTest, TruncatedAndBitFlippedSignatures) {
  const std::string good = mint(good_claims());
  ASSERT_TRUE(run(good).forwards());
  const auto dot = good.rfind('.');
  const std::string input = good.substr(0, dot);
  const auto sig = *core::base64url_decode(good.substr(dot + 1));
  for (std::size_t len = 0; len < sig.size(); ++len) {
    const std::string r = check_401(run(input + "." + b64(sig.substr(0, len))));
    EXPECT_TRUE(r == "signature_malformed") << len << " " << r;
  }
  for (std::size_t bit = 0; bit < sig.size() * 8; ++bit) {
    std::string s = sig;
    s[bit / 8] = static_cast<char>(s[bit / 8] ^ (1 << (bit % 8)));
    const std::string r = check_401(run(input + "." + b64(s)));
    EXPECT_TRUE(r == "signature_invalid" || r == "signature_malformed") << bit << " " << r;
  }
  // A flipped bit anywhere in the header or payload text is refused as well.
  for (std::size_t i = 0; i < dot; ++i) {
    std::string t = good;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    if (t == good) continue;
    EXPECT_FALSE(run(t).forwards()) << i;
  }
}

// "crit" names extensions we do not implement: refused, whatever it lists.
TEST_F(AttackTest, UnknownCrit) {
  for (const auto& crit :
       {boost::json::value(boost::json::array{"exp"}), boost::json::value(boost::json::array{}),
        boost::json::value("b64")}) {
    auto token = core::sign_compact(keys().ec, core::Alg::kES256,
                                    boost::json::serialize(good_claims()), "at+jwt",
                                    boost::json::object{{"crit", crit}, {"b64", false}});
    ASSERT_TRUE(token);
    EXPECT_EQ(refused_401(*token), "crit_unsupported");
  }
}

// Duplicate members (alg twice, or any claim twice) make two parsers disagree: refused.
TEST_F(AttackTest, DuplicateMembers) {
  EXPECT_EQ(refused_401(with_header(R"({"alg":"ES256","alg":"none","kid":"ec-1"})")),
            "duplicate_member");
  EXPECT_EQ(refused_401(with_header(R"({"alg":"none","alg":"ES256","kid":"ec-1"})")),
            "duplicate_member");
  const std::string good = mint(good_claims());
  auto claims = boost::json::serialize(good_claims());
  claims.insert(1, R"("scope":"sim-swap",)");  // a second scope claim in front
  const std::string t = good.substr(0, good.find('.')) + "." + b64(claims) +
                        good.substr(good.rfind('.'));
  EXPECT_EQ(refused_401(t), "duplicate_member");
}

// Headers that are not JSON objects.
TEST_F(AttackTest, NonObjectHeader) {
  for (const char* h : {"[]", R"(["alg","ES256"])", R"("ES256")", "42", "null", "true"})
    EXPECT_EQ(refused_401(with_header(h)), "header_not_object") << h;
  EXPECT_EQ(refused_401(with_header("{")), "header_not_json");
  EXPECT_EQ(refused_401(with_header("\xff\xfe{}")), "header_not_json");
}

// Padded base64 and the standard alphabet (+ /) are not base64url: refused.
TEST_F(AttackTest, PaddingAndStandardAlphabet) {
  const std::string good = mint(good_claims());
  const auto d1 = good.find('.'), d2 = good.rfind('.');
  const std::string h = good.substr(0, d1), p = good.substr(d1 + 1, d2 - d1 - 1),
                    s = good.substr(d2 + 1);
  // Inside the credential '=' breaks RFC 7235's token68 already; at its end it reaches the decoder.
  EXPECT_EQ(refused_401(h + "==." + p + "." + s), "bearer_malformed");
  EXPECT_EQ(refused_401(h + "." + p + "=." + s), "bearer_malformed");
  EXPECT_EQ(refused_401(h + "." + p + "." + s + "="), "base64_invalid");
  std::string std_alphabet = good;
  for (auto& c : std_alphabet) c = c == '-' ? '+' : c == '_' ? '/' : c;
  if (std_alphabet != good) {
    EXPECT_EQ(refused_401(std_alphabet), "token_bad_character");
  }
  EXPECT_EQ(refused_401(h + "." + p + "." + s.substr(0, s.size() - 1) + "+"),
            "token_bad_character");
}

// Four and five segments (JWE-shaped, or a JWS with extra parts) are not a compact JWS.
TEST_F(AttackTest, FourAndFiveSegments) {
  const std::string good = mint(good_claims());
  EXPECT_EQ(refused_401(good + ".x"), "token_malformed");
  EXPECT_EQ(refused_401(good + ".x.y"), "token_malformed");
  EXPECT_EQ(refused_401(good + "."), "token_malformed");
  EXPECT_EQ(refused_401("." + good), "token_malformed");
  EXPECT_EQ(refused_401(good.substr(0, good.rfind('.'))), "token_malformed");
}

// A token far beyond any real one is refused by size before any decoding. (A 64 KiB one never
// gets here: the HTTP layer answers 431, see GatewayTest.HugeTokenIs431.)
TEST_F(AttackTest, HugeToken) {
  const std::string good = mint(good_claims());
  const std::string huge = good.substr(0, good.find('.') + 1) + std::string(48 * 1024, 'A') +
                           good.substr(good.rfind('.'));
  EXPECT_EQ(refused_401(huge), "token_too_large");
}

// NUL, control and non-ASCII bytes inside the credential are malformed bearer values.
TEST_F(AttackTest, NulAndNonAsciiBytes) {
  const std::string good = mint(good_claims());
  for (const std::string& bad :
       {good.substr(0, 10) + std::string(1, '\0') + good.substr(10), good + "\xc3\xa9",
        good.substr(0, 5) + "\x7f" + good.substr(5), good + " extra"}) {
    EXPECT_EQ(check_401(run_auth({"Bearer " + bad})), "bearer_malformed");
  }
}

// Two Authorization headers, even two identical valid ones, are 400 invalid_request.
TEST_F(AttackTest, TwoAuthorizationHeaders) {
  const std::string good = mint(good_claims());
  for (const auto& second : {"Bearer " + good, std::string("Basic eDp5"), std::string("")}) {
    const Decision d = run_auth({"Bearer " + good, second});
    ASSERT_FALSE(d.forwards());
    const auto& res = std::get<http::Response>(d.action);
    EXPECT_EQ(res.result_int(), 400u);
    EXPECT_EQ(res[bhttp::field::www_authenticate],
              R"(Bearer realm="tollgate", error="invalid_request")");
    EXPECT_EQ(d.record.reason, "authorization_duplicated");
  }
}

// aud as an array: accepted when it holds our audience, refused when it does not, and refused
// when it is empty or holds a non-string.
TEST_F(AttackTest, AudienceArrays) {
  auto c = good_claims();
  c["aud"] = boost::json::array{"https://other.example", kSimSwapAudience};
  EXPECT_TRUE(run(mint(c)).forwards());
  c["aud"] = boost::json::array{"https://other.example", "https://api.test.example/sim-swap/"};
  EXPECT_EQ(refused_401(mint(c)), "aud_mismatch");
  c["aud"] = boost::json::array{};
  EXPECT_EQ(refused_401(mint(c)), "aud_missing");
  c["aud"] = boost::json::array{kSimSwapAudience, 7};
  EXPECT_EQ(refused_401(mint(c)), "claim_wrong_type");
}

// Scope superstrings, prefixes and case variants never satisfy the route's scope: 403 with the
// scopes the route needs.
TEST_F(AttackTest, ScopeSuperstringsAndPrefixes) {
  for (const char* scope : {"sim-swap:check-extra", "sim-swap:chec", "SIM-SWAP:CHECK",
                            "sim-swap:check:all", "xsim-swap:check", "sim-swap:retrieve-date"}) {
    const Decision d = run(mint(good_claims(kSimSwapAudience, scope)));
    ASSERT_FALSE(d.forwards()) << scope;
    const auto& res = std::get<http::Response>(d.action);
    EXPECT_EQ(res.result_int(), 403u) << scope;
    EXPECT_EQ(res[bhttp::field::www_authenticate],
              R"(Bearer realm="tollgate", error="insufficient_scope", scope="sim-swap:check sim-swap")");
    EXPECT_EQ(d.record.reason, "scope_insufficient");
  }
}

// Random mutations of a valid token (bytes replaced, inserted, deleted; segments swapped):
// never forwarded unless unchanged, never a 5xx, never an exception.
TEST_F(AttackTest, MutationsNeverForwardNor5xx) {
  const std::string good = mint(good_claims());
  std::mt19937 rng(42);
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/~";
  for (int i = 0; i < 3000; ++i) {
    std::string t = good;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !t.empty(); ++e) {
      const std::size_t pos = rng() % t.size();
      switch (rng() % 3) {
        case 0: t[pos] = alphabet[rng() % alphabet.size()]; break;
        case 1: t.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
        default: t.erase(pos, 1); break;
      }
    }
    const Decision d = run(t);
    if (t == good) continue;
    ASSERT_FALSE(d.forwards()) << t;
    const unsigned status = std::get<http::Response>(d.action).result_int();
    EXPECT_TRUE(status == 400 || status == 401) << status << " " << t;
  }
}

}  // namespace
}  // namespace tollgate::gateway
