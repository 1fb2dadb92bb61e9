// test_support.h — helpers shared by the core unit tests (not part of the library).
#pragma once

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <boost/json.hpp>
#include <map>
#include <string>
#include <string_view>

#include "core/base64url.h"
#include "core/jwa.h"
#include "core/jwk.h"
#include "core/status.h"

namespace tollgate::core::testing {

inline std::string b64(std::string_view s) { return base64url_encode(s); }

// "<b64(header)>.<b64(payload)>.<b64(signature)>" with no checks at all.
inline std::string raw_token(std::string_view header_json, std::string_view payload_json,
                             std::string_view signature = "sig") {
  return b64(header_json) + "." + b64(payload_json) + "." + b64(signature);
}

// One generated private key per alg for the whole test binary (RSA keygen is slow).
inline const Jwk& test_key(Alg alg) {
  static std::map<Alg, Jwk> keys;
  auto it = keys.find(alg);
  if (it == keys.end()) {
    auto k = Jwk::generate(alg, std::string("test-") + std::string(alg_name(alg)));
    if (!k) throw std::runtime_error("key generation failed");
    it = keys.emplace(alg, std::move(*k)).first;
  }
  return it->second;
}

// The public half of a key, as a verifier would import it from a JWKS.
inline Jwk public_of(const Jwk& key) {
  auto k = Jwk::from_json(key.to_public_json(), false);
  if (!k) throw std::runtime_error("public import failed");
  return std::move(*k);
}

inline std::string bn_b64(EVP_PKEY* pkey, const char* name, int pad = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) return {};
  const int len = pad > 0 ? pad : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(len), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), len);
  BN_free(bn);
  return b64(out);
}

// A private JWK (all members) for a private key, built with OpenSSL in the test.
inline boost::json::object private_jwk_json(const Jwk& key) {
  boost::json::object o = key.to_public_json();
  EVP_PKEY* pk = key.pkey();
  switch (key.type()) {
    case KeyType::kRsa:
      o["d"] = bn_b64(pk, OSSL_PKEY_PARAM_RSA_D);
      o["p"] = bn_b64(pk, OSSL_PKEY_PARAM_RSA_FACTOR1);
      o["q"] = bn_b64(pk, OSSL_PKEY_PARAM_RSA_FACTOR2);
      o["dp"] = bn_b64(pk, OSSL_PKEY_PARAM_RSA_EXPONENT1);
      o["dq"] = bn_b64(pk, OSSL_PKEY_PARAM_RSA_EXPONENT2);
      o["qi"] = bn_b64(pk, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
      break;
    case KeyType::kEcP256: o["d"] = bn_b64(pk, OSSL_PKEY_PARAM_PRIV_KEY, 32); break;
    case KeyType::kEd25519: {
      std::string d(32, '\0');
      std::size_t len = d.size();
      EVP_PKEY_get_raw_private_key(pk, reinterpret_cast<unsigned char*>(d.data()), &len);
      o["d"] = b64(d);
      break;
    }
  }
  return o;
}

}  // namespace tollgate::core::testing

// Readable JoseStatus in gtest failure messages.
namespace tollgate::core {
inline void PrintTo(JoseStatus s, std::ostream* os) { *os << to_string(s); }
}  // namespace tollgate::core
