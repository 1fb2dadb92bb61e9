// jwk.cc — JSON Web Keys over OpenSSL 3 EVP (see jwk.h).
#include "core/jwk.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "core/base64url.h"
#include "core/crypto.h"
#include "core/json.h"
#include "core/ossl_util.h"

namespace tollgate::core {

void EvpPkeyDeleter::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

namespace {

namespace json = boost::json;
using detail::UniqueBio;
using detail::UniqueBn;
using detail::UniqueParamBld;
using detail::UniqueParams;
using detail::UniquePkey;
using detail::UniquePkeyCtx;

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;  // bounds the cost of one verification
constexpr std::size_t kP256Bytes = 32;
constexpr std::size_t kEd25519Bytes = 32;
constexpr const char* kP256GroupName = "prime256v1";

// Clears and frees a BIGNUM that may hold private key material.
struct BnClearFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using SecretBn = std::unique_ptr<BIGNUM, BnClearFree>;

// A decoded byte string that is wiped when it goes out of scope.
struct SecretBytes {
  std::string bytes;
  SecretBytes() = default;
  explicit SecretBytes(std::string b) : bytes(std::move(b)) {}
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes() {
    if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
  }
};

const unsigned char* u8(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// Owner behind every Jwk's shared EVP_PKEY: frees the prepared verification state
// (whose contexts hold references to the key) before the key itself.
struct KeyHolder {
  EVP_PKEY* pkey = nullptr;
  detail::PreparedVerifyPtr prepared;
  KeyHolder() = default;
  KeyHolder(const KeyHolder&) = delete;
  KeyHolder& operator=(const KeyHolder&) = delete;
  ~KeyHolder() {
    if (prepared) {
      EVP_PKEY_set_ex_data(pkey, detail::prepared_verify_index(), nullptr);
      prepared.reset();
    }
    EvpPkeyDeleter{}(pkey);
  }
};

EvpPkeyPtr share_key(UniquePkey pkey) {
  auto holder = std::make_shared<KeyHolder>();
  holder->pkey = pkey.release();
  holder->prepared = detail::make_prepared_verify(holder->pkey);
  if (holder->prepared &&
      EVP_PKEY_set_ex_data(holder->pkey, detail::prepared_verify_index(), holder->prepared.get()) != 1) {
    holder->prepared.reset();
  }
  return EvpPkeyPtr(holder, holder->pkey);  // aliasing: shares ownership of the holder
}

// A member decoded from base64url: nullopt when absent; kJwkInvalid when present
// but not a non-empty strict base64url string.
std::expected<std::optional<std::string>, JoseStatus> b64_member(const json::object& obj,
                                                                 std::string_view key) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr) return std::optional<std::string>();
  const json::string* s = v->if_string();
  if (s == nullptr || s->empty()) return std::unexpected(JoseStatus::kJwkInvalid);
  auto bytes = base64url_decode(std::string_view(s->data(), s->size()));
  if (!bytes) return std::unexpected(JoseStatus::kJwkInvalid);
  return std::optional<std::string>(std::move(*bytes));
}

std::expected<std::string, JoseStatus> required_b64(const json::object& obj, std::string_view key) {
  auto m = b64_member(obj, key);
  if (!m) return std::unexpected(m.error());
  if (!m->has_value()) return std::unexpected(JoseStatus::kJwkInvalid);
  return std::move(**m);
}

UniquePkey pkey_from_params(const char* type, int selection, const OSSL_PARAM* params) {
  UniquePkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, const_cast<OSSL_PARAM*>(params)) != 1) return nullptr;
  return UniquePkey(raw);
}

// Runs OpenSSL's key validation: the public part (EC point on the curve, in the
// right subgroup) and, for private keys, the private part and the pair.
bool key_checks_out(EVP_PKEY* pkey, bool is_private) {
  UniquePkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  const bool ok = ctx && (is_private ? EVP_PKEY_check(ctx.get()) : EVP_PKEY_public_check(ctx.get())) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

// Pairwise test by signature: signs a fixed message with the private key and
// verifies it with the public half. Used for RSA keys given as n, e, d only,
// which OpenSSL's key check cannot validate without the prime factors.
bool signs_and_verifies(EVP_PKEY* pkey) {
  static constexpr unsigned char kMsg[] = "tollgate pairwise check";
  detail::UniqueMdCtx sctx(EVP_MD_CTX_new());
  detail::UniqueMdCtx vctx(EVP_MD_CTX_new());
  if (!sctx || !vctx ||
      EVP_DigestSignInit_ex(sctx.get(), nullptr, "SHA256", nullptr, nullptr, pkey, nullptr) != 1) {
    return false;
  }
  std::size_t len = 0;
  if (EVP_DigestSign(sctx.get(), nullptr, &len, kMsg, sizeof kMsg) != 1) return false;
  std::string sig(len, '\0');
  auto* sig_p = reinterpret_cast<unsigned char*>(sig.data());
  return EVP_DigestSign(sctx.get(), sig_p, &len, kMsg, sizeof kMsg) == 1 &&
         EVP_DigestVerifyInit_ex(vctx.get(), nullptr, "SHA256", nullptr, nullptr, pkey, nullptr) == 1 &&
         EVP_DigestVerify(vctx.get(), sig_p, len, kMsg, sizeof kMsg) == 1;
}

bool rsa_size_ok(EVP_PKEY* pkey) {
  const int bits = EVP_PKEY_get_bits(pkey);
  return bits >= kMinRsaBits && bits <= kMaxRsaBits;
}

struct Imported {
  UniquePkey pkey;
  KeyType type;
  bool is_private;
};

std::expected<Imported, JoseStatus> import_rsa(const json::object& obj, bool allow_private) {
  auto n = required_b64(obj, "n");
  auto e = required_b64(obj, "e");
  if (!n || !e) return std::unexpected(JoseStatus::kJwkInvalid);
  // Exponent: odd, > 1, at most 64 bits.
  const bool e_is_one = static_cast<unsigned char>(e->back()) == 1 &&
                        std::all_of(e->begin(), e->end() - 1, [](char c) { return c == 0; });
  const bool e_is_even = (static_cast<unsigned char>(e->back()) & 1u) == 0;
  if (e->size() > 8 || e_is_even || e_is_one) return std::unexpected(JoseStatus::kJwkInvalid);
  if (n->size() * 8 > static_cast<std::size_t>(kMaxRsaBits) + 8) return std::unexpected(JoseStatus::kJwkInvalid);

  static constexpr std::array<const char*, 6> kPrivNames = {"d", "p", "q", "dp", "dq", "qi"};
  static constexpr std::array<const char*, 6> kPrivParams = {
      OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,
      OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  std::array<SecretBytes, 6> priv;
  std::size_t present = 0;
  for (std::size_t i = 0; i < kPrivNames.size(); ++i) {
    auto m = b64_member(obj, kPrivNames[i]);
    if (!m) return std::unexpected(m.error());
    if (m->has_value()) {
      priv[i].bytes = std::move(**m);
      ++present;
    }
  }
  if (present > 0 && !allow_private) return std::unexpected(JoseStatus::kJwkInvalid);
  const bool is_private = present > 0;
  // "d" is required for a private key; the CRT members come all together or not at all.
  if (is_private && (priv[0].bytes.empty() || (present != 1 && present != 6))) {
    return std::unexpected(JoseStatus::kJwkInvalid);
  }

  UniqueParamBld bld(OSSL_PARAM_BLD_new());
  UniqueBn bn_n(BN_bin2bn(u8(*n), static_cast<int>(n->size()), nullptr));
  UniqueBn bn_e(BN_bin2bn(u8(*e), static_cast<int>(e->size()), nullptr));
  if (!bld || !bn_n || !bn_e || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return std::unexpected(JoseStatus::kCryptoFailure);
  }
  std::array<SecretBn, 6> priv_bn;
  if (is_private) {
    for (std::size_t i = 0; i < priv.size(); ++i) {
      if (priv[i].bytes.empty()) continue;
      priv_bn[i].reset(BN_secure_new());
      if (!priv_bn[i] ||
          BN_bin2bn(u8(priv[i].bytes), static_cast<int>(priv[i].bytes.size()), priv_bn[i].get()) == nullptr ||
          OSSL_PARAM_BLD_push_BN(bld.get(), kPrivParams[i], priv_bn[i].get()) != 1) {
        return std::unexpected(JoseStatus::kCryptoFailure);
      }
    }
  }
  UniqueParams params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return std::unexpected(JoseStatus::kCryptoFailure);
  UniquePkey pkey = pkey_from_params("RSA", is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get());
  if (!pkey || !rsa_size_ok(pkey.get())) return std::unexpected(JoseStatus::kJwkInvalid);
  if (is_private) {
    const bool ok = present == 6 ? key_checks_out(pkey.get(), true) : signs_and_verifies(pkey.get());
    ERR_clear_error();
    if (!ok) return std::unexpected(JoseStatus::kJwkInvalid);
  }
  return Imported{std::move(pkey), KeyType::kRsa, is_private};
}

std::expected<Imported, JoseStatus> import_ec(const json::object& obj, bool allow_private) {
  const auto crv = get_string(obj, "crv");
  if (!crv || *crv != "P-256") return std::unexpected(JoseStatus::kJwkInvalid);
  auto x = required_b64(obj, "x");
  auto y = required_b64(obj, "y");
  if (!x || !y || x->size() != kP256Bytes || y->size() != kP256Bytes) {
    return std::unexpected(JoseStatus::kJwkInvalid);
  }
  auto d_member = b64_member(obj, "d");
  if (!d_member) return std::unexpected(d_member.error());
  SecretBytes d(d_member->value_or(std::string()));
  const bool is_private = d_member->has_value();
  if (is_private && (!allow_private || d.bytes.size() != kP256Bytes)) {
    return std::unexpected(JoseStatus::kJwkInvalid);
  }

  std::string point;
  point.reserve(1 + 2 * kP256Bytes);
  point.push_back('\x04');  // uncompressed SEC1 point
  point += *x;
  point += *y;

  UniqueParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, kP256GroupName, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return std::unexpected(JoseStatus::kCryptoFailure);
  }
  SecretBn bn_d;
  if (is_private) {
    bn_d.reset(BN_secure_new());
    if (!bn_d || BN_bin2bn(u8(d.bytes), static_cast<int>(d.bytes.size()), bn_d.get()) == nullptr ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, bn_d.get()) != 1) {
      return std::unexpected(JoseStatus::kCryptoFailure);
    }
  }
  UniqueParams params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return std::unexpected(JoseStatus::kCryptoFailure);
  UniquePkey pkey = pkey_from_params("EC", is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get());
  // The point must be on P-256 (and d must match it): OpenSSL's validation says so.
  if (!pkey || !key_checks_out(pkey.get(), is_private)) return std::unexpected(JoseStatus::kJwkInvalid);
  return Imported{std::move(pkey), KeyType::kEcP256, is_private};
}

std::expected<Imported, JoseStatus> import_okp(const json::object& obj, bool allow_private) {
  const auto crv = get_string(obj, "crv");
  if (!crv || *crv != "Ed25519") return std::unexpected(JoseStatus::kJwkInvalid);
  auto x = required_b64(obj, "x");
  if (!x || x->size() != kEd25519Bytes) return std::unexpected(JoseStatus::kJwkInvalid);
  auto d_member = b64_member(obj, "d");
  if (!d_member) return std::unexpected(d_member.error());
  SecretBytes d(d_member->value_or(std::string()));
  const bool is_private = d_member->has_value();
  if (is_private && (!allow_private || d.bytes.size() != kEd25519Bytes)) {
    return std::unexpected(JoseStatus::kJwkInvalid);
  }

  UniqueParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld) return std::unexpected(JoseStatus::kCryptoFailure);
  // A private key is imported from "d" alone, so OpenSSL derives the public key,
  // which must then equal "x".
  const int ok = is_private ? OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY,
                                                               d.bytes.data(), d.bytes.size())
                            : OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                                               x->data(), x->size());
  if (ok != 1) return std::unexpected(JoseStatus::kCryptoFailure);
  UniqueParams params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return std::unexpected(JoseStatus::kCryptoFailure);
  UniquePkey pkey =
      pkey_from_params("ED25519", is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get());
  if (!pkey) return std::unexpected(JoseStatus::kJwkInvalid);
  if (is_private) {
    unsigned char pub[kEd25519Bytes];
    std::size_t len = sizeof pub;
    if (EVP_PKEY_get_raw_public_key(pkey.get(), pub, &len) != 1 || len != kEd25519Bytes ||
        CRYPTO_memcmp(pub, x->data(), kEd25519Bytes) != 0) {
      return std::unexpected(JoseStatus::kJwkInvalid);
    }
  }
  return Imported{std::move(pkey), KeyType::kEd25519, is_private};
}

// Classifies a key read from PEM or freshly generated.
std::expected<KeyType, JoseStatus> classify(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    if (!rsa_size_ok(pkey)) return std::unexpected(JoseStatus::kJwkInvalid);
    return KeyType::kRsa;
  }
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
      return std::unexpected(JoseStatus::kJwkInvalid);
    }
    const std::string_view name(group, len);
    if (name != "prime256v1" && name != "P-256") return std::unexpected(JoseStatus::kJwkInvalid);
    return KeyType::kEcP256;
  }
  if (EVP_PKEY_is_a(pkey, "ED25519")) return KeyType::kEd25519;
  return std::unexpected(JoseStatus::kJwkInvalid);
}

bool type_fits(KeyType type, Alg a) {
  switch (a) {
    case Alg::kRS256:
    case Alg::kPS256: return type == KeyType::kRsa;
    case Alg::kES256: return type == KeyType::kEcP256;
    case Alg::kEdDSA: return type == KeyType::kEd25519;
  }
  return false;
}

std::string bn_param_bytes(EVP_PKEY* pkey, const char* name, int pad_to) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) return {};
  UniqueBn bn(raw);
  const int len = pad_to > 0 ? pad_to : BN_num_bytes(bn.get());
  std::string out(static_cast<std::size_t>(len), '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), len) != len) return {};
  return out;
}

std::string ed25519_public(EVP_PKEY* pkey) {
  std::string out(kEd25519Bytes, '\0');
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY,
                                      reinterpret_cast<unsigned char*>(out.data()), out.size(), &len) != 1 ||
      len != kEd25519Bytes) {
    return {};
  }
  return out;
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(len));
}

// PEM password callback that never supplies a password (no prompting on a tty).
int no_password(char*, int, int, void*) { return 0; }

}  // namespace

std::expected<Jwk, JoseStatus> Jwk::from_json(const boost::json::object& obj, bool allow_private) {
  try {
    const auto kty = get_string(obj, "kty");
    if (!kty) return std::unexpected(JoseStatus::kJwkInvalid);

    // Optional members with fixed meaning are checked before any key material.
    if (const json::value* use = obj.if_contains("use")) {
      if (!use->is_string() || use->get_string() != "sig") return std::unexpected(JoseStatus::kJwkInvalid);
    }
    std::string kid;
    if (const json::value* k = obj.if_contains("kid")) {
      if (!k->is_string()) return std::unexpected(JoseStatus::kJwkInvalid);
      kid.assign(k->get_string().data(), k->get_string().size());
    }
    std::optional<Alg> alg;
    if (const json::value* a = obj.if_contains("alg")) {
      if (!a->is_string()) return std::unexpected(JoseStatus::kJwkInvalid);
      alg = alg_from_name(std::string_view(a->get_string().data(), a->get_string().size()));
      if (!alg) return std::unexpected(JoseStatus::kJwkInvalid);
    }

    std::expected<Imported, JoseStatus> imported = std::unexpected(JoseStatus::kJwkInvalid);
    if (*kty == "RSA") {
      imported = import_rsa(obj, allow_private);
    } else if (*kty == "EC") {
      imported = import_ec(obj, allow_private);
    } else if (*kty == "OKP") {
      imported = import_okp(obj, allow_private);
    }  // "oct" and anything else: refused
    if (!imported) {
      ERR_clear_error();  // leave no OpenSSL error behind for this thread's next caller
      return std::unexpected(imported.error());
    }
    if (alg && !type_fits(imported->type, *alg)) return std::unexpected(JoseStatus::kJwkInvalid);

    Jwk jwk;
    jwk.type_ = imported->type;
    jwk.kid_ = std::move(kid);
    jwk.alg_ = alg;
    jwk.private_ = imported->is_private;
    jwk.pkey_ = share_key(std::move(imported->pkey));
    return jwk;
  } catch (...) {
    return std::unexpected(JoseStatus::kCryptoFailure);
  }
}

std::expected<Jwk, JoseStatus> Jwk::from_pem(std::string_view pem, std::string kid) {
  try {
    if (pem.empty() || pem.size() > static_cast<std::size_t>(1 << 20)) {
      return std::unexpected(JoseStatus::kJwkInvalid);
    }
    bool is_private = true;
    UniquePkey pkey;
    {
      UniqueBio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
      if (!bio) return std::unexpected(JoseStatus::kCryptoFailure);
      pkey.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
    }
    if (!pkey) {
      is_private = false;
      UniqueBio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
      if (!bio) return std::unexpected(JoseStatus::kCryptoFailure);
      pkey.reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, no_password, nullptr));
    }
    ERR_clear_error();
    if (!pkey) return std::unexpected(JoseStatus::kJwkInvalid);
    auto type = classify(pkey.get());
    if (!type) return std::unexpected(type.error());
    if (!key_checks_out(pkey.get(), is_private)) return std::unexpected(JoseStatus::kJwkInvalid);

    Jwk jwk;
    jwk.type_ = *type;
    jwk.private_ = is_private;
    jwk.pkey_ = share_key(std::move(pkey));
    jwk.kid_ = kid.empty() ? jwk.thumbprint() : std::move(kid);
    return jwk;
  } catch (...) {
    return std::unexpected(JoseStatus::kCryptoFailure);
  }
}

std::expected<Jwk, JoseStatus> Jwk::generate(Alg alg, std::string kid) {
  try {
    UniquePkey pkey;
    switch (alg) {
      case Alg::kRS256:
      case Alg::kPS256: pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048})); break;
      case Alg::kES256: pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); break;
      case Alg::kEdDSA: pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); break;
    }
    if (!pkey) return std::unexpected(JoseStatus::kCryptoFailure);
    auto type = classify(pkey.get());
    if (!type) return std::unexpected(JoseStatus::kCryptoFailure);
    Jwk jwk;
    jwk.type_ = *type;
    jwk.alg_ = alg;
    jwk.private_ = true;
    jwk.pkey_ = share_key(std::move(pkey));
    jwk.kid_ = kid.empty() ? jwk.thumbprint() : std::move(kid);
    return jwk;
  } catch (...) {
    return std::unexpected(JoseStatus::kCryptoFailure);
  }
}

bool Jwk::fits(Alg a) const { return pkey_ && type_fits(type_, a) && (!alg_ || *alg_ == a); }

boost::json::object Jwk::to_public_json() const {
  json::object out;
  if (!pkey_) return out;
  switch (type_) {
    case KeyType::kRsa:
      out["kty"] = "RSA";
      out["n"] = base64url_encode(bn_param_bytes(pkey_.get(), OSSL_PKEY_PARAM_RSA_N, 0));
      out["e"] = base64url_encode(bn_param_bytes(pkey_.get(), OSSL_PKEY_PARAM_RSA_E, 0));
      break;
    case KeyType::kEcP256:
      out["kty"] = "EC";
      out["crv"] = "P-256";
      out["x"] = base64url_encode(bn_param_bytes(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_X, kP256Bytes));
      out["y"] = base64url_encode(bn_param_bytes(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, kP256Bytes));
      break;
    case KeyType::kEd25519:
      out["kty"] = "OKP";
      out["crv"] = "Ed25519";
      out["x"] = base64url_encode(ed25519_public(pkey_.get()));
      break;
  }
  if (!kid_.empty()) out["kid"] = kid_;
  out["use"] = "sig";
  if (alg_) out["alg"] = alg_name(*alg_);
  return out;
}

std::expected<std::string, JoseStatus> Jwk::to_private_pem() const {
  if (!pkey_) return std::unexpected(JoseStatus::kJwkInvalid);
  if (!private_) return std::unexpected(JoseStatus::kKeyNotPrivate);
  UniqueBio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return std::unexpected(JoseStatus::kCryptoFailure);
  }
  return bio_contents(bio.get());
}

std::string Jwk::to_public_pem() const {
  if (!pkey_) return {};
  UniqueBio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1) return {};
  return bio_contents(bio.get());
}

std::string Jwk::thumbprint() const {
  if (!pkey_) return {};
  // RFC 7638 §3.2: the required members only, lexicographic order, no whitespace.
  // Every value is base64url or a fixed name, so nothing needs escaping.
  std::string canonical;
  switch (type_) {
    case KeyType::kRsa:
      canonical = R"({"e":")" + base64url_encode(bn_param_bytes(pkey_.get(), OSSL_PKEY_PARAM_RSA_E, 0)) +
                  R"(","kty":"RSA","n":")" +
                  base64url_encode(bn_param_bytes(pkey_.get(), OSSL_PKEY_PARAM_RSA_N, 0)) + R"("})";
      break;
    case KeyType::kEcP256:
      canonical = R"({"crv":"P-256","kty":"EC","x":")" +
                  base64url_encode(bn_param_bytes(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_X, kP256Bytes)) +
                  R"(","y":")" +
                  base64url_encode(bn_param_bytes(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, kP256Bytes)) + R"("})";
      break;
    case KeyType::kEd25519:
      canonical = R"({"crv":"Ed25519","kty":"OKP","x":")" + base64url_encode(ed25519_public(pkey_.get())) +
                  R"("})";
      break;
  }
  return base64url_encode(sha256(canonical));
}

std::expected<Jwks, JoseStatus> Jwks::from_json(std::string_view text) {
  try {
    auto doc = parse_strict_object(text);
    if (!doc) return std::unexpected(JoseStatus::kJwksInvalid);
    const json::value* keys = doc->if_contains("keys");
    if (keys == nullptr || !keys->is_array()) return std::unexpected(JoseStatus::kJwksInvalid);
    std::vector<Jwk> out;
    out.reserve(keys->get_array().size());
    for (const json::value& item : keys->get_array()) {
      const json::object* obj = item.if_object();
      if (obj == nullptr) return std::unexpected(JoseStatus::kJwksInvalid);
      const json::value* kty = obj->if_contains("kty");
      if (kty == nullptr || !kty->is_string()) return std::unexpected(JoseStatus::kJwksInvalid);
      // Keys for other purposes ("use":"enc") are not ours to verify with.
      if (const json::value* use = obj->if_contains("use");
          use != nullptr && !(use->is_string() && use->get_string() == "sig")) {
        continue;
      }
      // Unsupported kty/crv/alg, RSA under 2048 bits, bad material, private
      // members: not a usable verification key, skipped.
      auto jwk = Jwk::from_json(*obj, /*allow_private=*/false);
      if (!jwk) continue;
      out.push_back(std::move(*jwk));
    }
    return Jwks(std::move(out));
  } catch (...) {
    return std::unexpected(JoseStatus::kJwksInvalid);
  }
}

const Jwk* Jwks::find(std::string_view kid) const {
  for (const Jwk& k : keys_) {
    if (k.kid() == kid) return &k;
  }
  return nullptr;
}

const Jwk* Jwks::select(std::optional<std::string_view> kid, Alg alg) const {
  if (kid) {
    // By kid: a key with this kid that fits alg; failing that, the first key with
    // this kid, so that the caller can report kKeyAlgMismatch rather than kKidUnknown.
    const Jwk* first = nullptr;
    for (const Jwk& k : keys_) {
      if (k.kid() != *kid) continue;
      if (k.fits(alg)) return &k;
      if (first == nullptr) first = &k;
    }
    return first;
  }
  const Jwk* only = nullptr;
  for (const Jwk& k : keys_) {
    if (!k.fits(alg)) continue;
    if (only != nullptr) return nullptr;  // ambiguous
    only = &k;
  }
  return only;
}

std::string Jwks::to_public_json() const {
  json::object doc;
  json::array& arr = doc["keys"].emplace_array();
  for (const Jwk& k : keys_) arr.push_back(k.to_public_json());
  return json::serialize(doc);
}

}  // namespace tollgate::core
