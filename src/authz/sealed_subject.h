// sealed_subject.h — the subscriber's MSISDN, sealed inside a 3-legged access
// token for the gateway (claim "sub_sealed"), so that the phone number never
// appears in clear in a token (CAMARA: no PII in `sub`; ARCHITECTURE.md "the
// phone number never appears in clear in a token").
//
// Why sealing and not introspection: the gateway validates tokens locally with
// no call to the authorization server per request (the product's premise and
// its benchmark); a sealed claim keeps that true for 3-legged tokens, and costs
// one AES-GCM open (about a microsecond) per request.
//
// Format: "1." + base64url(iv[12] || ciphertext || tag[16]), AES-256-GCM with
// the associated data "tollgate-sub-v1|" + the token's "aud"-independent
// context string the caller gives (we bind the seal to the token's jti, so a
// sealed value cannot be transplanted into another token).
//
// The key: 32 random bytes, base64url text in <data_dir>/keys/subject-seal.key
// (mode 0600), created by the authorization server at first start and read by
// the gateway. Anyone holding it can read every token's subscriber: it is as
// sensitive as the signing keys.
//
// Header-only on purpose: the gateway links core and OpenSSL but not the authz
// library; this file needs nothing else. Thread safety: a SubjectSealer is
// immutable; seal/open may run on any number of threads.
#pragma once

#include <openssl/evp.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <expected>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/base64url.h"
#include "core/crypto.h"

namespace tollgate::authz {

inline constexpr std::string_view kSealedSubjectClaim = "sub_sealed";
inline constexpr std::string_view kSubjectSealKeyFile = "subject-seal.key";

class SubjectSealer {
 public:
  static constexpr std::size_t kKeyBytes = 32;
  static constexpr std::size_t kIvBytes = 12;
  static constexpr std::size_t kTagBytes = 16;

  // REQUIRES: key.size() == kKeyBytes (else nullopt).
  static std::optional<SubjectSealer> from_key(std::string_view key) {
    if (key.size() != kKeyBytes) return std::nullopt;
    return SubjectSealer(std::string(key));
  }

  // Read <file> (base64url of 32 bytes). With `create`, a missing file is made
  // with a fresh random key, mode 0600, written atomically. A file readable by
  // group or others is refused. The error string says why (start-up only).
  static std::expected<SubjectSealer, std::string> load(const std::filesystem::path& file,
                                                        bool create) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(file, ec)) {
      if (!create)
        return std::unexpected(file.string() +
                               ": no subject sealing key (start the authorization server once)");
      const std::string text = core::base64url_encode(core::random_bytes(kKeyBytes)) + "\n";
      const fs::path tmp = file.string() + ".tmp";
      const mode_t old = ::umask(077);
      {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
        if (!out) {
          ::umask(old);
          return std::unexpected(tmp.string() + ": cannot write the subject sealing key");
        }
      }
      ::umask(old);
      ::chmod(tmp.c_str(), 0600);
      fs::rename(tmp, file, ec);
      if (ec) return std::unexpected(file.string() + ": " + ec.message());
    }
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return std::unexpected(file.string() + ": cannot stat");
    if ((st.st_mode & 077) != 0)
      return std::unexpected(file.string() + ": readable by group or others; chmod 600 it");
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    auto key = core::base64url_decode(text);
    if (!key || key->size() != kKeyBytes)
      return std::unexpected(file.string() + ": not the base64url text of a 32-byte key");
    return SubjectSealer(std::move(*key));
  }

  // Seal `subject` bound to `context` (the token's jti). Empty on a crypto failure.
  std::string seal(std::string_view subject, std::string_view context) const {
    const std::string iv = core::random_bytes(kIvBytes);
    std::string out = iv;
    out.resize(kIvBytes + subject.size() + kTagBytes);
    Ctx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    const std::string aad = aad_for(context);
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u(key_), u(iv)) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, u(aad), static_cast<int>(aad.size())) != 1 ||
        EVP_EncryptUpdate(ctx.get(), o + kIvBytes, &len, u(subject),
                          static_cast<int>(subject.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), o + kIvBytes + len, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                            o + kIvBytes + subject.size()) != 1)
      return {};
    return "1." + core::base64url_encode(out);
  }

  // The subject, or nullopt when `sealed` is malformed, was sealed under another
  // key or context, or was altered in any bit.
  std::optional<std::string> open(std::string_view sealed, std::string_view context) const {
    if (!sealed.starts_with("1.") || sealed.size() > 512) return std::nullopt;
    auto raw = core::base64url_decode(sealed.substr(2));
    if (!raw || raw->size() < kIvBytes + kTagBytes + 1) return std::nullopt;
    const std::size_t n = raw->size() - kIvBytes - kTagBytes;
    std::string plain(n, '\0');
    std::string tag = raw->substr(kIvBytes + n);
    Ctx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    const std::string aad = aad_for(context);
    auto* p = reinterpret_cast<unsigned char*>(plain.data());
    if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u(key_), u(*raw)) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &len, u(aad), static_cast<int>(aad.size())) != 1 ||
        EVP_DecryptUpdate(ctx.get(), p, &len, u(*raw) + kIvBytes, static_cast<int>(n)) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), p + len, &len) != 1)
      return std::nullopt;
    return plain;
  }

 private:
  explicit SubjectSealer(std::string key) : key_(std::move(key)) {}
  struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
  };
  using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;
  static const unsigned char* u(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
  }
  static std::string aad_for(std::string_view context) {
    return "tollgate-sub-v1|" + std::string(context);
  }
  std::string key_;
};

}  // namespace tollgate::authz
