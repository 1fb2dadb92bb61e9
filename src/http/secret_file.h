// secret_file.h — a secret kept in a file of the data folder: the admin
// credential (authz/admin_token.h) and the key the gateway shows the network
// role (x-tollgate-gateway-key). Start-up only.
//
// The file must be a regular file without group/other permission bits and hold
// one token of at least kMinSecretLength visible ASCII characters (surrounding whitespace
// ignored). With `create`, a missing file is first created exclusively (mode
// 0600) holding 256 random bits; when another process wins that race, its file
// is read. Every failure throws std::runtime_error with a clear message (the
// path, never the secret).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace tollgate::http {

inline constexpr std::size_t kMinSecretLength = 32;

std::string load_or_create_secret(const std::filesystem::path& path, bool create);

}  // namespace tollgate::http
