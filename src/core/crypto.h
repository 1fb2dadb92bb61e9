// crypto.h — small OpenSSL helpers shared by every role: CSPRNG bytes, SHA-256,
// constant-time comparison, secret hashing. Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tollgate::core {

// `n` bytes from the OpenSSL CSPRNG. Aborts if the CSPRNG fails (nothing safe to do).
std::string random_bytes(std::size_t n);
// base64url of `n` random bytes: ids, secrets, jti.
std::string random_token(std::size_t n);
// RFC 4122 version 4 UUID text.
std::string random_uuid();

std::string sha256(std::string_view data);      // 32 raw bytes
std::string sha256_hex(std::string_view data);  // 64 lowercase hex chars

bool constant_time_equal(std::string_view a, std::string_view b);

// Secret hashing for client secrets: "sha256$<salt b64u>$<HMAC-SHA256(salt, secret) b64u>".
// Tollgate only stores secrets it generated itself with 256 bits of entropy, so a
// slow KDF would add nothing against brute force and would cap the token endpoint
// at a few hundred requests per second; a salted keyed hash is enough.
std::string hash_secret(std::string_view secret);
bool verify_secret(std::string_view secret, std::string_view encoded_hash);

}  // namespace tollgate::core
