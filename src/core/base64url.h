// base64url.h — strict base64url (RFC 4648 §5) without padding, as JOSE requires.
//
// Decoding refuses: '=' padding, the standard alphabet's '+' and '/', whitespace,
// any other byte, a length of 1 mod 4, and non-canonical encodings (unused low
// bits of the last character must be zero). Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::core {

std::string base64url_encode(std::span<const std::uint8_t> bytes);
std::string base64url_encode(std::string_view bytes);

// The decoded bytes, or nullopt when `text` is not strict unpadded base64url.
std::optional<std::string> base64url_decode(std::string_view text);

// True when every byte of `text` is in the base64url alphabet.
bool is_base64url_alphabet(std::string_view text);

}  // namespace tollgate::core
