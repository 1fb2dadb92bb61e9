// admin_token.h — the admin credential: a bearer token that guards the
// operator-only endpoints (GET /oauth2/revocations; introspection on behalf of
// a gateway). Never open by default: when `authz.admin_token_file` is not set,
// a token of 256 random bits is generated into <data_dir>/admin-token (mode
// 0600, created exclusively) on first start and read from there afterwards.
//
// Contract
// - `load` is start-up only and throws std::runtime_error with a clear message:
//   a configured file must exist, be a regular file without group/other
//   permission bits, and hold one token of at least kMinTokenLength characters
//   (surrounding whitespace ignored).
// - `check` compares SHA-256 digests in constant time (no length or prefix
//   timing), for a header of the form "Bearer <token>".
// - Thread safety: immutable after `load`.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "http/secret_file.h"

namespace tollgate::authz {

class AdminCredential {
 public:
  static constexpr std::size_t kMinTokenLength = http::kMinSecretLength;
  static constexpr std::string_view kFileName = "admin-token";

  static AdminCredential load(const std::optional<std::string>& file,
                              const std::filesystem::path& data_dir);
  static AdminCredential from_token(std::string_view token);  // tests

  // True for "Bearer <the admin token>" (scheme case-insensitive).
  bool check(std::string_view authorization_header) const;
  // False for a default-constructed credential (nothing loaded): check() is then always false.
  bool configured() const { return !digest_.empty(); }
  const std::filesystem::path& source() const { return source_; }

 private:
  std::string digest_;  // SHA-256 of the token
  std::filesystem::path source_;
};

}  // namespace tollgate::authz
