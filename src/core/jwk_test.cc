// jwk_test.cc — JWK import/export, thumbprints, JWKS parsing and key selection.
#include "core/jwk.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/json.h"
#include "core/jws.h"
#include "core/test_support.h"

namespace tollgate::core {
namespace {

using testing::b64;
using testing::private_jwk_json;
using testing::public_of;
using testing::test_key;

namespace json = boost::json;

json::object obj(std::string_view text) {
  auto r = parse_strict_object(text);
  if (!r) throw std::runtime_error("bad test JSON");
  return *r;
}

std::string_view str(const json::value& v) { return std::string_view(v.as_string().data(), v.as_string().size()); }

JoseStatus import_status(const json::object& o, bool allow_private = false) {
  auto k = Jwk::from_json(o, allow_private);
  return k ? JoseStatus::kOk : k.error();
}

// Signs with `signer` and verifies with `verifier`, returning the verify status.
JoseStatus sign_then_verify(const Jwk& signer, const Jwk& verifier, Alg alg) {
  auto token = sign_compact(signer, alg, R"({"sub":"x"})", "at+jwt");
  if (!token) return token.error();
  auto parsed = parse_compact(*token, AlgSet{alg});
  if (!parsed) return parsed.error();
  return verify_signature(*parsed, verifier);
}

constexpr std::string_view kRfc7638N =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3"
    "oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZ"
    "Hzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEg"
    "U8awapJzKnqDKgw";

class JwkRoundTrip : public ::testing::TestWithParam<Alg> {};

// A public key exported to JSON and imported again is the same key, with kid, use and alg.
TEST_P(JwkRoundTrip, PublicJson) {
  const Jwk& key = test_key(GetParam());
  const json::object pub = key.to_public_json();
  EXPECT_FALSE(pub.contains("d"));
  EXPECT_EQ(str(pub.at("use")), "sig");
  EXPECT_EQ(str(pub.at("alg")), alg_name(GetParam()));
  EXPECT_EQ(str(pub.at("kid")), key.kid());
  auto back = Jwk::from_json(pub, false);
  ASSERT_TRUE(back.has_value());
  EXPECT_FALSE(back->is_private());
  EXPECT_EQ(back->type(), key.type());
  EXPECT_EQ(back->kid(), key.kid());
  EXPECT_EQ(back->alg(), GetParam());
  EXPECT_EQ(back->to_public_json(), pub);
  EXPECT_EQ(back->thumbprint(), key.thumbprint());
  EXPECT_EQ(back->to_public_pem(), key.to_public_pem());
  EXPECT_EQ(sign_then_verify(key, *back, GetParam()), JoseStatus::kOk);
}

// A private JWK (with "d" and, for RSA, the CRT members) imports as a private key that signs.
TEST_P(JwkRoundTrip, PrivateJson) {
  const Jwk& key = test_key(GetParam());
  const json::object priv = private_jwk_json(key);
  auto back = Jwk::from_json(priv, true);
  ASSERT_TRUE(back.has_value()) << to_string(back.error());
  EXPECT_TRUE(back->is_private());
  EXPECT_EQ(back->thumbprint(), key.thumbprint());
  EXPECT_FALSE(back->to_public_json().contains("d"));
  EXPECT_EQ(sign_then_verify(*back, public_of(key), GetParam()), JoseStatus::kOk);
  // The same JSON is refused where only public keys are expected.
  EXPECT_EQ(import_status(priv, false), JoseStatus::kJwkInvalid);
}

// A private key exported to PKCS#8 PEM and read back is the same private key.
TEST_P(JwkRoundTrip, PrivatePem) {
  const Jwk& key = test_key(GetParam());
  auto pem = key.to_private_pem();
  ASSERT_TRUE(pem.has_value());
  EXPECT_NE(pem->find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  auto back = Jwk::from_pem(*pem, "pem-kid");
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->is_private());
  EXPECT_EQ(back->kid(), "pem-kid");
  EXPECT_EQ(back->type(), key.type());
  EXPECT_EQ(back->thumbprint(), key.thumbprint());
  EXPECT_EQ(sign_then_verify(*back, public_of(key), GetParam()), JoseStatus::kOk);
}

// A public SPKI PEM reads back as a public key that verifies but cannot sign.
TEST_P(JwkRoundTrip, PublicPem) {
  const Jwk& key = test_key(GetParam());
  auto back = Jwk::from_pem(key.to_public_pem(), "");
  ASSERT_TRUE(back.has_value());
  EXPECT_FALSE(back->is_private());
  EXPECT_EQ(back->kid(), key.thumbprint());  // default kid: the RFC 7638 thumbprint
  EXPECT_EQ(back->to_private_pem().error(), JoseStatus::kKeyNotPrivate);
  EXPECT_EQ(sign_then_verify(key, *back, GetParam()), JoseStatus::kOk);
  EXPECT_EQ(sign_then_verify(*back, key, GetParam()), JoseStatus::kKeyNotPrivate);
}

INSTANTIATE_TEST_SUITE_P(AllAlgs, JwkRoundTrip, ::testing::ValuesIn(kAllAlgs),
                         [](const auto& info) { return std::string(alg_name(info.param)); });

// RFC 7638 §3.1: the example RSA key has thumbprint NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs.
TEST(Jwk, Rfc7638Thumbprint) {
  json::object o;
  o["kty"] = "RSA";
  o["n"] = kRfc7638N;
  o["e"] = "AQAB";
  o["alg"] = "RS256";
  o["kid"] = "2011-04-29";
  auto key = Jwk::from_json(o, false);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  EXPECT_EQ(key->kid(), "2011-04-29");
  EXPECT_EQ(str(key->to_public_json().at("n")), kRfc7638N);
}

// An EC public key whose point is not on P-256 is refused.
TEST(Jwk, EcPointOffCurveRefused) {
  json::object pub = test_key(Alg::kES256).to_public_json();
  std::string y = *base64url_decode(str(pub.at("y")));
  y[31] = static_cast<char>(y[31] ^ 0x01);
  pub["y"] = b64(y);
  EXPECT_EQ(import_status(pub), JoseStatus::kJwkInvalid);
}

// EC coordinates of the wrong size and unsupported curves are refused.
TEST(Jwk, EcBadShapesRefused) {
  const json::object good = test_key(Alg::kES256).to_public_json();
  json::object o = good;
  o["x"] = b64(std::string(31, 'a'));
  EXPECT_EQ(import_status(o), JoseStatus::kJwkInvalid);
  o = good;
  o["crv"] = "P-384";
  EXPECT_EQ(import_status(o), JoseStatus::kJwkInvalid);
  o = good;
  o.erase("y");
  EXPECT_EQ(import_status(o), JoseStatus::kJwkInvalid);
  o = good;
  o["x"] = "not base64!";
  EXPECT_EQ(import_status(o), JoseStatus::kJwkInvalid);
}

// A private EC key whose "d" does not match x/y is refused.
TEST(Jwk, EcPrivateMismatchRefused) {
  json::object priv = private_jwk_json(test_key(Alg::kES256));
  auto other = Jwk::generate(Alg::kES256, "other");
  ASSERT_TRUE(other);
  priv["d"] = private_jwk_json(*other).at("d");
  EXPECT_EQ(import_status(priv, true), JoseStatus::kJwkInvalid);
}

// A private Ed25519 key whose "d" does not match "x" is refused.
TEST(Jwk, Ed25519PrivateMismatchRefused) {
  json::object priv = private_jwk_json(test_key(Alg::kEdDSA));
  auto other = Jwk::generate(Alg::kEdDSA, "other");
  ASSERT_TRUE(other);
  priv["d"] = private_jwk_json(*other).at("d");
  EXPECT_EQ(import_status(priv, true), JoseStatus::kJwkInvalid);
}

// Symmetric "oct" keys are refused.
TEST(Jwk, OctRefused) {
  EXPECT_EQ(import_status(obj(R"({"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})")),
            JoseStatus::kJwkInvalid);
}

// Unknown kty, missing kty and Ed448 are refused.
TEST(Jwk, UnsupportedKtyRefused) {
  EXPECT_EQ(import_status(obj(R"({"kty":"XYZ"})")), JoseStatus::kJwkInvalid);
  EXPECT_EQ(import_status(obj(R"({"n":"AQAB","e":"AQAB"})")), JoseStatus::kJwkInvalid);
  EXPECT_EQ(import_status(obj(R"({"kty":"OKP","crv":"Ed448","x":"AAAA"})")), JoseStatus::kJwkInvalid);
  EXPECT_EQ(import_status(obj(R"({"kty":"OKP","crv":"X25519","x":"3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08"})")),
            JoseStatus::kJwkInvalid);
}

// RSA keys under 2048 bits are refused, from JWK and from PEM.
TEST(Jwk, Rsa1024Refused) {
  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{1024});
  ASSERT_NE(small, nullptr);
  json::object o;
  o["kty"] = "RSA";
  o["n"] = testing::bn_b64(small, "n");
  o["e"] = testing::bn_b64(small, "e");
  EXPECT_EQ(import_status(o), JoseStatus::kJwkInvalid);

  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PUBKEY(bio, small), 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(small);
  auto k = Jwk::from_pem(pem, "small");
  ASSERT_FALSE(k.has_value());
  EXPECT_EQ(k.error(), JoseStatus::kJwkInvalid);
}

// RSA public exponents that are even or 1 are refused.
TEST(Jwk, RsaBadExponentRefused) {
  json::object o = test_key(Alg::kRS256).to_public_json();
  o["e"] = "AQ";  // 1
  EXPECT_EQ(import_status(o), JoseStatus::kJwkInvalid);
  o["e"] = "AQA";  // 256
  EXPECT_EQ(import_status(o), JoseStatus::kJwkInvalid);
}

// A "use" other than "sig" is refused on single-key import.
TEST(Jwk, UseEncRefused) {
  json::object o = test_key(Alg::kES256).to_public_json();
  o["use"] = "enc";
  EXPECT_EQ(import_status(o), JoseStatus::kJwkInvalid);
  o["use"] = 1;
  EXPECT_EQ(import_status(o), JoseStatus::kJwkInvalid);
}

// An "alg" member must name a supported alg that fits the key type.
TEST(Jwk, AlgMemberChecked) {
  json::object o = test_key(Alg::kES256).to_public_json();
  o["alg"] = "RS256";
  EXPECT_EQ(import_status(o), JoseStatus::kJwkInvalid);
  o["alg"] = "HS256";
  EXPECT_EQ(import_status(o), JoseStatus::kJwkInvalid);
  o["alg"] = "es256";
  EXPECT_EQ(import_status(o), JoseStatus::kJwkInvalid);
  o["alg"] = "ES256";
  EXPECT_EQ(import_status(o), JoseStatus::kOk);
  o.erase("alg");
  auto k = Jwk::from_json(o, false);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->alg(), std::nullopt);
  EXPECT_FALSE(k->to_public_json().contains("alg"));
}

// An RSA JWK with "alg":"PS256" fits PS256 only; without "alg" it fits RS256 and PS256.
TEST(Jwk, FitsHonoursAlgMember) {
  json::object o = test_key(Alg::kRS256).to_public_json();
  o["alg"] = "PS256";
  auto ps = Jwk::from_json(o, false);
  ASSERT_TRUE(ps);
  EXPECT_TRUE(ps->fits(Alg::kPS256));
  EXPECT_FALSE(ps->fits(Alg::kRS256));
  EXPECT_FALSE(ps->fits(Alg::kES256));
  o.erase("alg");
  auto any = Jwk::from_json(o, false);
  ASSERT_TRUE(any);
  EXPECT_TRUE(any->fits(Alg::kRS256));
  EXPECT_TRUE(any->fits(Alg::kPS256));
  EXPECT_FALSE(any->fits(Alg::kEdDSA));
}

// A JWKS skips "enc" keys and unusable keys but keeps the signature keys.
TEST(Jwks, SkipsEncAndUnusableKeys) {
  json::object enc = test_key(Alg::kES256).to_public_json();
  enc["use"] = "enc";
  enc["kid"] = "enc-key";
  json::array keys;
  keys.push_back(enc);
  keys.push_back(obj(R"({"kty":"oct","k":"AAAA","kid":"hmac"})"));
  keys.push_back(test_key(Alg::kES256).to_public_json());
  keys.push_back(test_key(Alg::kEdDSA).to_public_json());
  json::object doc;
  doc["keys"] = keys;
  auto jwks = Jwks::from_json(json::serialize(doc));
  ASSERT_TRUE(jwks.has_value());
  ASSERT_EQ(jwks->keys().size(), 2u);
  EXPECT_EQ(jwks->find("enc-key"), nullptr);
  EXPECT_EQ(jwks->find("hmac"), nullptr);
  EXPECT_NE(jwks->find(test_key(Alg::kES256).kid()), nullptr);
}

// Documents that are not {"keys":[objects...]} are refused.
TEST(Jwks, MalformedRefused) {
  for (std::string_view text : {"", "[]", "{}", R"({"keys":{}})", R"({"keys":[1]})", R"({"keys":[{}]})",
                                R"({"keys":[],"keys":[]})", "not json"}) {
    auto r = Jwks::from_json(text);
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error(), JoseStatus::kJwksInvalid) << text;
  }
  auto empty = Jwks::from_json(R"({"keys":[]})");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->keys().empty());
}

// Key selection: by kid (even when the key does not fit), or the single fitting key without a kid.
TEST(Jwks, Select) {
  Jwks one_each({public_of(test_key(Alg::kES256)), public_of(test_key(Alg::kRS256))});
  const Jwk* es = one_each.select(test_key(Alg::kES256).kid(), Alg::kES256);
  ASSERT_NE(es, nullptr);
  EXPECT_EQ(es->kid(), test_key(Alg::kES256).kid());
  // By kid, a key that does not fit is still returned (the caller reports kKeyAlgMismatch).
  const Jwk* mismatch = one_each.select(test_key(Alg::kRS256).kid(), Alg::kES256);
  ASSERT_NE(mismatch, nullptr);
  EXPECT_FALSE(mismatch->fits(Alg::kES256));
  EXPECT_EQ(one_each.select(std::string_view("nope"), Alg::kES256), nullptr);
  // Without a kid: the only ES256 key.
  EXPECT_EQ(one_each.select(std::nullopt, Alg::kES256), es);
  EXPECT_EQ(one_each.select(std::nullopt, Alg::kEdDSA), nullptr);
  // Without a kid and two candidates: ambiguous.
  auto second = Jwk::generate(Alg::kES256, "second");
  ASSERT_TRUE(second);
  Jwks two({public_of(test_key(Alg::kES256)), public_of(*second)});
  EXPECT_EQ(two.select(std::nullopt, Alg::kES256), nullptr);
}

// Jwks::to_public_json round-trips and never carries private members.
TEST(Jwks, PublicJsonRoundTrip) {
  Jwks set({test_key(Alg::kES256), test_key(Alg::kEdDSA), test_key(Alg::kPS256)});
  const std::string text = set.to_public_json();
  EXPECT_EQ(text.find("\"d\""), std::string::npos);
  auto back = Jwks::from_json(text);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->keys().size(), 3u);
  for (const Jwk& k : back->keys()) EXPECT_FALSE(k.is_private());
  EXPECT_EQ(back->to_public_json(), text);
}

// from_pem refuses garbage and unsupported key types.
TEST(Jwk, FromPemRefusesGarbage) {
  EXPECT_EQ(Jwk::from_pem("", "k").error(), JoseStatus::kJwkInvalid);
  EXPECT_EQ(Jwk::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "k").error(),
            JoseStatus::kJwkInvalid);
  EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  ASSERT_NE(p384, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PUBKEY(bio, p384), 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(p384);
  EXPECT_EQ(Jwk::from_pem(pem, "k").error(), JoseStatus::kJwkInvalid);
}

// Copies of a Jwk share one key and stay usable after the original is gone.
TEST(Jwk, CopiesShareKey) {
  std::optional<Jwk> copy;
  {
    auto k = Jwk::generate(Alg::kES256, "tmp");
    ASSERT_TRUE(k);
    copy = *k;
    EXPECT_EQ(copy->pkey(), k->pkey());
  }
  EXPECT_EQ(sign_then_verify(*copy, *copy, Alg::kES256), JoseStatus::kOk);
}

}  // namespace
}  // namespace tollgate::core
