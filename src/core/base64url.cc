// base64url.cc — strict unpadded base64url (RFC 4648 §5), see base64url.h.
#include "core/base64url.h"

#include <array>

namespace tollgate::core {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// 0..63 for alphabet bytes, 0xFF for everything else.
constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& v : table) v = 0xFF;
  for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}
constexpr auto kDecode = make_decode_table();

std::string encode(const unsigned char* in, std::size_t n) {
  std::string out;
  out.resize((n / 3) * 4 + (n % 3 == 0 ? 0 : n % 3 + 1));
  char* o = out.data();
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    *o++ = kAlphabet[(v >> 18) & 63];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = kAlphabet[v & 63];
  }
  if (n - i == 1) {
    const std::uint32_t v = std::uint32_t{in[i]} << 16;
    *o++ = kAlphabet[(v >> 18) & 63];
    *o++ = kAlphabet[(v >> 12) & 63];
  } else if (n - i == 2) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8);
    *o++ = kAlphabet[(v >> 18) & 63];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
  }
  return out;
}

}  // namespace

std::string base64url_encode(std::span<const std::uint8_t> bytes) {
  return encode(bytes.data(), bytes.size());
}

std::string base64url_encode(std::string_view bytes) {
  return encode(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::optional<std::string> base64url_decode(std::string_view text) {
  const std::size_t n = text.size();
  const std::size_t rem = n % 4;
  if (rem == 1) return std::nullopt;
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  std::string out;
  out.resize((n / 4) * 3 + (rem == 0 ? 0 : rem - 1));
  char* o = out.data();
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const std::uint32_t a = kDecode[in[i]], b = kDecode[in[i + 1]], c = kDecode[in[i + 2]],
                        d = kDecode[in[i + 3]];
    if ((a | b | c | d) & 0x80u) return std::nullopt;
    const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    *o++ = static_cast<char>(v >> 16);
    *o++ = static_cast<char>(v >> 8);
    *o++ = static_cast<char>(v);
  }
  if (rem == 2) {
    const std::uint32_t a = kDecode[in[i]], b = kDecode[in[i + 1]];
    if ((a | b) & 0x80u) return std::nullopt;
    if (b & 0x0Fu) return std::nullopt;  // non-canonical: unused 4 low bits set
    *o++ = static_cast<char>((a << 2) | (b >> 4));
  } else if (rem == 3) {
    const std::uint32_t a = kDecode[in[i]], b = kDecode[in[i + 1]], c = kDecode[in[i + 2]];
    if ((a | b | c) & 0x80u) return std::nullopt;
    if (c & 0x03u) return std::nullopt;  // non-canonical: unused 2 low bits set
    const std::uint32_t v = (a << 18) | (b << 12) | (c << 6);
    *o++ = static_cast<char>(v >> 16);
    *o++ = static_cast<char>(v >> 8);
  }
  return out;
}

bool is_base64url_alphabet(std::string_view text) {
  for (unsigned char c : text) {
    if (kDecode[c] == 0xFF) return false;
  }
  return true;
}

}  // namespace tollgate::core
