// jws.cc — JWS compact serialization: strict parse, sign, verify (see jws.h).
#include "core/jws.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <array>
#include <cstdlib>
#include <cstring>

#include "core/ascii.h"
#include "core/base64url.h"
#include "core/json.h"
#include "core/ossl_util.h"

namespace tollgate::core {

namespace detail {

const EVP_MD* sha256_md() {
  // Fetched once and kept for the life of the process.
  static EVP_MD* const md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) std::abort();  // SHA-256 is always available in the default provider
    return m;
  }();
  return md;
}

struct PreparedVerify {
  UniquePkeyCtx rs256;
  UniquePkeyCtx ps256;
  UniquePkeyCtx es256;
};

void PreparedVerifyDeleter::operator()(PreparedVerify* p) const { delete p; }

int prepared_verify_index() {
  static const int index = EVP_PKEY_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace detail

namespace {

namespace json = boost::json;
using detail::UniqueMdCtx;
using detail::UniquePkeyCtx;

constexpr std::size_t kSha256Bytes = 32;
constexpr std::size_t kEs256SigBytes = 64;
constexpr std::size_t kEd25519SigBytes = 64;
constexpr std::size_t kMaxKidBytes = 256;
constexpr int kPssSaltBytes = 32;  // RFC 7518 §3.5: salt length equals the hash length

// The order n of the P-256 group, big-endian.
constexpr std::array<unsigned char, 32> kP256Order = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};

// Bytes let through the first scan of a compact JWS: the base64url alphabet, '.'
// and '='. Padding is a base64 encoding error rather than a stray byte, so a
// padded segment gets past this scan and is refused by the strict decoder
// (kBase64Invalid); every other byte is kTokenBadCharacter.
constexpr std::array<bool, 256> make_token_alphabet() {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  t['-'] = t['_'] = t['.'] = t['='] = true;
  return t;
}
constexpr auto kTokenAlphabet = make_token_alphabet();

const unsigned char* u8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Drops whatever OpenSSL queued for this thread after an expected failure.
JoseStatus fail(JoseStatus s) {
  ERR_clear_error();
  return s;
}

// ---- EVP contexts ----------------------------------------------------------

bool configure_verify(EVP_PKEY_CTX* ctx, Alg alg) {
  const EVP_MD* md = detail::sha256_md();
  switch (alg) {
    case Alg::kRS256:
      return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
             EVP_PKEY_CTX_set_signature_md(ctx, md) > 0;
    case Alg::kPS256:
      return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
             EVP_PKEY_CTX_set_signature_md(ctx, md) > 0 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) > 0 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, kPssSaltBytes) > 0;
    case Alg::kES256:
      return EVP_PKEY_CTX_set_signature_md(ctx, md) > 0;
    case Alg::kEdDSA:
      return false;  // EdDSA has no pre-hashed form
  }
  return false;
}

// A verify-initialised context over a SHA-256 digest for RS256/PS256/ES256.
UniquePkeyCtx new_verify_ctx(EVP_PKEY* pkey, Alg alg) {
  UniquePkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 || !configure_verify(ctx.get(), alg))
    return nullptr;
  return ctx;
}

// Duplicates the key's prepared template when there is one (no algorithm fetch),
// else builds a fresh context.
UniquePkeyCtx verify_ctx_for(EVP_PKEY* pkey, Alg alg) {
  const auto* prepared = static_cast<const detail::PreparedVerify*>(
      EVP_PKEY_get_ex_data(pkey, detail::prepared_verify_index()));
  if (prepared != nullptr) {
    const EVP_PKEY_CTX* tpl = nullptr;
    switch (alg) {
      case Alg::kRS256:
        tpl = prepared->rs256.get();
        break;
      case Alg::kPS256:
        tpl = prepared->ps256.get();
        break;
      case Alg::kES256:
        tpl = prepared->es256.get();
        break;
      case Alg::kEdDSA:
        break;
    }
    if (tpl != nullptr) {
      if (UniquePkeyCtx ctx{EVP_PKEY_CTX_dup(tpl)}) return ctx;
    }
  }
  return new_verify_ctx(pkey, alg);
}

bool sha256_digest(std::string_view data, unsigned char (&out)[kSha256Bytes]) {
  unsigned int len = 0;
  return EVP_Digest(data.data(), data.size(), out, &len, detail::sha256_md(), nullptr) == 1 &&
         len == kSha256Bytes;
}

// ---- ES256 signature encoding -------------------------------------------------

bool all_zero(const unsigned char* p, std::size_t n) {
  unsigned char acc = 0;
  for (std::size_t i = 0; i < n; ++i) acc |= p[i];
  return acc == 0;
}

// Appends the DER INTEGER for a 32-byte unsigned big-endian value.
void append_der_integer(const unsigned char* v, unsigned char* out, std::size_t& pos) {
  std::size_t skip = 0;
  while (skip < 31 && v[skip] == 0) ++skip;
  const bool pad = (v[skip] & 0x80u) != 0;
  const std::size_t len = 32 - skip + (pad ? 1 : 0);
  out[pos++] = 0x02;
  out[pos++] = static_cast<unsigned char>(len);
  if (pad) out[pos++] = 0x00;
  std::memcpy(out + pos, v + skip, 32 - skip);
  pos += 32 - skip;
}

// r||s (64 bytes) -> DER ECDSA-Sig-Value; `out` holds at least 72 bytes.
std::size_t raw_to_der(const unsigned char* rs, unsigned char* out) {
  unsigned char body[70];
  std::size_t body_len = 0;
  append_der_integer(rs, body, body_len);
  append_der_integer(rs + 32, body, body_len);
  out[0] = 0x30;
  out[1] = static_cast<unsigned char>(body_len);  // at most 70: short form
  std::memcpy(out + 2, body, body_len);
  return body_len + 2;
}

// Reads one DER INTEGER into a 32-byte big-endian buffer.
bool read_der_integer(const unsigned char*& p, const unsigned char* end, unsigned char* out32) {
  if (end - p < 2 || p[0] != 0x02) return false;
  std::size_t len = p[1];
  p += 2;
  if (len == 0 || len > 33 || static_cast<std::size_t>(end - p) < len) return false;
  const unsigned char* v = p;
  p += len;
  while (len > 0 && *v == 0) {
    ++v;
    --len;
  }
  if (len > 32) return false;
  std::memset(out32, 0, 32);
  std::memcpy(out32 + (32 - len), v, len);
  return true;
}

// DER ECDSA-Sig-Value (from OpenSSL) -> r||s.
bool der_to_raw(const unsigned char* der, std::size_t der_len, unsigned char* rs) {
  if (der_len < 2 || der[0] != 0x30 || der[1] >= 0x80 || der[1] != der_len - 2) return false;
  const unsigned char* p = der + 2;
  const unsigned char* end = der + der_len;
  return read_der_integer(p, end, rs) && read_der_integer(p, end, rs + 32) && p == end;
}

// ---- per-algorithm verification ----------------------------------------------

JoseStatus verify_prehashed(Alg alg, std::string_view input, const unsigned char* sig,
                            std::size_t sig_len, EVP_PKEY* pkey) {
  unsigned char digest[kSha256Bytes];
  if (!sha256_digest(input, digest)) return fail(JoseStatus::kCryptoFailure);
  UniquePkeyCtx ctx = verify_ctx_for(pkey, alg);
  if (!ctx) return fail(JoseStatus::kCryptoFailure);
  if (EVP_PKEY_verify(ctx.get(), sig, sig_len, digest, sizeof digest) != 1) {
    return fail(JoseStatus::kSignatureInvalid);
  }
  return JoseStatus::kOk;
}

JoseStatus verify_es256(std::string_view input, std::string_view signature, EVP_PKEY* pkey) {
  if (signature.size() != kEs256SigBytes) return JoseStatus::kSignatureMalformed;
  const unsigned char* r = u8(signature);
  const unsigned char* s = r + 32;
  // 0 < r, s < n (RFC 7518 §3.4 / SEC 1): anything else is not a signature at all.
  if (all_zero(r, 32) || all_zero(s, 32) || std::memcmp(r, kP256Order.data(), 32) >= 0 ||
      std::memcmp(s, kP256Order.data(), 32) >= 0) {
    return JoseStatus::kSignatureMalformed;
  }
  unsigned char der[72];
  const std::size_t der_len = raw_to_der(r, der);
  return verify_prehashed(Alg::kES256, input, der, der_len, pkey);
}

JoseStatus verify_rsa(Alg alg, std::string_view input, std::string_view signature, EVP_PKEY* pkey) {
  // RSASSA signatures are exactly the modulus length (RFC 8017 §8.1.2 / §8.2.2).
  if (signature.empty() || signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(pkey))) {
    return JoseStatus::kSignatureMalformed;
  }
  return verify_prehashed(alg, input, u8(signature), signature.size(), pkey);
}

JoseStatus verify_eddsa(std::string_view input, std::string_view signature, EVP_PKEY* pkey) {
  if (signature.size() != kEd25519SigBytes) return JoseStatus::kSignatureMalformed;
  UniqueMdCtx ctx(EVP_MD_CTX_new());
  if (!ctx ||
      EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, pkey, nullptr) != 1) {
    return fail(JoseStatus::kCryptoFailure);
  }
  if (EVP_DigestVerify(ctx.get(), u8(signature), signature.size(), u8(input), input.size()) != 1) {
    return fail(JoseStatus::kSignatureInvalid);
  }
  return JoseStatus::kOk;
}

// ---- signing ------------------------------------------------------------------

// A sign-initialised context for RS256/PS256/ES256 over a SHA-256 digest, kept
// per thread for the last few keys used (each slot holds a reference to its key,
// so a slot's key cannot be freed and its address reused while the slot lives).
// Initialising a context fetches the algorithm (provider lookup, locks); a
// token endpoint signs with one key for hours, so that work is done once per
// thread and key instead of once per token. The slots are freed at thread exit.
EVP_PKEY_CTX* sign_ctx_for(EVP_PKEY* pkey, Alg alg) {
  struct Slot {
    EVP_PKEY* pkey = nullptr;
    Alg alg = Alg::kES256;
    UniquePkeyCtx ctx;
  };
  thread_local std::array<Slot, 4> slots;
  thread_local std::size_t next = 0;
  for (Slot& slot : slots) {
    if (slot.ctx && slot.pkey == pkey && slot.alg == alg) return slot.ctx.get();
  }
  UniquePkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 || !configure_verify(ctx.get(), alg))
    return nullptr;
  Slot& slot = slots[next++ % slots.size()];
  slot = Slot{pkey, alg, std::move(ctx)};
  return slot.ctx.get();
}

std::expected<std::string, JoseStatus> sign_eddsa(std::string_view input, EVP_PKEY* pkey) {
  UniqueMdCtx ctx(EVP_MD_CTX_new());
  if (!ctx ||
      EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, pkey, nullptr) != 1) {
    return std::unexpected(fail(JoseStatus::kCryptoFailure));
  }
  std::string sig(kEd25519SigBytes, '\0');
  std::size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, u8(input),
                     input.size()) != 1 ||
      len != kEd25519SigBytes) {
    return std::unexpected(fail(JoseStatus::kCryptoFailure));
  }
  return sig;
}

// The JWS signature bytes: RS256/PS256 as OpenSSL writes them, ES256 as the raw
// 64-byte r||s of RFC 7518 §3.4 (OpenSSL writes DER), EdDSA over the whole input.
std::expected<std::string, JoseStatus> sign_raw(Alg alg, std::string_view input, EVP_PKEY* pkey) {
  if (alg == Alg::kEdDSA) return sign_eddsa(input, pkey);
  unsigned char digest[kSha256Bytes];
  if (!sha256_digest(input, digest)) return std::unexpected(fail(JoseStatus::kCryptoFailure));
  EVP_PKEY_CTX* ctx = sign_ctx_for(pkey, alg);
  if (ctx == nullptr) return std::unexpected(fail(JoseStatus::kCryptoFailure));
  std::size_t len = 0;
  if (EVP_PKEY_sign(ctx, nullptr, &len, digest, sizeof digest) != 1) {
    return std::unexpected(fail(JoseStatus::kCryptoFailure));
  }
  std::string sig(len, '\0');
  if (EVP_PKEY_sign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, digest,
                    sizeof digest) != 1) {
    return std::unexpected(fail(JoseStatus::kCryptoFailure));
  }
  sig.resize(len);
  if (alg != Alg::kES256) return sig;
  std::string raw(kEs256SigBytes, '\0');
  if (!der_to_raw(u8(sig), sig.size(), reinterpret_cast<unsigned char*>(raw.data()))) {
    return std::unexpected(JoseStatus::kCryptoFailure);
  }
  return raw;
}

JoseStatus map_json_error(JsonError e, JoseStatus not_json, JoseStatus not_object) {
  switch (e) {
    case JsonError::kNotObject:
      return not_object;
    case JsonError::kDuplicateMember:
      return JoseStatus::kDuplicateMember;
    case JsonError::kSyntax:
    case JsonError::kTooDeep:
      return not_json;
  }
  return not_json;
}

bool kid_ok(const json::value& v) {
  const json::string* s = v.if_string();
  if (s == nullptr || s->empty() || s->size() > kMaxKidBytes) return false;
  for (unsigned char c : *s) {
    if (c < 0x20 || c > 0x7E) return false;  // printable ASCII only
  }
  return true;
}

}  // namespace

namespace detail {

PreparedVerifyPtr make_prepared_verify(EVP_PKEY* pkey) {
  PreparedVerifyPtr p(new PreparedVerify());
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    p->rs256 = new_verify_ctx(pkey, Alg::kRS256);
    p->ps256 = new_verify_ctx(pkey, Alg::kPS256);
    if (!p->rs256 || !p->ps256) p.reset();
  } else if (EVP_PKEY_is_a(pkey, "EC")) {
    p->es256 = new_verify_ctx(pkey, Alg::kES256);
    if (!p->es256) p.reset();
  } else {
    p.reset();  // Ed25519: nothing to prepare
  }
  ERR_clear_error();
  return p;
}

}  // namespace detail

std::expected<ParsedJws, JoseStatus> parse_compact(std::string_view token, AlgSet allowed) {
  try {
    if (token.empty()) return std::unexpected(JoseStatus::kTokenEmpty);
    if (token.size() > kMaxTokenBytes) return std::unexpected(JoseStatus::kTokenTooLarge);
    for (unsigned char c : token) {
      if (!kTokenAlphabet[c]) return std::unexpected(JoseStatus::kTokenBadCharacter);
    }
    const std::size_t dot1 = token.find('.');
    if (dot1 == std::string_view::npos) return std::unexpected(JoseStatus::kTokenMalformed);
    const std::size_t dot2 = token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
      return std::unexpected(JoseStatus::kTokenMalformed);
    }
    const std::string_view header_b64 = token.substr(0, dot1);
    const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
    const std::string_view signature_b64 = token.substr(dot2 + 1);
    if (header_b64.empty() || payload_b64.empty())
      return std::unexpected(JoseStatus::kTokenMalformed);

    // ---- header
    auto header_text = base64url_decode(header_b64);
    if (!header_text) return std::unexpected(JoseStatus::kBase64Invalid);
    auto header = parse_strict_object(*header_text);
    if (!header) {
      return std::unexpected(
          map_json_error(header.error(), JoseStatus::kHeaderNotJson, JoseStatus::kHeaderNotObject));
    }

    const json::value* alg_v = header->if_contains("alg");
    if (alg_v == nullptr || !alg_v->is_string()) return std::unexpected(JoseStatus::kAlgMissing);
    const std::string_view alg_s(alg_v->get_string().data(), alg_v->get_string().size());
    if (ascii_iequals(alg_s, "none")) return std::unexpected(JoseStatus::kAlgNone);
    if (alg_s.size() >= 2 && ascii_iequals(alg_s.substr(0, 2), "HS")) {
      return std::unexpected(JoseStatus::kAlgHmacRefused);
    }
    const std::optional<Alg> alg = alg_from_name(alg_s);
    if (!alg) return std::unexpected(JoseStatus::kAlgUnsupported);
    if (!allowed.contains(*alg)) return std::unexpected(JoseStatus::kAlgNotAllowed);

    if (header->contains("crit")) return std::unexpected(JoseStatus::kCritUnsupported);
    for (const char* name : {"jwk", "jku", "x5u", "x5c"}) {
      if (header->contains(name)) return std::unexpected(JoseStatus::kEmbeddedKeyRefused);
    }

    ParsedJws out;
    out.alg = *alg;
    if (const json::value* kid = header->if_contains("kid")) {
      if (!kid_ok(*kid)) return std::unexpected(JoseStatus::kKidInvalid);
      out.kid.emplace(kid->get_string().data(), kid->get_string().size());
    }
    if (const json::value* typ = header->if_contains("typ")) {
      if (!typ->is_string()) return std::unexpected(JoseStatus::kTypInvalid);
      out.typ.emplace(typ->get_string().data(), typ->get_string().size());
    }

    // ---- payload
    auto payload_text = base64url_decode(payload_b64);
    if (!payload_text) return std::unexpected(JoseStatus::kBase64Invalid);
    auto payload = parse_strict_object(*payload_text);
    if (!payload) {
      return std::unexpected(map_json_error(payload.error(), JoseStatus::kPayloadNotJson,
                                            JoseStatus::kPayloadNotObject));
    }

    // ---- signature
    auto signature = base64url_decode(signature_b64);
    if (!signature) return std::unexpected(JoseStatus::kBase64Invalid);
    if (signature->empty()) return std::unexpected(JoseStatus::kSignatureMalformed);

    out.header = std::move(*header);
    out.payload = std::move(*payload);
    out.signing_input = token.substr(0, dot2);
    out.signature = std::move(*signature);
    return out;
  } catch (...) {
    return std::unexpected(JoseStatus::kCryptoFailure);  // allocation failure
  }
}

JoseStatus verify_signature(const ParsedJws& jws, const Jwk& key) {
  if (!key.fits(jws.alg)) return JoseStatus::kKeyAlgMismatch;
  return verify_raw(jws.alg, jws.signing_input, jws.signature, key);
}

JoseStatus verify_raw(Alg alg, std::string_view signing_input, std::string_view signature,
                      const Jwk& key) {
  if (!key.fits(alg)) return JoseStatus::kKeyAlgMismatch;
  EVP_PKEY* pkey = key.pkey();
  switch (alg) {
    case Alg::kRS256:
    case Alg::kPS256:
      return verify_rsa(alg, signing_input, signature, pkey);
    case Alg::kES256:
      return verify_es256(signing_input, signature, pkey);
    case Alg::kEdDSA:
      return verify_eddsa(signing_input, signature, pkey);
  }
  return JoseStatus::kAlgUnsupported;
}

namespace {

// Header + payload + signature; `payload_json` is known to be one JSON object
// our parser accepts.
std::expected<std::string, JoseStatus> sign_object_json(const Jwk& private_key, Alg alg,
                                                        std::string_view payload_json,
                                                        std::optional<std::string_view> typ,
                                                        const json::object& extra_header) {
  if (!private_key.is_private()) return std::unexpected(JoseStatus::kKeyNotPrivate);
  if (!private_key.fits(alg)) return std::unexpected(JoseStatus::kKeyAlgMismatch);
  json::object header;
  header.reserve(3 + extra_header.size());
  header.emplace("alg", alg_name(alg));
  if (!private_key.kid().empty()) header.emplace("kid", private_key.kid());
  if (typ) header.emplace("typ", *typ);
  for (const auto& member : extra_header) {
    // alg/kid (and typ when given) are ours: a caller's copy is ignored.
    header.emplace(member.key(), member.value());
  }
  const std::string header_json = json::serialize(header);

  std::string token;
  token.reserve((header_json.size() + payload_json.size()) * 4 / 3 + 700);
  token += base64url_encode(header_json);
  token += '.';
  token += base64url_encode(payload_json);
  auto sig = sign_raw(alg, token, private_key.pkey());
  if (!sig) return std::unexpected(sig.error());
  token += '.';
  token += base64url_encode(*sig);
  return token;
}

}  // namespace

std::expected<std::string, JoseStatus> sign_compact(const Jwk& private_key, Alg alg,
                                                    std::string_view payload_json,
                                                    std::optional<std::string_view> typ,
                                                    const boost::json::object& extra_header) {
  try {
    if (!private_key.is_private()) return std::unexpected(JoseStatus::kKeyNotPrivate);
    if (!private_key.fits(alg)) return std::unexpected(JoseStatus::kKeyAlgMismatch);
    // Never emit a token our own parser would refuse.
    if (auto payload = parse_strict_object(payload_json); !payload) {
      return std::unexpected(map_json_error(payload.error(), JoseStatus::kPayloadNotJson,
                                            JoseStatus::kPayloadNotObject));
    }
    return sign_object_json(private_key, alg, payload_json, typ, extra_header);
  } catch (...) {
    return std::unexpected(JoseStatus::kCryptoFailure);
  }
}

std::expected<std::string, JoseStatus> sign_compact(const Jwk& private_key, Alg alg,
                                                    const boost::json::object& payload,
                                                    std::optional<std::string_view> typ,
                                                    const boost::json::object& extra_header) {
  try {
    // An object has unique member names and serializes to JSON our parser
    // accepts: the re-parse of the text overload is not needed.
    return sign_object_json(private_key, alg, json::serialize(payload), typ, extra_header);
  } catch (...) {
    return std::unexpected(JoseStatus::kCryptoFailure);
  }
}

}  // namespace tollgate::core
